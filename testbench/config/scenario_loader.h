// Loading, validating, overriding and documenting scenarios.
//
// A scenario is a YAML mapping with the sections run, platform, software and
// workload (all optional; anything left out keeps its default, see
// docs/scenario-reference.md). Values use human units ("4KiB", "10ns",
// "1.5GHz", "12Gb/s"; tlm/core/params.h lists them). Anchors and aliases are
// allowed (an alias is a copy of the anchored node); merge keys ("<<") are
// not. One document per file.
//
// --set overrides, applied after the file and before validation:
//   --set run.seed=7
//   --set platform.memory.latency=50ns
//   --set platform.traffic.0.size=8KiB       (element 0 of a list; also traffic[0].size)
//   --set platform.traffic.1.pattern=random  (an index equal to the list's length appends)
//   --set platform.traffic='[{size: 4KiB}, {size: 8KiB}]'   (a whole list)
//   --set platform.bus='{clock: 2GHz}'       (a whole section: replaces what the file gave)
// The value is read as one YAML node (scalar or flow collection); the part
// before the first '=' is the key path. A key path may name any key of the
// reference. Errors point at the --set argument.
//
// Every error is a scenario_error whose what() reads
//   scenarios/x.yaml:12:5: platform.memory.latncy: unknown key (did you mean 'latency'?)
//   scenarios/x.yaml:3:9: platform.memory.low_size: expected a size such as 4KiB, got 'banana'
//   --set 'platform.memory.low_size=8GiB': platform.memory.low_size: must be ≤ 4GiB, got 8GiB
// Loading is deterministic and never fails any other way: malformed input
// of any shape gives a scenario_error (the fuzz target checks this).
#pragma once
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "testbench/config/scenario.h"

namespace ddisim::config {

struct scenario_error : std::runtime_error {
    scenario_error(std::string file, int line, int column, std::string key_path, std::string message,
                   std::string set_argument = {});
    std::string file;         // display name of the file, or "--set"
    int line = 0;             // 1-based; 0 when unknown (file-level or --set errors)
    int column = 0;           // 1-based; 0 when unknown
    std::string key_path;     // "platform.memory.latency", "" for syntax errors
    std::string message;      // the reason alone ("unknown key (did you mean 'latency'?)")
    std::string set_argument; // the --set argument, for --set errors
};

// Reads the YAML file at `path`, applies the --set overrides in order and
// validates; throws scenario_error.
scenario load_scenario(const std::string& path, const std::vector<std::string>& sets = {});
// The same for YAML text; display_name is used as the file in errors.
scenario load_scenario_text(const std::string& text, const std::string& display_name,
                            const std::vector<std::string>& sets = {});
// The compiled-in default scenario (scenarios/default.yaml) with overrides.
scenario load_default_scenario(const std::vector<std::string>& sets = {});

// The text of the compiled-in default scenario (testbench/config/default_scenario.cpp,
// kept identical to scenarios/default.yaml by a test).
std::string_view default_scenario_text();

// Every key with type, default, range, units and meaning, as Markdown; this is
// docs/scenario-reference.md (regenerate: ddisim config --reference > docs/scenario-reference.md).
std::string scenario_reference_markdown();

// The effective scenario as YAML (every key, human units); loading the dump
// gives the same scenario.
std::string dump_yaml(const scenario& s);

} // namespace ddisim::config
