// The x86 rootnex bind engine (spec §4). Structure and order of the checks
// follow the illumos root nexus so that every observable result (cookies,
// windows, trim, copy-buffer placement, sync side effects) is the same.
#include "sw/ddi/rootnex.h"

#include "sw/ddi/checker.h"
#include "sw/ddi/ddi_state.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace ddisim::ddi {

using kernel::kernel_context;

namespace {

constexpr std::uint64_t pfn_invalid_pa = ~std::uint64_t{0} & page_mask; // pfn_to_pa(PFN_INVALID)

std::string dev(const dma_handle* h) { return kernel_context::dev_name(h->rdip); }

// ---- object page walk (spec §4.2: page list, shadow array, or HAT) ----
struct page_walker {
    dma_handle* h;
    const ddi_dma_obj_t& obj;
    page_t* pp = nullptr;
    page_t** pplist = nullptr;
    std::uint32_t pcnt = 0;
    caddr_t vaddr = nullptr;
    const struct as* asp = nullptr;

    page_walker(dma_handle* hh, const ddi_dma_obj_t& o) : h(hh), obj(o) {
        if (obj.dmao_type == DMA_OTYP_PAGES) {
            pp = obj.dmao_obj.pp_obj.pp_pp;
        } else {
            pplist = static_cast<page_t**>(obj.dmao_obj.virt_obj.v_priv);
            vaddr = obj.dmao_obj.virt_obj.v_addr;
            asp = obj.dmao_obj.virt_obj.v_as;
        }
    }
    std::uint32_t first_offset() const {
        if (obj.dmao_type == DMA_OTYP_PAGES) return obj.dmao_obj.pp_obj.pp_offset & page_offset;
        return static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(vaddr) & page_offset);
    }
    // Physical address of the page holding the next piece (page aligned);
    // psize advances the virtual address for the HAT case.
    std::uint64_t next(std::uint32_t psize) {
        if (obj.dmao_type == DMA_OTYP_PAGES) {
            if (!pp) return unreachable();
            const std::uint64_t pa = static_cast<std::uint64_t>(pp->p_pagenum) << 12;
            pp = pp->p_next;
            return pa;
        }
        if (pplist) {
            page_t* p = pplist[pcnt++];
            if (!p) return unreachable();
            return static_cast<std::uint64_t>(p->p_pagenum) << 12;
        }
        std::uint64_t pa = 0;
        bool ok;
        if (asp)
            ok = h->k->as_to_pa(asp, reinterpret_cast<std::uintptr_t>(vaddr), pa);
        else
            ok = h->k->kva_to_pa(vaddr, pa);
        vaddr += psize;
        if (!ok) return unreachable();
        return pa & page_mask;
    }
    std::uint64_t unreachable() {
        // spec §8.19: an unmapped page translates to a garbage address.
        h->k->report_once("bug-8.19-unmapped-page",
                          dev(h) + ": bind of an unmapped virtual page: the HAT returns "
                                   "PFN_INVALID and the cookie gets a garbage address (spec §8.19)");
        return pfn_invalid_pa;
    }
};

// Does a piece [raddr, raddr+psize) go through the copy buffer? Reports the
// addr_hi off-by-one of spec §8.2 once; the fixed mode compares the last byte.
bool needs_copybuf(dma_handle* h, std::uint64_t raddr, std::uint32_t psize) {
    const sglinfo& si = h->si;
    const bool illumos = h->k->illumos_fidelity();
    const std::uint64_t end_excl = raddr + psize;          // illumos' comparison value
    const std::uint64_t last = psize ? end_excl - 1 : raddr; // last byte
    bool seg_bounce = false, hi_bounce = false;
    if (si.bounce_on_seg) seg_bounce = illumos ? end_excl > si.segmask : last > si.segmask;
    hi_bounce = illumos ? end_excl > si.max_addr : last > si.max_addr;
    if (illumos && !(raddr < si.min_addr)) {
        const bool seg_fixed = si.bounce_on_seg && last > si.segmask;
        const bool hi_fixed = last > si.max_addr;
        if ((seg_bounce || hi_bounce) && !seg_fixed && !hi_fixed)
            h->k->report_once("bug-8.2-addr-hi-off-by-one",
                              fmt::format("{}: page piece {:#x}+{:#x} ends exactly at addr_hi+1 and "
                                          "is bounced although reachable (spec §8.2)",
                                          dev(h), raddr, psize));
    }
    return seg_bounce || raddr < si.min_addr || hi_bounce;
}

// Bounce-on-seg pre-scan (spec §4.2).
bool need_bounce_seg(dma_handle* h, const ddi_dma_obj_t& obj) {
    page_walker w(h, obj);
    std::uint32_t size = obj.dmao_size;
    const std::uint32_t off = w.first_offset();
    std::uint32_t psize = std::min<std::uint32_t>(size, page_size - off);
    std::uint64_t raddr = w.next(psize) + off;
    const std::uint64_t segmask = h->si.segmask;
    bool lower = false, upper = false;
    if (raddr + psize > segmask) upper = true; else lower = true;
    size -= psize;
    while (size > 0) {
        psize = std::min<std::uint32_t>(size, page_size);
        raddr = w.next(psize);
        if (raddr + psize > segmask) upper = true; else lower = true;
        if ((lower && upper) || raddr == segmask + 1) return true;
        size -= psize;
    }
    return false;
}

