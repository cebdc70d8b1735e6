// Scenario parsing, validation, --set, the reference and the dump.
#include "testbench/config/fio.h"
#include "testbench/config/scenario_loader.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <functional>

#include <fmt/format.h>
#include <fstream>
#include <sstream>

using namespace ddisim::config;

namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string source_dir() {
    if (const char* d = std::getenv("DDISIM_SOURCE_DIR")) return d;
    return DDISIM_SOURCE_DIR;
}

// The error a text gives; fails the test if it loads.
scenario_error error_of(const std::string& text, const std::vector<std::string>& sets = {}) {
    try {
        load_scenario_text(text, "scenarios/x.yaml", sets);
    } catch (const scenario_error& e) {
        return e;
    }
    FAIL("loaded without error: " << text);
    throw 0;
}

std::string what_of(const std::string& text, const std::vector<std::string>& sets = {}) {
    return error_of(text, sets).what();
}

} // namespace

TEST_CASE("scenario: an empty file gives the documented defaults") {
    scenario s = load_scenario_text("", "empty.yaml");
    CHECK(s.run.seed == 1);
    CHECK(s.run.timing == "lt");
    CHECK(s.run.quantum == 1000000);
    CHECK(s.run.duration == 0);
    CHECK(s.run.output == "out");
    CHECK(s.run.progress);
    CHECK(s.platform.traffic.empty());
    CHECK(s.platform.memory.low_size == (3ull << 30));
    CHECK(dump_yaml(s) == dump_yaml(scenario{}));
    CHECK(dump_yaml(load_scenario_text("# only a comment\n", "c.yaml")) == dump_yaml(scenario{}));
}

TEST_CASE("scenario: values in human units reach the config structs in canonical units") {
    scenario s = load_scenario_text(R"(
run:
  seed: 42
  timing: at
  quantum: 500ns
  duration: 2ms
  output: results/a
  progress: off
platform:
  memory:
    low_size: 2GiB
    latency: 50ns
    clock: 2.4GHz
    channels: 4
  bus:
    clock: 800MHz
    arbitration: fixed_priority
  traffic:
    - size: 8KiB
      rate: 600MB/s
      read_fraction: 0.25
    - pattern: random
      base: 0x1000
)",
                                    "a.yaml");
    CHECK(s.run.seed == 42);
    CHECK(s.run.timing == "at");
    CHECK(s.run.quantum == 500000);
    CHECK(s.run.duration == 2000000000ull);
    CHECK(s.run.output == "results/a");
    CHECK_FALSE(s.run.progress);
    CHECK(s.platform.memory.low_size == (2ull << 30));
    CHECK(s.platform.memory.latency == 50000);
    CHECK(s.platform.memory.clock == 2.4e9);
    CHECK(s.platform.memory.channels == 4);
    CHECK(s.platform.bus.clock == 800e6);
    CHECK(s.platform.bus.arbitration == "fixed_priority");
    REQUIRE(s.platform.traffic.size() == 2);
    CHECK(s.platform.traffic[0].size == 8192);
    CHECK(s.platform.traffic[0].rate == 4.8e9);
    CHECK(s.platform.traffic[0].read_fraction == 0.25);
    CHECK(s.platform.traffic[0].pattern == "sequential"); // default kept
    CHECK(s.platform.traffic[1].pattern == "random");
    CHECK(s.platform.traffic[1].base == 0x1000);
    CHECK(s.platform.traffic[1].size == 64); // default kept
}

