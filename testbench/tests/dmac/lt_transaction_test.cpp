// dma_engine_config::lt_transaction_size: in LT one transaction may carry up
// to a page of bursts (never crossing `boundary`), tagged with
// tlm::burst_ext so the bus and the memory charge it burst by burst (address
// cycles, whole beats, channel cycles per burst piece, a read/write
// turnaround per burst that the burst-accurate sequence alternates) and the
// latencies once. Two engines on one bus copy the same 1 MiB one after the
// other (the second starts long after the first finished, so neither sees
// the other's traffic): burst by burst, and in page-sized transactions. The
// page mode must finish within 2 % of the burst-accurate time, move
// identical bytes and need far fewer transactions.
//
// Before burst_ext (plain 4 KiB transactions) the page mode finished 21.8 %
// sooner (87.21 µs against 111.54 µs, 256-B bursts, unaligned): the memory
// charged one read/write turnaround per channel per transaction instead of
// per burst, rounded channel cycles over 2 KiB instead of per burst piece,
// and the bus charged per bus max_burst.
#include "dmac_fixture.h"

namespace models = ddisim::models;
using namespace ddisim::test;
using namespace sc_core;

namespace {

struct two_hosts : sc_module {
    models::dma_engine a, b;
    ddisim::tlm::ps_t dur_a = 0, dur_b = 0;
    models::dma_engine::status st_a = models::dma_engine::status::read_error, st_b = st_a;
    std::uint64_t src = 0, dst_a = 0, dst_b = 0, len = 0;
    unsigned outstanding = 16;
    SC_HAS_PROCESS(two_hosts);
    two_hosts(sc_module_name n, const models::dma_engine_config& ca, const models::dma_engine_config& cb)
        : sc_module(n), a("burst", ca), b("page", cb) {
        SC_THREAD(thread);
    }
    ddisim::tlm::ps_t copy(models::dma_engine& e, std::uint64_t s, std::uint64_t d, std::uint64_t n,
                           models::dma_engine::status& st) {
        e.sync();
        const ddisim::tlm::ps_t t0 = e.now();
        models::dma_engine::stream str(outstanding);
        st = e.copy(str, s, d, n, t0);
        const ddisim::tlm::ps_t dur = str.last_done() - t0;
        e.sync();
        return dur;
    }
    void thread() {
        dur_a = copy(a, src, dst_a, len, st_a);
        wait(1, SC_MS);
        dur_b = copy(b, src, dst_b, len, st_b);
    }
};

struct equiv_case {
    std::uint64_t burst = 256;
    std::uint64_t src_off = 123, dst_off = 3001;
    unsigned outstanding = 16;
    std::uint64_t txn = 4096;
    unsigned bus_outstanding = 0; // told to the engines (dma_engine_config::bus_outstanding); 0: not told
};

struct equiv_result {
    double burst_ps = 0, page_ps = 0;
    std::uint64_t burst_reads = 0, page_reads = 0;
    double error() const { return (page_ps - burst_ps) / burst_ps; }
};

equiv_result run_equiv(const equiv_case& c) {
    const auto mc = test_memory();
    ddisim::tlm::backing_store store(models::memory::store_size(mc));
    models::memory mem("mem", mc, store);
    models::bus bus("bus", models::bus_config{});
    models::dma_engine_config ca;
    ca.burst_size = c.burst;
    ca.bus_max_burst = models::bus_config{}.max_burst;
    ca.bus_outstanding = c.bus_outstanding;
    models::dma_engine_config cb = ca;
    cb.lt_transaction_size = c.txn;
    two_hosts h("hosts", ca, cb);
    h.outstanding = c.outstanding;
    h.a.out.bind(bus.in);
    h.b.out.bind(bus.in);
    bus.out.bind(mem.in);
    bus.add_region(models::bus_region::absolute("dram_low", 0, mc.low_size, 0));
    h.len = 1 << 20;
    h.src = 0x100000 + c.src_off;
    h.dst_a = 0x400000 + c.dst_off;
    h.dst_b = 0x800000 + c.dst_off;
    std::mt19937 g(3);
    for (std::uint64_t k = 0; k < h.len; ++k) store.data()[h.src + k] = static_cast<std::uint8_t>(g());
    sc_start();
    REQUIRE(h.st_a == models::dma_engine::status::ok);
    REQUIRE(h.st_b == models::dma_engine::status::ok);
    CHECK(std::memcmp(store.data() + h.dst_a, store.data() + h.src, h.len) == 0);
    CHECK(std::memcmp(store.data() + h.dst_b, store.data() + h.src, h.len) == 0);
    CHECK(h.a.transaction() == c.burst);
    CHECK(h.b.transaction() == c.txn / c.burst * c.burst);
    equiv_result r;
    r.burst_ps = static_cast<double>(h.dur_a);
    r.page_ps = static_cast<double>(h.dur_b);
    r.burst_reads = h.a.reads();
    r.page_reads = h.b.reads();
    WARN("1 MiB copy, burst " << c.burst << " B, offsets " << c.src_off << "/" << c.dst_off << ", outstanding "
                              << c.outstanding << ": burst-accurate " << r.burst_ps << " ps, " << c.txn
                              << "-B transactions " << r.page_ps << " ps (" << r.error() * 100 << " %), reads "
                              << r.burst_reads << " vs " << r.page_reads);
    CHECK(r.burst_ps > 0);
    CHECK(r.burst_reads >= (1u << 20) / c.burst);
    return r;
}

} // namespace

