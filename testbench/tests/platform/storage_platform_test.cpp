// The platform's storage path (platform.hba + workload.kind fio): cross-key
// checks, and fio jobs through sd → SCSA → hba_drv → DDI → HBA → IOMMU →
// bus → DRAM with every written block read back and checked.
#include <catch2/catch.hpp>

#include <string>

#include <nlohmann/json.hpp>
#include <systemc>

#include "testbench/config/scenario_loader.h"
#include "testbench/platform/platform.h"
#include "testbench/platform/progress.h"
#include "tlm/core/stats.h"

using namespace ddisim;

namespace {
std::string refusal(const config::scenario& s) {
    try {
        platform::platform p(s);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "";
}
double stat_value(const std::string& name) {
    const auto* s = tlm::stats_registry::instance().find(name);
    return s ? s->value() : -1;
}
} // namespace

TEST_CASE("storage platform: the DMA controller and the HBA share the IOMMU, each in its own domain") {
    auto s = config::load_default_scenario({"platform.dmac.present=true", "run.progress=false"});
    s.workload.fio.job = "[r]\nioengine=libaio\nrw=randread\nbs=4k\niodepth=8\nnumber_ios=200\n";
    platform::platform p(s);
    platform::progress_bar bar(false);
    const auto o = p.run(bar);
    CHECK(o.workload_done);
    CHECK(o.errors == 0);
    // Two devices, two requester ids, two domains: both context entries read.
    CHECK(stat_value("iommu.faults") == 0);
    CHECK(stat_value("iommu.translations") > 0);
    CHECK(stat_value("iommu.context_reads") >= 1);
}

TEST_CASE("storage platform: workload.fio.target beyond the HBA's targets is refused") {
    const auto e = refusal(config::load_default_scenario({"workload.fio.target=3"}));
    CHECK(e.find("workload.fio.target (3)") != std::string::npos);
    CHECK(e.find("1 disk") != std::string::npos);
}

TEST_CASE("storage platform: workload.kind fio without an HBA is refused") {
    const auto e = refusal(config::load_default_scenario({"platform.hba.present=false"}));
    CHECK(e.find("platform.hba.present is false") != std::string::npos);
}

TEST_CASE("storage platform: random writes with verify through a 32-bit HBA and the IOMMU (strict), fragmented high buffers") {
    auto s = config::load_default_scenario({"platform.hba.address_bits=32", "software.placement=high_first",
                                            "run.progress=false"});
    s.workload.fio.job = "[w]\nioengine=libaio\nrw=randwrite\nbsrange=512-64k\niodepth=16\nsize=8m\n"
                         "verify=crc32c\n";
    platform::platform p(s);
    platform::progress_bar bar(false);
    const auto o = p.run(bar);
    const auto h = p.headline(o);
    INFO(h.dump(2));
    CHECK(o.workload_done);
    CHECK(o.errors == 0);
    const auto& j = h["fio"]["jobs"][0];
    // The job ends when io_size (= size, 8 MiB) has been written.
    CHECK(j["bytes"] == 8ull << 20);
    CHECK(j["ios"].get<std::uint64_t>() >= (8ull << 20) / (64 << 10));
    CHECK(j["errors"] == 0);
    CHECK(j["verify_errors"] == 0);
    CHECK(j["verified_extents"].get<std::uint64_t>() > 0);
    // Every data transfer went through the IOMMU: DVMA addresses translated.
    CHECK(stat_value("iommu.translations") > 0);
}
