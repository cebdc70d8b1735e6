// Disk service-time models (see disk_timing.h; formulas in docs/disk.md).
#include "models/disk/disk_timing.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ddisim::models {

namespace {
std::uint64_t ceil_ps(long double t) { return std::uint64_t(std::ceil(t)); }
} // namespace

std::unique_ptr<disk_timing> make_disk_timing(const disk_config& cfg, std::uint64_t capacity_bytes) {
    if (cfg.kind == "hdd") return std::make_unique<hdd_timing>(cfg.hdd, cfg.block_size, capacity_bytes / cfg.block_size);
    if (cfg.kind == "ssd") return std::make_unique<ssd_timing>(cfg.ssd, cfg.block_size);
    if (cfg.kind == "ram") return std::make_unique<ram_timing>(cfg.ram, cfg.block_size);
    throw std::invalid_argument("disk kind: expected hdd, ssd or ram, got '" + cfg.kind + "'");
}

// ---------------------------------------------------------------- HDD ----

hdd_timing::hdd_timing(const disk_hdd_config& c, std::uint64_t block_size, std::uint64_t capacity_blocks)
    : c_(c), bs_(block_size), blocks_(std::max<std::uint64_t>(capacity_blocks, 1)) {
    double D = double(c.cylinders - 1);
    double t1 = double(c.track_to_track), avg = double(c.average_seek), full = double(c.full_stroke);
    if (!(t1 < avg && avg < full) || avg < seek_curve::min_mean(t1, full, D) || avg > seek_curve::max_mean(t1, full, D))
        throw std::invalid_argument("hdd: no seek curve fits track_to_track, average_seek and full_stroke (see validate())");
    curve_ = seek_curve::fit(t1, avg, full, D);
    rev_ps_ = 60e12 / c.rpm;
    rate_outer_ = c.media_rate / 8 / 1e12;
    rate_inner_ = (c.inner_media_rate > 0 ? c.inner_media_rate : c.media_rate) / 8 / 1e12;
    cache_blocks_ = c.cache_size / bs_;
    ra_blocks_ = cache_blocks_ ? c.read_ahead / bs_ : 0;
}

// Zoned layout: the data per cylinder falls linearly from the outer zone
// (cylinder 0, rate_outer) to the inner one, so the fraction of capacity
// below cylinder position x∈[0,1] is (Ro·x − k·x²/2)/(Ro − k/2), k = Ro − Ri;
// invert that quadratic to place an LBA.
std::uint64_t hdd_timing::cylinder_of(std::uint64_t lba) const {
    double f = double(lba) / double(blocks_);
    double ro = rate_outer_, k = rate_outer_ - rate_inner_;
    double x = f;
    if (k > ro * 1e-9) {
        double S = ro - k / 2;
        x = (ro - std::sqrt(std::max(0.0, ro * ro - 2 * k * f * S))) / k;
    }
    auto cyl = std::uint64_t(x * double(c_.cylinders));
    return std::min<std::uint64_t>(cyl, c_.cylinders - 1);
}

double hdd_timing::media_bytes_per_ps(std::uint64_t cyl) const {
    return rate_outer_ - (rate_outer_ - rate_inner_) * double(cyl) / double(c_.cylinders - 1);
}

long double hdd_timing::positioned(std::uint64_t start_ps, std::uint64_t from, std::uint64_t lba, bool write) const {
    std::uint64_t cyl = cylinder_of(lba);
    std::uint64_t dist = cyl > from ? cyl - from : from - cyl;
    long double t = (long double)start_ps + c_.overhead + curve_(double(dist)) + (write ? c_.write_settle : 0);
    // Rotational position from absolute time: deterministic and independent
    // of the command history. An LBA's angle is its offset within the data
    // that passes under the head in one revolution at this cylinder.
    double rate = media_bytes_per_ps(cyl);
    long double blocks_per_track = (long double)rate * rev_ps_ / bs_;
    long double target = std::fmod((long double)lba / blocks_per_track, 1.0L);
    long double phase = std::fmod(t / rev_ps_, 1.0L);
    long double wait = target - phase;
    if (wait < 0) wait += 1;
    return t + wait * rev_ps_;
}

std::uint64_t hdd_timing::media_access(std::uint64_t start_ps, std::uint64_t lba, std::uint64_t blocks, bool write) {
    ++stats_.media_accesses;
    long double t = positioned(start_ps, head_, lba, write);
    t += (long double)(blocks * bs_) / media_bytes_per_ps(cylinder_of(lba));
    head_ = cylinder_of(lba + blocks - 1);
    return ceil_ps(t);
}

std::uint64_t hdd_timing::head_at(std::uint64_t t) const {
    if (!ra_active_ || t <= ra_t0_) return head_;
    auto k = std::uint64_t(double(t - ra_t0_) / ra_ppb_);
    k = std::min(k, ra_limit_ - ra_origin_);
    return k ? cylinder_of(ra_origin_ + k - 1) : head_;
}

