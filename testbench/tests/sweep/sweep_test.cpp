// Parameter sweeps and plots (docs/guide-sweeps.md): the grid and key checks
// in-process, then `ddisim sweep` and `ddisim plot` as a user runs them —
// one folder per point, results.csv, determinism, resume, failure isolation,
// the GNU Parallel job list with --collect, the Slurm script, and plots.
// Sweeps here use the default scenario with a short run.duration so each
// point takes a fraction of a second.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <set>
#include <unistd.h>
#include <sstream>

#include "run_helpers.h"
#include "testbench/config/scenario_loader.h"
#include "testbench/config/sweep.h"

using namespace ddisim::test;
using namespace ddisim::config;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string l;
    while (std::getline(in, l)) out.push_back(l);
    return out;
}

std::vector<std::string> split_csv_line(const std::string& line) {
    std::vector<std::string> f;
    std::string cur;
    for (char c : line) {
        if (c == ',') f.push_back(cur), cur.clear();
        else cur += c;
    }
    f.push_back(cur);
    return f;
}

std::set<std::string> point_folders(const fs::path& d) {
    std::set<std::string> s;
    for (const auto& e : fs::directory_iterator(d))
        if (e.is_directory() && e.path().filename().string().rfind("p0", 0) == 0) s.insert(e.path().filename().string());
    return s;
}

// The swept scenario: two traffic generators (a sequential reader and a
// random read/write mix) that finish in well under a second, kept here so
// these tests do not depend on how scenarios/default.yaml evolves.
const std::string& scenario_file() {
    static const std::string path = [] {
        const auto dir = fs::path(DDISIM_BINARY_DIR) / "test-scratch";
        fs::create_directories(dir);
        const auto p = dir / "sweep-scenario.yaml";
        const auto tmp = dir / ("sweep-scenario.yaml." + std::to_string(::getpid()));
        std::ofstream(tmp) << "platform:\n  traffic:\n"
                              "    - {pattern: sequential, base: 0x100000, range: 1MiB, size: 4KiB, outstanding: 4, count: 200, requester_id: 1}\n"
                              "    - {pattern: random, base: 0x200000, range: 16MiB, size: 64B, read_fraction: 0.5, outstanding: 8, count: 500, requester_id: 2}\n";
        fs::rename(tmp, p); // atomic: tests may run at once
        return p.string();
    }();
    return path;
}

// Short points: the scenario above, stopped after 20 µs of simulated time.
std::string sweep_cmd() { return "sweep " + scenario_file() + " "; }
const std::string short_run = " --param run.duration=20us";

bool have_parallel() { return std::system("command -v parallel >/dev/null 2>&1") == 0; }

} // namespace

TEST_CASE("sweep: a key with two values and one with three give six points with the right --set values") {
    const auto a = parse_sweep_param("run.seed=1,2");
    const auto b = parse_sweep_param("platform.memory.latency = 45ns, 60ns ,90ns");
    CHECK(b.key == "platform.memory.latency");
    CHECK(b.values == std::vector<std::string>{"45ns", "60ns", "90ns"});
    const auto pts = expand_sweep_grid({a, b});
    REQUIRE(pts.size() == 6);
    // The first axis varies slowest.
    CHECK(pts[0].sets() == std::vector<std::string>{"run.seed=1", "platform.memory.latency=45ns"});
    CHECK(pts[1].sets() == std::vector<std::string>{"run.seed=1", "platform.memory.latency=60ns"});
    CHECK(pts[3].sets() == std::vector<std::string>{"run.seed=2", "platform.memory.latency=45ns"});
    CHECK(pts[5].sets() == std::vector<std::string>{"run.seed=2", "platform.memory.latency=90ns"});
    CHECK(pts[5].id == "p0005");
    CHECK(pts[5].dir == "p0005-run.seed=2-platform.memory.latency=90ns");
    // Folder names stay file-name safe.
    const auto odd = expand_sweep_grid({{"platform.traffic[0].size", {"4 KiB"}}});
    CHECK(odd[0].dir == "p0000-platform.traffic_0_.size=4_KiB");
    CHECK_THROWS_AS(parse_sweep_param("run.seed"), sweep_error);
    CHECK_THROWS_AS(parse_sweep_param("run.seed=1,,2"), sweep_error);
    CHECK_THROWS_AS(parse_sweep_param("run.seed="), sweep_error);
}

