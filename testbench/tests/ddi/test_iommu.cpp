// Spec §10.6: the VT-d-like IOMMU path, against a recording platform port.
#include "ddi_test_util.h"

using namespace ddt;

namespace {

struct map_call {
    std::uint32_t domain;
    std::uint64_t dvma;
    std::vector<std::uint64_t> pa;
    unsigned perms;
};

// Records every page-table operation the DDI asks for.
struct recording_iommu : ddisim::kernel::iommu_map_ops {
    std::vector<map_call> maps;
    std::vector<std::pair<std::uint64_t, std::size_t>> unmaps, invalidations;
    bool map(std::uint32_t d, std::uint64_t dvma, const std::uint64_t* pa, std::size_t n, unsigned perms) override {
        maps.push_back({d, dvma, std::vector<std::uint64_t>(pa, pa + n), perms});
        return true;
    }
    void unmap(std::uint32_t, std::uint64_t dvma, std::size_t n) override { unmaps.push_back({dvma, n}); }
    void invalidate(std::uint32_t, std::uint64_t dvma, std::size_t n) override { invalidations.push_back({dvma, n}); }
    std::vector<std::uint32_t> domain_invalidations;
    void invalidate_domain(std::uint32_t d) override { domain_invalidations.push_back(d); }
};

struct recording_port : ddisim::kernel::platform_port {
    recording_iommu mmu;
    std::uint64_t cpu_ns = 0;
    void charge_cpu(std::uint64_t ns) override { cpu_ns += ns; }
    void bus_read(std::uint64_t, void*, std::size_t) override {}
    void bus_write(std::uint64_t, const void*, std::size_t) override {}
    ddisim::kernel::iommu_map_ops* iommu() override { return &mmu; }
};

kernel_config vtd(bool fixed = false) {
    kernel_config c;
    c.iommu = ddisim::kernel::iommu_kind::vtd;
    if (fixed) c.fidelity = ddisim::kernel::fidelity_mode::fixed;
    return c;
}

const std::vector<std::uint64_t> three{0x10000, 0x30000, 0x50000};

} // namespace

TEST_CASE("I1: three discontiguous pages become one DVMA cookie — three pages mapped read+write") {
    fixture f(vtd());
    recording_port port;
    f.k.set_platform(&port);
    auto a = default_attr();
    a.dma_attr_seg = ~std::uint64_t{0};
    auto h = f.alloc(a);
    uint_t n = 0;
    ddi_dma_cookie_t c;
    REQUIRE(f.bind_pages(h, three, 0x100, 0x2000, DDI_DMA_READ, &c, &n) == DDI_DMA_MAPPED);
    REQUIRE(port.mmu.maps.size() == 1);
    const auto& m = port.mmu.maps[0];
    CHECK(m.pa == three);
    CHECK(m.perms == 3u);
    CHECK(m.dvma % 4096 == 0);
    CHECK(n == 1);
    CHECK(c.dmac_laddress == m.dvma + 0x100);
    CHECK(c.dmac_size == 0x2000);
    CHECK(port.mmu.invalidations.size() == 1);
    CHECK(port.cpu_ns > 0);
    CHECK(ddi_dma_sync(h, 0, 0, DDI_DMA_SYNC_FORCPU) == DDI_SUCCESS); // no-op
    uint_t nw;
    CHECK(ddi_dma_numwin(h, &nw) == DDI_FAILURE);
    ddi_dma_unbind_handle(h);
    // illumos fidelity: stale translations stay after unbind (spec §8.10)
    CHECK(port.mmu.unmaps.empty());
    CHECK(f.has_diag("bug-8.10-stale-iommu"));
    ddi_dma_free_handle(&h);
}

TEST_CASE("I1 fixed: unbind clears the page tables and invalidates the IOTLB") {
    fixture f(vtd(true));
    recording_port port;
    f.k.set_platform(&port);
    auto h = f.alloc(default_attr());
    REQUIRE(f.bind_pages(h, three, 0x100, 0x2000, DDI_DMA_READ) == DDI_DMA_MAPPED);
    const auto dvma = port.mmu.maps.at(0).dvma;
    ddi_dma_unbind_handle(h);
    REQUIRE(port.mmu.unmaps.size() == 1);
    CHECK(port.mmu.unmaps[0] == std::make_pair(dvma, std::size_t{3}));
    CHECK(port.mmu.invalidations.size() == 2);
    ddi_dma_free_handle(&h);
}

