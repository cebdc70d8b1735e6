// dmac_config / dma_engine_config — parameters of the DMA controller
// (models/dmac/dmac.h) and of its embeddable data mover
// (models/dmac/dma_engine.h). Plain C++ (the scenario parser includes it).
// Units: bytes, ps.
#pragma once
#include <cstdint>
#include <string>

#include "tlm/core/params.h"

namespace ddisim::models {

// The data mover alone (also embedded by other models, e.g. the HBA).
struct dma_engine_config {
    std::uint64_t burst_size = 256;   // bytes, the device's largest burst (its DMA attributes' burst limit)
    std::uint64_t bus_max_burst = 0;  // bytes, the interconnect's largest burst (0 = no limit); the platform copies bus.max_burst here
    std::uint64_t boundary = 4096;    // bytes, no burst crosses a multiple of this on either side (0 = none)
    std::uint32_t requester_id = 0;   // requester id put on every payload (IOMMU stream id)
    // LT only: bytes per transaction at most, whole bursts (0 or ≤ the burst:
    // one burst per transaction, burst accurate). Larger values let one
    // b_transport carry several bursts (never crossing `boundary`), tagged
    // with tlm::burst_ext so the bus, the memory and the IOMMU charge them
    // as the bursts one by one (docs/dmac.md, "LT transaction size"). 0 here;
    // the DMA controller defaults to a page (dmac_config).
    std::uint64_t lt_transaction_size = 0;
    // LT: the bus's per-initiator-port outstanding limit (0 = none known).
    // A stream uses transactions of several bursts only where min(its
    // window, this) × burst covers one: burst by burst, the bus would hold
    // the bursts beyond its limit. Not a scenario key: the platform copies
    // bus.outstanding.
    unsigned bus_outstanding = 0;
    std::string timing = "lt";        // lt (b_transport + quantum) | at (nb_transport base protocol); not a scenario key: the platform copies run.timing
};

struct dmac_config {
    unsigned channels = 4;                      // independent descriptor rings
    std::uint64_t burst_size = 256;             // bytes per burst at most (device limit)
    std::uint64_t bus_max_burst = 0;            // bus limit (0 = none); not a scenario key: the platform copies bus.max_burst
    std::uint64_t boundary = 4096;              // bursts never cross this alignment (0 = none)
    std::uint64_t lt_transaction_size = 4096;   // LT: bytes per transaction at most, charged per burst (0 = one burst); see dma_engine_config
    unsigned outstanding = 8;                   // transactions in flight per channel
    std::string arbitration = "round_robin";    // round_robin | fixed_priority (lower channel wins) between channels, per transaction
    bool writeback = true;                      // write the completion status back into each descriptor
    std::uint64_t descriptor_overhead = 0;      // ps of internal processing after a descriptor fetch, before its data moves
    std::string interrupt_mode = "descriptor";  // reset value of CONTROL.IRQ_BATCH: descriptor | batch
    std::uint64_t register_latency = 1000;      // ps charged to a register access
    std::uint32_t requester_id = 16;            // requester id on every payload the controller issues (IOMMU context entry)
    unsigned bus_outstanding = 0;               // the bus port's outstanding limit (0 = none); not a scenario key: the platform copies bus.outstanding
    std::string timing = "lt";                  // lt | at; not a scenario key: the platform copies run.timing

    dma_engine_config engine() const {
        dma_engine_config e;
        e.burst_size = burst_size;
        e.bus_max_burst = bus_max_burst;
        e.boundary = boundary;
        e.lt_transaction_size = lt_transaction_size;
        e.requester_id = requester_id;
        e.bus_outstanding = bus_outstanding;
        e.timing = timing;
        return e;
    }
};

inline void describe(ddisim::tlm::param_group& g, dmac_config& c) {
    g.count("channels", c.channels, "DMA channels (descriptor rings)", {1, 32});
    g.size("burst_size", c.burst_size, "largest burst the device issues", {1, double(1ull << 30)});
    g.size("lt_transaction_size", c.lt_transaction_size,
           "LT: bytes per transaction at most, charged burst by burst (0 or at most burst_size: one b_transport per burst)",
           {0, double(1ull << 30)});
    g.size("boundary", c.boundary, "bursts never cross a multiple of this (0 = no limit)", {0, double(1ull << 30)});
    g.count("outstanding", c.outstanding, "transactions in flight per channel", {1, 1024});
    g.choice("arbitration", c.arbitration, {"round_robin", "fixed_priority"}, "arbitration between active channels, per transaction");
    g.flag("writeback", c.writeback, "write the completion status back into each descriptor (CAPS.WRITEBACK tells the driver; without it the driver goes by COMPLETED and STATUS)");
    g.time("descriptor_overhead", c.descriptor_overhead, "processing time between a descriptor fetch and its first data transfer");
    g.choice("interrupt_mode", c.interrupt_mode, {"descriptor", "batch"}, "reset value of CONTROL.IRQ_BATCH");
    g.time("register_latency", c.register_latency, "time charged to a register access");
    g.count("requester_id", c.requester_id, "requester id on every transaction the controller issues", {0, 65535});
}

} // namespace ddisim::models