// Build the raw cookie list (spec §4.2, current illumos incl. change 13190).
void get_sgl(dma_handle* h, const ddi_dma_obj_t& obj) {
    sglinfo& si = h->si;
    ddi_dma_cookie_t* sgl = h->cookies;
    const std::uint64_t maxseg = si.max_cookie_size;
    std::uint32_t size = obj.dmao_size;
    std::uint32_t cnt = 0;

    si.bounce_on_seg = false;
    if (si.flags & _DDI_DMA_BOUNCE_ON_SEG) si.bounce_on_seg = need_bounce_seg(h, obj);

    page_walker w(h, obj);
    const std::uint32_t offset = w.first_offset();
    si.asp = (obj.dmao_type == DMA_OTYP_PAGES) ? nullptr : obj.dmao_obj.virt_obj.v_as;
    std::uint32_t psize = std::min<std::uint32_t>(size, page_size - offset);
    std::uint64_t raddr = w.next(psize) + offset;
    h->k->charge(h->k->config().costs.bind_per_page_ns);

    sgl[cnt].dmac_laddress = raddr;
    sgl[cnt].dmac_size = psize;
    sgl[cnt].dmac_type = 0;
    si.buf_offset = offset;

    if (needs_copybuf(h, raddr, psize)) {
        si.copybuf_req += page_size;
        sgl[cnt].dmac_type = rootnex_uses_copybuf;
        if (cnt + 1 < si.max_pages) {
            ++cnt;
            sgl[cnt] = ddi_dma_cookie_t{};
        }
    }
    std::uint64_t last_page = raddr & page_mask;
    size -= psize;

    while (size > 0) {
        psize = std::min<std::uint32_t>(size, page_size);
        raddr = w.next(psize);
        h->k->charge(h->k->config().costs.bind_per_page_ns);
        if (needs_copybuf(h, raddr, psize)) {
            // one page per copy-buffer cookie: the copy buffer need not be
            // physically contiguous.
            si.copybuf_req += page_size;
            if (sgl[cnt].dmac_size != 0) ++cnt;
            sgl[cnt].dmac_laddress = raddr;
            sgl[cnt].dmac_size = psize;
            sgl[cnt].dmac_type = rootnex_uses_copybuf;
            if (cnt + 1 < si.max_pages) {
                ++cnt;
                sgl[cnt] = ddi_dma_cookie_t{};
            }
        } else if (last_page + page_size != raddr || !(raddr & si.segmask) ||
                   sgl[cnt].dmac_size + psize > maxseg || sgl[cnt].dmac_size == 0) {
            if (sgl[cnt].dmac_size != 0) ++cnt;
            sgl[cnt].dmac_laddress = raddr;
            sgl[cnt].dmac_size = psize;
            sgl[cnt].dmac_type = 0;
        } else {
            sgl[cnt].dmac_size += psize;
            // close a cookie that reached exactly maxseg (illumos 13190)
            if (sgl[cnt].dmac_size == maxseg && cnt + 1 < si.max_pages) {
                ++cnt;
                sgl[cnt] = ddi_dma_cookie_t{};
            }
        }
        last_page = raddr;
        size -= psize;
    }
    si.sgl_size = (sgl[cnt].dmac_size == 0) ? cnt : cnt + 1;
}

// ---- copy buffer (spec §4.4 step 1, §8.13) ----

// Highest I/O arena ceiling not above addr_hi (spec §4.11 step 5); 0 if none.
std::uint64_t io_arena_hi(std::uint64_t addr_hi) {
    static constexpr std::uint64_t ceilings[] = {
        std::uint64_t{1} << 52, std::uint64_t{64} << 30, std::uint64_t{4} << 30,
        std::uint64_t{2} << 30, std::uint64_t{1} << 30, std::uint64_t{512} << 20,
        std::uint64_t{256} << 20, std::uint64_t{128} << 20, std::uint64_t{64} << 20,
        std::uint64_t{32} << 20, std::uint64_t{16} << 20};
    for (auto c : ceilings)
        if (c - 1 <= addr_hi) return c - 1;
    return 0;
}

void release_copybuf(dma_handle* h) {
    if (h->cb_pages.empty()) return;
    auto& st = state(*h->k);
    if (h->cb_owned)
        for (auto pa : h->cb_pages) h->k->pages().free_page(pa);
    st.copybuf_in_use -= std::min(st.copybuf_in_use, h->copybuf_size);
    h->cb_pages.clear();
    h->cb_owned = false;
}

int setup_copybuf(dma_handle* h) {
    kernel_context& k = *h->k;
    auto& cfg = k.config();
    auto& st = state(k);
    const std::uint64_t max_copybuf = cfg.copybuf_max & page_mask;
    h->rflags &= ~dmp_nosync; // sync now has work to do
    h->copybuf_size = std::min(h->si.copybuf_req, max_copybuf);
    const std::uint64_t npages = h->copybuf_size / page_size;
    if (npages == 0) return DDI_DMA_NORESOURCES;
    if (st.copybuf_in_use + h->copybuf_size > cfg.copybuf_space) return DDI_DMA_NORESOURCES;

    h->cb_pages.clear();
    if (!cfg.copybuf_pages.empty()) {
        // pages supplied by the harness, in order (spec §10 conventions)
        if (cfg.copybuf_pages.size() < npages) return DDI_DMA_NORESOURCES;
        h->cb_pages.assign(cfg.copybuf_pages.begin(), cfg.copybuf_pages.begin() + npages);
        h->cb_owned = false;
    } else {
        // the device's attributes with align 4096 and unlimited sgllen; addr_hi
        // becomes seg when bouncing on seg.
        std::uint64_t lo = h->attr.dma_attr_addr_lo;
        std::uint64_t hi = h->si.bounce_on_seg ? h->attr.dma_attr_seg : h->attr.dma_attr_addr_hi;
        const std::uint64_t arena_hi = io_arena_hi(hi);
        if (k.illumos_fidelity()) {
            if (arena_hi == 0)
                k.panic(fmt::format("{}: copy buffer for addr_hi {:#x} below 16 MiB: "
                                    "kmem_io_index panics (spec §8.13)", dev(h), hi));
            if (lo > k.pages().first()) {
                k.report_once("bug-8.13-copybuf-addr-lo",
                              fmt::format("{}: addr_lo {:#x} is above the first physical page: "
                                          "the copy-buffer allocation fails (spec §8.13)",
                                          dev(h), lo));
                return DDI_DMA_NORESOURCES;
            }
            hi = arena_hi;
        }
        h->cb_pages.reserve(npages);
        for (std::uint64_t i = 0; i < npages; ++i) {
            auto p = k.pages().alloc_page(lo, hi);
            if (!p) {
                for (auto pa : h->cb_pages) k.pages().free_page(pa);
                h->cb_pages.clear();
                return DDI_DMA_NORESOURCES;
            }
            h->cb_pages.push_back(*p);
        }
        h->cb_owned = true;
    }
    st.copybuf_in_use += h->copybuf_size;
    return DDI_SUCCESS;
}

