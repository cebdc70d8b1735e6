// Spec §10.4: sync (with real data through kernel-VA aliasing), the cookie
// cursor and iterator, and miscellaneous API behaviour.
#include "ddi_test_util.h"

#include "sw/ddi/fault.h"

#include <cstring>

using namespace ddt;

namespace {
const std::vector<std::uint64_t> t4_pages{0x10000, 0x100000000, 0x12000};
ddi_dma_attr_t attr_hi32() {
    auto a = default_attr();
    a.dma_attr_addr_hi = 0xFFFFFFFF;
    return a;
}
kernel_config with_copybuf(std::vector<std::uint64_t> cb, bool debug = false) {
    kernel_config c;
    c.copybuf_pages = std::move(cb);
    c.debug_checks = debug;
    return c;
}
const std::vector<std::uint64_t> t6_pages{0x10000, 0x30000, 0x50000, 0x70000, 0x90000};
} // namespace

TEST_CASE("kernel: a write through the physical store is visible through the kernel VA") {
    fixture f;
    caddr_t va = f.k.kva_map(t4_pages);
    std::memset(f.k.phys_ptr(0x100000000, 4096), 0x3C, 4096);
    CHECK(static_cast<unsigned char>(va[0x1000]) == 0x3C);
    va[0x2004] = 0x11;
    CHECK(f.k.phys_ptr(0x12000)[4] == 0x11);
    std::uint64_t pa = 0;
    REQUIRE(f.k.kva_to_pa(va + 0x1234, pa));
    CHECK(pa == 0x100000234);
    f.k.kva_unmap(va);
}

TEST_CASE("S1: sync on a fast-path bind succeeds and does nothing (NOSYNC)") {
    kernel_config cfg;
    cfg.debug_checks = true; // not even DEBUG checks the arguments
    fixture f(cfg);
    auto h = f.alloc(default_attr());
    REQUIRE(f.bind_pages(h, {0x10000}, 0, 0x1000, DDI_DMA_READ) == DDI_DMA_MAPPED);
    CHECK(ddi_dma_sync(h, 12345, 1, DDI_DMA_SYNC_FORCPU) == DDI_SUCCESS);
    CHECK(ddi_dma_sync(h, 12345, 1, DDI_DMA_SYNC_FORDEV) == DDI_SUCCESS);
    ddi_dma_unbind_handle(h);
    ddi_dma_free_handle(&h);
}

TEST_CASE("S2: FORCPU sync copies only the bounced page from the copy page into the driver buffer") {
    fixture f(with_copybuf({0x7000000}));
    caddr_t va = f.k.kva_map(t4_pages);
    std::memset(va, 0x11, 0x3000);
    auto h = f.alloc(attr_hi32());
    REQUIRE(ddi_dma_addr_bind_handle(h, nullptr, va, 0x3000, DDI_DMA_READ, DDI_DMA_DONTWAIT, nullptr, nullptr,
                                     nullptr) == DDI_DMA_MAPPED);
    // the device writes into the copy page (physical memory)
    std::memset(f.k.phys_ptr(0x7000000, 4096), 0xD7, 4096);
    CHECK(static_cast<unsigned char>(va[0x1000]) == 0x11); // not yet visible
    REQUIRE(ddi_dma_sync(h, 0, 0, DDI_DMA_SYNC_FORCPU) == DDI_SUCCESS);
    for (int i = 0; i < 0x3000; i += 0x100) {
        const unsigned char want = (i >= 0x1000 && i < 0x2000) ? 0xD7 : 0x11;
        CHECK(static_cast<unsigned char>(va[i]) == want);
    }
    ddi_dma_unbind_handle(h);
    ddi_dma_free_handle(&h);
    f.k.kva_unmap(va);
}

