// Intel VT-d (immu) bind path (spec §4.10): the object is mapped into one
// DVMA range of the device's domain, cookies are chopped from that range,
// and the physical fast-path test decides; the IOMMU path never builds
// windows or copy buffers. Page tables are programmed through
// kernel::iommu_map_ops (platform_port.h).
#include "sw/ddi/checker.h"
#include "sw/ddi/ddi_state.h"
#include "sw/ddi/iommu_driver.h"
#include "sw/ddi/rootnex.h"

#include <fmt/format.h>

#include <algorithm>

namespace ddisim::ddi {

using kernel::kernel_context;

bool iommu_translates(const dma_handle* h) {
    return h->k->config().iommu == kernel::iommu_kind::vtd && h->rdip && h->rdip->iommu_translated;
}

void object_pages(dma_handle* h, const ddi_dma_obj_t& obj, std::vector<std::uint64_t>& pas) {
    const std::uint32_t size = obj.dmao_size;
    std::uint32_t off;
    if (obj.dmao_type == DMA_OTYP_PAGES) {
        off = obj.dmao_obj.pp_obj.pp_offset & page_offset;
    } else {
        off = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(obj.dmao_obj.virt_obj.v_addr) &
                                         page_offset);
    }
    const std::uint64_t n = std::max<std::uint64_t>(1, (std::uint64_t{size} + off + page_offset) >> 12);
    pas.clear();
    pas.reserve(n);
    page_t* pp = obj.dmao_type == DMA_OTYP_PAGES ? obj.dmao_obj.pp_obj.pp_pp : nullptr;
    auto** pplist = obj.dmao_type == DMA_OTYP_PAGES ? nullptr
                                                    : static_cast<page_t**>(obj.dmao_obj.virt_obj.v_priv);
    std::uintptr_t va = obj.dmao_type == DMA_OTYP_PAGES
                            ? 0
                            : reinterpret_cast<std::uintptr_t>(obj.dmao_obj.virt_obj.v_addr) & page_mask;
    const struct as* asp = obj.dmao_type == DMA_OTYP_PAGES ? nullptr : obj.dmao_obj.virt_obj.v_as;
    for (std::uint64_t i = 0; i < n; ++i) {
        std::uint64_t pa = page_mask; // garbage for unmapped pages (spec §8.19)
        if (obj.dmao_type == DMA_OTYP_PAGES) {
            if (pp) {
                pa = static_cast<std::uint64_t>(pp->p_pagenum) << 12;
                pp = pp->p_next;
            }
        } else if (pplist) {
            if (pplist[i]) pa = static_cast<std::uint64_t>(pplist[i]->p_pagenum) << 12;
        } else {
            std::uint64_t p;
            const bool ok = asp ? h->k->as_to_pa(asp, va, p) : h->k->kva_to_pa(reinterpret_cast<void*>(va), p);
            if (ok) pa = p & page_mask;
            va += page_size;
        }
        pas.push_back(pa);
    }
}

namespace {

// DVMA allocation (dvma_arena::alloc) within the kernel's DVMA budget.
bool dvma_alloc(kernel_context& k, dvma_arena& ar, std::uint64_t npages, std::uint64_t align,
                std::uint64_t lo, std::uint64_t hi, std::uint64_t seg_boundary, std::uint64_t& out) {
    if (ar.used_bytes + npages * page_size > k.config().dvma_space) return false;
    return ar.alloc(npages, align, lo, hi, seg_boundary, out);
}

std::uint64_t platform_now(kernel_context& k) { return k.now_ns(); }

// Deferred policy, time bound: the queue is flushed at the first bind or
// unbind at or after iommu_deferred_timeout_ns past its oldest entry (there
// is no timer thread in the simulated kernel).
void flush_deferred_if_due(kernel_context& k) {
    auto& st = state(k);
    const std::uint64_t tmo = k.config().iommu_deferred_timeout_ns;
    if (st.deferred.empty() || tmo == 0) return;
    if (platform_now(k) - st.deferred_since_ns >= tmo) iommu_flush_deferred(k);
}

} // namespace

