// Deferred unmap policy, time bound: a queued unbind is flushed at the first
// bind or unbind once it is iommu_deferred_timeout_ns old (the simulated
// kernel has no timer thread). Needs the CPU port's now_ns.
#include <catch2/catch.hpp>

#include "drv_rig.h"

using namespace drvtest;
using namespace sc_core;
using pol = ddisim::kernel::iommu_unmap_policy;

namespace {

constexpr std::uint8_t pattern(std::size_t i) { return static_cast<std::uint8_t>(i * 7 + 3); }

void fill(caddr_t p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<char>(pattern(i));
}

struct probe {
    ::tlm::tlm_response_status st = ::tlm::TLM_INCOMPLETE_RESPONSE;
    bool page_untouched = false;
};

probe stale_write(rig& r, const dev_info* d, std::uint64_t addr, caddr_t kva) {
    std::uint8_t v[16];
    std::memset(v, 0xee, sizeof v);
    probe p;
    p.st = r.dma(d, true, addr, v, sizeof v);
    p.page_untouched = true;
    for (std::size_t i = 0; i < sizeof v; ++i)
        if (static_cast<std::uint8_t>(kva[i]) != pattern(i)) p.page_untouched = false;
    fill(kva, 4096);
    return p;
}

} // namespace

TEST_CASE("deferred unbind — the time bound flushes at the first unbind after it has passed") {
    // timeout 10 µs, batch 100 (never reached): A is unbound at t; a bind at
    // t + 5 µs leaves it queued; the unbind of B at t + 15 µs (or later)
    // flushes A, and queues B.
    probe a_early, a_late, b_late;
    rig r(
        [] {
            auto c = kcfg(pol::deferred);
            c.iommu_deferred_batch = 100;
            c.iommu_deferred_timeout_ns = 10'000;
            return c;
        }(),
        [&](rig& t) {
            if (!t.drv.init()) return;
            dev_info* d = t.device("nic");
            auto a = bind_kmem(t.k, d, 1, attr64());
            if (a.rv != DDI_DMA_MAPPED) return;
            fill(a.kva, 4096);
            ddi_dma_unbind_handle(a.h);
            t.cpu.charge_cpu(5'000);
            auto b = bind_kmem(t.k, d, 1, attr64()); // not due yet
            if (b.rv != DDI_DMA_MAPPED) return;
            fill(b.kva, 4096);
            a_early = stale_write(t, d, a.c.dmac_laddress, a.kva);
            t.cpu.charge_cpu(10'000);
            ddi_dma_unbind_handle(b.h); // A is due: flushed; B queued
            a_late = stale_write(t, d, a.c.dmac_laddress, a.kva);
            b_late = stale_write(t, d, b.c.dmac_laddress, b.kva);
        });
    sc_start();
    REQUIRE(r.finished);
    CHECK(a_early.st == ::tlm::TLM_OK_RESPONSE);
    CHECK(a_late.st == ::tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK(a_late.page_untouched);
    CHECK(b_late.st == ::tlm::TLM_OK_RESPONSE); // queued, not yet due
    CHECK_FALSE(b_late.page_untouched);
}
