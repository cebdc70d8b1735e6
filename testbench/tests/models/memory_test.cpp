// Memory model (models/memory): timing, errors, byte enables, DMI, sparse
// backing. Each TEST_CASE elaborates one design (one process per test).
#include "models_fixture.h"

#include <cstring>

namespace models = ddisim::models;
namespace dtlm = ddisim::tlm;
using namespace ddisim::test;
using namespace sc_core;

namespace {
models::tgen_config reads(std::uint64_t count, unsigned outstanding, std::uint64_t size = 64) {
    models::tgen_config t;
    t.size = size;
    t.count = count;
    t.outstanding = outstanding;
    t.range = 64ull << 20;
    return t;
}
} // namespace

TEST_CASE("memory: LT idle 64 B read takes transfer time + latency (50 ns)") {
    // 64 B on one channel of 8 B/cycle at 1.6 GHz: 8 × 625 ps = 5 ns, + 45 ns latency = 50 ns.
    system_under_test s(small_memory(), reads(1, 1), tgen::style::lt);
    s.run();
    CHECK(s.gens[0]->latency().max() == Approx(50.0));
    CHECK(s.gens[0]->latency().min() == Approx(50.0));
}

TEST_CASE("memory: AT idle 64 B read takes transfer time + latency (50 ns)") {
    // Same arithmetic as LT: 8 × 625 ps + 45 ns = 50 ns from BEGIN_REQ to BEGIN_RESP.
    system_under_test s(small_memory(), reads(1, 1), tgen::style::at);
    s.run();
    CHECK(s.gens[0]->latency().max() == Approx(50.0));
    CHECK(sc_time_stamp() == sc_time(50, SC_NS));
}

TEST_CASE("memory: LT saturating reads reach the peak bandwidth (25.6 GB/s)") {
    // Peak = 2 channels × 8 B/cycle × 1.6 GHz = 25.6 GB/s. 32 transactions in
    // flight cover the 50 ns latency (20 × 2.5 ns), so the channels never idle.
    system_under_test s(small_memory(), reads(100000, 32), tgen::style::lt);
    s.run();
    CHECK(std::abs(rel_err(s.gens[0]->bandwidth(), 25.6e9)) < 0.02);
    CHECK(s.mem->peak_bandwidth() == Approx(25.6e9));
}

TEST_CASE("memory: AT saturating reads reach the peak bandwidth (25.6 GB/s)") {
    // As LT: 32 requests in flight (queue_depth 32) keep both channels busy.
    system_under_test s(small_memory(), reads(100000, 32), tgen::style::at);
    s.run();
    CHECK(std::abs(rel_err(s.gens[0]->bandwidth(), 25.6e9)) < 0.02);
}

TEST_CASE("memory: AT back-pressure withholds END_REQ beyond queue_depth") {
    // queue_depth 4 with 16 requests offered: the memory never holds more than 4.
    auto mc = small_memory();
    mc.queue_depth = 4;
    system_under_test s(mc, reads(2000, 16), tgen::style::at);
    s.run();
    const auto* st = dynamic_cast<const dtlm::time_average*>(dtlm::stats_registry::instance().find("mem.inflight"));
    REQUIRE(st);
    CHECK(st->max() == 4);
    CHECK(s.gens[0]->transactions() == 2000);
}

TEST_CASE("memory: read/write turnaround costs the configured penalty") {
    // Write 64 B then read 64 B on the same channel, issued together (2 in
    // flight): write occupies ch0 for 5 ns, the read waits 5 ns turnaround and
    // 5 ns transfer → read completes at 5 + 5 + 5 + 45 = 60 ns.
    auto mc = small_memory();
    auto st = std::make_unique<dtlm::backing_store>(models::memory::store_size(mc));
    models::memory m("mem", mc, *st);
    CHECK(m.schedule(0, 0, 64, true) == 50000);
    CHECK(m.schedule(0, 64, 64, false) == 60000);
    // Another channel (address 256) is unaffected: 5 + 45 = 50 ns.
    CHECK(m.schedule(0, 256, 64, false) == 50000);
    // A 4 KiB read spreads over both channels (2 KiB each = 256 cycles =
    // 160 ns) after ch0's backlog (15 ns) → 175 + 45 = 220 ns.
    CHECK(m.schedule(0, 8192, 4096, false) == 220000);
}

