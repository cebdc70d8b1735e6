// tgen_config — a generic traffic generator (models/tgen/tgen.h).
// Plain C++. Units: bytes, ps, Hz, bit/s.
#pragma once
#include <cstdint>
#include <string>

#include "models/pcie/pcie_config.h"
#include "tlm/core/params.h"

namespace ddisim::models {

struct tgen_config {
    std::string pattern = "sequential";  // sequential | random (aligned to size, seeded)
    std::uint64_t base = 0;               // first byte of the address window
    std::uint64_t range = 1ull << 20;     // bytes in the address window
    std::uint64_t size = 64;              // bytes per transaction
    double read_fraction = 1.0;           // share of reads (0 = all writes, 1 = all reads)
    std::uint64_t seed = 1;               // random seed (addresses and read/write mix)
    unsigned outstanding = 1;             // transactions in flight (closed loop)
    double rate = 0;                      // bit/s offered (e.g. "800MB/s"); 0 = closed loop, as fast as outstanding allows
    std::uint64_t count = 1000;           // transactions to issue (0 = until time_limit)
    std::uint64_t time_limit = 0;         // ps after which no new transaction starts (0 = none)
    std::uint64_t start_delay = 0;        // ps before the first transaction
    bool verify = false;                  // write a pattern to the window first, then read and check it
    std::uint32_t requester_id = 0;       // requester-id extension put on every payload
    pcie_config pcie;                     // the platform puts a PCI Express link between it and the bus (off: none)
};

inline void describe(ddisim::tlm::param_group& g, tgen_config& c) {
    g.choice("pattern", c.pattern, {"sequential", "random"}, "address pattern");
    g.size("base", c.base, "first address of the window");
    g.size("range", c.range, "bytes in the address window", {1, double(1ull << 48)});
    g.size("size", c.size, "bytes per transaction", {1, double(1ull << 30)});
    g.real("read_fraction", c.read_fraction, "share of reads", {0, 1});
    g.count("seed", c.seed, "random seed");
    g.count("outstanding", c.outstanding, "transactions in flight (closed loop)", {1, 4096});
    g.bitrate("rate", c.rate, "offered load (0 = closed loop)");
    g.count("count", c.count, "transactions to issue (0 = until time_limit)");
    g.time("time_limit", c.time_limit, "no new transaction after this time (0 = none)");
    g.time("start_delay", c.start_delay, "delay before the first transaction");
    g.flag("verify", c.verify, "write a pattern over the window, read it back and compare");
    g.count("requester_id", c.requester_id, "requester id put on every payload", {0, 4294967295.0});
    describe(g.group("pcie", "a PCI Express link between the generator and the bus, as a device's (docs/pcie.md)"), c.pcie);
}

} // namespace ddisim::models