TEST_CASE("sweep: a --param replaces the sweep section's entry for the same key and adds the others") {
    const auto sc = load_scenario_text(
        "sweep:\n  jobs: 3\n  params:\n    - key: run.seed\n      values: 1,2\n    - key: run.timing\n      values: lt,at\n",
        "s.yaml");
    CHECK(sc.sweep.jobs == 3);
    const auto axes = merge_sweep_axes(sc.sweep, {parse_sweep_param("run.timing=at"), parse_sweep_param("run.quantum=1us,2us")});
    REQUIRE(axes.size() == 3);
    CHECK(axes[0].key == "run.seed");
    CHECK(axes[1].values == std::vector<std::string>{"at"});
    CHECK(axes[2].key == "run.quantum");
    CHECK(expand_sweep_grid(axes).size() == 4);
    CHECK_THROWS_AS(merge_sweep_axes({}, {parse_sweep_param("run.seed=1"), parse_sweep_param("run.seed=2")}), sweep_error);
}

TEST_CASE("sweep: swept keys are checked against the schema, naming the bad part") {
    // two traffic generators (the default scenario has none since it became a storage run)
    const auto sc = load_default_scenario({"platform.traffic=[{}, {}]"});
    CHECK(check_sweep_key("run.seed", sc).empty());
    CHECK(check_sweep_key("platform.memory.latency", sc).empty());
    CHECK(check_sweep_key("platform.traffic.1.size", sc).empty());
    CHECK(check_sweep_key("platform.traffic[0].outstanding", sc).empty());
    CHECK(check_sweep_key("platform.traffic", sc).empty()); // a whole list
    CHECK(check_sweep_key("platform.memry.latency", sc) == "platform.memry: unknown key (did you mean 'memory'?)");
    CHECK(check_sweep_key("run.seed.x", sc).find("has no keys below it") != std::string::npos);
    CHECK(check_sweep_key("platform.traffic.5.size", sc).find("past the end") != std::string::npos);
    CHECK(check_sweep_key("run.output", sc).find("set by the sweep") != std::string::npos);
    CHECK(check_sweep_key("sweep.jobs", sc).find("cannot be swept") != std::string::npos);
}

TEST_CASE("sweep: an unknown swept key is refused before any point runs") {
    const auto d = scratch("sweep_badkey");
    const auto r = run_ddisim(sweep_cmd() + "--quiet --out " + (d / "s").string() + " --param run.seed=1,2 --param platform.memory.latncy=45ns");
    INFO(r.out);
    CHECK(r.status == 2);
    CHECK(r.out.find("platform.memory.latncy: unknown key (did you mean 'latency'?)") != std::string::npos);
    CHECK(!fs::exists(d / "s" / "sweep.json"));
}

