// ddisim::tlm statistics — self-describing, gem5-style statistics that live
// inside the object they measure and register themselves by hierarchical name:
//
//     struct memory_stats {
//         tlm::counter reads;  tlm::histogram latency;  …
//         explicit memory_stats(const std::string& owner)
//             : reads(owner, "reads", "transactions", "read transactions served"),
//               latency(owner, "latency", "ns", "access latency") {}
//     };
//
// A statistic registers in the process-wide registry on construction and
// leaves it on destruction. Dumps are ordered by name, so the same run gives
// byte-identical output. Time is passed in picoseconds (SystemC's default
// resolution), so this header needs no SystemC. Plain C++.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <iosfwd>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace ddisim::tlm {

class stat {
public:
    stat(const std::string& owner, const std::string& name, std::string unit, std::string desc);
    virtual ~stat();
    stat(const stat&) = delete;
    stat& operator=(const stat&) = delete;

    const std::string& name() const { return name_; } // "top.bus.reads"
    const std::string& unit() const { return unit_; }
    const std::string& desc() const { return desc_; }
    virtual const char* kind() const = 0;
    // Headline value (count, average, mean …) for summaries and CSV.
    virtual double value() const = 0;
    // Full detail (kind, unit, desc and the kind's fields).
    virtual void to_json(nlohmann::json& out) const = 0;
    virtual void reset() = 0;

private:
    std::string name_, unit_, desc_;
};

class counter final : public stat {
public:
    using stat::stat;
    void add(std::uint64_t n = 1) { v_ += n; }
    counter& operator++() { ++v_; return *this; }
    counter& operator+=(std::uint64_t n) { v_ += n; return *this; }
    std::uint64_t count() const { return v_; }
    const char* kind() const override { return "counter"; }
    double value() const override { return static_cast<double>(v_); }
    void to_json(nlohmann::json& out) const override;
    void reset() override { v_ = 0; }

private:
    std::uint64_t v_ = 0;
};

// Time-weighted average of a piecewise-constant level (utilisation, queue
// depth, outstanding requests): call set(now, level) whenever it changes and
// finish(now) once at the end of the run.
class time_average final : public stat {
public:
    using stat::stat;
    // Inline: models call it on every AT request and response.
    void set(std::uint64_t now_ps, double level) {
        advance(now_ps);
        level_ = level;
        max_ = std::max(max_, level);
    }
    void add(std::uint64_t now_ps, double delta) { set(now_ps, level_ + delta); }
    void finish(std::uint64_t now_ps);
    double level() const { return level_; }
    double max() const { return max_; }
    // The area (level × ps) from time 0 to now_ps; no further than the last
    // change when that is later (an LT model sets levels at its local time,
    // which may run ahead of the kernel's).
    double area_at(std::uint64_t now_ps) const {
        return now_ps > last_ps_ ? area_ + level_ * static_cast<double>(now_ps - last_ps_) : area_;
    }
    const char* kind() const override { return "time_average"; }
    double value() const override; // the average
    void to_json(nlohmann::json& out) const override;
    void reset() override;

private:
    void advance(std::uint64_t now_ps) {
        if (!started_) {
            // The level was 0 from the start of the run (time 0) until its
            // first change, and that time counts in the average: a resource
            // first used late in the run was idle before.
            started_ = true;
            start_ps_ = last_ps_ = 0;
        }
        if (now_ps > last_ps_) {
            area_ += level_ * static_cast<double>(now_ps - last_ps_);
            last_ps_ = now_ps;
        }
    }
    double level_ = 0, max_ = 0, area_ = 0; // area in level·ps
    std::uint64_t start_ps_ = 0, last_ps_ = 0;
    bool started_ = false;
};

