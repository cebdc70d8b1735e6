// Parameter sweeps (`ddisim sweep`, docs/guide-sweeps.md): the grid, the
// sweep folder's manifest and markers, and the summary tables. Plain C++, no
// SystemC and no processes: testbench/app/cmd_sweep.cpp runs the points.
//
// A sweep folder holds
//   scenario.yaml        the scenario every point runs (a copy of the user's file)
//   sweep.json           the manifest: the swept keys and every point with its settings
//   p0003-<settings>/    one folder per point: what `ddisim run --out` writes,
//                        run.log (the child's output) and, last, done.json
//                        (written by rename, so it exists only for a finished
//                        point) or failed.json
//   results.csv          one row per point: point, swept keys, status, headline metrics
//   results.jsonl        one JSON object per point
//   jobs.txt / sweep.sbatch   with --emit parallel / --emit slurm
#pragma once
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "testbench/config/scenario.h"

namespace ddisim::config {

struct sweep_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// One swept key and its values, in the order given.
struct sweep_axis {
    std::string key;
    std::vector<std::string> values;
};

// One point of the grid.
struct sweep_point {
    std::size_t index = 0;
    std::string id;  // "p0003"
    std::string dir; // folder name: "p0003-run.seed=2" (id + settings, file-name safe, bounded length)
    std::vector<std::pair<std::string, std::string>> settings; // key, value, in axis order
    // The --set arguments of the point: "key=value" each.
    std::vector<std::string> sets() const;
};

// "V1,V2,…" -> values (spaces around each trimmed); throws sweep_error on an
// empty list or an empty value.
std::vector<std::string> split_sweep_values(const std::string& list, const std::string& what);
// "--param KEY=V1,V2,…" -> axis; throws sweep_error.
sweep_axis parse_sweep_param(const std::string& arg);
// The axes of the scenario's sweep: section followed by the command line's;
// a command-line key replaces the section's entry for the same key. Throws
// sweep_error for a key given twice on the command line or in the section.
std::vector<sweep_axis> merge_sweep_axes(const sweep_config& section, const std::vector<sweep_axis>& cli);
// Checks that `key` names a key of the schema (a value, a section, a list or a
// list element), following the lists of scenario `s`. Returns "" when it
// does, else the reason ("platform.memry: unknown key (did you mean 'memory'?)").
// Keys the sweep sets itself (run.output, sweep.*) are refused.
std::string check_sweep_key(const std::string& key, const scenario& s);
// Every combination, the first axis varying slowest. Point ids are p0000,
// p0001, … (at least four digits).
std::vector<sweep_point> expand_sweep_grid(const std::vector<sweep_axis>& axes);

// 64-bit FNV-1a of the text, as 16 hex digits (the scenario's fingerprint in markers).
std::string sweep_fingerprint(const std::string& text);

// The manifest (sweep.json).
struct sweep_manifest {
    std::string scenario_file = "scenario.yaml"; // relative to the sweep folder
    std::string fingerprint;                     // of the scenario text
    std::vector<sweep_axis> axes;
    std::vector<sweep_point> points;
};
nlohmann::json to_json(const sweep_manifest& m);
sweep_manifest manifest_from_json(const nlohmann::json& j); // throws sweep_error
sweep_manifest read_manifest(const std::filesystem::path& sweep_dir); // throws sweep_error

// Point markers. done.json records what ran; a point counts as done only when
// its marker matches the manifest (same settings, same scenario fingerprint).
enum class point_status { done_ok, done_errors, failed, not_run };
const char* to_string(point_status s); // ok | errors | failed | not run
nlohmann::json point_marker(const sweep_point& p, const std::string& fingerprint, int exit_status);
struct point_state {
    point_status status = point_status::not_run;
    int exit_status = 0;
    std::string message; // failed: the reason (last line of run.log)
};
point_state read_point_state(const std::filesystem::path& sweep_dir, const sweep_point& p, const std::string& fingerprint);
// Writes `text` to `path` through a temporary file and rename(2).
void write_file_atomic(const std::filesystem::path& path, const std::string& text);

// Flattens a results.json "headline" object into (metric, value) pairs in a
// stable order: nested keys joined by '.', list elements named by their
// "name" member ("traffic.tgen0.latency_ns.p99") or else by index.
std::vector<std::pair<std::string, nlohmann::json>> flatten_headline(const nlohmann::json& headline);

// Summary of a sweep folder: reads every point's state and results and
// writes results.csv and results.jsonl.
struct sweep_summary {
    std::size_t ok = 0, errors = 0, failed = 0, not_run = 0;
    std::vector<std::string> problems; // "p0002-…: failed (exit status 2): <reason>" / "…: not run"
};
sweep_summary collect_sweep(const std::filesystem::path& sweep_dir, const sweep_manifest& m);

// One CSV field (quoted when it holds a comma, quote, or line break).
std::string csv_field(const std::string& s);

} // namespace ddisim::config
