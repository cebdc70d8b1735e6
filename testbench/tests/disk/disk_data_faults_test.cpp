// Disk medium contents (sparse store, image files) and injected faults.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <random>

#include "disk_test_util.h"

using namespace disk_test;
using Catch::Matchers::Contains;

namespace {

struct temp_file {
    std::string path;
    explicit temp_file(const bytes& data) {
        char p[] = "/tmp/ddisim-disk-img-XXXXXX";
        int fd = ::mkstemp(p);
        REQUIRE(fd >= 0);
        REQUIRE(::write(fd, data.data(), data.size()) == ssize_t(data.size()));
        ::close(fd);
        path = p;
    }
    ~temp_file() { ::unlink(path.c_str()); }
    bytes contents() const {
        std::ifstream f(path, std::ios::binary);
        return bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    }
};

bytes pattern(std::size_t n, std::uint32_t seed) {
    bytes b(n);
    std::mt19937 g(seed);
    for (auto& x : b) x = std::uint8_t(g());
    return b;
}

} // namespace

TEST_CASE("store: random writes and reads over a sparse 1 TB disk match a reference map") {
    auto cfg = small_disk(1000000000000ull);
    cfg.kind = "ssd";
    scsi_target t(cfg);
    runner r{t};
    std::map<std::uint64_t, bytes> ref;  // LBA → block contents
    std::mt19937_64 g(42);
    const std::uint64_t blocks = t.capacity_blocks();
    for (int i = 0; i < 400; ++i) {
        std::uint64_t lba = g() % (blocks - 16);
        std::uint32_t n = 1 + std::uint32_t(g() % 16);
        bytes data = pattern(n * 512, std::uint32_t(g()));
        auto o = r.run(rw16(0x8a, lba, n), 0, data);
        REQUIRE(o.r.status == 0x00);
        for (std::uint32_t k = 0; k < n; ++k)
            ref[lba + k] = bytes(data.begin() + k * 512, data.begin() + (k + 1) * 512);
        r.now = o.r.complete_ps;
    }
    // Every written block, plus the never-written neighbours, reads back right.
    for (const auto& [lba, want] : ref) {
        auto o = r.run(rw16(0x88, lba, 1));
        REQUIRE(o.r.status == 0x00);
        REQUIRE(o.data == want);
        if (!ref.count(lba + 1)) REQUIRE(r.run(rw16(0x88, lba + 1, 1)).data == bytes(512, 0));
    }
    // Far-away blocks were never written: zeros.
    CHECK(r.run(rw16(0x88, blocks - 1, 1)).data == bytes(512, 0));
    CHECK(t.stats().blocks_written > 0);
}

TEST_CASE("store: a 1 TB sparse disk with 10 MiB written holds about 10 MiB of host memory") {
    auto cfg = small_disk(1000000000000ull);
    cfg.kind = "ram";
    scsi_target t(cfg);
    runner r{t};
    CHECK(t.store().resident_bytes() < 4096);
    const std::uint64_t mib = 1 << 20;
    bytes data = pattern(mib, 7);
    for (int i = 0; i < 10; ++i) {  // 10 × 1 MiB at scattered places
        std::uint64_t lba = std::uint64_t(i) * 97'000'000ull;
        REQUIRE(r.run(rw16(0x8a, lba, std::uint32_t(mib / 512)), 0, data).r.status == 0x00);
    }
    std::uint64_t res = t.store().resident_bytes();
    INFO("resident " << res << " bytes");
    CHECK(res >= 10 * mib);
    CHECK(res < 10 * mib + mib / 2);  // chunk payloads + < 5 % bookkeeping
    // Writing zeros over whole chunks gives the memory back.
    bytes zeros(mib, 0);
    REQUIRE(r.run(rw16(0x8a, 0, std::uint32_t(mib / 512)), 0, zeros).r.status == 0x00);
    CHECK(t.store().resident_bytes() < 9 * mib + mib / 2);
    CHECK(r.run(rw16(0x88, 0, 8)).data == bytes(4096, 0));
}

