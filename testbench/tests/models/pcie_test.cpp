// PCI Express link (models/pcie): the link arithmetic against pcie-bench's
// published figures (anchors §B1), and simulated transfers through the link
// in LT and AT reaching those rates, with protocol checkers on both sides.
#include "models_fixture.h"

#include "models/pcie/pcie_link.h"

namespace models = ddisim::models;
using namespace ddisim::test;
using namespace sc_core;

namespace {
models::pcie_config link(unsigned gen, unsigned lanes, std::uint64_t mps) {
    models::pcie_config c;
    c.enable = true;
    c.gen = gen;
    c.lanes = lanes;
    c.mps = mps;
    c.mrrs = 512;
    return c;
}
double gbps(double bps) { return bps * 1e-9; }

// tgen → checker → link → checker → memory, addresses above 4 GiB (64-bit
// TLP headers, as pcie-bench's figures assume).
struct link_system {
    std::unique_ptr<ddisim::tlm::backing_store> store;
    std::unique_ptr<models::memory> mem;
    std::unique_ptr<models::pcie_link> pcie;
    std::unique_ptr<ddisim::tlm::protocol_checker> chk_dev, chk_host;
    std::unique_ptr<tgen> gen;
    link_system(const models::pcie_config& lc, const models::tgen_config& tc, tgen::style s) {
        models::memory_config mc;
        mc.low_size = 1ull << 30;
        mc.high_size = 1ull << 30;
        store = std::make_unique<ddisim::tlm::backing_store>(models::memory::store_size(mc));
        mem = std::make_unique<models::memory>("mem", mc, *store);
        pcie = std::make_unique<models::pcie_link>("pcie", lc);
        chk_dev = std::make_unique<ddisim::tlm::protocol_checker>("chk_dev");
        chk_host = std::make_unique<ddisim::tlm::protocol_checker>("chk_host");
        gen = std::make_unique<tgen>("gen", tc, s);
        gen->out.bind(chk_dev->in);
        chk_dev->out.bind(pcie->in);
        pcie->out.bind(chk_host->in);
        chk_host->out.bind(mem->in);
    }
    void run() {
        sc_start();
        REQUIRE(gen->done());
        REQUIRE(chk_dev->violations() == 0);
        REQUIRE(chk_host->violations() == 0);
    }
};

models::tgen_config stream(std::uint64_t size, bool write) {
    models::tgen_config t;
    t.base = models::memory_high_base; // 64-bit addresses
    t.range = 1ull << 20;
    t.size = size;
    t.read_fraction = write ? 0.0 : 1.0;
    t.outstanding = 64;
    t.count = 20000;
    return t;
}

// A stream of one size through the link: its bandwidth against the model's
// figure for that size (the first transactions' ramp is a few in 20 000).
void check_stream(std::uint64_t size, bool write, tgen::style s) {
    const auto lc = link(3, 8, 256);
    link_system sys(lc, stream(size, write), s);
    sys.run();
    const double want = write ? sys.pcie->rates().write_bps(size) : sys.pcie->rates().read_bps(size);
    const double got = sys.gen->bandwidth() * 8;
    INFO("size " << size << (write ? " write" : " read") << ": " << gbps(got) << " Gb/s, model " << gbps(want));
    CHECK(got <= want * 1.002);
    CHECK(got >= want * 0.98);
    CHECK(sys.pcie->transactions() == 20000);
}
} // namespace

