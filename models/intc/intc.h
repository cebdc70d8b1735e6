// ddisim::models::intc — interrupt controller: level lines and MSI-style
// vectors to the CPU.
//
// What it models
//   `vectors` interrupt vectors. A vector becomes pending from a level line
//   (a device's irq output, high = asserted; several lines may share one
//   vector, their levels are OR-ed) or from an MSI doorbell write of its
//   number to the MSI register (edge: latched until claimed). The CPU output
//   `cpu_irq` is high while some vector is pending, enabled and not in
//   service. Software reads CLAIM to take the lowest-numbered such vector
//   (lowest number = highest priority); that clears its MSI latch and puts
//   it in service, so it is not offered again until software writes its
//   number to EOI. A level line still high at EOI makes the vector pending
//   again at once (a device that was not acknowledged interrupts again).
//   Masked vectors still become pending; they are offered once enabled.
//
// Sockets / ports
//   regs    — tlm_utils::simple_target_socket: the register block
//             (b_transport, aligned 4-byte accesses only).
//   cpu_irq — sc_out<bool>, level, to the CPU port's `irq` input (bind both
//             to one sc_signal<bool>).
//   line(v) — creates a level input (sc_in<bool>) raising vector v; call
//             during elaboration and bind it to the device's irq signal.
//
// Timing: a register access first synchronises the caller (the state change
//   happens at the caller's local time, so a CLAIM or MSI write issued
//   ahead of simulated time is ordered correctly), then costs
//   register_latency. The output follows a state change after one delta
//   cycle (a single SC_METHOD drives it).
//
// Register map (offsets from the regs base; 32-bit registers; reset 0 unless
// stated; a "vector number" register takes the number in bits [31:0])
//   0x000 ID          RO  0x1A7C0001
//   0x004 VECTORS     RO  config.vectors
//   0x008 OUTPUT      RO  bit0 = level of cpu_irq
//   0x010 CLAIM       RO  read: lowest pending, enabled, not-in-service vector,
//                         which becomes in service and loses its MSI latch;
//                         0xFFFFFFFF when there is none (an empty claim)
//   0x014 EOI         WO  vector number: end of service
//   0x018 MSI         WO  vector number: MSI doorbell (sets the vector's latch)
//   0x020 ENABLE_SET  WO  vector number: unmask the vector
//   0x024 ENABLE_CLR  WO  vector number: mask the vector
//   0x100 + 4·w ENABLE[w]      RW  bit i: vector 32·w + i enabled (reset 0: all masked)
//   0x200 + 4·w PENDING[w]     RO  bit i: vector 32·w + i pending (MSI latch or level high)
//   0x300 + 4·w IN_SERVICE[w]  RO  bit i: vector 32·w + i claimed, no EOI yet
//   0x400 + 4·w LEVEL[w]       RO  bit i: a level line of vector 32·w + i is high
//   Writes of a vector number ≥ VECTORS are ignored and counted (bad_writes);
//   other writes to RO registers are ignored; accesses beyond the last word
//   or not 4-byte aligned get an error response.
//
// Statistics (under the module name)
//   raised (MSI writes + rising level lines), msi_writes, claims, empty_claims
//   (CLAIM read with nothing to claim), eois, bad_writes (out-of-range vector
//   numbers, EOI of a vector not in service).
// Waves: cpu_irq.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "models/intc/intc_config.h"
#include "tlm/core/stats.h"

namespace ddisim::models {

namespace intc_regs {
inline constexpr std::uint32_t id_value = 0x1A7C0001;
inline constexpr std::uint32_t claim_none = 0xFFFFFFFFu;
inline constexpr std::uint64_t ID = 0x000, VECTORS = 0x004, OUTPUT = 0x008, CLAIM = 0x010, EOI = 0x014, MSI = 0x018,
                               ENABLE_SET = 0x020, ENABLE_CLR = 0x024;
inline constexpr std::uint64_t ENABLE = 0x100, PENDING = 0x200, IN_SERVICE = 0x300, LEVEL = 0x400;
inline constexpr std::uint64_t size = 0x500; // bytes of the register block (room for 1024 vectors)
} // namespace intc_regs

class intc : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<intc> regs;
    sc_core::sc_out<bool> cpu_irq;
    SC_HAS_PROCESS(intc);

    // Throws std::invalid_argument on a bad configuration.
    intc(sc_core::sc_module_name name, const intc_config& cfg);
    ~intc() override;

    // A new level input raising `vector` (during elaboration only).
    sc_core::sc_in<bool>& line(unsigned vector);
    const intc_config& config() const { return cfg_; }

    // State as software would read it (tests, debugging).
    bool pending(unsigned v) const;
    bool enabled(unsigned v) const { return test(enabled_, check(v)); }
    bool in_service(unsigned v) const { return test(in_service_, check(v)); }

private:
    void b_transport(::tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
    std::uint32_t reg_read(std::uint64_t off);
    void reg_write(std::uint64_t off, std::uint32_t v);
    bool level(unsigned v) const;
    // Vector sets as bitmaps, 64 vectors a word.
    using bits = std::vector<std::uint64_t>;
    static bool test(const bits& b, unsigned v) { return (b[v >> 6] >> (v & 63)) & 1; }
    static void put(bits& b, unsigned v, bool on) {
        if (on) b[v >> 6] |= 1ull << (v & 63);
        else b[v >> 6] &= ~(1ull << (v & 63));
    }
    unsigned check(unsigned v) const; // v, or std::out_of_range
    // Lowest offered vector (enabled, not in service, pending), or
    // cfg_.vectors when there is none.
    unsigned first_offered() const;
    bool output() const { return first_offered() < cfg_.vectors; }
    void end_of_elaboration() override;
    void drive();       // SC_METHOD: the only writer of cpu_irq
    void sample_lines(); // spawned method: level changes

    intc_config cfg_;
    bits enabled_, in_service_, msi_;
    struct input {
        unsigned vector;
        std::unique_ptr<sc_core::sc_in<bool>> port;
        bool last = false;
    };
    std::vector<input> lines_;
    sc_core::sc_event change_;
    bool out_level_ = false;

    struct stats_t {
        tlm::counter raised, msi_writes, claims, empty_claims, eois, bad_writes;
        explicit stats_t(const std::string& o);
    } stats_;
};

} // namespace ddisim::models
