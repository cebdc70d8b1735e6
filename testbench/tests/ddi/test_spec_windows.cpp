// Spec §10.3: windows from maxxfer, sgllen and granular trimming.
#include "ddi_test_util.h"

using namespace ddt;

namespace {
std::vector<win> explore(const std::string& attr, const std::string& pages, const std::string& off,
                         const std::string& len, const std::string& flags, std::string* result = nullptr,
                         const std::string& fidelity = "illumos") {
    ddisim::ddi::explore_request r;
    r.attr = attr;
    r.pages = pages;
    r.offset = off;
    r.len = len;
    r.flags = flags;
    r.fidelity = fidelity;
    auto j = ddisim::ddi::explore_bind(r);
    if (result) *result = j.at("result").get<std::string>();
    return explorer_windows(j);
}
} // namespace

TEST_CASE("T8: maxxfer 0x2000 splits five contiguous pages into three windows") {
    fixture f;
    auto a = default_attr();
    a.dma_attr_maxxfer = 0x2000;
    auto h = f.alloc(a);
    REQUIRE(f.bind_pages(h, run(0x10000, 5), 0, 0x5000, DDI_DMA_READ | DDI_DMA_PARTIAL) == DDI_DMA_PARTIAL_MAP);
    const std::vector<win> want{{0, 0x2000, {{0x10000, 0x2000}}},
                                {0x2000, 0x2000, {{0x12000, 0x2000}}},
                                {0x4000, 0x1000, {{0x14000, 0x1000}}}};
    CHECK(windows_of(h) == want);
    ddi_dma_unbind_handle(h);
    ddi_dma_free_handle(&h);
    std::string res;
    CHECK(explore("maxxfer=0x2000", "0x10000-0x14000", "0", "0x5000", "READ,PARTIAL", &res) == want);
    CHECK(res == "DDI_DMA_PARTIAL_MAP");
}

TEST_CASE("T8b: maxxfer overflow without PARTIAL is TOOBIG") {
    fixture f;
    auto a = default_attr();
    a.dma_attr_maxxfer = 0x2000;
    auto h = f.alloc(a);
    CHECK(f.bind_pages(h, run(0x10000, 5), 0, 0x5000, DDI_DMA_READ) == DDI_DMA_TOOBIG);
    ddi_dma_free_handle(&h);
}

TEST_CASE("T9: sgllen 2 gives windows of 2, 2 and 1 cookies") {
    fixture f;
    auto a = default_attr();
    a.dma_attr_sgllen = 2;
    auto h = f.alloc(a);
    std::vector<std::uint64_t> pages;
    for (int i = 0; i < 5; ++i) pages.push_back(0x10000 + 0x2000 * i);
    REQUIRE(f.bind_pages(h, pages, 0, 0x5000, DDI_DMA_READ | DDI_DMA_PARTIAL) == DDI_DMA_PARTIAL_MAP);
    const std::vector<win> want{{0, 0x2000, {{0x10000, 0x1000}, {0x12000, 0x1000}}},
                                {0x2000, 0x2000, {{0x14000, 0x1000}, {0x16000, 0x1000}}},
                                {0x4000, 0x1000, {{0x18000, 0x1000}}}};
    CHECK(windows_of(h) == want);
    ddi_dma_unbind_handle(h);
    ddi_dma_free_handle(&h);
    CHECK(explore("sgllen=2", pages_str(pages), "0", "0x5000", "READ,PARTIAL") == want);
}