bool hdd_timing::cache_holds(std::uint64_t start, std::uint64_t end) const {
    for (const auto& s : cache_)
        if (s.start <= start && end <= s.end) return true;
    return false;
}

bool hdd_timing::needs_mechanism(const media_request& r) const {
    if (r.blocks == 0 || r.op == media_op::flush) return false;
    if (r.op == media_op::write) return !(c_.write_cache && !r.fua); // write-back: buffered, destaged in order
    if (!r.fua && cache_blocks_ > 0) {
        if (cache_holds(r.lba, r.lba + r.blocks)) return false;
        if (ra_active_ && r.lba >= ra_origin_ && r.lba <= ra_limit_) return false; // the read-ahead stream
    }
    return true;
}

std::uint64_t hdd_timing::positioning_ps(std::uint64_t start, std::uint64_t lba, bool write) const {
    const std::uint64_t s = std::max(start, busy_until_);
    return ceil_ps(positioned(s, head_at(s), lba, write)) - s;
}

void hdd_timing::stop_stream(std::uint64_t t) {
    if (!ra_active_) return;
    ra_active_ = false;
    if (t <= ra_t0_) return;
    auto k = std::uint64_t(double(t - ra_t0_) / ra_ppb_);
    k = std::min(k, ra_limit_ - ra_origin_);
    if (k == 0) return;
    cache_insert(ra_origin_, ra_origin_ + k);
    head_ = cylinder_of(ra_origin_ + k - 1);
}

void hdd_timing::cache_invalidate(std::uint64_t start, std::uint64_t end) {
    std::vector<segment> out;
    out.reserve(cache_.size() + 1);
    for (const auto& s : cache_) {
        if (s.end <= start || s.start >= end) {
            out.push_back(s);
            continue;
        }
        if (s.start < start) out.push_back({s.start, start});
        if (s.end > end) out.push_back({end, s.end});
    }
    cache_.swap(out);
}

void hdd_timing::cache_insert(std::uint64_t start, std::uint64_t end) {
    if (cache_blocks_ == 0 || end <= start) return;
    if (end - start > cache_blocks_) start = end - cache_blocks_;
    cache_invalidate(start, end);
    cache_.insert(cache_.begin(), segment{start, end});
    std::uint64_t total = 0;
    for (const auto& s : cache_) total += s.end - s.start;
    while (cache_.size() > max_segments || total > cache_blocks_) {
        total -= cache_.back().end - cache_.back().start;
        cache_.pop_back();
    }
}

bool hdd_timing::cache_lookup(std::uint64_t start, std::uint64_t end) {
    for (std::size_t i = 0; i < cache_.size(); ++i) {
        if (cache_[i].start <= start && end <= cache_[i].end) {
            std::rotate(cache_.begin(), cache_.begin() + std::ptrdiff_t(i), cache_.begin() + std::ptrdiff_t(i) + 1);
            return true;
        }
    }
    return false;
}

// Write-back buffer admission: a write waits until the data still to be
// destaged plus its own fits in the cache.
std::uint64_t hdd_timing::dirty_wait(std::uint64_t now, std::uint64_t bytes) {
    while (!dirty_.empty() && dirty_.front().first <= now) dirty_.pop_front();
    std::uint64_t cap = std::max(c_.cache_size, bytes), sum = 0, t = now;
    for (const auto& d : dirty_) sum += d.second;
    while (!dirty_.empty() && sum + bytes > cap) {
        t = dirty_.front().first;
        sum -= dirty_.front().second;
        dirty_.pop_front();
    }
    return t;
}

