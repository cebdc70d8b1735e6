// Test design for the SCSI HBA: one hba (with its disks), a test "driver"
// (a CPU-side initiator whose SC_THREAD body writes request frames straight
// into the backing store, programs the registers over the bus and collects
// replies), a bus and a memory, protocol checkers, and a tap on the HBA's
// master side recording every transaction (direction, address, length,
// issue and completion time, requester id, I/O tag).
//
//   hba.out → tap.in, tap.out → chk_hba.in, chk_hba.out → bus.in[0]
//   cpu.out → chk_cpu.in, chk_cpu.out → bus.in[1]
//   bus.out[0] → chk_mem → mem;  bus.out[1] → chk_regs → hba.regs (at regs_base)
//
// Catch2 assertions stay outside SC_THREADs: bodies record, the test asserts
// after run().
#pragma once
#include <algorithm>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include <catch2/catch.hpp>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "models/bus/bus.h"
#include "models/hba/hba.h"
#include "models/memory/memory.h"
#include "tlm/core/backing_store.h"
#include "tlm/extensions.h"
#include "tlm/protocol_checker.h"

namespace ddisim::test {

namespace R = models::hba_regs;
namespace F = models::hba_frame;
namespace P = models::hba_reply;

inline constexpr std::uint64_t regs_base = 0xF000'0000;
inline constexpr std::uint64_t req_ring = 0x10000, rpl_ring = 0x20000;
inline constexpr std::uint32_t ring_size = 32;

struct hba_tap : sc_core::sc_module {
    struct rec {
        bool write;
        std::uint64_t addr, len, start, end;
        std::uint32_t rid;
        std::uint64_t tag;
        bool ok;
    };
    tlm_utils::simple_target_socket<hba_tap> in;
    tlm_utils::simple_initiator_socket<hba_tap> out;
    std::vector<rec> log;
    std::map<const ::tlm::tlm_generic_payload*, std::size_t> open; // AT: record of each request in flight
    explicit hba_tap(sc_core::sc_module_name n) : sc_module(n), in("in"), out("out") {
        in.register_b_transport(this, &hba_tap::b_transport);
        in.register_nb_transport_fw(this, &hba_tap::nb_transport_fw);
        out.register_nb_transport_bw(this, &hba_tap::nb_transport_bw);
    }
    // AT (the HBA with timing "at"): a record at BEGIN_REQ, completed at the response.
    void respond(::tlm::tlm_generic_payload& gp, const sc_core::sc_time& d) {
        const auto it = open.find(&gp);
        if (it == open.end()) return;
        log[it->second].end = sc_core::sc_time_stamp().value() + d.value();
        log[it->second].ok = gp.is_response_ok();
        open.erase(it);
    }
    ::tlm::tlm_sync_enum nb_transport_fw(::tlm::tlm_generic_payload& gp, ::tlm::tlm_phase& ph, sc_core::sc_time& d) {
        if (ph == ::tlm::BEGIN_REQ) {
            open[&gp] = log.size();
            log.push_back({gp.is_write(), gp.get_address(), gp.get_data_length(), sc_core::sc_time_stamp().value() + d.value(),
                           0, tlm::requester_id(gp, 0xffffffffu), tlm::io_tag(gp, ~0ull), false});
        }
        const auto r = out->nb_transport_fw(gp, ph, d);
        if (r == ::tlm::TLM_COMPLETED || (r == ::tlm::TLM_UPDATED && ph == ::tlm::BEGIN_RESP)) respond(gp, d);
        return r;
    }
    ::tlm::tlm_sync_enum nb_transport_bw(::tlm::tlm_generic_payload& gp, ::tlm::tlm_phase& ph, sc_core::sc_time& d) {
        if (ph == ::tlm::BEGIN_RESP) respond(gp, d);
        return in->nb_transport_bw(gp, ph, d);
    }
    void b_transport(::tlm::tlm_generic_payload& gp, sc_core::sc_time& d) {
        rec r{gp.is_write(), gp.get_address(), gp.get_data_length(), sc_core::sc_time_stamp().value() + d.value(), 0,
              tlm::requester_id(gp, 0xffffffffu), tlm::io_tag(gp, ~0ull), false};
        out->b_transport(gp, d);
        r.end = sc_core::sc_time_stamp().value() + d.value();
        r.ok = gp.is_response_ok();
        log.push_back(r);
    }
};

struct hba_cpu : sc_core::sc_module, ::tlm::tlm_bw_transport_if<> {
    ::tlm::tlm_initiator_socket<> out;
    std::function<void(hba_cpu&)> body;
    unsigned bad_accesses = 0; // register accesses that did not answer OK
    SC_HAS_PROCESS(hba_cpu);
    explicit hba_cpu(sc_core::sc_module_name n) : sc_module(n), out("out") {
        out.bind(*this);
        SC_THREAD(thread);
    }
    void thread() {
        if (body) body(*this);
    }
    ::tlm::tlm_response_status access(bool write, std::uint64_t addr, std::uint32_t& v) { return access(write, addr, &v, 4); }
    ::tlm::tlm_response_status access(bool write, std::uint64_t addr, void* v, unsigned len) {
        ::tlm::tlm_generic_payload gp;
        gp.set_command(write ? ::tlm::TLM_WRITE_COMMAND : ::tlm::TLM_READ_COMMAND);
        gp.set_address(addr);
        gp.set_data_ptr(static_cast<unsigned char*>(v));
        gp.set_data_length(len);
        gp.set_streaming_width(len);
        gp.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
        sc_core::sc_time d = sc_core::SC_ZERO_TIME;
        out->b_transport(gp, d);
        wait(d); // a CPU does not run ahead of its register accesses
        return gp.get_response_status();
    }
    void wr(std::uint64_t off, std::uint32_t v) {
        if (access(true, regs_base + off, v) != ::tlm::TLM_OK_RESPONSE) ++bad_accesses;
    }
    // 8-byte write at an absolute bus address (another device's registers).
    void wr64_abs(std::uint64_t addr, std::uint64_t v) {
        if (access(true, addr, &v, 8) != ::tlm::TLM_OK_RESPONSE) ++bad_accesses;
    }
    std::uint32_t rd(std::uint64_t off) {
        std::uint32_t v = 0;
        if (access(false, regs_base + off, v) != ::tlm::TLM_OK_RESPONSE) ++bad_accesses;
        return v;
    }
    ::tlm::tlm_sync_enum nb_transport_bw(::tlm::tlm_generic_payload&, ::tlm::tlm_phase&, sc_core::sc_time&) override {
        return ::tlm::TLM_COMPLETED;
    }
    void invalidate_direct_mem_ptr(sc_dt::uint64, sc_dt::uint64) override {}
};

// A request as the driver builds it.
struct request {
    std::uint32_t tag = 0;
    std::uint8_t target = 0, dir = F::DIR_NONE, flags = 0;
    std::vector<std::uint8_t> cdb;
    std::uint8_t cdb_len = 0; // 0: cdb.size()
    std::uint32_t lun = 0, data_len = 0;
    std::vector<std::pair<std::uint64_t, std::uint32_t>> inline_sgl; // at most 4
    std::uint64_t chain_addr = 0;
    std::uint16_t chain_count = 0;
    std::uint64_t sense_addr = 0;
    std::uint32_t sense_len = 0;
};

struct reply {
    std::uint32_t tag, residual, transferred, lun;
    std::uint8_t scsi_status, host_status, sense_len, flags, target;
    std::uint8_t sense[32];
};

inline void sgl_entry(std::uint8_t* e, std::uint64_t addr, std::uint32_t len, std::uint32_t flags) {
    std::memcpy(e, &addr, 8);
    std::memcpy(e + 8, &len, 4);
    std::memcpy(e + 12, &flags, 4);
}

// Encodes a request frame at p (128 bytes).
inline void write_frame(std::uint8_t* p, const request& r) {
    std::memset(p, 0, F::size);
    std::memcpy(p + F::TAG, &r.tag, 4);
    p[F::TARGET] = r.target;
    p[F::DIR] = r.dir;
    p[F::CDB_LEN] = r.cdb_len ? r.cdb_len : std::uint8_t(r.cdb.size());
    p[F::FLAGS] = r.flags;
    std::memcpy(p + F::LUN, &r.lun, 4);
    std::memcpy(p + F::DATA_LEN, &r.data_len, 4);
    std::memcpy(p + F::CDB, r.cdb.data(), std::min<std::size_t>(16, r.cdb.size()));
    std::memcpy(p + F::SENSE_ADDR, &r.sense_addr, 8);
    std::memcpy(p + F::SENSE_LEN, &r.sense_len, 4);
    p[F::SGL_INLINE] = std::uint8_t(r.inline_sgl.size());
    std::memcpy(p + F::CHAIN_COUNT, &r.chain_count, 2);
    std::memcpy(p + F::CHAIN_ADDR, &r.chain_addr, 8);
    for (std::size_t k = 0; k < r.inline_sgl.size(); ++k)
        sgl_entry(p + F::SGL + k * 16, r.inline_sgl[k].first, r.inline_sgl[k].second, 0);
}

// Decodes a reply at p (64 bytes).
inline reply read_reply(const std::uint8_t* p) {
    reply r{};
    std::memcpy(&r.tag, p + P::TAG, 4);
    r.scsi_status = p[P::SCSI_STATUS];
    r.host_status = p[P::HOST_STATUS];
    r.sense_len = p[P::SENSE_LEN];
    r.flags = p[P::FLAGS];
    std::memcpy(&r.residual, p + P::RESIDUAL, 4);
    std::memcpy(&r.transferred, p + P::TRANSFERRED, 4);
    std::memcpy(r.sense, p + P::SENSE, 32);
    r.target = p[P::TARGET];
    std::memcpy(&r.lun, p + P::LUN, 4);
    return r;
}

// A small RAM disk (fast, simple timing): 5 us + bytes at 4 GB/s.
inline models::disk_config ram_disk(std::uint64_t capacity = 64ull << 20) {
    models::disk_config d;
    d.kind = "ram";
    d.capacity = capacity;
    d.serial = "RAM0000001";
    return d;
}

inline models::memory_config test_memory() {
    models::memory_config c;
    c.low_size = 1ull << 30;
    c.high_size = 0;
    return c;
}

inline std::vector<std::uint8_t> read10(std::uint32_t lba, std::uint16_t n) {
    return {0x28, 0, std::uint8_t(lba >> 24), std::uint8_t(lba >> 16), std::uint8_t(lba >> 8), std::uint8_t(lba), 0,
            std::uint8_t(n >> 8), std::uint8_t(n), 0};
}
inline std::vector<std::uint8_t> write10(std::uint32_t lba, std::uint16_t n) {
    auto c = read10(lba, n);
    c[0] = 0x2a;
    return c;
}
inline std::vector<std::uint8_t> inquiry(std::uint16_t alloc) {
    return {0x12, 0, 0, std::uint8_t(alloc >> 8), std::uint8_t(alloc), 0};
}

struct hba_system {
    std::unique_ptr<tlm::backing_store> store;
    std::unique_ptr<models::memory> mem;
    std::unique_ptr<models::bus> bus;
    std::unique_ptr<models::hba> hba;
    std::unique_ptr<hba_tap> t;
    std::unique_ptr<hba_cpu> c;
    std::unique_ptr<tlm::protocol_checker> chk_mem, chk_regs, chk_hba, chk_cpu;
    sc_core::sc_signal<bool> irq{"irq_sig"};

