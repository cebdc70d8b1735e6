// SCSI command set of the disk target: byte layouts, allocation lengths,
// errors with their sense data, LUN handling, and the decode() contract.
// Byte offsets follow SPC-4 / SBC-3.
#include <catch2/catch.hpp>

#include <cstring>

#include "disk_test_util.h"

using namespace disk_test;
using Catch::Matchers::Contains;

TEST_CASE("scsi: TEST UNIT READY returns GOOD without data or sense") {
    scsi_target t(small_disk());
    runner r{t, 1000};
    auto o = r.run(cdb6(0x00));
    CHECK(o.r.status == 0x00);
    CHECK(o.r.sense_len == 0);
    CHECK(o.r.data_in_len == 0);
    CHECK(o.r.residual == 0);
    CHECK(o.r.complete_ps == 1000 + t.config().command_overhead);
}

TEST_CASE("scsi: INQUIRY standard data has the SPC-4 layout and space-padded identity") {
    auto cfg = small_disk();
    cfg.vendor = "ACME";
    cfg.product = "SIMDISK";
    cfg.revision = "A1";
    scsi_target t(cfg);
    runner r{t};
    auto o = r.run(inquiry(false, 0, 255));
    REQUIRE(o.r.status == 0x00);
    const auto& d = o.data;
    REQUIRE(d.size() == 74);
    CHECK(d[0] == 0x00);           // qualifier 000b, direct-access device
    CHECK(d[1] == 0x00);           // not removable
    CHECK(d[2] == 0x06);           // SPC-4
    CHECK((d[3] & 0x0f) == 0x02);  // response data format 2
    CHECK((d[3] & 0x10) != 0);     // HISUP
    CHECK(d[4] == 74 - 5);         // additional length
    CHECK((d[7] & 0x02) != 0);     // CMDQUE
    CHECK(std::string(d.begin() + 8, d.begin() + 16) == "ACME    ");
    CHECK(std::string(d.begin() + 16, d.begin() + 32) == "SIMDISK         ");
    CHECK(std::string(d.begin() + 32, d.begin() + 36) == "A1  ");
    CHECK(be16(&d[60]) == 0x0460);  // SPC-4 version descriptor
    CHECK(o.r.residual == 255 - 74);

    auto [rc, text] = run_tool("sg_inq --raw --inhex={} --descriptors", d);
    INFO(text);
    CHECK(rc == 0);
    CHECK_THAT(text, Contains("ACME"));
    CHECK_THAT(text, Contains("SIMDISK"));
    CHECK_THAT(text, Contains("A1"));
    CHECK_THAT(text, Contains("SPC-4"));
    CHECK_THAT(text, Contains("PQual=0"));
    CHECK_THAT(text, Contains("Peripheral device type: disk"));
    CHECK_THAT(text, Contains("CmdQue=1"));
}

TEST_CASE("scsi: INQUIRY returns min(allocation length, available) and reports the residual") {
    scsi_target t(small_disk());
    runner r{t};
    auto full = r.run(inquiry(false, 0, 255));
    auto o = r.run(inquiry(false, 0, 5), 0, {}, 4096);
    REQUIRE(o.r.status == 0x00);
    CHECK(o.r.data_in_len == 5);
    CHECK(o.r.residual == 0);
    CHECK(o.data == bytes(full.data.begin(), full.data.begin() + 5));
    CHECK(o.data[4] == 69);  // additional length still describes the whole data
    auto z = r.run(inquiry(false, 0, 0));
    CHECK(z.r.status == 0x00);
    CHECK(z.r.data_in_len == 0);
}

