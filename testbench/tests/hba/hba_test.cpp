// SCSI HBA (models/hba) with disks behind it (models/disk/disk_port): data
// through inline and chained SGLs, sense, queue depth, interrupt coalescing,
// out-of-order completion, latency arithmetic, bad frames, resets. Every
// TEST_CASE builds one design (own ctest process).
#include "hba_fixture.h"

#include <map>
#include <stdexcept>

#include "tlm/core/params.h"
#include "tlm/core/stats.h"

namespace models = ddisim::models;
using namespace ddisim::test;
using namespace sc_core;

namespace {

constexpr std::uint64_t buf0 = 0x100000, buf1 = 0x200000, seg0 = 0x40000, seg1 = 0x48000, sense0 = 0x50000;

models::hba_config one_ram(unsigned qd = 32, const char* timing = "lt") {
    models::hba_config c;
    c.targets = {ram_disk()};
    c.target_queue_depth = qd;
    c.requester_id = 0x21;
    c.timing = timing;
    return c;
}

} // namespace

TEST_CASE("hba: registers reset values and identification") {
    auto cfg = one_ram(7);
    cfg.targets.push_back(ram_disk());
    cfg.queue_depth = 100;
    cfg.coalesce_count = 3;
    cfg.coalesce_time = 20000000; // 20 us
    cfg.max_sgl_entries = 77;
    cfg.max_transfer = 3u << 20;
    hba_system s(cfg);
    std::uint32_t max_sgl = 0, max_xfer = 0;
    std::uint32_t id = 0, targets = 0, caps = 0, tqd = 0, cc = 0, ct = 0, st = 0, st_on = 0, base_lo = 0, base_hi = 0;
    s.c->body = [&](hba_cpu& p) {
        id = p.rd(R::ID);
        targets = p.rd(R::TARGETS);
        caps = p.rd(R::CAPS);
        tqd = p.rd(R::TARGET_QD);
        max_sgl = p.rd(R::MAX_SGL);
        max_xfer = p.rd(R::MAX_XFER);
        cc = p.rd(R::COALESCE_COUNT);
        ct = p.rd(R::COALESCE_TIME);
        st = p.rd(R::STATUS);
        p.wr(R::REQ_BASE_LO, 0x12345000);
        p.wr(R::REQ_BASE_HI, 0x1);
        base_lo = p.rd(R::REQ_BASE_LO);
        base_hi = p.rd(R::REQ_BASE_HI);
        p.wr(R::CONTROL, R::CONTROL_ENABLE);
        st_on = p.rd(R::STATUS);
    };
    s.run();
    CHECK(id == R::id_value);
    CHECK(targets == 2);
    CHECK(caps == (100u | 4u << 16 | 8u << 24));
    CHECK(tqd == 7);
    CHECK(max_sgl == 77);
    CHECK(max_xfer == 3u << 20);
    CHECK(cc == 3);
    CHECK(ct == 20000);
    CHECK(st == 0);
    CHECK(st_on == R::STATUS_READY);
    CHECK(base_lo == 0x12345000);
    CHECK(base_hi == 1);
}

TEST_CASE("hba: INQUIRY returns standard data into a two-entry SGL buffer") {
    hba_system s(one_ram());
    std::uint32_t pi = 0;
    s.c->body = [&](hba_cpu& p) {
        s.setup(p);
        request r;
        r.tag = 0x77;
        r.dir = F::DIR_IN;
        r.cdb = inquiry(96);
        r.data_len = 96;
        r.inline_sgl = {{buf0, 40}, {buf1 + 3, 56}}; // the data straddles two buffers
        s.put_frame(0, r);
        p.wr(R::REQ_PI, 1);
        pi = s.collect(p, 1);
    };
    s.run();
    REQUIRE(pi == 1);
    const reply r = s.get_reply(0);
    CHECK(r.tag == 0x77);
    CHECK(r.host_status == P::ok);
    CHECK(r.scsi_status == 0);
    CHECK(r.transferred == 74); // standard INQUIRY data is 74 bytes
    CHECK(r.residual == 96 - 74);
    std::uint8_t data[96];
    std::memcpy(data, s.m(buf0), 40);
    std::memcpy(data + 40, s.m(buf1 + 3), 56);
    CHECK(data[0] == 0x00);       // direct-access device
    CHECK(data[4] == 69);         // additional length
    CHECK((data[7] & 0x02) != 0); // CMDQUE
    CHECK(std::string(reinterpret_cast<char*>(data + 8), 8) == "DDISIM  ");
    CHECK(std::string(reinterpret_cast<char*>(data + 16), 16) == "VIRTUAL DISK    ");
    // Every transaction carries the requester id; those of the command its I/O tag.
    unsigned tagged = 0;
    for (const auto& x : s.t->log) {
        CHECK(x.rid == 0x21);
        if (x.tag == 0x77) ++tagged; // target 0 << 32 | tag
    }
    CHECK(tagged >= 3); // data bursts to both buffers and the reply write
    CHECK(s.hba->commands() == 1);
}

