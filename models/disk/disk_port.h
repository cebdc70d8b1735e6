// disk_port — one SCSI target as an HBA sees it: the scsi_target logic
// (models/disk/scsi_target.h) behind its port link, with the bookkeeping the
// HBA needs for tagged command queueing. Plain C++ (no SystemC): the HBA's
// thread calls it with simulated times in ps.
//
// What it adds to scsi_target
//   - time order: execute() clamps `now` to the latest arrival seen, so the
//     timing models always get non-decreasing times (scsi_target's contract)
//     even when the HBA's data-out fetches finish out of order;
//   - the link: one occupancy timeline per port (the wire carries one data
//     phase at a time, in either direction); link_reserve() queues a data
//     phase behind the previous one and returns its start;
//   - the queue: commands in flight at the target (from the moment the HBA
//     accepts them until their reply), with a time-averaged depth;
//   - command reordering for the HBA (an HDD with hdd.scheduling: sptf):
//     whether a decoded READ/WRITE would wait for its LUN's mechanism, when
//     that is free and how long positioning for it would take. The HBA holds
//     such commands while the mechanism is busy and starts the one with the
//     least positioning when it frees (docs/hba.md, "Command queueing").
//
// Statistics (under <owner>.t<index>)
//   commands, bytes_in, bytes_out (counters); link_busy (counter, ps);
//   queue_depth (time average, commands in flight at the target);
//   cache_hits (reads the medium's cache served: an HDD's cache or its
//   read-ahead stream), media_accesses (HDD seeks, flash page operations,
//   RAM transfers) — the timing models' counts (disk_timing.h), all LUNs.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "models/disk/disk_config.h"
#include "models/disk/scsi_target.h"
#include "tlm/core/stats.h"
#include "tlm/timing.h"

namespace ddisim::models {

class disk_port {
public:
    // Throws std::invalid_argument / std::runtime_error as scsi_target does.
    disk_port(const std::string& owner, unsigned index, const disk_config& cfg);

    scsi_target& target() { return target_; }
    const scsi_target& target() const { return target_; }
    const link_model& link() const { return target_.link(); }
    unsigned index() const { return index_; }

    // scsi_target::execute at max(now_ps, latest arrival so far).
    scsi_result execute(const std::uint8_t* cdb, std::size_t cdb_len, std::uint32_t lun,
                        std::span<std::uint8_t> data_in, std::span<const std::uint8_t> data_out,
                        std::uint64_t now_ps);

    // Reserves the wire for `bytes` of payload ready at `ready`; returns the
    // start (the end is start + link().transfer_ps(bytes)).
    tlm::ps_t link_reserve(tlm::ps_t ready, std::uint64_t bytes);
    tlm::ps_t link_busy_until() const { return link_.busy_until; }

    // Queue accounting (commands in flight at this target).
    void begin(tlm::ps_t now);
    void end(tlm::ps_t now);
    void clear(tlm::ps_t now); // a reset dropped every command
    unsigned outstanding() const { return outstanding_; }

    // Command reordering (see above). reorders(): the target's medium takes
    // queued commands in shortest-positioning order.
    bool reorders() const { return reorders_; }
    bool needs_mechanism(const cdb_info& c, std::uint32_t lun);
    tlm::ps_t mechanism_free(std::uint32_t lun) { return target_.timing(lun).mechanism_free(); }
    tlm::ps_t positioning(const cdb_info& c, std::uint32_t lun, tlm::ps_t t);
    tlm::ps_t reorder_age_limit() const { return target_.config().hdd.reorder_age_limit; }
    const tlm::time_average& queue_depth() const { return stats_.queue_depth; }

private:
    unsigned index_;
    scsi_target target_;
    tlm::occupancy_timeline link_;
    tlm::ps_t last_arrival_ = 0;
    std::uint64_t seen_hits_ = 0, seen_accesses_ = 0; // the timing models' totals counted so far
    bool reorders_;                                   // the medium's reorders(), asked once (every command checks it)
    unsigned outstanding_ = 0;

    struct stats_t {
        tlm::counter commands, bytes_in, bytes_out, link_busy, cache_hits, media_accesses;
        tlm::time_average queue_depth;
        explicit stats_t(const std::string& o);
    } stats_;
};

} // namespace ddisim::models