TEST_CASE("sweep: a small sweep writes one folder per point and results.csv with one row each and the headline columns") {
    const auto d = scratch("sweep_small") / "s";
    const auto r = run_ddisim(sweep_cmd() + "-j 2 --out " + d.string() + short_run + " --param run.seed=1,2 --param platform.memory.latency=45ns,90ns");
    INFO(r.out);
    REQUIRE(r.status == 0);
    CHECK(r.out.find("4 points: 4 ok") != std::string::npos);
    const auto dirs = point_folders(d);
    CHECK(dirs == std::set<std::string>{"p0000-run.duration=20us-run.seed=1-platform.memory.latency=45ns",
                                        "p0001-run.duration=20us-run.seed=1-platform.memory.latency=90ns",
                                        "p0002-run.duration=20us-run.seed=2-platform.memory.latency=45ns",
                                        "p0003-run.duration=20us-run.seed=2-platform.memory.latency=90ns"});
    for (const auto& p : dirs) {
        CHECK(fs::exists(d / p / "results.json"));
        CHECK(fs::exists(d / p / "done.json"));
        CHECK(fs::exists(d / p / "run.log"));
    }
    // The point really ran with its settings.
    const auto eff = read_file(d / *dirs.rbegin() / "scenario.yaml");
    CHECK(eff.find("seed: 2") != std::string::npos);
    CHECK(eff.find("latency: 90ns") != std::string::npos);

    const auto csv = lines_of(read_file(d / "results.csv"));
    REQUIRE(csv.size() == 5);
    const auto head = split_csv_line(csv[0]);
    REQUIRE(head.size() > 6);
    CHECK(std::vector<std::string>(head.begin(), head.begin() + 5) ==
          std::vector<std::string>{"point", "run.duration", "run.seed", "platform.memory.latency", "status"});
    const auto has = [&](const std::string& col) { return std::find(head.begin(), head.end(), col) != head.end(); };
    CHECK(has("simulated_time_ps"));
    CHECK(has("workload_done"));
    const auto results = nlohmann::json::parse(read_file(d / *dirs.begin() / "results.json"));
    for (const auto& g : results["headline"]["traffic"]) {
        const std::string n = g["name"].get<std::string>();
        CHECK(has("traffic." + n + ".bandwidth_bytes_per_s"));
        CHECK(has("traffic." + n + ".latency_ns.p99"));
    }
    for (std::size_t i = 1; i < csv.size(); ++i) {
        const auto f = split_csv_line(csv[i]);
        CHECK(f.size() == head.size());
        CHECK(f[4] == "ok");
    }
    CHECK(split_csv_line(csv[4])[2] == "2");
    CHECK(split_csv_line(csv[4])[3] == "90ns");
    // The latency setting changes the results.
    CHECK(read_file(d / *dirs.begin() / "results.json") != read_file(d / *std::next(dirs.begin()) / "results.json"));
    CHECK(lines_of(read_file(d / "results.jsonl")).size() == 4);
    const auto j3 = nlohmann::json::parse(lines_of(read_file(d / "results.jsonl"))[3]);
    CHECK(j3["params"]["run.seed"] == "2");
    CHECK(j3["status"] == "ok");
    CHECK(j3["headline"].contains("traffic"));
}

TEST_CASE("sweep: workload.fio.vars sweeps a fio option through ${NAME} in the job") {
    const auto d = scratch("sweep_fio_vars");
    const auto sc = d / "qd.yaml";
    std::ofstream(sc) << "platform:\n  hba:\n    present: true\n    targets:\n      - kind: ram\n"
                         "workload:\n  kind: fio\n  fio:\n    job: |\n      [j]\n      ioengine=libaio\n"
                         "      rw=randread\n      bs=4k\n      iodepth=${QD}\n      number_ios=2000\n";
    const auto r = run_ddisim("sweep " + sc.string() + " -j 2 --out " + (d / "s").string() +
                              " --param 'workload.fio.vars=QD=1,QD=16'");
    INFO(r.out);
    REQUIRE(r.status == 0);
    CHECK(r.out.find("2 points: 2 ok") != std::string::npos);
    const auto csv = lines_of(read_file(d / "s" / "results.csv"));
    REQUIRE(csv.size() == 3);
    const auto head = split_csv_line(csv[0]);
    const auto col = std::find(head.begin(), head.end(), "fio.total.iops") - head.begin();
    REQUIRE(col < static_cast<long>(head.size()));
    const auto qd1 = split_csv_line(csv[1]), qd16 = split_csv_line(csv[2]);
    CHECK(qd1[1] == "QD=1");
    CHECK(qd16[1] == "QD=16");
    CHECK(std::stod(qd16[col]) > 2 * std::stod(qd1[col])); // 16 reads in flight against 1 (the RAM disk: 3.6 ×)
    const auto job16 = nlohmann::json::parse(read_file(d / "s" / *std::prev(point_folders(d / "s").end()) / "fio.json"));
    CHECK(job16["jobs"][0]["job options"]["iodepth"] == "16");
    // a malformed value is refused naming the key
    const auto bad = run_ddisim("config --check " + sc.string() + " --set 'workload.fio.vars=QD'");
    CHECK(bad.status == 2);
    CHECK(bad.out.find("--set 'workload.fio.vars=QD': workload.fio.vars: 'QD' is not NAME=VALUE") != std::string::npos);
    // and a variable the job uses but nobody sets, naming the job's line
    const auto unset = run_ddisim("run --quiet " + sc.string() + " --out " + (d / "u").string());
    CHECK(unset.status == 2);
    CHECK(unset.out.find("workload.fio.job:5") != std::string::npos);
    CHECK(unset.out.find("'QD' is not set") != std::string::npos);
}