void iommu_flush_deferred(kernel_context& k) {
    auto& st = state(k);
    if (st.deferred.empty()) return;
    kernel::iommu_map_ops* ops = k.iommu_ops();
    // The batch is taken off the queue first: the page-table writes and the
    // invalidation wait for the bus, so other threads run meanwhile, and one
    // of them may unbind (queueing a range for the next batch) or flush
    // itself. Walking the shared queue instead, a second flush freed the
    // ranges, a bind took one of them, and the first flush, going on, cleared
    // that live mapping (a device fault on a bound buffer).
    const std::vector<deferred_unmap> batch = std::move(st.deferred);
    st.deferred.clear();
    // Clear every queued range, then one domain-wide invalidation per domain
    // (what makes deferral cheaper than strict: Linux's flush queue likewise
    // flushes the whole domain's IOTLB once per batch), then free the DVMA.
    for (const auto& d : batch) ops->unmap(d.domain, d.start, d.npages);
    std::vector<std::uint32_t> domains;
    for (const auto& d : batch)
        if (std::find(domains.begin(), domains.end(), d.domain) == domains.end()) domains.push_back(d.domain);
    for (const std::uint32_t dom : domains) ops->invalidate_domain(dom);
    for (const auto& d : batch) st.arenas[d.domain].free(d.start);
}

