#include "tlm/core/stats.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iomanip>
#include <ostream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace ddisim::tlm {

namespace {
std::string join_name(const std::string& owner, const std::string& name) {
    return owner.empty() ? name : owner + "." + name;
}

} // namespace

double histogram::bucket_mid(std::uint32_t b) {
    if (b == 0) return 0.0;
    if (b == 1) return 0.5;
    b -= 2;
    const int e = static_cast<int>(b >> sub_bits);
    const double s = b & ((1u << sub_bits) - 1);
    const double lo = std::ldexp(1.0 + s / (1 << sub_bits), e);
    const double hi = std::ldexp(1.0 + (s + 1) / (1 << sub_bits), e);
    return (lo + hi) / 2.0;
}

stat::stat(const std::string& owner, const std::string& name, std::string unit, std::string desc)
    : name_(join_name(owner, name)), unit_(std::move(unit)), desc_(std::move(desc)) {
    stats_registry::instance().add(this);
}

stat::~stat() { stats_registry::instance().remove(this); }

static void common_json(const stat& s, nlohmann::json& out) {
    out["kind"] = s.kind();
    out["unit"] = s.unit();
    out["desc"] = s.desc();
}

void counter::to_json(nlohmann::json& out) const {
    common_json(*this, out);
    out["value"] = v_;
}

void time_average::finish(std::uint64_t now_ps) { advance(now_ps); }

double time_average::value() const {
    const auto span = last_ps_ - start_ps_;
    return span ? area_ / static_cast<double>(span) : level_;
}

void time_average::to_json(nlohmann::json& out) const {
    common_json(*this, out);
    out["average"] = value();
    out["max"] = max_;
    out["span_ps"] = last_ps_ - start_ps_;
}

void time_average::reset() {
    level_ = max_ = area_ = 0;
    start_ps_ = last_ps_ = 0;
    started_ = false;
}

void histogram::add_slow(double v) {
    if (std::isnan(v)) return;
    if (n_ == 0) {
        min_ = max_ = v;
    } else {
        min_ = std::min(min_, v);
        max_ = std::max(max_, v);
    }
    ++n_;
    sum_ += v;
    const auto b = bucket_of(v);
    if (b >= buckets_.size()) buckets_.resize(b + 1);
    ++buckets_[b];
    last_v_ = v;
    last_b_ = b;
}

double histogram::percentile(double p) const {
    const std::uint64_t n = count();
    if (n == 0) return 0.0;
    p = std::clamp(p, 0.0, 100.0);
    // Rank of the wanted sample (1-based, nearest-rank definition).
    const auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(n))));
    const double lo = min(), hi = max();
    std::uint64_t seen = zeros_; // bucket 0's samples from add_zero()
    for (std::uint32_t b = 0; b < buckets_.size(); ++b) {
        seen += buckets_[b];
        if (seen >= rank) return std::clamp(bucket_mid(b), lo, hi);
    }
    return buckets_.empty() ? std::clamp(bucket_mid(0), lo, hi) : hi; // only zeros, or (never) past the end
}

void histogram::to_json(nlohmann::json& out) const {
    common_json(*this, out);
    out["count"] = count();
    out["mean"] = mean();
    out["min"] = min();
    out["max"] = max();
    nlohmann::json pct = nlohmann::json::object();
    for (double p : {1.0, 5.0, 10.0, 50.0, 90.0, 95.0, 99.0, 99.9, 99.99})
        pct[fmt::format("{:.2f}", p)] = percentile(p);
    out["percentiles"] = std::move(pct);
}

void histogram::reset() {
    buckets_.clear();
    n_ = zeros_ = 0;
    sum_ = min_ = max_ = 0;
    last_v_ = std::numeric_limits<double>::quiet_NaN();
    last_b_ = 0;
}

formula::formula(const std::string& owner, const std::string& name, std::string unit, std::string desc,
                 std::function<double()> f)
    : stat(owner, name, std::move(unit), std::move(desc)), f_(std::move(f)) {}

void formula::to_json(nlohmann::json& out) const {
    common_json(*this, out);
    out["value"] = value();
}

stats_registry& stats_registry::instance() {
    static stats_registry r;
    return r;
}

void stats_registry::add(stat* s) {
    std::string n = s->name();
    if (by_name_.count(n)) {
        // Two objects with one name would make dumps ambiguous; keep both and
        // make the clash visible instead of overwriting one of them.
        int i = 2;
        while (by_name_.count(n + "#" + std::to_string(i))) ++i;
        n += "#" + std::to_string(i);
    }
    by_name_[n] = s;
}

void stats_registry::remove(stat* s) {
    for (auto it = by_name_.begin(); it != by_name_.end(); ++it) {
        if (it->second == s) {
            by_name_.erase(it);
            return;
        }
    }
}

const stat* stats_registry::find(const std::string& name) const {
    auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : it->second;
}

std::vector<const stat*> stats_registry::all() const {
    std::vector<const stat*> v;
    v.reserve(by_name_.size());
    for (const auto& [n, s] : by_name_) v.push_back(s);
    return v;
}

void stats_registry::finish(std::uint64_t now_ps) {
    for (auto& [n, s] : by_name_)
        if (auto* t = dynamic_cast<time_average*>(s)) t->finish(now_ps);
}

void stats_registry::reset_all() {
    for (auto& [n, s] : by_name_) s->reset();
}

nlohmann::json stats_registry::to_json() const {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [n, s] : by_name_) {
        nlohmann::json e;
        s->to_json(e);
        j[n] = std::move(e);
    }
    return j;
}

namespace {
std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string o = "\"";
    for (char c : s) {
        if (c == '"') o += '"';
        o += c;
    }
    return o + "\"";
}
std::string num(double v) { return fmt::format("{:.6g}", v); }
} // namespace

void stats_registry::write_csv(std::ostream& os) const {
    os << "name,kind,unit,value,count,mean,p50,p99,max,desc\n";
    for (const auto& [n, s] : by_name_) {
        os << csv_field(n) << ',' << s->kind() << ',' << csv_field(s->unit()) << ',' << num(s->value()) << ',';
        if (const auto* h = dynamic_cast<const histogram*>(s)) {
            os << h->count() << ',' << num(h->mean()) << ',' << num(h->percentile(50)) << ','
               << num(h->percentile(99)) << ',' << num(h->max());
        } else if (const auto* t = dynamic_cast<const time_average*>(s)) {
            os << ",," << ",," << num(t->max());
        } else {
            os << ",,,,";
        }
        os << ',' << csv_field(s->desc()) << '\n';
    }
}

void stats_registry::write_text(std::ostream& os) const {
    std::size_t w = 0;
    for (const auto& [n, s] : by_name_) w = std::max(w, n.size());
    for (const auto& [n, s] : by_name_) {
        os << fmt::format("  {:<{}}  ", n, w);
        if (const auto* h = dynamic_cast<const histogram*>(s)) {
            os << fmt::format("n={} mean={} p50={} p99={} max={} {}", h->count(), num(h->mean()),
                              num(h->percentile(50)), num(h->percentile(99)), num(h->max()), s->unit());
        } else if (const auto* t = dynamic_cast<const time_average*>(s)) {
            os << fmt::format("avg={} max={} {}", num(t->value()), num(t->max()), s->unit());
        } else {
            os << fmt::format("{} {}", num(s->value()), s->unit());
        }
        os << "  # " << s->desc() << '\n';
    }
}

} // namespace ddisim::tlm
