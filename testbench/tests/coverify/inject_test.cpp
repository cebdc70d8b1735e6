// Co-verification: the memcpy workload's deliberate driver bugs
// (workload.memcpy.inject) and what the DMA-API checker, the IOMMU and the
// data check report for each. Every TEST_CASE builds one platform from the
// default scenario with --set style overrides (own process through ctest).
#define SC_INCLUDE_DYNAMIC_PROCESSES
#include <catch2/catch.hpp>

#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include <systemc>

#include "models/iommu/page_table.h"
#include "sw/ddi/checker.h"
#include "sw/ddi/iommu_driver.h"
#include "sw/kernel/kernel.h"
#include "testbench/config/scenario_loader.h"
#include "testbench/platform/platform.h"
#include "testbench/platform/progress.h"
#include "testbench/platform/sw_report.h"
#include "tlm/core/stats.h"

#include <nlohmann/json.hpp>

using namespace ddisim;

namespace {

double stat_value(const std::string& name) {
    const auto* s = tlm::stats_registry::instance().find(name);
    return s ? s->value() : -1;
}

struct outcome {
    nlohmann::json headline, sw;
    std::size_t missing_sync = 0, after_unbind = 0, unbound = 0;
    double iommu_faults = -1, dmac_errors = -1;
    bool done = false;
};

// A memcpy on the DMA controller only (no traffic generators, no HBA), with
// the given extra overrides.
outcome run(std::vector<std::string> sets) {
    std::vector<std::string> base = {"workload.kind=memcpy", "platform.dmac.present=true",
                                     "platform.traffic=[]", "workload.memcpy.copies=4",
                                     "workload.memcpy.size=16KiB", "software.dma_api_checker=true"};
    base.insert(base.end(), sets.begin(), sets.end());
    // No HBA: the default scenario may place one behind the IOMMU. Scenarios
    // from before the HBA key existed refuse it by name; they have no HBA.
    config::scenario s;
    try {
        auto with = base;
        with.push_back("platform.hba.present=false");
        s = config::load_default_scenario(with);
    } catch (const std::exception& e) {
        if (std::string(e.what()).find("hba") == std::string::npos) throw;
        s = config::load_default_scenario(base);
    }
    platform::platform p(s);
    platform::progress_bar bar(false);
    const auto o = p.run(bar);
    outcome r;
    r.done = o.workload_done;
    r.headline = p.headline(o);
    r.sw = platform::software_report(p.kernel());
    r.missing_sync = ddi::checker::count(p.kernel(), "missing-sync");
    r.after_unbind = ddi::checker::count(p.kernel(), "dma-after-unbind");
    r.unbound = ddi::checker::count(p.kernel(), "dma-unbound");
    r.iommu_faults = stat_value("iommu.faults"); // statistics live as long as the platform
    r.dmac_errors = stat_value("dmac.errors");
    return r;
}

// 32-bit controller, buffers above 4 GiB, no DVMA translation: every bind of
// a data buffer goes through copy buffers.
const std::vector<std::string> copybuf = {"platform.dmac.address_bits=32", "workload.memcpy.placement=high",
                                          "software.iommu=none"};

// Translated DMA (the IOMMU driver maps DVMA pages) with an unmap policy.
std::vector<std::string> translated(const std::string& unmap) {
    return {"platform.iommu.enable=true", "software.iommu=vtd", "software.iommu_unmap=" + unmap};
}

std::vector<std::string> plus(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

} // namespace

TEST_CASE("inject: a correct driver with copy buffers - no wrong byte, no checker report") {
    const auto r = run(plus(copybuf, {"workload.memcpy.inject=none"}));
    REQUIRE(r.done);
    CHECK(r.headline["memcpy"]["copies"] == 4);
    CHECK(r.headline["memcpy"]["copybuf_binds"].get<std::uint64_t>() >= 8); // source and destination of each copy
    CHECK(r.headline["memcpy"]["verify_errors"] == 0);
    CHECK(r.missing_sync == 0);
    CHECK(r.sw["checker"]["count"] == 0);
    CHECK(r.sw["diagnostics"]["count"] == 0);
}

TEST_CASE("inject: skip_sync with copy buffers - the CPU reads stale bytes and the checker reports missing-sync") {
    const auto r = run(plus(copybuf, {"workload.memcpy.inject=skip_sync"}));
    REQUIRE(r.done);
    CHECK(r.headline["memcpy"]["copies"] == 4);
    // The destination still holds the workload's fill (the complement of the
    // source) when the CPU reads it: every byte of every copy is wrong.
    CHECK(r.headline["memcpy"]["verify_errors"] == 4 * 16384);
    // One report per window handed over unsynced (a 16 KiB copy is one window).
    CHECK(r.missing_sync == 4);
    CHECK(r.sw["checker"]["by_kind"]["missing-sync"] == 4);
    CHECK(r.sw["checker"]["list"][0]["device"] == "dmac#0");
    CHECK(r.sw["checker"]["list"][0]["call"] == "cpu_read");
}

TEST_CASE("inject: skip_sync without copy buffers is harmless - nothing to report") {
    // 64-bit controller, no bounce: the device writes the buffer itself, so a
    // missing FORCPU sync changes nothing on x86 (and the checker stays quiet).
    const auto r = run({"workload.memcpy.inject=skip_sync", "software.iommu=none"});
    REQUIRE(r.done);
    CHECK(r.headline["memcpy"]["copybuf_binds"] == 0);
    CHECK(r.headline["memcpy"]["verify_errors"] == 0);
    CHECK(r.missing_sync == 0);
}

TEST_CASE("inject: dma_after_unbind under a strict IOMMU - a fault, no stray byte") {
    const auto r = run(plus(translated("strict"), {"workload.memcpy.inject=dma_after_unbind"}));
    REQUIRE(r.done);
    CHECK(r.headline["memcpy"]["copies"] == 4);
    // Each stale descriptor hits a DVMA page that unbind unmapped and flushed.
    CHECK(r.iommu_faults >= 4);
    CHECK(r.dmac_errors >= 4); // the controller fails each stale job
    CHECK(r.headline["memcpy"]["verify_errors"] == 0); // nothing reached memory
    // The fault stopped the access before the observer's target: the checker
    // still sees the device try it (it sits in front of the IOMMU).
    CHECK(r.after_unbind >= 4);
    CHECK(r.unbound == 0);
}

TEST_CASE("inject: dma_after_unbind with a lazy IOMMU (never) - no fault, stray bytes, dma-after-unbind") {
    const auto r = run(plus(translated("never"), {"workload.memcpy.inject=dma_after_unbind"}));
    REQUIRE(r.done);
    CHECK(r.headline["memcpy"]["copies"] == 4);
    CHECK(r.iommu_faults == 0);
    CHECK(r.dmac_errors == 0);
    // The stale translation still points at the destination page: 64 bytes of
    // the ring overwrite the start of the copied data after each copy.
    CHECK(r.headline["memcpy"]["verify_errors"].get<std::uint64_t>() > 0);
    CHECK(r.headline["memcpy"]["verify_errors"].get<std::uint64_t>() <= 4 * 64);
    CHECK(r.after_unbind >= 4);
    CHECK(r.sw["checker"]["by_kind"]["dma-after-unbind"].get<std::uint64_t>() >= 4);
}

TEST_CASE("inject: inject none through the IOMMU - no fault and no checker report") {
    const auto r = run(plus(translated("strict"), {"workload.memcpy.inject=none"}));
    REQUIRE(r.done);
    CHECK(r.headline["memcpy"]["verify_errors"] == 0);
    CHECK(r.iommu_faults == 0);
    CHECK(r.sw["checker"]["count"] == 0);
}

TEST_CASE("report: the software report counts the kernel's interrupt dispatches, one claimed vector per copy") {
    const auto r = run({"software.iommu=none"});
    REQUIRE(r.done);
    const auto& i = r.sw.at("interrupts");
    const auto copies = r.headline["memcpy"]["copies"].get<std::uint64_t>();
    REQUIRE(copies == 4);
    // One completion interrupt per copy, each dispatched once and claimed by
    // the driver's handler; none found nothing to claim.
    CHECK(i.at("dispatches").get<std::uint64_t>() == r.headline["memcpy"]["interrupts"].get<std::uint64_t>());
    CHECK(i.at("claimed").get<std::uint64_t>() == copies);
    CHECK(i.at("unclaimed") == 0);
    CHECK(i.at("spurious") == 0);
}

// One platform per process: the run with the fault interrupt off is its own
// case, and both check the count against the IOMMU's own fault statistic.
TEST_CASE("iommu fault interrupt: every fault of a DMA after unbind is read by the driver's handler and reported as "
          "diagnostic iommu-fault") {
    const auto on = run(plus(translated("strict"), {"workload.memcpy.inject=dma_after_unbind"}));
    REQUIRE(on.done);
    REQUIRE(on.iommu_faults > 0);
    const auto& d = on.sw.at("diagnostics");
    REQUIRE(d.at("by_kind").contains("iommu-fault"));
    CHECK(d.at("by_kind").at("iommu-fault").get<double>() == on.iommu_faults);
    // the message names the direction, the reason and the time it was read
    bool named = false;
    for (const auto& e : d.at("list"))
        if (e.at("id") == "iommu-fault") {
            const auto m = e.at("message").get<std::string>();
            named = m.find("write to DVMA 0x") != std::string::npos && m.find("not_present") != std::string::npos &&
                    m.find(" us: requester 0x") != std::string::npos;
            break;
        }
    CHECK(named);
    // the handler claimed its vector each time: one claimed dispatch per copy
    // (the controller's completions) and one per fault
    CHECK(on.sw.at("interrupts").at("unclaimed") == 0);
    CHECK(on.sw.at("interrupts").at("claimed").get<double>() ==
          on.headline["memcpy"]["interrupts"].get<double>() + on.iommu_faults);
}

TEST_CASE("iommu fault interrupt: off, the fault records stay in the IOMMU's ring and nothing is reported") {
    const auto off = run(plus(translated("strict"),
                              {"workload.memcpy.inject=dma_after_unbind", "software.iommu_fault_interrupt=false"}));
    REQUIRE(off.done);
    CHECK(off.iommu_faults > 0);
    CHECK_FALSE(off.sw.at("diagnostics").at("by_kind").contains("iommu-fault"));
    CHECK(off.sw.at("interrupts").at("claimed").get<double>() == off.headline["memcpy"]["interrupts"].get<double>());
}

TEST_CASE("iommu fault interrupt: the driver names fault reasons as the IOMMU model does") {
    for (unsigned r = 0; r <= 8; ++r)
        CHECK(std::string(ddi::vtd_iommu_driver::reason_name(r)) ==
              models::iommu_pt::to_string(static_cast<models::iommu_pt::fault_reason>(r)));
}

TEST_CASE("report: software_summary names the kinds and counts") {
    nlohmann::json j = {{"diagnostics", {{"count", 0}, {"by_kind", nlohmann::json::object()}}},
                        {"checker", {{"count", 3}, {"by_kind", {{"missing-sync", 2}, {"dma-after-unbind", 1}}}}}};
    CHECK(platform::software_summary(j) ==
          "software: 0 diagnostics, 3 checker reports (dma-after-unbind 1, missing-sync 2)");
}
