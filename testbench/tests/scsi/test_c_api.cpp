// The C11 target-driver snippet (c_api_compile.c) compiles against
// <sys/scsi/scsi.h> and runs on the framework test-double HBA; header
// layouts; the b_error mapping; sense and CDB helpers.
#include "scsa_test_util.h"

#include <cstddef>

extern "C" int xx_c_sd_read(struct scsi_address* ap, struct buf* bp, uint32_t lba);
extern "C" int xx_c_scsi_constants_ok(void);

using namespace sct;

namespace {
std::vector<std::uint32_t> lbas, counts;
int recording_start(scsi_address* ap, scsi_pkt* pkt) {
    auto* cdb = reinterpret_cast<union scsi_cdb*>(pkt->pkt_cdbp);
    lbas.push_back(GETG1ADDR(cdb));
    counts.push_back(GETG1COUNT(cdb));
    return fw_hba::start(ap, pkt);
}
} // namespace

TEST_CASE("C API: a target-driver-style C11 snippet walks a 3-window read through SCSA") {
    fixture f;
    fw_hba hba(f.k, f.hba_dip, attr_sgllen(2));
    hba.complete_by_interrupt = true;
    hba.tran->tran_start = recording_start;
    lbas.clear();
    counts.clear();
    scsi_device* sd = f.target();
    buf_t b = f.pageio(q1_pages(), 0, 0x5000);
    CHECK(xx_c_sd_read(&sd->sd_address, &b, 100) == 3); // sgllen 2: windows of 2, 2, 1 pages
    CHECK(lbas == std::vector<std::uint32_t>{100, 116, 132});
    CHECK(counts == std::vector<std::uint32_t>{16, 16, 8});
    CHECK(xx_c_scsi_constants_ok() == 1);
    CHECK(ddisim::scsa::live_packets(f.k) == 0);
    buf_t big = f.pageio(q1_pages(), 0, 0x5000); // without PKT_DMA_PARTIAL: TOOBIG
    CHECK(scsi_init_pkt(&sd->sd_address, nullptr, &big, CDB_GROUP1, 1, 0, 0, NULL_FUNC, nullptr) == nullptr);
    CHECK(geterror(&big) == EINVAL);
}

TEST_CASE("headers: scsi_pkt, scsi_address, scsi_device and scsi_arq_status have the illumos layout") {
    static_assert(offsetof(scsi_address, a) == 8);
    static_assert(sizeof(scsi_address) == 16);
    static_assert(offsetof(scsi_pkt, pkt_ha_private) == 0);
    static_assert(offsetof(scsi_pkt, pkt_address) == 8);
    static_assert(offsetof(scsi_pkt, pkt_private) == 24);
    static_assert(offsetof(scsi_pkt, pkt_comp) == 32);
    static_assert(offsetof(scsi_pkt, pkt_flags) == 40);
    static_assert(offsetof(scsi_pkt, pkt_resid) == 64);
    static_assert(offsetof(scsi_pkt, pkt_reason) == 80);
    static_assert(offsetof(scsi_pkt, pkt_cdblen) == 84);
    static_assert(offsetof(scsi_pkt, pkt_handle) == 96);
    static_assert(offsetof(scsi_pkt, pkt_numcookies) == 104);
    static_assert(offsetof(scsi_pkt, pkt_cookies) == 136);
    static_assert(offsetof(scsi_device, sd_address) == 0);
    static_assert(sizeof(scsi_arq_status) == 32);
    static_assert(offsetof(scsi_arq_status, sts_sensedata) == 12);
    static_assert(sizeof(scsi_extended_sense) == 20);
    static_assert(offsetof(scsi_hba_tran_t, tran_hba_dip) == 0);
    scsi_address a{};
    a.a_target = 7;
    a.a_lun = 3;
    const auto* ab = reinterpret_cast<const std::uint8_t*>(&a);
    CHECK(ab[8] == 7); // a_target: ushort at offset 8 (little-endian)
    CHECK(ab[10] == 3); // a_lun
    scsi_extended_sense es{};
    es.es_class = CLASS_EXTENDED_SENSE;
    es.es_key = KEY_MEDIUM_ERROR;
    const auto* raw = reinterpret_cast<const std::uint8_t*>(&es);
    CHECK(raw[0] == 0x70);
    CHECK(raw[2] == 0x03);
    scsi_status st{};
    st.sts_chk = 1;
    CHECK(*reinterpret_cast<const std::uint8_t*>(&st) == STATUS_CHECK);
}

