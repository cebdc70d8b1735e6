// ddisim::tlm::trace_tap — a pass-through hop that records one trace-event
// slice per transaction (Chrome/Perfetto JSON, tlm/core/trace_events.h) on a
// track named after the tap, from the request's start to its response.
//
//   in  — tlm_target_socket<>   (bind the initiator here)
//   out — tlm_initiator_socket<> (bind towards the interconnect)
//
// LT: the slice spans [now + delay at call, now + delay at return]. AT: from
// BEGIN_REQ to BEGIN_RESP (or TLM_COMPLETED), with annotated delays. The
// platform inserts taps only when --trace is given, so normal runs pay
// nothing. DMI and debug transport pass straight through.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>

#include <systemc>
#include <tlm>

namespace ddisim::tlm {

class trace_tap : public sc_core::sc_module,
                  public ::tlm::tlm_fw_transport_if<>,
                  public ::tlm::tlm_bw_transport_if<> {
public:
    ::tlm::tlm_target_socket<> in;
    ::tlm::tlm_initiator_socket<> out;

    // track: the name shown in the trace viewer (e.g. the initiator's name).
    trace_tap(sc_core::sc_module_name name, const std::string& track);

    void b_transport(::tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) override;
    ::tlm::tlm_sync_enum nb_transport_fw(::tlm::tlm_generic_payload& gp, ::tlm::tlm_phase& phase,
                                         sc_core::sc_time& delay) override;
    bool get_direct_mem_ptr(::tlm::tlm_generic_payload& gp, ::tlm::tlm_dmi& dmi) override;
    unsigned int transport_dbg(::tlm::tlm_generic_payload& gp) override;
    ::tlm::tlm_sync_enum nb_transport_bw(::tlm::tlm_generic_payload& gp, ::tlm::tlm_phase& phase,
                                         sc_core::sc_time& delay) override;
    void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) override;

private:
    void record(const ::tlm::tlm_generic_payload& gp, std::uint64_t begin_ps, std::uint64_t end_ps);
    std::uint32_t track_;
    std::unordered_map<const ::tlm::tlm_generic_payload*, std::uint64_t> open_; // AT: BEGIN_REQ time
};

} // namespace ddisim::tlm
