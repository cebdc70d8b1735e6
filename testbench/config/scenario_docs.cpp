// The generated key reference (Markdown) and the YAML dump of a scenario,
// both walks over the describe() schema.
#include <memory>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/emitter.h>
#include <yaml-cpp/emittermanip.h>

#include "testbench/config/scenario_loader.h"

namespace ddisim::config {

namespace {

std::string cell(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '|') out += "\\|";
        else if (c == '\n') out += ' ';
        else out += c;
    }
    return out;
}

void reference_group(std::string& out, const tlm::param_group& g, const std::string& title, const std::string& doc,
                     int level) {
    out += fmt::format("{} `{}`\n\n", std::string(std::size_t(level), '#'), title);
    if (!doc.empty()) out += cell(doc) + ".\n\n";
    bool table = false;
    for (const auto& p : g.params()) {
        if (!p->is_scalar()) continue;
        if (!table) {
            out += "| key | type | default | range | units | meaning |\n";
            out += "|---|---|---|---|---|---|\n";
            table = true;
        }
        std::string def = p->default_text.empty() ? "\"\"" : p->default_text;
        out += fmt::format("| `{}` | {} | `{}` | {} | {} | {} |\n", p->path, tlm::to_string(p->kind), cell(def),
                           cell(p->range_text()), cell(p->unit_text()), cell(p->doc));
    }
    if (table) out += "\n";
    for (const auto& p : g.params()) {
        if (p->kind == tlm::param_kind::group) {
            reference_group(out, *p->sub, p->path, p->doc, level + 1);
        } else if (p->kind == tlm::param_kind::list) {
            // Document the fields of one default-constructed element.
            std::string default_text = p->default_text.empty() ? "" : fmt::format(" Default: `{}`.", p->default_text);
            std::string elem_path = p->path + ".<i>";
            tlm::param_group element(elem_path, p->element_doc);
            p->resize(0);
            p->resize(1);
            p->make_element(element, 0);
            std::string doc = fmt::format("{}. A list; each element is a mapping with the keys below "
                                          "(`--set {}.0.<key>=…` sets element 0).{}",
                                          p->doc, p->path, default_text);
            out += fmt::format("{} `{}` (list)\n\n{}\n\n", std::string(std::size_t(level + 1), '#'), p->path, cell(doc));
            reference_group(out, element, elem_path, "", level + 2);
        }
    }
}

void dump_group(YAML::Emitter& out, const tlm::param_group& g) {
    out << YAML::BeginMap;
    for (const auto& p : g.params()) {
        out << YAML::Key << p->key << YAML::Value;
        if (p->is_scalar()) {
            std::string v = p->get_text();
            if (p->kind == tlm::param_kind::text) out << YAML::DoubleQuoted;
            out << v;
        } else if (p->kind == tlm::param_kind::group) {
            dump_group(out, *p->sub);
        } else {
            std::size_t n = p->length ? p->length() : 0;
            out << YAML::BeginSeq;
            for (std::size_t i = 0; i < n; ++i) {
                tlm::param_group element(fmt::format("{}.{}", p->path, i), p->element_doc);
                p->make_element(element, i);
                dump_group(out, element);
            }
            out << YAML::EndSeq;
        }
    }
    out << YAML::EndMap;
}

} // namespace

std::string scenario_reference_markdown() {
    scenario s;
    tlm::param_group root;
    describe(root, s);
    std::string out;
    out += "# Scenario reference\n\n";
    out += "<!-- Generated from the describe() functions by `ddisim config --reference`; do not edit.\n"
           "     Regenerate: ddisim config --reference > docs/scenario-reference.md\n"
           "     (or DDISIM_UPDATE_REFERENCE=1 test_config). A test fails when this file is stale. -->\n\n";
    out += "A scenario is a YAML mapping with the sections `run`, `platform`, `software` and `workload`.\n"
           "Every section and key is optional; a key left out keeps the default listed here.\n"
           "Unknown keys, wrong types, out-of-range values and duplicate keys are errors that name\n"
           "the file, line, column and key path. So are conflicts between keys (a memcpy workload\n"
           "without a DMA controller, coalescing by count without a timer …): they name the keys and\n"
           "where the scenario gave the first (file, line and column, or the `--set` argument).\n"
           "`ddisim config --check FILE` validates a file, conflicts included;\n"
           "`ddisim config --dump [FILE]` prints the effective scenario with every key.\n\n";
    out += "## Units\n\n"
           "Units are case-sensitive; a space between number and unit is allowed; fractions are\n"
           "allowed when the result is whole (`1.5GiB`, `2.5ns`).\n\n"
           "| type | accepted | examples |\n|---|---|---|\n"
           "| size | bare number or `0x` hex = bytes; `B`; binary `KiB MiB GiB TiB PiB` (1024^n); "
           "decimal `kB MB GB TB PB` (1000^n); `KB` is rejected as ambiguous | `4096`, `0x1000`, `4KiB`, `1.5GB` |\n"
           "| time | `ps ns us ms s` (also `µs`); a bare number must be 0 | `10ns`, `1.5us`, `0` |\n"
           "| frequency | `Hz kHz MHz GHz THz` | `1.5GHz`, `800MHz` |\n"
           "| bitrate | bits: `b/s kb/s Mb/s Gb/s Tb/s`, `bps … Tbps`, `bit/s … Tbit/s`; bytes (×8): "
           "`B/s kB/s MB/s GB/s TB/s KiB/s MiB/s GiB/s TiB/s` | `12Gb/s`, `6Gbps`, `600MB/s` |\n"
           "| count | unsigned decimal or `0x` hex | `16`, `0x10` |\n"
           "| integer | signed decimal or `0x` hex | `-3` |\n"
           "| real | decimal, exponent allowed | `0.5`, `1e-3` |\n"
           "| flag | `true`/`false`, `yes`/`no`, `on`/`off` | `true` |\n"
           "| text | any scalar (quote it when it looks like a number or `null`) | `out` |\n"
           "| choice | one of the listed words | `lt` |\n\n";
    out += "## Overrides (`--set`)\n\n"
           "`--set key.path=value` overrides any key after the file is read (`ddisim run`, `ddisim config`).\n"
           "The value is one YAML node: a scalar, or a flow list/mapping.\n\n"
           "| example | effect |\n|---|---|\n"
           "| `--set run.seed=7` | one key |\n"
           "| `--set platform.memory.latency=50ns` | a nested key |\n"
           "| `--set platform.traffic.0.size=8KiB` | a key of list element 0 (also `traffic[0].size`) |\n"
           "| `--set platform.traffic.2.pattern=random` | an index equal to the list length appends an element |\n"
           "| `--set 'platform.traffic=[{size: 4KiB}, {size: 8KiB}]'` | a whole list |\n"
           "| `--set 'platform.bus={clock: 2GHz}'` | a whole section (replaces what the file gave) |\n\n";
    for (const auto& p : root.params()) reference_group(out, *p->sub, p->path, p->doc, 2);
    return out;
}

std::string dump_yaml(const scenario& s) {
    scenario copy = s;
    tlm::param_group root;
    describe(root, copy);
    YAML::Emitter out;
    out.SetIndent(2);
    dump_group(out, root);
    return std::string("# ddisim effective scenario (every key; see docs/scenario-reference.md)\n") + out.c_str() +
           "\n";
}

} // namespace ddisim::config