TEST_CASE("pcie: the link's TLP rate and effective DMA bandwidth are pcie-bench's (anchors B1)") {
    // TLP-layer rate, Gb/s, after ACK / UpdateFC DLLPs and SKP ordered sets
    CHECK(gbps(models::pcie_rates(link(3, 8, 256)).tlp_bps) == Approx(57.9).margin(0.05));
    CHECK(gbps(models::pcie_rates(link(3, 8, 128)).tlp_bps) == Approx(56.7).margin(0.05));
    CHECK(gbps(models::pcie_rates(link(2, 8, 256)).tlp_bps) == Approx(28.7).margin(0.05));
    CHECK(gbps(models::pcie_rates(link(3, 4, 256)).tlp_bps) == Approx(29.1).margin(0.05));
    CHECK(gbps(models::pcie_rates(link(4, 16, 256)).tlp_bps) == Approx(227.4).margin(0.05));
    CHECK(gbps(models::pcie_rates(link(3, 8, 256)).raw_bps) == Approx(63.0).margin(0.05));
    // effective bandwidth by transfer size (write / read), gen 3 x8 MPS 256
    const models::pcie_rates g3(link(3, 8, 256));
    CHECK(gbps(g3.write_bps(64)) == Approx(42.1).margin(0.05));
    CHECK(gbps(g3.read_bps(64)) == Approx(44.1).margin(0.05));
    CHECK(gbps(g3.write_bps(128)) == Approx(48.7).margin(0.05));
    CHECK(gbps(g3.read_bps(128)) == Approx(50.1).margin(0.05));
    CHECK(gbps(g3.write_bps(256)) == Approx(52.9).margin(0.05));
    CHECK(gbps(g3.read_bps(256)) == Approx(53.7).margin(0.05));
    // the saw-tooth: one byte more is one TLP more
    CHECK(gbps(g3.write_bps(257)) == Approx(48.8).margin(0.05));
    CHECK(gbps(g3.write_bps(513)) == Approx(50.8).margin(0.05));
    CHECK(gbps(g3.write_bps(4)) == Approx(8.3).margin(0.05));
    CHECK(gbps(g3.write_bps(32)) == Approx(33.1).margin(0.05));
    // MPS 128 and other widths
    const models::pcie_rates m128(link(3, 8, 128));
    CHECK(gbps(m128.write_bps(1024)) == Approx(47.7).margin(0.05));
    CHECK(gbps(m128.read_bps(1024)) == Approx(49.0).margin(0.05));
    const models::pcie_rates x16(link(3, 16, 256));
    CHECK(gbps(x16.write_bps(4096)) == Approx(104.0).margin(0.05));
    CHECK(gbps(x16.read_bps(4096)) == Approx(105.5).margin(0.05));
    const models::pcie_rates g5(link(5, 16, 256));
    CHECK(gbps(g5.write_bps(512)) == Approx(416).margin(0.5));
    CHECK(gbps(g5.read_bps(512)) == Approx(422).margin(0.5));
    // 86 M reads of 64 B per second (pcie-bench's transactions/s)
    CHECK(g3.read_bps(64) / 8 / 64 == Approx(86e6).epsilon(0.01));
}

TEST_CASE("pcie: a configuration outside the specification is refused, naming what is wrong") {
    auto bad = [](auto change, const std::string& what) {
        auto c = link(3, 8, 256);
        change(c);
        try {
            models::pcie_rates r(c);
            FAIL("accepted: " << what);
        } catch (const std::invalid_argument& e) {
            CHECK(std::string(e.what()).find(what) != std::string::npos);
        }
    };
    bad([](auto& c) { c.lanes = 3; }, "lanes must be 1, 2, 4, 8, 16 or 32");
    bad([](auto& c) { c.gen = 6; }, "gen must be 1 to 5");
    bad([](auto& c) { c.mps = 300; }, "mps must be a power of 2");
    bad([](auto& c) { c.mrrs = 64; }, "mrrs must be a power of 2");
    bad([](auto& c) { c.rcb = 32; }, "rcb must be 0, 64, 128, 256 or 512");
    // 32-bit addresses: 4 bytes less per request TLP; ECRC 4 more on every TLP
    const models::pcie_rates r(link(3, 8, 256));
    CHECK(r.req_overhead(0x1000) == 20);
    CHECK(r.req_overhead(models::memory_high_base) == 24);
    CHECK(r.cpl_overhead == 20);
    auto e = link(3, 8, 256);
    e.ecrc = true;
    CHECK(models::pcie_rates(e).req_overhead(models::memory_high_base) == 28);
    CHECK(models::pcie_rates(e).cpl_overhead == 24);
}

