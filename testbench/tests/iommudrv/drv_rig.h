// Test design for the IOMMU driver (sw/ddi/iommu_driver.h): the simulated
// kernel programs the modelled IOMMU over the bus through the CPU port, and a
// test device does DMA through the IOMMU with the cookies the DDI handed out.
//
//   top.run (SC_THREAD: software + device script)
//   cpu  → bus.in                      bus.out[0] → mem (DRAM, absolute)
//   dev  → obs (dma_observer) → chk → iommu.dev_in   (dev: test_device, or
//                                                    an AT tgen "gen")
//   iommu.mem_out → bus.in             bus.out[1] → iommu.regs (relative)
//
// Address map: DRAM [0, 64 MiB) and [4 GiB, 4 GiB + 64 MiB); IOMMU registers
// at regs_base. The kernel's physical memory is the DRAM's backing store;
// table pages and ordinary buffers come from low memory, high buffers from
// kmem_alloc_pages(n, 4 GiB). The software thread also drives the device
// (dma()), synchronising the CPU's local time first, so everything happens
// in program order.
#pragma once
#include <cstring>
#include <functional>
#include <memory>
#include <vector>

#include <systemc>
#include <tlm>

#include <sys/sunddi.h>

#include "models/bus/bus.h"
#include "models/iommu/iommu.h"
#include "models/memory/memory.h"
#include "models/tgen/tgen.h"
#include "sw/ddi/bind_explorer.h"
#include "sw/ddi/checker.h"
#include "sw/ddi/iommu_driver.h"
#include "sw/kernel/kernel.h"
#include "testbench/platform/cpu_port.h"
#include "testbench/platform/dma_observer.h"
#include "tlm/core/backing_store.h"
#include "tlm/core/stats.h"
#include "tlm/extensions.h"
#include "tlm/protocol_checker.h"

namespace drvtest {

namespace models = ddisim::models;
namespace pt = ddisim::models::iommu_pt;
using ddisim::kernel::kernel_config;
using ddisim::kernel::kernel_context;

inline constexpr std::uint64_t low_size = 64ull << 20, high_size = 64ull << 20;
inline constexpr std::uint64_t high_base = 4ull << 30;
inline constexpr std::uint64_t regs_base = 0xfed0'0000;

// A device that issues single reads and writes with a given requester id.
struct test_device : sc_core::sc_module, ::tlm::tlm_bw_transport_if<> {
    ::tlm::tlm_initiator_socket<> out;
    explicit test_device(sc_core::sc_module_name n) : sc_module(n), out("out") { out.bind(*this); }
    // Called from an SC_THREAD; waits for the access's latency.
    ::tlm::tlm_response_status xfer(std::uint32_t rid, bool write, std::uint64_t addr, void* data, unsigned len) {
        ::tlm::tlm_generic_payload gp;
        ddisim::tlm::requester_id_ext ext(rid);
        gp.set_extension(&ext);
        gp.set_command(write ? ::tlm::TLM_WRITE_COMMAND : ::tlm::TLM_READ_COMMAND);
        gp.set_address(addr);
        gp.set_data_ptr(static_cast<unsigned char*>(data));
        gp.set_data_length(len);
        gp.set_streaming_width(len);
        gp.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
        sc_core::sc_time d = sc_core::SC_ZERO_TIME;
        out->b_transport(gp, d);
        gp.clear_extension(&ext);
        wait(d);
        return gp.get_response_status();
    }
    ::tlm::tlm_sync_enum nb_transport_bw(::tlm::tlm_generic_payload&, ::tlm::tlm_phase&, sc_core::sc_time&) override {
        return ::tlm::TLM_COMPLETED;
    }
    void invalidate_direct_mem_ptr(sc_dt::uint64, sc_dt::uint64) override {}
};

inline kernel_config kcfg(ddisim::kernel::iommu_unmap_policy pol) {
    kernel_config c;
    c.memory_bytes = high_base + high_size;
    c.iommu = ddisim::kernel::iommu_kind::vtd;
    c.iommu_unmap = pol;
    return c;
}

inline models::memory_config mcfg() {
    models::memory_config c;
    c.low_size = low_size;
    c.high_size = high_size;
    return c;
}

inline ddisim::ddi::vtd_iommu_driver_config dcfg() {
    ddisim::ddi::vtd_iommu_driver_config c;
    c.reg_base = regs_base;
    c.table_hi = low_size - 1;
    return c;
}

struct rig : sc_core::sc_module {
    kernel_context k;
    models::memory_config mc;
    models::memory mem;
    models::bus bus;
    models::iommu mmu;
    ddisim::platform::cpu_port cpu;
    std::unique_ptr<test_device> dev_;
    std::unique_ptr<models::tgen> gen; // the device instead, when a tgen config is given (AT)
    ddisim::platform::dma_observer obs;
    ddisim::tlm::protocol_checker chk;
    ddisim::ddi::vtd_iommu_driver drv;
    std::function<void(rig&)> body;
    bool finished = false;
    SC_HAS_PROCESS(rig);

