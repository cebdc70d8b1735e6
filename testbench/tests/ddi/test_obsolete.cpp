// Spec §6: the obsolete interfaces, with historical semantics on top of the
// modern calls.
#include "ddi_test_util.h"

#include <cstring>

using namespace ddt;

namespace {
ddi_dma_lim_t lim32(short sgllen) {
    ddi_dma_lim_t l{};
    l.dlim_addr_lo = 0;
    l.dlim_addr_hi = 0xFFFFFFFF;
    l.dlim_burstsizes = 1;
    l.dlim_minxfer = DMA_UNIT_8;
    l.dlim_version = DMALIM_VER0;
    l.dlim_adreg_max = 0xFFFFFFFF;
    l.dlim_ctreg_max = 0xFFFFFFFF;
    l.dlim_granular = 512;
    l.dlim_sgllen = sgllen;
    l.dlim_reqsize = 0xFFFFFFFF;
    return l;
}
const std::vector<std::uint64_t> five{0x10000, 0x30000, 0x50000, 0x70000, 0x90000};
} // namespace

TEST_CASE("obsolete: ddi_dma_addr_setup + nextwin/nextseg/segtocookie walk every cookie") {
    fixture f;
    caddr_t va = f.k.kva_map(five);
    auto lim = lim32(2);
    ddi_dma_handle_t h = nullptr;
    REQUIRE(ddi_dma_addr_setup(f.dip, nullptr, va, 0x5000, DDI_DMA_READ | DDI_DMA_PARTIAL, DDI_DMA_DONTWAIT,
                               nullptr, &lim, &h) == DDI_DMA_PARTIAL_MAP);
    ddi_dma_attr_t got;
    REQUIRE(ddi_dma_get_attr(h, &got) == DDI_SUCCESS);
    CHECK(got.dma_attr_sgllen == 2);
    CHECK(got.dma_attr_align == 0x1000); // forced to PAGESIZE by the conversion
    CHECK(got.dma_attr_granular == 512);
    std::vector<std::uint64_t> seen;
    std::vector<off_t> offs;
    ddi_dma_win_t w = nullptr;
    int nwins = 0;
    while (ddi_dma_nextwin(h, w, &w) == DDI_SUCCESS) {
        ++nwins;
        ddi_dma_seg_t s = nullptr;
        while (ddi_dma_nextseg(w, s, &s) == DDI_SUCCESS) {
            off_t off, len;
            ddi_dma_cookie_t c;
            REQUIRE(ddi_dma_segtocookie(s, &off, &len, &c) == DDI_SUCCESS);
            CHECK(len == 0x1000);
            seen.push_back(c.dmac_laddress);
            offs.push_back(off);
        }
    }
    CHECK(nwins == 3);
    CHECK(seen == five);
    CHECK(offs == std::vector<off_t>{0, 0x1000, 0x2000, 0x3000, 0x4000});
    // a window value that is no longer current is stale
    ddi_dma_win_t first = nullptr;
    REQUIRE(ddi_dma_nextwin(h, nullptr, &first) == DDI_SUCCESS);
    ddi_dma_win_t second = nullptr;
    REQUIRE(ddi_dma_nextwin(h, first, &second) == DDI_SUCCESS);
    ddi_dma_win_t dummy;
    CHECK(ddi_dma_nextwin(h, first, &dummy) == DDI_DMA_STALE);
    ddi_dma_seg_t sdummy;
    CHECK(ddi_dma_nextseg(first, nullptr, &sdummy) == DDI_DMA_STALE);
    // curwin / movwin / htoc / coff
    off_t off;
    uint_t len;
    REQUIRE(ddi_dma_curwin(h, &off, &len) == DDI_SUCCESS);
    CHECK(off == 0x2000);
    CHECK(len == 0x2000);
    off = 0x4100;
    ddi_dma_cookie_t c;
    REQUIRE(ddi_dma_movwin(h, &off, &len, &c) == DDI_SUCCESS);
    CHECK(off == 0x4000);
    CHECK(len == 0x1000);
    CHECK(c.dmac_laddress == 0x90000);
    REQUIRE(ddi_dma_htoc(h, 0x4100, &c) == DDI_SUCCESS);
    CHECK(c.dmac_laddress == 0x90100);
    CHECK(c.dmac_size == 0xF00);
    off_t back = 0;
    REQUIRE(ddi_dma_coff(h, &c, &back) == DDI_SUCCESS);
    CHECK(back == 0x4100);
    CHECK(ddi_dma_htoc(h, 0x100, &c) == DDI_FAILURE); // not in the current window
    CHECK(ddi_dma_free(h) == DDI_SUCCESS);
    CHECK(ddisim::ddi::checker::live_handles(f.k) == 0);
    f.k.kva_unmap(va);
}

