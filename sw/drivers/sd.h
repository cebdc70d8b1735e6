// ddisim::drivers::sd — a SCSI direct-access (disk) target driver in the
// style of illumos sd, on SCSA only (any HBA driver; docs/drivers.md).
//
// attach   on a target's scsi_device (scsi_hba_target_create): TEST UNIT
//          READY (repeated while it reports UNIT ATTENTION / NOT READY),
//          INQUIRY (36 bytes), READ CAPACITY(16), all polled with
//          scsi_poll (which retries BUSY / TASK SET FULL itself), each
//          retried on a UNIT ATTENTION up to max_retries times; sets the
//          HBA's "sector-size" capability to the block size (data windows
//          are cut on whole blocks).
// strategy(buf) queues a transfer and returns at once (illumos sdstrategy).
//          b_lblkno is in the disk's logical blocks; b_bcount a multiple of
//          the block size; B_READ set for reads. sd owns b_private while the
//          buf is busy. Up to cfg.throttle commands are on the wire at once;
//          further bufs wait in sd's queue.
//          Per buf: scsi_init_pkt(PKT_DMA_PARTIAL, NULL_FUNC) — NULL with
//          geterror 0 (DMA resources short) leaves the buf queued — READ/WRITE
//          (10), or (16) beyond LBA 2^32 − 1 or 65535 blocks, for each window
//          (b_bcount − pkt_resid − bytes done). A buf larger than
//          max_xfer() (sd_config::max_xfer, 1 MiB as illumos
//          sd_max_xfer_size, lowered to the HBA's "dma-max" at attach) is
//          broken up: chunks of max_xfer() one after another, each bound
//          and transferred (in windows) by itself, as physio's sdmin or the
//          xbuf layer's buf breakup would; so a buf above an IOMMU-path
//          maxxfer (spec §8.9: no PARTIAL there) still completes. The buf's
//          b_resid on a failure counts from the first byte not known good,
//          across chunks. pkt_comp (interrupt context)
//          only queues the packet and wakes sd's service thread — whichever
//          software thread is next in sd (biowait, wait_all, strategy), as
//          an illumos taskq would — which does scsi_sync_pkt for reads, the
//          next window with scsi_init_pkt(pkt), retries, errors, then biodone.
//          Keeping DMA binds/unbinds out of the interrupt thread matters with
//          an IOMMU: the IOMMU driver's polled invalidation must not run from
//          two threads at once.
// retries  BUSY (after busy_delay), TASK SET FULL (qfull_delay), TRAN_BUSY,
//          UNIT ATTENTION / ABORTED COMMAND / NOT READY, CMD_RESET and other
//          transport failures: up to max_retries each buf (then EIO);
//          TASK SET FULL lowers the throttle to the commands still in flight
//          (raised again by one every 16 good completions), qfull_retries;
//          MEDIUM / HARDWARE ERROR: medium_retries, then the buf fails with
//          EIO, b_resid = bytes not known good, and an error_record names the
//          failing LBA (sense INFORMATION, else the window's first LBA).
//          Delayed retries run on whichever software thread is next in sd
//          (biowait, wait_all, strategy): interrupt handlers never sleep.
//          A thread sleeps untimed while commands are in flight (their
//          completion wakes a sleeper); when another thread took that
//          completion and left retries or resource-short bufs behind, it
//          wakes a sleeper to re-arm its sleep for them.
// flush    flush(bp) queues a SYNCHRONIZE CACHE(10) over the whole medium
//          (illumos sd's DKIOCFLUSHWRITECACHE): a command without data,
//          transported, retried and completed like a buf's (bp: a buf of
//          its own, b_bcount 0); counted in flushes, not in ios.
// biodone  B_DONE set, b_resid / b_error (B_ERROR) filled, b_iodone called
//          (service thread) if set, then the buf's waiter (if any) is woken.
// waiting  every software thread sleeping in sd has its own kcondvar (a
//          waiter): biowait(bp) (a waiter for bp), wait(w) (until any buf
//          given to strategy(bp, &w) is done: one fio job with iodepth N),
//          wait_all (until sd is idle). pkt_comp signals ONE sleeper (the
//          buf's own waiter if it sleeps, else the longest sleeper) as the
//          service thread; biodone signals only the buf's waiter. So each
//          completion wakes at most two threads, however many sleep in sd
//          (no broadcast). Retry / resource-short sleeps are timed as before.
//
// Counters for the platform's statistics: statistics().
#pragma once
#include <sys/buf.h>
#include <sys/scsi/scsi.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sw/kernel/kernel.h"