TEST_CASE("pcie: LT, 256 B writes stream at the link's rate") { check_stream(256, true, tgen::style::lt); }
TEST_CASE("pcie: LT, 257 B writes take a TLP more (the saw-tooth)") { check_stream(257, true, tgen::style::lt); }
TEST_CASE("pcie: LT, 64 B reads stream at the link's rate") { check_stream(64, false, tgen::style::lt); }
TEST_CASE("pcie: LT, 4 KiB reads stream at the link's rate") { check_stream(4096, false, tgen::style::lt); }
TEST_CASE("pcie: AT, 256 B writes stream at the link's rate") { check_stream(256, true, tgen::style::at); }
TEST_CASE("pcie: AT, 257 B writes take a TLP more (the saw-tooth)") { check_stream(257, true, tgen::style::at); }
TEST_CASE("pcie: AT, 64 B reads stream at the link's rate") { check_stream(64, false, tgen::style::at); }
TEST_CASE("pcie: AT, 4 KiB reads stream at the link's rate") { check_stream(4096, false, tgen::style::at); }

TEST_CASE("pcie: an idle read's latency is the memory's plus the link's both ways, to the ps (LT)") {
    models::memory_config mc;
    mc.low_size = 1ull << 30;
    mc.high_size = 1ull << 30;
    ddisim::tlm::backing_store s1(models::memory::store_size(mc)), s2(models::memory::store_size(mc));
    models::memory via("via", mc, s1), direct("direct", mc, s2);
    auto lc = link(3, 8, 256);
    models::pcie_link pcie("pcie", lc);
    sc_time through = SC_ZERO_TIME, alone = SC_ZERO_TIME, written = SC_ZERO_TIME;
    std::uint8_t buf[512] = {};
    // issue to response: the time a call waited inside plus the delay it returned
    auto timed = [&](probe& p, ::tlm::tlm_command cmd, sc_time& took) {
        const sc_time t0 = sc_time_stamp();
        sc_time d;
        CHECK(p.transport(cmd, models::memory_high_base, buf, 512, &d) == ::tlm::TLM_OK_RESPONSE);
        took = sc_time_stamp() - t0 + d;
    };
    probe a("a", [&](probe& p) {
        timed(p, ::tlm::TLM_READ_COMMAND, through);
        wait(10, SC_US);
        timed(p, ::tlm::TLM_WRITE_COMMAND, written);
    });
    probe b("b", [&](probe& p) { timed(p, ::tlm::TLM_READ_COMMAND, alone); });
    a.out.bind(pcie.in);
    pcie.out.bind(via.in);
    b.out.bind(direct.in);
    sc_start();
    const auto& r = pcie.rates();
    // one 512 B read request TLP up; two 256 B completions down
    const std::uint64_t up = r.time(24), down = r.time(512 + 2 * 20);
    CHECK(through.value() == alone.value() + up + down + 2 * lc.latency);
    // a write: its two TLPs cross, the memory writes, the answer comes back
    CHECK(written.value() >= r.time(512 + 2 * 24) + 2 * lc.latency);
    CHECK(pcie.transactions() == 2);
}

TEST_CASE("pcie: a read the host refuses comes back with its error through the link (AT)") {
    // a read beyond the memory: the error response returns through the link
    models::tgen_config t = stream(64, false);
    t.base = models::memory_high_base + (1ull << 30) - 4096;
    t.range = 8192; // half of it past the end
    t.count = 128;
    t.outstanding = 4;
    t.pattern = "sequential";
    link_system sys(link(3, 8, 256), t, tgen::style::at);
    sys.run();
    CHECK(sys.gen->errors() == 64);
    CHECK(sys.gen->transactions() == 128);
}