// Distribution with exact count/sum/min/max and percentiles from log-linear
// buckets (128 sub-buckets per power of two: under 0.8 % relative error).
class histogram final : public stat {
public:
    using stat::stat;
    // Inline: every model adds on its per-transaction path. The common case
    // (not the first sample, bucket already allocated, not NaN) stays here;
    // a repeat of the previous sample (an unloaded latency, a fixed size)
    // needs neither its bucket nor the extremes worked out again.
    void add(double v) {
        if (v == last_v_) {
            ++n_;
            sum_ += v;
            ++buckets_[last_b_];
            return;
        }
        const std::uint32_t b = bucket_of(v);
        if (n_ == 0 || b >= buckets_.size() || v != v) return add_slow(v);
        min_ = v < min_ ? v : min_;
        max_ = v > max_ ? v : max_;
        ++n_;
        sum_ += v;
        ++buckets_[b];
        last_v_ = v;
        last_b_ = b;
    }
    // add(0.0) in one increment: the common "no wait" sample of a queueing
    // statistic. Zeros are counted apart and folded in by every reader (they
    // leave the sum unchanged), so the results equal those of add(0.0).
    void add_zero() { ++zeros_; }
    std::uint64_t count() const { return n_ + zeros_; }
    double mean() const { return count() ? sum_ / static_cast<double>(count()) : 0.0; }
    double min() const { return n_ ? (zeros_ && 0.0 < min_ ? 0.0 : min_) : 0.0; }
    double max() const { return n_ ? (zeros_ && 0.0 > max_ ? 0.0 : max_) : 0.0; }
    double sum() const { return sum_; }
    // p in [0, 100]; 0 when empty.
    double percentile(double p) const;
    const char* kind() const override { return "histogram"; }
    double value() const override { return mean(); }
    void to_json(nlohmann::json& out) const override;
    void reset() override;

private:
    // Log-linear bucket index: 128 linear sub-buckets per power of two, read
    // straight from the IEEE-754 bits (exponent and top 7 mantissa bits).
    // Bucket 0 holds zero (and negatives: statistics here are latencies,
    // sizes and depths) exactly; bucket 1 holds (0, 1]; the rest follow.
    static constexpr int sub_bits = 7;
    static std::uint32_t bucket_of(double v) {
        if (!(v > 0.0)) return 0;
        if (!(v > 1.0)) return 1;
        std::uint64_t bits;
        std::memcpy(&bits, &v, sizeof bits);
        const auto exp = static_cast<std::uint32_t>(bits >> 52) - 1023; // v in [2^exp, 2^(exp+1))
        const auto sub = static_cast<std::uint32_t>(bits >> (52 - sub_bits)) & ((1u << sub_bits) - 1);
        return ((exp << sub_bits) | sub) + 2;
    }
    static double bucket_mid(std::uint32_t b);
    void add_slow(double v);
    // Flat bucket array indexed by bucket number (grown on demand): add() is
    // on every model's hot path, so no tree lookup and no libm call.
    std::vector<std::uint64_t> buckets_;
    std::uint64_t n_ = 0;     // samples through add()
    std::uint64_t zeros_ = 0; // samples through add_zero() (bucket 0)
    double sum_ = 0, min_ = 0, max_ = 0;
    // The previous sample through add() and its bucket (NaN: none yet; NaN
    // compares unequal to everything, samples included).
    double last_v_ = std::numeric_limits<double>::quiet_NaN();
    std::uint32_t last_b_ = 0;
};

// A value computed from others at dump time (hit rate, bandwidth …).
class formula final : public stat {
public:
    formula(const std::string& owner, const std::string& name, std::string unit, std::string desc,
            std::function<double()> f);
    const char* kind() const override { return "formula"; }
    double value() const override { return f_ ? f_() : 0.0; }
    void to_json(nlohmann::json& out) const override;
    void reset() override {}

private:
    std::function<double()> f_;
};

// The process-wide registry. Names must be unique; a duplicate gets a numeric
// suffix and a warning entry (never a silent overwrite).
class stats_registry {
public:
    static stats_registry& instance();
    void add(stat* s);
    void remove(stat* s);
    const stat* find(const std::string& name) const;
    std::vector<const stat*> all() const; // sorted by name
    // Calls time_average::finish on every time average.
    void finish(std::uint64_t now_ps);
    void reset_all();

    nlohmann::json to_json() const;            // {"name": {kind, unit, desc, …}}
    void write_csv(std::ostream& os) const;    // name,kind,unit,value,count,mean,p50,p99,max,desc
    void write_text(std::ostream& os) const;   // aligned, human readable

private:
    std::map<std::string, stat*> by_name_;
};

} // namespace ddisim::tlm
