// ddisim::models::memory — byte-accurate DRAM behind one TLM target socket.
//
// What it models
//   Physical memory with a low region [0, low_size) below 4 GiB and a high
//   region [4 GiB, 4 GiB + high_size). The bytes live in the platform's
//   tlm::backing_store (memfd, committed lazily, shared with the simulated
//   kernel's mappings): the model indexes it by physical address and never
//   keeps a private copy. Addresses are physical: the bus must deliver them
//   unchanged (map memory regions with bus_region::absolute).
//
// Socket
//   in  — tlm_target_socket<>; b_transport (LT), nb_transport_fw (AT, base
//         protocol), get_direct_mem_ptr (DMI, one grant per region, read and
//         write), transport_dbg.
//
// Timing (memory_config)
//   `channels` channels, address-interleaved every `interleave` bytes; each
//   moves `bytes_per_cycle` per cycle of `clock` (peak bandwidth
//   channels × bytes_per_cycle × clock). An access occupies each channel it
//   touches for its share of whole cycles, starting at max(arrival,
//   channel busy-until [+ turnaround if the channel last served the other
//   direction]); the response follows `latency` after the last channel
//   finishes. Idle access: transfer time + latency, e.g. 64 B on one 8 B/cycle
//   channel at 1.6 GHz = 8 × 625 ps + 45 ns = 50 ns.
//   Arbitration (the same in LT and AT, docs/architecture.md "Arbitration"):
//   each channel is a tlm::shared_timeline keyed by requester (the
//   requester-id extension): a requester's accesses are served in order, and
//   requesters share the channel's time fairly, like per-requester queues
//   served round robin at burst granularity — two saturating requesters get
//   half each whatever their access sizes, a light one is not queued behind
//   another's backlog. A requester pays the turnaround when its access goes
//   the other way from its own previous access on the channel, less the part
//   the channel's idle time has hidden: in AT the time since the channel was
//   last busy; in LT the time since the requester's own previous access
//   there ended, but only where no other requester used the channel in that
//   window or the one before (otherwise the whole turnaround: under temporal
//   decoupling their accesses cannot be told from idle time). In AT the
//   model accepts up to `queue_depth` requests in flight (END_REQ at once);
//   beyond that END_REQ is withheld until a response completes
//   (back-pressure to the bus).
//   LT, a transaction carrying several bursts (tlm::burst_ext, a DMA
//   engine's page-sized transaction): each channel is charged the cycles and
//   turnarounds its bursts would cost one by one, the latency once; the
//   bursts count as back to back, so only a turn of a channel's first piece
//   from the requester's previous access is reduced by the time elapsed.
//
// Errors
//   Outside both regions or crossing a region end: TLM_ADDRESS_ERROR_RESPONSE
//   (no byte touched). streaming width < length: TLM_BURST_ERROR_RESPONSE.
//   Byte enables are honoured (a pattern repeated over the data).
//
// Statistics (under the module name)
//   reads, writes, bytes_read, bytes_written, errors, dmi_grants,
//   debug_accesses (counters); latency (histogram, ns); utilisation (formula,
//   busy share of all channels); inflight (time average, AT).
// Waves: inflight (AT requests in the model).
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include <systemc>
#include <tlm>

#include "models/memory/memory_config.h"
#include "tlm/core/stats.h"
#include "tlm/timing.h"

namespace ddisim::tlm {
class backing_store;
struct burst_ext;
}

namespace ddisim::models {

class memory : public sc_core::sc_module, public ::tlm::tlm_fw_transport_if<> {
public:
    ::tlm::tlm_target_socket<> in;
    SC_HAS_PROCESS(memory);

    // Throws std::invalid_argument on a bad configuration or a store too
    // small for the configured map (see store_size).
    memory(sc_core::sc_module_name name, const memory_config& cfg, tlm::backing_store& store);
    ~memory() override;

    // Bytes of physical address space the backing store must span.
    static std::uint64_t store_size(const memory_config& cfg);

    // Revokes DMI pointers covering [start, end] (physical, inclusive), e.g.
    // when a page is remapped or its protection changes.
    void invalidate_dmi(std::uint64_t start, std::uint64_t end);
    void invalidate_dmi_all() { invalidate_dmi(0, ~0ull); }

    // True if [addr, addr+len) lies inside one DRAM region.
    bool contains(std::uint64_t addr, std::uint64_t len) const;
    const memory_config& config() const { return cfg_; }
    // Peak bandwidth in bytes/s (all channels).
    double peak_bandwidth() const;
    // Computes the completion time of an access arriving at `arrival` and
    // reserves the channels (exposed for tests of the timing arithmetic).
    // requester < 0: one plain first-come-first-served timeline (no sharing,
    // kept for tests of the arithmetic); otherwise the requester index, whose
    // channel time is shared fairly per quantum (tlm::shared_timeline); `at`:
    // calls arrive in time order (AT): a turnaround is reduced by the time
    // since the channel was last busy, not by LT's rule (hidden_turnaround).
    tlm::ps_t schedule(tlm::ps_t arrival, std::uint64_t addr, std::uint64_t len, bool write, int requester = -1,
                       bool at = false);

