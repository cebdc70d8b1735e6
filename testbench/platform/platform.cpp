#define SC_INCLUDE_DYNAMIC_PROCESSES
#include "testbench/platform/platform.h"

// models/hba/hba.h before any <sys/scsi/...> header: SCSA's RESET_TARGET
// macro would otherwise break hba_regs::RESET_TARGET.
#include "models/hba/hba.h"

#include <algorithm>
#include <map>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <systemc>

#include "models/bus/bus.h"
#include "models/dmac/dmac.h"
#include "models/intc/intc.h"
#include "models/iommu/iommu.h"
#include "models/memory/memory.h"
#include "models/pcie/pcie_link.h"
#include "models/tgen/tgen.h"
#include "sw/ddi/iommu_driver.h"
#include "sw/drivers/dmac_drv.h"
#include "sw/drivers/hba_drv.h"
#include "sw/drivers/sd.h"
#include "sw/kernel/kernel.h"
#include "testbench/platform/address_map.h"
#include "testbench/platform/cpu_port.h"
#include "testbench/platform/dma_observer.h"
#include "testbench/platform/progress.h"
#include "testbench/platform/software.h"
#include "testbench/workloads/memcpy.h"
#include "testbench/workloads/storage.h"
#include "tlm/core/backing_store.h"
#include "tlm/core/stats.h"
#include "tlm/core/stats_series.h"
#include "tlm/core/trace_events.h"
#include "tlm/end_threads.h"
#include "tlm/trace_tap.h"
#include "tlm/waves.h"

