// Test design for the IOMMU model: a device (scripted agent or tgen) in
// front of the IOMMU, a CPU agent for MMIO, one bus, one memory. A protocol
// checker sits on every hop.
//
//   dev → chk_dev → iommu.dev_in      iommu.mem_out → chk_walk → bus.in[0]
//   cpu → chk_cpu → bus.in[1]         bus.out[0] → chk_mem → mem.in
//                                     bus.out[1] → chk_regs → iommu.regs
//
// Address map: DRAM [0, 256 MiB) absolute; IOMMU registers at regs_base
// (relative). Page tables are built by the test in the backing store before
// sc_start (standing for software that wrote them earlier); the context table
// lives at ctx_table, table pages are allocated from 1 MiB upwards.
#pragma once
#include <cstring>
#include <functional>
#include <memory>
#include <string>

#include <catch2/catch.hpp>
#include <systemc>
#include <tlm>

#include "models/bus/bus.h"
#include "models/iommu/iommu.h"
#include "models/memory/memory.h"
#include "models/tgen/tgen.h"
#include "tlm/core/backing_store.h"
#include "tlm/extensions.h"
#include "tlm/protocol_checker.h"

namespace ddisim::test {

namespace pt = models::iommu_pt;

// A scripted initiator: body runs in an SC_THREAD; every access is a
// b_transport followed by wait(delay), so time advances access by access.
struct agent : sc_core::sc_module, ::tlm::tlm_bw_transport_if<> {
    ::tlm::tlm_initiator_socket<> out;
    std::function<void(agent&)> body;
    std::uint32_t rid = 0;
    sc_core::sc_time last_latency;
    SC_HAS_PROCESS(agent);

    agent(sc_core::sc_module_name n, std::uint32_t requester) : sc_module(n), out("out"), rid(requester) {
        out.bind(*this);
        SC_THREAD(thread);
    }
    void thread() {
        if (body) body(*this);
    }
    ::tlm::tlm_response_status xfer(::tlm::tlm_command cmd, std::uint64_t addr, void* data, unsigned len) {
        ::tlm::tlm_generic_payload gp;
        tlm::requester_id_ext ext(rid);
        gp.set_extension(&ext);
        gp.set_command(cmd);
        gp.set_address(addr);
        gp.set_data_ptr(static_cast<unsigned char*>(data));
        gp.set_data_length(len);
        gp.set_streaming_width(len);
        gp.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
        sc_core::sc_time d = sc_core::SC_ZERO_TIME;
        out->b_transport(gp, d);
        gp.clear_extension(&ext);
        last_latency = d;
        wait(d);
        return gp.get_response_status();
    }
    ::tlm::tlm_response_status read(std::uint64_t a, void* p, unsigned n) { return xfer(::tlm::TLM_READ_COMMAND, a, p, n); }
    ::tlm::tlm_response_status write(std::uint64_t a, const void* p, unsigned n) {
        return xfer(::tlm::TLM_WRITE_COMMAND, a, const_cast<void*>(p), n);
    }
    std::uint64_t read64(std::uint64_t a) {
        std::uint64_t v = 0;
        REQUIRE(read(a, &v, 8) == ::tlm::TLM_OK_RESPONSE);
        return v;
    }
    void write64(std::uint64_t a, std::uint64_t v) { REQUIRE(write(a, &v, 8) == ::tlm::TLM_OK_RESPONSE); }

    ::tlm::tlm_sync_enum nb_transport_bw(::tlm::tlm_generic_payload&, ::tlm::tlm_phase&, sc_core::sc_time&) override {
        return ::tlm::TLM_COMPLETED;
    }
    void invalidate_direct_mem_ptr(sc_dt::uint64, sc_dt::uint64) override {}
};

struct iommu_rig {
    static constexpr std::uint64_t regs_base = 0xfed0'0000, ctx_table = 0x8'0000;
    models::memory_config mc;
    std::unique_ptr<tlm::backing_store> store;
    std::unique_ptr<models::memory> mem;
    std::unique_ptr<models::bus> bus;
    std::unique_ptr<models::iommu> mmu;
    std::unique_ptr<tlm::protocol_checker> chk_dev, chk_walk, chk_cpu, chk_mem, chk_regs;
    std::unique_ptr<agent> dev, cpu;
    std::unique_ptr<models::tgen> gen, hog;
    std::unique_ptr<tlm::protocol_checker> chk_hog;
    std::uint64_t next_table = 1u << 20;
    std::unique_ptr<pt::table_builder> tb;