// The same bodies run in LT here and in AT (hba_at_test.cpp): timing "lt" or "at".
void sgl_write_read_case(const char* timing) {
    hba_system s(one_ram(32, timing));
    // Write SGL: 3 inline fragments, then a chain segment of 3 data entries and
    // a CHAIN entry to a second segment of 4 entries. Odd lengths, odd addresses.
    const std::vector<std::pair<std::uint64_t, std::uint32_t>> wr = {
        {buf0 + 1, 700}, {buf0 + 5000, 1}, {buf0 + 9001, 1347},                    // inline: 2048
        {buf0 + 20000, 1000}, {buf0 + 30011, 1024}, {buf0 + 41000, 24},           // segment 0: 2048
        {buf0 + 50000, 2000}, {buf0 + 60001, 48}, {buf0 + 70000, 2000}, {buf0 + 80000, 48}}; // segment 1: 4096 → 8192
    // Read SGL: one inline entry and a 5-entry chain, different boundaries.
    const std::vector<std::pair<std::uint64_t, std::uint32_t>> rd = {
        {buf1 + 7, 333}, {buf1 + 10000, 4096}, {buf1 + 20003, 3000}, {buf1 + 30000, 700}, {buf1 + 40000, 60}, {buf1 + 50000, 3}};
    std::vector<std::uint8_t> src;
    for (std::size_t k = 0; k < wr.size(); ++k) {
        s.fill_random(wr[k].first, wr[k].second, unsigned(k) + 10);
        src.insert(src.end(), s.m(wr[k].first), s.m(wr[k].first) + wr[k].second);
    }
    REQUIRE(src.size() == 8192);
    s.put_segment(seg0, {wr[3], wr[4], wr[5]}, seg1, 4);
    s.put_segment(seg1, {wr[6], wr[7], wr[8], wr[9]});
    s.put_segment(seg0 + 0x1000, {rd[1], rd[2], rd[3], rd[4], rd[5]});
    std::uint32_t pi = 0;
    s.c->body = [&](hba_cpu& p) {
        s.setup(p);
        request w;
        w.tag = 1;
        w.dir = F::DIR_OUT;
        w.cdb = write10(100, 16);
        w.data_len = 8192;
        w.inline_sgl = {wr[0], wr[1], wr[2]};
        w.chain_addr = seg0;
        w.chain_count = 4;
        s.put_frame(0, w);
        p.wr(R::REQ_PI, 1);
        s.collect(p, 1);
        request r;
        r.tag = 2;
        r.dir = F::DIR_IN;
        r.cdb = read10(100, 16);
        r.data_len = 8192;
        r.inline_sgl = {rd[0]};
        r.chain_addr = seg0 + 0x1000;
        r.chain_count = 5;
        s.put_frame(1, r);
        p.wr(R::REQ_PI, 2);
        pi = s.collect(p, 2);
    };
    s.run();
    REQUIRE(pi == 2);
    for (unsigned k = 0; k < 2; ++k) {
        const reply r = s.get_reply(k);
        CHECK(r.tag == k + 1);
        CHECK(r.host_status == P::ok);
        CHECK(r.scsi_status == 0);
        CHECK(r.transferred == 8192);
        CHECK(r.residual == 0);
    }
    std::vector<std::uint8_t> back;
    for (const auto& e : rd) back.insert(back.end(), s.m(e.first), s.m(e.first) + e.second);
    REQUIRE(back.size() == 8192);
    CHECK(back == src);
    // The medium holds the data too.
    std::vector<std::uint8_t> medium(8192);
    REQUIRE(s.hba->port(0).target().store().read(100 * 512, medium));
    CHECK(medium == src);
    // Both chain segments were fetched over the bus (4 + 5 and 4 entries of 16 bytes).
    std::uint64_t seg_bytes = 0;
    for (const auto& x : s.t->log)
        if (!x.write && ((x.addr >= seg0 && x.addr < seg0 + 0x2000) || (x.addr >= seg1 && x.addr < seg1 + 0x100)))
            seg_bytes += x.len;
    CHECK(seg_bytes == (4 + 4 + 5) * 16);
    // Every transaction of the HBA answered OK and carried its requester id.
    for (const auto& x : s.t->log) {
        CHECK(x.ok);
        CHECK(x.rid == 0x21);
    }
}

TEST_CASE("hba: WRITE then READ of 16 blocks through inline and chained SGL entries compare byte for byte") {
    sgl_write_read_case("lt");
}