TEST_CASE("I2: seg 0xFFFFFFFF takes the chopped path and still gives one cookie") {
    fixture f(vtd());
    recording_port port;
    f.k.set_platform(&port);
    auto h = f.alloc(default_attr()); // seg 0xFFFFFFFF < addr_hi: cancross
    REQUIRE(f.bind_pages(h, three, 0x100, 0x2000, DDI_DMA_READ) == DDI_DMA_MAPPED);
    CHECK(cookies_of(h) == std::vector<cookie>{{port.mmu.maps.at(0).dvma + 0x100, 0x2000}});
    ddi_dma_unbind_handle(h);
    ddi_dma_free_handle(&h);
}

TEST_CASE("I3: seg 0xFFFF chops 128 KiB into 64 KiB cookies that may straddle boundaries") {
    fixture f(vtd());
    recording_port port;
    f.k.set_platform(&port);
    auto a = default_attr();
    a.dma_attr_seg = 0xFFFF;
    auto h = f.alloc(a);
    REQUIRE(f.bind_pages(h, run(0x400000, 32), 0, 0x20000, DDI_DMA_READ) == DDI_DMA_MAPPED);
    const auto d = port.mmu.maps.at(0).dvma;
    CHECK(cookies_of(h) == std::vector<cookie>{{d, 0x10000}, {d + 0x10000, 0x10000}});
    if (d % 0x10000) CHECK(f.has_diag("bug-8.8-iommu-seg-cross"));
    ddi_dma_unbind_handle(h);
    // a second bind after a one-page one starts unaligned: the cookies straddle
    auto h1 = f.alloc(default_attr());
    REQUIRE(f.bind_pages(h1, {0x800000}, 0, 0x1000, DDI_DMA_READ) == DDI_DMA_MAPPED);
    REQUIRE(f.bind_pages(h, run(0x400000, 32), 0, 0x20000, DDI_DMA_READ) == DDI_DMA_MAPPED);
    const auto d2 = port.mmu.maps.back().dvma;
    CHECK(d2 % 0x10000 != 0);
    CHECK(f.has_diag("bug-8.8-iommu-seg-cross"));
    ddi_dma_unbind_handle(h);
    ddi_dma_unbind_handle(h1);
    ddi_dma_free_handle(&h1);
    ddi_dma_free_handle(&h);
    ddisim::ddi::checker::clear(f.k);
}

TEST_CASE("I3 fixed: the DVMA range is placed so cookies do not cross seg boundaries") {
    fixture f(vtd(true));
    recording_port port;
    f.k.set_platform(&port);
    auto a = default_attr();
    a.dma_attr_seg = 0xFFFF;
    auto h1 = f.alloc(default_attr());
    REQUIRE(f.bind_pages(h1, {0x800000}, 0, 0x1000, DDI_DMA_READ) == DDI_DMA_MAPPED);
    auto h = f.alloc(a);
    REQUIRE(f.bind_pages(h, run(0x400000, 16), 0, 0x10000, DDI_DMA_READ) == DDI_DMA_MAPPED);
    CHECK(port.mmu.maps.back().dvma % 0x10000 == 0);
    CHECK(ddisim::ddi::checker::count(f.k, "cookie-rule") == 0);
    ddi_dma_unbind_handle(h);
    ddi_dma_unbind_handle(h1);
    ddi_dma_free_handle(&h1);
    ddi_dma_free_handle(&h);
}