TEST_CASE("errors: an unknown key names file, line, column, key path and the closest key") {
    auto e = error_of("platform:\n  memory:\n    latncy: 5ns\n");
    CHECK(std::string(e.what()) == "scenarios/x.yaml:3:5: platform.memory.latncy: unknown key (did you mean 'latency'?)");
    CHECK(e.file == "scenarios/x.yaml");
    CHECK(e.line == 3);
    CHECK(e.column == 5);
    CHECK(e.key_path == "platform.memory.latncy");
    CHECK(e.message == "unknown key (did you mean 'latency'?)");
    CHECK(what_of("runn:\n  seed: 1\n") == "scenarios/x.yaml:1:1: runn: unknown key (did you mean 'run'?)");
    CHECK(what_of("run:\n  colour: red\n") ==
          "scenarios/x.yaml:2:3: run.colour: unknown key (known here: seed, timing, quantum, duration, stall_timeout, stats_interval, stats_rows_max, output, "
          "progress, stats, waves, trace)");
    CHECK(what_of("platform:\n  traffic:\n    - sise: 4KiB\n") ==
          "scenarios/x.yaml:3:7: platform.traffic.0.sise: unknown key (did you mean 'size'?)");
}

TEST_CASE("errors: a wrong type shows what was expected and what was given") {
    CHECK(what_of("platform:\n  memory:\n    low_size: banana\n") ==
          "scenarios/x.yaml:3:15: platform.memory.low_size: expected a size such as 4KiB, got 'banana'");
    CHECK(what_of("run:\n  quantum: 10\n") ==
          "scenarios/x.yaml:2:12: run.quantum: '10' needs a unit, e.g. 10ns (units: ps, ns, us, ms, s)");
    CHECK(what_of("run:\n  seed: [1, 2]\n") == "scenarios/x.yaml:2:9: run.seed: expected a whole number, got a list");
    CHECK(what_of("run:\n  timing:\n") == "scenarios/x.yaml:2:3: run.timing: expected one of lt, at, got nothing");
    CHECK(what_of("run:\n  timing: tl\n") ==
          "scenarios/x.yaml:2:11: run.timing: expected one of lt, at, got 'tl' (did you mean 'lt'?)");
    CHECK(what_of("run:\n  progress: maybe\n") ==
          "scenarios/x.yaml:2:13: run.progress: expected true or false, got 'maybe'");
    CHECK(what_of("run: 5\n") == "scenarios/x.yaml:1:6: run: expected a mapping of keys, got '5'");
    CHECK(what_of("platform:\n  traffic: {size: 1}\n") ==
          "scenarios/x.yaml:2:12: platform.traffic: expected a list, got a mapping");
    CHECK(what_of("- a\n- b\n") ==
          "scenarios/x.yaml:1:1: a scenario must be a mapping (run:, platform:, \u2026), got a list");
}

TEST_CASE("errors: an out-of-range value names the bound in human units") {
    CHECK(what_of("platform:\n  memory:\n    low_size: 8GiB\n") ==
          "scenarios/x.yaml:3:15: platform.memory.low_size: must be \u2264 4GiB, got 8GiB");
    CHECK(what_of("platform:\n  memory:\n    channels: 0\n") ==
          "scenarios/x.yaml:3:15: platform.memory.channels: must be \u2265 1, got 0");
    CHECK(what_of("platform:\n  traffic:\n    - read_fraction: 1.5\n") ==
          "scenarios/x.yaml:3:22: platform.traffic.0.read_fraction: must be \u2264 1, got 1.5");
    CHECK(what_of("run:\n  quantum: 0\n") == "scenarios/x.yaml:2:12: run.quantum: must be \u2265 1ps, got 0ns");
    CHECK(what_of("run:\n  seed: -1\n") == "scenarios/x.yaml:2:9: run.seed: a count cannot be negative, got '-1'");
}

TEST_CASE("errors: a duplicate key points at the second one and names the first") {
    CHECK(what_of("run:\n  seed: 1\n  seed: 2\n") ==
          "scenarios/x.yaml:3:3: run.seed: duplicate key (first given at line 2)");
    CHECK(what_of("run: {seed: 1}\nplatform: {}\nrun: {}\n") ==
          "scenarios/x.yaml:3:1: run: duplicate key (first given at line 1)");
}