void medium_error_case(const char* timing) {
    auto cfg = one_ram(32, timing);
    cfg.targets[0].faults.medium_errors = {{10, 1, false}};
    hba_system s(cfg);
    std::uint32_t pi = 0;
    s.c->body = [&](hba_cpu& p) {
        s.setup(p);
        request r;
        r.tag = 5;
        r.dir = F::DIR_IN;
        r.cdb = read10(8, 4); // LBAs 8..11; 10 fails
        r.data_len = 2048;
        r.inline_sgl = {{buf0, 2048}};
        s.put_frame(0, r);
        r.tag = 6;
        r.flags = F::FLAG_SENSE_BUF;
        r.sense_addr = sense0;
        r.sense_len = 96;
        r.inline_sgl = {{buf1, 2048}};
        s.put_frame(1, r);
        p.wr(R::REQ_PI, 2);
        pi = s.collect(p, 2);
    };
    s.run();
    REQUIRE(pi == 2);
    const reply a = s.get_reply(0), b = s.get_reply(1);
    for (const reply* r : {&a, &b}) {
        CHECK(r->host_status == P::ok);
        CHECK(r->scsi_status == 0x02);     // CHECK CONDITION
        CHECK(r->transferred == 2 * 512);  // LBAs 8 and 9 delivered
        CHECK(r->residual == 2 * 512);
        CHECK(r->sense_len == 18);
    }
    CHECK(a.tag == 5);
    CHECK(a.flags == 0);
    CHECK(b.flags == P::FLAG_SENSE_IN_BUF);
    const std::uint8_t* sa = a.sense;
    const std::uint8_t* sb = s.m(sense0);
    for (const std::uint8_t* sn : {sa, sb}) {
        CHECK(sn[0] == 0xF0);                // VALID, current error, fixed format
        CHECK((sn[2] & 0x0F) == 0x03);       // MEDIUM ERROR
        CHECK(sn[12] == 0x11);               // UNRECOVERED READ ERROR
        CHECK(sn[13] == 0x00);
        CHECK((sn[3] << 24 | sn[4] << 16 | sn[5] << 8 | sn[6]) == 10); // INFORMATION = first failing LBA
    }
    CHECK(s.m(sense0)[18] == 0); // nothing beyond the 18 bytes
}

TEST_CASE("hba: a medium error LBA gives CHECK CONDITION with MEDIUM ERROR sense, inline and in a sense buffer") {
    medium_error_case("lt");
}

TEST_CASE("hba: target queue depth refused with TASK SET FULL") {
    // 5 reads reach a RAM disk (5 us + 1 us media each) within ~1 us of each
    // other: with target_queue_depth 2 the first two run, the other three are
    // refused before either completes.
    hba_system s(one_ram(2));
    std::uint32_t pi = 0;
    s.c->body = [&](hba_cpu& p) {
        s.setup(p);
        for (unsigned k = 0; k < 5; ++k) {
            request r;
            r.tag = k;
            r.dir = F::DIR_IN;
            r.cdb = read10(8 * k, 8);
            r.data_len = 4096;
            r.inline_sgl = {{buf0 + 4096 * k, 4096}};
            s.put_frame(k, r);
        }
        p.wr(R::REQ_PI, 5);
        pi = s.collect(p, 5);
    };
    s.run();
    REQUIRE(pi == 5);
    unsigned good = 0, full = 0;
    for (unsigned k = 0; k < 5; ++k) {
        const reply r = s.get_reply(k);
        CHECK(r.host_status == P::ok);
        if (r.scsi_status == 0) {
            ++good;
            CHECK(r.transferred == 4096);
            CHECK(r.tag < 2);
        } else {
            CHECK(r.scsi_status == 0x28);
            CHECK(r.transferred == 0);
            CHECK(r.residual == 4096);
            ++full;
        }
    }
    CHECK(good == 2);
    CHECK(full == 3);
    CHECK(s.hba->port(0).queue_depth().max() == 2);
    // Statistics are registered by name under the module.
    auto& reg = ddisim::tlm::stats_registry::instance();
    REQUIRE(reg.find("hba.queue_full"));
    CHECK(reg.find("hba.queue_full")->value() == 3);
    REQUIRE(reg.find("hba.commands"));
    CHECK(reg.find("hba.commands")->value() == 5);
    REQUIRE(reg.find("hba.t0.queue_depth"));
    CHECK(reg.find("hba.t0.commands")->value() == 2);
    CHECK(reg.find("hba.bytes_in")->value() == 2 * 4096);
    REQUIRE(reg.find("hba.latency"));
    REQUIRE(reg.find("hba.outstanding"));
    REQUIRE(reg.find("hba.engine.writes"));
}

