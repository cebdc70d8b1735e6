// The DMA-API checker: misuse is reported with device and call.
#include "ddi_test_util.h"

#include <cstring>

using namespace ddt;
namespace checker = ddisim::ddi::checker;

TEST_CASE("checker: unbind of an unbound handle, free of a bound handle and leaks are flagged") {
    fixture f;
    auto h = f.alloc(default_attr());
    CHECK(ddi_dma_unbind_handle(h) == DDI_SUCCESS); // harmless on x86 ...
    REQUIRE(checker::count(f.k, "unbind-unbound") == 1); // ... but flagged
    CHECK(checker::reports(f.k)[0].call == "ddi_dma_unbind_handle");
    CHECK(checker::reports(f.k)[0].device == "testdrv#0");
    REQUIRE(f.bind_pages(h, {0x10000}, 0, 0x1000, DDI_DMA_READ) == DDI_DMA_MAPPED);
    ddi_dma_free_handle(&h);
    CHECK(checker::count(f.k, "free-bound") == 1);
    auto leaked = f.alloc(default_attr());
    CHECK(checker::check_leaks(f.k) == 1);
    CHECK(checker::count(f.k, "leak") == 1);
    ddi_dma_free_handle(&leaked);
    CHECK(checker::check_leaks(f.k) == 0);
}

TEST_CASE("checker: CPU read of a bounced READ buffer without FORCPU sync is flagged") {
    kernel_config cfg;
    cfg.copybuf_pages = {0x7000000};
    fixture f(cfg);
    caddr_t va = f.k.kva_map(std::vector<std::uint64_t>{0x10000, 0x100000000});
    auto a = default_attr();
    a.dma_attr_addr_hi = 0xFFFFFFFF;
    auto h = f.alloc(a);
    REQUIRE(ddi_dma_addr_bind_handle(h, nullptr, va, 0x2000, DDI_DMA_READ, DDI_DMA_DONTWAIT, nullptr, nullptr,
                                     nullptr) == DDI_DMA_MAPPED);
    checker::cpu_read(va + 0x1000, 16);
    CHECK(checker::count(f.k, "missing-sync") == 1);
    REQUIRE(ddi_dma_sync(h, 0, 0, DDI_DMA_SYNC_FORCPU) == DDI_SUCCESS);
    checker::cpu_read(va + 0x1000, 16);
    CHECK(checker::count(f.k, "missing-sync") == 1); // no new report after the sync
    ddi_dma_unbind_handle(h);
    ddi_dma_free_handle(&h);
    f.k.kva_unmap(va);
}

TEST_CASE("checker: a fast-path READ bind needs no sync and is not flagged") {
    fixture f;
    caddr_t va = f.k.kva_map(std::vector<std::uint64_t>{0x10000});
    auto h = f.alloc(default_attr());
    REQUIRE(ddi_dma_addr_bind_handle(h, nullptr, va, 0x1000, DDI_DMA_READ, DDI_DMA_DONTWAIT, nullptr, nullptr,
                                     nullptr) == DDI_DMA_MAPPED);
    checker::cpu_read(va, 0x1000);
    CHECK(checker::reports(f.k).empty());
    ddi_dma_unbind_handle(h);
    ddi_dma_free_handle(&h);
    f.k.kva_unmap(va);
}

TEST_CASE("checker: disabled by configuration it reports nothing") {
    kernel_config cfg;
    cfg.checker = false;
    fixture f(cfg);
    auto h = f.alloc(default_attr());
    ddi_dma_unbind_handle(h);
    CHECK(checker::reports(f.k).empty());
    ddi_dma_free_handle(&h);
}

TEST_CASE("kernel: placement policies are deterministic and honour limits") {
    using ddisim::kernel::phys_allocator;
    using ddisim::kernel::placement_policy;
    phys_allocator hi(0x1000, std::uint64_t{8} << 30, placement_policy::high_first, 1);
    CHECK(*hi.alloc_page(0, ~0ull) == (std::uint64_t{8} << 30) - 0x1000);
    CHECK(*hi.alloc_page(0, 0xFFFFFFFF) == 0xFFFFF000);
    phys_allocator lo(0x1000, std::uint64_t{8} << 30, placement_policy::contiguous, 1);
    CHECK(*lo.alloc_page(0, ~0ull) == 0x1000);
    CHECK(*lo.alloc_page(0x100000000, ~0ull) == 0x100000000);
    CHECK(*lo.alloc_contig(4, 0, ~0ull, 0x10000, 0) == 0x10000);
    phys_allocator r1(0x1000, 1 << 30, placement_policy::random, 42), r2(0x1000, 1 << 30, placement_policy::random, 42);
    for (int i = 0; i < 100; ++i) CHECK(*r1.alloc_page(0, ~0ull) == *r2.alloc_page(0, ~0ull));
    CHECK(r1.used_pages() == 100);
    CHECK_FALSE(lo.claim(0x1000)); // already taken
    CHECK(lo.claim(0x2000));
}

