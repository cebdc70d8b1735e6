// `ddisim sweep`: run a scenario over a grid of parameter values, one
// `ddisim run` process per point (docs/guide-sweeps.md).
//
//   ddisim sweep [SCENARIO] --param KEY=V1,V2,… [--param …] [-j N] [--out DIR] [--quiet]
//   ddisim sweep [SCENARIO] --param … --emit parallel|slurm [--out DIR]
//   ddisim sweep --out DIR --point N      run point N of a prepared sweep folder
//   ddisim sweep --collect DIR            merge the points' results into DIR/results.csv
//
// The grid comes from the scenario's `sweep:` section and the --param
// options (a --param replaces the section's entry for the same key). Every
// key is checked against the schema before anything runs. Each point runs
// `ddisim run DIR/scenario.yaml --set KEY=VALUE… --out DIR/<point>` with its
// output in DIR/<point>/run.log; done.json is written last (by rename) once
// the run ended with exit status 0 or 1 (1: completed, some transactions
// ended in error). A second sweep into the same folder runs only the points
// without a matching done.json. The grid and folder layout live in
// testbench/config/sweep.h.
#include "testbench/app/command.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "testbench/config/scenario_loader.h"
#include "testbench/config/sweep.h"

extern char** environ;

namespace {
using namespace ddisim;
namespace fs = std::filesystem;

struct sweep_opts {
    std::string scenario;
    std::vector<std::string> params;
    int jobs = -1;
    std::string out = "sweep";
    bool quiet = false;
    std::string emit;
    std::string collect;
    int point = -1;
};

volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void on_signal(int) { g_interrupted = 1; }

std::string self_exe() {
    std::error_code ec;
    auto p = fs::read_symlink("/proc/self/exe", ec);
    if (ec) throw std::runtime_error("cannot find the ddisim executable (/proc/self/exe)");
    return p.string();
}

std::string shell_quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) {
        if (c == '\'') q += "'\\''";
        else q += c;
    }
    return q + "'";
}

