// IOMMU model (models/iommu) in a small design: translation against the
// reference walk, IOTLB behaviour, faults, permissions, bypass,
// invalidation, page-crossing accesses, timing and bus accounting. One
// design per TEST_CASE. A single thread (the CPU agent's) drives both the
// CPU's MMIO accesses and the device's accesses, so their order is explicit.
#include "iommu_fixture.h"

#include <map>
#include <random>
#include <set>
#include <vector>

#include "tlm/core/stats.h"

namespace models = ddisim::models;
namespace reg = ddisim::models::iommu_reg;
using namespace ddisim::test;
using namespace sc_core;
using ::tlm::TLM_OK_RESPONSE;

namespace {
constexpr std::uint32_t rid = 5;
constexpr std::uint16_t dom = 7;

// Root of a fresh domain table and a translated context for `rid`.
std::uint64_t translated_domain(iommu_rig& r, std::uint32_t requester = rid, std::uint16_t domain = dom) {
    const std::uint64_t root = r.tb->new_root();
    r.set_context(requester, {true, true, domain, root});
    return root;
}

std::uint64_t fault_q(agent& cpu, unsigned slot, unsigned word) {
    return cpu.read64(iommu_rig::regs_base + reg::fault_rec + reg::fault_rec_stride * slot + 8 * word);
}
} // namespace

TEST_CASE("iommu: translations match the reference walk for random 4 KiB and 2 MiB mappings") {
    // 300 random 4 KiB pages (read/write) scattered over a 512 GiB IOVA space
    // and 4 random 2 MiB pages; physical frames are distinct, from 16 MiB.
    // The device writes an 8-byte tag at a random offset of each page; the
    // tag must land at the reference walk's physical address, and reading it
    // back through the IOMMU must return it.
    iommu_rig r(models::iommu_config{});
    const std::uint64_t root = translated_domain(r);
    std::mt19937_64 rng(42);
    std::map<std::uint64_t, unsigned> iovas; // iova page -> shift
    std::set<std::uint64_t> used2m;
    std::uint64_t next_pa = 16ull << 20, next_2m = 128ull << 20;
    for (int i = 0; i < 4; ++i) {
        std::uint64_t v;
        do v = (rng() % (1ull << 39)) & ~((2ull << 20) - 1);
        while (!used2m.insert(v >> 21).second);
        r.tb->map_2m(root, v, next_2m, pt::perm_rw);
        next_2m += 2ull << 20;
        iovas[v] = 21;
    }
    while (iovas.size() < 304) {
        const std::uint64_t v = (rng() % (1ull << 39)) & ~0xfffull;
        if (used2m.count(v >> 21) || iovas.count(v)) continue;
        r.tb->map_4k(root, v, next_pa, pt::perm_rw);
        next_pa += 4096;
        iovas[v] = 12;
    }
    struct probe_pt {
        std::uint64_t iova, tag;
    };
    std::vector<probe_pt> probes;
    for (const auto& [v, shift] : iovas) {
        const std::uint64_t off = (rng() % ((1ull << shift) - 8)) & ~7ull;
        probes.push_back({v + off, rng()});
    }
    std::shuffle(probes.begin(), probes.end(), rng);
    unsigned readback_ok = 0;
    r.cpu->body = [&](agent& cpu) {
        r.enable(cpu);
        for (const auto& p : probes) REQUIRE(r.dev->write(p.iova, &p.tag, 8) == TLM_OK_RESPONSE);
        for (const auto& p : probes) {
            std::uint64_t v = 0;
            REQUIRE(r.dev->read(p.iova, &v, 8) == TLM_OK_RESPONSE);
            readback_ok += v == p.tag;
        }
    };
    r.run();
    for (const auto& p : probes) {
        const auto w = r.reference(root, p.iova, true);
        REQUIRE(w.fault == pt::fault_reason::none);
        CHECK(r.q(w.pa) == p.tag);
    }
    CHECK(readback_ok == probes.size());
    CHECK(r.mmu->faults() == 0);
    CHECK(r.mmu->translations() == 2 * probes.size());
}

