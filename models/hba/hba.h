// ddisim::models::hba — SCSI host bus adapter with request/reply rings in
// memory (a simplified MPT/NVMe-style interface), tagged command queueing to
// `targets` disks, interrupt coalescing. docs/hba.md has the same content with
// a worked example and notes for the driver.
//
// What it models
//   Software writes 128-byte request frames into the request ring and writes
//   the ring's producer index REQ_PI (the doorbell). The HBA fetches each
//   frame over the bus, reads the rest of its scatter-gather list (SGL) from
//   memory when it chains beyond the 4 inline entries, and hands the CDB to
//   the target's scsi_target logic (models/disk/disk_port.h). Data moves
//   through the embedded dma_engine (models/dmac/dma_engine.h) burst by burst
//   along the SGL, over `out` (through the IOMMU in the platform), and over
//   the target's port link (its rate and encoding from the disk's config).
//   The HBA then writes a 64-byte reply into the reply ring, advances
//   RPL_PI, and raises the reply interrupt as COALESCE_COUNT / COALESCE_TIME
//   say. Many commands are in flight at once, per target and across targets;
//   each completes when its own timing says, so replies come out of order
//   (the reply's tag names the request).
//
// Sockets / ports
//   regs — tlm_utils::simple_target_socket: the register block (b_transport;
//          aligned 4-byte accesses, and 8-byte ones at REQ_BASE and RPL_BASE).
//   out  — initiator socket: frame and SGL fetches, data bursts, reply and
//          sense writes; b_transport in LT, nb_transport (base protocol) in
//          AT. Every payload carries requester_id_ext(requester_id) and
//          io_tag_ext(target << 32 | frame tag; 0 on frame fetches).
//   irq  — sc_out<bool>, level: high while IRQ_STATUS & ~IRQ_MASK != 0.
//
// Timing: LT or AT as config.timing says (the platform copies run.timing).
//   The HBA's thread keeps a time-ordered list of per-command steps (fetch,
//   execute at the target, data-in phase, reply) and runs each at its time,
//   so commands interleave as in hardware:
//     frame fetch (128-byte read) → SGL chain segments (read, one after the
//     other) → command_overhead → [data-out: DMA reads of the SGL, each burst
//     then crossing the link] → target execute (disk timing: medium, queueing
//     inside the disk model) → [data-in: link transfer starting when the
//     target is done, each DMA write burst issued as soon as the link has
//     delivered its bytes (cut-through)] → sense write (if to a buffer) →
//     reply write (64 bytes) → visible (RPL_PI, IRQ_STATUS) at its completion.
//   LT: the thread runs every step itself; the engine's b_transport calls
//     return at once with their completion times (up to `outstanding` per
//     command overlap, lt_transaction_size as in the engine).
//   AT: the engine issues base-protocol nb_transport transactions and waits
//     for their responses in simulated time, so the thread only schedules:
//     each step runs in a worker process of its own (a pool, grown on
//     demand), and commands overlap in time as in LT. Data-in writes are
//     posted (dma_engine::write_posted): each goes out when the link has
//     delivered it, up to `outstanding` per command in flight, and the reply
//     waits for the last answer; a failed one ends the transfer at its
//     offset (bursts already on their way still go). The other transactions
//     of a command (SGL and data-out reads, sense) go one after the other.
//     One frame fetch and one reply write are in flight at a time (replies
//     keep their order in the ring, as in LT).
//     A reset (HBA_RESET, TARGET_RESET) aborts the affected commands' DMA:
//     their workers notice after their current transaction and stop.
//   The link of each target carries one data phase at a time. Register
//   accesses cost register_latency. Completions become visible to software
//   at the completion time of the reply write, not earlier.
//
// Register map (offsets from the regs base; 32-bit, reset 0 unless stated)
//   0x000 ID             RO  0xD3AB5C51
//   0x004 TARGETS        RO  number of targets
//   0x008 CAPS           RO  [15:0] queue_depth (HBA command slots), [23:16]
//                            inline SGL entries (4), [31:24] frame size / 16 (8)
//   0x00C TARGET_QD      RO  [15:0] target_queue_depth, bit 31: queue_full = hold
//   0x010 CONTROL        RW  bit0 ENABLE (frames are fetched only while set)
//   0x014 STATUS         RO  bit0 READY (enabled, no fault), bit1 FAULT,
//                            [15:8] fault code, [31:16] commands in flight
//   0x018 RESET          WO  bit0 HBA_RESET: drops every command without a
//                            reply, zeroes the ring indices, IRQ_STATUS, STATUS
//                            and CONTROL (ring bases/sizes, IRQ_MASK and the
//                            coalescing registers are kept); targets are not
//                            reset. bit1 TARGET_RESET of target [15:8]: its
//                            commands in flight end with host status RESET
//                            replies, the disk reports UNIT ATTENTION next.
//                            Reads 0.
//   0x01C MAX_SGL        RO  data entries one SGL may hold (max_sgl_entries)
//   0x020 IRQ_STATUS     W1C bit0 REPLY (coalesced reply interrupt), bit1 FAULT
//   0x024 IRQ_MASK       RW  bit set = cause masked (reset 0)
//   0x028 COALESCE_COUNT RW  replies per interrupt, 0/1 = every reply (reset cfg)
//   0x02C COALESCE_TIME  RW  ns from the first un-signalled reply to its
//                            interrupt, 0 = no timer (reset cfg / 1000)
//   0x030 REQ_BASE_LO    RW  request ring address [31:0] (8-byte access: both)
//   0x034 REQ_BASE_HI    RW  [63:32]
//   0x038 REQ_SIZE       RW  frames in the request ring
//   0x03C REQ_PI         RW  producer index: writing it rings the doorbell
//   0x040 REQ_CI         RO  consumer index: frames before it have been fetched
//                            (their slots may be reused)
//   0x044 MAX_XFER       RO  largest data length of one command, bytes (max_transfer)
//   0x048 RPL_BASE_LO    RW  reply ring address [31:0] (8-byte access: both)
//   0x04C RPL_BASE_HI    RW  [63:32]
//   0x050 RPL_SIZE       RW  replies in the reply ring
//   0x054 RPL_PI         RO  producer index: replies before it are valid
//   0x058 RPL_CI         RW  consumer index written by software; the HBA
//                            keeps one slot free (full when PI+1 == CI mod
//                            size) and holds replies while the ring is full
//   0x05C COMPLETED      RO  replies posted since reset
//   Fault codes (STATUS, HBA stops fetching until HBA_RESET): 1 bad request
//   ring (REQ_SIZE 0 or REQ_PI ≥ REQ_SIZE), 2 frame fetch error, 3 bad reply
//   ring (RPL_SIZE < 2), 4 reply write error.
//
// Request frame (128 bytes, little-endian, at REQ_BASE + 128·index)
//   0x00 u32 tag          echoed in the reply
//   0x04 u8  target       0x05 u8 dir (0 none, 1 data-in, 2 data-out)
//   0x06 u8  cdb_len (1..16)  0x07 u8 flags: bit0 SENSE_BUF (sense to sense_addr)
//   0x08 u32 lun          0x0C u32 data_len (bytes the SGL describes for the data phase)
//   0x10 u8  cdb[16]
//   0x20 u64 sense_addr   0x28 u32 sense_len (buffer size)
//   0x2C u8  sgl_inline (0..4)  0x2D u8 reserved  0x2E u16 chain_count
//   0x30 u64 chain_addr   first chain segment: chain_count entries (0 = none)
//   0x38 u64 reserved
//   0x40 SGL entry[4]     inline entries, 16 bytes each
// SGL entry (16 bytes): u64 addr, u32 len, u32 flags (bit0 CHAIN). In a chain
//   segment a CHAIN entry (only as the segment's last entry) points to the
//   next segment: addr, len = its entry count. Inline entries are data only.
//   Data entries are used in order until data_len bytes are covered.
//
// Reply (64 bytes, little-endian, at RPL_BASE + 64·index)
//   0x00 u32 tag          0x04 u8 scsi_status   0x05 u8 host_status
//   0x06 u8  sense_len    0x07 u8 flags: bit0 SENSE_IN_BUF (written to sense_addr)
//   0x08 u32 residual     data_len − bytes transferred
//   0x0C u32 transferred  0x10 u8 sense[32] (inline sense, unless SENSE_IN_BUF)
//   0x30 u8  target       0x31..0x33 reserved  0x34 u32 lun  0x38 u64 reserved
// Host status: 0 OK (scsi_status is the target's), 1 NO_TARGET, 2 BAD_FRAME
//   (cdb_len, dir, sgl_inline, data_len > max_transfer, or dir contradicting
//   the CDB), 3 SGL_SHORT (SGL covers less than data_len), 4 BAD_SGL (chain
//   malformed, more than max_sgl_entries), 5 DMA_ERROR (error response on the
//   SGL, data or sense), 6 RESET (aborted by TARGET_RESET). A command with a
//   host status other than OK did not run on the target (except DMA_ERROR
//   during data-in, and RESET). Per-target queue full with queue_full =
//   refuse: host status OK, scsi_status TASK SET FULL (0x28), no data.
//
// Statistics (under the module name)
//   commands, bytes_in, bytes_out, host_errors, check_conditions, queue_full,
//   interrupts, coalesced (replies signalled by another reply's interrupt)
//   (counters); latency (histogram, ns, frame fetch to reply visible);
//   outstanding (time average, commands in flight); t<i>.* per target
//   (disk_port.h: queue_depth time average, link busy, bytes); with
//   firmware_cores, firmware_wait (histogram, ns a command waited for a
//   core) and firmware_utilisation (the cores' busy share).
// Waves: irq_level.
#pragma once
#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "models/disk/disk_port.h"
#include "models/dmac/dma_engine.h"
#include "models/hba/hba_config.h"
#include "tlm/core/stats.h"
#include "tlm/timing.h"

