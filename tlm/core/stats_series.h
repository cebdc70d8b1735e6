// ddisim::tlm::stats_series — the statistics as a time series: one CSV row
// per sample, each covering the time since the previous one (the first,
// since time 0). Columns, in name order after `time_ns` (the sample's time):
//
//   counter        NAME          its increase over the interval
//   time_average   NAME          its average over the interval
//   histogram      NAME.count    samples added over the interval
//                  NAME.mean     their mean (empty when there were none)
//
// Formulas are left out: they are computed from the others over the whole
// run, and their inputs are in the series. The columns are the statistics
// registered at the first sample; one that has left the registry by a later
// sample gets empty cells. When the trace-event recorder is on, every cell
// is also a counter sample (same name, `.count` / `.mean` for histograms) at
// the interval's start. Plain C++, like stats.h.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace ddisim::tlm {

class stats_series {
public:
    explicit stats_series(std::ostream& os) : os_(os) {}
    // A row for the interval that ends at now_ps (the header first, at the
    // first call). A call at or before the previous sample's time writes
    // nothing.
    void sample(std::uint64_t now_ps);
    std::uint64_t rows() const { return rows_; }

private:
    struct column {
        std::string name;
        unsigned cells = 1;   // 2 for a histogram
        std::uint64_t n = 0;  // at the previous sample: a counter's value, a histogram's count
        double x = 0;         // a time average's area, a histogram's sum
    };
    std::ostream& os_;
    std::vector<column> cols_;
    std::uint64_t last_ps_ = 0, rows_ = 0;
    bool started_ = false;
};

} // namespace ddisim::tlm
