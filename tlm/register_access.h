// ddisim::tlm::register_access_ok — the access rules the register blocks of
// the device models share (dmac, hba): no byte enables, 4- or 8-byte,
// naturally aligned, streaming width ≥ length. On a violation it sets the
// payload's error response (byte-enable or burst error) and returns false.
#pragma once
#include <tlm>

namespace ddisim::tlm {

inline bool register_access_ok(::tlm::tlm_generic_payload& gp) {
    const auto addr = gp.get_address();
    const unsigned len = gp.get_data_length();
    if (gp.get_byte_enable_ptr()) {
        gp.set_response_status(::tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        return false;
    }
    if ((len != 4 && len != 8) || (addr & (len - 1)) || gp.get_streaming_width() < len) { // len 4 or 8: a mask, no division
        gp.set_response_status(::tlm::TLM_BURST_ERROR_RESPONSE);
        return false;
    }
    return true;
}

} // namespace ddisim::tlm