// ---- windows (spec §4.4 steps 4–6) ----

window* new_window(dma_handle* h, std::uint32_t first_cookie, std::int64_t cur_offset) {
    if (h->windows.size() >= h->max_win) {
        if (h->k->illumos_fidelity())
            h->k->panic(fmt::format("{}: rootnex window array over-run ({} windows estimated): "
                                    "kernel heap corruption", dev(h), h->max_win));
        h->k->report_once("fixed-window-estimate",
                          dev(h) + ": more windows than rootnex estimates; fixed mode grows the array");
    }
    window& w = h->windows.emplace_back();
    w.offset = cur_offset;
    w.first_cookie = first_cookie;
    h->nwin++;
    return &w;
}

int setup_windows(dma_handle* h) {
    const sglinfo& si = h->si;
    h->current_win = 0;
    h->nwin = 0;
    if (!h->partial_required) {
        h->max_win = 1;
    } else {
        std::uint64_t copybuf_win = 0, sglwin = 0, maxxfer_win = 0;
        if (si.copybuf_req > h->copybuf_size) copybuf_win = si.copybuf_req / h->copybuf_size + 1 + 2;
        const auto sgllen = static_cast<std::uint32_t>(h->attr.dma_attr_sgllen);
        if (sgllen < si.sgl_size) {
            const std::uint32_t div = sgllen - 1u;
            if (div == 0) {
                if (h->k->illumos_fidelity())
                    h->k->panic(fmt::format("{}: integer divide by zero in rootnex_setup_windows: "
                                            "sgllen = 1 with {} cookies and DDI_DMA_PARTIAL (spec §8.3)",
                                            dev(h), si.sgl_size));
                h->k->report_once("fixed-8.3-sgllen-1",
                                  dev(h) + ": sgllen = 1 with DDI_DMA_PARTIAL: one cookie per "
                                           "window (illumos divides by zero, spec §8.3)");
                sglwin = si.sgl_size + 1;
            } else {
                sglwin = si.sgl_size / div + 1;
            }
        }
        if (h->obj.dmao_size > h->maxxfer) {
            if (h->maxxfer == 0) {
                if (h->k->illumos_fidelity())
                    h->k->panic(dev(h) + ": integer divide by zero in rootnex_setup_windows: "
                                         "maxxfer rounded down to granular is 0");
                return DDI_DMA_NOMAPPING;
            }
            maxxfer_win = h->obj.dmao_size / h->maxxfer + 1 + 2;
        }
        const std::uint64_t total = copybuf_win + sglwin + maxxfer_win;
        h->max_win = static_cast<std::uint32_t>(std::min<std::uint64_t>(total, 0xFFFFFFFFu));
    }
    h->windows.clear();
    if (h->windows.capacity() < h->max_win && h->max_win < (1u << 20)) h->windows.reserve(h->max_win);
    if (h->copybuf_size > 0) {
        if (h->pgmap.size() < si.max_pages) h->pgmap.resize(si.max_pages);
    }
    return DDI_SUCCESS;
}

void setup_cookie(dma_handle* h, std::uint32_t ci, std::int64_t cur_offset, std::uint64_t& copybuf_used) {
    ddi_dma_cookie_t* cookie = &h->cookies[ci];
    const sglinfo& si = h->si;
    std::uint64_t pidx = (si.buf_offset + static_cast<std::uint64_t>(cur_offset)) >> 12;
    if (cookie->dmac_type & rootnex_uses_copybuf) {
        if (pidx >= h->pgmap.size()) return;
        const std::uint64_t poff = cookie->dmac_laddress & page_offset;
        const std::uint64_t orig_page = cookie->dmac_laddress & page_mask;
        pgmap_entry& pm = h->pgmap[pidx];
        pm.uses_copybuf = true;
        std::uint64_t cboff;
        if (copybuf_used + page_size <= h->copybuf_size)
            cboff = copybuf_used;
        else
            cboff = copybuf_used % h->copybuf_size; // same as & (size-1) for powers of two
        pm.cbidx = static_cast<std::uint32_t>(cboff / page_size);
        cookie->dmac_laddress = h->cb_pages[pm.cbidx] + poff;
        if (h->obj.dmao_type != DMA_OTYP_PAGES && si.asp == nullptr) {
            // kernel VA: the driver's own page-aligned address
            const auto va = reinterpret_cast<std::uintptr_t>(h->obj.dmao_obj.virt_obj.v_addr) +
                            static_cast<std::uintptr_t>(cur_offset);
            pm.kaddr = h->k->store() ? reinterpret_cast<std::uint8_t*>(va & page_mask) : nullptr;
        } else {
            // seg kpm: the physical page through the kernel's physmap
            pm.kaddr = h->k->phys_ptr(orig_page, page_size);
        }
        copybuf_used += page_size;
    } else {
        const std::uint64_t poff = (si.buf_offset + static_cast<std::uint64_t>(cur_offset)) & page_offset;
        std::uint64_t pcnt = (cookie->dmac_size + poff + page_offset) >> 12;
        while (pcnt > 0 && pidx < h->pgmap.size()) {
            h->pgmap[pidx].uses_copybuf = false;
            ++pidx;
            --pcnt;
        }
    }
}

