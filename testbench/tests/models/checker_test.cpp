// Base-protocol checker (tlm/protocol_checker): deliberately broken
// initiators and targets are caught. The checker's errors are turned into
// displayed reports so the test can count them.
#include "models_fixture.h"

namespace models = ddisim::models;
namespace dtlm = ddisim::tlm;
using namespace ddisim::test;
using namespace sc_core;

namespace {
// A target that can misbehave in chosen ways.
struct bad_target : sc_module, ::tlm::tlm_fw_transport_if<> {
    ::tlm::tlm_target_socket<> in{"in"};
    bool leave_incomplete = false;  // b_transport returns TLM_INCOMPLETE_RESPONSE
    bool change_address = false;    // b_transport leaves the address modified
    bool two_responses = false;     // BEGIN_RESP twice without END_RESP
    bool dmi_outside = false;       // grants DMI for a range not holding the address
    std::vector<::tlm::tlm_generic_payload*> held;
    explicit bad_target(sc_module_name n) : sc_module(n) { in.bind(*this); }

    void b_transport(::tlm::tlm_generic_payload& gp, sc_time&) override {
        if (!leave_incomplete) gp.set_response_status(::tlm::TLM_OK_RESPONSE);
        if (change_address) gp.set_address(gp.get_address() + 4);
    }
    ::tlm::tlm_sync_enum nb_transport_fw(::tlm::tlm_generic_payload& gp, ::tlm::tlm_phase& ph, sc_time&) override {
        if (ph == ::tlm::BEGIN_REQ) {
            held.push_back(&gp);
            if (two_responses && held.size() == 2) {
                for (auto* p : held) {
                    p->set_response_status(::tlm::TLM_OK_RESPONSE);
                    ::tlm::tlm_phase r = ::tlm::BEGIN_RESP;
                    sc_time d = SC_ZERO_TIME;
                    in->nb_transport_bw(*p, r, d); // the probe answers TLM_ACCEPTED: no END_RESP yet
                }
            }
            if (two_responses && held.size() == 2) return ::tlm::TLM_ACCEPTED; // already answered
            ph = ::tlm::END_REQ;
            return ::tlm::TLM_UPDATED;
        }
        return ::tlm::TLM_COMPLETED;
    }
    bool get_direct_mem_ptr(::tlm::tlm_generic_payload&, ::tlm::tlm_dmi& dmi) override {
        if (!dmi_outside) return false;
        static unsigned char buf[16];
        dmi.set_dmi_ptr(buf);
        dmi.set_start_address(0x1000);
        dmi.set_end_address(0x100f);
        dmi.allow_read_write();
        return true;
    }
    unsigned int transport_dbg(::tlm::tlm_generic_payload&) override { return 0; }
};

::tlm::tlm_generic_payload& make(::tlm::tlm_generic_payload& gp, std::uint8_t* buf, std::uint64_t addr = 0) {
    gp.set_command(::tlm::TLM_READ_COMMAND);
    gp.set_address(addr);
    gp.set_data_ptr(buf);
    gp.set_data_length(4);
    gp.set_streaming_width(4);
    gp.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
    return gp;
}

// Builds probe → checker → target, runs, returns the checker's count.
struct harness {
    bad_target tgt{"tgt"};
    dtlm::protocol_checker chk{"chk"};
    probe p;
    explicit harness(std::function<void(probe&)> body) : p("probe", std::move(body)) {
        p.out.bind(chk.in);
        chk.out.bind(tgt.in);
        sc_report_handler::set_actions("ddisim/protocol", SC_ERROR, SC_DISPLAY | SC_CACHE_REPORT);
    }
    std::uint64_t run() {
        sc_start();
        CHECK(static_cast<std::uint64_t>(sc_report_handler::get_count("ddisim/protocol")) == chk.violations());
        return chk.violations();
    }
};
} // namespace

TEST_CASE("checker: a clean initiator and target produce no violation") {
    auto mc = small_memory();
    models::tgen_config t;
    t.count = 500;
    t.outstanding = 4;
    t.read_fraction = 0.5;
    t.pattern = "random";
    system_under_test s(mc, models::bus_config{}, {t, t}, tgen::style::at);
    s.run(); // REQUIREs zero violations on all three checkers
    CHECK(s.chk_in[0]->checked() == 500);
    CHECK(s.chk_mem->checked() == 1000);
}

