// Disk service-time models (HDD, SSD, RAM disk), the port link, and the
// configuration bindings. Every expectation states its arithmetic.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <queue>
#include <random>

#include "disk_test_util.h"

using namespace disk_test;
using Catch::Matchers::Contains;

namespace {
constexpr double ms = 1e9;  // ps per millisecond
constexpr double us = 1e6;  // ps per microsecond

media_request rd(std::uint64_t now, std::uint64_t lba, std::uint64_t n, bool fua = false) {
    return {now, media_op::read, lba, n, fua, false};
}
media_request wr(std::uint64_t now, std::uint64_t lba, std::uint64_t n, bool fua = false) {
    return {now, media_op::write, lba, n, fua, false};
}
} // namespace

TEST_CASE("hdd: seek curve passes through track-to-track, full stroke and the average") {
    disk_hdd_config h;  // 0.23 ms / 7.4 ms / 15 ms over 100000 cylinders
    hdd_timing d(h, 512, 1000000000000ull / 512);
    const auto& c = d.curve();
    CHECK(c(0) == 0);
    CHECK(c(1) == Approx(0.23 * ms).epsilon(1e-9));
    CHECK(c(99999) == Approx(15 * ms).epsilon(1e-9));
    CHECK(c.mean() == Approx(7.4 * ms).epsilon(1e-6));
    for (double x = 1; x < 99999; x *= 1.7) CHECK(c(x * 1.7) > c(x));  // monotonic
    // The mean over random cylinder pairs (what a random workload sees) is
    // the datasheet average, within sampling noise.
    std::mt19937_64 g(1);
    double sum = 0;
    const int n = 200000;
    for (int i = 0; i < n; ++i) {
        double a = double(g() % 100000), b = double(g() % 100000);
        sum += c(std::fabs(a - b));
    }
    CHECK(sum / n == Approx(7.4 * ms).epsilon(0.01));
    // Ruemmler & Wilkes' HP 97560 (B6): 1962 cylinders, t(1) = 3.24 + 0.4 = 3.64 ms,
    // t(1961) = 8 + 0.008·1961 = 23.69 ms: its average lies inside the fittable range.
    double lo = seek_curve::min_mean(3.64 * ms, 23.69 * ms, 1961), hi = seek_curve::max_mean(3.64 * ms, 23.69 * ms, 1961);
    CHECK(lo < hi);
}

TEST_CASE("hdd: random 4 KiB read ≈ overhead + average seek + half a rotation + transfer") {
    // 7200 rpm → 8.333 ms per revolution, 4.167 ms half; 4096 B at 250 MB/s =
    // 16.4 us; controller overhead 0.1 ms; average seek 7.4 ms:
    // 0.1 + 7.4 + 4.167 + 0.016 = 11.683 ms per read at queue depth 1.
    auto cfg = small_disk(1000000000000ull);
    hdd_timing d(cfg.hdd, 512, cfg.capacity / 512);
    CHECK(d.revolution_ps() == Approx(8.3333333 * ms));
    std::mt19937_64 g(7);
    std::uint64_t now = 0;
    double total = 0;
    const int n = 5000;
    for (int i = 0; i < n; ++i) {
        std::uint64_t lba = (g() % (cfg.capacity / 4096)) * 8;
        std::uint64_t done = d.service(rd(now, lba, 8));
        total += double(done - now);
        now = done;
    }
    double expect = 0.1 * ms + 7.4 * ms + 8.3333333 * ms / 2 + 4096.0 / 250e6 * 1e12;
    CHECK(total / n == Approx(expect).epsilon(0.02));
    CHECK(d.stats().cache_hits == 0);
}

TEST_CASE("hdd: rotation: re-reading one sector from the medium takes exactly one revolution") {
    // Same LBA, head already there, issued at the previous completion: the
    // sector comes round again one revolution (8.333 ms) after it last passed.
    auto cfg = small_disk(1000000000000ull);
    hdd_timing d(cfg.hdd, 512, cfg.capacity / 512);
    std::uint64_t t1 = d.service(rd(123456789, 5000000, 1, true));
    std::uint64_t t2 = d.service(rd(t1, 5000000, 1, true));
    CHECK(double(t2 - t1) == Approx(60e12 / 7200).margin(2));
}

