// ddisim config — the scenario schema from the command line:
//   ddisim config --reference              every key as Markdown (docs/scenario-reference.md)
//   ddisim config --check FILE [--set …]   validate a scenario (exit 0 when valid, 2 otherwise)
//   ddisim config --dump [FILE] [--set …]  the effective scenario as YAML (default scenario without FILE)
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "testbench/app/command.h"
#include "testbench/config/scenario_loader.h"
#include "testbench/platform/platform.h"

namespace {

struct config_options {
    bool reference = false;
    std::string check;
    std::string dump;
    std::vector<std::string> sets;
};

int run_config(const config_options& o, const CLI::Option* dump_opt, const CLI::Option* check_opt) {
    using namespace ddisim::config;
    try {
        if (o.reference) {
            std::cout << scenario_reference_markdown();
            return 0;
        }
        if (check_opt->count() > 0) {
            const scenario s = load_scenario(o.check, o.sets);
            ddisim::platform::check_scenario(s);
            std::cout << o.check << ": ok" << std::endl;
            for (const auto& n : ddisim::platform::scenario_notes(s)) std::cerr << "note: " << n << "\n";
            return 0;
        }
        if (dump_opt->count() > 0) {
            scenario s = o.dump.empty() ? load_default_scenario(o.sets) : load_scenario(o.dump, o.sets);
            std::cout << dump_yaml(s);
            return 0;
        }
    } catch (const scenario_error& e) {
        std::cerr << "ddisim: " << e.what() << "\n";
        return 2;
    } catch (const std::invalid_argument& e) { // a cross-key check
        std::cerr << "ddisim: " << e.what() << "\n";
        return 2;
    }
    std::cerr << "ddisim config: give one of --reference, --check FILE, --dump [FILE]\n";
    return 2;
}

ddisim::app::command_registrar reg{"config", 50, [](CLI::App& root) {
    auto* c = root.add_subcommand("config", "Scenario keys: print the reference, check or dump a scenario");
    auto o = std::make_shared<config_options>();
    auto* ref = c->add_flag("--reference", o->reference,
                            "print every scenario key (type, default, range, units, meaning) as Markdown");
    auto* check = c->add_option("--check", o->check, "validate the scenario FILE (exit status 2 on error)")
                      ->type_name("FILE");
    auto* dump = c->add_option("--dump", o->dump, "print the effective scenario as YAML (FILE, or the built-in default)")
                     ->type_name("[FILE]")
                     ->expected(0, 1);
    c->add_option("--set", o->sets, "override a key: --set key.path=value (repeatable)")
        ->allow_extra_args(false)
        ->type_name("KEY=VALUE");
    ref->excludes(check)->excludes(dump);
    check->excludes(dump);
    c->callback([o, dump, check] {
        int rc = run_config(*o, dump, check);
        ddisim::app::set_exit_status(rc);
    });
}};

} // namespace
