// scsi_transport and completion: ordinary packets go to tran_start and
// complete through scsi_hba_pkt_comp from the HBA's interrupt; FLAG_NOINTR
// packets are complete when scsi_transport returns (illumos
// scsi_transport.c); PKT_CONSISTENT reads are synced before pkt_comp.
#include "scsa_test_util.h"

using namespace sct;

namespace {
int comp_calls = 0;
std::uint8_t comp_saw = 0;
std::uint8_t* comp_watch = nullptr;
void target_comp(scsi_pkt*) {
    ++comp_calls;
    if (comp_watch) comp_saw = comp_watch[0];
}
struct transport_setup {
    fixture f;
    fw_hba hba;
    scsi_device* sd;
    transport_setup() : hba(f.k, f.hba_dip, attr_sgllen(-1)), sd(f.target()) {
        comp_calls = 0;
        comp_watch = nullptr;
    }
    scsi_pkt* pkt() {
        scsi_pkt* p = scsi_init_pkt(&sd->sd_address, nullptr, nullptr, CDB_GROUP0, 1, 0, 0, NULL_FUNC, nullptr);
        REQUIRE(p != nullptr);
        p->pkt_cdbp[0] = SCMD_TEST_UNIT_READY;
        p->pkt_comp = target_comp;
        return p;
    }
};
} // namespace

TEST_CASE("transport: a packet goes to tran_start, the HBA completes it later from its interrupt") {
    transport_setup s;
    s.hba.complete_by_interrupt = true;
    scsi_pkt* p = s.pkt();
    CHECK(scsi_transport(p) == TRAN_ACCEPT);
    CHECK(s.hba.start_calls == 1);
    CHECK(comp_calls == 0); // not yet: the interrupt comes later
    CHECK(s.f.k.run_softints() == 1);
    CHECK(comp_calls == 1);
    CHECK(p->pkt_reason == CMD_CMPLT);
    CHECK(p->pkt_scbp[0] == STATUS_GOOD);
    scsi_destroy_pkt(p);
}

TEST_CASE("transport: TRAN_BUSY from tran_start is returned as is, no completion") {
    transport_setup s;
    s.hba.start_result = TRAN_BUSY;
    scsi_pkt* p = s.pkt();
    CHECK(scsi_transport(p) == TRAN_BUSY);
    s.f.k.run_softints();
    CHECK(comp_calls == 0);
    scsi_destroy_pkt(p);
}

TEST_CASE("transport: FLAG_NOINTR from a thread completes before scsi_transport returns, without pkt_comp") {
    transport_setup s;
    s.hba.complete_by_interrupt = true;
    scsi_pkt* p = s.pkt();
    p->pkt_flags = FLAG_NOINTR | FLAG_STAG;
    CHECK(scsi_transport(p) == TRAN_ACCEPT);
    // the HBA saw an interrupt-driven packet with an immediate callback ...
    CHECK((s.hba.start_flags & FLAG_NOINTR) == 0);
    CHECK((s.hba.start_flags & FLAG_IMMEDIATE_CB) != 0);
    // ... and SCSA waited for its completion interrupt
    CHECK(s.f.k.pending_softints() == 0);
    CHECK(p->pkt_reason == CMD_CMPLT);
    CHECK((p->pkt_state & STATE_GOT_STATUS) != 0);
    CHECK(comp_calls == 0);               // the target's routine is not called
    CHECK(p->pkt_comp == target_comp);    // and is given back
    CHECK(p->pkt_flags == (FLAG_NOINTR | FLAG_STAG));
    scsi_destroy_pkt(p);
}

TEST_CASE("transport: FLAG_NOINTR in interrupt context goes to tran_start as is (the HBA polls)") {
    transport_setup s;
    scsi_pkt* p = s.pkt();
    p->pkt_flags = FLAG_NOINTR;
    {
        ddisim::scsa::interrupt_scope in_intr(s.f.k);
        CHECK(scsi_transport(p) == TRAN_ACCEPT);
    }
    CHECK((s.hba.start_flags & FLAG_NOINTR) != 0);
    CHECK(p->pkt_reason == CMD_CMPLT); // the double polls FLAG_NOINTR packets itself
    CHECK(comp_calls == 0);
    scsi_destroy_pkt(p);
}

