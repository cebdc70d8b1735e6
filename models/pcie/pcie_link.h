// ddisim::models::pcie_link — a PCI Express link between one DMA device and
// the root complex: the device's memory reads and writes cross it as TLPs,
// serialised in each direction at the link's rate.
//
//   device.out → link.in      link.out → IOMMU dev_in (or the bus)
//
// What it models (the arithmetic of pcie-bench's model, Neugebauer et al.,
// SIGCOMM 2018; docs/pcie.md)
//   Rate: gen × lanes after line encoding (8b/10b to gen 2, 128b/130b from
//   gen 3), less the data-link traffic the specification recommends (an
//   ACK and a flow-control update DLLP of 8 bytes each at the recommended
//   intervals for the generation, width and MPS) and the SKP ordered sets
//   (4 symbols per 1538): the rate left to TLPs, e.g. 57.9 Gb/s for gen 3
//   x8 at MPS 256.
//   TLPs: a write of n bytes is ⌈n / mps⌉ memory-write TLPs towards the host
//   (upstream), each with 8 bytes of framing and link-layer header, a 4-byte
//   TLP header and an address of 8 bytes (addresses below 4 GiB: 4), so 24
//   bytes (20); a read is ⌈n / mrrs⌉ read-request TLPs of the same header
//   size upstream and ⌈n / mps⌉ (or ⌈n / rcb⌉) completions with data of 20
//   bytes of overhead each downstream; ecrc adds 4 bytes to every TLP. A
//   transaction of several bursts (tlm::burst_ext) splits each burst.
//   Each direction is a channel serving one TLP stream at a time (occupancy
//   timeline); `latency` is added each way.
//   A write reaches the host when its (first burst's) TLPs have crossed;
//   its response returns to the device one latency after the host answered
//   and no earlier than its last TLP's arrival there. A read's request
//   crosses upstream, the host answers, and the completions cross
//   downstream (those of the earlier bursts while the host works on the
//   later ones); the device has the data when the last has crossed.
//   Not modelled: flow-control credits (the link never stalls for buffer
//   space), replays, TLPs of the host towards the device (MMIO) and
//   interrupts (MSI writes) — they do not cross this link model; writes are
//   acknowledged end to end (TLM reports their status), where PCIe posts
//   them, so a device's outstanding window covers a write's round trip.
//
// Timing: LT (b_transport, occupancy timelines filled in the order of the
// calls, a request ready before an earlier call's fitted into a gap) and AT
// (base protocol: END_REQ at once, the request queueing for the link as in
// LT, so a device's own latency figures count the wait in both; requests
// forwarded in order one at a time, responses to the device one at a time
// in time order). DMI requests and transport_dbg pass through.
//
// Statistics (under the module name): transactions, tlps_up, tlps_down
// (counters), bytes_up, bytes_down (link bytes, TLP overhead included),
// up_utilisation, down_utilisation (formulas: busy share of each
// direction), latency (histogram, ns, a transaction's time from the
// device's issue to its response at the device).
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <unordered_map>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "models/pcie/pcie_config.h"
#include "tlm/core/stats.h"
#include "tlm/timing.h"

namespace ddisim::models {

// The link's arithmetic, without SystemC (pcie_link and its tests).
struct pcie_rates {
    explicit pcie_rates(const pcie_config& c); // throws std::invalid_argument on a bad configuration
    double raw_bps = 0;      // after line encoding, all lanes
    double tlp_bps = 0;      // left to TLPs after ACK / UpdateFC DLLPs and SKP ordered sets
    double ps_per_byte = 0;  // at tlp_bps
    std::uint64_t mps = 0, mrrs = 0, cpl_unit = 0;
    std::uint64_t req_overhead(std::uint64_t addr) const { return addr >> 32 ? req_hdr64 : req_hdr32; }
    std::uint64_t cpl_overhead = 0;
    std::uint64_t req_hdr32 = 0, req_hdr64 = 0;
    tlm::ps_t time(std::uint64_t bytes) const; // serialisation of bytes at tlp_bps, rounded to the ps
    // Effective payload rate (bit/s) of back-to-back transfers of `size`
    // bytes, each direction on its own (write: upstream; read: downstream),
    // addresses at or above 4 GiB: pcie-bench's figures.
    double write_bps(std::uint64_t size) const;
    double read_bps(std::uint64_t size) const;
};

// AT: a response crossing back to the device at t (seq: ties in order).
struct pcie_link_timed_resp {
    tlm::ps_t t;
    std::uint64_t seq;
    ::tlm::tlm_generic_payload* gp;
};

class pcie_link : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<pcie_link> in;
    tlm_utils::simple_initiator_socket<pcie_link> out;

