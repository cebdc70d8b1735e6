// Spec §10.4 M1–M4: ddi_dma_mem_alloc placement (spec §4.11).
#include "ddi_test_util.h"

#include <cstring>

using namespace ddt;

namespace {
ddi_device_acc_attr_t acc_attr() { return {DDI_DEVICE_ATTR_V0, DDI_NEVERSWAP_ACC, DDI_STRICTORDER_ACC, 0}; }
}

TEST_CASE("M1: align 0 or minxfer 3 makes ddi_dma_mem_alloc fail") {
    fixture f;
    auto acc = acc_attr();
    caddr_t kaddr;
    size_t real;
    ddi_acc_handle_t ah;
    for (int variant = 0; variant < 2; ++variant) {
        auto a = default_attr();
        if (variant == 0) a.dma_attr_align = 0;
        else a.dma_attr_minxfer = 3;
        auto h = f.alloc(a);
        CHECK(ddi_dma_mem_alloc(h, 4096, &acc, DDI_DMA_STREAMING, DDI_DMA_SLEEP, nullptr, &kaddr, &real, &ah) ==
              DDI_FAILURE);
        ddi_dma_free_handle(&h);
    }
    auto h = f.alloc(default_attr());
    CHECK(ddi_dma_mem_alloc(h, 0, &acc, DDI_DMA_STREAMING, DDI_DMA_SLEEP, nullptr, &kaddr, &real, &ah) ==
          DDI_FAILURE);
    ddi_dma_free_handle(&h);
}

TEST_CASE("M2: 8 KiB streaming with align 1 starts 32 bytes into a page and spans 3 pages") {
    kernel_config cfg;
    cfg.placement = ddisim::kernel::placement_policy::random;
    cfg.seed = 7;
    fixture f(cfg);
    auto a = default_attr();
    a.dma_attr_sgllen = 256;
    auto h = f.alloc(a);
    auto acc = acc_attr();
    caddr_t kaddr;
    size_t real = 0;
    ddi_acc_handle_t ah;
    REQUIRE(ddi_dma_mem_alloc(h, 8192, &acc, DDI_DMA_STREAMING, DDI_DMA_SLEEP, nullptr, &kaddr, &real, &ah) ==
            DDI_SUCCESS);
    CHECK(real == 8192);
    CHECK((reinterpret_cast<std::uintptr_t>(kaddr) & 0xFFF) == 32);
    std::memset(kaddr, 0x42, 8192); // real host memory
    REQUIRE(ddi_dma_addr_bind_handle(h, nullptr, kaddr, 8192, DDI_DMA_WRITE, DDI_DMA_DONTWAIT, nullptr, nullptr,
                                     nullptr) == DDI_DMA_MAPPED);
    // three physical pages, scattered by the random placement
    auto cs = cookies_of(h);
    std::uint64_t total = 0;
    for (auto& c : cs) total += c.size;
    CHECK(total == 8192);
    CHECK(cs.size() == 3);
    CHECK(cs.front().addr % 4096 == 32);
    CHECK(f.k.phys_ptr(cs.front().addr)[0] == 0x42); // the KVA aliases the physical pages
    ddi_dma_unbind_handle(h);
    ddi_dma_mem_free(&ah);
    CHECK(ah == nullptr);
    CHECK(f.k.pages().used_pages() == 0);
    ddi_dma_free_handle(&h);
}

TEST_CASE("M3: sgllen 1 with align 0x1000 gives physically contiguous page-aligned memory") {
    kernel_config cfg;
    cfg.placement = ddisim::kernel::placement_policy::random;
    fixture f(cfg);
    auto a = default_attr();
    a.dma_attr_align = 0x1000;
    a.dma_attr_sgllen = 1;
    auto h = f.alloc(a);
    auto acc = acc_attr();
    caddr_t kaddr;
    size_t real;
    ddi_acc_handle_t ah;
    REQUIRE(ddi_dma_mem_alloc(h, 8192, &acc, DDI_DMA_CONSISTENT, DDI_DMA_SLEEP, nullptr, &kaddr, &real, &ah) ==
            DDI_SUCCESS);
    CHECK(real == 8192);
    CHECK((reinterpret_cast<std::uintptr_t>(kaddr) & 0xFFF) == 0);
    uint_t n = 0;
    ddi_dma_cookie_t c;
    REQUIRE(ddi_dma_addr_bind_handle(h, nullptr, kaddr, 8192, DDI_DMA_RDWR | DDI_DMA_CONSISTENT, DDI_DMA_DONTWAIT,
                                     nullptr, &c, &n) == DDI_DMA_MAPPED);
    CHECK(n == 1);
    CHECK(c.dmac_size == 8192);
    CHECK(c.dmac_laddress % 0x1000 == 0);
    ddi_dma_unbind_handle(h);
    ddi_dma_mem_free(&ah);
    ddi_dma_free_handle(&h);
}

TEST_CASE("M4: two cache attributes at once make ddi_dma_mem_alloc fail") {
    fixture f;
    auto h = f.alloc(default_attr());
    auto acc = acc_attr();
    caddr_t kaddr;
    size_t real;
    ddi_acc_handle_t ah;
    CHECK(ddi_dma_mem_alloc(h, 4096, &acc, DDI_DMA_STREAMING | IOMEM_DATA_UNCACHED | IOMEM_DATA_CACHED,
                            DDI_DMA_SLEEP, nullptr, &kaddr, &real, &ah) == DDI_FAILURE);
    REQUIRE(ddi_dma_mem_alloc(h, 100, &acc, DDI_DMA_STREAMING | IOMEM_DATA_UNCACHED, DDI_DMA_SLEEP, nullptr, &kaddr,
                              &real, &ah) == DDI_SUCCESS);
    CHECK(real == 4096); // uncached: rounded to whole pages
    ddi_dma_mem_free(&ah);
    ddi_dma_free_handle(&h);
}

TEST_CASE("mem alloc: a small request never crosses a page (one cookie)") {
    fixture f;
    auto a = default_attr();
    a.dma_attr_align = 64;
    auto h = f.alloc(a);
    auto acc = acc_attr();
    caddr_t kaddr;
    size_t real;
    ddi_acc_handle_t ah;
    REQUIRE(ddi_dma_mem_alloc(h, 1000, &acc, DDI_DMA_CONSISTENT, DDI_DMA_SLEEP, nullptr, &kaddr, &real, &ah) ==
            DDI_SUCCESS);
    CHECK(real == 1000);
    CHECK(reinterpret_cast<std::uintptr_t>(kaddr) % 64 == 0);
    uint_t n = 0;
    REQUIRE(ddi_dma_addr_bind_handle(h, nullptr, kaddr, real, DDI_DMA_READ, DDI_DMA_DONTWAIT, nullptr, nullptr,
                                     &n) == DDI_DMA_MAPPED);
    CHECK(n == 1);
    ddi_dma_unbind_handle(h);
    ddi_dma_mem_free(&ah);
    ddi_dma_free_handle(&h);
}
