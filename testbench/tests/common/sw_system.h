// The common part of the driver test designs (dmacdrv, storage): the
// simulated kernel and its CPU port, a bus, DRAM with low and high regions,
// one DMA device with its registers in the MMIO hole, optionally behind an
// IOMMU (programmed by sw/ddi/iommu_driver) and with its interrupt through
// the interrupt controller, and a software thread that runs the test body.
//
//   cpu.out → bus.in; device.out → bus.in (or → iommu.dev_in, iommu.mem_out → bus.in)
//   bus.out[0] → memory (dram_low [0, low), dram_high [4 GiB, 4 GiB + high))
//   bus.out[1] → device regs at regs_base
//   with an intc: bus.out[2] → intc.regs at intc_base; device irq → intc
//   line `vector` → intc.cpu_irq → cpu.irq; the kernel dispatches it
//   with an IOMMU: the next bus.out → iommu.regs at iommu_base
//
// A fixture derives from it, builds its device after this constructor and
// then calls add_device.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <systemc>
#include <tlm>

#include <sys/sunddi.h>

#include "models/bus/bus.h"
#include "models/intc/intc.h"
#include "models/iommu/iommu.h"
#include "models/memory/memory.h"
#include "sw/ddi/iommu_driver.h"
#include "sw/kernel/kernel.h"
#include "testbench/platform/cpu_port.h"

namespace ddisim::test {

struct sw_system {
    static constexpr std::uint64_t regs_base = 0xF000'0000, intc_base = 0xF001'0000, iommu_base = 0xF002'0000;

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

    // How the device is attached (add_device).
    struct device_wiring {
        const char* name = "dev";      // its dev_info_t name
        std::uint32_t requester_id = 0;
        bool with_iommu = false;
        models::iommu_config iommu;
        bool with_intc = false;
        unsigned vector = 0;           // its intc line (with_intc)
    };

    std::unique_ptr<kernel::kernel_context> k;
    std::unique_ptr<models::memory> mem;
    std::unique_ptr<models::bus> bus;
    std::unique_ptr<platform::cpu_port> cpu;
    std::unique_ptr<models::iommu> mmu;
    std::unique_ptr<models::intc> ic;
    std::unique_ptr<line_binder> lb;
    std::unique_ptr<ddi::vtd_iommu_driver> mmu_drv;
    std::unique_ptr<host> sw;
    sc_core::sc_signal<bool> irq, cpu_irq{"cpu_irq"};
    dev_info_t* dip = nullptr;

    // kc: the caller's settings; memory_bytes and intc_base are set here.
    sw_system(const char* irq_name, kernel::kernel_config kc, std::uint64_t low_size, std::uint64_t high_size)
        : irq(irq_name), low_size_(low_size) {
        models::memory_config mc;
        mc.low_size = low_size;
        mc.high_size = high_size;
        kc.memory_bytes = high_size ? models::memory_high_base + high_size : low_size;
        kc.intc_base = intc_base;
        k = std::make_unique<kernel::kernel_context>(kc);
        if (high_size) k->pages().claim_range(low_size, models::memory_high_base); // the MMIO hole
        mem = std::make_unique<models::memory>("mem", mc, *k->store());
        bus = std::make_unique<models::bus>("bus", models::bus_config{});
        cpu = std::make_unique<platform::cpu_port>("cpu", 0);
        k->set_platform(cpu.get());
        bus->out.bind(mem->in);
        bus->add_region(models::bus_region::absolute("dram_low", 0, low_size, 0));
        if (high_size) bus->add_region(models::bus_region::absolute("dram_high", models::memory_high_base, high_size, 0));
        cpu->out.bind(bus->in);
    }

    void add_device(const device_wiring& w, ::tlm::tlm_target_socket<>& regs, ::tlm::tlm_initiator_socket<>& out,
                    sc_core::sc_out<bool>& dev_irq) {
        bus->out.bind(regs);
        bus->add_region(models::bus_region::relative(w.name, regs_base, 0x1000, 1));
        if (w.with_iommu) {
            mmu = std::make_unique<models::iommu>("iommu", w.iommu);
            out.bind(mmu->dev_in);
            mmu->mem_out.bind(bus->in);
        } else {
            out.bind(bus->in);
        }
        dev_irq.bind(irq);
        dip = k->create_dev_info(w.name, 0, w.with_iommu);
        k->set_dev_regs(dip, {{regs_base, 0x1000}});
        k->set_dev_requester_id(dip, w.requester_id);
        unsigned next_target = 2;
        if (w.with_intc) {
            ic = std::make_unique<models::intc>("intc", models::intc_config{});
            bus->out.bind(ic->regs);
            bus->add_region(models::bus_region::relative("intc", intc_base, models::intc_regs::size, next_target++));
            lb = std::make_unique<line_binder>((std::string(w.name) + "_line").c_str(), *ic, w.vector, irq);
            ic->cpu_irq.bind(cpu_irq);
            cpu->irq.bind(cpu_irq);
            k->set_dev_intr_fixed(dip, {w.vector});
        }
        if (w.with_iommu) {
            bus->out.bind(mmu->regs);
            bus->add_region(models::bus_region::relative("iommu", iommu_base, mmu->regs_size(), next_target++));
            ddi::vtd_iommu_driver_config icfg;
            icfg.reg_base = iommu_base;
            icfg.table_hi = low_size_ - 1;
            mmu_drv = std::make_unique<ddi::vtd_iommu_driver>(*k, *cpu, icfg);
            cpu->set_iommu(mmu_drv.get());
        }
        sw = std::make_unique<host>("sw");
    }

    // Software-thread start-up: the IOMMU driver programs the IOMMU and the
    // device's context entry. False on failure.
    bool start() {
        if (!mmu_drv) return true;
        return mmu_drv->init() && mmu_drv->attach(dip);
    }

private:
    std::uint64_t low_size_;
};

} // namespace ddisim::test
