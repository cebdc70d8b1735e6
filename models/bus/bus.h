// ddisim::models::bus — address-decoded interconnect, N initiators × M targets.
//
// Sockets
//   in  — tlm::direct_target_socket (tlm_utils' multi passthrough target
//         socket with one call per transaction instead of four,
//         tlm/direct_target_socket.h): every initiator binds to it; binding
//         order gives the initiator index (0, 1, …), which is also its fixed
//         priority (0 highest).
//   out — tlm_utils::multi_passthrough_initiator_socket: bind it to each
//         target in turn; binding order gives the target index used by
//         bus_region::target.
//   Why multi-passthrough sockets: N and M are known only when the platform
//   binds, the callbacks receive the port index for free, and each binding is
//   a separate base-protocol hop (a protocol checker can sit on each).
//
// Address map
//   add_region(bus_region{name, base, size, target, target_base}) before the
//   end of elaboration. An address a in [base, base+size) reaches the target
//   as a - base + target_base (bus_region::absolute keeps it unchanged, as
//   memory needs; bus_region::relative starts at 0, as register blocks want).
//   Overlapping regions are rejected (std::invalid_argument naming both); an
//   address outside every region, or a transaction running past the end of
//   its region, gets TLM_ADDRESS_ERROR_RESPONSE without reaching a target.
//
// Timing (bus_config), period P = 1/clock, W = data_width
//   Bursts: a transaction is forwarded whole (the target sees one payload);
//   it is charged per burst: bursts = ceil(len / max_burst), each costing one
//   address cycle on the request channel and one acknowledge for writes.
//     request cycles  = bursts + (write ? ceil(len/W) : 0)
//     response cycles = read ? ceil(len/W) : bursts
//   Each initiator port and each target port has a request and a response
//   channel (occupancy timelines); a transaction holds the initiator's and the
//   target's channel together. Idle read of 64 B, W = 32, P = 1 ns, request
//   and response latency 2 ns: 1 + 2 + (target) + 2 + 2 ns.
//   Arbitration (the same in LT and AT, docs/architecture.md "Arbitration"):
//     the target's request and response channels are tlm::shared_timelines
//     keyed by initiator: with round_robin the initiators share a channel's
//     time fairly (per-initiator queues served round robin at burst
//     granularity, in the fluid limit), with fixed_priority the lower index
//     is served first and a higher index gets what is left (at least 1/16).
//     The initiator's own channels serve its transactions in order.
//   LT (b_transport): a request ready at t (and not before one of this
//     initiator's last `outstanding` transactions has completed: the slot
//     that frees first, tlm::completion_window) takes its initiator request
//     channel and the target's shared request channel, then the response
//     channels the same way. Calls come in issue order but responses are
//     ready in completion order, and AT sends them in that order: a response
//     ready while the initiator's response channel is still taken by one
//     reserved earlier goes in the first gap that fits it from its ready time
//     (among the channel's recent reservations) instead of behind them all.
//     Initiators decouple with the global quantum, which the bus sets from
//     bus_config::quantum.
//   LT, a transaction carrying several bursts (tlm::burst_ext, a DMA
//     engine's page-sized transaction): charged per burst of the extension
//     (an address cycle and whole beats each); it reaches the target with its
//     first burst's beats and the target's response beats of all but the last
//     burst overlap the target's work, as the bursts one by one would.
//   AT (nb_transport, base protocol): BEGIN_REQ waits for arbitration at the
//     next clock edge; per target, one winner per cycle among the initiators
//     whose port is free and which have fewer than `outstanding` transactions
//     in flight (round robin, or fixed priority by index). The grant sends
//     END_REQ to the initiator (so it may pipeline its next request), holds
//     the request channels for the request cycles and forwards BEGIN_REQ to
//     the target request_latency later (at most two granted requests wait per
//     target while it withholds END_REQ). The target's BEGIN_RESP is taken at
//     once (TLM_COMPLETED), occupies the initiator's response channel and the
//     target's shared one (as in LT) and reaches the initiator
//     response_latency later; responses to one initiator go out in the
//     order they are ready, each after the previous END_RESP.
//   Requester-id / I/O-tag extensions and all payload fields except the
//   address (restored on the way back) pass through untouched.
//
// DMI and debug
//   get_direct_mem_ptr and transport_dbg are decoded and forwarded; DMI
//   ranges are translated back to bus addresses and clipped to the region;
//   invalidations from a target are translated and sent to every initiator.
//
// Statistics (under the module name)
//   transactions, bytes, decode_errors (counters); arbitration_wait
//   (histogram, ns, AT); in<i>.transactions, in<i>.bytes, in<i>.outstanding
//   (time average, AT); out<t>.utilisation (formula, busy share of the target's
//   response channel). Per-port statistics appear at the end of elaboration.
// Waves: outstanding (AT transactions in flight, all ports), waiting (AT
//   requests not yet granted).
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>

#include "models/bus/bus_config.h"
#include "tlm/direct_target_socket.h"
#include "tlm/core/stats.h"
#include "tlm/timing.h"

namespace ddisim::tlm {
struct burst_ext;
}

namespace ddisim::models {

struct bus_region {
    std::string name;
    std::uint64_t base = 0;
    std::uint64_t size = 0;
    unsigned target = 0;           // index of the out binding
    std::uint64_t target_base = 0; // address the target sees at `base`

