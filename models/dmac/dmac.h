// ddisim::models::dmac — multi-channel scatter-gather DMA controller.
//
// What it models
//   `channels` channels, each with a descriptor ring in memory. Software
//   fills descriptors, then writes the channel's TAIL register (the
//   doorbell). The controller fetches the descriptor at HEAD, copies len bytes
//   from src to dst through its dma_engine (bursts ≤ min(burst_size,
//   bus_max_burst), never crossing `boundary`, up to `outstanding`
//   transactions in flight per channel), writes the completion status back
//   into the descriptor, advances HEAD and raises the channel's interrupt as
//   configured. Active channels share the engine: one transaction at a time
//   is granted round robin (or by fixed priority, lowest channel first).
//   A descriptor with FENCE starts only after everything before it on its
//   channel has completed. An error response (unmapped address, IOMMU fault)
//   stops the channel: the descriptor gets ERROR and a code, STATUS.ERROR is
//   set, IRQ_STATUS.ERROR is raised; the channel stays halted until RESET.
//
// Sockets / ports
//   regs — tlm_utils::simple_target_socket: the register block (b_transport;
//          aligned 4-byte accesses, and 8-byte ones at RING_BASE).
//   out  — the engine's initiator socket (a reference to engine().out):
//          descriptor fetches, data bursts, status write-backs; every payload
//          carries requester_id_ext(config.requester_id).
//   irq  — sc_out<bool>, level: high while any channel has an IRQ_STATUS bit
//          set. Bind it to an sc_signal<bool> (the platform's interrupt
//          controller input).
//
// Timing: LT or AT as config.timing says (see dma_engine.h); the register
//   block is b_transport in both. Register accesses cost register_latency.
//   In AT the engine thread waits inside a transfer; with several active
//   channels one channel's wait (for read data, an outstanding slot) holds
//   the others for that time.
//   Completions become visible to software (HEAD, COMPLETED, STATUS,
//   IRQ_STATUS, irq) at the completion time of the status write-back (or of
//   the last data write without write-back), not earlier, although the
//   engine thread runs ahead within the quantum. The write-back is posted
//   (dma_engine::write_posted) in both styles: the next descriptor's fetch
//   overlaps it, the next descriptor's data waits for its answer; a failed
//   write-back halts the channel on its descriptor (in AT the overlapping
//   fetch is dropped).
//
// Register map (offsets from the regs base; 32-bit registers, reset 0 unless
// stated)
//   0x000 ID           RO  0xD3AC0001
//   0x004 CHANNELS     RO  number of channels
//   0x008 IRQ_SUMMARY  RO  bit c = channel c has an IRQ_STATUS bit set
//   0x00C CAPS         RO  bit0 WRITEBACK: descriptors get their status
//                          written back (config.writeback); without it
//                          software learns completions from COMPLETED and
//                          STATUS only
//   channel c at 0x100 + 0x40·c:
//   +0x00 RING_BASE_LO RW  ring address [31:0] (an 8-byte access writes both halves)
//   +0x04 RING_BASE_HI RW  ring address [63:32]
//   +0x08 RING_SIZE    RW  entries in the ring (≥ 1)
//   +0x0C HEAD         RO  next descriptor the controller will complete (consumer)
//   +0x10 TAIL         RW  next descriptor software will fill (producer); writing it rings the doorbell
//   +0x14 CONTROL      RW  bit0 ENABLE; bit1 IRQ_BATCH (reset: config.interrupt_mode == "batch");
//                          bit2 RESET (write 1: aborts the current descriptor without write-back,
//                          zeroes HEAD, TAIL, COMPLETED, IRQ_STATUS, STATUS, CONTROL to its reset
//                          value; RING_BASE and RING_SIZE are kept; reads 0)
//   +0x18 STATUS       RO  bit0 BUSY (enabled, HEAD != TAIL, not halted); bit1 ERROR (halted);
//                          [15:8] error code of the failing descriptor; [31:16] COMPLETED[15:0]
//   +0x1C IRQ_STATUS   W1C bit0 DONE; bit1 ERROR
//   +0x20 COMPLETED    RO  descriptors completed since reset
//   Error codes: 1 source read error, 2 destination write error, 3 descriptor
//   fetch error, 4 bad ring (RING_SIZE 0 or TAIL ≥ RING_SIZE), 5 status
//   write-back error.
//   Interrupts: IRQ_BATCH = 0: DONE after every descriptor with the INTERRUPT
//   flag; IRQ_BATCH = 1: DONE after a descriptor with the LAST flag and when
//   the ring drains (HEAD reaches TAIL). ERROR always.
//
// Descriptor (32 bytes, little-endian, at RING_BASE + 32·index)
//   0x00 u64 src     0x08 u64 dst     0x10 u32 len (0 allowed)
//   0x14 u32 flags   bit0 INTERRUPT, bit1 LAST, bit2 FENCE
//   0x18 u32 status  written by the controller: bit0 DONE, bit1 ERROR, [15:8] error code
//   0x1C u32 reserved
//
// Statistics (under the module name)
//   descriptors, bytes, bursts, errors, interrupts (counters);
//   latency (histogram, ns, descriptor fetch issue to completion);
//   ch<c>.busy (time average, 0/1: channel has work).
// Waves: ch<c>_busy, irq_level.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "models/dmac/dma_engine.h"
#include "models/dmac/dmac_config.h"
#include "tlm/core/stats.h"
#include "tlm/timing.h"