TEST_CASE("errors: YAML syntax errors keep yaml-cpp's line and column") {
    auto e = error_of("run:\n  seed: [1, 2\n");
    CHECK(e.key_path.empty());
    CHECK(e.line >= 2);
    CHECK(std::string(e.what()).starts_with("scenarios/x.yaml:"));
    CHECK(e.message.starts_with("YAML syntax error: "));
    auto tab = error_of("run:\n\tseed: 1\n");
    CHECK(tab.line == 2);
    CHECK(what_of("run: {}\n---\nrun: {}\n") ==
          "scenarios/x.yaml:2:1: only one YAML document is allowed in a scenario");
    CHECK(what_of("{[a]: 1}\n").ends_with("a key must be a plain name, not a list or mapping"));
    // yaml-cpp 0.7 would report endless empty documents for these.
    CHECK(what_of(",") == "scenarios/x.yaml:1:1: YAML syntax error: unexpected token");
    CHECK(what_of(",run: {}\n").starts_with("scenarios/x.yaml:1:1: "));
}

TEST_CASE("errors: a missing file is reported with its path") {
    try {
        load_scenario("/nonexistent/dir/x.yaml");
        FAIL("loaded");
    } catch (const scenario_error& e) {
        CHECK(std::string(e.what()) == "/nonexistent/dir/x.yaml: cannot open the file");
    }
    try {
        load_scenario(source_dir() + "/scenarios");
        FAIL("loaded a folder");
    } catch (const scenario_error& e) {
        CHECK(e.message == "is a folder, not a scenario file");
    }
}

TEST_CASE("errors: anchors are copied, but self-reference and alias bombs are rejected") {
    scenario s = load_scenario_text(R"(
platform:
  traffic:
    - &gen {size: 4KiB, outstanding: 4}
    - *gen
)",
                                    "a.yaml");
    REQUIRE(s.platform.traffic.size() == 2);
    CHECK(s.platform.traffic[1].size == 4096);
    CHECK(s.platform.traffic[1].outstanding == 4);

    std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
    for (char c = 'b'; c <= 'k'; ++c)
        bomb += fmt::format("{}: &{} [*{}, *{}, *{}, *{}, *{}, *{}, *{}, *{}, *{}, *{}]\n", c, c, char(c - 1),
                            char(c - 1), char(c - 1), char(c - 1), char(c - 1), char(c - 1), char(c - 1), char(c - 1),
                            char(c - 1), char(c - 1));
    CHECK(error_of(bomb).message.starts_with("too many nodes"));
    CHECK(error_of("a: &a [*a]\n").message.starts_with("alias to an anchor that is not complete"));
}

TEST_CASE("errors: deep nesting is refused without exhausting the stack") {
    CHECK(error_of(std::string(100000, '[')).message.size() > 0);
    std::string deep;
    for (int i = 0; i < 70; ++i) deep += std::string(std::size_t(i) * 2, ' ') + "k:\n";
    CHECK(error_of(deep).message == "nesting deeper than 64 levels");
}

TEST_CASE("set: overrides nested keys, list elements and whole sections") {
    scenario s = load_scenario_text("platform:\n  memory:\n    latency: 10ns\n  traffic:\n    - size: 4KiB\n",
                                    "a.yaml",
                                    {"platform.memory.latency=50ns", "run.seed=7", "platform.traffic.0.size=8KiB",
                                     "platform.traffic[1].pattern=random", "platform.bus={clock: 2GHz}",
                                     "run.output='my dir'"});
    CHECK(s.platform.memory.latency == 50000);
    CHECK(s.run.seed == 7);
    REQUIRE(s.platform.traffic.size() == 2);
    CHECK(s.platform.traffic[0].size == 8192);
    CHECK(s.platform.traffic[1].pattern == "random");
    CHECK(s.platform.traffic[1].size == 64);
    CHECK(s.platform.bus.clock == 2e9);
    CHECK(s.run.output == "my dir");

    scenario t = load_scenario_text("", "a.yaml", {"platform.traffic=[{size: 1KiB}, {size: 2KiB}, {}]"});
    REQUIRE(t.platform.traffic.size() == 3);
    CHECK(t.platform.traffic[1].size == 2048);
    CHECK(t.platform.traffic[2].size == 64);

    scenario u = load_scenario_text("", "a.yaml", {"platform.traffic.0.size=8KiB"});
    REQUIRE(u.platform.traffic.size() == 1);
    CHECK(u.platform.traffic[0].size == 8192);
    // Later --set wins.
    CHECK(load_scenario_text("", "a.yaml", {"run.seed=3", "run.seed=4"}).run.seed == 4);
}