std::string read_text(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

std::string last_line(const std::string& text) {
    std::istringstream in(text);
    std::string line, last;
    while (std::getline(in, line))
        if (line.find_first_not_of(" \t\r") != std::string::npos) last = line;
    return last;
}

std::string elapsed_text(double s) {
    const auto t = static_cast<long>(s);
    return t >= 3600 ? fmt::format("{}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60) : fmt::format("{}:{:02}", t / 60, t % 60);
}

// ---------------------------------------------------------------- one point

// Starts `ddisim run` for point p; returns the child's pid.
pid_t start_point(const std::string& exe, const fs::path& dir, const config::sweep_manifest& m, const config::sweep_point& p) {
    const fs::path pdir = dir / p.dir;
    fs::remove_all(pdir);
    fs::create_directories(pdir);
    const fs::path scen = dir / m.scenario_file;
    std::vector<std::string> args{exe, "run", scen.string()};
    for (const auto& s : p.sets()) args.insert(args.end(), {"--set", s});
    args.insert(args.end(), {"--out", pdir.string(), "--brief"});
    // Waves and traces named in the scenario go into the point's folder, so
    // points never write the same file.
    bool swept_waves = false, swept_trace = false;
    for (const auto& [k, v] : p.settings) swept_waves |= k == "run.waves", swept_trace |= k == "run.trace";
    try {
        const auto sc = config::load_scenario(scen.string(), p.sets());
        if (!sc.run.waves.empty() && !swept_waves) args.insert(args.end(), {"--waves", (pdir / "waves.vcd").string()});
        if (!sc.run.trace.empty() && !swept_trace) args.insert(args.end(), {"--trace", (pdir / "trace.json").string()});
    } catch (const config::scenario_error&) {
        // The child reports it (the point fails).
    }

    const std::string log = (pdir / "run.log").string();
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, exe.c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) throw std::runtime_error(fmt::format("cannot start {}: {}", exe, std::strerror(rc)));
    return pid;
}

// Records how point p ended (done.json or failed.json) and returns its state.
config::point_state finish_point(const fs::path& dir, const config::sweep_manifest& m, const config::sweep_point& p, int wstatus) {
    const fs::path pdir = dir / p.dir;
    config::point_state st;
    st.exit_status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + (WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0);
    const bool completed = (st.exit_status == 0 || st.exit_status == 1) && fs::exists(pdir / "results.json");
    auto marker = config::point_marker(p, m.fingerprint, st.exit_status);
    if (completed) {
        st.status = st.exit_status == 0 ? config::point_status::done_ok : config::point_status::done_errors;
        config::write_file_atomic(pdir / "done.json", marker.dump(2) + "\n");
    } else {
        st.status = config::point_status::failed;
        st.message = WIFSIGNALED(wstatus) ? fmt::format("killed by signal {}", WTERMSIG(wstatus))
                                          : last_line(read_text(pdir / "run.log"));
        marker["message"] = st.message;
        config::write_file_atomic(pdir / "failed.json", marker.dump(2) + "\n");
    }
    return st;
}

std::string describe_failure(const config::sweep_point& p, const config::point_state& st) {
    return fmt::format("{}: failed (exit status {}){}{}", p.dir, st.exit_status, st.message.empty() ? "" : ": ", st.message);
}

// ---------------------------------------------------------------- prepare

struct prepared {
    fs::path dir;
    config::sweep_manifest manifest;
    unsigned jobs = 1;
};

prepared prepare(const sweep_opts& o) {
    std::string text;
    config::scenario sc;
    if (o.scenario.empty()) {
        text = std::string(config::default_scenario_text());
        sc = config::load_default_scenario();
    } else {
        sc = config::load_scenario(o.scenario);
        text = read_text(o.scenario);
    }
    std::vector<config::sweep_axis> cli;
    for (const auto& a : o.params) cli.push_back(config::parse_sweep_param(a));
    auto axes = config::merge_sweep_axes(sc.sweep, cli);
    if (axes.empty())
        throw config::sweep_error("nothing to sweep: give --param KEY=V1,V2,… or a sweep: section in the scenario");
    for (const auto& a : axes) {
        const std::string why = config::check_sweep_key(a.key, sc);
        if (!why.empty()) throw config::sweep_error(fmt::format("swept key '{}': {}", a.key, why));
    }
    prepared pr;
    pr.dir = o.out;
    pr.manifest.fingerprint = config::sweep_fingerprint(text);
    pr.manifest.axes = axes;
    pr.manifest.points = config::expand_sweep_grid(axes);
    pr.jobs = o.jobs > 0 ? unsigned(o.jobs) : sc.sweep.jobs;
    if (pr.jobs == 0) pr.jobs = std::max(1u, std::thread::hardware_concurrency());
    fs::create_directories(pr.dir);
    const fs::path scen = pr.dir / pr.manifest.scenario_file;
    if (!fs::exists(scen) || read_text(scen) != text) config::write_file_atomic(scen, text);
    config::write_file_atomic(pr.dir / "sweep.json", config::to_json(pr.manifest).dump(2) + "\n");
    return pr;
}

// ---------------------------------------------------------------- modes

int emit(const sweep_opts& o, const prepared& pr) {
    const std::string exe = self_exe();
    const std::string adir = fs::absolute(pr.dir).lexically_normal().string();
    const std::size_t n = pr.manifest.points.size();
    if (o.emit == "parallel") {
        std::string jobs;
        for (std::size_t i = 0; i < n; ++i)
            jobs += fmt::format("{} sweep --out {} --point {}\n", shell_quote(exe), shell_quote(adir), i);
        config::write_file_atomic(pr.dir / "jobs.txt", jobs);
        std::cout << fmt::format("{} points written to {}\nrun them:      parallel -j {} --joblog {} < {}\n"
                                 "then collect:  {} sweep --collect {}\n",
                                 n, (pr.dir / "jobs.txt").string(), pr.jobs, shell_quote(adir + "/joblog.txt"),
                                 shell_quote(adir + "/jobs.txt"), shell_quote(exe), shell_quote(adir));
        return 0;
    }
    std::string s = "#!/bin/bash\n";
    s += fmt::format("# ddisim sweep: one Slurm array task per point ({} points), each running\n"
                     "# `ddisim sweep --point $SLURM_ARRAY_TASK_ID` on the sweep folder below.\n"
                     "# Submit:   sbatch {}\n"
                     "# Collect:  {} sweep --collect {}\n",
                     n, shell_quote(adir + "/sweep.sbatch"), shell_quote(exe), shell_quote(adir));
    s += "#SBATCH --job-name=ddisim-sweep\n";
    s += o.jobs > 0 ? fmt::format("#SBATCH --array=0-{}%{}\n", n - 1, o.jobs) : fmt::format("#SBATCH --array=0-{}\n", n - 1);
    s += "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=1\n";
    s += fmt::format("#SBATCH --output={}/slurm-%A_%a.out\n", adir);
    s += "set -eu\n";
    s += fmt::format("exec {} sweep --out {} --point \"$SLURM_ARRAY_TASK_ID\"\n", shell_quote(exe), shell_quote(adir));
    config::write_file_atomic(pr.dir / "sweep.sbatch", s);
    std::cout << fmt::format("{} points: submit with  sbatch {}\nthen collect:  {} sweep --collect {}\n", n,
                             (pr.dir / "sweep.sbatch").string(), shell_quote(exe), shell_quote(adir));
    return 0;
}

int report(const fs::path& dir, const config::sweep_summary& sum, std::size_t total, std::size_t skipped, bool quiet) {
    for (const auto& p : sum.problems) std::cerr << "ddisim sweep: " << p << "\n";
    if (!quiet) {
        std::cout << fmt::format("ddisim sweep: {} points: {} ok", total, sum.ok);
        if (sum.errors) std::cout << fmt::format(", {} completed with transaction errors", sum.errors);
        if (sum.failed) std::cout << fmt::format(", {} failed", sum.failed);
        if (sum.not_run) std::cout << fmt::format(", {} not run", sum.not_run);
        if (skipped) std::cout << fmt::format(" ({} already done)", skipped);
        std::cout << fmt::format("; results: {}\n", (dir / "results.csv").string());
    }
    return sum.failed || sum.not_run ? 1 : 0;
}

int run_local(const sweep_opts& o, const prepared& pr) {
    const std::string exe = self_exe();
    const auto& m = pr.manifest;
    std::vector<const config::sweep_point*> pending;
    std::size_t skipped = 0;
    for (const auto& p : m.points) {
        const auto st = config::read_point_state(pr.dir, p, m.fingerprint);
        if (st.status == config::point_status::done_ok || st.status == config::point_status::done_errors)
            ++skipped;
        else
            pending.push_back(&p);
    }
    const std::size_t total = m.points.size();
    const bool bar = !o.quiet && ::isatty(STDERR_FILENO) == 1;
    const auto t0 = std::chrono::steady_clock::now();
    std::size_t finished = skipped, failed = 0;
    std::map<pid_t, const config::sweep_point*> running;
    auto progress = [&] {
        if (!bar) return;
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::cerr << fmt::format("\r\033[Kddisim sweep: {}/{} done, {} failed, {} running, {} elapsed", finished, total,
                                 failed, running.size(), elapsed_text(s))
                  << std::flush;
    };

    struct sigaction sa {}, old_int {}, old_term {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; // no SA_RESTART: waitpid returns EINTR
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    g_interrupted = 0;

    std::size_t next = 0;
    progress();
    while ((next < pending.size() && !g_interrupted) || !running.empty()) {
        while (!g_interrupted && next < pending.size() && running.size() < pr.jobs) {
            const auto* p = pending[next++];
            running[start_point(exe, pr.dir, m, *p)] = p;
            progress();
        }
        if (g_interrupted)
            for (const auto& [pid, p] : running) ::kill(pid, SIGTERM);
        int ws = 0;
        const pid_t pid = ::waitpid(-1, &ws, 0);
        if (pid < 0) {
            if (errno == EINTR) continue;
            break; // no children left
        }
        auto it = running.find(pid);
        if (it == running.end()) continue;
        const auto* p = it->second;
        running.erase(it);
        if (g_interrupted) continue; // interrupted points stay without a marker: the next run repeats them
        const auto st = finish_point(pr.dir, m, *p, ws);
        ++finished;
        if (st.status == config::point_status::failed) {
            ++failed;
            if (bar) std::cerr << "\r\033[K";
            if (!o.quiet) std::cerr << "ddisim sweep: " << describe_failure(*p, st) << "\n";
        }
        progress();
    }
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
    if (bar) std::cerr << "\n";
    if (g_interrupted) {
        config::collect_sweep(pr.dir, m);
        std::cerr << fmt::format("ddisim sweep: interrupted with {}/{} points done; the same command resumes\n", finished, total);
        return 130;
    }
    const auto sum = config::collect_sweep(pr.dir, m);
    // Failures were listed as they happened unless --quiet; report() lists them again only then.
    auto shown = sum;
    if (!o.quiet) {
        shown.problems.clear();
        for (const auto& p : sum.problems)
            if (p.find(": not run") != std::string::npos) shown.problems.push_back(p);
    }
    const int rc = report(pr.dir, shown, total, skipped, o.quiet);
    if (sum.failed) {
        std::cerr << fmt::format("ddisim sweep: {} of {} points failed:", sum.failed, total);
        for (const auto& p : sum.problems)
            if (p.find(": failed") != std::string::npos) std::cerr << " " << p.substr(0, p.find(':'));
        std::cerr << " (each folder's run.log tells why)\n";
    }
    return rc;
}

int run_point(const sweep_opts& o) {
    const fs::path dir = o.out;
    const auto m = config::read_manifest(dir);
    if (o.point < 0 || std::size_t(o.point) >= m.points.size())
        throw config::sweep_error(fmt::format("--point {}: the sweep in {} has points 0 … {}", o.point, dir.string(),
                                              m.points.size() - 1));
    const auto& p = m.points[std::size_t(o.point)];
    const auto before = config::read_point_state(dir, p, m.fingerprint);
    if (before.status == config::point_status::done_ok || before.status == config::point_status::done_errors) {
        std::cout << p.dir << ": already done\n";
        return 0;
    }
    const pid_t pid = start_point(self_exe(), dir, m, p);
    int ws = 0;
    while (::waitpid(pid, &ws, 0) < 0)
        if (errno != EINTR) throw std::runtime_error("waitpid failed");
    const auto st = finish_point(dir, m, p, ws);
    if (st.status == config::point_status::failed) {
        std::cerr << "ddisim sweep: " << describe_failure(p, st) << "\n";
        return 1;
    }
    std::cout << p.dir << ": " << config::to_string(st.status) << "\n";
    return 0;
}

int run_collect(const sweep_opts& o) {
    const fs::path dir = o.collect;
    const auto m = config::read_manifest(dir);
    const auto sum = config::collect_sweep(dir, m);
    return report(dir, sum, m.points.size(), 0, o.quiet);
}

int sweep(const sweep_opts& o) {
    try {
        if (!o.collect.empty()) return run_collect(o);
        if (o.point >= 0) return run_point(o);
        const auto pr = prepare(o);
        if (!o.emit.empty()) return emit(o, pr);
        return run_local(o, pr);
    } catch (const config::scenario_error& e) {
        std::cerr << "ddisim sweep: " << e.what() << "\n";
        return 2;
    } catch (const config::sweep_error& e) {
        std::cerr << "ddisim sweep: " << e.what() << "\n";
        return 2;
    }
}

app::command_registrar reg{"sweep", 20, [](CLI::App& root) {
    auto o = std::make_shared<sweep_opts>();
    auto* c = root.add_subcommand("sweep", "Run a scenario over a grid of parameter values, one process per point");
    c->add_option("scenario", o->scenario, "Scenario YAML file (none: the built-in default scenario)")->check(CLI::ExistingFile);
    c->add_option("--param", o->params, "Swept key and its values: --param KEY=V1,V2,… (repeatable; the grid is every combination)")
        ->allow_extra_args(false)
        ->type_name("KEY=V1,V2,…");
    c->add_option("-j,--jobs", o->jobs, "Points run at once (default: sweep.jobs; 0 there = one per CPU core)")->check(CLI::Range(1, 4096));
    c->add_option("--out", o->out, "Sweep folder (default: sweep)")->type_name("DIR");
    c->add_flag("-q,--quiet", o->quiet, "No progress line and no summary (failures are still listed)");
    auto* emit_opt = c->add_option("--emit", o->emit, "Write a job list instead of running: parallel (DIR/jobs.txt for GNU Parallel) or slurm (DIR/sweep.sbatch, an array job)")
        ->check(CLI::IsMember({"parallel", "slurm"}))
        ->type_name("parallel|slurm");
    auto* collect = c->add_option("--collect", o->collect, "Merge the points' results of sweep folder DIR into DIR/results.csv and results.jsonl")
        ->type_name("DIR");
    auto* point = c->add_option("--point", o->point, "Run point N of the sweep folder given by --out (what the emitted job lists run)")
        ->type_name("N")->check(CLI::NonNegativeNumber);
    collect->excludes(emit_opt)->excludes(point);
    point->excludes(emit_opt);
    c->callback([o] { app::set_exit_status(sweep(*o)); });
}};

} // namespace