int iommu_bind(dma_handle* h, uint_t flags, int (*)(caddr_t), caddr_t, ddi_dma_cookie_t* cookiep,
               uint_t* ccountp) {
    kernel_context& k = *h->k;
    auto& st = state(k);
    flush_deferred_if_due(k);
    const ddi_dma_attr_t& a = h->attr;
    const std::uint32_t size = h->obj.dmao_size;
    std::vector<std::uint64_t> pas;
    object_pages(h, h->obj, pas);
    const std::uint64_t off = h->obj.dmao_type == DMA_OTYP_PAGES
                                  ? (h->obj.dmao_obj.pp_obj.pp_offset & page_offset)
                                  : (reinterpret_cast<std::uintptr_t>(h->obj.dmao_obj.virt_obj.v_addr) & page_offset);

    // DVMA arena: the physical-memory span, page 0 excluded, capped by the
    // IOMMU address width, intersected with [addr_lo, addr_hi].
    std::uint64_t arena_end = k.config().memory_bytes;
    if (k.config().iommu_addr_width < 64)
        arena_end = std::min(arena_end, std::uint64_t{1} << k.config().iommu_addr_width);
    if (arena_end < 2 * page_size) return DDI_DMA_NORESOURCES;
    const std::uint64_t lo = std::max<std::uint64_t>(a.dma_attr_addr_lo, page_size);
    const std::uint64_t hi = std::min<std::uint64_t>(h->si.max_addr, arena_end - 1);
    std::uint64_t align = std::max<std::uint64_t>(a.dma_attr_align, page_size);
    if (align & (align - 1)) align = std::uint64_t{1} << (64 - __builtin_clzll(align)); // round up to 2^n
    std::uint64_t seg_boundary = 0;
    if (!k.illumos_fidelity() && a.dma_attr_seg != ~std::uint64_t{0}) {
        const std::uint64_t s1 = a.dma_attr_seg + 1;
        if ((s1 & (s1 - 1)) == 0 && s1 >= page_size) seg_boundary = s1;
    }
    h->domain = h->rdip ? h->rdip->iommu_domain : 0;
    dvma_arena& ar = st.arenas[h->domain];
    std::uint64_t dvma = 0;
    h->dvma_premapped = false;
    if (h->premap_valid && pas.size() <= immu_npreptes && (h->premap_start % align) == 0) {
        dvma = h->premap_start; // fits the premapped range: no DVMA allocation
        h->dvma_premapped = true;
    } else if (align == 0) {
        return DDI_DMA_NORESOURCES;
    } else if (!dvma_alloc(k, ar, pas.size(), align, lo, hi, seg_boundary, dvma)) {
        // Deferred unmapping holds freed ranges until its batch flushes: on
        // exhaustion flush now and try once more (as IOVA allocators with a
        // flush queue do) rather than fail a bind the space can take.
        if (st.deferred.empty()) return DDI_DMA_NORESOURCES;
        iommu_flush_deferred(k);
        if (!dvma_alloc(k, ar, pas.size(), align, lo, hi, seg_boundary, dvma)) return DDI_DMA_NORESOURCES;
    }
    kernel::iommu_map_ops* ops = k.iommu_ops();
    // BUGGY_DRIVERS: read+write whatever the direction (spec §4.10 step 2)
    if (!ops->map(h->domain, dvma, pas.data(), pas.size(),
                  kernel::iommu_map_ops::perm_read | kernel::iommu_map_ops::perm_write)) {
        if (!h->dvma_premapped) ar.free(dvma);
        return DDI_DMA_NORESOURCES;
    }
    ops->invalidate(h->domain, dvma, pas.size());
    k.charge(pas.size() * k.config().costs.iommu_map_per_page_ns);
    h->dvma_used = true;
    h->dvma_start = dvma;
    h->dvma_npages = pas.size();

    // cookies (spec §4.10 steps 4–5)
    const std::uint64_t maxseg = h->si.max_cookie_size;
    h->si.max_pages = size / page_size + ((size & page_offset) ? 1 : 0) + 1;
    // a maxseg below the page size can need more cookies than rootnex has
    // room for (DEBUG kernels refuse such attributes).
    const std::uint64_t first = maxseg < off ? size : std::min<std::uint64_t>(size, maxseg - off);
    const std::uint64_t need = 1 + (size - first + maxseg - 1) / maxseg;
    if (need > h->si.max_pages) {
        if (k.illumos_fidelity()) {
            iommu_unbind(h);
            k.panic(fmt::format("{}: IOMMU cookie list over-runs the rootnex cookie array "
                                "(maxseg {:#x} below a page): kernel heap corruption",
                                kernel_context::dev_name(h->rdip), maxseg));
        }
        iommu_unbind(h);
        return DDI_DMA_NOMAPPING;
    }
    if (h->si.max_pages <= rootnex_prealloc_cookies) {
        h->cookies = h->prealloc_cookies;
    } else {
        if (h->dyn_cookies.size() < h->si.max_pages) h->dyn_cookies.resize(h->si.max_pages);
        h->cookies = h->dyn_cookies.data();
    }
    ddi_dma_cookie_t* sgl = h->cookies;
    std::uint32_t cnt = 0;
    if (!h->cancross && size <= maxseg) {
        sgl[0].dmac_laddress = dvma + off;
        sgl[0].dmac_size = size;
        sgl[0].dmac_type = 0;
        h->si.sgl_size = 1;
    } else {
        std::uint64_t ssize = size;
        std::uint64_t paddr = dvma + off;
        std::uint64_t psize = std::min<std::uint64_t>(ssize, maxseg - std::min(maxseg, off));
        if (maxseg < off) psize = ssize; // unsigned wrap in the kernel: MIN picks the length
        std::uint64_t dvaddr = paddr + psize;
        ssize -= psize;
        sgl[0].dmac_laddress = paddr;
        sgl[0].dmac_size = psize;
        sgl[0].dmac_type = 0;
        std::uint64_t left = size - psize;
        while (left > 0) {
            paddr = dvaddr;
            psize = std::min<std::uint64_t>(ssize, maxseg);
            dvaddr += psize;
            ssize -= psize;
            if (!(paddr & h->si.segmask) || sgl[cnt].dmac_size + psize > maxseg || sgl[cnt].dmac_size == 0) {
                if (sgl[cnt].dmac_size != 0) ++cnt;
                sgl[cnt].dmac_laddress = paddr;
                sgl[cnt].dmac_size = psize;
                sgl[cnt].dmac_type = 0;
            } else {
                sgl[cnt].dmac_size += psize;
                if (sgl[cnt].dmac_size == maxseg && cnt + 1 < h->si.max_pages) {
                    ++cnt;
                    sgl[cnt] = ddi_dma_cookie_t{};
                }
            }
            left -= psize;
        }
        h->si.sgl_size = sgl[cnt].dmac_size == 0 ? cnt : cnt + 1;
        if (k.illumos_fidelity() && a.dma_attr_seg != ~std::uint64_t{0}) {
            const std::uint64_t s1 = a.dma_attr_seg + 1;
            for (std::uint32_t i = 0; i < h->si.sgl_size; ++i) {
                const auto s = sgl[i].dmac_laddress, e = s + sgl[i].dmac_size - 1;
                if (sgl[i].dmac_size && s / s1 != e / s1) {
                    k.report_once("bug-8.8-iommu-seg-cross",
                                  fmt::format("{}: IOMMU cookie ({:#x}, {:#x}) crosses a seg boundary: "
                                              "the DVMA range is not allocated seg-aligned (spec §8.8)",
                                              kernel_context::dev_name(h->rdip), s, sgl[i].dmac_size));
                    break;
                }
            }
        }
    }
    // the physical fast-path test; no windows under the IOMMU (spec §8.9)
    if (h->si.sgl_size > static_cast<std::uint32_t>(a.dma_attr_sgllen) || size > h->maxxfer) {
        if (flags & DDI_DMA_PARTIAL)
            k.report_once("bug-8.9-iommu-partial",
                          kernel_context::dev_name(h->rdip) +
                              ": the IOMMU path ignores DDI_DMA_PARTIAL and returns NOMAPPING (spec §8.9)");
        ops->unmap(h->domain, dvma, pas.size());
        ops->invalidate(h->domain, dvma, pas.size());
        if (!h->dvma_premapped) ar.free(dvma);
        h->dvma_used = false;
        return DDI_DMA_NOMAPPING;
    }
    if (cookiep) *cookiep = sgl[0];
    if (ccountp) *ccountp = h->si.sgl_size;
    h->cursor = sgl + 1;
    h->ncookies = h->si.sgl_size;
    h->curcookie = 1;
    h->nwin = 0;
    h->rflags |= dmp_nosync;
    h->rflags &= ~static_cast<uint_t>(DDI_DMA_PARTIAL);
    return DDI_DMA_MAPPED;
}

