// The interrupt controller model on its own: a test initiator drives its
// registers, test signals drive its level lines, and the CPU output is
// watched by a method that records every change with its time.
#include <catch2/catch.hpp>

#include <cstring>
#include <functional>
#include <systemc>
#include <tlm_utils/simple_initiator_socket.h>

#include "models/intc/intc.h"
#include "sw/kernel/kernel.h"
#include "tlm/core/stats.h"

namespace models = ddisim::models;
namespace R = ddisim::models::intc_regs;
using namespace sc_core;

namespace {
struct harness : sc_module {
    tlm_utils::simple_initiator_socket<harness> out{"out"};
    models::intc ic;
    sc_signal<bool> irq_out{"irq_out"}, line_a{"line_a"}, line_b{"line_b"};
    std::vector<std::pair<sc_time, bool>> edges; // cpu_irq changes
    std::function<void(harness&)> body;
    bool finished = false;
    SC_HAS_PROCESS(harness);
    static models::intc_config cfg() {
        models::intc_config c;
        c.vectors = 40;
        c.register_latency = 10000; // 10 ns
        return c;
    }
    explicit harness(std::function<void(harness&)> b) : sc_module("top"), ic("intc", cfg()), body(std::move(b)) {
        out.bind(ic.regs);
        ic.cpu_irq.bind(irq_out);
        ic.line(5).bind(line_a);
        ic.line(5).bind(line_b); // two devices share vector 5
        SC_THREAD(run);
        SC_METHOD(watch);
        sensitive << irq_out;
        dont_initialize();
    }
    void watch() { edges.emplace_back(sc_time_stamp(), irq_out.read()); }
    void run() {
        body(*this);
        finished = true;
    }
    std::uint32_t rd(std::uint64_t a) {
        std::uint32_t v = 0;
        access(tlm::TLM_READ_COMMAND, a, &v);
        return v;
    }
    void wr(std::uint64_t a, std::uint32_t v) { access(tlm::TLM_WRITE_COMMAND, a, &v); }
    tlm::tlm_response_status access(tlm::tlm_command c, std::uint64_t a, std::uint32_t* v, unsigned len = 4) {
        tlm::tlm_generic_payload gp;
        gp.set_command(c);
        gp.set_address(a);
        gp.set_data_ptr(reinterpret_cast<unsigned char*>(v));
        gp.set_data_length(len);
        gp.set_streaming_width(len);
        gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        sc_time d = SC_ZERO_TIME;
        out->b_transport(gp, d);
        wait(d);
        return gp.get_response_status();
    }
    // Settle signal updates (the output follows after delta cycles).
    void settle() { wait(1, SC_NS); }
};

double stat(const char* n) {
    auto* s = ddisim::tlm::stats_registry::instance().find(n);
    return s ? s->value() : -1;
}
} // namespace

TEST_CASE("model: register offsets agree with the kernel's programming model") {
    namespace P = ddisim::kernel::intc_prog;
    CHECK(P::ID == R::ID);
    CHECK(P::VECTORS == R::VECTORS);
    CHECK(P::CLAIM == R::CLAIM);
    CHECK(P::EOI == R::EOI);
    CHECK(P::MSI == R::MSI);
    CHECK(P::ENABLE_SET == R::ENABLE_SET);
    CHECK(P::ENABLE_CLR == R::ENABLE_CLR);
    CHECK(P::claim_none == R::claim_none);
}

TEST_CASE("model: a level line drives the CPU output once its vector is enabled, until claimed") {
    std::uint32_t id = 0, nvec = 0, pend_masked = 0, claim = 0, out_after_claim = 1, again = 0, in_service = 0;
    sc_time raised_at;
    harness h([&](harness& t) {
        id = t.rd(R::ID);
        nvec = t.rd(R::VECTORS);
        wait(100, SC_NS);
        t.line_a.write(true); // masked: pending, but the output stays low
        t.settle();
        pend_masked = t.rd(R::PENDING);
        raised_at = sc_time_stamp();
        t.wr(R::ENABLE_SET, 5); // output rises now
        t.settle();
        claim = t.rd(R::CLAIM);
        in_service = t.rd(R::IN_SERVICE);
        t.settle();
        out_after_claim = t.rd(R::OUTPUT);
        t.wr(R::EOI, 5); // the line is still high: pending again at once
        t.settle();
        again = t.rd(R::OUTPUT);
        t.line_a.write(false);
        t.settle();
    });
    sc_start();
    REQUIRE(h.finished);
    CHECK(id == R::id_value);
    CHECK(nvec == 40);
    CHECK(pend_masked == (1u << 5));
    CHECK(claim == 5);
    CHECK(in_service == (1u << 5));
    CHECK(out_after_claim == 0);
    CHECK(again == 1);
    // Output edges: up after ENABLE_SET, down at CLAIM, up at EOI, down when the line falls.
    REQUIRE(h.edges.size() == 4);
    CHECK(h.edges[0].second);
    // ENABLE_SET is applied when the write arrives (raised_at), the output follows in delta cycles.
    CHECK(h.edges[0].first == raised_at);
    CHECK_FALSE(h.edges[1].second);
    CHECK(h.edges[2].second);
    CHECK_FALSE(h.edges[3].second);
    CHECK(stat("top.intc.raised") == 1);
    CHECK(stat("top.intc.claims") == 1);
    CHECK(stat("top.intc.eois") == 1);
}

