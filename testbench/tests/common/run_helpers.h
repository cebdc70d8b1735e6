// Helpers for tests that drive the ddisim executable as a user would.
#pragma once
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace ddisim::test {

struct proc_result {
    int status;
    std::string out; // stdout and stderr, merged (unless asked otherwise)
};

// Runs a shell command; `merge_stderr` false: stdout only (for output parsed
// as JSON, which the sanitizer build's runtime warnings on stderr would
// otherwise interleave).
inline proc_result run_shell(const std::string& cmd, bool merge_stderr = true) {
    proc_result r{-1, {}};
    FILE* p = ::popen((cmd + (merge_stderr ? " 2>&1" : " 2>/dev/null")).c_str(), "r");
    if (!p) return r;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
    const int st = ::pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

// The ddisim executable of this build with `args`.
inline proc_result run_ddisim(const std::string& args, bool merge_stderr = true) {
    return run_shell(std::string("'") + DDISIM_EXECUTABLE + "' " + args, merge_stderr);
}

// The ddisim executable with `args` on a pseudo-terminal (script(1)), as a
// user at a terminal runs it: everything it writes comes back in `out`.
inline proc_result run_ddisim_on_terminal(const std::string& args) {
    return run_shell(std::string("script -q -e -c \"'") + DDISIM_EXECUTABLE + "' " + args + "\" /dev/null", false);
}

inline std::string read_file(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

// A fresh, empty folder under the build tree for one test.
inline std::filesystem::path scratch(const std::string& name) {
    auto d = std::filesystem::path(DDISIM_BINARY_DIR) / "test-scratch" / name;
    std::filesystem::remove_all(d);
    std::filesystem::create_directories(d);
    return d;
}

} // namespace ddisim::test