std::uint64_t trim_of(dma_handle* h, std::uint64_t wsize) {
    const std::uint32_t g = h->attr.dma_attr_granular;
    if (h->granularity_power_2) return wsize & static_cast<std::uint32_t>(g - 1u);
    return wsize % g;
}

int trim_too_large(dma_handle* h, std::uint64_t trim, std::uint64_t csize) {
    h->k->report_once("trim-exceeds-cookie",
                      fmt::format("{}: granular trim of {:#x} bytes exceeds the last cookie ({:#x}); "
                                  "illumos asserts in DEBUG and corrupts the cookie otherwise: "
                                  "bind refused with NOMAPPING", dev(h), trim, csize));
    return DDI_DMA_NOMAPPING;
}

// A window cut for sgllen or copy-buffer reasons is not a multiple of
// granular, and with sgllen 1 no cookie can carry the trimmed bytes over.
int sgllen_1_trim(dma_handle* h, std::uint64_t wsize) {
    h->k->report_once("sgllen-1-trim",
                      fmt::format("{}: a window of {:#x} bytes is not a multiple of granular ({:#x}) and sgllen is 1, "
                                  "so it cannot be trimmed: bind refused with NOMAPPING (spec §8.4)",
                                  dev(h), wsize, h->attr.dma_attr_granular));
    return DDI_DMA_NOMAPPING;
}

int sgllen_window_boundary(dma_handle* h, window*& win, std::uint32_t ci, std::int64_t cur_offset) {
    ddi_dma_cookie_t* cookies = h->cookies;
    if (!h->trim_required) {
        win = new_window(h, ci, cur_offset);
        win->cookie_cnt++;
        win->size = cookies[ci].dmac_size;
        return DDI_SUCCESS;
    }
    std::uint64_t trim_sz = trim_of(h, win->size);
    if (trim_sz == 0) {
        win = new_window(h, ci, cur_offset);
        win->cookie_cnt++;
        win->size = cookies[ci].dmac_size;
        return DDI_SUCCESS;
    }
    if (h->attr.dma_attr_sgllen == 1) return sgllen_1_trim(h, win->size);
    if (ci == 0 || cookies[ci - 1].dmac_size <= trim_sz)
        return trim_too_large(h, trim_sz, ci ? cookies[ci - 1].dmac_size : 0);

    // trim the last cookie of the closing window
    const std::uint32_t last = ci - 1;
    win->trim.trim_last = true;
    win->trim.last_cookie = last;
    win->trim.last_paddr = cookies[last].dmac_laddress;
    win->trim.last_size = cookies[last].dmac_size - trim_sz;
    win->size -= trim_sz;
    std::uint64_t coffset = cookies[last].dmac_size - trim_sz;
    std::int64_t new_offset = win->offset + static_cast<std::int64_t>(win->size);
    cookies[last].dmac_size = win->trim.last_size;

    win = new_window(h, last, new_offset);
    win->cookie_cnt++;
    win->trim.trim_first = true;
    win->trim.first_paddr = cookies[last].dmac_laddress + coffset;
    win->trim.first_size = trim_sz;
    if (cookies[last].dmac_type & rootnex_uses_copybuf) win->dosync = true;

    win->cookie_cnt++;
    win->size = trim_sz + cookies[ci].dmac_size;

    if (win->size > h->maxxfer) {
        // the remainder plus this cookie overflow maxxfer': split it again
        trim_sz = win->size - h->maxxfer;
        win->trim.trim_last = true;
        win->trim.last_cookie = ci;
        win->trim.last_paddr = cookies[ci].dmac_laddress;
        win->trim.last_size = cookies[ci].dmac_size - trim_sz;
        win->size -= trim_sz;
        coffset = cookies[ci].dmac_size - trim_sz;
        new_offset = win->offset + static_cast<std::int64_t>(win->size);

        win = new_window(h, ci, new_offset);
        win->cookie_cnt++;
        win->trim.trim_first = true;
        win->trim.first_paddr = cookies[ci].dmac_laddress + coffset;
        win->trim.first_size = trim_sz;
        if (h->k->illumos_fidelity()) {
            // spec §8.5: the new window's byte count is never recorded
            h->k->report_once("bug-8.5-lost-tail",
                              fmt::format("{}: sgllen trim overflowing maxxfer: window {} starts at "
                                          "offset {:#x} with {:#x} bytes that are not counted in its "
                                          "length; they are lost if nothing follows (spec §8.5)",
                                          dev(h), h->windows.size() - 1, new_offset, trim_sz));
        } else {
            win->size = trim_sz;
        }
    }
    return DDI_SUCCESS;
}

