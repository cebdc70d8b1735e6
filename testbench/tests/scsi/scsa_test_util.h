// Helpers for the SCSA tests: a kernel with an HBA node and a target, two
// test-double HBAs (one on the tran_setup_pkt framework, spec §7.2, one with
// its own tran_init_pkt like mpt_sas, spec §7.3), B_PAGEIO bufs over chosen
// physical pages, and a counting target callback.
#pragma once
#include "sw/ddi/checker.h"
#include "sw/ddi/ddi_state.h"
#include "sw/kernel/kernel.h"
#include "sw/scsi/scsa.h"

#include <sys/scsi/scsi.h>

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <vector>

namespace sct {

using ddisim::kernel::kernel_config;
using ddisim::kernel::kernel_context;

// spec §10 default attributes with sgllen 2 (test Q1)
inline ddi_dma_attr_t attr_sgllen(int sgllen) {
    ddi_dma_attr_t a{};
    a.dma_attr_version = DMA_ATTR_V0;
    a.dma_attr_addr_lo = 0;
    a.dma_attr_addr_hi = ~std::uint64_t{0};
    a.dma_attr_count_max = 0xFFFFFFFF;
    a.dma_attr_align = 1;
    a.dma_attr_burstsizes = 1;
    a.dma_attr_minxfer = 1;
    a.dma_attr_maxxfer = 0xFFFFFFFF;
    a.dma_attr_seg = 0xFFFFFFFF;
    a.dma_attr_sgllen = sgllen;
    a.dma_attr_granular = 1;
    a.dma_attr_flags = 0;
    return a;
}

// 5 discontiguous pages 0x10000 + 2 * 0x1000 * i (spec T9 / Q1)
inline std::vector<std::uint64_t> q1_pages() { return {0x10000, 0x12000, 0x14000, 0x16000, 0x18000}; }

struct cookie {
    std::uint64_t addr;
    std::uint64_t size;
    bool operator==(const cookie& o) const { return addr == o.addr && size == o.size; }
};
inline std::ostream& operator<<(std::ostream& os, const cookie& c) {
    return os << "(0x" << std::hex << c.addr << ",0x" << c.size << ")" << std::dec;
}
inline std::vector<cookie> pkt_cookies(const scsi_pkt* p) {
    std::vector<cookie> v;
    for (uint_t i = 0; i < p->pkt_numcookies; ++i) v.push_back({p->pkt_cookies[i].dmac_laddress, p->pkt_cookies[i].dmac_size});
    return v;
}

// ---- a counting target callback ----
inline int cb_calls = 0;
inline caddr_t cb_last_arg = nullptr;
inline int target_cb(caddr_t arg) {
    ++cb_calls;
    cb_last_arg = arg;
    return DDI_DMA_CALLBACK_DONE;
}

// ---- the framework HBA (tran_setup_pkt, spec §7.2) ----
struct fw_hba {
    kernel_context& k;
    dev_info* dip;
    scsi_hba_tran_t* tran = nullptr;
    int setup_calls = 0, teardown_calls = 0, ctor_calls = 0, dtor_calls = 0, start_calls = 0, sync_seen = 0;
    int setup_result = 0;
    int (*setup_callback)(caddr_t) = nullptr;
    int start_result = TRAN_ACCEPT;
    bool complete_by_interrupt = false; // tran_start queues a "completion interrupt" (soft interrupt)
    bool never_complete = false;
    uint_t start_flags = 0;             // pkt_flags tran_start saw
    std::vector<scsi_pkt*> started;

    static fw_hba* of(scsi_hba_tran_t* t) { return static_cast<fw_hba*>(t->tran_hba_private); }
    static int setup(scsi_pkt* pkt, int (*cb)(caddr_t), caddr_t) {
        fw_hba* h = of(pkt->pkt_address.a_hba_tran);
        ++h->setup_calls;
        h->setup_callback = cb;
        return h->setup_result;
    }
    static void teardown(scsi_pkt* pkt) { ++of(pkt->pkt_address.a_hba_tran)->teardown_calls; }
    static int ctor(scsi_pkt*, scsi_hba_tran_t* t, int) {
        ++of(t)->ctor_calls;
        return 0;
    }
    static void dtor(scsi_pkt*, scsi_hba_tran_t* t) { ++of(t)->dtor_calls; }
    // completes a packet as the HBA's interrupt handler would
    static void complete(scsi_pkt* pkt) {
        pkt->pkt_reason = CMD_CMPLT;
        pkt->pkt_state = STATE_GOT_BUS | STATE_GOT_TARGET | STATE_SENT_CMD | STATE_GOT_STATUS |
                         (pkt->pkt_numcookies ? STATE_XFERRED_DATA : 0);
        pkt->pkt_resid = 0;
        if (pkt->pkt_scbp) pkt->pkt_scbp[0] = STATUS_GOOD;
    }
    static int start(scsi_address* ap, scsi_pkt* pkt) {
        fw_hba* h = of(ap->a_hba_tran);
        ++h->start_calls;
        h->start_flags = pkt->pkt_flags;
        h->started.push_back(pkt);
        if (h->start_result != TRAN_ACCEPT) return h->start_result;
        if (pkt->pkt_flags & FLAG_NOINTR) { // polled: done before returning, no pkt_comp
            complete(pkt);
            return TRAN_ACCEPT;
        }
        if (h->complete_by_interrupt && !h->never_complete) {
            kernel_context* kk = &h->k;
            h->k.softcall([kk, pkt] {
                ddisim::scsa::interrupt_scope in_intr(*kk);
                complete(pkt);
                scsi_hba_pkt_comp(pkt);
            });
        }
        return TRAN_ACCEPT;
    }

