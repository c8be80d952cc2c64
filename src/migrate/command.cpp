#include "retort/migrate/command.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "retort/dialects/dialect.hpp"
#include "retort/engine/engine.hpp"
#include "retort/engine/url.hpp"
#include "retort/migrate/autogenerate.hpp"
#include "retort/migrate/migration.hpp"
#include "retort/migrate/script.hpp"

namespace retort::migrate {

namespace {

class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

std::string trim(std::string s) {
    auto b = s.find_first_not_of(" \t\r");
    auto e = s.find_last_not_of(" \t\r");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
    return out;
}

constexpr const char* usage_text = R"(usage: COMMAND [options]

commands:
  init [DIR]                         create the migrations folder (default "migrations") and the config file
  revision -m MSG [--autogenerate]   write a new revision; --head TARGET (base for a new root, label@head),
                                     --splice (a branch from a revision that is not a head),
                                     --branch-label NAME, --depends-on TARGET (repeatable), --rev-id ID
  upgrade TARGET [--sql]             head, heads, +N, ID+N, label@head, an id or prefix (--sql: FROM:TO too)
  downgrade TARGET [--sql]           base, -N, ID-N, head-1, label@base, label@-N, an id or prefix
  current | heads | history          where the database is; the heads (--resolve-dependencies: real
                                     heads); every revision
  branches                           the branch points
  stamp TARGET [--sql]               set the version table without running revisions
  check                              exit 1 when autogenerate would write operations
  merge [-m MSG] [ID...]             a revision joining the heads (or the given revisions)

options: --config FILE (default retort_migrations.ini), --url URL (else $DATABASE_URL, then the config)
)";

struct Parsed {
    std::string command;
    std::vector<std::string> positional;
    std::optional<std::string> message, config, url, head, rev_id;
    std::vector<std::string> branch_labels, depends_on;
    bool autogenerate = false, sql = false, help = false, splice = false, resolve_dependencies = false;
};

Parsed parse(std::span<const std::string> args) {
    Parsed p;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&](std::optional<std::string>& slot) {
            if (i + 1 >= args.size()) throw UsageError("option " + a + " needs a value");
            slot = args[++i];
        };
        if (a == "-m" || a == "--message") value(p.message);
        else if (a == "-c" || a == "--config") value(p.config);
        else if (a == "--url") value(p.url);
        else if (a == "--head") value(p.head);
        else if (a == "--rev-id") value(p.rev_id);
        else if (a == "--branch-label") {
            std::optional<std::string> v;
            value(v);
            p.branch_labels.push_back(*v);
        } else if (a == "--depends-on") {
            std::optional<std::string> v;
            value(v);
            p.depends_on.push_back(*v);
        } else if (a == "--splice") p.splice = true;
        else if (a == "--resolve-dependencies") p.resolve_dependencies = true;
        else if (a == "--autogenerate") p.autogenerate = true;
        else if (a == "--sql") p.sql = true;
        else if (a == "-h" || a == "--help") p.help = true;
        else if (a.size() > 1 && a[0] == '-' && !(a.size() > 1 && std::isdigit(static_cast<unsigned char>(a[1]))))
            throw UsageError("unknown option '" + a + "'");
        else if (p.command.empty()) p.command = a;
        else p.positional.push_back(a);
    }
    return p;
}

struct Env {
    const Parsed& p;
    Config cfg;
    const MetaData* metadata;
    const Environment& env;
    std::string default_url;
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
        return o;
    }
    std::string target(const char* what) const {
        if (p.positional.size() != 1) throw UsageError(std::string(what) + " needs one target");
        return p.positional[0];
    }
};

