// The IOMMU under a DMA engine's multi-burst LT transactions
// (dma_engine_config::lt_transaction_size, tlm::burst_ext): every page of a
// transaction is translated before a byte moves, so a transaction partly
// outside the mapping faults and writes nothing, even where its first pages
// are mapped; and the translation statistics count one lookup per page
// piece of each transaction.
//
//   engine → iommu.dev_in, iommu.mem_out → bus.in[0], cpu → bus.in[1]
//   bus.out[0] → mem, bus.out[1] → iommu.regs
#include "iommu_fixture.h"

#include "models/dmac/dma_engine.h"

namespace models = ddisim::models;
using namespace ddisim::test;
using namespace sc_core;

namespace {

constexpr std::uint64_t regs_base = 0xfed0'0000, ctx_table = 0x8'0000;
constexpr std::uint32_t rid = 9;
constexpr std::uint64_t src_iova = 0x1000'0000, dst_iova = 0x2000'0000;
constexpr std::uint64_t src_pa = 0x40'0000, dst_pa = 0x80'0000;

struct page_rig : sc_module {
    models::memory_config mc;
    std::unique_ptr<ddisim::tlm::backing_store> store;
    std::unique_ptr<models::memory> mem;
    std::unique_ptr<models::bus> bus;
    std::unique_ptr<models::iommu> mmu;
    std::unique_ptr<models::dma_engine> eng;
    std::unique_ptr<agent> cpu;
    std::unique_ptr<pt::table_builder> tb;
    std::uint64_t next_table = 1u << 20, root = 0;
    // results
    models::dma_engine::status st = models::dma_engine::status::ok;
    std::uint64_t moved = 0;
    std::uint64_t rec[2] = {};
    SC_HAS_PROCESS(page_rig);

    page_rig(sc_module_name n, const models::dma_engine_config& ec) : sc_module(n) {
        mc.low_size = 256ull << 20;
        mc.high_size = 0;
        store = std::make_unique<ddisim::tlm::backing_store>(models::memory::store_size(mc));
        mem = std::make_unique<models::memory>("mem", mc, *store);
        bus = std::make_unique<models::bus>("bus", models::bus_config{});
        mmu = std::make_unique<models::iommu>("iommu", models::iommu_config{});
        eng = std::make_unique<models::dma_engine>("eng", ec);
        cpu = std::make_unique<agent>("cpu", 0xffff);
        eng->out.bind(mmu->dev_in);
        mmu->mem_out.bind(bus->in);
        cpu->out.bind(bus->in);
        bus->out.bind(mem->in);
        bus->out.bind(mmu->regs);
        bus->add_region(models::bus_region::absolute("dram", 0, mc.low_size, 0));
        bus->add_region(models::bus_region::relative("iommu", regs_base, mmu->regs_size(), 1));
        tb = std::make_unique<pt::table_builder>(store->data(), [this] {
            const auto t = next_table;
            next_table += 4096;
            return t;
        });
        root = tb->new_root();
        std::uint64_t raw[2];
        pt::encode_context({true, true, 4, root}, raw);
        std::memcpy(store->data() + ctx_table + 16ull * rid, raw, 16);
        cpu->body = [this](agent& c) {
            c.write64(regs_base + models::iommu_reg::ctx_base, ctx_table);
            c.write64(regs_base + models::iommu_reg::ctx_count, 64);
            c.write64(regs_base + models::iommu_reg::ctrl, models::iommu_reg::ctrl_te);
            wait(1, SC_US);
            models::dma_engine::stream s(64); // 64 × 256 B cover a 16 KiB transaction (page mode is used)
            st = eng->copy(s, src_iova + off, dst_iova + doff, len, eng->now());
            moved = s.moved();
            eng->sync();
            c.read(regs_base + models::iommu_reg::fault_rec, &rec[0], 8);
            c.read(regs_base + models::iommu_reg::fault_rec + 8, &rec[1], 8);
        };
    }
    std::uint64_t off = 0, doff = 0, len = 0;
    std::uint8_t* phys(std::uint64_t pa) { return store->data() + pa; }
    void map(std::uint64_t iova, std::uint64_t pa, unsigned pages) {
        for (unsigned k = 0; k < pages; ++k) tb->map_4k(root, iova + 4096ull * k, pa + 4096ull * k, pt::perm_rw);
    }
};

models::dma_engine_config page_engine(std::uint64_t boundary) {
    models::dma_engine_config ec;
    ec.requester_id = rid;
    ec.bus_max_burst = models::bus_config{}.max_burst;
    ec.boundary = boundary;
    ec.lt_transaction_size = 16384;
    return ec;
}

} // namespace

