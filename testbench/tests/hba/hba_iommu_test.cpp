// The HBA behind the IOMMU, as in the platform: rings, SGL and data use
// IOVAs; the IOMMU translates by the HBA's requester id; an unmapped data
// page faults in the IOMMU and ends the command with host status DMA_ERROR
// while the HBA carries on.
//
//   hba.out → chk_dev → iommu.dev_in    iommu.mem_out → chk_walk → bus.in[0]
//   cpu.out → chk_cpu → bus.in[1]
//   bus.out[0] → mem;  bus.out[1] → hba.regs (regs_base);  bus.out[2] → iommu.regs (mmu_base)
#include "hba_fixture.h"

#include "models/iommu/iommu.h"
#include "models/iommu/page_table.h"

#include <map>

namespace models = ddisim::models;
namespace pt = ddisim::models::iommu_pt;
using namespace ddisim::test;
using namespace sc_core;

namespace {

constexpr std::uint64_t mmu_base = 0xFED0'0000, ctx_table = 0x8'0000;
constexpr std::uint32_t rid = 0x21;
// IOVA → PA: request ring, reply ring, an 8 KiB buffer on two scattered pages.
constexpr std::uint64_t iova_req = 0x4000'0000, iova_rpl = 0x4000'1000, iova_buf = 0x4001'0000, iova_hole = 0x4002'0000;
constexpr std::uint64_t pa_buf0 = 0x30'0000, pa_buf1 = 0x30'5000;

struct rig {
    models::memory_config mc = test_memory();
    std::unique_ptr<ddisim::tlm::backing_store> store;
    std::unique_ptr<models::memory> mem;
    std::unique_ptr<models::bus> bus;
    std::unique_ptr<models::iommu> mmu;
    std::unique_ptr<models::hba> hba;
    std::unique_ptr<hba_cpu> cpu;
    std::unique_ptr<ddisim::tlm::protocol_checker> chk_dev, chk_walk, chk_cpu;
    sc_signal<bool> irq{"irq_sig"};
    std::uint64_t next_table = 1u << 20;
    std::unique_ptr<pt::table_builder> tb;

    explicit rig(const models::hba_config& hc) {
        store = std::make_unique<ddisim::tlm::backing_store>(models::memory::store_size(mc));
        mem = std::make_unique<models::memory>("mem", mc, *store);
        bus = std::make_unique<models::bus>("bus", models::bus_config{});
        mmu = std::make_unique<models::iommu>("iommu", models::iommu_config{});
        auto cfg = hc;
        cfg.bus_max_burst = models::bus_config{}.max_burst;
        hba = std::make_unique<models::hba>("hba", cfg);
        cpu = std::make_unique<hba_cpu>("cpu");
        chk_dev = std::make_unique<ddisim::tlm::protocol_checker>("chk_dev");
        chk_walk = std::make_unique<ddisim::tlm::protocol_checker>("chk_walk");
        chk_cpu = std::make_unique<ddisim::tlm::protocol_checker>("chk_cpu");
        hba->out.bind(chk_dev->in);
        chk_dev->out.bind(mmu->dev_in);
        mmu->mem_out.bind(chk_walk->in);
        chk_walk->out.bind(bus->in);
        cpu->out.bind(chk_cpu->in);
        chk_cpu->out.bind(bus->in);
        bus->out.bind(mem->in);
        bus->out.bind(hba->regs);
        bus->out.bind(mmu->regs);
        hba->irq.bind(irq);
        bus->add_region(models::bus_region::absolute("dram", 0, mc.low_size, 0));
        bus->add_region(models::bus_region::relative("hba", regs_base, 0x1000, 1));
        bus->add_region(models::bus_region::relative("iommu", mmu_base, mmu->regs_size(), 2));
        tb = std::make_unique<pt::table_builder>(store->data(), [this] {
            const auto t = next_table;
            next_table += 4096;
            return t;
        });
        // Software's page tables, written before the run.
        const std::uint64_t root = tb->new_root();
        tb->map_4k(root, iova_req, req_ring, pt::perm_r);
        tb->map_4k(root, iova_rpl, rpl_ring, pt::perm_rw);
        tb->map_4k(root, iova_buf, pa_buf0, pt::perm_rw);
        tb->map_4k(root, iova_buf + 0x1000, pa_buf1, pt::perm_rw);
        std::uint64_t raw[2];
        pt::encode_context({true, true, 3, root}, raw);
        std::memcpy(store->data() + ctx_table + 16ull * rid, raw, 16);
    }
    std::uint8_t* m(std::uint64_t pa) { return store->data() + pa; }
};

} // namespace

