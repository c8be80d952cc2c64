// The SQLite dialect (SQLAlchemy's sqlite dialect): capabilities of the linked libsqlite3, connect
// parameters from a URL, transactions, DDL type names and reflection through PRAGMA table functions.
//
// Decisions worth knowing:
// - Transactions: the driver never begins one on its own; the engine sends BEGIN / COMMIT / ROLLBACK and
//   SAVEPOINT statements (Dialect's generic implementations), so nested transactions work.
// - Isolation levels, as SQLAlchemy's sqlite dialect has them: "SERIALIZABLE" (the default) and
//   "READ UNCOMMITTED" (PRAGMA read_uncommitted, which only matters in shared-cache mode), plus
//   "AUTOCOMMIT". begin_statement also accepts SQLite's own "DEFERRED", "IMMEDIATE" and "EXCLUSIVE".
// - Types render as SQLAlchemy renders them for SQLite; Uuid is CHAR(32) holding 32 hex digits. Interval
//   is declared INTERVAL and holds ISO 8601 text ("P1DT2H"): SQLAlchemy's DATETIME-since-epoch form
//   loses months, and a name of its own lets reflection give the type back. (INTERVAL has INTEGER
//   affinity by SQLite's rules, which never changes these values: ISO durations are not numbers.)
// - NUMERIC columns have NUMERIC affinity: SQLite keeps a decimal as an INTEGER or a REAL when that is
//   exact to 15 digits, so Numeric values beyond 15 significant digits are not exact on SQLite (the same
//   limit SQLAlchemy warns about).
// - IS DISTINCT FROM renders as IS NOT / IS (supports_is_distinct_from off), which every SQLite accepts.
// - Reflection reports "INTEGER PRIMARY KEY" columns (SQLite's rowid) as autoincrement and NOT NULL;
//   indexes on expressions list only their plain columns.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "retort/dialects/dialect.hpp"

namespace retort::detail {

class SQLiteDialect final : public Dialect {
public:
    SQLiteDialect();

    [[nodiscard]] ConnectParams create_connect_params(const URL& url) const override;
    [[nodiscard]] std::unique_ptr<DBAPIConnection> connect(const ConnectParams& params) const override;
    void on_connect(DBAPIConnection& c) const override;
    [[nodiscard]] bool database_lives_in_connection(const URL& url) const override;
    [[nodiscard]] std::unique_ptr<sql::DDLCompiler> ddl_compiler() const override;
    bool suspend_foreign_keys(Connection& conn) const override;
    [[nodiscard]] std::size_t foreign_key_violations(Connection& conn) const override;
    void resume_foreign_keys(Connection& conn) const override;

    void set_isolation_level(DBAPIConnection& c, std::string_view level) const override;
    [[nodiscard]] std::string get_isolation_level(DBAPIConnection& c) const override;
    [[nodiscard]] std::string default_isolation_level() const override { return "SERIALIZABLE"; }
    [[nodiscard]] std::string begin_statement(std::string_view level) const override;

    [[nodiscard]] std::string builtin_type_ddl(const SqlType& t) const override;
    // The SqlType for a declared column type: known names first ("VARCHAR(30)" -> String(30)), then
    // SQLite's affinity rules. An empty declaration gives the Null type.
    [[nodiscard]] static SqlType resolve_type(std::string_view declared);

    [[nodiscard]] std::vector<std::string> get_table_names(Connection& c,
                                                           const std::optional<std::string>& schema) const override;
    [[nodiscard]] bool has_table(Connection& c, std::string_view table,
                                 const std::optional<std::string>& schema) const override;
    [[nodiscard]] std::vector<ReflectedColumn> get_columns(Connection& c, std::string_view table,
                                                           const std::optional<std::string>& schema) const override;
    [[nodiscard]] ReflectedPrimaryKey get_pk_constraint(Connection& c, std::string_view table,
                                                        const std::optional<std::string>& schema) const override;
    [[nodiscard]] std::vector<ReflectedForeignKey> get_foreign_keys(
        Connection& c, std::string_view table, const std::optional<std::string>& schema) const override;
    [[nodiscard]] std::vector<ReflectedIndex> get_indexes(Connection& c, std::string_view table,
                                                          const std::optional<std::string>& schema) const override;
    [[nodiscard]] std::vector<ReflectedUnique> get_unique_constraints(
        Connection& c, std::string_view table, const std::optional<std::string>& schema) const override;

    // The key of the row inserted last: its rowid for an autoincrement key (declared INTEGER, the rowid itself),
    // else the key columns read by that rowid (a key from a server default).
    bool inserted_key(Connection& conn, const Table& table, std::span<const Column* const> columns,
                      std::span<Value> out) const override;
    bool prefetch_keys(Connection& conn, const Table& table, const Column& column, std::size_t count,
                       PrefetchedKeys& keys) const override;
    void check_numbered_keys(Connection& conn, const Table& table, const Column& column,
                             const PrefetchedKeys& keys) const override;

private:
    [[nodiscard]] std::optional<bool> numbers_rows_itself(Connection& conn, const Table& table, const Column& column,
                                                          std::string_view declared) const;
    [[nodiscard]] std::string master_table(const std::optional<std::string>& schema) const;
    [[nodiscard]] std::optional<std::string> table_sql(Connection& c, std::string_view table,
                                                       const std::optional<std::string>& schema) const;
};

// The factory make_dialect() calls for "sqlite" URLs.
[[nodiscard]] std::shared_ptr<Dialect> make_sqlite_dialect();

}  // namespace retort::detail