TEST_CASE("model: an MSI write latches its vector until claimed, and masking holds it back") {
    std::uint32_t out_masked = 1, claim_masked = 0, out_enabled = 0, claim = 0, second = 0;
    harness h([&](harness& t) {
        t.wr(R::MSI, 33);
        t.settle();
        out_masked = t.rd(R::OUTPUT);
        claim_masked = t.rd(R::CLAIM); // nothing enabled: spurious
        t.wr(R::ENABLE + 4, 1u << 1);  // ENABLE[1] bit 1 = vector 33
        t.settle();
        out_enabled = t.rd(R::OUTPUT);
        claim = t.rd(R::CLAIM);
        t.wr(R::EOI, 33);
        second = t.rd(R::CLAIM); // the latch was cleared by the first claim
    });
    sc_start();
    REQUIRE(h.finished);
    CHECK(out_masked == 0);
    CHECK(claim_masked == R::claim_none);
    CHECK(out_enabled == 1);
    CHECK(claim == 33);
    CHECK(second == R::claim_none);
    CHECK(stat("top.intc.msi_writes") == 1);
    CHECK(stat("top.intc.empty_claims") == 2);
    CHECK(stat("top.intc.claims") == 1);
}

TEST_CASE("model: CLAIM returns the lowest pending enabled vector first and skips vectors in service") {
    std::vector<std::uint32_t> claims;
    std::uint32_t after_eoi = 0;
    harness h([&](harness& t) {
        for (unsigned v : {36u, 2u, 5u, 17u}) t.wr(R::ENABLE_SET, v);
        for (unsigned v : {36u, 17u, 2u}) t.wr(R::MSI, v);
        t.line_b.write(true); // vector 5 through the second line
        t.settle();
        for (int i = 0; i < 5; ++i) claims.push_back(t.rd(R::CLAIM));
        t.wr(R::EOI, 5); // line_b still high: 5 is offered again
        after_eoi = t.rd(R::CLAIM);
    });
    sc_start();
    REQUIRE(h.finished);
    CHECK(claims == std::vector<std::uint32_t>{2, 5, 17, 36, R::claim_none});
    CHECK(after_eoi == 5);
}

TEST_CASE("model: ENABLE_CLR masks a pending vector, bad vector numbers are ignored and counted") {
    std::uint32_t out_before = 0, out_masked = 1, enable_word = 1, claim = 0;
    tlm::tlm_response_status unaligned = tlm::TLM_OK_RESPONSE, beyond = tlm::TLM_OK_RESPONSE;
    harness h([&](harness& t) {
        t.wr(R::ENABLE_SET, 7);
        t.wr(R::MSI, 7);
        t.settle();
        out_before = t.rd(R::OUTPUT);
        t.wr(R::ENABLE_CLR, 7);
        t.settle();
        out_masked = t.rd(R::OUTPUT);
        enable_word = t.rd(R::ENABLE);
        t.wr(R::MSI, 40);         // vectors are 0..39
        t.wr(R::EOI, 7);          // not in service
        t.wr(R::ENABLE_SET, 1000);
        claim = t.rd(R::CLAIM);
        std::uint32_t v = 0;
        unaligned = t.access(tlm::TLM_READ_COMMAND, R::CLAIM + 2, &v);
        beyond = t.access(tlm::TLM_READ_COMMAND, R::ENABLE + 8, &v); // 40 vectors: two enable words
    });
    sc_start();
    REQUIRE(h.finished);
    CHECK(out_before == 1);
    CHECK(out_masked == 0);
    CHECK(enable_word == 0);
    CHECK(claim == R::claim_none);
    CHECK(stat("top.intc.bad_writes") == 3);
    CHECK(unaligned == tlm::TLM_BURST_ERROR_RESPONSE);
    CHECK(beyond == tlm::TLM_ADDRESS_ERROR_RESPONSE);
}

TEST_CASE("model: a register access takes effect at the caller's local time and costs register_latency") {
    sc_time before, after;
    std::vector<std::pair<sc_time, bool>> edges;
    harness h([&](harness& t) {
        t.wr(R::ENABLE_SET, 9);
        before = sc_time_stamp();
        // An MSI write issued 250 ns ahead of simulated time (temporal decoupling).
        std::uint32_t v = 9;
        tlm::tlm_generic_payload gp;
        gp.set_command(tlm::TLM_WRITE_COMMAND);
        gp.set_address(R::MSI);
        gp.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
        gp.set_data_length(4);
        gp.set_streaming_width(4);
        sc_time d(250, SC_NS);
        t.out->b_transport(gp, d);
        after = sc_time_stamp() + d;
        t.settle();
    });
    sc_start();
    REQUIRE(h.finished);
    // The write lands at before + 250 ns, and returns 10 ns later.
    CHECK(after - before == sc_time(260, SC_NS));
    REQUIRE(h.edges.size() == 1);
    CHECK(h.edges[0].first == before + sc_time(250, SC_NS));
}

TEST_CASE("model: a line for a vector out of range is refused") {
    models::intc ic("intc", harness::cfg());
    CHECK_THROWS_AS(ic.line(40), std::invalid_argument);
    models::intc_config bad;
    bad.vectors = 0;
    CHECK_THROWS_AS(models::intc("bad", bad), std::invalid_argument);
}
