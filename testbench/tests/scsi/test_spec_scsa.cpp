// Spec §10.7 (Q1–Q7): the tran_setup_pkt framework's windows, errors,
// callbacks and sync, through scsi_init_pkt / scsi_destroy_pkt /
// scsi_sync_pkt as a target driver calls them.
#include "scsa_test_util.h"

using namespace sct;

namespace {
constexpr uint_t read_partial = DDI_DMA_READ | DDI_DMA_PARTIAL;
}

TEST_CASE("Q1: framework HBA with sgllen 2: first window of a 5-page PKT_DMA_PARTIAL read") {
    fixture f;
    fw_hba hba(f.k, f.hba_dip, attr_sgllen(2));
    scsi_device* sd = f.target();
    buf_t b = f.pageio(q1_pages(), 0, 0x5000);
    scsi_pkt* p = scsi_init_pkt(&sd->sd_address, nullptr, &b, CDB_GROUP1, 1, 0, PKT_DMA_PARTIAL, NULL_FUNC, nullptr);
    REQUIRE(p != nullptr);
    CHECK(p->pkt_numcookies == 2);
    CHECK(p->pkt_dma_len == 0x2000);
    CHECK(p->pkt_dma_offset == 0);
    CHECK(p->pkt_resid == 0x3000);
    CHECK(p->pkt_dma_flags == read_partial);
    CHECK(pkt_cookies(p) == std::vector<cookie>{{0x10000, 0x1000}, {0x12000, 0x1000}});
    CHECK(hba.setup_calls == 1);
    CHECK(hba.setup_callback == NULL_FUNC);
    CHECK(p->pkt_address.a_hba_tran == hba.tran);
    CHECK(p->pkt_address.a_target == 0);
    scsi_destroy_pkt(p);
    CHECK(hba.teardown_calls == 1);
    CHECK(ddisim::scsa::live_packets(f.k) == 0);
}

TEST_CASE("Q2: re-calling scsi_init_pkt hands out the next windows until pkt_resid is 0") {
    fixture f;
    fw_hba hba(f.k, f.hba_dip, attr_sgllen(2));
    scsi_device* sd = f.target();
    buf_t b = f.pageio(q1_pages(), 0, 0x5000);
    scsi_pkt* p = scsi_init_pkt(&sd->sd_address, nullptr, &b, CDB_GROUP1, 1, 0, PKT_DMA_PARTIAL, NULL_FUNC, nullptr);
    REQUIRE(p != nullptr);
    scsi_pkt* p2 = scsi_init_pkt(&sd->sd_address, p, &b, 0, 0, 0, 0, NULL_FUNC, nullptr);
    REQUIRE(p2 == p);
    CHECK(p->pkt_dma_offset == 0x2000);
    CHECK(p->pkt_numcookies == 2);
    CHECK(p->pkt_dma_len == 0x2000);
    CHECK(p->pkt_resid == 0x1000);
    CHECK(pkt_cookies(p) == std::vector<cookie>{{0x14000, 0x1000}, {0x16000, 0x1000}});
    scsi_pkt* p3 = scsi_init_pkt(&sd->sd_address, p, &b, 0, 0, 0, 0, NULL_FUNC, nullptr);
    REQUIRE(p3 == p);
    CHECK(p->pkt_dma_offset == 0x4000);
    CHECK(p->pkt_numcookies == 1);
    CHECK(p->pkt_dma_len == 0x1000);
    CHECK(p->pkt_resid == 0);
    CHECK(pkt_cookies(p) == std::vector<cookie>{{0x18000, 0x1000}});
    CHECK(hba.setup_calls == 1); // one packet throughout
    scsi_destroy_pkt(p);
}

