// Conversions between integer picoseconds (tlm/timing.h) and sc_time for the
// models' hot paths. sc_time::from_value is an out-of-line library call with
// a simulation-context lookup; scaling a cached 1 ps sc_time is inline and
// exact below 2^53 ps (about 2.5 simulated hours). Needs SystemC.
#pragma once
#include <systemc>

#include "tlm/timing.h"

namespace ddisim::tlm {

inline sc_core::sc_time to_sc_time(ps_t v) {
    static const sc_core::sc_time one_ps = sc_core::sc_time::from_value(1);
    return one_ps * static_cast<double>(v);
}

} // namespace ddisim::tlm