TEST_CASE("scsi: INQUIRY VPD pages 0x00, 0x80, 0x83, 0xB1 decode with sg_vpd") {
    auto cfg = small_disk();
    cfg.serial = "SN123456";
    scsi_target t(cfg);
    runner r{t};

    auto p0 = r.run(inquiry(true, 0x00, 255));
    REQUIRE(p0.r.status == 0x00);
    CHECK(p0.data == bytes{0x00, 0x00, 0x00, 0x05, 0x00, 0x80, 0x83, 0xb0, 0xb1});
    auto [rc0, t0] = run_tool("sg_vpd --raw --inhex={}", p0.data);
    INFO(t0);
    CHECK(rc0 == 0);
    CHECK_THAT(t0, Contains("Unit serial number"));
    CHECK_THAT(t0, Contains("Device identification"));

    auto p80 = r.run(inquiry(true, 0x80, 255));
    REQUIRE(p80.r.status == 0x00);
    CHECK(p80.data[1] == 0x80);
    CHECK(be16(&p80.data[2]) == 8);
    CHECK(std::string(p80.data.begin() + 4, p80.data.end()) == "SN123456");
    auto [rc80, t80] = run_tool("sg_vpd --raw --inhex={}", p80.data);
    INFO(t80);
    CHECK(rc80 == 0);
    CHECK_THAT(t80, Contains("SN123456"));

    auto p83 = r.run(inquiry(true, 0x83, 255));
    REQUIRE(p83.r.status == 0x00);
    const auto& d = p83.data;
    CHECK(d[1] == 0x83);
    CHECK(be16(&d[2]) == d.size() - 4);
    CHECK(d[4] == 0x01);  // code set binary
    CHECK(d[5] == 0x03);  // association LU, designator type NAA
    CHECK(d[7] == 8);
    CHECK((d[8] >> 4) == 0x3);  // NAA 3: locally assigned
    CHECK(be64(&d[8]) == t.naa_id());
    CHECK(d[16] == 0x02);  // code set ASCII
    CHECK(d[17] == 0x01);  // T10 vendor ID
    CHECK(d[19] == 8 + 16 + 8);
    CHECK(std::string(d.begin() + 20, d.begin() + 28) == "DDISIM  ");
    auto [rc83, t83] = run_tool("sg_vpd --raw --inhex={}", d);
    INFO(t83);
    CHECK(rc83 == 0);
    CHECK_THAT(t83, Contains("designator type: NAA"));
    char naa[24];
    std::snprintf(naa, sizeof naa, "0x%016llx", (unsigned long long)t.naa_id());
    CHECK_THAT(t83, Contains(naa));
    CHECK_THAT(t83, Contains("T10 vendor identification"));
    CHECK_THAT(t83, Contains("vendor id: DDISIM"));
    CHECK_THAT(t83, Contains("SN123456"));

    auto b1 = r.run(inquiry(true, 0xb1, 255));
    REQUIRE(b1.r.status == 0x00);
    CHECK(be16(&b1.data[4]) == 7200);
    auto [rcb1, tb1] = run_tool("sg_vpd --raw --inhex={}", b1.data);
    INFO(tb1);
    CHECK(rcb1 == 0);
    CHECK_THAT(tb1, Contains("7200 rpm"));

    auto ssd_cfg = small_disk();
    ssd_cfg.kind = "ssd";
    scsi_target s(ssd_cfg);
    runner rs{s};
    CHECK(be16(&rs.run(inquiry(true, 0xb1, 255)).data[4]) == 1);  // non-rotating
}

TEST_CASE("scsi: INQUIRY invalid fields give ILLEGAL REQUEST with a field pointer") {
    scsi_target t(small_disk());
    runner r{t};
    auto o = r.run(inquiry(false, 0x80, 255));  // page code without EVPD
    REQUIRE(o.r.status == 0x02);
    CHECK(o.key() == 0x05);
    CHECK(o.asc() == 0x24);
    CHECK(o.r.sense[15] == (0x80 | 0x40 | 0x08 | 7));  // SKSV, C/D, BPV, bit 7
    CHECK(be16(&o.r.sense[16]) == 2);
    auto [rc, text] = run_tool("sg_decode_sense --binary={}", o.sense());
    INFO(text);
    CHECK(rc == 0);
    CHECK_THAT(text, Contains("Illegal Request"));
    CHECK_THAT(text, Contains("Invalid field in cdb"));
    CHECK_THAT(text, Contains("byte 2 bit 7"));

    auto u = r.run(inquiry(true, 0x86, 255));  // unsupported VPD page
    CHECK(u.r.status == 0x02);
    CHECK(u.asc() == 0x24);
    auto c = r.run({0x12, 0x02, 0, 0, 36, 0});  // CMDDT
    CHECK(c.asc() == 0x24);
    CHECK(be16(&c.r.sense[16]) == 1);
}