TEST_CASE("checker: BEGIN_REQ before END_REQ on one hop is caught") {
    std::uint8_t b1[4], b2[4];
    ::tlm::tlm_generic_payload g1, g2;
    struct holding_target : sc_module, ::tlm::tlm_fw_transport_if<> {
        ::tlm::tlm_target_socket<> in{"in"};
        explicit holding_target(sc_module_name n) : sc_module(n) { in.bind(*this); }
        void b_transport(::tlm::tlm_generic_payload&, sc_time&) override {}
        ::tlm::tlm_sync_enum nb_transport_fw(::tlm::tlm_generic_payload&, ::tlm::tlm_phase&, sc_time&) override {
            return ::tlm::TLM_ACCEPTED; // never sends END_REQ
        }
        bool get_direct_mem_ptr(::tlm::tlm_generic_payload&, ::tlm::tlm_dmi&) override { return false; }
        unsigned int transport_dbg(::tlm::tlm_generic_payload&) override { return 0; }
    } tgt("holder");
    dtlm::protocol_checker chk("chk");
    probe p("probe", [&](probe& self) {
        ::tlm::tlm_phase ph = ::tlm::BEGIN_REQ;
        sc_time d = SC_ZERO_TIME;
        self.out->nb_transport_fw(make(g1, b1), ph, d);
        ph = ::tlm::BEGIN_REQ;
        self.out->nb_transport_fw(make(g2, b2), ph, d); // violation: no END_REQ yet
    });
    p.out.bind(chk.in);
    chk.out.bind(tgt.in);
    sc_report_handler::set_actions("ddisim/protocol", SC_ERROR, SC_DISPLAY);
    sc_start();
    CHECK(chk.violations() == 1);
}

TEST_CASE("checker: reusing a payload still in flight is caught") {
    std::uint8_t b[4];
    ::tlm::tlm_generic_payload g;
    harness h([&](probe& self) {
        ::tlm::tlm_phase ph = ::tlm::BEGIN_REQ;
        sc_time d = SC_ZERO_TIME;
        self.out->nb_transport_fw(make(g, b), ph, d); // target: END_REQ, no response yet
        ph = ::tlm::BEGIN_REQ;
        make(g, b);
        self.out->nb_transport_fw(g, ph, d); // same payload again
    });
    CHECK(h.run() == 1);
}

TEST_CASE("checker: b_transport returning TLM_INCOMPLETE_RESPONSE is caught") {
    std::uint8_t b[4];
    harness h([&](probe& self) { self.transport(::tlm::TLM_READ_COMMAND, 0, b, 4); });
    h.tgt.leave_incomplete = true;
    CHECK(h.run() == 1);
}

TEST_CASE("checker: a target that leaves the address changed is caught") {
    std::uint8_t b[4];
    harness h([&](probe& self) { self.transport(::tlm::TLM_READ_COMMAND, 0x40, b, 4); });
    h.tgt.change_address = true;
    CHECK(h.run() == 1);
}

TEST_CASE("checker: an initiator sending a payload with a response status already set is caught") {
    std::uint8_t b[4];
    ::tlm::tlm_generic_payload g;
    harness h([&](probe& self) {
        make(g, b).set_response_status(::tlm::TLM_OK_RESPONSE);
        sc_time d;
        self.out->b_transport(g, d);
    });
    CHECK(h.run() == 1);
}

TEST_CASE("checker: BEGIN_RESP before END_RESP of the previous response is caught") {
    std::uint8_t b1[4], b2[4];
    ::tlm::tlm_generic_payload g1, g2;
    harness h([&](probe& self) {
        ::tlm::tlm_phase ph = ::tlm::BEGIN_REQ;
        sc_time d = SC_ZERO_TIME;
        self.out->nb_transport_fw(make(g1, b1), ph, d);
        ph = ::tlm::BEGIN_REQ;
        self.out->nb_transport_fw(make(g2, b2, 0x10), ph, d); // target now answers both at once
    });
    h.tgt.two_responses = true;
    CHECK(h.run() == 1);
}

TEST_CASE("checker: END_REQ sent by the initiator and unknown phases are caught") {
    std::uint8_t b[4];
    ::tlm::tlm_generic_payload g;
    harness h([&](probe& self) {
        ::tlm::tlm_phase ph = ::tlm::END_REQ;
        sc_time d = SC_ZERO_TIME;
        self.out->nb_transport_fw(make(g, b), ph, d);
    });
    CHECK(h.run() >= 1);
}

TEST_CASE("checker: a DMI grant not covering the address is caught") {
    harness h([&](probe& self) {
        ::tlm::tlm_generic_payload g;
        g.set_address(0x2000);
        ::tlm::tlm_dmi dmi;
        self.out->get_direct_mem_ptr(g, dmi);
    });
    h.tgt.dmi_outside = true;
    CHECK(h.run() == 1);
}

TEST_CASE("checker: with default report actions a violation fails the simulation") {
    // No set_actions: SC_ERROR throws out of sc_start, as a test would see it.
    std::uint8_t b[4];
    bad_target tgt("tgt");
    tgt.leave_incomplete = true;
    dtlm::protocol_checker chk("chk");
    probe p("probe", [&](probe& self) { self.transport(::tlm::TLM_READ_COMMAND, 0, b, 4); });
    p.out.bind(chk.in);
    chk.out.bind(tgt.in);
    CHECK_THROWS(sc_start());
}
