// Spec §10.1: cookie formation and the fast path, through the public API,
// and the bind explorer agreeing with it.
#include "ddi_test_util.h"

using namespace ddt;

namespace {
// The explorer must report exactly what the API gave.
void explorer_agrees(const std::string& attr, const std::vector<std::uint64_t>& pages, std::uint64_t off,
                     std::uint64_t len, const std::string& flags, int rc, const std::vector<win>& wins,
                     const std::string& cb = "") {
    ddisim::ddi::explore_request r;
    r.attr = attr;
    r.pages = pages_str(pages);
    r.offset = std::to_string(off);
    r.len = std::to_string(len);
    r.flags = flags;
    r.copybuf_pages = cb;
    auto j = ddisim::ddi::explore_bind(r);
    INFO(j.dump());
    REQUIRE(j.at("code").get<int>() == rc);
    CHECK(explorer_windows(j) == wins);
}
} // namespace

TEST_CASE("T1: three raw cookies with sgllen 1 and no PARTIAL give TOOBIG and one warning") {
    fixture f;
    auto a = default_attr();
    a.dma_attr_sgllen = 1;
    auto h = f.alloc(a);
    const std::vector<std::uint64_t> pages{0x10000, 0x30000, 0x50000};
    CHECK(f.bind_pages(h, pages, 0, 0x3000, DDI_DMA_READ) == DDI_DMA_TOOBIG);
    CHECK(f.bind_pages(h, pages, 0, 0x3000, DDI_DMA_READ) == DDI_DMA_TOOBIG);
    std::size_t warns = 0;
    for (auto& d : f.k.diagnostics()) warns += d.id == "rootnex-bind-warn";
    CHECK(warns == 1); // once per driver
    CHECK(ddi_dma_ncookies(h) == 0);
    ddi_dma_free_handle(&h);
    explorer_agrees("sgllen=1", pages, 0, 0x3000, "READ", DDI_DMA_TOOBIG, {});
}

TEST_CASE("T1b: sgllen 1 with PARTIAL and several cookies would divide by zero (panic)") {
    const std::vector<std::uint64_t> pages{0x10000, 0x30000, 0x50000};
    {
        fixture f;
        auto a = default_attr();
        a.dma_attr_sgllen = 1;
        auto h = f.alloc(a);
        CHECK_THROWS_AS(f.bind_pages(h, pages, 0, 0x3000, DDI_DMA_READ | DDI_DMA_PARTIAL),
                        ddisim::kernel::panic_error);
        CHECK(ddi_dma_ncookies(h) == 0); // handle left unbound and usable
        CHECK(f.bind_pages(h, run(0x10000, 3), 0, 0x3000, DDI_DMA_READ) == DDI_DMA_MAPPED);
        ddi_dma_unbind_handle(h);
        ddi_dma_free_handle(&h);
    }
    ddisim::ddi::explore_request r;
    r.attr = "sgllen=1";
    r.pages = pages_str(pages);
    r.len = "0x3000";
    r.flags = "READ,PARTIAL";
    auto j = ddisim::ddi::explore_bind(r);
    CHECK(j.at("result") == "PANIC");
    CHECK(j.at("reason").get<std::string>().find("divide by zero") != std::string::npos);
    // fixed fidelity: one cookie per window
    kernel_config cfg;
    cfg.fidelity = ddisim::kernel::fidelity_mode::fixed;
    fixture f(cfg);
    auto a = default_attr();
    a.dma_attr_sgllen = 1;
    auto h = f.alloc(a);
    REQUIRE(f.bind_pages(h, pages, 0, 0x3000, DDI_DMA_READ | DDI_DMA_PARTIAL) == DDI_DMA_PARTIAL_MAP);
    auto w = windows_of(h);
    CHECK(w == std::vector<win>{{0, 0x1000, {{0x10000, 0x1000}}},
                                {0x1000, 0x1000, {{0x30000, 0x1000}}},
                                {0x2000, 0x1000, {{0x50000, 0x1000}}}});
    CHECK(f.has_diag("fixed-8.3-sgllen-1"));
    ddi_dma_unbind_handle(h);
    ddi_dma_free_handle(&h);
}

