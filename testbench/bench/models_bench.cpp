// Simulator-speed measurements for `ddisim bench` (validation-anchors Part D):
// raw SystemC ceilings and the bus + memory path in LT and AT. Each
// function elaborates one design, so `ddisim bench` runs each in its own
// process. Figures are per wall-clock second, measured over whole sc_start
// slices after a warm-up slice; no checkers, tracing or statistics dumps.
//
// Like for like: bus_lt_per_s drives the bus and memory with the very
// initiator of the raw b_transport ceiling (loop_initiator: one 64 B read at a
// time, a quantum keeper, no statistics of its own), so its ratio to the
// ceiling is the cost of the bus + memory models alone. bus_at_per_s uses the
// same kind of bare initiator in AT (at_loop_initiator: a pool of payloads,
// 48 in flight, no statistics); its ceiling has no initiator at all (a thread
// doing timed waits), so that ratio also holds the kernel's cost of the
// phases' events. The tgen-driven figures (tgen_bus_lt_per_s,
// tgen_bus_at_per_s) add the traffic generator's own per-transaction work
// (sequence, statistics, checksum) and are kept for information.
//
// The targets compare with the bare ceilings (the definition). The
// anchors' Part D also asks for the model's cost as a multiple of a ceiling
// with the same initiator and the same socket hops, doing no work
// (raw_b_transport_2hop_per_s: loop -> forwarder -> trivial target;
// raw_at_per_s: the AT loop -> forwarder -> a 4-phase target with a PEQ):
// the table prints that multiple under bus_lt_per_s and bus_at_per_s.
#include "testbench/bench/bench.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include <systemc>
#include <tlm>
#include <tlm_utils/peq_with_get.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "models/bus/bus.h"
#include "models/memory/memory.h"
#include "models/tgen/tgen.h"
#include "tlm/core/backing_store.h"

using namespace sc_core;

namespace {
using ddisim::bench::run_for_budget;

// ---------------------------------------------------------------- raw ceilings

struct trivial_target : sc_module, tlm::tlm_fw_transport_if<> {
    tlm::tlm_target_socket<> in{"in"};
    unsigned char mem[4096];
    explicit trivial_target(sc_module_name n) : sc_module(n) { in.bind(*this); }
    void b_transport(tlm::tlm_generic_payload& gp, sc_time& d) override {
        std::memcpy(gp.get_data_ptr(), mem + (gp.get_address() & 0xfc0), gp.get_data_length());
        gp.set_response_status(tlm::TLM_OK_RESPONSE);
        d += sc_time(10, SC_NS);
    }
    tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload&, tlm::tlm_phase&, sc_time&) override {
        return tlm::TLM_COMPLETED;
    }
    bool get_direct_mem_ptr(tlm::tlm_generic_payload&, tlm::tlm_dmi&) override { return false; }
    unsigned int transport_dbg(tlm::tlm_generic_payload&) override { return 0; }
};

// One 64 B read at a time, its completion time taken as the next issue time,
// quantum keeper as usual. The address cycles through 4 KiB: the trivial
// target's whole array, so behind the bus and memory the loop touches as much
// data as behind the ceiling's target (both copy from cache; streaming through
// 64 MiB instead adds the host's cache misses, about a third more wall time
// per transaction, which is data movement, not model cost).
struct loop_initiator : sc_module, tlm::tlm_bw_transport_if<> {
    static constexpr std::uint64_t window = 4096;
    tlm::tlm_initiator_socket<> out{"out"};
    std::uint64_t n = 0;
    SC_HAS_PROCESS(loop_initiator);
    explicit loop_initiator(sc_module_name nm) : sc_module(nm) {
        out.bind(*this);
        SC_THREAD(run);
    }
    void run() {
        tlm_utils::tlm_quantumkeeper qk;
        qk.reset();
        gp.set_data_ptr(buf);
        gp.set_data_length(64);
        gp.set_streaming_width(64);
        gp.set_command(tlm::TLM_READ_COMMAND);
        for (std::uint64_t a = 0;; a = (a + 64) & (window - 1)) {
            gp.set_address(a);
            gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
            sc_time d = qk.get_local_time();
            out->b_transport(gp, d);
            qk.set(d);
            ++n;
            if (qk.need_sync()) qk.sync();
        }
    }
    tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload&, tlm::tlm_phase&, sc_time&) override {
        return tlm::TLM_COMPLETED;
    }
    void invalidate_direct_mem_ptr(sc_dt::uint64, sc_dt::uint64) override {}

