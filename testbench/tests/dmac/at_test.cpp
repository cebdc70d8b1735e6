// DMA controller in AT (timing = "at"): the engine drives the base protocol
// (nb_transport, four phases). Data integrity, the per-channel outstanding
// limit seen on the wire, throughput against LT, errors and RESET.
// A design may hold an LT and an AT system side by side (separate buses and
// memories) so the two styles are compared inside one elaboration.
#include "dmac_fixture.h"

namespace models = ddisim::models;
using namespace ddisim::test;
using namespace sc_core;

namespace {

constexpr std::uint64_t ring0 = 0x10000;

// A pass-through for both protocols that counts transactions in flight: from
// BEGIN_REQ (or b_transport entry) to the final response.
struct at_tap : sc_module, ::tlm::tlm_fw_transport_if<>, ::tlm::tlm_bw_transport_if<> {
    ::tlm::tlm_target_socket<> in;
    ::tlm::tlm_initiator_socket<> out;
    unsigned cur = 0, max = 0;
    std::uint64_t nb_requests = 0, b_calls = 0, bytes_written = 0;
    // Status write-backs (4-byte writes) in flight, and descriptor fetches
    // (32-byte reads) that began while one was.
    unsigned wb_in_flight = 0, fetches_during_wb = 0;
    // Writes to this address get TLM_ADDRESS_ERROR_RESPONSE without reaching
    // the bus (a failing status write-back).
    std::uint64_t fail_write_at = ~0ull;
    static bool status_write(const ::tlm::tlm_generic_payload& gp) { return gp.is_write() && gp.get_data_length() == 4; }
    explicit at_tap(sc_module_name n) : sc_module(n), in("in"), out("out") {
        in.bind(*this);
        out.bind(*this);
    }
    void up() { max = std::max(max, ++cur); }
    ::tlm::tlm_sync_enum nb_transport_fw(::tlm::tlm_generic_payload& gp, ::tlm::tlm_phase& ph, sc_time& d) override {
        const bool begin = ph == ::tlm::BEGIN_REQ;
        if (begin) {
            if (gp.is_write() && gp.get_address() == fail_write_at) {
                gp.set_response_status(::tlm::TLM_ADDRESS_ERROR_RESPONSE);
                return ::tlm::TLM_COMPLETED;
            }
            up();
            ++nb_requests;
            if (gp.is_write()) bytes_written += gp.get_data_length();
            if (status_write(gp)) ++wb_in_flight;
            if (gp.is_read() && gp.get_data_length() == 32 && wb_in_flight) ++fetches_during_wb;
        }
        const auto r = out->nb_transport_fw(gp, ph, d);
        if (begin && (r == ::tlm::TLM_COMPLETED || (r == ::tlm::TLM_UPDATED && ph == ::tlm::BEGIN_RESP))) done(gp);
        return r;
    }
    ::tlm::tlm_sync_enum nb_transport_bw(::tlm::tlm_generic_payload& gp, ::tlm::tlm_phase& ph, sc_time& d) override {
        if (ph == ::tlm::BEGIN_RESP) done(gp);
        return in->nb_transport_bw(gp, ph, d);
    }
    void done(const ::tlm::tlm_generic_payload& gp) {
        --cur;
        if (status_write(gp)) --wb_in_flight;
    }
    void b_transport(::tlm::tlm_generic_payload& gp, sc_time& d) override {
        if (gp.is_write() && gp.get_address() == fail_write_at) {
            gp.set_response_status(::tlm::TLM_ADDRESS_ERROR_RESPONSE);
            return;
        }
        up();
        ++b_calls;
        out->b_transport(gp, d);
        --cur;
    }
    bool get_direct_mem_ptr(::tlm::tlm_generic_payload& gp, ::tlm::tlm_dmi& dmi) override {
        return out->get_direct_mem_ptr(gp, dmi);
    }
    unsigned transport_dbg(::tlm::tlm_generic_payload& gp) override { return out->transport_dbg(gp); }
    void invalidate_direct_mem_ptr(sc_dt::uint64 a, sc_dt::uint64 b) override { in->invalidate_direct_mem_ptr(a, b); }
};

// memory + bus + dmac (+ tap, checkers) + a CPU, all names prefixed.
struct sys {
    std::unique_ptr<ddisim::tlm::backing_store> store;
    std::unique_ptr<models::memory> mem;
    std::unique_ptr<models::bus> bus;
    std::unique_ptr<models::dmac> dma;
    std::unique_ptr<at_tap> t;
    std::unique_ptr<cpu> c;
    std::unique_ptr<ddisim::tlm::protocol_checker> chk_dma, chk_mem;
    std::unique_ptr<sc_signal<bool>> irq;