    static bus_region absolute(std::string n, std::uint64_t b, std::uint64_t s, unsigned t) {
        return {std::move(n), b, s, t, b};
    }
    static bus_region relative(std::string n, std::uint64_t b, std::uint64_t s, unsigned t) {
        return {std::move(n), b, s, t, 0};
    }
};

class bus : public sc_core::sc_module {
    // tlm callbacks on `in` (index = port; declared first: the socket type names them)
    void b_transport(int i, ::tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    ::tlm::tlm_sync_enum nb_transport_fw(int i, ::tlm::tlm_generic_payload& gp, ::tlm::tlm_phase& phase,
                                         sc_core::sc_time& delay);
    bool get_direct_mem_ptr(int i, ::tlm::tlm_generic_payload& gp, ::tlm::tlm_dmi& dmi);
    unsigned int transport_dbg(int i, ::tlm::tlm_generic_payload& gp);

public:
    tlm::direct_target_socket<bus, &bus::b_transport, &bus::nb_transport_fw, &bus::get_direct_mem_ptr,
                              &bus::transport_dbg>
        in;
    tlm_utils::multi_passthrough_initiator_socket<bus> out;
    SC_HAS_PROCESS(bus);

    // Throws std::invalid_argument on a bad configuration.
    bus(sc_core::sc_module_name name, const bus_config& cfg);
    ~bus() override;

    // Adds an address region (before sc_start). Throws std::invalid_argument
    // on a zero size, a wrap past 2^64 or an overlap (naming both regions).
    void add_region(const bus_region& r);
    const std::vector<bus_region>& regions() const { return regions_; }
    // Index into regions() of the region holding addr, or -1.
    int decode(std::uint64_t addr) const;

    const bus_config& config() const { return cfg_; }
    std::uint64_t transactions() const;

private:
    struct route;
    struct route_table;
    struct initiator_port;
    struct target_port;

    ::tlm::tlm_sync_enum nb_transport_bw(int t, ::tlm::tlm_generic_payload& gp, ::tlm::tlm_phase& phase,
                                         sc_core::sc_time& delay);
    void invalidate_direct_mem_ptr(int t, sc_dt::uint64 start, sc_dt::uint64 end);

    void end_of_elaboration() override;

    // AT engine: one method does everything that is due, then sleeps until
    // the next thing is due (or something arrives).
    void step();
    void wake_at(tlm::ps_t t);
    void arbitrate(tlm::ps_t now, tlm::ps_t& next);
    void forward(unsigned t, ::tlm::tlm_generic_payload& gp);
    void target_response(unsigned t, ::tlm::tlm_generic_payload& gp, tlm::ps_t ready);
    void send_response(unsigned i, tlm::ps_t now);
    void finish(unsigned i, ::tlm::tlm_generic_payload& gp);
    void on_begin_req(unsigned i, ::tlm::tlm_generic_payload& gp, tlm::ps_t arrival);
    void on_end_resp(unsigned i, ::tlm::tlm_generic_payload& gp);

    std::uint64_t req_cycles(const ::tlm::tlm_generic_payload& gp) const;
    std::uint64_t resp_cycles(const ::tlm::tlm_generic_payload& gp) const;
    // LT: request and response channel time of a (length, command), from a
    // one-entry cache (an initiator repeats one shape; beats() divides).
    void lt_channel_time(std::uint64_t len, ::tlm::tlm_command cmd, tlm::ps_t& rq, tlm::ps_t& rs);
    // LT: a request or response channel reservation (bus.cpp), and its case
    // of an initiator channel still taken at the ready time.
    tlm::ps_t lt_reserve(tlm::occupancy_timeline& own, tlm::recent_reservations& recent, tlm::shared_timeline& tl,
                         unsigned requester, tlm::ps_t ready, tlm::ps_t len, tlm::ps_t& end);
    tlm::ps_t lt_reserve_early(tlm::occupancy_timeline& own, tlm::recent_reservations& recent, tlm::shared_timeline& tl,
                               unsigned requester, tlm::ps_t ready, tlm::ps_t len, tlm::ps_t& end);
    // LT: the same for a transaction carrying several bursts (tlm::burst_ext).
    void lt_burst_time(const tlm::burst_ext& bx, std::uint64_t len, ::tlm::tlm_command cmd, tlm::ps_t& rq,
                       tlm::ps_t& rs, tlm::ps_t& rq_tail, tlm::ps_t& rs_head) const;

    bus_config cfg_;
    const sc_core::sc_time& now_; // the kernel's current time (tlm::sim_time)
    tlm::ps_t period_;
    std::uint64_t lt_len_ = ~0ull; // lt_channel_time cache key …
    ::tlm::tlm_command lt_cmd_ = ::tlm::TLM_IGNORE_COMMAND;
    tlm::ps_t lt_rq_ = 0, lt_rs_ = 0; // … and value
    bool fixed_priority_;
    std::vector<bus_region> regions_; // sorted by base
    mutable int last_region_ = -1;    // decode cache
    std::vector<std::unique_ptr<initiator_port>> ini_;
    std::vector<std::unique_ptr<target_port>> tgt_;
    std::unique_ptr<route_table> routes_;
    sc_core::sc_event wake_, wake_now_;   // step(): later (timed), now (delta)
    tlm::ps_t wake_pending_ = ~0ull;      // earliest time step() is set to run
    tlm::ps_t timed_pending_ = ~0ull;     // time of wake_'s notification (fired once ≤ now)
    std::uint32_t waiting_requests_ = 0; // BEGIN_REQs not yet granted (all ports)
    std::uint32_t in_flight_ = 0;        // AT: granted, not finished (all ports)

    struct stats_t {
        tlm::counter transactions, bytes, decode_errors;
        tlm::histogram arbitration_wait;
        explicit stats_t(const std::string& o);
    } stats_;
};

} // namespace ddisim::models
