// checker::device_access without a simulation: what a device may touch is
// decided by the cookies of its bound handles.
#include <catch2/catch.hpp>

#include <sys/sunddi.h>

#include "sw/ddi/bind_explorer.h"
#include "sw/ddi/checker.h"
#include "sw/kernel/kernel.h"

namespace checker = ddisim::ddi::checker;
using ddisim::kernel::kernel_context;

namespace {
struct bound {
    ddi_dma_handle_t h = nullptr;
    ddi_dma_cookie_t c{};
};
bound bind(kernel_context& k, dev_info* d, caddr_t kva, std::size_t len) {
    bound b;
    const auto a = ddisim::ddi::spec_default_attr();
    REQUIRE(ddi_dma_alloc_handle(d, &a, DDI_DMA_DONTWAIT, nullptr, &b.h) == DDI_SUCCESS);
    uint_t n = 0;
    REQUIRE(ddi_dma_addr_bind_handle(b.h, nullptr, kva, len, DDI_DMA_READ, DDI_DMA_DONTWAIT, nullptr, &b.c, &n) ==
            DDI_DMA_MAPPED);
    REQUIRE(n == 1);
    return b;
}
} // namespace

TEST_CASE("checker: device access inside a bound cookie is quiet, after unbind it is dma-after-unbind") {
    ddisim::kernel::kernel_config kc;
    kc.memory_bytes = 64ull << 20;
    kernel_context k(kc);
    dev_info* d = k.create_dev_info("nic", 0);
    dev_info* other = k.create_dev_info("disk", 0);
    caddr_t kva = k.kmem_alloc_pages(2, 0, ~0ull);
    auto b = bind(k, d, kva, 0x1800);
    const std::uint64_t s = b.c.dmac_laddress;
    checker::device_access(k, d, s, 0x1800, true);
    checker::device_access(k, d, s + 0x100, 8, false);
    CHECK(checker::reports(k).empty());
    // another device using d's buffer never had it bound
    checker::device_access(k, other, s, 8, true);
    CHECK(checker::count(k, "dma-unbound") == 1);
    // running past the end of the cookie
    checker::device_access(k, d, s + 0x17f8, 16, true);
    CHECK(checker::count(k, "dma-unbound") == 2);
    CHECK(checker::count(k, "dma-after-unbind") == 0);
    ddi_dma_unbind_handle(b.h);
    checker::device_access(k, d, s + 0x100, 8, false);
    REQUIRE(checker::count(k, "dma-after-unbind") == 1);
    CHECK(checker::reports(k).back().device == "nic#0");
    CHECK(checker::reports(k).back().message.find("reads 0x8 bytes") != std::string::npos);
    // bound again: quiet again
    REQUIRE(ddi_dma_addr_bind_handle(b.h, nullptr, kva, 0x1800, DDI_DMA_READ, DDI_DMA_DONTWAIT, nullptr, &b.c,
                                     nullptr) == DDI_DMA_MAPPED);
    checker::device_access(k, d, b.c.dmac_laddress, 8, false);
    CHECK(checker::count(k, "dma-after-unbind") == 1);
    ddi_dma_unbind_handle(b.h);
    ddi_dma_free_handle(&b.h);
}

TEST_CASE("checker: device accesses are not checked with the checker off") {
    ddisim::kernel::kernel_config kc;
    kc.memory_bytes = 64ull << 20;
    kc.checker = false;
    kernel_context k(kc);
    dev_info* d = k.create_dev_info("nic", 0);
    checker::device_access(k, d, 0x1000, 8, true);
    CHECK(checker::reports(k).empty());
}