TEST_CASE("Q3: a 4th scsi_init_pkt returns NULL, the framework unbound and freed the packet (spec §8.18)") {
    fixture f;
    fw_hba hba(f.k, f.hba_dip, attr_sgllen(2));
    scsi_device* sd = f.target();
    buf_t b = f.pageio(q1_pages(), 0, 0x5000);
    scsi_pkt* p = scsi_init_pkt(&sd->sd_address, nullptr, &b, CDB_GROUP1, 1, 0, PKT_DMA_PARTIAL, NULL_FUNC, nullptr);
    REQUIRE(p != nullptr);
    ddi_dma_handle_t h = p->pkt_handle;
    REQUIRE(scsi_init_pkt(&sd->sd_address, p, &b, 0, 0, 0, 0, NULL_FUNC, nullptr) == p);
    REQUIRE(scsi_init_pkt(&sd->sd_address, p, &b, 0, 0, 0, 0, NULL_FUNC, nullptr) == p);
    REQUIRE(p->pkt_resid == 0);
    CHECK(ddisim::scsa::live_packets(f.k) == 1);
    CHECK(scsi_init_pkt(&sd->sd_address, p, &b, 0, 0, 0, 0, NULL_FUNC, nullptr) == nullptr);
    CHECK(ddisim::scsa::live_packets(f.k) == 0); // back in the cache
    CHECK(ddi_dma_ncookies(h) == 0);            // unbound
    CHECK(hba.teardown_calls == 0);             // illumos skips tran_teardown_pkt on this path
    CHECK(f.has_diag("bug-8.18-pkt-freed"));
    // the cache hands the same object out again
    scsi_pkt* q = scsi_init_pkt(&sd->sd_address, nullptr, nullptr, CDB_GROUP1, 1, 0, 0, NULL_FUNC, nullptr);
    CHECK(q == p);
    scsi_destroy_pkt(q);
}

TEST_CASE("Q3 (fixed fidelity): a call past the last window returns NULL and leaves the packet alone") {
    kernel_config cfg;
    cfg.fidelity = ddisim::kernel::fidelity_mode::fixed;
    fixture f(cfg);
    fw_hba hba(f.k, f.hba_dip, attr_sgllen(2));
    scsi_device* sd = f.target();
    buf_t b = f.pageio(q1_pages(), 0, 0x5000);
    scsi_pkt* p = scsi_init_pkt(&sd->sd_address, nullptr, &b, CDB_GROUP1, 1, 0, PKT_DMA_PARTIAL, NULL_FUNC, nullptr);
    REQUIRE(p != nullptr);
    REQUIRE(scsi_init_pkt(&sd->sd_address, p, &b, 0, 0, 0, 0, NULL_FUNC, nullptr) == p);
    REQUIRE(scsi_init_pkt(&sd->sd_address, p, &b, 0, 0, 0, 0, NULL_FUNC, nullptr) == p);
    CHECK(scsi_init_pkt(&sd->sd_address, p, &b, 0, 0, 0, 0, NULL_FUNC, nullptr) == nullptr);
    CHECK(ddisim::scsa::live_packets(f.k) == 1);
    CHECK(p->pkt_numcookies == 1);
    CHECK(p->pkt_dma_offset == 0x4000);
    CHECK_FALSE(f.has_diag("bug-8.18-pkt-freed"));
    scsi_destroy_pkt(p);
    CHECK(ddisim::scsa::live_packets(f.k) == 0);
    CHECK(hba.teardown_calls == 1);
}

TEST_CASE("Q4: without PKT_DMA_PARTIAL the bind is TOOBIG: NULL and b_error EINVAL") {
    fixture f;
    fw_hba hba(f.k, f.hba_dip, attr_sgllen(2));
    scsi_device* sd = f.target();
    buf_t b = f.pageio(q1_pages(), 0, 0x5000);
    CHECK(scsi_init_pkt(&sd->sd_address, nullptr, &b, CDB_GROUP1, 1, 0, 0, NULL_FUNC, nullptr) == nullptr);
    CHECK(b.b_error == EINVAL);
    CHECK((b.b_flags & B_ERROR) != 0);
    CHECK(geterror(&b) == EINVAL);
    CHECK(ddisim::scsa::live_packets(f.k) == 0); // the packet went back to the cache
    CHECK(hba.setup_calls == 1);
    CHECK(hba.teardown_calls == 1);
}

