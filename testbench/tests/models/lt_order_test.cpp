// LT and completion order: an LT initiator's calls come in issue order, but
// its transactions complete in their own order. The outstanding window frees
// the slot that completes first (tlm::completion_window), and the bus serves
// a request or response that is ready before one it reserved earlier in the
// first gap that fits (bus.cpp, lt_reserve), as AT does in time order.
#include "models_fixture.h"

#include "tlm/timing.h"

namespace models = ddisim::models;
namespace dtlm = ddisim::tlm;
using namespace ddisim::test;
using namespace sc_core;

namespace {
// A target whose latency depends on the address: 500 ns below 0x1000, 10 ns
// above. Records the arrival time of every access.
struct slow_fast_target : sc_module, ::tlm::tlm_fw_transport_if<> {
    ::tlm::tlm_target_socket<> in{"in"};
    std::vector<std::pair<std::uint64_t, dtlm::ps_t>> arrivals; // address, time it reached the target
    explicit slow_fast_target(sc_module_name n) : sc_module(n) { in.bind(*this); }
    void b_transport(::tlm::tlm_generic_payload& gp, sc_time& d) override {
        arrivals.emplace_back(gp.get_address(), (sc_time_stamp() + d).value());
        d += sc_time(gp.get_address() < 0x1000 ? 500 : 10, SC_NS);
        gp.set_response_status(::tlm::TLM_OK_RESPONSE);
    }
    ::tlm::tlm_sync_enum nb_transport_fw(::tlm::tlm_generic_payload&, ::tlm::tlm_phase&, sc_time&) override {
        return ::tlm::TLM_COMPLETED;
    }
    bool get_direct_mem_ptr(::tlm::tlm_generic_payload&, ::tlm::tlm_dmi&) override { return false; }
    unsigned int transport_dbg(::tlm::tlm_generic_payload&) override { return 0; }
};

dtlm::ps_t ns(double v) { return static_cast<dtlm::ps_t>(v * 1000); }
} // namespace

TEST_CASE("completion_window: the next slot is the one that completes first, in or out of order") {
    dtlm::completion_window w(3);
    CHECK(w.free_at() == 0);
    // In order: a ring, the oldest first.
    w.take(100);
    w.take(200);
    w.take(300);
    CHECK(w.free_at() == 100);
    w.take(400); // took the slot of 100
    CHECK(w.free_at() == 200);
    // Out of order: 250 completes before 300 and 400.
    w.take(250); // took the slot of 200; slots 250, 300, 400
    CHECK(w.free_at() == 250);
    w.take(260); // slots 260, 300, 400
    CHECK(w.free_at() == 260);
    w.take(500); // slots 300, 400, 500
    CHECK(w.free_at() == 300);
    for (dtlm::ps_t d : {310, 320, 330}) {
        w.take(d); // the earliest slot each time: slots d, 400, 500
        CHECK(w.free_at() == d);
    }
    w.take(900); // slots 400, 500, 900
    CHECK(w.free_at() == 400);
    w.reset(2);
    CHECK(w.size() == 2);
    CHECK(w.free_at() == 0);
}

TEST_CASE("timeline: a reservation out of order starts at its ready time and leaves the later one in place") {
    dtlm::shared_timeline t(1'000'000);
    dtlm::ps_t e;
    CHECK(t.reserve(0, 500, 10, e) == 500);
    CHECK(e == 510);
    // Ready at 100, before the reservation at 500: fits before it.
    CHECK(t.reserve_out_of_order(0, 100, 10, e) == 100);
    CHECK(e == 110);
    CHECK(t.own_until(0) == 510); // the latest end stays
    // An in-order reservation still queues behind the latest one.
    CHECK(t.reserve(0, 200, 10, e) == 510);
    CHECK(e == 520);
    // Ready after the latest end: as reserve.
    CHECK(t.reserve_out_of_order(0, 600, 10, e) == 600);
    CHECK(t.own_until(0) == 610);
    CHECK(t.busy_ps == 40);
}