namespace ddisim::models {

namespace hba_regs {
inline constexpr std::uint32_t id_value = 0xD3AB5C51;
inline constexpr std::uint64_t ID = 0x000, TARGETS = 0x004, CAPS = 0x008, TARGET_QD = 0x00C, CONTROL = 0x010,
                               STATUS = 0x014, RESET = 0x018, MAX_SGL = 0x01C, IRQ_STATUS = 0x020, IRQ_MASK = 0x024,
                               COALESCE_COUNT = 0x028, COALESCE_TIME = 0x02C, REQ_BASE_LO = 0x030,
                               REQ_BASE_HI = 0x034, REQ_SIZE = 0x038, REQ_PI = 0x03C, REQ_CI = 0x040, MAX_XFER = 0x044,
                               RPL_BASE_LO = 0x048, RPL_BASE_HI = 0x04C, RPL_SIZE = 0x050, RPL_PI = 0x054,
                               RPL_CI = 0x058, COMPLETED = 0x05C, size = 0x060;
inline constexpr std::uint32_t CONTROL_ENABLE = 1u << 0;
inline constexpr std::uint32_t STATUS_READY = 1u << 0, STATUS_FAULT = 1u << 1;
inline constexpr std::uint32_t RESET_HBA = 1u << 0, RESET_TARGET = 1u << 1;
inline constexpr std::uint32_t IRQ_REPLY = 1u << 0, IRQ_FAULT = 1u << 1;
inline constexpr std::uint32_t TARGET_QD_HOLD = 1u << 31;
enum fault_code : std::uint8_t { no_fault = 0, bad_request_ring = 1, frame_fetch_error = 2, bad_reply_ring = 3, reply_write_error = 4 };
} // namespace hba_regs

namespace hba_frame {
inline constexpr unsigned size = 128, inline_sgl = 4, sgl_entry = 16;
inline constexpr unsigned TAG = 0x00, TARGET = 0x04, DIR = 0x05, CDB_LEN = 0x06, FLAGS = 0x07, LUN = 0x08,
                          DATA_LEN = 0x0C, CDB = 0x10, SENSE_ADDR = 0x20, SENSE_LEN = 0x28, SGL_INLINE = 0x2C,
                          CHAIN_COUNT = 0x2E, CHAIN_ADDR = 0x30, SGL = 0x40;
inline constexpr std::uint8_t DIR_NONE = 0, DIR_IN = 1, DIR_OUT = 2;
inline constexpr std::uint8_t FLAG_SENSE_BUF = 1u << 0;
inline constexpr std::uint32_t SGL_CHAIN = 1u << 0;
} // namespace hba_frame

namespace hba_reply {
inline constexpr unsigned size = 64, sense_max = 32;
inline constexpr unsigned TAG = 0x00, SCSI_STATUS = 0x04, HOST_STATUS = 0x05, SENSE_LEN = 0x06, FLAGS = 0x07,
                          RESIDUAL = 0x08, TRANSFERRED = 0x0C, SENSE = 0x10, TARGET = 0x30, LUN = 0x34;
inline constexpr std::uint8_t FLAG_SENSE_IN_BUF = 1u << 0;
enum host_status : std::uint8_t { ok = 0, no_target = 1, bad_frame = 2, sgl_short = 3, bad_sgl = 4, dma_error = 5, reset = 6 };
} // namespace hba_reply

class hba : public sc_core::sc_module {
    dma_engine engine_; // the data mover; its socket is bound to tag_in below

public:
    tlm_utils::simple_target_socket<hba> regs;
    tlm_utils::simple_initiator_socket<hba> out;
    sc_core::sc_out<bool> irq;
    SC_HAS_PROCESS(hba);