TEST_CASE("hdd: read cache: a repeated read hits, read-ahead streams sequential reads at the media rate") {
    auto cfg = small_disk(1000000000000ull);
    {
        hdd_timing d(cfg.hdd, 512, cfg.capacity / 512);
        std::uint64_t t = d.service(rd(0, 777777, 8));
        CHECK(d.service(rd(t, 777777, 8)) == t + cfg.hdd.cache_hit);  // 0.05 ms hit
        CHECK(d.stats().cache_hits == 1);
        CHECK(d.service(rd(t, 777777, 8, true)) > t + cfg.hdd.overhead);  // FUA goes to the medium
    }
    // 64 KiB sequential reads at QD1: after the first miss, the read-ahead
    // stream delivers 64 KiB every 65536 B / 250 MB/s = 262 us.
    hdd_timing d(cfg.hdd, 512, cfg.capacity / 512);
    std::uint64_t now = d.service(rd(0, 0, 128));
    std::uint64_t first = now;
    for (int i = 1; i <= 200; ++i) now = d.service(rd(now, std::uint64_t(i) * 128, 128));
    double rate = 200.0 * 65536 / (double(now - first) / 1e12);
    CHECK(rate == Approx(250e6).epsilon(0.01));
    // Without a cache every sequential read just misses its sector (the 0.1 ms
    // overhead lets it pass) and waits a revolution: 64 KiB per 8.333 ms +
    // 0.262 ms transfer = 8.595 ms ≈ 7.62 MB/s.
    auto nc = cfg.hdd;
    nc.cache_size = 0;
    nc.read_ahead = 0;
    hdd_timing s(nc, 512, cfg.capacity / 512);
    now = s.service(rd(0, 0, 128));
    first = now;
    for (int i = 1; i <= 50; ++i) now = s.service(rd(now, std::uint64_t(i) * 128, 128));
    double slow = 50.0 * 65536 / (double(now - first) / 1e12);
    CHECK(slow == Approx(65536 / ((8.3333333 + 0.262144) * 1e-3)).epsilon(0.005));
}

TEST_CASE("hdd: zones: outer cylinders hold more data and transfer faster") {
    auto h = disk_hdd_config{};
    h.inner_media_rate = h.media_rate / 2;
    const std::uint64_t blocks = 1000000000000ull / 512;
    hdd_timing d(h, 512, blocks);
    CHECK(d.cylinder_of(0) == 0);
    CHECK(d.cylinder_of(blocks - 1) == h.cylinders - 1);
    // Capacity below position x is (x − x²/4)/0.75 for Ri = Ro/2: half of the
    // data lies within x = 2 − sqrt(2.5) = 0.4189 of the stroke.
    CHECK(double(d.cylinder_of(blocks / 2)) == Approx(0.4189 * 100000).epsilon(0.001));
    CHECK(d.media_bytes_per_ps(0) == Approx(2 * d.media_bytes_per_ps(h.cylinders - 1)));
}

TEST_CASE("hdd: write cache: buffered writes complete early, SYNCHRONIZE CACHE waits for the medium") {
    auto cfg = small_disk(1000000000000ull);
    cfg.hdd.write_cache = true;
    hdd_timing d(cfg.hdd, 512, cfg.capacity / 512);
    std::uint64_t w = d.service(wr(1000, 123456789, 8));
    CHECK(w == 1000 + cfg.hdd.cache_hit);
    std::uint64_t f = d.service({w, media_op::flush, 0, 0, false, false});
    CHECK(f == d.busy_until());
    CHECK(f > 1000 + cfg.hdd.overhead);  // the destage needed a seek and rotation
    std::uint64_t fua = d.service(wr(f, 987654321, 8, true));
    CHECK(fua > f + cfg.hdd.overhead);
    // Write-through (WCE off): the write completes on the medium.
    hdd_timing wt(small_disk(1000000000000ull).hdd, 512, cfg.capacity / 512);
    CHECK(wt.service(wr(1000, 123456789, 8)) > 1000 + cfg.hdd.overhead);
}

