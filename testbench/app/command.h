// Sub-commands of the ddisim executable register themselves here, one source
// file each (cmd_<name>.cpp), so adding a command never edits main.cpp:
//
//   static ddisim::app::command_registrar reg{"bind", 30, [](CLI::App& root) {
//       auto* c = root.add_subcommand("bind", "…");
//       … c->callback([]{ … throw ddisim::app::exit_code{n}; }) …
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

// Thrown by a command's callback to end the process with this exit status.
struct exit_code {
    int value;
};

} // namespace ddisim::app
