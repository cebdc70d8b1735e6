// disk_timing — deterministic service-time calculators for the disk model,
// and the HBA-port link. Plain C++, no SystemC; the SystemC wrapper calls
// service() with its current time and schedules the completion it returns.
//
// Each model is a function (now, op, LBA, blocks) → completion time with
// internal state (head position, cache contents, busy-until timelines). Calls
// must come in non-decreasing `now` order (the order commands reach the
// medium); the same sequence of calls always gives the same times.
//
//   hdd_timing   controller overhead + seek(curve fitted to track-to-track,
//                average, full stroke; seek_curve.h) + rotational latency
//                (phase = absolute time mod the revolution period, so it is
//                reproducible) + media transfer (zoned rate); a segmented read
//                cache with read-ahead streaming; optional write-back cache.
//   ssd_timing   controller overhead, then each flash page of the command on
//                unit (page index mod units), each unit a busy-until timeline
//                (read or program latency per page) — parallel for pages on
//                different units, queued for pages on the same unit.
//   ram_timing   one bandwidth timeline + a fixed latency.
//   link_model   bytes → time at the line rate after line encoding.
// Formulas and worked figures: docs/disk.md.
#pragma once
#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "models/disk/disk_config.h"
#include "models/disk/seek_curve.h"

namespace ddisim::models {

enum class media_op { read, write, flush };

struct media_request {
    std::uint64_t now_ps = 0;  // arrival at the medium
    media_op op = media_op::read;
    std::uint64_t lba = 0;
    std::uint64_t blocks = 0;  // 0: no media transfer (only the overhead)
    bool fua = false;          // force unit access: bypass the caches
    bool dpo = false;          // disable page out: do not keep the data in the cache
};

struct timing_stats {
    std::uint64_t reads = 0, writes = 0, flushes = 0;
    std::uint64_t cache_hits = 0;      // reads served without a media access
    std::uint64_t media_accesses = 0;  // seeks/page operations started
};

class disk_timing {
public:
    virtual ~disk_timing() = default;
    // Completion time (ps) of the request.
    virtual std::uint64_t service(const media_request& r) = 0;
    // Target reset: caches are dropped (write-back data is kept: it is
    // destaged as scheduled); timelines stay (the mechanics keep their state).
    virtual void reset() {}
    const timing_stats& stats() const { return stats_; }
    // Command queueing (an HDD with scheduling sptf; the HBA holds the
    // queue, disk_port.h): whether the request would wait for the mechanism
    // (not a cache hit, not a write-back write), when the mechanism is next
    // free, and the positioning time (overhead, seek, rotation) the request
    // would need if the mechanism took it at `start`. No side effects.
    virtual bool reorders() const { return false; }
    virtual bool needs_mechanism(const media_request&) const { return false; }
    virtual std::uint64_t mechanism_free() const { return 0; }
    virtual std::uint64_t positioning_ps(std::uint64_t start, std::uint64_t lba, bool write) const { return 0; }

protected:
    timing_stats stats_;
};

// Builds the model cfg.kind asks for; capacity_bytes is the medium's size
// (the image size when cfg.capacity is 0).
std::unique_ptr<disk_timing> make_disk_timing(const disk_config& cfg, std::uint64_t capacity_bytes);

class hdd_timing final : public disk_timing {
public:
    hdd_timing(const disk_hdd_config& c, std::uint64_t block_size, std::uint64_t capacity_blocks);
    std::uint64_t service(const media_request& r) override;
    void reset() override;