TEST_CASE("kernel: claim_range takes every page touching a hole, and only those") {
    using ddisim::kernel::phys_allocator;
    using ddisim::kernel::placement_policy;
    phys_allocator a(0x1000, 0x20000, placement_policy::contiguous, 1);
    REQUIRE(a.claim(0x5000));
    // [0x3800, 0x7000): pages 0x3000 .. 0x6000, 0x5000 already taken
    CHECK(a.claim_range(0x3800, 0x7000) == 3);
    CHECK(a.used_pages() == 4);
    for (std::uint64_t pa : {0x3000ull, 0x4000ull, 0x5000ull, 0x6000ull}) CHECK_FALSE(a.is_free(pa));
    CHECK(a.is_free(0x2000));
    CHECK(a.is_free(0x7000));
    // Beyond the allocator's range on both sides: only the pages inside.
    CHECK(a.claim_range(0, 0x2000) == 1);
    CHECK(a.claim_range(0x1f000, 0x40000) == 1);
    CHECK(a.claim_range(0x20000, 0x40000) == 0);
    CHECK(a.used_pages() == 6);
    // The lowest free page is now 0x2000, then 0x7000.
    CHECK(*a.alloc_page(0, ~0ull) == 0x2000);
    CHECK(*a.alloc_page(0, ~0ull) == 0x7000);
}

TEST_CASE("kernel: user address spaces and B_PHYS bufs bind through the process's pages") {
    fixture f;
    struct as* uas = f.k.as_create();
    f.k.as_map_locked(uas, 0x7FFF0000, std::vector<std::uint64_t>{0x60000, 0x90000});
    proc_t* p = f.k.proc_create(uas);
    buf_t b{};
    b.b_flags = B_BUSY | B_PHYS | B_READ;
    b.b_bcount = 0x1800;
    b.b_un.b_addr = reinterpret_cast<caddr_t>(0x7FFF0800);
    b.b_proc = p;
    auto h = f.alloc(default_attr());
    REQUIRE(ddi_dma_buf_bind_handle(h, &b, DDI_DMA_READ, DDI_DMA_DONTWAIT, nullptr, nullptr, nullptr) ==
            DDI_DMA_MAPPED);
    CHECK(cookies_of(h) == std::vector<cookie>{{0x60800, 0x800}, {0x90000, 0x1000}});
    ddi_dma_unbind_handle(h);
    // a shadow array takes priority over the address space
    page_t* shadow[2] = {f.k.page_of(0x20000), f.k.page_of(0x21000)};
    b.b_flags = B_BUSY | B_SHADOW | B_READ;
    b.b_shadow = shadow;
    REQUIRE(ddi_dma_buf_bind_handle(h, &b, DDI_DMA_READ, DDI_DMA_DONTWAIT, nullptr, nullptr, nullptr) ==
            DDI_DMA_MAPPED);
    CHECK(cookies_of(h) == std::vector<cookie>{{0x20800, 0x1800}});
    ddi_dma_unbind_handle(h);
    ddi_dma_free_handle(&h);
}

TEST_CASE("kernel: the panic hook sees the reason and the report lists earlier diagnostics") {
    fixture f;
    std::string seen;
    f.k.set_panic_hook([&](const std::string& r) { seen = r; });
    f.k.report("x-test", "something odd");
    auto h = f.alloc(default_attr());
    REQUIRE(f.bind_pages(h, {0x10000, 0x30000}, 0, 0x2000, DDI_DMA_READ) == DDI_DMA_MAPPED);
    CHECK_THROWS_AS(ddi_dma_cookie_one(h), ddisim::kernel::panic_error);
    CHECK(seen.find("ddi_dma_cookie_one") != std::string::npos);
    const std::string rep = f.k.panic_report(seen);
    CHECK(rep.find("[x-test] something odd") != std::string::npos);
    ddi_dma_unbind_handle(h);
    ddi_dma_free_handle(&h);
}