int copybuf_window_boundary(dma_handle* h, window*& win, std::uint32_t ci, std::int64_t cur_offset,
                            std::uint64_t& copybuf_used) {
    ddi_dma_cookie_t* cookies = h->cookies;
    const sglinfo& si = h->si;
    copybuf_used = 0;
    std::uint64_t trim_sz = h->trim_required ? trim_of(h, win->size) : 0;
    if (!h->trim_required || trim_sz == 0) {
        win = new_window(h, ci, cur_offset);
        win->cookie_cnt++;
        win->size += cookies[ci].dmac_size;
        copybuf_used += page_size;
        return DDI_SUCCESS;
    }
    if (h->attr.dma_attr_sgllen == 1) return sgllen_1_trim(h, win->size);
    if (ci == 0 || cookies[ci - 1].dmac_size <= trim_sz)
        return trim_too_large(h, trim_sz, ci ? cookies[ci - 1].dmac_size : 0);

    const std::uint32_t last = ci - 1;
    win->trim.trim_last = true;
    win->trim.last_cookie = last;
    win->trim.last_paddr = cookies[last].dmac_laddress;
    win->trim.last_size = cookies[last].dmac_size - trim_sz;
    win->size -= trim_sz;

    std::uint64_t pidx = 0;
    const bool last_cb = cookies[last].dmac_type & rootnex_uses_copybuf;
    if (last_cb) {
        pidx = (si.buf_offset + static_cast<std::uint64_t>(win->offset) + win->size) >> 12;
        win->trim.last_copybuf_win = true;
        win->trim.last_pidx = static_cast<std::uint32_t>(pidx);
        win->trim.last_cbidx = pidx < h->pgmap.size() ? h->pgmap[pidx].cbidx : 0;
    }
    const std::uint64_t coffset = cookies[last].dmac_size - trim_sz;
    const std::int64_t new_offset = win->offset + static_cast<std::int64_t>(win->size);
    cookies[last].dmac_size = win->trim.last_size;

    win = new_window(h, last, new_offset);
    win->cookie_cnt++;
    win->trim.trim_first = true;
    win->trim.first_paddr = cookies[last].dmac_laddress + coffset;
    win->trim.first_size = trim_sz;

    if (last_cb) {
        // the shared page uses copy page 0 in the new window, and the current
        // cookie moves up to copy page 1 (spec §4.4 5c)
        win->dosync = true;
        win->trim.first_copybuf_win = true;
        win->trim.first_pidx = static_cast<std::uint32_t>(pidx);
        win->trim.first_cbidx = 0;
        const std::uint64_t poff = win->trim.first_paddr & page_offset;
        win->trim.first_paddr = h->cb_pages[0] + poff;
        copybuf_used += page_size;
        if (pidx + 1 < h->pgmap.size()) {
            pgmap_entry& nx = h->pgmap[pidx + 1];
            nx.cbidx = static_cast<std::uint32_t>((nx.cbidx + 1) % h->cb_pages.size());
            cookies[ci].dmac_laddress = h->cb_pages[nx.cbidx] + (cookies[ci].dmac_laddress & page_offset);
        }
    }
    win->cookie_cnt++;
    win->size = trim_sz + cookies[ci].dmac_size;
    copybuf_used += page_size;
    return DDI_SUCCESS;
}

int maxxfer_window_boundary(dma_handle* h, window*& win, std::uint32_t ci) {
    ddi_dma_cookie_t* cookie = &h->cookies[ci];
    const std::uint64_t trim_sz = (win->size + cookie->dmac_size) - h->maxxfer;
    const std::uint64_t dmac_size = cookie->dmac_size;
    if (trim_sz < cookie->dmac_size) {
        win->cookie_cnt++;
        win->trim.trim_last = true;
        win->trim.last_cookie = ci;
        win->trim.last_paddr = cookie->dmac_laddress;
        win->trim.last_size = cookie->dmac_size - trim_sz;
        win->size = h->maxxfer;
        cookie->dmac_size = win->trim.last_size;
    }
    const std::uint64_t coffset = dmac_size - trim_sz;
    const std::int64_t new_offset = win->offset + static_cast<std::int64_t>(win->size);
    win = new_window(h, ci, new_offset);
    win->cookie_cnt++;
    win->size = trim_sz;
    if (trim_sz < dmac_size) {
        win->trim.trim_first = true;
        win->trim.first_paddr = h->cookies[ci].dmac_laddress + coffset;
        win->trim.first_size = trim_sz;
    }
    return DDI_SUCCESS;
}

void copy_page_part(dma_handle* h, const pgmap_entry& pm, std::uint64_t poff, std::uint64_t psize,
                    bool for_dev) {
    std::uint8_t* cb = h->k->phys_ptr(h->cb_pages[pm.cbidx], page_size);
    if (!cb || !pm.kaddr || poff + psize > page_size) return; // no bytes behind memory (explorer)
    if (for_dev)
        std::memcpy(cb + poff, pm.kaddr + poff, psize);
    else
        std::memcpy(pm.kaddr + poff, cb + poff, psize);
    h->k->charge((psize * h->k->config().costs.copy_per_kib_ns) / 1024);
}

