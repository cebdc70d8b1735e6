// The HBA side: an HBA with its own tran_init_pkt (spec §7.3) walking
// windows, the obsolete resource functions' arguments (spec §6), the
// framework's packet cache and areas (spec §7.2), scsi_hba_pkt_alloc, and
// target nodes.
#include "scsa_test_util.h"

using namespace sct;

TEST_CASE("§7.3: an HBA with its own tran_init_pkt walks the windows through scsi_init_pkt re-calls") {
    fixture f;
    own_hba hba(f.k, f.hba_dip, attr_sgllen(2));
    scsi_device* sd = f.target();
    buf_t b = f.pageio(q1_pages(), 0, 0x5000);
    scsi_pkt* p = scsi_init_pkt(&sd->sd_address, nullptr, &b, CDB_GROUP1, 1, 0, PKT_DMA_PARTIAL, NULL_FUNC, nullptr);
    REQUIRE(p != nullptr);
    CHECK(hba.last_callback == NULL_FUNC);
    CHECK(hba.last_arg == nullptr);
    CHECK(p->pkt_cdbp != nullptr);
    CHECK(p->pkt_cdblen == CDB_GROUP1);
    own_cmd* c = own_hba::cmd(p);
    std::vector<std::uint64_t> seen;
    std::vector<ssize_t> resid;
    for (;;) {
        for (uint_t i = 0; i < c->nsgl; ++i) seen.push_back(c->sgl[i].dmac_laddress);
        resid.push_back(p->pkt_resid);
        if (p->pkt_resid == 0) break;
        REQUIRE(scsi_init_pkt(&sd->sd_address, p, &b, 0, 0, 0, 0, NULL_FUNC, nullptr) == p);
    }
    CHECK(seen == q1_pages());
    CHECK(resid == std::vector<ssize_t>{0x3000, 0x1000, 0});
    scsi_destroy_pkt(p);
    CHECK(hba.destroy_calls == 1);
    CHECK(ddisim::scsa::live_packets(f.k) == 0);
    CHECK(ddisim::ddi::checker::live_handles(f.k) == 0);
}

TEST_CASE("§7.3: scsi_dmafree unbinds, scsi_dmaget binds the packet to another buf") {
    fixture f;
    own_hba hba(f.k, f.hba_dip, attr_sgllen(-1));
    scsi_device* sd = f.target();
    buf_t b1 = f.pageio({0x40000}, 0x100, 0x800);
    buf_t b2 = f.pageio({0x50000, 0x70000}, 0, 0x2000, false);
    scsi_pkt* p = scsi_init_pkt(&sd->sd_address, nullptr, &b1, CDB_GROUP1, 1, 0, 0, SLEEP_FUNC, nullptr);
    REQUIRE(p != nullptr);
    CHECK(hba.last_callback == SLEEP_FUNC);
    CHECK(own_hba::cmd(p)->sgl[0].dmac_laddress == 0x40100);
    scsi_dmafree(p);
    CHECK(hba.dmafree_calls == 1);
    CHECK(ddi_dma_ncookies(own_hba::cmd(p)->handle) == 0);
    CHECK(scsi_dmaget(p, &b2, NULL_FUNC) == p);
    CHECK(hba.last_in_pkt == p);
    CHECK(hba.last_bp == &b2);
    CHECK(hba.last_cmdlen == 0);
    CHECK(hba.last_statuslen == 0);
    CHECK(own_hba::cmd(p)->nsgl == 2);
    CHECK(own_hba::cmd(p)->sgl[1].dmac_laddress == 0x70000);
    p->pkt_state = STATE_XFERRED_DATA;
    scsi_sync_pkt(p);
    CHECK(hba.sync_calls == 1);
    scsi_pktfree(p); // == scsi_resfree
    CHECK(hba.destroy_calls == 1);
    CHECK(ddisim::scsa::live_packets(f.k) == 0);
}