std::uint64_t hdd_timing::service(const media_request& r) {
    const std::uint64_t now = r.now_ps;
    const std::uint64_t end = r.lba + r.blocks;
    switch (r.op) {
    case media_op::flush: {
        ++stats_.flushes;
        std::uint64_t t = now + c_.cache_hit;
        if (!dirty_.empty()) t = std::max(t, dirty_.back().first);
        while (!dirty_.empty() && dirty_.front().first <= now) dirty_.pop_front();
        return t;
    }
    case media_op::read: {
        ++stats_.reads;
        if (r.blocks == 0) return now + c_.overhead;
        if (!r.fua && cache_blocks_ > 0) {
            if (cache_lookup(r.lba, end)) {
                ++stats_.cache_hits;
                return now + c_.cache_hit;
            }
            if (ra_active_ && r.lba >= ra_origin_ && r.lba <= ra_limit_) {
                // The read-ahead stream is (or will be) carrying these blocks;
                // keep it running read_ahead past what the host has asked for.
                ++stats_.cache_hits;
                ra_limit_ = std::min(blocks_, std::max(ra_limit_, end + ra_blocks_));
                std::uint64_t avail = ra_t0_ + ceil_ps((long double)(end - ra_origin_) * ra_ppb_);
                return std::max(now + c_.cache_hit, avail);
            }
        }
        std::uint64_t start = std::max(now, busy_until_);
        stop_stream(start);
        std::uint64_t done = media_access(start, r.lba, r.blocks, false);
        busy_until_ = done;
        if (cache_blocks_ > 0 && !r.dpo) {
            cache_insert(r.lba, end);
            if (ra_blocks_ > 0 && end < blocks_) {
                ra_active_ = true;
                ra_origin_ = end;
                ra_limit_ = std::min(blocks_, end + ra_blocks_);
                ra_t0_ = done;
                ra_ppb_ = double(bs_) / media_bytes_per_ps(cylinder_of(end - 1));
            }
        }
        return done;
    }
    case media_op::write: {
        ++stats_.writes;
        if (r.blocks == 0) return now + c_.overhead;
        std::uint64_t start = std::max(now, busy_until_);
        stop_stream(start);
        cache_invalidate(r.lba, end);
        std::uint64_t destaged = media_access(start, r.lba, r.blocks, true);
        busy_until_ = destaged;
        if (!r.dpo) cache_insert(r.lba, end);
        if (c_.write_cache && !r.fua) {
            std::uint64_t bytes = r.blocks * bs_;
            std::uint64_t admitted = dirty_wait(now, bytes);
            dirty_.emplace_back(destaged, bytes);
            return admitted + c_.cache_hit;
        }
        return destaged;
    }
    }
    return now;
}

void hdd_timing::reset() {
    cache_.clear();
    ra_active_ = false;
}

// ---------------------------------------------------------------- SSD ----

ssd_timing::ssd_timing(const disk_ssd_config& c, std::uint64_t block_size)
    : c_(c), bs_(block_size), busy_(std::max(1u, c.units), 0) {}

unsigned ssd_timing::unit_of(std::uint64_t lba) const {
    return unsigned((lba * bs_ / c_.page_size) % busy_.size());
}

std::uint64_t ssd_timing::service(const media_request& r) {
    std::uint64_t t0 = r.now_ps + c_.controller_overhead;
    if (r.op == media_op::flush) {
        ++stats_.flushes;
        for (auto b : busy_) t0 = std::max(t0, b);
        return t0;
    }
    bool read = r.op == media_op::read;
    ++(read ? stats_.reads : stats_.writes);
    if (r.blocks == 0) return t0;
    std::uint64_t lat = read ? c_.read_latency : c_.program_latency;
    std::uint64_t first = r.lba * bs_ / c_.page_size;
    std::uint64_t last = ((r.lba + r.blocks) * bs_ - 1) / c_.page_size;
    std::uint64_t done = t0;
    for (std::uint64_t p = first; p <= last; ++p) {
        auto& b = busy_[p % busy_.size()];
        b = std::max(t0, b) + lat;
        done = std::max(done, b);
        ++stats_.media_accesses;
    }
    return done;
}

// ---------------------------------------------------------------- RAM ----

ram_timing::ram_timing(const disk_ram_config& c, std::uint64_t block_size) : c_(c), bs_(block_size) {}

std::uint64_t ram_timing::service(const media_request& r) {
    if (r.op == media_op::flush) {
        ++stats_.flushes;
        return r.now_ps + c_.latency;
    }
    ++(r.op == media_op::read ? stats_.reads : stats_.writes);
    long double dur = (long double)(r.blocks * bs_) * 8e12L / c_.bandwidth;
    std::uint64_t start = std::max(r.now_ps, busy_until_);
    busy_until_ = start + ceil_ps(dur);
    if (r.blocks) ++stats_.media_accesses;
    return busy_until_ + c_.latency;
}

// --------------------------------------------------------------- link ----

link_model::link_model(const disk_link_config& c) : rate_(c.rate), efficiency_(c.efficiency) {
    if (c.encoding == "8b10b") bits_per_byte_ = 10.0;
    else if (c.encoding == "128b130b") bits_per_byte_ = 8.0 * 130.0 / 128.0;
    else if (c.encoding == "128b150b") bits_per_byte_ = 8.0 * 150.0 / 128.0;
    else if (c.encoding == "none") bits_per_byte_ = 8.0;
    else throw std::invalid_argument("link.encoding: expected 8b10b, 128b130b, 128b150b or none, got '" + c.encoding + "'");
    if (!(rate_ > 0) || !(efficiency_ > 0)) throw std::invalid_argument("link: rate and efficiency must be positive");
}

std::uint64_t link_model::compute_ps(std::uint64_t bytes) const {
    return std::uint64_t(std::llround((long double)bytes * bits_per_byte_ * 1e12L / ((long double)rate_ * efficiency_)));
}

} // namespace ddisim::models