TEST_CASE("I4: pages above 4 GiB get DVMA below 4 GiB with no copy buffer") {
    fixture f(vtd());
    recording_port port;
    f.k.set_platform(&port);
    auto a = default_attr();
    a.dma_attr_addr_hi = 0xFFFFFFFF;
    auto h = f.alloc(a);
    REQUIRE(f.bind_pages(h, run(0x100000000, 2), 0, 0x2000, DDI_DMA_READ) == DDI_DMA_MAPPED);
    auto cs = cookies_of(h);
    REQUIRE(cs.size() == 1);
    CHECK_FALSE(cs[0].cb);
    CHECK(cs[0].addr + cs[0].size - 1 <= 0xFFFFFFFF);
    CHECK(f.k.pages().used_pages() == 0); // no copy buffer
    ddi_dma_unbind_handle(h);
    ddi_dma_free_handle(&h);
}

TEST_CASE("I5: too many cookies under the IOMMU is NOMAPPING even with PARTIAL") {
    fixture f(vtd());
    recording_port port;
    f.k.set_platform(&port);
    auto a = default_attr();
    a.dma_attr_sgllen = 1;
    a.dma_attr_seg = 0xFFF;
    auto h = f.alloc(a);
    CHECK(f.bind_pages(h, run(0x10000, 2), 0, 0x2000, DDI_DMA_READ | DDI_DMA_PARTIAL) == DDI_DMA_NOMAPPING);
    CHECK(port.mmu.unmaps.size() == 1); // the mapping was released
    CHECK(ddisim::ddi::state(f.k).arenas[f.dip->iommu_domain].used.empty());
    ddi_dma_free_handle(&h);
}

TEST_CASE("I6: align 0x10000 aligns the DVMA start") {
    fixture f(vtd());
    recording_port port;
    f.k.set_platform(&port);
    auto h1 = f.alloc(default_attr());
    REQUIRE(f.bind_pages(h1, {0x800000}, 0, 0x1000, DDI_DMA_READ) == DDI_DMA_MAPPED);
    auto a = default_attr();
    a.dma_attr_align = 0x10000;
    auto h = f.alloc(a);
    REQUIRE(f.bind_pages(h, {0x10000}, 0x80, 0x100, DDI_DMA_READ) == DDI_DMA_MAPPED);
    CHECK(port.mmu.maps.back().dvma % 0x10000 == 0);
    CHECK(ddi_dma_cookie_one(h)->dmac_laddress == port.mmu.maps.back().dvma + 0x80);
    ddi_dma_unbind_handle(h);
    ddi_dma_unbind_handle(h1);
    ddi_dma_free_handle(&h);
    ddi_dma_free_handle(&h1);
}

TEST_CASE("iommu: DVMA exhaustion is NORESOURCES — a unity-mapped device uses physical addresses") {
    kernel_config cfg = vtd();
    cfg.dvma_space = 0x2000;
    fixture f(cfg);
    recording_port port;
    f.k.set_platform(&port);
    auto h = f.alloc(default_attr());
    CHECK(f.bind_pages(h, run(0x10000, 3), 0, 0x3000, DDI_DMA_READ) == DDI_DMA_NORESOURCES);
    dev_info* unity = f.k.create_dev_info("display", 0, false);
    ddi_dma_handle_t hu = nullptr;
    auto a = default_attr();
    REQUIRE(ddi_dma_alloc_handle(unity, &a, DDI_DMA_DONTWAIT, nullptr, &hu) == DDI_SUCCESS);
    buf_t b = f.pageio(run(0x10000, 3), 0, 0x3000);
    REQUIRE(ddi_dma_buf_bind_handle(hu, &b, DDI_DMA_READ, DDI_DMA_DONTWAIT, nullptr, nullptr, nullptr) ==
            DDI_DMA_MAPPED);
    CHECK(cookies_of(hu) == std::vector<cookie>{{0x10000, 0x3000}});
    ddi_dma_unbind_handle(hu);
    ddi_dma_free_handle(&hu);
    ddi_dma_free_handle(&h);
}