TEST_CASE("T1b fixed: sgllen 1 with a window that is no multiple of granular is NOMAPPING, and says why") {
    // fixed fidelity cuts one cookie per window; the first, 0xff8 bytes from
    // page offset 8, cannot be trimmed to the 512-byte granularity (§8.4)
    kernel_config cfg;
    cfg.fidelity = ddisim::kernel::fidelity_mode::fixed;
    fixture f(cfg);
    auto a = default_attr();
    a.dma_attr_sgllen = 1;
    a.dma_attr_granular = 512;
    auto h = f.alloc(a);
    CHECK(f.bind_pages(h, {0x10000, 0x30000, 0x50000}, 8, 0x2000, DDI_DMA_READ | DDI_DMA_PARTIAL) ==
          DDI_DMA_NOMAPPING);
    CHECK(ddi_dma_ncookies(h) == 0);
    REQUIRE(f.has_diag("sgllen-1-trim"));
    // page-aligned, the windows are whole pages: no trim
    CHECK(f.bind_pages(h, {0x10000, 0x30000, 0x50000}, 0, 0x2000, DDI_DMA_READ | DDI_DMA_PARTIAL) ==
          DDI_DMA_PARTIAL_MAP);
    ddi_dma_unbind_handle(h);
    ddi_dma_free_handle(&h);
}

TEST_CASE("T1c: contiguous pages with sgllen 1 map as one cookie — no window calls") {
    fixture f;
    auto a = default_attr();
    a.dma_attr_sgllen = 1;
    auto h = f.alloc(a);
    ddi_dma_cookie_t c;
    uint_t n = 0;
    REQUIRE(f.bind_pages(h, run(0x10000, 3), 0, 0x3000, DDI_DMA_READ, &c, &n) == DDI_DMA_MAPPED);
    CHECK(n == 1);
    CHECK(c.dmac_laddress == 0x10000);
    CHECK(c.dmac_size == 0x3000);
    uint_t nw = 99;
    CHECK(ddi_dma_numwin(h, &nw) == DDI_FAILURE);
    off_t off;
    size_t len;
    uint_t cnt;
    CHECK(ddi_dma_getwin(h, 0, &off, &len, &c, &cnt) == DDI_FAILURE);
    ddi_dma_unbind_handle(h);
    ddi_dma_free_handle(&h);
    explorer_agrees("sgllen=1", run(0x10000, 3), 0, 0x3000, "READ", DDI_DMA_MAPPED,
                    {{0, 0x3000, {{0x10000, 0x3000}}}});
}

TEST_CASE("T2: seg 0xFFFF cuts a contiguous run at the 64 KiB boundary") {
    fixture f;
    auto a = default_attr();
    a.dma_attr_seg = 0xFFFF;
    auto h = f.alloc(a);
    REQUIRE(f.bind_pages(h, run(0x1E000, 4), 0, 0x4000, DDI_DMA_READ) == DDI_DMA_MAPPED);
    CHECK(cookies_of(h) == std::vector<cookie>{{0x1E000, 0x2000}, {0x20000, 0x2000}});
    ddi_dma_unbind_handle(h);
    ddi_dma_free_handle(&h);
    explorer_agrees("seg=0xFFFF", run(0x1E000, 4), 0, 0x4000, "READ", DDI_DMA_MAPPED,
                    {{0, 0x4000, {{0x1E000, 0x2000}, {0x20000, 0x2000}}}});
}

TEST_CASE("T3: count_max below a page is not honoured (pages are never split)") {
    fixture f;
    auto a = default_attr();
    a.dma_attr_count_max = 0x1FF;
    auto h = f.alloc(a);
    REQUIRE(f.bind_pages(h, run(0x10000, 2), 0, 0x2000, DDI_DMA_READ) == DDI_DMA_MAPPED);
    CHECK(cookies_of(h) == std::vector<cookie>{{0x10000, 0x1000}, {0x11000, 0x1000}});
    // the checker flags the violation of the documented rule, naming device and call
    REQUIRE(ddisim::ddi::checker::count(f.k, "cookie-rule") == 2);
    auto& r = ddisim::ddi::checker::reports(f.k).front();
    CHECK(r.device == "testdrv#0");
    CHECK(r.call == "ddi_dma_buf_bind_handle");
    ddi_dma_unbind_handle(h);
    ddi_dma_free_handle(&h);
}