namespace ddisim::models {

namespace dmac_regs {
inline constexpr std::uint32_t id_value = 0xD3AC0001;
inline constexpr std::uint64_t ID = 0x000, CHANNELS = 0x004, IRQ_SUMMARY = 0x008, CAPS = 0x00C;
inline constexpr std::uint32_t CAPS_WRITEBACK = 1u << 0;
inline constexpr std::uint64_t channel_base = 0x100, channel_stride = 0x40;
inline constexpr std::uint64_t RING_BASE_LO = 0x00, RING_BASE_HI = 0x04, RING_SIZE = 0x08, HEAD = 0x0C, TAIL = 0x10,
                               CONTROL = 0x14, STATUS = 0x18, IRQ_STATUS = 0x1C, COMPLETED = 0x20;
inline constexpr std::uint32_t CONTROL_ENABLE = 1u << 0, CONTROL_IRQ_BATCH = 1u << 1, CONTROL_RESET = 1u << 2;
inline constexpr std::uint32_t STATUS_BUSY = 1u << 0, STATUS_ERROR = 1u << 1;
inline constexpr std::uint32_t IRQ_DONE = 1u << 0, IRQ_ERROR = 1u << 1;
inline constexpr std::uint64_t channel(unsigned c) { return channel_base + channel_stride * c; }
} // namespace dmac_regs

namespace dmac_desc {
inline constexpr unsigned size = 32;
inline constexpr unsigned SRC = 0x00, DST = 0x08, LEN = 0x10, FLAGS = 0x14, STATUS = 0x18;
inline constexpr std::uint32_t FLAG_INTERRUPT = 1u << 0, FLAG_LAST = 1u << 1, FLAG_FENCE = 1u << 2;
inline constexpr std::uint32_t STATUS_DONE = 1u << 0, STATUS_ERROR = 1u << 1;
enum error_code : std::uint8_t { none = 0, read_error = 1, write_error = 2, fetch_error = 3, bad_ring = 4, writeback_error = 5 };
} // namespace dmac_desc

class dmac : public sc_core::sc_module {
    dma_engine engine_; // first: `out` below refers to its socket

public:
    tlm_utils::simple_target_socket<dmac> regs;
    sc_core::sc_out<bool> irq;
    SC_HAS_PROCESS(dmac);

    // Throws std::invalid_argument on a bad configuration.
    dmac(sc_core::sc_module_name name, const dmac_config& cfg);
    ~dmac() override;

    dma_engine& engine() { return engine_; }
    ::tlm::tlm_initiator_socket<>& out;
    const dmac_config& config() const { return cfg_; }

    std::uint64_t descriptors() const { return stats_.descriptors.count(); }
    std::uint64_t bursts() const { return stats_.bursts.count(); }
    const tlm::histogram& latency() const { return stats_.latency; }

private:
    struct channel;
    struct update {
        unsigned ch;
        unsigned generation;
        std::uint32_t head;
        std::uint32_t irq_bits;
        std::uint8_t error; // nonzero: halt with this code
    };

    void b_transport(::tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    std::uint32_t reg_read(std::uint64_t off) const;
    void reg_write(std::uint64_t off, std::uint32_t v, tlm::ps_t when);
    void reset_channel(channel& c);

    void run();               // SC_THREAD: arbitration and descriptor processing
    int pick();               // next channel to serve, -1 if none has work
    bool has_work(const channel& c) const;
    void serve(channel& c);
    // What a finished descriptor reports when its write-back is answered.
    struct completion {
        std::uint32_t head;  // the ring index after it (HEAD once it completes)
        std::uint32_t flags; // its flags
        tlm::ps_t start;     // its fetch's issue time (latency statistic)
        std::uint64_t moved, bursts;
    };
    void finish(channel& c, std::uint8_t error);
    void complete(channel& c, const completion& d, std::uint8_t error, tlm::ps_t t);
    void post(tlm::ps_t t, const update& u);
    void apply_updates();     // SC_METHOD: makes completions visible at their time

    dmac_config cfg_;
    bool batch_default_;
    bool fixed_priority_;
    std::vector<std::unique_ptr<channel>> ch_;
    unsigned rr_ = 0;
    sc_core::sc_event wake_, update_ev_, wb_ev_; // wb_ev_: a write-back answered (AT)
    std::multimap<tlm::ps_t, update> updates_;
    bool irq_level_ = false;

    struct stats_t {
        tlm::counter descriptors, bytes, bursts, errors, interrupts;
        tlm::histogram latency;
        explicit stats_t(const std::string& o);
    } stats_;
};

} // namespace ddisim::models
