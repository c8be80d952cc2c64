#include "retort/migrate/command.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "detail/process.hpp"
#include "detail/text.hpp"
#include "retort/dialects/dialect.hpp"
#include "retort/engine/engine.hpp"
#include "retort/engine/url.hpp"
#include "retort/migrate/autogenerate.hpp"
#include "retort/migrate/migration.hpp"
#include "retort/migrate/script.hpp"
#include "retort/version.hpp"


namespace retort::migrate {

namespace {

class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

using detail::join;

struct Parsed {
    std::string command;
    std::vector<std::string> positional;
    std::optional<std::string> message, config, url, head, rev_id;
    std::vector<std::string> branch_labels, depends_on;
    bool autogenerate = false, sql = false, splice = false, resolve_dependencies = false, verbose = false,
         indicate_current = false;
};

// The command line's grammar, for the runner and for `retort migrate` alike. Every command has --help;
// -c/--config and --url may come before or after the command.
struct Cli {
    CLI::App app;
    Parsed p;

    explicit Cli(const std::string& program) : app("Database migrations: revisions as data files, run online or "
                                                   "written as SQL (--sql).", program) {
        app.set_version_flag("--version", std::string(program) + " (Retort " + retort::version() + ")");
        app.require_subcommand(1);
        app.option_defaults()->always_capture_default(false);
        auto* config = app.add_option("-c,--config", p.config,
                                      "the settings file (default retort.ini; retort_migrations.ini when only it exists)");
        config->type_name("FILE");
        app.add_option("--url", p.url, "the database URL (else $DATABASE_URL, else the config file's url)")
            ->type_name("URL");
        app.footer("Run '" + program + " COMMAND --help' for one command's options.");

        auto* init = add("init", "create the migrations folder, retort.ini (when missing) and a runner to start from");
        init->add_option("directory", p.positional, "the folder (default: migrations)")->expected(0, 1);

        auto* revision = add("revision", "write a new revision");
        revision->add_option("-m,--message", p.message, "what the revision does")->type_name("MSG");
        revision->add_flag("--autogenerate", p.autogenerate,
                           "compare the models with the database and write the operations that join them");
        revision->add_option("--head", p.head, "the revision to build on: head (default), base for a new root, "
                                               "label@head, or an id with --splice")->type_name("TARGET");
        revision->add_flag("--splice", p.splice, "allow --head to name a revision that is not a head (a new branch)");
        revision->add_option("--branch-label", p.branch_labels, "a name for the branch through this revision")
            ->type_name("NAME")->allow_extra_args(false);
        revision->add_option("--depends-on", p.depends_on, "a revision or branch label to apply first (repeatable)")
            ->type_name("TARGET")->allow_extra_args(false);
        revision->add_option("--rev-id", p.rev_id, "the new revision's id instead of a random one")->type_name("ID");

        auto* merge = add("merge", "write a revision joining the heads (or the given revisions)");
        merge->add_option("-m,--message", p.message, "what the merge is for")->type_name("MSG");
        merge->add_option("revisions", p.positional, "the revisions to join (default: every head)");
        merge->add_option("--rev-id", p.rev_id, "the new revision's id instead of a random one")->type_name("ID");

        const char* up_targets = "head, heads, +N, ID+N, label@head, an id or a unique prefix; with --sql also FROM:TO";
        const char* down_targets = "base, -N, ID-N, head-1, label@base, label@-N, an id or a unique prefix; with --sql "
                                   "FROM:TO";
        auto* upgrade = add("upgrade", "run revisions up to TARGET");
        upgrade->add_option("target", p.positional, up_targets)->required()->expected(1);
        upgrade->add_flag("--sql", p.sql, "write the SQL to standard output instead of running it");
        auto* downgrade = add("downgrade", "undo revisions down to TARGET");
        downgrade->add_option("target", p.positional, down_targets)->required()->expected(1);
        downgrade->add_flag("--sql", p.sql, "write the SQL to standard output instead of running it (needs FROM:TO)");
        auto* stamp = add("stamp", "set the version table to TARGET without running revisions");
        stamp->add_option("target", p.positional, up_targets)->required()->expected(1);
        stamp->add_flag("--sql", p.sql, "write the SQL to standard output instead of running it");

        auto* current = add("current", "the revisions the database is at");
        current->add_flag("-v,--verbose", p.verbose, "each with its message, parents and file");
        auto* heads = add("heads", "the revisions nothing builds on");
        heads->add_flag("--resolve-dependencies", p.resolve_dependencies,
                        "leave out heads that another head depends on");
        heads->add_flag("-v,--verbose", p.verbose, "each with its parents, date and file");
        auto* history = add("history", "every revision, newest first");
        history->add_flag("-v,--verbose", p.verbose, "each with its date and file");
        history->add_flag("-i,--indicate-current", p.indicate_current, "mark the revisions the database is at");
        auto* branches = add("branches", "the revisions more than one revision builds on");
        branches->add_flag("-v,--verbose", p.verbose, "each with its date and file");
        auto* show = add("show", "one revision: where it sits and what it does");
        show->add_option("revision", p.positional, "an id, a unique prefix, head, label@head, ...")->required()->expected(1);
        auto* edit = add("edit", "open a revision's file in $VISUAL or $EDITOR, then check that it still reads");
        edit->add_option("revision", p.positional, "an id, a unique prefix, head, label@head, ...")->required()->expected(1);
        add("check", "exit 1 when autogenerate would write operations (the models and database differ)");
    }