TEST_CASE("hdd: queueing hooks: positioning is the service time less the transfer, and what waits for the mechanism") {
    auto cfg = small_disk(1000000000000ull);
    hdd_timing d(cfg.hdd, 512, cfg.capacity / 512);
    CHECK(d.reorders()); // sptf by default
    // An idle miss: service = start + positioning + the transfer of its blocks
    const std::uint64_t lba = 987654321, start = 5000000;
    const std::uint64_t pos = d.positioning_ps(start, lba, false);
    CHECK(pos > cfg.hdd.overhead);
    const std::uint64_t done = d.service(rd(start, lba, 8));
    const double transfer = 8.0 * 512 / d.media_bytes_per_ps(d.cylinder_of(lba));
    CHECK(double(done - start - pos) == Approx(transfer).margin(2));
    CHECK(d.mechanism_free() == done);
    // positioning from a later start counts from when the mechanism is free
    const std::uint64_t p2 = d.positioning_ps(0, 123456, false);
    const std::uint64_t t2 = d.service(rd(0, 123456, 1, true));
    CHECK(double(t2 - done - p2) == Approx(512 / d.media_bytes_per_ps(d.cylinder_of(123456))).margin(2));
    // no side effects: asking twice gives the same
    CHECK(d.positioning_ps(t2, 42, true) == d.positioning_ps(t2, 42, true));
    // a cached read does not need the mechanism; the same with FUA does
    CHECK_FALSE(d.needs_mechanism(rd(t2, lba, 8)));
    CHECK(d.needs_mechanism(rd(t2, lba, 8, true)));
    CHECK(d.needs_mechanism(rd(t2, 5, 8)));
    // writes: write-through needs it; write-back is buffered (destaged in order)
    CHECK(d.needs_mechanism(wr(t2, 5, 8)));
    auto wb = cfg.hdd;
    wb.write_cache = true;
    hdd_timing b(wb, 512, cfg.capacity / 512);
    CHECK_FALSE(b.needs_mechanism(wr(0, 5, 8)));
    CHECK(b.needs_mechanism(wr(0, 5, 8, true)));
    auto fifo = cfg.hdd;
    fifo.scheduling = "fifo";
    CHECK_FALSE(hdd_timing(fifo, 512, cfg.capacity / 512).reorders());
    CHECK_FALSE(ssd_timing(disk_ssd_config{}, 512).reorders());
}

TEST_CASE("hdd: timing is deterministic for a given command sequence") {
    auto run = [] {
        auto cfg = small_disk(1000000000000ull);
        scsi_target t(cfg);
        runner r{t};
        std::mt19937_64 g(99);
        std::vector<std::uint64_t> times;
        for (int i = 0; i < 300; ++i) {
            auto o = r.run(rw16(i % 3 ? 0x88 : 0x8a, g() % 1000000000, 8), 0, bytes(4096, 1));
            times.push_back(o.r.complete_ps);
            r.now += 3 * 1000000000ull;  // 3 ms apart: some queueing
        }
        return times;
    };
    CHECK(run() == run());
}

TEST_CASE("ssd: units work in parallel, reads on one unit queue") {
    // 16 units, 16 KiB pages (32 blocks of 512 B), 10 us controller + 60 us read.
    disk_ssd_config c;
    ssd_timing d(c, 512);
    CHECK(d.unit_of(0) == 0);
    CHECK(d.unit_of(32) == 1);
    CHECK(d.unit_of(32 * 16) == 0);
    for (unsigned p = 0; p < 16; ++p) CHECK(d.service(rd(0, p * 32, 8)) == std::uint64_t(70 * us));
    ssd_timing q(c, 512);
    for (unsigned k = 1; k <= 16; ++k) CHECK(q.service(rd(0, (k - 1) * 32 * 16, 8)) == std::uint64_t((10 + 60 * k) * us));
    // A command spanning two pages on two units completes with the later one.
    ssd_timing two(c, 512);
    CHECK(two.service(rd(0, 16, 32)) == std::uint64_t(70 * us));
    CHECK(two.unit_busy_until(0) == std::uint64_t(70 * us));
    CHECK(two.unit_busy_until(1) == std::uint64_t(70 * us));
    // Writes pay the program latency: 10 + 600 us.
    ssd_timing w(c, 512);
    CHECK(w.service(wr(0, 0, 8)) == std::uint64_t(610 * us));
    CHECK(w.service({0, media_op::flush, 0, 0, false, false}) == std::uint64_t(610 * us));
}

