// Parameter sweeps: grid, manifest, markers and summary tables (see sweep.h).
#include "testbench/config/sweep.h"

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include <fmt/format.h>

namespace ddisim::config {

namespace fs = std::filesystem;

namespace {

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return {};
    const auto e = s.find_last_not_of(" \t");
    return s.substr(b, e - b + 1);
}

std::string read_text(const fs::path& p, bool& ok) {
    std::ifstream f(p, std::ios::binary);
    ok = bool(f);
    if (!f) return {};
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

std::string join_path(const std::string& a, const std::string& b) { return a.empty() ? b : a + "." + b; }

// File-name-safe form of "key=value": letters, digits and . _ + = - kept.
std::string safe_name(const std::string& s) {
    std::string out;
    for (char c : s) {
        const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                          c == '_' || c == '+' || c == '=' || c == '-';
        out += keep ? c : '_';
    }
    return out;
}

} // namespace

std::vector<std::string> sweep_point::sets() const {
    std::vector<std::string> s;
    for (const auto& [k, v] : settings) s.push_back(k + "=" + v);
    return s;
}

std::vector<std::string> split_sweep_values(const std::string& list, const std::string& what) {
    std::vector<std::string> values;
    if (trim(list).empty()) throw sweep_error(fmt::format("{}: no values (give V1,V2,…)", what));
    std::size_t start = 0;
    while (true) {
        const auto comma = list.find(',', start);
        std::string v = trim(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (v.empty()) throw sweep_error(fmt::format("{}: empty value in '{}'", what, list));
        values.push_back(std::move(v));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return values;
}

sweep_axis parse_sweep_param(const std::string& arg) {
    const auto eq = arg.find('=');
    const std::string what = fmt::format("--param '{}'", arg);
    if (eq == std::string::npos) throw sweep_error(what + ": expected KEY=V1,V2,…");
    sweep_axis a;
    a.key = trim(arg.substr(0, eq));
    if (a.key.empty()) throw sweep_error(what + ": the key is empty");
    a.values = split_sweep_values(arg.substr(eq + 1), what);
    return a;
}

std::vector<sweep_axis> merge_sweep_axes(const sweep_config& section, const std::vector<sweep_axis>& cli) {
    std::vector<sweep_axis> axes;
    std::map<std::string, std::size_t> where;
    for (std::size_t i = 0; i < section.params.size(); ++i) {
        const auto& p = section.params[i];
        const std::string what = fmt::format("sweep.params.{} (key '{}')", i, p.key);
        const std::string key = trim(p.key);
        if (key.empty()) throw sweep_error(what + ": the key is empty");
        if (where.count(key)) throw sweep_error(fmt::format("{}: the key is swept twice", what));
        where[key] = axes.size();
        axes.push_back({key, split_sweep_values(p.values, what)});
    }
    std::map<std::string, bool> from_cli;
    for (const auto& a : cli) {
        if (from_cli.count(a.key)) throw sweep_error(fmt::format("--param {}: the key is given twice", a.key));
        from_cli[a.key] = true;
        auto it = where.find(a.key);
        if (it != where.end()) {
            axes[it->second] = a;
        } else {
            where[a.key] = axes.size();
            axes.push_back(a);
        }
    }
    return axes;
}

std::string check_sweep_key(const std::string& key, const scenario& s_in) {
    // Split "platform.traffic[0].size" / "platform.traffic.0.size".
    std::vector<std::string> parts;
    std::string cur;
    for (char c : key) {
        if (c == '.' || c == '[' || c == ']') {
            if (!cur.empty()) parts.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    if (!cur.empty()) parts.push_back(cur);
    if (parts.empty()) return "empty key";
    if (parts[0] == "sweep") return fmt::format("{}: the sweep section cannot be swept", key);
    if (parts.size() == 2 && parts[0] == "run" && parts[1] == "output")
        return "run.output: set by the sweep (each point writes into its own folder)";

    scenario s = s_in; // lists may grow while following element indexes
    tlm::param_group root;
    describe(root, s);
    std::vector<std::unique_ptr<tlm::param_group>> elements;
    const tlm::param_group* g = &root;
    std::string path;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const tlm::param* p = g->find(parts[i]);
        path = join_path(path, parts[i]);
        if (!p) {
            std::vector<std::string> keys;
            for (const auto& q : g->params()) keys.push_back(q->key);
            const std::string near = tlm::closest_match(parts[i], keys);
            if (!near.empty()) return fmt::format("{}: unknown key (did you mean '{}'?)", path, near);
            std::string all;
            for (const auto& k : keys) all += (all.empty() ? "" : ", ") + k;
            return fmt::format("{}: unknown key (known here: {})", path, all);
        }
        if (i + 1 == parts.size()) return {};
        if (p->is_scalar()) return fmt::format("{}: is a {} and has no keys below it", path, tlm::to_string(p->kind));
        if (p->kind == tlm::param_kind::group) {
            g = p->sub.get();
            continue;
        }
        // A list: the next part is an element index; an index equal to the
        // length appends (as with --set).
        const std::string& ipart = parts[++i];
        std::size_t index = 0;
        if (ipart.empty() || ipart.size() > 6 || ipart.find_first_not_of("0123456789") != std::string::npos)
            return fmt::format("{}: expected an element index after '{}', got '{}'", path, path, ipart);
        index = std::stoul(ipart);
        const std::size_t n = p->length ? p->length() : 0;
        path = fmt::format("{}.{}", path, index);
        if (index > n)
            return fmt::format("{}: index {} is past the end of the list ({} element{})", path, index, n, n == 1 ? "" : "s");
        if (index == n) p->resize(n + 1);
        if (i + 1 == parts.size()) return {};
        elements.push_back(std::make_unique<tlm::param_group>(path, p->element_doc));
        p->make_element(*elements.back(), index);
        g = elements.back().get();
    }
    return {};
}

std::vector<sweep_point> expand_sweep_grid(const std::vector<sweep_axis>& axes) {
    std::size_t total = 1;
    for (const auto& a : axes) total *= a.values.size();
    if (axes.empty()) total = 0;
    const std::size_t width = std::max<std::size_t>(4, fmt::format("{}", total ? total - 1 : 0).size());
    std::vector<sweep_point> points;
    for (std::size_t i = 0; i < total; ++i) {
        sweep_point p;
        p.index = i;
        p.id = fmt::format("p{:0{}}", i, width);
        // Mixed radix, last axis fastest.
        std::vector<std::size_t> digit(axes.size());
        std::size_t rest = i;
        for (std::size_t a = axes.size(); a-- > 0;) {
            digit[a] = rest % axes[a].values.size();
            rest /= axes[a].values.size();
        }
        std::string name = p.id;
        for (std::size_t a = 0; a < axes.size(); ++a) {
            p.settings.emplace_back(axes[a].key, axes[a].values[digit[a]]);
            name += "-" + safe_name(axes[a].key + "=" + axes[a].values[digit[a]]);
        }
        if (name.size() > 120) name = name.substr(0, 120);
        p.dir = name;
        points.push_back(std::move(p));
    }
    return points;
}

std::string sweep_fingerprint(const std::string& text) {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : text) {
        h ^= c;
        h *= 0x100000001b3ull;
    }
    return fmt::format("{:016x}", h);
}

nlohmann::json to_json(const sweep_manifest& m) {
    nlohmann::json j;
    j["ddisim_sweep"] = 1;
    j["scenario"] = m.scenario_file;
    j["fingerprint"] = m.fingerprint;
    j["axes"] = nlohmann::json::array();
    for (const auto& a : m.axes) j["axes"].push_back({{"key", a.key}, {"values", a.values}});
    j["points"] = nlohmann::json::array();
    for (const auto& p : m.points) j["points"].push_back({{"id", p.id}, {"dir", p.dir}, {"set", p.sets()}});
    return j;
}

sweep_manifest manifest_from_json(const nlohmann::json& j) {
    sweep_manifest m;
    try {
        m.scenario_file = j.at("scenario").get<std::string>();
        m.fingerprint = j.at("fingerprint").get<std::string>();
        for (const auto& a : j.at("axes")) m.axes.push_back({a.at("key").get<std::string>(), a.at("values").get<std::vector<std::string>>()});
        std::size_t i = 0;
        for (const auto& jp : j.at("points")) {
            sweep_point p;
            p.index = i++;
            p.id = jp.at("id").get<std::string>();
            p.dir = jp.at("dir").get<std::string>();
            for (const auto& s : jp.at("set").get<std::vector<std::string>>()) {
                const auto eq = s.find('=');
                if (eq == std::string::npos) throw sweep_error("a point setting without '='");
                p.settings.emplace_back(s.substr(0, eq), s.substr(eq + 1));
            }
            if (p.dir.empty() || p.dir.find('/') != std::string::npos || p.dir == "." || p.dir == "..")
                throw sweep_error("a point folder name is not a plain name");
            m.points.push_back(std::move(p));
        }
    } catch (const nlohmann::json::exception& e) {
        throw sweep_error(fmt::format("malformed manifest: {}", e.what()));
    }
    return m;
}

sweep_manifest read_manifest(const fs::path& sweep_dir) {
    const fs::path p = sweep_dir / "sweep.json";
    bool ok = false;
    const std::string text = read_text(p, ok);
    if (!ok) throw sweep_error(fmt::format("{}: cannot read (is this a sweep folder?)", p.string()));
    try {
        return manifest_from_json(nlohmann::json::parse(text));
    } catch (const nlohmann::json::parse_error& e) {
        throw sweep_error(fmt::format("{}: not JSON: {}", p.string(), e.what()));
    } catch (const sweep_error& e) {
        throw sweep_error(fmt::format("{}: {}", p.string(), e.what()));
    }
}

const char* to_string(point_status s) {
    switch (s) {
    case point_status::done_ok: return "ok";
    case point_status::done_errors: return "errors";
    case point_status::failed: return "failed";
    case point_status::not_run: return "not run";
    }
    return "?";
}

nlohmann::json point_marker(const sweep_point& p, const std::string& fingerprint, int exit_status) {
    return {{"point", p.id}, {"set", p.sets()}, {"fingerprint", fingerprint}, {"exit_status", exit_status}};
}

point_state read_point_state(const fs::path& sweep_dir, const sweep_point& p, const std::string& fingerprint) {
    const nlohmann::json want = point_marker(p, fingerprint, 0);
    auto matches = [&](const nlohmann::json& j) {
        return j.is_object() && j.value("point", "") == p.id && j.contains("set") && j["set"] == want["set"] &&
               j.value("fingerprint", "") == fingerprint;
    };
    point_state st;
    for (const char* name : {"done.json", "failed.json"}) {
        bool ok = false;
        const std::string text = read_text(sweep_dir / p.dir / name, ok);
        if (!ok) continue;
        const auto j = nlohmann::json::parse(text, nullptr, false);
        if (j.is_discarded() || !matches(j)) continue;
        st.exit_status = j.value("exit_status", 0);
        if (std::string(name) == "done.json") {
            st.status = st.exit_status == 0 ? point_status::done_ok : point_status::done_errors;
        } else {
            st.status = point_status::failed;
            st.message = j.value("message", "");
        }
        return st;
    }
    return st;
}

void write_file_atomic(const fs::path& path, const std::string& text) {
    const fs::path tmp = path.string() + ".tmp";
    {
        std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
        f << text;
        if (!f.flush()) throw sweep_error(fmt::format("cannot write {}", tmp.string()));
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) throw sweep_error(fmt::format("cannot rename {} to {}: {}", tmp.string(), path.string(), ec.message()));
}

namespace {

void flatten(const nlohmann::json& j, const std::string& prefix, std::vector<std::pair<std::string, nlohmann::json>>& out) {
    if (j.is_object()) {
        for (auto it = j.begin(); it != j.end(); ++it) flatten(it.value(), join_path(prefix, it.key()), out);
    } else if (j.is_array()) {
        for (std::size_t i = 0; i < j.size(); ++i) {
            const auto& e = j[i];
            if (e.is_object() && e.contains("name") && e["name"].is_string()) {
                const std::string sub = join_path(prefix, e["name"].get<std::string>());
                for (auto it = e.begin(); it != e.end(); ++it)
                    if (it.key() != "name") flatten(it.value(), join_path(sub, it.key()), out);
            } else {
                flatten(e, join_path(prefix, std::to_string(i)), out);
            }
        }
    } else if (!j.is_null()) {
        out.emplace_back(prefix, j);
    }
}

std::string csv_value(const nlohmann::json& v) {
    if (v.is_string()) return csv_field(v.get<std::string>());
    return v.dump();
}

} // namespace

std::vector<std::pair<std::string, nlohmann::json>> flatten_headline(const nlohmann::json& headline) {
    std::vector<std::pair<std::string, nlohmann::json>> out;
    flatten(headline, "", out);
    return out;
}

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) {
        if (c == '"') q += '"';
        q += c;
    }
    return q + "\"";
}

sweep_summary collect_sweep(const fs::path& sweep_dir, const sweep_manifest& m) {
    struct row {
        const sweep_point* p;
        point_state st;
        nlohmann::json headline;
        std::map<std::string, nlohmann::json> metrics;
    };
    std::vector<row> rows;
    std::vector<std::string> metric_order;
    std::map<std::string, bool> known;
    sweep_summary sum;
    for (const auto& p : m.points) {
        row r{&p, read_point_state(sweep_dir, p, m.fingerprint), {}, {}};
        if (r.st.status == point_status::done_ok || r.st.status == point_status::done_errors) {
            bool ok = false;
            const std::string text = read_text(sweep_dir / p.dir / "results.json", ok);
            const auto j = ok ? nlohmann::json::parse(text, nullptr, false) : nlohmann::json();
            if (!ok || j.is_discarded() || !j.contains("headline")) {
                r.st.status = point_status::failed;
                r.st.message = "done.json present but results.json missing or unreadable";
            } else {
                r.headline = j["headline"];
                for (auto& [k, v] : flatten_headline(r.headline)) {
                    if (!known[k]) metric_order.push_back(k), known[k] = true;
                    r.metrics[k] = v;
                }
            }
        }
        switch (r.st.status) {
        case point_status::done_ok: ++sum.ok; break;
        case point_status::done_errors: ++sum.errors; break;
        case point_status::failed:
            ++sum.failed;
            sum.problems.push_back(fmt::format("{}: failed (exit status {}){}{}", p.dir, r.st.exit_status,
                                               r.st.message.empty() ? "" : ": ", r.st.message));
            break;
        case point_status::not_run:
            ++sum.not_run;
            sum.problems.push_back(fmt::format("{}: not run", p.dir));
            break;
        }
        rows.push_back(std::move(r));
    }

    std::string csv = "point";
    for (const auto& a : m.axes) csv += "," + csv_field(a.key);
    csv += ",status";
    for (const auto& k : metric_order) csv += "," + csv_field(k);
    csv += "\n";
    std::string jsonl;
    for (const auto& r : rows) {
        csv += r.p->id;
        for (const auto& [k, v] : r.p->settings) csv += "," + csv_field(v);
        csv += ",";
        csv += csv_field(to_string(r.st.status));
        for (const auto& k : metric_order) {
            csv += ",";
            auto it = r.metrics.find(k);
            if (it != r.metrics.end()) csv += csv_value(it->second);
        }
        csv += "\n";

        nlohmann::json j;
        j["point"] = r.p->id;
        j["dir"] = r.p->dir;
        j["params"] = nlohmann::json::object();
        for (const auto& [k, v] : r.p->settings) j["params"][k] = v;
        j["status"] = to_string(r.st.status);
        if (r.st.status == point_status::failed) {
            j["exit_status"] = r.st.exit_status;
            j["message"] = r.st.message;
        }
        if (!r.headline.is_null()) j["headline"] = r.headline;
        jsonl += j.dump() + "\n";
    }
    write_file_atomic(sweep_dir / "results.csv", csv);
    write_file_atomic(sweep_dir / "results.jsonl", jsonl);
    return sum;
}

} // namespace ddisim::config
