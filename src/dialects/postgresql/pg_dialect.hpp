// The PostgreSQL dialect (SQLAlchemy's postgresql+psycopg2, over libpq): capabilities, connect parameters
// from a URL, isolation levels, DDL type names and reflection through pg_catalog.
//
// Decisions worth knowing:
// - Every URL query parameter goes to libpq as a keyword (?host=/run/postgresql sets the socket directory,
//   ?sslmode=verify-full, ?application_name=...); an unknown keyword fails at connect with libpq's message.
// - Isolation levels are session characteristics (SET SESSION CHARACTERISTICS AS TRANSACTION ...), so the
//   engine's plain BEGIN starts transactions at the chosen level; "AUTOCOMMIT" is the engine's business
//   (it does not send BEGIN) and is accepted here as a no-op.
// - Types render as SQLAlchemy renders them for PostgreSQL, including its long spellings
//   "TIMESTAMP WITHOUT TIME ZONE" / "TIME WITH TIME ZONE"; native enums render as their quoted type name.
// - NULLS NOT DISTINCT needs server 15 or later; the flag is on because 15 is the server Retort targets.
//   Clear it with mutable_caps() for an older server.
// - Reflection defaults to current_schema(). A foreign key's referred_schema is left empty when it points
//   into the inspected table's own schema and no schema was asked for. get_indexes leaves out the indexes
//   behind primary keys and unique (and exclusion) constraints, as get_unique_constraints reports those;
//   expression index columns are reported as their expression text, INCLUDE columns are left out.
// - get_columns of a table that does not exist throws InvalidRequestError, like the SQLite dialect.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "retort/dialects/dialect.hpp"

namespace retort::postgresql {

// Exported (RETORT_API): the Aurora DSQL backend's dialect derives from it.
class RETORT_API PGDialect : public Dialect {
public:
    PGDialect();
    // For dialects built on this one (Aurora DSQL): another name and other capabilities.
    PGDialect(std::string name, DialectCapabilities caps);

    [[nodiscard]] static DialectCapabilities default_capabilities();
    [[nodiscard]] std::string_view family() const noexcept override { return "postgresql"; }

    [[nodiscard]] ConnectParams create_connect_params(const URL& url) const override;
    [[nodiscard]] std::unique_ptr<DBAPIConnection> connect(const ConnectParams& params) const override;

    void set_isolation_level(DBAPIConnection& c, std::string_view level) const override;
    [[nodiscard]] std::string get_isolation_level(DBAPIConnection& c) const override;
    [[nodiscard]] std::string default_isolation_level() const override { return "READ COMMITTED"; }
    bool prefetch_keys(Connection& conn, const Table& table, const Column& column, std::size_t count,
                       PrefetchedKeys& keys) const override;
    [[nodiscard]] std::string begin_statement(std::string_view level) const override;
    // COPY table (columns) FROM STDIN.
    [[nodiscard]] std::string bulk_load_statement(const Table& table,
                                                  std::span<const Column* const> columns) const override;
    // UPDATE t SET a = v.s0, ... FROM (VALUES ($1::type, ...), ...) AS v (s0, ..., k0, ...) WHERE t.k = v.k0 AND ...
    [[nodiscard]] std::string update_from_values_statement(const Table& table,
                                                           std::span<const Column* const> set_columns,
                                                           std::span<const Column* const> key_columns,
                                                           std::size_t rows) const override;

    [[nodiscard]] std::string builtin_type_ddl(const SqlType& t) const override;
    // The SqlType for a type as pg_catalog.format_type() spells it ("character varying(30)",
    // "timestamp(3) with time zone"); the Null type for types Retort has no kind for (arrays, ranges, ...).
    [[nodiscard]] static SqlType resolve_type(std::string_view formatted);

    [[nodiscard]] std::vector<std::string> get_table_names(Connection& c,
                                                           const std::optional<std::string>& schema) const override;
    [[nodiscard]] std::string next_value_sql(std::string_view name, const std::optional<std::string>& schema) const override;
    [[nodiscard]] bool has_type(Connection& c, std::string_view name,
                                const std::optional<std::string>& schema) const override;
    [[nodiscard]] bool has_sequence(Connection& c, std::string_view name,
                                    const std::optional<std::string>& schema) const override;
    // A sequence's (or table's) name as a regclass literal takes it: quoted, after its quoted schema.
    [[nodiscard]] std::string sequence_regclass(std::string_view name, const std::optional<std::string>& schema) const;
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

    // "read_committed" / "Read Committed" -> "READ COMMITTED"; throws ArgumentError for unknown levels.
    [[nodiscard]] static std::string normalize_isolation_level(std::string_view level);
};

}  // namespace retort::postgresql

namespace retort::detail {
// The factory make_dialect() calls for "postgresql" URLs.
[[nodiscard]] std::shared_ptr<Dialect> make_postgresql_dialect();
}  // namespace retort::detail
