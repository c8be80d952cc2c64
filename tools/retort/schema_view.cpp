#include "schema_view.hpp"

#include <algorithm>

#include "retort/engine/engine.hpp"
#include "retort/migrate/command.hpp"
#include "retort/migrate/migration.hpp"
#include "retort/schema/reflection.hpp"

namespace retort::cli {

namespace {

bool wanted(const std::vector<std::string>& only, const std::string& name) {
    return only.empty() || std::find(only.begin(), only.end(), name) != only.end();
}

void sort_by_name(std::vector<ViewTable>& tables) {
    std::sort(tables.begin(), tables.end(), [](const ViewTable& a, const ViewTable& b) { return a.name < b.name; });
}

}  // namespace

std::vector<ViewTable> view_database(const std::string& url, const std::vector<std::string>& only,
                                     const std::optional<std::string>& schema) {
    auto engine = create_engine(url);
    std::vector<ViewTable> out;
    {
        Inspector inspector(engine);
        const auto names = inspector.get_table_names(schema);
        for (const auto& name : only)
            if (std::find(names.begin(), names.end(), name) == names.end())
                throw ArgumentError("no table " + name + " in the database");
        for (const auto& name : names) {
            if (!wanted(only, name)) continue;
            ViewTable t;
            t.name = name;
            const auto pk = inspector.get_pk_constraint(name, schema);
            for (const auto& c : inspector.get_columns(name, schema)) {
                ViewColumn v;
                v.name = c.name;
                v.type = c.type_text;
                v.nullable = c.nullable;
                v.primary_key = std::find(pk.constrained_columns.begin(), pk.constrained_columns.end(), c.name) !=
                                pk.constrained_columns.end();
                v.autoincrement = c.autoincrement || c.identity.has_value();
                v.server_default = c.server_default;
                t.columns.push_back(std::move(v));
            }
            for (const auto& fk : inspector.get_foreign_keys(name, schema))
                t.foreign_keys.push_back({fk.name, fk.constrained_columns, fk.referred_table, fk.referred_columns,
                                          fk.ondelete, fk.onupdate});
            for (const auto& ix : inspector.get_indexes(name, schema))
                t.indexes.push_back({ix.name, ix.column_names, ix.unique});
            for (const auto& uq : inspector.get_unique_constraints(name, schema)) {
                // A unique constraint that is also listed as a unique index (MySQL) is shown once.
                const bool listed = std::any_of(t.indexes.begin(), t.indexes.end(), [&](const ViewIndex& ix) {
                    return ix.unique && ix.columns == uq.column_names && (!uq.name || ix.name == *uq.name);
                });
                if (!listed) t.indexes.push_back({uq.name.value_or(""), uq.column_names, true});
            }
            out.push_back(std::move(t));
        }
    }
    engine.dispose();
    sort_by_name(out);
    return out;
}

std::vector<ViewTable> view_revisions(const std::optional<std::string>& config_file,
                                      const std::vector<std::string>& only) {
    const auto config = migrate::Config::load(migrate::Config::locate(config_file));
    const auto graph = migrate::ScriptDirectory(config.script_dir()).load();
    migrate::SchemaState state;
    for (const auto& step : graph.upgrade_steps(migrate::RevisionSpec(), "heads"))
        for (const auto& op : graph.get(step.revision).upgrade_ops()) state.apply(op);
    std::vector<ViewTable> out;
    for (const auto& [name, spec] : state.tables) {
        if (!wanted(only, name) || name == config.version_table) continue;
        ViewTable t;
        t.name = name;
        for (const auto& c : spec.columns)
            t.columns.push_back({c.name, migrate::type_text(c.type), c.nullable, c.primary_key,
                                 c.autoincrement.value_or(false), c.server_default});
        for (const auto& fk : spec.foreign_keys)
            t.foreign_keys.push_back({fk.name, fk.columns, fk.referred_table, fk.referred_columns, fk.ondelete,
                                      fk.onupdate});
        for (const auto& uq : spec.uniques) t.indexes.push_back({uq.name.value_or(""), uq.columns, true});
        for (const auto& ix : state.indexes_of(name)) t.indexes.push_back({ix.name, ix.columns, ix.unique});
        out.push_back(std::move(t));
    }
    for (const auto& name : only)
        if (!state.tables.count(name)) throw ArgumentError("no table " + name + " in the revisions");
    sort_by_name(out);
    return out;
}

}  // namespace retort::cli
