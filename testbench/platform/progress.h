// A one-line progress bar for long runs: simulated time, percentage and ETA,
// redrawn at most every 200 ms on stderr. Shown only when stderr is a
// terminal and not --quiet; it never affects the simulation (the run is
// sliced identically with or without it, so results stay bit-identical).
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace ddisim::platform {

class progress_bar {
public:
    explicit progress_bar(bool enabled);
    static bool stderr_is_terminal();
    // fraction in [0,1] (negative = unknown); now_ps: simulated time.
    void update(double fraction, std::uint64_t now_ps, const std::string& note = "");
    void finish();
    bool enabled() const { return enabled_; }

private:
    bool enabled_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point start_, last_;
};

std::string format_duration_s(double seconds);

} // namespace ddisim::platform