TEST_CASE("T3b: count_max below a page is BADATTR in DEBUG mode") {
    kernel_config cfg;
    cfg.debug_checks = true;
    fixture f(cfg);
    auto a = default_attr();
    a.dma_attr_count_max = 0x1FF;
    ddi_dma_handle_t h = nullptr;
    CHECK(ddi_dma_alloc_handle(f.dip, &a, DDI_DMA_DONTWAIT, nullptr, &h) == DDI_DMA_BADATTR);
    CHECK(ddisim::ddi::checker::live_handles(f.k) == 0);
}

TEST_CASE("T3c: count_max 0x1FFF merges pairs of pages") {
    fixture f;
    auto a = default_attr();
    a.dma_attr_count_max = 0x1FFF;
    auto h = f.alloc(a);
    REQUIRE(f.bind_pages(h, run(0x10000, 4), 0, 0x4000, DDI_DMA_READ) == DDI_DMA_MAPPED);
    CHECK(cookies_of(h) == std::vector<cookie>{{0x10000, 0x2000}, {0x12000, 0x2000}});
    ddi_dma_unbind_handle(h);
    ddi_dma_free_handle(&h);
}

TEST_CASE("T12: count_max 0x1FFF over five pages leaves a one-page tail cookie") {
    fixture f;
    auto a = default_attr();
    a.dma_attr_count_max = 0x1FFF;
    auto h = f.alloc(a);
    REQUIRE(f.bind_pages(h, run(0x10000, 5), 0, 0x5000, DDI_DMA_READ) == DDI_DMA_MAPPED);
    CHECK(cookies_of(h) == std::vector<cookie>{{0x10000, 0x2000}, {0x12000, 0x2000}, {0x14000, 0x1000}});
    ddi_dma_unbind_handle(h);
    ddi_dma_free_handle(&h);
    explorer_agrees("count_max=0x1FFF", run(0x10000, 5), 0, 0x5000, "READ", DDI_DMA_MAPPED,
                    {{0, 0x5000, {{0x10000, 0x2000}, {0x12000, 0x2000}, {0x14000, 0x1000}}}});
}

TEST_CASE("T5: align is not enforced by bind") {
    fixture f;
    auto a = default_attr();
    a.dma_attr_align = 0x10000;
    auto h = f.alloc(a);
    REQUIRE(f.bind_pages(h, run(0x12000, 2), 0x10, 0x1000, DDI_DMA_READ) == DDI_DMA_MAPPED);
    CHECK(cookies_of(h) == std::vector<cookie>{{0x12010, 0x1000}});
    CHECK(ddisim::ddi::checker::count(f.k, "cookie-rule") == 1); // documented align rule broken
    ddi_dma_unbind_handle(h);
    ddi_dma_free_handle(&h);
}

TEST_CASE("T6: five discontiguous pages give five one-page cookies") {
    fixture f;
    auto h = f.alloc(default_attr());
    const std::vector<std::uint64_t> pages{0x10000, 0x30000, 0x50000, 0x70000, 0x90000};
    uint_t n = 0;
    REQUIRE(f.bind_pages(h, pages, 0, 0x5000, DDI_DMA_READ, nullptr, &n) == DDI_DMA_MAPPED);
    CHECK(n == 5);
    std::vector<cookie> want;
    for (auto p : pages) want.push_back({p, 0x1000});
    CHECK(cookies_of(h) == want);
    ddi_dma_unbind_handle(h);
    ddi_dma_free_handle(&h);
}

TEST_CASE("T7: granular is not enforced on the fast path") {
    fixture f;
    auto a = default_attr();
    a.dma_attr_granular = 512;
    auto h = f.alloc(a);
    REQUIRE(f.bind_pages(h, {0x10000}, 0, 1000, DDI_DMA_READ) == DDI_DMA_MAPPED);
    CHECK(cookies_of(h) == std::vector<cookie>{{0x10000, 0x3E8}});
    ddi_dma_unbind_handle(h);
    ddi_dma_free_handle(&h);
}

