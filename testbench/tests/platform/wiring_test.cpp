// The platform builds the scenario's devices and maps their registers where
// testbench/platform/address_map.h says.
#define SC_INCLUDE_DYNAMIC_PROCESSES
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include <systemc>

#include "sw/kernel/kernel.h"
#include "testbench/config/scenario_loader.h"
#include "testbench/platform/address_map.h"
#include "testbench/platform/cpu_port.h"
#include "testbench/platform/platform.h"

using namespace ddisim;

TEST_CASE("wiring: the CPU reads the DMA controller's and the IOMMU's ID registers at their addresses") {
    const auto s = config::load_default_scenario({"platform.dmac.present=true", "platform.dmac.channels=3",
                                                  "platform.iommu.enable=true", "platform.iommu.iotlb_sets=8"});
    platform::platform p(s);
    std::uint32_t dmac_id = 0, dmac_channels = 0;
    std::uint64_t iommu_cap = 0;
    double t_after = 0;
    sc_core::sc_spawn([&] {
        p.cpu().bus_read(platform::address_map::dmac_regs + 0x0, &dmac_id, 4);
        p.cpu().bus_read(platform::address_map::dmac_regs + 0x4, &dmac_channels, 4);
        p.cpu().bus_read(platform::address_map::iommu_regs + 0x0, &iommu_cap, 8);
        t_after = p.cpu().local_time().to_seconds();
    });
    sc_core::sc_start(sc_core::sc_time(10, sc_core::SC_US));
    CHECK(dmac_id == 0xD3AC0001u);
    CHECK(dmac_channels == 3);
    CHECK((iommu_cap & 0xffff) == 8);          // CAP[15:0] iotlb_sets
    CHECK(((iommu_cap >> 16) & 0xff) == 4);    // CAP[23:16] iotlb_ways (default)
    CHECK(t_after > 0);                        // register accesses cost time
}

TEST_CASE("wiring: kernel page allocations never land in the MMIO hole below 4 GiB") {
    const auto s = config::load_default_scenario({"platform.memory.low_size=16MiB", "software.placement=contiguous"});
    platform::platform p(s);
    auto& k = p.kernel();
    // 16 MiB of low memory = 4096 pages (minus the first); the next pages must come from 4 GiB up.
    bool any_in_hole = false, any_high = false;
    for (int i = 0; i < 5000; ++i) {
        auto pa = k.pages().alloc_page(0, ~std::uint64_t{0});
        REQUIRE(pa);
        if (*pa >= (16ull << 20) && *pa < (4ull << 30)) any_in_hole = true;
        if (*pa >= (4ull << 30)) any_high = true;
    }
    CHECK_FALSE(any_in_hole);
    CHECK(any_high);
}

TEST_CASE("wiring: low DRAM reaching into the MMIO window is refused naming the key") {
    const auto s = config::load_default_scenario({"platform.dmac.present=true", "platform.memory.low_size=4GiB"});
    try {
        platform::platform p(s);
        FAIL("no error");
    } catch (const std::invalid_argument& e) {
        CHECK(std::string(e.what()).find("platform.memory.low_size") != std::string::npos);
    }
}

TEST_CASE("wiring: software.iommu vtd without a platform IOMMU is refused") {
    const auto s = config::load_default_scenario({"software.iommu=vtd", "platform.iommu.enable=false"});
    try {
        platform::platform p(s);
        FAIL("no error");
    } catch (const std::invalid_argument& e) {
        CHECK(std::string(e.what()).find("platform.iommu.enable") != std::string::npos);
    }
}