TEST_CASE("hba: target queue depth with queue_full hold runs every command, never more than two at the target") {
    auto cfg = one_ram(2);
    cfg.queue_full = "hold";
    hba_system s(cfg);
    std::uint32_t pi = 0, tqd = 0;
    s.c->body = [&](hba_cpu& p) {
        s.setup(p);
        tqd = p.rd(R::TARGET_QD);
        for (unsigned k = 0; k < 6; ++k) {
            request r;
            r.tag = k;
            r.dir = F::DIR_IN;
            r.cdb = read10(8 * k, 8);
            r.data_len = 4096;
            r.inline_sgl = {{buf0 + 4096 * k, 4096}};
            s.put_frame(k, r);
        }
        p.wr(R::REQ_PI, 6);
        pi = s.collect(p, 6);
    };
    s.run();
    CHECK(tqd == (2u | R::TARGET_QD_HOLD));
    REQUIRE(pi == 6);
    for (unsigned k = 0; k < 6; ++k) {
        const reply r = s.get_reply(k);
        CHECK(r.scsi_status == 0);
        CHECK(r.host_status == P::ok);
        CHECK(r.transferred == 4096);
    }
    CHECK(s.hba->port(0).queue_depth().max() == 2);
}

TEST_CASE("hba: HBA queue depth keeps further frames in the request ring") {
    // queue_depth 2: REQ_CI stops at 2 until a command completes.
    auto cfg = one_ram();
    cfg.queue_depth = 2;
    hba_system s(cfg);
    std::uint32_t ci_early = 0, st_early = 0, pi = 0, ci_end = 0;
    s.c->body = [&](hba_cpu& p) {
        s.setup(p);
        for (unsigned k = 0; k < 4; ++k) {
            request r;
            r.tag = k;
            r.dir = F::DIR_IN;
            r.cdb = read10(8 * k, 8);
            r.data_len = 4096;
            r.inline_sgl = {{buf0 + 4096 * k, 4096}};
            s.put_frame(k, r);
        }
        p.wr(R::REQ_PI, 4);
        wait(3, SC_US); // the first completion needs > 6 us (5 us + 1 us media + link)
        ci_early = p.rd(R::REQ_CI);
        st_early = p.rd(R::STATUS);
        pi = s.collect(p, 4);
        ci_end = p.rd(R::REQ_CI);
    };
    s.run();
    CHECK(ci_early == 2);
    CHECK((st_early >> 16) == 2);
    CHECK(pi == 4);
    CHECK(ci_end == 4);
    CHECK(s.hba->port(0).queue_depth().max() == 2);
}

TEST_CASE("hba: interrupt coalescing by count raises one interrupt per 4 replies") {
    auto cfg = one_ram();
    cfg.coalesce_count = 4;
    hba_system s(cfg);
    unsigned edges = 0;
    std::uint32_t pi = 0;
    s.c->body = [&](hba_cpu& p) {
        s.setup(p);
        for (unsigned k = 0; k < 8; ++k) {
            request r;
            r.tag = k;
            r.cdb = {0, 0, 0, 0, 0, 0}; // TEST UNIT READY: 20 us each, all in parallel
            s.put_frame(k, r);
        }
        p.wr(R::REQ_PI, 8);
        for (;;) {
            if (!s.irq.read()) wait(sc_time(1, SC_MS), s.irq.posedge_event());
            if (!s.irq.read()) break; // no interrupt within 1 ms: done
            ++edges;
            p.wr(R::IRQ_STATUS, R::IRQ_REPLY);
        }
        pi = p.rd(R::RPL_PI);
    };
    s.run();
    CHECK(pi == 8);
    CHECK(edges == 2);
    CHECK(s.hba->interrupts() == 2);
    CHECK(s.hba->coalesced() == 6);
}

TEST_CASE("hba: interrupt coalescing by time raises the interrupt 20 us after the first unsignalled reply") {
    // count 100 is never reached; the timer (20 us) starts at the first reply
    // becoming visible (the completion of its reply write) and covers all three.
    auto cfg = one_ram();
    cfg.coalesce_count = 100;
    cfg.coalesce_time = 20000000;
    hba_system s(cfg);
    std::uint64_t irq_at = 0;
    std::uint32_t pi = 0;
    s.c->body = [&](hba_cpu& p) {
        s.setup(p);
        for (unsigned k = 0; k < 3; ++k) {
            request r;
            r.tag = k;
            r.cdb = {0, 0, 0, 0, 0, 0};
            s.put_frame(k, r);
        }
        p.wr(R::REQ_PI, 3);
        wait(sc_time(1, SC_MS), s.irq.posedge_event());
        irq_at = sc_time_stamp().value();
        pi = p.rd(R::RPL_PI);
    };
    s.run();
    CHECK(pi == 3);
    std::uint64_t first_reply = ~0ull;
    for (const auto& x : s.t->log)
        if (x.write && x.addr >= rpl_ring && x.addr < rpl_ring + ring_size * P::size) first_reply = std::min(first_reply, x.end);
    REQUIRE(first_reply != ~0ull);
    CHECK(irq_at == first_reply + 20000000);
    CHECK(s.hba->interrupts() == 1);
    CHECK(s.hba->coalesced() == 2);
}

