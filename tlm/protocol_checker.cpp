#include "tlm/protocol_checker.h"

#include <cstdio>

using namespace sc_core;
using ::tlm::tlm_generic_payload;
using ::tlm::tlm_phase;
using ::tlm::tlm_sync_enum;

namespace ddisim::tlm {

namespace {
const char* phase_name(const tlm_phase& p) {
    switch (static_cast<unsigned>(p)) {
    case ::tlm::BEGIN_REQ: return "BEGIN_REQ";
    case ::tlm::END_REQ: return "END_REQ";
    case ::tlm::BEGIN_RESP: return "BEGIN_RESP";
    case ::tlm::END_RESP: return "END_RESP";
    default: return "non-base phase";
    }
}
const char* sync_name(tlm_sync_enum s) {
    return s == ::tlm::TLM_ACCEPTED ? "TLM_ACCEPTED" : s == ::tlm::TLM_UPDATED ? "TLM_UPDATED" : "TLM_COMPLETED";
}
bool base_phase(const tlm_phase& p) {
    const unsigned v = p;
    return v >= ::tlm::BEGIN_REQ && v <= ::tlm::END_RESP;
}
} // namespace

protocol_checker::protocol_checker(sc_module_name name) : sc_module(name), in("in"), out("out") {
    in.bind(static_cast<::tlm::tlm_fw_transport_if<>&>(*this));
    out.bind(static_cast<::tlm::tlm_bw_transport_if<>&>(*this));
}

void protocol_checker::violation(const tlm_generic_payload& gp, const std::string& what) {
    ++violations_;
    char addr[32];
    std::snprintf(addr, sizeof addr, "0x%llx", static_cast<unsigned long long>(gp.get_address()));
    const std::string msg = std::string(name()) + ": " + what + " (payload " + addr + ", " +
                            std::to_string(gp.get_data_length()) + " bytes, at " + sc_time_stamp().to_string() + ")";
    SC_REPORT_ERROR("ddisim/protocol", msg.c_str());
}

void protocol_checker::check_request(const tlm_generic_payload& gp, const char* where) {
    const auto cmd = gp.get_command();
    if (cmd != ::tlm::TLM_READ_COMMAND && cmd != ::tlm::TLM_WRITE_COMMAND && cmd != ::tlm::TLM_IGNORE_COMMAND)
        violation(gp, std::string(where) + ": invalid command");
    if (!gp.get_data_ptr() && cmd != ::tlm::TLM_IGNORE_COMMAND) violation(gp, std::string(where) + ": null data pointer");
    if (gp.get_data_length() == 0) violation(gp, std::string(where) + ": data length 0");
    if (gp.get_streaming_width() == 0) violation(gp, std::string(where) + ": streaming width 0");
    if (gp.get_byte_enable_ptr() && gp.get_byte_enable_length() == 0)
        violation(gp, std::string(where) + ": byte-enable pointer with byte-enable length 0");
    if (gp.get_data_length() && gp.get_address() + (gp.get_data_length() - 1) < gp.get_address())
        violation(gp, std::string(where) + ": address + length wraps around");
    if (gp.get_response_status() != ::tlm::TLM_INCOMPLETE_RESPONSE)
        violation(gp, std::string(where) + ": initiator must send the payload with TLM_INCOMPLETE_RESPONSE");
}

void protocol_checker::check_unchanged(const tlm_generic_payload& gp, const txn& t, const char* where) {
    if (gp.get_address() != t.addr || gp.get_command() != t.cmd || gp.get_data_ptr() != t.data ||
        gp.get_data_length() != t.len)
        violation(gp, std::string(where) + ": address, command, data pointer or length changed since the request");
}

void protocol_checker::check_time(const tlm_generic_payload& gp, txn& t, const sc_time& at, const char* where) {
    if (at < t.last) violation(gp, std::string(where) + ": phase annotated earlier than the previous phase");
    t.last = at;
}

void protocol_checker::done(const tlm_generic_payload& gp) {
    inflight_.erase(&gp);
    if (req_open_ == &gp) req_open_ = nullptr;
    if (resp_open_ == &gp) resp_open_ = nullptr;
}

// BEGIN_RESP seen on this hop (on the backward path or as a TLM_UPDATED return).
void protocol_checker::begin_resp(const tlm_generic_payload& gp, txn& t, const char* where) {
    if (t.st == state::begin_resp) violation(gp, std::string(where) + ": second BEGIN_RESP for one transaction");
    if (resp_open_ && resp_open_ != &gp)
        violation(gp, std::string(where) + ": BEGIN_RESP before END_RESP of the previous response on this hop");
    if (gp.get_response_status() == ::tlm::TLM_INCOMPLETE_RESPONSE)
        violation(gp, std::string(where) + ": BEGIN_RESP with response status TLM_INCOMPLETE_RESPONSE");
    check_unchanged(gp, t, where);
    if (req_open_ == &gp) req_open_ = nullptr; // BEGIN_RESP implies END_REQ
    t.st = state::begin_resp;
    resp_open_ = &gp;
}

// ---------------------------------------------------------------- forward path

void protocol_checker::b_transport(tlm_generic_payload& gp, sc_time& delay) {
    ++checked_;
    if (sc_get_current_process_handle().proc_kind() == SC_METHOD_PROC_)
        violation(gp, "b_transport called from an SC_METHOD (it may wait)");
    if (inflight_.count(&gp)) violation(gp, "b_transport on a payload in flight on nb_transport");
    check_request(gp, "b_transport");
    const txn t{state::begin_req, gp.get_address(), gp.get_command(), gp.get_data_ptr(), gp.get_data_length(), {}};
    const sc_time before = sc_time_stamp() + delay;
    out->b_transport(gp, delay);
    if (gp.get_response_status() == ::tlm::TLM_INCOMPLETE_RESPONSE)
        violation(gp, "b_transport returned with response status TLM_INCOMPLETE_RESPONSE");
    check_unchanged(gp, t, "b_transport");
    if (sc_time_stamp() + delay < before) violation(gp, "b_transport returned a time earlier than it was called with");
}

tlm_sync_enum protocol_checker::nb_transport_fw(tlm_generic_payload& gp, tlm_phase& phase, sc_time& delay) {
    const sc_time at = sc_time_stamp() + delay;
    if (!base_phase(phase)) violation(gp, std::string("nb_transport_fw with ") + phase_name(phase));
    if (phase == ::tlm::BEGIN_REQ) {
        ++checked_;
        if (inflight_.count(&gp)) violation(gp, "BEGIN_REQ on a payload already in flight (reused before completion)");
        if (req_open_) violation(gp, "BEGIN_REQ before END_REQ of the previous request on this hop");
        check_request(gp, "BEGIN_REQ");
        inflight_[&gp] = txn{state::begin_req, gp.get_address(), gp.get_command(), gp.get_data_ptr(),
                             gp.get_data_length(), at};
        req_open_ = &gp;
        const tlm_sync_enum r = out->nb_transport_fw(gp, phase, delay);
        auto it = inflight_.find(&gp);
        if (it == inflight_.end()) return r; // completed re-entrantly on the backward path
        txn& t = it->second;
        if (r == ::tlm::TLM_ACCEPTED) {
            if (phase != ::tlm::BEGIN_REQ) violation(gp, "TLM_ACCEPTED return changed the phase");
        } else if (r == ::tlm::TLM_UPDATED) {
            check_time(gp, t, sc_time_stamp() + delay, "BEGIN_REQ return");
            if (phase == ::tlm::END_REQ) {
                if (t.st != state::begin_req) violation(gp, "END_REQ returned for a transaction past its request");
                t.st = state::end_req;
                req_open_ = nullptr;
            } else if (phase == ::tlm::BEGIN_RESP) {
                begin_resp(gp, t, "BEGIN_REQ return");
            } else {
                violation(gp, std::string("BEGIN_REQ answered TLM_UPDATED with ") + phase_name(phase));
            }
        } else {
            if (gp.get_response_status() == ::tlm::TLM_INCOMPLETE_RESPONSE)
                violation(gp, "TLM_COMPLETED with response status TLM_INCOMPLETE_RESPONSE");
            check_unchanged(gp, t, "BEGIN_REQ return");
            done(gp);
        }
        return r;
    }
    if (phase == ::tlm::END_RESP) {
        auto it = inflight_.find(&gp);
        if (it == inflight_.end() || it->second.st != state::begin_resp) {
            violation(gp, "END_RESP for a transaction not in its response phase");
            return out->nb_transport_fw(gp, phase, delay);
        }
        check_time(gp, it->second, at, "END_RESP");
        done(gp);
        const tlm_sync_enum r = out->nb_transport_fw(gp, phase, delay);
        if (r != ::tlm::TLM_COMPLETED) violation(gp, std::string("END_RESP answered ") + sync_name(r) + " (must be TLM_COMPLETED)");
        return r;
    }
    if (phase == ::tlm::END_REQ || phase == ::tlm::BEGIN_RESP)
        violation(gp, std::string(phase_name(phase)) + " sent on the forward path");
    return out->nb_transport_fw(gp, phase, delay);
}

bool protocol_checker::get_direct_mem_ptr(tlm_generic_payload& gp, ::tlm::tlm_dmi& dmi) {
    const std::uint64_t a = gp.get_address();
    const bool ok = out->get_direct_mem_ptr(gp, dmi);
    if (dmi.get_start_address() > dmi.get_end_address()) violation(gp, "DMI range with start > end");
    if (ok) {
        if (!dmi.get_dmi_ptr()) violation(gp, "DMI granted with a null pointer");
        if (a < dmi.get_start_address() || a > dmi.get_end_address())
            violation(gp, "DMI granted for a range that does not contain the requested address");
        if (dmi.get_granted_access() == ::tlm::tlm_dmi::DMI_ACCESS_NONE) violation(gp, "DMI granted with no access");
    }
    return ok;
}

unsigned int protocol_checker::transport_dbg(tlm_generic_payload& gp) {
    const unsigned len = gp.get_data_length();
    const unsigned n = out->transport_dbg(gp);
    if (n > len) violation(gp, "transport_dbg returned more bytes than asked");
    return n;
}

// ---------------------------------------------------------------- backward path

tlm_sync_enum protocol_checker::nb_transport_bw(tlm_generic_payload& gp, tlm_phase& phase, sc_time& delay) {
    const sc_time at = sc_time_stamp() + delay;
    auto it = inflight_.find(&gp);
    if (it == inflight_.end()) {
        violation(gp, std::string(phase_name(phase)) + " on the backward path for a payload not in flight on this hop");
        return in->nb_transport_bw(gp, phase, delay);
    }
    txn& t = it->second;
    if (phase == ::tlm::END_REQ) {
        if (t.st != state::begin_req) violation(gp, "END_REQ for a transaction not in its request phase");
        check_time(gp, t, at, "END_REQ");
        t.st = state::end_req;
        if (req_open_ == &gp) req_open_ = nullptr;
        const tlm_sync_enum r = in->nb_transport_bw(gp, phase, delay);
        if (r != ::tlm::TLM_ACCEPTED) violation(gp, std::string("END_REQ answered ") + sync_name(r) + " (must be TLM_ACCEPTED)");
        return r;
    }
    if (phase == ::tlm::BEGIN_RESP) {
        check_time(gp, t, at, "BEGIN_RESP");
        begin_resp(gp, t, "BEGIN_RESP");
        const tlm_sync_enum r = in->nb_transport_bw(gp, phase, delay);
        auto it2 = inflight_.find(&gp);
        if (it2 == inflight_.end()) return r; // END_RESP came re-entrantly
        if (r == ::tlm::TLM_ACCEPTED) {
            if (phase != ::tlm::BEGIN_RESP) violation(gp, "TLM_ACCEPTED return changed the phase");
        } else if (r == ::tlm::TLM_UPDATED) {
            if (phase != ::tlm::END_RESP) violation(gp, std::string("BEGIN_RESP answered TLM_UPDATED with ") + phase_name(phase));
            done(gp);
        } else {
            done(gp);
        }
        return r;
    }
    violation(gp, std::string(phase_name(phase)) + " sent on the backward path");
    return in->nb_transport_bw(gp, phase, delay);
}

void protocol_checker::invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) {
    if (start > end) {
        ++violations_;
        SC_REPORT_ERROR("ddisim/protocol", (std::string(name()) + ": DMI invalidation with start > end").c_str());
    }
    in->invalidate_direct_mem_ptr(start, end);
}

} // namespace ddisim::tlm