TEST_CASE("T7b: granular trim shares a cookie slot between windows") {
    fixture f;
    auto a = default_attr();
    a.dma_attr_granular = 512;
    a.dma_attr_sgllen = 2;
    auto h = f.alloc(a);
    const std::vector<std::uint64_t> pages{0x10000, 0x30000, 0x50000};
    REQUIRE(f.bind_pages(h, pages, 0x100, 0x2400, DDI_DMA_READ | DDI_DMA_PARTIAL) == DDI_DMA_PARTIAL_MAP);
    // window 0 as bound
    CHECK(cookies_of(h) == std::vector<cookie>{{0x10100, 0xF00}, {0x30000, 0xF00}});
    const ddi_dma_cookie_t* slot = ddi_dma_cookie_get(h, 1);
    const std::vector<win> want{{0, 0x1E00, {{0x10100, 0xF00}, {0x30000, 0xF00}}},
                                {0x1E00, 0x600, {{0x30F00, 0x100}, {0x50000, 0x500}}}};
    CHECK(windows_of(h) == want);
    // after getwin(1) the same slot holds window 1's leading remainder
    CHECK(ddi_dma_cookie_get(h, 0) == slot);
    CHECK(slot->dmac_laddress == 0x30F00);
    // and getwin(0) restores it
    off_t off;
    size_t len;
    ddi_dma_cookie_t c;
    uint_t cnt;
    REQUIRE(ddi_dma_getwin(h, 0, &off, &len, &c, &cnt) == DDI_SUCCESS);
    CHECK(slot->dmac_laddress == 0x30000);
    CHECK(slot->dmac_size == 0xF00);
    ddi_dma_unbind_handle(h);
    ddi_dma_free_handle(&h);
    CHECK(explore("granular=512,sgllen=2", "0x10000,0x30000,0x50000", "0x100", "0x2400", "READ,PARTIAL") == want);
}

TEST_CASE("T18: maxxfer 0x10000 with granular 512 over 0x18000 contiguous bytes") {
    fixture f;
    auto a = default_attr();
    a.dma_attr_maxxfer = 0x10000;
    a.dma_attr_granular = 512;
    auto h = f.alloc(a);
    REQUIRE(f.bind_pages(h, run(0x100000, 24), 0, 0x18000, DDI_DMA_READ | DDI_DMA_PARTIAL) == DDI_DMA_PARTIAL_MAP);
    CHECK(windows_of(h) == std::vector<win>{{0, 0x10000, {{0x100000, 0x10000}}},
                                            {0x10000, 0x8000, {{0x110000, 0x8000}}}});
    ddi_dma_unbind_handle(h);
    ddi_dma_free_handle(&h);
}

TEST_CASE("T16: sgllen trim overflowing maxxfer loses the tail (illumos) or keeps it (fixed)") {
    const std::vector<std::uint64_t> pages{0x10000, 0x30000, 0x50000, 0x51000, 0x52000, 0x53000};
    auto a = default_attr();
    a.dma_attr_granular = 0x200;
    a.dma_attr_sgllen = 2;
    a.dma_attr_maxxfer = 0x4000;
    const win w0{0, 0x1E00, {{0x10100, 0xF00}, {0x30000, 0xF00}}};
    const win w1{0x1E00, 0x4000, {{0x30F00, 0x100}, {0x50000, 0x3F00}}};
    {
        fixture f;
        auto h = f.alloc(a);
        REQUIRE(f.bind_pages(h, pages, 0x100, 0x5F00, DDI_DMA_READ | DDI_DMA_PARTIAL) == DDI_DMA_PARTIAL_MAP);
        CHECK(windows_of(h) == std::vector<win>{w0, w1});
        CHECK(f.has_diag("bug-8.5-lost-tail"));
        ddi_dma_unbind_handle(h);
        ddi_dma_free_handle(&h);
    }
    {
        kernel_config cfg;
        cfg.fidelity = ddisim::kernel::fidelity_mode::fixed;
        fixture f(cfg);
        auto h = f.alloc(a);
        REQUIRE(f.bind_pages(h, pages, 0x100, 0x5F00, DDI_DMA_READ | DDI_DMA_PARTIAL) == DDI_DMA_PARTIAL_MAP);
        CHECK(windows_of(h) == std::vector<win>{w0, w1, {0x5E00, 0x100, {{0x53F00, 0x100}}}});
        CHECK_FALSE(f.has_diag("bug-8.5-lost-tail"));
        ddi_dma_unbind_handle(h);
        ddi_dma_free_handle(&h);
    }
    CHECK(explore("granular=0x200,sgllen=2,maxxfer=0x4000", "0x10000,0x30000,0x50000-0x53000", "0x100",
                  "0x5F00", "READ,PARTIAL") == std::vector<win>{w0, w1});
}

TEST_CASE("W1: getwin(nwin) fails and leaves the current window unchanged") {
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
    const auto before = cookies_of(h);
    CHECK(ddi_dma_getwin(h, 3, &off, &len, &c, &cnt) == DDI_FAILURE);
    CHECK(cookies_of(h) == before);
    CHECK(before.front().addr == 0x14000);
    ddi_dma_unbind_handle(h);
    ddi_dma_free_handle(&h);
}