TEST_CASE("iommu: deferred unmap flushes in batches and keeps DVMA allocated until then") {
    kernel_config cfg = vtd();
    cfg.iommu_unmap = ddisim::kernel::iommu_unmap_policy::deferred;
    cfg.iommu_deferred_batch = 3;
    fixture f(cfg);
    recording_port port;
    f.k.set_platform(&port);
    auto h = f.alloc(default_attr());
    std::vector<std::uint64_t> starts;
    for (int i = 0; i < 3; ++i) {
        REQUIRE(f.bind_pages(h, {0x10000}, 0, 0x1000, DDI_DMA_READ) == DDI_DMA_MAPPED);
        starts.push_back(port.mmu.maps.back().dvma);
        ddi_dma_unbind_handle(h);
        if (i < 2) CHECK(port.mmu.unmaps.empty());
    }
    // no DVMA range was reused while its translation could be stale
    CHECK(starts[0] != starts[1]);
    CHECK(starts[1] != starts[2]);
    CHECK(port.mmu.unmaps.size() == 3);
    // the batch costs one domain-wide invalidation, not one per unbind; the
    // range invalidations are the binds' own (spec §4.10 step 2)
    REQUIRE(port.mmu.domain_invalidations.size() == 1);
    CHECK(port.mmu.domain_invalidations[0] == f.dip->iommu_domain);
    CHECK(port.mmu.invalidations.size() == 3);
    CHECK(ddisim::ddi::state(f.k).arenas[f.dip->iommu_domain].used.empty());
    CHECK_FALSE(f.has_diag("bug-8.10-stale-iommu"));
    ddi_dma_free_handle(&h);
}

TEST_CASE("iommu: deferred unmap flushes its batch when the DVMA space runs out, then binds") {
    kernel_config cfg = vtd();
    cfg.iommu_unmap = ddisim::kernel::iommu_unmap_policy::deferred;
    cfg.iommu_deferred_batch = 64;
    cfg.dvma_space = 4 * 4096; // four pages
    fixture f(cfg);
    recording_port port;
    f.k.set_platform(&port);
    auto h = f.alloc(default_attr());
    // Two 2-page binds fill the space; their unbinds only queue.
    for (int i = 0; i < 2; ++i) {
        REQUIRE(f.bind_pages(h, run(0x10000, 2), 0, 0x2000, DDI_DMA_READ) == DDI_DMA_MAPPED);
        ddi_dma_unbind_handle(h);
    }
    CHECK(port.mmu.unmaps.empty());
    // The third finds no space: the queue is flushed (one domain-wide
    // invalidation) and the bind succeeds.
    REQUIRE(f.bind_pages(h, run(0x10000, 2), 0, 0x2000, DDI_DMA_READ) == DDI_DMA_MAPPED);
    CHECK(port.mmu.unmaps.size() == 2);
    CHECK(port.mmu.domain_invalidations.size() == 1);
    ddi_dma_unbind_handle(h);
    // More than the whole space still fails, queue or no queue.
    CHECK(f.bind_pages(h, run(0x10000, 5), 0, 0x5000, DDI_DMA_READ) == DDI_DMA_NORESOURCES);
    ddi_dma_free_handle(&h);
}

TEST_CASE("iommu: a network-class device binds small buffers into its premapped DVMA range") {
    fixture f(vtd());
    recording_port port;
    f.k.set_platform(&port);
    f.dip->iommu_premap = true;
    auto h = f.alloc(default_attr());
    const auto& arena = ddisim::ddi::state(f.k).arenas[f.dip->iommu_domain].used;
    REQUIRE(arena.size() == 1); // 8 pages reserved at allocation
    const auto premap = arena.begin()->first;
    CHECK(arena.begin()->second == 8);
    REQUIRE(f.bind_pages(h, {0x10000, 0x30000}, 0x10, 0x1800, DDI_DMA_READ) == DDI_DMA_MAPPED);
    CHECK(port.mmu.maps.back().dvma == premap);
    CHECK(ddi_dma_cookie_one(h)->dmac_laddress == premap + 0x10);
    ddi_dma_unbind_handle(h);
    CHECK(port.mmu.unmaps.empty()); // premapped entries stay
    CHECK(arena.size() == 1);
    // a bind larger than 8 pages takes a fresh range
    REQUIRE(f.bind_pages(h, run(0x100000, 9), 0, 9 * 4096, DDI_DMA_READ) == DDI_DMA_MAPPED);
    CHECK(port.mmu.maps.back().dvma != premap);
    ddi_dma_unbind_handle(h);
    ddi_dma_free_handle(&h);
    CHECK(arena.empty());
}
