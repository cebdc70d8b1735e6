#include "tlm/core/trace_events.h"

#include <algorithm>
#include <cmath>
#include <ostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace ddisim::tlm {

trace_events& trace_events::instance() {
    static trace_events t;
    return t;
}

std::uint32_t trace_events::track(const std::string& name) {
    auto it = std::find(tracks_.begin(), tracks_.end(), name);
    if (it != tracks_.end()) return static_cast<std::uint32_t>(it - tracks_.begin());
    tracks_.push_back(name);
    return static_cast<std::uint32_t>(tracks_.size() - 1);
}

void trace_events::slice(std::uint32_t track, const char* name, std::uint64_t b, std::uint64_t e,
                         std::uint64_t bytes, std::uint64_t address) {
    if (!enabled_) return;
    if (events_.size() + counters_.size() >= limit_) {
        ++dropped_;
        return;
    }
    events_.push_back({track, name, b, std::max(b, e), bytes, address, false});
}

void trace_events::instant(std::uint32_t track, const char* name, std::uint64_t at) {
    if (!enabled_) return;
    if (events_.size() + counters_.size() >= limit_) {
        ++dropped_;
        return;
    }
    events_.push_back({track, name, at, at, 0, 0, true});
}

void trace_events::counter(const std::string& name, std::uint64_t at, double value) {
    if (!enabled_ || !std::isfinite(value)) return; // JSON has no NaN
    if (events_.size() + counters_.size() >= limit_) {
        ++dropped_;
        return;
    }
    auto [it, added] = counter_ids_.try_emplace(name, static_cast<std::uint32_t>(counter_names_.size()));
    if (added) counter_names_.push_back(name);
    counters_.push_back({it->second, at, value});
}

void trace_events::clear() {
    events_.clear();
    tracks_.clear();
    counters_.clear();
    counter_ids_.clear();
    counter_names_.clear();
    dropped_ = 0;
}

namespace {
// Microseconds with picosecond precision, printed exactly (no float rounding).
std::string us(std::uint64_t ps) { return fmt::format("{}.{:06d}", ps / 1'000'000, ps % 1'000'000); }
} // namespace

void trace_events::write(std::ostream& os) const {
    os << "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"generator\":\"ddisim\",\"dropped_events\":" << dropped_
       << "},\"traceEvents\":[\n";
    bool first = true;
    auto sep = [&] {
        if (!first) os << ",\n";
        first = false;
    };
    sep();
    os << R"({"ph":"M","pid":1,"tid":0,"name":"process_name","args":{"name":"ddisim"}})";
    for (std::size_t i = 0; i < tracks_.size(); ++i) {
        sep();
        os << R"({"ph":"M","pid":1,"tid":)" << i + 1 << R"(,"name":"thread_name","args":{"name":)"
           << nlohmann::json(tracks_[i]).dump() << "}}";
        sep();
        os << R"({"ph":"M","pid":1,"tid":)" << i + 1 << R"(,"name":"thread_sort_index","args":{"sort_index":)" << i
           << "}}";
    }
    for (const auto& e : events_) {
        sep();
        if (e.instant) {
            os << R"({"ph":"i","s":"t","pid":1,"tid":)" << e.track + 1 << ",\"ts\":" << us(e.begin_ps)
               << ",\"name\":" << nlohmann::json(e.name).dump() << "}";
        } else {
            os << R"({"ph":"X","pid":1,"tid":)" << e.track + 1 << ",\"ts\":" << us(e.begin_ps)
               << ",\"dur\":" << us(e.end_ps - e.begin_ps) << ",\"name\":" << nlohmann::json(e.name).dump()
               << ",\"args\":{\"bytes\":" << e.bytes << ",\"address\":\"" << fmt::format("{:#x}", e.address)
               << "\"}}";
        }
    }
    for (const auto& c : counters_) {
        sep();
        os << R"({"ph":"C","pid":1,"ts":)" << us(c.at_ps) << ",\"name\":" << nlohmann::json(counter_names_[c.name]).dump()
           << ",\"args\":{\"value\":" << fmt::format("{:.6g}", c.value) << "}}";
    }
    os << "\n]}\n";
}

} // namespace ddisim::tlm