    SC_HAS_PROCESS(pcie_link);
    pcie_link(sc_core::sc_module_name name, const pcie_config& cfg);
    ~pcie_link() override;

    const pcie_rates& rates() const { return rates_; }
    std::uint64_t transactions() const { return stats_.transactions.count(); }

private:
    struct shape; // one transaction's TLPs and times on the link
    shape shape_of(const ::tlm::tlm_generic_payload& gp) const;
    static tlm::ps_t reserve(tlm::occupancy_timeline& tl, tlm::recent_reservations& recent, tlm::ps_t ready,
                             tlm::ps_t dur);

    void b_transport(::tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    ::tlm::tlm_sync_enum nb_transport_fw(::tlm::tlm_generic_payload& gp, ::tlm::tlm_phase& ph, sc_core::sc_time& d);
    ::tlm::tlm_sync_enum nb_transport_bw(::tlm::tlm_generic_payload& gp, ::tlm::tlm_phase& ph, sc_core::sc_time& d);
    bool get_direct_mem_ptr(::tlm::tlm_generic_payload& gp, ::tlm::tlm_dmi& dmi);
    unsigned int transport_dbg(::tlm::tlm_generic_payload& gp);
    void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end);

    // AT
    void forward_method();   // requests that arrived at the root port, in order, one at a time downstream
    void response_method();  // responses that crossed back, to the device one at a time
    void host_answered(::tlm::tlm_generic_payload& gp, tlm::ps_t at); // response from the root-complex side at `at`
    void send_responses();

    pcie_config cfg_;
    pcie_rates rates_;
    const sc_core::sc_time& now_;
    // LT: each direction, a timeline with gap filling
    tlm::occupancy_timeline lt_up_, lt_down_;
    tlm::recent_reservations up_recent_, down_recent_;
    // AT
    tlm::occupancy_timeline up_, down_;
    // AT: each transaction in the link, from BEGIN_REQ (its time at the
    // device, and its completions' serialisation, worked out once)
    struct at_txn {
        tlm::ps_t issued = 0, down = 0;
        std::uint64_t tlps_down = 0, bytes_down = 0;
    };
    std::unordered_map<::tlm::tlm_generic_payload*, at_txn> issued_;
    // Requests crossing upstream, in order of arrival at the root port (the
    // upstream timeline is first come first served: arrivals never
    // decrease); arrive_ev_ is due at the front's.
    std::deque<std::pair<tlm::ps_t, ::tlm::tlm_generic_payload*>> crossing_;
    sc_core::sc_event arrive_ev_;
    // Responses crossing back, a min-heap on (time, sequence): a write's
    // comes back without the downstream timeline, so they may pass each
    // other; resp_ev_ is due at the earliest.
    using timed_resp = pcie_link_timed_resp;
    std::vector<timed_resp> returning_;
    std::uint64_t resp_seq_ = 0;
    sc_core::sc_event resp_ev_;
    std::deque<::tlm::tlm_generic_payload*> fwd_;        // arrived at the root port, not yet forwarded
    ::tlm::tlm_generic_payload* down_req_ = nullptr;     // forwarded, END_REQ pending downstream
    tlm::ps_t down_free_at_ = 0;                         // the downstream request channel is free from
    sc_core::sc_event down_req_free_;
    std::deque<::tlm::tlm_generic_payload*> resp_wait_;  // crossed back, waiting for the device's response channel
    ::tlm::tlm_generic_payload* up_resp_ = nullptr;      // BEGIN_RESP sent to the device, END_RESP pending
    tlm::ps_t up_free_at_ = 0;                           // the device's response channel is free from
    sc_core::sc_event up_resp_free_;

    struct stats_t {
        tlm::counter transactions, tlps_up, tlps_down, bytes_up, bytes_down;
        tlm::histogram latency;
        explicit stats_t(const std::string& o);
    } stats_;
    std::unique_ptr<tlm::formula> up_util_, down_util_;
};

} // namespace ddisim::models