TEST_CASE("Q5: a bind that gives NOMAPPING (IOMMU, sgllen 1, seg 0xFFF, 2 pages, spec I5): NULL and b_error EFAULT") {
    kernel_config cfg;
    cfg.iommu = ddisim::kernel::iommu_kind::vtd;
    fixture f(cfg);
    ddi_dma_attr_t a = attr_sgllen(1);
    a.dma_attr_seg = 0xFFF;
    fw_hba hba(f.k, f.hba_dip, a);
    scsi_device* sd = f.target();
    buf_t b = f.pageio({0x10000, 0x30000}, 0, 0x2000);
    CHECK(scsi_init_pkt(&sd->sd_address, nullptr, &b, CDB_GROUP1, 1, 0, PKT_DMA_PARTIAL, NULL_FUNC, nullptr) ==
          nullptr);
    CHECK(b.b_error == EFAULT);
    CHECK(geterror(&b) == EFAULT);
    CHECK(ddisim::scsa::live_packets(f.k) == 0);
}

TEST_CASE("Q6: bind NORESOURCES: NULL, b_error 0, the target's callback waits on the SCSA list for a destroy") {
    kernel_config cfg;
    cfg.copybuf_space = 0; // no copy buffer can be had
    fixture f(cfg);
    ddi_dma_attr_t a = attr_sgllen(-1);
    a.dma_attr_addr_hi = 0xFFFFFFFF;
    fw_hba hba(f.k, f.hba_dip, a);
    scsi_device* sd = f.target();
    buf_t b = f.pageio({0x100000000ull}, 0, 0x1000); // above addr_hi: needs the copy buffer
    int marker = 0;
    auto* arg = reinterpret_cast<caddr_t>(&marker);
    CHECK(scsi_init_pkt(&sd->sd_address, nullptr, &b, CDB_GROUP1, 1, 0, 0, target_cb, arg) == nullptr);
    CHECK(b.b_error == 0);
    CHECK((b.b_flags & B_ERROR) == 0);
    CHECK_FALSE(f.scsa_list_empty());     // queued by SCSA ...
    CHECK(f.rootnex_list_empty());        // ... the HBA's bind got NULL_FUNC, nothing on rootnex's
    CHECK(hba.setup_callback == NULL_FUNC);
    f.k.run_softints();
    CHECK(cb_calls == 0); // nothing runs it before a free
    // another packet comes and goes: its destroy schedules the SCSA list
    scsi_pkt* p = scsi_init_pkt(&sd->sd_address, nullptr, nullptr, CDB_GROUP0, 1, 0, 0, NULL_FUNC, nullptr);
    REQUIRE(p != nullptr);
    scsi_destroy_pkt(p);
    CHECK(cb_calls == 0); // soft interrupt, not inside scsi_destroy_pkt
    f.k.run_softints();
    CHECK(cb_calls == 1);
    CHECK(cb_last_arg == arg);
    CHECK(f.scsa_list_empty());
}

TEST_CASE("Q6 (dmafree): scsi_dmafree also runs the SCSA callbacks, NULL_FUNC queues nothing") {
    kernel_config cfg;
    cfg.copybuf_space = 0;
    fixture f(cfg);
    ddi_dma_attr_t a = attr_sgllen(-1);
    a.dma_attr_addr_hi = 0xFFFFFFFF;
    fw_hba hba(f.k, f.hba_dip, a);
    scsi_device* sd = f.target();
    buf_t hi = f.pageio({0x100000000ull}, 0, 0x1000);
    CHECK(scsi_init_pkt(&sd->sd_address, nullptr, &hi, CDB_GROUP1, 1, 0, 0, NULL_FUNC, nullptr) == nullptr);
    CHECK(f.scsa_list_empty());
    CHECK(scsi_init_pkt(&sd->sd_address, nullptr, &hi, CDB_GROUP1, 1, 0, 0, target_cb, nullptr) == nullptr);
    CHECK_FALSE(f.scsa_list_empty());
    buf_t lo = f.pageio({0x20000}, 0, 0x1000);
    scsi_pkt* p = scsi_init_pkt(&sd->sd_address, nullptr, &lo, CDB_GROUP1, 1, 0, 0, NULL_FUNC, nullptr);
    REQUIRE(p != nullptr);
    REQUIRE(p->pkt_numcookies == 1);
    scsi_dmafree(p);
    CHECK(p->pkt_numcookies == 0);
    CHECK(ddi_dma_ncookies(p->pkt_handle) == 0);
    f.k.run_softints();
    CHECK(cb_calls == 1);
    scsi_destroy_pkt(p);
}

