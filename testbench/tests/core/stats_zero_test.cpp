// histogram::add_zero (a zero sample counted apart, folded in by the readers)
// must leave a histogram indistinguishable from one fed add(0.0): same count,
// mean, min, max, percentiles and JSON dump, whatever the order of zeros and
// other samples.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tlm/core/stats.h"

using namespace ddisim::tlm;

namespace {
// Feeds `samples` (0 = a zero) to two histograms, one through add(0.0) and one
// through add_zero(), and returns their JSON dumps without the name fields.
std::pair<nlohmann::json, nlohmann::json> both(const std::string& tag, const std::vector<double>& samples) {
    histogram a("zero_test.plain", tag, "ns", "d"), b("zero_test.fast", tag, "ns", "d");
    for (double v : samples) {
        a.add(v);
        if (v == 0.0) b.add_zero();
        else b.add(v);
    }
    nlohmann::json ja, jb;
    a.to_json(ja);
    b.to_json(jb);
    CHECK(a.count() == b.count());
    CHECK(a.mean() == b.mean());
    CHECK(a.min() == b.min());
    CHECK(a.max() == b.max());
    for (double p : {0.0, 10.0, 50.0, 90.0, 99.0, 100.0}) CHECK(a.percentile(p) == b.percentile(p));
    return {ja, jb};
}
} // namespace

TEST_CASE("stats: add_zero gives the same histogram as add(0.0) in any order") {
    const std::vector<std::vector<double>> cases = {
        {0, 0, 0},                      // only zeros
        {0, 0, 5.5, 48, 0, 1200, 0.25}, // zeros first
        {7, 3, 0, 0, 0, 0},             // zeros after other samples: min becomes 0
        {0.5, 2, 9},                    // no zeros
        {},                             // empty
    };
    int k = 0;
    for (const auto& c : cases) {
        const auto [ja, jb] = both("case" + std::to_string(k++), c);
        CHECK(ja == jb);
    }
    // The zeros really are counted: 6 samples, 4 of them zero, median 0.
    histogram h("zero_test.count", "h", "ns", "d");
    h.add(7);
    h.add(3);
    for (int i = 0; i < 4; ++i) h.add_zero();
    CHECK(h.count() == 6);
    CHECK(h.min() == 0);
    CHECK(h.percentile(50) == 0);
    CHECK(h.mean() == Approx(10.0 / 6));
    h.reset();
    CHECK(h.count() == 0);
}