TEST_CASE("§6: scsi_resalloc / scsi_pktalloc / scsi_dmaget pass the spec's arguments and queue callbacks with a NULL arg") {
    fixture f;
    own_hba hba(f.k, f.hba_dip, attr_sgllen(-1));
    scsi_device* sd = f.target();
    buf_t b = f.pageio({0x40000}, 0, 0x1000);
    scsi_pkt* p = scsi_resalloc(&sd->sd_address, CDB_GROUP0, 1, &b, target_cb);
    REQUIRE(p != nullptr);
    CHECK(hba.last_in_pkt == nullptr);
    CHECK(hba.last_bp == &b);
    CHECK(hba.last_cmdlen == CDB_GROUP0);
    CHECK(hba.last_statuslen == 1);
    CHECK(hba.last_tgtlen == 0);
    CHECK(hba.last_flags == 0);
    CHECK(hba.last_callback == NULL_FUNC); // a real callback is never passed down
    scsi_resfree(p);
    scsi_pkt* q = scsi_pktalloc(&sd->sd_address, CDB_GROUP1, 1, SLEEP_FUNC);
    REQUIRE(q != nullptr);
    CHECK(hba.last_bp == nullptr);
    CHECK(hba.last_callback == SLEEP_FUNC);
    CHECK(q->pkt_resid == 0);
    hba.fail_init = true;
    int marker = 0;
    CHECK(scsi_resalloc(&sd->sd_address, CDB_GROUP0, 1, &b, target_cb) == nullptr);
    CHECK(scsi_pktalloc(&sd->sd_address, CDB_GROUP0, 1, target_cb) == nullptr);
    CHECK(scsi_dmaget(q, &b, target_cb) == nullptr);
    CHECK(scsi_init_pkt(&sd->sd_address, nullptr, &b, CDB_GROUP0, 1, 0, 0, target_cb,
                        reinterpret_cast<caddr_t>(&marker)) == nullptr);
    CHECK(scsi_pktalloc(&sd->sd_address, CDB_GROUP0, 1, NULL_FUNC) == nullptr);
    CHECK(scsi_pktalloc(&sd->sd_address, CDB_GROUP0, 1, SLEEP_FUNC) == nullptr);
    // (target_cb, NULL) three times merged, (target_cb, &marker) once
    auto* l = reinterpret_cast<ddisim::ddi::callback_list*>(scsi_callback_id);
    REQUIRE(l != nullptr);
    REQUIRE(l->entries.size() == 2);
    CHECK(l->entries[0].arg == nullptr);
    CHECK(l->entries[0].count == 3);
    CHECK(l->entries[1].arg == reinterpret_cast<caddr_t>(&marker));
    hba.fail_init = false;
    scsi_resfree(q); // runs them (soft interrupt)
    CHECK(cb_calls == 0);
    f.k.run_softints();
    CHECK(cb_calls == 4);
    CHECK(l->entries.empty());
}

TEST_CASE("scsi_init_pkt: PKT_CONSISTENT_OLD becomes PKT_CONSISTENT (x86)") {
    fixture f;
    own_hba hba(f.k, f.hba_dip, attr_sgllen(-1));
    scsi_device* sd = f.target();
    scsi_pkt* p = scsi_init_pkt(&sd->sd_address, nullptr, nullptr, CDB_GROUP0, 1, 0,
                                PKT_CONSISTENT_OLD | PKT_DMA_PARTIAL, NULL_FUNC, nullptr);
    REQUIRE(p != nullptr);
    CHECK(hba.last_flags == (PKT_CONSISTENT | PKT_DMA_PARTIAL));
    scsi_destroy_pkt(p);
}

