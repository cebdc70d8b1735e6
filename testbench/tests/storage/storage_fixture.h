// Test design for the storage stack: sd (sw/drivers/sd) → SCSA → hba_drv
// (sw/drivers/hba_drv) → DDI binds → the modelled HBA (models/hba) and its
// disks. The simulated kernel and its CPU port, a bus, DRAM with low and
// high regions, the HBA with 1–2 targets, the interrupt controller, an
// optional IOMMU (programmed by sw/ddi/iommu_driver), and a software thread
// that runs the test body.
//
//   cpu.out → bus.in; hba.out → bus.in (or → iommu.dev_in, iommu.mem_out → bus.in)
//   bus.out[0] → memory (dram_low [0, low), dram_high [4 GiB, 4 GiB + high))
//   bus.out[1] → hba.regs at st_regs_base; bus.out[2] → intc.regs;
//   bus.out[3] → iommu.regs (with_iommu)
//   hba.irq → intc line st_vector → intc.cpu_irq → cpu.irq → kernel dispatch
//
// The random verify workload (run_verify) keeps `depth` bufs in flight over
// the targets, never two overlapping ranges of one target at once, fills
// every write with fresh random bytes, keeps a shadow copy of each medium
// and compares every read with it.
#pragma once
#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <systemc>

// models/hba/hba.h before <sys/scsi/scsi.h>: its hba_regs::RESET_TARGET
// would otherwise meet SCSA's RESET_TARGET macro.
#include "models/hba/hba.h"

#include <sys/buf.h>
#include <sys/scsi/scsi.h>
#include <sys/sunddi.h>

#include "models/bus/bus.h"
#include "models/intc/intc.h"
#include "models/iommu/iommu.h"
#include "models/memory/memory.h"
#include "sw/ddi/iommu_driver.h"
#include "sw/drivers/hba_drv.h"
#include "sw/drivers/sd.h"
#include "sw/kernel/kernel.h"
#include "testbench/platform/cpu_port.h"

namespace ddisim::test {

inline constexpr std::uint64_t st_regs_base = 0xF000'0000, st_intc_base = 0xF001'0000, st_iommu_base = 0xF002'0000;
inline constexpr unsigned st_vector = 3;

// A fast disk for data tests: RAM timing, small capacity.
inline models::disk_config ram_disk(std::uint64_t capacity = 32ull << 20, std::uint64_t block = 512) {
    models::disk_config d;
    d.kind = "ram";
    d.capacity = capacity;
    d.block_size = block;
    return d;
}
inline models::disk_config ssd_disk(std::uint64_t capacity = 32ull << 20, std::uint64_t block = 512) {
    models::disk_config d = ram_disk(capacity, block);
    d.kind = "ssd";
    d.ssd.read_latency = 20000000;    // 20 us
    d.ssd.program_latency = 50000000; // 50 us
    d.ssd.controller_overhead = 2000000;
    return d;
}

struct st_options {
    kernel::placement_policy placement = kernel::placement_policy::random;
    std::uint64_t low_size = 1ull << 30;
    std::uint64_t high_size = 1ull << 30;
    bool with_iommu = false;
    kernel::iommu_unmap_policy unmap = kernel::iommu_unmap_policy::strict;
    models::hba_config hba = [] {
        models::hba_config h;
        h.targets = {ssd_disk(), ram_disk()};
        h.requester_id = 9;
        return h;
    }();
};

struct st_system {
    struct host : sc_core::sc_module {
        std::function<void()> body;
        SC_HAS_PROCESS(host);
        explicit host(sc_core::sc_module_name n) : sc_module(n) { SC_THREAD(thread); }
        void thread() {
            if (body) body();
        }
    };
    struct line_binder : sc_core::sc_module {
        line_binder(sc_core::sc_module_name n, models::intc& ic, unsigned v, sc_core::sc_signal<bool>& sig)
            : sc_module(n) {
            ic.line(v).bind(sig);
        }
    };

    std::unique_ptr<kernel::kernel_context> k;
    std::unique_ptr<models::memory> mem;
    std::unique_ptr<models::bus> bus;
    std::unique_ptr<models::hba> hba;
    std::unique_ptr<platform::cpu_port> cpu;
    std::unique_ptr<models::intc> ic;
    std::unique_ptr<line_binder> lb;
    std::unique_ptr<models::iommu> mmu;
    std::unique_ptr<ddi::vtd_iommu_driver> mmu_drv;
    std::unique_ptr<host> sw;
    sc_core::sc_signal<bool> irq{"hba_irq"}, cpu_irq{"cpu_irq"};
    dev_info_t* dip = nullptr;

