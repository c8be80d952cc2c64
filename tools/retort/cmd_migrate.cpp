// retort migrate: the migration commands (init, revision, upgrade, downgrade, current, heads, history, show,
// edit, stamp, merge, check) on revision files. Autogenerate, check and data migrations need the project's
// models and code: they run through the runner that retort.ini names (include/retort/migrate/command.hpp).
#include <CLI/CLI.hpp>
#include <iostream>
#include <string>

#include "commands.hpp"
#include "retort/migrate/command.hpp"

namespace {

void setup(CLI::App& retort, int& status) {
    auto* cmd = retort.add_subcommand("migrate", "migrations: init, revision, upgrade, downgrade, current, history, ...");
    // Everything after "migrate" is the migration commands' own command line, with their own --help.
    cmd->prefix_command();
    cmd->set_help_flag();
    cmd->callback([cmd, &status] {
        retort::migrate::Environment env;
        env.program_name = "retort migrate";
        status = retort::migrate::run_command(cmd->remaining(), nullptr, env, std::cout, std::cerr);
    });
}

const retort::cli::Registration registration{setup};

}  // namespace