TEST_CASE("memory: a requester alone on a channel has its turnaround reduced by the idle time since its previous access, in LT as in AT") {
    // One requester (index 0) on channel 0, 64 B = 5 ns per access, 5 ns
    // turnaround (added to the access's channel time), 45 ns latency. The same sequence in LT (at = false: counted
    // from the requester's own previous access) and AT (from the channel's
    // last busy time; for a requester alone the same instant) gives the same
    // times.
    auto mc = small_memory();
    auto st = std::make_unique<dtlm::backing_store>(models::memory::store_size(mc));
    models::memory lt("lt", mc, *st), at("at", mc, *st);
    for (models::memory* m : {&lt, &at}) {
        const bool a = m == &at;
        INFO((a ? "AT" : "LT"));
        CHECK(m->schedule(0, 0, 64, true, 0, a) == 50000);        // write, channel busy [0, 5)
        CHECK(m->schedule(5000, 64, 64, false, 0, a) == 60000);   // read right after: whole turnaround, [10, 15)
        CHECK(m->schedule(17000, 128, 64, true, 0, a) == 70000);  // write 2 ns after: 3 ns left, [17, 25)
        CHECK(m->schedule(40000, 192, 64, false, 0, a) == 90000); // read 15 ns after: none left, [40, 45)
        CHECK(m->schedule(40000, 0, 64, false, 0, a) == 95000);   // same direction, queued behind it, [45, 50)
    }
}

TEST_CASE("memory: LT serves a requester's access ready before its previous ones in the first gap, once it has had "
          "one") {
    // Requester 0 reads 64 B (5 ns on a channel, 45 ns latency) on channel 0
    // every 100 ns. An access ready before the latest one ends (LT calls in
    // issue order, accesses ready out of it) is the requester's first such
    // on the channel: it queues behind them all (nothing of its history is
    // kept yet). Once the history holds only kept reservations, a later one
    // goes in the gap it is ready in, as time order would serve it.
    // (The channels share per quantum, as in a run: elaborated with a 1 µs
    // quantum. Without one they serve first come first served, in call
    // order, which is right only when calls come in time order.)
    ::tlm::tlm_global_quantum::instance().set(sc_time(1, SC_US));
    auto mc = small_memory();
    auto st = std::make_unique<dtlm::backing_store>(models::memory::store_size(mc));
    models::memory m("mem", mc, *st);
    probe idle("idle", [](probe&) {}); // the socket must be bound to elaborate
    idle.out.bind(m.in);
    sc_start(SC_ZERO_TIME);
    const auto read_at = [&](double ns) { return m.schedule(static_cast<dtlm::ps_t>(ns * 1000), 0, 64, false, 0, false); };
    for (int k = 0; k < 70; ++k) REQUIRE(read_at(k * 100.0) == static_cast<dtlm::ps_t>((k * 100.0 + 50) * 1000));
    CHECK(read_at(50) == 6'955'000); // behind [6900, 6905): [6905, 6910) + 45
    for (int k = 0; k < 64; ++k) REQUIRE(read_at(7000 + k * 100.0) == static_cast<dtlm::ps_t>((7000 + k * 100.0 + 50) * 1000));
    CHECK(read_at(7050) == 7'100'000); // in the gap [7005, 7100): [7050, 7055) + 45
    CHECK(read_at(7102) == 7'155'000); // taken to 7105, then free: [7105, 7110) + 45
    CHECK(read_at(13400) == 13'450'000); // in order again
}

TEST_CASE("memory: LT charges the whole turnaround when another requester has used the channel") {
    // As above, but requester 1 reads on the channel too: LT cannot tell the
    // channel's idle time from requester 1's accesses (their order within the
    // quantum is unknown), so requester 0's direction switch pays all 5 ns
    // however long ago its own previous access ended.
    auto mc = small_memory();
    auto st = std::make_unique<dtlm::backing_store>(models::memory::store_size(mc));
    models::memory m("mem", mc, *st);
    CHECK(m.schedule(0, 0, 64, true, 0) == 50000);        // requester 0 writes, [0, 5)
    CHECK(m.schedule(6000, 64, 64, false, 1) == 56000);   // requester 1 reads, [6, 11)
    CHECK(m.schedule(40000, 128, 64, false, 0) == 95000); // requester 0 reads: whole turnaround, [40, 50)
}

