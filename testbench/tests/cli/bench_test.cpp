// `ddisim bench` as a user runs it: the table's rounds and ratios (speed
// itself is measured, never asserted). Each case starts ddisim as a child
// process.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "run_helpers.h"

using namespace ddisim::test;

TEST_CASE("bench: rounds pair each measurement with its ceilings, and the ratios are the figures' own") {
    // Speed itself is never asserted; the table's arithmetic is.
    const std::string only = "--only raw_b_transport_per_s raw_b_transport_2hop_per_s bus_lt_per_s";
    const auto r = run_ddisim("bench --json --repeat 1 --seconds 0.05 " + only, false);
    INFO(r.out);
    REQUIRE(r.status == 0);
    const auto j = nlohmann::json::parse(r.out);
    const double raw = j["raw_b_transport_per_s"], two = j["raw_b_transport_2hop_per_s"], bus = j["bus_lt_per_s"];
    REQUIRE(raw > 0);
    REQUIRE(two > 0);
    REQUIRE(bus > 0);
    // One round: each ratio is exactly that round's figures' ratio.
    CHECK(j["ratios"]["bus_lt_per_s_over_raw_b_transport_per_s"].get<double>() == Approx(bus / raw));
    CHECK(j["ratios"]["raw_b_transport_2hop_per_s_over_raw_b_transport_per_s"].get<double>() == Approx(two / raw));
    CHECK(j["ratios"]["bus_lt_per_s_cost_over_raw_b_transport_2hop_per_s"].get<double>() == Approx(two / bus));
    CHECK(j["targets_met"].is_boolean());
    CHECK(j["repeat"] == 1);
    // The table form runs the rounds in order, every measurement once per round.
    const auto t = run_ddisim("bench --repeat 2 --seconds 0.05 " + only);
    REQUIRE(t.status == 0);
    const auto first2 = t.out.find("round 2/2");
    REQUIRE(first2 != std::string::npos);
    CHECK(t.out.find("round 1/2: raw_b_transport_per_s") < t.out.find("round 1/2: bus_lt_per_s"));
    CHECK(t.out.find("round 1/2: bus_lt_per_s") < first2);
    CHECK(t.out.find("cost per transaction over raw_b_transport_2hop_per_s") != std::string::npos);
}