private:
    // Members, not locals of run(): the thread never returns, so only the
    // module's destructor frees the payload's extension array.
    unsigned char buf[64];
    tlm::tlm_generic_payload gp;
};

// The AT counterpart: 64 B reads over the same 4 KiB, up to `depth` in
// flight, the next BEGIN_REQ as soon as END_REQ allows, each response taken
// at once (TLM_COMPLETED); payloads from a fixed pool, no statistics.
struct at_loop_initiator : sc_module, tlm::tlm_bw_transport_if<>, tlm::tlm_mm_interface {
    static constexpr unsigned depth = 48;
    tlm::tlm_initiator_socket<> out{"out"};
    std::uint64_t n = 0;
    SC_HAS_PROCESS(at_loop_initiator);
    explicit at_loop_initiator(sc_module_name nm) : sc_module(nm) {
        out.bind(*this);
        for (unsigned k = 0; k < depth; ++k) {
            tlm::tlm_generic_payload& gp = pool_[k];
            gp.set_mm(this);
            gp.set_data_ptr(buf_[k]);
            gp.set_data_length(64);
            gp.set_streaming_width(64);
            gp.set_command(tlm::TLM_READ_COMMAND);
            free_[free_n_++] = &gp;
        }
        SC_THREAD(run);
    }
    void run() {
        for (std::uint64_t a = 0;; a = (a + 64) & (loop_initiator::window - 1)) {
            while (outstanding_ >= depth || req_busy_) wait(ev_);
            tlm::tlm_generic_payload& gp = *free_[--free_n_];
            gp.set_address(a);
            gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
            gp.acquire();
            ++outstanding_;
            req_busy_ = true;
            req_gp_ = &gp;
            tlm::tlm_phase ph = tlm::BEGIN_REQ;
            sc_time d = SC_ZERO_TIME;
            const tlm::tlm_sync_enum r = out->nb_transport_fw(gp, ph, d);
            if (r == tlm::TLM_ACCEPTED) continue; // END_REQ comes on the backward path
            req_busy_ = false;
            if (r == tlm::TLM_COMPLETED || ph == tlm::BEGIN_RESP) done(gp);
            if (d != SC_ZERO_TIME) wait(d);
        }
    }
    void done(tlm::tlm_generic_payload& gp) {
        --outstanding_;
        ++n;
        gp.release();
    }
    tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph, sc_time&) override {
        if (ph == tlm::END_REQ || req_gp_ == &gp) req_busy_ = false; // END_REQ, or implied by BEGIN_RESP
        if (ph == tlm::BEGIN_RESP) done(gp);
        ev_.notify();
        return ph == tlm::BEGIN_RESP ? tlm::TLM_COMPLETED : tlm::TLM_ACCEPTED;
    }
    void invalidate_direct_mem_ptr(sc_dt::uint64, sc_dt::uint64) override {}
    void free(tlm::tlm_generic_payload* gp) override { free_[free_n_++] = gp; }

private:
    tlm::tlm_generic_payload pool_[depth];
    unsigned char buf_[depth][64];
    tlm::tlm_generic_payload* free_[depth];
    unsigned free_n_ = 0, outstanding_ = 0;
    bool req_busy_ = false;
    tlm::tlm_generic_payload* req_gp_ = nullptr; // in its request phase
    sc_event ev_;
};

