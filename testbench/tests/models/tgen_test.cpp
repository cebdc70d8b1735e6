// Traffic generator (models/tgen): sequence determinism, verify mode, rate
// limit, simulated end time from the configuration.
#include "models_fixture.h"

#include <set>

namespace models = ddisim::models;
namespace dtlm = ddisim::tlm;
using namespace ddisim::test;
using namespace sc_core;

TEST_CASE("tgen: the same seed gives the same sequence, another seed another") {
    models::tgen_config c;
    c.pattern = "random";
    c.read_fraction = 0.7;
    c.range = 1ull << 30;
    c.size = 256;
    c.seed = 7;
    models::tgen_sequence a(c), b(c);
    auto c2 = c;
    c2.seed = 8;
    models::tgen_sequence other(c2);
    int same = 0, writes = 0;
    for (int k = 0; k < 100000; ++k) {
        const auto x = a.next(), y = b.next(), z = other.next();
        REQUIRE(x.addr == y.addr);
        REQUIRE(x.write == y.write);
        REQUIRE(x.addr % 256 == 0);
        REQUIRE(x.addr < c.range);
        same += x.addr == z.addr;
        writes += x.write;
    }
    CHECK(same < 10);
    // 30 % writes within 1 %
    CHECK(std::abs(writes / 100000.0 - 0.3) < 0.01);
}

TEST_CASE("tgen: sequential pattern walks the window and wraps") {
    models::tgen_config c;
    c.base = 0x1000;
    c.range = 4 * 64;
    c.size = 64;
    models::tgen_sequence s(c);
    const std::uint64_t want[] = {0x1000, 0x1040, 0x1080, 0x10c0, 0x1000};
    for (auto w : want) CHECK(s.next().addr == w);
}

namespace {
// 256 KiB written in 512 B pieces, 8 in flight, then read back and compared.
void verify_round_trip(tgen::style st) {
    models::tgen_config c;
    c.verify = true;
    c.range = 256 << 10;
    c.size = 512;
    c.outstanding = 8;
    c.seed = 3;
    system_under_test s(small_memory(), models::bus_config{}, {c}, st);
    s.run();
    CHECK(s.gens[0]->transactions() == 2 * (256 << 10) / 512);
    CHECK(s.gens[0]->verify_errors() == 0);
    CHECK(s.gens[0]->errors() == 0);
}
} // namespace

TEST_CASE("tgen: LT verify mode writes a pattern and reads it back through the bus") {
    verify_round_trip(tgen::style::lt);
}

TEST_CASE("tgen: AT verify mode writes a pattern and reads it back through the bus") {
    verify_round_trip(tgen::style::at);
}

TEST_CASE("tgen: verify mode detects corrupted memory") {
    // Two generators share a window: gen1 (random writes, other seed) corrupts
    // what gen0 wrote, so gen0's read-back must report mismatches.
    models::tgen_config c;
    c.verify = true;
    c.range = 64 << 10;
    c.size = 256;
    c.seed = 3;
    models::tgen_config w;
    w.read_fraction = 0;
    w.range = 64 << 10;
    w.size = 256;
    w.seed = 99;
    w.count = 256;
    w.start_delay = 5'000'000; // 5 µs: after gen0's write pass, before its read pass ends
    system_under_test s(small_memory(), models::bus_config{}, {c, w}, tgen::style::lt);
    s.run();
    CHECK(s.gens[0]->verify_errors() > 0);
}

TEST_CASE("tgen: LT end time follows from the configuration (100 × 57 ns)") {
    // One transaction in flight, 100 reads of 64 B, each 57 ns through the idle
    // bus and memory (see the bus latency test): the run ends at 5.7 µs, and
    // the latency checksum equals the one of the AT run of the same config.
    models::tgen_config c;
    c.count = 100;
    c.pattern = "random";
    c.seed = 11;
    system_under_test s(small_memory(), models::bus_config{}, {c}, tgen::style::lt);
    s.run();
    CHECK(sc_time_stamp() == sc_time(5700, SC_NS));
    CHECK(s.gens[0]->latency().min() == Approx(57.0));
    CHECK(s.gens[0]->latency().max() == Approx(57.0));
}

TEST_CASE("tgen: AT end time follows from the configuration (100 × 57 ns)") {
    // As LT: the AT run must agree exactly when nothing contends.
    models::tgen_config c;
    c.count = 100;
    c.pattern = "random";
    c.seed = 11;
    system_under_test s(small_memory(), models::bus_config{}, {c}, tgen::style::at);
    s.run();
    CHECK(sc_time_stamp() == sc_time(5700, SC_NS));
    CHECK(s.gens[0]->latency().max() == Approx(57.0));
}

TEST_CASE("tgen: rate limit caps the offered bandwidth (1 GB/s)") {
    // 1 GB/s = 8 Gb/s offered against a 25.6 GB/s path: achieved ≈ 1 GB/s
    // (first issue to last response: 9999 intervals of 64 ns + 57 ns).
    for (auto st : {tgen::style::lt}) {
        models::tgen_config c;
        c.count = 10000;
        c.rate = 8e9;
        c.outstanding = 16;
        system_under_test s(small_memory(), models::bus_config{}, {c}, st);
        s.run();
        CHECK(std::abs(rel_err(s.gens[0]->bandwidth(), 1e9)) < 0.01);
    }
}

TEST_CASE("tgen: AT rate limit caps the offered bandwidth (1 GB/s)") {
    models::tgen_config c;
    c.count = 10000;
    c.rate = 8e9;
    c.outstanding = 16;
    system_under_test s(small_memory(), models::bus_config{}, {c}, tgen::style::at);
    s.run();
    CHECK(std::abs(rel_err(s.gens[0]->bandwidth(), 1e9)) < 0.01);
}

TEST_CASE("tgen: time limit stops issuing (LT)") {
    // Closed loop with one in flight: 57 ns per read; a 10 µs limit admits
    // reads issued at 0, 57, …, 9975 ns → 176 reads.
    models::tgen_config c;
    c.count = 0;
    c.time_limit = 10'000'000;
    system_under_test s(small_memory(), models::bus_config{}, {c}, tgen::style::lt);
    s.run();
    CHECK(s.gens[0]->transactions() == 176);
}

TEST_CASE("tgen: random mixed traffic gives the same statistics twice in one process") {
    // Determinism without a second elaboration: the sequence is a pure
    // function of the config, checked above; here the simulated result of one
    // run is pinned to figures derived from the config: 2000 random 128 B
    // transactions, 60 % reads, all complete, bytes = 2000 × 128.
    models::tgen_config c;
    c.count = 2000;
    c.pattern = "random";
    c.read_fraction = 0.6;
    c.size = 128;
    c.outstanding = 8;
    c.seed = 5;
    models::tgen_sequence seq(c);
    std::uint64_t reads = 0;
    for (int k = 0; k < 2000; ++k) reads += !seq.next().write;
    system_under_test s(small_memory(), models::bus_config{}, {c}, tgen::style::at);
    s.run();
    CHECK(s.gens[0]->bytes() == 2000 * 128);
    CHECK(dtlm::stats_registry::instance().find("gen0.reads")->value() == reads);
    CHECK(dtlm::stats_registry::instance().find("mem.reads")->value() == reads);
}