TEST_CASE("sweep: a point gives byte-identical results.json in two sweeps and in a plain run") {
    const auto d = scratch("sweep_det");
    const std::string args = short_run + " --param run.seed=3 --param platform.memory.latency=60ns";
    REQUIRE(run_ddisim(sweep_cmd() + "--quiet --out " + (d / "a").string() + args).status == 0);
    REQUIRE(run_ddisim(sweep_cmd() + "--quiet --out " + (d / "b").string() + args).status == 0);
    const std::string p = "p0000-run.duration=20us-run.seed=3-platform.memory.latency=60ns";
    const auto ra = read_file(d / "a" / p / "results.json");
    CHECK(!ra.empty());
    CHECK(ra == read_file(d / "b" / p / "results.json"));
    REQUIRE(run_ddisim("run " + scenario_file() + " --quiet --out " + (d / "plain").string() +
                       " --set run.duration=20us --set run.seed=3 --set platform.memory.latency=60ns")
                .status == 0);
    CHECK(ra == read_file(d / "plain" / "results.json"));
}

TEST_CASE("sweep: a second run resumes, running only the points without a done marker") {
    const auto d = scratch("sweep_resume") / "s";
    const std::string cmd = sweep_cmd() + "-j 2 --out " + d.string() + short_run + " --param run.seed=1,2,3";
    auto r = run_ddisim(cmd);
    INFO(r.out);
    REQUIRE(r.status == 0);
    const auto dirs = point_folders(d);
    REQUIRE(dirs.size() == 3);
    // A sentinel in every point folder: a point that runs again starts from
    // an empty folder, so its sentinel disappears.
    for (const auto& p : dirs) std::ofstream(d / p / "sentinel") << "x";
    const std::string p1 = "p0001-run.duration=20us-run.seed=2";
    const auto csv_before = read_file(d / "results.csv");
    fs::remove(d / p1 / "done.json"); // as if the sweep had been interrupted during p0001
    r = run_ddisim(cmd);
    INFO(r.out);
    REQUIRE(r.status == 0);
    CHECK(r.out.find("3 points: 3 ok (2 already done)") != std::string::npos);
    CHECK(fs::exists(d / "p0000-run.duration=20us-run.seed=1" / "sentinel"));
    CHECK(!fs::exists(d / p1 / "sentinel"));
    CHECK(fs::exists(d / p1 / "done.json"));
    CHECK(fs::exists(d / "p0002-run.duration=20us-run.seed=3" / "sentinel"));
    CHECK(read_file(d / "results.csv") == csv_before);

    // Nothing left to do: a third run runs no point.
    r = run_ddisim(cmd);
    CHECK(r.status == 0);
    CHECK(r.out.find("(3 already done)") != std::string::npos);
    CHECK(fs::exists(d / p1 / "sentinel") == false);
    CHECK(fs::exists(d / "p0000-run.duration=20us-run.seed=1" / "sentinel"));

    // A changed scenario (here: another fixed setting) is a different sweep: its points run.
    r = run_ddisim(sweep_cmd() + "-j 2 --out " + d.string() + " --param run.duration=30us --param run.seed=1,2,3");
    CHECK(r.status == 0);
    CHECK(r.out.find("already done") == std::string::npos);
}

