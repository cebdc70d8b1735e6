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
};

} // namespace ddisim::tlm