    // dev_rid: requester id of the scripted device; with a tgen config the
    // tgen is the device instead.
    // hog_cfg: an extra tgen on bus.in[2] (competing traffic, no IOMMU).
    explicit iommu_rig(const models::iommu_config& ic, std::uint32_t dev_rid = 5,
                       const models::tgen_config* tc = nullptr, const models::tgen_config* hog_cfg = nullptr,
                       models::tgen::style dev_style = models::tgen::style::lt) {
        mc.low_size = 256ull << 20;
        mc.high_size = 0;
        store = std::make_unique<tlm::backing_store>(models::memory::store_size(mc));
        mem = std::make_unique<models::memory>("mem", mc, *store);
        bus = std::make_unique<models::bus>("bus", models::bus_config{});
        mmu = std::make_unique<models::iommu>("iommu", ic);
        chk_dev = std::make_unique<tlm::protocol_checker>("chk_dev");
        chk_walk = std::make_unique<tlm::protocol_checker>("chk_walk");
        chk_cpu = std::make_unique<tlm::protocol_checker>("chk_cpu");
        chk_mem = std::make_unique<tlm::protocol_checker>("chk_mem");
        chk_regs = std::make_unique<tlm::protocol_checker>("chk_regs");
        cpu = std::make_unique<agent>("cpu", 0xffff);
        if (tc) {
            gen = std::make_unique<models::tgen>("dev", *tc, dev_style);
            gen->out.bind(chk_dev->in);
        } else {
            dev = std::make_unique<agent>("dev", dev_rid);
            dev->out.bind(chk_dev->in);
        }
        chk_dev->out.bind(mmu->dev_in);
        mmu->mem_out.bind(chk_walk->in);
        chk_walk->out.bind(bus->in);
        cpu->out.bind(chk_cpu->in);
        chk_cpu->out.bind(bus->in);
        if (hog_cfg) {
            hog = std::make_unique<models::tgen>("hog", *hog_cfg, models::tgen::style::lt);
            chk_hog = std::make_unique<tlm::protocol_checker>("chk_hog");
            hog->out.bind(chk_hog->in);
            chk_hog->out.bind(bus->in);
        }
        bus->out.bind(chk_mem->in);
        chk_mem->out.bind(mem->in);
        bus->out.bind(chk_regs->in);
        chk_regs->out.bind(mmu->regs);
        bus->add_region(models::bus_region::absolute("dram", 0, mc.low_size, 0));
        bus->add_region(models::bus_region::relative("iommu", regs_base, mmu->regs_size(), 1));
        tb = std::make_unique<pt::table_builder>(store->data(), [this] {
            const auto t = next_table;
            next_table += 4096;
            return t;
        });
    }

    std::uint8_t* phys(std::uint64_t pa) { return store->data() + pa; }
    std::uint64_t q(std::uint64_t pa) const {
        std::uint64_t v;
        std::memcpy(&v, store->data() + pa, 8);
        return v;
    }
    void set_context(std::uint32_t rid, const pt::context_entry& c) {
        std::uint64_t raw[2];
        pt::encode_context(c, raw);
        std::memcpy(phys(ctx_table + 16ull * rid), raw, 16);
    }
    // CPU-side set-up over MMIO: context table with `count` entries,
    // translation and the fault interrupt on.
    void enable(agent& c, std::uint64_t count = 64) {
        c.write64(regs_base + models::iommu_reg::ctx_base, ctx_table);
        c.write64(regs_base + models::iommu_reg::ctx_count, count);
        c.write64(regs_base + models::iommu_reg::ctrl, models::iommu_reg::ctrl_te | models::iommu_reg::ctrl_fie);
    }
    pt::walk_result reference(std::uint64_t root, std::uint64_t iova, bool write) const {
        return pt::reference_walk([this](std::uint64_t pa) { return q(pa); }, root, iova, write);
    }
    void run() {
        sc_core::sc_start();
        for (auto* c : {chk_dev.get(), chk_walk.get(), chk_cpu.get(), chk_mem.get(), chk_regs.get()})
            REQUIRE(c->violations() == 0);
        if (chk_hog) REQUIRE(chk_hog->violations() == 0);
    }
    const tlm::stat* stat(const std::string& n) const { return tlm::stats_registry::instance().find(n); }
};

} // namespace ddisim::test
