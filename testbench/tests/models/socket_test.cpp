// tlm::direct_target_socket: a multi target socket whose binders call the
// owner's methods directly. Every forward-path call must reach the owner with
// the index of the initiator's binding, and the backward path (operator[])
// must reach the same initiator.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <systemc>
#include <tlm>

#include "tlm/direct_target_socket.h"

using namespace sc_core;

namespace {

struct call {
    int port;
    std::string what;
    std::uint64_t addr;
};

struct owner : sc_module {
    std::vector<call> calls;
    explicit owner(sc_module_name n) : sc_module(n), in("in", this) {}

private:
    void b_transport(int i, tlm::tlm_generic_payload& gp, sc_time& d) {
        calls.push_back({i, "b", gp.get_address()});
        gp.set_response_status(tlm::TLM_OK_RESPONSE);
        d += sc_time(static_cast<double>(i + 1), SC_NS);
    }
    tlm::tlm_sync_enum nb_transport_fw(int i, tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph, sc_time& d) {
        calls.push_back({i, "nb", gp.get_address()});
        // Answer on the backward path of the same binding.
        tlm::tlm_phase resp = tlm::BEGIN_RESP;
        sc_time z = SC_ZERO_TIME;
        in[i]->nb_transport_bw(gp, resp, z);
        ph = tlm::END_REQ;
        (void)d;
        return tlm::TLM_UPDATED;
    }
    bool get_direct_mem_ptr(int i, tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) {
        calls.push_back({i, "dmi", gp.get_address()});
        dmi.allow_none();
        return false;
    }
    unsigned int transport_dbg(int i, tlm::tlm_generic_payload& gp) {
        calls.push_back({i, "dbg", gp.get_address()});
        return static_cast<unsigned>(i) + 100;
    }

public:
    ddisim::tlm::direct_target_socket<owner, &owner::b_transport, &owner::nb_transport_fw,
                                      &owner::get_direct_mem_ptr, &owner::transport_dbg>
        in;
};

struct initiator : sc_module, tlm::tlm_bw_transport_if<> {
    tlm::tlm_initiator_socket<> out{"out"};
    int bw_calls = 0;
    explicit initiator(sc_module_name n) : sc_module(n) { out.bind(*this); }
    tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload&, tlm::tlm_phase& ph, sc_time&) override {
        CHECK(ph == tlm::BEGIN_RESP);
        ++bw_calls;
        return tlm::TLM_ACCEPTED;
    }
    void invalidate_direct_mem_ptr(sc_dt::uint64, sc_dt::uint64) override {}
};

} // namespace

TEST_CASE("direct_target_socket: each call reaches the owner with its binding's index, answers go back to it") {
    owner tgt("tgt");
    initiator a("a"), b("b"), c("c");
    initiator* ini[] = {&a, &b, &c};
    for (auto* i : ini) i->out.bind(tgt.in);
    sc_start(SC_ZERO_TIME); // end of elaboration: the backward paths are known
    REQUIRE(tgt.in.size() == 3);

    for (int k = 2; k >= 0; --k) { // out of binding order
        tlm::tlm_generic_payload gp;
        unsigned char data[4] = {};
        gp.set_data_ptr(data);
        gp.set_data_length(4);
        gp.set_command(tlm::TLM_READ_COMMAND);
        gp.set_address(0x1000u * static_cast<unsigned>(k));
        sc_time d = SC_ZERO_TIME;
        ini[k]->out->b_transport(gp, d);
        CHECK(d == sc_time(static_cast<double>(k + 1), SC_NS));
        CHECK(gp.get_response_status() == tlm::TLM_OK_RESPONSE);
        tlm::tlm_phase ph = tlm::BEGIN_REQ;
        CHECK(ini[k]->out->nb_transport_fw(gp, ph, d) == tlm::TLM_UPDATED);
        CHECK(ph == tlm::END_REQ);
        tlm::tlm_dmi dmi;
        CHECK_FALSE(ini[k]->out->get_direct_mem_ptr(gp, dmi));
        CHECK(ini[k]->out->transport_dbg(gp) == 100u + static_cast<unsigned>(k));
    }
    REQUIRE(tgt.calls.size() == 12);
    const char* order[] = {"b", "nb", "dmi", "dbg"};
    for (std::size_t n = 0; n < tgt.calls.size(); ++n) {
        const int k = 2 - static_cast<int>(n / 4);
        CHECK(tgt.calls[n].port == k);
        CHECK(tgt.calls[n].what == order[n % 4]);
        CHECK(tgt.calls[n].addr == 0x1000u * static_cast<unsigned>(k));
    }
    // Each initiator got exactly its own BEGIN_RESP.
    for (auto* i : ini) CHECK(i->bw_calls == 1);
}

TEST_CASE("direct_target_socket: hierarchical binding to another multi socket is refused") {
    owner outer("outer"), inner("inner");
    CHECK_THROWS_WITH(outer.in.bind(inner.in), Catch::Contains("hierarchical binding"));
}
