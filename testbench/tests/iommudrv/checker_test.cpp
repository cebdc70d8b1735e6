// checker::device_access without a simulation: what a device may touch is
// decided by the cookies of its bound handles.
#include <catch2/catch.hpp>

#include <sys/sunddi.h>

#include "sw/ddi/bind_explorer.h"
#include "sw/ddi/checker.h"
#include "sw/kernel/kernel.h"

#include <vector>

namespace checker = ddisim::ddi::checker;
using ddisim::kernel::kernel_context;

namespace {
struct bound {
    ddi_dma_handle_t h = nullptr;
    ddi_dma_cookie_t c{};
};
bound bind(kernel_context& k, dev_info* d, caddr_t kva, std::size_t len) {
    bound b;
    const auto a = ddisim::ddi::spec_default_attr();
    REQUIRE(ddi_dma_alloc_handle(d, &a, DDI_DMA_DONTWAIT, nullptr, &b.h) == DDI_SUCCESS);
    uint_t n = 0;
    REQUIRE(ddi_dma_addr_bind_handle(b.h, nullptr, kva, len, DDI_DMA_READ, DDI_DMA_DONTWAIT, nullptr, &b.c, &n) ==
            DDI_DMA_MAPPED);
    REQUIRE(n == 1);
    return b;
}
// A 64 MiB kernel with two devices: the one that binds, and another.
struct two_devices {
    ddisim::kernel::kernel_config kc = [] {
        ddisim::kernel::kernel_config c;
        c.memory_bytes = 64ull << 20;
        return c;
    }();
    kernel_context k{kc};
    dev_info* d = k.create_dev_info("nic", 0);
    dev_info* other = k.create_dev_info("disk", 0);
};
} // namespace

TEST_CASE("checker: device access inside a bound cookie is quiet, after unbind it is dma-after-unbind") {
    two_devices fx;
    auto& [kc, k, d, other] = fx;
    caddr_t kva = k.kmem_alloc_pages(2, 0, ~0ull);
    auto b = bind(k, d, kva, 0x1800);
    const std::uint64_t s = b.c.dmac_laddress;
    checker::device_access(k, d, s, 0x1800, true);
    checker::device_access(k, d, s + 0x100, 8, false);
    CHECK(checker::reports(k).empty());
    // another device using d's buffer never had it bound
    checker::device_access(k, other, s, 8, true);
    CHECK(checker::count(k, "dma-unbound") == 1);
    // running past the end of the cookie
    checker::device_access(k, d, s + 0x17f8, 16, true);
    CHECK(checker::count(k, "dma-unbound") == 2);
    CHECK(checker::count(k, "dma-after-unbind") == 0);
    ddi_dma_unbind_handle(b.h);
    checker::device_access(k, d, s + 0x100, 8, false);
    REQUIRE(checker::count(k, "dma-after-unbind") == 1);
    CHECK(checker::reports(k).back().device == "nic#0");
    CHECK(checker::reports(k).back().message.find("reads 0x8 bytes") != std::string::npos);
    // bound again: quiet again
    REQUIRE(ddi_dma_addr_bind_handle(b.h, nullptr, kva, 0x1800, DDI_DMA_READ, DDI_DMA_DONTWAIT, nullptr, &b.c,
                                     nullptr) == DDI_DMA_MAPPED);
    checker::device_access(k, d, b.c.dmac_laddress, 8, false);
    CHECK(checker::count(k, "dma-after-unbind") == 1);
    ddi_dma_unbind_handle(b.h);
    ddi_dma_free_handle(&b.h);
}

TEST_CASE("checker: device accesses are not checked with the checker off") {
    ddisim::kernel::kernel_config kc;
    kc.memory_bytes = 64ull << 20;
    kc.checker = false;
    kernel_context k(kc);
    dev_info* d = k.create_dev_info("nic", 0);
    checker::device_access(k, d, 0x1000, 8, true);
    CHECK(checker::reports(k).empty());
}

