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
#include "testbench/platform/progress.h"
#include "tlm/core/stats.h"

#include <nlohmann/json.hpp>

using namespace ddisim;

TEST_CASE("wiring: the CPU reads the DMA controller's and the IOMMU's ID registers at their addresses") {
    const auto s = config::load_default_scenario({"platform.dmac.present=true", "platform.hba.present=false", "workload.kind=traffic", "platform.dmac.channels=3",
                                                  "platform.iommu.enable=true", "platform.iommu.iotlb_sets=8"});
    platform::platform p(s);
    std::uint32_t dmac_id = 0, dmac_channels = 0;
    std::uint64_t iommu_cap = 0;
    std::uint32_t intc_id = 0;
    double t_after = 0;
    sc_core::sc_spawn([&] {
        p.cpu().bus_read(platform::address_map::dmac_regs + 0x0, &dmac_id, 4);
        p.cpu().bus_read(platform::address_map::dmac_regs + 0x4, &dmac_channels, 4);
        p.cpu().bus_read(platform::address_map::iommu_regs + 0x0, &iommu_cap, 8);
        p.cpu().bus_read(platform::address_map::intc_regs + 0x0, &intc_id, 4);
        t_after = p.cpu().local_time().to_seconds();
    });
    sc_core::sc_start(sc_core::sc_time(10, sc_core::SC_US));
    CHECK(dmac_id == 0xD3AC0001u);
    CHECK(dmac_channels == 3);
    CHECK((iommu_cap & 0xffff) == 8);          // CAP[15:0] iotlb_sets
    CHECK(((iommu_cap >> 16) & 0xff) == 4);    // CAP[23:16] iotlb_ways (default)
    CHECK(intc_id == 0x1A7C0001u);
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

namespace {
double stat_value(const std::string& name) {
    const auto* s = ddisim::tlm::stats_registry::instance().find(name);
    return s ? s->value() : -1;
}
} // namespace

TEST_CASE("wiring: memcpy workload through the IOMMU (strict) copies fragmented buffers, every byte checked") {
    const auto s = config::load_default_scenario({"workload.kind=memcpy", "platform.dmac.present=true", "platform.hba.present=false", "workload.memcpy.copies=4",
                                                  "workload.memcpy.size=64KiB", "software.placement=random",
                                                  "software.iommu=vtd", "software.iommu_unmap=strict",
                                                  "platform.dmac.present=true", "platform.iommu.enable=true"});
    platform::platform p(s);
    platform::progress_bar bar(false);
    const auto o = p.run(bar);
    const auto h = p.headline(o);
    CHECK(o.workload_done);
    CHECK(o.errors == 0);
    CHECK(h["memcpy"]["copies"] == 4);
    CHECK(h["memcpy"]["bytes"] == 4 * 65536);
    CHECK(h["memcpy"]["verify_errors"] == 0);
    // Under the IOMMU one DVMA range per buffer: one descriptor per copy,
    // however fragmented the physical pages are (spec §4.10 step 4).
    CHECK(h["memcpy"]["descriptors"] == 4);
    // 16 pages read + 16 written per copy, each translated.
    CHECK(stat_value("iommu.translations") >= 4 * 32);
    CHECK(stat_value("iommu.faults") == 0);
    // strict unmap: one range invalidation at each of the 8 unbinds (plus the
    // ones at bind, spec §4.10 step 2, and the driver's global one at attach).
    CHECK(stat_value("iommu.invalidations") >= 8 + 8);
}

TEST_CASE("wiring: a 32-bit DMA controller with high-memory buffers and no IOMMU goes through copy buffers") {
    const auto s = config::load_default_scenario({"workload.kind=memcpy", "platform.dmac.present=true", "platform.hba.present=false", "workload.memcpy.copies=2",
                                                  "workload.memcpy.size=16KiB", "workload.memcpy.placement=high",
                                                  "software.iommu=none", "platform.dmac.present=true",
                                                  "platform.dmac.address_bits=32"});
    platform::platform p(s);
    platform::progress_bar bar(false);
    const auto o = p.run(bar);
    const auto h = p.headline(o);
    CHECK(o.workload_done);
    CHECK(o.errors == 0);
    CHECK(h["memcpy"]["copies"] == 2);
    CHECK(h["memcpy"]["verify_errors"] == 0);
    CHECK(h["memcpy"]["copybuf_binds"].get<std::uint64_t>() >= 2);
    CHECK(stat_value("iommu.translations") == 0); // translation off: passed through
}

TEST_CASE("wiring: workload memcpy without a DMA controller is refused naming both keys") {
    const auto s = config::load_default_scenario({"workload.kind=memcpy", "platform.dmac.present=false"});
    try {
        platform::platform p(s);
        FAIL("no error");
    } catch (const std::invalid_argument& e) {
        CHECK(std::string(e.what()).find("workload.kind") != std::string::npos);
        CHECK(std::string(e.what()).find("platform.dmac.present") != std::string::npos);
    }
}
