#include "testbench/platform/progress.h"

#include <cstdio>
#include <unistd.h>

#include <fmt/format.h>

#include "tlm/core/params.h"

namespace ddisim::platform {

progress_bar::progress_bar(bool enabled)
    : enabled_(enabled), start_(std::chrono::steady_clock::now()), last_(start_) {}

bool progress_bar::stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

std::string format_duration_s(double s) {
    if (s < 0) return "?";
    if (s < 60) return fmt::format("{:.0f}s", s);
    if (s < 3600) return fmt::format("{}m{:02d}s", static_cast<int>(s / 60), static_cast<int>(s) % 60);
    return fmt::format("{}h{:02d}m", static_cast<int>(s / 3600), (static_cast<int>(s) / 60) % 60);
}

void progress_bar::update(double fraction, std::uint64_t now_ps, const std::string& note) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (drawn_ && now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    drawn_ = true;
    const double wall = std::chrono::duration<double>(now - start_).count();
    std::string bar;
    if (fraction >= 0) {
        const int width = 30, fill = static_cast<int>(fraction * width + 0.5);
        bar = "[" + std::string(fill, '#') + std::string(width - fill, '.') + "]";
        const double eta = fraction > 0.001 ? wall * (1 - fraction) / fraction : -1;
        bar += fmt::format(" {:5.1f}%  ETA {}", 100 * fraction, format_duration_s(eta));
    }
    std::fprintf(stderr, "\r\033[K%s  sim %s  wall %s %s", bar.c_str(), tlm::format_time_readable(now_ps).c_str(),
                 format_duration_s(wall).c_str(), note.c_str());
    std::fflush(stderr);
}

void progress_bar::finish() {
    if (enabled_ && drawn_) {
        std::fprintf(stderr, "\r\033[K");
        std::fflush(stderr);
    }
}

} // namespace ddisim::platform
