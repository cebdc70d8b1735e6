#include "tlm/core/stats_series.h"

#include <ostream>

#include <fmt/format.h>

#include "tlm/core/stats.h"
#include "tlm/core/trace_events.h"

namespace ddisim::tlm {

namespace {
std::string num(double v) { return fmt::format("{:.6g}", v); }

// ps as ns, exactly: 1500 → "1.5", 2000000 → "2000".
std::string ns(std::uint64_t ps) {
    std::string s = std::to_string(ps / 1000);
    if (const std::uint64_t f = ps % 1000) {
        std::string frac = fmt::format("{:03}", f);
        while (frac.back() == '0') frac.pop_back();
        s += "." + frac;
    }
    return s;
}
} // namespace

void stats_series::sample(std::uint64_t now_ps) {
    auto& reg = stats_registry::instance();
    if (!started_) {
        started_ = true;
        os_ << "time_ns";
        for (const stat* s : reg.all()) {
            if (dynamic_cast<const formula*>(s)) continue;
            const bool hist = dynamic_cast<const histogram*>(s) != nullptr;
            cols_.push_back({s->name(), hist ? 2u : 1u});
            if (hist) os_ << ',' << s->name() << ".count," << s->name() << ".mean";
            else os_ << ',' << s->name();
        }
        os_ << '\n';
    }
    if (now_ps <= last_ps_) return;
    const double span = static_cast<double>(now_ps - last_ps_);
    // With --trace, each cell is also a counter sample at the interval's
    // start (Perfetto holds it until the next).
    auto& trace = trace_events::instance();
    const bool traced = trace.enabled();
    os_ << ns(now_ps);
    for (auto& c : cols_) {
        const stat* s = reg.find(c.name);
        if (const auto* k = dynamic_cast<const counter*>(s)) {
            const std::uint64_t d = k->count() >= c.n ? k->count() - c.n : k->count(); // (reset: from 0)
            os_ << ',' << d;
            if (traced) trace.counter(c.name, last_ps_, static_cast<double>(d));
            c.n = k->count();
        } else if (const auto* t = dynamic_cast<const time_average*>(s)) {
            const double area = t->area_at(now_ps), avg = (area - c.x) / span;
            os_ << ',' << num(avg);
            if (traced) trace.counter(c.name, last_ps_, avg);
            c.x = area;
        } else if (const auto* h = dynamic_cast<const histogram*>(s)) {
            const std::uint64_t n = h->count();
            if (n < c.n) c.n = 0, c.x = 0; // reset since
            os_ << ',' << n - c.n << ',';
            if (traced) trace.counter(c.name + ".count", last_ps_, static_cast<double>(n - c.n));
            if (n > c.n) {
                const double mean = (h->sum() - c.x) / static_cast<double>(n - c.n);
                os_ << num(mean);
                if (traced) trace.counter(c.name + ".mean", last_ps_, mean);
            }
            c.n = n;
            c.x = h->sum();
        } else {
            for (unsigned k = 0; k < c.cells; ++k) os_ << ','; // gone from the registry
        }
    }
    os_ << '\n';
    last_ps_ = now_ps;
    ++rows_;
}

} // namespace ddisim::tlm