void iommu_unbind(dma_handle* h) {
    if (!h->dvma_used) return;
    if (h->dvma_premapped) {
        // premapped binds leave their entries in place (spec §4.10 step 7)
        h->dvma_used = false;
        h->dvma_premapped = false;
        return;
    }
    kernel_context& k = *h->k;
    auto& st = state(k);
    auto& ar = st.arenas[h->domain];
    using pol = kernel::iommu_unmap_policy;
    pol p = k.config().iommu_unmap;
    if (p == pol::by_fidelity) p = k.illumos_fidelity() ? pol::never : pol::strict;
    kernel::iommu_map_ops* ops = k.iommu_ops();
    switch (p) {
    case pol::never:
        // non-DEBUG illumos: entries stay, no IOTLB flush (spec §8.10)
        k.report_once("bug-8.10-stale-iommu",
                      kernel_context::dev_name(h->rdip) +
                          ": unbind frees the DVMA range without clearing the page tables or "
                          "flushing the IOTLB: stale translations remain (spec §8.10)");
        ar.free(h->dvma_start);
        break;
    case pol::deferred:
        flush_deferred_if_due(k);
        if (st.deferred.empty()) st.deferred_since_ns = platform_now(k);
        st.deferred.push_back({h->domain, h->dvma_start, h->dvma_npages});
        if (st.deferred.size() >= std::max(1u, k.config().iommu_deferred_batch)) iommu_flush_deferred(k);
        break;
    default:
        ops->unmap(h->domain, h->dvma_start, h->dvma_npages);
        ops->invalidate(h->domain, h->dvma_start, h->dvma_npages);
        ar.free(h->dvma_start);
        break;
    }
    h->dvma_used = false;
}

void iommu_alloc_premap(dma_handle* h) {
    kernel_context& k = *h->k;
    const ddi_dma_attr_t& a = h->attr;
    std::uint64_t arena_end = k.config().memory_bytes;
    if (k.config().iommu_addr_width < 64)
        arena_end = std::min(arena_end, std::uint64_t{1} << k.config().iommu_addr_width);
    if (arena_end < 2 * page_size) return;
    std::uint64_t hi = std::min<std::uint64_t>(h->si.max_addr, arena_end - 1);
    const std::uint64_t lo = std::max<std::uint64_t>(a.dma_attr_addr_lo, page_size);
    std::uint64_t align = std::max<std::uint64_t>(a.dma_attr_align, page_size);
    if (align & (align - 1)) return;
    // the premapped range never crosses seg + 1
    std::uint64_t boundary = 0;
    if (a.dma_attr_seg != ~std::uint64_t{0}) {
        const std::uint64_t s1 = a.dma_attr_seg + 1;
        if ((s1 & (s1 - 1)) == 0 && s1 >= page_size) boundary = s1;
    }
    h->domain = h->rdip ? h->rdip->iommu_domain : 0;
    std::uint64_t start = 0;
    if (dvma_alloc(k, state(k).arenas[h->domain], immu_npreptes, align, lo, hi, boundary, start)) {
        h->premap_valid = true;
        h->premap_start = start;
    }
}

void iommu_free_premap(dma_handle* h) {
    if (!h->premap_valid) return;
    state(*h->k).arenas[h->domain].free(h->premap_start);
    h->premap_valid = false;
}

} // namespace ddisim::ddi