    explicit st_system(const st_options& o) {
        models::memory_config mc;
        mc.low_size = o.low_size;
        mc.high_size = o.high_size;
        kernel::kernel_config kc;
        kc.memory_bytes = mc.high_size ? models::memory_high_base + mc.high_size : mc.low_size;
        kc.placement = o.placement;
        kc.intc = true;
        kc.intc_base = st_intc_base;
        kc.copybuf_max = 0x101000;
        if (o.with_iommu) {
            kc.iommu = kernel::iommu_kind::vtd;
            kc.iommu_unmap = o.unmap;
        }
        k = std::make_unique<kernel::kernel_context>(kc);
        if (mc.high_size) k->pages().claim_range(mc.low_size, models::memory_high_base);
        mem = std::make_unique<models::memory>("mem", mc, *k->store());
        bus = std::make_unique<models::bus>("bus", models::bus_config{});
        cpu = std::make_unique<platform::cpu_port>("cpu", 0);
        k->set_platform(cpu.get());
        auto hc = o.hba;
        if (!hc.bus_max_burst) hc.bus_max_burst = models::bus_config{}.max_burst;
        hba = std::make_unique<models::hba>("hba", hc);
        bus->out.bind(mem->in);
        bus->out.bind(hba->regs);
        bus->add_region(models::bus_region::absolute("dram_low", 0, mc.low_size, 0));
        if (mc.high_size)
            bus->add_region(models::bus_region::absolute("dram_high", models::memory_high_base, mc.high_size, 0));
        bus->add_region(models::bus_region::relative("hba", st_regs_base, 0x1000, 1));
        cpu->out.bind(bus->in);
        if (o.with_iommu) {
            mmu = std::make_unique<models::iommu>("iommu", models::iommu_config{});
            hba->out.bind(mmu->dev_in);
            mmu->mem_out.bind(bus->in);
        } else {
            hba->out.bind(bus->in);
        }
        hba->irq.bind(irq);
        dip = k->create_dev_info("hba", 0, o.with_iommu);
        k->set_dev_regs(dip, {{st_regs_base, 0x1000}});
        k->set_dev_requester_id(dip, hc.requester_id);
        ic = std::make_unique<models::intc>("intc", models::intc_config{});
        bus->out.bind(ic->regs);
        bus->add_region(models::bus_region::relative("intc", st_intc_base, models::intc_regs::size, 2));
        lb = std::make_unique<line_binder>("hba_line", *ic, st_vector, irq);
        ic->cpu_irq.bind(cpu_irq);
        cpu->irq.bind(cpu_irq);
        k->set_dev_intr_fixed(dip, {st_vector});
        if (o.with_iommu) {
            bus->out.bind(mmu->regs);
            bus->add_region(models::bus_region::relative("iommu", st_iommu_base, mmu->regs_size(), 3));
            ddi::vtd_iommu_driver_config icfg;
            icfg.reg_base = st_iommu_base;
            icfg.table_hi = mc.low_size - 1;
            mmu_drv = std::make_unique<ddi::vtd_iommu_driver>(*k, *cpu, icfg);
            cpu->set_iommu(mmu_drv.get());
        }
        sw = std::make_unique<host>("sw");
    }

    bool start() {
        if (!mmu_drv) return true;
        return mmu_drv->init() && mmu_drv->attach(dip);
    }
};

// ---------------------------------------------------------------- workload

struct verify_options {
    std::uint64_t ios = 2000;          // bufs to complete
    unsigned depth = 32;               // bufs in flight
    std::uint64_t max_blocks = 64;     // per buf (of 512 bytes; 4 KiB disks: / 8)
    double small_fraction = 0.7;       // share of bufs of 1..8 blocks
    double write_fraction = 0.5;
    bool high_buffers = false;         // data buffers above 4 GiB
    std::uint64_t seed = 1;
    std::vector<unsigned> targets;     // empty: all
    // called between bufs with the number completed (e.g. a reset mid-run)
    std::function<void(std::uint64_t done, std::vector<std::unique_ptr<drivers::sd>>&, drivers::hba_drv&)> hook;
    // LBA runs per target that fail reads: a read touching one must fail
    std::vector<std::vector<std::pair<std::uint64_t, std::uint64_t>>> bad; // [target] → (lba, count)
};

struct verify_result {
    int hba_rc = -100;
    std::vector<int> sd_rc;
    std::vector<std::string> sd_why;
    std::vector<std::uint64_t> capacity;
    std::vector<std::uint32_t> block;
    std::vector<std::string> vendor;
    std::uint64_t completed = 0, reads = 0, writes = 0, bytes = 0;
    std::uint64_t mismatches = 0;       // reads whose data differed from the shadow
    std::uint64_t unexpected_errors = 0; // bufs failed that should not have
    std::uint64_t expected_errors = 0;   // reads over a bad LBA that failed with EIO
    std::uint64_t missed_errors = 0;     // reads over a bad LBA that succeeded
    std::uint64_t bad_lba_reports = 0;   // error records whose LBA is not a bad LBA of that buf
    std::uint64_t high_buffer_pages = 0, low_buffer_pages = 0;
    std::vector<drivers::sd::stats> sd_stats;
    std::vector<std::vector<drivers::sd::error_record>> sd_errors;
    drivers::hba_drv::stats hba_stats;
    unsigned hba_tags = 0, hba_outstanding_after = 0;
    std::size_t live_packets_after = 0;
    std::uint64_t end_ns = 0;
    std::string first_problem;
};

inline std::uint64_t splitmix(std::uint64_t& s) {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// Runs in the software thread.
verify_result run_verify(st_system& s, const drivers::hba_drv_config& hc, const drivers::sd_config& sc,
                         const verify_options& vo);

} // namespace ddisim::test
