// SCSA, HBA side (spec §1.9, §7.3): scsi_hba_tran_t allocation and
// registration, packets for HBAs with their own tran_init_pkt, completion,
// target device nodes, capability pass-through. The tran_setup_pkt framework
// is in scsi_cache.cpp.
#include "sw/scsi/scsa.h"

#include "sw/ddi/ddi_state.h"

#include <cstdlib>
#include <new>
#include <string>

namespace ddisim::scsa {

namespace {
constexpr std::uint32_t hba_pkt_magic = 0xb2b2b2b2u;
constexpr std::size_t round8(std::size_t n) { return (n + 7) & ~std::size_t{7}; }
} // namespace

// Frees memory only: the DDI state (and every DMA handle) is gone by now
// (kernel_context's destructor resets it first).
scsa_state::~scsa_state() {
    for (auto& [dip, h] : hbas)
        if (h.cache)
            for (cache_wrapper* w : h.cache->all) {
                if (w->pcw_flags & pcw_need_ext_cdb) std::free(w->pcw_pkt.pkt_cdbp);
                if (w->pcw_flags & pcw_need_ext_tgt) std::free(w->pcw_pkt.pkt_private);
                if (w->pcw_flags & pcw_need_ext_scb) std::free(w->pcw_pkt.pkt_scbp);
                std::free(w);
            }
    for (hba_pkt_wrapper* w : hba_pkts) std::free(w);
    for (scsi_hba_tran_t* t : trans) std::free(t);
}

scsa_state& state(kernel::kernel_context& k) {
    auto& s = k.scsa_state();
    if (!s) s = std::make_unique<scsa_state>();
    return static_cast<scsa_state&>(*s);
}

std::size_t live_packets(kernel::kernel_context& k) { return state(k).live_pkts; }

namespace {
const void* thread_of(kernel::kernel_context& k) { return k.platform() ? k.platform()->current_thread() : nullptr; }
} // namespace

interrupt_scope::interrupt_scope(kernel::kernel_context& k) : k_(k), thread_(thread_of(k)) {
    auto& d = state(k_).intr_depth;
    for (auto& [t, n] : d)
        if (t == thread_) {
            ++n;
            return;
        }
    d.emplace_back(thread_, 1);
}

interrupt_scope::~interrupt_scope() {
    auto& d = state(k_).intr_depth;
    for (auto it = d.begin(); it != d.end(); ++it)
        if (it->first == thread_) {
            if (--it->second == 0) d.erase(it);
            return;
        }
}

bool in_interrupt(kernel::kernel_context& k) {
    const auto& d = state(k).intr_depth;
    if (d.empty()) return false;
    const void* me = thread_of(k);
    for (const auto& e : d)
        if (e.first == me) return true;
    return false;
}

kernel::kernel_context* kernel_of(const scsi_hba_tran_t* tran) {
    if (tran && tran->tran_hba_dip && tran->tran_hba_dip->kernel) return tran->tran_hba_dip->kernel;
    return kernel::kernel_context::current();
}

namespace {

kernel::kernel_context* kernel_of_dip(const dev_info* dip) {
    if (dip && dip->kernel) return dip->kernel;
    return kernel::kernel_context::current();
}

void destroy_cache(kernel::kernel_context& k, pkt_cache& c) {
    for (cache_wrapper* w : c.free_objs) {
        if (c.tran->tran_pkt_destructor) c.tran->tran_pkt_destructor(&w->pcw_pkt, c.tran);
        if (w->pcw_pkt.pkt_handle) ddi_dma_free_handle(&w->pcw_pkt.pkt_handle);
        c.all.erase(w);
        std::free(w);
        --c.constructed;
        ++c.destructor_calls;
    }
    c.free_objs.clear();
    (void)k;
}

} // namespace

} // namespace ddisim::scsa

using namespace ddisim::scsa;
using ddisim::kernel::kernel_context;

// ---- registration ----

extern "C" scsi_hba_tran_t* scsi_hba_tran_alloc(dev_info_t* hba_dip, int flags) {
    (void)flags; // host memory: a sleeping and a non-sleeping allocation both succeed
    kernel_context* k = kernel_of_dip(hba_dip);
    auto* t = static_cast<scsi_hba_tran_t*>(std::calloc(1, sizeof(scsi_hba_tran_t)));
    if (!t) return nullptr;
    t->tran_hba_flags = SCSI_HBA_SCSA_TA;
    t->tran_interconnect_type = INTERCONNECT_PARALLEL;
    if (k) state(*k).trans.push_back(t);
    return t;
}

