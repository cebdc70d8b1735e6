#include "tlm/trace_tap.h"

#include "tlm/core/trace_events.h"

namespace ddisim::tlm {

namespace {
std::uint64_t at(const sc_core::sc_time& delay) { return (sc_core::sc_time_stamp() + delay).value(); }
} // namespace

trace_tap::trace_tap(sc_core::sc_module_name name, const std::string& track)
    : sc_module(name), in("in"), out("out"), track_(trace_events::instance().track(track)) {
    in.bind(*this);
    out.bind(*this);
}

void trace_tap::record(const ::tlm::tlm_generic_payload& gp, std::uint64_t b, std::uint64_t e) {
    const char* what = gp.is_read() ? "read" : (gp.is_write() ? "write" : "ignore");
    if (gp.get_response_status() != ::tlm::TLM_OK_RESPONSE) what = gp.is_read() ? "read (error)" : "write (error)";
    trace_events::instance().slice(track_, what, b, e, gp.get_data_length(), gp.get_address());
}

void trace_tap::b_transport(::tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    const auto b = at(delay);
    out->b_transport(gp, delay);
    record(gp, b, at(delay));
}

::tlm::tlm_sync_enum trace_tap::nb_transport_fw(::tlm::tlm_generic_payload& gp, ::tlm::tlm_phase& phase,
                                                sc_core::sc_time& delay) {
    if (phase == ::tlm::BEGIN_REQ) open_[&gp] = at(delay);
    const auto r = out->nb_transport_fw(gp, phase, delay);
    if (r == ::tlm::TLM_COMPLETED || (r == ::tlm::TLM_UPDATED && phase == ::tlm::BEGIN_RESP)) {
        auto it = open_.find(&gp);
        if (it != open_.end()) {
            record(gp, it->second, at(delay));
            open_.erase(it);
        }
    }
    return r;
}

::tlm::tlm_sync_enum trace_tap::nb_transport_bw(::tlm::tlm_generic_payload& gp, ::tlm::tlm_phase& phase,
                                                sc_core::sc_time& delay) {
    if (phase == ::tlm::BEGIN_RESP) {
        auto it = open_.find(&gp);
        if (it != open_.end()) {
            record(gp, it->second, at(delay));
            open_.erase(it);
        }
    }
    return in->nb_transport_bw(gp, phase, delay);
}

bool trace_tap::get_direct_mem_ptr(::tlm::tlm_generic_payload& gp, ::tlm::tlm_dmi& dmi) {
    return out->get_direct_mem_ptr(gp, dmi);
}

unsigned int trace_tap::transport_dbg(::tlm::tlm_generic_payload& gp) { return out->transport_dbg(gp); }

void trace_tap::invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) {
    in->invalidate_direct_mem_ptr(start, end);
}

} // namespace ddisim::tlm
