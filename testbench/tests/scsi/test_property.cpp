// Property test: many random bufs (page layout, offset, length) and HBA
// attributes (sgllen, maxxfer, granular) walked window by window through
// scsi_init_pkt on the framework HBA, checking what a target and an HBA rely
// on: windows in order with no gap, pkt_resid = bytes not yet covered,
// pkt_dma_len = sum of pkt_cookies, at most sgllen cookies, each cookie at
// the physical address of its object bytes, nothing left allocated.
// fidelity = fixed, so the §8.5 lost tail (a DDI bug with its own tests)
// does not apply; deterministic seed.
#include "scsa_test_util.h"

#include <random>

using namespace sct;

TEST_CASE("property: 600 random PKT_DMA_PARTIAL transfers walk their windows consistently") {
    kernel_config cfg;
    cfg.fidelity = ddisim::kernel::fidelity_mode::fixed;
    cfg.backing_store = false;
    fixture f(cfg);
    std::mt19937_64 rng(20261126);
    auto pick = [&](std::uint64_t lo, std::uint64_t hi) {
        return std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng);
    };
    std::size_t windows = 0;
    for (int iter = 0; iter < 600; ++iter) {
        dev_info* dip = f.k.create_dev_info("prophba", iter);
        ddi_dma_attr_t a = attr_sgllen(pick(0, 3) == 0 ? -1 : static_cast<int>(pick(2, 6)));
        if (pick(0, 1)) a.dma_attr_maxxfer = pick(2, 16) * 0x1000;
        if (pick(0, 1)) a.dma_attr_granular = 512;
        fw_hba hba(f.k, dip, a);
        scsi_device* sd = nullptr;
        REQUIRE(scsi_hba_target_create(dip, "sd", 0, 0, &sd) == DDI_SUCCESS);
        // pages: runs of contiguous pages at random places below 4 GiB
        std::vector<std::uint64_t> pages;
        const std::size_t npages = pick(1, 24);
        while (pages.size() < npages) {
            std::uint64_t base = pick(0x10, 0xF0000) * 0x1000;
            for (std::uint64_t r = pick(1, 4); r > 0 && pages.size() < npages; --r, base += 0x1000)
                pages.push_back(base);
        }
        const std::uint64_t boff = a.dma_attr_granular == 512 ? pick(0, 7) * 512 : pick(0, 0xFFF);
        const std::uint64_t room = npages * 0x1000 - boff;
        std::uint64_t len = pick(1, room);
        if (a.dma_attr_granular == 512) len = std::max<std::uint64_t>(512, len & ~std::uint64_t{511});
        if (len > room) len = room & ~std::uint64_t{511};
        INFO("iteration " << iter << " sgllen " << a.dma_attr_sgllen << " maxxfer 0x" << std::hex
                          << a.dma_attr_maxxfer << " granular " << std::dec << a.dma_attr_granular << " pages "
                          << npages << " off 0x" << std::hex << boff << " len 0x" << len);
        buf_t b = f.pageio(pages, boff, len, pick(0, 1) != 0);
        scsi_pkt* p =
            scsi_init_pkt(&sd->sd_address, nullptr, &b, CDB_GROUP1, 1, 0, PKT_DMA_PARTIAL, NULL_FUNC, nullptr);
        REQUIRE(p != nullptr);
        std::uint64_t covered = 0;
        for (int w = 0;; ++w) {
            REQUIRE(w < 10000);
            ++windows;
            CHECK(static_cast<std::uint64_t>(p->pkt_dma_offset) == covered);
            REQUIRE(p->pkt_numcookies >= 1);
            if (a.dma_attr_sgllen > 0) CHECK(p->pkt_numcookies <= static_cast<uint_t>(a.dma_attr_sgllen));
            std::uint64_t sum = 0;
            for (uint_t i = 0; i < p->pkt_numcookies; ++i) {
                const ddi_dma_cookie_t& c = p->pkt_cookies[i];
                const std::uint64_t o = boff + covered + sum; // offset in the page list
                CHECK(c.dmac_laddress == pages[o / 0x1000] + o % 0x1000);
                sum += c.dmac_size;
            }
            CHECK(sum == p->pkt_dma_len);
            covered += p->pkt_dma_len;
            CHECK(static_cast<std::uint64_t>(p->pkt_resid) == len - covered);
            if (p->pkt_resid == 0) break;
            REQUIRE(scsi_init_pkt(&sd->sd_address, p, &b, 0, 0, 0, 0, NULL_FUNC, nullptr) == p);
        }
        CHECK(covered == len);
        scsi_destroy_pkt(p);
        scsi_hba_target_destroy(sd);
        REQUIRE(scsi_hba_detach(dip) == DDI_SUCCESS);
        scsi_hba_tran_free(hba.tran);
        f.k.free_page_list(b.b_pages);
    }
    CHECK(windows > 600); // some transfers really had several windows
    CHECK(ddisim::scsa::live_packets(f.k) == 0);
    CHECK(ddisim::ddi::checker::live_handles(f.k) == 0);
    CHECK(ddisim::ddi::checker::reports(f.k).empty()); // DMA-API checker: no misuse, no cookie-rule breach
}
