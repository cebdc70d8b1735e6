// The sanitizer build's own checks (built and run in that build only): that
// LeakSanitizer reports leaks in a SystemC design whose coroutines switch
// and end (testbench/sanitize/systemc_coroutines.cpp).
#include <catch2/catch.hpp>

#include <string>

#include "run_helpers.h"

using ddisim::test::proc_result;
using ddisim::test::run_shell;

namespace {
bool has(const std::string& s, const std::string& what) { return s.find(what) != std::string::npos; }
} // namespace

TEST_CASE("sanitize: LeakSanitizer reports blocks leaked after coroutine switches, and only those") {
    // The environment's ASAN_OPTIONS would take precedence over the build's
    // defaults: run the probe without them.
    const proc_result r = run_shell(std::string("env -u ASAN_OPTIONS -u LSAN_OPTIONS '") + DDISIM_LEAK_PROBE + "'");
    INFO(r.out);
    CHECK(r.status != 0);
    CHECK(has(r.out, "ERROR: LeakSanitizer: detected memory leaks"));
    CHECK_FALSE(has(r.out, "Tracer caught signal"));
    CHECK_FALSE(has(r.out, "LeakSanitizer has encountered a fatal error"));
    // Each planted block, with the function that allocated it.
    CHECK(has(r.out, "Direct leak of 1001 byte(s) in 1 object(s)"));
    CHECK(has(r.out, "Direct leak of 1002 byte(s) in 1 object(s)"));
    CHECK(has(r.out, "Direct leak of 1003 byte(s) in 1 object(s)"));
    CHECK(has(r.out, "leak_in_thread_after_ended_one"));
    CHECK(has(r.out, "leak_in_method"));
    CHECK(has(r.out, "leak_in_sc_main_after_sc_start"));
    // Nothing else: SystemC's and the design's own blocks are all reachable.
    CHECK(has(r.out, "SUMMARY: AddressSanitizer: 3006 byte(s) leaked in 3 allocation(s)."));
}

// A run stopped by run.duration leaves the software thread suspended inside a
// driver or a workload; the platform unwinds it (tlm::end_threads), so what
// its frames own is freed and LeakSanitizer has nothing to report.
TEST_CASE("sanitize: runs cut short by run.duration leak nothing: mid-attach, mid-copy, mid-I/O, LT and AT") {
    const std::string src = DDISIM_SOURCE_DIR;
    const char* cases[] = {
        "scenarios/hba-hdd-ssd.yaml --set run.duration=3us",        // drivers attaching
        "scenarios/bus-traffic-memcpy.yaml --set run.duration=3us", // copies in flight
        "--fio scenarios/randread-4k-qd32.fio --set run.duration=40us", // I/Os in flight
        // a RAM disk: in AT the HBA's workers are inside a command's steps
        "--fio scenarios/randread-4k-qd32.fio --set platform.hba.targets.0.kind=ram --set run.duration=5ms",
    };
    for (const char* c : cases)
        for (const char* timing : {"lt", "at"}) {
            const std::string out = std::string(DDISIM_BINARY_DIR) + "/test-scratch/sanitize_cut_short";
            const std::string cmd = "cd '" + src + "' && env -u ASAN_OPTIONS -u LSAN_OPTIONS '" + DDISIM_EXECUTABLE +
                                    "' run --quiet " + c + " --set run.timing=" + timing + " --out '" + out + "'";
            const proc_result r = run_shell(cmd);
            INFO(cmd << "\n" << r.out);
            CHECK(r.status == 0);
            CHECK_FALSE(has(r.out, "LeakSanitizer"));
            CHECK_FALSE(has(r.out, "AddressSanitizer"));
        }
}
