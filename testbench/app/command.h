// Sub-commands of the ddisim executable register themselves here, one source
// file each (cmd_<name>.cpp), so adding a command never edits main.cpp:
//
//   static ddisim::app::command_registrar reg{"bind", 30, [](CLI::App& root) {
//       auto* c = root.add_subcommand("bind", "…");
//       … c->callback([]{ … ddisim::app::set_exit_status(n); }) …
//   }};
#pragma once
#include <CLI/CLI.hpp>
#include <functional>

namespace ddisim::app {

using command_setup = std::function<void(CLI::App& root)>;

struct command_registrar {
    // order: position in --help (lower first).
    command_registrar(const char* name, int order, command_setup setup);
};

// A command's callback records the process exit status here (default 0).
// Commands return normally rather than throw: an exception unwinding after
// SystemC has switched coroutine stacks confuses AddressSanitizer.
void set_exit_status(int status);
int exit_status();

} // namespace ddisim::app
