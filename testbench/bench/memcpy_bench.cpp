// memcpy through the DMA controller driver for `ddisim bench`: simulated
// bytes per wall second of 1 MiB fragmented copies (random page placement,
// unaligned buffers), with the IOMMU on or off, in LT and AT; and the
// IOTLB-miss cost curve: simulated throughput against the buffer size,
// 4 KiB … 64 MiB, with the default 64-entry IOTLB (16 sets × 4 ways).
//
// Netlist (one per process): kernel + cpu_port + bus + DRAM (256 MiB low,
// 1 GiB high) + dmac (+ IOMMU between the controller and the bus, programmed
// by sw/ddi/iommu_driver). The driver polls for completion (no interrupt
// controller: the figure is the data path, not interrupt dispatch). Copies
// are not verified here (the tests check every byte).
#include "testbench/bench/bench.h"

#include <cstring>
#include <memory>

#include <systemc>

#include <sys/sunddi.h>

#include "models/bus/bus.h"
#include "models/dmac/dmac.h"
#include "models/iommu/iommu.h"
#include "models/memory/memory.h"
#include "sw/ddi/iommu_driver.h"
#include "sw/drivers/dmac_drv.h"
#include "sw/kernel/kernel.h"
#include "testbench/platform/cpu_port.h"
#include "testbench/workloads/memcpy.h"

using namespace sc_core;
namespace m = ddisim::models;

namespace {

constexpr std::uint64_t regs_base = 0xF000'0000, iommu_base = 0xF002'0000;

struct rig : sc_module {
    std::unique_ptr<ddisim::kernel::kernel_context> k;
    std::unique_ptr<m::memory> mem;
    std::unique_ptr<m::bus> bus;
    std::unique_ptr<m::dmac> dma;
    std::unique_ptr<m::iommu> mmu;
    std::unique_ptr<ddisim::platform::cpu_port> cpu;
    std::unique_ptr<ddisim::ddi::vtd_iommu_driver> mmu_drv;
    sc_signal<bool> irq{"irq"};
    dev_info_t* dip = nullptr;
    std::function<void(rig&)> body;
    SC_HAS_PROCESS(rig);

