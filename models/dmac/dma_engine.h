// ddisim::models::dma_engine — the reusable data mover of the DMA controller
// (models/dmac/dmac.h) and of other bus-mastering devices (the HBA).
//
// What it models
//   Moves len bytes from src to dst through one initiator socket as a chain of
//   read bursts and write bursts. A burst is at most min(burst_size,
//   bus_max_burst) bytes and never crosses a multiple of `boundary` on either
//   side, so every read and its write have the same length. Reads run ahead of
//   writes by up to `lookahead` bursts (a staging buffer of lookahead × burst
//   bytes), so reads and writes overlap as in a real engine's FIFO.
//
//   State lives in a `stream` owned by the caller (a DMA channel, an HBA
//   command slot): its own outstanding-transaction limit, its time cursor and
//   its staging buffer. Several streams share one engine (one socket, one
//   quantum keeper); the caller interleaves them by calling step() on each in
//   the order its arbitration chooses, which is how the controller shares
//   bandwidth between channels. All calls come from one SC_THREAD.
//
// Socket
//   out — tlm_initiator_socket<>; b_transport (LT) or nb_transport (AT) as
//         config.timing says. Every payload carries a requester_id_ext with
//         config.requester_id. DMI is not used (a DMA engine's accesses are
//         the traffic being modelled).
//
// Timing, LT (timing = "lt"; temporal decoupling with a tlm_quantumkeeper on
// the global quantum). Each stream keeps a program-order cursor: transaction
// k is issued at max(cursor, completion of transaction k - outstanding, its
// dependency) where a write depends on the completion of the read that
// filled its data and the first read of a transfer on the `after` time given
// to start() (descriptor fetch, fence). The bus and memory occupancy
// timelines do the rest (contention, bandwidth).
//
// Timing, AT (timing = "at"; base protocol, the four phases). The same
// sequence of reads and writes, issued in simulated time: a transaction
// starts when (a) its dependency time has passed (as in LT), (b) its stream
// has fewer than `outstanding` transactions in flight (BEGIN_REQ sent, final
// response not yet received), (c) the socket's previous request has seen
// END_REQ (one request phase at a time, base-protocol rule), and (d) for a
// write, the response of its read has arrived. Each transaction has its own
// pooled payload and data buffer (a write gets a copy of its read's data),
// so a response arriving after an abort touches nothing of a later transfer.
// BEGIN_RESP is answered TLM_COMPLETED; its annotated delay is honoured (the
// data counts as arrived at now + delay). Errors: a read error is seen when
// the write that needs its data is due, a write error when its response
// arrives; the transfer then stops issuing. In AT, step(), read() and
// write() wait (sc_core::wait) inside; the caller's thread is blocked while
// one stream waits, so streams sharing an engine interleave per transaction
// but do not overlap their waits. A stream aborted while its owner waits is
// noticed after the wait (step returns false; read/write return
// TLM_GENERIC_ERROR_RESPONSE); callers check their own state after each call.
// A stream must outlive its in-flight transactions (as a channel or a command
// slot does).
//
// Statistics (under the module name)
//   reads, writes, bytes_read, bytes_written, errors (counters);
//   latency (histogram, ns, issue to completion of each transaction).
#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "models/dmac/dmac_config.h"
#include "tlm/core/stats.h"
#include "tlm/extensions.h"
#include "tlm/timing.h"