namespace ddisim::drivers {

struct sd_config {
    unsigned throttle = 32;                 // commands on the wire at once (sd's queue depth)
    unsigned max_retries = 10;              // BUSY / UA / reset / transport retries per buf
    unsigned qfull_retries = 1000;          // TASK SET FULL retries per buf (the throttle drops meanwhile)
    unsigned medium_retries = 3;            // retries of a MEDIUM / HARDWARE ERROR before EIO
    std::uint64_t busy_delay_ns = 100000;   // before retrying a BUSY (illumos sd: 5 s; shortened)
    std::uint64_t qfull_delay_ns = 20000;   // before retrying a TASK SET FULL / TRAN_BUSY
    std::uint64_t retry_delay_ns = 0;       // before other retries
    int pkt_time = 60;                      // seconds
    bool cdb16 = false;                     // always READ/WRITE(16)
    unsigned attach_tur_tries = 5;          // TEST UNIT READY attempts at attach
    std::uint64_t max_xfer = 1ull << 20;    // largest transfer of one command (illumos sd_max_xfer_size)
};

class sd {
public:
    struct stats {
        std::uint64_t ios = 0, reads = 0, writes = 0, bytes = 0; // bufs completed
        std::uint64_t commands = 0;                               // commands transported (READ/WRITE; SYNCHRONIZE CACHE for flush)
        std::uint64_t windows = 0;                                // windows beyond the first
        std::uint64_t chunks = 0;                                 // chunks beyond the first (bufs broken up)
        std::uint64_t retries = 0;                                // all retries
        std::uint64_t busy_retries = 0, qfull_retries = 0, tran_busy = 0, ua_retries = 0, reset_retries = 0,
                      medium_retries = 0, transport_retries = 0;
        std::uint64_t nores = 0;                                  // scsi_init_pkt short of DMA resources
        std::uint64_t errors = 0;                                 // bufs completed with an error
        std::uint64_t flushes = 0;                                // SYNCHRONIZE CACHE commands completed (flush)
    };
    struct error_record {
        std::uint64_t lba;    // failing LBA
        std::uint64_t blkno;  // the buf's first block
        bool write;
        int error;            // errno given to the buf
        std::uint8_t key, asc, ascq;
        std::uint8_t reason;  // pkt_reason of the last attempt
    };

    // Attaches to a target (its scsi_device). DDI_SUCCESS, or DDI_FAILURE
    // (reason in attach_error).
    static int attach(struct scsi_device* dev, const sd_config& cfg, std::unique_ptr<sd>& out,
                      std::string* attach_error = nullptr);
    ~sd();
    sd(const sd&) = delete;
    sd& operator=(const sd&) = delete;

    std::uint64_t capacity_blocks() const { return nblocks_; }
    std::uint32_t block_size() const { return bsize_; }
    // Largest transfer of one command: cfg.max_xfer, lowered to the HBA's
    // "dma-max" capability, whole blocks (at least one).
    std::uint64_t max_xfer() const { return max_xfer_; }
    const std::string& vendor() const { return vendor_; }
    const std::string& product() const { return product_; }
    struct scsi_device* device() const { return dev_; }

    // A software thread's wait channel in sd (one per fio job): bufs given
    // to strategy(bp, &w) wake it when done; wait(w) sleeps until then.
    class waiter {
    public:
        explicit waiter(kernel::kernel_context& k) : cv_(k) {}
        waiter(const waiter&) = delete;
        waiter& operator=(const waiter&) = delete;
        std::uint64_t wakeups() const { return wakeups_; } // signals received
    private:
        friend class sd;
        kernel::kcondvar cv_;
        unsigned posted_ = 0;           // bufs done since the last wait returned
        const struct buf* bp_ = nullptr; // biowait: the buf waited for
        bool idle_ = false;             // wait_all
        bool asleep_ = false;
        std::uint64_t deadline_ = 0;    // asleep: when its sleep times out (ns), 0 = only a signal wakes it
        bool signalled_ = false;        // a signal is on its way (not yet consumed)
        std::uint64_t wakeups_ = 0;
    };