TEST_CASE("scsi: READ CAPACITY (10) and (16) report the last LBA and block length") {
    scsi_target t(small_disk(64ull << 20));
    runner r{t};
    auto o = r.run(bytes{0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    REQUIRE(o.r.status == 0x00);
    REQUIRE(o.data.size() == 8);
    CHECK(be32(&o.data[0]) == (64u << 20) / 512 - 1);
    CHECK(be32(&o.data[4]) == 512);

    auto o16 = r.run(read_capacity16(32));
    REQUIRE(o16.r.status == 0x00);
    REQUIRE(o16.data.size() == 32);
    CHECK(be64(&o16.data[0]) == (64u << 20) / 512 - 1);
    CHECK(be32(&o16.data[8]) == 512);
    CHECK((o16.data[14] & 0x80) == 0);  // LBPME: no logical block provisioning
    auto o12 = r.run(read_capacity16(12));
    CHECK(o12.r.data_in_len == 12);
    CHECK(o12.r.residual == 0);

    auto bad_sa = r.run({0x9e, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0});
    CHECK(bad_sa.asc() == 0x24);
    CHECK(be16(&bad_sa.r.sense[16]) == 1);
}

TEST_CASE("scsi: READ CAPACITY (10) returns FFFFFFFFh beyond 2^32 blocks, (16) the real last LBA") {
    auto cfg = small_disk(4000000000000ull);  // 4 TB / 512 B = 7,812,500,000 blocks
    cfg.kind = "ram";
    scsi_target t(cfg);
    runner r{t};
    auto o = r.run({0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    CHECK(be32(&o.data[0]) == 0xffffffffu);
    auto o16 = r.run(read_capacity16(32));
    CHECK(be64(&o16.data[0]) == 7812500000ull - 1);
    // A 4 KiB-block disk of 1 TB fits in (10).
    auto c4 = small_disk(1000000000000ull - (1000000000000ull % 4096));
    c4.block_size = 4096;
    scsi_target t4(c4);
    runner r4{t4};
    auto q = r4.run({0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    CHECK(be32(&q.data[0]) == c4.capacity / 4096 - 1);
    CHECK(be32(&q.data[4]) == 4096);
}

TEST_CASE("scsi: READ and WRITE (6), (10), (16) move the right blocks, 0 blocks moves nothing") {
    scsi_target t(small_disk());
    runner r{t};
    bytes a(2 * 512), b(512), c(3 * 512);
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = std::uint8_t(i * 7 + 1);
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = std::uint8_t(i * 3 + 5);
    for (std::size_t i = 0; i < c.size(); ++i) c[i] = std::uint8_t(i * 11 + 9);
    auto w10 = r.run(rw10(0x2a, 100, 2), 0, a);
    REQUIRE(w10.r.status == 0x00);
    CHECK(w10.r.data_out_len == 1024);
    CHECK(w10.r.residual == 0);
    CHECK(r.run(rw16(0x8a, 200, 1, 0x08 /*FUA*/), 0, b).r.status == 0x00);
    CHECK(r.run(cdb6(0x0a, 0, 1, 44, 3), 0, c).r.status == 0x00);  // WRITE(6) LBA 0x012C = 300

    CHECK(r.run(rw10(0x28, 100, 2, 0x10 /*DPO*/)).data == a);
    CHECK(r.run(rw16(0x88, 200, 1, 0x18 /*DPO+FUA*/)).data == b);
    CHECK(r.run(cdb6(0x08, 0, 1, 44, 3)).data == c);
    auto mid = r.run(rw10(0x28, 101, 1));  // second block of a
    CHECK(mid.data == bytes(a.begin() + 512, a.end()));

    auto zero = r.run(rw10(0x28, 100, 0));
    CHECK(zero.r.status == 0x00);
    CHECK(zero.r.data_in_len == 0);
    CHECK(t.decode(rw10(0x28, 100, 0).data(), 10).transfer_bytes == 0);
    auto six = t.decode(cdb6(0x08, 0, 0, 0, 0).data(), 6);  // READ(6) length 0 = 256 blocks
    CHECK(six.ok);
    CHECK(six.blocks == 256);
    CHECK(six.transfer_bytes == 256 * 512);
    CHECK(r.run(cdb6(0x08, 0, 0, 0, 0)).r.data_in_len == 256 * 512);
}

TEST_CASE("scsi: LBA out of range gives ILLEGAL REQUEST, LOGICAL BLOCK ADDRESS OUT OF RANGE") {
    scsi_target t(small_disk());
    runner r{t};
    std::uint32_t last = std::uint32_t(t.capacity_blocks() - 1);
    CHECK(r.run(rw10(0x28, last, 1)).r.status == 0x00);
    for (auto cdb : {rw10(0x28, last, 2), rw10(0x28, last + 1, 0), rw16(0x88, ~0ull, 1), rw16(0x8a, last, 2)}) {
        auto d = t.decode(cdb.data(), cdb.size());
        CHECK_FALSE(d.ok);
        auto o = r.run(cdb, 0, bytes(2048));
        REQUIRE(o.r.status == 0x02);
        CHECK(o.key() == 0x05);
        CHECK(o.asc() == 0x21);
        CHECK(o.ascq() == 0x00);
        CHECK(o.r.data_in_len == 0);
        CHECK(o.r.data_out_len == 0);
    }
    auto o = r.run(rw10(0x28, last, 2));
    auto [rc, text] = run_tool("sg_decode_sense --binary={}", o.sense());
    INFO(text);
    CHECK(rc == 0);
    CHECK_THAT(text, Contains("Logical block address out of range"));
}

TEST_CASE("scsi: unsupported opcode gives INVALID COMMAND OPERATION CODE in fixed-format sense") {
    scsi_target t(small_disk());
    runner r{t};
    for (std::uint8_t op : {0x42 /*UNMAP*/, 0x2f /*VERIFY*/, 0x15 /*MODE SELECT*/, 0xc0 /*vendor*/}) {
        bytes cdb(16, 0);
        cdb[0] = op;
        auto o = r.run(cdb);
        REQUIRE(o.r.status == 0x02);
        REQUIRE(o.r.sense_len == 18);
        CHECK(o.r.sense[0] == 0x70);
        CHECK(o.r.sense[7] == 10);
        CHECK(o.key() == 0x05);
        CHECK(o.asc() == 0x20);
        CHECK(o.ascq() == 0x00);
        CHECK((o.r.sense[15] & 0x80) == 0);
    }
    auto o = r.run({0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    auto [rc, text] = run_tool("sg_decode_sense --binary={}", o.sense());
    INFO(text);
    CHECK(rc == 0);
    CHECK_THAT(text, Contains("Fixed format, current"));
    CHECK_THAT(text, Contains("Illegal Request"));
    CHECK_THAT(text, Contains("Invalid command operation code"));
}

TEST_CASE("scsi: RDPROTECT and NACA are invalid fields pointed at by SKSV") {
    scsi_target t(small_disk());
    runner r{t};
    auto o = r.run(rw10(0x28, 0, 1, 0x20));
    REQUIRE(o.asc() == 0x24);
    CHECK(be16(&o.r.sense[16]) == 1);
    CHECK((o.r.sense[15] & 0x07) == 7);
    auto cdb = rw10(0x28, 0, 1);
    cdb[9] = 0x04;  // NACA in the control byte
    auto n = r.run(cdb);
    REQUIRE(n.asc() == 0x24);
    CHECK(be16(&n.r.sense[16]) == 9);
    CHECK((n.r.sense[15] & 0x07) == 2);
    auto [rc, text] = run_tool("sg_decode_sense --binary={}", n.sense());
    INFO(text);
    CHECK(rc == 0);
    CHECK_THAT(text, Contains("byte 9 bit 2"));
}

TEST_CASE("scsi: SYNCHRONIZE CACHE (10) and (16) complete, check their range and honour IMMED") {
    scsi_target t(small_disk());
    runner r{t, 5000};
    CHECK(r.run({0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0}).r.status == 0x00);
    bytes s16(16, 0);
    s16[0] = 0x91;
    CHECK(r.run(s16).r.status == 0x00);
    bytes immed = {0x35, 0x02, 0, 0, 0, 0, 0, 0, 0, 0};
    CHECK(r.run(immed).r.complete_ps == 5000 + t.config().command_overhead);
    std::uint32_t last = std::uint32_t(t.capacity_blocks() - 1);
    auto o = r.run(rw10(0x35, last, 2));
    CHECK(o.asc() == 0x21);
}

TEST_CASE("scsi: REQUEST SENSE reports NO SENSE, truncates, rejects descriptor format") {
    scsi_target t(small_disk());
    runner r{t};
    auto o = r.run(cdb6(0x03, 0, 0, 0, 252));
    REQUIRE(o.r.status == 0x00);
    REQUIRE(o.data.size() == 18);
    CHECK(o.data[0] == 0x70);
    CHECK((o.data[2] & 0x0f) == 0);
    CHECK(o.data[12] == 0);
    CHECK(o.r.residual == 252 - 18);
    CHECK(r.run(cdb6(0x03, 0, 0, 0, 8)).r.data_in_len == 8);
    auto d = r.run(cdb6(0x03, 0x01, 0, 0, 252));
    CHECK(d.r.status == 0x02);
    CHECK(d.asc() == 0x24);
}

TEST_CASE("scsi: REPORT LUNS lists LUN 0, or the configured LUNs, and truncates") {
    scsi_target t(small_disk());
    runner r{t};
    auto o = r.run(report_luns(256));
    REQUIRE(o.r.status == 0x00);
    CHECK(o.data == bytes{0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    CHECK(o.r.residual == 256 - 16);

    auto cfg = small_disk();
    cfg.luns = 3;
    scsi_target t3(cfg);
    runner r3{t3};
    auto l = r3.run(report_luns(256));
    REQUIRE(l.data.size() == 32);
    CHECK(be32(&l.data[0]) == 24);
    CHECK(l.data[8 + 1] == 0);
    CHECK(l.data[16 + 1] == 1);
    CHECK(l.data[24 + 1] == 2);
    auto trunc = r3.run(report_luns(16));
    CHECK(trunc.r.data_in_len == 16);
    CHECK(be32(&trunc.data[0]) == 24);  // the list length still counts every LUN
    CHECK(r3.run(report_luns(8)).asc() == 0x24);   // allocation length below 16
    CHECK(r3.run(report_luns(64, 0x10)).asc() == 0x24);
    // LUNs are independent media.
    bytes blk(512, 0x5a);
    CHECK(r3.run(rw10(0x2a, 7, 1), 2, blk).r.status == 0x00);
    CHECK(r3.run(rw10(0x28, 7, 1), 2).data == blk);
    CHECK(r3.run(rw10(0x28, 7, 1), 0).data == bytes(512, 0));
}

TEST_CASE("scsi: a LUN without a logical unit: INQUIRY qualifier 011b, others LOGICAL UNIT NOT SUPPORTED") {
    scsi_target t(small_disk());
    runner r{t};
    auto inq = r.run(inquiry(false, 0, 36), 5);
    REQUIRE(inq.r.status == 0x00);
    CHECK(inq.data[0] == 0x7f);
    auto [rc, text] = run_tool("sg_inq --raw --inhex={}", inq.data);
    INFO(text);
    CHECK(rc == 0);
    CHECK_THAT(text, Contains("PQual=3"));
    for (auto cdb : {cdb6(0x00), rw10(0x28, 0, 1), bytes{0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0}}) {
        auto o = r.run(cdb, 1);
        REQUIRE(o.r.status == 0x02);
        CHECK(o.key() == 0x05);
        CHECK(o.asc() == 0x25);
        CHECK(o.r.data_in_len == 0);
    }
    auto rs = r.run(cdb6(0x03, 0, 0, 0, 18), 1);
    CHECK(rs.r.status == 0x00);
    CHECK(rs.data[12] == 0x25);
    CHECK(r.run(report_luns(64), 1).r.status == 0x00);
    auto o = r.run(cdb6(0x00), 1);
    auto [rc2, t2] = run_tool("sg_decode_sense --binary={}", o.sense());
    INFO(t2);
    CHECK_THAT(t2, Contains("Logical unit not supported"));
}

TEST_CASE("scsi: MODE SENSE (6) caching page with a block descriptor unless DBD") {
    auto cfg = small_disk();
    cfg.hdd.write_cache = true;
    scsi_target t(cfg);
    runner r{t};
    auto o = r.run(cdb6(0x1a, 0, 0x08, 0, 255));
    REQUIRE(o.r.status == 0x00);
    const auto& d = o.data;
    REQUIRE(d.size() == 4 + 8 + 20);
    CHECK(d[0] == d.size() - 1);  // mode data length
    CHECK(d[2] == 0x10);          // DPOFUA, not write protected
    CHECK(d[3] == 8);             // block descriptor length
    CHECK(be32(&d[4]) == t.capacity_blocks());
    CHECK((std::uint32_t(d[9]) << 16 | be16(&d[10])) == 512);
    CHECK(d[12] == 0x08);
    CHECK(d[13] == 0x12);
    CHECK((d[14] & 0x04) != 0);  // WCE
    CHECK((d[14] & 0x01) == 0);  // read cache enabled

    auto n = r.run(cdb6(0x1a, 0x08 /*DBD*/, 0x08, 0, 255));
    REQUIRE(n.data.size() == 4 + 20);
    CHECK(n.data[3] == 0);
    CHECK(n.data[4] == 0x08);

    auto tr = r.run(cdb6(0x1a, 0, 0x08, 0, 10));
    CHECK(tr.r.data_in_len == 10);
    CHECK(tr.data[0] == 31);  // length of the whole data, not of what fits
}

TEST_CASE("scsi: MODE SENSE (10) all pages, long LBA descriptor, control page, page controls") {
    scsi_target t(small_disk());
    runner r{t};
    auto o = r.run(mode_sense10(0x10 /*LLBAA*/, 0x3f, 1024));
    REQUIRE(o.r.status == 0x00);
    const auto& d = o.data;
    REQUIRE(d.size() == 8 + 16 + 12 + 20 + 12);
    CHECK(be16(&d[0]) == d.size() - 2);
    CHECK((d[4] & 0x01) == 1);  // LONGLBA
    CHECK(be16(&d[6]) == 16);
    CHECK(be64(&d[8]) == t.capacity_blocks());
    CHECK(be32(&d[20]) == 512);
    std::size_t p = 24;
    CHECK(d[p] == 0x01);
    CHECK(d[p + 1] == 0x0a);
    p += 12;
    CHECK(d[p] == 0x08);
    CHECK((d[p + 2] & 0x04) == 0);  // write cache off by default
    p += 20;
    CHECK(d[p] == 0x0a);
    CHECK(d[p + 1] == 0x0a);
    CHECK((d[p + 2] & 0x04) == 0);  // D_SENSE 0: fixed-format sense

    auto s = r.run(mode_sense10(0x00, 0x0a, 1024));  // short descriptor
    CHECK(be16(&s.data[6]) == 8);
    CHECK(s.data.size() == 8 + 8 + 12);
    auto ch = r.run(mode_sense10(0x08, 0x40 | 0x08, 1024));  // changeable values: none
    REQUIRE(ch.data.size() == 8 + 20);
    CHECK(ch.data[8] == 0x08);
    CHECK(std::all_of(ch.data.begin() + 10, ch.data.end(), [](std::uint8_t b) { return b == 0; }));
    CHECK(r.run(mode_sense10(0x08, 0x80 | 0x08, 1024)).data == r.run(mode_sense10(0x08, 0x08, 1024)).data);
    auto saved = r.run(mode_sense10(0x08, 0xc0 | 0x08, 1024));
    CHECK(saved.asc() == 0x39);
    auto bad = r.run(mode_sense10(0x08, 0x1c, 1024));
    CHECK(bad.asc() == 0x24);
    CHECK(be16(&bad.r.sense[16]) == 2);
    CHECK(r.run(mode_sense10(0x08, 0x3f, 1024, 0xff)).r.status == 0x00);
    CHECK(r.run(mode_sense10(0x08, 0x08, 1024, 0x01)).asc() == 0x24);
}

TEST_CASE("scsi: decode tells the wrapper direction and length before data moves") {
    scsi_target t(small_disk());
    auto w = t.decode(rw10(0x2a, 8, 8).data(), 10);
    CHECK(w.ok);
    CHECK(w.dir == data_dir::out);
    CHECK(w.transfer_bytes == 4096);
    CHECK(w.media);
    auto i = t.decode(inquiry(false, 0, 96).data(), 6);
    CHECK(i.dir == data_dir::in);
    CHECK(i.transfer_bytes == 96);
    auto tur = t.decode(cdb6(0x00).data(), 6);
    CHECK(tur.dir == data_dir::none);
    CHECK(tur.transfer_bytes == 0);
    auto bad = t.decode(bytes{0xff, 0, 0, 0, 0, 0}.data(), 6);
    CHECK_FALSE(bad.ok);
    CHECK(bad.error.asc.asc == 0x20);
    auto shortcdb = t.decode(rw10(0x28, 0, 1).data(), 6);  // READ(10) needs 10 bytes
    CHECK_FALSE(shortcdb.ok);
    CHECK(bad.length == 0);
    CHECK(w.length == 10);
}
