// ddi_dma_mem_alloc / ddi_dma_mem_free with the x86 placement rules of
// spec §4.11 (i_ddi_mem_alloc). The returned address is a kernel VA (a real
// host pointer) that aliases the allocated physical pages.
#include "sw/ddi/ddi_state.h"
#include "sw/ddi/rootnex.h"

#include <sys/sunddi.h>

#include <fmt/format.h>

#include <algorithm>
#include <bit>

using ddisim::ddi::dma_handle;
using ddisim::ddi::to_impl;
using ddisim::kernel::kernel_context;
namespace ddi = ddisim::ddi;

namespace ddisim::ddi {

struct acc_handle {
    kernel_context* k = nullptr;
    caddr_t map_va = nullptr; // start of the kernel mapping
    bool owns_pages = true;
    std::vector<std::uint64_t> pages;
};

namespace {
std::uint64_t roundup(std::uint64_t v, std::uint64_t a) { return a ? ((v + a - 1) / a) * a : v; }
bool pow2(std::uint64_t v) { return v && (v & (v - 1)) == 0; }

std::uint64_t io_arena_ceiling(std::uint64_t addr_hi) {
    static constexpr std::uint64_t c[] = {
        std::uint64_t{1} << 52, std::uint64_t{64} << 30, std::uint64_t{4} << 30, std::uint64_t{2} << 30,
        std::uint64_t{1} << 30, std::uint64_t{512} << 20, std::uint64_t{256} << 20, std::uint64_t{128} << 20,
        std::uint64_t{64} << 20, std::uint64_t{32} << 20, std::uint64_t{16} << 20};
    for (auto x : c)
        if (x - 1 <= addr_hi) return x - 1;
    return 0;
}

// Maps the pages at a kernel VA; on a host mapping failure the pages go back.
bool map_or_release(kernel_context& k, acc_handle& acc) {
    try {
        acc.map_va = k.kva_map(acc.pages);
    } catch (const std::exception&) {
        acc.map_va = nullptr;
    }
    if (acc.map_va) return true;
    for (auto pa : acc.pages) k.pages().free_page(pa);
    acc.pages.clear();
    return false;
}

int mem_alloc(dma_handle* h, size_t length, uint_t flags, caddr_t* kaddrp, size_t* real_length,
              ddi_acc_handle_t* handlep) {
    kernel_context& k = *h->k;
    const ddi_dma_attr_t& a = h->attr;
    const uint_t cache = flags & IOMEM_DATA_MASK;
    if (std::popcount(cache) > 1) return DDI_FAILURE;
    if (length == 0 || a.dma_attr_minxfer == 0 || a.dma_attr_align == 0 || !pow2(a.dma_attr_align) ||
        !pow2(a.dma_attr_minxfer))
        return DDI_FAILURE;
    if (!k.store()) return DDI_FAILURE; // nothing to map without memory
    const size_t requested = length;
    // iomin = maxbit(minxfer, align)
    std::uint64_t iomin = a.dma_attr_minxfer & ~(a.dma_attr_align - 1);
    if (iomin == 0) iomin = a.dma_attr_align;
    if (cache & (IOMEM_DATA_UNCACHED | IOMEM_DATA_UC_WR_COMBINE)) {
        iomin = roundup(iomin, page_size);
        length = roundup(length, page_size);
    }
    const auto sgllen = static_cast<std::uint32_t>(a.dma_attr_sgllen);
    if (sgllen == 0) return DDI_FAILURE;
    std::uint64_t npages = (length + a.dma_attr_align + page_offset) / page_size;
    const std::uint64_t minctg = (npages + sgllen - 1) / sgllen;

    auto acc = std::make_unique<acc_handle>();
    acc->k = &k;
    caddr_t kaddr = nullptr;
    if (minctg > 1) {
        // the device cannot scatter enough: physically contiguous memory
        length = roundup(length, a.dma_attr_minxfer);
        npages = (length + page_offset) / page_size;
        if (npages > (a.dma_attr_seg >> 12) + 1) return DDI_FAILURE;
        const std::uint64_t align = std::max<std::uint64_t>({a.dma_attr_align, a.dma_attr_minxfer, page_size});
        std::uint64_t boundary = a.dma_attr_seg + 1;
        if (boundary == 0 || !pow2(boundary)) boundary = 0;
        auto base = k.pages().alloc_contig(npages, a.dma_attr_addr_lo, a.dma_attr_addr_hi, align, boundary);
        if (!base) return DDI_FAILURE;
        for (std::uint64_t i = 0; i < npages; ++i) acc->pages.push_back(*base + i * page_size);
        if (!map_or_release(k, *acc)) return DDI_FAILURE;
        kaddr = acc->map_va;
    } else {
        length = roundup(length, iomin);
        if (a.dma_attr_addr_lo > k.pages().first()) return DDI_FAILURE;
        std::uint64_t hi = io_arena_ceiling(a.dma_attr_addr_hi);
        if (hi == 0) {
            if (k.illumos_fidelity())
                k.panic(fmt::format("{}: ddi_dma_mem_alloc with addr_hi {:#x} below 16 MiB: "
                                    "kmem_io_index panics (spec §8.13)",
                                    kernel_context::dev_name(h->rdip), a.dma_attr_addr_hi));
            hi = a.dma_attr_addr_hi;
        }
        // kalloca-style header: the buffer starts max(iomin, 32) bytes in
        const std::uint64_t hdr = std::max<std::uint64_t>(iomin, 32);
        const std::uint64_t total = length + hdr;
        const std::uint64_t np = roundup(total, 128) <= page_size ? 1 : (total + page_offset) / page_size;
        for (std::uint64_t i = 0; i < np; ++i) {
            auto p = k.pages().alloc_page(a.dma_attr_addr_lo, hi);
            if (!p) {
                for (auto pa : acc->pages) k.pages().free_page(pa);
                return DDI_FAILURE;
            }
            acc->pages.push_back(*p);
        }
        if (!map_or_release(k, *acc)) return DDI_FAILURE;
        kaddr = acc->map_va + hdr;
    }
    *kaddrp = kaddr;
    if (real_length) *real_length = (flags & DDI_DMA_CONSISTENT) ? requested : length;
    *handlep = reinterpret_cast<ddi_acc_handle_t>(acc.release());
    return DDI_SUCCESS;
}
} // namespace

} // namespace ddisim::ddi

