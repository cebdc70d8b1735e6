#include "tlm/extensions.h"

namespace ddisim::tlm {

::tlm::tlm_extension_base* requester_id_ext::clone() const { return new requester_id_ext(id); }
void requester_id_ext::copy_from(const ::tlm::tlm_extension_base& other) {
    id = static_cast<const requester_id_ext&>(other).id;
}

::tlm::tlm_extension_base* io_tag_ext::clone() const { return new io_tag_ext(tag); }
void io_tag_ext::copy_from(const ::tlm::tlm_extension_base& other) {
    tag = static_cast<const io_tag_ext&>(other).tag;
}

::tlm::tlm_extension_base* burst_ext::clone() const { return new burst_ext(*this); }
void burst_ext::copy_from(const ::tlm::tlm_extension_base& other) {
    *this = static_cast<const burst_ext&>(other);
}

std::uint32_t requester_id(const ::tlm::tlm_generic_payload& gp, std::uint32_t fallback) {
    const auto* e = gp.get_extension<requester_id_ext>();
    return e ? e->id : fallback;
}

std::uint64_t io_tag(const ::tlm::tlm_generic_payload& gp, std::uint64_t fallback) {
    const auto* e = gp.get_extension<io_tag_ext>();
    return e ? e->tag : fallback;
}

} // namespace ddisim::tlm