    sys(const std::string& p, models::dmac_config dc, const models::bus_config& bc = {},
        const models::memory_config& mc = test_memory()) {
        store = std::make_unique<ddisim::tlm::backing_store>(models::memory::store_size(mc));
        mem = std::make_unique<models::memory>((p + "mem").c_str(), mc, *store);
        bus = std::make_unique<models::bus>((p + "bus").c_str(), bc);
        if (!dc.bus_max_burst) dc.bus_max_burst = bc.max_burst;
        dma = std::make_unique<models::dmac>((p + "dmac").c_str(), dc);
        t = std::make_unique<at_tap>((p + "tap").c_str());
        c = std::make_unique<cpu>((p + "cpu").c_str());
        chk_dma = std::make_unique<ddisim::tlm::protocol_checker>((p + "chk_dma").c_str());
        chk_mem = std::make_unique<ddisim::tlm::protocol_checker>((p + "chk_mem").c_str());
        irq = std::make_unique<sc_signal<bool>>((p + "irq").c_str());
        bus->out.bind(chk_mem->in);
        chk_mem->out.bind(mem->in);
        bus->out.bind(dma->regs);
        dma->out.bind(t->in);
        t->out.bind(chk_dma->in);
        chk_dma->out.bind(bus->in);
        c->out.bind(bus->in);
        dma->irq.bind(*irq);
        bus->add_region(models::bus_region::absolute("dram_low", 0, mc.low_size, 0));
        bus->add_region(models::bus_region::relative("dmac", regs_base, 0x1000, 1));
    }
    std::uint8_t* m(std::uint64_t pa) { return store->data() + pa; }
    void put_desc(unsigned idx, std::uint64_t src, std::uint64_t dst, std::uint32_t len, std::uint32_t flags) {
        std::uint8_t* q = m(ring0 + idx * D::size);
        std::memset(q, 0, D::size);
        std::memcpy(q + D::SRC, &src, 8);
        std::memcpy(q + D::DST, &dst, 8);
        std::memcpy(q + D::LEN, &len, 4);
        std::memcpy(q + D::FLAGS, &flags, 4);
    }
    std::uint32_t desc_status(unsigned idx) {
        std::uint32_t v;
        std::memcpy(&v, m(ring0 + idx * D::size + D::STATUS), 4);
        return v;
    }
    void fill_random(std::uint64_t pa, std::uint64_t len, unsigned seed) {
        std::mt19937 g(seed);
        for (std::uint64_t k = 0; k < len; ++k) m(pa)[k] = static_cast<std::uint8_t>(g());
    }
    void setup(cpu& p, std::uint32_t control = 0) {
        p.wr(R::channel(0) + R::RING_BASE_LO, static_cast<std::uint32_t>(ring0));
        p.wr(R::channel(0) + R::RING_BASE_HI, 0);
        p.wr(R::channel(0) + R::RING_SIZE, 64);
        p.wr(R::channel(0) + R::CONTROL, control | R::CONTROL_ENABLE);
    }
    bool wait_irq(sc_time timeout = sc_time(10, SC_MS)) {
        if (irq->read()) return true;
        wait(timeout, irq->posedge_event());
        return irq->read();
    }
    void check() const {
        REQUIRE(chk_dma->violations() == 0);
        REQUIRE(chk_mem->violations() == 0);
    }
};

// Runs both systems: each CPU enables channel 0, rings the doorbell with
// `tail` and waits for the interrupt; ns[k] gets the doorbell-to-interrupt
// time of a then b, in ns.
void time_both(sys& a, sys& b, std::uint32_t tail, double (&ns)[2]) {
    int k = 0;
    for (sys* x : {&a, &b}) {
        double& out = ns[k++];
        out = 0;
        x->c->body = [x, &out, tail](cpu& p) {
            x->setup(p);
            const sc_time start = sc_time_stamp();
            p.wr(R::channel(0) + R::TAIL, tail);
            if (x->wait_irq()) out = (sc_time_stamp() - start).to_seconds() * 1e9;
        };
    }
    sc_start();
    a.check();
    b.check();
    REQUIRE(ns[0] > 0);
    REQUIRE(ns[1] > 0);
}

models::dmac_config at_config(unsigned outstanding = 8) {
    models::dmac_config c;
    c.channels = 2;
    c.outstanding = outstanding;
    c.timing = "at";
    return c;
}

} // namespace