    // Exposed for tests and docs.
    const seek_curve& curve() const { return curve_; }
    double revolution_ps() const { return rev_ps_; }
    std::uint64_t cylinder_of(std::uint64_t lba) const;
    double media_bytes_per_ps(std::uint64_t cyl) const;
    std::uint64_t head_cylinder() const { return head_; }
    std::uint64_t busy_until() const { return busy_until_; }
    bool reorders() const override { return c_.scheduling == "sptf"; }
    bool needs_mechanism(const media_request& r) const override;
    std::uint64_t mechanism_free() const override { return busy_until_; }
    std::uint64_t positioning_ps(std::uint64_t start, std::uint64_t lba, bool write) const override;

private:
    struct segment {
        std::uint64_t start, end;  // cached LBAs [start, end)
    };
    // Moves the head to lba and transfers `blocks`; returns the end time.
    std::uint64_t media_access(std::uint64_t start_ps, std::uint64_t lba, std::uint64_t blocks, bool write);
    // When the first block of lba is under the head, for an access started
    // at start_ps with the head on cylinder `from` (overhead, seek, settle,
    // rotation).
    long double positioned(std::uint64_t start_ps, std::uint64_t from, std::uint64_t lba, bool write) const;
    // The head's cylinder once a read-ahead stream running until t stops.
    std::uint64_t head_at(std::uint64_t t) const;
    bool cache_holds(std::uint64_t start, std::uint64_t end) const;
    void stop_stream(std::uint64_t t);
    void cache_insert(std::uint64_t start, std::uint64_t end);
    bool cache_lookup(std::uint64_t start, std::uint64_t end);
    void cache_invalidate(std::uint64_t start, std::uint64_t end);
    std::uint64_t dirty_wait(std::uint64_t now, std::uint64_t bytes);

    disk_hdd_config c_;
    std::uint64_t bs_, blocks_, cache_blocks_, ra_blocks_;
    seek_curve curve_;
    double rev_ps_;
    double rate_outer_, rate_inner_;  // bytes per ps
    std::uint64_t head_ = 0;
    std::uint64_t busy_until_ = 0;
    std::vector<segment> cache_;  // most recently used first
    static constexpr std::size_t max_segments = 64;
    // Read-ahead stream after the last read miss: block k ≥ origin is in the
    // buffer at ra_t0 + (k − origin + 1)·ra_ppb while k < ra_limit, until a
    // media access preempts it.
    bool ra_active_ = false;
    std::uint64_t ra_origin_ = 0, ra_limit_ = 0, ra_t0_ = 0;
    double ra_ppb_ = 0;
    std::deque<std::pair<std::uint64_t, std::uint64_t>> dirty_;  // (destage done, bytes)
};

class ssd_timing final : public disk_timing {
public:
    ssd_timing(const disk_ssd_config& c, std::uint64_t block_size);
    std::uint64_t service(const media_request& r) override;
    unsigned unit_of(std::uint64_t lba) const;
    std::uint64_t unit_busy_until(unsigned u) const { return busy_[u]; }

private:
    disk_ssd_config c_;
    std::uint64_t bs_;
    std::vector<std::uint64_t> busy_;
};

class ram_timing final : public disk_timing {
public:
    ram_timing(const disk_ram_config& c, std::uint64_t block_size);
    std::uint64_t service(const media_request& r) override;

private:
    disk_ram_config c_;
    std::uint64_t bs_;
    std::uint64_t busy_until_ = 0;
};

// The port link: serialisation time of a data transfer at the line rate.
class link_model {
public:
    explicit link_model(const disk_link_config& c);
    // Line bits per payload byte: 10 (8b10b), 8.125 (128b130b), 9.375 (128b150b), 8 (none).
    double bits_per_byte() const { return bits_per_byte_; }
    // Payload bytes per second after encoding and framing efficiency.
    double payload_rate() const { return rate_ * efficiency_ / bits_per_byte_; }
    // Time in ps (rounded to nearest) to carry `bytes` of payload.
    std::uint64_t transfer_ps(std::uint64_t bytes) const {
        // A command asks for the same few sizes over and over (a burst, the
        // whole transfer): remember the last answers per size.
        auto& e = memo_[(bytes * 0x9E3779B97F4A7C15ull) >> 60]; // Fibonacci hash to 16 slots
        if (e.bytes != bytes) e = {bytes, compute_ps(bytes)};
        return e.ps;
    }

private:
    std::uint64_t compute_ps(std::uint64_t bytes) const;
    double rate_, efficiency_, bits_per_byte_;
    struct memo_entry {
        std::uint64_t bytes = ~std::uint64_t(0), ps = 0;
    };
    mutable std::array<memo_entry, 16> memo_{};
};

} // namespace ddisim::models
