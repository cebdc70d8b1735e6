// The storage path for `ddisim bench`: the default scenario (4 KiB random
// reads at QD 32 on a 1 TB sparse SSD behind the HBA, IOMMU strict), run as
// `ddisim run` runs it: simulated I/Os per wall second, simulated over wall
// time, and the peak resident set of the process (getrusage ru_maxrss; each
// measurement runs in its own child process, so it is that run's peak).
// io_at_per_s runs the same scenario with run.timing=at (the HBA's engine
// issues nb_transport transactions through the IOMMU and the bus).
#include "testbench/bench/bench.h"

#include <sys/resource.h>

#include <chrono>

#include <nlohmann/json.hpp>
#include <systemc>

#include "testbench/config/scenario_loader.h"
#include "testbench/platform/platform.h"
#include "testbench/platform/progress.h"

namespace {
using namespace ddisim;

struct figures {
    double ios = 0, wall = 0, sim_s = 0;
};

figures run_default(const char* timing = "lt") {
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    auto sc = config::load_default_scenario({"run.progress=false", std::string("run.timing=") + timing});
    platform::platform plat(sc);
    platform::progress_bar bar(false);
    const auto t0 = std::chrono::steady_clock::now();
    const auto res = plat.run(bar);
    figures f;
    f.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    f.sim_s = static_cast<double>(res.end_ps) * 1e-12;
    const auto h = plat.headline(res);
    if (h.contains("fio")) f.ios = h["fio"]["total"]["ios"].get<double>();
    return f;
}

double io_lt() {
    const auto f = run_default();
    return f.wall > 0 ? f.ios / f.wall : 0;
}
double sim_over_wall() {
    const auto f = run_default();
    return f.wall > 0 ? f.sim_s / f.wall : 0;
}
double io_at() {
    const auto f = run_default("at");
    return f.wall > 0 ? f.ios / f.wall : 0;
}
double peak_rss() {
    (void)run_default();
    struct rusage ru {};
    ::getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_maxrss) / 1024.0; // ru_maxrss is in KiB on Linux
}

using ddisim::bench::registrar;
const registrar s1{{"io_lt_per_s", "I/O/s", "default scenario: 4 KiB randread QD 32, SSD behind HBA, IOMMU strict, LT (sim I/Os per wall s)",
                    &io_lt, 400, "", 0, 100000}};
const registrar s2{{"io_at_per_s", "I/O/s", "default scenario in AT (run.timing=at): sim I/Os per wall s", &io_at, 401, "", 0}};
const registrar s3{{"sim_over_wall_lt", "s/s", "default scenario, LT: simulated seconds per wall second", &sim_over_wall, 402,
                    "", 0}};
const registrar s4{{"peak_rss_mib", "MiB", "default scenario (1 TB sparse SSD): peak resident set of the run", &peak_rss, 403,
                    "", 0}};

} // namespace
