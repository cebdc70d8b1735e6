// dma_engine used on its own, as a device embeds it (the HBA's data mover):
// a host module owns the engine and drives it from its thread.
#include "dmac_fixture.h"

namespace models = ddisim::models;
using namespace ddisim::test;
using namespace sc_core;

namespace {

struct host : sc_module {
    models::dma_engine mover;
    std::function<void(host&)> body;
    SC_HAS_PROCESS(host);
    host(sc_module_name n, const models::dma_engine_config& c) : sc_module(n), mover("mover", c) { SC_THREAD(thread); }
    void thread() { body(*this); }
};

struct engine_system {
    std::unique_ptr<ddisim::tlm::backing_store> store;
    std::unique_ptr<models::memory> mem;
    std::unique_ptr<models::bus> bus;
    std::unique_ptr<host> h;
    std::unique_ptr<tap> t;
    std::unique_ptr<ddisim::tlm::protocol_checker> chk_in, chk_mem;
    explicit engine_system(const models::dma_engine_config& ec) {
        const auto mc = test_memory();
        store = std::make_unique<ddisim::tlm::backing_store>(models::memory::store_size(mc));
        mem = std::make_unique<models::memory>("mem", mc, *store);
        bus = std::make_unique<models::bus>("bus", models::bus_config{});
        h = std::make_unique<host>("hba", ec);
        t = std::make_unique<tap>("tap");
        chk_in = std::make_unique<ddisim::tlm::protocol_checker>("chk_in");
        chk_mem = std::make_unique<ddisim::tlm::protocol_checker>("chk_mem");
        h->mover.out.bind(t->in);
        t->out.bind(chk_in->in);
        chk_in->out.bind(bus->in);
        bus->out.bind(chk_mem->in);
        chk_mem->out.bind(mem->in);
        bus->add_region(models::bus_region::absolute("dram_low", 0, mc.low_size, 0));
    }
    std::uint8_t* m(std::uint64_t pa) { return store->data() + pa; }
    void run() {
        sc_start();
        REQUIRE(chk_in->violations() == 0);
        REQUIRE(chk_mem->violations() == 0);
    }
};

} // namespace

TEST_CASE("dmac: embedded engine copies with the host's requester id and burst limit") {
    models::dma_engine_config ec;
    ec.burst_size = 128;
    ec.bus_max_burst = 256;
    ec.requester_id = 7;
    engine_system s(ec);
    std::mt19937 g(1);
    for (int k = 0; k < 70000; ++k) s.m(0x100001)[k] = static_cast<std::uint8_t>(g());
    models::dma_engine::status st = models::dma_engine::status::read_error;
    ddisim::tlm::ps_t last_done = 0;
    s.h->body = [&](host& h) {
        models::dma_engine::stream str(6);
        st = h.mover.copy(str, 0x100001, 0x200003, 70000, h.mover.now());
        last_done = str.last_done();
        CHECK(str.moved() == 70000);
    };
    s.run();
    CHECK(st == models::dma_engine::status::ok);
    CHECK(std::memcmp(s.m(0x100001), s.m(0x200003), 70000) == 0);
    CHECK(s.h->mover.burst() == 128);
    for (const auto& r : s.t->log) {
        CHECK(r.len <= 128);
        CHECK(r.rid == 7);
    }
    CHECK(s.t->max_in_flight() <= 6);
    CHECK(last_done > 0);
    CHECK(s.h->mover.reads() == s.h->mover.writes());
}

TEST_CASE("dmac: embedded engine interleaves two streams and reports a write error") {
    models::dma_engine_config ec;
    engine_system s(ec);
    for (int k = 0; k < 8192; ++k) s.m(0x100000)[k] = static_cast<std::uint8_t>(k * 7);
    models::dma_engine::status a = models::dma_engine::status::read_error, b = models::dma_engine::status::ok;
    s.h->body = [&](host& h) {
        models::dma_engine::stream sa(4), sb(4);
        h.mover.start(sa, 0x100000, 0x300000, 8192, h.mover.now());
        h.mover.start(sb, 0x100000, 0x7000'0000, 8192, h.mover.now()); // destination unmapped
        bool ma = true, mb = true;
        while (ma || mb) {
            if (ma) ma = h.mover.step(sa);
            if (mb) mb = h.mover.step(sb);
            h.mover.sync_if_needed();
        }
        a = sa.result();
        b = sb.result();
    };
    s.run();
    CHECK(a == models::dma_engine::status::ok);
    CHECK(b == models::dma_engine::status::write_error);
    CHECK(std::memcmp(s.m(0x100000), s.m(0x300000), 8192) == 0);
}

namespace {
// write_posted in one timing style: a good write and one to an unmapped
// address, each followed at once by a read. What each callback saw, and
// whether it had run when write_posted returned.
struct posted_outcome {
    bool issued[2] = {false, false}, answered_on_return[2] = {true, true}, answered[2] = {false, false};
    ::tlm::tlm_response_status rs[2] = {::tlm::TLM_INCOMPLETE_RESPONSE, ::tlm::TLM_INCOMPLETE_RESPONSE};
    ddisim::tlm::ps_t done[2] = {0, 0}, seen_at[2] = {0, 0}, read_done = 0;
    std::uint32_t read_back = 0;
};

posted_outcome run_posted(const char* timing) {
    models::dma_engine_config ec;
    ec.timing = timing;
    engine_system s(ec);
    posted_outcome o;
    s.h->body = [&](host& h) {
        models::dma_engine::stream str(4);
        const std::uint32_t v = 0xC0FFEE42u;
        const std::uint64_t addr[2] = {0x100000, 0x7000'0000}; // the second beyond the 1 GiB of DRAM
        for (int k = 0; k < 2; ++k) {
            o.issued[k] = h.mover.write_posted(str, addr[k], &v, 4, h.mover.now(),
                                               [&o, k](::tlm::tlm_response_status rs, ddisim::tlm::ps_t t) {
                                                   o.answered[k] = true;
                                                   o.rs[k] = rs;
                                                   o.done[k] = t;
                                                   o.seen_at[k] = sc_time_stamp().value();
                                               });
            o.answered_on_return[k] = o.answered[k];
        }
        // A read right behind the posted writes (of the first one's bytes).
        h.mover.read(str, 0x100000, &o.read_back, 4, h.mover.now(), &o.read_done);
        h.mover.sync();
        wait(1, SC_US); // every answer is in
    };
    s.run();
    return o;
}
} // namespace

static void check_posted(const posted_outcome& o, bool is_at) {
    for (int k = 0; k < 2; ++k) {
        INFO("write " << k);
        CHECK(o.issued[k]);
        CHECK(o.answered[k]);
        // LT knows the answer at once (b_transport); AT only when the
        // response arrives, at its completion time.
        CHECK(o.answered_on_return[k] == !is_at);
        if (is_at) CHECK(o.seen_at[k] == o.done[k]);
    }
    CHECK(o.rs[0] == ::tlm::TLM_OK_RESPONSE);
    CHECK(o.done[0] > 0); // the good write took bus and memory time
    CHECK(o.rs[1] == ::tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK(o.read_back == 0xC0FFEE42u);
    CHECK(o.read_done > 0);
}

TEST_CASE("dmac: engine posted writes answer before write_posted returns in LT") { check_posted(run_posted("lt"), false); }

TEST_CASE("dmac: engine posted writes return at once in AT and answer from the response path") {
    check_posted(run_posted("at"), true);
}