TEST_CASE("§7.1: b_error mapping — NORESOURCES 0, TOOBIG EINVAL, NOMAPPING/INUSE/other EFAULT") {
    CHECK(scsi_dma_errno(DDI_DMA_MAPPED) == 0);
    CHECK(scsi_dma_errno(DDI_DMA_PARTIAL_MAP) == 0);
    CHECK(scsi_dma_errno(DDI_DMA_NORESOURCES) == 0);
    CHECK(scsi_dma_errno(DDI_DMA_TOOBIG) == EINVAL);
    CHECK(scsi_dma_errno(DDI_DMA_NOMAPPING) == EFAULT);
    CHECK(scsi_dma_errno(DDI_DMA_INUSE) == EFAULT);
    CHECK(scsi_dma_errno(DDI_DMA_BADATTR) == EFAULT);
    buf_t b{};
    b.b_error = 99;
    scsi_dma_bioerror(&b, DDI_DMA_NORESOURCES);
    CHECK(b.b_error == 0);
    CHECK(geterror(&b) == 0);
    scsi_dma_bioerror(&b, DDI_DMA_TOOBIG);
    CHECK(b.b_error == EINVAL);
    CHECK((b.b_flags & B_ERROR) != 0);
    scsi_dma_bioerror(&b, DDI_DMA_NOMAPPING);
    CHECK(geterror(&b) == EFAULT);
    bioerror(&b, 0);
    CHECK((b.b_flags & B_ERROR) == 0);
    CHECK(geterror(&b) == 0);
    b.b_flags |= B_ERROR; // B_ERROR with no errno reads as EIO
    CHECK(geterror(&b) == EIO);
}

TEST_CASE("sense: key, ASC, ASCQ and information from fixed and descriptor sense data") {
    std::uint8_t fixed[18] = {0xF0, 0, 0x03, 0x00, 0x01, 0x02, 0x03, 10, 0, 0, 0, 0, 0x11, 0x00, 0, 0, 0, 0};
    CHECK(scsi_validate_sense(fixed, sizeof fixed, nullptr) == SENSE_FIXED_FORMAT);
    CHECK(scsi_sense_key(fixed) == KEY_MEDIUM_ERROR);
    CHECK(scsi_sense_asc(fixed) == 0x11); // unrecovered read error
    CHECK(scsi_sense_ascq(fixed) == 0x00);
    std::uint64_t info = 0;
    CHECK(scsi_sense_info_uint64(fixed, sizeof fixed, &info) == B_TRUE);
    CHECK(info == 0x010203);
    int flags = 0;
    CHECK(scsi_validate_sense(fixed, 14, &flags) == SENSE_FIXED_FORMAT);
    CHECK(flags == SNS_BUF_OVERFLOW); // claims 18 bytes, 14 given
    std::uint8_t descr[20] = {0x72, 0x05, 0x24, 0x00, 0, 0, 0, 12, 0x00, 0x0A, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34};
    CHECK(scsi_validate_sense(descr, sizeof descr, nullptr) == SENSE_DESCR_FORMAT);
    CHECK(scsi_sense_key(descr) == KEY_ILLEGAL_REQUEST);
    CHECK(scsi_sense_asc(descr) == 0x24);
    CHECK(scsi_sense_info_uint64(descr, sizeof descr, &info) == B_TRUE);
    CHECK(info == 0x1234);
    std::uint8_t junk[8] = {0x05, 0, 0, 0, 0, 0, 0, 0};
    CHECK(scsi_validate_sense(junk, sizeof junk, nullptr) == SENSE_UNUSABLE);
}

TEST_CASE("cdb: FORMG0/1/4/5 helpers write big-endian fields, GETG* read them back") {
    union scsi_cdb c{};
    c.scc_cmd = SCMD_READ_G4;
    FORMG4LONGADDR(&c, 0x0102030405060708ull);
    FORMG4COUNT(&c, 0x0A0B0C0Du);
    CHECK(c.cdb_opaque[0] == 0x88);
    CHECK(c.cdb_opaque[2] == 0x01);
    CHECK(c.cdb_opaque[9] == 0x08);
    CHECK(c.cdb_opaque[10] == 0x0A);
    CHECK(c.cdb_opaque[13] == 0x0D);
    CHECK(GETG4LONGADDR(&c) == 0x0102030405060708ull);
    CHECK(GETG4COUNT(&c) == 0x0A0B0C0Du);
    union scsi_cdb g0{};
    FORMG0ADDR(&g0, 0x1ABCDE);
    FORMG0COUNT(&g0, 8);
    CHECK(g0.cdb_opaque[1] == 0x1A);
    CHECK(GETG0ADDR(&g0) == 0x1ABCDEu);
    CHECK(GETG0COUNT(&g0) == 8);
    union scsi_cdb g5{};
    FORMG5ADDR(&g5, 0xDEADBEEFu);
    FORMG5COUNT(&g5, 0x100);
    CHECK(GETG5ADDR(&g5) == 0xDEADBEEFu);
    CHECK(g5.cdb_opaque[8] == 0x01);
    CHECK(CDB_GROUPID(SCMD_READ_G1) == CDB_GROUPID_1);
    CHECK(CDB_GROUPID(SCMD_READ_G4) == CDB_GROUPID_4);
}

TEST_CASE("§8.3 through SCSA: sgllen 1, PKT_DMA_PARTIAL and 5 discontiguous pages is a kernel panic") {
    fixture f;
    fw_hba hba(f.k, f.hba_dip, attr_sgllen(1));
    scsi_device* sd = f.target();
    buf_t b = f.pageio(q1_pages(), 0, 0x5000);
    CHECK_THROWS_AS(scsi_init_pkt(&sd->sd_address, nullptr, &b, CDB_GROUP1, 1, 0, PKT_DMA_PARTIAL, NULL_FUNC, nullptr),
                    ddisim::kernel::panic_error);
}