TEST_CASE("framework: scsi_hba_attach_setup installs the framework's functions and copies the attributes") {
    fixture f;
    ddi_dma_attr_t a = attr_sgllen(7);
    fw_hba hba(f.k, f.hba_dip, a);
    CHECK(hba.tran->tran_hba_dip == f.hba_dip);
    CHECK(hba.tran->tran_dma_attr.dma_attr_sgllen == 7);
    CHECK(hba.tran->tran_init_pkt == ddisim::scsa::scsi_init_cache_pkt);
    CHECK(hba.tran->tran_destroy_pkt == ddisim::scsa::scsi_free_cache_pkt);
    CHECK(hba.tran->tran_sync_pkt == ddisim::scsa::scsi_sync_cache_pkt);
    CHECK(hba.tran->tran_dmafree == ddisim::scsa::scsi_cache_dmafree);
    CHECK(hba.tran->tran_pkt_cache_ptr != nullptr);
    CHECK((hba.tran->tran_hba_flags & SCSI_HBA_TRAN_CDB) != 0);
    CHECK(scsi_hba_tran_of(f.hba_dip) == hba.tran);
    // a second attach on the node and a framework HBA without teardown are refused
    scsi_hba_tran_t* t2 = scsi_hba_tran_alloc(f.hba_dip, 0);
    CHECK(scsi_hba_attach_setup(f.hba_dip, &a, t2, 0) == DDI_FAILURE);
    dev_info* other = f.k.create_dev_info("testhba", 1);
    t2->tran_setup_pkt = fw_hba::setup;
    CHECK(scsi_hba_attach_setup(other, &a, t2, 0) == DDI_FAILURE);
    scsi_hba_tran_free(t2);
}

TEST_CASE("framework: the cache constructs a packet once and reuses it, detach runs the destructor") {
    fixture f;
    fw_hba hba(f.k, f.hba_dip, attr_sgllen(-1));
    scsi_device* sd = f.target();
    scsi_pkt* p = scsi_init_pkt(&sd->sd_address, nullptr, nullptr, CDB_GROUP1, 1, 0, 0, NULL_FUNC, nullptr);
    REQUIRE(p != nullptr);
    ddi_dma_handle_t h = p->pkt_handle;
    CHECK(h != nullptr);
    CHECK(p->pkt_ha_private != nullptr);
    CHECK(hba.ctor_calls == 1);
    CHECK(ddisim::ddi::checker::live_handles(f.k) == 1);
    scsi_destroy_pkt(p);
    scsi_pkt* q = scsi_init_pkt(&sd->sd_address, nullptr, nullptr, CDB_GROUP1, 1, 0, 0, NULL_FUNC, nullptr);
    CHECK(q == p);
    CHECK(q->pkt_handle == h);
    CHECK(hba.ctor_calls == 1);
    CHECK(hba.setup_calls == 2);
    scsi_pkt* r = scsi_init_pkt(&sd->sd_address, nullptr, nullptr, CDB_GROUP1, 1, 0, 0, NULL_FUNC, nullptr);
    CHECK(r != q);
    CHECK(hba.ctor_calls == 2);
    CHECK(scsi_hba_detach(f.hba_dip) == DDI_FAILURE); // target and packets still there
    scsi_destroy_pkt(q);
    scsi_destroy_pkt(r);
    CHECK(hba.teardown_calls == 3);
    scsi_hba_target_destroy(sd);
    CHECK(scsi_hba_detach(f.hba_dip) == DDI_SUCCESS);
    CHECK(hba.dtor_calls == 2);
    CHECK(ddisim::ddi::checker::live_handles(f.k) == 0);
    scsi_hba_tran_free(hba.tran);
}