namespace ddisim::models {

class dma_engine : public sc_core::sc_module,
                   public ::tlm::tlm_bw_transport_if<>,
                   public ::tlm::tlm_mm_interface {
    struct txn; // AT: one payload with its data buffer (dma_engine.cpp)

public:
    ::tlm::tlm_initiator_socket<> out;

    enum class status { ok, read_error, write_error };

    // Per-requester state (a channel, a command). Outstanding limit ≥ 1.
    class stream {
    public:
        explicit stream(unsigned outstanding = 8);
        void set_outstanding(unsigned n); // only while idle
        // Makes the stream what stream(n) makes, keeping its storage (a
        // retired stream reused; nothing of it may be in flight).
        void reuse(unsigned n);
        unsigned outstanding() const { return static_cast<unsigned>(window_.size()); }

        bool active() const { return active_; }
        status result() const { return st_; }
        std::uint64_t bursts() const { return bursts_; }        // read/write burst pairs of the current transfer
        std::uint64_t moved() const { return written_; }        // bytes written so far in the current transfer
        tlm::ps_t cursor() const { return cursor_; }            // issue time of the latest transaction
        tlm::ps_t last_done() const { return last_done_; }      // latest completion of any transaction so far
        void advance(tlm::ps_t t) { if (t > cursor_) cursor_ = t; }
        // Forgets the current transfer (a channel reset); timing state stays.
        // In AT, transactions still in flight complete on the bus and are
        // dropped; they keep counting towards the outstanding limit until then.
        void abort();
        unsigned in_flight() const { return inflight_; } // AT: transactions of this stream in flight

    private:
        friend class dma_engine;
        struct chunk {
            std::uint64_t dst;
            std::uint32_t len;
            std::uint32_t slot;
            tlm::ps_t ready; // completion of the read
            txn* x;          // AT: the read, whose buffer holds the data
            std::uint64_t burst = 0; // LT: index of its first burst in the transfer
        };
        void drop_at(); // AT: releases the held transactions
        // LT: completion times of the last `outstanding` transactions; the
        // next issues once the earliest has completed, as in AT.
        tlm::completion_window window_;
        tlm::ps_t cursor_ = 0, last_done_ = 0, after_ = 0;
        std::uint64_t src_ = 0, dst_ = 0, len_ = 0, read_ = 0, written_ = 0, bursts_ = 0;
        // LT with multi-burst transactions: the transfer's bursts as step()
        // would cut them one by one (offset from the start, length).
        std::vector<tlm::burst_ext::neighbour> geo_;
        std::vector<tlm::ps_t> rdone_; // per staging slot, its read's bursts' completions
        std::vector<tlm::ps_t> rring_, wring_; // completions of the last `lookahead` read / write bursts
        std::deque<chunk> pending_;
        std::vector<std::uint8_t> buf_;
        std::uint32_t next_slot_ = 0, lookahead_ = 1;
        status st_ = status::ok;
        bool active_ = false;
        // AT only.
        unsigned inflight_ = 0, gen_ = 0;
        std::deque<txn*> writes_; // writes issued, response not yet checked
        sc_core::sc_event done_ev_; // one of its transactions completed (only its own threads wake)
    };

    dma_engine(sc_core::sc_module_name name, const dma_engine_config& cfg);
    ~dma_engine() override;

    bool at() const { return at_; }

    // Effective burst: min(burst_size, bus_max_burst when set).
    std::uint64_t burst() const { return burst_; }
    // Largest transaction: burst() in AT; in LT max(burst(),
    // config.lt_transaction_size).
    std::uint64_t transaction() const { return chunk_; }
    // LT: whether stream s may use transactions of several bursts: its
    // window, capped by the bus port's outstanding limit, covers one.
    bool page_window(const stream& s) const {
        const std::uint64_t w = cfg_.bus_outstanding ? std::min<std::uint64_t>(s.window_.size(), cfg_.bus_outstanding)
                                                     : s.window_.size();
        return w * burst_ >= chunk_;
    }
    const dma_engine_config& config() const { return cfg_; }
    // LT: changes config.lt_transaction_size (0 or ≤ burst(): burst
    // accurate). Takes effect at the next start() and read()/write(); call it
    // while no stream is mid-transfer. Ignored in AT.
    void set_lt_transaction_size(std::uint64_t bytes);

    // Starts a transfer on s (not before `after`, ps). len 0 completes at once.
    void start(stream& s, std::uint64_t src, std::uint64_t dst, std::uint64_t len, tlm::ps_t after = 0);
    // Issues the next transaction of s (a read burst while the staging buffer
    // has room, otherwise the oldest pending write). Returns true while the
    // transfer has more to issue; false once it is complete or failed (see
    // s.result(); on an error nothing more is issued for it).
    bool step(stream& s);
    // Whole transfer, blocking the calling thread's program order (not its
    // simulated time: see sync()).
    status copy(stream& s, std::uint64_t src, std::uint64_t dst, std::uint64_t len, tlm::ps_t after = 0);

    // Single transactions on behalf of s (descriptor fetch, status
    // write-back), issued not before `after`. Return the response status;
    // `done` gets the completion time.
    ::tlm::tlm_response_status read(stream& s, std::uint64_t addr, void* data, unsigned len, tlm::ps_t after = 0,
                                    tlm::ps_t* done = nullptr);
    ::tlm::tlm_response_status write(stream& s, std::uint64_t addr, const void* data, unsigned len,
                                     tlm::ps_t after = 0, tlm::ps_t* done = nullptr);
    // A posted single write (a status write-back): issued as write() is, but
    // in AT the call returns once the request is on its way instead of
    // waiting for the response, so the caller's next transaction (the next
    // descriptor's fetch) overlaps it, as it does in LT. on_done(status,
    // completion time) runs once the response is known: in LT before
    // write_posted returns, in AT from the response path (a callback: it must
    // not wait). Returns false, and on_done never runs, if the stream was
    // aborted while the request waited to be issued (AT).
    using write_done = std::function<void(::tlm::tlm_response_status, tlm::ps_t)>;
    bool write_posted(stream& s, std::uint64_t addr, const void* data, unsigned len, tlm::ps_t after,
                      write_done on_done);
    // AT: waits until none of s's transactions is in flight (posted writes
    // included, those of an aborted transfer too); s.last_done() then covers
    // them. LT: returns at once (nothing is ever in flight).
    void drain(stream& s);

    // Simulated time of the calling thread (sc_time_stamp + local offset).
    tlm::ps_t now() const;
    // Synchronises the quantum keeper (the thread waits up to its local time).
    void sync();
    // Synchronises once the local time has reached the global quantum. The
    // engine never waits inside start/step/read/write: callers call this
    // between steps, where a wait (and whatever other processes do meanwhile,
    // e.g. a register write resetting a channel) is safe for their state.
    void sync_if_needed();
    // True while the thread runs ahead of sc_time_stamp.
    bool needs_sync() const;

    std::uint64_t reads() const { return stats_.reads.count(); }
    std::uint64_t writes() const { return stats_.writes.count(); }

    // tlm_bw_transport_if (AT: END_REQ and BEGIN_RESP; an error in LT)
    ::tlm::tlm_sync_enum nb_transport_bw(::tlm::tlm_generic_payload& gp, ::tlm::tlm_phase& phase,
                                         sc_core::sc_time& delay) override;
    void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) override;
    // tlm_mm_interface (AT): a payload's last reference was released
    void free(::tlm::tlm_generic_payload* gp) override;

private:
    ::tlm::tlm_response_status issue(stream& s, ::tlm::tlm_command cmd, std::uint64_t addr, std::uint8_t* data,
                                     unsigned len, tlm::ps_t dep, tlm::ps_t& done, std::uint32_t alt_begin,
                                     std::uint32_t alt_end, const tlm::ps_t* deps, tlm::ps_t* per, tlm::ps_t* ring,
                                     std::uint64_t k0);
    void cut_bursts(stream& s) const;
    std::uint32_t next_chunk(const stream& s) const;
    void account(::tlm::tlm_command cmd, unsigned len, tlm::ps_t issued, tlm::ps_t done);
    // AT
    bool step_at(stream& s);
    void fail_at(stream& s, status st);
    txn* issue_at(stream& s, ::tlm::tlm_command cmd, std::uint64_t addr, const std::uint8_t* wdata, unsigned len,
                  tlm::ps_t dep, write_done* on_done = nullptr);
    bool wait_done(stream& s, txn* x, unsigned gen);
    void complete_at(txn* x, tlm::ps_t t);
    ::tlm::tlm_response_status single_at(stream& s, ::tlm::tlm_command cmd, std::uint64_t addr, std::uint8_t* data,
                                         unsigned len, tlm::ps_t after, tlm::ps_t* done);

    dma_engine_config cfg_;
    bool at_;
    std::uint64_t burst_;
    std::uint64_t chunk_; // largest transaction (LT: may carry several bursts)
    ::tlm::tlm_generic_payload gp_;
    tlm::burst_ext* bx_ = nullptr; // on gp_ (owned by it)
    std::vector<tlm::burst_ext::neighbour> opp_; // bx_->opp of the transaction being issued
    tlm_utils::tlm_quantumkeeper qk_;
    // AT state: payload pool, the socket's request phase, wake-ups.
    std::vector<std::unique_ptr<txn>> pool_;
    std::vector<txn*> free_;
    std::unordered_map<const ::tlm::tlm_generic_payload*, txn*> index_;
    bool req_busy_ = false;
    const ::tlm::tlm_generic_payload* req_gp_ = nullptr;
    tlm::ps_t req_free_at_ = 0;
    sc_core::sc_event req_ev_; // AT: the request channel freed (END_REQ)
    const sc_core::sc_time& now_; // the kernel's current time (tlm::sim_time)

    struct stats_t {
        tlm::counter reads, writes, bytes_read, bytes_written, errors;
        tlm::histogram latency;
        explicit stats_t(const std::string& o);
    } stats_;
};

} // namespace ddisim::models
