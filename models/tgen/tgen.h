// ddisim::models::tgen — generic traffic generator (one TLM initiator).
//
// What it models
//   A device issuing reads and writes: sequential or seeded-random addresses
//   (aligned to the transaction size, inside [base, base+range)), a read/write
//   mix, a closed loop with `outstanding` transactions in flight, optionally
//   rate-limited, until `count` transactions or `time_limit`. With `verify`
//   it writes a pattern over the window, then reads it back and compares.
//
// Socket
//   out — tlm_initiator_socket<>.
//
// Timing styles (tgen::style)
//   lt — b_transport with a tlm_quantumkeeper. The closed loop is modelled in
//        simulated time: transaction k is issued at max(local time, rate
//        slot, completion of transaction k - outstanding), so a single LT
//        thread keeps `outstanding` transactions overlapping as an AT device
//        would, while making one blocking call at a time.
//   at — nb_transport_fw, base protocol, up to `outstanding` in flight,
//        payloads from a private pool (no allocation per transaction),
//        responses accepted with TLM_COMPLETED.
//
// Statistics (under the module name)
//   transactions, reads, writes, bytes, errors (non-OK responses),
//   verify_errors (counters); latency (histogram, ns, issue to response);
//   outstanding (time average); bandwidth (formula, bytes/s from first issue
//   to last response).
// Waves: outstanding.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "models/tgen/tgen_config.h"
#include "tlm/core/stats.h"
#include "tlm/timing.h"

namespace ddisim::models {

// The address / size / direction sequence of a tgen: a pure function of the
// configuration (no SystemC), so determinism is testable without simulating.
class tgen_sequence {
public:
    struct op {
        std::uint64_t addr;
        std::uint32_t size;
        bool write;
    };
    explicit tgen_sequence(const tgen_config& cfg); // throws std::invalid_argument
    op next();
    std::uint64_t issued() const { return k_; }

private:
    std::uint64_t rand();
    std::uint64_t base_, slots_, size_, seed_state_, k_ = 0;
    std::uint64_t seq_slot_ = 0; // k_ % slots_, kept without a division
    bool random_;
    double read_fraction_;
};

class tgen : public sc_core::sc_module, public ::tlm::tlm_bw_transport_if<>, public ::tlm::tlm_mm_interface {
public:
    enum class style { lt, at };

    ::tlm::tlm_initiator_socket<> out;
    SC_HAS_PROCESS(tgen);

    tgen(sc_core::sc_module_name name, const tgen_config& cfg, style s);
    ~tgen() override;

    // Results (valid once done()).
    bool done() const { return done_; }
    const sc_core::sc_event& done_event() const { return done_ev_; }
    std::uint64_t transactions() const { return stats_.transactions.count(); }
    std::uint64_t bytes() const { return stats_.bytes.count(); }
    std::uint64_t errors() const { return stats_.errors.count(); }
    std::uint64_t verify_errors() const { return stats_.verify_errors.count(); }
    const tlm::histogram& latency() const { return stats_.latency; }
    // Bytes/s between the first issue and the last response.
    double bandwidth() const;
    tlm::ps_t first_issue() const { return first_issue_; }
    tlm::ps_t last_response() const { return last_response_; }
    // A hash over (address, size, direction, latency) of every completed
    // transaction in completion order: equal runs give equal checksums.
    std::uint64_t checksum() const { return checksum_; }

    // tlm_bw_transport_if
    ::tlm::tlm_sync_enum nb_transport_bw(::tlm::tlm_generic_payload& gp, ::tlm::tlm_phase& phase,
                                         sc_core::sc_time& delay) override;
    void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) override;
    // tlm_mm_interface: a payload came back
    void free(::tlm::tlm_generic_payload* gp) override;

private:
    struct slot;
    void run();
    void run_lt();
    void run_at();
    void fill(slot& s, const tgen_sequence::op& op, bool verify_read);
    void complete(slot& s, tlm::ps_t at);
    void issue_at(slot& s);
    void pattern(std::uint64_t addr, std::uint8_t* p, std::uint32_t n) const;
    bool stop_issuing(tlm::ps_t t) const;

    tgen_config cfg_;
    style style_;
    const sc_core::sc_time& now_; // the kernel's current time (tlm::sim_time)
    slot* slot_of(const ::tlm::tlm_generic_payload* gp) const; // nullptr if not one of ours
    std::unique_ptr<::tlm::tlm_generic_payload[]> payloads_; // one per slot, contiguous: slot_of is O(1)
    std::unique_ptr<slot[]> slots_;
    std::vector<slot*> free_slots_;
    tlm_utils::tlm_quantumkeeper qk_;
    // LT: completion times of the last `outstanding` transactions; the next
    // issues once the earliest has completed, as in AT. A member, not a local
    // of run_lt: a run can end with the thread suspended, and a suspended
    // thread's locals are never destroyed.
    tlm::completion_window lt_window_;
    sc_core::sc_event ev_, done_ev_;
    bool req_busy_ = false;
    ::tlm::tlm_generic_payload* req_gp_ = nullptr; // the payload in its request phase
    tlm::ps_t req_free_at_ = 0;
    std::uint32_t outstanding_ = 0;
    bool done_ = false;
    tlm::ps_t first_issue_ = ~0ull, last_response_ = 0;
    std::uint64_t checksum_ = 0xcbf29ce484222325ull;

    struct stats_t {
        tlm::counter transactions, reads, writes, bytes, errors, verify_errors;
        tlm::histogram latency;
        tlm::time_average outstanding;
        tlm::formula bandwidth;
        stats_t(const std::string& o, const tgen* g);
    } stats_;
};

} // namespace ddisim::models
