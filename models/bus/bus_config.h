// bus_config — timing, arbitration and limits of the interconnect
// (models/bus/bus.h). The address map is not here: the platform builder adds
// regions with bus::add_region. Plain C++. Units: bytes, ps, Hz.
#pragma once
#include <cstdint>
#include <string>

#include "tlm/core/params.h"

namespace ddisim::models {

struct bus_config {
    double clock = 1e9;                      // Hz, bus clock
    std::uint64_t data_width = 32;           // bytes per beat (one beat per cycle)
    std::uint64_t max_burst = 256;           // bytes per burst; longer transactions pay one address cycle per burst
    std::string arbitration = "round_robin"; // round_robin | fixed_priority (lower initiator index wins)
    unsigned outstanding = 16;               // transactions in flight per initiator port
    std::uint64_t request_latency = 2000;    // ps from grant (end of request beats) to the target
    std::uint64_t response_latency = 2000;   // ps from the end of response beats to the initiator
    std::uint64_t quantum = 1000000;         // ps, LT global quantum; not a scenario key: the platform copies run.quantum here
};

inline void describe(ddisim::tlm::param_group& g, bus_config& c) {
    g.frequency("clock", c.clock, "bus clock", {1e3, 1e12});
    g.size("data_width", c.data_width, "bytes transferred per beat", {1, 4096});
    g.size("max_burst", c.max_burst, "largest burst; longer transactions cost one address cycle per burst", {1, double(1ull << 30)});
    g.choice("arbitration", c.arbitration, {"round_robin", "fixed_priority"}, "arbitration between initiators: fair sharing or lower index first (LT and AT)");
    g.count("outstanding", c.outstanding, "transactions in flight per initiator port", {1, 4096});
    g.time("request_latency", c.request_latency, "request path latency after the request beats");
    g.time("response_latency", c.response_latency, "response path latency after the response beats");
}

} // namespace ddisim::models
