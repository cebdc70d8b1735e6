// Test design for the DMA controller driver (sw/drivers/dmac_drv): the
// simulated kernel and its CPU port, a bus, DRAM with low and high regions,
// the DMA controller (LT or AT) with its registers in the MMIO hole, and a
// software thread that runs the test body (attach, jobs) on the CPU port.
//
//   cpu_port.out → bus.in[0]; dmac.out → bus.in[1]
//   bus.out[0] → memory (dram_low [0, 1 GiB), dram_high [4 GiB, 4 GiB + high))
//   bus.out[1] → dmac.regs at regs_base
//   with_intc: bus.out[2] → intc.regs at intc_base; dmac.irq → intc line
//   (vector 5) → intc.cpu_irq → cpu_port.irq; the kernel dispatches it.
//   with_iommu: dmac.out → iommu.dev_in, iommu.mem_out → bus.in,
//   bus.out[3] → iommu.regs at iommu_base; the kernel's IOMMU path (vtd)
//   programs it through sw/ddi/iommu_driver (init and attach: start()).
#pragma once
#include <functional>
#include <memory>
#include <string>

#include <catch2/catch.hpp>
#include <systemc>

#include <sys/sunddi.h>

#include "models/bus/bus.h"
#include "models/dmac/dmac.h"
#include "models/intc/intc.h"
#include "models/iommu/iommu.h"
#include "sw/ddi/iommu_driver.h"
#include "models/memory/memory.h"
#include "sw/drivers/dmac_drv.h"
#include "sw/kernel/kernel.h"
#include "testbench/platform/cpu_port.h"
#include "testbench/workloads/memcpy.h"
#include "tlm/core/backing_store.h"

namespace ddisim::test {

inline constexpr std::uint64_t drv_regs_base = 0xF000'0000, drv_intc_base = 0xF001'0000;
inline constexpr std::uint64_t drv_iommu_base = 0xF002'0000;
inline constexpr unsigned drv_vector = 5;

struct drv_options {
    std::string timing = "lt";
    kernel::placement_policy placement = kernel::placement_policy::random;
    std::uint64_t low_size = 1ull << 30;
    std::uint64_t high_size = 8ull << 30;
    std::uint64_t copybuf_max = 0x101000;
    models::dmac_config dmac;
    bool with_intc = false;
    bool with_iommu = false;
    kernel::iommu_unmap_policy unmap = kernel::iommu_unmap_policy::by_fidelity;
    models::iommu_config iommu;
};

struct drv_system {
    struct host : sc_core::sc_module {
        std::function<void()> body;
        SC_HAS_PROCESS(host);
        explicit host(sc_core::sc_module_name n) : sc_module(n) { SC_THREAD(thread); }
        void thread() {
            if (body) body();
        }
    };

    // intc::line creates a port, which SystemC accepts only while some
    // module is being constructed: this one.
    struct line_binder : sc_core::sc_module {
        line_binder(sc_core::sc_module_name n, models::intc& ic, unsigned v, sc_core::sc_signal<bool>& sig)
            : sc_module(n) {
            ic.line(v).bind(sig);
        }
    };

    std::unique_ptr<kernel::kernel_context> k;
    std::unique_ptr<models::memory> mem;
    std::unique_ptr<models::bus> bus;
    std::unique_ptr<models::dmac> dma;
    std::unique_ptr<platform::cpu_port> cpu;
    std::unique_ptr<host> sw;
    std::unique_ptr<models::intc> ic;
    std::unique_ptr<line_binder> lb;
    std::unique_ptr<models::iommu> mmu;
    std::unique_ptr<ddi::vtd_iommu_driver> mmu_drv;
    sc_core::sc_signal<bool> irq{"dmac_irq"}, cpu_irq{"cpu_irq"};
    dev_info_t* dip = nullptr;

    explicit drv_system(const drv_options& o) {
        models::memory_config mc;
        mc.low_size = o.low_size;
        mc.high_size = o.high_size;
        kernel::kernel_config kc;
        kc.memory_bytes = mc.high_size ? models::memory_high_base + mc.high_size : mc.low_size;
        kc.placement = o.placement;
        kc.copybuf_max = o.copybuf_max;
        kc.intc = o.with_intc;
        kc.intc_base = drv_intc_base;
        if (o.with_iommu) kc.iommu = kernel::iommu_kind::vtd;
        kc.iommu_unmap = o.unmap;
        k = std::make_unique<kernel::kernel_context>(kc);
        if (mc.high_size) k->pages().claim_range(mc.low_size, models::memory_high_base); // the MMIO hole
        mem = std::make_unique<models::memory>("mem", mc, *k->store());
        bus = std::make_unique<models::bus>("bus", models::bus_config{});
        cpu = std::make_unique<platform::cpu_port>("cpu", 0);
        k->set_platform(cpu.get());
        auto dc = o.dmac;
        dc.timing = o.timing;
        dc.requester_id = 7;
        if (!dc.bus_max_burst) dc.bus_max_burst = models::bus_config{}.max_burst;
        dma = std::make_unique<models::dmac>("dmac", dc);
        bus->out.bind(mem->in);
        bus->out.bind(dma->regs);
        bus->add_region(models::bus_region::absolute("dram_low", 0, mc.low_size, 0));
        if (mc.high_size)
            bus->add_region(models::bus_region::absolute("dram_high", models::memory_high_base, mc.high_size, 0));
        bus->add_region(models::bus_region::relative("dmac", drv_regs_base, 0x1000, 1));
        cpu->out.bind(bus->in);
        if (o.with_iommu) {
            mmu = std::make_unique<models::iommu>("iommu", o.iommu);
            dma->out.bind(mmu->dev_in);
            mmu->mem_out.bind(bus->in);
        } else {
            dma->out.bind(bus->in);
        }
        dma->irq.bind(irq);
        dip = k->create_dev_info("dmac", 0, o.with_iommu);
        k->set_dev_regs(dip, {{drv_regs_base, 0x1000}});
        k->set_dev_requester_id(dip, dc.requester_id);
        if (o.with_intc) {
            ic = std::make_unique<models::intc>("intc", models::intc_config{});
            bus->out.bind(ic->regs);
            bus->add_region(models::bus_region::relative("intc", drv_intc_base, models::intc_regs::size, 2));
            lb = std::make_unique<line_binder>("dmac_line", *ic, drv_vector, irq);
            ic->cpu_irq.bind(cpu_irq);
            cpu->irq.bind(cpu_irq);
            k->set_dev_intr_fixed(dip, {drv_vector});
        }
        unsigned next_target = o.with_intc ? 3 : 2;
        if (o.with_iommu) {
            bus->out.bind(mmu->regs);
            bus->add_region(models::bus_region::relative("iommu", drv_iommu_base, mmu->regs_size(), next_target++));
            ddi::vtd_iommu_driver_config ic;
            ic.reg_base = drv_iommu_base;
            ic.table_hi = mc.low_size - 1;
            mmu_drv = std::make_unique<ddi::vtd_iommu_driver>(*k, *cpu, ic);
            cpu->set_iommu(mmu_drv.get());
        }
        sw = std::make_unique<host>("sw");
    }

    // Software-thread start-up: the IOMMU driver programs the IOMMU and the
    // controller's context entry. False on failure.
    bool start() {
        if (!mmu_drv) return true;
        return mmu_drv->init() && mmu_drv->attach(dip);
    }
};

} // namespace ddisim::test
