// libFuzzer target for the scenario parser: any input must either load or
// fail with a scenario_error — any other exception, a crash, a sanitizer
// report or unbounded recursion is a bug. Lines starting with "#set " (YAML
// comments) are also passed as --set arguments, so overrides are fuzzed
// too. A scenario that loads must dump to YAML that loads back to the same
// dump, and the platform's cross-key checks (platform::check_scenario) either
// pass it or refuse it with a std::invalid_argument that says why. The unit
// parsers get the raw input as well.
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "testbench/config/scenario_loader.h"
#include "testbench/platform/scenario_checks.h"
#include "tlm/core/params.h"

namespace {

template <class F>
void unit_parser(F&& f) {
    try {
        f();
    } catch (const std::invalid_argument&) {
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace ddisim;
    std::string text(reinterpret_cast<const char*>(data), size);

    std::vector<std::string> sets;
    for (std::size_t pos = 0; pos < text.size();) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        if (text.compare(pos, 5, "#set ") == 0) sets.push_back(text.substr(pos + 5, end - pos - 5));
        pos = end + 1;
    }

    std::string dump;
    try {
        const config::scenario s = config::load_scenario_text(text, "fuzz.yaml", sets);
        dump = config::dump_yaml(s);
        try {
            platform::check_scenario(s);
        } catch (const std::invalid_argument& e) {
            if (!*e.what()) {
                std::fprintf(stderr, "a cross-key refusal without a reason\n");
                __builtin_trap();
            }
        }
    } catch (const config::scenario_error&) {
    }
    if (!dump.empty()) {
        try {
            if (config::dump_yaml(config::load_scenario_text(dump, "dump.yaml")) != dump) {
                std::fprintf(stderr, "dump does not round-trip:\n%s\n", dump.c_str());
                __builtin_trap();
            }
        } catch (const config::scenario_error& e) {
            std::fprintf(stderr, "dump does not load: %s\n%s\n", e.what(), dump.c_str());
            __builtin_trap();
        }
    }

    if (size <= 256) {
        unit_parser([&] { tlm::parse_size(text); });
        unit_parser([&] { tlm::parse_time_ps(text); });
        unit_parser([&] { tlm::parse_frequency(text); });
        unit_parser([&] { tlm::parse_bitrate(text); });
        unit_parser([&] { tlm::parse_count(text); });
        unit_parser([&] { tlm::parse_integer(text); });
        unit_parser([&] { tlm::parse_real(text); });
        unit_parser([&] { tlm::parse_flag(text); });
    }
    return 0;
}
