// intc_config — parameters of the interrupt controller (models/intc/intc.h).
// Plain C++ (the scenario parser includes it). Units: ps.
#pragma once
#include <cstdint>

#include "tlm/core/params.h"

namespace ddisim::models {

struct intc_config {
    unsigned vectors = 64;                  // interrupt vectors 0 .. vectors-1 (level lines and MSI share them)
    std::uint64_t register_latency = 10000; // ps per MMIO register access (CLAIM, EOI, MSI doorbell, …)
};

inline void describe(ddisim::tlm::param_group& g, intc_config& c) {
    g.count("vectors", c.vectors, "interrupt vectors (level lines and MSI doorbell share them)", {1, 1024});
    g.time("register_latency", c.register_latency, "time of one MMIO register access");
}

} // namespace ddisim::models
