// Test design for the DMA controller: one dmac, a CPU probe, a bus and a
// memory, a protocol checker on every hop and a tap on the controller's
// master side that records every transaction (length, direction, issue and
// completion time, requester id).
//
//   dmac.out → tap.in, tap.out → chk_dma.in, chk_dma.out → bus.in[0]
//   cpu.out → chk_cpu.in, chk_cpu.out → bus.in[1]
//   bus.out[0] → chk_mem → mem;  bus.out[1] → chk_regs → dmac.regs (at regs_base)
#pragma once
#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <vector>

#include <catch2/catch.hpp>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "models/bus/bus.h"
#include "models/dmac/dmac.h"
#include "models/memory/memory.h"
#include "tlm/core/backing_store.h"
#include "tlm/extensions.h"
#include "tlm/protocol_checker.h"

namespace ddisim::test {

namespace R = models::dmac_regs;
namespace D = models::dmac_desc;

inline constexpr std::uint64_t regs_base = 0xF000'0000;

struct tap : sc_core::sc_module {
    struct rec {
        bool write;
        std::uint64_t addr, len, start, end;
        std::uint32_t rid;
    };
    tlm_utils::simple_target_socket<tap> in;
    tlm_utils::simple_initiator_socket<tap> out;
    std::vector<rec> log;
    explicit tap(sc_core::sc_module_name n) : sc_module(n), in("in"), out("out") {
        in.register_b_transport(this, &tap::b_transport);
    }
    void b_transport(::tlm::tlm_generic_payload& gp, sc_core::sc_time& d) {
        rec r{gp.is_write(), gp.get_address(), gp.get_data_length(), sc_core::sc_time_stamp().value() + d.value(), 0,
              tlm::requester_id(gp, 0xffffffffu)};
        out->b_transport(gp, d);
        r.end = sc_core::sc_time_stamp().value() + d.value();
        log.push_back(r);
    }
    // Largest number of transactions whose [start, end) intervals overlap.
    unsigned max_in_flight() const {
        std::vector<std::pair<std::uint64_t, int>> ev;
        for (const auto& r : log) {
            ev.emplace_back(r.start, +1);
            ev.emplace_back(r.end, -1);
        }
        std::sort(ev.begin(), ev.end()); // at equal times the end (-1) sorts first
        int cur = 0, best = 0;
        for (const auto& e : ev) best = std::max(best, cur += e.second);
        return static_cast<unsigned>(best);
    }
};

struct cpu : sc_core::sc_module, ::tlm::tlm_bw_transport_if<> {
    ::tlm::tlm_initiator_socket<> out;
    std::function<void(cpu&)> body;
    SC_HAS_PROCESS(cpu);
    explicit cpu(sc_core::sc_module_name n) : sc_module(n), out("out") {
        out.bind(*this);
        SC_THREAD(thread);
    }
    void thread() {
        if (body) body(*this);
    }
    ::tlm::tlm_response_status access(bool write, std::uint64_t addr, std::uint32_t& v) {
        ::tlm::tlm_generic_payload gp;
        gp.set_command(write ? ::tlm::TLM_WRITE_COMMAND : ::tlm::TLM_READ_COMMAND);
        gp.set_address(addr);
        gp.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
        gp.set_data_length(4);
        gp.set_streaming_width(4);
        gp.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
        sc_core::sc_time d = sc_core::SC_ZERO_TIME;
        out->b_transport(gp, d);
        wait(d); // a CPU does not run ahead of its register accesses
        return gp.get_response_status();
    }
    void wr(std::uint64_t off, std::uint32_t v) { REQUIRE(access(true, regs_base + off, v) == ::tlm::TLM_OK_RESPONSE); }
    std::uint32_t rd(std::uint64_t off) {
        std::uint32_t v = 0;
        REQUIRE(access(false, regs_base + off, v) == ::tlm::TLM_OK_RESPONSE);
        return v;
    }
    ::tlm::tlm_sync_enum nb_transport_bw(::tlm::tlm_generic_payload&, ::tlm::tlm_phase&, sc_core::sc_time&) override {
        return ::tlm::TLM_COMPLETED;
    }
    void invalidate_direct_mem_ptr(sc_dt::uint64, sc_dt::uint64) override {}
};

inline models::memory_config test_memory() {
    models::memory_config c;
    c.low_size = 1ull << 30;
    c.high_size = 0;
    return c;
}

struct dmac_system {
    std::unique_ptr<tlm::backing_store> store;
    std::unique_ptr<models::memory> mem;
    std::unique_ptr<models::bus> bus;
    std::unique_ptr<models::dmac> dma;
    std::unique_ptr<tap> t;
    std::unique_ptr<cpu> c;
    std::unique_ptr<tlm::protocol_checker> chk_mem, chk_regs, chk_dma, chk_cpu;
    sc_core::sc_signal<bool> irq{"irq_sig"};