TEST_CASE("S3: a partial FORCPU sync copies exactly the requested bytes of one copy page") {
    const auto cb = run(0x7000000, 8);
    fixture f(with_copybuf(cb));
    caddr_t base = f.k.kva_map(run(0x100000000, 8));
    std::memset(base, 0, 0x8000);
    caddr_t va = base + 0x200;
    auto h = f.alloc(attr_hi32());
    REQUIRE(ddi_dma_addr_bind_handle(h, nullptr, va, 0x7000, DDI_DMA_READ, DDI_DMA_DONTWAIT, nullptr, nullptr,
                                     nullptr) == DDI_DMA_MAPPED);
    for (auto p : cb) std::memset(f.k.phys_ptr(p, 4096), 0xEE, 4096);
    REQUIRE(ddi_dma_sync(h, 0x1000, 0x10, DDI_DMA_SYNC_FORCPU) == DDI_SUCCESS);
    int changed = 0;
    for (int i = 0; i < 0x7000; ++i) changed += va[i] != 0;
    CHECK(changed == 16);
    for (int i = 0x1000; i < 0x1010; ++i) CHECK(static_cast<unsigned char>(va[i]) == 0xEE);
    ddi_dma_free(h); // obsolete call: implicit sync + unbind + free
    f.k.kva_unmap(base);
}

TEST_CASE("S4: FORCPU on a WRITE-only bind fails in DEBUG and copies otherwise") {
    for (bool debug : {true, false}) {
        fixture f(with_copybuf({0x7000000}, debug));
        caddr_t va = f.k.kva_map(t4_pages);
        std::memset(va, 0x22, 0x3000);
        auto h = f.alloc(attr_hi32());
        REQUIRE(ddi_dma_addr_bind_handle(h, nullptr, va, 0x3000, DDI_DMA_WRITE, DDI_DMA_DONTWAIT, nullptr,
                                         nullptr, nullptr) == DDI_DMA_MAPPED);
        std::memset(f.k.phys_ptr(0x7000000, 4096), 0x99, 4096);
        const int rc = ddi_dma_sync(h, 0, 0, DDI_DMA_SYNC_FORCPU);
        if (debug) {
            CHECK(rc == DDI_FAILURE);
            CHECK(static_cast<unsigned char>(va[0x1000]) == 0x22);
        } else {
            CHECK(rc == DDI_SUCCESS);
            CHECK(static_cast<unsigned char>(va[0x1000]) == 0x99);
        }
        ddi_dma_unbind_handle(h);
        ddi_dma_free_handle(&h);
        f.k.kva_unmap(va);
    }
}

TEST_CASE("S5: unbind of a READ bind copies the copy buffer back (implicit FORCPU)") {
    fixture f(with_copybuf({0x7000000}));
    caddr_t va = f.k.kva_map(t4_pages);
    std::memset(va, 0, 0x3000);
    auto h = f.alloc(attr_hi32());
    REQUIRE(ddi_dma_addr_bind_handle(h, nullptr, va, 0x3000, DDI_DMA_READ, DDI_DMA_DONTWAIT, nullptr, nullptr,
                                     nullptr) == DDI_DMA_MAPPED);
    std::memset(f.k.phys_ptr(0x7000000, 4096), 0x5A, 4096);
    REQUIRE(ddi_dma_unbind_handle(h) == DDI_SUCCESS);
    CHECK(static_cast<unsigned char>(va[0x1000]) == 0x5A);
    CHECK(static_cast<unsigned char>(va[0x1FFF]) == 0x5A);
    CHECK(va[0x0FFF] == 0);
    CHECK(va[0x2000] == 0);
    ddi_dma_free_handle(&h);
    f.k.kva_unmap(va);
}

TEST_CASE("C1: the cookie iterator, ncookies, cookie_get and cookie_one on five cookies") {
    fixture f;
    auto h = f.alloc(default_attr());
    REQUIRE(f.bind_pages(h, t6_pages, 0, 0x5000, DDI_DMA_READ) == DDI_DMA_MAPPED);
    CHECK(ddi_dma_ncookies(h) == 5);
    int n = 0;
    for (const ddi_dma_cookie_t* c = ddi_dma_cookie_iter(h, nullptr); c; c = ddi_dma_cookie_iter(h, c)) {
        CHECK(c->dmac_laddress == t6_pages[n]);
        ++n;
    }
    CHECK(n == 5);
    CHECK(ddi_dma_cookie_get(h, 4)->dmac_laddress == 0x90000);
    CHECK(ddi_dma_cookie_get(h, 5) == nullptr);
    ddi_dma_cookie_t outside{};
    CHECK(ddi_dma_cookie_iter(h, &outside) == nullptr);
    CHECK_THROWS_AS(ddi_dma_cookie_one(h), ddisim::kernel::panic_error);
    ddi_dma_unbind_handle(h);
    REQUIRE(f.bind_pages(h, {0x10000}, 0, 0x1000, DDI_DMA_READ) == DDI_DMA_MAPPED);
    CHECK(ddi_dma_cookie_one(h)->dmac_laddress == 0x10000);
    ddi_dma_unbind_handle(h);
    ddi_dma_free_handle(&h);
}