    fw_hba(kernel_context& kk, dev_info* d, const ddi_dma_attr_t& attr, int flags = SCSI_HBA_TRAN_CDB | SCSI_HBA_TRAN_SCB,
           uint_t hba_len = 64)
        : k(kk), dip(d) {
        tran = scsi_hba_tran_alloc(dip, SCSI_HBA_CANSLEEP);
        REQUIRE(tran != nullptr);
        tran->tran_hba_private = this;
        tran->tran_setup_pkt = setup;
        tran->tran_teardown_pkt = teardown;
        tran->tran_pkt_constructor = ctor;
        tran->tran_pkt_destructor = dtor;
        tran->tran_start = start;
        tran->tran_hba_len = hba_len;
        ddi_dma_attr_t a = attr;
        REQUIRE(scsi_hba_attach_setup(dip, &a, tran, flags) == DDI_SUCCESS);
    }
};

// ---- an HBA with its own tran_init_pkt (spec §7.3, mpt_sas-like) ----
struct own_cmd {
    ddi_dma_handle_t handle;
    uint_t nwin, curwin;
    bool bound;
    std::size_t covered;
    uint_t nsgl;
    ddi_dma_cookie_t sgl[32]; // the "hardware" S/G list of the current window
};

struct own_hba {
    kernel_context& k;
    dev_info* dip;
    scsi_hba_tran_t* tran = nullptr;
    ddi_dma_attr_t attr;
    // what the last tran_init_pkt got
    int init_calls = 0, destroy_calls = 0, dmafree_calls = 0, sync_calls = 0, start_calls = 0;
    scsi_pkt* last_in_pkt = nullptr;
    buf* last_bp = nullptr;
    int last_cmdlen = -1, last_statuslen = -1, last_tgtlen = -1, last_flags = -1;
    int (*last_callback)(caddr_t) = nullptr;
    caddr_t last_arg = reinterpret_cast<caddr_t>(1);
    bool fail_init = false;

    static own_hba* of(scsi_hba_tran_t* t) { return static_cast<own_hba*>(t->tran_hba_private); }
    static own_cmd* cmd(scsi_pkt* p) { return static_cast<own_cmd*>(p->pkt_ha_private); }

    static void load_window(scsi_pkt* pkt, buf* bp, const ddi_dma_cookie_t& first, uint_t n) {
        own_cmd* c = cmd(pkt);
        REQUIRE(n <= 32);
        c->sgl[0] = first;
        for (uint_t i = 1; i < n; ++i) ddi_dma_nextcookie(c->handle, &c->sgl[i]);
        c->nsgl = n;
        std::size_t len = 0;
        for (uint_t i = 0; i < n; ++i) len += c->sgl[i].dmac_size;
        c->covered += len;
        pkt->pkt_resid = static_cast<ssize_t>(bp->b_bcount - c->covered);
    }