TEST_CASE("dmac: AT copies a fragmented descriptor chain byte for byte") {
    sys s("", at_config());
    struct frag {
        std::uint64_t src, dst;
        std::uint32_t len;
    };
    std::vector<frag> fr;
    std::mt19937 g(11);
    std::uint64_t src = 0x100003, dst = 0x800011;
    for (int k = 0; k < 16; ++k) {
        const std::uint32_t len = 1 + g() % 12000;
        fr.push_back({src, dst, len});
        src += len + 1 + g() % 5000;
        dst += len + 7 + g() % 3000;
    }
    fr[5].len = 1;
    for (std::size_t k = 0; k < fr.size(); ++k) {
        s.fill_random(fr[k].src, fr[k].len, static_cast<unsigned>(k) + 100);
        s.put_desc(static_cast<unsigned>(k), fr[k].src, fr[k].dst, fr[k].len,
                   k + 1 == fr.size() ? D::FLAG_INTERRUPT : 0);
    }
    bool irq_seen = false;
    std::uint32_t head = 0, status = 0;
    s.c->body = [&](cpu& p) {
        s.setup(p);
        p.wr(R::channel(0) + R::TAIL, static_cast<std::uint32_t>(fr.size()));
        irq_seen = s.wait_irq();
        head = p.rd(R::channel(0) + R::HEAD);
        status = p.rd(R::channel(0) + R::STATUS);
    };
    sc_start();
    s.check();
    REQUIRE(irq_seen);
    CHECK(head == fr.size());
    CHECK(status == (std::uint32_t(fr.size()) << 16));
    std::uint64_t total = 0;
    for (std::size_t k = 0; k < fr.size(); ++k) {
        INFO("fragment " << k << " len " << fr[k].len);
        CHECK(std::memcmp(s.m(fr[k].src), s.m(fr[k].dst), fr[k].len) == 0);
        CHECK(*s.m(fr[k].dst + fr[k].len) == 0);
        CHECK(s.desc_status(static_cast<unsigned>(k)) == D::STATUS_DONE);
        total += fr[k].len;
    }
    // Everything went over nb_transport: no b_transport from the engine.
    CHECK(s.t->b_calls == 0);
    CHECK(s.t->nb_requests > 2 * total / 256);
    CHECK(s.t->bytes_written == total + 4 * fr.size()); // data + status write-backs
    CHECK(s.t->cur == 0);
}

TEST_CASE("dmac: AT keeps at most `outstanding` transactions in flight per channel") {
    models::bus_config bc;
    bc.outstanding = 64; // the bus does not limit
    sys s("", at_config(4), bc);
    const std::uint32_t len = 256 * 1024;
    s.fill_random(0x100000, len, 3);
    s.put_desc(0, 0x100000, 0x300000, len, D::FLAG_INTERRUPT);
    bool ok = false;
    s.c->body = [&](cpu& p) {
        s.setup(p);
        p.wr(R::channel(0) + R::TAIL, 1);
        ok = s.wait_irq();
    };
    sc_start();
    s.check();
    REQUIRE(ok);
    CHECK(std::memcmp(s.m(0x100000), s.m(0x300000), len) == 0);
    INFO("max in flight " << s.t->max);
    CHECK(s.t->max <= 4);
    CHECK(s.t->max >= 3); // it does pipeline
}