extern "C" void scsi_hba_tran_free(scsi_hba_tran_t* tran) {
    if (!tran) return;
    kernel_context* k = kernel_of(tran);
    if (k) {
        auto& st = state(*k);
        for (auto& [dip, h] : st.hbas)
            if (h.tran == tran) {
                k->report("scsa-tran-free-attached",
                          kernel_context::dev_name(dip) + ": scsi_hba_tran_free of an attached HBA; "
                                                          "scsi_hba_detach it first");
                return;
            }
        for (auto it = st.trans.begin(); it != st.trans.end(); ++it)
            if (*it == tran) {
                st.trans.erase(it);
                std::free(tran);
                return;
            }
    }
    // not from scsi_hba_tran_alloc: the caller owns it
}

extern "C" int scsi_hba_attach_setup(dev_info_t* hba_dip, ddi_dma_attr_t* hba_dma_attr, scsi_hba_tran_t* tran,
                                     int flags) {
    if (!hba_dip || !hba_dma_attr || !tran) return DDI_FAILURE;
    kernel_context* k = kernel_of_dip(hba_dip);
    if (!k) return DDI_FAILURE;
    auto& st = state(*k);
    if (st.hbas.count(hba_dip)) return DDI_FAILURE;
    if (tran->tran_setup_pkt && !tran->tran_teardown_pkt) return DDI_FAILURE;
    tran->tran_hba_dip = hba_dip;
    tran->tran_dma_attr = *hba_dma_attr;
    tran->tran_hba_flags |= flags;
    hba_entry e;
    e.tran = tran;
    if (tran->tran_setup_pkt) {
        // spec §1.9: the framework's functions replace the HBA's (illumos
        // only asserts that the HBA left them empty)
        if (tran->tran_init_pkt || tran->tran_destroy_pkt)
            k->report("scsa-setup-pkt-overrides",
                      kernel_context::dev_name(hba_dip) +
                          ": HBA sets tran_setup_pkt and its own tran_init_pkt/tran_destroy_pkt; "
                          "the framework's replace them (spec §1.9)");
        tran->tran_init_pkt = scsi_init_cache_pkt;
        tran->tran_destroy_pkt = scsi_free_cache_pkt;
        tran->tran_sync_pkt = scsi_sync_cache_pkt;
        tran->tran_dmafree = scsi_cache_dmafree;
        e.cache = std::make_unique<pkt_cache>();
        e.cache->tran = tran;
        tran->tran_pkt_cache_ptr = e.cache.get();
    }
    st.hbas.emplace(hba_dip, std::move(e));
    return DDI_SUCCESS;
}

extern "C" int scsi_hba_detach(dev_info_t* hba_dip) {
    kernel_context* k = kernel_of_dip(hba_dip);
    if (!k) return DDI_FAILURE;
    auto& st = state(*k);
    auto it = st.hbas.find(hba_dip);
    if (it == st.hbas.end()) return DDI_FAILURE;
    for (auto& [tdip, t] : st.targets)
        if (t->hba == hba_dip) return DDI_FAILURE; // targets still attached
    if (it->second.cache) {
        pkt_cache& c = *it->second.cache;
        if (c.constructed != c.free_objs.size()) return DDI_FAILURE; // packets in use
        destroy_cache(*k, c);
        it->second.tran->tran_pkt_cache_ptr = nullptr;
    }
    st.hbas.erase(it);
    return DDI_SUCCESS;
}

extern "C" scsi_hba_tran_t* scsi_hba_tran_of(dev_info_t* hba_dip) {
    kernel_context* k = kernel_of_dip(hba_dip);
    if (!k) return nullptr;
    auto& st = state(*k);
    auto it = st.hbas.find(hba_dip);
    return it == st.hbas.end() ? nullptr : it->second.tran;
}

// ---- packets of HBAs with their own tran_init_pkt (spec §7.3) ----

