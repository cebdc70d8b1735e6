// The C11 driver snippet (c_api_compile.c) compiles against the headers and
// runs against the simulated kernel.
#include "ddi_test_util.h"

#include <cstddef>

extern "C" int xx_c_driver_attach(dev_info_t* dip, uint64_t* paddr);
extern "C" int xx_c_constants_ok(void);

using namespace ddt;

TEST_CASE("C API: a driver-style C11 snippet compiles and runs") {
    fixture f;
    std::uint64_t pa = 0;
    CHECK(xx_c_driver_attach(f.dip, &pa) == 1);
    CHECK(pa % 0x1000 == 0);
    CHECK(xx_c_constants_ok() == 1);
    CHECK(ddisim::ddi::checker::live_handles(f.k) == 0);
    CHECK(ddisim::ddi::checker::reports(f.k).empty());
}

TEST_CASE("headers: ddi_dma_attr_t and ddi_dma_cookie_t have the illumos layout") {
    static_assert(offsetof(ddi_dma_attr_t, dma_attr_addr_lo) == 8);
    static_assert(offsetof(ddi_dma_attr_t, dma_attr_burstsizes) == 40);
    static_assert(offsetof(ddi_dma_attr_t, dma_attr_minxfer) == 44);
    static_assert(offsetof(ddi_dma_attr_t, dma_attr_sgllen) == 64);
    static_assert(offsetof(ddi_dma_attr_t, dma_attr_granular) == 68);
    static_assert(offsetof(ddi_dma_attr_t, dma_attr_flags) == 72);
    static_assert(sizeof(ddi_dma_attr_t) == 80);
    static_assert(sizeof(ddi_dma_cookie_t) == 24);
    static_assert(offsetof(ddi_dma_cookie_t, dmac_size) == 8);
    static_assert(offsetof(ddi_dma_cookie_t, dmac_type) == 16);
    ddi_dma_cookie_t c{};
    c.dmac_laddress = 0x1122334455667788ull;
    CHECK(c.dmac_address == 0x55667788u);
    CHECK(c.dmac_notused == 0x11223344u);
    CHECK(static_cast<int>(DDI_DMA_SYNC_FORKERNEL) == 2);
}