    // lt_txn: the dmac's lt_transaction_size (~0: its default, page-sized
    // LT transactions; 0: burst-accurate)
    rig(sc_module_name n, bool iommu, const char* timing, std::uint64_t high = 1ull << 30, std::uint64_t lt_txn = ~0ull)
        : sc_module(n) {
        m::memory_config mc;
        mc.low_size = 256ull << 20;
        mc.high_size = high;
        ddisim::kernel::kernel_config kc;
        kc.memory_bytes = m::memory_high_base + mc.high_size;
        kc.placement = ddisim::kernel::placement_policy::random;
        kc.checker = false;
        if (iommu) kc.iommu = ddisim::kernel::iommu_kind::vtd;
        k = std::make_unique<ddisim::kernel::kernel_context>(kc);
        k->pages().claim_range(mc.low_size, m::memory_high_base); // the MMIO hole
        mem = std::make_unique<m::memory>("mem", mc, *k->store());
        bus = std::make_unique<m::bus>("bus", m::bus_config{});
        cpu = std::make_unique<ddisim::platform::cpu_port>("cpu", 0);
        k->set_platform(cpu.get());
        m::dmac_config dc;
        dc.timing = timing;
        dc.requester_id = 7;
        dc.outstanding = 16;
        dc.bus_max_burst = m::bus_config{}.max_burst;
        if (lt_txn != ~0ull) dc.lt_transaction_size = lt_txn;
        dma = std::make_unique<m::dmac>("dmac", dc);
        dma->irq.bind(irq);
        bus->out.bind(mem->in);
        bus->out.bind(dma->regs);
        bus->add_region(m::bus_region::absolute("dram_low", 0, mc.low_size, 0));
        bus->add_region(m::bus_region::absolute("dram_high", m::memory_high_base, mc.high_size, 0));
        bus->add_region(m::bus_region::relative("dmac", regs_base, 0x1000, 1));
        cpu->out.bind(bus->in);
        if (iommu) {
            mmu = std::make_unique<m::iommu>("iommu", m::iommu_config{});
            dma->out.bind(mmu->dev_in);
            mmu->mem_out.bind(bus->in);
            bus->out.bind(mmu->regs);
            bus->add_region(m::bus_region::relative("iommu", iommu_base, mmu->regs_size(), 2));
            ddisim::ddi::vtd_iommu_driver_config ic;
            ic.reg_base = iommu_base;
            ic.table_hi = mc.low_size - 1;
            mmu_drv = std::make_unique<ddisim::ddi::vtd_iommu_driver>(*k, *cpu, ic);
            cpu->set_iommu(mmu_drv.get());
        } else {
            dma->out.bind(bus->in);
        }
        dip = k->create_dev_info("dmac", 0, iommu);
        k->set_dev_regs(dip, {{regs_base, 0x1000}});
        k->set_dev_requester_id(dip, dc.requester_id);
        SC_THREAD(run);
    }
    void run() {
        if (mmu_drv && !(mmu_drv->init() && mmu_drv->attach(dip))) return;
        body(*this);
    }
};

// Polling every 5 µs keeps the wall cost of waiting low for the rate
// figures; the curve (a simulated-time figure) polls every 200 ns so small
// copies are not dominated by the polling period.
ddisim::drivers::dmac_drv_config polled(std::uint64_t interval_ns = 5000) {
    ddisim::drivers::dmac_drv_config c;
    c.use_interrupts = false;
    c.polling_interval_ns = interval_ns;
    return c;
}

// Simulated bytes per wall second of back-to-back 1 MiB copies.
double copy_rate(bool iommu, const char* timing, std::uint64_t lt_txn = ~0ull) {
    rig r("top", iommu, timing, 1ull << 30, lt_txn);
    std::uint64_t bytes = 0;
    r.body = [&bytes](rig& x) {
        std::unique_ptr<ddisim::drivers::dmac_drv> drv;
        if (ddisim::drivers::dmac_drv::attach(x.dip, polled(), drv) != DDI_SUCCESS) return;
        const std::size_t len = 1 << 20;
        caddr_t s = x.k->kmem_alloc_pages(257), d = x.k->kmem_alloc_pages(257);
        if (!s || !d) return;
        std::memset(s, 0x5a, 257 * 4096);
        for (;;) {
            if (drv->memcpy(d + 3001, s + 123, len) != DDI_SUCCESS) return;
            bytes += len;
        }
    };
    // elaboration, attach and the first copies in the warm-up slice
    return ddisim::bench::run_for_budget(sc_time(200, SC_US), [&bytes] { return bytes; });
}

double lt_iommu() { return copy_rate(true, "lt"); }
double lt_iommu_burst() { return copy_rate(true, "lt", 0); }
double lt_plain() { return copy_rate(false, "lt"); }
double at_iommu() { return copy_rate(true, "at"); }

// Simulated throughput (bytes per simulated second) of copies of `size`
// bytes through the IOMMU: at least 8 copies and 16 MiB in all.
double iotlb_point(std::uint64_t size) {
    rig r("top", true, "lt", std::max<std::uint64_t>(1ull << 30, 4 * size));
    double rate = 0;
    r.body = [&](rig& x) {
        std::unique_ptr<ddisim::drivers::dmac_drv> drv;
        if (ddisim::drivers::dmac_drv::attach(x.dip, polled(200), drv) != DDI_SUCCESS) return;
        ddisim::workloads::memcpy_workload_config w;
        w.size = size;
        w.copies = std::max<std::uint64_t>(8, (16ull << 20) / size);
        w.verify = false;
        const auto res = ddisim::workloads::run_memcpy_workload(*x.k, *drv, w);
        if (res.failed == 0) rate = res.bytes_per_s();
    };
    sc_start();
    return rate;
}

double iotlb_4k() { return iotlb_point(4ull << 10); }
double iotlb_16k() { return iotlb_point(16ull << 10); }
double iotlb_64k() { return iotlb_point(64ull << 10); }
double iotlb_256k() { return iotlb_point(256ull << 10); }
double iotlb_1m() { return iotlb_point(1ull << 20); }
double iotlb_4m() { return iotlb_point(4ull << 20); }
double iotlb_16m() { return iotlb_point(16ull << 20); }
double iotlb_64m() { return iotlb_point(64ull << 20); }

using ddisim::bench::registrar;
const registrar r1{{"memcpy_lt_iommu_bytes_per_s", "B/s", "dmac driver, 1 MiB fragmented memcpy, IOMMU, LT (sim B per wall s)",
                    &lt_iommu, 300, "", 0, 1e9}};
const registrar r2{{"memcpy_lt_bytes_per_s", "B/s", "dmac driver, 1 MiB fragmented memcpy, no IOMMU, LT", &lt_plain, 301,
                    "", 0}};
const registrar r4{{"memcpy_lt_iommu_burst_bytes_per_s", "B/s",
                    "as memcpy_lt_iommu, burst-accurate LT (dmac lt_transaction_size 0, one b_transport per burst)",
                    &lt_iommu_burst, 303, "", 0}};
const registrar r3{{"memcpy_at_iommu_bytes_per_s", "B/s", "dmac driver, 1 MiB fragmented memcpy, IOMMU, AT", &at_iommu,
                    302, "", 0}};
const registrar c1{{"memcpy_iotlb_curve_4k", "B/s sim", "IOTLB curve: simulated throughput, 4 KiB copies, 64-entry IOTLB",
                    &iotlb_4k, 310, "", 0}};
const registrar c2{{"memcpy_iotlb_curve_16k", "B/s sim", "IOTLB curve: 16 KiB copies", &iotlb_16k, 311, "", 0}};
const registrar c3{{"memcpy_iotlb_curve_64k", "B/s sim", "IOTLB curve: 64 KiB copies", &iotlb_64k, 312, "", 0}};
const registrar c4{{"memcpy_iotlb_curve_256k", "B/s sim", "IOTLB curve: 256 KiB copies", &iotlb_256k, 313, "", 0}};
const registrar c5{{"memcpy_iotlb_curve_1m", "B/s sim", "IOTLB curve: 1 MiB copies", &iotlb_1m, 314, "", 0}};
const registrar c6{{"memcpy_iotlb_curve_4m", "B/s sim", "IOTLB curve: 4 MiB copies", &iotlb_4m, 315, "", 0}};
const registrar c7{{"memcpy_iotlb_curve_16m", "B/s sim", "IOTLB curve: 16 MiB copies", &iotlb_16m, 316, "", 0}};
const registrar c8{{"memcpy_iotlb_curve_64m", "B/s sim", "IOTLB curve: 64 MiB copies", &iotlb_64m, 317, "", 0}};

} // namespace