extern "C" struct scsi_pkt* scsi_hba_pkt_alloc(dev_info_t* hba_dip, struct scsi_address* ap, int cmdlen,
                                              int statuslen, int tgtlen, int hbalen, int (*callback)(caddr_t),
                                              caddr_t arg) {
    (void)arg;
    kernel_context* k = kernel_of_dip(hba_dip);
    if (!k || !ap || cmdlen < 0 || statuslen < 0 || tgtlen < 0 || hbalen < 0) return nullptr;
    auto& st = state(*k);
    if (callback != NULL_FUNC && callback != SLEEP_FUNC)
        k->report_once("scsa-pkt-alloc-callback", kernel_context::dev_name(hba_dip) +
                                                      ": scsi_hba_pkt_alloc callback must be NULL_FUNC or "
                                                      "SLEEP_FUNC");
    if (callback != SLEEP_FUNC && st.live_pkts >= st.cfg.pkt_limit) return nullptr;
    const std::size_t head = round8(sizeof(hba_pkt_wrapper));
    const std::size_t hl = round8(std::size_t(hbalen)), cl = round8(std::size_t(cmdlen));
    const std::size_t sl = round8(std::size_t(statuslen)), tl = round8(std::size_t(tgtlen));
    const std::size_t len = head + hl + cl + sl + tl;
    void* mem = std::calloc(1, len);
    if (!mem) return nullptr;
    auto* w = new (mem) hba_pkt_wrapper{};
    w->magic = hba_pkt_magic;
    w->len = len;
    scsi_pkt* pkt = &w->pkt;
    auto* p = static_cast<uchar_t*>(mem) + head;
    if (hbalen > 0) pkt->pkt_ha_private = p;
    p += hl;
    if (cmdlen > 0) pkt->pkt_cdbp = p;
    p += cl;
    if (statuslen > 0) pkt->pkt_scbp = p;
    p += sl;
    if (tgtlen > 0) pkt->pkt_private = p;
    pkt->pkt_address = *ap;
    pkt->pkt_cdblen = static_cast<uint_t>(cmdlen);
    pkt->pkt_scblen = static_cast<uint_t>(statuslen);
    pkt->pkt_tgtlen = static_cast<uint_t>(tgtlen);
    st.hba_pkts.insert(w);
    ++st.live_pkts;
    return pkt;
}

extern "C" void scsi_hba_pkt_free(struct scsi_address* ap, struct scsi_pkt* pkt) {
    if (!pkt) return;
    kernel_context* k = kernel_of(ap ? ap->a_hba_tran : pkt->pkt_address.a_hba_tran);
    auto* w = reinterpret_cast<hba_pkt_wrapper*>(pkt);
    if (!k || w->magic != hba_pkt_magic) {
        if (k) k->report("scsa-bad-pkt-free", "scsi_hba_pkt_free of a packet scsi_hba_pkt_alloc did not make");
        return;
    }
    auto& st = state(*k);
    if (!st.hba_pkts.erase(w)) return;
    w->magic = 0;
    --st.live_pkts;
    std::free(w);
}

extern "C" void scsi_hba_pkt_comp(struct scsi_pkt* pkt) {
    if (!pkt || !pkt->pkt_comp) return;
    scsi_hba_tran_t* tran = pkt->pkt_address.a_hba_tran;
    if (kernel_context* k = kernel_of(tran)) k->charge(state(*k).cfg.costs.pkt_comp_ns);
    // a 'consistent' read of a framework packet is synced before the target
    // looks at the data
    if ((pkt->pkt_dma_flags & DDI_DMA_CONSISTENT) && (pkt->pkt_dma_flags & DDI_DMA_READ) && tran &&
        tran->tran_setup_pkt)
        scsi_sync_pkt(pkt);
    pkt->pkt_comp(pkt);
}

// ---- target nodes ----