namespace {
// One page above 4 GiB read or written through a copy buffer (addr_hi 4 GiB - 1).
struct copybuf_setup {
    fixture f;
    ddi_dma_attr_t a;
    fw_hba hba;
    scsi_device* sd;
    static constexpr std::uint64_t page = 0x100000000ull;
    copybuf_setup() : a(hi_attr()), hba(f.k, f.hba_dip, a), sd(f.target()) {}
    static ddi_dma_attr_t hi_attr() {
        ddi_dma_attr_t x = attr_sgllen(-1);
        x.dma_attr_addr_hi = 0xFFFFFFFF;
        return x;
    }
};
} // namespace

TEST_CASE("Q7: scsi_sync_pkt on a READ packet syncs its window for the CPU, only with STATE_XFERRED_DATA") {
    copybuf_setup s;
    auto& f = s.f;
    buf_t b = f.pageio({s.page}, 0, 0x1000, true);
    std::uint8_t* mem = f.k.phys_ptr(s.page, 0x1000);
    REQUIRE(mem != nullptr);
    std::memset(mem, 0x11, 0x1000);
    scsi_pkt* p = scsi_init_pkt(&s.sd->sd_address, nullptr, &b, CDB_GROUP1, 1, 0, 0, NULL_FUNC, nullptr);
    REQUIRE(p != nullptr);
    REQUIRE(p->pkt_numcookies == 1);
    REQUIRE((p->pkt_cookies[0].dmac_type & 0x80000000u) != 0); // copy-buffer cookie
    std::uint8_t* cb = f.k.phys_ptr(p->pkt_cookies[0].dmac_laddress, 0x1000);
    REQUIRE(cb != nullptr);
    std::memset(cb, 0xAB, 0x1000); // the device's DMA lands in the copy page
    scsi_sync_pkt(p);              // no data transferred yet: nothing happens
    CHECK(mem[0] == 0x11);
    p->pkt_state |= STATE_XFERRED_DATA;
    scsi_sync_pkt(p); // ddi_dma_sync(handle, 0, 0x1000, FORCPU)
    CHECK(mem[0] == 0xAB);
    CHECK(mem[0xFFF] == 0xAB);
    scsi_destroy_pkt(p);
}

TEST_CASE("Q7 (write): scsi_sync_pkt on a WRITE packet syncs for the device") {
    copybuf_setup s;
    auto& f = s.f;
    buf_t b = f.pageio({s.page}, 0, 0x1000, false);
    std::uint8_t* mem = f.k.phys_ptr(s.page, 0x1000);
    std::memset(mem, 0x22, 0x1000);
    scsi_pkt* p = scsi_init_pkt(&s.sd->sd_address, nullptr, &b, CDB_GROUP1, 1, 0, 0, NULL_FUNC, nullptr);
    REQUIRE(p != nullptr);
    CHECK(p->pkt_dma_flags == DDI_DMA_WRITE);
    std::uint8_t* cb = f.k.phys_ptr(p->pkt_cookies[0].dmac_laddress, 0x1000);
    CHECK(cb[0] == 0x22); // the bind copied the data for the device
    std::memset(mem, 0x33, 0x1000);
    p->pkt_state |= STATE_XFERRED_DATA;
    scsi_sync_pkt(p);
    CHECK(cb[0] == 0x33);
    scsi_destroy_pkt(p);
}
