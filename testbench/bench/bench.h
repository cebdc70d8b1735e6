// ddisim bench — measurements register themselves here (one source file per
// area); `ddisim bench` runs each in a fresh child process (SystemC can
// elaborate one design per process), repeats it, and reports the median.
//
//   static ddisim::bench::registrar r{{"bus_lt_per_s", "txn/s", "bus+memory, LT, one saturating initiator",
//                                      &measure_bus_lt, 300, "raw_b_transport_per_s", 0.25}};
#pragma once
#include <string>

namespace ddisim::bench {

struct measurement {
    const char* key;        // JSON key, e.g. "bus_lt_per_s"
    const char* unit;       // "txn/s", "B/s", …
    const char* what;       // one line for the table
    double (*run)();        // performs the measurement in this process, returns the figure
    int order;              // table order
    const char* ceiling;    // key of the measurement this is compared with ("" = none)
    double target_ratio;    // target as a fraction of the ceiling (0 = none)
    double target_abs = 0;  // absolute target (0 = none)
};

struct registrar {
    explicit registrar(const measurement& m);
};

// Wall-clock budget a single measurement should aim for (seconds); set from
// `ddisim bench --seconds`. Measurements scale their work to it.
double budget_seconds();

} // namespace ddisim::bench