TEST_CASE("set: errors name --set as the location") {
    auto e = error_of("", {"platform.memory.latncy=5ns"});
    CHECK(e.file == "--set");
    CHECK(e.line == 0);
    CHECK(e.set_argument == "platform.memory.latncy=5ns");
    CHECK(std::string(e.what()) ==
          "--set 'platform.memory.latncy=5ns': platform.memory.latncy: unknown key (did you mean 'latency'?)");
    CHECK(what_of("", {"platform.memory.low_size=banana"}) ==
          "--set 'platform.memory.low_size=banana': platform.memory.low_size: expected a size such as 4KiB, got "
          "'banana'");
    CHECK(what_of("", {"run.seed"}) == "--set 'run.seed': expected key.path=value");
    CHECK(what_of("", {"platform.traffic.2.size=1KiB"}) ==
          "--set 'platform.traffic.2.size=1KiB': platform.traffic.2: index 2 is past the end of the list (0 "
          "elements; index 0 appends)");
    CHECK(what_of("", {"platform.traffic.x.size=1KiB"}) ==
          "--set 'platform.traffic.x.size=1KiB': platform.traffic: expected an element index after "
          "'platform.traffic', got 'x'");
    CHECK(what_of("", {"run.seed.x=1"}) == "--set 'run.seed.x=1': run.seed: is a count and has no keys below it");
    CHECK(what_of("", {"run..seed=1"}) == "--set 'run..seed=1': run..seed: empty component in the key path");
    INFO(what_of("", {"run.seed=[1"}));
    CHECK(what_of("", {"run.seed=[1"}).starts_with("--set 'run.seed=[1': run.seed: cannot read the value: YAML syntax error"));
    CHECK(what_of("", {"platform.bus={clok: 2GHz}"}) ==
          "--set 'platform.bus={clok: 2GHz}': platform.bus.clok: unknown key (did you mean 'clock'?)");
    CHECK(what_of("run:\n  seed: 1\n", {"run.timing="}) ==
          "--set 'run.timing=': run.timing: expected one of lt, at, got nothing");
    // A file error still points at the file when --set touches other keys.
    CHECK(what_of("run:\n  sed: 1\n", {"run.seed=2"}) == "scenarios/x.yaml:2:3: run.sed: unknown key (did you mean 'seed'?)");
}

TEST_CASE("reference: every key of the schema appears with its type and default") {
    std::string ref = scenario_reference_markdown();
    scenario s;
    ddisim::tlm::param_group root;
    describe(root, s);
    std::size_t keys = 0;
    std::function<void(const ddisim::tlm::param_group&)> walk = [&](const ddisim::tlm::param_group& g) {
        for (const auto& p : g.params()) {
            if (p->kind == ddisim::tlm::param_kind::group) {
                walk(*p->sub);
            } else if (p->kind == ddisim::tlm::param_kind::list) {
                ddisim::tlm::param_group element(p->path + ".<i>");
                p->resize(1);
                p->make_element(element, 0);
                CHECK(ref.find("`" + p->path + "` (list)") != std::string::npos);
                walk(element);
            } else {
                ++keys;
                INFO(p->path);
                CHECK(ref.find(fmt::format("| `{}` | {} | `{}` |", p->path, ddisim::tlm::to_string(p->kind),
                                           p->default_text.empty() ? "\"\"" : p->default_text)) != std::string::npos);
                CHECK_FALSE(p->doc.empty());
            }
        }
    };
    walk(root);
    CHECK(keys > 30);
    CHECK(ref.find("`platform.traffic.<i>.size`") != std::string::npos);
    CHECK(ref.find("`run.timing` | choice | `lt` | lt \\| at |") != std::string::npos);
}