// The checker finds the covering cookie through an index of bound cookies
// (filled at bind and getwin), not by scanning every live handle; with hundreds of handles, overlapping binds, partial windows and a handle
// freed while bound, every verdict must be the one the definition gives.
TEST_CASE("checker: many bound handles, overlapping binds, windows and a freed handle") {
    two_devices fx;
    auto& [kc, k, d, other] = fx;
    constexpr std::size_t n = 300;
    caddr_t kva = k.kmem_alloc_pages(n, 0, ~0ull);
    std::vector<bound> hs;
    for (std::size_t i = 0; i < n; ++i) hs.push_back(bind(k, d, kva + 0x1000 * i, 0x1000));
    auto quiet = [&](dev_info* dev, std::uint64_t a, std::uint64_t len) {
        const auto before = checker::reports(k).size();
        checker::device_access(k, dev, a, len, false);
        return checker::reports(k).size() == before;
    };
    // every page, in an order that defeats the recent-hit cache
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t j = (i * 7919) % n;
        CHECK(quiet(d, hs[j].c.dmac_laddress + 0x10, 0x100));
        CHECK(quiet(d, hs[j].c.dmac_laddress, 0x1000));
    }
    CHECK(checker::reports(k).empty());
    // not d's: another device, and past the end of the last page
    CHECK_FALSE(quiet(other, hs[5].c.dmac_laddress, 8));
    CHECK_FALSE(quiet(d, hs[n - 1].c.dmac_laddress + 0xff8, 16));
    // two handles' cookies back to back: no one cookie covers the access
    const bool contiguous = hs[11].c.dmac_laddress == hs[10].c.dmac_laddress + 0x1000;
    if (contiguous) CHECK_FALSE(quiet(d, hs[10].c.dmac_laddress + 0xff8, 16));
    CHECK(checker::count(k, "dma-unbound") == (contiguous ? 3 : 2));

    // a second handle on page 20's buffer: after the first's unbind the
    // second still covers it; after both, the access is stale
    bound twin = bind(k, d, kva + 0x1000 * 20, 0x1000);
    REQUIRE(twin.c.dmac_laddress == hs[20].c.dmac_laddress);
    ddi_dma_unbind_handle(hs[20].h);
    CHECK(quiet(d, twin.c.dmac_laddress + 0x800, 8));
    ddi_dma_unbind_handle(twin.h);
    ddi_dma_free_handle(&twin.h);
    CHECK_FALSE(quiet(d, hs[20].c.dmac_laddress + 0x800, 8));
    CHECK(checker::count(k, "dma-after-unbind") == 1);

    // every odd handle unbound: its pages are stale, the even ones still fine
    for (std::size_t i = 1; i < n; i += 2) ddi_dma_unbind_handle(hs[i].h);
    std::size_t stale = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (i == 20) continue;
        const bool q = quiet(d, hs[i].c.dmac_laddress + 0x40, 64);
        CHECK(q == (i % 2 == 0));
        stale += !q;
    }
    CHECK(stale == n / 2);
    CHECK(checker::count(k, "dma-after-unbind") == 1 + n / 2);
    // bound again to other pages: the old ranges stay stale, the new ones are fine
    for (std::size_t i = 1; i < 20; i += 2) {
        REQUIRE(ddi_dma_addr_bind_handle(hs[i].h, nullptr, kva + 0x1000 * (i - 1), 0x1000, DDI_DMA_READ,
                                         DDI_DMA_DONTWAIT, nullptr, &hs[i].c, nullptr) == DDI_DMA_MAPPED);
        CHECK(quiet(d, hs[i].c.dmac_laddress, 0x1000));
    }

    // a partial bind walks its windows: only the current window's cookie counts
    ddi_dma_attr_t a = ddisim::ddi::spec_default_attr();
    a.dma_attr_count_max = 0xfff;
    a.dma_attr_sgllen = 2; // (1 would be spec §8.3's divide by zero)
    caddr_t wbuf = k.kmem_alloc_pages(4, 0, ~0ull);
    ddi_dma_handle_t wh = nullptr;
    REQUIRE(ddi_dma_alloc_handle(d, &a, DDI_DMA_DONTWAIT, nullptr, &wh) == DDI_SUCCESS);
    ddi_dma_cookie_t wc{};
    uint_t wn = 0;
    REQUIRE(ddi_dma_addr_bind_handle(wh, nullptr, wbuf, 0x4000, DDI_DMA_READ | DDI_DMA_PARTIAL, DDI_DMA_DONTWAIT,
                                     nullptr, &wc, &wn) == DDI_DMA_PARTIAL_MAP);
    uint_t nwin = 0;
    REQUIRE(ddi_dma_numwin(wh, &nwin) == DDI_SUCCESS);
    REQUIRE(nwin == 2);
    REQUIRE(wn == 2);
    const std::uint64_t w0 = wc.dmac_laddress;
    CHECK(quiet(d, w0, 0x1000));
    ddi_dma_nextcookie(wh, &wc);
    CHECK(quiet(d, wc.dmac_laddress + 0x800, 0x800));
    off_t off = 0;
    size_t wlen = 0;
    REQUIRE(ddi_dma_getwin(wh, 1, &off, &wlen, &wc, &wn) == DDI_SUCCESS);
    CHECK(quiet(d, wc.dmac_laddress, 0x1000));
    const auto after = checker::count(k, "dma-after-unbind");
    CHECK_FALSE(quiet(d, w0 + 0x10, 8));
    CHECK(checker::count(k, "dma-after-unbind") == after + 1);
    ddi_dma_unbind_handle(wh);
    ddi_dma_free_handle(&wh);

    // freed while bound (a free-bound report): its range is stale at once,
    // and nothing of the freed handle is left for a later lookup to touch
    const std::uint64_t f = hs[40].c.dmac_laddress;
    CHECK(quiet(d, f, 8));
    ddi_dma_free_handle(&hs[40].h);
    CHECK(checker::count(k, "free-bound") == 1);
    CHECK_FALSE(quiet(d, f, 8));
    CHECK(checker::count(k, "dma-after-unbind") == after + 2);
    for (std::size_t i = 0; i < n; ++i) {
        if (!hs[i].h) continue;
        ddi_dma_unbind_handle(hs[i].h);
        ddi_dma_free_handle(&hs[i].h);
    }
    CHECK(checker::live_handles(k) == 0);
}
