// The MySQL / MariaDB dialect (SQLAlchemy's mysql dialect with the mariadbconnector driver): capabilities by
// server version, connect parameters from a URL, transactions and isolation levels, DDL in MySQL's forms and
// reflection through information_schema.
//
// Decisions worth knowing:
// - Identifiers are quoted with backticks.
// - Each new connection sets a strict sql_mode (STRICT_ALL_TABLES and friends), so a value that does not fit
//   is an error (DataError) rather than silently truncated or zeroed, and time_zone to UTC.
// - Tables are InnoDB, utf8mb4 in that character set's default collation (utf8mb4_general_ci on MariaDB: text
//   compares and is unique regardless of case, unlike on PostgreSQL and SQLite).
// - DDL commits implicitly on MySQL: caps().transactional_ddl is false.
// - INSERT ... RETURNING where the server has it (MariaDB 10.5+); elsewhere the key of a new row comes from the
//   driver's last insert id.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "retort/dialects/dialect.hpp"

namespace retort::mysql {

class MySQLDialect final : public Dialect {
public:
    MySQLDialect();

    [[nodiscard]] ConnectParams create_connect_params(const URL& url) const override;
    [[nodiscard]] std::unique_ptr<DBAPIConnection> connect(const ConnectParams& params) const override;
    void on_connect(DBAPIConnection& c) const override;
    [[nodiscard]] std::unique_ptr<sql::SQLCompiler> statement_compiler() const override;
    [[nodiscard]] std::unique_ptr<sql::DDLCompiler> ddl_compiler() const override;

    void set_isolation_level(DBAPIConnection& c, std::string_view level) const override;
    [[nodiscard]] std::string get_isolation_level(DBAPIConnection& c) const override;
    [[nodiscard]] std::string default_isolation_level() const override { return "REPEATABLE READ"; }
    [[nodiscard]] std::string begin_statement(std::string_view level) const override;

    [[nodiscard]] std::string builtin_type_ddl(const SqlType& t) const override;
    // The SqlType for a column type as information_schema.COLUMNS.COLUMN_TYPE spells it.
    [[nodiscard]] static SqlType resolve_type(std::string_view column_type);

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
};

[[nodiscard]] std::shared_ptr<Dialect> make_mysql_dialect();

}  // namespace retort::mysql
