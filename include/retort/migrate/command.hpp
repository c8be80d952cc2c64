// The migration commands (Alembic's command module and its CLI) and the entry point of a user's runner.
//
// `retort migrate` (the installed command) runs every command from the revision files alone. Two things need
// the project's own C++: autogenerate and check read the models' MetaData, and a revision may `call` a data
// migration written in C++. For those, a project builds one tiny runner, the counterpart of Alembic's env.py
// (`retort migrate init` writes one to start from):
//
//   int main(int argc, char** argv) {
//       retort::migrate::Environment env{"sqlite:///app.db"};
//       env.data_migrations["backfill_emails"] = [](retort::Connection& conn) { ... };
//       return retort::migrate::main(argc, argv, retort::orm::mapped_metadata<User, Post>(), env);
//   }
//
// and names it in retort.ini (`runner = build/migrations_runner`, optionally `runner_build = cmake --build build
// --target migrations_runner` to rebuild it first); `retort migrate revision --autogenerate`, `check`, and
// upgrades or downgrades that call data migrations then run through it. The runner takes the same commands:
//
//   init [DIR]                               folder DIR (default "migrations"), retort.ini and DIR/runner.cpp
//   revision -m MSG [--autogenerate] [--head TARGET] [--splice] [--branch-label NAME]
//                  [--depends-on TARGET] [--rev-id ID]
//   upgrade TARGET [--sql]                   TARGET: head, heads, +N, ID+N, label@head, an id or a prefix
//                                            (revision.hpp lists every form); with --sql, FROM:TO too
//   downgrade TARGET [--sql]                 TARGET: base, -N, ID-N, head-1, label@base, label@-N, an id
//   current [-v] | heads [-v] [--resolve-dependencies] | history [-v] [-i] | branches [-v]
//   show REV                                 one revision: its header and its file
//   edit REV                                 opens the revision's file in $VISUAL or $EDITOR
//   stamp TARGET [--sql]                     set the version table without running anything
//   check                                    exit 1 when autogenerate would write operations
//   merge [-m MSG] [ID...]                   a revision joining the heads (or the given ids)
// Options anywhere: -c/--config FILE (default retort.ini, else an older retort_migrations.ini), --url URL,
// --version, --help (also after each command). The database URL comes from --url, else $DATABASE_URL, else
// the config file's url, else the runner's default.
//
// Revision files are data (see ops.hpp for why and for the format), so revisions never need a rebuild; only
// a change to the models (or to a data migration's code) rebuilds the runner.
#pragma once

#include <filesystem>
#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <span>
#include <string>

#include "retort/export.hpp"
#include "retort/migrate/autogenerate.hpp"
#include "retort/schema/schema.hpp"

namespace retort::migrate {

inline constexpr const char* default_config_file = "retort.ini";
// Read when no retort.ini is present, as earlier versions named the file.
inline constexpr const char* legacy_config_file = "retort_migrations.ini";

struct RETORT_API Config {
    std::filesystem::path file = default_config_file;
    std::filesystem::path script_location = "migrations";  // relative paths are relative to the config file
    std::string url;
    std::string version_table = "retort_version";
    // The project's migration runner (a program calling retort::migrate::main with its models), and a shell
    // command that builds it (run in the config file's folder before each use; empty: none).
    std::filesystem::path runner;
    std::string runner_build;

    // Reads an INI file ([retort] section: script_location, url, version_table, runner, runner_build); a
    // missing file leaves the defaults. An unknown key or a line that is no key = value is an ArgumentError.
    static Config load(const std::filesystem::path& file);
    // The file a command uses: `explicit_file` when given, else retort.ini, else retort_migrations.ini when
    // only that exists.
    static std::filesystem::path locate(const std::optional<std::filesystem::path>& explicit_file);
    void save() const;
    [[nodiscard]] std::filesystem::path script_dir() const;
    [[nodiscard]] std::filesystem::path runner_path() const;  // empty when no runner is set
};

// What a runner hands the commands besides its MetaData: what Alembic's env.py passes to
// context.configure(). The filters and comparison switches apply to revision --autogenerate and check:
//
//   retort::migrate::Environment env;
//   env.default_url = "sqlite:///app.db";
//   env.include_object = [](const SchemaObject& object, const std::string& name, const std::string& type,
//                           bool reflected, const SchemaObject* compare_to) {
//       return !(type == "table" && reflected && name.starts_with("legacy_"));  // leave old tables alone
//   };
//   return retort::migrate::main(argc, argv, metadata, env);
struct RETORT_API Environment {
    Environment() = default;
    // A URL alone, as main(argc, argv, metadata, "sqlite:///app.db") gives it.
    Environment(std::string url) : default_url(std::move(url)) {}  // NOLINT: implicit on purpose
    Environment(const char* url) : default_url(url ? url : "") {}  // NOLINT
    std::string default_url;
    IncludeObject include_object;
    IncludeName include_name;
    bool compare_type = true;
    bool compare_server_default = true;
    // Data migrations: the functions revisions name in `call NAME` (see MigrationOptions::data_migrations).
    std::map<std::string, std::function<void(Connection&)>> data_migrations;
    // The program's name in usage messages; main() sets it from argv[0] when empty.
    std::string program_name;
};

// Runs one command line (without the program name). Results go to out, progress and errors to err.
// Returns the exit status: 0, 1 for failures (and for `check` with pending operations), 2 for usage.
// Without a MetaData (the generic `retort migrate`), the commands that need the project's C++ run the runner
// that the config file names, with the same arguments, and return its exit status.
RETORT_API int run_command(std::span<const std::string> args, const MetaData* metadata, const Environment& env,
                           std::ostream& out, std::ostream& err);

// The runner's main(): run_command over argv with std::cout and std::cerr.
RETORT_API int main(int argc, char** argv, const MetaData& metadata, const Environment& env = {});

}  // namespace retort::migrate