    explicit hba_system(const models::hba_config& hc, const models::bus_config& bc = {},
                        const models::memory_config& mc = test_memory()) {
        store = std::make_unique<tlm::backing_store>(models::memory::store_size(mc));
        mem = std::make_unique<models::memory>("mem", mc, *store);
        bus = std::make_unique<models::bus>("bus", bc);
        auto cfg = hc;
        if (!cfg.bus_max_burst) cfg.bus_max_burst = bc.max_burst; // as the platform does
        hba = std::make_unique<models::hba>("hba", cfg);
        t = std::make_unique<hba_tap>("tap");
        c = std::make_unique<hba_cpu>("cpu");
        chk_mem = std::make_unique<tlm::protocol_checker>("chk_mem");
        chk_regs = std::make_unique<tlm::protocol_checker>("chk_regs");
        chk_hba = std::make_unique<tlm::protocol_checker>("chk_hba");
        chk_cpu = std::make_unique<tlm::protocol_checker>("chk_cpu");
        bus->out.bind(chk_mem->in);
        chk_mem->out.bind(mem->in);
        bus->out.bind(chk_regs->in);
        chk_regs->out.bind(hba->regs);
        hba->out.bind(t->in);
        t->out.bind(chk_hba->in);
        chk_hba->out.bind(bus->in);
        c->out.bind(chk_cpu->in);
        chk_cpu->out.bind(bus->in);
        hba->irq.bind(irq);
        bus->add_region(models::bus_region::absolute("dram_low", 0, mc.low_size, 0));
        bus->add_region(models::bus_region::relative("hba", regs_base, 0x1000, 1));
    }

