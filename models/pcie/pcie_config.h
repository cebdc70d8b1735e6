// pcie_config — parameters of a PCI Express link between a DMA device and
// the root complex (models/pcie/pcie_link.h). Plain C++ (the scenario
// parser includes it). Units: bytes, ps.
#pragma once
#include <cstdint>

#include "tlm/core/params.h"

namespace ddisim::models {

struct pcie_config {
    bool enable = false;            // the device reaches the root complex over this link (false: directly)
    unsigned gen = 3;               // 1 … 5: 2.5, 5, 8, 16, 32 GT/s per lane (8b/10b up to gen 2, 128b/130b after)
    unsigned lanes = 8;             // 1, 2, 4, 8, 16 or 32
    std::uint64_t mps = 256;        // Max_Payload_Size: bytes of data per write TLP and per read completion
    std::uint64_t mrrs = 512;       // Max_Read_Request_Size: bytes one read request TLP may ask for
    std::uint64_t rcb = 0;          // 0: completions split by mps; 64 … 512: by this read completion boundary
    bool ecrc = false;              // end-to-end CRC digest (4 bytes per TLP)
    std::uint64_t latency = 200000; // ps, one way: PHY, link layer and root port, without serialisation
};

// The first field whose value the PCIe specification does not allow
// ("gen", "lanes", "mps", "mrrs", "rcb"), or nullptr: the one rule for the
// link model (pcie_rates) and the scenario checks.
inline const char* pcie_invalid_field(const pcie_config& c) {
    auto pow2_in = [](std::uint64_t v, std::uint64_t lo, std::uint64_t hi) {
        return v >= lo && v <= hi && (v & (v - 1)) == 0;
    };
    if (c.gen < 1 || c.gen > 5) return "gen";
    if (!pow2_in(c.lanes, 1, 32)) return "lanes";
    if (!pow2_in(c.mps, 128, 4096)) return "mps";
    if (!pow2_in(c.mrrs, 128, 4096)) return "mrrs";
    if (c.rcb && !pow2_in(c.rcb, 64, 512)) return "rcb";
    return nullptr;
}

inline void describe(ddisim::tlm::param_group& g, pcie_config& c) {
    g.flag("enable", c.enable, "the device reaches the root complex (IOMMU, bus) over a PCI Express link");
    g.count("gen", c.gen, "PCIe generation: 1 (2.5 GT/s), 2 (5), 3 (8), 4 (16), 5 (32 GT/s per lane)", {1, 5});
    g.count("lanes", c.lanes, "link width: 1, 2, 4, 8, 16 or 32 lanes", {1, 32});
    g.size("mps", c.mps, "Max_Payload_Size: data bytes per write TLP and per read completion (128 … 4096, a power of 2)",
           {128, 4096});
    g.size("mrrs", c.mrrs, "Max_Read_Request_Size: bytes one read request may ask for (128 … 4096, a power of 2)",
           {128, 4096});
    g.size("rcb", c.rcb, "0: read completions split by mps; 64, 128, 256 or 512: by this read completion boundary "
                         "(seen on older chipsets)",
           {0, 512});
    g.flag("ecrc", c.ecrc, "end-to-end CRC: a 4-byte digest on every TLP");
    g.time("latency", c.latency, "one-way latency of the link and root port, serialisation not included", {0, 1e9});
}

} // namespace ddisim::models