int cmd_init(Env& e) {
    std::filesystem::path dir = e.p.positional.empty() ? std::filesystem::path("migrations") : std::filesystem::path(e.p.positional[0]);
    if (std::filesystem::exists(dir / "versions") && !std::filesystem::is_empty(dir / "versions"))
        throw ArgumentError(dir.string() + " already holds revisions");
    std::filesystem::create_directories(dir / "versions");
    if (!std::filesystem::exists(e.cfg.file)) {
        Config c = e.cfg;
        auto base = e.cfg.file.parent_path();
        c.script_location = base.empty() ? dir : std::filesystem::relative(std::filesystem::absolute(dir), std::filesystem::absolute(base));
        c.url = e.p.url ? *e.p.url : (e.default_url.empty() ? "sqlite:///app.db" : e.default_url);
        c.save();
        e.err << "Wrote " << c.file.string() << "\n";
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
        if (!e.metadata)
            throw UsageError("--autogenerate needs your models' MetaData: run it through your migration runner "
                             "(a program calling retort::migrate::main), not the generic retort tool");
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
    if (rows.empty()) e.out << "base (no revision applied)\n";
    for (const auto& r : rows) {
        bool head = std::find(heads.begin(), heads.end(), r) != heads.end();
        e.out << r << (head ? " (head)" : "") << (graph.contains(r) ? "" : " (not in the versions folder!)") << "\n";
    }
    engine.dispose();
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
    for (const auto& h : heads) e.out << h << labels_of(graph, h) << " (head), " << graph.get(h).message << "\n";
    if (heads.size() > 1) e.err << "Multiple heads: run 'merge' to join them, or name one as the target\n";
    return 0;
}

int cmd_branches(Env& e) {
    auto graph = e.scripts().load();
    for (const auto& id : graph.walk_revisions()) {
        auto kids = graph.children(id);
        if (kids.size() < 2) continue;
        e.out << id << labels_of(graph, id) << " (branchpoint), " << graph.get(id).message << "\n";
        for (const auto& k : kids) e.out << "  -> " << k << labels_of(graph, k) << ", " << graph.get(k).message << "\n";
    }
    return 0;
}

int cmd_history(Env& e) {
    auto graph = e.scripts().load();
    for (const auto& id : graph.walk_revisions()) {
        const auto& r = graph.get(id);
        auto kids = graph.children(r.id);
        e.out << (r.parents.empty() ? "<base>" : join(r.parents, ", ")) << " -> " << r.id;
        if (kids.empty()) e.out << " (head)";
        if (kids.size() > 1) e.out << " (branchpoint)";
        if (r.parents.size() > 1) e.out << " (mergepoint)";
        e.out << labels_of(graph, r.id);
        if (!r.depends_on.empty()) e.out << " (depends on " << join(r.depends_on, ", ") << ")";
        e.out << ", " << r.message << "\n";
    }
    return 0;
}

int cmd_check(Env& e) {
    if (!e.metadata) throw UsageError("check needs your models' MetaData: run it through your migration runner");
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
    std::ifstream in(file);
    if (!in) return c;
    std::string line, section;
    int n = 0;
    while (std::getline(in, line)) {
        ++n;
        line = trim(line);
        if (line.empty() || line[0] == '#' || line[0] == ';') continue;
        if (line.front() == '[' && line.back() == ']') {
            section = line.substr(1, line.size() - 2);
            continue;
        }
        auto eq = line.find('=');
        if (eq == std::string::npos) throw ArgumentError(file.string() + ":" + std::to_string(n) + ": expected key = value");
        if (section != "retort") continue;
        std::string key = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
        if (key == "script_location") c.script_location = value;
        else if (key == "url") c.url = value;
        else if (key == "version_table") c.version_table = value;
        else throw ArgumentError(file.string() + ":" + std::to_string(n) + ": unknown setting '" + key + "'");
    }
    return c;
}

void Config::save() const {
    std::ofstream out(file);
    if (!out) throw ArgumentError("cannot write " + file.string());
    out << "# Retort migrations (written by 'init'). $DATABASE_URL or --url override url.\n"
        << "[retort]\n"
        << "script_location = " << script_location.string() << "\n"
        << "url = " << url << "\n"
        << "version_table = " << version_table << "\n";
}

std::filesystem::path Config::script_dir() const {
    if (script_location.is_absolute()) return script_location;
    return file.parent_path() / script_location;
}

int run_command(std::span<const std::string> args, const MetaData* metadata, const Environment& environment,
                std::ostream& out, std::ostream& err) {
    const std::string& default_url = environment.default_url;
    try {
        Parsed p = parse(args);
        if (p.help || p.command.empty() || p.command == "help") {
            (p.help || p.command == "help" ? out : err) << usage_text;
            return p.command.empty() && !p.help ? 2 : 0;
        }
        Env e{p, Config::load(p.config.value_or(default_config_file)), metadata, environment, default_url, out, err};
        const std::string& c = p.command;
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
        if (c == "check") return cmd_check(e);
        throw UsageError("unknown command '" + c + "'");
    } catch (const UsageError& ex) {
        err << "error: " << ex.what() << "\n(--help lists the commands)\n";
        return 2;
    } catch (const std::exception& ex) {
        err << "error: " << ex.what() << "\n";
        return 1;
    }
}

int main(int argc, char** argv, const MetaData& metadata, const Environment& env) {
    std::vector<std::string> args(argv + 1, argv + argc);
    return run_command(args, &metadata, env, std::cout, std::cerr);
}


}  // namespace retort::migrate
