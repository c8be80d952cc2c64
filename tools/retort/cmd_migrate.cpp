// retort migrate: the migration commands (init, revision, upgrade, downgrade, current, heads, history,
// stamp, merge) on revision files, without any user code. Autogenerate and check need the models'
// MetaData, so they run through a project's own runner (retort::migrate::main; see
// include/retort/migrate/command.hpp and examples/migrations).
#include <iostream>
#include <string>

#include "commands.hpp"
#include "retort/migrate/command.hpp"

namespace {

int run(std::span<const std::string> args) {
    return retort::migrate::run_command(args, nullptr, {}, std::cout, std::cerr);
}

const retort::cli::Registration registration{{"migrate", "migrations: init, revision, upgrade, downgrade, current, ...", run}};

}  // namespace