    static scsi_pkt* init_pkt(scsi_address* ap, scsi_pkt* pkt, buf* bp, int cmdlen, int statuslen, int tgtlen,
                              int flags, int (*callback)(caddr_t), caddr_t arg) {
        own_hba* h = of(ap->a_hba_tran);
        ++h->init_calls;
        h->last_in_pkt = pkt;
        h->last_bp = bp;
        h->last_cmdlen = cmdlen;
        h->last_statuslen = statuslen;
        h->last_tgtlen = tgtlen;
        h->last_flags = flags;
        h->last_callback = callback;
        h->last_arg = arg;
        if (h->fail_init) return nullptr;
        bool fresh = false;
        if (!pkt) {
            pkt = scsi_hba_pkt_alloc(h->dip, ap, cmdlen, statuslen, tgtlen, sizeof(own_cmd), callback, arg);
            if (!pkt) return nullptr;
            if (ddi_dma_alloc_handle(h->dip, &h->attr, callback, arg, &cmd(pkt)->handle) != DDI_SUCCESS) {
                scsi_hba_pkt_free(ap, pkt);
                return nullptr;
            }
            fresh = true;
        }
        own_cmd* c = cmd(pkt);
        if (bp && bp->b_bcount) {
            ddi_dma_cookie_t first;
            uint_t n = 0;
            if (!c->bound) {
                uint_t dflags = (bp->b_flags & B_READ) ? DDI_DMA_READ : DDI_DMA_WRITE;
                if (flags & PKT_CONSISTENT) dflags |= DDI_DMA_CONSISTENT;
                if (flags & PKT_DMA_PARTIAL) dflags |= DDI_DMA_PARTIAL;
                const int r = ddi_dma_buf_bind_handle(c->handle, bp, dflags, callback, arg, &first, &n);
                if (r == DDI_DMA_MAPPED) {
                    c->nwin = 1;
                } else if (r == DDI_DMA_PARTIAL_MAP) {
                    REQUIRE(ddi_dma_numwin(c->handle, &c->nwin) == DDI_SUCCESS);
                    off_t off;
                    size_t len;
                    REQUIRE(ddi_dma_getwin(c->handle, 0, &off, &len, &first, &n) == DDI_SUCCESS);
                } else {
                    scsi_dma_bioerror(bp, r); // spec §7.1
                    if (fresh) {
                        ddi_dma_free_handle(&c->handle);
                        scsi_hba_pkt_free(ap, pkt);
                    }
                    return nullptr;
                }
                c->bound = true;
                c->curwin = 0;
                c->covered = 0;
            } else {
                if (c->curwin + 1 >= c->nwin) return nullptr; // no more windows
                ++c->curwin;
                off_t off;
                size_t len;
                REQUIRE(ddi_dma_getwin(c->handle, c->curwin, &off, &len, &first, &n) == DDI_SUCCESS);
            }
            load_window(pkt, bp, first, n);
        } else {
            pkt->pkt_resid = 0;
        }
        return pkt;
    }
    static void dmafree(scsi_address* ap, scsi_pkt* pkt) {
        ++of(ap->a_hba_tran)->dmafree_calls;
        own_cmd* c = cmd(pkt);
        if (c->bound) (void)ddi_dma_unbind_handle(c->handle);
        c->bound = false;
        c->nsgl = 0;
    }
    static void destroy(scsi_address* ap, scsi_pkt* pkt) {
        ++of(ap->a_hba_tran)->destroy_calls;
        own_cmd* c = cmd(pkt);
        if (c->bound) (void)ddi_dma_unbind_handle(c->handle);
        ddi_dma_free_handle(&c->handle);
        scsi_hba_pkt_free(ap, pkt);
    }
    static void sync(scsi_address* ap, scsi_pkt* pkt) {
        ++of(ap->a_hba_tran)->sync_calls;
        (void)ddi_dma_sync(cmd(pkt)->handle, 0, 0, DDI_DMA_SYNC_FORCPU);
    }
    static int start(scsi_address* ap, scsi_pkt*) {
        ++of(ap->a_hba_tran)->start_calls;
        return TRAN_ACCEPT;
    }

    own_hba(kernel_context& kk, dev_info* d, const ddi_dma_attr_t& a) : k(kk), dip(d), attr(a) {
        tran = scsi_hba_tran_alloc(dip, SCSI_HBA_CANSLEEP);
        REQUIRE(tran != nullptr);
        tran->tran_hba_private = this;
        tran->tran_init_pkt = init_pkt;
        tran->tran_destroy_pkt = destroy;
        tran->tran_dmafree = dmafree;
        tran->tran_sync_pkt = sync;
        tran->tran_start = start;
        ddi_dma_attr_t copy = a;
        REQUIRE(scsi_hba_attach_setup(dip, &copy, tran, 0) == DDI_SUCCESS);
    }
};

// ---- a kernel with one HBA node and one target ----
struct fixture {
    kernel_context k;
    dev_info* hba_dip;
    explicit fixture(kernel_config cfg = {}) : k(std::move(cfg)) {
        k.make_current();
        hba_dip = k.create_dev_info("testhba", 0);
        cb_calls = 0;
        cb_last_arg = nullptr;
    }
    ~fixture() { k.run_softints(); }

    scsi_device* target(int t = 0, int lun = 0) {
        scsi_device* sd = nullptr;
        REQUIRE(scsi_hba_target_create(hba_dip, "sd", t, lun, &sd) == DDI_SUCCESS);
        return sd;
    }
    // A B_PAGEIO buf over the given physical pages.
    buf_t pageio(const std::vector<std::uint64_t>& pages, std::uint64_t off, std::size_t len, bool read = true) {
        buf_t b{};
        b.b_flags = B_BUSY | B_PAGEIO | (read ? B_READ : B_WRITE);
        b.b_bcount = len;
        b.b_un.b_addr = reinterpret_cast<caddr_t>(static_cast<std::uintptr_t>(off));
        b.b_pages = k.make_page_list(pages);
        return b;
    }
    bool has_diag(const std::string& id) const {
        for (auto& d : k.diagnostics())
            if (d.id == id) return true;
        return false;
    }
    bool scsa_list_empty() { return ddisim::ddi::callback_list_empty(&ddisim::scsa::state(k).callback_id); }
    bool rootnex_list_empty() { return ddisim::ddi::callback_list_empty(&ddisim::ddi::state(k).rootnex_cb); }
};

} // namespace sct