TEST_CASE("transport: a FLAG_NOINTR packet that never completes gives TRAN_FATAL_ERROR, flags restored") {
    transport_setup s;
    s.hba.complete_by_interrupt = true;
    s.hba.never_complete = true;
    scsi_pkt* p = s.pkt();
    p->pkt_flags = FLAG_NOINTR;
    CHECK(scsi_transport(p) == TRAN_FATAL_ERROR);
    CHECK(s.f.has_diag("scsa-nointr-stuck"));
    CHECK(p->pkt_flags == FLAG_NOINTR);
    CHECK(p->pkt_comp == target_comp);
    scsi_destroy_pkt(p);
}

TEST_CASE("transport: the wait hook is what a FLAG_NOINTR thread waits with") {
    transport_setup s;
    s.hba.complete_by_interrupt = true;
    int waits = 0;
    ddisim::scsa::config(s.f.k).wait = [&] {
        ++waits;
        return s.f.k.run_softints() > 0;
    };
    scsi_pkt* p = s.pkt();
    p->pkt_flags = FLAG_NOINTR;
    CHECK(scsi_transport(p) == TRAN_ACCEPT);
    CHECK(waits == 1); // one completion interrupt to wait for
    scsi_destroy_pkt(p);
}

TEST_CASE("transport: FLAG_NOINTR with TRAN_BUSY returns TRAN_BUSY without waiting") {
    transport_setup s;
    s.hba.start_result = TRAN_BUSY;
    scsi_pkt* p = s.pkt();
    p->pkt_flags = FLAG_NOINTR;
    CHECK(scsi_transport(p) == TRAN_BUSY);
    CHECK(p->pkt_flags == FLAG_NOINTR);
    CHECK(p->pkt_comp == target_comp);
    CHECK_FALSE(s.f.has_diag("scsa-nointr-stuck"));
    scsi_destroy_pkt(p);
}

TEST_CASE("completion: a PKT_CONSISTENT read of a framework packet is synced before pkt_comp") {
    fixture f;
    ddi_dma_attr_t a = attr_sgllen(-1);
    a.dma_attr_addr_hi = 0xFFFFFFFF; // the page above 4 GiB goes through a copy buffer
    fw_hba hba(f.k, f.hba_dip, a);
    hba.complete_by_interrupt = true;
    scsi_device* sd = f.target();
    comp_calls = 0;
    const std::uint64_t page = 0x100000000ull;
    buf_t b = f.pageio({page}, 0, 0x1000, true);
    std::uint8_t* mem = f.k.phys_ptr(page, 0x1000);
    std::memset(mem, 0x11, 0x1000);
    scsi_pkt* p = scsi_init_pkt(&sd->sd_address, nullptr, &b, CDB_GROUP1, 1, 0, PKT_CONSISTENT, NULL_FUNC, nullptr);
    REQUIRE(p != nullptr);
    CHECK(p->pkt_dma_flags == (DDI_DMA_READ | DDI_DMA_CONSISTENT));
    std::memset(f.k.phys_ptr(p->pkt_cookies[0].dmac_laddress, 0x1000), 0x5A, 0x1000); // device data
    comp_watch = mem;
    p->pkt_comp = target_comp;
    REQUIRE(scsi_transport(p) == TRAN_ACCEPT);
    f.k.run_softints();
    CHECK(comp_calls == 1);
    CHECK(comp_saw == 0x5A); // pkt_comp already sees the device's data
    comp_watch = nullptr;
    scsi_destroy_pkt(p);
}

TEST_CASE("completion: without PKT_CONSISTENT the target syncs itself (pkt_comp sees the old data)") {
    fixture f;
    ddi_dma_attr_t a = attr_sgllen(-1);
    a.dma_attr_addr_hi = 0xFFFFFFFF;
    fw_hba hba(f.k, f.hba_dip, a);
    hba.complete_by_interrupt = true;
    scsi_device* sd = f.target();
    comp_calls = 0;
    const std::uint64_t page = 0x100000000ull;
    buf_t b = f.pageio({page}, 0, 0x1000, true);
    std::uint8_t* mem = f.k.phys_ptr(page, 0x1000);
    std::memset(mem, 0x11, 0x1000);
    scsi_pkt* p = scsi_init_pkt(&sd->sd_address, nullptr, &b, CDB_GROUP1, 1, 0, 0, NULL_FUNC, nullptr);
    REQUIRE(p != nullptr);
    std::memset(f.k.phys_ptr(p->pkt_cookies[0].dmac_laddress, 0x1000), 0x5A, 0x1000);
    comp_watch = mem;
    p->pkt_comp = target_comp;
    REQUIRE(scsi_transport(p) == TRAN_ACCEPT);
    f.k.run_softints();
    CHECK(comp_calls == 1);
    CHECK(comp_saw == 0x11);
    comp_watch = nullptr;
    scsi_sync_pkt(p); // STATE_XFERRED_DATA was set by the HBA
    CHECK(mem[0] == 0x5A);
    scsi_destroy_pkt(p);
}