    dmac_system(const models::dmac_config& dc, const models::bus_config& bc = {},
                const models::memory_config& mc = test_memory()) {
        store = std::make_unique<tlm::backing_store>(models::memory::store_size(mc));
        mem = std::make_unique<models::memory>("mem", mc, *store);
        bus = std::make_unique<models::bus>("bus", bc);
        auto cfg = dc;
        if (!cfg.bus_max_burst) cfg.bus_max_burst = bc.max_burst; // as the platform does
        dma = std::make_unique<models::dmac>("dmac", cfg);
        t = std::make_unique<tap>("tap");
        c = std::make_unique<cpu>("cpu");
        chk_mem = std::make_unique<tlm::protocol_checker>("chk_mem");
        chk_regs = std::make_unique<tlm::protocol_checker>("chk_regs");
        chk_dma = std::make_unique<tlm::protocol_checker>("chk_dma");
        chk_cpu = std::make_unique<tlm::protocol_checker>("chk_cpu");
        bus->out.bind(chk_mem->in);
        chk_mem->out.bind(mem->in);
        bus->out.bind(chk_regs->in);
        chk_regs->out.bind(dma->regs);
        dma->out.bind(t->in);
        t->out.bind(chk_dma->in);
        chk_dma->out.bind(bus->in);
        c->out.bind(chk_cpu->in);
        chk_cpu->out.bind(bus->in);
        dma->irq.bind(irq);
        bus->add_region(models::bus_region::absolute("dram_low", 0, mc.low_size, 0));
        bus->add_region(models::bus_region::relative("dmac", regs_base, 0x1000, 1));
    }

    std::uint8_t* m(std::uint64_t pa) { return store->data() + pa; }
    void put_desc(std::uint64_t ring, unsigned idx, std::uint64_t src, std::uint64_t dst, std::uint32_t len,
                  std::uint32_t flags) {
        std::uint8_t* p = m(ring + idx * D::size);
        std::memset(p, 0, D::size);
        std::memcpy(p + D::SRC, &src, 8);
        std::memcpy(p + D::DST, &dst, 8);
        std::memcpy(p + D::LEN, &len, 4);
        std::memcpy(p + D::FLAGS, &flags, 4);
    }
    std::uint32_t desc_status(std::uint64_t ring, unsigned idx) {
        std::uint32_t v;
        std::memcpy(&v, m(ring + idx * D::size + D::STATUS), 4);
        return v;
    }
    void fill_random(std::uint64_t pa, std::uint64_t len, unsigned seed) {
        std::mt19937 g(seed);
        for (std::uint64_t k = 0; k < len; ++k) m(pa)[k] = static_cast<std::uint8_t>(g());
    }
    // Programs channel ch's ring (size entries at ring) and enables it.
    void setup_channel(cpu& p, unsigned ch, std::uint64_t ring, std::uint32_t size, std::uint32_t control) {
        p.wr(R::channel(ch) + R::RING_BASE_LO, static_cast<std::uint32_t>(ring));
        p.wr(R::channel(ch) + R::RING_BASE_HI, static_cast<std::uint32_t>(ring >> 32));
        p.wr(R::channel(ch) + R::RING_SIZE, size);
        p.wr(R::channel(ch) + R::CONTROL, control | R::CONTROL_ENABLE);
    }
    // Waits for the interrupt line (true) or a timeout (false).
    bool wait_irq(sc_core::sc_time timeout = sc_core::sc_time(10, sc_core::SC_MS)) {
        if (irq.read()) return true;
        sc_core::wait(timeout, irq.posedge_event());
        return irq.read();
    }
    void run() {
        sc_core::sc_start();
        REQUIRE(chk_mem->violations() == 0);
        REQUIRE(chk_regs->violations() == 0);
        REQUIRE(chk_dma->violations() == 0);
        REQUIRE(chk_cpu->violations() == 0);
    }
};

} // namespace ddisim::test