int bind_slowpath(dma_handle* h, uint_t flags) {
    sglinfo& si = h->si;
    std::uint64_t copybuf_used = 0;
    bool partial = false;
    int e;
    if (si.copybuf_req != 0) {
        e = setup_copybuf(h);
        if (e != DDI_SUCCESS) return e;
    } else {
        h->copybuf_size = 0;
    }
    const auto sgllen = static_cast<std::uint32_t>(h->attr.dma_attr_sgllen);
    if (h->copybuf_size < si.copybuf_req || h->obj.dmao_size > h->maxxfer || sgllen < si.sgl_size) {
        h->partial_required = true;
        h->trim_required = h->attr.dma_attr_granular != 1;
    } else {
        h->partial_required = false;
        h->trim_required = false;
    }
    if (h->partial_required && !(flags & DDI_DMA_PARTIAL)) {
        auto& st = state(*h->k);
        if (h->k->config().rootnex_bind_warn && st.warned.insert(h->rdip ? h->rdip->major : 0).second)
            h->k->report("rootnex-bind-warn",
                         dev(h) + ": coding error detected, the driver is using ddi_dma_attr(9S) "
                                  "incorrectly (bind needs windows but DDI_DMA_PARTIAL is not set)");
        return DDI_DMA_TOOBIG;
    }
    e = setup_windows(h);
    if (e != DDI_SUCCESS) return e;

    std::int64_t cur_offset = 0;
    window* win = new_window(h, 0, cur_offset);
    for (std::uint32_t i = 0; i < si.sgl_size; ++i) {
        ddi_dma_cookie_t* cookie = &h->cookies[i];
        if (h->copybuf_size > 0) {
            setup_cookie(h, i, cur_offset, copybuf_used);
            if (cookie->dmac_type & rootnex_uses_copybuf) win->dosync = true;
        }
        const std::uint64_t dmac_size = cookie->dmac_size;
        if (h->copybuf_size && copybuf_used > h->copybuf_size) {
            partial = true;
            e = copybuf_window_boundary(h, win, i, cur_offset, copybuf_used);
            if (e != DDI_SUCCESS) return e;
            if (cookie->dmac_type & rootnex_uses_copybuf) win->dosync = true;
        } else if (win->cookie_cnt >= sgllen) {
            partial = true;
            e = sgllen_window_boundary(h, win, i, cur_offset);
            if (e != DDI_SUCCESS) return e;
            if (cookie->dmac_type & rootnex_uses_copybuf) win->dosync = true;
        } else if (win->size + dmac_size > h->maxxfer) {
            partial = true;
            e = maxxfer_window_boundary(h, win, i);
            if (e != DDI_SUCCESS) return e;
            if (cookie->dmac_type & rootnex_uses_copybuf) win->dosync = true;
        } else {
            win->cookie_cnt++;
            win->size += dmac_size;
        }
        cur_offset += static_cast<std::int64_t>(dmac_size);
    }
    if (win->size == 0) {
        h->nwin--;
        h->windows.pop_back();
    }
    return partial ? DDI_DMA_PARTIAL_MAP : DDI_DMA_MAPPED;
}

} // namespace

// ---- handle allocation (spec §3.1, §4.1) ----

namespace {
int validate_attr_debug(const ddi_dma_attr_t& a, std::uint64_t maxseg) {
    if (a.dma_attr_seg < 0xFFF || a.dma_attr_count_max < 0xFFF || a.dma_attr_granular > page_size ||
        a.dma_attr_maxxfer < page_size || a.dma_attr_addr_hi <= a.dma_attr_addr_lo ||
        (a.dma_attr_seg & 0xFFF) != 0xFFF ||
        (page_size & static_cast<std::uint32_t>(a.dma_attr_granular - 1u)) != 0 ||
        a.dma_attr_sgllen == 0 || maxseg < page_size)
        return DDI_DMA_BADATTR;
    if ((a.dma_attr_flags & _DDI_DMA_BOUNCE_ON_SEG) && a.dma_attr_seg > a.dma_attr_addr_hi)
        return DDI_DMA_BADATTR;
    return DDI_SUCCESS;
}
} // namespace

int rootnex_allochdl(dev_info* dip, const ddi_dma_attr_t* attr, int (*callback)(caddr_t),
                     caddr_t arg, dma_handle** out) {
    kernel_context* k = dip && dip->kernel ? dip->kernel : kernel_context::current();
    if (!k) return DDI_DMA_BADATTR;
    auto& st = state(*k);
    if (st.live_count >= k->config().handle_limit) {
        queue_on_noresources(*k, callback, arg, &st.rootnex_cb, dip);
        return DDI_DMA_NORESOURCES;
    }
    auto h = new (std::nothrow) dma_handle();
    if (!h) return DDI_DMA_NORESOURCES;
    h->k = k;
    h->rdip = dip;
    h->attr = *attr;
    const ddi_dma_attr_t& a = h->attr;
    h->minxfer = a.dma_attr_minxfer;
    h->burstsizes = a.dma_attr_burstsizes;

    // derived limits (spec §4.1)
    std::uint64_t seg1 = a.dma_attr_seg + 1;
    if (seg1 < a.dma_attr_seg) seg1 = a.dma_attr_seg;
    std::uint64_t cnt1 = a.dma_attr_count_max + 1;
    if (cnt1 < a.dma_attr_count_max) cnt1 = a.dma_attr_count_max;
    std::uint64_t maxxfer = a.dma_attr_maxxfer;
    if (a.dma_attr_granular > 1) maxxfer -= maxxfer % a.dma_attr_granular;
    h->maxxfer = maxxfer;
    std::uint64_t maxseg = std::min({seg1, maxxfer, cnt1});
    if (maxseg == 0 || maxseg > 0xFFFFFFFFu) maxseg = 0xFFFFFFFFu;
    h->si.max_cookie_size = maxseg;
    h->si.min_addr = a.dma_attr_addr_lo;
    h->si.max_addr = a.dma_attr_addr_hi;
    h->si.flags = a.dma_attr_flags;
    h->si.segmask = a.dma_attr_seg;
    const bool translated = k->config().iommu == kernel::iommu_kind::vtd && dip && dip->iommu_translated;
    if (translated && (a.dma_attr_flags & _DDI_DMA_BOUNCE_ON_SEG)) {
        h->si.max_addr = a.dma_attr_seg;
        h->si.flags &= ~static_cast<uint_t>(_DDI_DMA_BOUNCE_ON_SEG);
    }
    h->cancross = a.dma_attr_seg < h->si.max_addr;
    h->granularity_power_2 = (a.dma_attr_granular & (a.dma_attr_granular - 1u)) == 0;

    if (k->config().debug_checks) {
        const int e = validate_attr_debug(a, maxseg);
        if (e != DDI_SUCCESS) {
            delete h;
            return e;
        }
    } else if (!k->illumos_fidelity() && a.dma_attr_sgllen == 0) {
        delete h; // fixed mode: sgllen 0 is "reserved" (documented), refuse it
        return DDI_DMA_BADATTR;
    }
    if (translated && dip->iommu_premap) iommu_alloc_premap(h);
    h->windows.reserve(rootnex_prealloc_windows);
    h->pgmap.reserve(rootnex_prealloc_copybuf);
    h->nowin_token.owner = h;

    // registry
    h->next = st.live;
    if (st.live) st.live->prev = h;
    st.live = h;
    st.live_count++;
    *out = h;
    return DDI_SUCCESS;
}