TEST_CASE("dmac: LT page transactions match burst-accurate timing, 256-B bursts, unaligned 1 MiB") {
    // src % 4096 = 123, dst % 4096 = 3001: ~2 transactions per page, every
    // burst spans both memory channels and alternates read/write.
    const auto r = run_equiv({});
    CHECK(r.page_reads * 4 < r.burst_reads);
    CHECK(std::abs(r.error()) <= 0.02);
}

TEST_CASE("dmac: LT page transactions match burst-accurate timing, 256-B bursts, aligned 1 MiB") {
    equiv_case c;
    c.src_off = c.dst_off = 0;
    const auto r = run_equiv(c);
    CHECK(r.page_reads == (1u << 20) / 4096); // one read per page
    CHECK(std::abs(r.error()) <= 0.02);
}

TEST_CASE("dmac: LT page transactions match burst-accurate timing, 128-B bursts, unaligned 1 MiB, 32 outstanding") {
    // 32 × 128 B in flight cover a 4 KiB transaction.
    equiv_case c;
    c.burst = 128;
    c.outstanding = 32;
    const auto r = run_equiv(c);
    CHECK(r.page_reads * 8 < r.burst_reads);
    CHECK(std::abs(r.error()) <= 0.02);
}

namespace {
// A stream the engine keeps burst accurate: one read per burst either way,
// and the same copy time but for one turnaround (the second copy finds the
// memory channels last written).
void check_stays_burst_accurate(const equiv_case& c) {
    const auto r = run_equiv(c);
    CHECK(r.page_reads == r.burst_reads);
    CHECK(std::abs(r.page_ps - r.burst_ps) <= 5000.0);
}

// 64-B bursts, 64 outstanding: the window covers a page, the bus's 16 do not.
equiv_case small_bursts_deep_window() {
    equiv_case c;
    c.burst = 64;
    c.outstanding = 64;
    return c;
}
} // namespace

TEST_CASE("dmac: LT stream whose window does not cover a page transaction stays burst accurate") {
    // 8 outstanding × 256 B = 2 KiB < 4 KiB: burst by burst the copy is
    // latency-bound (4 reads per ~100 ns round trip), which charging a page
    // with the latency once would not reproduce (measured 6.6 % short), so
    // the engine keeps one burst per transaction for this stream.
    equiv_case c;
    c.outstanding = 8;
    check_stays_burst_accurate(c);
}

TEST_CASE("dmac: LT stream held back by the bus port's outstanding limit stays burst accurate") {
    // 64 outstanding × 64 B would cover a page, but the bus admits 16
    // transactions per port: burst by burst the copy is bound by those 16,
    // which page transactions (one bus transaction for 64 bursts) would not
    // see. Told the bus's limit, the engine keeps one burst per transaction.
    auto c = small_bursts_deep_window();
    c.bus_outstanding = models::bus_config{}.outstanding;
    REQUIRE(c.bus_outstanding * c.burst < c.txn);
    check_stays_burst_accurate(c);
}

TEST_CASE("dmac: LT page transactions not told the bus's outstanding limit finish sooner than the bursts the bus holds back") {
    // The case above without the limit: what the engine's rule avoids
    // (measured 4.6 % short of the burst-by-burst copy, whose reads and
    // writes the bus's window of 16 holds back).
    const auto r = run_equiv(small_bursts_deep_window());
    CHECK(r.page_reads * 16 < r.burst_reads);
    CHECK(r.error() < -0.03);
}
