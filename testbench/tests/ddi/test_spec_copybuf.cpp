// Spec §10.2: address limits and the copy buffer (bounce pages marked with
// dmac_type bit 31), with data movement through real kernel-VA aliasing.
#include "ddi_test_util.h"

#include "tlm/core/backing_store.h"

#include <cstring>

using namespace ddt;

namespace {
const std::vector<std::uint64_t> t4_pages{0x10000, 0x100000000, 0x12000};

kernel_config with_copybuf(std::vector<std::uint64_t> cb) {
    kernel_config c;
    c.copybuf_pages = std::move(cb);
    return c;
}
ddi_dma_attr_t attr_hi32() {
    auto a = default_attr();
    a.dma_attr_addr_hi = 0xFFFFFFFF;
    return a;
}
std::uint8_t* phys(fixture& f, std::uint64_t pa) { return f.k.phys_ptr(pa, 4096); }
} // namespace

TEST_CASE("T4: a page above addr_hi is bounced — WRITE copies it to the copy page at bind") {
    fixture f(with_copybuf({0x7000000}));
    std::memset(phys(f, 0x100000000), 0xA5, 4096);
    std::memset(phys(f, 0x7000000), 0, 4096);
    auto h = f.alloc(attr_hi32());
    REQUIRE(f.bind_pages(h, t4_pages, 0, 0x3000, DDI_DMA_WRITE) == DDI_DMA_MAPPED);
    CHECK(cookies_of(h) == std::vector<cookie>{{0x10000, 0x1000}, {0x7000000, 0x1000, true}, {0x12000, 0x1000}});
    CHECK(ddi_dma_cookie_get(h, 1)->dmac_type == 0x80000000u);
    CHECK(phys(f, 0x7000000)[0] == 0xA5);
    CHECK(phys(f, 0x7000000)[4095] == 0xA5);
    uint_t nw;
    CHECK(ddi_dma_numwin(h, &nw) == DDI_FAILURE);
    off_t off;
    size_t len;
    ddi_dma_cookie_t c;
    uint_t cnt;
    REQUIRE(ddi_dma_getwin(h, 0, &off, &len, &c, &cnt) == DDI_SUCCESS);
    CHECK(off == 0);
    CHECK(len == 0x3000);
    CHECK(cnt == 3);
    ddi_dma_unbind_handle(h);
    ddi_dma_free_handle(&h);

    ddisim::ddi::explore_request r;
    r.attr = "addr_hi=0xFFFFFFFF";
    r.pages = "0x10000,0x100000000,0x12000";
    r.len = "0x3000";
    r.flags = "WRITE";
    r.copybuf_pages = "0x7000000";
    auto j = ddisim::ddi::explore_bind(r);
    CHECK(j.at("result") == "DDI_DMA_MAPPED");
    CHECK(explorer_windows(j) ==
          std::vector<win>{{0, 0x3000, {{0x10000, 0x1000}, {0x7000000, 0x1000, true}, {0x12000, 0x1000}}}});
}

TEST_CASE("T4b: eight pages above 4 GiB use one copy page each, offsets preserved") {
    const auto cb = run(0x7000000, 8);
    fixture f(with_copybuf(cb));
    auto h = f.alloc(attr_hi32());
    REQUIRE(f.bind_pages(h, run(0x100000000, 8), 0x200, 0x7000, DDI_DMA_READ) == DDI_DMA_MAPPED);
    std::vector<cookie> want{{cb[0] + 0x200, 0xE00, true}};
    for (int i = 1; i < 7; ++i) want.push_back({cb[i], 0x1000, true});
    want.push_back({cb[7], 0x200, true});
    CHECK(cookies_of(h) == want);
    ddi_dma_unbind_handle(h);
    ddi_dma_free_handle(&h);
}

TEST_CASE("T15: a page below addr_lo is bounced") {
    fixture f(with_copybuf({0x300000}));
    auto a = default_attr();
    a.dma_attr_addr_lo = 0x100000;
    auto h = f.alloc(a);
    REQUIRE(f.bind_pages(h, {0x80000, 0x200000}, 0, 0x2000, DDI_DMA_READ) == DDI_DMA_MAPPED);
    CHECK(cookies_of(h) == std::vector<cookie>{{0x300000, 0x1000, true}, {0x200000, 0x1000}});
    ddi_dma_unbind_handle(h);
    ddi_dma_free_handle(&h);
}

TEST_CASE("T14: bounce-on-seg bounces the pages above seg (and the off-by-one page)") {
    fixture f(with_copybuf({0x5000000, 0x5001000}));
    auto a = default_attr();
    a.dma_attr_flags = _DDI_DMA_BOUNCE_ON_SEG;
    auto h = f.alloc(a);
    REQUIRE(f.bind_pages(h, {0xFFFFE000, 0xFFFFF000, 0x100000000}, 0, 0x3000, DDI_DMA_READ) == DDI_DMA_MAPPED);
    CHECK(cookies_of(h) ==
          std::vector<cookie>{{0xFFFFE000, 0x1000}, {0x5000000, 0x1000, true}, {0x5001000, 0x1000, true}});
    CHECK(f.has_diag("bug-8.2-addr-hi-off-by-one"));
    ddi_dma_unbind_handle(h);
    ddi_dma_free_handle(&h);
}

