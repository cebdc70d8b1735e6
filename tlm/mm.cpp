#include "tlm/mm.h"

namespace ddisim::tlm {

payload_pool::~payload_pool() {
    // Extensions owned by pooled payloads are freed with them.
    for (auto& p : all_) p->free_all_extensions();
}

::tlm::tlm_generic_payload* payload_pool::acquire() {
    ::tlm::tlm_generic_payload* gp;
    if (free_.empty()) {
        all_.push_back(std::make_unique<::tlm::tlm_generic_payload>(this));
        gp = all_.back().get();
        free_.reserve(all_.size());
    } else {
        gp = free_.back();
        free_.pop_back();
    }
    gp->acquire();
    gp->set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
    gp->set_dmi_allowed(false);
    gp->set_byte_enable_ptr(nullptr);
    gp->set_byte_enable_length(0);
    return gp;
}

void payload_pool::free(::tlm::tlm_generic_payload* gp) {
    // Do not call gp->reset(): it would delete extensions (auto-extension
    // semantics) which we keep attached for reuse.
    free_.push_back(gp);
}

} // namespace ddisim::tlm
