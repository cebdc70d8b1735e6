// The slice runner of `ddisim bench` (bench.h: run_for_budget).
#include "testbench/bench/bench.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <systemc>

namespace ddisim::bench {

double run_for_budget(const sc_core::sc_time& slice, const std::function<std::uint64_t()>& count) {
    using clock_type = std::chrono::steady_clock;
    sc_core::sc_start(slice); // elaboration + warm-up
    const double budget = budget_seconds();
    const char* fixed = std::getenv("DDISIM_BENCH_SLICES");
    const long slices = fixed ? std::atol(fixed) : 0;
    const std::uint64_t c0 = count();
    const auto t0 = clock_type::now();
    double wall = 0;
    long done = 0;
    do {
        sc_core::sc_start(slice);
        ++done;
        wall = std::chrono::duration<double>(clock_type::now() - t0).count();
    } while (slices > 0 ? done < slices : wall < budget);
    if (slices > 0) std::fprintf(stderr, "slices %ld count %llu\n", done, static_cast<unsigned long long>(count() - c0));
    return static_cast<double>(count() - c0) / wall;
}

} // namespace ddisim::bench