TEST_CASE("sweep: a failed point is reported, the other points run, and the exit status is nonzero") {
    const auto d = scratch("sweep_fail") / "s";
    // run.timing=xt is not a timing style: that point's `ddisim run` exits 2.
    const auto r = run_ddisim(sweep_cmd() + "-j 2 --out " + d.string() + short_run + " --param run.timing=lt,xt,at");
    INFO(r.out);
    CHECK(r.status == 1);
    const std::string bad = "p0001-run.duration=20us-run.timing=xt";
    CHECK(r.out.find(bad + ": failed (exit status 2)") != std::string::npos);
    CHECK(r.out.find("run.timing") != std::string::npos); // the child's reason is passed on
    CHECK(r.out.find("1 of 3 points failed: " + bad) != std::string::npos);
    CHECK(fs::exists(d / "p0000-run.duration=20us-run.timing=lt" / "done.json"));
    CHECK(fs::exists(d / "p0002-run.duration=20us-run.timing=at" / "done.json"));
    CHECK(!fs::exists(d / bad / "done.json"));
    CHECK(fs::exists(d / bad / "failed.json"));
    const auto csv = lines_of(read_file(d / "results.csv"));
    REQUIRE(csv.size() == 4);
    CHECK(split_csv_line(csv[1])[3] == "ok");
    CHECK(split_csv_line(csv[2])[3] == "failed");
    CHECK(split_csv_line(csv[3])[3] == "ok");
    const auto j = nlohmann::json::parse(lines_of(read_file(d / "results.jsonl"))[1]);
    CHECK(j["status"] == "failed");
    CHECK(j["exit_status"] == 2);
}

TEST_CASE("sweep: the --emit parallel job list runs under GNU Parallel and --collect gives the local run's results.csv") {
    REQUIRE(have_parallel()); // Debian package parallel, installed by scripts/setup.sh
    const auto d = scratch("sweep_parallel");
    const std::string grid = short_run + " --param run.seed=1,2 --param run.timing=lt,at";
    auto r = run_ddisim(sweep_cmd() + "-j 2 --quiet --out " + (d / "local").string() + grid);
    INFO(r.out);
    REQUIRE(r.status == 0);

    r = run_ddisim(sweep_cmd() + "-j 2 --emit parallel --out " + (d / "emitted").string() + grid);
    INFO(r.out);
    REQUIRE(r.status == 0);
    const auto jobs = lines_of(read_file(d / "emitted" / "jobs.txt"));
    REQUIRE(jobs.size() == 4);
    CHECK(jobs[3].find(" sweep --out '" + fs::absolute(d / "emitted").string() + "' --point 3") != std::string::npos);
    CHECK(point_folders(d / "emitted").empty()); // emitting runs nothing
    // Before the jobs run, collect lists every point as not run.
    r = run_ddisim("sweep --collect " + (d / "emitted").string());
    CHECK(r.status == 1);
    CHECK(r.out.find("4 points: 0 ok, 4 not run") != std::string::npos);

    const std::string par = "parallel --will-cite -j 2 --joblog '" + (d / "emitted" / "joblog.txt").string() + "' < '" +
                            (d / "emitted" / "jobs.txt").string() + "' > '" + (d / "parallel.out").string() + "' 2>&1";
    INFO(read_file(d / "parallel.out"));
    REQUIRE(std::system(par.c_str()) == 0);
    CHECK(lines_of(read_file(d / "emitted" / "joblog.txt")).size() == 5); // header + 4 jobs

    r = run_ddisim("sweep --collect " + (d / "emitted").string());
    INFO(r.out);
    REQUIRE(r.status == 0);
    CHECK(r.out.find("4 points: 4 ok") != std::string::npos);
    const auto local_csv = read_file(d / "local" / "results.csv");
    CHECK(lines_of(local_csv).size() == 5);
    CHECK(read_file(d / "emitted" / "results.csv") == local_csv);
    CHECK(read_file(d / "emitted" / "results.jsonl") == read_file(d / "local" / "results.jsonl"));

    // Re-running the job list skips finished points.
    r = run_ddisim("sweep --out " + (d / "emitted").string() + " --point 2");
    CHECK(r.status == 0);
    CHECK(r.out.find(": already done") != std::string::npos);
}