TEST_CASE("reference: the committed docs/scenario-reference.md equals the generated text") {
    std::string path = source_dir() + "/docs/scenario-reference.md";
    std::string generated = scenario_reference_markdown();
    if (std::getenv("DDISIM_UPDATE_REFERENCE")) {
        std::ofstream(path, std::ios::binary) << generated;
        WARN("rewrote " << path);
    }
    std::string committed = read_file(path);
    INFO("docs/scenario-reference.md is stale: regenerate it with\n"
         "  ddisim config --reference > docs/scenario-reference.md\n"
         "or\n"
         "  DDISIM_UPDATE_REFERENCE=1 <build>/testbench/tests/test_config '*committed*'");
    CHECK(committed == generated);
}

TEST_CASE("default: the compiled-in default scenario is identical to scenarios/default.yaml") {
    std::string file = read_file(source_dir() + "/scenarios/default.yaml");
    INFO("edit scenarios/default.yaml and testbench/config/default_scenario.cpp together");
    CHECK(std::string(default_scenario_text()) == file);
}

TEST_CASE("default: the default scenario loads: 4 KiB random reads at QD 32 on an SSD behind the HBA, IOMMU strict") {
    scenario s = load_default_scenario();
    CHECK(s.platform.traffic.empty());
    CHECK(s.platform.hba.present);
    REQUIRE(s.platform.hba.config.targets.size() == 1);
    CHECK(s.platform.hba.config.targets[0].kind == "ssd");
    CHECK(s.platform.hba.config.targets[0].capacity == 1000000000000ull);
    CHECK(s.platform.iommu.enable);
    CHECK(s.software.iommu == "vtd");
    CHECK(s.software.iommu_unmap == "strict");
    CHECK(s.workload.kind == "fio");
    const auto jobs = parse_fio_text(s.workload.fio.job, "default");
    REQUIRE(jobs.jobs.size() == 1);
    CHECK(jobs.jobs[0].rw == fio_rw::randread);
    CHECK(jobs.jobs[0].bs[0].min == 4096);
    CHECK(jobs.jobs[0].bs[0].max == 4096);
    CHECK(jobs.jobs[0].iodepth == 32);
    CHECK(load_default_scenario({"run.seed=9"}).run.seed == 9);
    auto from_file = load_scenario(source_dir() + "/scenarios/default.yaml");
    CHECK(dump_yaml(from_file) == dump_yaml(s));
}

TEST_CASE("dump: loading a dump gives the same scenario") {
    scenario s = load_default_scenario(
        {"platform.memory.clock=1.333GHz", "platform.traffic.0.read_fraction=0.1", "run.output='null'",
         "run.waves=\"\"", "run.trace='true'", "platform.traffic.1.rate=600MB/s", "platform.memory.latency=1.5ns",
         "platform.bus.data_width=24"});
    std::string d1 = dump_yaml(s);
    scenario t = load_scenario_text(d1, "dump.yaml");
    CHECK(dump_yaml(t) == d1);
    CHECK(t.platform.memory.clock == s.platform.memory.clock);
    CHECK(t.platform.traffic[0].read_fraction == s.platform.traffic[0].read_fraction);
    CHECK(t.platform.traffic[1].rate == s.platform.traffic[1].rate);
    CHECK(t.run.output == "null");
    CHECK(t.run.trace == "true");
    CHECK(d1.find("low_size: 3GiB") != std::string::npos);
}
