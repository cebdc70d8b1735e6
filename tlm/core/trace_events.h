// ddisim::tlm::trace_events — a Chrome/Perfetto trace-event recorder.
//
// One track (thread) per component, one complete slice ("ph": "X") per
// transaction or I/O. Recording is off unless enabled (one branch per call
// when off). write() emits {"traceEvents": [...], "displayTimeUnit": "ns"}
// with timestamps in microseconds as the format requires (fractional, so
// picosecond times survive). Plain C++, no SystemC.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

namespace ddisim::tlm {

class trace_events {
public:
    static trace_events& instance();
    void enable(bool on) { enabled_ = on; }
    bool enabled() const { return enabled_; }

    // Returns the id of the track named `track` (created on first use).
    std::uint32_t track(const std::string& track);
    // A slice [begin, end) on a track; args is an optional flat JSON object text.
    void slice(std::uint32_t track, const char* name, std::uint64_t begin_ps, std::uint64_t end_ps,
               std::uint64_t bytes = 0, std::uint64_t address = 0);
    // An instant event (fault, interrupt …).
    void instant(std::uint32_t track, const char* name, std::uint64_t at_ps);
    // A counter sample: Perfetto draws one graph per name, holding `value`
    // from at_ps to the name's next sample (run.stats_interval's series).
    void counter(const std::string& name, std::uint64_t at_ps, double value);
    std::size_t counter_samples() const { return counters_.size(); }
    // Events beyond this many are dropped and counted (the file says so).
    void set_limit(std::size_t max_events) { limit_ = max_events; }
    std::size_t size() const { return events_.size(); }
    std::size_t dropped() const { return dropped_; }
    void write(std::ostream& os) const;
    void clear();

private:
    struct event {
        std::uint32_t track;
        const char* name;
        std::uint64_t begin_ps, end_ps, bytes, address;
        bool instant;
    };
    bool enabled_ = false;
    std::size_t limit_ = 5'000'000;
    std::size_t dropped_ = 0;
    std::vector<std::string> tracks_;
    std::vector<event> events_;
    struct counter_sample {
        std::uint32_t name;
        std::uint64_t at_ps;
        double value;
    };
    std::map<std::string, std::uint32_t> counter_ids_;
    std::vector<std::string> counter_names_;
    std::vector<counter_sample> counters_;
};

} // namespace ddisim::tlm
