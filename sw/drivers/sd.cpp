// sd — see sd.h.
#include "sw/drivers/sd.h"

#include <algorithm>
#include <cstring>

#include <vm/page.h>

namespace ddisim::drivers {

struct sd::xfer {
    sd* owner = nullptr;
    struct buf* bp = nullptr;
    waiter* w = nullptr;       // woken by biodone
    struct scsi_pkt* pkt = nullptr;
    std::uint64_t done = 0;    // bytes of completed windows (of bp, all chunks)
    std::uint64_t win = 0;     // bytes of the current window
    bool broken = false;       // bp is larger than max_xfer: transferred chunk by chunk
    std::uint64_t chunk_at = 0; // broken: bp's byte where the current chunk starts
    struct buf chunk {};        // broken: the current chunk as a buf of its own
    unsigned retries = 0, mretries = 0, qretries = 0;
    bool write = false, cdb16 = false;
    bool flush = false;        // SYNCHRONIZE CACHE (no data)
    std::uint8_t key = 0, asc = 0, ascq = 0;
    xfer *prev = nullptr, *next = nullptr; // sd's list of live transfers
};

sd::xfer* sd::new_xfer() {
    auto* x = new xfer;
    x->next = live_;
    if (live_) live_->prev = x;
    live_ = x;
    return x;
}

void sd::delete_xfer(xfer* x) {
    if (x->prev) x->prev->next = x->next;
    else live_ = x->next;
    if (x->next) x->next->prev = x->prev;
    delete x;
}

namespace {
// The status block sd asks for: auto request sense.
constexpr int sd_statuslen = int(sizeof(struct scsi_arq_status));

std::uint8_t* sense_of(struct scsi_pkt* pkt) {
    if (!(pkt->pkt_state & STATE_ARQ_DONE)) return nullptr;
    return reinterpret_cast<std::uint8_t*>(&reinterpret_cast<struct scsi_arq_status*>(pkt->pkt_scbp)->sts_sensedata);
}
constexpr int sense_len = int(sizeof(struct scsi_extended_sense));
} // namespace

sd::sd(struct scsi_device* dev, const sd_config& cfg) : dev_(dev), cfg_(cfg) {
    scsi_hba_tran_t* tran = dev->sd_address.a_hba_tran;
    k_ = tran && tran->tran_hba_dip ? tran->tran_hba_dip->kernel : nullptr;
    if (cfg_.throttle == 0) cfg_.throttle = 1;
    throttle_ = cfg_.throttle;
}

sd::~sd() {
    // Transfers still live: queued, waiting for a retry, at the HBA or
    // completed but not yet processed (a run cut short, a panic). Their
    // packets go too; the HBA driver keeps no use of them after detach.
    while (live_) {
        if (live_->pkt) scsi_destroy_pkt(live_->pkt);
        delete_xfer(live_);
    }
}

// ---------------------------------------------------------------- attach

int sd::attach(struct scsi_device* dev, const sd_config& cfg, std::unique_ptr<sd>& out, std::string* attach_error) {
    std::string why;
    if (!dev || !dev->sd_address.a_hba_tran) {
        if (attach_error) *attach_error = "no scsi_device";
        return DDI_FAILURE;
    }
    std::unique_ptr<sd> s(new sd(dev, cfg));
    if (!s->k_) {
        if (attach_error) *attach_error = "no kernel";
        return DDI_FAILURE;
    }
    if (s->attach_probe(why) != DDI_SUCCESS) {
        if (attach_error) *attach_error = why;
        return DDI_FAILURE;
    }
    dev->sd_private = s.get();
    out = std::move(s);
    return DDI_SUCCESS;
}

// One polled command; data (kernel memory of len bytes) in or out.
// scsi_poll retries BUSY and TASK SET FULL itself; a UNIT ATTENTION (a
// target reset since the last command) is retried here at once, up to
// max_retries times, as sd's retry path does for its attach commands.
// Returns 0 on GOOD, else −1 (the sense key in *key when there was sense).
int sd::poll_cmd(const std::uint8_t* cdb, int cdblen, void* data, std::size_t len, bool write, std::uint8_t* key) {
    struct buf b {};
    b.b_flags = write ? B_WRITE : B_READ;
    b.b_un.b_addr = static_cast<caddr_t>(data);
    b.b_bcount = len;
    struct scsi_pkt* pkt = scsi_init_pkt(&dev_->sd_address, nullptr, len ? &b : nullptr, cdblen, sd_statuslen, 0, 0,
                                         SLEEP_FUNC, nullptr);
    if (!pkt) return -1;
    std::memcpy(pkt->pkt_cdbp, cdb, std::size_t(cdblen));
    pkt->pkt_time = cfg_.pkt_time;
    pkt->pkt_comp = nullptr;
    int rc = -1;
    for (unsigned attempt = 0;; ++attempt) {
        rc = scsi_poll(pkt);
        const std::uint8_t status = pkt->pkt_scbp ? (pkt->pkt_scbp[0] & STATUS_MASK) : 0;
        const bool done = pkt->pkt_reason == CMD_CMPLT;
        std::uint8_t* sn = done && status == STATUS_CHECK ? sense_of(pkt) : nullptr;
        const bool attention = sn && scsi_sense_key(sn) == KEY_UNIT_ATTENTION;
        if (rc == 0 || !attention || attempt >= cfg_.max_retries) break;
        ++st_.retries;
        ++st_.ua_retries;
    }
    if (len && !write) scsi_sync_pkt(pkt);
    if (key) {
        *key = 0;
        if (std::uint8_t* s = sense_of(pkt)) *key = scsi_sense_key(s);
    }
    scsi_destroy_pkt(pkt);
    return rc;
}

int sd::attach_probe(std::string& why) {
    caddr_t page = k_->kmem_alloc_pages(1);
    if (!page) {
        why = "no memory";
        return DDI_FAILURE;
    }
    struct guard {
        kernel::kernel_context* k;
        caddr_t p;
        ~guard() { k->kmem_free_pages(p); }
    } g{k_, page};
    // TEST UNIT READY until it is ready (a power-on UNIT ATTENTION first)
    std::uint8_t tur[6] = {SCMD_TEST_UNIT_READY, 0, 0, 0, 0, 0};
    bool ready = false;
    for (unsigned i = 0; i < std::max(1u, cfg_.attach_tur_tries) && !ready; ++i) {
        std::uint8_t key = 0;
        ready = poll_cmd(tur, 6, nullptr, 0, false, &key) == 0;
        if (!ready && key != KEY_UNIT_ATTENTION && key != KEY_NOT_READY) break;
    }
    if (!ready) {
        why = "TEST UNIT READY failed";
        return DDI_FAILURE;
    }
    // INQUIRY: peripheral type 0 (direct access), vendor / product
    std::uint8_t inq[6] = {SCMD_INQUIRY, 0, 0, 0, 36, 0};
    std::memset(page, 0, 36);
    if (poll_cmd(inq, 6, page, 36, false) != 0) {
        why = "INQUIRY failed";
        return DDI_FAILURE;
    }
    const auto* id = reinterpret_cast<const std::uint8_t*>(page);
    if ((id[0] & 0x1F) != 0) {
        why = "not a direct-access device";
        return DDI_FAILURE;
    }
    auto trim = [](const std::uint8_t* p, std::size_t n) {
        std::string s(reinterpret_cast<const char*>(p), n);
        while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
        return s;
    };
    vendor_ = trim(id + 8, 8);
    product_ = trim(id + 16, 16);
    // READ CAPACITY(16): SERVICE ACTION IN(16), service action 0x10
    std::uint8_t rc16[16] = {SCMD_SVC_ACTION_IN_G4, 0x10};
    rc16[13] = 32; // allocation length
    std::memset(page, 0, 32);
    if (poll_cmd(rc16, 16, page, 32, false) != 0) {
        why = "READ CAPACITY(16) failed";
        return DDI_FAILURE;
    }
    std::uint64_t last = 0;
    for (int i = 0; i < 8; ++i) last = last << 8 | id[i];
    bsize_ = std::uint32_t(id[8]) << 24 | std::uint32_t(id[9]) << 16 | std::uint32_t(id[10]) << 8 | id[11];
    nblocks_ = last + 1;
    if (bsize_ == 0 || (bsize_ & 511) != 0) {
        why = "bad block size";
        return DDI_FAILURE;
    }
    char cap[] = "sector-size";
    (void)scsi_ifsetcap(&dev_->sd_address, cap, int(bsize_), 1);
    // The largest transfer of one command: sd's own limit, lowered to what
    // the HBA can move in one (illumos sd at attach), whole blocks.
    max_xfer_ = cfg_.max_xfer;
    char dma_max[] = "dma-max";
    if (const int m = scsi_ifgetcap(&dev_->sd_address, dma_max, 1); m > 0 && std::uint64_t(m) < max_xfer_)
        max_xfer_ = std::uint64_t(m);
    max_xfer_ = std::max<std::uint64_t>(max_xfer_ - max_xfer_ % bsize_, bsize_);
    return DDI_SUCCESS;
}

// ---------------------------------------------------------------- strategy

// A new transfer for bp (its completion state cleared), woken through w.
sd::xfer* sd::begin_xfer(struct buf* bp, waiter* w) {
    bp->b_flags &= ~(B_DONE | B_ERROR);
    bp->b_error = 0;
    bp->b_resid = 0;
    xfer* x = new_xfer();
    x->owner = this;
    x->bp = bp;
    x->w = w;
    x->write = !(bp->b_flags & B_READ);
    bp->b_private = x;
    return x;
}

int sd::strategy(struct buf* bp, waiter* w) {
    xfer* x = begin_xfer(bp, w);
    const std::uint64_t nblk = bp->b_bcount / bsize_;
    if (bp->b_bcount == 0 || bp->b_bcount % bsize_ != 0 || bp->b_lblkno >= nblocks_ || nblk > nblocks_ - bp->b_lblkno) {
        finish(x, EINVAL);
        return 0;
    }
    x->cdb16 = cfg_.cdb16 || bp->b_lblkno + nblk > 0xFFFFFFFFull || nblk > 0xFFFF;
    if (bp->b_bcount > max_xfer_) {
        x->broken = true;
        set_chunk(x, 0);
    }
    waitq_.push_back(x);
    run_queues();
    return 0;
}

int sd::flush(struct buf* bp, waiter* w) {
    bp->b_flags = (bp->b_flags & ~B_READ) | B_WRITE;
    bp->b_bcount = 0;
    xfer* x = begin_xfer(bp, w);
    x->flush = true;
    waitq_.push_back(x);
    run_queues();
    return 0;
}

void sd::run_queues() {
    if (running_queues_) return; // this thread (recursion) or another one (it yielded in transport) runs them
    running_queues_ = true;
    // Until no completion is left: one may arrive while this thread yields
    // in a transport, and a thread that found the queues busy went back to
    // sleep counting on this one.
    do {
        service_signalled_ = false; // this thread drains the doneq
        while (!doneq_.empty()) {
            struct scsi_pkt* pkt = doneq_.front();
            doneq_.pop_front();
            complete(pkt);
        }
        const std::uint64_t now = k_->now_ns();
        // due retries first (their packets hold DMA resources), then new bufs
        while (inflight_ < throttle_ && !retryq_.empty() && retryq_.begin()->first <= now) {
            xfer* x = retryq_.begin()->second;
            retryq_.erase(retryq_.begin());
            if (!transport(x)) break;
        }
        while (inflight_ < throttle_ && !waitq_.empty()) {
            xfer* x = waitq_.front();
            waitq_.pop_front();
            if (!start(x)) {
                waitq_.push_front(x);
                break;
            }
        }
    } while (!doneq_.empty());
    running_queues_ = false;
    service_signalled_ = false;
    if (!inflight_ && waitq_.empty() && retryq_.empty()) wake_idle();
    else keep_a_sleeper_due();
}

// The work sd_sleep would time a sleep for (a retry that can go out, bufs
// short of DMA resources with nothing in flight) is left to the threads
// asleep in sd. A thread that went to sleep untimed, counting on a
// completion, may not be woken by it (the completion woke another thread,
// which ran the queues and left): then nobody would run that work. Wake the
// longest sleeper, unless one is already due by then or on its way.
void sd::keep_a_sleeper_due() {
    if (sleepers_.empty()) return;
    const std::uint64_t need = sleep_deadline(k_->now_ns()); // not idle here: nothing in flight means bufs wait
    if (!need) return;
    for (const waiter* s : sleepers_)
        if (s->signalled_ || (s->deadline_ && s->deadline_ <= need)) return;
    wake(*sleepers_.front());
}

void sd::build_cdb(xfer* x) {
    union scsi_cdb* cdb = reinterpret_cast<union scsi_cdb*>(x->pkt->pkt_cdbp);
    const std::uint64_t lba = x->bp->b_lblkno + x->done / bsize_;
    const std::uint64_t count = x->win / bsize_;
    std::memset(x->pkt->pkt_cdbp, 0, x->cdb16 ? CDB_GROUP4 : CDB_GROUP1);
    if (x->cdb16) {
        cdb->scc_cmd = x->write ? SCMD_WRITE_G4 : SCMD_READ_G4;
        FORMG4LONGADDR(cdb, lba);
        FORMG4COUNT(cdb, count);
    } else {
        cdb->scc_cmd = x->write ? SCMD_WRITE_G1 : SCMD_READ_G1;
        FORMG1ADDR(cdb, lba);
        FORMG1COUNT(cdb, count);
    }
}

struct buf* sd::io_buf(xfer* x) { return x->broken ? &x->chunk : x->bp; }

// The window scsi_init_pkt just set up: what of the buf (or chunk) it covers
// beyond the bytes already done.
void sd::set_window(xfer* x, const struct buf* b, const struct scsi_pkt* pkt) {
    x->win = x->chunk_at + std::uint64_t(ssize_t(b->b_bcount) - pkt->pkt_resid) - x->done;
}

// The chunk of bp from byte `at` (max_xfer_ bytes, or what is left) as a buf
// of its own over the same memory: a virtual address moves on by `at`; a
// page list or shadow page array moves on by the pages before the chunk.
void sd::set_chunk(xfer* x, std::uint64_t at) {
    const struct buf* bp = x->bp;
    struct buf& c = x->chunk;
    c = *bp;
    c.b_flags &= ~(B_DONE | B_ERROR);
    c.b_error = 0;
    c.b_resid = 0;
    c.b_private = nullptr;
    c.b_iodone = nullptr;
    c.b_bcount = std::min<std::uint64_t>(max_xfer_, bp->b_bcount - at);
    c.b_lblkno = bp->b_lblkno + at / bsize_;
    const auto addr = reinterpret_cast<std::uintptr_t>(bp->b_un.b_addr);
    const std::uint64_t skip = ((addr & PAGEOFFSET) + at) >> PAGESHIFT; // whole pages before the chunk
    if (bp->b_flags & B_PAGEIO) {
        c.b_un.b_addr = reinterpret_cast<caddr_t>((addr + at) & PAGEOFFSET);
        for (std::uint64_t i = 0; i < skip; ++i) c.b_pages = c.b_pages->p_next;
    } else {
        c.b_un.b_addr = reinterpret_cast<caddr_t>(addr + at);
        if (bp->b_flags & B_SHADOW) c.b_shadow = bp->b_shadow + skip;
    }
    x->chunk_at = at;
}

bool sd::start(xfer* x) {
    struct buf* bp = io_buf(x);
    bp->b_error = 0;
    struct scsi_pkt* pkt =
        x->flush ? scsi_init_pkt(&dev_->sd_address, nullptr, nullptr, CDB_GROUP1, sd_statuslen, 0, 0, NULL_FUNC, nullptr)
                 : scsi_init_pkt(&dev_->sd_address, nullptr, bp, x->cdb16 ? CDB_GROUP4 : CDB_GROUP1, sd_statuslen, 0,
                                 PKT_DMA_PARTIAL, NULL_FUNC, nullptr);
    if (!pkt) {
        const int e = geterror(bp);
        if (e == 0) { // DMA resources short: later
            ++st_.nores;
            return false;
        }
        bp->b_flags &= ~B_ERROR;
        bp->b_error = 0;
        finish(x, e);
        return true;
    }
    x->pkt = pkt;
    pkt->pkt_private = x;
    pkt->pkt_comp = &sd::comp;
    pkt->pkt_time = cfg_.pkt_time;
    pkt->pkt_flags = FLAG_STAG;
    if (x->flush) {
        // SYNCHRONIZE CACHE(10): LBA 0, 0 blocks = to the end of the medium
        std::memset(pkt->pkt_cdbp, 0, CDB_GROUP1);
        pkt->pkt_cdbp[0] = SCMD_SYNCHRONIZE_CACHE;
        x->win = 0;
    } else {
        set_window(x, bp, pkt);
        build_cdb(x);
    }
    (void)transport(x);
    return true;
}

bool sd::transport(xfer* x) {
    ++inflight_;
    ++st_.commands;
    const int rc = scsi_transport(x->pkt);
    if (rc == TRAN_ACCEPT) return true;
    --inflight_;
    --st_.commands;
    if (rc == TRAN_BUSY) {
        ++st_.tran_busy;
        retryq_.emplace(k_->now_ns() + cfg_.qfull_delay_ns, x);
        return false;
    }
    finish(x, EIO);
    return true;
}

void sd::retry(xfer* x, std::uint64_t delay_ns) {
    ++st_.retries;
    if (delay_ns == 0 && !running_queues_ && inflight_ < throttle_) {
        (void)transport(x);
        return;
    }
    retryq_.emplace(k_->now_ns() + delay_ns, x);
}

// Interrupt context: only queue the packet for sd's service thread (the
// next software thread in sd) and wake it; the DMA work of a completion
// (sync, next window, destroy) runs there.
void sd::comp(struct scsi_pkt* pkt) {
    auto* x = static_cast<xfer*>(pkt->pkt_private);
    if (!x || !x->owner) return;
    sd* s = x->owner;
    s->doneq_.push_back(pkt);
    // one service thread: the buf's own waiter if it sleeps here, else the
    // longest sleeper; none while one is already on its way
    if (s->service_signalled_ || s->sleepers_.empty()) return;
    waiter* w = x->w && x->w->asleep_ ? x->w : s->sleepers_.front();
    s->wake(*w);
}

void sd::complete(struct scsi_pkt* pkt) {
    auto* x = static_cast<xfer*>(pkt->pkt_private);
    --inflight_;
    const std::uint8_t status = pkt->pkt_scbp ? (pkt->pkt_scbp[0] & STATUS_MASK) : 0;
    if (pkt->pkt_reason == CMD_CMPLT && status == STATUS_GOOD) {
        // restore the throttle step by step after a queue full
        if (throttle_ < cfg_.throttle && ++good_since_qfull_ >= 16) {
            ++throttle_;
            good_since_qfull_ = 0;
        }
        if (!x->write) scsi_sync_pkt(pkt);
        const std::uint64_t moved = x->win - std::min<std::uint64_t>(x->win, std::uint64_t(std::max<ssize_t>(pkt->pkt_resid, 0)));
        if (moved != x->win) { // short transfer without an error: report it
            x->done += moved;
            finish(x, EIO);
        } else {
            x->done += x->win;
            struct buf* cur = io_buf(x);
            if (x->done >= x->bp->b_bcount) {
                finish(x, 0);
            } else if (x->done >= x->chunk_at + cur->b_bcount) {
                // next chunk: a packet of its own, started like a new buf
                // (ahead of the bufs not yet started)
                ++st_.chunks;
                scsi_destroy_pkt(pkt);
                x->pkt = nullptr;
                x->retries = 0;
                set_chunk(x, x->done);
                waitq_.push_front(x);
            } else {
                // next window
                ++st_.windows;
                struct scsi_pkt* p = scsi_init_pkt(&dev_->sd_address, pkt, cur, 0, 0, 0, 0, NULL_FUNC, nullptr);
                if (!p) {
                    finish(x, geterror(cur) ? geterror(cur) : EIO);
                } else {
                    set_window(x, cur, p);
                    x->retries = 0;
                    build_cdb(x);
                    (void)transport(x);
                }
            }
        }
        run_queues();
        return;
    }
    // failures
    std::uint8_t key = 0, asc = 0, ascq = 0;
    if (std::uint8_t* sn = sense_of(pkt)) {
        key = scsi_sense_key(sn);
        asc = scsi_sense_asc(sn);
        ascq = scsi_sense_ascq(sn);
    }
    x->key = key;
    x->asc = asc;
    x->ascq = ascq;
    const bool can_retry = x->retries < cfg_.max_retries;
    if (pkt->pkt_reason == CMD_CMPLT) {
        if (status == STATUS_BUSY && can_retry) {
            ++x->retries;
            ++st_.busy_retries;
            retry(x, cfg_.busy_delay_ns);
        } else if (status == STATUS_QFULL && x->qretries < cfg_.qfull_retries) {
            // the target's queue is full: lower the throttle to what it holds
            // now (illumos sd_reduce_throttle) and retry
            ++x->qretries;
            ++st_.qfull_retries;
            throttle_ = std::max(1u, inflight_);
            good_since_qfull_ = 0;
            retry(x, cfg_.qfull_delay_ns);
        } else if (status == STATUS_CHECK && (key == KEY_MEDIUM_ERROR || key == KEY_HARDWARE_ERROR)) {
            if (x->mretries < cfg_.medium_retries) {
                ++x->mretries;
                ++st_.medium_retries;
                retry(x, cfg_.retry_delay_ns);
            } else {
                finish(x, EIO);
            }
        } else if (status == STATUS_CHECK &&
                   (key == KEY_UNIT_ATTENTION || key == KEY_NOT_READY || key == KEY_ABORTED_COMMAND || key == 0) &&
                   can_retry) {
            ++x->retries;
            ++st_.ua_retries;
            retry(x, cfg_.retry_delay_ns);
        } else {
            finish(x, EIO);
        }
    } else if (pkt->pkt_reason == CMD_RESET && can_retry) {
        ++x->retries;
        ++st_.reset_retries;
        retry(x, cfg_.retry_delay_ns);
    } else if (pkt->pkt_reason != CMD_DEV_GONE && can_retry) {
        ++x->retries;
        ++st_.transport_retries;
        retry(x, cfg_.retry_delay_ns);
    } else {
        finish(x, EIO);
    }
    run_queues();
}

void sd::finish(xfer* x, int error) {
    struct buf* bp = x->bp;
    if (x->pkt) {
        // the failing LBA: the sense's INFORMATION, else the window's start
        std::uint64_t lba = bp->b_lblkno + x->done / bsize_;
        if (error) {
            if (std::uint8_t* sn = sense_of(x->pkt)) {
                uint64_t info = 0;
                if (scsi_sense_info_uint64(sn, sense_len, &info)) lba = info;
            }
            errs_.push_back({lba, std::uint64_t(bp->b_lblkno), x->write, error, x->key, x->asc, x->ascq,
                             x->pkt->pkt_reason});
        }
        scsi_destroy_pkt(x->pkt);
        x->pkt = nullptr;
    } else if (error) {
        errs_.push_back({std::uint64_t(bp->b_lblkno), std::uint64_t(bp->b_lblkno), x->write, error, 0, 0, 0, 0});
    }
    bp->b_resid = error ? bp->b_bcount - std::min<std::uint64_t>(x->done, bp->b_bcount) : 0;
    if (error) {
        bioerror(bp, error);
        ++st_.errors;
    }
    if (x->flush) {
        ++st_.flushes;
    } else {
        ++st_.ios;
        if (x->write)
            ++st_.writes;
        else
            ++st_.reads;
        st_.bytes += bp->b_bcount - bp->b_resid;
    }
    bp->b_private = nullptr;
    waiter* w = x->w;
    delete_xfer(x);
    bp->b_flags |= B_DONE;
    if (bp->b_iodone) (void)bp->b_iodone(bp);
    if (w) {
        ++w->posted_;
        wake(*w);
    }
    if (biowaiters_)
        for (waiter* s : sleepers_)
            if (s->bp_ == bp) wake(*s);
}

// ---------------------------------------------------------------- waiting

void sd::wake(waiter& w) {
    if (!w.asleep_) return;
    service_signalled_ = true; // it runs sd's queues on waking
    if (w.signalled_) return;
    w.signalled_ = true;
    ++w.wakeups_;
    w.cv_.signal();
}

void sd::wake_idle() {
    for (waiter* s : sleepers_)
        if (s->idle_) wake(*s);
}

// One sleep of a thread in sd: timed while a retry comes due or DMA
// resources are short (nothing in flight), as illumos sd's timeouts.
// When a thread asleep in sd must wake for work no completion will bring
// it: the first retry that may go out, or, with nothing in flight, a look
// again for DMA resources; 0: a completion will (sleep untimed).
std::uint64_t sd::sleep_deadline(std::uint64_t now) const {
    if (!retryq_.empty() && inflight_ < throttle_) return retryq_.begin()->first;
    if (inflight_ == 0) return now + resource_poll_ns();
    return 0;
}

void sd::sleep_in_sd(waiter& w) {
    const std::uint64_t now = k_->now_ns();
    std::uint64_t deadline = sleep_deadline(now);
    // A retry due now: run_queues transports it, unless another thread holds
    // the queues (it yielded in a transport). Then this one must yield too,
    // or that thread never resumes and simulated time stands still: sleep a
    // resource-short interval (or until woken).
    if (deadline && deadline <= now) {
        if (!running_queues_) return;
        deadline = now + resource_poll_ns();
    }
    w.asleep_ = true;
    w.signalled_ = false;
    w.deadline_ = deadline;
    sleepers_.push_back(&w);
    if (deadline)
        (void)w.cv_.timedwait(deadline);
    else
        w.cv_.wait();
    sleepers_.erase(std::find(sleepers_.begin(), sleepers_.end(), &w));
    w.asleep_ = false;
    w.signalled_ = false;
}

unsigned sd::wait(waiter& w) {
    for (;;) {
        run_queues();
        if (w.posted_) break;
        sleep_in_sd(w);
    }
    const unsigned n = w.posted_;
    w.posted_ = 0;
    return n;
}

int sd::biowait(struct buf* bp) {
    if (bp->b_flags & B_DONE) return geterror(bp);
    waiter w(*k_);
    w.bp_ = bp;
    ++biowaiters_;
    for (;;) {
        run_queues();
        if (bp->b_flags & B_DONE) break;
        sleep_in_sd(w);
    }
    --biowaiters_;
    return geterror(bp);
}

void sd::wait_all() {
    waiter w(*k_);
    w.idle_ = true;
    for (;;) {
        run_queues();
        if (!inflight_ && waitq_.empty() && retryq_.empty() && doneq_.empty()) break;
        sleep_in_sd(w);
    }
}

int sd::rw(bool write, std::uint64_t lba, void* addr, std::size_t len, std::size_t* resid) {
    struct buf b {};
    b.b_flags = write ? B_WRITE : B_READ;
    b.b_un.b_addr = static_cast<caddr_t>(addr);
    b.b_bcount = len;
    b.b_lblkno = lba;
    (void)strategy(&b);
    const int e = biowait(&b);
    if (resid) *resid = b.b_resid;
    return e;
}

} // namespace ddisim::drivers
