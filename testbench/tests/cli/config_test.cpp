// `ddisim config` as a user runs it: --check (the loader's per-key checks and
// the platform's cross-key ones), --dump. Each case starts ddisim as a child.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "run_helpers.h"

using namespace ddisim::test;

namespace {
std::string write(const std::string& test, const std::string& text) {
    const auto d = scratch(test);
    const auto f = d / "s.yaml";
    std::ofstream(f) << text;
    return f.string();
}
} // namespace

TEST_CASE("config: --check accepts the shipped scenarios and the documentation's examples") {
    int files = 0;
    for (const char* dir : {"/scenarios", "/docs/examples"})
        for (const auto& e : std::filesystem::directory_iterator(std::string(DDISIM_SOURCE_DIR) + dir)) {
            if (e.path().extension() != ".yaml") continue;
            const auto r = run_ddisim("config --check '" + e.path().string() + "'");
            INFO(r.out);
            CHECK(r.status == 0);
            CHECK(r.out.find(e.path().filename().string() + ": ok") != std::string::npos);
            ++files;
        }
    CHECK(files >= 8);
}

namespace {
// config --check on `text` fails with status 2 and `message` after the file's path.
std::string check_refused(const std::string& test, const std::string& text, const std::string& message) {
    const auto f = write(test, text);
    const auto r = run_ddisim("config --check '" + f + "'");
    INFO(r.out);
    CHECK(r.status == 2);
    CHECK(r.out.find(f + message) != std::string::npos);
    return f;
}
} // namespace

TEST_CASE("config: --check refuses an unknown key with file, line, column and a suggestion") {
    check_refused("config_unknown", "platform:\n  memory:\n    latncy: 50ns\n",
                  ":3:5: platform.memory.latncy: unknown key (did you mean 'latency'?)");
}

TEST_CASE("config: --check runs the cross-key checks too, naming where the key was given") {
    const auto f = check_refused("config_cross", "workload:\n  kind: memcpy\nplatform:\n  dmac:\n    present: false\n",
                                 ":2:3: workload.kind is memcpy but platform.dmac.present is false");
    // resolved through --set
    const auto s = run_ddisim("config --check '" + f + "' --set platform.dmac.present=true");
    INFO(s.out);
    CHECK(s.status == 0);
}

TEST_CASE("config: --check notes a clock that runs at the nearest whole picosecond, naming where it was given") {
    const auto f = write("config_clock", "platform:\n  bus:\n    clock: 1.5GHz\n  memory:\n    clock: 800MHz\n");
    const auto r = run_ddisim("config --check '" + f + "' --set platform.memory.clock=3GHz");
    INFO(r.out);
    CHECK(r.status == 0);
    CHECK(r.out.find(f + ": ok") != std::string::npos);
    CHECK(r.out.find("note: " + f +
                     ":3:5: platform.bus.clock: 1.5GHz has a period of 666.667 ps, simulated as 667 ps (1.49925GHz)") !=
          std::string::npos);
    CHECK(r.out.find("note: --set 'platform.memory.clock=3GHz': platform.memory.clock: 3GHz has a period of 333.333 ps, "
                     "simulated as 333 ps (3.003GHz)") != std::string::npos);
    // whole picoseconds: no note
    const auto q = run_ddisim("config --check '" + f + "' --set platform.bus.clock=2GHz --set platform.memory.clock=800MHz");
    INFO(q.out);
    CHECK(q.status == 0);
    CHECK(q.out.find("note:") == std::string::npos);
}

TEST_CASE("config: --dump prints a scenario that --check accepts") {
    const auto d = scratch("config_dump");
    const auto dump = run_ddisim("config --dump --set platform.bus.clock=2GHz", false);
    REQUIRE(dump.status == 0);
    CHECK(dump.out.find("clock: 2GHz") != std::string::npos);
    std::ofstream(d / "dump.yaml") << dump.out;
    const auto r = run_ddisim("config --check '" + (d / "dump.yaml").string() + "'");
    INFO(r.out);
    CHECK(r.status == 0);
}