TEST_CASE("dmac: AT throughput of a 1 MiB copy is within 12 % of LT") {
    // Same configuration in both styles (bus 32 B/beat at 1 GHz, 256 B
    // bursts, 32 outstanding; see "one channel on an idle bus copies at
    // 25.6 GB/s"). LT: the initiator's request channel limits the copy to
    // 1 + 9 = 10 cycles per 256 B read/write pair, 1 MiB in 40.96 µs.
    // AT: the bus holds at most two granted requests per target during the
    // 2 ns request latency, so the read following a 9-cycle write is granted
    // one cycle late: 11 cycles per pair, 1 MiB in 45.06 µs (+0.2 µs of
    // descriptor fetch, write-back and pipeline fill in both), 10 % slower.
    // The engine itself adds nothing: it issues each request in the delta
    // after the previous END_REQ. Tolerance: 12 %.
    auto lt = at_config(32);
    lt.timing = "lt";
    auto at = at_config(32);
    models::bus_config bc;
    bc.outstanding = 64;
    auto mc = test_memory();
    mc.low_size = 64ull << 20;
    mc.bytes_per_cycle = 64;
    mc.turnaround = 0;
    sys a("lt_", lt, bc, mc), b("at_", at, bc, mc);
    const std::uint32_t len = 1u << 20;
    double ns[2] = {0, 0};
    for (sys* x : {&a, &b}) {
        x->fill_random(0x100000, len, 7);
        x->put_desc(0, 0x100000, 0x1000000, len, D::FLAG_INTERRUPT);
    }
    time_both(a, b, 1, ns);
    INFO("LT " << ns[0] << " ns, AT " << ns[1] << " ns");
    CHECK(std::memcmp(b.m(0x100000), b.m(0x1000000), len) == 0);
    CHECK(ns[0] == Approx(double(1u << 20) / 25.6).epsilon(0.03));
    CHECK(ns[1] == Approx(double(1u << 20) / 256 * 11).epsilon(0.02));
    CHECK(ns[1] / ns[0] == Approx(1.0).epsilon(0.12));
}

TEST_CASE("dmac: AT overlaps each status write-back with the next descriptor fetch, as LT does") {
    // 16 descriptors of 4 KiB at 16 outstanding on the default bus and
    // memory. The write-back is a posted write in both styles: the next
    // fetch goes out while it is on its way (in AT it used to wait for its
    // response, one more round trip per descriptor: 9.6 % slower than LT);
    // the next descriptor's data waits for its answer. LT burst by burst
    // (lt_transaction_size 0) issues the same transactions, so the two take
    // the same time to within the AT bus's request pipeline (0.4 %), with
    // the memory's 5 ns read/write turnaround, which both styles reduce by
    // the channel's idle time (LT where the engine is alone on the channel;
    // until 2026-11-27 LT charged it whole and AT was 1.3 % faster).
    auto lt = at_config(16);
    lt.timing = "lt";
    lt.lt_transaction_size = 0;
    sys a("lt_", lt), b("at_", at_config(16));
    constexpr unsigned n = 16;
    double ns[2] = {0, 0};
    for (sys* x : {&a, &b}) {
        for (unsigned d = 0; d < n; ++d) {
            const std::uint64_t src = 0x100000 + d * 0x3000, dst = 0x800000 + d * 0x5000;
            x->fill_random(src, 4096, 20 + d);
            x->put_desc(d, src, dst, 4096, d + 1 == n ? D::FLAG_INTERRUPT : 0);
        }
    }
    time_both(a, b, n, ns);
    INFO("LT " << ns[0] << " ns, AT " << ns[1] << " ns");
    for (unsigned d = 0; d < n; ++d) {
        CHECK(std::memcmp(b.m(0x100000 + d * 0x3000), b.m(0x800000 + d * 0x5000), 4096) == 0);
        CHECK(b.desc_status(d) == D::STATUS_DONE);
    }
    CHECK(b.t->fetches_during_wb == n - 1); // every fetch after the first
    CHECK(b.t->wb_in_flight == 0);
    CHECK(ns[1] / ns[0] == Approx(1.0).epsilon(0.01));
}

