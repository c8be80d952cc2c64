#include "retort/migrate/migration.hpp"


#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ostream>
#include <sstream>

#include "detail/text.hpp"
#include "retort/dialects/dialect.hpp"
#include "retort/schema/reflection.hpp"
#include "retort/sql/checks.hpp"
#include "retort/sql/compiler.hpp"

namespace retort::migrate {

namespace {

template <class V, class Pred>
void erase_if(V& v, Pred p) {
    v.erase(std::remove_if(v.begin(), v.end(), p), v.end());
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

using detail::join;

void rename_in(std::vector<std::string>& cols, const std::string& from, const std::string& to) {
    for (auto& c : cols)
        if (c == from) c = to;
}

// A Table (in its own MetaData, without naming conventions: revisions carry explicit names) for the
// DDL compiler.
Table& to_table(MetaData& md, const TableSpec& s, const std::string& name) {
    std::vector<ColumnDef> cols;
    for (const auto& c : s.columns) {
        ColumnOptions o;
        o.primary_key = c.primary_key;
        o.nullable = c.nullable;
        o.autoincrement = c.autoincrement;
        o.server_default = c.server_default;
        cols.push_back(ColumnDef{c.name, c.type, o});
    }
    std::vector<TableItem> items;
    if (s.pk_name) {
        std::vector<std::string> pk;
        for (const auto& c : s.columns)
            if (c.primary_key) pk.push_back(c.name);
        if (!pk.empty()) items.emplace_back(PrimaryKeyConstraint{pk, s.pk_name});
    }
    for (const auto& u : s.uniques) items.emplace_back(u);
    for (const auto& ck : s.checks) items.emplace_back(ck);
    for (const auto& fk : s.foreign_keys) items.emplace_back(fk);
    return md.table(name, std::move(cols), std::move(items));
}

std::string q(const Dialect& d, const std::string& ident) { return d.quote_identifier(ident); }

std::string quoted_list(const Dialect& d, const std::vector<std::string>& cols) {
    std::string out;
    for (const auto& c : cols) out += (out.empty() ? "" : ", ") + q(d, c);
    return out;
}

std::string reference(const Dialect& d, const std::string& table) {
    auto dot = table.find('.');
    if (dot == std::string::npos) return q(d, table);
    return q(d, table.substr(0, dot)) + "." + q(d, table.substr(dot + 1));
}

std::string literal(const Dialect& d, const Value& v) {
    auto ddl = d.ddl_compiler();
    switch (v.kind()) {
        case Value::Kind::Null: return "NULL";
        case Value::Kind::Bool:
            if (d.caps().supports_native_boolean) return v.as<bool>() ? "TRUE" : "FALSE";
            return v.as<bool>() ? "1" : "0";
        case Value::Kind::Int: return std::to_string(v.as<std::int64_t>());
        case Value::Kind::Double: {
            char buf[64];
            std::snprintf(buf, sizeof buf, "%.17g", v.as<double>());
            return buf;
        }
        case Value::Kind::Bytes: throw CompileError("bulk_insert cannot write binary values into offline SQL");
        default: return ddl->quote_literal(v.as<std::string>());
    }
}

Statement ddl(std::string sql) {
    Statement s;
    s.sql = std::move(sql);
    return s;
}

Statement skipped(std::string note) {
    Statement s;
    s.note = std::move(note);
    return s;
}

// Rows a backfill chunk changes: well inside a per-transaction row limit (Aurora DSQL: 3,000).
constexpr std::int64_t backfill_chunk_rows = 1000;

// The name of the CHECK that stands for NOT NULL where the database cannot SET NOT NULL.
std::string not_null_check_name(const std::string& table, const std::string& column) {
    return "ck_" + table + "_" + column + "_not_null";
}

// UPDATE table SET column = <default> for a chunk of the rows where it is NULL, found by primary key; run
// until it changes no rows.
Statement backfill_chunk(const Dialect& d, const std::string& table, const std::string& column, const std::string& value_sql,
                         const TableSpec* known) {
    std::vector<std::string> pk;
    if (known)
        for (const auto& c : known->columns)
            if (c.primary_key) pk.push_back(c.name);
    if (pk.empty())
        throw MigrationError("filling column " + table + "." + column + " in chunks on " + d.name() +
                             " needs the table's primary key, which the migration history does not show; add the "
                             "column nullable and fill it with an execute step");
    const std::string keys = pk.size() == 1 ? q(d, pk[0]) : "(" + quoted_list(d, pk) + ")";
    Statement s;
    s.ddl = false;
    s.repeat_until_no_rows = true;
    s.sql = "UPDATE " + reference(d, table) + " SET " + q(d, column) + " = " + value_sql + " WHERE " + keys +
            " IN (SELECT " + quoted_list(d, pk) + " FROM " + reference(d, table) + " WHERE " + q(d, column) +
            " IS NULL LIMIT " + std::to_string(backfill_chunk_rows) + ")";
    s.note = "repeated until it updates no rows";
    return s;
}

Statement add_not_null_check(const Dialect& d, const std::string& table, const std::string& column) {
    return ddl("ALTER TABLE " + reference(d, table) + " ADD CONSTRAINT " + q(d, not_null_check_name(table, column)) +
               " CHECK (" + q(d, column) + " IS NOT NULL) NOT VALID");
}

std::vector<Statement> create_index_sql(const Dialect& d, const IndexSpec& ix, const TableSpec* table) {
    MetaData md(NamingConvention{});
    Table& t = table ? to_table(md, *table, ix.table) : md.new_table(ix.table);
    Index index{.name = ix.name, .columns = ix.columns, .unique = ix.unique};
    return {ddl(d.ddl_compiler()->create_index(t, index))};
}

// Would this operation need a table rebuild (a database whose ALTER TABLE is limited, such as SQLite's)?
bool needs_rebuild(const Dialect& d, const Operation& op, const SchemaState& state) {
    const auto& caps = d.caps();
    if (!caps.alter_by_rebuild) return false;
    switch (op.kind) {
        case OpKind::AlterColumn:
            // RENAME COLUMN alone may be native; every other change rebuilds.
            return op.type || op.nullable || op.server_default || (op.new_name && !caps.supports_rename_column);
        case OpKind::AddColumn: {
            if (op.column.primary_key) return true;
            // ADD COLUMN takes constant defaults only.
            const auto& def = op.column.server_default;
            return def && def->find('(') != std::string::npos;
        }
        case OpKind::DropColumn: {
            if (!caps.supports_drop_column) return true;
            auto it = state.tables.find(op.table);
            if (it == state.tables.end()) return false;
            const auto& t = it->second;
            const auto& col = op.column.name;
            if (const auto* c = t.find(col); c && c->primary_key) return true;
            for (const auto& u : t.uniques)
                if (contains(u.columns, col)) return true;
            for (const auto& fk : t.foreign_keys)
                if (contains(fk.columns, col)) return true;
            for (const auto& ix : state.indexes_of(op.table))
                if (contains(ix.columns, col)) return true;
            return !t.checks.empty();
        }
        case OpKind::CreateUnique:
        case OpKind::CreateForeignKey:
        case OpKind::CreateCheck:
        case OpKind::DropConstraint: return true;
        default: return false;
    }
}

// An ALTER the database cannot do in place (caps().alter_by_rebuild): the new table is created beside the old one,
// filled, and renamed over it.
std::vector<Statement> rebuild(const Dialect& d, const Operation& op, const SchemaState& state) {
    auto it = state.tables.find(op.table);
    if (it == state.tables.end())
        throw MigrationError("the " + d.name() + " dialect needs to rebuild table '" + op.table + "' for " + render_operation(op).substr(0, 60) +
                             ", but no revision creates that table and it could not be reflected (offline?)");
    const TableSpec& old = it->second;
    SchemaState after = state;
    after.apply(op);
    const TableSpec& fresh = after.tables.at(op.table);
    const std::string tmp = "_retort_batch_" + op.table;
    std::vector<Statement> out;
    {
        MetaData md(NamingConvention{});
        out.push_back(ddl(d.ddl_compiler()->create_table(to_table(md, fresh, tmp))));
    }
    std::vector<std::string> into, from;
    for (const auto& c : fresh.columns) {
        std::string old_name = c.name;
        if (op.kind == OpKind::AlterColumn && op.new_name && *op.new_name == c.name) old_name = op.column.name;
        const ColumnSpec* oc = old.find(old_name);
        if (!oc) continue;
        into.push_back(q(d, c.name));
        if (oc->type == c.type)
            from.push_back(q(d, old_name));
        else
            from.push_back("CAST(" + q(d, old_name) + " AS " + d.type_ddl(c.type) + ")");
    }
    if (!into.empty())
        out.push_back(ddl("INSERT INTO " + q(d, tmp) + " (" + join(into, ", ") + ") SELECT " + join(from, ", ") +
                          " FROM " + q(d, op.table)));
    out.push_back(ddl("DROP TABLE " + q(d, op.table)));
    out.push_back(ddl("ALTER TABLE " + q(d, tmp) + " RENAME TO " + q(d, op.table)));
    for (const auto& ix : after.indexes_of(op.table)) {
        auto s = create_index_sql(d, ix, &fresh);
        out.insert(out.end(), s.begin(), s.end());
    }
    for (auto& s : out) s.rebuild = true;
    return out;
}

}  // namespace

// ---------------------------------------------------------------- schema state

std::vector<IndexSpec> SchemaState::indexes_of(const std::string& table) const {
    std::vector<IndexSpec> out;
    for (const auto& [name, ix] : indexes)
        if (ix.table == table) out.push_back(ix);
    return out;
}

void SchemaState::apply(const Operation& op) {
    auto find = [&]() -> TableSpec* {
        auto it = tables.find(op.table);
        return it == tables.end() ? nullptr : &it->second;
    };
    switch (op.kind) {
        case OpKind::CreateTable: tables[op.table] = op.table_spec; tables[op.table].name = op.table; break;
        case OpKind::DropTable:
            tables.erase(op.table);
            for (auto it = indexes.begin(); it != indexes.end();) it = it->second.table == op.table ? indexes.erase(it) : std::next(it);
            break;
        case OpKind::RenameTable: {
            auto node = tables.extract(op.table);
            if (!node.empty()) {
                node.key() = op.name;
                node.mapped().name = op.name;
                tables.insert(std::move(node));
            }
            for (auto& [n, ix] : indexes)
                if (ix.table == op.table) ix.table = op.name;
            for (auto& [n, t] : tables)
                for (auto& fk : t.foreign_keys)
                    if (fk.referred_table == op.table) fk.referred_table = op.name;
            break;
        }
        case OpKind::AddColumn:
            if (auto* t = find()) t->columns.push_back(op.column);
            break;
        case OpKind::DropColumn:
            if (auto* t = find()) {
                const auto& col = op.column.name;
                erase_if(t->columns, [&](const ColumnSpec& c) { return c.name == col; });
                erase_if(t->uniques, [&](const UniqueConstraint& u) { return contains(u.columns, col); });
                erase_if(t->foreign_keys, [&](const ForeignKeyConstraint& fk) { return contains(fk.columns, col); });
                for (auto it = indexes.begin(); it != indexes.end();)
                    it = it->second.table == op.table && contains(it->second.columns, col) ? indexes.erase(it) : std::next(it);
            }
            break;
        case OpKind::AlterColumn:
            if (auto* t = find()) {
                if (auto* c = t->find(op.column.name)) {
                    if (op.type) c->type = *op.type;
                    if (op.nullable) c->nullable = *op.nullable;
                    if (op.server_default) c->server_default = *op.server_default;
                    if (op.new_name) {
                        c->name = *op.new_name;
                        for (auto& u : t->uniques) rename_in(u.columns, op.column.name, *op.new_name);
                        for (auto& fk : t->foreign_keys) rename_in(fk.columns, op.column.name, *op.new_name);
                        for (auto& [n, ix] : indexes)
                            if (ix.table == op.table) rename_in(ix.columns, op.column.name, *op.new_name);
                    }
                }
            }
            break;
        case OpKind::CreateIndex: indexes[op.name] = IndexSpec{op.name, op.table, op.columns, op.unique}; break;
        case OpKind::DropIndex: indexes.erase(op.name); break;
        case OpKind::CreateUnique:
            if (auto* t = find()) t->uniques.push_back(UniqueConstraint{op.columns, op.name});
            break;
        case OpKind::CreateForeignKey:
            if (auto* t = find())
                t->foreign_keys.push_back(ForeignKeyConstraint{op.columns, op.referred_table, op.referred_columns, op.name,
                                                               op.ondelete, op.onupdate});
            break;
        case OpKind::CreateCheck:
            if (auto* t = find()) t->checks.push_back(CheckConstraint{op.sql, op.name});
            break;
        case OpKind::DropConstraint:
            if (auto* t = find()) {
                auto match = [&](const std::optional<std::string>& name, const std::vector<std::string>& cols) {
                    if (!op.name.empty() && name) return *name == op.name;
                    return !op.columns.empty() && cols == op.columns;
                };
                if (op.constraint_type == "unique")
                    erase_if(t->uniques, [&](const UniqueConstraint& u) { return match(u.name, u.columns); });
                else if (op.constraint_type == "foreign_key")
                    erase_if(t->foreign_keys, [&](const ForeignKeyConstraint& fk) { return match(fk.name, fk.columns); });
                else
                    erase_if(t->checks, [&](const CheckConstraint& ck) { return ck.name && *ck.name == op.name; });
            }
            break;
        case OpKind::Execute:
        case OpKind::BulkInsert:
        case OpKind::Call: break;
    }
}

// ---------------------------------------------------------------- compiling

std::vector<Statement> compile_operation(const Dialect& d, const Operation& op, const SchemaState& state) {
    const auto& caps = d.caps();
    auto compiler = d.ddl_compiler();
    const std::string table = q(d, op.table);
    if (needs_rebuild(d, op, state)) return rebuild(d, op, state);
    auto known = [&]() -> const TableSpec* {
        auto it = state.tables.find(op.table);
        return it == state.tables.end() ? nullptr : &it->second;
    };
    switch (op.kind) {
        case OpKind::CreateTable: {
            MetaData md(NamingConvention{});
            TableSpec spec = op.table_spec;
            if (!caps.supports_foreign_keys) spec.foreign_keys.clear();
            Table& t = to_table(md, spec, op.table);
            std::vector<Statement> out;
            for (auto& s : compiler->create_types(t)) out.push_back(ddl(s));
            out.push_back(ddl(compiler->create_table(t)));
            return out;
        }
        case OpKind::DropTable: {
            std::vector<Statement> out{ddl("DROP TABLE " + table)};
            if (const auto* spec = known()) {
                MetaData md(NamingConvention{});
                for (auto& s : compiler->drop_types(to_table(md, *spec, op.table))) out.push_back(ddl(s));
            }
            return out;
        }
        case OpKind::RenameTable: return {ddl("ALTER TABLE " + table + " RENAME TO " + q(d, op.name))};
        case OpKind::AddColumn: {
            MetaData md(NamingConvention{});
            TableSpec one{.name = op.table, .columns = {op.column}};
            Table& t = to_table(md, one, op.table);
            if (!caps.add_column_name_and_type_only)
                return {ddl("ALTER TABLE " + table + " ADD COLUMN " + compiler->column_spec(t, t.c(op.column.name)))};
            // ADD COLUMN with a name and a type; the default, the rows already there and NOT NULL follow.
            const ColumnSpec& c = op.column;
            const std::string where = "add_column " + op.table + "." + c.name + " on " + d.name();
            if (c.primary_key)
                throw MigrationError(where + ": a primary key column cannot be added to an existing table");
            if (!c.nullable && !c.server_default)
                throw MigrationError(where + ": a NOT NULL column needs a server_default to fill the rows already "
                                     "there (ADD COLUMN takes a name and a type only); give it one, or add it nullable");
            std::vector<Statement> out{ddl("ALTER TABLE " + table + " ADD COLUMN " + q(d, c.name) + " " + d.type_ddl(c.type))};
            if (c.server_default) {
                out.push_back(ddl("ALTER TABLE " + table + " ALTER COLUMN " + q(d, c.name) + " SET DEFAULT " + *c.server_default));
                out.push_back(backfill_chunk(d, op.table, c.name, *c.server_default, known()));
            }
            if (!c.nullable) out.push_back(add_not_null_check(d, op.table, c.name));
            return out;
        }
        case OpKind::DropColumn: return {ddl("ALTER TABLE " + table + " DROP COLUMN " + q(d, op.column.name))};
        case OpKind::AlterColumn: {
            std::vector<Statement> out;
            const std::string col = q(d, op.column.name);
            const std::string alter = "ALTER TABLE " + table + " ALTER COLUMN " + col;
            if (caps.alter_column_modify && (op.type || op.nullable || op.server_default)) {
                // The whole column restated with the change: its type, nullability and default as they become.
                const TableSpec* spec = known();
                const ColumnSpec* now = nullptr;
                if (spec)
                    for (const auto& c : spec->columns)
                        if (c.name == op.column.name) now = &c;
                if (!now)
                    throw MigrationError("alter_column " + op.table + "." + op.column.name + " on " + d.name() +
                                         ": the column is restated whole (MODIFY COLUMN), but no revision creates it "
                                         "and it could not be reflected (offline?)");
                ColumnSpec after = *now;
                if (op.type) after.type = *op.type;
                if (op.nullable) after.nullable = *op.nullable;
                if (op.server_default) after.server_default = *op.server_default;
                // A key column keeps AUTO_INCREMENT: restated as the key it is (the key constraint stays as it is).
                MetaData md(NamingConvention{});
                TableSpec one{.name = op.table, .columns = {after}};
                Table& t = to_table(md, one, op.table);
                out.push_back(ddl("ALTER TABLE " + table + " MODIFY COLUMN " + compiler->column_spec(t, t.c(after.name))));
                if (op.new_name) out.push_back(ddl("ALTER TABLE " + table + " RENAME COLUMN " + col + " TO " + q(d, *op.new_name)));
                return out;
            }
            if (op.type) {
                if (!caps.supports_alter_column_type)
                    throw MigrationError("alter_column " + op.table + "." + op.column.name + " type=" + d.type_ddl(*op.type) +
                                         ": " + d.name() + " cannot change a column's type (its ALTER TABLE has no ALTER "
                                         "COLUMN ... TYPE); add a new column, copy the values with an execute step, and "
                                         "drop the old one");
                const std::string type = d.type_ddl(*op.type);
                out.push_back(ddl(alter + " TYPE " + type + " USING " + col + "::" + type));
            }
            if (op.nullable && !*op.nullable && !caps.supports_set_not_null) {
                // No SET NOT NULL: a CHECK that new and changed rows obey. It is NOT VALID (rows there are not
                // checked), so the step first makes sure no row holds NULL.
                Statement guard;
                guard.ddl = false;
                guard.must_find_no_rows = true;
                guard.sql = "SELECT 1 FROM " + table + " WHERE " + col + " IS NULL LIMIT 1";
                guard.note = "alter_column " + op.table + "." + op.column.name + " nullable=false on " + d.name() +
                             ": rows hold NULL in the column; fill them first (NOT NULL becomes a CHECK ... NOT VALID, "
                             "which would not check the rows already there)";
                out.push_back(guard);
                out.push_back(add_not_null_check(d, op.table, op.column.name));
            } else if (op.nullable && *op.nullable && !caps.supports_set_not_null) {
                out.push_back(ddl(alter + " DROP NOT NULL"));
                out.push_back(ddl("ALTER TABLE " + table + " DROP CONSTRAINT IF EXISTS " +
                                  q(d, not_null_check_name(op.table, op.column.name))));
            } else if (op.nullable) {
                out.push_back(ddl(alter + (*op.nullable ? " DROP NOT NULL" : " SET NOT NULL")));
            }
            if (op.server_default)
                out.push_back(ddl(*op.server_default ? alter + " SET DEFAULT " + **op.server_default : alter + " DROP DEFAULT"));
            if (op.new_name) out.push_back(ddl("ALTER TABLE " + table + " RENAME COLUMN " + col + " TO " + q(d, *op.new_name)));
            return out;
        }
        case OpKind::CreateIndex: return create_index_sql(d, IndexSpec{op.name, op.table, op.columns, op.unique}, known());
        case OpKind::DropIndex: {
            MetaData md(NamingConvention{});
            Index ix{.name = op.name};
            return {ddl(compiler->drop_index(md.new_table(op.table), ix))};
        }
        case OpKind::CreateUnique:
            if (!caps.supports_alter || caps.unique_constraint_by_index)
                return create_index_sql(d, IndexSpec{op.name, op.table, op.columns, true}, known());
            return {ddl("ALTER TABLE " + table + " ADD CONSTRAINT " + q(d, op.name) + " UNIQUE (" + quoted_list(d, op.columns) + ")")};
        case OpKind::CreateForeignKey: {
            if (!caps.supports_foreign_keys)
                return {skipped("foreign key " + op.name + " skipped: " + d.name() + " has no foreign keys")};
            std::string s = "ALTER TABLE " + table + " ADD CONSTRAINT " + q(d, op.name) + " FOREIGN KEY (" +
                            quoted_list(d, op.columns) + ") REFERENCES " + reference(d, op.referred_table) + " (" +
                            quoted_list(d, op.referred_columns) + ")";
            if (op.ondelete) s += " ON DELETE " + sql::check_referential_action(*op.ondelete);
            if (op.onupdate) s += " ON UPDATE " + sql::check_referential_action(*op.onupdate);
            if (caps.alter_constraint_not_valid) s += " NOT VALID";
            return {ddl(s)};
        }
        case OpKind::CreateCheck:
            return {ddl("ALTER TABLE " + table + " ADD CONSTRAINT " + q(d, op.name) + " CHECK (" + op.sql + ")" +
                        (caps.alter_constraint_not_valid ? " NOT VALID" : ""))};
        case OpKind::DropConstraint:
            if (op.constraint_type == "foreign_key" && !caps.supports_foreign_keys)
                return {skipped("foreign key " + op.name + " skipped: " + d.name() + " has no foreign keys")};
            if (op.name.empty()) throw MigrationError("drop_constraint on " + op.table + " needs the constraint's name on " + d.name());
            if (op.constraint_type == "unique" && !caps.supports_alter) return {ddl("DROP INDEX " + q(d, op.name))};
            if (op.constraint_type == "unique" && caps.unique_constraint_by_index)
                // A constraint made with its table, or a unique index added later: whichever it is goes.
                return {ddl("ALTER TABLE " + table + " DROP CONSTRAINT IF EXISTS " + q(d, op.name)),
                        ddl("DROP INDEX IF EXISTS " + q(d, op.name))};
            return {ddl("ALTER TABLE " + table + " DROP CONSTRAINT " + q(d, op.name))};
        case OpKind::Execute: {
            Statement s;
            s.sql = op.sql;
            s.ddl = false;
            return {s};
        }
        case OpKind::Call: {
            Statement s;
            s.call = op.name;
            s.ddl = false;
            s.note = "data migration " + op.name + " (C++)";
            return {s};
        }
        case OpKind::BulkInsert: {
            std::vector<Statement> out;
            std::string head = "INSERT INTO " + table + " (" + quoted_list(d, op.columns) + ") VALUES (";
            for (const auto& row : op.rows) {
                Statement s;
                s.ddl = false;
                s.sql = head;
                s.note = head;
                for (std::size_t i = 0; i < row.size(); ++i) {
                    s.sql += (i ? ", " : "") + d.placeholder(static_cast<int>(i) + 1);
                    s.note += (i ? ", " : "") + literal(d, row[i]);
                }
                s.sql += ")";
                s.note += ")";
                s.params = row;
                out.push_back(std::move(s));
            }
            return out;
        }
    }
    return {};
}

ReflectedSpec reflect_table_spec(Connection& conn, const std::string& table) {
    const Dialect& d = conn.dialect();
    ReflectedSpec out;
    TableSpec& spec = out.table;
    spec.name = table;
    for (auto& c : d.get_columns(conn, table, std::nullopt)) {
        ColumnSpec cs{c.name, c.type, c.nullable, c.primary_key, std::nullopt, c.server_default};
        // A serial's nextval() default comes back with SERIAL itself.
        if (c.autoincrement) cs.server_default.reset();
        spec.columns.push_back(std::move(cs));
    }
    spec.pk_name = d.get_pk_constraint(conn, table, std::nullopt).name;
    for (auto& u : d.get_unique_constraints(conn, table, std::nullopt))
        spec.uniques.push_back(UniqueConstraint{u.column_names, u.name});
    if (d.caps().supports_foreign_keys)
        for (auto& fk : d.get_foreign_keys(conn, table, std::nullopt))
            spec.foreign_keys.push_back(ForeignKeyConstraint{fk.constrained_columns, fk.referred_table, fk.referred_columns,
                                                             fk.name, fk.ondelete, fk.onupdate});
    for (auto& ix : d.get_indexes(conn, table, std::nullopt))
        out.indexes.push_back(IndexSpec{ix.name, table, ix.column_names, ix.unique});
    return out;
}

// A SQL comment of one line: names in a note may hold line breaks, which would end the comment and put the
// rest of the note into the offline script as SQL.
namespace {
std::string sql_comment(std::string_view text) {
    std::string out = "-- ";
    for (char c : text) out += c == '\n' || c == '\r' ? ' ' : c;
    return out;
}
}  // namespace

std::string render_literal_sql(const Dialect&, const Statement& st) {
    // Statements with parameters keep their literal rendering in note (made by compile_operation).
    if (st.sql.empty()) return sql_comment(st.note);
    return st.params.empty() ? st.sql : st.note;
}

// ---------------------------------------------------------------- context

MigrationContext::MigrationContext(Engine engine, MigrationOptions options)
    : engine_(std::move(engine)), dialect_(engine_.dialect_ptr()), options_(std::move(options)) {}

MigrationContext::MigrationContext(std::shared_ptr<const Dialect> dialect, std::ostream& out, MigrationOptions options)
    : dialect_(std::move(dialect)), out_(&out), options_(std::move(options)) {}

std::vector<std::string> MigrationContext::current_heads() {
    if (offline()) return offline_rows_;
    auto conn = engine_.connect();
    if (!dialect_->has_table(conn, options_.version_table, std::nullopt)) return {};
    auto rows = conn.exec_driver_sql("SELECT version_num FROM " + q(*dialect_, options_.version_table) +
                                     " ORDER BY version_num")
                    .scalars<std::string>();
    conn.commit();
    return rows;
}

void MigrationContext::ensure_version_table() {
    TableSpec spec{.name = options_.version_table,
                   .columns = {ColumnSpec{.name = "version_num", .type = types::String(32), .nullable = false, .primary_key = true}},
                   .pk_name = options_.version_table + "_pkc"};
    MetaData md(NamingConvention{});
    const std::string sql = dialect_->ddl_compiler()->create_table(to_table(md, spec, spec.name));
    if (offline()) {
        if (offline_rows_.empty() && !offline_version_table_written_) *out_ << sql << ";\n\n";
        offline_version_table_written_ = true;
        return;
    }
    auto conn = engine_.connect();
    if (dialect_->has_table(conn, options_.version_table, std::nullopt)) return;
    conn.commit();
    auto tx = conn.begin();
    conn.exec_driver_sql(sql);
    tx.commit();
}

std::vector<Statement> MigrationContext::version_statements(const std::vector<VersionChange>& changes) const {
    const std::string vt = q(*dialect_, options_.version_table);
    // Ids are [A-Za-z0-9_] only (checked when read), so they are written inline: offline scripts need them.
    auto lit = [](const std::string& id) { return "'" + id + "'"; };
    std::vector<Statement> out;
    for (const auto& c : changes) {
        switch (c.kind) {
            case VersionChange::Kind::Insert:
                out.push_back(Statement{"INSERT INTO " + vt + " (version_num) VALUES (" + lit(c.to) + ")", {}, false});
                break;
            case VersionChange::Kind::Delete:
                out.push_back(Statement{"DELETE FROM " + vt + " WHERE version_num = " + lit(c.from), {}, false});
                break;
            case VersionChange::Kind::Update:
                out.push_back(Statement{"UPDATE " + vt + " SET version_num=" + lit(c.to) + " WHERE version_num = " + lit(c.from),
                                        {}, false});
                break;
        }
    }
    return out;
}

SchemaState MigrationContext::replay(const RevisionGraph& graph, const std::vector<std::string>& rows) const {
    SchemaState state;
    const auto applied = graph.ancestors(rows);
    for (const auto& id : graph.topological())
        if (applied.count(id))
            for (const auto& op : graph.get(id).upgrade_ops()) state.apply(op);
    return state;
}

void MigrationContext::fill_unknown_tables(const std::vector<Operation>& ops, SchemaState& state) {
    // Tables rebuilt for an ALTER (SQLite), or columns restated whole by MODIFY COLUMN (MySQL), need their
    // current form: reflected when no revision says what it is.
    const bool rebuilds = dialect_->caps().alter_by_rebuild, modifies = dialect_->caps().alter_column_modify;
    if (offline() || !(rebuilds || modifies)) return;
    SchemaState probe = state;
    auto conn = engine_.connect();
    for (const auto& op : ops) {
        const bool wanted = rebuilds ? op.kind != OpKind::CreateTable && op.kind != OpKind::Execute
                                     : op.kind == OpKind::AlterColumn;
        if (wanted && !op.table.empty() &&
            !probe.tables.count(op.table) && dialect_->has_table(conn, op.table, std::nullopt)) {
            auto r = reflect_table_spec(conn, op.table);
            for (const auto& ix : r.indexes) {
                state.indexes[ix.name] = ix;
                probe.indexes[ix.name] = ix;
            }
            const auto& spec = r.table;
            state.tables[op.table] = spec;
            probe.tables[op.table] = spec;
        }
        probe.apply(op);
    }
    conn.commit();
}

void MigrationContext::execute(Connection* conn, const Statement& st) {
    if (!st.call.empty()) {
        // run() refused offline runs and unknown names before anything ran.
        options_.data_migrations.at(st.call)(*conn);
        return;
    }
    if (st.sql.empty()) {
        if (offline()) *out_ << sql_comment(st.note) << "\n\n";
        return;
    }
    if (st.must_find_no_rows) {
        if (offline()) {
            *out_ << sql_comment("this query must return no rows: " + st.note) << "\n" << render_literal_sql(*dialect_, st) << ";\n\n";
            return;
        }
        if (!conn->exec_driver_sql(st.sql, std::span<const Value>(st.params)).all().empty()) throw MigrationError(st.note);
        return;
    }
    if (offline()) {
        if (st.repeat_until_no_rows) *out_ << sql_comment("run the next statement until it changes no rows") << "\n";
        *out_ << render_literal_sql(*dialect_, st) << ";\n\n";
        return;
    }
    if (!st.repeat_until_no_rows) {
        conn->exec_driver_sql(st.sql, std::span<const Value>(st.params));
        return;
    }
    // A chunk at a time; where rows per transaction are limited, each chunk commits on its own.
    const bool commit_each = dialect_->caps().max_rows_per_transaction > 0 || dialect_->caps().one_ddl_per_transaction;
    for (;;) {
        const auto n = conn->exec_driver_sql(st.sql, std::span<const Value>(st.params)).rowcount();
        if (commit_each) conn->commit();
        if (n <= 0) break;
    }
}

std::vector<std::string> MigrationContext::upgrade(const RevisionGraph& graph, const RevisionSpec& target) {
    return run(graph, graph.upgrade_steps(current_heads(), target));
}

std::vector<std::string> MigrationContext::downgrade(const RevisionGraph& graph, const std::string& target) {
    return run(graph, graph.downgrade_steps(current_heads(), target, options_.warning));
}

void MigrationContext::stamp(const RevisionGraph& graph, const RevisionSpec& target) {
    auto before = current_heads();
    std::set<std::string> heads(before.begin(), before.end());
    std::vector<VersionChange> changes;
    for (const auto& step : graph.stamp_steps(target, before)) {
        auto c = graph.apply_step(heads, step);
        changes.insert(changes.end(), c.begin(), c.end());
    }
    ensure_version_table();
    auto stmts = version_statements(changes);
    if (offline()) {
        for (const auto& s : stmts) execute(nullptr, s);
        offline_rows_.assign(heads.begin(), heads.end());
        return;
    }
    auto conn = engine_.connect();
    auto tx = conn.begin();
    for (const auto& s : stmts) execute(&conn, s);
    tx.commit();
}

std::vector<std::string> MigrationContext::run(const RevisionGraph& graph, const std::vector<MigrationStep>& steps) {
    auto rows = current_heads();
    std::set<std::string> heads(rows.begin(), rows.end());
    SchemaState state = replay(graph, rows);
    const auto& caps = dialect_->caps();
    if (!steps.empty() && !caps.transactional_ddl && !caps.one_ddl_per_transaction) {
        // MySQL commits each DDL statement at once: say so, as Alembic does, before anything runs.
        const std::string note = "Will assume non-transactional DDL: " + dialect_->name() +
                                 " commits each DDL statement at once, so a revision that fails part-way keeps "
                                 "what ran before the failure";
        if (offline())
            *out_ << sql_comment(note) << "\n\n";
        else if (options_.progress)
            options_.progress(note);
    }
    ensure_version_table();
    std::optional<Connection> conn;
    if (!offline()) conn.emplace(engine_.connect());
    std::vector<std::string> done;
    for (const auto& step : steps) {
        const bool up = step.upgrade;
        const std::string& id = step.revision;
        const Revision& rev = graph.get(id);
        const auto ops = up ? rev.upgrade_ops() : rev.downgrade_ops();
        fill_unknown_tables(ops, state);
        SchemaState next = state;
        std::vector<Statement> stmts;
        try {
            for (const auto& op : ops) {
                if (op.kind == OpKind::Call) {
                    if (offline())
                        throw MigrationError("it calls the data migration '" + op.name +
                                             "', which runs C++ and cannot be written as SQL; run it online");
                    if (!options_.data_migrations.count(op.name))
                        throw MigrationError("it calls the data migration '" + op.name +
                                             "', which this program does not register (a migration runner "
                                             "registers it in Environment::data_migrations; retort migrate "
                                             "runs the runner that retort.ini names)");
                }
                auto s = compile_operation(*dialect_, op, next);
                stmts.insert(stmts.end(), s.begin(), s.end());
                next.apply(op);
            }
        } catch (const Error& e) {
            // Nothing of this revision has run yet.
            throw MigrationError("revision " + id + (rev.message.empty() ? "" : " (" + rev.message + ")") +
                                 " failed before it ran: " + e.what() + "\nThe version table is left at " +
                                 (rows.empty() ? std::string("base") : join(rows, ", ")));
        }
        auto next_heads = heads;
        const auto vstmts = version_statements(graph.apply_step(next_heads, step));
        const std::vector<std::string> next_rows(next_heads.begin(), next_heads.end());
        const std::string parents = rev.parents.empty() ? "<base>" : join(rev.parents, ", ");
        const std::string label = (up ? "upgrade " + parents + " -> " + id : "downgrade " + id + " -> " + parents) +
                                  (rev.message.empty() ? "" : ", " + rev.message);
        const bool rebuilds = std::any_of(stmts.begin(), stmts.end(), [](const Statement& s) { return s.rebuild; });
        const auto t0 = std::chrono::steady_clock::now();
        if (options_.progress) options_.progress("Running " + label);
        if (offline()) {
            *out_ << sql_comment("Running " + label) << "\n\n";
            if (caps.one_ddl_per_transaction) {
                for (const auto& s : stmts) {
                    if (s.sql.empty()) {
                        execute(nullptr, s);
                        continue;
                    }
                    *out_ << "BEGIN;\n\n";
                    execute(nullptr, s);
                    *out_ << "COMMIT;\n\n";
                }
                *out_ << "BEGIN;\n\n";
                for (const auto& s : vstmts) execute(nullptr, s);
                *out_ << "COMMIT;\n\n";
            } else {
                if (rebuilds) *out_ << "PRAGMA foreign_keys = OFF;\n\n";
                if (caps.transactional_ddl) *out_ << "BEGIN;\n\n";
                for (const auto& s : stmts) execute(nullptr, s);
                for (const auto& s : vstmts) execute(nullptr, s);
                if (caps.transactional_ddl) *out_ << "COMMIT;\n\n";
                if (rebuilds) *out_ << "PRAGMA foreign_keys = ON;\n\n";
            }
        } else {
            try {
                if (caps.one_ddl_per_transaction) {
                    // DSQL: a transaction holds one DDL statement and never mixes DDL with DML.
                    for (const auto& s : stmts) {
                        if (s.sql.empty() && s.call.empty()) continue;
                        if (s.repeat_until_no_rows) {
                            execute(&*conn, s);  // commits each chunk
                            continue;
                        }
                        auto tx = conn->begin();
                        execute(&*conn, s);
                        tx.commit();
                    }
                    auto tx = conn->begin();
                    for (const auto& s : vstmts) execute(&*conn, s);
                    tx.commit();
                } else if (caps.transactional_ddl) {
                    bool fk_restore = false;
                    if (rebuilds) fk_restore = dialect_->suspend_foreign_keys(*conn);
                    try {
                        auto tx = conn->begin();
                        for (const auto& s : stmts) execute(&*conn, s);
                        for (const auto& s : vstmts) execute(&*conn, s);
                        if (fk_restore) {
                            if (const std::size_t bad = dialect_->foreign_key_violations(*conn))
                                throw MigrationError("the rebuilt tables break " + std::to_string(bad) +
                                                     " foreign key reference(s)");
                        }
                        tx.commit();
                    } catch (...) {
                        if (fk_restore) dialect_->resume_foreign_keys(*conn);
                        throw;
                    }
                    if (fk_restore) dialect_->resume_foreign_keys(*conn);
                } else {
                    for (const auto& s : stmts) {
                        execute(&*conn, s);
                        conn->commit();
                    }
                    auto tx = conn->begin();
                    for (const auto& s : vstmts) execute(&*conn, s);
                    tx.commit();
                }
            } catch (const std::exception& e) {
                if (conn->in_transaction()) conn->rollback();
                throw MigrationError("revision " + id + (rev.message.empty() ? "" : " (" + rev.message + ")") +
                                     " failed: " + e.what() + "\nThe version table is left at " +
                                     (rows.empty() ? std::string("base") : join(rows, ", ")) +
                                     (rev.path.empty() ? "" : "; the revision file is " + rev.path.string()));
            }
        }
        const std::chrono::duration<double> took = std::chrono::steady_clock::now() - t0;
        if (options_.progress && !offline()) {
            char buf[64];
            std::snprintf(buf, sizeof buf, "  done in %.3f s", took.count());
            options_.progress(buf);
        }
        state = std::move(next);
        heads = std::move(next_heads);
        rows = next_rows;
        if (offline()) offline_rows_ = rows;
        done.push_back(id);
    }
    return done;
}

}  // namespace retort::migrate
