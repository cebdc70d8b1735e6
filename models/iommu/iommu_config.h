// iommu_config — parameters of the IOMMU model (models/iommu/iommu.h).
// Plain C++. Units: bytes, ps. Not yet part of the scenario schema (the
// platform wiring comes later); describe() is ready for it.
#pragma once
#include <cstdint>

#include "tlm/core/params.h"

namespace ddisim::models {

struct iommu_config {
    bool enable = true;                        // false: the IOMMU is absent, every access passes through untranslated
    unsigned iotlb_sets = 16;                  // IOTLB sets (0 disables the IOTLB)
    unsigned iotlb_ways = 4;                   // IOTLB ways per set (0 disables); 16 × 4 = 64 entries ≈ 256 KiB reach
    unsigned pwc_entries = 16;                 // page-walk cache entries, fully associative (0 disables)
    unsigned context_cache_entries = 16;       // cached context entries, fully associative (0: read per translation)
    std::uint64_t lookup_latency = 2000;       // ps per translated page for the IOTLB lookup (hit or miss)
    std::uint64_t invalidation_latency = 1000000; // ps from writing INV_CMD.GO to completion (GO reads 0)
    std::uint64_t register_latency = 10000;    // ps per MMIO register access
    unsigned fault_log_entries = 16;           // fault records held in the register file (ring)
    std::uint64_t walk_requester_id = 0xfffe;  // requester id put on the IOMMU's own context/page-table reads
    unsigned walkers = 0;                      // page walks in progress at once (0: no limit)
};

inline void describe(ddisim::tlm::param_group& g, iommu_config& c) {
    g.flag("enable", c.enable, "IOMMU present (false: all device traffic passes through untranslated)");
    g.count("iotlb_sets", c.iotlb_sets, "IOTLB sets (0 disables the IOTLB)", {0, 65536});
    g.count("iotlb_ways", c.iotlb_ways, "IOTLB ways per set, LRU (0 disables the IOTLB)", {0, 64});
    g.count("pwc_entries", c.pwc_entries, "page-walk cache entries, fully associative LRU (0 disables)", {0, 4096});
    g.count("context_cache_entries", c.context_cache_entries, "context-entry cache entries (0: read per translation)",
            {0, 4096});
    g.time("lookup_latency", c.lookup_latency, "IOTLB lookup time per translated page");
    g.time("invalidation_latency", c.invalidation_latency, "time from INV_CMD.GO to invalidation complete");
    g.time("register_latency", c.register_latency, "time of one MMIO register access");
    g.count("fault_log_entries", c.fault_log_entries, "fault records in the register ring", {1, 256});
    g.count("walk_requester_id", c.walk_requester_id, "requester id on the IOMMU's own table reads", {0, 4294967295.0});
    g.count("walkers", c.walkers,
            "page walks in progress at once; a miss waits for a free walker (0: no limit, every translation in "
            "flight may walk)",
            {0, 1024});
}

} // namespace ddisim::models
