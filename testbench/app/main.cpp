// ddisim — command-line entry point. Each sub-command lives in cmd_<name>.cpp
// and registers itself through command_registrar.
#include "testbench/app/command.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

namespace ddisim::app {
namespace {
struct entry {
    std::string name;
    int order;
    command_setup setup;
};
std::vector<entry>& registry() {
    static std::vector<entry> r;
    return r;
}
} // namespace

namespace {
int g_exit_status = 0;
} // namespace

void set_exit_status(int status) { g_exit_status = status; }
int exit_status() { return g_exit_status; }

command_registrar::command_registrar(const char* name, int order, command_setup setup) {
    registry().push_back({name, order, std::move(setup)});
}
} // namespace ddisim::app

// libsystemc.so refers to sc_main; ddisim drives sc_start() itself.
extern "C" int sc_main(int, char**) { return 0; }

int main(int argc, char** argv) {
    ::setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    CLI::App app{"ddisim: SystemC/TLM-2.0 model of a machine's storage I/O path, "
                 "driven by an illumos-compatible DDI DMA layer"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "ddisim 0.1.0");
    auto& reg = ddisim::app::registry();
    std::stable_sort(reg.begin(), reg.end(),
                     [](const auto& a, const auto& b) { return a.order < b.order; });
    for (auto& e : reg) e.setup(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const std::exception& e) {
        std::cerr << "ddisim: error: " << e.what() << "\n";
        return 2;
    }
    return ddisim::app::exit_status();
}
