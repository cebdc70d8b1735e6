// Obsolete DMA interfaces removed by illumos change 998, with their
// historical semantics rebuilt on the modern calls (spec §6). Window and
// segment values (ddi_dma_win_t / ddi_dma_seg_t) are tokens kept in the
// handle; a token that is not the current window reports DDI_DMA_STALE.
#include "sw/ddi/checker.h"
#include "sw/ddi/ddi_state.h"
#include "sw/ddi/rootnex.h"

#include <sys/buf.h>
#include <sys/sunddi.h>

using ddisim::ddi::dma_handle;
using ddisim::ddi::legacy_token;
using ddisim::ddi::to_handle;
using ddisim::ddi::to_impl;
using ddisim::kernel::kernel_context;
namespace ddi = ddisim::ddi;

namespace {

// Old x86 limits -> attributes (spec §1.5).
ddi_dma_attr_t lim_to_attr(const ddi_dma_lim_t& l) {
    ddi_dma_attr_t a{};
    a.dma_attr_version = DMA_ATTR_V0;
    a.dma_attr_addr_lo = l.dlim_addr_lo;
    a.dma_attr_addr_hi = l.dlim_addr_hi;
    a.dma_attr_count_max = l.dlim_ctreg_max;
    a.dma_attr_align = ddi::page_size;
    a.dma_attr_burstsizes = l.dlim_burstsizes;
    a.dma_attr_minxfer = l.dlim_minxfer;
    a.dma_attr_maxxfer = l.dlim_reqsize;
    a.dma_attr_seg = l.dlim_adreg_max;
    a.dma_attr_sgllen = l.dlim_sgllen;
    a.dma_attr_granular = l.dlim_granular;
    a.dma_attr_flags = 0;
    return a;
}

// The old x86 "standard" (ISA-style) limits used when a caller passes none.
ddi_dma_lim_t standard_limits() {
    ddi_dma_lim_t l{};
    l.dlim_addr_lo = 0;
    l.dlim_addr_hi = 0xFFFFFF;
    l.dlim_cntr_max = 0;
    l.dlim_burstsizes = 1;
    l.dlim_minxfer = DMA_UNIT_8;
    l.dlim_dmaspeed = 0;
    l.dlim_version = DMALIM_VER0;
    l.dlim_adreg_max = 0xFFFF;
    l.dlim_ctreg_max = 0xFFFF;
    l.dlim_granular = 512;
    l.dlim_sgllen = 1;
    l.dlim_reqsize = 0xFFFFFFFF;
    return l;
}

std::int64_t window_offset(dma_handle* h) {
    return h->windows.empty() ? 0 : h->windows[h->current_win].offset;
}

int setup_common(dev_info_t* dip, ddi_dma_req* req, const ddi_dma_lim_t& lim, ddi_dma_handle_t* handlep) {
    const ddi_dma_attr_t attr = lim_to_attr(lim);
    ddi_dma_handle_t h = nullptr;
    int e = ddi_dma_alloc_handle(dip, &attr, req->dmar_fp, req->dmar_arg, &h);
    if (e != DDI_SUCCESS) return e;
    dma_handle* hi = to_impl(h);
    e = ddi::rootnex_bindhdl(hi, req->dmar_object, req->dmar_flags, req->dmar_fp, req->dmar_arg, nullptr,
                             nullptr, "ddi_dma_setup");
    if (handlep == nullptr) {
        // advisory call: would the whole object map?
        if (hi->bound) ddi::rootnex_unbindhdl(hi, "ddi_dma_setup");
        ddi_dma_free_handle(&h);
        if (e == DDI_DMA_MAPPED) return DDI_DMA_MAPOK;
        if (e == DDI_DMA_PARTIAL_MAP) return DDI_DMA_NOMAPPING;
        return e;
    }
    if (e != DDI_DMA_MAPPED && e != DDI_DMA_PARTIAL_MAP) {
        ddi_dma_free_handle(&h);
        return e;
    }
    *handlep = h;
    return e;
}

} // namespace