TEST_CASE("bus: LT serves a response ready before one reserved earlier first, and a request issued earlier by a "
          "thread behind in time") {
    // Default bus: 1 GHz, 32 B beats, 2 ns request and response latency; a
    // 64 B read takes 1 request cycle and 2 response beats.
    models::bus b("bus", models::bus_config{});
    slow_fast_target t("tgt");
    dtlm::protocol_checker chk("chk");
    b.out.bind(chk.in);
    chk.out.bind(t.in);
    b.add_region(models::bus_region::absolute("dev", 0, 0x10000, 0));
    std::vector<dtlm::ps_t> done;
    probe p("probe", [&](probe& self) {
        std::uint8_t buf[64];
        // Two transactions issued at 0 (an initiator with two outstanding):
        // the first to the slow address, the second to the fast one.
        for (std::uint64_t a : {0x0ull, 0x2000ull}) {
            sc_time d;
            self.transport(::tlm::TLM_READ_COMMAND, a, buf, 64, &d);
            done.push_back(d.value());
        }
        // Two threads sharing the port at different local times: one issues
        // at 600 ns, then the other at 550 ns.
        for (double at : {600.0, 550.0}) {
            ::tlm::tlm_generic_payload gp;
            gp.set_command(::tlm::TLM_READ_COMMAND);
            gp.set_address(0x3000);
            gp.set_data_ptr(buf);
            gp.set_data_length(64);
            gp.set_streaming_width(64);
            gp.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
            sc_time d(at, SC_NS);
            self.out->b_transport(gp, d);
            done.push_back(d.value());
        }
    });
    dtlm::protocol_checker chk_probe("chk_probe");
    p.out.bind(chk_probe.in);
    chk_probe.out.bind(b.in);
    sc_start();
    CHECK(chk.violations() == 0);
    CHECK(chk_probe.violations() == 0);
    REQUIRE(done.size() == 4);
    // Slow: request [0, 1), at the target at 3, data at 503, response
    // [503, 505), back at 507 ns.
    CHECK(done[0] == ns(507));
    // Fast: request [1, 2), at the target at 4, data at 14, response [14, 16)
    // before the slow one's, back at 18 ns (not 509, behind it).
    CHECK(done[1] == ns(18));
    // Issued at 600: request [600, 601), target 603, data 613, response
    // [613, 615), back at 617.
    CHECK(done[2] == ns(617));
    // Issued at 550 after it: request [550, 551), not [601, 602) behind it;
    // back at 567.
    CHECK(done[3] == ns(567));
    REQUIRE(t.arrivals.size() == 4);
    CHECK(t.arrivals[3].second == ns(553));
}

TEST_CASE("tgen: LT, two outstanding, the next transaction takes the slot of the one that completed first") {
    // Sequential 64 B reads from 0x0FC0: the first (below 0x1000) takes
    // 500 ns, the others 10 ns. With two slots the fast ones follow one
    // another in the second slot while the slow one is out, as in AT; a
    // window freeing its slots in issue order would hold the third back
    // until the first completes (after 500 ns).
    models::bus b("bus", models::bus_config{});
    slow_fast_target t("tgt");
    b.out.bind(t.in);
    b.add_region(models::bus_region::absolute("dev", 0, 0x10000, 0));
    models::tgen_config c;
    c.base = 0x0FC0;
    c.range = 0x1000;
    c.size = 64;
    c.count = 20;
    c.outstanding = 2;
    models::tgen g("gen", c, models::tgen::style::lt);
    g.out.bind(b.in);
    sc_start();
    REQUIRE(g.done());
    REQUIRE(t.arrivals.size() == 20);
    CHECK(t.arrivals[0].first == 0x0FC0);
    CHECK(t.arrivals[1].first == 0x1000);
    // The second reaches the target at 4 ns (its request cycle after the
    // first's, then 2 ns) and is back at 18 (10 ns, 2 beats, 2 ns); the third
    // goes then, reaching the target at 21 ns, and so on every 17 ns: all
    // 19 fast ones reach it long before the slow one completes (507 ns).
    CHECK(t.arrivals[1].second == ns(4));
    CHECK(t.arrivals[2].second == ns(21));
    for (std::size_t k = 3; k < 20; ++k) CHECK(t.arrivals[k].second == t.arrivals[k - 1].second + ns(17));
    CHECK(t.arrivals[19].second < ns(500));
    CHECK(g.transactions() == 20);
}