namespace {
// A platform whose sleeping thread lets "the interrupt thread" run meanwhile:
// sleep() delivers the pending completion interrupts, then returns as woken.
struct sleeping_port : ddisim::kernel::platform_port {
    kernel_context* k = nullptr;
    int sleeps = 0, wakeups = 0;
    const void* slept_on = nullptr;
    const void* woken = nullptr;
    void charge_cpu(std::uint64_t) override {}
    void bus_read(std::uint64_t, void*, std::size_t) override {}
    void bus_write(std::uint64_t, const void*, std::size_t) override {}
    ddisim::kernel::iommu_map_ops* iommu() override { return nullptr; }
    bool sleep(const void* chan, std::uint64_t) override {
        ++sleeps;
        slept_on = chan;
        k->run_softints();
        return true;
    }
    void wakeup(const void* chan, bool) override {
        ++wakeups;
        woken = chan;
    }
};
} // namespace

TEST_CASE("transport: with a platform a FLAG_NOINTR thread sleeps on a condition variable its completion wakes") {
    transport_setup s;
    sleeping_port port;
    port.k = &s.f.k;
    s.f.k.set_platform(&port);
    s.hba.complete_by_interrupt = true;
    scsi_pkt* p = s.pkt();
    p->pkt_flags = FLAG_NOINTR;
    CHECK(scsi_transport(p) == TRAN_ACCEPT);
    CHECK(port.sleeps == 1);
    CHECK(port.wakeups == 1); // the completion woke the sleeper ...
    CHECK(port.woken == port.slept_on); // ... on the channel it slept on
    CHECK(p->pkt_reason == CMD_CMPLT);
    CHECK(comp_calls == 0);
    scsi_destroy_pkt(p);
    s.f.k.set_platform(nullptr);
}

namespace {
int poll_busy_left = 0;
uchar_t poll_status = STATUS_GOOD;
int poll_starts = 0;
uint_t poll_flags_seen = 0;
int polling_start(scsi_address*, scsi_pkt* pkt) {
    ++poll_starts;
    poll_flags_seen = pkt->pkt_flags;
    if (poll_busy_left > 0) {
        --poll_busy_left;
        return TRAN_BUSY;
    }
    pkt->pkt_reason = CMD_CMPLT;
    pkt->pkt_state = STATE_GOT_BUS | STATE_GOT_TARGET | STATE_SENT_CMD | STATE_GOT_STATUS;
    pkt->pkt_scbp[0] = poll_status;
    if (!(pkt->pkt_flags & FLAG_NOINTR)) scsi_hba_pkt_comp(pkt); // FLAG_IMMEDIATE_CB: complete at once
    return TRAN_ACCEPT;
}
} // namespace

TEST_CASE("scsi_poll: runs the packet polled (FLAG_NOINTR), retries TRAN_BUSY and BUSY status, restores the packet") {
    transport_setup s;
    s.hba.tran->tran_start = polling_start;
    scsi_pkt* p = s.pkt();
    p->pkt_flags = FLAG_HEAD | FLAG_STAG;
    poll_starts = 0;
    poll_busy_left = 2;
    poll_status = STATUS_GOOD;
    CHECK(scsi_poll(p) == 0);
    CHECK(poll_starts == 3); // two TRAN_BUSY, then accepted
    // scsi_poll asked for FLAG_NOINTR; from a thread scsi_transport turned it
    // into an immediate callback it waits for
    CHECK((poll_flags_seen & FLAG_IMMEDIATE_CB) != 0);
    CHECK((poll_flags_seen & FLAG_HEAD) == 0);
    CHECK(p->pkt_flags == (FLAG_HEAD | FLAG_STAG));
    CHECK(p->pkt_comp == target_comp);
    CHECK(p->pkt_time == 0);
    CHECK(comp_calls == 0);
    poll_starts = 0;
    poll_status = STATUS_CHECK;
    CHECK(scsi_poll(p) == -1); // CHECK CONDITION is not retried
    CHECK(poll_starts == 1);
    poll_starts = 0;
    poll_status = STATUS_BUSY;
    p->pkt_time = 1; // 1 s: 100 tries 10 ms apart
    CHECK(scsi_poll(p) == -1);
    CHECK(poll_starts == 100);
    CHECK(p->pkt_time == 1);
    scsi_destroy_pkt(p);
}
