// disk_port — see disk_port.h.
#include "models/disk/disk_port.h"

#include <algorithm>

namespace ddisim::models {

disk_port::stats_t::stats_t(const std::string& o)
    : commands(o, "commands", "commands", "commands executed by the target"),
      bytes_in(o, "bytes_in", "bytes", "data-in bytes the target delivered"),
      bytes_out(o, "bytes_out", "bytes", "data-out bytes the target consumed"),
      link_busy(o, "link_busy", "ps", "time the port link carried data"),
      cache_hits(o, "cache_hits", "reads", "reads the medium's cache served (an HDD's cache or read-ahead stream)"),
      media_accesses(o, "media_accesses", "accesses", "medium operations started (HDD seeks, flash page operations, RAM transfers)"),
      queue_depth(o, "queue_depth", "commands", "commands in flight at the target (accepted, not yet replied)") {
    queue_depth.set(0, 0); // the average covers the whole run
}

disk_port::disk_port(const std::string& owner, unsigned index, const disk_config& cfg)
    : index_(index), target_(cfg), reorders_(target_.timing(0).reorders()),
      stats_(owner + ".t" + std::to_string(index)) {}

scsi_result disk_port::execute(const std::uint8_t* cdb, std::size_t cdb_len, std::uint32_t lun,
                               std::span<std::uint8_t> data_in, std::span<const std::uint8_t> data_out,
                               std::uint64_t now_ps) {
    last_arrival_ = std::max<std::uint64_t>(last_arrival_, now_ps);
    scsi_result r = target_.execute(cdb, cdb_len, lun, data_in, data_out, last_arrival_);
    ++stats_.commands;
    stats_.bytes_in += r.data_in_len;
    stats_.bytes_out += r.data_out_len;
    std::uint64_t hits = 0, accesses = 0;
    for (std::uint32_t l = 0; l < target_.luns(); ++l) {
        hits += target_.timing(l).stats().cache_hits;
        accesses += target_.timing(l).stats().media_accesses;
    }
    stats_.cache_hits += hits - seen_hits_;
    stats_.media_accesses += accesses - seen_accesses_;
    seen_hits_ = hits;
    seen_accesses_ = accesses;
    return r;
}

bool disk_port::needs_mechanism(const cdb_info& c, std::uint32_t lun) {
    if (!c.ok || !c.media || c.blocks == 0 || lun >= target_.luns()) return false;
    const media_request r{last_arrival_, c.dir == data_dir::out ? media_op::write : media_op::read, c.lba, c.blocks,
                          c.fua, c.dpo};
    return target_.timing(lun).needs_mechanism(r);
}

tlm::ps_t disk_port::positioning(const cdb_info& c, std::uint32_t lun, tlm::ps_t t) {
    return target_.timing(lun).positioning_ps(t, c.lba, c.dir == data_dir::out);
}

tlm::ps_t disk_port::link_reserve(tlm::ps_t ready, std::uint64_t bytes) {
    const tlm::ps_t d = link().transfer_ps(bytes);
    stats_.link_busy += d;
    return link_.reserve(ready, d);
}

void disk_port::begin(tlm::ps_t now) {
    ++outstanding_;
    stats_.queue_depth.set(now, outstanding_);
}

void disk_port::end(tlm::ps_t now) {
    if (outstanding_) --outstanding_;
    stats_.queue_depth.set(now, outstanding_);
}

void disk_port::clear(tlm::ps_t now) {
    outstanding_ = 0;
    stats_.queue_depth.set(now, 0);
}

} // namespace ddisim::models