TEST_CASE("sweep: --emit slurm writes an array script with one task per point") {
    const auto d = scratch("sweep_slurm") / "s";
    const auto r = run_ddisim(sweep_cmd() + "-j 4 --emit slurm --out " + d.string() + short_run + " --param run.seed=1,2,3 --param run.timing=lt,at");
    INFO(r.out);
    REQUIRE(r.status == 0);
    const auto s = read_file(d / "sweep.sbatch");
    INFO(s);
    CHECK(s.rfind("#!/bin/bash\n", 0) == 0);
    CHECK(s.find("#SBATCH --array=0-5%4\n") != std::string::npos);
    CHECK(s.find("#SBATCH --output=" + fs::absolute(d).lexically_normal().string() + "/slurm-%A_%a.out\n") != std::string::npos);
    CHECK(s.find(" sweep --out '" + fs::absolute(d).lexically_normal().string() + "' --point \"$SLURM_ARRAY_TASK_ID\"\n") !=
          std::string::npos);
    CHECK(std::system(("bash -n '" + (d / "sweep.sbatch").string() + "'").c_str()) == 0);
    // The manifest the tasks read lists all six points.
    CHECK(read_manifest(d).points.size() == 6);
    // A task id past the grid is an error, not a silent success.
    const auto bad = run_ddisim("sweep --out " + d.string() + " --point 6");
    CHECK(bad.status == 2);
    CHECK(bad.out.find("has points 0 … 5") != std::string::npos);
}

namespace {
// A results.csv like a sweep's: sizes with units on x, two series.
fs::path sample_csv(const fs::path& d) {
    const auto p = d / "results.csv";
    std::ofstream(p) << "point,platform.traffic.0.size,run.timing,status,traffic.tgen0.bandwidth_bytes_per_s,traffic.tgen0.latency_ns.p99\n"
                        "p0000,4KiB,lt,ok,1.5e9,120.5\n"
                        "p0001,4KiB,at,ok,1.4e9,130\n"
                        "p0002,64KiB,lt,ok,3.1e9,900\n"
                        "p0003,64KiB,at,ok,2.9e9,950.25\n"
                        "p0004,1MiB,lt,failed,,\n"
                        "p0005,1MiB,at,ok,3.3e9,12000\n";
    return p;
}
} // namespace

TEST_CASE("plot: renders a PNG and an SVG from a results.csv") {
    const auto d = scratch("plot_render");
    const auto csv = sample_csv(d).string();
    auto r = run_ddisim("plot " + csv + " --x platform.traffic.0.size --y traffic.tgen0.bandwidth_bytes_per_s --series run.timing --logx -o " +
                        (d / "bw.png").string());
    INFO(r.out);
    REQUIRE(r.status == 0);
    const auto png = read_file(d / "bw.png");
    CHECK(png.size() > 5000);
    CHECK(png.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));

    r = run_ddisim("plot " + csv + " --x platform.traffic.0.size --y traffic.tgen0.latency_ns.p99 --logy -o " + (d / "lat.svg").string());
    INFO(r.out);
    REQUIRE(r.status == 0);
    const auto svg = read_file(d / "lat.svg");
    CHECK(svg.rfind("<?xml", 0) == 0);
    CHECK(svg.find("<svg") != std::string::npos);
    // Units: sizes converted to bytes, the metric's unit read from its name.
    CHECK(svg.find("platform.traffic.0.size [B]") != std::string::npos);
    CHECK(svg.find("traffic.tgen0.latency_ns.p99 [ns]") != std::string::npos);
    // No date in the file: the same results give the same SVG.
    CHECK(svg.find("<dc:date>") == std::string::npos);
}

