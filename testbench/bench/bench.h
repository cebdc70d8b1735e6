// ddisim bench — measurements register themselves here (one source file per
// area); `ddisim bench` runs each in a fresh child process (SystemC can
// elaborate one design per process), repeats it, and reports the median.
//
//   static ddisim::bench::registrar r{{"bus_lt_per_s", "txn/s", "bus+memory, LT, one saturating initiator",
//                                      &measure_bus_lt, 300, "raw_b_transport_per_s", 0.25}};
#pragma once
#include <cstdint>
#include <functional>
#include <string>

namespace sc_core {
class sc_time;
}

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
    // A like-for-like ceiling (same initiator and hops, trivial models): the
    // table adds this measurement's cost per unit as a multiple of that
    // ceiling's (information, no target).
    const char* like_for_like = "";
};

struct registrar {
    explicit registrar(const measurement& m);
};

// Wall-clock budget a single measurement should aim for (seconds); set from
// `ddisim bench --seconds`. Measurements scale their work to it.
double budget_seconds();

// Runs the simulation in slices of `slice` until the wall budget is spent and
// returns (count() after − before) / wall seconds, skipping a warm-up slice.
// With DDISIM_BENCH_SLICES=N in the environment it runs exactly N slices
// instead and reports the count on stderr: a fixed amount of work for
// instruction counting (valgrind --tool=callgrind with N and 2N slices; the
// difference of the totals over the difference of the counts is the cost per
// unit of count, free of start-up).
double run_for_budget(const sc_core::sc_time& slice, const std::function<std::uint64_t()>& count);

} // namespace ddisim::bench