    // Throws std::invalid_argument on a bad configuration (a target's error
    // is prefixed with "targets[i]: ").
    hba(sc_core::sc_module_name name, const hba_config& cfg);
    ~hba() override;

    const hba_config& config() const { return cfg_; }
    dma_engine& engine() { return engine_; }
    unsigned targets() const { return static_cast<unsigned>(ports_.size()); }
    disk_port& port(unsigned t) { return *ports_.at(t); }

    std::uint64_t commands() const { return stats_.commands.count(); }
    std::uint64_t interrupts() const { return stats_.interrupts.count(); }
    std::uint64_t coalesced() const { return stats_.coalesced.count(); }
    const tlm::histogram& latency() const { return stats_.latency; }

private:
    struct command;
    enum class step { start, proceed, execute, data_in, data_in_more, reply, pick };
    struct event {
        step what;
        std::uint64_t cmd; // key in cmds_; pick: the target index
    };
    struct update {
        enum kind { req_ci, reply, fault, timer } k;
        unsigned generation;
        std::uint32_t value;   // REQ_CI, RPL_PI or fault code; timer id
        tlm::ps_t start = 0;   // reply: the command's fetch time (latency)
    };

    // registers
    void b_transport(::tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    std::uint32_t reg_read(std::uint64_t off) const;
    void reg_write(std::uint64_t off, std::uint32_t v, tlm::ps_t when);
    void hba_reset(tlm::ps_t when);
    void target_reset(unsigned t, tlm::ps_t when);
    // tagging pass-through between the engine and `out`
    void tag_b_transport(::tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    ::tlm::tlm_sync_enum tag_nb_transport_fw(::tlm::tlm_generic_payload& gp, ::tlm::tlm_phase& ph, sc_core::sc_time& d);
    ::tlm::tlm_sync_enum out_nb_transport_bw(::tlm::tlm_generic_payload& gp, ::tlm::tlm_phase& ph, sc_core::sc_time& d);
    void set_tag(::tlm::tlm_generic_payload& gp, std::uint64_t tag);

    // engine side
    void run();
    bool can_fetch() const;
    void fetch(tlm::ps_t t);
    void accept_frame(const std::uint8_t* frame, tlm::ps_t t, tlm::ps_t done);
    bool read_sgl(command& c, const std::uint8_t* frame, tlm::ps_t& t);
    void start_command(command& c, tlm::ps_t t);
    bool admit(command& c, tlm::ps_t t);   // target queue: false = refused or held
    void proceed(command& c, tlm::ps_t t); // admitted: data-out, then execute
    void dispatch(const event& e, tlm::ps_t t);
    void run_step(command& c, step what, tlm::ps_t t);
    bool reply_room() const;
    void execute(command& c, tlm::ps_t t);
    void execute_now(command& c, tlm::ps_t t);
    // Command reordering (disk_port::reorders): the target's mechanism
    // takes the queued command with the least positioning when it frees.
    void pick(unsigned target, tlm::ps_t t);
    void schedule_pick(unsigned target, tlm::ps_t at);
    void data_in(command& c, tlm::ps_t t);
    void data_in_more(command& c, tlm::ps_t t); // LT: the data-in transactions due by t
    void reply(command& c, tlm::ps_t t);
    bool post_reply(command& c, tlm::ps_t t);
    void release(command& c, tlm::ps_t t);
    void schedule(tlm::ps_t t, step s, std::uint64_t id);
    // Moves len bytes between buf and the SGL from byte offset `from`, one
    // burst at a time; pace(k) is the earliest issue time of a burst ending at
    // byte k (data-in: when the link has delivered it). Returns bytes moved
    // before an error (all on success); done = completion of the last.
    std::uint64_t sgl_dma(command& c, bool to_host, std::uint8_t* buf, std::uint64_t len, tlm::ps_t after,
                          tlm::ps_t link_start, tlm::ps_t& done, bool& error);
    void post(tlm::ps_t t, const update& u);
    void apply_updates();
    void signal_replies(tlm::ps_t now, unsigned n);
    void raise(std::uint32_t bits);
    void drive_irq();
    // AT: worker processes (one step of one command each, or a fetch, or a
    // held reply), and commands kept until no worker or transaction uses them.
    struct worker;
    void hand(std::function<void()> job);
    void worker_loop(worker* w);
    worker* current_worker() const;
    void set_worker_tag(std::uint64_t tag);
    void fetch_at(tlm::ps_t t);
    void dispatch_at(const event& e, tlm::ps_t t);
    void retire(std::uint64_t id);
    void sweep();
    bool gone(const command& c, unsigned epoch) const;

    hba_config cfg_;
    bool at_;
    bool hold_;
    std::vector<std::unique_ptr<disk_port>> ports_;
    tlm_utils::simple_target_socket<hba> tag_in_;
    std::uint64_t cur_tag_ = 0;

    // Software-visible registers.
    std::uint64_t req_base_ = 0, rpl_base_ = 0;
    std::uint32_t req_size_ = 0, req_pi_ = 0, req_ci_ = 0, rpl_size_ = 0, rpl_pi_ = 0, rpl_ci_ = 0;
    std::uint32_t control_ = 0, irq_status_ = 0, irq_mask_ = 0, coalesce_count_, coalesce_time_ns_, completed_ = 0;
    std::uint8_t fault_code_ = 0;
    bool faulted_ = false;
    // Engine side.
    std::uint32_t fetch_idx_ = 0, rpl_next_ = 0;
    bool stopped_ = false;
    unsigned generation_ = 0;
    tlm::ps_t kick_ = 0, fetch_free_ = 0, rpl_kick_ = 0;
    std::uint64_t next_id_ = 1, seq_ = 0, useq_ = 0;
    // Commands by id, in id order (ids only grow: a new one goes at the end).
    template <class T>
    class id_table {
    public:
        using entry = std::pair<std::uint64_t, std::unique_ptr<T>>;
        using iterator = typename std::vector<entry>::iterator;
        iterator begin() { return v_.begin(); }
        iterator end() { return v_.end(); }
        bool empty() const { return v_.empty(); }
        void clear() { v_.clear(); }
        iterator find(std::uint64_t id) {
            auto it = std::lower_bound(v_.begin(), v_.end(), id, [](const entry& e, std::uint64_t k) { return e.first < k; });
            return it != v_.end() && it->first == id ? it : v_.end();
        }
        std::unique_ptr<T>& at(std::uint64_t id) {
            auto it = find(id);
            if (it == v_.end()) throw std::out_of_range("hba: no command with this id");
            return it->second;
        }
        void emplace(std::uint64_t id, std::unique_ptr<T> p) {
            auto it = std::lower_bound(v_.begin(), v_.end(), id, [](const entry& e, std::uint64_t k) { return e.first < k; });
            v_.emplace(it, id, std::move(p));
        }
        iterator erase(iterator it) { return v_.erase(it); }

    private:
        std::vector<entry> v_;
    };
    id_table<command> cmds_;
    std::vector<std::unique_ptr<command>> spare_; // LT: retired commands, reused (their buffers kept)
    // Timed steps, a min-heap on (time, seq): the earliest first, ties in
    // scheduling order.
    struct timed_event {
        tlm::ps_t t;
        std::uint64_t seq;
        event e;
    };
    std::vector<timed_event> events_;
    std::deque<std::uint64_t> reply_wait_;                         // replies held: reply ring full
    std::vector<std::deque<std::uint64_t>> target_wait_;           // commands held: target queue full
    struct media_waiter {
        std::uint64_t id;
        tlm::ps_t since; // when it reached the target's mechanism queue
    };
    std::vector<std::vector<media_waiter>> media_wait_; // per target, arrival order: waiting for the mechanism
    std::vector<tlm::ps_t> pick_at_;                    // per target: the pick event pending (never: none)
    unsigned in_flight_ = 0;
    dma_engine::stream ctl_; // frame fetches
    sc_core::sc_event wake_, update_ev_;
    // Visible-side updates, a min-heap on (time, seq): ties in posting order.
    struct timed_update {
        tlm::ps_t t;
        std::uint64_t seq;
        update u;
    };
    std::vector<timed_update> updates_;
    // Coalescing (visible side).
    unsigned unsignalled_ = 0, timer_id_ = 0;
    bool timer_armed_ = false;
    bool irq_level_ = false;
    unsigned visible_in_flight_ = 0;
    // AT only.
    std::vector<std::unique_ptr<worker>> workers_;
    std::vector<worker*> idle_;
    std::unordered_map<const sc_core::sc_object*, worker*> by_proc_;
    std::vector<std::unique_ptr<command>> graveyard_;
    bool fetch_busy_ = false, reply_busy_ = false;
    const sc_core::sc_time& now_; // the kernel's current time (tlm::sim_time)
    // Firmware (firmware_cores > 0): when each core is next free; a command's
    // overhead runs on the first free one (firmware_start).
    std::vector<tlm::ps_t> fw_free_;
    tlm::ps_t fw_busy_ps_ = 0;
    tlm::ps_t firmware_start(tlm::ps_t ready);

    struct stats_t {
        tlm::counter commands, bytes_in, bytes_out, host_errors, check_conditions, queue_full, interrupts, coalesced;
        tlm::histogram latency;
        tlm::time_average outstanding;
        explicit stats_t(const std::string& o);
    } stats_;
    // with firmware_cores: waits for a core (ns) and the cores' busy share
    std::unique_ptr<tlm::histogram> fw_wait_;
    std::unique_ptr<tlm::formula> fw_util_;
};

} // namespace ddisim::models