TEST_CASE("dmac: a failed status write-back halts the channel on that descriptor, in LT and AT") {
    // Descriptor 0's write-back fails; descriptor 1 is queued behind it. In
    // both styles the channel halts with error 5 and HEAD past descriptor 0;
    // descriptor 1 moves no data (in AT its fetch overlapped the write-back
    // and is dropped when the error comes back).
    auto lt = at_config();
    lt.timing = "lt";
    sys a("lt_", lt), b("at_", at_config());
    std::uint32_t status[2] = {0, 0}, head[2] = {9, 9}, irqst[2] = {0, 0};
    bool ok[2] = {false, false};
    int k = 0;
    for (sys* x : {&a, &b}) {
        x->fill_random(0x100000, 8192, 5);
        x->put_desc(0, 0x100000, 0x300000, 4096, 0);
        x->put_desc(1, 0x101000, 0x301000, 4096, D::FLAG_INTERRUPT);
        x->t->fail_write_at = ring0 + D::STATUS;
        const int i = k++;
        x->c->body = [x, i, &status, &head, &irqst, &ok](cpu& p) {
            x->setup(p);
            p.wr(R::channel(0) + R::TAIL, 2);
            ok[i] = x->wait_irq();
            wait(1, SC_US); // anything still running would finish meanwhile
            status[i] = p.rd(R::channel(0) + R::STATUS);
            head[i] = p.rd(R::channel(0) + R::HEAD);
            irqst[i] = p.rd(R::channel(0) + R::IRQ_STATUS);
        };
    }
    sc_start();
    a.check();
    b.check();
    for (int i = 0; i < 2; ++i) {
        INFO((i ? "AT" : "LT"));
        sys& x = i ? b : a;
        REQUIRE(ok[i]);
        CHECK((status[i] & R::STATUS_ERROR) != 0);
        CHECK(((status[i] >> 8) & 0xff) == D::writeback_error);
        CHECK(head[i] == 1);
        CHECK(irqst[i] == R::IRQ_ERROR);
        CHECK(std::memcmp(x.m(0x100000), x.m(0x300000), 4096) == 0); // descriptor 0's data moved
        CHECK(*x.m(0x301000) == 0);                                   // descriptor 1's did not
        CHECK(x.desc_status(0) == 0);                                 // the write-back never landed
        CHECK(x.desc_status(1) == 0);
        CHECK(x.t->cur == 0);
    }
}

TEST_CASE("dmac: AT unmapped source halts the channel with a read error") {
    sys s("", at_config());
    s.put_desc(0, 0x3000'0000'0ull, 0x300000, 4096, D::FLAG_INTERRUPT); // beyond every region
    std::uint32_t status = 0, irqst = 0;
    bool ok = false;
    s.c->body = [&](cpu& p) {
        s.setup(p);
        p.wr(R::channel(0) + R::TAIL, 1);
        ok = s.wait_irq();
        status = p.rd(R::channel(0) + R::STATUS);
        irqst = p.rd(R::channel(0) + R::IRQ_STATUS);
    };
    sc_start();
    s.check();
    REQUIRE(ok);
    CHECK((status & R::STATUS_ERROR) != 0);
    CHECK(((status >> 8) & 0xff) == D::read_error);
    CHECK(irqst == R::IRQ_ERROR);
    CHECK(s.desc_status(0) == (D::STATUS_DONE | D::STATUS_ERROR | (D::read_error << 8)));
    CHECK(*s.m(0x300000) == 0);
}

TEST_CASE("dmac: AT RESET during a transfer drops it and the channel works again") {
    sys s("", at_config());
    const std::uint32_t len = 1u << 20;
    s.fill_random(0x100000, len, 9);
    s.fill_random(0x900000, 8192, 10);
    s.put_desc(0, 0x100000, 0x400000, len, D::FLAG_INTERRUPT);
    std::uint32_t completed_after_reset = 1, head = 0;
    bool ok = false;
    s.c->body = [&](cpu& p) {
        s.setup(p);
        p.wr(R::channel(0) + R::TAIL, 1);
        wait(5, SC_US); // well inside the ~40 µs copy
        p.wr(R::channel(0) + R::CONTROL, R::CONTROL_RESET);
        completed_after_reset = p.rd(R::channel(0) + R::COMPLETED);
        wait(2, SC_US); // let the dropped transfer's transactions drain
        s.put_desc(0, 0x900000, 0xA00000, 8192, D::FLAG_INTERRUPT);
        s.setup(p);
        p.wr(R::channel(0) + R::TAIL, 1);
        ok = s.wait_irq();
        head = p.rd(R::channel(0) + R::HEAD);
    };
    sc_start();
    s.check();
    CHECK(completed_after_reset == 0);
    REQUIRE(ok);
    CHECK(head == 1);
    CHECK(std::memcmp(s.m(0x900000), s.m(0xA00000), 8192) == 0);
    // The dropped copy stopped part-way: its destination is not complete.
    CHECK(std::memcmp(s.m(0x100000), s.m(0x400000), len) != 0);
    CHECK(s.t->cur == 0);
}