    explicit rig(kernel_config kc, std::function<void(rig&)> b, models::iommu_config ic = {},
                 const models::tgen_config* tc = nullptr)
        : sc_module("top"), k(std::move(kc)), mc(mcfg()), mem("mem", mc, *k.store()), bus("bus", models::bus_config{}),
          mmu("iommu", ic), cpu("cpu", 0xffff), obs("obs", k), chk("chk"), drv(k, cpu, dcfg()),
          body(std::move(b)) {
        cpu.out.bind(bus.in);
        mmu.mem_out.bind(bus.in);
        if (tc) {
            gen = std::make_unique<models::tgen>("gen", *tc, models::tgen::style::at);
            gen->out.bind(obs.in);
        } else {
            dev_ = std::make_unique<test_device>("dev");
            dev_->out.bind(obs.in);
        }
        obs.out.bind(chk.in);
        chk.out.bind(mmu.dev_in);
        bus.out.bind(mem.in);
        bus.out.bind(mmu.regs);
        bus.add_region(models::bus_region::absolute("dram", 0, low_size, 0));
        bus.add_region(models::bus_region::absolute("dram_high", high_base, high_size, 0));
        bus.add_region(models::bus_region::relative("iommu", regs_base, mmu.regs_size(), 1));
        k.set_platform(&cpu);
        cpu.set_iommu(&drv);
        SC_THREAD(run);
    }
    void run() {
        body(*this);
        finished = true;
    }

    // A device (software view): created, attached to the IOMMU, observed.
    dev_info* device(const std::string& name, bool translated = true) {
        dev_info* d = k.create_dev_info(name, 0, translated);
        drv.attach(d);
        obs.add_device(d);
        return d;
    }
    // Device DMA, after the software's local time has been caught up with.
    ::tlm::tlm_response_status dma(const dev_info* d, bool write, std::uint64_t addr, void* data, unsigned len) {
        cpu.sync();
        return dev_->xfer(d->requester_id, write, addr, data, len);
    }
    std::uint64_t q(std::uint64_t pa) const {
        std::uint64_t v = 0;
        std::memcpy(&v, k.phys_ptr(pa, 8), 8);
        return v;
    }
    // The reference walk over the tables the driver wrote (in memory).
    pt::walk_result reference(std::uint32_t domain, std::uint64_t iova, bool write) const {
        return pt::reference_walk([this](std::uint64_t pa) { return q(pa); }, drv.root(domain), iova, write);
    }
    static double stat(const std::string& n) {
        const auto* s = ddisim::tlm::stats_registry::instance().find(n);
        return s ? s->value() : -1;
    }
};

// A bind of a kernel buffer, as a driver does it.
struct bound_buf {
    ddi_dma_handle_t h = nullptr;
    caddr_t kva = nullptr;
    std::size_t len = 0;
    ddi_dma_cookie_t c{};
    uint_t ncookies = 0;
    int rv = -1;
};

inline ddi_dma_attr_t attr64() { return ddisim::ddi::spec_default_attr(); }

inline bound_buf bind_kmem(kernel_context& k, dev_info* d, std::size_t npages, const ddi_dma_attr_t& a,
                           std::uint64_t lo = 0, std::uint64_t hi = low_size - 1, std::size_t len = 0) {
    bound_buf b;
    b.len = len ? len : npages * 4096;
    b.kva = k.kmem_alloc_pages(npages, lo, hi);
    if (!b.kva || ddi_dma_alloc_handle(d, &a, DDI_DMA_DONTWAIT, nullptr, &b.h) != DDI_SUCCESS) return b;
    b.rv = ddi_dma_addr_bind_handle(b.h, nullptr, b.kva, b.len, DDI_DMA_RDWR | DDI_DMA_CONSISTENT, DDI_DMA_DONTWAIT,
                                    nullptr, &b.c, &b.ncookies);
    return b;
}

inline std::uint64_t pa_of(kernel_context& k, const void* va) {
    std::uint64_t pa = 0;
    k.kva_to_pa(va, pa);
    return pa;
}

} // namespace drvtest
