// hba_config — parameters of the SCSI host bus adapter (models/hba/hba.h)
// and of the disks behind it. Plain C++ (the scenario parser includes it).
// Units: bytes, ps.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "models/disk/disk_config.h"
#include "models/dmac/dmac_config.h"
#include "tlm/core/params.h"

namespace ddisim::models {

struct hba_config {
    std::vector<disk_config> targets{disk_config{}}; // one disk per target id 0..n-1, each on its own port
    unsigned queue_depth = 256;               // HBA command slots: frames beyond wait in the request ring
    unsigned target_queue_depth = 32;         // commands in flight per target
    std::string queue_full = "refuse";        // beyond target_queue_depth: refuse (TASK SET FULL reply) | hold (wait for a slot)
    unsigned coalesce_count = 1;              // reset value of COALESCE_COUNT: replies per interrupt (0 and 1: every reply)
    std::uint64_t coalesce_time = 0;          // ps, reset value of COALESCE_TIME (ns in the register); 0 = no timer
    std::uint64_t command_overhead = 500000;  // ps of firmware time between a frame's fetch and its command reaching the target
    unsigned firmware_cores = 0;              // cores running command_overhead, one command each at a time (0 = no limit: a plain delay)
    std::uint64_t max_transfer = 16ull << 20; // bytes, largest data length a frame may ask for
    unsigned max_sgl_entries = 4096;          // data entries an SGL may have (inline + chained)
    std::uint64_t burst_size = 256;           // bytes per DMA burst at most (device limit)
    std::uint64_t bus_max_burst = 0;          // bus limit (0 = none); not a scenario key: the platform copies bus.max_burst
    std::uint64_t boundary = 4096;            // DMA bursts never cross this alignment (0 = none)
    std::uint64_t lt_transaction_size = 4096; // LT: bytes per engine transaction at most (0 = one burst); see dma_engine_config
    unsigned outstanding = 8;                 // DMA transactions in flight per command
    std::uint64_t register_latency = 1000;    // ps charged to a register access
    std::uint32_t requester_id = 32;          // requester id on every transaction the HBA issues (IOMMU context entry)
    std::string timing = "lt";                // lt | at; not a scenario key: the platform copies run.timing

    dma_engine_config engine() const {
        dma_engine_config e;
        e.burst_size = burst_size;
        e.bus_max_burst = bus_max_burst;
        e.boundary = boundary;
        e.lt_transaction_size = lt_transaction_size;
        e.requester_id = requester_id;
        e.timing = timing;
        return e;
    }
};

inline void describe(ddisim::tlm::param_group& g, hba_config& c) {
    g.list_of("targets", "the disks, target ids 0..n-1 in order, each behind its own port", c.targets);
    g.count("queue_depth", c.queue_depth, "HBA command slots; further frames wait in the request ring", {1, 65535});
    g.count("target_queue_depth", c.target_queue_depth, "commands in flight per target", {1, 65535});
    g.choice("queue_full", c.queue_full, {"refuse", "hold"},
             "a command beyond target_queue_depth: refuse (reply TASK SET FULL) or hold until a slot frees");
    g.count("coalesce_count", c.coalesce_count, "replies per interrupt (0 or 1: every reply); COALESCE_COUNT reset value", {0, 65535});
    g.time("coalesce_time", c.coalesce_time, "longest delay of a reply's interrupt (0: no timer); COALESCE_TIME reset value", {0, 4.294967295e15});
    g.time("command_overhead", c.command_overhead, "firmware time from a frame's fetch to its command reaching the target");
    g.count("firmware_cores", c.firmware_cores,
            "firmware processors: each runs one command's command_overhead at a time, so the HBA starts at most "
            "firmware_cores / command_overhead commands per second (0: no limit, the overhead is a plain delay)",
            {0, 64});
    g.size("max_transfer", c.max_transfer, "largest data length of one command (MAX_XFER register: the driver caps its dma_attr_maxxfer by it)", {0, double(1ull << 32) - 1});
    g.count("max_sgl_entries", c.max_sgl_entries, "data entries one scatter-gather list may hold (MAX_SGL register: the driver caps its dma_attr_sgllen by it; 1 with fragmented buffers and no IOMMU meets the sgllen = 1 panic of spec §8.3)", {1, 1u << 20});
    g.size("burst_size", c.burst_size, "largest DMA burst the HBA issues", {1, double(1ull << 30)});
    g.size("lt_transaction_size", c.lt_transaction_size,
           "LT: bytes per DMA transaction at most, charged per burst (0 = one burst)", {0, double(1ull << 30)});
    g.size("boundary", c.boundary, "DMA bursts never cross a multiple of this (0 = no limit)", {0, double(1ull << 30)});
    g.count("outstanding", c.outstanding, "DMA transactions in flight per command", {1, 1024});
    g.time("register_latency", c.register_latency, "time charged to a register access");
    g.count("requester_id", c.requester_id, "requester id on every transaction the HBA issues", {0, 65535});
}

} // namespace ddisim::models