namespace ddisim::platform {

struct platform::impl {
    config::scenario sc;
    // The simulated kernel owns physical memory: the memory model serves the
    // kernel's backing store, so kernel virtual addresses alias DRAM bytes.
    std::unique_ptr<kernel::kernel_context> kernel;
    std::unique_ptr<models::memory> mem;
    std::unique_ptr<models::bus> bus;
    std::unique_ptr<cpu_port> cpu;
    std::unique_ptr<models::intc> intc;            // only with devices that interrupt
    std::unique_ptr<sc_core::sc_signal<bool>> cpu_irq;
    std::unique_ptr<models::iommu> iommu;          // only with DMA devices and iommu.enable
    std::unique_ptr<models::dmac> dmac;
    std::unique_ptr<sc_core::sc_signal<bool>> dmac_irq;
    std::unique_ptr<models::hba> hba;
    std::unique_ptr<sc_core::sc_signal<bool>> hba_irq;
    // One per DMA device with the DMA-API checker on: shows its traffic to
    // the checker (DMA after unbind, DMA to unbound memory).
    std::vector<std::unique_ptr<dma_observer>> observers;
    std::vector<std::unique_ptr<models::tgen>> tgens;
    std::vector<std::unique_ptr<models::pcie_link>> links; // PCI Express links of the devices that have one
    // Software: drivers and the workload thread (workload.kind != traffic).
    std::unique_ptr<ddi::vtd_iommu_driver> iommu_drv;
    dev_info* dmac_dip = nullptr;
    std::unique_ptr<drivers::dmac_drv> dmac_drv;
    dev_info* hba_dip = nullptr;
    std::unique_ptr<drivers::hba_drv> hba_drv;
    // The disks the fio jobs run on (fio_runner::targets), one sd each.
    struct disk_state {
        unsigned target = 0;
        std::unique_ptr<drivers::sd> sd; // attached (reset at detach)
        drivers::sd::stats stats;        // its counts at detach
        std::string name;                // vendor and product
    };
    std::vector<disk_state> disks;
    std::unique_ptr<workloads::fio_runner> fio;  // workload.kind = fio
    drivers::hba_drv::stats hba_stats;
    std::function<void(drivers::hba_drv&)> hba_fn; // run_on_hba
    bool software_workload = false, software_done = false;
    sc_core::sc_process_handle software_thread;
    std::string software_error;     // why the software could not start (attach failure …)
    std::string panic;              // the simulated kernel's panic: reason, time, thread (empty: none)
    sc_core::sc_event halt;         // never notified: a panicking thread waits on it for good
    workloads::memcpy_result memcpy;
    drivers::dmac_drv::stats dmac_stats;
    void software_main();
    std::vector<std::unique_ptr<tlm::trace_tap>> taps; // only with --trace
    bool waves = false;
};

platform::platform(const config::scenario& s) : p_(std::make_unique<impl>()) {
    check_scenario(s);
    p_->sc = s;
    auto& sc = p_->sc;
    // run.quantum is the one users set; the bus config carries it to the
    // bus, which installs it as the global quantum.
    sc.platform.bus.quantum = sc.run.quantum;
    ::tlm::tlm_global_quantum::instance().set(sc_core::sc_time(static_cast<double>(sc.run.quantum), sc_core::SC_PS));
    const auto style = sc.run.timing == "at" ? models::tgen::style::at : models::tgen::style::lt;

    const auto& mc = sc.platform.memory;
    auto kc = make_kernel_config(sc);
    if (has_mmio_devices(sc)) {
        kc.intc = true;
        kc.intc_base = address_map::intc_regs;
    }
    p_->kernel = std::make_unique<kernel::kernel_context>(kc);
    auto& k = *p_->kernel;
    // A panic (kernel/panic.h) stops the machine: the panicking software
    // thread records why and never resumes; the run ends after this delta
    // cycle. Outside a thread (elaboration) the kernel throws panic_error.
    k.set_panic_hook([this](const std::string& reason) {
        const sc_core::sc_process_handle h = sc_core::sc_get_current_process_handle();
        if (!h.valid() || h.proc_kind() != sc_core::SC_THREAD_PROC_) return;
        if (p_->panic.empty())
            p_->panic = fmt::format("{} (at {}, in {})", reason,
                                    tlm::format_time_readable(static_cast<std::uint64_t>(sc_core::sc_time_stamp().value())),
                                    h.name());
        sc_core::sc_pause();
        sc_core::wait(p_->halt);
    });
    // The hole between low DRAM and 4 GiB is MMIO: no page there is ever
    // handed out.
    if (mc.high_size) k.pages().claim_range(mc.low_size, models::memory_high_base);
    p_->mem = std::make_unique<models::memory>("memory", mc, *k.store());
    p_->bus = std::make_unique<models::bus>("bus", sc.platform.bus);
    p_->cpu = std::make_unique<cpu_port>("cpu", address_map::cpu_requester_id);
    p_->cpu->set_cpus(sc.software.cpus);
    k.set_platform(p_->cpu.get());

    const bool tracing = tlm::trace_events::instance().enabled();
    // Binds an initiator to a target, through a transaction-trace tap when
    // --trace is on.
    auto connect = [&](auto& from, auto& to, const std::string& name) {
        if (tracing) {
            auto tap = std::make_unique<tlm::trace_tap>((name + "_tap").c_str(), name);
            from.bind(tap->in);
            tap->out.bind(to);
            p_->taps.push_back(std::move(tap));
        } else {
            from.bind(to);
        }
    };
    // Bus targets, in this order: memory (0), then the register blocks.
    connect(p_->bus->out, p_->mem->in, "memory");
    if (mc.low_size) p_->bus->add_region(models::bus_region::absolute("dram_low", 0, mc.low_size, 0));
    if (mc.high_size)
        p_->bus->add_region(models::bus_region::absolute("dram_high", models::memory_high_base, mc.high_size, 0));
    unsigned target = 1;
    auto map_regs = [&](auto& regs, const char* name, std::uint64_t base) {
        p_->bus->out.bind(regs);
        p_->bus->add_region(models::bus_region::relative(name, base, address_map::block_size, target++));
    };

    p_->cpu->out.bind(p_->bus->in);
    unsigned n = 0;
    for (auto tc : sc.platform.traffic) {
        // Each generator draws its own stream from the master seed.
        tc.seed = tc.seed ^ (sc.run.seed * 0x9E3779B97F4A7C15ull);
        const auto name = fmt::format("tgen{}", n++);
        auto t = std::make_unique<models::tgen>(name.c_str(), tc, style);
        if (tc.pcie.enable) {
            auto& l = p_->links.emplace_back(std::make_unique<models::pcie_link>((name + "_pcie").c_str(), tc.pcie));
            connect(t->out, l->in, name);
            l->out.bind(p_->bus->in);
        } else {
            connect(t->out, p_->bus->in, name);
        }
        p_->tgens.push_back(std::move(t));
    }

    // Device interrupts reach the CPU through the interrupt controller.
    if (has_mmio_devices(sc)) {
        p_->intc = std::make_unique<models::intc>("intc", sc.platform.intc);
        p_->cpu_irq = std::make_unique<sc_core::sc_signal<bool>>("cpu_irq");
        p_->intc->cpu_irq.bind(*p_->cpu_irq);
        p_->cpu->irq.bind(*p_->cpu_irq);
        map_regs(p_->intc->regs, "intc_regs", address_map::intc_regs);
    }
    // DMA devices reach the bus through the IOMMU (when enabled).
    if (has_dma_devices(sc) && sc.platform.iommu.enable) {
        p_->iommu = std::make_unique<models::iommu>("iommu", sc.platform.iommu);
        p_->iommu->mem_out.bind(p_->bus->in);
        map_regs(p_->iommu->regs, "iommu_regs", address_map::iommu_regs);
        p_->intc->line(address_map::iommu_fault_vector).bind(p_->iommu->irq);
    }
    // device → (DMA-API observer) → (PCI Express link) → IOMMU or bus
    auto connect_device = [&](auto& out, const std::string& name, const models::pcie_config& pcie) {
        auto to_root = [&](auto& from) {
            if (p_->iommu)
                connect(from, p_->iommu->dev_in, name);
            else
                connect(from, p_->bus->in, name);
        };
        auto to_bus = [&](auto& from) {
            if (!pcie.enable) return to_root(from);
            auto& l = p_->links.emplace_back(std::make_unique<models::pcie_link>((name + "_pcie").c_str(), pcie));
            from.bind(l->in);
            to_root(l->out);
        };
        if (sc.software.dma_api_checker) {
            auto obs = std::make_unique<dma_observer>((name + "_observer").c_str(), k);
            out.bind(obs->in);
            to_bus(obs->out);
            p_->observers.push_back(std::move(obs));
        } else {
            to_bus(out);
        }
    };
    if (sc.platform.dmac.present) {
        auto dc = sc.platform.dmac.config;
        dc.bus_max_burst = sc.platform.bus.max_burst;
        dc.bus_outstanding = sc.platform.bus.outstanding;
        dc.timing = sc.run.timing;
        p_->dmac = std::make_unique<models::dmac>("dmac", dc);
        p_->dmac_irq = std::make_unique<sc_core::sc_signal<bool>>("dmac_irq");
        p_->dmac->irq.bind(*p_->dmac_irq);
        connect_device(p_->dmac->out, "dmac", sc.platform.dmac.pcie);
        map_regs(p_->dmac->regs, "dmac_regs", address_map::dmac_regs);
        p_->intc->line(address_map::dmac_vector).bind(*p_->dmac_irq);
    }
    if (sc.platform.hba.present) {
        auto hc = sc.platform.hba.config;
        hc.bus_max_burst = sc.platform.bus.max_burst;
        hc.timing = sc.run.timing;
        // the disks' fault draws differ by run seed and by target
        for (std::size_t t = 0; t < hc.targets.size(); ++t)
            hc.targets[t].faults.seed ^= sc.run.seed * 0x9E3779B97F4A7C15ull + t * 0xC2B2AE3D27D4EB4Full;
        p_->hba = std::make_unique<models::hba>("hba", hc);
        p_->hba_irq = std::make_unique<sc_core::sc_signal<bool>>("hba_irq");
        p_->hba->irq.bind(*p_->hba_irq);
        connect_device(p_->hba->out, "hba", sc.platform.hba.pcie);
        map_regs(p_->hba->regs, "hba_regs", address_map::hba_regs);
        p_->intc->line(address_map::hba_vector).bind(*p_->hba_irq);
    }

    // Device tree: what the platform tells the kernel about its devices.
    const bool translated = sc.software.iommu == "vtd";
    if (p_->iommu && translated) {
        ddi::vtd_iommu_driver_config ic;
        ic.reg_base = address_map::iommu_regs;
        ic.table_hi = mc.low_size ? mc.low_size - 1 : ic.table_hi;
        ic.fault_interrupt = sc.software.iommu_fault_interrupt;
        ic.fault_vector = address_map::iommu_fault_vector; // the IOMMU's irq is on this intc line
        p_->iommu_drv = std::make_unique<ddi::vtd_iommu_driver>(k, *p_->cpu, ic);
        p_->cpu->set_iommu(p_->iommu_drv.get());
    }
    if (p_->dmac) {
        p_->dmac_dip = k.create_dev_info("dmac", 0, translated);
        k.set_dev_regs(p_->dmac_dip, {{address_map::dmac_regs, address_map::block_size}});
        k.set_dev_intr_fixed(p_->dmac_dip, {address_map::dmac_vector});
        k.set_dev_requester_id(p_->dmac_dip, sc.platform.dmac.config.requester_id);
        if (!p_->observers.empty()) p_->observers.back()->add_device(p_->dmac_dip);
    }
    if (p_->hba) {
        p_->hba_dip = k.create_dev_info("hba", 0, translated);
        k.set_dev_regs(p_->hba_dip, {{address_map::hba_regs, address_map::block_size}});
        k.set_dev_intr_fixed(p_->hba_dip, {address_map::hba_vector});
        k.set_dev_requester_id(p_->hba_dip, sc.platform.hba.config.requester_id);
        if (!p_->observers.empty()) p_->observers.back()->add_device(p_->hba_dip);
    }
    if (sc.workload.kind == "fio") {
        const auto& f = sc.workload.fio;
        const auto vars = config::parse_fio_vars(f.vars); // checked by check_scenario
        const auto devices = config::parse_fio_devices(f.devices); // likewise
        auto jobs = f.file.empty()
                        ? config::parse_fio_text(f.job, "workload.fio.job", {.env = vars, .devices = devices})
                        : config::load_fio_file(f.file, {.env = vars, .use_process_env = true, .devices = devices});
        // each job on the disk its filename names, else workload.fio.target's
        const std::size_t n = sc.platform.hba.config.targets.size();
        for (auto& j : jobs.jobs) {
            if (j.target && *j.target >= n)
                throw config::fio_error(jobs.file, j.filename_line, j.filename_col, "filename",
                                        fmt::format("target {} is not a disk of the HBA: platform.hba.targets has {} "
                                                    "disk(s)",
                                                    *j.target, n));
            if (!j.target) j.target = f.target;
        }
        p_->fio = std::make_unique<workloads::fio_runner>(k, std::move(jobs), sc.run.seed);
    }
    if (sc.workload.kind != "traffic") {
        p_->software_workload = true;
        sc_core::sc_spawn_options opt;
        opt.set_stack_size(1 << 20); // drivers and the DDI are deep C++
        p_->software_thread = sc_core::sc_spawn([this] { p_->software_main(); }, "software", &opt);
    }
}

platform::~platform() {
    // A run stopped by run.duration leaves the software thread suspended
    // inside a driver; it never resumes. Detaching its drivers now must not
    // touch the bus (there is no simulation to run it): cut the kernel off
    // from the CPU port first, so register writes become no-ops. Then unwind
    // the thread, so that what its frames own (a driver still attaching, a
    // copy's cookie lists, an I/O's buffers) is destroyed too. The models'
    // threads, suspended in wait() whether the run ended or was cut short,
    // are unwound with it: what their frames own is freed as well.
    // The same holds for drivers a software thread that ended left attached
    // (a failed step, e.g. sd's attach): cut off in any case.
    p_->kernel->set_platform(nullptr);
    tlm::end_threads(tlm::all_threads());
    // Drivers release kernel resources; they must go before the kernel.
    for (auto& d : p_->disks) d.sd.reset();
    p_->hba_drv.reset();
    p_->dmac_drv.reset();
    p_->iommu_drv.reset();
}

// The software thread: bring up the IOMMU driver and the DMA controller
// driver, run the workload, detach. Failures end the workload with a reason.
void platform::impl::software_main() {
    auto fail = [&](std::string why) {
        software_error = std::move(why);
        software_done = true;
    };
    if (iommu_drv) {
        if (!iommu_drv->init()) return fail("IOMMU driver: init failed (no page for the context table)");
        if (dmac_dip && !iommu_drv->attach(dmac_dip)) return fail("IOMMU driver: attach of dmac#0 failed");
        if (hba_dip && !iommu_drv->attach(hba_dip)) return fail("IOMMU driver: attach of hba#0 failed");
    }
    if (sc.workload.kind == "fio" || hba_fn) {
        drivers::hba_drv_config hc;
        const unsigned bits = sc.platform.hba.address_bits;
        hc.data_addr_hi = bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
        if (int rc = drivers::hba_drv::attach(hba_dip, hc, hba_drv); rc != DDI_SUCCESS)
            return fail(fmt::format("HBA driver: attach failed with DDI code {}", rc));
        if (hba_fn) {
            hba_fn(*hba_drv);
            hba_stats = hba_drv->statistics();
            hba_drv.reset();
            software_done = true;
            return;
        }
        // sd attaches to each disk the jobs use, in target order
        std::map<unsigned, drivers::sd*> by_target;
        for (const unsigned t : fio->targets()) {
            if (t >= hba_drv->devices().size() || !hba_drv->devices()[t])
                return fail(fmt::format("HBA driver: no device for target {}", t));
            drivers::sd_config dc;
            dc.throttle = sc.platform.hba.config.target_queue_depth;
            dc.max_xfer = sc.software.sd_max_xfer;
            std::string why;
            disk_state& d = disks.emplace_back();
            d.target = t;
            if (int rc = drivers::sd::attach(hba_drv->devices()[t], dc, d.sd, &why); rc != DDI_SUCCESS)
                return fail(fmt::format("sd: attach of target {} failed: {}", t, why));
            d.name = d.sd->vendor() + " " + d.sd->product();
            by_target[t] = d.sd.get();
        }
        fio->run(by_target);
        for (auto& d : disks) d.sd->wait_all();
        for (auto& d : disks) {
            d.stats = d.sd->statistics();
            d.sd.reset();
        }
        hba_stats = hba_drv->statistics();
        hba_drv.reset(); // detach
    }
    if (sc.workload.kind == "memcpy") {
        drivers::dmac_drv_config dc;
        const unsigned bits = sc.platform.dmac.address_bits;
        dc.addr_hi = bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
        if (int rc = drivers::dmac_drv::attach(dmac_dip, dc, dmac_drv); rc != DDI_SUCCESS)
            return fail(fmt::format("dmac driver: attach failed with DDI code {}", rc));
        auto wc = sc.workload.memcpy;
        wc.seed ^= sc.run.seed * 0x9E3779B97F4A7C15ull;
        workloads::run_memcpy_workload(*kernel, *dmac_drv, wc, memcpy);
        dmac_stats = dmac_drv->statistics();
        dmac_drv.reset(); // detach
    }
    software_done = true;
}

kernel::kernel_context& platform::kernel() { return *p_->kernel; }
cpu_port& platform::cpu() { return *p_->cpu; }
const workloads::fio_runner* platform::fio() const { return p_->fio.get(); }

void platform::run_on_hba(std::function<void(drivers::hba_drv&)> fn) {
    if (!p_->hba) throw std::invalid_argument("platform.hba.present is false: there is no HBA to send commands through");
    if (p_->software_workload)
        throw std::invalid_argument("workload.kind is " + p_->sc.workload.kind + ": set workload.kind: traffic to drive the HBA directly");
    p_->hba_fn = std::move(fn);
    p_->software_workload = true;
    sc_core::sc_spawn_options opt;
    opt.set_stack_size(1 << 20);
    p_->software_thread = sc_core::sc_spawn([this] { p_->software_main(); }, "software", &opt);
}

void platform::enable_waves(const std::string& path) {
    p_->waves = true;
    tlm::waves::open(path);
}

namespace {
std::uint64_t now_ps() { return sc_core::sc_time_stamp().value(); }
} // namespace

run_outcome platform::run(progress_bar& bar, tlm::stats_series* series) {
    run_outcome o;
    const std::uint64_t limit = p_->sc.run.duration;
    auto all_done = [&] {
        return (!p_->software_workload || p_->software_done) &&
               std::all_of(p_->tgens.begin(), p_->tgens.end(), [](const auto& t) { return t->done(); });
    };
    auto fraction = [&]() -> double {
        if (limit) return std::min(1.0, static_cast<double>(now_ps()) / static_cast<double>(limit));
        std::uint64_t want = 0, have = 0;
        if (p_->sc.workload.kind == "memcpy") {
            want += p_->sc.workload.memcpy.copies;
            have += p_->software_done ? p_->sc.workload.memcpy.copies
                                      : (p_->dmac_drv ? std::min(want, p_->dmac_drv->statistics().copies) : 0);
        }
        if (p_->fio) {
            const auto want_ios = p_->fio->ios_expected();
            if (!want_ios) return -1;
            return p_->software_done ? 1.0 : std::min(1.0, double(p_->fio->ios_completed()) / double(want_ios));
        }
        for (std::size_t i = 0; i < p_->tgens.size(); ++i) {
            const auto count = p_->sc.platform.traffic[i].count;
            if (!count) return -1;
            want += count;
            have += std::min(count, p_->tgens[i]->transactions());
        }
        return want ? static_cast<double>(have) / static_cast<double>(want) : -1;
    };
    // Slices grow geometrically from 1 us up to 1 ms of simulated time (or
    // 1/100 of the duration): deterministic, and cheap for long runs.
    std::uint64_t slice = 1'000'000;
    const std::uint64_t max_slice = limit ? std::max<std::uint64_t>(limit / 100, 1'000'000) : 1'000'000'000;
    // Workload progress, for the stall watchdog (run.stall_timeout).
    auto progress = [&] {
        std::uint64_t n = 0;
        for (const auto& t : p_->tgens) n += t->transactions();
        if (p_->fio) n += p_->fio->ios_completed() + p_->fio->extents_verified();
        if (p_->dmac_drv) n += p_->dmac_drv->statistics().descriptors;
        return n + (p_->software_done ? 1 : 0);
    };
    const std::uint64_t stall = p_->sc.run.stall_timeout;
    std::uint64_t last_progress = 0, progress_at = 0;
    // One slice of `step` ps, stopping at each multiple of the stats interval
    // on the way for a row of the series. Stopping and going on does not
    // change what the kernel runs (a test compares the results with and
    // without); the slices themselves stay as without. A simulated kernel
    // panic pauses the kernel early: then no more.
    std::uint64_t interval = series ? p_->sc.run.stats_interval : 0;
    std::uint64_t next_row = interval;
    auto advance = [&](std::uint64_t step) {
        const std::uint64_t end = now_ps() + step;
        for (; interval && next_row <= end; next_row += interval) {
            const std::uint64_t to = next_row;
            if (to > now_ps()) sc_core::sc_start(sc_core::sc_time(static_cast<double>(to - now_ps()), sc_core::SC_PS));
            if (now_ps() != to) return; // paused
            series->sample(to);
            // run.stats_rows_max: the series stops here, if the run goes on
            if (series->rows() >= p_->sc.run.stats_rows_max && !all_done() && (!limit || to < limit)) {
                o.series_stopped_ps = to;
                interval = 0;
            }
        }
        if (end > now_ps()) sc_core::sc_start(sc_core::sc_time(static_cast<double>(end - now_ps()), sc_core::SC_PS));
    };
    sc_core::sc_start(sc_core::SC_ZERO_TIME); // elaboration ends: the models' last statistics register
    if (series) series->sample(0);            // the header
    while (!all_done()) {
        std::uint64_t step = slice;
        if (limit) {
            if (now_ps() >= limit) {
                o.hit_duration = true;
                break;
            }
            step = std::min(step, limit - now_ps());
        }
        advance(step);
        bar.update(fraction(), now_ps());
        if (!p_->panic.empty()) break;                             // the simulated kernel panicked
        if (const std::uint64_t n = progress(); n != last_progress) {
            last_progress = n;
            progress_at = now_ps();
        } else if (stall && now_ps() - progress_at >= stall && !all_done()) {
            o.stalled = true; // time passes, nothing completes
            break;
        }
        if (!sc_core::sc_pending_activity() && !all_done()) break; // starved: nothing left to do
        slice = std::min(slice * 2, max_slice);
    }
    bar.finish();
    o.workload_done = all_done() && p_->software_error.empty(); // a workload that could not run is not done
    o.end_ps = now_ps();
    for (const auto& t : p_->tgens) o.errors += t->errors() + t->verify_errors();
    if (p_->software_workload) {
        o.errors += p_->memcpy.failed + p_->memcpy.verify_errors + p_->memcpy.alloc_failures;
        if (p_->fio) o.errors += p_->fio->errors();
        if (!p_->software_error.empty()) ++o.errors;
        o.software_error = p_->software_error;
        if (!p_->software_done && !o.hit_duration && p_->panic.empty() && !o.stalled) {
            ++o.errors; // starved: the software waits for something that never comes
            o.starved = true;
        }
    }
    o.panic = p_->panic;
    if (!o.panic.empty()) ++o.errors;
    if (o.stalled) ++o.errors;
    tlm::stats_registry::instance().finish(o.end_ps);
    if (series && !o.series_stopped_ps) series->sample(o.end_ps); // the last, partial interval
    if (p_->waves) tlm::waves::close();
    return o;
}

nlohmann::json platform::headline(const run_outcome& o) const {
    nlohmann::json h = nlohmann::json::object();
    nlohmann::json gens = nlohmann::json::array();
    for (const auto& t : p_->tgens) {
        const auto& lat = t->latency();
        gens.push_back({{"name", t->name()},
                        {"transactions", t->transactions()},
                        {"bytes", t->bytes()},
                        {"bandwidth_bytes_per_s", t->bandwidth()},
                        {"latency_ns", {{"mean", lat.mean()}, {"p50", lat.percentile(50)}, {"p99", lat.percentile(99)}, {"max", lat.max()}}},
                        {"errors", t->errors()},
                        {"verify_errors", t->verify_errors()},
                        {"checksum", fmt::format("{:016x}", t->checksum())}});
    }
    h["traffic"] = gens;
    if (p_->sc.workload.kind == "memcpy") {
        auto& m = p_->memcpy;
        if (!p_->software_done) m.summarise(); // cut short: the copies so far
        // a run cut short (run.duration) still has its driver: its counts so far
        const auto dmac = p_->dmac_drv ? p_->dmac_drv->statistics() : p_->dmac_stats;
        h["memcpy"] = {{"copies", m.copies},
                       {"bytes", m.bytes},
                       {"bandwidth_bytes_per_s", m.bytes_per_s()},
                       {"latency_ns", {{"mean", m.lat_mean_ns}, {"p50", m.lat_p50_ns}, {"p99", m.lat_p99_ns}, {"max", m.lat_max_ns}}},
                       {"failed", m.failed},
                       {"verify_errors", m.verify_errors},
                       {"descriptors", dmac.descriptors},
                       {"windows", dmac.windows},
                       {"copybuf_binds", dmac.copybuf_binds},
                       {"interrupts", dmac.interrupts}};
        if (!p_->software_error.empty()) h["memcpy"]["error"] = p_->software_error;
    }
    if (p_->fio) {
        auto f = p_->fio->headline();
        // a run cut short (run.duration) still has its drivers: their counts so far
        auto sd_json = [](const drivers::sd::stats& sd) {
            nlohmann::json j = {{"commands", sd.commands}, {"windows", sd.windows}, {"chunks", sd.chunks},
                                {"retries", sd.retries}, {"errors", sd.errors}};
            if (sd.flushes) j["flushes"] = sd.flushes; // SYNCHRONIZE CACHE (fio fsync & co.)
            return j;
        };
        drivers::sd::stats all;
        std::string names;
        for (const auto& d : p_->disks) {
            const auto sd = d.sd ? d.sd->statistics() : d.stats;
            for (auto [sum, one] : {std::pair{&all.commands, sd.commands}, {&all.windows, sd.windows},
                                    {&all.chunks, sd.chunks}, {&all.retries, sd.retries}, {&all.errors, sd.errors},
                                    {&all.flushes, sd.flushes}})
                *sum += one;
            if (p_->disks.size() > 1) {
                names += fmt::format("{}t{} {}", names.empty() ? "" : ", ", d.target, d.name);
                // fio_runner::headline's per-disk totals, in target order as disks
                for (auto& e : f["disks"])
                    if (e["target"] == d.target) {
                        e["disk"] = d.name;
                        e["sd"] = sd_json(sd);
                    }
            } else {
                names = d.name;
            }
        }
        f["disk"] = names;
        const auto hd = p_->hba_drv ? p_->hba_drv->statistics() : p_->hba_stats;
        f["sd"] = sd_json(all);
        f["hba"] = {{"commands", hd.commands}, {"interrupts", hd.interrupts}, {"chained", hd.chained}};
        if (!p_->software_error.empty()) f["error"] = p_->software_error;
        h["fio"] = std::move(f);
    }
    // Software CPU time: what the kernel, DDI layer and drivers charged to the
    // cost model (cpu_port's `charged`; time a thread waits for its own bus
    // accesses is simulated time, not charged CPU: reported apart as
    // bus_wait_ns, cpu_port's `bus_wait`). Several software
    // threads can overlap, so busy_fraction may exceed 1 (CPUs' worth).
    if (const tlm::stat* c = tlm::stats_registry::instance().find(std::string(p_->cpu->name()) + ".charged")) {
        const double ns = c->value();
        h["cpu"] = {{"charged_ns", static_cast<std::uint64_t>(ns)},
                    {"busy_fraction", o.end_ps ? ns * 1e3 / static_cast<double>(o.end_ps) : 0.0}};
        const tlm::stat* w = tlm::stats_registry::instance().find(std::string(p_->cpu->name()) + ".bus_wait");
        const double wait_ns = w ? w->value() * 1e-3 : 0.0;
        h["cpu"]["bus_wait_ns"] = wait_ns;
        if (const unsigned n = p_->cpu->cpus()) {
            // counted CPUs (software.cpus): their utilisation and the time threads waited for one
            const tlm::stat* cw = tlm::stats_registry::instance().find(std::string(p_->cpu->name()) + ".cpu_wait");
            const tlm::stat* u = tlm::stats_registry::instance().find(std::string(p_->cpu->name()) + ".utilisation");
            h["cpu"]["cpus"] = n;
            h["cpu"]["utilisation"] = u ? u->value() : 0.0; // charged time and busy waits
            h["cpu"]["cpu_wait_ns"] = cw ? cw->value() * 1e-3 : 0.0;
        }
        if (h.contains("fio")) {
            const double ios = h["fio"]["total"]["ios"].get<double>();
            h["fio"]["cpu_ns_per_io"] = ios > 0 ? ns / ios : 0.0;
            h["fio"]["cpu_bus_wait_ns_per_io"] = ios > 0 ? wait_ns / ios : 0.0;
        }
        if (h.contains("memcpy")) {
            const double n = h["memcpy"]["copies"].get<double>();
            h["memcpy"]["cpu_ns_per_copy"] = n > 0 ? ns / n : 0.0;
            h["memcpy"]["cpu_bus_wait_ns_per_copy"] = n > 0 ? wait_ns / n : 0.0;
        }
    }
    h["simulated_time_ps"] = o.end_ps;
    h["workload_done"] = o.workload_done;
    if (!o.panic.empty()) h["panic"] = o.panic;
    if (o.stalled) h["stalled"] = true;
    return h;
}

} // namespace ddisim::platform