// The body runs in LT and in AT (timing "lt" / "at"); chk_dev checks the
// base protocol on the HBA's socket in AT.
static void iommu_case(const char* timing) {
    models::hba_config cfg;
    cfg.targets = {ram_disk()};
    cfg.requester_id = rid;
    cfg.timing = timing;
    rig r(cfg);
    // Known data on the medium: LBAs 0..15.
    std::vector<std::uint8_t> medium(8192);
    for (std::size_t k = 0; k < medium.size(); ++k) medium[k] = std::uint8_t(k * 7 + 3);
    REQUIRE(r.hba->port(0).target().store().write(0, medium));
    std::uint32_t pi = 0;
    std::uint64_t fault_count = 0;
    r.cpu->body = [&](hba_cpu& p) {
        p.wr64_abs(mmu_base + models::iommu_reg::ctx_base, ctx_table);
        p.wr64_abs(mmu_base + models::iommu_reg::ctx_count, 64);
        p.wr64_abs(mmu_base + models::iommu_reg::ctrl, models::iommu_reg::ctrl_te | models::iommu_reg::ctrl_fie);
        p.wr(R::REQ_BASE_LO, std::uint32_t(iova_req));
        p.wr(R::REQ_SIZE, ring_size);
        p.wr(R::RPL_BASE_LO, std::uint32_t(iova_rpl));
        p.wr(R::RPL_SIZE, ring_size);
        p.wr(R::CONTROL, R::CONTROL_ENABLE);
        request q;
        q.tag = 1;
        q.dir = F::DIR_IN;
        q.cdb = read10(0, 16);
        q.data_len = 8192;
        q.inline_sgl = {{iova_buf, 8192}}; // contiguous in IOVA space, two scattered pages in memory
        write_frame(r.m(req_ring), q);
        q.tag = 2;
        q.data_len = 4096;
        q.cdb = read10(0, 8);
        q.inline_sgl = {{iova_hole, 4096}}; // not mapped
        write_frame(r.m(req_ring + F::size), q);
        q.tag = 3;
        q.cdb = read10(8, 8);
        q.inline_sgl = {{iova_buf, 4096}};
        write_frame(r.m(req_ring + 2 * F::size), q);
        p.wr(R::REQ_PI, 3);
        // Collect (the reply ring is at PA rpl_ring).
        const sc_time deadline = sc_time_stamp() + sc_time(10, SC_MS);
        while (sc_time_stamp() < deadline) {
            p.wr(R::IRQ_STATUS, R::IRQ_REPLY);
            pi = p.rd(R::RPL_PI);
            if (pi >= 3) break;
            if (!r.irq.read()) wait(deadline - sc_time_stamp(), r.irq.posedge_event());
        }
        std::uint64_t fc = 0;
        if (p.access(false, mmu_base + models::iommu_reg::fault_count, &fc, 8) == ::tlm::TLM_OK_RESPONSE) fault_count = fc;
    };
    sc_start();
    for (auto* c : {r.chk_dev.get(), r.chk_walk.get(), r.chk_cpu.get()}) REQUIRE(c->violations() == 0);
    REQUIRE(r.cpu->bad_accesses == 0);
    REQUIRE(pi == 3);
    std::map<std::uint32_t, reply> by_tag;
    for (unsigned k = 0; k < 3; ++k) {
        const reply x = read_reply(r.m(rpl_ring + k * P::size));
        by_tag[x.tag] = x;
    }
    REQUIRE(by_tag.size() == 3);
    CHECK(by_tag[1].host_status == P::ok);
    CHECK(by_tag[1].transferred == 8192);
    CHECK(by_tag[2].host_status == P::dma_error);
    CHECK(by_tag[2].transferred == 0);
    CHECK(by_tag[3].host_status == P::ok);
    // The first burst to the hole faulted and the HBA stopped that command
    // there. In LT its answer comes before the next burst is issued; in AT
    // the data-in writes are posted, so the bursts the link had delivered
    // before the fault came back went out too (fewer than `outstanding`;
    // none landed: the IOMMU writes no byte of a faulting access).
    if (std::string(timing) == "lt") CHECK(fault_count == 1);
    else CHECK((fault_count >= 1 && fault_count < cfg.outstanding));
    // Tag 1 put LBAs 0..7 on the first page and 8..15 on the second; tag 3 then
    // rewrote the first page with LBAs 8..15.
    CHECK(std::equal(medium.begin() + 4096, medium.end(), r.m(pa_buf0)));
    CHECK(std::equal(medium.begin() + 4096, medium.end(), r.m(pa_buf1)));
    // Nothing landed at the IOVAs themselves (they are not physical addresses here).
    CHECK(r.m(0x4000000)[0] == 0);
    CHECK(r.chk_dev->checked() > 0);
}

TEST_CASE("hba: through the IOMMU, data lands on the translated pages and an unmapped page gives DMA_ERROR") {
    iommu_case("lt");
}

TEST_CASE("hba: AT: through the IOMMU, data lands on the translated pages and an unmapped page gives DMA_ERROR as in LT") {
    iommu_case("at");
}
