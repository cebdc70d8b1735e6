// `ddisim bench`: simulator speed figures. Each measurement runs in its own
// child process (`ddisim bench --one KEY`), once per round, --repeat rounds;
// the table shows the median with min–max, ratios to the raw SystemC
// ceilings (the median of the rounds' ratios) and targets.
#include "testbench/app/command.h"
#include "testbench/bench/bench.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

namespace ddisim::bench {
namespace {
std::vector<measurement>& all() {
    static std::vector<measurement> v;
    return v;
}
double g_budget = 0.5;

std::string self_exe() {
    char buf[4096];
    const auto n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) throw std::runtime_error("cannot find own executable");
    buf[n] = 0;
    return buf;
}

// Runs one measurement in a child process and returns its figure.
double run_child(const std::string& exe, const measurement& m) {
    const auto cmd = fmt::format("'{}' bench --one {} --seconds {}", exe, m.key, g_budget);
    std::unique_ptr<FILE, int (*)(FILE*)> p(::popen(cmd.c_str(), "r"), ::pclose);
    if (!p) throw std::runtime_error("popen failed");
    std::string out;
    char buf[256];
    while (std::fgets(buf, sizeof buf, p.get())) out += buf;
    const int rc = ::pclose(p.release());
    if (rc != 0) throw std::runtime_error(fmt::format("measurement {} failed (status {}): {}", m.key, rc, out));
    return std::stod(out);
}
} // namespace

registrar::registrar(const measurement& m) { all().push_back(m); }
double budget_seconds() { return g_budget; }

} // namespace ddisim::bench

namespace {
using namespace ddisim;

struct bench_opts {
    std::string one;
    int repeat = 3;
    bool json = false;
    std::vector<std::string> only;
};

void run_bench(const bench_opts& o) {
    auto& ms = bench::all();
    std::stable_sort(ms.begin(), ms.end(), [](auto& a, auto& b) { return a.order < b.order; });
    if (!o.one.empty()) {
        for (auto& m : ms) {
            if (o.one == m.key) {
                std::cout << fmt::format("{:.6g}\n", m.run());
                // A measurement stops its simulation mid-flight: the
                // workload's threads stay suspended, and SystemC never
                // unwinds them, so their locals (a driver's piece lists, a
                // generator's sequence) are still allocated at exit. A leak
                // checker (the sanitizer build's) would fail the child for
                // them; the process ends here instead, its figure written.
                std::cout.flush();
                std::fflush(nullptr);
                std::_Exit(0);
            }
        }
        std::cerr << "ddisim bench: unknown measurement '" << o.one << "'\n";
        app::set_exit_status(2);
        return;
    }
    const auto exe = bench::self_exe();
    nlohmann::json j = nlohmann::json::object();
    struct row {
        const bench::measurement* m;
        double median, lo, hi;
    };
    std::vector<row> rows;
    // Rounds: each runs every selected measurement once, in table order, so
    // a ratio pairs a measurement with its ceiling from the same round: a
    // drift of the machine's speed during the whole run (frequency, other
    // load) moves both and cancels, where medians taken block by block would
    // compare a fast block with a slow one.
    std::vector<const bench::measurement*> sel;
    for (auto& m : ms)
        if (o.only.empty() || std::find(o.only.begin(), o.only.end(), m.key) != o.only.end()) sel.push_back(&m);
    const int rounds = std::max(1, o.repeat);
    std::map<std::string, std::vector<double>> runs;
    for (int i = 0; i < rounds; ++i) {
        for (const auto* m : sel) {
            const double x = bench::run_child(exe, *m);
            runs[m->key].push_back(x);
            if (!o.json) std::cerr << fmt::format("  round {}/{}: {:<28} {:>14.4g} {}\n", i + 1, rounds, m->key, x, m->unit);
        }
    }
    const auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    };
    for (const auto* m : sel) {
        const auto& v = runs[m->key];
        const double md = median(v);
        j[m->key] = md;
        rows.push_back({m, md, *std::min_element(v.begin(), v.end()), *std::max_element(v.begin(), v.end())});
    }
    // The median over the rounds of x's figure over y's in the same round.
    const auto paired = [&](const std::string& x, const std::string& y) {
        const auto &a = runs[x], &b = runs[y];
        std::vector<double> per;
        for (std::size_t i = 0; i < a.size(); ++i) per.push_back(a[i] / b[i]);
        return median(per);
    };
    nlohmann::json ratios = nlohmann::json::object();
    bool all_met = true;
    if (!o.json) {
        std::cout << fmt::format("\n{:<30} {:>14} {:>22} {:>9} {:>10}  {}\n", "measurement", "median", "min-max",
                                 "ratio", "target", "what");
    }
    for (const auto& r : rows) {
        std::string ratio = "", target = "";
        bool met = true;
        if (*r.m->ceiling && runs.count(r.m->ceiling)) {
            const double q = paired(r.m->key, r.m->ceiling); // this figure over its ceiling's
            ratio = fmt::format("{:.1f}%", 100 * q);
            ratios[std::string(r.m->key) + "_over_" + r.m->ceiling] = q;
            if (r.m->target_ratio > 0) {
                target = fmt::format(">={:.0f}%", 100 * r.m->target_ratio);
                met = q >= r.m->target_ratio;
            }
        }
        if (r.m->target_abs > 0) {
            target = fmt::format(">={:.3g}", r.m->target_abs);
            met = r.median >= r.m->target_abs;
        }
        all_met = all_met && met;
        if (!o.json) {
            std::cout << fmt::format("{:<30} {:>14.4g} {:>22} {:>9} {:>10}  {} [{}]{}\n", r.m->key, r.median,
                                     fmt::format("{:.3g}-{:.3g}", r.lo, r.hi), ratio, target, r.m->what, r.m->unit,
                                     target.empty() ? "" : (met ? "  ok" : "  BELOW TARGET"));
        }
        // Cost per unit as a multiple of the like-for-like ceiling's: that
        // ceiling's rate over this one.
        if (*r.m->like_for_like && runs.count(r.m->like_for_like)) {
            const double x = paired(r.m->like_for_like, r.m->key);
            ratios[std::string(r.m->key) + "_cost_over_" + r.m->like_for_like] = x;
            if (!o.json)
                std::cout << fmt::format("{:<30} {:>14} {:>22} {:>8.2f}x {:>10}  cost per transaction over {}'s "
                                         "(same initiator and hops, no model work)\n",
                                         "", "", "", x, "", r.m->like_for_like);
        }
    }
    j["ratios"] = ratios;
    j["repeat"] = o.repeat;
    j["targets_met"] = all_met;
    if (o.json) std::cout << j.dump(2) << "\n";
}

app::command_registrar reg{"bench", 80, [](CLI::App& root) {
    auto o = std::make_shared<bench_opts>();
    auto* c = root.add_subcommand("bench", "Measure simulator speed (medians of repeated runs, one process each)");
    c->add_option("--repeat", o->repeat, "Rounds: each runs every measurement once; medians are reported, and each ratio is the median of the rounds' own ratios")->check(CLI::Range(1, 99));
    c->add_option("--seconds", bench::g_budget, "Wall-clock budget per run (s)")->check(CLI::Range(0.05, 60.0));
    c->add_flag("--json", o->json, "Print one JSON object (measurement keys, ratios, targets_met)");
    c->add_option("--only", o->only, "Run only these measurement keys");
    c->add_option("--one", o->one, "Internal: run one measurement in this process and print the figure")
        ->group("");
    c->callback([o] { run_bench(*o); });
}};

} // namespace