TEST_CASE("iommu: a 16 KiB LT write transaction with its third page unmapped faults and writes no byte") {
    // boundary 0: one read and one write of 16 KiB, four pages each. The
    // destination's page 2 is unmapped: the write faults on it after pages 0
    // and 1 translated fine; none of its 16 KiB reaches memory.
    page_rig r("rig", page_engine(0));
    r.len = 16384;
    r.map(src_iova, src_pa, 4);
    r.map(dst_iova, dst_pa, 2);
    r.map(dst_iova + 3 * 4096, dst_pa + 3 * 4096, 1);
    std::memset(r.phys(src_pa), 0xa5, 16384);
    std::memset(r.phys(dst_pa), 0, 16384);
    sc_start();
    CHECK(r.eng->transaction() == 16384);
    CHECK(r.st == models::dma_engine::status::write_error);
    CHECK(r.moved == 0);
    CHECK(r.mmu->faults() == 1);
    CHECK(r.eng->reads() == 1);
    CHECK(r.eng->writes() == 1);
    std::uint64_t written = 0;
    for (std::uint64_t k = 0; k < 16384; ++k) written += r.phys(dst_pa)[k] != 0;
    CHECK(written == 0);
    // Fault record 0: the unmapped page, a write, our requester.
    const auto f = models::iommu_fault::decode(r.rec[0], r.rec[1]);
    CHECK(f.iova == dst_iova + 2 * 4096);
    CHECK(f.write);
    CHECK(f.requester == rid);
    CHECK(f.reason == pt::fault_reason::not_present);
}

TEST_CASE("iommu: a 16 KiB LT read transaction with its last page unmapped faults and nothing is written") {
    page_rig r("rig", page_engine(0));
    r.len = 16384;
    r.map(src_iova, src_pa, 3);
    r.map(dst_iova, dst_pa, 4);
    std::memset(r.phys(src_pa), 0xa5, 3 * 4096);
    std::memset(r.phys(dst_pa), 0, 16384);
    sc_start();
    CHECK(r.st == models::dma_engine::status::read_error);
    CHECK(r.moved == 0);
    CHECK(r.mmu->faults() == 1);
    CHECK(r.eng->writes() == 0);
    std::uint64_t written = 0;
    for (std::uint64_t k = 0; k < 16384; ++k) written += r.phys(dst_pa)[k] != 0;
    CHECK(written == 0);
    const auto f = models::iommu_fault::decode(r.rec[0], r.rec[1]);
    CHECK(f.iova == src_iova + 3 * 4096);
    CHECK(!f.write);
}

TEST_CASE("iommu: LT page transactions translate once per page piece, one IOTLB miss per page") {
    // 64 KiB from src offset 123 to dst offset 3001 with boundary 4096: a
    // transaction ends at either side's page end, so each stays inside one
    // source or one destination page: one translation each. 17 source and
    // 17 destination pages are touched, each missing once in the cold IOTLB
    // (64 entries, nothing evicted); every other lookup hits.
    page_rig r("rig", page_engine(4096));
    r.off = 123;
    r.doff = 3001;
    r.len = 64 * 1024;
    r.map(src_iova, src_pa, 17);
    r.map(dst_iova, dst_pa, 17);
    std::mt19937 g(5);
    for (std::uint64_t k = 0; k < 17 * 4096; ++k) r.phys(src_pa)[k] = static_cast<std::uint8_t>(g());
    sc_start();
    REQUIRE(r.st == models::dma_engine::status::ok);
    CHECK(std::memcmp(r.phys(dst_pa + 3001), r.phys(src_pa + 123), 64 * 1024) == 0);
    // Pieces end at 17 source and 17 destination page ends (the last one
    // shared with the copy's end): 33 or so, far fewer than 256 bursts.
    CHECK(r.eng->reads() >= 32);
    CHECK(r.eng->reads() <= 34);
    CHECK(r.eng->writes() == r.eng->reads());
    CHECK(r.mmu->translations() == r.eng->reads() + r.eng->writes());
    CHECK(r.mmu->iotlb_misses() == 34);
    CHECK(r.mmu->iotlb_hits() == r.mmu->translations() - 34);
    CHECK(r.mmu->faults() == 0);
}
