// Test designs for the memory / bus / tgen tests: N traffic generators, each
// behind a protocol checker, a bus, a protocol checker and a memory.
//
//   tgen[i].out → chk_in[i].in, chk_in[i].out → bus.in
//   bus.out → chk_mem.in, chk_mem.out → mem.in
//
// One design per process: each TEST_CASE builds one and calls sc_start.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <systemc>
#include <tlm>

#include "models/bus/bus.h"
#include "models/memory/memory.h"
#include "models/tgen/tgen.h"
#include "tlm/core/backing_store.h"
#include "tlm/protocol_checker.h"

namespace ddisim::test {

using models::tgen;

// 1 GiB of low memory and no high memory unless the test asks.
inline models::memory_config small_memory() {
    models::memory_config c;
    c.low_size = 1ull << 30;
    c.high_size = 0;
    return c;
}

struct system_under_test {
    std::unique_ptr<tlm::backing_store> store;
    std::unique_ptr<models::memory> mem;
    std::unique_ptr<tlm::protocol_checker> chk_mem;
    std::unique_ptr<models::bus> bus;
    std::vector<std::unique_ptr<tlm::protocol_checker>> chk_in;
    std::vector<std::unique_ptr<tgen>> gens;

    // With a bus (the usual case).
    system_under_test(const models::memory_config& mc, const models::bus_config& bc,
                      const std::vector<models::tgen_config>& tc, tgen::style s) {
        store = std::make_unique<tlm::backing_store>(models::memory::store_size(mc));
        mem = std::make_unique<models::memory>("mem", mc, *store);
        chk_mem = std::make_unique<tlm::protocol_checker>("chk_mem");
        bus = std::make_unique<models::bus>("bus", bc);
        bus->out.bind(chk_mem->in);
        chk_mem->out.bind(mem->in);
        if (mc.low_size) bus->add_region(models::bus_region::absolute("dram_low", 0, mc.low_size, 0));
        if (mc.high_size)
            bus->add_region(models::bus_region::absolute("dram_high", models::memory_high_base, mc.high_size, 0));
        for (std::size_t i = 0; i < tc.size(); ++i) {
            const std::string n = std::to_string(i);
            auto c = tc[i];
            if (!c.requester_id) c.requester_id = static_cast<std::uint32_t>(i); // one id per device
            gens.push_back(std::make_unique<tgen>(("gen" + n).c_str(), c, s));
            chk_in.push_back(std::make_unique<tlm::protocol_checker>(("chk_gen" + n).c_str()));
            gens[i]->out.bind(chk_in[i]->in);
            chk_in[i]->out.bind(bus->in);
        }
    }

    // Without a bus: one generator → checker → memory.
    system_under_test(const models::memory_config& mc, const models::tgen_config& tc, tgen::style s) {
        store = std::make_unique<tlm::backing_store>(models::memory::store_size(mc));
        mem = std::make_unique<models::memory>("mem", mc, *store);
        chk_mem = std::make_unique<tlm::protocol_checker>("chk_mem");
        gens.push_back(std::make_unique<tgen>("gen0", tc, s));
        gens[0]->out.bind(chk_mem->in);
        chk_mem->out.bind(mem->in);
    }

    // Runs to the end and checks that no checker saw a violation and every
    // generator finished.
    void run() {
        sc_core::sc_start();
        for (auto& g : gens) REQUIRE(g->done());
        REQUIRE(chk_mem->violations() == 0);
        for (auto& c : chk_in) REQUIRE(c->violations() == 0);
    }
};

inline double rel_err(double got, double want) { return got / want - 1.0; }

} // namespace ddisim::test

namespace ddisim::test {

// A scripted initiator: runs `body` in an SC_THREAD; records DMI invalidations
// and backward-path calls so tests can drive the sockets by hand.
struct probe : sc_core::sc_module, ::tlm::tlm_bw_transport_if<> {
    ::tlm::tlm_initiator_socket<> out;
    std::function<void(probe&)> body;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> invalidations;
    std::vector<std::pair<::tlm::tlm_generic_payload*, ::tlm::tlm_phase>> bw_calls;
    ::tlm::tlm_sync_enum bw_return = ::tlm::TLM_ACCEPTED;
    sc_core::sc_event bw_event;
    SC_HAS_PROCESS(probe);

    probe(sc_core::sc_module_name n, std::function<void(probe&)> b) : sc_module(n), out("out"), body(std::move(b)) {
        out.bind(*this);
        SC_THREAD(thread);
    }
    void thread() { body(*this); }

    // A one-shot b_transport; returns the response status.
    ::tlm::tlm_response_status transport(::tlm::tlm_command cmd, std::uint64_t addr, std::uint8_t* data, unsigned len,
                                         sc_core::sc_time* delay_out = nullptr) {
        ::tlm::tlm_generic_payload gp;
        gp.set_command(cmd);
        gp.set_address(addr);
        gp.set_data_ptr(data);
        gp.set_data_length(len);
        gp.set_streaming_width(len);
        gp.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
        sc_core::sc_time d = sc_core::SC_ZERO_TIME;
        out->b_transport(gp, d);
        if (delay_out) *delay_out = d;
        return gp.get_response_status();
    }

    ::tlm::tlm_sync_enum nb_transport_bw(::tlm::tlm_generic_payload& gp, ::tlm::tlm_phase& ph,
                                         sc_core::sc_time&) override {
        bw_calls.emplace_back(&gp, ph);
        bw_event.notify(sc_core::SC_ZERO_TIME);
        return ph == ::tlm::BEGIN_RESP ? bw_return : ::tlm::TLM_ACCEPTED;
    }
    void invalidate_direct_mem_ptr(sc_dt::uint64 s, sc_dt::uint64 e) override { invalidations.emplace_back(s, e); }
};

} // namespace ddisim::test
