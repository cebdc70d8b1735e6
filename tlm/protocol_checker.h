// ddisim::tlm::protocol_checker — a pass-through that checks the TLM-2.0
// base protocol on one hop (written for ddisim, not Accellera's checker).
//
//   initiator.socket → checker.in   checker.out → target.socket
//
// Every call is forwarded unchanged; a violation is reported with
// SC_REPORT_ERROR("ddisim/protocol", …) naming the checker, the payload's
// address and the rule (default SC_ERROR actions throw, so a test fails).
//
// Rules checked
//   payload   — command is READ/WRITE/IGNORE; data pointer set (except
//               IGNORE); length > 0; streaming width > 0; byte-enable length
//               > 0 when a byte-enable pointer is given; address + length
//               does not wrap; response status is TLM_INCOMPLETE_RESPONSE
//               when the initiator sends it (b_transport, BEGIN_REQ).
//   b_transport — called from a thread (it may wait); not on a payload that
//               is in flight on nb_transport; returns with a status other
//               than INCOMPLETE and with address, command, data pointer and
//               length as sent; delay does not go negative (sc_time cannot,
//               but a decrease below the call's delay is reported).
//   nb_transport — per payload the phase sequence BEGIN_REQ → [END_REQ] →
//               BEGIN_RESP → [END_RESP] with only legal (phase, return)
//               pairs on each path; BEGIN_REQ not on a payload already in
//               flight; no BEGIN_REQ on the hop before the previous request's
//               END_REQ (or implicit end); no BEGIN_RESP before the previous
//               response's END_RESP; BEGIN_RESP / TLM_COMPLETED carry a
//               response status other than INCOMPLETE; address, command,
//               data pointer and length at the response equal those of the
//               request; the annotated time of each phase is not earlier
//               than that of the previous phase of the same transaction;
//               only base-protocol phases.
//   DMI       — a granted DMI has a pointer, start <= address <= end and an
//               access right; start <= end always; invalidation ranges have
//               start <= end.
//   debug     — transport_dbg returns at most the length asked.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>

#include <systemc>
#include <tlm>

namespace ddisim::tlm {

class protocol_checker : public sc_core::sc_module,
                         public ::tlm::tlm_fw_transport_if<>,
                         public ::tlm::tlm_bw_transport_if<> {
public:
    ::tlm::tlm_target_socket<> in;
    ::tlm::tlm_initiator_socket<> out;

    explicit protocol_checker(sc_core::sc_module_name name);

    // Number of violations this checker reported.
    std::uint64_t violations() const { return violations_; }
    // Transactions checked (b_transport calls + nb transactions begun).
    std::uint64_t checked() const { return checked_; }

    void b_transport(::tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) override;
    ::tlm::tlm_sync_enum nb_transport_fw(::tlm::tlm_generic_payload& gp, ::tlm::tlm_phase& phase,
                                         sc_core::sc_time& delay) override;
    bool get_direct_mem_ptr(::tlm::tlm_generic_payload& gp, ::tlm::tlm_dmi& dmi) override;
    unsigned int transport_dbg(::tlm::tlm_generic_payload& gp) override;
    ::tlm::tlm_sync_enum nb_transport_bw(::tlm::tlm_generic_payload& gp, ::tlm::tlm_phase& phase,
                                         sc_core::sc_time& delay) override;
    void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) override;

private:
    enum class state { begin_req, end_req, begin_resp };
    struct txn {
        state st;
        std::uint64_t addr;
        ::tlm::tlm_command cmd;
        unsigned char* data;
        unsigned len;
        sc_core::sc_time last; // annotated time of the latest phase
    };
    void violation(const ::tlm::tlm_generic_payload& gp, const std::string& what);
    void check_request(const ::tlm::tlm_generic_payload& gp, const char* where);
    void check_unchanged(const ::tlm::tlm_generic_payload& gp, const txn& t, const char* where);
    void check_time(const ::tlm::tlm_generic_payload& gp, txn& t, const sc_core::sc_time& at, const char* where);
    void begin_resp(const ::tlm::tlm_generic_payload& gp, txn& t, const char* where);
    void done(const ::tlm::tlm_generic_payload& gp);

    std::unordered_map<const ::tlm::tlm_generic_payload*, txn> inflight_;
    const ::tlm::tlm_generic_payload* req_open_ = nullptr;  // BEGIN_REQ without END_REQ
    const ::tlm::tlm_generic_payload* resp_open_ = nullptr; // BEGIN_RESP without END_RESP
    std::uint64_t violations_ = 0, checked_ = 0;
};

} // namespace ddisim::tlm