TEST_CASE("framework: CDB, status and private areas — defaults in the packet, larger ones allocated, all zeroed") {
    fixture f;
    fw_hba hba(f.k, f.hba_dip, attr_sgllen(-1));
    scsi_device* sd = f.target();
    scsi_pkt* p = scsi_init_pkt(&sd->sd_address, nullptr, nullptr, CDB_GROUP1, DEFAULT_SCBLEN, 0, 0, NULL_FUNC,
                                nullptr);
    REQUIRE(p != nullptr);
    uchar_t* dflt_cdb = p->pkt_cdbp;
    uchar_t* dflt_scb = p->pkt_scbp;
    CHECK(dflt_cdb != nullptr);
    CHECK(dflt_scb != nullptr);
    CHECK(p->pkt_private == nullptr);
    std::memset(p->pkt_cdbp, 0xEE, CDB_GROUP1);
    std::memset(p->pkt_scbp, 0xEE, DEFAULT_SCBLEN);
    scsi_destroy_pkt(p);
    scsi_pkt* q = scsi_init_pkt(&sd->sd_address, nullptr, nullptr, 32, DEFAULT_SCBLEN + 64, 24,
                                PKT_XARQ, NULL_FUNC, nullptr);
    REQUIRE(q == p);
    CHECK(q->pkt_cdbp != dflt_cdb); // 32-byte CDB: its own allocation
    CHECK(q->pkt_scbp != dflt_scb);
    CHECK(q->pkt_private != nullptr);
    CHECK(q->pkt_cdblen == 32);
    CHECK(q->pkt_scblen == static_cast<uint_t>(DEFAULT_SCBLEN + 64));
    CHECK(q->pkt_tgtlen == 24);
    CHECK(q->pkt_cdbp[31] == 0);
    CHECK(q->pkt_scbp[DEFAULT_SCBLEN + 63] == 0);
    scsi_destroy_pkt(q);
    scsi_pkt* r = scsi_init_pkt(&sd->sd_address, nullptr, nullptr, CDB_GROUP1, DEFAULT_SCBLEN, 0, 0, NULL_FUNC,
                                nullptr);
    REQUIRE(r == p);
    CHECK(r->pkt_cdbp == dflt_cdb); // back to the packet's own areas, zeroed
    CHECK(r->pkt_scbp == dflt_scb);
    CHECK(r->pkt_cdbp[0] == 0);
    CHECK(r->pkt_scbp[0] == 0);
    scsi_destroy_pkt(r);
}

TEST_CASE("framework: a granularity change re-allocates pkt_handle with the current attributes") {
    fixture f;
    fw_hba hba(f.k, f.hba_dip, attr_sgllen(-1));
    scsi_device* sd = f.target();
    scsi_pkt* p = scsi_init_pkt(&sd->sd_address, nullptr, nullptr, CDB_GROUP1, 1, 0, 0, NULL_FUNC, nullptr);
    REQUIRE(p != nullptr);
    hba.tran->tran_dma_attr.dma_attr_granular = 512; // e.g. setcap "sector-size"
    ddi_dma_attr_t now{};
    buf_t b = f.pageio({0x40000}, 0, 0x1000);
    REQUIRE(scsi_init_pkt(&sd->sd_address, p, &b, 0, 0, 0, 0, NULL_FUNC, nullptr) == p);
    REQUIRE(ddi_dma_get_attr(p->pkt_handle, &now) == DDI_SUCCESS);
    CHECK(now.dma_attr_granular == 512);
    CHECK(ddisim::ddi::checker::live_handles(f.k) == 1);
    scsi_destroy_pkt(p);
}

TEST_CASE("framework: tran_setup_pkt failure returns NULL, a failed bind gives its new packet back") {
    fixture f;
    fw_hba hba(f.k, f.hba_dip, attr_sgllen(2));
    scsi_device* sd = f.target();
    hba.setup_result = -1;
    CHECK(scsi_init_pkt(&sd->sd_address, nullptr, nullptr, CDB_GROUP1, 1, 0, 0, target_cb, nullptr) == nullptr);
    CHECK(ddisim::scsa::live_packets(f.k) == 0);
    CHECK(hba.teardown_calls == 0);
    CHECK_FALSE(f.scsa_list_empty()); // the target's callback waits for a free
    hba.setup_result = 0;
    buf_t b = f.pageio(q1_pages(), 0, 0x5000);
    for (int i = 0; i < 3; ++i) // TOOBIG three times: no packet is lost
        CHECK(scsi_init_pkt(&sd->sd_address, nullptr, &b, CDB_GROUP1, 1, 0, 0, NULL_FUNC, nullptr) == nullptr);
    CHECK(ddisim::scsa::live_packets(f.k) == 0);
    CHECK(hba.ctor_calls == 1);
}