TEST_CASE("T10: zero-length buf bind maps with no cookies — zero-length addr bind is NOMAPPING") {
    fixture f;
    auto h = f.alloc(default_attr());
    uint_t n = 99;
    REQUIRE(f.bind_pages(h, {0x10000}, 0, 0, DDI_DMA_READ, nullptr, &n) == DDI_DMA_MAPPED);
    CHECK(n == 0);
    CHECK(ddi_dma_ncookies(h) == 0);
    CHECK(ddi_dma_cookie_iter(h, nullptr) == nullptr);
    ddi_dma_unbind_handle(h);
    caddr_t va = f.k.kmem_alloc_pages(1);
    CHECK(ddi_dma_addr_bind_handle(h, nullptr, va, 0, DDI_DMA_READ, DDI_DMA_DONTWAIT, nullptr, nullptr,
                                   nullptr) == DDI_DMA_NOMAPPING);
    ddi_dma_free_handle(&h);
    f.k.kmem_free_pages(va);
}

TEST_CASE("T13: nvme PRP attributes give page-bounded cookies with a mid-page start") {
    fixture f;
    auto a = default_attr();
    a.dma_attr_count_max = 0xFFF;
    a.dma_attr_align = 0x1000;
    a.dma_attr_burstsizes = 0x7FF;
    a.dma_attr_minxfer = 0x1000;
    a.dma_attr_maxxfer = 0x100000;
    a.dma_attr_seg = 0xFFF;
    auto h = f.alloc(a);
    REQUIRE(f.bind_pages(h, run(0x10000, 4), 0x200, 0x3000, DDI_DMA_READ) == DDI_DMA_MAPPED);
    CHECK(cookies_of(h) ==
          std::vector<cookie>{{0x10200, 0xE00}, {0x11000, 0x1000}, {0x12000, 0x1000}, {0x13000, 0x200}});
    ddi_dma_unbind_handle(h);
    ddi_dma_free_handle(&h);
    ddisim::ddi::checker::clear(f.k); // align of the first cookie is flagged (documented rule)
}

TEST_CASE("T22: ahci buffer attributes merge 1 MiB of contiguous pages into one cookie") {
    fixture f;
    auto a = default_attr();
    a.dma_attr_count_max = 0x3FFFFF;
    a.dma_attr_align = 2;
    a.dma_attr_sgllen = 257;
    a.dma_attr_granular = 512;
    auto h = f.alloc(a);
    REQUIRE(f.bind_pages(h, run(0x200000, 256), 0, 0x100000, DDI_DMA_READ) == DDI_DMA_MAPPED);
    CHECK(cookies_of(h) == std::vector<cookie>{{0x200000, 0x100000}});
    ddi_dma_unbind_handle(h);
    ddi_dma_free_handle(&h);
    explorer_agrees("count_max=0x3FFFFF,align=2,sgllen=257,granular=512", run(0x200000, 256), 0, 0x100000,
                    "READ", DDI_DMA_MAPPED, {{0, 0x100000, {{0x200000, 0x100000}}}});
}

TEST_CASE("T1 warning: once per driver, shared by its instances, separate for another driver") {
    fixture f;
    auto a = default_attr();
    a.dma_attr_sgllen = 1;
    dev_info* inst1 = f.k.create_dev_info("testdrv", 1);
    dev_info* other = f.k.create_dev_info("otherdrv", 0);
    CHECK(inst1->major == f.dip->major);
    CHECK(other->major != f.dip->major);
    const std::vector<std::uint64_t> pages{0x10000, 0x30000, 0x50000};
    for (dev_info* d : {f.dip, inst1, other}) {
        ddi_dma_handle_t h = nullptr;
        REQUIRE(ddi_dma_alloc_handle(d, &a, DDI_DMA_DONTWAIT, nullptr, &h) == DDI_SUCCESS);
        buf_t b = f.pageio(pages, 0, 0x3000);
        CHECK(ddi_dma_buf_bind_handle(h, &b, DDI_DMA_READ, DDI_DMA_DONTWAIT, nullptr, nullptr, nullptr) ==
              DDI_DMA_TOOBIG);
        ddi_dma_free_handle(&h);
    }
    std::size_t warns = 0;
    for (auto& d : f.k.diagnostics()) warns += d.id == "rootnex-bind-warn";
    CHECK(warns == 2);
}
