// The driver-facing DMA DDI of <sys/sunddi.h> (spec §3): the generic layer
// (argument checks, object construction, cursor handling) over the rootnex
// engine. No function throws except through the kernel panic hook.
#include "sw/ddi/checker.h"
#include "sw/ddi/ddi_state.h"
#include "sw/ddi/rootnex.h"

#include <sys/buf.h>
#include <sys/sunddi.h>

#include <fmt/format.h>

#include <new>

using ddisim::ddi::dma_handle;
using ddisim::ddi::to_handle;
using ddisim::ddi::to_impl;
using ddisim::kernel::kernel_context;
namespace ddi = ddisim::ddi;

namespace ddisim::ddi {
// buf -> object (spec §1.7); also used by the obsolete ddi_dma_buf_setup.
ddi_dma_obj_t buf_object(kernel_context& k, struct buf* bp, bool legacy) {
    ddi_dma_obj_t obj{};
    obj.dmao_size = static_cast<uint_t>(bp->b_bcount);
    if (bp->b_flags & B_PAGEIO) {
        obj.dmao_type = DMA_OTYP_PAGES;
        obj.dmao_obj.pp_obj.pp_pp = bp->b_pages;
        obj.dmao_obj.pp_obj.pp_offset =
            static_cast<uint_t>(reinterpret_cast<std::uintptr_t>(bp->b_un.b_addr) & page_offset);
        return obj;
    }
    obj.dmao_obj.virt_obj.v_addr = bp->b_un.b_addr;
    if (bp->b_flags & B_SHADOW) {
        obj.dmao_obj.virt_obj.v_priv = bp->b_shadow;
        obj.dmao_type = DMA_OTYP_BUFVADDR;
    } else {
        obj.dmao_type = (legacy || (bp->b_flags & (B_PHYS | B_REMAPPED))) ? DMA_OTYP_BUFVADDR : DMA_OTYP_VADDR;
        obj.dmao_obj.virt_obj.v_priv = nullptr;
    }
    if (bp->b_proc == nullptr || bp->b_proc == k.kernel_proc() || (bp->b_flags & B_REMAPPED))
        obj.dmao_obj.virt_obj.v_as = nullptr;
    else
        obj.dmao_obj.virt_obj.v_as = bp->b_proc->p_as;
    return obj;
}
} // namespace ddisim::ddi