TEST_CASE("hba: two targets of different speed complete out of order") {
    // Target 0 is a 7200 rpm HDD (milliseconds), target 1 a RAM disk
    // (microseconds): the read sent first to the HDD completes last.
    models::hba_config cfg;
    models::disk_config hdd;
    hdd.capacity = 1ull << 30;
    cfg.targets = {hdd, ram_disk()};
    hba_system s(cfg);
    std::uint32_t pi = 0;
    s.c->body = [&](hba_cpu& p) {
        s.setup(p);
        request a;
        a.tag = 100;
        a.target = 0;
        a.dir = F::DIR_IN;
        a.cdb = read10(1000000, 8);
        a.data_len = 4096;
        a.inline_sgl = {{buf0, 4096}};
        s.put_frame(0, a);
        request b = a;
        b.tag = 200;
        b.target = 1;
        b.cdb = read10(0, 8);
        b.inline_sgl = {{buf1, 4096}};
        s.put_frame(1, b);
        p.wr(R::REQ_PI, 2);
        pi = s.collect(p, 2);
    };
    s.run();
    REQUIRE(pi == 2);
    const reply first = s.get_reply(0), second = s.get_reply(1);
    CHECK(first.tag == 200);
    CHECK(first.target == 1);
    CHECK(second.tag == 100);
    CHECK(second.target == 0);
    CHECK(first.scsi_status == 0);
    CHECK(second.scsi_status == 0);
    CHECK(s.hba->latency().max() > 1e6);   // the HDD read takes over 1 ms
    CHECK(s.hba->latency().min() < 20e3);  // the RAM read well under 20 us
}

namespace {
// RAM disk: 5 us latency + 4096 B at 32 Gb/s = 1.024 us; link 12 Gb/s
// 8b10b: 4096 B × 10 bit / 12e9 = 3413.333 ns (3413333 ps); command_overhead
// 500 ns. The DMA writes are cut-through behind the link, so only the last
// transaction's write adds to the path: burst by burst (lt_transaction_size
// 0) the last 256-byte burst, with page transactions (the default, 4 KiB)
// the one 4 KiB write. Bus/memory parts are taken from the tap: the frame
// fetch, the last data write, the reply write. Bound: 1 ps.
void read_latency_case(std::uint64_t lt_transaction_size, unsigned expect_writes) {
    auto cfg = one_ram();
    cfg.lt_transaction_size = lt_transaction_size;
    hba_system s(cfg);
    s.c->body = [&](hba_cpu& p) {
        s.setup(p);
        request r;
        r.tag = 9;
        r.dir = F::DIR_IN;
        r.cdb = read10(0, 8);
        r.data_len = 4096;
        r.inline_sgl = {{buf0, 4096}};
        s.put_frame(0, r);
        p.wr(R::REQ_PI, 1);
        s.collect(p, 1);
    };
    s.run();
    const hba_tap::rec* fetch = nullptr;
    const hba_tap::rec* last_data = nullptr;
    const hba_tap::rec* rep = nullptr;
    unsigned data_writes = 0;
    for (const auto& x : s.t->log) {
        if (!x.write && x.addr == req_ring) fetch = &x;
        if (x.write && x.addr >= buf0 && x.addr < buf0 + 4096) {
            ++data_writes;
            if (!last_data || x.end > last_data->end) last_data = &x;
        }
        if (x.write && x.addr == rpl_ring) rep = &x;
    }
    REQUIRE(fetch);
    REQUIRE(last_data);
    REQUIRE(rep);
    CHECK(data_writes == expect_writes);
    const std::uint64_t disk = 5000000 + 1024000, link = 3413333, overhead = 500000;
    const std::uint64_t parts = (fetch->end - fetch->start) + overhead + disk + link + (last_data->end - last_data->start) +
                                (rep->end - rep->start);
    const std::uint64_t measured = rep->end - fetch->start;
    INFO("measured " << measured << " ps, parts " << parts << " ps");
    CHECK(measured == parts);
    CHECK(last_data->start == fetch->end + overhead + disk + link); // the last burst leaves when the link is done
    // The figure itself: about 10.1 us (fetch ~60 ns, last write ~50 ns, reply ~40 ns).
    CHECK(measured > 10000000);
    CHECK(measured < 10300000);
    CHECK(s.hba->latency().count() == 1);
    CHECK(s.hba->latency().max() == Approx(double(measured) / 1000).epsilon(0.01));
}
} // namespace