    CLI::App* add(const char* name, const char* description) {
        auto* sub = app.add_subcommand(name, description);
        sub->fallthrough();  // -c/--config and --url after the command too
        sub->footer("");
        sub->callback([this, name] { p.command = name; });
        return sub;
    }
};

// Parses the arguments: nullopt with `status` set when they were --help, --version or a usage error (already
// reported).
std::optional<Parsed> parse(std::span<const std::string> args, const std::string& program, std::ostream& out,
                            std::ostream& err, int& status) {
    Cli cli(program);
    std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes them last first
    try {
        cli.app.parse(reversed);
    } catch (const CLI::CallForHelp&) {
        const CLI::App* target = &cli.app;
        for (const auto* sub : cli.app.get_subcommands())
            if (sub->parsed()) target = sub;
        // Usage lines name the whole command ("retort migrate upgrade"), not the subcommand alone.
        out << (target == &cli.app ? target->help() : target->help(program));
        status = 0;
        return std::nullopt;
    } catch (const CLI::CallForAllHelp&) {
        out << cli.app.help("", CLI::AppFormatMode::All);
        status = 0;
        return std::nullopt;
    } catch (const CLI::CallForVersion&) {
        out << cli.app.version() << "\n";
        status = 0;
        return std::nullopt;
    } catch (const CLI::ParseError& e) {
        std::string command;
        for (const auto* sub : cli.app.get_subcommands())
            if (sub->parsed()) command = " " + sub->get_name();
        err << "error: " << e.what() << "\nRun '" << program << command << " --help' for usage.\n";
        status = 2;
        return std::nullopt;
    }
    return std::move(cli.p);
}

struct Env {
    const Parsed& p;
    Config cfg;
    const MetaData* metadata;
    const Environment& env;
    std::string default_url;
    std::string program;
    std::ostream& out;
    std::ostream& err;

