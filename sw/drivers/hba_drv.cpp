// hba_drv — see hba_drv.h.
#include "sw/drivers/hba_drv.h"

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "sw/scsi/scsa.h"

namespace ddisim::drivers {

namespace P = hba_prog;

// Data buffers: the HBA's SGL entries take 64-bit addresses and 32-bit
// lengths of any alignment; windows are cut on 512-byte blocks (granular)
// so that every window is a whole number of disk blocks; 256 cookies fit a
// tag's chain area (4 inline + one 4 KiB segment of 255 + part of another).
const ddi_dma_attr_t hba_data_dma_attr = {
    DMA_ATTR_V0,
    0x0000000000000000ull, // addr_lo
    0xFFFFFFFFFFFFFFFFull, // addr_hi
    0x00000000FFFFFFFFull, // count_max: the entry's u32 length
    0x0000000000000001ull, // align
    0x00000FFFu,           // burstsizes
    1,                     // minxfer
    0x0000000001000000ull, // maxxfer: 16 MiB (the HBA's max_transfer)
    0xFFFFFFFFFFFFFFFFull, // seg
    256,                   // sgllen
    512,                   // granular: one block
    0,                     // flags
};

// Request ring, reply ring, chain areas: the HBA's ring base registers take
// 64 bits, but this driver keeps its control structures below 4 GiB (as
// many real HBAs require) in one contiguous cookie.
const ddi_dma_attr_t hba_ring_dma_attr = {
    DMA_ATTR_V0,
    0x0000000000000000ull, 0x00000000FFFFFFFFull, 0x00000000FFFFFFFEull,
    0x0000000000000080ull, // align: one frame
    0x00000FFFu, 1, 0x00000000FFFFFFFFull, 0xFFFFFFFFFFFFFFFFull,
    1, // sgllen: one cookie
    1, 0,
};

const ddi_device_acc_attr_t hba_acc_attr = {
    DDI_DEVICE_ATTR_V0, DDI_STRUCTURE_LE_ACC, DDI_STRICTORDER_ACC, 0,
};

namespace {
constexpr unsigned seg_entries = 256; // entries per 4 KiB chain segment (255 data + CHAIN when more follow)

// The HBA private area of every packet (tran_hba_len).
struct hba_cmd {
    unsigned tag;
    bool done;    // polled packet: its reply was seen
    bool active;  // submitted, not yet completed
    bool polling; // FLAG_NOINTR: completed by the poll loop, never through pkt_comp
};
hba_cmd* cmd_of(struct scsi_pkt* pkt) { return static_cast<hba_cmd*>(pkt->pkt_ha_private); }
hba_drv* drv_of(struct scsi_address* ap) { return static_cast<hba_drv*>(ap->a_hba_tran->tran_hba_private); }

void put_le(std::uint8_t* p, std::uint64_t v, unsigned n) {
    for (unsigned i = 0; i < n; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
std::uint64_t get_le(const std::uint8_t* p, unsigned n) {
    std::uint64_t v = 0;
    for (unsigned i = 0; i < n; ++i) v |= std::uint64_t(p[i]) << (8 * i);
    return v;
}
} // namespace

hba_drv::hba_drv(dev_info_t* dip, const hba_drv_config& cfg)
    : dip_(dip), k_(dip->kernel), cfg_(cfg), start_cv_(std::make_unique<kernel::kcondvar>(*dip->kernel)),
      replies_cv_(std::make_unique<kernel::kcondvar>(*dip->kernel)),
      intr_cv_(std::make_unique<kernel::kcondvar>(*dip->kernel)) {
    attr_ = hba_data_dma_attr;
    attr_.dma_attr_addr_hi = cfg.data_addr_hi;
    attr_.dma_attr_sgllen = cfg.sgllen;
    attr_.dma_attr_maxxfer = cfg.maxxfer;
}

hba_drv::~hba_drv() { detach(); }

std::uint32_t hba_drv::rd(std::uint64_t off) { return ddi_get32(regs_h_, reinterpret_cast<uint32_t*>(regs_ + off)); }
void hba_drv::wr(std::uint64_t off, std::uint32_t v) { ddi_put32(regs_h_, reinterpret_cast<uint32_t*>(regs_ + off), v); }

struct scsi_device* hba_drv::device(unsigned target) const {
    for (auto* d : devs_)
        if (d->sd_address.a_target == target) return d;
    return nullptr;
}

// ---------------------------------------------------------------- attach

int hba_drv::attach(dev_info_t* dip, const hba_drv_config& cfg, std::unique_ptr<hba_drv>& out) {
    if (!dip || !dip->kernel || cfg.request_entries < 2 || cfg.sgllen <= 0) return DDI_FAILURE;
    std::unique_ptr<hba_drv> d(new hba_drv(dip, cfg));
    int rc;
    if ((rc = d->attach_regs()) != DDI_SUCCESS) return rc;
    // tags, rings, chain areas
    d->ntags_ = cfg.max_tags ? cfg.max_tags : d->hw_qd_;
    d->ntags_ = std::min<unsigned>({d->ntags_, cfg.request_entries - 1, 65535u});
    if (d->ntags_ == 0) return DDI_FAILURE;
    d->rpl_entries_ = d->ntags_ + 2; // a reply slot for every tag plus the one the HBA keeps free
    if ((rc = d->alloc_ring(d->req_, std::size_t(cfg.request_entries) * P::frame_size)) != DDI_SUCCESS) return rc;
    if ((rc = d->alloc_ring(d->rpl_, std::size_t(d->rpl_entries_) * P::reply_size)) != DDI_SUCCESS) return rc;
    const int sgllen = d->attr_.dma_attr_sgllen; // cfg.sgllen narrowed by MAX_SGL
    const unsigned beyond = sgllen > int(P::inline_sgl) ? unsigned(sgllen) - P::inline_sgl : 0;
    if (beyond) {
        // data entries plus one CHAIN entry per full segment, in 4 KiB segments
        const unsigned segs = (beyond + seg_entries - 2) / (seg_entries - 1);
        d->chain_entries_ = segs * seg_entries;
        d->chain_stride_ = std::size_t(d->chain_entries_) * P::sgl_entry;
        if ((rc = d->alloc_ring(d->chain_, d->chain_stride_ * d->ntags_)) != DDI_SUCCESS) return rc;
    }
    d->tag_pkt_.assign(d->ntags_, nullptr);
    for (unsigned t = d->ntags_; t-- > 0;) d->free_tags_.push_back(t);
    if ((rc = d->attach_intr()) != DDI_SUCCESS) return rc;
    d->program();
    if ((rc = d->attach_scsa()) != DDI_SUCCESS) return rc;
    out = std::move(d);
    return DDI_SUCCESS;
}

int hba_drv::attach_regs() {
    if (ddi_regs_map_setup(dip_, 0, &regs_, 0, 0, &hba_acc_attr, &regs_h_) != DDI_SUCCESS) return DDI_FAILURE;
    if (rd(P::ID) != P::id_value) return DDI_FAILURE;
    hw_targets_ = rd(P::TARGETS);
    hw_qd_ = rd(P::CAPS) & 0xFFFFu;
    target_qd_ = rd(P::TARGET_QD) & 0xFFFFu;
    // The controller's own limits narrow the data attributes (as
    // ddi_dma_attr_merge would): a bind never yields an SGL or a transfer
    // the HBA refuses; larger I/O is walked in PARTIAL windows.
    if (const std::uint32_t m = rd(P::MAX_SGL); m && std::uint64_t(m) < std::uint64_t(attr_.dma_attr_sgllen))
        attr_.dma_attr_sgllen = static_cast<int>(m);
    if (const std::uint32_t m = rd(P::MAX_XFER); m && m < attr_.dma_attr_maxxfer) attr_.dma_attr_maxxfer = m;
    return DDI_SUCCESS;
}

int hba_drv::alloc_ring(ring& r, std::size_t len) {
    int rc = ddi_dma_alloc_handle(dip_, &hba_ring_dma_attr, DDI_DMA_SLEEP, nullptr, &r.dh);
    if (rc != DDI_SUCCESS) return rc;
    size_t real = 0;
    if (ddi_dma_mem_alloc(r.dh, len, &hba_acc_attr, DDI_DMA_CONSISTENT, DDI_DMA_SLEEP, nullptr, &r.va, &real, &r.ah) !=
        DDI_SUCCESS)
        return DDI_FAILURE;
    ddi_dma_cookie_t c;
    uint_t n = 0;
    rc = ddi_dma_addr_bind_handle(r.dh, nullptr, r.va, len, DDI_DMA_RDWR | DDI_DMA_CONSISTENT, DDI_DMA_SLEEP, nullptr,
                                  &c, &n);
    if (rc != DDI_DMA_MAPPED) return rc == DDI_DMA_PARTIAL_MAP ? DDI_DMA_TOOBIG : rc;
    r.bound = true;
    if (n != 1) return DDI_DMA_NOMAPPING;
    r.dev = c.dmac_laddress;
    r.len = len;
    std::memset(r.va, 0, len);
    (void)ddi_dma_sync(r.dh, 0, len, DDI_DMA_SYNC_FORDEV);
    return DDI_SUCCESS;
}

void hba_drv::free_ring(ring& r) {
    if (r.bound) ddi_dma_unbind_handle(r.dh);
    r.bound = false;
    if (r.ah) ddi_dma_mem_free(&r.ah);
    if (r.dh) ddi_dma_free_handle(&r.dh);
    r.ah = nullptr;
    r.dh = nullptr;
}

int hba_drv::attach_intr() {
    int actual = 0;
    if (ddi_intr_alloc(dip_, &ih_, DDI_INTR_TYPE_FIXED, 0, 1, &actual, DDI_INTR_ALLOC_STRICT) != DDI_SUCCESS ||
        actual != 1) {
        ih_ = nullptr;
        return DDI_FAILURE;
    }
    if (ddi_intr_add_handler(ih_, &hba_drv::intr, this, nullptr) != DDI_SUCCESS) return DDI_FAILURE;
    intr_added_ = true;
    if (ddi_intr_enable(ih_) != DDI_SUCCESS) return DDI_FAILURE;
    intr_enabled_ = true;
    return DDI_SUCCESS;
}

// HBA_RESET, rings, coalescing, ENABLE. Called at attach and after RESET_ALL.
void hba_drv::program() {
    wr(P::RESET, P::RST_HBA);
    wr(P::IRQ_STATUS, P::IRQ_REPLY | P::IRQ_FAULT);
    wr(P::REQ_BASE_LO, static_cast<std::uint32_t>(req_.dev));
    wr(P::REQ_BASE_HI, static_cast<std::uint32_t>(req_.dev >> 32));
    wr(P::REQ_SIZE, cfg_.request_entries);
    wr(P::RPL_BASE_LO, static_cast<std::uint32_t>(rpl_.dev));
    wr(P::RPL_BASE_HI, static_cast<std::uint32_t>(rpl_.dev >> 32));
    wr(P::RPL_SIZE, rpl_entries_);
    if (cfg_.coalesce_count) {
        wr(P::COALESCE_COUNT, cfg_.coalesce_count);
        wr(P::COALESCE_TIME, cfg_.coalesce_time_ns);
    }
    wr(P::IRQ_MASK, 0);
    req_pi_ = req_ci_ = rpl_ci_ = 0;
    wr(P::CONTROL, P::CONTROL_ENABLE);
}

int hba_drv::attach_scsa() {
    tran_ = scsi_hba_tran_alloc(dip_, SCSI_HBA_CANSLEEP);
    if (!tran_) return DDI_FAILURE;
    tran_->tran_hba_private = this;
    tran_->tran_tgt_init = &hba_drv::s_tgt_init;
    tran_->tran_start = &hba_drv::s_start;
    tran_->tran_reset = &hba_drv::s_reset;
    tran_->tran_abort = &hba_drv::s_abort;
    tran_->tran_getcap = &hba_drv::s_getcap;
    tran_->tran_setcap = &hba_drv::s_setcap;
    tran_->tran_setup_pkt = &hba_drv::s_setup_pkt;
    tran_->tran_teardown_pkt = &hba_drv::s_teardown_pkt;
    tran_->tran_hba_len = sizeof(hba_cmd);
    tran_->tran_interconnect_type = INTERCONNECT_SAS;
    // SCSI_HBA_TRAN_CLONE: each target's tran its own, so one disk's
    // "sector-size" (the windows' granularity) is not another's
    if (scsi_hba_attach_setup(dip_, &attr_, tran_, SCSI_HBA_TRAN_CDB | SCSI_HBA_TRAN_SCB | SCSI_HBA_TRAN_CLONE) !=
        DDI_SUCCESS)
        return DDI_FAILURE;
    hba_attached_ = true;
    std::vector<unsigned> ts = cfg_.targets;
    if (ts.empty())
        for (unsigned t = 0; t < hw_targets_; ++t) ts.push_back(t);
    for (unsigned t : ts) {
        struct scsi_device* sd = nullptr;
        if (scsi_hba_target_create(dip_, "sd", int(t), 0, &sd) != DDI_SUCCESS || !sd) return DDI_FAILURE;
        devs_.push_back(sd);
    }
    return DDI_SUCCESS;
}

void hba_drv::detach() {
    // No handler may still run on what is torn down below: the interrupt
    // thread yields on its register accesses, so one may be part way
    // through the reply ring (as illumos's rem_avintr waits for a handler
    // that is running). Only from a software thread: torn down after the
    // simulation stopped (a run cut short by run.duration), a handler caught
    // part way never runs again, and nothing could end the wait.
    if (intr_enabled_) ddi_intr_disable(ih_);
    intr_enabled_ = false;
    if (k_->platform() && k_->platform()->current_thread()) intr_cv_->wait_until([&] { return !in_intr_; });
    for (auto* sd : devs_) scsi_hba_target_destroy(sd);
    devs_.clear();
    if (regs_h_) {
        wr(P::CONTROL, 0);
        wr(P::RESET, P::RST_HBA);
        wr(P::IRQ_STATUS, P::IRQ_REPLY | P::IRQ_FAULT);
    }
    if (hba_attached_) (void)scsi_hba_detach(dip_);
    hba_attached_ = false;
    if (tran_) scsi_hba_tran_free(tran_);
    tran_ = nullptr;
    if (intr_enabled_) ddi_intr_disable(ih_);
    if (intr_added_) ddi_intr_remove_handler(ih_);
    if (ih_) ddi_intr_free(ih_);
    intr_enabled_ = intr_added_ = false;
    ih_ = nullptr;
    free_ring(chain_);
    free_ring(rpl_);
    free_ring(req_);
    if (regs_h_) ddi_regs_map_free(&regs_h_);
    regs_h_ = nullptr;
}

// ---------------------------------------------------------------- SCSA entry points

int hba_drv::s_tgt_init(dev_info_t*, dev_info_t*, scsi_hba_tran_t* tran, struct scsi_device* sd) {
    auto* d = static_cast<hba_drv*>(tran->tran_hba_private);
    // Any LUN (a_lun is 8 bits) of a target the HBA reports.
    return sd->sd_address.a_target < d->hw_targets_ ? DDI_SUCCESS : DDI_FAILURE;
}

int hba_drv::s_setup_pkt(struct scsi_pkt* pkt, int (*)(caddr_t), caddr_t) {
    *cmd_of(pkt) = hba_cmd{0, false, false, false};
    return 0;
}

void hba_drv::s_teardown_pkt(struct scsi_pkt*) {}

int hba_drv::s_start(struct scsi_address* ap, struct scsi_pkt* pkt) { return drv_of(ap)->start(ap, pkt); }
int hba_drv::s_reset(struct scsi_address* ap, int level) { return drv_of(ap)->reset(ap, level); }

// The HBA cannot abort one command; scsi_abort(ap, NULL) (every command of
// the target) is done with a target reset.
int hba_drv::s_abort(struct scsi_address* ap, struct scsi_pkt* pkt) {
    if (pkt) return 0;
    return drv_of(ap)->reset(ap, RESET_TARGET);
}

int hba_drv::s_getcap(struct scsi_address* ap, char* cap, int) {
    hba_drv* d = drv_of(ap);
    if (!cap) return -1;
    const std::string c(cap);
    if (c == "dma-max" || c == "dma_max") return int(std::min<std::uint64_t>(d->attr_.dma_attr_maxxfer, 0x7FFFFFFF));
    if (c == "tagged-qing" || c == "untagged-qing" || c == "auto-rqsense") return 1;
    if (c == "sector-size") return int(ap->a_hba_tran->tran_dma_attr.dma_attr_granular);
    if (c == "interconnect-type") return INTERCONNECT_SAS;
    if (c == "qfull-retries") return 0;
    return -1;
}

int hba_drv::s_setcap(struct scsi_address* ap, char* cap, int value, int) {
    if (!cap) return -1;
    const std::string c(cap);
    if (c == "sector-size" && value > 0) {
        // the framework re-allocates packet handles with the new granularity
        ap->a_hba_tran->tran_dma_attr.dma_attr_granular = uint32_t(value);
        return 1;
    }
    if (c == "tagged-qing" || c == "auto-rqsense") return 1;
    return 0;
}

// ---------------------------------------------------------------- start

// tran_start. One packet at a time goes into the request ring: building a
// frame reads and writes over the bus (REQ_CI, the SGL chain, the frame,
// their syncs), so the calling thread yields, and another thread may start
// a packet meanwhile (sd of another disk: each disk's sd runs its own
// queue). Unserialised, both took the same request slot and the later
// doorbell left the other frame out of the ring: a command never started
// (as an illumos HBA driver's mutex around its request queue prevents).
void hba_drv::hold_ring() {
    start_cv_->wait_until([&] { return !starting_; });
    starting_ = true;
}

void hba_drv::release_ring() {
    starting_ = false;
    start_cv_->signal();
}

int hba_drv::start(struct scsi_address* ap, struct scsi_pkt* pkt) {
    hold_ring();
    const int rc = post_frame(ap, pkt);
    release_ring();
    if (rc != TRAN_ACCEPT || !(pkt->pkt_flags & FLAG_NOINTR)) return rc;
    // interrupt context (SCSA passes FLAG_NOINTR down only from there):
    // poll until this packet's reply arrived, completing others as usual
    hba_cmd* cmd = cmd_of(pkt);
    ++st_.polled;
    const std::uint64_t limit_ns = std::uint64_t(pkt->pkt_time > 0 ? pkt->pkt_time : SCSI_POLL_TIMEOUT) * 1000000000ull;
    std::uint64_t waited = 0;
    for (;;) {
        (void)process_replies();
        if (cmd->done) break;
        if (waited >= limit_ns) {
            // the command stays out: it completes (CMD_TIMEOUT) never; report
            pkt->pkt_reason = CMD_TIMEOUT;
            pkt->pkt_statistics |= STAT_TIMEOUT;
            k_->report("hba-poll-timeout", "hba_drv: a FLAG_NOINTR command did not complete in pkt_time");
            break;
        }
        k_->delay_ns(cfg_.poll_interval_ns);
        waited += cfg_.poll_interval_ns;
    }
    return TRAN_ACCEPT;
}

// The frame of one packet into the request ring, and the doorbell (start
// holds the ring).
int hba_drv::post_frame(struct scsi_address* ap, struct scsi_pkt* pkt) {
    hba_cmd* cmd = cmd_of(pkt);
    if (pkt->pkt_cdblen == 0 || pkt->pkt_cdblen > 16) return TRAN_BADPKT;
    const unsigned n = pkt->pkt_numcookies;
    if (n > P::inline_sgl + (chain_entries_ ? chain_entries_ - chain_entries_ / seg_entries : 0)) return TRAN_BADPKT;
    if (free_tags_.empty()) {
        ++st_.tran_busy;
        return TRAN_BUSY;
    }
    const std::uint32_t next = (req_pi_ + 1) % cfg_.request_entries;
    if (next == req_ci_) {
        req_ci_ = rd(P::REQ_CI);
        if (next == req_ci_) {
            ++st_.tran_busy;
            return TRAN_BUSY;
        }
    }
    const unsigned tag = free_tags_.back();
    free_tags_.pop_back();
    *cmd = hba_cmd{tag, false, true, (pkt->pkt_flags & FLAG_NOINTR) != 0};
    tag_pkt_[tag] = pkt;
    ++outstanding_;
    pkt->pkt_reason = CMD_INCOMPLETE;
    pkt->pkt_state = 0;
    pkt->pkt_statistics = 0;

    std::uint8_t f[P::frame_size] = {};
    put_le(f + P::F_TAG, tag, 4);
    f[P::F_TARGET] = static_cast<std::uint8_t>(ap->a_target);
    const bool data = n > 0 && pkt->pkt_dma_len > 0;
    const bool in = data && (pkt->pkt_dma_flags & DDI_DMA_READ);
    f[P::F_DIR] = !data ? P::DIR_NONE : in ? P::DIR_IN : P::DIR_OUT;
    f[P::F_CDB_LEN] = static_cast<std::uint8_t>(pkt->pkt_cdblen);
    put_le(f + P::F_LUN, ap->a_lun, 4);
    put_le(f + P::F_DATA_LEN, data ? pkt->pkt_dma_len : 0, 4);
    std::memcpy(f + P::F_CDB, pkt->pkt_cdbp, pkt->pkt_cdblen);
    // SGL: 4 inline, the rest in this tag's chain area
    const unsigned ni = std::min(n, P::inline_sgl);
    f[P::F_SGL_INLINE] = static_cast<std::uint8_t>(data ? ni : 0);
    for (unsigned i = 0; data && i < ni; ++i) {
        std::uint8_t* e = f + P::F_SGL + i * P::sgl_entry;
        put_le(e, pkt->pkt_cookies[i].dmac_laddress, 8);
        put_le(e + 8, pkt->pkt_cookies[i].dmac_size, 4);
    }
    if (data && n > P::inline_sgl) {
        const std::size_t base = std::size_t(tag) * chain_stride_;
        auto* area = reinterpret_cast<std::uint8_t*>(chain_.va) + base;
        const std::uint64_t area_dev = chain_.dev + base;
        unsigned rest = n - P::inline_sgl, ci = P::inline_sgl, seg = 0, first_count = 0;
        while (rest) {
            // this segment: all the rest if they fit, else 255 data + CHAIN
            const unsigned here = rest <= seg_entries ? rest : seg_entries - 1;
            std::uint8_t* s = area + std::size_t(seg) * seg_entries * P::sgl_entry;
            std::uint8_t tmp[seg_entries * P::sgl_entry] = {};
            for (unsigned i = 0; i < here; ++i, ++ci) {
                put_le(tmp + i * P::sgl_entry, pkt->pkt_cookies[ci].dmac_laddress, 8);
                put_le(tmp + i * P::sgl_entry + 8, pkt->pkt_cookies[ci].dmac_size, 4);
            }
            rest -= here;
            unsigned count = here;
            if (rest) {
                const unsigned nxt = rest <= seg_entries ? rest : seg_entries;
                std::uint8_t* e = tmp + here * P::sgl_entry;
                put_le(e, area_dev + std::size_t(seg + 1) * seg_entries * P::sgl_entry, 8);
                put_le(e + 8, nxt, 4);
                put_le(e + 12, P::SGL_CHAIN, 4);
                ++count;
            }
            if (seg == 0) first_count = count;
            ddi_rep_put64(chain_.ah, reinterpret_cast<uint64_t*>(tmp), reinterpret_cast<uint64_t*>(s), count * 2,
                          DDI_DEV_AUTOINCR);
            (void)ddi_dma_sync(chain_.dh, off_t(s - reinterpret_cast<std::uint8_t*>(chain_.va)),
                               std::size_t(count) * P::sgl_entry, DDI_DMA_SYNC_FORDEV);
            ++seg;
        }
        put_le(f + P::F_CHAIN_COUNT, first_count, 2);
        put_le(f + P::F_CHAIN_ADDR, area_dev, 8);
        ++st_.chained;
    }
    if (data) st_.sgl_entries += n;
    // a write's data must be in memory (copy buffers) before the HBA reads it
    if (data && !in) (void)ddi_dma_sync(pkt->pkt_handle, pkt->pkt_dma_offset, pkt->pkt_dma_len, DDI_DMA_SYNC_FORDEV);
    auto* slot = reinterpret_cast<uint64_t*>(req_.va + std::size_t(req_pi_) * P::frame_size);
    ddi_rep_put64(req_.ah, reinterpret_cast<uint64_t*>(f), slot, P::frame_size / 8, DDI_DEV_AUTOINCR);
    (void)ddi_dma_sync(req_.dh, off_t(req_pi_) * P::frame_size, P::frame_size, DDI_DMA_SYNC_FORDEV);
    req_pi_ = next;
    ++st_.commands;
    wr(P::REQ_PI, req_pi_);
    return TRAN_ACCEPT;
}

// ---------------------------------------------------------------- completion

void hba_drv::fill(struct scsi_pkt* pkt, const std::uint8_t* rp) {
    const std::uint8_t status = rp[P::R_SCSI_STATUS], host = rp[P::R_HOST_STATUS];
    const std::uint32_t residual = static_cast<std::uint32_t>(get_le(rp + P::R_RESIDUAL, 4));
    const std::uint32_t transferred = static_cast<std::uint32_t>(get_le(rp + P::R_TRANSFERRED, 4));
    pkt->pkt_resid = pkt->pkt_numcookies ? ssize_t(residual) : 0;
    if (pkt->pkt_scbp && pkt->pkt_scblen) std::memset(pkt->pkt_scbp, 0, pkt->pkt_scblen);
    const uint_t sent = STATE_GOT_BUS | STATE_GOT_TARGET | STATE_SENT_CMD;
    switch (host) {
    case P::HS_OK:
        pkt->pkt_reason = CMD_CMPLT;
        pkt->pkt_state = sent | STATE_GOT_STATUS | (transferred ? STATE_XFERRED_DATA : 0);
        if (pkt->pkt_scbp) pkt->pkt_scbp[0] = status;
        if ((status & STATUS_MASK) == STATUS_QFULL) ++st_.qfull;
        if ((status & STATUS_MASK) == STATUS_BUSY) ++st_.busy;
        if ((status & STATUS_MASK) == STATUS_CHECK) {
            ++st_.check_conditions;
            const unsigned slen = std::min<unsigned>(rp[P::R_SENSE_LEN], P::sense_max);
            if (slen && pkt->pkt_scbp && pkt->pkt_scblen >= sizeof(struct scsi_arq_status)) {
                // auto request sense: the sense came with the reply
                auto* arq = reinterpret_cast<struct scsi_arq_status*>(pkt->pkt_scbp);
                const std::size_t room = pkt->pkt_scblen - offsetof(struct scsi_arq_status, sts_sensedata);
                const std::size_t n = std::min<std::size_t>(slen, room);
                std::memcpy(&arq->sts_sensedata, rp + P::R_SENSE, n);
                arq->sts_rqpkt_reason = CMD_CMPLT;
                arq->sts_rqpkt_resid = static_cast<uchar_t>(
                    n < sizeof(struct scsi_extended_sense) ? sizeof(struct scsi_extended_sense) - n : 0);
                arq->sts_rqpkt_state = sent | STATE_XFERRED_DATA | STATE_GOT_STATUS;
                pkt->pkt_state |= STATE_ARQ_DONE;
            }
        }
        break;
    case P::HS_RESET:
        pkt->pkt_reason = CMD_RESET;
        pkt->pkt_statistics |= STAT_DEV_RESET;
        pkt->pkt_state = sent | (transferred ? STATE_XFERRED_DATA : 0);
        ++st_.resets;
        break;
    case P::HS_NO_TARGET:
        pkt->pkt_reason = CMD_DEV_GONE;
        pkt->pkt_state = STATE_GOT_BUS;
        ++st_.host_errors;
        break;
    case P::HS_DMA_ERROR:
        pkt->pkt_reason = CMD_TRAN_ERR;
        pkt->pkt_state = sent | (transferred ? STATE_XFERRED_DATA : 0);
        ++st_.host_errors;
        break;
    default: // BAD_FRAME, SGL_SHORT, BAD_SGL: never reached the disk
        pkt->pkt_reason = CMD_TRAN_ERR;
        pkt->pkt_state = STATE_GOT_BUS;
        pkt->pkt_resid = pkt->pkt_numcookies ? ssize_t(pkt->pkt_dma_len) : 0;
        ++st_.host_errors;
        break;
    }
}

bool hba_drv::process_replies() {
    if (in_replies_) {
        // Another thread walks the ring (it yields on the bus), or a reset
        // holds it: that walk reads RPL_PI once more before it ends, so a
        // reply whose interrupt this thread has taken is not left behind.
        rerun_ = true;
        return false;
    }
    in_replies_ = true;
    std::vector<struct scsi_pkt*> done;
    const bool seen = walk_replies(done);
    in_replies_ = false;
    replies_cv_->broadcast();
    // complete after the ring bookkeeping: pkt_comp may start new commands
    for (auto* pkt : done) scsi_hba_pkt_comp(pkt);
    return seen;
}

bool hba_drv::walk_replies(std::vector<struct scsi_pkt*>& done) {
    bool seen = false;
    for (;;) {
        rerun_ = false;
        const std::uint32_t pi = rd(P::RPL_PI);
        if (pi == rpl_ci_ || pi >= rpl_entries_) {
            if (rerun_) continue; // a skipped thread's reply may have landed since
            break;
        }
        while (rpl_ci_ != pi) {
            const std::size_t off = std::size_t(rpl_ci_) * P::reply_size;
            (void)ddi_dma_sync(rpl_.dh, off_t(off), P::reply_size, DDI_DMA_SYNC_FORCPU);
            std::uint64_t w[P::reply_size / 8];
            ddi_rep_get64(rpl_.ah, w, reinterpret_cast<uint64_t*>(rpl_.va + off), P::reply_size / 8, DDI_DEV_AUTOINCR);
            const auto* rp = reinterpret_cast<const std::uint8_t*>(w);
            rpl_ci_ = (rpl_ci_ + 1) % rpl_entries_;
            const std::uint32_t tag = static_cast<std::uint32_t>(get_le(rp + P::R_TAG, 4));
            if (tag >= ntags_ || !tag_pkt_[tag]) {
                k_->report("hba-stray-reply", "hba_drv: a reply names a tag with no command");
                continue;
            }
            struct scsi_pkt* pkt = tag_pkt_[tag];
            tag_pkt_[tag] = nullptr;
            free_tags_.push_back(tag);
            --outstanding_;
            cmd_of(pkt)->active = false;
            fill(pkt, rp);
            ++st_.completions;
            if (cmd_of(pkt)->polling) {
                cmd_of(pkt)->done = true;
                seen = true;
            } else {
                done.push_back(pkt);
            }
        }
        wr(P::RPL_CI, rpl_ci_);
    }
    return seen;
}

uint_t hba_drv::intr(caddr_t arg1, caddr_t) {
    auto* d = reinterpret_cast<hba_drv*>(arg1);
    d->in_intr_ = true;
    const uint_t rc = d->handle_intr();
    d->in_intr_ = false;
    d->intr_cv_->broadcast();
    return rc;
}

uint_t hba_drv::handle_intr() {
    const std::uint32_t st = rd(P::IRQ_STATUS);
    if (!st) return DDI_INTR_UNCLAIMED;
    wr(P::IRQ_STATUS, st); // W1C first: a reply landing after this raises the line again
    ++st_.interrupts;
    ddisim::scsa::interrupt_scope scope(*k_);
    if (st & P::IRQ_FAULT) {
        ++st_.faults;
        k_->report("hba-fault", "hba_drv: the HBA reported a fault (STATUS " + std::to_string(rd(P::STATUS)) + ")");
    }
    (void)process_replies();
    return DDI_INTR_CLAIMED;
}

// ---------------------------------------------------------------- reset

int hba_drv::reset(struct scsi_address* ap, int level) {
    if (level == RESET_TARGET || level == RESET_LUN) {
        // the HBA replies RESET for the target's commands; the interrupt
        // handler completes them
        ++st_.target_resets;
        wr(P::RESET, P::RST_TARGET | ((ap->a_target & 0xFFu) << 8));
        return 1;
    }
    if (level != RESET_ALL) return 0;
    // HBA_RESET drops every command without a reply: complete them here.
    // The rings are programmed anew: no frame may be half written
    // meanwhile, and no other thread may be walking the reply ring (its
    // walk yields on the bus: it would go on in the reset ring, with the
    // old indices). A walk calls no completions, so none waits on this.
    hold_ring();
    replies_cv_->wait_until([&] { return !in_replies_; });
    in_replies_ = true;
    ++st_.bus_resets;
    std::vector<struct scsi_pkt*> done;
    (void)walk_replies(done); // replies already posted first
    std::vector<struct scsi_pkt*> lost;
    for (unsigned t = 0; t < ntags_; ++t)
        if (tag_pkt_[t]) {
            lost.push_back(tag_pkt_[t]);
            tag_pkt_[t] = nullptr;
            free_tags_.push_back(t);
        }
    outstanding_ = 0;
    program();
    in_replies_ = false;
    replies_cv_->broadcast();
    release_ring();
    // completions outside the ring: a pkt_comp may start a command
    for (auto* pkt : done) {
        ddisim::scsa::interrupt_scope scope(*k_);
        scsi_hba_pkt_comp(pkt);
    }
    for (auto* pkt : lost) {
        cmd_of(pkt)->active = false;
        pkt->pkt_reason = CMD_RESET;
        pkt->pkt_statistics |= STAT_BUS_RESET;
        pkt->pkt_state = STATE_GOT_BUS;
        pkt->pkt_resid = pkt->pkt_numcookies ? ssize_t(pkt->pkt_dma_len) : 0;
        ++st_.resets;
        ++st_.completions;
        if (cmd_of(pkt)->polling) {
            cmd_of(pkt)->done = true; // its thread polls for it (start): no pkt_comp
            continue;
        }
        ddisim::scsa::interrupt_scope scope(*k_);
        scsi_hba_pkt_comp(pkt);
    }
    return 1;
}

} // namespace ddisim::drivers