// A bare forwarding module: one more socket hop, no work (the bus's place in
// the like-for-like ceiling of bus_lt_per_s).
struct forwarder : sc_module, tlm::tlm_fw_transport_if<>, tlm::tlm_bw_transport_if<> {
    tlm::tlm_target_socket<> in{"in"};
    tlm::tlm_initiator_socket<> out{"out"};
    explicit forwarder(sc_module_name n) : sc_module(n) {
        in.bind(*this);
        out.bind(*this);
    }
    void b_transport(tlm::tlm_generic_payload& gp, sc_time& d) override { out->b_transport(gp, d); }
    tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph, sc_time& d) override {
        return out->nb_transport_fw(gp, ph, d);
    }
    bool get_direct_mem_ptr(tlm::tlm_generic_payload&, tlm::tlm_dmi&) override { return false; }
    unsigned int transport_dbg(tlm::tlm_generic_payload&) override { return 0; }
    tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph, sc_time& d) override {
        return in->nb_transport_bw(gp, ph, d);
    }
    void invalidate_direct_mem_ptr(sc_dt::uint64, sc_dt::uint64) override {}
};

// The AT counterpart of trivial_target: END_REQ at once, BEGIN_RESP 10 ns
// later through a payload event queue, one response at a time (the
// initiator completes each response on the spot).
struct trivial_at_target : sc_module, tlm::tlm_fw_transport_if<> {
    tlm::tlm_target_socket<> in{"in"};
    unsigned char mem[4096];
    tlm_utils::peq_with_get<tlm::tlm_generic_payload> peq{"peq"};
    SC_HAS_PROCESS(trivial_at_target);
    explicit trivial_at_target(sc_module_name n) : sc_module(n) {
        in.bind(*this);
        SC_THREAD(respond);
    }
    tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& gp, tlm::tlm_phase& ph, sc_time& d) override {
        if (ph != tlm::BEGIN_REQ) return tlm::TLM_COMPLETED; // END_RESP: nothing to do
        std::memcpy(gp.get_data_ptr(), mem + (gp.get_address() & 0xfc0), gp.get_data_length());
        gp.set_response_status(tlm::TLM_OK_RESPONSE);
        peq.notify(gp, d + sc_time(10, SC_NS));
        ph = tlm::END_REQ;
        return tlm::TLM_UPDATED;
    }
    void respond() {
        for (;;) {
            wait(peq.get_event());
            while (tlm::tlm_generic_payload* gp = peq.get_next_transaction()) {
                tlm::tlm_phase ph = tlm::BEGIN_RESP;
                sc_time d = SC_ZERO_TIME;
                in->nb_transport_bw(*gp, ph, d); // the bench initiator answers TLM_COMPLETED
            }
        }
    }
    void b_transport(tlm::tlm_generic_payload&, sc_time&) override {}
    bool get_direct_mem_ptr(tlm::tlm_generic_payload&, tlm::tlm_dmi&) override { return false; }
    unsigned int transport_dbg(tlm::tlm_generic_payload&) override { return 0; }
};

double raw_b_transport() {
    tlm::tlm_global_quantum::instance().set(sc_time(1, SC_US));
    loop_initiator ini("ini");
    trivial_target tgt("tgt");
    ini.out.bind(tgt.in);
    return run_for_budget(sc_time(1, SC_MS), [&] { return ini.n; });
}

// A like-for-like ceiling: the initiator → a bare forwarder → the target.
template <class Initiator, class Target>
double through_forwarder(const sc_time& slice) {
    Initiator ini("ini");
    forwarder fwd("fwd");
    Target tgt("tgt");
    ini.out.bind(fwd.in);
    fwd.out.bind(tgt.in);
    return run_for_budget(slice, [&] { return ini.n; });
}

double raw_b_transport_2hop() {
    tlm::tlm_global_quantum::instance().set(sc_time(1, SC_US));
    return through_forwarder<loop_initiator, trivial_target>(sc_time(1, SC_MS));
}

struct wait_loop : sc_module {
    std::uint64_t n = 0;
    SC_HAS_PROCESS(wait_loop);
    explicit wait_loop(sc_module_name nm) : sc_module(nm) { SC_THREAD(run); }
    void run() {
        const sc_time step(10, SC_NS);
        for (;;) {
            wait(step);
            ++n;
        }
    }
};

double raw_wait() {
    wait_loop w("w");
    return run_for_budget(sc_time(100, SC_US), [&] { return w.n; });
}

// ---------------------------------------------------------------- bus + memory

namespace m = ddisim::models;

