// The migration commands (Alembic's command module and its CLI) and the entry point of a user's runner.
//
// A project builds one tiny runner that hands its MetaData to Retort, so autogenerate can see the models:
//
//   int main(int argc, char** argv) {
//       return retort::migrate::main(argc, argv, retort::orm::mapped_metadata<User, Post>(), "sqlite:///app.db");
//   }
//
//   runner init [DIR]                        folder DIR (default "migrations") and retort_migrations.ini
//   runner revision -m MSG [--autogenerate] [--head TARGET] [--splice] [--branch-label NAME]
//                  [--depends-on TARGET] [--rev-id ID]
//   runner upgrade TARGET [--sql]            TARGET: head, heads, +N, ID+N, label@head, an id or a prefix
//                                            (revision.hpp lists every form); with --sql, FROM:TO too
//   runner downgrade TARGET [--sql]          TARGET: base, -N, ID-N, head-1, label@base, label@-N, an id
//   runner current | heads [--resolve-dependencies] | history | branches
//   runner stamp TARGET [--sql]              set the version table without running anything
//   runner check                             exit 1 when autogenerate would write operations
//   runner merge [-m MSG] [ID...]            a revision joining the heads (or the given ids)
// Options anywhere: --config FILE (default retort_migrations.ini), --url URL. The database URL comes from
// --url, else $DATABASE_URL, else the config file's url, else the runner's default.
//
// Revision files are data (see ops.hpp for why and for the format), so revisions never need a rebuild:
// the generic `retort migrate ...` tool runs every command except the two that need a MetaData
// (revision --autogenerate and check).
#pragma once

#include <filesystem>
#include <iosfwd>
#include <span>
#include <string>

#include "retort/export.hpp"
#include "retort/migrate/autogenerate.hpp"
#include "retort/schema/schema.hpp"

namespace retort::migrate {

inline constexpr const char* default_config_file = "retort_migrations.ini";

struct RETORT_API Config {
    std::filesystem::path file = default_config_file;
    std::filesystem::path script_location = "migrations";  // relative paths are relative to the config file
    std::string url;
    std::string version_table = "retort_version";

    // Reads an INI-style file ([retort] section: script_location, url, version_table); a missing file
    // leaves the defaults.
    static Config load(const std::filesystem::path& file);
    void save() const;
    [[nodiscard]] std::filesystem::path script_dir() const;
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
};

// Runs one command line (without the program name). Results go to out, progress and errors to err.
// Returns the exit status: 0, 1 for failures (and for `check` with pending operations), 2 for usage.
RETORT_API int run_command(std::span<const std::string> args, const MetaData* metadata, const Environment& env,
                           std::ostream& out, std::ostream& err);

// The runner's main(): run_command over argv with std::cout and std::cerr.
RETORT_API int main(int argc, char** argv, const MetaData& metadata, const Environment& env = {});

}  // namespace retort::migrate
