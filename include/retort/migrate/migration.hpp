// Running revisions (Alembic's MigrationContext): operations compiled to one dialect's SQL, the version
// table, upgrade / downgrade / stamp, online against an Engine or offline into SQL text.
//
// How each dialect runs a revision, chosen by its capability flags (never by its name, except for the
// SQLite table rebuild, which is SQLite's own procedure):
//   - transactional_ddl (PostgreSQL, SQLite): one transaction per revision holding its statements and the
//     version-table update; a failure rolls the whole revision back.
//   - one_ddl_per_transaction (Aurora DSQL): every statement in its own transaction, indexes created
//     with CREATE INDEX ASYNC (supports_create_index_async), foreign-key operations skipped
//     (!supports_foreign_keys), unique constraints added as unique indexes (!supports_alter), and the
//     version-table write in a transaction of its own after the revision's statements. A failure midway
//     leaves the statements before it applied; the version table stays at the last complete revision.
//   - neither: statements run one by one, the version table is updated after them.
// SQLite lacks most of ALTER TABLE; for those operations (alter column type, nullability or default, add
// or drop constraints, drop column where the library is older than 3.35 or the column is constrained)
// the table is rebuilt, keeping every row: CREATE the new table, INSERT ... SELECT, DROP the old one,
// RENAME, recreate its indexes; with PRAGMA foreign_keys off around the revision's transaction (and a
// foreign_key_check before committing), as SQLite's documentation prescribes.
//
// What a rebuild needs to know about the table comes from replaying the revisions' operations from base
// ("schema state"), both online and offline, so `--sql` prints exactly what an online run executes;
// tables the revisions never created (made by create_all and stamped) are reflected when online.
#pragma once

#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "retort/detail/chrono.hpp"
#include "retort/engine/engine.hpp"
#include "retort/export.hpp"
#include "retort/migrate/ops.hpp"
#include "retort/migrate/script.hpp"

namespace retort::migrate {

inline constexpr const char* default_version_table = "retort_version";

// A revision failed: the message names it, the cause, and where the version table was left.
class RETORT_API MigrationError : public Error {
public:
    using Error::Error;
};

// The schema as the revisions describe it.
struct RETORT_API SchemaState {
    std::map<std::string, TableSpec> tables;
    std::map<std::string, IndexSpec> indexes;  // by index name

    void apply(const Operation& op);
    [[nodiscard]] std::vector<IndexSpec> indexes_of(const std::string& table) const;
};

// One statement to run: SQL text, the bound parameters (bulk_insert rows when online) and whether it is
// DDL. Comments (for operations a dialect skips) have empty sql and a note.
struct RETORT_API Statement {
    std::string sql;
    std::vector<Value> params;
    bool ddl = true;
    bool rebuild = false;  // part of a SQLite table rebuild
    // A DML statement that changes a bounded chunk of rows: run again, each run in a transaction of its own
    // where the dialect limits rows per transaction, until it changes none (a backfill).
    bool repeat_until_no_rows = false;
    // A query that must return no rows: when it returns one, the migration stops with `note` as its error.
    bool must_find_no_rows = false;
    std::string note;
    // A data migration (`call NAME`): no SQL; the function registered under this name runs instead.
    std::string call;
};

// The statements for one operation on a dialect; state is the schema before the operation (needed by
// rebuilds). Throws MigrationError when a rebuild needs a table the state does not know.
[[nodiscard]] RETORT_API std::vector<Statement> compile_operation(const Dialect& dialect, const Operation& op,
                                                                  const SchemaState& state);

// A table as the database has it (for rebuilds of tables no revision created, and for autogenerate).
struct RETORT_API ReflectedSpec {
    TableSpec table;
    std::vector<IndexSpec> indexes;
};
[[nodiscard]] RETORT_API ReflectedSpec reflect_table_spec(Connection& conn, const std::string& table);

// SQL text with parameters written as literals (offline scripts).
[[nodiscard]] RETORT_API std::string render_literal_sql(const Dialect& dialect, const Statement& st);

struct RETORT_API MigrationOptions {
    std::string version_table = default_version_table;
    // Progress lines ("Running upgrade a -> b, message ... done in 0.012 s"); none when null.
    std::function<void(const std::string&)> progress;
    // Warnings (a downgrade -1 from several heads picks the first); none when null.
    std::function<void(const std::string&)> warning;
    // The functions revisions name in `call NAME` operations (data migrations written in C++). Each runs on
    // the connection running the revision, inside the revision's transaction where the dialect has
    // transactional DDL, so a throw rolls the revision back. A revision calling a name missing here fails
    // before any of it runs; offline (--sql) a call cannot be written as SQL and fails likewise.
    std::map<std::string, std::function<void(Connection&)>> data_migrations;
};

class RETORT_API MigrationContext {
public:
    // Online: runs against the engine's database.
    MigrationContext(Engine engine, MigrationOptions options = {});
    // Offline: writes the SQL to out instead of running it.
    MigrationContext(std::shared_ptr<const Dialect> dialect, std::ostream& out, MigrationOptions options = {});

    // The version table's rows (empty when it is missing or empty); offline: the assumed starting rows.
    [[nodiscard]] std::vector<std::string> current_heads();
    // Offline only: where the script starts ("base" by default), as version rows.
    void set_offline_start(std::vector<std::string> rows) { offline_rows_ = std::move(rows); }

    // Each returns the revisions run, in order (target forms: see revision.hpp). A failing revision throws
    // MigrationError after rolling back what its transaction held; the version table's rows move as
    // Alembic's do (a row per head: new branches insert, merges delete, depends_on counts).
    std::vector<std::string> upgrade(const RevisionGraph& graph, const RevisionSpec& target);
    std::vector<std::string> downgrade(const RevisionGraph& graph, const std::string& target);
    void stamp(const RevisionGraph& graph, const RevisionSpec& target);

    [[nodiscard]] const Dialect& dialect() const { return *dialect_; }
    [[nodiscard]] bool offline() const noexcept { return out_ != nullptr; }

private:
    std::vector<std::string> run(const RevisionGraph& graph, const std::vector<MigrationStep>& steps);
    SchemaState replay(const RevisionGraph& graph, const std::vector<std::string>& rows) const;
    void ensure_version_table();
    std::vector<Statement> version_statements(const std::vector<VersionChange>& changes) const;
    void execute(Connection* conn, const Statement& st);
    void fill_unknown_tables(const std::vector<Operation>& ops, SchemaState& state);

    Engine engine_;
    std::shared_ptr<const Dialect> dialect_;
    std::ostream* out_ = nullptr;
    MigrationOptions options_;
    std::vector<std::string> offline_rows_;
    bool offline_version_table_written_ = false;
};

}  // namespace retort::migrate
