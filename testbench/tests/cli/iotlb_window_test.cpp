// `ddisim validate iotlb-window` (experiment 3's points) and the IOMMU's
// walker limit (platform.iommu.walkers): random 64 B reads, 16 in flight,
// over a 4 MiB window, so nearly every read misses the 64-entry IOTLB and
// walks one page-table level (the page-walk cache holds the rest). Each
// point is a child process.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "run_helpers.h"

using namespace ddisim::test;

namespace {
nlohmann::json point(unsigned walkers) {
    const auto r = run_ddisim("validate iotlb-window --window 4194304 --count 4000 --walkers " + std::to_string(walkers),
                              false);
    INFO(r.out);
    REQUIRE(r.status == 0);
    return nlohmann::json::parse(r.out);
}
double bw(const nlohmann::json& j) { return j["bandwidth_bytes_per_s"].get<double>(); }
} // namespace

TEST_CASE("validate iotlb-window: walkers bound the miss-bound throughput: one at a time, twice that with two, more "
          "without a limit") {
    const auto one = point(1), two = point(2), any = point(0);
    INFO("1 walker " << bw(one) / 1e9 << " GB/s, 2: " << bw(two) / 1e9 << ", no limit: " << bw(any) / 1e9);
    // The same reads miss whatever the walkers.
    REQUIRE(one["iotlb_misses"].get<double>() > 0.9 * one["translations"].get<double>());
    CHECK(two["iotlb_misses"] == one["iotlb_misses"]);
    CHECK(any["iotlb_misses"] == one["iotlb_misses"]);
    CHECK(one["errors"] == 0);
    CHECK(one["walkers"] == 1);
    // One walker: the walks follow one another, each one page-table read
    // (51.625 ns idle), so 64 B per walk time per miss.
    const double walk_ns = one["walk_latency_ns_mean"].get<double>();
    CHECK(walk_ns == Approx(51.625).epsilon(0.05));
    const double misses_per_read = one["iotlb_misses"].get<double>() / one["translations"].get<double>();
    CHECK(bw(one) == Approx(64.0 / (misses_per_read * walk_ns * 1e-9)).epsilon(0.03));
    CHECK(bw(two) / bw(one) == Approx(2.0).epsilon(0.06));
    CHECK(bw(any) > 3 * bw(one));
}
