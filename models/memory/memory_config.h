// memory_config — parameters of the DRAM model (models/memory/memory.h).
// Plain C++ (the scenario parser includes it). Units: bytes, ps, Hz.
//
// Physical address map of the DRAM: a low region [0, low_size) below 4 GiB
// and a high region [4 GiB, 4 GiB + high_size). The hole between low_size and
// 4 GiB is where MMIO lives; accesses there return an address error.
#pragma once
#include <cstdint>

#include "tlm/core/params.h"

namespace ddisim::models {

struct memory_config {
    std::uint64_t low_size = 3ull << 30;     // bytes of DRAM below 4 GiB (at most 4 GiB)
    std::uint64_t high_size = 5ull << 30;    // bytes of DRAM from 4 GiB upwards (0 = none)
    std::uint64_t latency = 45000;           // ps from the end of the data transfer to the response (CAS, controller)
    double clock = 1.6e9;                    // Hz, DRAM data clock of one channel
    std::uint64_t bytes_per_cycle = 8;       // bytes a channel moves per clock cycle
    unsigned channels = 2;                   // independent channels, address-interleaved
    std::uint64_t interleave = 256;          // bytes per channel before the next channel takes over
    std::uint64_t turnaround = 5000;         // ps lost on a channel when it switches between read and write
    unsigned queue_depth = 32;               // AT: requests accepted (END_REQ) before back-pressure
    bool dmi = true;                         // grant DMI pointers (CPU-side direct access)
};

// First physical address of the high region.
inline constexpr std::uint64_t memory_high_base = 4ull << 30;

inline void describe(ddisim::tlm::param_group& g, memory_config& c) {
    g.size("low_size", c.low_size, "DRAM below 4 GiB, mapped at physical 0", {0, double(4ull << 30)});
    g.size("high_size", c.high_size, "DRAM mapped from 4 GiB upwards (0 = none)", {0, double(1ull << 40)});
    g.time("latency", c.latency, "access latency added after the data transfer");
    g.frequency("clock", c.clock, "data clock of one channel", {1e3, 1e12});
    g.size("bytes_per_cycle", c.bytes_per_cycle, "bytes one channel transfers per clock cycle", {1, 4096});
    g.count("channels", c.channels, "independent address-interleaved channels", {1, 64});
    g.size("interleave", c.interleave, "channel interleave granularity (power of two)", {8, double(1ull << 30)});
    g.time("turnaround", c.turnaround, "read/write turnaround penalty on a channel");
    g.count("queue_depth", c.queue_depth, "AT requests accepted before END_REQ is withheld", {1, 4096});
    g.flag("dmi", c.dmi, "grant DMI pointers to initiators that ask");
}

} // namespace ddisim::models