TEST_CASE("framework: scsi_dmafree then scsi_init_pkt with a new buf binds again from window 0") {
    fixture f;
    fw_hba hba(f.k, f.hba_dip, attr_sgllen(2));
    scsi_device* sd = f.target();
    buf_t b = f.pageio(q1_pages(), 0, 0x5000);
    scsi_pkt* p = scsi_init_pkt(&sd->sd_address, nullptr, &b, CDB_GROUP1, 1, 0, PKT_DMA_PARTIAL, NULL_FUNC, nullptr);
    REQUIRE(p != nullptr);
    REQUIRE(scsi_init_pkt(&sd->sd_address, p, &b, 0, 0, 0, 0, NULL_FUNC, nullptr) == p);
    REQUIRE(p->pkt_dma_offset == 0x2000);
    scsi_dmafree(p);
    CHECK(p->pkt_numcookies == 0);
    buf_t w = f.pageio({0x60000}, 0, 0x1000, false);
    REQUIRE(scsi_init_pkt(&sd->sd_address, p, &w, 0, 0, 0, 0, NULL_FUNC, nullptr) == p);
    CHECK(p->pkt_dma_offset == 0);
    CHECK(p->pkt_dma_flags == DDI_DMA_WRITE);
    CHECK(pkt_cookies(p) == std::vector<cookie>{{0x60000, 0x1000}});
    CHECK(p->pkt_resid == 0);
    scsi_destroy_pkt(p);
}

TEST_CASE("packet limit: a NULL_FUNC allocation fails, SLEEP_FUNC still gets a packet") {
    fixture f;
    fw_hba hba(f.k, f.hba_dip, attr_sgllen(-1));
    scsi_device* sd = f.target();
    ddisim::scsa::config(f.k).pkt_limit = 1;
    scsi_pkt* p = scsi_init_pkt(&sd->sd_address, nullptr, nullptr, CDB_GROUP1, 1, 0, 0, NULL_FUNC, nullptr);
    REQUIRE(p != nullptr);
    CHECK(scsi_init_pkt(&sd->sd_address, nullptr, nullptr, CDB_GROUP1, 1, 0, 0, target_cb, nullptr) == nullptr);
    scsi_pkt* q = scsi_init_pkt(&sd->sd_address, nullptr, nullptr, CDB_GROUP1, 1, 0, 0, SLEEP_FUNC, nullptr);
    CHECK(q != nullptr);
    scsi_destroy_pkt(q);
    scsi_destroy_pkt(p);
    f.k.run_softints();
    CHECK(cb_calls == 1);
}

TEST_CASE("scsi_hba_pkt_alloc: one zeroed allocation with HBA, CDB, status and target areas") {
    fixture f;
    own_hba hba(f.k, f.hba_dip, attr_sgllen(-1));
    scsi_device* sd = f.target(3, 1);
    scsi_pkt* p = scsi_hba_pkt_alloc(f.hba_dip, &sd->sd_address, CDB_GROUP1, 1, 12, 40, NULL_FUNC, nullptr);
    REQUIRE(p != nullptr);
    auto* ha = static_cast<uchar_t*>(p->pkt_ha_private);
    auto* tg = static_cast<uchar_t*>(p->pkt_private);
    REQUIRE(ha != nullptr);
    REQUIRE(tg != nullptr);
    // areas in order, 8-byte rounded, not overlapping
    CHECK(p->pkt_cdbp == ha + 40);
    CHECK(p->pkt_scbp == p->pkt_cdbp + 16);
    CHECK(tg == p->pkt_scbp + 8);
    CHECK(p->pkt_cdblen == CDB_GROUP1);
    CHECK(p->pkt_scblen == 1);
    CHECK(p->pkt_tgtlen == 12);
    CHECK(p->pkt_address.a_target == 3);
    CHECK(p->pkt_address.a_lun == 1);
    CHECK(p->pkt_address.a_hba_tran == hba.tran);
    CHECK(p->pkt_comp == nullptr);
    CHECK(p->pkt_handle == nullptr);
    CHECK(ha[39] == 0);
    CHECK(tg[11] == 0);
    CHECK(ddisim::scsa::live_packets(f.k) == 1);
    scsi_pkt* z = scsi_hba_pkt_alloc(f.hba_dip, &sd->sd_address, 0, 0, 0, 0, SLEEP_FUNC, nullptr);
    REQUIRE(z != nullptr);
    CHECK(z->pkt_cdbp == nullptr);
    CHECK(z->pkt_ha_private == nullptr);
    scsi_hba_pkt_free(&sd->sd_address, z);
    scsi_hba_pkt_free(&sd->sd_address, p);
    CHECK(ddisim::scsa::live_packets(f.k) == 0);
}