TEST_CASE("store: a raw image reads back byte for byte and a writable image is updated") {
    bytes img = pattern(1 << 20, 3);
    temp_file f(img);
    auto cfg = small_disk(0);  // capacity 0: the image's size
    cfg.image = f.path;
    cfg.writable = true;
    scsi_target t(cfg);
    CHECK(t.capacity_blocks() == (1u << 20) / 512);
    runner r{t};
    auto all = r.run(rw10(0x28, 0, 2048));
    REQUIRE(all.r.status == 0x00);
    CHECK(all.data == img);
    bytes blk = pattern(1024, 9);
    REQUIRE(r.run(rw10(0x2a, 10, 2), 0, blk).r.status == 0x00);
    REQUIRE(r.run({0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0}).r.status == 0x00);
    std::copy(blk.begin(), blk.end(), img.begin() + 10 * 512);
    CHECK(f.contents() == img);
    CHECK(r.run(rw10(0x28, 10, 2)).data == blk);
}

TEST_CASE("store: a read-only image rejects WRITE with DATA PROTECT, WRITE PROTECTED") {
    bytes img = pattern(64 * 1024, 5);
    temp_file f(img);
    auto cfg = small_disk(64 * 1024);
    cfg.image = f.path;
    scsi_target t(cfg);
    runner r{t};
    auto d = t.decode(rw10(0x2a, 0, 1).data(), 10);
    CHECK_FALSE(d.ok);  // known before the data phase
    auto o = r.run(rw10(0x2a, 0, 1), 0, bytes(512, 1));
    REQUIRE(o.r.status == 0x02);
    CHECK(o.key() == 0x07);
    CHECK(o.asc() == 0x27);
    CHECK(o.r.data_out_len == 0);
    CHECK(f.contents() == img);
    CHECK(r.run(cdb6(0x1a, 0x08, 0x08, 0, 255)).data[2] == (0x80 | 0x10));  // WP in MODE SENSE
    auto [rc, text] = run_tool("sg_decode_sense --binary={}", o.sense());
    INFO(text);
    CHECK(rc == 0);
    CHECK_THAT(text, Contains("Data Protect"));
    CHECK_THAT(text, Contains("Write protected"));
}

TEST_CASE("store: an image whose size differs from the capacity is refused with a clear error") {
    temp_file f(bytes(4096, 0));
    auto cfg = small_disk(8192);
    cfg.image = f.path;
    CHECK_THROWS_WITH(scsi_target(cfg), Contains("differs from the configured capacity"));
    temp_file odd(bytes(1000, 0));
    cfg.capacity = 0;
    cfg.image = odd.path;
    CHECK_THROWS_WITH(scsi_target(cfg), Contains("not a multiple of the block size"));
    cfg.image = "/nonexistent/disk.img";
    CHECK_THROWS_WITH(scsi_target(cfg), Contains("cannot open"));
}