extern "C" {

int ddi_dma_setup(dev_info_t* dip, struct ddi_dma_req* req, ddi_dma_handle_t* handlep) {
    if (!req) return DDI_FAILURE;
    if (!req->dmar_limits) return DDI_DMA_NOMAPPING; // x86 refused a NULL limits pointer
    return setup_common(dip, req, *req->dmar_limits, handlep);
}

int ddi_dma_addr_setup(dev_info_t* dip, struct as* as, caddr_t addr, size_t len, uint_t flags,
                       int (*waitfp)(caddr_t), caddr_t arg, ddi_dma_lim_t* limits,
                       ddi_dma_handle_t* handlep) {
    if (len == 0) return DDI_DMA_NOMAPPING;
    ddi_dma_req req{};
    const ddi_dma_lim_t lim = limits ? *limits : standard_limits();
    req.dmar_limits = const_cast<ddi_dma_lim_t*>(&lim);
    req.dmar_flags = flags;
    req.dmar_fp = waitfp;
    req.dmar_arg = arg;
    req.dmar_object.dmao_size = static_cast<uint_t>(len);
    req.dmar_object.dmao_type = DMA_OTYP_VADDR;
    req.dmar_object.dmao_obj.virt_obj.v_addr = addr;
    req.dmar_object.dmao_obj.virt_obj.v_as = as;
    return setup_common(dip, &req, lim, handlep);
}

int ddi_dma_buf_setup(dev_info_t* dip, struct buf* bp, uint_t flags, int (*waitfp)(caddr_t), caddr_t arg,
                      ddi_dma_lim_t* limits, ddi_dma_handle_t* handlep) {
    kernel_context* k = dip && dip->kernel ? dip->kernel : kernel_context::current();
    if (!k || !bp) return DDI_FAILURE;
    ddi_dma_req req{};
    const ddi_dma_lim_t lim = limits ? *limits : standard_limits();
    req.dmar_limits = const_cast<ddi_dma_lim_t*>(&lim);
    req.dmar_flags = flags;
    req.dmar_fp = waitfp;
    req.dmar_arg = arg;
    req.dmar_object = ddi::buf_object(*k, bp, true);
    return setup_common(dip, &req, lim, handlep);
}

int ddi_dma_htoc(ddi_dma_handle_t handle, off_t off, ddi_dma_cookie_t* cookiep) {
    dma_handle* h = to_impl(handle);
    const ddi_dma_cookie_t* base = h->window_cookies();
    if (!h->bound || !base) return DDI_FAILURE;
    std::int64_t pos = window_offset(h);
    for (uint_t i = 0; i < h->ncookies; ++i) {
        const auto sz = static_cast<std::int64_t>(base[i].dmac_size);
        if (off >= pos && off < pos + sz) {
            *cookiep = base[i];
            cookiep->dmac_laddress += static_cast<std::uint64_t>(off - pos);
            cookiep->dmac_size -= static_cast<size_t>(off - pos);
            return DDI_SUCCESS;
        }
        pos += sz;
    }
    return DDI_FAILURE;
}

int ddi_dma_coff(ddi_dma_handle_t handle, ddi_dma_cookie_t* cookiep, off_t* offp) {
    dma_handle* h = to_impl(handle);
    const ddi_dma_cookie_t* base = h->window_cookies();
    if (!h->bound || !base || !cookiep) return DDI_FAILURE;
    std::int64_t pos = window_offset(h);
    const std::uint64_t a = cookiep->dmac_laddress;
    for (uint_t i = 0; i < h->ncookies; ++i) {
        if (a >= base[i].dmac_laddress && a - base[i].dmac_laddress < base[i].dmac_size) {
            *offp = static_cast<off_t>(pos + static_cast<std::int64_t>(a - base[i].dmac_laddress));
            return DDI_SUCCESS;
        }
        pos += static_cast<std::int64_t>(base[i].dmac_size);
    }
    return DDI_FAILURE;
}

int ddi_dma_curwin(ddi_dma_handle_t handle, off_t* offp, uint_t* lenp) {
    dma_handle* h = to_impl(handle);
    if (!(h->rflags & DDI_DMA_PARTIAL) || h->windows.empty()) return DDI_FAILURE;
    *offp = static_cast<off_t>(h->windows[h->current_win].offset);
    *lenp = static_cast<uint_t>(h->windows[h->current_win].size);
    return DDI_SUCCESS;
}

int ddi_dma_movwin(ddi_dma_handle_t handle, off_t* offp, uint_t* lenp, ddi_dma_cookie_t* cookiep) {
    dma_handle* h = to_impl(handle);
    if (!(h->rflags & DDI_DMA_PARTIAL) || h->windows.empty() || !offp) return DDI_FAILURE;
    const std::uint64_t winsize = h->windows[0].size;
    if (winsize == 0 || *offp < 0) return DDI_FAILURE;
    const std::uint64_t idx = static_cast<std::uint64_t>(*offp) / winsize;
    if (idx >= static_cast<std::uint64_t>(h->nwin)) return DDI_FAILURE;
    off_t o;
    size_t l;
    ddi_dma_cookie_t c;
    uint_t n;
    if (ddi_dma_getwin(handle, static_cast<uint_t>(idx), &o, &l, &c, &n) != DDI_SUCCESS) return DDI_FAILURE;
    *offp = o;
    if (lenp) *lenp = static_cast<uint_t>(l);
    if (cookiep) *cookiep = c;
    return DDI_SUCCESS;
}

int ddi_dma_nextwin(ddi_dma_handle_t handle, ddi_dma_win_t win, ddi_dma_win_t* nwin) {
    dma_handle* h = to_impl(handle);
    if (!h->bound) return DDI_FAILURE;
    if (h->windows.empty()) {
        // one implicit window: the whole bind
        if (win == nullptr) {
            h->cursor = h->cookies + 1;
            h->curcookie = 1;
            *nwin = reinterpret_cast<ddi_dma_win_t>(&h->nowin_token);
            return DDI_SUCCESS;
        }
        return reinterpret_cast<legacy_token*>(win) == &h->nowin_token ? DDI_DMA_DONE : DDI_DMA_STALE;
    }
    if (h->win_tokens.size() != static_cast<size_t>(h->nwin)) {
        h->win_tokens.assign(static_cast<size_t>(h->nwin), legacy_token{});
        for (size_t i = 0; i < h->win_tokens.size(); ++i) h->win_tokens[i] = {h, static_cast<std::uint32_t>(i)};
    }
    std::uint32_t next = 0;
    if (win != nullptr) {
        auto* t = reinterpret_cast<legacy_token*>(win);
        const bool ours = !h->win_tokens.empty() && t >= h->win_tokens.data() &&
                          t < h->win_tokens.data() + h->win_tokens.size();
        if (!ours || t->index != h->current_win) return DDI_DMA_STALE;
        next = t->index + 1;
        if (next >= static_cast<std::uint32_t>(h->nwin)) return DDI_DMA_DONE;
    }
    off_t o;
    size_t l;
    ddi_dma_cookie_t c;
    uint_t n;
    if (ddi_dma_getwin(handle, next, &o, &l, &c, &n) != DDI_SUCCESS) return DDI_FAILURE;
    *nwin = reinterpret_cast<ddi_dma_win_t>(&h->win_tokens[next]);
    return DDI_SUCCESS;
}

int ddi_dma_nextseg(ddi_dma_win_t win, ddi_dma_seg_t seg, ddi_dma_seg_t* nseg) {
    auto* wt = reinterpret_cast<legacy_token*>(win);
    if (!wt || !wt->owner) return DDI_FAILURE;
    dma_handle* h = wt->owner;
    if (!h->windows.empty() && wt->index != h->current_win) return DDI_DMA_STALE;
    std::uint32_t idx = 0;
    if (seg == nullptr) {
        h->seg_tokens.assign(h->ncookies, legacy_token{});
        for (std::uint32_t i = 0; i < h->ncookies; ++i) h->seg_tokens[i] = {h, i};
    } else {
        auto* st = reinterpret_cast<legacy_token*>(seg);
        const bool ours = !h->seg_tokens.empty() && st >= h->seg_tokens.data() &&
                          st < h->seg_tokens.data() + h->seg_tokens.size();
        if (!ours) return DDI_DMA_STALE;
        idx = st->index + 1;
    }
    if (idx >= h->ncookies || idx >= h->seg_tokens.size()) return DDI_DMA_DONE;
    *nseg = reinterpret_cast<ddi_dma_seg_t>(&h->seg_tokens[idx]);
    return DDI_SUCCESS;
}

int ddi_dma_segtocookie(ddi_dma_seg_t seg, off_t* offp, off_t* lenp, ddi_dma_cookie_t* cookiep) {
    auto* st = reinterpret_cast<legacy_token*>(seg);
    if (!st || !st->owner) return DDI_FAILURE;
    dma_handle* h = st->owner;
    const ddi_dma_cookie_t* base = h->window_cookies();
    if (!base || st->index >= h->ncookies) return DDI_FAILURE;
    std::int64_t pos = window_offset(h);
    for (std::uint32_t i = 0; i < st->index; ++i) pos += static_cast<std::int64_t>(base[i].dmac_size);
    *cookiep = base[st->index];
    *offp = static_cast<off_t>(pos);
    *lenp = static_cast<off_t>(base[st->index].dmac_size);
    return DDI_SUCCESS;
}

int ddi_dma_free(ddi_dma_handle_t handle) {
    dma_handle* h = to_impl(handle);
    if (h->bound) ddi::rootnex_unbindhdl(h, "ddi_dma_free"); // implicit sync inside
    ddi_dma_free_handle(&handle);
    return DDI_SUCCESS;
}

int ddi_dma_get_attr(ddi_dma_handle_t handle, ddi_dma_attr_t* attrp) {
    if (!handle || !attrp) return DDI_FAILURE;
    *attrp = to_impl(handle)->attr;
    return DDI_SUCCESS;
}

int ddi_dma_devalign(ddi_dma_handle_t handle, uint_t* alignment, uint_t* mineffect) {
    dma_handle* h = to_impl(handle);
    const int bit = ddi_ffs(static_cast<long>(h->burstsizes));
    if (bit == 0) return DDI_FAILURE;
    *alignment = 1u << (bit - 1);
    *mineffect = h->minxfer;
    return DDI_SUCCESS;
}

static int legacy_alloc(dev_info_t* dip, ddi_dma_lim_t* limits, uint_t length, uint_t mflags, caddr_t* kaddrp,
                        uint_t* real_length) {
    kernel_context* k = dip && dip->kernel ? dip->kernel : kernel_context::current();
    if (!k || !kaddrp) return DDI_FAILURE;
    const ddi_dma_lim_t lim = limits ? *limits : standard_limits();
    const ddi_dma_attr_t attr = lim_to_attr(lim);
    ddi_dma_handle_t h = nullptr;
    if (ddi_dma_alloc_handle(dip, &attr, DDI_DMA_SLEEP, nullptr, &h) != DDI_SUCCESS) return DDI_FAILURE;
    ddi_device_acc_attr_t acc_attr{DDI_DEVICE_ATTR_V0, DDI_NEVERSWAP_ACC, DDI_STRICTORDER_ACC, 0};
    ddi_acc_handle_t acc = nullptr;
    size_t rl = 0;
    if (ddi_dma_mem_alloc(h, length, &acc_attr, mflags, DDI_DMA_SLEEP, nullptr, kaddrp, &rl, &acc) !=
        DDI_SUCCESS) {
        ddi_dma_free_handle(&h);
        return DDI_FAILURE;
    }
    if (real_length) *real_length = static_cast<uint_t>(rl);
    ddi::state(*k).legacy[*kaddrp] = ddi::legacy_mem{h, acc};
    return DDI_SUCCESS;
}

static void legacy_free(caddr_t kaddr) {
    kernel_context* k = kernel_context::current();
    if (!k) return;
    auto& lg = ddi::state(*k).legacy;
    auto it = lg.find(kaddr);
    if (it == lg.end()) return;
    ddi::legacy_mem m = it->second;
    lg.erase(it);
    ddi_dma_mem_free(&m.acc);
    ddi_dma_free_handle(&m.handle);
}

int ddi_iopb_alloc(dev_info_t* dip, ddi_dma_lim_t* limits, uint_t length, caddr_t* iopbp) {
    return legacy_alloc(dip, limits, length, DDI_DMA_CONSISTENT, iopbp, nullptr);
}
void ddi_iopb_free(caddr_t iopb) { legacy_free(iopb); }

int ddi_mem_alloc(dev_info_t* dip, ddi_dma_lim_t* limits, uint_t length, uint_t flags, caddr_t* kaddrp,
                  uint_t* real_length) {
    // bit 0 of flags selected streaming memory
    return legacy_alloc(dip, limits, length, (flags & 1) ? DDI_DMA_STREAMING : DDI_DMA_CONSISTENT, kaddrp,
                        real_length);
}
void ddi_mem_free(caddr_t kaddr) { legacy_free(kaddr); }

} // extern "C"