    // Asynchronous I/O (above). Returns 0 (queued or completed with an error
    // already: check B_DONE). With w, biodone wakes w (wait(w) returns).
    int strategy(struct buf* bp, waiter* w = nullptr);
    // SYNCHRONIZE CACHE of the whole medium, queued like a buf (above);
    // wait for bp with biowait or w. Returns 0.
    int flush(struct buf* bp, waiter* w = nullptr);
    // Sleeps until at least one buf given to strategy(bp, &w) is done since
    // the last return (returns at once if one already is), servicing sd's
    // queues meanwhile. Returns how many were done.
    unsigned wait(waiter& w);
    // Sleeps until bp is done (running due retries meanwhile); returns
    // geterror(bp).
    int biowait(struct buf* bp);
    // Until nothing is queued or in flight.
    void wait_all();
    // Synchronous helper: one buf over kernel memory at addr.
    int rw(bool write, std::uint64_t lba, void* addr, std::size_t len, std::size_t* resid = nullptr);

    unsigned in_flight() const { return inflight_; }
    unsigned throttle() const { return throttle_; }
    std::size_t queued() const { return waitq_.size() + retryq_.size(); }
    const stats& statistics() const { return st_; }
    const std::vector<error_record>& errors() const { return errs_; }

private:
    struct xfer;
    sd(struct scsi_device* dev, const sd_config& cfg);
    int attach_probe(std::string& why);
    int poll_cmd(const std::uint8_t* cdb, int cdblen, void* data, std::size_t len, bool write,
                 std::uint8_t* key = nullptr);
    void run_queues();
    xfer* new_xfer();              // allocated and on live_
    xfer* begin_xfer(struct buf* bp, waiter* w); // new_xfer for bp, its completion state cleared
    void delete_xfer(xfer* x);     // off live_ and freed
    bool start(xfer* x);      // false: could not start now (left for later)
    bool transport(xfer* x);  // false: TRAN_BUSY (queued for retry)
    void build_cdb(xfer* x);
    struct buf* io_buf(xfer* x);            // the buf being transferred: bp, or its current chunk
    void set_window(xfer* x, const struct buf* b, const struct scsi_pkt* pkt); // x->win after scsi_init_pkt
    void set_chunk(xfer* x, std::uint64_t at); // the chunk of bp from byte `at`
    void complete(struct scsi_pkt* pkt);
    void retry(xfer* x, std::uint64_t delay_ns);
    void finish(xfer* x, int error);
    static void comp(struct scsi_pkt* pkt);
    void sleep_in_sd(waiter& w);        // one sleep (timed while retries / resources are due)
    void wake(waiter& w);
    void wake_idle();
    void keep_a_sleeper_due();          // a retry or resource poll left to the sleepers gets one that wakes in time
    std::uint64_t sleep_deadline(std::uint64_t now) const; // when a sleeper must wake for them (0: a completion wakes it)
    // how often a thread looks again for DMA resources that were short
    std::uint64_t resource_poll_ns() const { return std::max<std::uint64_t>(cfg_.qfull_delay_ns, 1000); }

    std::vector<waiter*> sleepers_;     // asleep in sd, oldest first
    bool service_signalled_ = false;    // a sleeper is on its way to run the doneq
    unsigned biowaiters_ = 0;           // threads in biowait

    struct scsi_device* dev_;
    kernel::kernel_context* k_;
    sd_config cfg_;
    std::uint64_t nblocks_ = 0;
    std::uint32_t bsize_ = 512;
    std::uint64_t max_xfer_ = 1ull << 20;
    std::string vendor_, product_;
    std::deque<struct scsi_pkt*> doneq_;          // completed by the HBA, not yet processed
    std::deque<xfer*> waitq_;                      // not started (no packet yet / no resources)
    std::multimap<std::uint64_t, xfer*> retryq_;   // due time (ns) → transfer to re-transport
    xfer* live_ = nullptr;          // every transfer not yet finished (freed by ~sd at a cut-short end)
    unsigned inflight_ = 0;
    unsigned throttle_ = 32;        // current throttle (lowered by TASK SET FULL)
    unsigned good_since_qfull_ = 0;
    bool running_queues_ = false;
    stats st_;
    std::vector<error_record> errs_;
};

} // namespace ddisim::drivers