TEST_CASE("faults: medium error on LBA X: MEDIUM ERROR, UNRECOVERED READ ERROR, INFORMATION = X") {
    auto cfg = small_disk();
    cfg.faults.medium_errors.push_back({1000, 1, false});
    cfg.faults.medium_error_delay = 2000000000;  // 2 ms of retries
    scsi_target t(cfg);
    runner r{t};
    bytes good = pattern(512 * 5, 11);
    REQUIRE(r.run(rw10(0x2a, 998, 5), 0, good).r.status == 0x00);  // writes are not affected
    auto o = r.run(rw10(0x28, 998, 5));
    REQUIRE(o.r.status == 0x02);
    CHECK(o.r.sense[0] == 0xf0);  // VALID + current, fixed
    CHECK(o.key() == 0x03);
    CHECK(o.asc() == 0x11);
    CHECK(o.ascq() == 0x00);
    CHECK(be32(&o.r.sense[3]) == 1000);
    CHECK(o.r.data_in_len == 2 * 512);  // the blocks before the bad one were delivered
    CHECK(o.data == bytes(good.begin(), good.begin() + 1024));
    CHECK(o.r.residual == 3 * 512);
    auto [rc, text] = run_tool("sg_decode_sense --binary={}", o.sense());
    INFO(text);
    CHECK(rc == 0);
    CHECK_THAT(text, Contains("Medium Error"));
    CHECK_THAT(text, Contains("Unrecovered read error"));
    CHECK_THAT(text, Contains("Info fld=0x3e8"));
    // Neighbours are fine.
    CHECK(r.run(rw10(0x28, 999, 1)).data == bytes(good.begin() + 512, good.begin() + 1024));
    CHECK(r.run(rw10(0x28, 1001, 1)).r.status == 0x00);
    CHECK(t.stats().medium_errors == 1);
    // Retry time is charged on top of the media access.
    r.now = 1'000'000'000'000;
    auto slow = r.run(rw10(0x28, 1000, 1, 0x08));
    CHECK(slow.r.complete_ps >= r.now + 2000000000);
}

TEST_CASE("faults: medium errors beyond 32-bit LBAs leave VALID clear, write errors when asked") {
    auto cfg = small_disk(4000000000000ull);
    cfg.kind = "ram";
    cfg.faults.medium_errors.push_back({5000000000ull, 2, true});
    scsi_target t(cfg);
    runner r{t};
    auto o = r.run(rw16(0x88, 5000000001ull, 1));
    REQUIRE(o.key() == 0x03);
    CHECK((o.r.sense[0] & 0x80) == 0);  // INFORMATION does not fit the fixed format
    auto w = r.run(rw16(0x8a, 4999999999ull, 2), 0, bytes(1024, 1));
    REQUIRE(w.key() == 0x03);
    CHECK(w.asc() == 0x0c);
    CHECK(w.r.data_out_len == 512);
}

TEST_CASE("faults: BUSY every Nth command and TASK SET FULL every Mth, without sense") {
    auto cfg = small_disk();
    cfg.faults.busy_every = 3;
    cfg.faults.task_set_full_every = 4;
    scsi_target t(cfg);
    runner r{t};
    std::vector<int> st;
    for (int i = 1; i <= 12; ++i) {
        auto o = r.run(rw10(0x28, 0, 1));
        st.push_back(o.r.status);
        if (o.r.status != 0) {
            CHECK(o.r.sense_len == 0);
            CHECK(o.r.data_in_len == 0);
        }
    }
    CHECK(st == std::vector<int>{0, 0, 0x08, 0x28, 0, 0x08, 0, 0x28, 0x08, 0, 0, 0x08});
    CHECK(t.stats().busy == 4);
    CHECK(t.stats().task_set_full == 2);
}

namespace {
// The statuses of n READ(10)s on a fresh disk with these probabilities and seed.
std::vector<int> random_refusals(double busy, double tsf, std::uint64_t seed, int n) {
    auto cfg = small_disk();
    cfg.faults.busy_probability = busy;
    cfg.faults.task_set_full_probability = tsf;
    cfg.faults.seed = seed;
    scsi_target t(cfg);
    runner r{t};
    std::vector<int> st;
    for (int i = 0; i < n; ++i) st.push_back(r.run(rw10(0x28, 0, 1)).r.status);
    return st;
}
} // namespace