void rootnex_clean(dma_handle* h) {
    if (h->dvma_used) iommu_unbind(h);
    release_copybuf(h);
    h->windows.clear();
    h->nwin = 0;
    h->max_win = 0;
    h->current_win = 0;
    h->copybuf_size = 0;
    h->cursor = nullptr;
    h->ncookies = 0;
    h->curcookie = 0;
    h->si.sgl_size = 0;
    h->si.copybuf_req = 0;
    h->partial_required = h->trim_required = false;
    h->bound = false;
    h->cpu_sync_pending = false;
    h->rflags = dmp_nosync;
}

void rootnex_freehdl(dma_handle* h) {
    kernel_context& k = *h->k;
    auto& st = state(k);
    if (h->prev) h->prev->next = h->next; else st.live = h->next;
    if (h->next) h->next->prev = h->prev;
    st.live_count--;
    checker::forget(h);
    if (h->bound) {
        // non-DEBUG illumos leaks the bind's resources; the model returns
        // them to keep the simulated machine usable (the checker reports it).
        if (h->dvma_used) iommu_unbind(h);
        release_copybuf(h);
    }
    iommu_free_premap(h);
    delete h;
    if (!callback_list_empty(&st.rootnex_cb)) run_callback(k, &st.rootnex_cb);
}

// ---- bind (spec §4.3, §4.4) ----

int rootnex_bindhdl(dma_handle* h, const ddi_dma_obj_t& obj, uint_t flags,
                    int (*callback)(caddr_t), caddr_t arg, ddi_dma_cookie_t* cookiep,
                    uint_t* ccountp, const char* call) {
    kernel_context& k = *h->k;
    k.charge(k.config().costs.bind_base_ns);
    if (h->bound) {
        if (k.config().debug_checks) return DDI_DMA_INUSE;
        // non-DEBUG: proceeds; the old bind's resources are dropped
        if (h->dvma_used) iommu_unbind(h);
        release_copybuf(h);
        h->bound = false;
    }
    if (obj.dmao_type == DMA_OTYP_PADDR || obj.dmao_type == DMA_OTYP_DVADDR) return DDI_DMA_NOMAPPING;

    h->rflags = (flags & dmp_ddiflags) | dmp_nosync;
    h->obj = obj;
    h->si.copybuf_req = 0;
    h->si.sgl_size = 0;
    h->windows.clear();
    h->nwin = 0;
    h->current_win = 0;
    h->copybuf_size = 0;

    if (iommu_translates(h)) {
        int e = iommu_bind(h, flags, callback, arg, cookiep, ccountp);
        if (e == DDI_DMA_NORESOURCES) queue_on_noresources(k, callback, arg, &state(k).rootnex_cb, h->rdip);
        if (e == DDI_DMA_MAPPED) {
            h->bound = true;
            checker::after_bind(h, call);
        }
        return e;
    }

    const std::uint32_t size = obj.dmao_size;
    h->si.max_pages = size / page_size + ((size & page_offset) ? 1 : 0) + 1;
    if (h->si.max_pages <= rootnex_prealloc_cookies) {
        h->cookies = h->prealloc_cookies;
    } else {
        if (h->dyn_cookies.size() < h->si.max_pages) h->dyn_cookies.resize(h->si.max_pages);
        h->cookies = h->dyn_cookies.data();
    }

    get_sgl(h, obj);
    const auto sgllen = static_cast<std::uint32_t>(h->attr.dma_attr_sgllen);

    int e;
    if (h->si.copybuf_req == 0 && h->si.sgl_size <= sgllen && obj.dmao_size <= h->maxxfer) {
        // fast path (spec §4.3)
        if (cookiep) *cookiep = h->cookies[0];
        if (ccountp) *ccountp = h->si.sgl_size;
        h->cursor = h->cookies + 1;
        h->ncookies = h->si.sgl_size;
        h->curcookie = 1;
        h->rflags &= ~static_cast<uint_t>(DDI_DMA_PARTIAL);
        h->bound = true;
        if (k.config().checker) checker::after_bind(h, call);
        return DDI_DMA_MAPPED;
    }

    try {
        e = bind_slowpath(h, flags);
    } catch (...) {
        rootnex_clean(h);
        throw;
    }
    if (e == DDI_DMA_MAPPED) {
        h->rflags &= ~static_cast<uint_t>(DDI_DMA_PARTIAL);
    } else if (e == DDI_DMA_PARTIAL_MAP) {
        h->rflags |= DDI_DMA_PARTIAL;
    } else {
        rootnex_clean(h);
        if (e == DDI_DMA_NORESOURCES) queue_on_noresources(k, callback, arg, &state(k).rootnex_cb, h->rdip);
        return e;
    }
    const std::uint32_t cnt = h->windows.empty() ? 0 : h->windows[0].cookie_cnt;
    if (cookiep) *cookiep = h->cookies[0];
    if (ccountp) *ccountp = cnt;
    h->cursor = h->cookies + 1;
    h->ncookies = cnt;
    h->curcookie = 1;
    h->bound = true;
    if (!h->windows.empty() && h->windows[0].dosync && (h->rflags & DDI_DMA_WRITE))
        rootnex_sync(h, 0, 0, DDI_DMA_SYNC_FORDEV);
    if (k.config().checker) checker::after_bind(h, call);
    return e;
}

// ---- sync (spec §4.7) ----