TEST_CASE("ssd: throughput scales with the units, Little's law holds in a closed loop") {
    disk_ssd_config c;
    const int n = 1000;
    // 1000 reads issued at once, striped over the 16 units: the busiest unit
    // serves ceil(1000/16) = 63 → 10 + 63·60 us; all on one unit: 10 + 1000·60 us.
    ssd_timing striped(c, 512), single(c, 512);
    std::uint64_t end_s = 0, end_1 = 0;
    for (int i = 0; i < n; ++i) {
        end_s = std::max(end_s, striped.service(rd(0, std::uint64_t(i) * 32, 1)));
        end_1 = std::max(end_1, single.service(rd(0, std::uint64_t(i) * 32 * 16, 1)));
    }
    CHECK(end_s == std::uint64_t((10 + 63 * 60) * us));
    CHECK(end_1 == std::uint64_t((10 + 1000 * 60) * us));
    CHECK(double(end_1) / double(end_s) == Approx(16).epsilon(0.02));

    // Closed loop, Q outstanding: a completion at t issues the next command at t.
    auto closed = [&](int Q, std::function<std::uint64_t(int)> lba_of, double& lambda, double& W) {
        ssd_timing d(c, 512);
        using ev = std::pair<std::uint64_t, std::uint64_t>;  // (completion, issue)
        std::priority_queue<ev, std::vector<ev>, std::greater<ev>> pq;
        int issued = 0;
        for (; issued < Q; ++issued) pq.push({d.service(rd(0, lba_of(issued), 1)), 0});
        double sumW = 0;
        std::uint64_t t = 0;
        for (int done = 0; done < 4000; ++done) {
            auto [comp, iss] = pq.top();
            pq.pop();
            sumW += double(comp - iss);
            t = comp;
            pq.push({d.service(rd(t, lba_of(issued++), 1)), t});
        }
        lambda = 4000 / double(t);
        W = sumW / 4000;
    };
    double lambda, W;
    closed(4, [](int) { return std::uint64_t(0); }, lambda, W);  // one unit
    // λ = 1/60 us (the unit is the bottleneck), W ≈ 4·60 us (+ up to one overhead), L = λ·W ≈ 4.
    CHECK(lambda * 1e12 == Approx(1 / 60e-6).epsilon(0.01));
    CHECK(lambda * W == Approx(4).epsilon(0.05));
    closed(16, [](int i) { return std::uint64_t(i) * 32; }, lambda, W);  // 16 units, round robin
    // No queueing: W = 70 us, λ = 16/70 us, L = 16.
    CHECK(W == Approx(70 * us).epsilon(0.01));
    CHECK(lambda * W == Approx(16).epsilon(0.01));
}

TEST_CASE("ram: fixed latency plus bytes at the bandwidth, bandwidth shared") {
    // 4096 B at 4 GB/s = 1.024 us; + 5 us latency = 6.024 us.
    disk_ram_config c;
    ram_timing d(c, 512);
    CHECK(d.service(rd(0, 0, 8)) == 6024000);
    CHECK(d.service(rd(0, 8, 8)) == 2048000 + 5000000);  // second waits for the first's data
    CHECK(d.service(rd(10000000, 8, 0)) == 15000000);
}