TEST_CASE("T14 fixed: without the off-by-one only the page above seg is bounced") {
    kernel_config cfg = with_copybuf({0x5000000, 0x5001000});
    cfg.fidelity = ddisim::kernel::fidelity_mode::fixed;
    fixture f(cfg);
    auto a = default_attr();
    a.dma_attr_flags = _DDI_DMA_BOUNCE_ON_SEG;
    auto h = f.alloc(a);
    REQUIRE(f.bind_pages(h, {0xFFFFE000, 0xFFFFF000, 0x100000000}, 0, 0x3000, DDI_DMA_READ) == DDI_DMA_MAPPED);
    CHECK(cookies_of(h) == std::vector<cookie>{{0xFFFFE000, 0x2000}, {0x5000000, 0x1000, true}});
    ddi_dma_unbind_handle(h);
    ddi_dma_free_handle(&h);
}

TEST_CASE("T11: 300 pages above 4 GiB need two windows of copy buffer") {
    fixture f; // copy buffer from the page allocator, below 4 GiB
    auto h = f.alloc(attr_hi32());
    uint_t n = 0;
    REQUIRE(f.bind_pages(h, run(0x100000000, 300), 0, 300 * 4096, DDI_DMA_READ | DDI_DMA_PARTIAL, nullptr, &n) ==
            DDI_DMA_PARTIAL_MAP);
    CHECK(n == 257);
    auto w = windows_of(h);
    REQUIRE(w.size() == 2);
    CHECK(w[0].off == 0);
    CHECK(w[0].len == 0x101000);
    CHECK(w[0].cookies.size() == 257);
    CHECK(w[1].off == 0x101000);
    CHECK(w[1].len == 0x2B000);
    REQUIRE(w[1].cookies.size() == 43);
    for (std::size_t i = 0; i < 43; ++i) {
        CHECK(w[1].cookies[i].cb);
        CHECK(w[1].cookies[i].addr == w[0].cookies[i].addr); // cb0..cb42 reused
    }
    for (auto& c : w[0].cookies) CHECK(c.addr + c.size - 1 <= 0xFFFFFFFF);
    ddi_dma_unbind_handle(h);
    ddi_dma_free_handle(&h);
}

TEST_CASE("T11b: the same bind without PARTIAL is TOOBIG") {
    fixture f;
    auto h = f.alloc(attr_hi32());
    CHECK(f.bind_pages(h, run(0x100000000, 300), 0, 300 * 4096, DDI_DMA_READ) == DDI_DMA_TOOBIG);
    CHECK(f.k.pages().used_pages() == 0); // the copy buffer went back
    ddi_dma_free_handle(&h);
}

namespace {
int b2_calls = 0;
int b2_cb(caddr_t arg) {
    ++b2_calls;
    CHECK(arg == reinterpret_cast<caddr_t>(0x1234));
    return DDI_DMA_CALLBACK_DONE;
}
} // namespace

TEST_CASE("B1: copy-buffer exhaustion with DONTWAIT is NORESOURCES and queues nothing") {
    kernel_config cfg;
    cfg.copybuf_space = 0;
    fixture f(cfg);
    auto h = f.alloc(attr_hi32());
    CHECK(f.bind_pages(h, t4_pages, 0, 0x3000, DDI_DMA_READ) == DDI_DMA_NORESOURCES);
    CHECK(ddisim::ddi::callback_list_empty(&ddisim::ddi::state(f.k).rootnex_cb));
    ddi_dma_free_handle(&h);
    CHECK(f.k.pending_softints() == 0);
}

TEST_CASE("B2: copy-buffer exhaustion with a callback queues it for the next unbind or free") {
    kernel_config cfg;
    cfg.copybuf_space = 0;
    fixture f(cfg);
    b2_calls = 0;
    auto h = f.alloc(attr_hi32());
    buf_t b = f.pageio(t4_pages, 0, 0x3000);
    CHECK(ddi_dma_buf_bind_handle(h, &b, DDI_DMA_READ, b2_cb, reinterpret_cast<caddr_t>(0x1234), nullptr,
                                  nullptr) == DDI_DMA_NORESOURCES);
    CHECK(b2_calls == 0);
    CHECK(f.k.pending_softints() == 0);
    // another handle's bind + unbind schedules the callback (softint)
    auto h2 = f.alloc(default_attr());
    REQUIRE(f.bind_pages(h2, {0x10000}, 0, 0x1000, DDI_DMA_READ) == DDI_DMA_MAPPED);
    CHECK(ddi_dma_unbind_handle(h2) == DDI_SUCCESS);
    CHECK(b2_calls == 0); // never inside the call
    CHECK(f.k.pending_softints() == 1);
    f.k.run_softints();
    CHECK(b2_calls == 1);
    ddi_dma_free_handle(&h2);
    ddi_dma_free_handle(&h);
    f.k.run_softints();
    CHECK(b2_calls == 1); // DONE consumed the entry
}

TEST_CASE("copy buffer: addr_hi below 16 MiB panics in illumos fidelity (spec §8.13)") {
    fixture f;
    auto a = default_attr();
    a.dma_attr_addr_hi = 0x7FFFFF; // below the lowest (16 MiB) I/O arena
    auto h = f.alloc(a);
    CHECK_THROWS_AS(f.bind_pages(h, {0x2000000}, 0, 0x1000, DDI_DMA_READ), ddisim::kernel::panic_error);
    CHECK(f.k.pages().used_pages() == 0);
    ddi_dma_free_handle(&h);
}