TEST_CASE("hba: a 4 KiB read's latency is fetch + overhead + disk + link + DMA + reply") {
    read_latency_case(0, 16); // burst by burst: 16 writes of 256 B
}

TEST_CASE("hba: with page transactions (the default) a 4 KiB read's latency has the same parts") {
    CHECK(models::hba_config{}.lt_transaction_size == 4096);
    read_latency_case(4096, 1); // one 4 KiB write charged as its 16 bursts
}

TEST_CASE("hba: bad request frames get error replies and the HBA keeps working") {
    hba_system s(one_ram());
    std::uint32_t pi = 0, status = 0;
    s.c->body = [&](hba_cpu& p) {
        s.setup(p);
        request good;
        good.dir = F::DIR_IN;
        good.cdb = inquiry(36);
        good.data_len = 36;
        good.inline_sgl = {{buf0, 36}};
        request r = good;
        r.tag = 1;
        r.target = 5; // no such target
        s.put_frame(0, r);
        r = good;
        r.tag = 2;
        r.cdb_len = 17; // CDB too long
        s.put_frame(1, r);
        r = good;
        r.tag = 3;
        r.inline_sgl = {{buf0, 20}}; // SGL shorter than data_len
        s.put_frame(2, r);
        r = good;
        r.tag = 4;
        r.inline_sgl = {};
        r.chain_addr = seg0;
        r.chain_count = 3;
        s.put_segment(seg0, {{buf0, 10}});
        hba_system::put_entry(s.m(seg0 + 16), seg1, 2, F::SGL_CHAIN); // CHAIN not last in its segment
        hba_system::put_entry(s.m(seg0 + 32), buf0 + 10, 26, 0);
        s.put_frame(3, r);
        r = good;
        r.tag = 5;
        r.inline_sgl = {{0xE000'0000, 36}}; // unmapped: error response on the data write
        s.put_frame(4, r);
        r = good;
        r.tag = 6;
        r.dir = F::DIR_OUT; // INQUIRY is data-in
        s.put_frame(5, r);
        r = good;
        r.tag = 7;
        s.put_frame(6, r);
        p.wr(R::REQ_PI, 7);
        pi = s.collect(p, 7);
        status = p.rd(R::STATUS);
    };
    s.run();
    REQUIRE(pi == 7);
    std::map<std::uint32_t, reply> by_tag;
    for (unsigned k = 0; k < 7; ++k) by_tag[s.get_reply(k).tag] = s.get_reply(k);
    REQUIRE(by_tag.size() == 7);
    CHECK(by_tag[1].host_status == P::no_target);
    CHECK(by_tag[2].host_status == P::bad_frame);
    CHECK(by_tag[3].host_status == P::sgl_short);
    CHECK(by_tag[4].host_status == P::bad_sgl);
    CHECK(by_tag[5].host_status == P::dma_error);
    CHECK(by_tag[5].transferred == 0);
    CHECK(by_tag[6].host_status == P::bad_frame);
    CHECK(by_tag[7].host_status == P::ok);
    CHECK(by_tag[7].scsi_status == 0);
    CHECK(by_tag[7].transferred == 36);
    for (unsigned t = 1; t <= 6; ++t) {
        CHECK(by_tag[t].transferred == 0);
        CHECK(by_tag[t].residual == 36);
    }
    CHECK(status == R::STATUS_READY); // no HBA fault
    CHECK(s.hba->port(0).target().stats().commands == 2); // only tags 5 (data phase failed) and 7 reached the disk
}

void target_reset_case(const char* timing) {
    models::hba_config cfg;
    models::disk_config hdd;
    hdd.capacity = 1ull << 30;
    cfg.targets = {hdd};
    cfg.timing = timing;
    hba_system s(cfg);
    std::uint32_t pi1 = 0, pi2 = 0;
    s.c->body = [&](hba_cpu& p) {
        s.setup(p);
        request r;
        r.tag = 1;
        r.dir = F::DIR_IN;
        r.cdb = read10(1000000, 8);
        r.data_len = 4096;
        r.inline_sgl = {{buf0, 4096}};
        s.put_frame(0, r);
        p.wr(R::REQ_PI, 1);
        wait(100, SC_US); // the HDD read takes milliseconds
        p.wr(R::RESET, R::RESET_TARGET | 0u << 8);
        pi1 = s.collect(p, 1);
        r.tag = 2;
        r.cdb = {0, 0, 0, 0, 0, 0};
        r.dir = F::DIR_NONE;
        r.data_len = 0;
        r.inline_sgl = {};
        s.put_frame(1, r);
        p.wr(R::REQ_PI, 2);
        pi2 = s.collect(p, 2);
    };
    s.run();
    REQUIRE(pi1 == 1);
    REQUIRE(pi2 == 2);
    const reply a = s.get_reply(0), b = s.get_reply(1);
    CHECK(a.tag == 1);
    CHECK(a.host_status == P::reset);
    CHECK(a.residual == 4096);
    CHECK(b.tag == 2);
    CHECK(b.host_status == P::ok);
    CHECK(b.scsi_status == 0x02);
    CHECK((b.sense[2] & 0x0F) == 0x06); // UNIT ATTENTION
    CHECK(b.sense[12] == 0x29);         // POWER ON, RESET OR BUS DEVICE RESET OCCURRED
}

TEST_CASE("hba: TARGET_RESET ends the commands in flight with RESET replies and the next command sees UNIT ATTENTION") {
    target_reset_case("lt");
}

TEST_CASE("hba: a full reply ring holds replies until RPL_CI moves") {
    // Reply ring of 4 slots keeps one free: 3 replies fit, the other 3 wait.
    hba_system s(one_ram());
    std::uint32_t pi_full = 0, pi_end = 0;
    s.c->body = [&](hba_cpu& p) {
        s.setup(p, 4);
        for (unsigned k = 0; k < 6; ++k) {
            request r;
            r.tag = 10 + k;
            r.cdb = {0, 0, 0, 0, 0, 0};
            s.put_frame(k, r);
        }
        p.wr(R::REQ_PI, 6);
        wait(200, SC_US);
        pi_full = p.rd(R::RPL_PI);
        p.wr(R::RPL_CI, 3); // consumed slots 0..2
        wait(200, SC_US);
        pi_end = p.rd(R::RPL_PI);
    };
    s.run();
    CHECK(pi_full == 3);
    CHECK(pi_end == 2); // 6 replies in a ring of 4: slots 3, 0, 1 → PI = 2
    CHECK(s.hba->commands() == 6);
    CHECK(s.get_reply(3).tag >= 10);
}

TEST_CASE("hba: a bad request ring faults the HBA with an interrupt") {
    hba_system s(one_ram());
    std::uint32_t st = 0, irqst = 0, st_after = 0;
    bool irq = false;
    s.c->body = [&](hba_cpu& p) {
        s.setup(p);
        p.wr(R::REQ_PI, ring_size + 3); // beyond the ring
        wait(10, SC_US);
        st = p.rd(R::STATUS);
        irqst = p.rd(R::IRQ_STATUS);
        irq = s.irq.read();
        p.wr(R::RESET, R::RESET_HBA);
        wait(1, SC_US);
        irq = irq && !s.irq.read();
        st_after = p.rd(R::STATUS);
    };
    s.run();
    CHECK((st & R::STATUS_FAULT) != 0);
    CHECK(((st >> 8) & 0xff) == R::bad_request_ring);
    CHECK(irqst == R::IRQ_FAULT);
    CHECK(irq); // high on the fault, low after HBA_RESET
    CHECK(st_after == 0); // HBA_RESET clears the fault and CONTROL
}

TEST_CASE("hba: configuration errors name the target and the reason") {
    models::hba_config cfg = one_ram();
    cfg.targets.push_back(ram_disk());
    cfg.targets[1].block_size = 1000;
    try {
        models::hba h("hba", cfg);
        FAIL("no exception");
    } catch (const std::invalid_argument& e) {
        const std::string m = e.what();
        CHECK(m.find("targets[1]") != std::string::npos);
        CHECK(m.find("block_size") != std::string::npos);
    }
}

TEST_CASE("hba: describe binds every configuration key") {
    models::hba_config cfg;
    ddisim::tlm::param_group g("hba");
    describe(g, cfg);
    for (const char* k : {"targets", "queue_depth", "target_queue_depth", "queue_full", "coalesce_count", "coalesce_time",
                          "command_overhead", "max_transfer", "max_sgl_entries", "burst_size", "lt_transaction_size", "boundary", "outstanding",
                          "register_latency", "requester_id"})
        CHECK(g.find(k) != nullptr);
    g.find("queue_full")->assign("hold");
    g.find("coalesce_time")->assign("25us");
    CHECK(cfg.queue_full == "hold");
    CHECK(cfg.coalesce_time == 25000000);
    CHECK_THROWS(g.find("queue_full")->assign("drop"));
}

TEST_CASE("hba: tagged reads on different SSD units overlap") {
    // SSD: 10 us controller + 60 us page read, 16 units, 16 KiB pages (32
    // blocks). Reads at LBA 0 and 32 hit units 0 and 1 and overlap: both
    // replies within a few us of each other (the link carries one 4 KiB data
    // phase at a time: 3.4 us). The next test puts both on unit 0.
    models::hba_config cfg;
    models::disk_config d = ram_disk();
    d.kind = "ssd";
    cfg.targets = {d};
    hba_system s(cfg);
    s.c->body = [&](hba_cpu& p) {
        s.setup(p);
        for (unsigned k = 0; k < 2; ++k) {
            request r;
            r.tag = k;
            r.dir = F::DIR_IN;
            r.cdb = read10(k ? 32 : 0, 8);
            r.data_len = 4096;
            r.inline_sgl = {{buf0 + 8192 * k, 4096}};
            s.put_frame(k, r);
        }
        p.wr(R::REQ_PI, 2);
        s.collect(p, 2);
    };
    s.run();
    std::vector<std::uint64_t> e;
    for (const auto& x : s.t->log)
        if (x.write && x.addr >= rpl_ring && x.addr < rpl_ring + ring_size * P::size) e.push_back(x.end);
    REQUIRE(e.size() == 2);
    CHECK(e[1] - e[0] < 5000000); // < 5 us apart: parallel units, one link
    CHECK(e[0] > 70000000);       // both paid 10 + 60 us
}

TEST_CASE("hba: tagged reads on the same SSD unit queue behind each other") {
    models::hba_config cfg;
    models::disk_config d = ram_disk();
    d.kind = "ssd";
    cfg.targets = {d};
    hba_system s(cfg);
    s.c->body = [&](hba_cpu& p) {
        s.setup(p);
        for (unsigned k = 0; k < 2; ++k) {
            request r;
            r.tag = k;
            r.dir = F::DIR_IN;
            r.cdb = read10(k ? 512 : 0, 8); // pages 0 and 16: both unit 0
            r.data_len = 4096;
            r.inline_sgl = {{buf0 + 8192 * k, 4096}};
            s.put_frame(k, r);
        }
        p.wr(R::REQ_PI, 2);
        s.collect(p, 2);
    };
    s.run();
    std::vector<std::uint64_t> e;
    for (const auto& x : s.t->log)
        if (x.write && x.addr >= rpl_ring && x.addr < rpl_ring + ring_size * P::size) e.push_back(x.end);
    REQUIRE(e.size() == 2);
    CHECK(e[1] - e[0] > 55000000); // the second page read starts when the first ends: ~60 us later
    CHECK(e[1] - e[0] < 65000000);
}

void hba_reset_case(const char* timing) {
    models::hba_config cfg;
    models::disk_config hdd;
    hdd.capacity = 1ull << 30;
    cfg.targets = {hdd};
    cfg.timing = timing;
    hba_system s(cfg);
    std::uint32_t pi_after_reset = 1, ci_after_reset = 1, st_after_reset = 1, pi_late = 1, pi_new = 0, completed = 0;
    s.c->body = [&](hba_cpu& p) {
        s.setup(p);
        request r;
        r.tag = 1;
        r.dir = F::DIR_IN;
        r.cdb = read10(1000000, 8);
        r.data_len = 4096;
        r.inline_sgl = {{buf0, 4096}};
        s.put_frame(0, r);
        p.wr(R::REQ_PI, 1);
        wait(100, SC_US); // the HDD read is in flight
        p.wr(R::RESET, R::RESET_HBA);
        pi_after_reset = p.rd(R::RPL_PI);
        ci_after_reset = p.rd(R::REQ_CI);
        st_after_reset = p.rd(R::STATUS);
        wait(50, SC_MS); // long after the dropped read would have completed
        pi_late = p.rd(R::RPL_PI);
        // The driver re-enables (ring bases and sizes were kept) and starts over at index 0.
        p.wr(R::CONTROL, R::CONTROL_ENABLE);
        r.tag = 2;
        r.cdb = inquiry(36);
        r.data_len = 36;
        s.put_frame(0, r);
        p.wr(R::REQ_PI, 1);
        pi_new = s.collect(p, 1);
        completed = p.rd(R::COMPLETED);
    };
    s.run();
    CHECK(pi_after_reset == 0);
    CHECK(ci_after_reset == 0);
    CHECK(st_after_reset == 0);
    CHECK(pi_late == 0); // no reply for the dropped command
    CHECK(pi_new == 1);
    CHECK(completed == 1);
    const reply r = s.get_reply(0);
    CHECK(r.tag == 2);
    CHECK(r.host_status == P::ok);
    CHECK(r.transferred == 36);
}

TEST_CASE("hba: HBA_RESET drops the commands in flight without replies and the HBA restarts cleanly") {
    hba_reset_case("lt");
}
