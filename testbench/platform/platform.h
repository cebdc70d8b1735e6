// ddisim::platform — builds the netlist of one scenario and runs it.
//
//   CPU (cpu_port) ─────────┐
//   traffic generators ─────┼─► bus ─► memory (low + high DRAM regions)
//   DMA controller ─► IOMMU ┘     └──► register blocks (address_map.h)
//   HBA + disks ────►
//
// workload.kind fio: the software thread attaches the HBA driver and sd on
// workload.fio.target and runs the fio jobs (testbench/workloads/storage.h).
//
// The simulated kernel (sw/kernel) owns physical memory: the memory model
// serves the kernel's backing store. The IOMMU is built when there is a DMA
// device behind it and platform.iommu.enable is set.
//
// One platform per process (SystemC elaborates once). The run is sliced in
// simulated time by a fixed rule, so progress display never changes results.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "testbench/config/scenario.h"
#include "testbench/platform/scenario_checks.h"

namespace ddisim::kernel {
class kernel_context;
}

namespace ddisim::workloads {
class fio_runner;
}
namespace ddisim::drivers {
class hba_drv;
}

namespace ddisim::tlm {
class stats_series;
}

namespace ddisim::platform {

class cpu_port;

class progress_bar;

struct run_outcome {
    std::uint64_t end_ps = 0;      // simulated time at the end
    bool workload_done = false;    // every workload finished
    bool hit_duration = false;     // stopped by run.duration
    std::uint64_t errors = 0;      // transaction or verification errors seen by workloads
    bool starved = false;          // ended with no activity left while the software still waited
    bool stalled = false;          // stopped: no workload progress for run.stall_timeout
    std::uint64_t series_stopped_ps = 0; // timeseries.csv reached run.stats_rows_max at this time (0: it did not)
    std::string panic;             // the simulated kernel panicked: reason (at time, in thread); else empty
    std::string software_error;    // the software could not run its workload (a driver's attach failed …); else empty
    // errors without the one each early end (panic, starved, stalled, a software failure) adds
    std::uint64_t transaction_errors() const {
        return errors - (panic.empty() ? 0 : 1) - (starved ? 1 : 0) - (stalled ? 1 : 0) -
               (software_error.empty() ? 0 : 1);
    }
};

class platform {
public:
    explicit platform(const config::scenario& s);
    ~platform();
    platform(const platform&) = delete;
    platform& operator=(const platform&) = delete;

    // Opens the VCD file (before run()); path must end in .vcd.
    void enable_waves(const std::string& path);
    // series: when given and run.stats_interval > 0, a row at every multiple
    // of the interval and one at the end (the run stops there only to take
    // it: the results are those of a run without).
    run_outcome run(progress_bar& bar, tlm::stats_series* series = nullptr);
    // Headline metrics per workload (bandwidth, latency percentiles …).
    nlohmann::json headline(const run_outcome& o) const;

    // The simulated kernel and the CPU's bus port (software threads use them).
    kernel::kernel_context& kernel();
    cpu_port& cpu();
    // The fio runner (workload.kind = fio), else null: its results() and
    // report_info() give the fio JSON.
    const workloads::fio_runner* fio() const;
    // Runs fn on a software thread once the IOMMU driver (if any) and the HBA
    // driver have attached (before run(); needs platform.hba.present and
    // workload.kind traffic); the driver detaches after fn returns. A failed
    // attach leaves fn uncalled and counts as an error. `ddisim sg` uses it.
    void run_on_hba(std::function<void(drivers::hba_drv&)> fn);

private:
    struct impl;
    std::unique_ptr<impl> p_;
};

} // namespace ddisim::platform