    std::uint8_t* m(std::uint64_t pa) { return store->data() + pa; }

    void put_frame(unsigned idx, const request& r) { write_frame(m(req_ring + std::uint64_t(idx % ring_size) * F::size), r); }
    static void put_entry(std::uint8_t* e, std::uint64_t addr, std::uint32_t len, std::uint32_t flags) {
        sgl_entry(e, addr, len, flags);
    }
    // Writes a chain segment at `seg`: data entries, then (next_count != 0) a
    // CHAIN entry to next_seg.
    void put_segment(std::uint64_t seg, const std::vector<std::pair<std::uint64_t, std::uint32_t>>& entries,
                     std::uint64_t next_seg = 0, std::uint32_t next_count = 0) {
        std::size_t k = 0;
        for (; k < entries.size(); ++k) put_entry(m(seg + k * 16), entries[k].first, entries[k].second, 0);
        if (next_count) put_entry(m(seg + k * 16), next_seg, next_count, F::SGL_CHAIN);
    }
    reply get_reply(unsigned idx) { return read_reply(m(rpl_ring + std::uint64_t(idx % ring_size) * P::size)); }
    void fill_random(std::uint64_t pa, std::uint64_t len, unsigned seed) {
        std::mt19937 g(seed);
        for (std::uint64_t k = 0; k < len; ++k) m(pa)[k] = static_cast<std::uint8_t>(g());
    }
    // Programs both rings and enables the HBA.
    void setup(hba_cpu& p, std::uint32_t rpl_size = ring_size) {
        p.wr(R::REQ_BASE_LO, std::uint32_t(req_ring));
        p.wr(R::REQ_BASE_HI, 0);
        p.wr(R::REQ_SIZE, ring_size);
        p.wr(R::RPL_BASE_LO, std::uint32_t(rpl_ring));
        p.wr(R::RPL_BASE_HI, 0);
        p.wr(R::RPL_SIZE, rpl_size);
        p.wr(R::CONTROL, R::CONTROL_ENABLE);
    }
    // Waits (interrupt driven, clearing IRQ_STATUS.REPLY) until RPL_PI has
    // reached `n` replies in total or `timeout` has passed; returns RPL_PI.
    std::uint32_t collect(hba_cpu& p, std::uint32_t n, sc_core::sc_time timeout = sc_core::sc_time(100, sc_core::SC_MS)) {
        const sc_core::sc_time deadline = sc_core::sc_time_stamp() + timeout;
        for (;;) {
            p.wr(R::IRQ_STATUS, R::IRQ_REPLY);
            const std::uint32_t pi = p.rd(R::RPL_PI);
            if (pi >= n || sc_core::sc_time_stamp() >= deadline) return pi;
            if (!irq.read()) sc_core::wait(deadline - sc_core::sc_time_stamp(), irq.posedge_event());
        }
    }
    // Puts `medium` on target 0 from LBA 0, then runs one READ(10) of all of
    // it into `buf` (one SGL entry, tag 1) to its reply; returns RPL_PI.
    std::uint32_t read_once(const std::vector<std::uint8_t>& medium, std::uint64_t buf) {
        REQUIRE(hba->port(0).target().store().write(0, medium));
        const auto len = static_cast<std::uint32_t>(medium.size());
        std::uint32_t pi = 0;
        c->body = [this, len, buf, &pi](hba_cpu& p) {
            setup(p);
            request r;
            r.tag = 1;
            r.dir = F::DIR_IN;
            r.cdb = read10(0, static_cast<std::uint16_t>(len / 512));
            r.data_len = len;
            r.inline_sgl = {{buf, len}};
            put_frame(0, r);
            p.wr(R::REQ_PI, 1);
            pi = collect(p, 1);
        };
        run();
        return pi;
    }
    void run() {
        sc_core::sc_start();
        REQUIRE(chk_mem->violations() == 0);
        REQUIRE(chk_regs->violations() == 0);
        REQUIRE(chk_hba->violations() == 0);
        REQUIRE(chk_cpu->violations() == 0);
        REQUIRE(c->bad_accesses == 0);
    }
};

} // namespace ddisim::test

// Test bodies run in LT and AT (defined in hba_test.cpp, timing "lt" / "at").
void sgl_write_read_case(const char* timing);
void medium_error_case(const char* timing);
void target_reset_case(const char* timing);
void hba_reset_case(const char* timing);