extern "C" int ddi_dma_mem_alloc(ddi_dma_handle_t handle, size_t length, const ddi_device_acc_attr_t*,
                                 uint_t flags, int (*waitfp)(caddr_t), caddr_t arg, caddr_t* kaddrp,
                                 size_t* real_length, ddi_acc_handle_t* handlep) {
    dma_handle* h = to_impl(handle);
    int e;
    try {
        e = ddi::mem_alloc(h, length, flags, kaddrp, real_length, handlep);
    } catch (const ddisim::kernel::panic_error&) {
        throw;
    } catch (const std::exception&) {
        e = DDI_FAILURE; // host mmap or allocation failure: the DDI reports, never throws
    }
    if (e != DDI_SUCCESS && waitfp != DDI_DMA_DONTWAIT && waitfp != DDI_DMA_SLEEP)
        ddi::set_callback(*h->k, waitfp, arg, &ddi::state(*h->k).mem_cb);
    return e;
}

extern "C" void ddi_dma_mem_free(ddi_acc_handle_t* handlep) {
    if (!handlep || !*handlep) return;
    auto* acc = reinterpret_cast<ddi::acc_handle*>(*handlep);
    kernel_context& k = *acc->k;
    k.kva_unmap(acc->map_va);
    for (auto pa : acc->pages) k.pages().free_page(pa);
    delete acc;
    *handlep = nullptr;
    auto& st = ddi::state(k);
    if (!ddi::callback_list_empty(&st.mem_cb)) ddi::run_callback(k, &st.mem_cb);
}