namespace {
int tgt_init_calls = 0, tgt_free_calls = 0, tgt_init_result = DDI_SUCCESS;
dev_info_t* tgt_init_dip = nullptr;
int tgt_init(dev_info_t*, dev_info_t* tgt, scsi_hba_tran_t*, scsi_device* sd) {
    ++tgt_init_calls;
    tgt_init_dip = tgt;
    scsi_device_hba_private_set(sd, reinterpret_cast<void*>(0x1234));
    return tgt_init_result;
}
void tgt_free(dev_info_t*, dev_info_t*, scsi_hba_tran_t*, scsi_device*) { ++tgt_free_calls; }
} // namespace

TEST_CASE("targets: scsi_hba_target_create makes the node and its scsi_device and calls tran_tgt_init") {
    fixture f;
    scsi_device* none = nullptr;
    CHECK(scsi_hba_target_create(f.hba_dip, "sd", 0, 0, &none) == DDI_FAILURE); // no HBA yet
    own_hba hba(f.k, f.hba_dip, attr_sgllen(-1));
    tgt_init_calls = tgt_free_calls = 0;
    tgt_init_result = DDI_SUCCESS;
    hba.tran->tran_tgt_init = tgt_init;
    hba.tran->tran_tgt_free = tgt_free;
    scsi_device* sd = nullptr;
    REQUIRE(scsi_hba_target_create(f.hba_dip, "sd", 5, 2, &sd) == DDI_SUCCESS);
    CHECK(tgt_init_calls == 1);
    CHECK(sd->sd_dev == tgt_init_dip);
    CHECK(sd->sd_address.a_hba_tran == hba.tran);
    CHECK(sd->sd_address.a_target == 5);
    CHECK(sd->sd_address.a_lun == 2);
    CHECK(scsi_device_of(sd->sd_dev) == sd);
    CHECK(scsi_device_of(f.hba_dip) == nullptr);
    CHECK(scsi_device_hba_private_get(sd) == reinterpret_cast<void*>(0x1234));
    CHECK(scsi_address_device(&sd->sd_address) == nullptr); // SPI form
    CHECK(std::string(ddi_node_name(sd->sd_dev)) == "sd");
    scsi_device* dup = nullptr;
    CHECK(scsi_hba_target_create(f.hba_dip, "sd", 5, 2, &dup) == DDI_FAILURE);
    CHECK(scsi_hba_target_create(f.hba_dip, "sd", 5, 256, &dup) == DDI_FAILURE);
    tgt_init_result = DDI_FAILURE;
    CHECK(scsi_hba_target_create(f.hba_dip, "sd", 6, 0, &dup) == DDI_FAILURE);
    scsi_hba_target_destroy(sd);
    CHECK(tgt_free_calls == 1);
}

TEST_CASE("targets: with SCSI_HBA_ADDR_COMPLEX the address carries the scsi_device") {
    fixture f;
    scsi_hba_tran_t* tran = scsi_hba_tran_alloc(f.hba_dip, 0);
    tran->tran_start = [](scsi_address*, scsi_pkt*) { return TRAN_ACCEPT; };
    ddi_dma_attr_t a = attr_sgllen(-1);
    REQUIRE(scsi_hba_attach_setup(f.hba_dip, &a, tran, SCSI_HBA_ADDR_COMPLEX) == DDI_SUCCESS);
    scsi_device* sd = nullptr;
    REQUIRE(scsi_hba_target_create(f.hba_dip, "sd", 9, 0, &sd) == DDI_SUCCESS);
    CHECK(scsi_address_device(&sd->sd_address) == sd);
    scsi_hba_target_destroy(sd);
    CHECK(scsi_hba_detach(f.hba_dip) == DDI_SUCCESS);
    scsi_hba_tran_free(tran);
}