TEST_CASE("iommu: cold and warm read latency, and walk reads go over the bus") {
    // Default bus (1 GHz, 32 B beats, 2 ns request + 2 ns response latency)
    // and memory (45 ns + 8 B/cycle at 1.6 GHz per channel):
    //   8 B walk read   = 1 address cycle + 2 + (0.625 + 45) + 1 beat + 2 = 51.625 ns
    //   16 B context    = 1 + 2 + (2 × 0.625 + 45) + 1 + 2             = 52.25 ns
    //   64 B data read  = 1 + 2 + (8 × 0.625 + 45) + 2 beats + 2       = 57 ns
    // cold: lookup 2 + context 52.25 + 4 walk reads 206.5 + data 57 = 317.75 ns
    // warm (IOTLB hit, context cached): 2 + 57 = 59 ns
    // next page in the same 2 MiB region (PWC holds the level-2 entry):
    //   2 + one walk read 51.625 + 57 = 110.625 ns
    iommu_rig r(models::iommu_config{});
    const std::uint64_t root = translated_domain(r);
    r.tb->map_4k(root, 0x4000'0000, 0x0100'0000, pt::perm_rw);
    r.tb->map_4k(root, 0x4000'1000, 0x0100'3000, pt::perm_rw);
    double cold = 0, warm = 0, pwc = 0;
    std::uint64_t bus_before = 0;
    r.cpu->body = [&](agent& cpu) {
        r.enable(cpu);
        bus_before = static_cast<std::uint64_t>(r.stat("bus.in0.transactions")->value());
        std::uint8_t b[64];
        REQUIRE(r.dev->read(0x4000'0000, b, 64) == TLM_OK_RESPONSE);
        cold = r.dev->last_latency.to_seconds() * 1e9;
        REQUIRE(r.dev->read(0x4000'0040, b, 64) == TLM_OK_RESPONSE);
        warm = r.dev->last_latency.to_seconds() * 1e9;
        REQUIRE(r.dev->read(0x4000'1000, b, 64) == TLM_OK_RESPONSE);
        pwc = r.dev->last_latency.to_seconds() * 1e9;
    };
    r.run();
    // Margin 0.05 ns: with two requester ids (device data, IOMMU walks) on
    // one memory channel, the memory's LT fair sharing per quantum
    // (tlm::shared_timeline) stretches service by a few ps.
    CHECK(cold == Approx(317.75).margin(0.05));
    CHECK(warm == Approx(59.0).margin(0.05));
    CHECK(pwc == Approx(110.625).margin(0.05));
    CHECK(r.mmu->walk_reads() == 5);
    CHECK(r.mmu->iotlb_misses() == 2);
    CHECK(r.mmu->iotlb_hits() == 1);
    CHECK(r.stat("iommu.context_reads")->value() == 1);
    CHECK(r.stat("iommu.pwc_hits")->value() == 1);
    // The IOMMU's bus port carried 1 context read + 5 walk reads + 3 data reads.
    const auto bus_after = static_cast<std::uint64_t>(r.stat("bus.in0.transactions")->value());
    CHECK(bus_after - bus_before == 9);
    CHECK(r.mmu->walk_latency().count() == 2);
    CHECK(r.mmu->walk_latency().max() == Approx(206.5));
}

namespace {
// tgen reading one 64 B block per 4 KiB page, `pages` pages in a loop, 3
// passes, through an IOTLB of 2 sets × 4 ways (PWC off, so every miss is a
// 4-read walk).
void run_stride(unsigned pages, std::uint64_t& hits, std::uint64_t& misses, std::uint64_t& walk_reads) {
    models::iommu_config ic;
    ic.iotlb_sets = 2;
    ic.iotlb_ways = 4;
    ic.pwc_entries = 0;
    models::tgen_config tc;
    tc.base = 0x10'0000'0000;
    tc.size = 4096; // sequential pattern: one page per transaction
    tc.range = 4096ull * pages;
    tc.count = 3ull * pages;
    tc.requester_id = rid;
    tc.start_delay = 1'000'000; // 1 µs: after the CPU's set-up
    iommu_rig r(ic, rid, &tc);
    const std::uint64_t root = translated_domain(r);
    for (unsigned p = 0; p < pages; ++p) r.tb->map_4k(root, tc.base + 4096ull * p, (32ull << 20) + 8192ull * p, pt::perm_r);
    r.cpu->body = [&](agent& cpu) { r.enable(cpu); };
    r.run();
    REQUIRE(r.gen->done());
    CHECK(r.gen->errors() == 0);
    hits = r.mmu->iotlb_hits();
    misses = r.mmu->iotlb_misses();
    walk_reads = r.mmu->walk_reads();
}
} // namespace

TEST_CASE("iommu: IOTLB hit and miss counts for a loop that fits 8 entries and one that does not") {
    // 8 pages alternate between the 2 sets, 4 per set: 8 cold misses, then
    // all hits (3 passes: 8 misses, 16 hits). 9 pages: set 0 holds pages
    // 0,2,4,6,8 — five pages cycling through 4 LRU ways always miss (15
    // misses), set 1 misses 4 times then hits 8 times: 19 misses, 8 hits.
    // Walk reads: 4 per miss.
    std::uint64_t h = 0, m = 0, w = 0;
    run_stride(8, h, m, w);
    CHECK(m == 8);
    CHECK(h == 16);
    CHECK(w == 32);
}

TEST_CASE("iommu: IOTLB thrashes when the loop is one page larger than it holds") {
    std::uint64_t h = 0, m = 0, w = 0;
    run_stride(9, h, m, w);
    CHECK(m == 19);
    CHECK(h == 8);
    CHECK(w == 76);
}

TEST_CASE("iommu: a fault on a non-present page writes no byte, is logged and raises the interrupt") {
    // 8 KiB write from IOVA 0x2000_0000: page 0 is mapped, page 1 is not.
    // Both pages are translated before any data moves, so not even page 0 is
    // written.
    iommu_rig r(models::iommu_config{});
    const std::uint64_t root = translated_domain(r);
    const std::uint64_t pa0 = 0x0200'0000;
    r.tb->map_4k(root, 0x2000'0000, pa0, pt::perm_rw);
    std::memset(r.phys(pa0), 0xa5, 8192);
    std::vector<std::uint8_t> before(r.phys(pa0), r.phys(pa0) + 8192);
    ::tlm::tlm_response_status st = TLM_OK_RESPONSE;
    bool irq_after_fault = false, irq_after_clear = true;
    std::uint64_t status = 0, head = 0, q0 = 0, q1 = 0, count = 0;
    r.cpu->body = [&](agent& cpu) {
        r.enable(cpu);
        std::vector<std::uint8_t> data(8192, 0x11);
        st = r.dev->write(0x2000'0000, data.data(), 8192);
        wait(1, SC_NS);
        irq_after_fault = r.mmu->irq.read();
        status = cpu.read64(iommu_rig::regs_base + reg::fault_status);
        head = cpu.read64(iommu_rig::regs_base + reg::fault_head);
        count = cpu.read64(iommu_rig::regs_base + reg::fault_count);
        q0 = fault_q(cpu, 0, 0);
        q1 = fault_q(cpu, 0, 1);
        cpu.write64(iommu_rig::regs_base + reg::fault_tail, head);
        cpu.write64(iommu_rig::regs_base + reg::fault_status, reg::fs_ppf); // W1C
        wait(1, SC_NS);
        irq_after_clear = r.mmu->irq.read();
    };
    r.run();
    CHECK(st == ::tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK(std::memcmp(before.data(), r.phys(pa0), 8192) == 0);
    CHECK(irq_after_fault);
    CHECK_FALSE(irq_after_clear);
    CHECK((status & reg::fs_ppf));
    CHECK(head == 1);
    CHECK(count == 1);
    const auto f = models::iommu_fault::decode(q0, q1);
    CHECK(f.iova == 0x2000'1000);
    CHECK(f.requester == rid);
    CHECK(f.reason == pt::fault_reason::not_present);
    CHECK(f.write);
    CHECK(f.domain == dom);
    CHECK(r.mmu->faults() == 1);
    CHECK(r.stat("mem.writes")->value() == 0);
}

TEST_CASE("iommu: a write to a read-only page faults with write_denied, a read of it succeeds") {
    iommu_rig r(models::iommu_config{});
    const std::uint64_t root = translated_domain(r);
    const std::uint64_t pa = 0x0300'0000;
    r.tb->map_4k(root, 0x5000, pa, pt::perm_r);
    std::memcpy(r.phys(pa + 0x10), "readonly", 8);
    ::tlm::tlm_response_status wst = TLM_OK_RESPONSE, rst = ::tlm::TLM_GENERIC_ERROR_RESPONSE;
    char got[9] = {};
    std::uint64_t q0 = 0, q1 = 0;
    r.cpu->body = [&](agent& cpu) {
        r.enable(cpu);
        rst = r.dev->read(0x5010, got, 8);        // fills the IOTLB
        wst = r.dev->write(0x5010, "XXXXXXXX", 8); // hits the IOTLB, denied
        q0 = fault_q(cpu, 0, 0);
        q1 = fault_q(cpu, 0, 1);
    };
    r.run();
    CHECK(rst == TLM_OK_RESPONSE);
    CHECK(std::string(got) == "readonly");
    CHECK(wst == ::tlm::TLM_COMMAND_ERROR_RESPONSE);
    CHECK(std::memcmp(r.phys(pa + 0x10), "readonly", 8) == 0);
    const auto f = models::iommu_fault::decode(q0, q1);
    CHECK(f.iova == 0x5010);
    CHECK(f.reason == pt::fault_reason::write_denied);
    CHECK(f.write);
    CHECK(r.mmu->faults() == 1);
    CHECK(r.mmu->irq.read());
}

TEST_CASE("iommu: a bypass context passes addresses through, an absent context faults") {
    iommu_rig r(models::iommu_config{});
    r.set_context(rid, {true, false, 3, 0}); // present, bypass
    std::memcpy(r.phys(0x0123'4560), "identity", 8);
    char got[9] = {};
    ::tlm::tlm_response_status st = ::tlm::TLM_GENERIC_ERROR_RESPONSE, absent = TLM_OK_RESPONSE;
    r.cpu->body = [&](agent& cpu) {
        r.enable(cpu, 8);
        st = r.dev->read(0x0123'4560, got, 8);
        r.dev->rid = 9; // >= CTX_COUNT (8)
        absent = r.dev->read(0x0123'4560, got + 8, 1);
    };
    r.run();
    CHECK(st == TLM_OK_RESPONSE);
    CHECK(std::string(got) == "identity");
    CHECK(r.mmu->translations() == 0);
    CHECK(r.stat("iommu.bypassed")->value() == 1);
    CHECK(absent == ::tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK(r.mmu->faults() == 1);
}

TEST_CASE("iommu: a stale IOTLB entry stays in use until the page invalidation completes (1 us)") {
    // IOVA 0x9000 maps to page A, is read (cached), then the PTE is changed to
    // page B in memory. Reads keep returning A's data until the range
    // invalidation written at t_go completes at t_go + 1 µs; INV_CMD.GO reads
    // 1 before that and 0 after; then reads return B's data.
    iommu_rig r(models::iommu_config{});
    const std::uint64_t root = translated_domain(r);
    const std::uint64_t pa_a = 0x0400'0000, pa_b = 0x0500'0000;
    r.tb->map_4k(root, 0x9000, pa_a, pt::perm_rw);
    std::memcpy(r.phys(pa_a), "page--A!", 8);
    std::memcpy(r.phys(pa_b), "page--B!", 8);
    std::string first, stale, after;
    std::uint64_t go_early = 0;
    sc_time t_go, t_done;
    r.cpu->body = [&](agent& cpu) {
        r.enable(cpu);
        char b[9] = {};
        r.dev->read(0x9000, b, 8);
        first = b;
        r.tb->map_4k(root, 0x9000, pa_b, pt::perm_rw); // software rewrites the PTE
        cpu.write64(iommu_rig::regs_base + reg::inv_addr, 0x9000);
        cpu.write64(iommu_rig::regs_base + reg::inv_npages, 1);
        cpu.write64(iommu_rig::regs_base + reg::inv_cmd, reg::inv_command(reg::inv_range, dom));
        t_go = sc_time_stamp();
        go_early = cpu.read64(iommu_rig::regs_base + reg::inv_cmd) & reg::inv_go;
        r.dev->read(0x9000, b, 8);
        stale = b;
        // completion wait: poll GO
        for (int polls = 0; cpu.read64(iommu_rig::regs_base + reg::inv_cmd) & reg::inv_go; ++polls) {
            REQUIRE(polls < 100);
            wait(100, SC_NS);
        }
        t_done = sc_time_stamp();
        r.dev->read(0x9000, b, 8);
        after = b;
    };
    r.run();
    CHECK(first == "page--A!");
    CHECK(go_early == 1);
    CHECK(stale == "page--A!");
    CHECK(after == "page--B!");
    // GO was written at the IOMMU a few ns before the CPU's write returned
    // (t_go: bus acknowledge 1 ns + 2 ns response latency), so completion
    // is at about t_go + 997 ns. The poll loop sees it at the first read
    // stamped after that: within one 100 ns wait plus one register read
    // (1 + 2 + 10 + 1 + 2 = 16 ns) — hence t_done - t_go in [990, 1130] ns.
    CHECK((t_done - t_go).to_seconds() * 1e9 >= 990.0);
    CHECK((t_done - t_go).to_seconds() * 1e9 <= 1130.0);
    CHECK(r.mmu->invalidations() == 1);
    // A page-range invalidation also drops the domain's page-walk-cache
    // entries, so the walk after it reads all 4 levels again: 4 + 4.
    CHECK(r.mmu->walk_reads() == 8);
}

TEST_CASE("iommu: a page-crossing write is split over discontiguous physical pages") {
    // IOVA page 0x1000 → PA 0x0730_0000, page 0x2000 → PA 0x0720_0000
    // (descending). 64 bytes at IOVA 0x1fe0: 32 land at 0x0730_0fe0, 32 at
    // 0x0720_0000; reading the 64 bytes back through the IOMMU returns them.
    iommu_rig r(models::iommu_config{});
    const std::uint64_t root = translated_domain(r);
    r.tb->map_4k(root, 0x1000, 0x0730'0000, pt::perm_rw);
    r.tb->map_4k(root, 0x2000, 0x0720'0000, pt::perm_rw);
    std::uint8_t data[64], back[64] = {};
    for (int i = 0; i < 64; ++i) data[i] = static_cast<std::uint8_t>(i + 1);
    ::tlm::tlm_response_status st = ::tlm::TLM_GENERIC_ERROR_RESPONSE;
    r.cpu->body = [&](agent& cpu) {
        r.enable(cpu);
        st = r.dev->write(0x1fe0, data, 64);
        REQUIRE(r.dev->read(0x1fe0, back, 64) == TLM_OK_RESPONSE);
    };
    r.run();
    CHECK(st == TLM_OK_RESPONSE);
    CHECK(std::memcmp(r.phys(0x0730'0fe0), data, 32) == 0);
    CHECK(std::memcmp(r.phys(0x0720'0000), data + 32, 32) == 0);
    CHECK(std::memcmp(back, data, 64) == 0);
    CHECK(r.mmu->translations() == 4); // 2 pages × (write, read)
    CHECK(r.stat("mem.writes")->value() == 2);
}

TEST_CASE("iommu: a 2 MiB leaf takes a 3-read walk and one IOTLB entry serves the whole 2 MiB page") {
    // Reads at the first and the last 4 KiB of a 2 MiB page: one miss (walk
    // of levels 4, 3, 2 = 3 reads, PWC off), then a hit.
    models::iommu_config ic;
    ic.pwc_entries = 0;
    iommu_rig r(ic);
    const std::uint64_t root = translated_domain(r);
    r.tb->map_2m(root, 0x8000'0000, 0x0a00'0000, pt::perm_rw);
    std::memcpy(r.phys(0x0a00'0008), "firstpg!", 8);
    std::memcpy(r.phys(0x0a1f'f008), "lastpage", 8);
    char a[9] = {}, b[9] = {};
    r.cpu->body = [&](agent& cpu) {
        r.enable(cpu);
        REQUIRE(r.dev->read(0x8000'0008, a, 8) == TLM_OK_RESPONSE);
        REQUIRE(r.dev->read(0x801f'f008, b, 8) == TLM_OK_RESPONSE);
    };
    r.run();
    CHECK(std::string(a) == "firstpg!");
    CHECK(std::string(b) == "lastpage");
    CHECK(r.mmu->walk_reads() == 3);
    CHECK(r.mmu->iotlb_misses() == 1);
    CHECK(r.mmu->iotlb_hits() == 1);
}

TEST_CASE("iommu: a full fault ring drops records, sets OVF and keeps counting") {
    // 2-entry ring, 3 faults with no software consuming: HEAD = 2, COUNT = 3,
    // OVF set; after software consumes (TAIL = 2) the next fault is recorded
    // as record 2, in slot 2 % 2 = 0 (the dropped fault took no record number).
    models::iommu_config ic;
    ic.fault_log_entries = 2;
    iommu_rig r(ic);
    translated_domain(r);
    std::uint64_t head = 0, count = 0, status = 0, head2 = 0, slot0 = 0;
    r.cpu->body = [&](agent& cpu) {
        r.enable(cpu);
        std::uint8_t b[4];
        for (std::uint64_t i = 0; i < 3; ++i) CHECK(r.dev->read(0x1000 * (i + 1), b, 4) != TLM_OK_RESPONSE);
        head = cpu.read64(iommu_rig::regs_base + reg::fault_head);
        count = cpu.read64(iommu_rig::regs_base + reg::fault_count);
        status = cpu.read64(iommu_rig::regs_base + reg::fault_status);
        cpu.write64(iommu_rig::regs_base + reg::fault_tail, head);
        CHECK(r.dev->read(0x7000, b, 4) != TLM_OK_RESPONSE);
        head2 = cpu.read64(iommu_rig::regs_base + reg::fault_head);
        slot0 = fault_q(cpu, 0, 0);
    };
    r.run();
    CHECK(head == 2);
    CHECK(count == 3);
    CHECK((status & reg::fs_ovf));
    CHECK(head2 == 3);
    CHECK(slot0 == 0x7000);
    CHECK(r.mmu->faults() == 4);
}

TEST_CASE("iommu: domain invalidation drops one domain's entries, global drops all and the context cache") {
    // rid 5 → domain 7, rid 6 → domain 8, one page each, both cached. After
    // a domain-7 invalidation rid 5 misses and rid 6 hits; after a global
    // one both miss and both context entries are read again (2 + 2 reads).
    iommu_rig r(models::iommu_config{});
    const std::uint64_t r7 = translated_domain(r, 5, 7), r8 = translated_domain(r, 6, 8);
    r.tb->map_4k(r7, 0x1000, 0x0600'0000, pt::perm_rw);
    r.tb->map_4k(r8, 0x1000, 0x0600'1000, pt::perm_rw);
    std::uint64_t m_after_dom = 0, h_after_dom = 0;
    auto inv = [&](agent& cpu, std::uint64_t cmd) {
        cpu.write64(iommu_rig::regs_base + reg::inv_cmd, cmd);
        while (cpu.read64(iommu_rig::regs_base + reg::inv_cmd) & reg::inv_go) wait(100, SC_NS);
    };
    r.cpu->body = [&](agent& cpu) {
        r.enable(cpu);
        std::uint8_t b[8];
        auto rd = [&](std::uint32_t id) {
            r.dev->rid = id;
            REQUIRE(r.dev->read(0x1000, b, 8) == TLM_OK_RESPONSE);
        };
        rd(5), rd(6); // 2 misses
        inv(cpu, reg::inv_command(reg::inv_domain, 7));
        rd(5), rd(6); // miss, hit
        m_after_dom = r.mmu->iotlb_misses();
        h_after_dom = r.mmu->iotlb_hits();
        inv(cpu, reg::inv_command(reg::inv_global));
        rd(5), rd(6); // 2 misses
    };
    r.run();
    CHECK(m_after_dom == 3);
    CHECK(h_after_dom == 1);
    CHECK(r.mmu->iotlb_misses() == 5);
    CHECK(r.stat("iommu.context_reads")->value() == 4);
    CHECK(r.mmu->invalidations() == 2);
}

TEST_CASE("iommu: with FIE = 0 a fault is logged but the interrupt stays low") {
    iommu_rig r(models::iommu_config{});
    translated_domain(r);
    bool irq = true;
    std::uint64_t status = 0;
    r.cpu->body = [&](agent& cpu) {
        r.enable(cpu);
        cpu.write64(iommu_rig::regs_base + reg::ctrl, reg::ctrl_te); // FIE off
        std::uint8_t b[4];
        CHECK(r.dev->read(0x1000, b, 4) == ::tlm::TLM_ADDRESS_ERROR_RESPONSE);
        wait(1, SC_NS);
        irq = r.mmu->irq.read();
        status = cpu.read64(iommu_rig::regs_base + reg::fault_status);
    };
    r.run();
    CHECK_FALSE(irq);
    CHECK((status & reg::fs_ppf));
    CHECK(r.mmu->faults() == 1);
}

TEST_CASE("iommu: with translation disabled (CTRL.TE = 0) device addresses pass through") {
    iommu_rig r(models::iommu_config{});
    std::memcpy(r.phys(0x0123'0000), "physical", 8);
    char b[9] = {};
    r.cpu->body = [&](agent&) { REQUIRE(r.dev->read(0x0123'0000, b, 8) == TLM_OK_RESPONSE); };
    r.run();
    CHECK(std::string(b) == "physical");
    CHECK(r.mmu->translations() == 0);
    CHECK(r.mmu->faults() == 0);
}

TEST_CASE("iommu: CAP reports the configuration and bad register accesses get error responses") {
    models::iommu_config ic;
    ic.iotlb_sets = 32;
    ic.iotlb_ways = 8;
    ic.pwc_entries = 24;
    ic.fault_log_entries = 4;
    iommu_rig r(ic);
    std::uint64_t cap = 0;
    ::tlm::tlm_response_status odd = TLM_OK_RESPONSE, hole = TLM_OK_RESPONSE;
    std::uint32_t lo = 0;
    r.cpu->body = [&](agent& cpu) {
        cap = cpu.read64(iommu_rig::regs_base + reg::cap);
        std::uint16_t h = 0;
        odd = cpu.read(iommu_rig::regs_base + reg::cap, &h, 2);
        std::uint64_t v = 0;
        hole = cpu.read(iommu_rig::regs_base + 0x0f8, &v, 8);
        cpu.write64(iommu_rig::regs_base + reg::inv_addr, 0x1122'3344'5566'7788ull);
        REQUIRE(cpu.read(iommu_rig::regs_base + reg::inv_addr + 4, &lo, 4) == TLM_OK_RESPONSE);
    };
    r.run();
    CHECK((cap & 0xffff) == 32);
    CHECK(((cap >> 16) & 0xff) == 8);
    CHECK(((cap >> 24) & 0xfff) == 24);
    CHECK(((cap >> 36) & 0xff) == 3);
    CHECK((cap >> 56) == 1);
    CHECK(odd == ::tlm::TLM_BURST_ERROR_RESPONSE);
    CHECK(hole == ::tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK(lo == 0x1122'3344u); // upper half of the 64-bit register
}

TEST_CASE("iommu: describe() binds every config field") {
    models::iommu_config c;
    ddisim::tlm::param_group g("iommu");
    describe(g, c);
    CHECK(g.params().size() == 11);
    g.find("iotlb_ways")->assign("8");
    g.find("invalidation_latency")->assign("2us");
    g.find("walkers")->assign("3");
    CHECK(c.iotlb_ways == 8);
    CHECK(c.invalidation_latency == 2'000'000);
    CHECK(c.walkers == 3);
}

TEST_CASE("iommu: walk_busy is high while a walk is in progress and low after it") {
    // Cold 64 B read issued at t = 1 µs: lookup 2 ns, context read 52.25 ns,
    // so the walk runs over [1054.25, 1260.75] ns (4 × 51.625). Sampled at
    // 1100 ns (busy) and 1300 ns (idle).
    iommu_rig r(models::iommu_config{});
    const std::uint64_t root = translated_domain(r);
    r.tb->map_4k(root, 0x4000, 0x0100'0000, pt::perm_rw);
    bool during = false, after = true, before = true;
    r.cpu->body = [&](agent& cpu) {
        r.enable(cpu);
        wait(sc_time(1000, SC_NS) - sc_time_stamp());
        std::uint8_t b[64];
        sc_spawn([&] {
            wait(sc_time(50, SC_NS));
            before = r.mmu->walk_busy();
            wait(sc_time(50, SC_NS));
            during = r.mmu->walk_busy();
            wait(sc_time(200, SC_NS));
            after = r.mmu->walk_busy();
        });
        REQUIRE(r.dev->read(0x4000, b, 64) == TLM_OK_RESPONSE);
        wait(1, SC_US);
    };
    r.run();
    CHECK_FALSE(before); // 1050 ns: still reading the context entry
    CHECK(during);       // 1100 ns
    CHECK_FALSE(after);  // 1300 ns
}

TEST_CASE("iommu: a second access to a page being walked waits for that walk, in LT as in time order") {
    // Two 64 B reads of one cold page issued together at t = 1 µs (an LT
    // device with two in flight), 256 B apart so that their data sit on the
    // two memory channels. The first: context read 52.25 ns, lookup 2 ns,
    // walk 4 × 51.625 ns, data 57 ns = 317.75 ns. The second finds the
    // context and the translation cached, but both reads are still in
    // flight at its issue time: it waits for the walk (260.75 ns) and then
    // reads its data, instead of completing at 59 ns as if the entries had
    // been there all along.
    iommu_rig r(models::iommu_config{});
    const std::uint64_t root = translated_domain(r);
    r.tb->map_4k(root, 0x4000, 0x0100'0000, pt::perm_rw);
    sc_time d[2];
    r.cpu->body = [&](agent& cpu) {
        r.enable(cpu);
        wait(sc_time(1000, SC_NS) - sc_time_stamp());
        std::uint8_t b[2][64];
        for (int k = 0; k < 2; ++k) {
            ::tlm::tlm_generic_payload gp;
            ddisim::tlm::requester_id_ext ext(rid);
            gp.set_extension(&ext);
            gp.set_command(::tlm::TLM_READ_COMMAND);
            gp.set_address(0x4000 + 0x100 * k); // the other memory channel (256 B interleave)
            gp.set_data_ptr(b[k]);
            gp.set_data_length(64);
            gp.set_streaming_width(64);
            gp.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
            d[k] = SC_ZERO_TIME;
            r.dev->out->b_transport(gp, d[k]);
            gp.clear_extension(&ext);
            REQUIRE(gp.get_response_status() == TLM_OK_RESPONSE);
        }
        wait(1, SC_US);
    };
    r.run();
    INFO("first " << d[0] << ", second " << d[1]);
    CHECK(d[0].to_seconds() * 1e9 == Approx(317.75).margin(0.1));
    // The walk's end, then its data read beside the first's (the bus's
    // request cycle and response beats after it).
    CHECK(d[1] >= sc_time(260.75 + 57, SC_NS));
    CHECK(d[1] <= d[0] + sc_time(4, SC_NS));
    CHECK(r.mmu->iotlb_misses() == 1);
    CHECK(r.mmu->fill_waits() == 2); // the context entry and the translation
}

TEST_CASE("iommu: page walks compete with other bus traffic for the memory") {
    // A second initiator reads 256 B blocks flat out (48 in flight) for
    // 20 µs, saturating the memory (25.6 GB/s). A cold walk at t = 5 µs then
    // takes longer than the idle 206.5 ns (4 × 51.625 ns): its reads share
    // the bus target port and the memory channels with the hog. Under LT the
    // bus and memory share a saturated resource per quantum
    // (tlm::shared_timeline): a light requester's service is stretched by
    // the other's use counted up to a fair share (here ×2), latencies are not
    // queued. Lower bound: at least the bus address cycle doubles on each of
    // the 4 reads (+1 ns each) → > 210.5 ns; upper bound: well under twice the
    // idle walk (413 ns). Measured: about 213.4 ns.
    models::tgen_config hog;
    hog.base = 128ull << 20;
    hog.range = 64ull << 20;
    hog.size = 256;
    hog.outstanding = 48;
    hog.count = 0;
    hog.time_limit = 20'000'000;
    hog.requester_id = 77;
    iommu_rig r(models::iommu_config{}, rid, nullptr, &hog);
    const std::uint64_t root = translated_domain(r);
    r.tb->map_4k(root, 0x4000, 0x0100'0000, pt::perm_rw);
    r.cpu->body = [&](agent& cpu) {
        r.enable(cpu);
        wait(sc_time(5, SC_US) - sc_time_stamp());
        std::uint8_t b[64];
        REQUIRE(r.dev->read(0x4000, b, 64) == TLM_OK_RESPONSE);
    };
    r.run();
    INFO("walk latency under load " << r.mmu->walk_latency().max() << " ns");
    CHECK(r.mmu->walk_latency().count() == 1);
    CHECK(r.mmu->walk_latency().max() > 210.5);
    CHECK(r.mmu->walk_latency().max() < 413.0);
}

TEST_CASE("iommu: AT device traffic is translated, pipelined and verified") {
    // An AT tgen (8 in flight) writes a pattern over 16 KiB of IOVA (4 pages
    // mapped to scattered, descending frames) in 256 B blocks, then reads it
    // back and compares: no error, no mismatch; the data sits at the
    // translated frames (the reference walk's addresses).
    models::tgen_config tc;
    tc.base = 0x7000'0000;
    tc.range = 16384;
    tc.size = 256;
    tc.outstanding = 8;
    tc.verify = true;
    tc.requester_id = rid;
    tc.start_delay = 1'000'000; // after the CPU's set-up
    iommu_rig r(models::iommu_config{}, rid, &tc, nullptr, models::tgen::style::at);
    const std::uint64_t root = translated_domain(r);
    for (unsigned p = 0; p < 4; ++p) r.tb->map_4k(root, tc.base + 4096ull * p, 0x0900'0000 - 0x5000ull * p, pt::perm_rw);
    r.cpu->body = [&](agent& cpu) { r.enable(cpu); };
    r.run();
    REQUIRE(r.gen->done());
    CHECK(r.gen->transactions() == 128);
    CHECK(r.gen->errors() == 0);
    CHECK(r.gen->verify_errors() == 0);
    CHECK(r.mmu->translations() == 128);
    CHECK(r.mmu->iotlb_misses() == 4);
    std::uint64_t nonzero = 0;
    for (unsigned p = 0; p < 4; ++p) {
        const auto w = r.reference(root, tc.base + 4096ull * p, false);
        REQUIRE(w.fault == pt::fault_reason::none);
        for (unsigned i = 0; i < 4096; i += 8) nonzero += r.q(w.pa + i) != 0;
    }
    CHECK(nonzero > 1900); // the 64-bit pattern words are (almost surely) all non-zero: 4 × 512 words
}

TEST_CASE("iommu: an AT cold read has the same latency as LT (317.75 ns)") {
    // Same terms as the LT cold read: 2 + 52.25 + 4 × 51.625 + 57 ns; the
    // request is accepted at once and the response sent at completion.
    models::tgen_config tc;
    tc.base = 0x4000'0000;
    tc.count = 1;
    tc.requester_id = rid;
    tc.start_delay = 1'000'000;
    iommu_rig r(models::iommu_config{}, rid, &tc, nullptr, models::tgen::style::at);
    const std::uint64_t root = translated_domain(r);
    r.tb->map_4k(root, tc.base, 0x0100'0000, pt::perm_rw);
    r.cpu->body = [&](agent& cpu) { r.enable(cpu); };
    r.run();
    CHECK(r.gen->errors() == 0);
    CHECK(r.gen->latency().max() == Approx(317.75).margin(0.05));
}

TEST_CASE("iommu: queued invalidation with a wait descriptor completes in order through memory") {
    // Ring of 8 descriptors at 0x9_0000: [0] page-range invalidation of IOVA
    // 0x9000 in domain 7, [1] wait: write 0x600d to 0xa_0000. Software bumps
    // IQ_TAIL to 2 and polls the status word in memory. Expected: the stale
    // translation is used until the status appears; then the new mapping is
    // used and IQ_HEAD = 2. Status time, from the tail write as the IOMMU
    // stamps it (3 ns before the CPU's write returns: 1 ack cycle + 2 ns):
    // descriptor read (32 B: 1 + 2 + (4 × 0.625 + 45) + 1 + 2 = 53.5 ns) +
    // invalidation 1000 ns + wait descriptor read 53.5 ns + status write
    // (4 B: 2 + 2 + 45.625 + 1 + 2 = 52.625 ns) = 1159.625 ns, i.e. about
    // 1156.6 ns after the write returned; the poller (50 ns wait + 57 ns
    // read) sees it within 107 ns more: [1150, 1270] ns. Measured 1176.8 ns.
    iommu_rig r(models::iommu_config{});
    const std::uint64_t root = translated_domain(r);
    const std::uint64_t pa_a = 0x0400'0000, pa_b = 0x0500'0000, ring = 0x9'0000, status = 0xa'0000;
    r.tb->map_4k(root, 0x9000, pa_a, pt::perm_rw);
    std::memcpy(r.phys(pa_a), "page--A!", 8);
    std::memcpy(r.phys(pa_b), "page--B!", 8);
    const std::uint64_t desc[8] = {reg::iq_range | (std::uint64_t{dom} << 16), 0x9000, 1, 0,
                                   reg::iq_wait, 0, status, 0x600d};
    std::memcpy(r.phys(ring), desc, sizeof desc);
    std::string stale, after;
    sc_time t_tail, t_seen;
    std::uint64_t head = 0;
    r.cpu->body = [&](agent& cpu) {
        r.enable(cpu);
        char b[9] = {};
        r.dev->read(0x9000, b, 8);
        r.tb->map_4k(root, 0x9000, pa_b, pt::perm_rw);
        cpu.write64(iommu_rig::regs_base + reg::iq_base, ring);
        cpu.write64(iommu_rig::regs_base + reg::iq_size, 8);
        cpu.write64(iommu_rig::regs_base + reg::iq_tail, 2);
        t_tail = sc_time_stamp();
        r.dev->read(0x9000, b, 8);
        stale = b;
        std::uint32_t st = 0;
        for (int polls = 0; st != 0x600d; ++polls) {
            REQUIRE(polls < 100); // 5 µs: never hang the test
            wait(50, SC_NS);
            REQUIRE(cpu.read(status, &st, 4) == TLM_OK_RESPONSE);
        }
        t_seen = sc_time_stamp();
        r.dev->read(0x9000, b, 8);
        after = b;
        head = cpu.read64(iommu_rig::regs_base + reg::iq_head);
    };
    r.run();
    CHECK(stale == "page--A!");
    CHECK(after == "page--B!");
    CHECK(head == 2);
    CHECK(r.mmu->invalidations() == 1);
    INFO("status seen " << (t_seen - t_tail).to_seconds() * 1e9 << " ns after the tail write");
    CHECK((t_seen - t_tail).to_seconds() * 1e9 >= 1150.0);
    CHECK((t_seen - t_tail).to_seconds() * 1e9 <= 1270.0);
}

TEST_CASE("iommu: a bad queue descriptor stops the queue with IQ_STATUS.IQE") {
    iommu_rig r(models::iommu_config{});
    const std::uint64_t ring = 0x9'0000;
    const std::uint64_t desc[4] = {0xe, 0, 0, 0}; // type 14: undefined
    std::memcpy(r.phys(ring), desc, sizeof desc);
    std::uint64_t st = 0, head = 1;
    r.cpu->body = [&](agent& cpu) {
        cpu.write64(iommu_rig::regs_base + reg::iq_base, ring);
        cpu.write64(iommu_rig::regs_base + reg::iq_size, 4);
        cpu.write64(iommu_rig::regs_base + reg::iq_tail, 1);
        wait(1, SC_US);
        st = cpu.read64(iommu_rig::regs_base + reg::iq_status);
        head = cpu.read64(iommu_rig::regs_base + reg::iq_head);
    };
    sc_core::sc_report_handler::set_actions("ddisim/iommu", sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);
    r.run();
    CHECK((st & reg::iq_iqe));
    CHECK(head == 0);
}

TEST_CASE("iommu: enable = false passes everything through even with CTRL.TE set") {
    // No context table at all: with the IOMMU absent nothing is looked up.
    models::iommu_config ic;
    ic.enable = false;
    iommu_rig r(ic);
    std::memcpy(r.phys(0x0222'0000), "no-iommu", 8);
    char b[9] = {};
    r.cpu->body = [&](agent& cpu) {
        r.enable(cpu, 0);
        REQUIRE(r.dev->read(0x0222'0000, b, 8) == TLM_OK_RESPONSE);
    };
    r.run();
    CHECK(std::string(b) == "no-iommu");
    CHECK(r.mmu->faults() == 0);
    CHECK(r.stat("iommu.bypassed")->value() == 1);
}

TEST_CASE("iommu: statistics are registered under the module name with units") {
    // One miss then one hit: hit rate 0.5.
    iommu_rig r(models::iommu_config{});
    const std::uint64_t root = translated_domain(r);
    r.tb->map_4k(root, 0x3000, 0x0100'0000, pt::perm_rw);
    r.cpu->body = [&](agent& cpu) {
        r.enable(cpu);
        std::uint8_t b[8];
        REQUIRE(r.dev->read(0x3000, b, 8) == TLM_OK_RESPONSE);
        REQUIRE(r.dev->read(0x3008, b, 8) == TLM_OK_RESPONSE);
    };
    r.run();
    for (const char* n : {"transactions", "bypassed", "translations", "iotlb_hits", "iotlb_misses", "pwc_hits",
                          "walk_reads", "context_reads", "faults", "invalidations", "walk_latency", "iotlb_hit_rate"}) {
        const auto* s = r.stat(std::string("iommu.") + n);
        REQUIRE(s);
        CHECK_FALSE(s->unit().empty());
        CHECK_FALSE(s->desc().empty());
    }
    CHECK(r.stat("iommu.iotlb_hit_rate")->value() == Approx(0.5));
    CHECK(r.stat("iommu.transactions")->value() == 2);
}