    // tlm_fw_transport_if
    void b_transport(::tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) override;
    ::tlm::tlm_sync_enum nb_transport_fw(::tlm::tlm_generic_payload& gp, ::tlm::tlm_phase& phase,
                                         sc_core::sc_time& delay) override;
    bool get_direct_mem_ptr(::tlm::tlm_generic_payload& gp, ::tlm::tlm_dmi& dmi) override;
    unsigned int transport_dbg(::tlm::tlm_generic_payload& gp) override;

private:
    struct channel {
        tlm::occupancy_timeline line; // requester < 0; busy_until: latest end reserved (AT turnaround)
        tlm::shared_timeline lt;      // LT and AT, window = global quantum
        bool last_write = false;
        bool used = false;
        std::uint64_t dir_known = 0, dir_write = 0; // per requester (bit = index < 64): previous access seen, a write
        // LT: per requester index, its latest reservations here, kept from
        // its first access that was ready before its previous one ended
        // (reserve_channel_early); null until then.
        std::vector<std::unique_ptr<tlm::recent_reservations>> recent;
        bool tracked = false; // some requester's reservations are kept
        // The direction of the requester's previous access here (bit =
        // 1 << its index): -1 none seen, 0 read, 1 write; and its update.
        int own_dir(std::uint64_t bit) const { return (dir_known & bit) ? (dir_write & bit) != 0 : -1; }
        void set_own_dir(std::uint64_t bit, bool write) {
            dir_known |= bit;
            dir_write = write ? dir_write | bit : dir_write & ~bit;
        }
    };
    // Checks and performs the data part; sets the response status. Returns
    // true if the access is valid (and timing applies).
    bool access(::tlm::tlm_generic_payload& gp);
    tlm::ps_t reserve_channel_early(channel& c, unsigned requester, tlm::ps_t ready, tlm::ps_t own, tlm::ps_t dur,
                                    tlm::ps_t& e);
    void accept_at(::tlm::tlm_generic_payload& gp, tlm::ps_t arrival);
    void on_response_due();
    void send_response(::tlm::tlm_generic_payload& gp);
    void response_done();
    tlm::ps_t schedule_bursts(tlm::ps_t arrival, std::uint64_t addr, std::uint64_t len, bool write, int requester,
                              const tlm::burst_ext& bx);
    void reserve_channel(unsigned ch, tlm::ps_t ready, std::uint64_t bytes, bool write, int requester, tlm::ps_t& end,
                         bool at = false);
    int requester_index(const ::tlm::tlm_generic_payload& gp);
    tlm::ps_t hidden_turnaround(const channel& c, unsigned requester, tlm::ps_t ready) const;
    void end_of_elaboration() override;

    memory_config cfg_;
    std::uint8_t* base_;
    const sc_core::sc_time& now_; // the kernel's current time (tlm::sim_time)
    tlm::ps_t period_;
    unsigned interleave_shift_;
    std::uint64_t channel_mask_;  // channels − 1 if a power of two, else 0 (use %)
    int bpc_shift_;               // log2(bytes_per_cycle) if a power of two, else −1 (divide)
    std::vector<channel> channels_;

    // AT state
    // Responses not yet due: what tlm_utils::peq_with_get did (same event
    // notifications, same order: time, then acceptance), as a sorted array
    // instead of a multimap node allocated per transaction. Responses are
    // accepted nearly in time order, so an insertion from the back is about
    // one comparison; due_[due_head_] is the earliest.
    struct due_entry {
        tlm::ps_t t;
        ::tlm::tlm_generic_payload* gp;
    };
    std::vector<due_entry> due_;
    std::size_t due_head_ = 0;
    sc_core::sc_event due_ev_;
    void due_push(::tlm::tlm_generic_payload& gp, tlm::ps_t t);
    ::tlm::tlm_generic_payload* due_pop();
    std::deque<::tlm::tlm_generic_payload*> resp_queue_; // due, waiting for the response channel
    ::tlm::tlm_generic_payload* resp_in_progress_ = nullptr;
    ::tlm::tlm_generic_payload* req_waiting_ = nullptr; // END_REQ withheld
    tlm::ps_t req_waiting_arrival_ = 0;
    std::uint32_t inflight_ = 0;
    void size_timelines(int requester);
    std::size_t timeline_users_ = 0;            // requester indices the channels' timelines hold
    std::vector<std::uint32_t> requester_ids_; // requester-id extension value → index
    std::uint64_t last_id_ = ~0ull;            // requester_index cache: last id (none yet) …
    int last_index_ = -1;                      // … and its index

    struct stats_t {
        tlm::counter reads, writes, bytes_read, bytes_written, errors, dmi_grants, debug_accesses;
        tlm::histogram latency;
        tlm::time_average inflight;
        tlm::formula utilisation;
        explicit stats_t(const std::string& o, memory* m);
    } stats_;
};

} // namespace ddisim::models