    std::string url() const {
        if (p.url) return *p.url;
        if (const char* e = std::getenv("DATABASE_URL"); e && *e) return e;
        if (!cfg.url.empty()) return cfg.url;
        if (!default_url.empty()) return default_url;
        throw UsageError("no database URL: pass --url, set DATABASE_URL or put url = ... in " + cfg.file.string());
    }
    ScriptDirectory scripts() const { return ScriptDirectory(cfg.script_dir()); }
    CompareOptions compare_options() const {
        CompareOptions o;
        o.version_table = cfg.version_table;
        o.compare_type = env.compare_type;
        o.compare_server_default = env.compare_server_default;
        o.include_object = env.include_object;
        o.include_name = env.include_name;
        return o;
    }
    MigrationOptions options() const {
        MigrationOptions o;
        o.version_table = cfg.version_table;
        o.progress = [this](const std::string& line) { err << line << "\n" << std::flush; };
        o.warning = [this](const std::string& line) { err << "WARNING: " << line << "\n" << std::flush; };
        o.data_migrations = env.data_migrations;
        return o;
    }
    std::string target(const char* what) const {
        if (p.positional.size() != 1) throw UsageError(std::string(what) + " needs one target");
        return p.positional[0];
    }
};

// Why a command that needs the project's C++ cannot run here, and what to do.
std::string no_runner_message(const Env& e, const std::string& command) {
    return command + " needs your models' MetaData, which only your migration runner has (a program calling "
           "retort::migrate::main; `init` writes one to start from, runner.cpp). Build it and name it in " +
           e.cfg.file.string() + " (runner = path/to/it), or run it directly";
}

// Runs argv (argv[0] looked up in PATH when it has no '/'), waits, and returns its exit status.
int spawn_and_wait(const std::vector<std::string>& argv, const std::string& what) {
    const auto r = detail::run_program(argv);
    if (r.start_error) throw ArgumentError("cannot run " + what + " '" + argv[0] + "': " + std::strerror(r.start_error));
    if (r.signal) throw ArgumentError(what + " '" + argv[0] + "' was killed by signal " + std::to_string(r.signal));
    return r.exit_status;
}

// True when a revision of the folder calls a data migration (and so needs the runner to go up or down).
bool calls_data_migrations(const RevisionGraph& graph) {
    for (const auto& id : graph.topological()) {
        const auto& rev = graph.get(id);
        for (const auto* section : {&rev.upgrade, &rev.downgrade})
            for (const auto& step : *section)
                if (step.op && step.op->kind == OpKind::Call) return true;
    }
    return false;
}

// The generic tool hands a command to the runner that the config file names: the runner_build command first
// (in the config file's folder), then the runner with the same arguments and the config file made explicit.
int run_through_runner(const Env& e, std::span<const std::string> args, const std::string& command) {
    if (e.cfg.runner.empty()) throw UsageError(no_runner_message(e, command));
    if (const char* depth = std::getenv("RETORT_MIGRATE_RUNNER"); depth && *depth)
        throw ArgumentError("the runner " + e.cfg.runner_path().string() +
                            " handed " + command + " back: it must call retort::migrate::main with your models");
    const auto base = std::filesystem::absolute(e.cfg.file).parent_path();
    if (!e.cfg.runner_build.empty()) {
        e.err << "Building the runner: " << e.cfg.runner_build << "\n" << std::flush;
        // The folder and the command are sh's arguments, never spliced into its script. The build's output goes to
        // standard error: standard output is the command's own (a new revision's id, for a script to capture).
        if (int rc = spawn_and_wait({"/bin/sh", "-c", "cd \"$1\" && eval \"$2\" >&2", "sh", base.string(), e.cfg.runner_build},
                                    "runner_build");
            rc != 0)
            throw ArgumentError("runner_build failed (exit status " + std::to_string(rc) + "): " + e.cfg.runner_build);
    }
    const auto runner = e.cfg.runner_path();
    if (!std::filesystem::exists(runner))
        throw ArgumentError("the runner " + runner.string() + " (runner in " + e.cfg.file.string() +
                            ") does not exist: build it first" +
                            (e.cfg.runner_build.empty() ? std::string(" (runner_build = ... can do it for you)") : ""));
    std::vector<std::string> argv{runner.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    if (!e.p.config) {
        argv.push_back("--config");
        argv.push_back(std::filesystem::absolute(e.cfg.file).string());
    }
    e.out << std::flush;
    e.err << std::flush;
    ::setenv("RETORT_MIGRATE_RUNNER", "1", 1);
    const int status = spawn_and_wait(argv, "runner");
    ::unsetenv("RETORT_MIGRATE_RUNNER");
    return status;
}

std::string join_or(const std::vector<std::string>& v, const char* none) { return v.empty() ? none : join(v, ", "); }

// Alembic's log entry of a revision: where it sits in the graph, then (verbose) its date and file.
void describe(const Env& e, const RevisionGraph& graph, const Revision& r, bool verbose) {
    e.out << "Rev: " << r.id;
    if (graph.children(r.id).empty()) e.out << " (head)";
    if (graph.is_branch_point(r.id)) e.out << " (branchpoint)";
    if (r.parents.size() > 1) e.out << " (mergepoint)";
    if (r.parents.empty()) e.out << " (base)";
    e.out << "\n";
    e.out << (r.parents.size() > 1 ? "Merges: " : "Parent: ") << join_or(r.parents, "<base>") << "\n";
    if (auto kids = graph.children(r.id); kids.size() > 1) e.out << "Branches into: " << join(kids, ", ") << "\n";
    if (!r.branch_labels.empty()) e.out << "Branch names: " << join(r.branch_labels, ", ") << "\n";
    if (!r.depends_on.empty()) e.out << "Also depends on: " << join(r.depends_on, ", ") << "\n";
    if (verbose) {
        if (!r.path.empty()) e.out << "Path: " << r.path.string() << "\n";
        if (!r.created.empty()) e.out << "Created: " << r.created << "\n";
    }
    e.out << "\n    " << (r.message.empty() ? "(no message)" : r.message) << "\n\n";
}

const Revision& one_revision(const RevisionGraph& graph, const std::string& target) {
    auto revs = graph.get_revisions(target);
    if (revs.size() != 1 || !revs[0])
        throw ArgumentError("'" + target + "' names " + (revs.empty() ? std::string("no revision") :
                            std::to_string(revs.size()) + " revisions") + "; name one");
    return *revs[0];
}

int cmd_show(Env& e) {
    auto graph = e.scripts().load();
    const Revision& r = one_revision(graph, e.target("show"));
    describe(e, graph, r, true);
    if (!r.path.empty()) {
        std::ifstream in(r.path);
        e.out << in.rdbuf();
    } else {
        e.out << render_revision(r);
    }
    return 0;
}

int cmd_edit(Env& e) {
    auto graph = e.scripts().load();
    const Revision& r = one_revision(graph, e.target("edit"));
    const char* editor = std::getenv("VISUAL");
    if (!editor || !*editor) editor = std::getenv("EDITOR");
    if (!editor || !*editor) throw ArgumentError("set $EDITOR (or $VISUAL) to the program that edits " + r.path.string());
    // "code --wait" and the like: the words of the variable, then the file.
    std::vector<std::string> argv;
    std::istringstream words{std::string(editor)};
    for (std::string w; words >> w;) argv.push_back(w);
    argv.push_back(r.path.string());
    if (int rc = spawn_and_wait(argv, "the editor"); rc != 0)
        throw ArgumentError("the editor exited with status " + std::to_string(rc));
    // The file is read again, so a mistake shows now rather than at the next upgrade.
    (void)read_revision_file(r.path);
    e.err << "Edited " << r.path.string() << "\n";
    return 0;
}

// A runner whose MetaData holds no table (init's runner.cpp before it is pointed at the models) compares an empty
// schema with the database: every table there would be proposed for dropping. Said before anything is compared.
void warn_if_no_models(const Env& e) {
    if (!e.metadata->tables().empty()) return;
    e.err << "warning: the models' MetaData has no tables, so the database is compared with an empty schema and "
             "its tables are proposed for dropping; point the runner at your models "
             "(retort::orm::mapped_metadata<User, ...>() in runner.cpp)\n";
}

// The runner a project starts from (Alembic's env.py): written by init beside the versions folder.
std::string runner_template(const std::string& dir) {
    return R"(// The migration runner: `retort migrate` runs it for the commands that need this project's C++
// (revision --autogenerate and check compare the models below with the database; revisions may `call`
// the data migrations registered below). retort.ini names it (runner = ...), and can rebuild it first
// (runner_build = ...). Build it once, against the file that maps your models, e.g. in CMake:
//
//   add_executable(migrations_runner )" + dir + R"(/runner.cpp src/models.cpp)
//   target_link_libraries(migrations_runner PRIVATE retort::sqlite)   # or postgresql, mysql, ...
//
// It takes the same commands as `retort migrate` (run it with --help).
#include <retort/migrate/command.hpp>
#include <retort/orm.hpp>

// #include "models.hpp"   // the structs your retort::orm::define<T> blocks map

int main(int argc, char** argv) {
    retort::migrate::Environment env;  // the URL comes from retort.ini, --url or $DATABASE_URL
    // Data migrations: a revision line `call backfill_emails` runs this in the revision's transaction.
    // env.data_migrations["backfill_emails"] = [](retort::Connection& conn) {
    //     conn.exec_driver_sql("UPDATE users SET email = lower(name) || '@example.com' WHERE email IS NULL");
    // };
    retort::MetaData metadata;  // replace with: retort::orm::mapped_metadata<User, Address>()
    return retort::migrate::main(argc, argv, metadata, env);
}
)";
}

int cmd_init(Env& e) {
    std::filesystem::path dir = e.p.positional.empty() ? std::filesystem::path("migrations") : std::filesystem::path(e.p.positional[0]);
    if (std::filesystem::exists(dir / "versions") && !std::filesystem::is_empty(dir / "versions"))
        throw ArgumentError(dir.string() + " already holds revisions");
    std::filesystem::create_directories(dir / "versions");
    if (!std::filesystem::exists(e.cfg.file)) {
        Config c = e.cfg;
        auto base = e.cfg.file.parent_path();
        c.script_location = base.empty() ? dir : std::filesystem::relative(std::filesystem::absolute(dir), std::filesystem::absolute(base));
        c.url = e.p.url ? *e.p.url : (e.env.default_url.empty() ? "sqlite:///app.db" : e.env.default_url);
        c.save();
        e.err << "Wrote " << c.file.string() << "\n";
    }
    if (!std::filesystem::exists(dir / "runner.cpp")) {
        std::ofstream runner(dir / "runner.cpp");
        runner << runner_template(dir.generic_string());
        if (!runner) throw ArgumentError("cannot write " + (dir / "runner.cpp").string());
        e.err << "Wrote " << (dir / "runner.cpp").string() << " (the runner for autogenerate and data migrations)\n";
    }
    e.err << "Created " << (dir / "versions").string() << "\n";
    return 0;
}

int cmd_revision(Env& e, bool merge) {
    auto scripts = e.scripts();
    auto graph = scripts.load();
    Revision rev;
    rev.id = e.p.rev_id.value_or(new_revision_id());
    if (!valid_revision_id(rev.id)) throw UsageError("--rev-id wants letters, digits and '_' only");
    if (graph.contains(rev.id)) throw ArgumentError("revision " + rev.id + " exists already");
    rev.created = utc_timestamp();
    if (merge) {
        std::vector<std::string> parents;
        for (const auto& id : e.p.positional) parents.push_back(graph.resolve(id).id);
        if (parents.empty()) parents = graph.revision_ids("heads");  // the real heads (depends_on counted)
        if (parents.size() < 2) throw ArgumentError("merge needs two or more heads; there is " + std::to_string(parents.size()));
        rev.parents = parents;
        rev.message = e.p.message.value_or("merge " + join(parents, ", "));
    } else {
        if (!e.p.positional.empty()) throw UsageError("revision takes no positional arguments (use -m MSG)");
        rev.message = e.p.message.value_or("");
        // --head base starts a new, independent branch; label@head continues a labelled branch.
        std::vector<const Revision*> heads;
        try {
            heads = graph.get_revisions(e.p.head.value_or("head"));
        } catch (const MultipleHeadsError&) {
            throw ArgumentError("Multiple heads are present; please specify the head revision on which the new "
                                "revision should be based (--head), or perform a merge");
        }
        for (const auto* h : heads) {
            if (!h) throw ArgumentError("--head " + *e.p.head + " names no revision");
            if (std::find(rev.parents.begin(), rev.parents.end(), h->id) != rev.parents.end())
                throw ArgumentError("Duplicate head revisions specified");
            if (!e.p.splice && !graph.children(h->id).empty())
                throw ArgumentError("Revision " + h->id + " is not a head revision; please specify --splice to create "
                                    "a new branch from this revision");
            rev.parents.push_back(h->id);
        }
        for (const auto& dep : e.p.depends_on) {
            // Labels stay labels; ids and prefixes are written in full.
            const Revision& target = graph.resolve(dep);
            rev.depends_on.push_back(graph.branch_labels(target.id).count(dep) ? dep : target.id);
        }
        for (const auto& label : e.p.branch_labels) {
            if (!valid_revision_id(label)) throw UsageError("--branch-label wants letters, digits and '_' only");
            rev.branch_labels.push_back(label);
        }
    }
    if (e.p.autogenerate) {
        if (!e.metadata) throw UsageError(no_runner_message(e, "revision --autogenerate"));
        warn_if_no_models(e);
        auto engine = create_engine(e.url());
        MigrationContext ctx(engine, e.options());
        auto rows = ctx.current_heads();
        auto want = rev.parents;
        std::sort(rows.begin(), rows.end());
        std::sort(want.begin(), want.end());
        if (rows != want)
            throw ArgumentError("the database is not up to date (it is at " + (rows.empty() ? "base" : join(rows, ", ")) +
                                "); run upgrade first so autogenerate compares against the latest revision");
        auto cmp = compare_metadata(engine, *e.metadata, e.compare_options());
        rev.upgrade = std::move(cmp.upgrade);
        rev.downgrade = std::move(cmp.downgrade);
        rev.header_comments = std::move(cmp.header_comments);
        if (!rev.header_comments.empty()) rev.header_comments.insert(rev.header_comments.begin(), "Review before running:");
        engine.dispose();
    }
    auto path = scripts.write(rev);
    e.err << "Generating " << path.string() << " ... done\n";
    e.out << rev.id << "\n";
    return 0;
}

int cmd_move(Env& e, bool up) {
    auto graph = e.scripts().load();
    std::string target = e.target(up ? "upgrade" : "downgrade");
    const std::string url = e.url();
    if (e.p.sql) {
        auto dialect = make_dialect(URL::parse(url));
        MigrationContext ctx(dialect, e.out, e.options());
        auto colon = target.find(':');
        if (colon != std::string::npos) {
            std::string from = target.substr(0, colon);
            ctx.set_offline_start(graph.revision_ids(from));
            target = target.substr(colon + 1);
        } else if (!up) {
            throw UsageError("downgrade --sql needs FROM:TO (the database is not read offline)");
        }
        if (up) ctx.upgrade(graph, target);
        else ctx.downgrade(graph, target);
        return 0;
    }
    auto engine = create_engine(url);
    MigrationContext ctx(engine, e.options());
    auto done = up ? ctx.upgrade(graph, target) : ctx.downgrade(graph, target);
    if (done.empty()) e.err << "Nothing to do: the database is at " << (ctx.current_heads().empty() ? "base" : join(ctx.current_heads(), ", ")) << "\n";
    engine.dispose();
    return 0;
}

int cmd_stamp(Env& e) {
    auto graph = e.scripts().load();
    std::string target = e.target("stamp");
    if (e.p.sql) {
        MigrationContext ctx(make_dialect(URL::parse(e.url())), e.out, e.options());
        ctx.stamp(graph, target);
        return 0;
    }
    auto engine = create_engine(e.url());
    MigrationContext ctx(engine, e.options());
    ctx.stamp(graph, target);
    auto rows = ctx.current_heads();
    e.err << "Stamped " << (rows.empty() ? "base" : join(rows, ", ")) << "\n";
    engine.dispose();
    return 0;
}

int cmd_current(Env& e) {
    auto graph = e.scripts().load();
    auto engine = create_engine(e.url());
    MigrationContext ctx(engine, e.options());
    auto heads = graph.heads();
    auto rows = ctx.current_heads();
    engine.dispose();
    if (rows.empty()) e.out << "base (no revision applied)\n";
    for (const auto& r : rows) {
        if (e.p.verbose && graph.contains(r)) {
            describe(e, graph, graph.get(r), true);
            continue;
        }
        bool head = std::find(heads.begin(), heads.end(), r) != heads.end();
        e.out << r << (head ? " (head)" : "") << (graph.contains(r) ? "" : " (not in the versions folder!)") << "\n";
    }
    return 0;
}

std::string labels_of(const RevisionGraph& graph, const std::string& id) {
    auto labels = graph.branch_labels(id);
    if (labels.empty()) return {};
    return " (" + join(std::vector<std::string>(labels.begin(), labels.end()), ", ") + ")";
}

int cmd_heads(Env& e) {
    auto graph = e.scripts().load();
    auto heads = e.p.resolve_dependencies ? graph.real_heads() : graph.heads();
    for (const auto& h : heads) {
        if (e.p.verbose) describe(e, graph, graph.get(h), true);
        else e.out << h << labels_of(graph, h) << " (head), " << graph.get(h).message << "\n";
    }
    if (heads.size() > 1) e.err << "Multiple heads: run 'merge' to join them, or name one as the target\n";
    return 0;
}

int cmd_branches(Env& e) {
    auto graph = e.scripts().load();
    for (const auto& id : graph.walk_revisions()) {
        auto kids = graph.children(id);
        if (kids.size() < 2) continue;
        if (e.p.verbose) describe(e, graph, graph.get(id), true);
        else e.out << id << labels_of(graph, id) << " (branchpoint), " << graph.get(id).message << "\n";
        for (const auto& k : kids) e.out << "  -> " << k << labels_of(graph, k) << ", " << graph.get(k).message << "\n";
    }
    return 0;
}

int cmd_history(Env& e) {
    auto graph = e.scripts().load();
    std::vector<std::string> current;
    if (e.p.indicate_current) {
        auto engine = create_engine(e.url());
        MigrationContext ctx(engine, e.options());
        current = ctx.current_heads();
        engine.dispose();
    }
    for (const auto& id : graph.walk_revisions()) {
        const auto& r = graph.get(id);
        const bool is_current = std::find(current.begin(), current.end(), id) != current.end();
        if (e.p.verbose) {
            describe(e, graph, r, true);
            if (is_current) e.out << "    (current)\n\n";
            continue;
        }
        auto kids = graph.children(r.id);
        e.out << (r.parents.empty() ? "<base>" : join(r.parents, ", ")) << " -> " << r.id;
        if (kids.empty()) e.out << " (head)";
        if (kids.size() > 1) e.out << " (branchpoint)";
        if (r.parents.size() > 1) e.out << " (mergepoint)";
        if (is_current) e.out << " (current)";
        e.out << labels_of(graph, r.id);
        if (!r.depends_on.empty()) e.out << " (depends on " << join(r.depends_on, ", ") << ")";
        e.out << ", " << r.message << "\n";
    }
    return 0;
}

int cmd_check(Env& e) {
    if (!e.metadata) throw UsageError(no_runner_message(e, "check"));
    warn_if_no_models(e);
    auto engine = create_engine(e.url());
    auto cmp = compare_metadata(engine, *e.metadata, e.compare_options());
    engine.dispose();
    if (cmp.empty()) {
        e.out << "No new upgrade operations detected.\n";
        return 0;
    }
    e.out << "New upgrade operations detected:\n";
    for (const auto& s : cmp.upgrade)
        if (s.op) e.out << "  " << render_operation(*s.op).substr(0, render_operation(*s.op).find('\n')) << "\n";
    return 1;
}

}  // namespace

Config Config::load(const std::filesystem::path& file) {
    Config c;
    c.file = file;
    std::ifstream in(file, std::ios::binary);
    if (!in) return c;
    std::ostringstream text;
    text << in.rdbuf();
    auto where = [&](std::size_t line) { return file.string() + ":" + std::to_string(line) + ": "; };
    auto problem = detail::read_ini(text.str(), {}, [&](const detail::IniEntry& e) {
        if (e.header || e.section != "retort") return;  // other sections are other tools' settings
        const std::string key(e.key);
        if (key == "script_location") c.script_location = e.value;
        else if (key == "url") c.url = e.value;
        else if (key == "version_table") c.version_table = e.value;
        else if (key == "runner") c.runner = e.value;
        else if (key == "runner_build") c.runner_build = e.value;
        else throw ArgumentError(where(e.line) + "unknown setting '" + key + "'");
    });
    if (problem) throw ArgumentError(where(problem->line) + problem->what);
    return c;
}

std::filesystem::path Config::locate(const std::optional<std::filesystem::path>& explicit_file) {
    if (explicit_file) return *explicit_file;
    if (!std::filesystem::exists(default_config_file) && std::filesystem::exists(legacy_config_file))
        return legacy_config_file;
    return default_config_file;
}

void Config::save() const {
    std::ofstream out(file);
    if (!out) throw ArgumentError("cannot write " + file.string());
    out << "# Retort migrations (written by 'retort migrate init').\n"
        << "[retort]\n"
        << "# The revisions' folder, relative to this file.\n"
        << "script_location = " << script_location.generic_string() << "\n"
        << "# The database; --url and $DATABASE_URL take precedence. Keep passwords out of this file: libpq's\n"
        << "# ~/.pgpass, a DSQL auth token or $DATABASE_URL serve better.\n"
        << "url = " << url << "\n"
        << "version_table = " << version_table << "\n"
        << "# The project's migration runner (see " << (script_location / "runner.cpp").generic_string()
        << "): revision --autogenerate, check and data\n"
        << "# migrations run through it. runner_build, when set, runs first (in this folder) to bring it up to date.\n"
        << (runner.empty() ? "# runner = build/migrations_runner\n" : "runner = " + runner.generic_string() + "\n")
        << (runner_build.empty() ? "# runner_build = cmake --build build --target migrations_runner\n"
                                 : "runner_build = " + runner_build + "\n");
}

std::filesystem::path Config::script_dir() const {
    if (script_location.is_absolute()) return script_location;
    return file.parent_path() / script_location;
}

std::filesystem::path Config::runner_path() const {
    if (runner.empty() || runner.is_absolute()) return runner;
    return std::filesystem::absolute(file).parent_path() / runner;
}

int run_command(std::span<const std::string> args, const MetaData* metadata, const Environment& environment,
                std::ostream& out, std::ostream& err) {
    const std::string program =
        !environment.program_name.empty() ? environment.program_name : (metadata ? "runner" : "retort migrate");
    try {
        int status = 0;
        auto parsed = parse(args, program, out, err, status);
        if (!parsed) return status;
        const Parsed& p = *parsed;
        Env e{p, Config::load(Config::locate(p.config)), metadata, environment, environment.default_url, program, out, err};
        const std::string& c = p.command;
        // Without the models (the generic tool), what needs the project's C++ runs through its runner.
        if (!metadata && ((c == "revision" && p.autogenerate) || c == "check"))
            return run_through_runner(e, args, c == "check" ? "check" : "revision --autogenerate");
        if (!metadata && !e.cfg.runner.empty() && (c == "upgrade" || c == "downgrade") && !p.sql &&
            calls_data_migrations(e.scripts().load()))
            return run_through_runner(e, args, c);
        if (c == "init") return cmd_init(e);
        if (c == "revision") return cmd_revision(e, false);
        if (c == "merge") return cmd_revision(e, true);
        if (c == "upgrade") return cmd_move(e, true);
        if (c == "downgrade") return cmd_move(e, false);
        if (c == "stamp") return cmd_stamp(e);
        if (c == "current") return cmd_current(e);
        if (c == "heads") return cmd_heads(e);
        if (c == "history") return cmd_history(e);
        if (c == "branches") return cmd_branches(e);
        if (c == "show") return cmd_show(e);
        if (c == "edit") return cmd_edit(e);
        if (c == "check") return cmd_check(e);
        throw UsageError("unknown command '" + c + "'");
    } catch (const UsageError& ex) {
        err << "error: " << ex.what() << "\nRun '" << program << " --help' for usage.\n";
        return 2;
    } catch (const std::exception& ex) {
        err << "error: " << ex.what() << "\n";
        return 1;
    }
}

int main(int argc, char** argv, const MetaData& metadata, const Environment& env) {
    std::vector<std::string> args(argv + 1, argv + argc);
    if (!env.program_name.empty() || argc < 1 || !argv[0]) return run_command(args, &metadata, env, std::cout, std::cerr);
    Environment named = env;
    named.program_name = std::filesystem::path(argv[0]).filename().string();
    return run_command(args, &metadata, named, std::cout, std::cerr);
}


}  // namespace retort::migrate
