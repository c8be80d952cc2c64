// retort inspect URL: prints a database's schema: tables, columns, keys, indexes (or, with --sql, the DDL that
// creates them again on the same kind of database).
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string>

#include "commands.hpp"
#include "detail/text.hpp"
#include "retort/dialects/dialect.hpp"
#include "retort/engine/engine.hpp"
#include "retort/schema/schema.hpp"
#include "retort/sql/compiler.hpp"
#include "schema_view.hpp"

namespace {

struct Args {
    std::string url;
    std::vector<std::string> tables;
    std::optional<std::string> schema;
    bool sql = false;
};

using retort::detail::join;

void print_text(const std::vector<retort::cli::ViewTable>& tables) {
    bool first = true;
    for (const auto& t : tables) {
        if (!first) std::cout << "\n";
        first = false;
        std::cout << "Table " << t.name << "\n";
        std::size_t name_w = 0, type_w = 0;
        for (const auto& c : t.columns) {
            name_w = std::max(name_w, c.name.size());
            type_w = std::max(type_w, c.type.size());
        }
        for (const auto& c : t.columns) {
            std::cout << "  " << c.name << std::string(name_w - c.name.size() + 2, ' ') << c.type
                      << std::string(type_w - c.type.size() + 2, ' ') << (c.nullable ? "NULL" : "NOT NULL");
            if (c.primary_key) std::cout << "  PRIMARY KEY";
            if (c.autoincrement) std::cout << "  autoincrement";
            if (c.server_default) std::cout << "  DEFAULT " << *c.server_default;
            std::cout << "\n";
        }
        for (const auto& fk : t.foreign_keys) {
            std::cout << "  foreign key " << (fk.name ? *fk.name + " " : "") << "(" << join(fk.columns, ", ") << ") -> "
                      << fk.referred_table << " (" << join(fk.referred_columns, ", ") << ")";
            if (fk.ondelete) std::cout << " ON DELETE " << *fk.ondelete;
            if (fk.onupdate) std::cout << " ON UPDATE " << *fk.onupdate;
            std::cout << "\n";
        }
        for (const auto& ix : t.indexes)
            std::cout << "  " << (ix.unique ? "unique " : "") << "index " << (ix.name.empty() ? "" : ix.name + " ") << "("
                      << join(ix.columns, ", ") << ")\n";
    }
}

// The reflected tables' DDL in the database's own dialect, in dependency order.
void print_sql(const Args& args) {
    auto engine = retort::create_engine(args.url);
    retort::MetaData metadata;
    metadata.reflect(engine, args.tables, args.schema);
    const auto ddl = engine.dialect().ddl_compiler();
    for (const auto* t : metadata.sorted_tables()) {
        for (const auto& type : ddl->create_types(*t)) std::cout << type << ";\n\n";
        std::cout << ddl->create_table(*t) << ";\n\n";
        for (const auto& ix : t->indexes()) std::cout << ddl->create_index(*t, ix) << ";\n\n";
    }
    engine.dispose();
}

int run(const Args& args) {
    if (args.sql) print_sql(args);
    else print_text(retort::cli::view_database(args.url, args.tables, args.schema));
    return 0;
}

void setup(CLI::App& retort, int& status) {
    auto* cmd = retort.add_subcommand("inspect", "print a database's tables, columns, keys and indexes");
    auto args = std::make_shared<Args>();
    cmd->add_option("url", args->url, "the database, e.g. sqlite:///app.db or postgresql://user@host/db")
        ->required()->type_name("URL");
    cmd->add_option("-t,--table", args->tables, "only this table (repeatable)")->type_name("NAME")->allow_extra_args(false);
    cmd->add_option("--schema", args->schema, "the schema to read (default: the connection's)")->type_name("NAME");
    cmd->add_flag("--sql", args->sql, "print CREATE statements in the database's dialect instead");
    cmd->footer("The URL's password, if any, is never printed; prefer ~/.pgpass or $PGPASSWORD to putting it there.");
    cmd->callback([args, &status] { status = run(*args); });
}

const retort::cli::Registration registration{setup};

}  // namespace
