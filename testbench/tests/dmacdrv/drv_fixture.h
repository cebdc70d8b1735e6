// Test design for the DMA controller driver (sw/drivers/dmac_drv): the
// DMA controller (LT or AT) as the device of testbench/tests/common/sw_system.h
// (kernel, CPU port, bus, DRAM, the software thread that runs the test body),
// its interrupt on the signal `irq` (tests wait on it) or, with_intc,
// through the interrupt controller (line drv_vector) to the kernel;
// with_iommu behind the IOMMU.
#pragma once
#include <functional>
#include <memory>
#include <string>

#include <catch2/catch.hpp>
#include <systemc>

#include <sys/sunddi.h>

#include "models/dmac/dmac.h"
#include "sw/drivers/dmac_drv.h"
#include "testbench/tests/common/sw_system.h"
#include "testbench/workloads/memcpy.h"
#include "tlm/core/backing_store.h"

namespace ddisim::test {

inline constexpr unsigned drv_vector = 5; // the controller's intc line (with_intc)

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

struct drv_system : sw_system {
    std::unique_ptr<models::dmac> dma;

    explicit drv_system(const drv_options& o) : sw_system("dmac_irq", kernel_config(o), o.low_size, o.high_size) {
        auto dc = o.dmac;
        dc.timing = o.timing;
        dc.requester_id = 7;
        if (!dc.bus_max_burst) dc.bus_max_burst = models::bus_config{}.max_burst;
        dma = std::make_unique<models::dmac>("dmac", dc);
        add_device({.name = "dmac", .requester_id = dc.requester_id, .with_iommu = o.with_iommu, .iommu = o.iommu,
                    .with_intc = o.with_intc, .vector = drv_vector},
                   dma->regs, dma->out, dma->irq);
    }

private:
    static kernel::kernel_config kernel_config(const drv_options& o) {
        kernel::kernel_config kc;
        kc.placement = o.placement;
        kc.copybuf_max = o.copybuf_max;
        kc.intc = o.with_intc;
        if (o.with_iommu) kc.iommu = kernel::iommu_kind::vtd;
        kc.iommu_unmap = o.unmap;
        return kc;
    }
};

} // namespace ddisim::test