TEST_CASE("plot: a column that is not in results.csv gives a clear error naming it") {
    const auto d = scratch("plot_badcol");
    const auto csv = sample_csv(d).string();
    auto r = run_ddisim("plot " + csv + " --x platform.traffic.0.size --y traffic.tgen0.latency_ns.p90 -o " + (d / "x.png").string());
    INFO(r.out);
    CHECK(r.status == 2);
    CHECK(r.out.find("--y traffic.tgen0.latency_ns.p90: " + csv + " has no such column (did you mean 'traffic.tgen0.latency_ns.p99'?)") !=
          std::string::npos);
    CHECK(!fs::exists(d / "x.png"));
    r = run_ddisim("plot " + csv + " --x run.timing --y traffic.tgen0.latency_ns.p99 -o " + (d / "x.jpg").string());
    CHECK(r.status == 2);
    CHECK(r.out.find("must end in .png, .svg or .pdf") != std::string::npos);
}

TEST_CASE("sweep: the progress line shows on a terminal only") {
    const auto d = scratch("sweep_pty");
    const auto t = run_ddisim_on_terminal(sweep_cmd() + "-j 2 --out " + (d / "a").string() + short_run + " --param run.seed=1,2,3");
    const std::string& out = t.out;
    INFO(out);
    REQUIRE(t.status == 0);
    CHECK(out.find("ddisim sweep: 0/3 done, 0 failed, 0 running, 0:00 elapsed") != std::string::npos);
    CHECK(out.find("ddisim sweep: 3/3 done, 0 failed, 0 running") != std::string::npos);
    const auto r = run_ddisim(sweep_cmd() + "-j 2 --out " + (d / "b").string() + short_run + " --param run.seed=1,2,3");
    CHECK(r.status == 0);
    CHECK(r.out.find(" done, ") == std::string::npos);
    CHECK(r.out.find("3 points: 3 ok") != std::string::npos);
    // With --quiet on a terminal: neither the progress line nor the summary.
    const auto q = run_ddisim_on_terminal(sweep_cmd() + "--quiet --out " + (d / "c").string() + short_run + " --param run.seed=1");
    REQUIRE(q.status == 0);
    CHECK(q.out.empty());
}

TEST_CASE("sweep: the scenario's sweep section gives the grid and a --param adds to it") {
    const auto d = scratch("sweep_section");
    const auto scen = d / "scenario.yaml";
    // A small scenario of its own: one random reader.
    std::ofstream(scen) << "platform:\n  traffic:\n    - pattern: random\n      base: 0x100000\n      range: 1MiB\n"
                           "      size: 256B\n      count: 200\n"
                           "sweep:\n  jobs: 2\n  params:\n    - key: run.seed\n      values: 1, 2\n";
    const auto r = run_ddisim("sweep " + scen.string() + " --out " + (d / "s").string() + short_run);
    INFO(r.out);
    REQUIRE(r.status == 0);
    CHECK(point_folders(d / "s") ==
          std::set<std::string>{"p0000-run.seed=1-run.duration=20us", "p0001-run.seed=2-run.duration=20us"});
    // The sweep folder holds the user's scenario as given; every point ran it.
    CHECK(read_file(d / "s" / "scenario.yaml") == read_file(scen));
    CHECK(read_file(d / "s" / "p0001-run.seed=2-run.duration=20us" / "scenario.yaml").find("seed: 2") != std::string::npos);
    const auto csv = lines_of(read_file(d / "s" / "results.csv"));
    REQUIRE(csv.size() == 3);
    CHECK(csv[0].rfind("point,run.seed,run.duration,status,", 0) == 0);
    // The seed changes the random addresses, so the data checksum differs.
    CHECK(read_file(d / "s" / "p0000-run.seed=1-run.duration=20us" / "results.json") !=
          read_file(d / "s" / "p0001-run.seed=2-run.duration=20us" / "results.json"));
}
