// The tran_setup_pkt framework (spec §7.2): a per-HBA cache of packets whose
// constructor allocates pkt_handle with tran_dma_attr, scsi_init_cache_pkt
// (bind on the first call, one window per call after that), and the
// framework's destroy, sync and dmafree.
//
// Deliberate deviations from illumos' code (docs/scsa.md): a packet this
// call allocated is returned to the cache when the bind fails (illumos leaks
// it), and pkt_dma_offset is reset to 0 by every new bind.
#include "sw/scsi/scsa.h"

#include "sw/ddi/ddi_state.h"

#include <cstdlib>
#include <cstring>
#include <new>

namespace ddisim::scsa {

namespace {

constexpr std::size_t round8(std::size_t n) { return (n + 7) & ~std::size_t{7}; }

cache_wrapper* to_wrapper(scsi_pkt* pkt) { return reinterpret_cast<cache_wrapper*>(pkt); }

// kmem_cache_alloc: a free constructed object, or a new one (constructor:
// zeroed memory, areas, pkt_handle, the HBA's tran_pkt_constructor).
cache_wrapper* cache_alloc(kernel::kernel_context& k, pkt_cache& c, bool sleep) {
    auto& st = state(k);
    if (!sleep && st.live_pkts >= st.cfg.pkt_limit) return nullptr;
    if (!c.free_objs.empty()) {
        cache_wrapper* w = c.free_objs.back();
        c.free_objs.pop_back();
        ++st.live_pkts;
        return w;
    }
    scsi_hba_tran_t* tran = c.tran;
    const std::size_t head = round8(sizeof(cache_wrapper));
    const std::size_t hl = round8(tran->tran_hba_len);
    const std::size_t cl = (tran->tran_hba_flags & SCSI_HBA_TRAN_CDB) ? round8(DEFAULT_CDBLEN) : 0;
    const std::size_t sl = (tran->tran_hba_flags & SCSI_HBA_TRAN_SCB) ? round8(DEFAULT_SCBLEN) : 0;
    const std::size_t len = head + hl + cl + sl;
    void* mem = std::calloc(1, len);
    if (!mem) return nullptr;
    auto* w = new (mem) cache_wrapper{};
    auto* p = static_cast<uchar_t*>(mem) + head;
    w->pcw_pkt.pkt_ha_private = p;
    p += hl;
    if (cl) w->dflt_cdbp = p;
    p += cl;
    if (sl) w->dflt_scbp = p;
    w->pcw_pkt.pkt_cdbp = w->dflt_cdbp;
    w->pcw_pkt.pkt_scbp = w->dflt_scbp;
    w->pcw_magic = pkt_wrapper_magic;
    w->pcw_granular = tran->tran_dma_attr.dma_attr_granular;
    w->cache = &c;
    w->obj_len = len;
    if (ddi_dma_alloc_handle(tran->tran_hba_dip, &tran->tran_dma_attr, sleep ? DDI_DMA_SLEEP : DDI_DMA_DONTWAIT,
                             nullptr, &w->pcw_pkt.pkt_handle) != DDI_SUCCESS) {
        std::free(mem);
        return nullptr;
    }
    if (tran->tran_pkt_constructor &&
        tran->tran_pkt_constructor(&w->pcw_pkt, tran, sleep ? KM_SLEEP : KM_NOSLEEP) == -1) {
        ddi_dma_free_handle(&w->pcw_pkt.pkt_handle);
        std::free(mem);
        return nullptr;
    }
    ++c.constructed;
    ++c.constructor_calls;
    c.all.insert(w);
    ++st.live_pkts;
    return w;
}

void cache_free(kernel::kernel_context& k, cache_wrapper* w) {
    w->cache->free_objs.push_back(w);
    --state(k).live_pkts;
}

// Frees the oversize areas and points the packet back at its own.
void free_ext_areas(cache_wrapper* w) {
    scsi_pkt* pkt = &w->pcw_pkt;
    if (w->pcw_flags & pcw_need_ext_scb) {
        std::free(pkt->pkt_scbp);
        pkt->pkt_scbp = w->dflt_scbp;
        pkt->pkt_scblen = 0;
    }
    if (w->pcw_flags & pcw_need_ext_tgt) {
        std::free(pkt->pkt_private);
        pkt->pkt_private = nullptr;
        pkt->pkt_tgtlen = 0;
    }
    if (w->pcw_flags & pcw_need_ext_cdb) {
        std::free(pkt->pkt_cdbp);
        pkt->pkt_cdbp = w->dflt_cdbp;
        pkt->pkt_cdblen = 0;
    }
    w->pcw_flags &= ~(pcw_need_ext_cdb | pcw_need_ext_tgt | pcw_need_ext_scb);
}

// scsi_dmafree_attr: unbind, no cookies.
void dmafree_attr(scsi_pkt* pkt) {
    cache_wrapper* w = to_wrapper(pkt);
    if (w->pcw_flags & pcw_bound) {
        (void)ddi_dma_unbind_handle(pkt->pkt_handle);
        w->pcw_flags &= ~pcw_bound;
    }
    pkt->pkt_numcookies = 0;
}

// A packet this call allocated goes back to the cache (setup done: teardown).
void discard_fresh(kernel::kernel_context& k, cache_wrapper* w, bool teardown) {
    if (teardown) w->cache->tran->tran_teardown_pkt(&w->pcw_pkt);
    dmafree_attr(&w->pcw_pkt);
    free_ext_areas(w);
    cache_free(k, w);
}

} // namespace

void run_callbacks(kernel::kernel_context& k) {
    auto& st = state(k);
    if (st.callback_id != 0) ddi::run_callback(k, &st.callback_id);
}

scsi_pkt* scsi_init_cache_pkt(scsi_address* ap, scsi_pkt* in_pkt, buf* bp, int cmdlen, int statuslen, int pplen,
                              int flags, int (*callback)(caddr_t), caddr_t arg) {
    scsi_hba_tran_t* tran = ap ? ap->a_hba_tran : nullptr;
    kernel::kernel_context* k = kernel_of(tran);
    if (!k || !tran || !tran->tran_pkt_cache_ptr) return nullptr;
    auto* c = static_cast<pkt_cache*>(tran->tran_pkt_cache_ptr);
    int (*func)(caddr_t) = callback == SLEEP_FUNC ? SLEEP_FUNC : NULL_FUNC;
    cache_wrapper* w = nullptr;
    scsi_pkt* pkt = in_pkt;
    const bool fresh = in_pkt == nullptr;

    if (fresh) {
        if (cmdlen < 0 || statuslen < 0 || pplen < 0) return nullptr;
        w = cache_alloc(*k, *c, callback == SLEEP_FUNC);
        if (!w) return nullptr; // scsi_init_pkt queues the target's callback
        w->pcw_flags = 0;
        pkt = &w->pcw_pkt;
        pkt->pkt_address = *ap;
        pkt->pkt_comp = nullptr;
        pkt->pkt_flags = 0;
        pkt->pkt_time = 0;
        pkt->pkt_resid = 0;
        pkt->pkt_state = 0;
        pkt->pkt_statistics = 0;
        pkt->pkt_reason = 0;
        pkt->pkt_dma_offset = 0;
        pkt->pkt_dma_len = 0;
        pkt->pkt_dma_flags = 0;
        pkt->pkt_numcookies = 0;
        pkt->pkt_cookies = nullptr;
        pkt->pkt_path_instance = 0;
        pkt->pkt_private = nullptr;
        w->pcw_curwin = 0;
        w->pcw_totalwin = 0;
        w->pcw_total_xfer = 0;
        w->pcw_bp = nullptr;
        pkt->pkt_cdblen = static_cast<uint_t>(cmdlen);
        if ((tran->tran_hba_flags & SCSI_HBA_TRAN_CDB) && cmdlen > DEFAULT_CDBLEN) {
            w->pcw_flags |= pcw_need_ext_cdb;
            pkt->pkt_cdbp = static_cast<uchar_t*>(std::calloc(1, std::size_t(cmdlen)));
        }
        pkt->pkt_tgtlen = static_cast<uint_t>(pplen);
        if (pplen > DEFAULT_PRIVLEN) {
            w->pcw_flags |= pcw_need_ext_tgt;
            pkt->pkt_private = std::calloc(1, std::size_t(pplen));
        }
        pkt->pkt_scblen = static_cast<uint_t>(statuslen);
        if ((tran->tran_hba_flags & SCSI_HBA_TRAN_SCB) && statuslen > DEFAULT_SCBLEN) {
            w->pcw_flags |= pcw_need_ext_scb;
            pkt->pkt_scbp = static_cast<uchar_t*>(std::calloc(1, std::size_t(statuslen)));
        }
        if (tran->tran_setup_pkt(pkt, func, nullptr) == -1) {
            discard_fresh(*k, w, false);
            return nullptr;
        }
        if (cmdlen && pkt->pkt_cdbp) std::memset(pkt->pkt_cdbp, 0, std::size_t(cmdlen));
        if (pplen && pkt->pkt_private) std::memset(pkt->pkt_private, 0, std::size_t(pplen));
        if (statuslen && pkt->pkt_scbp) std::memset(pkt->pkt_scbp, 0, std::size_t(statuslen));
    } else {
        w = to_wrapper(in_pkt);
        if (w->pcw_magic != pkt_wrapper_magic) {
            k->report("scsa-foreign-pkt", "scsi_init_pkt: the packet did not come from this HBA's cache");
            return nullptr;
        }
    }

    if (bp && bp->b_bcount) {
        // the target changed the granularity (e.g. setcap "sector-size"):
        // the handle is re-made with the current attributes
        if (tran->tran_dma_attr.dma_attr_granular != w->pcw_granular && !(w->pcw_flags & pcw_bound)) {
            ddi_dma_free_handle(&pkt->pkt_handle);
            if (ddi_dma_alloc_handle(tran->tran_hba_dip, &tran->tran_dma_attr, func, nullptr, &pkt->pkt_handle) !=
                DDI_SUCCESS) {
                pkt->pkt_handle = nullptr;
                if (fresh) {
                    tran->tran_teardown_pkt(pkt);
                    free_ext_areas(w);
                    // an object without a handle cannot go back to the cache
                    if (tran->tran_pkt_destructor) tran->tran_pkt_destructor(pkt, tran);
                    c->all.erase(w);
                    --c->constructed;
                    ++c->destructor_calls;
                    --state(*k).live_pkts;
                    std::free(w);
                }
                return nullptr;
            }
            w->pcw_granular = tran->tran_dma_attr.dma_attr_granular;
        }
        if (pkt->pkt_numcookies == 0) {
            w->pcw_bp = bp;
            // the read case first: B_WRITE is not always set for writes
            uint_t dma_flags = (bp->b_flags & B_READ) ? DDI_DMA_READ : DDI_DMA_WRITE;
            if (flags & PKT_CONSISTENT) dma_flags |= DDI_DMA_CONSISTENT;
            if (flags & PKT_DMA_PARTIAL) dma_flags |= DDI_DMA_PARTIAL;
            const int rval = ddi_dma_buf_bind_handle(pkt->pkt_handle, bp, dma_flags, callback, arg,
                                                     &w->pcw_cookie, &pkt->pkt_numcookies);
            bool ok = true;
            switch (rval) {
            case DDI_DMA_MAPPED:
                w->pcw_totalwin = 1;
                break;
            case DDI_DMA_PARTIAL_MAP:
                if (ddi_dma_numwin(pkt->pkt_handle, &w->pcw_totalwin) != DDI_SUCCESS) {
                    bp->b_error = 0;
                    ok = false;
                }
                break;
            default:
                scsi_dma_bioerror(bp, rval); // spec §7.1
                ok = false;
                break;
            }
            if (!ok) {
                if (rval == DDI_DMA_PARTIAL_MAP) (void)ddi_dma_unbind_handle(pkt->pkt_handle);
                pkt->pkt_numcookies = 0;
                if (fresh) discard_fresh(*k, w, true);
                return nullptr;
            }
            w->pcw_flags |= pcw_bound;
            w->pcw_curwin = 0;
            w->pcw_total_xfer = 0;
            pkt->pkt_dma_flags = dma_flags;
            pkt->pkt_dma_offset = 0;
        }
        // hand out the next window (x86, spec §7.2)
        if (w->pcw_curwin != 0) {
            ddi_dma_cookie_t first;
            off_t off = 0;
            size_t len = 0;
            uint_t n = 0;
            if (ddi_dma_getwin(pkt->pkt_handle, w->pcw_curwin, &off, &len, &first, &n) != DDI_SUCCESS) {
                if (k->illumos_fidelity()) {
                    // spec §8.18: the framework unbinds and frees the caller's
                    // packet (without tran_teardown_pkt) and returns NULL
                    k->report_once("bug-8.18-pkt-freed",
                                   kernel::kernel_context::dev_name(tran->tran_hba_dip) +
                                       ": scsi_init_pkt asked for a window after the last one; the "
                                       "framework unbound and freed the caller's packet (spec §8.18)");
                    dmafree_attr(pkt);
                    free_ext_areas(w);
                    cache_free(*k, w);
                }
                return nullptr;
            }
            pkt->pkt_dma_offset = off;
            pkt->pkt_numcookies = n;
        }
        // pkt_cookies points into the nexus' cookie array (spec §1.8);
        // the handle's cookie cursor is left alone (§8.17 not reproduced)
        auto* cookies = const_cast<ddi_dma_cookie_t*>(ddi_dma_cookie_iter(pkt->pkt_handle, nullptr));
        pkt->pkt_dma_len = 0;
        for (uint_t i = 0; cookies && i < pkt->pkt_numcookies; ++i) pkt->pkt_dma_len += cookies[i].dmac_size;
        pkt->pkt_cookies = cookies;
        ++w->pcw_curwin;
        w->pcw_total_xfer += pkt->pkt_dma_len;
        pkt->pkt_resid = static_cast<ssize_t>(bp->b_bcount) - static_cast<ssize_t>(w->pcw_total_xfer);
    } else {
        pkt->pkt_resid = 0;
    }
    return pkt;
}

void scsi_free_cache_pkt(scsi_address* ap, scsi_pkt* pkt) {
    scsi_hba_tran_t* tran = ap ? ap->a_hba_tran : nullptr;
    kernel::kernel_context* k = kernel_of(tran);
    if (!k || !pkt) return;
    cache_wrapper* w = to_wrapper(pkt);
    if (w->pcw_magic != pkt_wrapper_magic) {
        k->report("scsa-foreign-pkt", "scsi_destroy_pkt: the packet did not come from this HBA's cache");
        return;
    }
    tran->tran_teardown_pkt(pkt);
    if (w->pcw_flags & pcw_bound) dmafree_attr(pkt);
    free_ext_areas(w);
    cache_free(*k, w);
    run_callbacks(*k);
}

void scsi_sync_cache_pkt(scsi_address* ap, scsi_pkt* pkt) {
    (void)ap;
    if (pkt->pkt_handle && (pkt->pkt_dma_flags & (DDI_DMA_WRITE | DDI_DMA_READ)))
        (void)ddi_dma_sync(pkt->pkt_handle, pkt->pkt_dma_offset, pkt->pkt_dma_len,
                           (pkt->pkt_dma_flags & DDI_DMA_WRITE) ? DDI_DMA_SYNC_FORDEV : DDI_DMA_SYNC_FORCPU);
}

void scsi_cache_dmafree(scsi_address* ap, scsi_pkt* pkt) {
    kernel::kernel_context* k = kernel_of(ap ? ap->a_hba_tran : nullptr);
    dmafree_attr(pkt);
    if (k) run_callbacks(*k);
}

} // namespace ddisim::scsa