extern "C" {

int ddi_get_instance(dev_info_t* dip) { return dip ? dip->instance : -1; }
const char* ddi_driver_name(dev_info_t* dip) { return dip ? dip->name.c_str() : ""; }
const char* ddi_node_name(dev_info_t* dip) { return dip ? dip->name.c_str() : ""; }

int ddi_ffs(long mask) {
    return mask == 0 ? 0 : __builtin_ffsl(mask);
}
int ddi_fls(long mask) {
    if (mask == 0) return 0;
    return 64 - __builtin_clzl(static_cast<unsigned long>(mask));
}

int ddi_dma_alloc_handle(dev_info_t* dip, const ddi_dma_attr_t* attr, int (*callback)(caddr_t),
                         caddr_t arg, ddi_dma_handle_t* handlep) {
    if (!attr || !handlep) return DDI_DMA_BADATTR; // generic layer, all platforms
    dma_handle* h = nullptr;
    int e;
    try {
        e = ddi::rootnex_allochdl(dip, attr, callback, arg, &h);
    } catch (const std::bad_alloc&) {
        return DDI_DMA_NORESOURCES;
    }
    if (e == DDI_SUCCESS) *handlep = to_handle(h);
    return e;
}

void ddi_dma_free_handle(ddi_dma_handle_t* handlep) {
    if (!handlep || !*handlep) return;
    dma_handle* h = to_impl(*handlep);
    if (h->bound) ddi::checker::report(h, "free-bound", "ddi_dma_free_handle", "handle freed while still bound");
    ddi::rootnex_freehdl(h);
    *handlep = nullptr;
}

static int bind_common(dma_handle* h, const ddi_dma_obj_t& obj, uint_t flags, int (*callback)(caddr_t),
                       caddr_t arg, ddi_dma_cookie_t* cookiep, uint_t* ccountp, const char* call) {
    if (h->bound) ddi::checker::report(h, "bind-bound", call, "bind of a handle that is already bound");
    try {
        return ddi::rootnex_bindhdl(h, obj, flags, callback, arg, cookiep, ccountp, call);
    } catch (const std::bad_alloc&) {
        // host memory ran out growing the cookie/window arrays: a transient
        // shortage to the driver, never an exception (spec §3.3 results)
        ddi::rootnex_clean(h);
        return DDI_DMA_NORESOURCES;
    }
}

int ddi_dma_addr_bind_handle(ddi_dma_handle_t handle, struct as* as, caddr_t addr, size_t len,
                             uint_t flags, int (*callback)(caddr_t), caddr_t arg,
                             ddi_dma_cookie_t* cookiep, uint_t* ccountp) {
    dma_handle* h = to_impl(handle);
    if (len == 0) return DDI_DMA_NOMAPPING;
    if (len > 0xFFFFFFFFu)
        h->k->report_once("bug-8.14-size-truncated",
                          fmt::format("{}: bind length {:#x} truncated to 32 bits ({:#x}) (spec §8.14)",
                                      kernel_context::dev_name(h->rdip), len,
                                      static_cast<uint_t>(len)));
    ddi_dma_obj_t obj{};
    obj.dmao_type = DMA_OTYP_VADDR;
    obj.dmao_size = static_cast<uint_t>(len);
    obj.dmao_obj.virt_obj.v_addr = addr;
    obj.dmao_obj.virt_obj.v_as = as;
    obj.dmao_obj.virt_obj.v_priv = nullptr;
    return bind_common(h, obj, flags, callback, arg, cookiep, ccountp, "ddi_dma_addr_bind_handle");
}


int ddi_dma_buf_bind_handle(ddi_dma_handle_t handle, struct buf* bp, uint_t flags,
                            int (*callback)(caddr_t), caddr_t arg, ddi_dma_cookie_t* cookiep,
                            uint_t* ccountp) {
    dma_handle* h = to_impl(handle);
    if (bp->b_bcount > 0xFFFFFFFFu)
        h->k->report_once("bug-8.14-size-truncated",
                          fmt::format("{}: b_bcount {:#x} truncated to 32 bits (spec §8.14)",
                                      kernel_context::dev_name(h->rdip), bp->b_bcount));
    const ddi_dma_obj_t obj = ddi::buf_object(*h->k, bp, false);
    return bind_common(h, obj, flags, callback, arg, cookiep, ccountp, "ddi_dma_buf_bind_handle");
}

int ddi_dma_unbind_handle(ddi_dma_handle_t handle) {
    dma_handle* h = to_impl(handle);
    if (!h->bound) {
        ddi::checker::report(h, "unbind-unbound", "ddi_dma_unbind_handle", "unbind of a handle that is not bound");
        return DDI_SUCCESS; // harmless on x86 (spec §3.5)
    }
    return ddi::rootnex_unbindhdl(h, "ddi_dma_unbind_handle");
}

int ddi_dma_sync(ddi_dma_handle_t handle, off_t offset, size_t len, uint_t type) {
    dma_handle* h = to_impl(handle);
    if ((h->rflags & ddi::dmp_nosync) == ddi::dmp_nosync) return DDI_SUCCESS; // spec §3.6
    const int e = ddi::rootnex_sync(h, offset, len, type);
    if (e == DDI_SUCCESS) ddi::checker::on_sync(h, type);
    return e;
}

int ddi_dma_numwin(ddi_dma_handle_t handle, uint_t* nwinp) {
    dma_handle* h = to_impl(handle);
    if (!(h->rflags & DDI_DMA_PARTIAL)) return DDI_FAILURE; // spec §3.7
    *nwinp = static_cast<uint_t>(h->nwin);
    return DDI_SUCCESS;
}

int ddi_dma_getwin(ddi_dma_handle_t handle, uint_t win, off_t* offp, size_t* lenp,
                   ddi_dma_cookie_t* cookiep, uint_t* ccountp) {
    dma_handle* h = to_impl(handle);
    off_t off_l;
    size_t len_l;
    ddi_dma_cookie_t cookie_l;
    uint_t count_l;
    const int e = ddi::rootnex_win(h, win, offp ? offp : &off_l, lenp ? lenp : &len_l,
                                   cookiep ? cookiep : &cookie_l, ccountp ? ccountp : &count_l);
    if (e == DDI_SUCCESS) ddi::checker::after_getwin(h);
    return e;
}

int ddi_dma_ncookies(ddi_dma_handle_t handle) {
    return static_cast<int>(to_impl(handle)->ncookies);
}

// Position arithmetic on addresses, not pointers, so an arbitrary prev cannot
// cause undefined behaviour (spec §3.9: base = cursor - curcookie).
const ddi_dma_cookie_t* ddi_dma_cookie_iter(ddi_dma_handle_t handle, const ddi_dma_cookie_t* prev) {
    dma_handle* h = to_impl(handle);
    if (h->ncookies == 0 || !h->cursor) return nullptr;
    const ddi_dma_cookie_t* base = h->cursor - h->curcookie;
    if (!prev) return base;
    const auto b = reinterpret_cast<std::uintptr_t>(base);
    const auto p = reinterpret_cast<std::uintptr_t>(prev);
    if (p < b || (p - b) % sizeof(ddi_dma_cookie_t) != 0) return nullptr;
    const std::uintptr_t idx = (p - b) / sizeof(ddi_dma_cookie_t) + 1;
    if (idx >= h->ncookies) return nullptr;
    return base + idx;
}

const ddi_dma_cookie_t* ddi_dma_cookie_get(ddi_dma_handle_t handle, uint_t index) {
    dma_handle* h = to_impl(handle);
    if (index >= h->ncookies || !h->cursor) return nullptr;
    return h->cursor - h->curcookie + index;
}

const ddi_dma_cookie_t* ddi_dma_cookie_one(ddi_dma_handle_t handle) {
    dma_handle* h = to_impl(handle);
    if (h->ncookies != 1)
        h->k->panic(fmt::format("ddi_dma_cookie_one() called with {} cookies on handle of {} "
                                "(spec §3.9)", h->ncookies, kernel_context::dev_name(h->rdip)));
    return h->cursor - h->curcookie;
}

void ddi_dma_nextcookie(ddi_dma_handle_t handle, ddi_dma_cookie_t* cookiep) {
    dma_handle* h = to_impl(handle);
    if (h->curcookie >= h->ncookies)
        h->k->panic(fmt::format("ddi_dma_nextcookie() called too many times on handle of {} "
                                "({} cookies, spec §3.9)", kernel_context::dev_name(h->rdip), h->ncookies));
    *cookiep = *h->cursor;
    h->cursor++;
    h->curcookie++;
}

int ddi_dma_burstsizes(ddi_dma_handle_t handle) {
    if (!handle) return 0;
    return static_cast<int>(to_impl(handle)->burstsizes);
}

// Attribute merge (spec §1.2): minxfer uses maxbit().
void ddi_dma_attr_merge(ddi_dma_attr_t* attr, const ddi_dma_attr_t* mod) {
    auto maxbit = [](std::uint64_t a, std::uint64_t b) -> std::uint64_t {
        const std::uint64_t r = a & ~(b - 1);
        return (b != 0 && r != 0) ? r : b;
    };
    attr->dma_attr_addr_lo = std::max(attr->dma_attr_addr_lo, mod->dma_attr_addr_lo);
    attr->dma_attr_addr_hi = std::min(attr->dma_attr_addr_hi, mod->dma_attr_addr_hi);
    attr->dma_attr_count_max = std::min(attr->dma_attr_count_max, mod->dma_attr_count_max);
    attr->dma_attr_align = std::max(attr->dma_attr_align, mod->dma_attr_align);
    attr->dma_attr_burstsizes &= mod->dma_attr_burstsizes;
    attr->dma_attr_minxfer = static_cast<uint32_t>(maxbit(attr->dma_attr_minxfer, mod->dma_attr_minxfer));
    attr->dma_attr_maxxfer = std::min(attr->dma_attr_maxxfer, mod->dma_attr_maxxfer);
    attr->dma_attr_seg = std::min(attr->dma_attr_seg, mod->dma_attr_seg);
    attr->dma_attr_sgllen = static_cast<int>(std::min(static_cast<uint_t>(attr->dma_attr_sgllen),
                                                      static_cast<uint_t>(mod->dma_attr_sgllen)));
    attr->dma_attr_granular = std::max(attr->dma_attr_granular, mod->dma_attr_granular);
}

int ddi_check_dma_handle(ddi_dma_handle_t handle) {
    return (handle && to_impl(handle)->faulted) ? DDI_FAILURE : DDI_SUCCESS;
}

int ddi_dma_set_sbus64(ddi_dma_handle_t, ulong_t) {
    return DDI_FAILURE; // x86 rootnex answers every mctl with failure (spec §3.14)
}

int ddi_dma_map(dev_info_t*, dev_info_t*, struct ddi_dma_req*, ddi_dma_handle_t*) {
    return DDI_FAILURE; // the surviving stub of change 998 (spec §6)
}

} // extern "C"
