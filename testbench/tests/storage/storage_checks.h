// Run-and-check helpers shared by the storage tests (LT and AT): run the
// random verify workload of storage_fixture.h on a built system, the
// invariants every clean run must meet, and sd statistics summed over its
// targets.
#pragma once
#include "storage_fixture.h"

namespace ddisim::test {

inline verify_result run_verify_now(st_system& s, const drivers::hba_drv_config& hc, const drivers::sd_config& sc,
                                    const verify_options& vo) {
    verify_result r;
    s.sw->body = [&] { r = run_verify(s, hc, sc, vo); };
    sc_core::sc_start();
    return r;
}

// Everything that must hold after any clean run.
inline void check_clean(const verify_result& r, std::uint64_t ios) {
    INFO(r.first_problem);
    REQUIRE(r.hba_rc == DDI_SUCCESS);
    for (int rc : r.sd_rc) REQUIRE(rc == DDI_SUCCESS);
    CHECK(r.completed == ios);
    CHECK(r.mismatches == 0);
    CHECK(r.unexpected_errors == 0);
    CHECK(r.missed_errors == 0);
    CHECK(r.hba_outstanding_after == 0);
    CHECK(r.live_packets_after == 0);
    CHECK(r.reads > ios / 4);
    CHECK(r.writes > ios / 4);
}

inline std::uint64_t sd_total(const verify_result& r, std::uint64_t drivers::sd::stats::*f) {
    std::uint64_t n = 0;
    for (auto& s : r.sd_stats) n += s.*f;
    return n;
}

} // namespace ddisim::test
