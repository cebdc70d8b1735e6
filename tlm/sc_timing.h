// Conversions between integer picoseconds (tlm/timing.h) and sc_time for the
// models' hot paths. Needs SystemC.
//
// Both assume what the whole code base assumes: the time resolution is 1 ps,
// so an sc_time's value() is picoseconds (SystemC's default).
//   to_sc_time  — sc_time::from_value is an out-of-line library call with a
//                 simulation-context lookup, and scaling a 1 ps sc_time by a
//                 double costs an int/double round trip; an sc_time is one
//                 64-bit value, so the picoseconds are stored into it as they
//                 are (exact over the whole range).
//   sim_time    — sc_time_stamp() is an out-of-line call returning a reference
//                 to the kernel's current-time object, which lives (and is
//                 updated in place) as long as the simulation context: a model
//                 fetches the reference once and reads the time with a load.
#pragma once
#include <cstring>
#include <type_traits>

#include <systemc>

#include "tlm/timing.h"

namespace ddisim::tlm {

inline sc_core::sc_time to_sc_time(ps_t v) {
    static_assert(sizeof(sc_core::sc_time) == sizeof(ps_t) && std::is_standard_layout_v<sc_core::sc_time>,
                  "sc_time is expected to hold exactly one 64-bit value");
    sc_core::sc_time t; // SC_ZERO_TIME
    std::memcpy(static_cast<void*>(&t), &v, sizeof v);
    return t;
}

inline const sc_core::sc_time& sim_time() { return sc_core::sc_time_stamp(); }

} // namespace ddisim::tlm