TEST_CASE("obsolete: a MAPPED bind is one implicit window for nextwin — curwin fails") {
    fixture f;
    caddr_t va = f.k.kva_map(five);
    auto lim = lim32(-1);
    ddi_dma_handle_t h = nullptr;
    REQUIRE(ddi_dma_addr_setup(f.dip, nullptr, va, 0x5000, DDI_DMA_READ, DDI_DMA_DONTWAIT, nullptr, &lim, &h) ==
            DDI_DMA_MAPPED);
    off_t off;
    uint_t len;
    CHECK(ddi_dma_curwin(h, &off, &len) == DDI_FAILURE);
    ddi_dma_win_t w = nullptr;
    REQUIRE(ddi_dma_nextwin(h, nullptr, &w) == DDI_SUCCESS);
    int segs = 0;
    ddi_dma_seg_t s = nullptr;
    while (ddi_dma_nextseg(w, s, &s) == DDI_SUCCESS) ++segs;
    CHECK(segs == 5);
    CHECK(ddi_dma_nextwin(h, w, &w) == DDI_DMA_DONE);
    ddi_dma_free(h);
    f.k.kva_unmap(va);
}

TEST_CASE("obsolete: ddi_dma_setup advisory call and NULL limits") {
    fixture f;
    caddr_t va = f.k.kva_map(five);
    ddi_dma_req req{};
    auto lim = lim32(2);
    req.dmar_limits = &lim;
    req.dmar_flags = DDI_DMA_READ | DDI_DMA_PARTIAL;
    req.dmar_fp = DDI_DMA_DONTWAIT;
    req.dmar_object.dmao_type = DMA_OTYP_VADDR;
    req.dmar_object.dmao_size = 0x5000;
    req.dmar_object.dmao_obj.virt_obj.v_addr = va;
    CHECK(ddi_dma_setup(f.dip, &req, nullptr) == DDI_DMA_NOMAPPING); // only partial
    req.dmar_object.dmao_size = 0x1000;
    CHECK(ddi_dma_setup(f.dip, &req, nullptr) == DDI_DMA_MAPOK);
    CHECK(ddisim::ddi::checker::live_handles(f.k) == 0);
    req.dmar_limits = nullptr;
    ddi_dma_handle_t h = nullptr;
    CHECK(ddi_dma_setup(f.dip, &req, &h) == DDI_DMA_NOMAPPING); // x86 refused NULL limits
    CHECK(ddi_dma_addr_setup(f.dip, nullptr, va, 0, DDI_DMA_READ, DDI_DMA_DONTWAIT, nullptr, &lim, &h) ==
          DDI_DMA_NOMAPPING);
    f.k.kva_unmap(va);
}

TEST_CASE("obsolete: ddi_dma_buf_setup, devalign, iopb and mem alloc") {
    fixture f;
    buf_t b = f.pageio(five, 0x10, 0x3000);
    auto lim = lim32(-1);
    ddi_dma_handle_t h = nullptr;
    REQUIRE(ddi_dma_buf_setup(f.dip, &b, DDI_DMA_READ, DDI_DMA_DONTWAIT, nullptr, &lim, &h) == DDI_DMA_MAPPED);
    CHECK(cookies_of(h).front().addr == 0x10010);
    ddi_dma_free(h);

    ddi_dma_handle_t h2 = nullptr;
    auto a = default_attr();
    a.dma_attr_burstsizes = 0x78;
    a.dma_attr_minxfer = 4;
    REQUIRE(ddi_dma_alloc_handle(f.dip, &a, DDI_DMA_DONTWAIT, nullptr, &h2) == DDI_SUCCESS);
    uint_t align = 0, mineff = 0;
    REQUIRE(ddi_dma_devalign(h2, &align, &mineff) == DDI_SUCCESS);
    CHECK(align == 8);
    CHECK(mineff == 4);
    ddi_dma_free_handle(&h2);

    caddr_t iopb = nullptr;
    REQUIRE(ddi_iopb_alloc(f.dip, &lim, 512, &iopb) == DDI_SUCCESS);
    std::memset(iopb, 1, 512);
    ddi_iopb_free(iopb);
    caddr_t m = nullptr;
    uint_t real = 0;
    REQUIRE(ddi_mem_alloc(f.dip, &lim, 3000, 1, &m, &real) == DDI_SUCCESS);
    CHECK(real >= 3000);
    ddi_mem_free(m);
    CHECK(ddisim::ddi::checker::live_handles(f.k) == 0);
    CHECK(f.k.pages().used_pages() == 0);
    CHECK(ddi_dma_map(f.dip, f.dip, nullptr, nullptr) == DDI_FAILURE);
}
