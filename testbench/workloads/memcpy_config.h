// memcpy_workload_config — the memcpy workload (testbench/workloads/memcpy.h):
// N copies of S bytes through the DMA controller driver, every byte checked.
// Plain C++ (the scenario parser may include it). Units: bytes.
#pragma once
#include <cstdint>
#include <string>

#include "tlm/core/params.h"

namespace ddisim::workloads {

struct memcpy_workload_config {
    std::uint64_t copies = 16;          // copies to run, one after the other
    std::uint64_t size = 1ull << 20;    // bytes per copy
    std::string placement = "any";      // where buffer pages come from: any (the kernel's placement policy) | low (below 4 GiB) | high (at or above 4 GiB)
    std::uint64_t src_offset = 0;       // bytes into the first page of the source (unaligned buffers)
    std::uint64_t dst_offset = 0;       // bytes into the first page of the destination
    bool new_buffers = false;           // fresh buffers for every copy (else one pair, refilled per copy)
    bool verify = true;                 // compare every byte of every copy
    std::uint64_t seed = 1;             // data pattern seed
    std::string inject = "none";        // co-verification fault in the driver: none | skip_sync | dma_after_unbind
};

inline void describe(ddisim::tlm::param_group& g, memcpy_workload_config& c) {
    g.count("copies", c.copies, "copies to run, one after the other", {1, 1e9});
    g.size("size", c.size, "bytes per copy", {1, double(1ull << 36)});
    g.choice("placement", c.placement, {"any", "low", "high"},
             "buffer pages: the kernel's placement policy, below 4 GiB, or at or above 4 GiB");
    g.size("src_offset", c.src_offset, "bytes into the first source page", {0, 4095});
    g.size("dst_offset", c.dst_offset, "bytes into the first destination page", {0, 4095});
    g.flag("new_buffers", c.new_buffers, "allocate fresh buffers for every copy");
    g.flag("verify", c.verify, "compare every byte of every copy");
    g.count("seed", c.seed, "data pattern seed");
    g.choice("inject", c.inject, {"none", "skip_sync", "dma_after_unbind"},
             "deliberate driver bug for co-verification: skip_sync leaves out ddi_dma_sync(FORCPU) before the CPU "
             "reads the destination (stale bytes with copy buffers, a missing-sync checker report); "
             "dma_after_unbind issues one more descriptor to the destination's old address after unbind (an IOMMU "
             "fault under iommu_unmap strict, a dma-after-unbind checker report and stray bytes otherwise)");
}

} // namespace ddisim::workloads