TEST_CASE("memory: accesses outside DRAM return address errors and touch nothing") {
    auto mc = small_memory(); // low region [0, 1 GiB), no high region
    dtlm::backing_store store(models::memory::store_size(mc));
    models::memory mem("mem", mc, store);
    dtlm::protocol_checker chk("chk");
    std::vector<::tlm::tlm_response_status> got;
    std::uint8_t buf[64];
    probe p("probe", [&](probe& self) {
        std::memset(buf, 0xaa, sizeof buf);
        // crosses the end of the low region
        got.push_back(self.transport(::tlm::TLM_WRITE_COMMAND, mc.low_size - 32, buf, 64));
        got.push_back(self.transport(::tlm::TLM_READ_COMMAND, mc.low_size - 32, buf, 64));
        // in the MMIO hole and in the (absent) high region
        got.push_back(self.transport(::tlm::TLM_READ_COMMAND, 0xf000'0000, buf, 64));
        got.push_back(self.transport(::tlm::TLM_WRITE_COMMAND, models::memory_high_base, buf, 64));
        // address + length wrapping the 64-bit space must not be accepted
        got.push_back(self.transport(::tlm::TLM_WRITE_COMMAND, ~0ull - 7, buf, 16));
        // last 32 bytes: fine
        got.push_back(self.transport(::tlm::TLM_WRITE_COMMAND, mc.low_size - 32, buf, 32));
    });
    p.out.bind(chk.in);
    chk.out.bind(mem.in);
    sc_report_handler::set_actions("ddisim/protocol", SC_ERROR, SC_DISPLAY); // the wrap is a checker finding too
    sc_start();
    REQUIRE(got.size() == 6);
    for (int k = 0; k < 5; ++k) CHECK(got[k] == ::tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK(got[5] == ::tlm::TLM_OK_RESPONSE);
    // The failed write left the bytes before the end untouched: only the last
    // write (exactly the last 32 bytes) wrote 0xaa.
    for (std::uint64_t a = mc.low_size - 64; a < mc.low_size - 32; ++a) REQUIRE(store.data()[a] == 0);
    for (std::uint64_t a = mc.low_size - 32; a < mc.low_size; ++a) REQUIRE(store.data()[a] == 0xaa);
    // The failed read did not overwrite the buffer.
    for (auto b : buf) REQUIRE(b == 0xaa);
    CHECK(chk.violations() == 1); // the wrapping request only
}

TEST_CASE("memory: byte enables write and read only enabled bytes") {
    auto mc = small_memory();
    dtlm::backing_store store(models::memory::store_size(mc));
    models::memory mem("mem", mc, store);
    dtlm::protocol_checker chk("chk");
    ::tlm::tlm_response_status bad_be = ::tlm::TLM_OK_RESPONSE;
    probe p("probe", [&](probe& self) {
        std::uint8_t data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
        std::uint8_t be[2] = {TLM_BYTE_ENABLED, TLM_BYTE_DISABLED}; // repeated: even bytes only
        ::tlm::tlm_generic_payload gp;
        gp.set_command(::tlm::TLM_WRITE_COMMAND);
        gp.set_address(0x100);
        gp.set_data_ptr(data);
        gp.set_data_length(8);
        gp.set_streaming_width(8);
        gp.set_byte_enable_ptr(be);
        gp.set_byte_enable_length(2);
        gp.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
        sc_time d;
        self.out->b_transport(gp, d);
        REQUIRE(gp.is_response_ok());
        std::uint8_t rd[8];
        std::memset(rd, 0xee, 8);
        gp.set_command(::tlm::TLM_READ_COMMAND);
        gp.set_data_ptr(rd);
        gp.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
        self.out->b_transport(gp, d);
        REQUIRE(gp.is_response_ok());
        const std::uint8_t want[8] = {1, 0xee, 3, 0xee, 5, 0xee, 7, 0xee};
        CHECK(std::memcmp(rd, want, 8) == 0);
        // A byte-enable pointer with length 0 is rejected (and flagged by the checker).
        gp.set_byte_enable_length(0);
        gp.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
        self.out->b_transport(gp, d);
        bad_be = gp.get_response_status();
    });
    p.out.bind(chk.in);
    chk.out.bind(mem.in);
    sc_report_handler::set_actions("ddisim/protocol", SC_ERROR, SC_DISPLAY);
    sc_start();
    const std::uint8_t want[8] = {1, 0, 3, 0, 5, 0, 7, 0};
    CHECK(std::memcmp(store.data() + 0x100, want, 8) == 0);
    CHECK(bad_be == ::tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    CHECK(chk.violations() == 1);
}

TEST_CASE("memory: DMI through the bus grants the region, shares the bytes and is invalidated") {
    auto mc = small_memory();
    mc.high_size = 1ull << 30;
    dtlm::backing_store store(models::memory::store_size(mc));
    models::memory mem("mem", mc, store);
    models::bus_config bc;
    models::bus bus("bus", bc);
    dtlm::protocol_checker chk_in("chk_in"), chk_mem("chk_mem");
    bus.out.bind(chk_mem.in);
    chk_mem.out.bind(mem.in);
    bus.add_region(models::bus_region::absolute("low", 0, mc.low_size, 0));
    bus.add_region(models::bus_region::absolute("high", models::memory_high_base, mc.high_size, 0));
    bool granted_low = false, granted_high = false, granted_hole = true;
    ::tlm::tlm_dmi low, high;
    probe p("probe", [&](probe& self) {
        ::tlm::tlm_generic_payload gp;
        gp.set_address(0x1000);
        gp.set_command(::tlm::TLM_READ_COMMAND);
        granted_low = self.out->get_direct_mem_ptr(gp, low);
        gp.set_address(models::memory_high_base + 0x2000);
        granted_high = self.out->get_direct_mem_ptr(gp, high);
        ::tlm::tlm_dmi hole;
        gp.set_address(0xe000'0000);
        granted_hole = self.out->get_direct_mem_ptr(gp, hole);
        // A b_transport write is visible through the DMI pointer, and a DMI
        // write through b_transport.
        std::uint8_t w[4] = {0xde, 0xad, 0xbe, 0xef};
        REQUIRE(self.transport(::tlm::TLM_WRITE_COMMAND, 0x1000, w, 4) == ::tlm::TLM_OK_RESPONSE);
        REQUIRE(std::memcmp(low.get_dmi_ptr() + 0x1000, w, 4) == 0);
        high.get_dmi_ptr()[0x2000] = 0x5a;
        std::uint8_t r = 0;
        REQUIRE(self.transport(::tlm::TLM_READ_COMMAND, models::memory_high_base + 0x2000, &r, 1) == ::tlm::TLM_OK_RESPONSE);
        CHECK(r == 0x5a);
        // Debug transport sees the same bytes.
        std::uint8_t dbg[4] = {};
        gp.set_address(0x1000);
        gp.set_data_ptr(dbg);
        gp.set_data_length(4);
        CHECK(self.out->transport_dbg(gp) == 4);
        CHECK(std::memcmp(dbg, w, 4) == 0);
        // The memory revokes one page; the bus passes it to the initiator.
        mem.invalidate_dmi(0x3000, 0x3fff);
        mem.invalidate_dmi(models::memory_high_base, models::memory_high_base + 0xfff);
    });
    p.out.bind(chk_in.in);
    chk_in.out.bind(bus.in);
    sc_start();
    REQUIRE(granted_low);
    CHECK(low.get_start_address() == 0);
    CHECK(low.get_end_address() == mc.low_size - 1);
    CHECK(low.get_dmi_ptr() == store.data());
    CHECK(low.is_read_write_allowed());
    REQUIRE(granted_high);
    CHECK(high.get_start_address() == models::memory_high_base);
    CHECK(high.get_end_address() == models::memory_high_base + mc.high_size - 1);
    CHECK(high.get_dmi_ptr() == store.data() + models::memory_high_base);
    CHECK_FALSE(granted_hole);
    REQUIRE(p.invalidations.size() == 2);
    CHECK(p.invalidations[0] == std::make_pair<std::uint64_t, std::uint64_t>(0x3000, 0x3fff));
    CHECK(p.invalidations[1].first == models::memory_high_base);
    CHECK(chk_in.violations() == 0);
    CHECK(chk_mem.violations() == 0);
}

TEST_CASE("memory: 64 GiB of DRAM touched over 10 MiB commits about 10 MiB") {
    // 4 GiB low (well, 3 GiB) + 60 GiB high; a generator writes 10 MiB in 4 KiB
    // writes high up. Only the touched pages become resident.
    models::memory_config mc;
    mc.low_size = 3ull << 30;
    mc.high_size = 60ull << 30;
    models::tgen_config t;
    t.base = models::memory_high_base + (50ull << 30);
    t.range = 10ull << 20;
    t.size = 4096;
    t.count = t.range / t.size;
    t.read_fraction = 0;
    t.outstanding = 8;
    system_under_test s(mc, t, tgen::style::lt);
    REQUIRE(s.store->size() >= (64ull << 30));
    const auto before = s.store->resident_bytes();
    s.run();
    const auto grown = s.store->resident_bytes() - before;
    CHECK(grown >= (10ull << 20));
    CHECK(grown <= (11ull << 20));
    CHECK(s.gens[0]->errors() == 0);
}

TEST_CASE("memory: bad configurations are rejected") {
    auto mc = small_memory();
    dtlm::backing_store store(models::memory::store_size(mc));
    auto bad = mc;
    bad.low_size = 5ull << 30;
    CHECK_THROWS_AS(models::memory("m1", bad, store), std::invalid_argument);
    bad = mc;
    bad.interleave = 100;
    CHECK_THROWS_AS(models::memory("m2", bad, store), std::invalid_argument);
    bad = mc;
    bad.high_size = 1ull << 30; // store is too small for it
    CHECK_THROWS_AS(models::memory("m3", bad, store), std::invalid_argument);
}