extern "C" int scsi_hba_target_create(dev_info_t* hba_dip, const char* node_name, int target, int lun,
                                      struct scsi_device** sdp) {
    kernel_context* k = kernel_of_dip(hba_dip);
    if (!k || !node_name || !sdp) return DDI_FAILURE;
    auto& st = state(*k);
    auto it = st.hbas.find(hba_dip);
    if (it == st.hbas.end()) return DDI_FAILURE;
    if (target < 0 || target > 0xFFFF || lun < 0 || lun > 0xFF) return DDI_FAILURE;
    int same_name = 0;
    for (auto& [tdip, t] : st.targets) {
        if (t->hba == hba_dip && t->target == target && t->lun == lun) return DDI_FAILURE;
        if (tdip->name == node_name) ++same_name;
    }
    scsi_hba_tran_t* tran = it->second.tran;
    auto node = std::make_unique<target_node>();
    node->target = target;
    node->lun = lun;
    node->hba = hba_dip;
    dev_info* child = k->create_dev_info(node_name, same_name, hba_dip->iommu_translated);
    scsi_device& sd = node->sd;
    if (tran->tran_hba_flags & SCSI_HBA_TRAN_CLONE) {
        // as illumos's initchild: the target gets a copy of the tran, so
        // what the HBA keeps per target there (tran_tgt_private, the DMA
        // attributes a setcap changes) is its own
        node->clone = std::make_unique<scsi_hba_tran_t>(*tran);
        node->clone->tran_sd = &sd;
        tran = node->clone.get();
    }
    sd.sd_address.a_hba_tran = tran;
    if (tran->tran_hba_flags & SCSI_HBA_ADDR_COMPLEX) {
        sd.sd_address.a.a_sd = &sd;
    } else {
        sd.sd_address.a_target = static_cast<ushort_t>(target);
        sd.sd_address.a_lun = static_cast<uchar_t>(lun);
    }
    sd.sd_dev = child;
    sd.sd_tran_safe = tran;
    if (tran->tran_tgt_init && tran->tran_tgt_init(hba_dip, child, tran, &sd) != DDI_SUCCESS) return DDI_FAILURE;
    *sdp = &sd;
    st.targets.emplace(child, std::move(node));
    return DDI_SUCCESS;
}

extern "C" void scsi_hba_target_destroy(struct scsi_device* sd) {
    if (!sd || !sd->sd_dev) return;
    kernel_context* k = kernel_of_dip(sd->sd_dev);
    if (!k) return;
    auto& st = state(*k);
    auto it = st.targets.find(sd->sd_dev);
    if (it == st.targets.end() || &it->second->sd != sd) return;
    scsi_hba_tran_t* tran = sd->sd_address.a_hba_tran;
    if (tran && tran->tran_tgt_free) tran->tran_tgt_free(it->second->hba, sd->sd_dev, tran, sd);
    st.targets.erase(it);
}

extern "C" struct scsi_device* scsi_device_of(dev_info_t* tgt_dip) {
    kernel_context* k = kernel_of_dip(tgt_dip);
    if (!k) return nullptr;
    auto& st = state(*k);
    auto it = st.targets.find(tgt_dip);
    return it == st.targets.end() ? nullptr : &it->second->sd;
}

extern "C" struct scsi_device* scsi_address_device(struct scsi_address* sa) {
    if (!sa || !sa->a_hba_tran || !(sa->a_hba_tran->tran_hba_flags & SCSI_HBA_ADDR_COMPLEX)) return nullptr;
    return sa->a.a_sd;
}

extern "C" void scsi_device_hba_private_set(struct scsi_device* sd, void* data) {
    if (sd) sd->sd_hba_private = data;
}

extern "C" void* scsi_device_hba_private_get(struct scsi_device* sd) { return sd ? sd->sd_hba_private : nullptr; }

// ---- capabilities and control ----

extern "C" int scsi_ifgetcap(struct scsi_address* ap, char* cap, int whom) {
    if (!ap || !ap->a_hba_tran || !ap->a_hba_tran->tran_getcap || !cap) return -1;
    return ap->a_hba_tran->tran_getcap(ap, cap, whom);
}

extern "C" int scsi_ifsetcap(struct scsi_address* ap, char* cap, int value, int whom) {
    if (!ap || !ap->a_hba_tran || !ap->a_hba_tran->tran_setcap || !cap) return -1;
    return ap->a_hba_tran->tran_setcap(ap, cap, value, whom);
}

extern "C" int scsi_reset(struct scsi_address* ap, int level) {
    if (!ap || !ap->a_hba_tran || !ap->a_hba_tran->tran_reset) return 0;
    return ap->a_hba_tran->tran_reset(ap, level);
}

extern "C" int scsi_abort(struct scsi_address* ap, struct scsi_pkt* pkt) {
    if (!ap || !ap->a_hba_tran || !ap->a_hba_tran->tran_abort) return 0;
    return ap->a_hba_tran->tran_abort(ap, pkt);
}
