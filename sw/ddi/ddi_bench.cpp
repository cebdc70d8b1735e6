#include "sw/ddi/ddi_bench.h"

#include "sw/ddi/bind_explorer.h"

#include "sw/kernel/kernel.h"

#include <sys/buf.h>
#include <sys/sunddi.h>

#include <chrono>
#include <stdexcept>
#include <vector>

namespace ddisim::ddi {

namespace {

ddi_dma_attr_t bench_attr() { return spec_default_attr(); }

// Runs op in batches until min_seconds have passed; returns ops/s.
template <class Op>
double measure(double min_seconds, Op&& op) {
    using clock = std::chrono::steady_clock;
    const auto t0 = clock::now();
    std::uint64_t n = 0;
    std::uint64_t batch = 64;
    double elapsed = 0;
    do {
        for (std::uint64_t i = 0; i < batch; ++i) op();
        n += batch;
        elapsed = std::chrono::duration<double>(clock::now() - t0).count();
        if (batch < (1u << 16)) batch *= 2;
    } while (elapsed < min_seconds);
    return static_cast<double>(n) / elapsed;
}

kernel::kernel_config bench_config(bool store) {
    kernel::kernel_config cfg;
    cfg.checker = false;
    cfg.backing_store = store;
    cfg.memory_bytes = std::uint64_t{8} << 30;
    return cfg;
}

void expect(bool ok, const char* what) {
    if (!ok) throw std::runtime_error(what);
}

} // namespace

double bench_bind_fast_pairs_per_s(double min_seconds) {
    kernel::kernel_context k(bench_config(true));
    dev_info* dip = k.create_dev_info("bench", 0);
    const ddi_dma_attr_t a = bench_attr();
    ddi_dma_handle_t h = nullptr;
    expect(ddi_dma_alloc_handle(dip, &a, DDI_DMA_DONTWAIT, nullptr, &h) == DDI_SUCCESS, "alloc");
    caddr_t va = k.kmem_alloc_pages(1);
    expect(va != nullptr, "kmem");
    ddi_dma_cookie_t c;
    uint_t n;
    const double r = measure(min_seconds, [&] {
        ddi_dma_addr_bind_handle(h, nullptr, va, 4096, DDI_DMA_WRITE, DDI_DMA_DONTWAIT, nullptr, &c, &n);
        ddi_dma_unbind_handle(h);
    });
    expect(n == 1, "fast path gave more than one cookie");
    ddi_dma_free_handle(&h);
    k.kmem_free_pages(va);
    return r;
}

double bench_bind_fragmented_1m_per_s(double min_seconds) {
    kernel::kernel_config cfg = bench_config(false);
    kernel::kernel_context k(cfg);
    dev_info* dip = k.create_dev_info("bench", 0);
    const ddi_dma_attr_t a = bench_attr();
    ddi_dma_handle_t h = nullptr;
    expect(ddi_dma_alloc_handle(dip, &a, DDI_DMA_DONTWAIT, nullptr, &h) == DDI_SUCCESS, "alloc");
    std::vector<std::uint64_t> pages;
    for (int i = 0; i < 256; ++i) pages.push_back(0x10000000 + static_cast<std::uint64_t>(i) * 0x3000);
    buf_t b{};
    b.b_flags = B_BUSY | B_PAGEIO | B_READ;
    b.b_bcount = 1 << 20;
    b.b_pages = k.make_page_list(pages);
    uint_t n = 0;
    const double r = measure(min_seconds, [&] {
        ddi_dma_buf_bind_handle(h, &b, DDI_DMA_READ, DDI_DMA_DONTWAIT, nullptr, nullptr, &n);
        ddi_dma_unbind_handle(h);
    });
    expect(n == 256, "fragmented bind: expected 256 cookies");
    ddi_dma_free_handle(&h);
    return r;
}

double bench_bind_copybuf_300p_per_s(double min_seconds) {
    kernel::kernel_context k(bench_config(false));
    dev_info* dip = k.create_dev_info("bench", 0);
    ddi_dma_attr_t a = bench_attr();
    a.dma_attr_addr_hi = 0xFFFFFFFF;
    ddi_dma_handle_t h = nullptr;
    expect(ddi_dma_alloc_handle(dip, &a, DDI_DMA_DONTWAIT, nullptr, &h) == DDI_SUCCESS, "alloc");
    std::vector<std::uint64_t> pages;
    for (int i = 0; i < 300; ++i) pages.push_back(0x100000000 + static_cast<std::uint64_t>(i) * 0x1000);
    buf_t b{};
    b.b_flags = B_BUSY | B_PAGEIO | B_WRITE;
    b.b_bcount = 300 * 4096;
    b.b_pages = k.make_page_list(pages);
    int rc = 0;
    const double r = measure(min_seconds, [&] {
        rc = ddi_dma_buf_bind_handle(h, &b, DDI_DMA_WRITE | DDI_DMA_PARTIAL, DDI_DMA_DONTWAIT, nullptr, nullptr,
                                     nullptr);
        ddi_dma_unbind_handle(h);
    });
    expect(rc == DDI_DMA_PARTIAL_MAP, "copy-buffer bind: expected PARTIAL_MAP");
    ddi_dma_free_handle(&h);
    return r;
}

} // namespace ddisim::ddi