// 1 GiB of DRAM behind the bus (quantum 1 us, as the ceilings); the
// initiator binds to `bus.in`.
struct bus_memory {
    static m::memory_config mem_config() {
        m::memory_config mc;
        mc.low_size = 1ull << 30;
        mc.high_size = 0;
        return mc;
    }
    static m::bus_config bus_config(unsigned outstanding) {
        m::bus_config bc;
        if (outstanding) bc.outstanding = outstanding;
        return bc;
    }
    ddisim::tlm::backing_store store{m::memory::store_size(mem_config())};
    m::memory mem{"mem", mem_config(), store};
    m::bus bus;
    explicit bus_memory(unsigned outstanding = 0) : bus("bus", bus_config(outstanding)) {
        bus.out.bind(mem.in);
        bus.add_region(m::bus_region::absolute("dram", 0, mem_config().low_size, 0));
    }
};

double bus_lt() {
    bus_memory bm;
    loop_initiator ini("ini");
    ini.out.bind(bm.bus.in);
    return run_for_budget(sc_time(1, SC_MS), [&] { return ini.n; });
}

double tgen_bus_memory(m::tgen::style st) {
    m::tgen_config tc;
    tc.count = 0; // until stopped
    tc.outstanding = 48;
    tc.range = 64ull << 20;
    bus_memory bm(64);
    m::tgen gen("gen", tc, st);
    gen.out.bind(bm.bus.in);
    return run_for_budget(sc_time(100, SC_US), [&] { return gen.transactions(); });
}

double tgen_bus_lt() { return tgen_bus_memory(m::tgen::style::lt); }
double tgen_bus_at() { return tgen_bus_memory(m::tgen::style::at); }

double bus_at() {
    bus_memory bm(64);
    at_loop_initiator ini("ini");
    ini.out.bind(bm.bus.in);
    return run_for_budget(sc_time(100, SC_US), [&] { return ini.n; });
}

double raw_at() { return through_forwarder<at_loop_initiator, trivial_at_target>(sc_time(100, SC_US)); }

using ddisim::bench::registrar;
const registrar r1{{"raw_b_transport_per_s", "txn/s",
                    "ceiling: bare b_transport loop, 64 B, quantum 1 us, trivial target", &raw_b_transport, 100, "", 0}};
const registrar r2{{"raw_wait_per_s", "waits/s", "ceiling: one SC_THREAD doing wait(10 ns)", &raw_wait, 101, "", 0}};
const registrar r7{{"raw_b_transport_2hop_per_s", "txn/s",
                    "like-for-like LT ceiling (anchors Part D, ceiling 2): the bare loop -> a bare forwarder -> the "
                    "trivial target, the bus path's two hops (information)",
                    &raw_b_transport_2hop, 102, "raw_b_transport_per_s", 0}};
const registrar r8{{"raw_at_per_s", "txn/s",
                    "like-for-like AT ceiling (anchors Part D, ceiling 4): the bare AT loop, 48 in flight -> a bare "
                    "forwarder -> a trivial 4-phase target with a PEQ (information)",
                    &raw_at, 103, "raw_wait_per_s", 0}};
const registrar r3{{"bus_lt_per_s", "txn/s",
                    "the ceiling's bare loop -> bus -> memory, LT, 64 B reads, one at a time, quantum 1 us", &bus_lt,
                    110, "raw_b_transport_per_s", 0.25, 0, "raw_b_transport_2hop_per_s"}};
const registrar r5{{"tgen_bus_lt_per_s", "txn/s", "tgen -> bus -> memory, LT, 64 B reads, saturating (information)",
                    &tgen_bus_lt, 112, "raw_b_transport_per_s", 0}};
const registrar r4{{"bus_at_per_s", "txn/s",
                    "bare AT loop (no statistics) -> bus -> memory, AT, 64 B reads, 48 in flight", &bus_at, 111,
                    "raw_wait_per_s", 0.10, 0, "raw_at_per_s"}};
const registrar r6{{"tgen_bus_at_per_s", "txn/s", "tgen -> bus -> memory, AT, 64 B reads, 48 in flight (information)",
                    &tgen_bus_at, 113, "raw_wait_per_s", 0}};
} // namespace