TEST_CASE("C2: nextcookie hands out cookies 1..4 and panics on the fifth call") {
    fixture f;
    auto h = f.alloc(default_attr());
    ddi_dma_cookie_t first;
    REQUIRE(f.bind_pages(h, t6_pages, 0, 0x5000, DDI_DMA_READ, &first) == DDI_DMA_MAPPED);
    CHECK(first.dmac_laddress == 0x10000);
    for (int i = 1; i <= 4; ++i) {
        ddi_dma_cookie_t c;
        ddi_dma_nextcookie(h, &c);
        CHECK(c.dmac_laddress == t6_pages[i]);
    }
    // the iterator is independent of nextcookie progress
    CHECK(ddi_dma_cookie_iter(h, nullptr)->dmac_laddress == 0x10000);
    ddi_dma_cookie_t c;
    CHECK_THROWS_AS(ddi_dma_nextcookie(h, &c), ddisim::kernel::panic_error);
    ddi_dma_unbind_handle(h);
    ddi_dma_free_handle(&h);
}

TEST_CASE("C3: after getwin(1) the iterator yields window 1's cookies") {
    fixture f;
    auto a = default_attr();
    a.dma_attr_sgllen = 2;
    auto h = f.alloc(a);
    std::vector<std::uint64_t> pages;
    for (int i = 0; i < 5; ++i) pages.push_back(0x10000 + 0x2000 * i);
    REQUIRE(f.bind_pages(h, pages, 0, 0x5000, DDI_DMA_READ | DDI_DMA_PARTIAL) == DDI_DMA_PARTIAL_MAP);
    off_t off;
    size_t len;
    ddi_dma_cookie_t c;
    uint_t cnt;
    REQUIRE(ddi_dma_getwin(h, 1, &off, &len, &c, &cnt) == DDI_SUCCESS);
    CHECK(ddi_dma_ncookies(h) == 2);
    CHECK(cookies_of(h) == std::vector<cookie>{{0x14000, 0x1000}, {0x16000, 0x1000}});
    ddi_dma_unbind_handle(h);
    ddi_dma_free_handle(&h);
}

TEST_CASE("A1: alloc handle with NULL attributes is BADATTR") {
    fixture f;
    ddi_dma_handle_t h = nullptr;
    CHECK(ddi_dma_alloc_handle(f.dip, nullptr, DDI_DMA_DONTWAIT, nullptr, &h) == DDI_DMA_BADATTR);
    CHECK(h == nullptr);
}

TEST_CASE("A2: a second bind of a bound handle is INUSE in DEBUG, proceeds otherwise (checker flags it)") {
    {
        kernel_config cfg;
        cfg.debug_checks = true;
        fixture f(cfg);
        auto h = f.alloc(default_attr());
        REQUIRE(f.bind_pages(h, {0x10000}, 0, 0x1000, DDI_DMA_READ) == DDI_DMA_MAPPED);
        CHECK(f.bind_pages(h, {0x20000}, 0, 0x1000, DDI_DMA_READ) == DDI_DMA_INUSE);
        CHECK(ddi_dma_cookie_iter(h, nullptr)->dmac_laddress == 0x10000);
        ddi_dma_unbind_handle(h);
        ddi_dma_free_handle(&h);
    }
    fixture f;
    auto h = f.alloc(default_attr());
    REQUIRE(f.bind_pages(h, {0x10000}, 0, 0x1000, DDI_DMA_READ) == DDI_DMA_MAPPED);
    CHECK(f.bind_pages(h, {0x20000}, 0, 0x1000, DDI_DMA_READ) == DDI_DMA_MAPPED);
    CHECK(ddi_dma_cookie_iter(h, nullptr)->dmac_laddress == 0x20000);
    REQUIRE(ddisim::ddi::checker::count(f.k, "bind-bound") == 1);
    CHECK(ddisim::ddi::checker::reports(f.k)[0].message.find("testdrv#0") != std::string::npos);
    ddi_dma_unbind_handle(h);
    ddi_dma_free_handle(&h);
}

