// `ddisim plot results.csv --x KEY --y METRIC [--series KEY] [--logx] [--logy] -o plot.png|svg|pdf`:
// draws a sweep's results with matplotlib (docs/guide-sweeps.md).
//
// The columns are checked here (a clear error naming the missing column and
// the nearest existing one); the drawing is scripts/plot.py, run with
// /usr/bin/python3 (Debian's, which has python3-matplotlib; a python3 found
// earlier on PATH may not). The script is found, in order, at
//   $DDISIM_PLOT_SCRIPT
//   <folder of the ddisim executable>/plot.py
//   <folder of the ddisim executable>/../share/ddisim/plot.py   (an installed layout)
//   <source folder>/scripts/plot.py, the source folder read from the
//   CMakeCache.txt beside the executable (a build tree)
// and $DDISIM_PYTHON replaces /usr/bin/python3.
#include "testbench/app/command.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include <spawn.h>
#include <sys/wait.h>

#include <fmt/format.h>

#include "tlm/core/params.h"

extern char** environ;

namespace {
using namespace ddisim;
namespace fs = std::filesystem;

struct plot_opts {
    std::string csv;
    std::string x;
    std::vector<std::string> y;
    std::string series;
    bool logx = false, logy = false;
    std::string title;
    std::string out;
};

// The header row of a CSV file (quoted fields allowed).
std::vector<std::string> csv_header(const std::string& line) {
    std::vector<std::string> cols;
    std::string cur;
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') cur += '"', ++i;
            else if (c == '"') quoted = false;
            else cur += c;
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            cols.push_back(cur);
            cur.clear();
        } else if (c != '\r') {
            cur += c;
        }
    }
    cols.push_back(cur);
    return cols;
}

std::string find_script(std::vector<std::string>& tried) {
    if (const char* env = std::getenv("DDISIM_PLOT_SCRIPT"); env && *env) {
        tried.push_back(std::string("$DDISIM_PLOT_SCRIPT=") + env);
        return fs::exists(env) ? std::string(env) : std::string();
    }
    std::error_code ec;
    const fs::path exe_dir = fs::read_symlink("/proc/self/exe", ec).parent_path();
    if (ec) return {};
    for (const fs::path& p : {exe_dir / "plot.py", exe_dir / ".." / "share" / "ddisim" / "plot.py"}) {
        tried.push_back(p.lexically_normal().string());
        if (fs::exists(p)) return p.lexically_normal().string();
    }
    std::ifstream cache(exe_dir / "CMakeCache.txt");
    std::string line;
    const std::string key = "CMAKE_HOME_DIRECTORY:INTERNAL=";
    while (std::getline(cache, line)) {
        if (line.rfind(key, 0) != 0) continue;
        const fs::path p = fs::path(line.substr(key.size())) / "scripts" / "plot.py";
        tried.push_back(p.string());
        if (fs::exists(p)) return p.string();
    }
    return {};
}

int plot(const plot_opts& o) {
    const std::string ext = fs::path(o.out).extension().string();
    if (ext != ".png" && ext != ".svg" && ext != ".pdf") {
        std::cerr << fmt::format("ddisim plot: -o {}: the file name must end in .png, .svg or .pdf\n", o.out);
        return 2;
    }
    std::ifstream in(o.csv);
    std::string header;
    if (!in || !std::getline(in, header) || header.empty()) {
        std::cerr << fmt::format("ddisim plot: {}: cannot read a CSV header\n", o.csv);
        return 2;
    }
    const auto cols = csv_header(header);
    std::vector<std::pair<std::string, std::string>> wanted{{"--x", o.x}};
    for (const auto& y : o.y) wanted.emplace_back("--y", y);
    if (!o.series.empty()) wanted.emplace_back("--series", o.series);
    for (const auto& [opt, col] : wanted) {
        if (std::find(cols.begin(), cols.end(), col) != cols.end()) continue;
        const std::string near = tlm::closest_match(col, cols);
        std::string all;
        for (const auto& c : cols) all += (all.empty() ? "" : ", ") + c;
        std::cerr << fmt::format("ddisim plot: {} {}: {} has no such column{}\n  columns: {}\n", opt, col, o.csv,
                                 near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near), all);
        return 2;
    }

    std::vector<std::string> tried;
    const std::string script = find_script(tried);
    if (script.empty()) {
        std::cerr << "ddisim plot: cannot find plot.py; looked at:";
        for (const auto& t : tried) std::cerr << "\n  " << t;
        std::cerr << "\n  (set DDISIM_PLOT_SCRIPT to the repository's scripts/plot.py)\n";
        return 2;
    }
    const char* env_py = std::getenv("DDISIM_PYTHON");
    const std::string python = env_py && *env_py ? env_py : "/usr/bin/python3";
    std::vector<std::string> args{python, script, o.csv, "--x", o.x};
    for (const auto& y : o.y) args.insert(args.end(), {"--y", y});
    if (!o.series.empty()) args.insert(args.end(), {"--series", o.series});
    if (o.logx) args.push_back("--logx");
    if (o.logy) args.push_back("--logy");
    if (!o.title.empty()) args.insert(args.end(), {"--title", o.title});
    args.insert(args.end(), {"-o", o.out});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    if (const int rc = posix_spawnp(&pid, python.c_str(), nullptr, nullptr, argv.data(), environ); rc != 0) {
        std::cerr << fmt::format("ddisim plot: cannot run {}: {} (install python3-matplotlib; scripts/setup.sh does)\n",
                                 python, std::strerror(rc));
        return 2;
    }
    int ws = 0;
    while (::waitpid(pid, &ws, 0) < 0)
        if (errno != EINTR) return 2;
    if (!WIFEXITED(ws)) return 2;
    if (WEXITSTATUS(ws) == 0) std::cout << "plot: " << o.out << "\n";
    return WEXITSTATUS(ws);
}

app::command_registrar reg{"plot", 25, [](CLI::App& root) {
    auto o = std::make_shared<plot_opts>();
    auto* c = root.add_subcommand("plot", "Plot a sweep's results.csv (lines with markers) to PNG, SVG or PDF");
    c->add_option("csv", o->csv, "results.csv of a sweep")->required()->check(CLI::ExistingFile);
    c->add_option("--x", o->x, "Column on the x axis (usually a swept key)")->required()->type_name("KEY");
    c->add_option("--y", o->y, "Column on the y axis (a headline metric; repeatable: one line each)")
        ->required()
        ->allow_extra_args(false)
        ->type_name("METRIC");
    c->add_option("--series", o->series, "One line per value of this column")->type_name("KEY");
    c->add_flag("--logx", o->logx, "Logarithmic x axis");
    c->add_flag("--logy", o->logy, "Logarithmic y axis");
    c->add_option("--title", o->title, "Plot title");
    c->add_option("-o,--output", o->out, "Output file: .png, .svg or .pdf")->required()->type_name("FILE");
    c->callback([o] { app::set_exit_status(plot(*o)); });
}};

} // namespace