TEST_CASE("link: 4 KiB at 12 Gb/s with 8b/10b is 3.413 us") {
    disk_link_config c;  // 12 Gb/s, 8b10b
    link_model l(c);
    CHECK(l.transfer_ps(4096) == 3413333);  // 4096·10 / 12e9 s
    CHECK(l.payload_rate() == Approx(1.2e9));  // B5: 1,200 MB/s per SAS-3 lane
    c.rate = 6e9;
    CHECK(link_model(c).transfer_ps(4096) == 6826667);
    c.rate = 8e9;
    c.encoding = "128b130b";
    CHECK(link_model(c).transfer_ps(4096) == 4160000);  // 4096·8·130/128 / 8e9
    c.rate = 22.5e9;
    c.encoding = "128b150b";
    CHECK(link_model(c).transfer_ps(4096) == 1706667);  // SAS-4
    c.rate = 12e9;
    c.encoding = "8b10b";
    c.efficiency = 0.92;
    CHECK(link_model(c).transfer_ps(4096) == 3710145);  // B5 framing efficiency
    c.encoding = "bogus";
    CHECK_THROWS(link_model(c));
}

TEST_CASE("timing: the target reports service completion from its timing model") {
    auto cfg = small_disk();
    cfg.kind = "ram";
    scsi_target t(cfg);
    runner r{t, 1000000};
    auto o = r.run(rw10(0x28, 0, 8));
    CHECK(o.r.complete_ps == 1000000 + 6024000);
    auto inq = r.run(inquiry(false, 0, 36));
    CHECK(inq.r.complete_ps == 1000000 + cfg.command_overhead);
}

TEST_CASE("config: binds every field and validation explains what is wrong") {
    disk_config c;
    ddisim::tlm::param_group g("platform.disk", "a disk");
    describe(g, c);
    g.find("kind")->assign("ssd");
    g.find("capacity")->assign("2TB");
    g.find("block_size")->assign("4KiB");
    g.find("hdd")->sub->find("rpm")->assign("15000");
    g.find("hdd")->sub->find("average_seek")->assign("8ms");
    g.find("ssd")->sub->find("units")->assign("32");
    g.find("link")->sub->find("rate")->assign("6Gb/s");
    g.find("faults")->sub->find("reset_at")->assign("1ms");
    CHECK(c.kind == "ssd");
    CHECK(c.capacity == 2000000000000ull);
    CHECK(c.block_size == 4096);
    CHECK(c.hdd.rpm == 15000);
    CHECK(c.hdd.average_seek == 8000000000ull);
    CHECK(c.ssd.units == 32);
    CHECK(c.link.rate == 6e9);
    CHECK(c.faults.reset_at == 1000000000ull);
    CHECK_THROWS(g.find("kind")->assign("tape"));
    CHECK_THROWS(g.find("link")->sub->find("encoding")->assign("8b9b"));
    CHECK_NOTHROW(validate(c));

    auto bad = [](auto mutate) {
        disk_config d;
        mutate(d);
        try {
            validate(d);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK_THAT(bad([](disk_config& d) { d.block_size = 1024; }), Contains("block_size"));
    CHECK_THAT(bad([](disk_config& d) { d.capacity = 1000; }), Contains("not a multiple"));
    CHECK_THAT(bad([](disk_config& d) { d.vendor = "TOOLONGVENDOR"; }), Contains("vendor"));
    CHECK_THAT(bad([](disk_config& d) { d.hdd.average_seek = 14900000000ull; }), Contains("hdd.average_seek"));
    CHECK_THAT(bad([](disk_config& d) { d.hdd.average_seek = 100000000; }), Contains("track_to_track"));
    CHECK_THAT(bad([](disk_config& d) { d.faults.medium_errors.push_back({~0ull >> 8, 1, false}); }),
               Contains("medium_errors[0]"));
    CHECK_THAT(bad([](disk_config& d) { d.capacity = 0; }), Contains("image"));
    CHECK_THAT(bad([](disk_config& d) { d.luns = 2; d.image = "x.img"; }), Contains("luns"));
    CHECK(bad([](disk_config&) {}).empty());
}