TEST_CASE("faults: BUSY and TASK SET FULL with a probability: the share, no runs of them, the same for the same seed") {
    const int n = 20000;
    const auto a = random_refusals(0.1, 0.05, 7, n);
    const auto busy = std::count(a.begin(), a.end(), 0x08), tsf = std::count(a.begin(), a.end(), 0x28);
    // binomial: 2000 ± 4σ (σ ≈ 42); TASK SET FULL draws only where BUSY did not: 0.9 × 0.05 × n = 900 ± 4σ (σ ≈ 29)
    CHECK(busy > 1830);
    CHECK(busy < 2170);
    CHECK(tsf > 780);
    CHECK(tsf < 1020);
    CHECK(std::count(a.begin(), a.end(), 0) == n - busy - tsf);
    // not periodic: the longest run of BUSY stays short (P(run ≥ 6) ≈ n × 1e-6)
    int run = 0, longest = 0;
    for (int s : a) longest = std::max(longest, run = s == 0x08 ? run + 1 : 0);
    CHECK(longest < 6);
    CHECK(random_refusals(0.1, 0.05, 7, n) == a);
    CHECK(random_refusals(0.1, 0.05, 8, n) != a);
    // probability 0 and 1
    const auto none = random_refusals(0, 0, 7, 100), all = random_refusals(1, 0, 7, 100);
    CHECK(std::count(none.begin(), none.end(), 0) == 100);
    CHECK(std::count(all.begin(), all.end(), 0x08) == 100);
}

TEST_CASE("faults: BUSY and TASK SET FULL windows at chosen times") {
    auto cfg = small_disk();
    cfg.faults.busy_windows.push_back({1000, 2000, "busy"});
    cfg.faults.busy_windows.push_back({5000, 6000, "task_set_full"});
    scsi_target t(cfg);
    runner r{t};
    auto at = [&](std::uint64_t now) {
        r.now = now;
        return int(r.run(cdb6(0x00)).r.status);
    };
    CHECK(at(999) == 0);
    CHECK(at(1000) == 0x08);
    CHECK(at(1999) == 0x08);
    CHECK(at(2000) == 0);
    CHECK(at(5500) == 0x28);
    CHECK(at(6000) == 0);
}

TEST_CASE("faults: a target reset makes the next command per LUN see UNIT ATTENTION once") {
    auto cfg = small_disk();
    cfg.luns = 2;
    cfg.faults.reset_at = 1'000'000;
    scsi_target t(cfg);
    runner r{t, 10};
    CHECK(r.run(cdb6(0x00)).r.status == 0);
    r.now = 2'000'000;
    // INQUIRY and REPORT LUNS are not affected and leave the condition pending.
    CHECK(r.run(inquiry(false, 0, 36)).r.status == 0);
    CHECK(r.run(report_luns(64)).r.status == 0);
    auto ua = r.run(rw10(0x28, 0, 1));
    REQUIRE(ua.r.status == 0x02);
    CHECK(ua.key() == 0x06);
    CHECK(ua.asc() == 0x29);
    CHECK(ua.ascq() == 0x00);
    CHECK(ua.r.data_in_len == 0);
    auto [rc, text] = run_tool("sg_decode_sense --binary={}", ua.sense());
    INFO(text);
    CHECK(rc == 0);
    CHECK_THAT(text, Contains("Unit Attention"));
    CHECK_THAT(text, Contains("Power on, reset, or bus device reset occurred"));
    CHECK(r.run(rw10(0x28, 0, 1)).r.status == 0);  // once only
    // LUN 1 still has its own: REQUEST SENSE returns it as data and clears it.
    auto rs = r.run(cdb6(0x03, 0, 0, 0, 18), 1);
    CHECK(rs.r.status == 0);
    CHECK((rs.data[2] & 0x0f) == 0x06);
    CHECK(rs.data[12] == 0x29);
    CHECK(r.run(cdb6(0x00), 1).r.status == 0);
    CHECK(t.stats().unit_attentions == 2);
}

TEST_CASE("faults: power-on UNIT ATTENTION when configured") {
    auto cfg = small_disk();
    cfg.faults.power_on_unit_attention = true;
    scsi_target t(cfg);
    runner r{t};
    CHECK(r.run(cdb6(0x00)).asc() == 0x29);
    CHECK(r.run(cdb6(0x00)).r.status == 0);
}
