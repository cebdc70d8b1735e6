// dmac_drv — see dmac_drv.h.
#include "sw/drivers/dmac_drv.h"

#include <algorithm>
#include <vector>

namespace ddisim::drivers {

namespace P = dmac_prog;

// Data buffers: the controller reaches 64-bit addresses, moves any byte
// alignment, takes up to 4 GiB - 1 per descriptor (the 32-bit length field)
// and any number of descriptors.
const ddi_dma_attr_t dmac_dma_attr = {
    DMA_ATTR_V0,
    0x0000000000000000ull, // addr_lo
    0xFFFFFFFFFFFFFFFFull, // addr_hi
    0x00000000FFFFFFFEull, // count_max: a cookie fits the descriptor's u32 length
    0x0000000000000001ull, // align
    0x00000FFFu,           // burstsizes: 1 B … 2 KiB
    1,                     // minxfer
    0x00000000FFFFFFFFull, // maxxfer
    0xFFFFFFFFFFFFFFFFull, // seg
    -1,                    // sgllen: unlimited
    1,                     // granular
    0,                     // flags
};

// The descriptor ring: one physically contiguous run, 32-byte aligned
// descriptors, the ring base register takes 64 bits.
const ddi_dma_attr_t dmac_ring_attr = {
    DMA_ATTR_V0,
    0x0000000000000000ull, 0xFFFFFFFFFFFFFFFFull, 0x00000000FFFFFFFEull,
    0x0000000000000040ull, // align: 64 B
    0x00000FFFu, 1, 0x00000000FFFFFFFFull, 0xFFFFFFFFFFFFFFFFull,
    1, // sgllen: one cookie
    1, 0,
};

const ddi_device_acc_attr_t dmac_acc_attr = {
    DDI_DEVICE_ATTR_V0, DDI_STRUCTURE_LE_ACC, DDI_STRICTORDER_ACC, 0,
};

namespace {
constexpr std::uint32_t max_piece = 0xFFFFF000u; // keeps every descriptor length in 32 bits, page aligned cut
constexpr uint_t copybuf_bit = 0x80000000u;       // dmac_type: cookie lies in the copy buffer (spec §1.3)

struct cookie_run {
    std::uint64_t off, addr, len; // object offset, device address, bytes
};

// The cookies of h's current window, with their object offsets from woff.
// False when they do not cover exactly wlen bytes.
bool window_cookies(ddi_dma_handle_t h, std::uint64_t woff, std::uint64_t wlen, std::vector<cookie_run>& out,
                    bool& copybuf) {
    out.clear();
    std::uint64_t off = woff;
    for (const ddi_dma_cookie_t* c = ddi_dma_cookie_iter(h, nullptr); c; c = ddi_dma_cookie_iter(h, c)) {
        out.push_back({off, c->dmac_laddress, c->dmac_size});
        if (c->dmac_type & copybuf_bit) copybuf = true;
        off += c->dmac_size;
    }
    return off - woff == wlen;
}
} // namespace

dmac_drv::dmac_drv(dev_info_t* dip, const dmac_drv_config& cfg) : dip_(dip), k_(dip->kernel), cfg_(cfg) {
    attr_ = dmac_dma_attr;
    attr_.dma_attr_addr_hi = cfg.addr_hi;
    attr_.dma_attr_sgllen = cfg.sgllen;
    attr_.dma_attr_maxxfer = cfg.maxxfer;
}

dmac_drv::~dmac_drv() { detach(); }

std::uint32_t dmac_drv::rd(std::uint64_t off) {
    return ddi_get32(regs_h_, reinterpret_cast<uint32_t*>(regs_ + off));
}

void dmac_drv::wr(std::uint64_t off, std::uint32_t v) {
    ddi_put32(regs_h_, reinterpret_cast<uint32_t*>(regs_ + off), v);
}

// ---------------------------------------------------------------- attach

int dmac_drv::attach(dev_info_t* dip, const dmac_drv_config& cfg, std::unique_ptr<dmac_drv>& out) {
    if (!dip || !dip->kernel || cfg.ring_entries < 2) return DDI_FAILURE;
    std::unique_ptr<dmac_drv> d(new dmac_drv(dip, cfg));
    int rc;
    if ((rc = d->attach_regs()) != DDI_SUCCESS) return rc;
    if ((rc = d->attach_ring()) != DDI_SUCCESS) return rc;
    if ((rc = d->attach_handles()) != DDI_SUCCESS) return rc;
    if ((rc = d->attach_intr()) != DDI_SUCCESS) return rc;
    // Program the channel: reset, ring, enable (per-descriptor interrupts).
    d->wr(d->chan(P::CONTROL), P::CONTROL_RESET);
    d->wr(d->chan(P::RING_BASE_LO), static_cast<std::uint32_t>(d->ring_dev_));
    d->wr(d->chan(P::RING_BASE_HI), static_cast<std::uint32_t>(d->ring_dev_ >> 32));
    d->wr(d->chan(P::RING_SIZE), cfg.ring_entries);
    d->wr(d->chan(P::CONTROL), P::CONTROL_ENABLE);
    out = std::move(d);
    return DDI_SUCCESS;
}

int dmac_drv::attach_regs() {
    if (ddi_regs_map_setup(dip_, 0, &regs_, 0, 0, &dmac_acc_attr, &regs_h_) != DDI_SUCCESS) return DDI_FAILURE;
    if (rd(P::ID) != P::id_value) return DDI_FAILURE;
    if (cfg_.channel >= rd(P::CHANNELS)) return DDI_FAILURE;
    writeback_ = (rd(P::CAPS) & P::CAPS_WRITEBACK) != 0;
    return DDI_SUCCESS;
}

int dmac_drv::attach_ring() {
    ddi_dma_attr_t ra = dmac_ring_attr;
    ra.dma_attr_addr_hi = cfg_.addr_hi;
    int rc = ddi_dma_alloc_handle(dip_, &ra, DDI_DMA_SLEEP, nullptr, &ring_dh_);
    if (rc != DDI_SUCCESS) return rc;
    const std::size_t len = std::size_t(cfg_.ring_entries) * P::desc_size;
    size_t real = 0;
    if (ddi_dma_mem_alloc(ring_dh_, len, &dmac_acc_attr, DDI_DMA_CONSISTENT, DDI_DMA_SLEEP, nullptr, &ring_, &real,
                          &ring_ah_) != DDI_SUCCESS)
        return DDI_FAILURE;
    ddi_dma_cookie_t c;
    uint_t n = 0;
    rc = ddi_dma_addr_bind_handle(ring_dh_, nullptr, ring_, len, DDI_DMA_RDWR | DDI_DMA_CONSISTENT, DDI_DMA_SLEEP,
                                  nullptr, &c, &n);
    if (rc != DDI_DMA_MAPPED) return rc == DDI_DMA_PARTIAL_MAP ? DDI_DMA_TOOBIG : rc;
    ring_bound_ = true;
    if (n != 1) return DDI_DMA_NOMAPPING;
    ring_dev_ = c.dmac_laddress;
    for (unsigned i = 0; i < cfg_.ring_entries * P::desc_size / 8; ++i)
        ddi_put64(ring_ah_, reinterpret_cast<uint64_t*>(ring_) + i, 0);
    return DDI_SUCCESS;
}

int dmac_drv::attach_handles() {
    int rc = ddi_dma_alloc_handle(dip_, &attr_, DDI_DMA_SLEEP, nullptr, &src_h_);
    if (rc != DDI_SUCCESS) return rc;
    return ddi_dma_alloc_handle(dip_, &attr_, DDI_DMA_SLEEP, nullptr, &dst_h_);
}

int dmac_drv::attach_intr() {
    cv_ = std::make_unique<kernel::kcondvar>(*k_);
    if (!cfg_.use_interrupts) return DDI_SUCCESS;
    int actual = 0;
    if (ddi_intr_alloc(dip_, &ih_, DDI_INTR_TYPE_FIXED, 0, 1, &actual, DDI_INTR_ALLOC_STRICT) != DDI_SUCCESS ||
        actual != 1) {
        ih_ = nullptr;
        return DDI_FAILURE;
    }
    if (ddi_intr_add_handler(ih_, &dmac_drv::intr, this, nullptr) != DDI_SUCCESS) return DDI_FAILURE;
    intr_added_ = true;
    if (ddi_intr_enable(ih_) != DDI_SUCCESS) return DDI_FAILURE;
    intr_enabled_ = true;
    return DDI_SUCCESS;
}

void dmac_drv::detach() {
    if (regs_h_) {
        wr(chan(P::CONTROL), 0);
        wr(chan(P::IRQ_STATUS), P::IRQ_DONE | P::IRQ_ERROR);
    }
    if (intr_enabled_) ddi_intr_disable(ih_);
    if (intr_added_) ddi_intr_remove_handler(ih_);
    if (ih_) ddi_intr_free(ih_);
    intr_enabled_ = intr_added_ = false;
    ih_ = nullptr;
    if (src_h_) ddi_dma_free_handle(&src_h_);
    if (dst_h_) ddi_dma_free_handle(&dst_h_);
    if (ring_bound_) ddi_dma_unbind_handle(ring_dh_);
    ring_bound_ = false;
    if (ring_ah_) ddi_dma_mem_free(&ring_ah_);
    if (ring_dh_) ddi_dma_free_handle(&ring_dh_);
    if (regs_h_) ddi_regs_map_free(&regs_h_);
    src_h_ = dst_h_ = ring_dh_ = nullptr;
    ring_ah_ = regs_h_ = nullptr;
}

// ---------------------------------------------------------------- interrupt

uint_t dmac_drv::intr(caddr_t arg1, caddr_t) {
    auto* d = reinterpret_cast<dmac_drv*>(arg1);
    const std::uint32_t st = d->rd(d->chan(P::IRQ_STATUS));
    if (!st) return DDI_INTR_UNCLAIMED;
    d->wr(d->chan(P::IRQ_STATUS), st); // W1C
    if (st & P::IRQ_ERROR) d->hw_error_ = true;
    const std::uint32_t c = d->rd(d->chan(P::COMPLETED));
    d->completed_ += static_cast<std::uint32_t>(c - d->completed_reg_);
    d->completed_reg_ = c;
    ++d->st_.interrupts;
    d->cv_->broadcast();
    return DDI_INTR_CLAIMED;
}

bool dmac_drv::wait_completed(std::uint64_t target) {
    if (cfg_.use_interrupts) {
        cv_->wait_until([&] { return completed_ >= target || hw_error_; });
    } else {
        for (;;) {
            const std::uint32_t c = rd(chan(P::COMPLETED));
            completed_ += static_cast<std::uint32_t>(c - completed_reg_);
            completed_reg_ = c;
            if (completed_ >= target) break;
            if (rd(chan(P::STATUS)) & P::STATUS_ERROR) {
                hw_error_ = true;
                break;
            }
            k_->delay_ns(cfg_.polling_interval_ns);
        }
    }
    return !hw_error_;
}

// ---------------------------------------------------------------- jobs

int dmac_drv::submit_and_wait(const piece* p, std::size_t n) {
    const std::uint32_t first = tail_;
    for (std::size_t i = 0; i < n; ++i) {
        auto* d = reinterpret_cast<std::uint8_t*>(ring_) + std::size_t(tail_) * P::desc_size;
        ddi_put64(ring_ah_, reinterpret_cast<uint64_t*>(d + P::D_SRC), p[i].src);
        ddi_put64(ring_ah_, reinterpret_cast<uint64_t*>(d + P::D_DST), p[i].dst);
        ddi_put32(ring_ah_, reinterpret_cast<uint32_t*>(d + P::D_LEN), p[i].len);
        ddi_put32(ring_ah_, reinterpret_cast<uint32_t*>(d + P::D_FLAGS), i + 1 == n ? P::FLAG_INTERRUPT | P::FLAG_LAST : 0);
        ddi_put32(ring_ah_, reinterpret_cast<uint32_t*>(d + P::D_STATUS), 0);
        tail_ = (tail_ + 1) % cfg_.ring_entries;
    }
    ddi_dma_sync(ring_dh_, 0, 0, DDI_DMA_SYNC_FORDEV);
    submitted_ += n;
    wr(chan(P::TAIL), tail_); // doorbell
    ++st_.batches;
    const bool ok = wait_completed(submitted_);
    ddi_dma_sync(ring_dh_, 0, 0, DDI_DMA_SYNC_FORCPU);
    bool desc_ok = ok;
    for (std::size_t i = 0; i < n && desc_ok && writeback_; ++i) {
        auto* d = reinterpret_cast<std::uint8_t*>(ring_) + std::size_t((first + i) % cfg_.ring_entries) * P::desc_size;
        const std::uint32_t s = ddi_get32(ring_ah_, reinterpret_cast<uint32_t*>(d + P::D_STATUS));
        if (s != P::DS_DONE) desc_ok = false;
    }
    st_.descriptors += n;
    if (desc_ok) return DDI_SUCCESS;
    // The controller halted the channel (or a descriptor reports an error):
    // note the code, reset and re-arm the channel for the next job.
    last_error_ = static_cast<std::uint8_t>(rd(chan(P::STATUS)) >> 8);
    ++st_.errors;
    wr(chan(P::CONTROL), P::CONTROL_RESET);
    wr(chan(P::RING_SIZE), cfg_.ring_entries);
    wr(chan(P::CONTROL), P::CONTROL_ENABLE);
    tail_ = 0;
    submitted_ = completed_ = 0;
    completed_reg_ = 0;
    hw_error_ = false;
    return DDI_FAILURE;
}

int dmac_drv::run_pieces(const piece* p, std::size_t n) {
    const std::size_t batch = cfg_.ring_entries - 1; // HEAD == TAIL means empty
    for (std::size_t i = 0; i < n; i += batch) {
        const int rc = submit_and_wait(p + i, std::min(batch, n - i));
        if (rc != DDI_SUCCESS) return rc;
    }
    return DDI_SUCCESS;
}

int dmac_drv::bind_pair(struct buf* dbp, void* dst, struct buf* sbp, const void* src, std::size_t len) {
    if (len == 0) return DDI_SUCCESS;
    // Source: the device reads memory (DDI_DMA_WRITE, spec §2.2); destination:
    // the device writes memory (DDI_DMA_READ).
    const uint_t sflags = DDI_DMA_WRITE | DDI_DMA_STREAMING | DDI_DMA_PARTIAL;
    const uint_t dflags = DDI_DMA_READ | DDI_DMA_STREAMING | DDI_DMA_PARTIAL;
    const int src_rc = sbp ? ddi_dma_buf_bind_handle(src_h_, sbp, sflags, DDI_DMA_SLEEP, nullptr, nullptr, nullptr)
                           : ddi_dma_addr_bind_handle(src_h_, nullptr, const_cast<caddr_t>(static_cast<const char*>(src)),
                                                      len, sflags, DDI_DMA_SLEEP, nullptr, nullptr, nullptr);
    if (src_rc != DDI_DMA_MAPPED && src_rc != DDI_DMA_PARTIAL_MAP) return src_rc;
    const int dst_rc = dbp ? ddi_dma_buf_bind_handle(dst_h_, dbp, dflags, DDI_DMA_SLEEP, nullptr, nullptr, nullptr)
                           : ddi_dma_addr_bind_handle(dst_h_, nullptr, static_cast<caddr_t>(dst), len, dflags,
                                                      DDI_DMA_SLEEP, nullptr, nullptr, nullptr);
    if (dst_rc != DDI_DMA_MAPPED && dst_rc != DDI_DMA_PARTIAL_MAP) {
        ddi_dma_unbind_handle(src_h_);
        return dst_rc;
    }
    st_.partial_binds += (src_rc == DDI_DMA_PARTIAL_MAP) + (dst_rc == DDI_DMA_PARTIAL_MAP);

    uint_t snwin = 1, dnwin = 1;
    if (src_rc == DDI_DMA_PARTIAL_MAP) ddi_dma_numwin(src_h_, &snwin);
    if (dst_rc == DDI_DMA_PARTIAL_MAP) ddi_dma_numwin(dst_h_, &dnwin);
    uint_t sw = 0, dw = 0;
    std::uint64_t soff = 0, slen = len, doff = 0, dlen = len;
    // Window 0 of a PARTIAL_MAP bind: its offset and length come from getwin
    // (which also re-syncs it, spec §4.6).
    auto load = [&](ddi_dma_handle_t h, int rc, uint_t w, std::uint64_t& off, std::uint64_t& wl) {
        if (rc != DDI_DMA_PARTIAL_MAP) return DDI_SUCCESS;
        off_t o = 0;
        size_t l = 0;
        if (ddi_dma_getwin(h, w, &o, &l, nullptr, nullptr) != DDI_SUCCESS) return DDI_FAILURE;
        off = static_cast<std::uint64_t>(o);
        wl = l;
        return DDI_SUCCESS;
    };
    int rc = load(src_h_, src_rc, 0, soff, slen);
    if (rc == DDI_SUCCESS) rc = load(dst_h_, dst_rc, 0, doff, dlen);
    std::vector<cookie_run> sc, dc;
    std::vector<piece> pieces;
    bool src_copybuf = false, dst_copybuf = false;
    cookie_run stale{0, 0, 0}; // dma_after_unbind: a destination cookie that unbind gives back
    while (rc == DDI_SUCCESS) {
        if (!window_cookies(src_h_, soff, slen, sc, src_copybuf) || !window_cookies(dst_h_, doff, dlen, dc, dst_copybuf)) {
            rc = DDI_FAILURE;
            break;
        }
        ++st_.windows;
        // Zip the two cookie lists over the overlap of the two windows.
        const std::uint64_t lo = std::max(soff, doff), hi = std::min(soff + slen, doff + dlen);
        pieces.clear();
        std::size_t i = 0, j = 0;
        std::uint64_t pos = lo;
        while (pos < hi) {
            while (i < sc.size() && sc[i].off + sc[i].len <= pos) ++i;
            while (j < dc.size() && dc[j].off + dc[j].len <= pos) ++j;
            if (i == sc.size() || j == dc.size()) break;
            std::uint64_t n = std::min({sc[i].off + sc[i].len - pos, dc[j].off + dc[j].len - pos, hi - pos});
            n = std::min<std::uint64_t>(n, max_piece);
            pieces.push_back({sc[i].addr + (pos - sc[i].off), dc[j].addr + (pos - dc[j].off),
                              static_cast<std::uint32_t>(n)});
            pos += n;
        }
        if (pos != hi) {
            rc = DDI_FAILURE;
            break;
        }
        rc = run_pieces(pieces.data(), pieces.size());
        if (rc != DDI_SUCCESS) break;
        // The CPU will read what the device wrote (copy buffer → buffer).
        if (hi > lo) {
            if (fault_ == dmac_fault::skip_sync)
                ++st_.skipped_syncs;
            else
                ddi_dma_sync(dst_h_, static_cast<off_t>(lo), static_cast<size_t>(hi - lo), DDI_DMA_SYNC_FORCPU);
            if (consumer_) consumer_(consumer_arg_, lo, static_cast<std::size_t>(hi - lo));
        }
        if (!dc.empty()) stale = dc.front();
        if (hi >= len) break;
        // Advance the window(s) that end here.
        if (soff + slen == hi) {
            if (++sw >= snwin) {
                rc = DDI_FAILURE;
                break;
            }
            rc = load(src_h_, src_rc, sw, soff, slen);
        }
        if (rc == DDI_SUCCESS && doff + dlen == hi) {
            if (++dw >= dnwin) {
                rc = DDI_FAILURE;
                break;
            }
            rc = load(dst_h_, dst_rc, dw, doff, dlen);
        }
    }
    st_.copybuf_binds += src_copybuf + dst_copybuf;
    ddi_dma_unbind_handle(dst_h_);
    ddi_dma_unbind_handle(src_h_);
    if (rc == DDI_SUCCESS) {
        ++st_.copies;
        st_.bytes += len;
        if (fault_ == dmac_fault::dma_after_unbind && stale.len) {
            // Deliberate bug: DMA to the destination after unbinding it.
            const piece p{ring_dev_, stale.addr,
                          static_cast<std::uint32_t>(std::min<std::uint64_t>(stale.len, stale_dma_bytes))};
            ++st_.injected;
            if (submit_and_wait(&p, 1) != DDI_SUCCESS) ++st_.injected_errors;
        }
    }
    return rc;
}

int dmac_drv::memcpy(void* dst, const void* src, std::size_t len) {
    return bind_pair(nullptr, dst, nullptr, src, len);
}

int dmac_drv::memcpy_buf(struct buf* dst, struct buf* src) {
    if (!dst || !src || dst->b_bcount != src->b_bcount) return DDI_FAILURE;
    return bind_pair(dst, nullptr, src, nullptr, src->b_bcount);
}

} // namespace ddisim::drivers
