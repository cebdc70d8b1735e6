// The scenario's software section reaches the simulated kernel.
#include <catch2/catch.hpp>

#include <sys/sunddi.h>

#include "sw/ddi/bind_explorer.h"
#include "sw/kernel/kernel.h"
#include "testbench/config/scenario_loader.h"
#include "testbench/platform/software.h"

using namespace ddisim;

TEST_CASE("software: every scenario key lands in the kernel config") {
    const auto s = config::load_default_scenario({"software.fidelity=fixed", "software.debug_checks=true",
                                                  "software.dma_api_checker=false", "software.placement=random",
                                                  "software.iommu=vtd", "software.iommu_unmap=deferred",
                                                  "software.iommu_deferred_batch=4", "software.copybuf_space=64KiB",
                                                  "software.handle_limit=3", "software.dvma_space=1MiB", "run.seed=9"});
    const auto k = platform::make_kernel_config(s);
    CHECK(k.fidelity == kernel::fidelity_mode::fixed);
    CHECK(k.debug_checks);
    CHECK_FALSE(k.checker);
    CHECK(k.placement == kernel::placement_policy::random);
    CHECK(k.seed == 9);
    CHECK(k.iommu == kernel::iommu_kind::vtd);
    CHECK(k.iommu_unmap == kernel::iommu_unmap_policy::deferred);
    CHECK(k.iommu_deferred_batch == 4);
    CHECK(k.copybuf_space == 65536);
    CHECK(k.handle_limit == 3);
    CHECK(k.dvma_space == 1 << 20);
    CHECK(k.memory_bytes == (4ull << 30) + s.platform.memory.high_size);
}

TEST_CASE("software: handle_limit from the scenario makes ddi_dma_alloc_handle fail with NORESOURCES") {
    const auto s = config::load_default_scenario({"software.handle_limit=2", "software.dma_api_checker=false"});
    auto kc = platform::make_kernel_config(s);
    kc.backing_store = false;
    kernel::kernel_context k(kc);
    dev_info_t* dip = k.create_dev_info("tdev", 0, false);
    const ddi_dma_attr_t attr = ddi::spec_default_attr();
    ddi_dma_handle_t h[3]{};
    CHECK(ddi_dma_alloc_handle(dip, &attr, DDI_DMA_DONTWAIT, nullptr, &h[0]) == DDI_SUCCESS);
    CHECK(ddi_dma_alloc_handle(dip, &attr, DDI_DMA_DONTWAIT, nullptr, &h[1]) == DDI_SUCCESS);
    CHECK(ddi_dma_alloc_handle(dip, &attr, DDI_DMA_DONTWAIT, nullptr, &h[2]) == DDI_DMA_NORESOURCES);
    ddi_dma_free_handle(&h[0]);
    ddi_dma_free_handle(&h[1]);
}

TEST_CASE("software: an unknown value is rejected by the scenario schema with its key") {
    try {
        (void)config::load_default_scenario({"software.fidelity=bugfree"});
        FAIL("no error");
    } catch (const config::scenario_error& e) {
        CHECK(std::string(e.what()).find("software.fidelity") != std::string::npos);
    }
}