int rootnex_sync(dma_handle* h, off_t off, size_t len, uint_t type) {
    if (h->windows.empty()) return DDI_SUCCESS;
    const window& win = h->windows[h->current_win];
    if (!win.dosync) return DDI_SUCCESS;
    kernel_context& k = *h->k;
    const bool ignore = k.config().sync_ignore_params;
    std::int64_t offset = (off == 0 || ignore) ? win.offset : off;
    std::uint64_t size = (len == 0 || ignore) ? win.size : len;
    if (off != 0 && len == 0 && !ignore && offset != win.offset) {
        if (k.illumos_fidelity()) {
            k.report_once("bug-8.11-sync-overrun",
                          fmt::format("{}: ddi_dma_sync(off={:#x}, len=0) syncs a whole window length "
                                      "from off, past the window end (spec §8.11)",
                                      dev(h), static_cast<std::int64_t>(off)));
        } else {
            const std::int64_t end = win.offset + static_cast<std::int64_t>(win.size);
            size = offset < end && offset >= win.offset ? static_cast<std::uint64_t>(end - offset) : 0;
        }
    }
    if (k.config().debug_checks) {
        if (offset < win.offset) return DDI_FAILURE;
        const std::uint64_t woff = static_cast<std::uint64_t>(offset - win.offset);
        if (woff + size > win.size) return DDI_FAILURE;
        const bool ok = (type == DDI_DMA_SYNC_FORDEV && (h->rflags & DDI_DMA_WRITE)) ||
                        ((type == DDI_DMA_SYNC_FORCPU || type == DDI_DMA_SYNC_FORKERNEL) &&
                         (h->rflags & DDI_DMA_READ));
        if (!ok) return DDI_FAILURE;
    }
    if (offset < 0) return DDI_SUCCESS;
    const bool for_dev = type == DDI_DMA_SYNC_FORDEV;
    std::uint64_t poff = (h->si.buf_offset + static_cast<std::uint64_t>(offset)) & page_offset;
    std::uint64_t psize = std::min<std::uint64_t>(page_size - poff, size);
    std::uint64_t cur = static_cast<std::uint64_t>(offset);
    while (size > 0) {
        const std::uint64_t pidx = (h->si.buf_offset + cur) >> 12;
        if (pidx >= h->pgmap.size() || pidx >= h->si.max_pages) {
            k.report_once("sync-beyond-object",
                          dev(h) + ": ddi_dma_sync range runs past the end of the bound object; "
                                   "the real kernel reads past its page map");
            break;
        }
        const pgmap_entry& pm = h->pgmap[pidx];
        if (pm.uses_copybuf) copy_page_part(h, pm, poff, psize, for_dev);
        size -= psize;
        cur += psize;
        psize = std::min<std::uint64_t>(page_size, size);
        poff = 0;
    }
    return DDI_SUCCESS;
}

// ---- window switch (spec §4.6) ----

int rootnex_win(dma_handle* h, uint_t win, off_t* offp, size_t* lenp, ddi_dma_cookie_t* cookiep,
                uint_t* ccountp) {
    if (win >= static_cast<uint_t>(h->nwin)) return DDI_FAILURE;
    if (h->windows.empty()) {
        if (win != 0) return DDI_FAILURE;
        h->cursor = h->cookies;
        *offp = 0;
        *lenp = h->obj.dmao_size;
        *ccountp = h->si.sgl_size;
        *cookiep = h->cursor[0];
        h->cursor++;
        h->ncookies = *ccountp;
        h->curcookie = 1;
        return DDI_SUCCESS;
    }
    window* w = &h->windows[h->current_win];
    if (w->dosync && (h->rflags & DDI_DMA_READ)) rootnex_sync(h, 0, 0, DDI_DMA_SYNC_FORCPU);

    h->current_win = win;
    w = &h->windows[win];
    const trim_info& t = w->trim;
    if (t.trim_first) {
        h->cookies[w->first_cookie].dmac_laddress = t.first_paddr;
        h->cookies[w->first_cookie].dmac_size = t.first_size;
        if (t.first_copybuf_win && t.first_pidx < h->pgmap.size()) h->pgmap[t.first_pidx].cbidx = t.first_cbidx;
    }
    if (t.trim_last) {
        h->cookies[t.last_cookie].dmac_laddress = t.last_paddr;
        h->cookies[t.last_cookie].dmac_size = t.last_size;
        if (t.last_copybuf_win && t.last_pidx < h->pgmap.size()) h->pgmap[t.last_pidx].cbidx = t.last_cbidx;
    }
    h->cursor = h->cookies + w->first_cookie;
    *offp = static_cast<off_t>(w->offset);
    *lenp = w->size;
    *ccountp = w->cookie_cnt;
    *cookiep = h->cursor[0];
    h->ncookies = w->cookie_cnt;
    h->curcookie = 1;
    h->cursor++;
    if (w->dosync && (h->rflags & DDI_DMA_WRITE)) rootnex_sync(h, 0, 0, DDI_DMA_SYNC_FORDEV);
    return DDI_SUCCESS;
}

// ---- unbind (spec §3.5, §4.8) ----

int rootnex_unbindhdl(dma_handle* h, const char* call) {
    kernel_context& k = *h->k;
    k.charge(k.config().costs.unbind_ns);
    if (!h->windows.empty() && h->windows[h->current_win].dosync && (h->rflags & DDI_DMA_READ))
        rootnex_sync(h, 0, 0, DDI_DMA_SYNC_FORCPU);
    rootnex_clean(h);
    auto& st = state(k);
    if (!callback_list_empty(&st.rootnex_cb)) run_callback(k, &st.rootnex_cb);
    (void)call;
    return DDI_SUCCESS;
}

} // namespace ddisim::ddi