TEST_CASE("A3: addr bind of length 0 is NOMAPPING") {
    fixture f;
    auto h = f.alloc(default_attr());
    char local[16];
    CHECK(ddi_dma_addr_bind_handle(h, nullptr, local, 0, DDI_DMA_READ, DDI_DMA_DONTWAIT, nullptr, nullptr,
                                   nullptr) == DDI_DMA_NOMAPPING);
    ddi_dma_free_handle(&h);
}

TEST_CASE("A4: an addr bind of 0x1_0000_1000 bytes behaves as 0x1000 (32-bit size)") {
    fixture f;
    caddr_t va = f.k.kva_map(std::vector<std::uint64_t>{0x40000});
    auto h = f.alloc(default_attr());
    uint_t n = 0;
    ddi_dma_cookie_t c;
    REQUIRE(ddi_dma_addr_bind_handle(h, nullptr, va, 0x100001000ull, DDI_DMA_READ, DDI_DMA_DONTWAIT, nullptr, &c,
                                     &n) == DDI_DMA_MAPPED);
    CHECK(n == 1);
    CHECK(c.dmac_laddress == 0x40000);
    CHECK(c.dmac_size == 0x1000);
    CHECK(f.has_diag("bug-8.14-size-truncated"));
    ddi_dma_unbind_handle(h);
    ddi_dma_free_handle(&h);
    f.k.kva_unmap(va);
}

TEST_CASE("misc: burstsizes, attr_merge, check_dma_handle, set_sbus64") {
    fixture f;
    auto a = default_attr();
    a.dma_attr_burstsizes = 0x78;
    auto h = f.alloc(a);
    CHECK(ddi_dma_burstsizes(h) == 0x78);
    CHECK(ddi_dma_burstsizes(nullptr) == 0);
    CHECK(ddi_check_dma_handle(h) == DDI_SUCCESS);
    ddisim::ddi::dma_set_fault(h);
    CHECK(ddi_check_dma_handle(h) == DDI_FAILURE);
    ddisim::ddi::dma_clear_fault(h);
    CHECK(ddi_check_dma_handle(h) == DDI_SUCCESS);
    CHECK(ddi_dma_set_sbus64(h, 0x78) == DDI_FAILURE);
    ddi_dma_free_handle(&h);

    auto x = default_attr();
    x.dma_attr_addr_lo = 0x1000;
    x.dma_attr_minxfer = 0x6; // bits below mod's minxfer (4) cleared -> 4
    x.dma_attr_sgllen = -1;
    x.dma_attr_burstsizes = 0x3;
    auto m = default_attr();
    m.dma_attr_addr_hi = 0xFFFFFFFF;
    m.dma_attr_align = 64;
    m.dma_attr_minxfer = 4;
    m.dma_attr_sgllen = 17;
    m.dma_attr_granular = 512;
    m.dma_attr_burstsizes = 0x6;
    ddi_dma_attr_merge(&x, &m);
    CHECK(x.dma_attr_addr_lo == 0x1000);
    CHECK(x.dma_attr_addr_hi == 0xFFFFFFFF);
    CHECK(x.dma_attr_align == 64);
    CHECK(x.dma_attr_minxfer == 4);
    CHECK(x.dma_attr_sgllen == 17); // -1 loses (unsigned compare)
    CHECK(x.dma_attr_granular == 512);
    CHECK(x.dma_attr_burstsizes == 0x2);
    auto y = default_attr();
    y.dma_attr_minxfer = 2;
    auto z = default_attr();
    z.dma_attr_minxfer = 8;
    ddi_dma_attr_merge(&y, &z);
    CHECK(y.dma_attr_minxfer == 8); // nothing left above 8 -> take mod's
}
