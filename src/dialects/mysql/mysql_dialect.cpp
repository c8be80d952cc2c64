#include "dialects/mysql/mysql_dialect.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>

#include "detail/text.hpp"
#include "dialects/mysql/mysql_driver.hpp"
#include "retort/engine/engine.hpp"
#include "retort/engine/url.hpp"
#include "retort/error.hpp"
#include "retort/schema/reflection.hpp"
#include "retort/schema/schema.hpp"
#include "schema/reflection_rows.hpp"

namespace retort::mysql {

namespace {

using retort::detail::to_lower;
using retort::detail::to_upper;

constexpr std::string_view isolation_levels[] = {"SERIALIZABLE", "REPEATABLE READ", "READ COMMITTED",
                                                 "READ UNCOMMITTED"};

std::string normalize_isolation_level(std::string_view level) {
    std::string norm = to_upper(level);
    std::replace(norm.begin(), norm.end(), '_', ' ');
    std::replace(norm.begin(), norm.end(), '-', ' ');
    if (norm == "AUTOCOMMIT") return norm;
    for (auto l : isolation_levels)
        if (norm == l) return norm;
    throw ArgumentError("unknown isolation level '" + std::string(level) +
                        "'; MySQL knows SERIALIZABLE, REPEATABLE READ, READ COMMITTED, READ UNCOMMITTED and AUTOCOMMIT");
}

// The database reflection looks in: the schema given, else the connection's own.
constexpr std::string_view schema_filter = "TABLE_SCHEMA = coalesce(?, DATABASE())";

// MySQL's reserved words (8.0 and MariaDB 10.11), lower case: identifiers among them are quoted.
constexpr std::string_view reserved[] = {
    "accessible", "add", "all", "alter", "analyze", "and", "as", "asc", "asensitive", "before", "between",
    "bigint", "binary", "blob", "both", "by", "call", "cascade", "case", "change", "char", "character", "check",
    "collate", "column", "condition", "constraint", "continue", "convert", "create", "cross", "cube",
    "cume_dist", "current_date", "current_role", "current_time", "current_timestamp", "current_user", "cursor",
    "database", "databases", "day_hour", "day_microsecond", "day_minute", "day_second", "dec", "decimal",
    "declare", "default", "delayed", "delete", "dense_rank", "desc", "describe", "deterministic", "distinct",
    "distinctrow", "div", "double", "drop", "dual", "each", "else", "elseif", "empty", "enclosed", "escaped",
    "except", "exists", "exit", "explain", "false", "fetch", "first_value", "float", "float4", "float8", "for",
    "force", "foreign", "from", "fulltext", "function", "general", "generated", "get", "grant", "group",
    "grouping", "groups", "having", "high_priority", "hour_microsecond", "hour_minute", "hour_second", "if",
    "ignore", "ignore_server_ids", "in", "index", "infile", "inner", "inout", "insensitive", "insert", "int",
    "int1", "int2", "int3", "int4", "int8", "integer", "intersect", "interval", "into", "io_after_gtids",
    "io_before_gtids", "is", "iterate", "join", "json_table", "key", "keys", "kill", "lag", "last_value",
    "lateral", "lead", "leading", "leave", "left", "like", "limit", "linear", "lines", "load", "localtime",
    "localtimestamp", "lock", "long", "longblob", "longtext", "loop", "low_priority", "master_bind",
    "master_heartbeat_period", "master_ssl_verify_server_cert", "match", "maxvalue", "mediumblob", "mediumint",
    "mediumtext", "middleint", "minute_microsecond", "minute_second", "mod", "modifies", "natural", "not",
    "no_write_to_binlog", "nth_value", "ntile", "null", "numeric", "of", "offset", "on", "optimize",
    "optimizer_costs", "option", "optionally", "or", "order", "out", "outer", "outfile", "over", "page_checksum",
    "parse_vcol_expr", "partition", "percent_rank", "position", "precision", "primary", "procedure", "purge",
    "range", "rank", "read", "reads", "read_write", "real", "recursive", "ref_system_id", "references", "regexp",
    "release", "rename", "repeat", "replace", "require", "resignal", "restrict", "return", "returning", "revoke",
    "right", "rlike", "row", "row_number", "rows", "schema", "schemas", "second_microsecond", "select",
    "sensitive", "separator", "set", "show", "signal", "slow", "smallint", "spatial", "specific", "sql",
    "sqlexception", "sqlstate", "sqlwarning", "sql_big_result", "sql_calc_found_rows", "sql_small_result",
    "ssl", "starting", "stats_auto_recalc", "stats_persistent", "stats_sample_pages", "stored", "straight_join",
    "system", "table", "terminated", "then", "tinyblob", "tinyint", "tinytext", "to", "trailing", "trigger",
    "true", "undo", "union", "unique", "unlock", "unsigned", "update", "usage", "use", "using", "utc_date",
    "utc_time", "utc_timestamp", "values", "varbinary", "varchar", "varcharacter", "varying", "virtual", "when",
    "where", "while", "window", "with", "write", "xor", "year_month", "zerofill"};

DialectCapabilities mysql_capabilities() {
    DialectCapabilities caps;
    caps.supports_returning = true;        // INSERT / DELETE ... RETURNING (MariaDB 10.5+; returning=0 for MySQL 8)
    caps.supports_update_returning = false;
    caps.postfetch_lastrowid = true;      // else the driver's last insert id
    caps.prefetch_key_sequences = false;
    caps.supports_savepoints = true;
    caps.supports_multivalues_insert = true;
    caps.supports_native_boolean = false;  // BOOL is TINYINT(1)
    caps.supports_native_uuid = false;
    caps.supports_native_enum = false;     // VARCHAR and a CHECK of the values (MariaDB enforces CHECK)
    caps.supports_native_json = true;
    caps.supports_native_interval = false;
    caps.supports_foreign_keys = true;
    caps.supports_alter = true;
    caps.supports_sequences = false;
    caps.supports_serial = false;
    caps.supports_identity_columns = false;
    caps.supports_jsonb_columns = false;   // Jsonb columns are JSON
    caps.supports_schemas = true;          // a schema is a database
    caps.supports_native_ilike = false;
    caps.cast_paired_binds = false;
    caps.supports_is_distinct_from = false;  // NOT (a <=> b)
    caps.supports_for_update = true;
    caps.supports_pipeline = false;
    caps.supports_copy_from = false;
    caps.supports_update_from_values = false;
    caps.supports_update_from = true;      // in MySQL's own forms: UPDATE a, b SET a.x = ...
    caps.supports_delete_using = true;     // and DELETE FROM a USING a, b
    caps.multi_table_update_delete = true;
    caps.implicit_foreign_key_indexes = true;
    caps.key_prefetch_min_rows = 0;
    caps.supports_empty_in_native = false;
    caps.transactional_ddl = false;        // DDL commits the transaction
    caps.one_ddl_per_transaction = false;
    caps.supports_create_index_async = false;
    caps.supports_distinct_on = false;
    caps.supports_nulls_not_distinct = false;
    caps.supports_index_include = false;
    caps.alter_by_rebuild = false;
    caps.supports_rename_column = true;
    caps.supports_alter_column_type = true;
    caps.alter_column_modify = true;          // MODIFY COLUMN restates the column
    caps.supports_expression_indexes = false;  // MariaDB has none (MySQL 8.0.13+ does)
    caps.supports_set_not_null = true;
    caps.supports_drop_column = true;
    caps.offset_needs_limit = true;        // LIMIT 18446744073709551615 OFFSET n
    caps.supports_truncate = true;
    caps.supports_temporary_tables = true;
    caps.max_bind_params = 65535;
    caps.max_statement_params = 65535;
    caps.max_identifier_length = 64;
    caps.insertmanyvalues_page_size = 1000;
    caps.paramstyle = ParamStyle::Qmark;
    caps.identifier_quote = '`';
    caps.supports_default_values = false;  // INSERT INTO t () VALUES ()
    return caps;
}

std::int64_t to_int(std::string_view s) {
    std::int64_t v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}

}  // namespace

MySQLDialect::MySQLDialect() : Dialect("mysql", mysql_capabilities()) {
    add_reserved_words(reserved);
}

// ------------------------------------------------------------------------------------------------ connecting

ConnectParams MySQLDialect::create_connect_params(const URL& url) const {
    ConnectParams p;
    if (url.host() && !url.host()->empty()) p["host"] = *url.host();
    if (url.port()) p["port"] = std::to_string(*url.port());
    if (url.username() && !url.username()->empty()) p["user"] = *url.username();
    if (url.password()) p["password"] = *url.password();
    if (url.database() && !url.database()->empty()) p["database"] = *url.database();
    // The query string speaks the driver's language (unix_socket, read_default_file, charset, ssl_*, ...); the
    // names SQLAlchemy's MySQL URLs use are taken too. A repeated key keeps its last value.
    for (const auto& [k, v] : url.query()) {
        if (k == "socket") p["unix_socket"] = v;
        else if (k == "db") p["database"] = v;
        else if (k == "passwd") p["password"] = v;
        else if (k == "returning") continue;  // the dialect's own (on_connect)
        else p[k] = v;
    }
    return p;
}

std::unique_ptr<DBAPIConnection> MySQLDialect::connect(const ConnectParams& params) const {
    return mysql::connect(params);
}

void MySQLDialect::on_connect(DBAPIConnection& c) const {
    // Strict: a value that does not fit is an error, never truncated or zeroed; no zero dates. A backslash in a
    // string literal is itself (standard SQL: only a doubled quote escapes), so literals Retort writes (DDL
    // defaults, LIKE ... ESCAPE) mean what they say. Times in UTC.
    c.exec_script(
        "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_BACKSLASH_ESCAPES,"
        "NO_ENGINE_SUBSTITUTION', time_zone = '+00:00', autocommit = 1");
}

// ------------------------------------------------------------------------------------------------ transactions

void MySQLDialect::set_isolation_level(DBAPIConnection& c, std::string_view level) const {
    const std::string norm = normalize_isolation_level(level);
    if (norm == "AUTOCOMMIT") return;
    c.exec_script("SET SESSION TRANSACTION ISOLATION LEVEL " + norm);
}

std::string MySQLDialect::get_isolation_level(DBAPIConnection& c) const {
    DriverExecOptions opts;
    opts.prepare = false;
    auto cur = c.execute("SELECT @@SESSION.tx_isolation", {}, opts);
    if (!cur->next()) throw InternalError("SELECT @@tx_isolation returned no row");
    std::string v = to_upper(cur->get_text(0));
    std::replace(v.begin(), v.end(), '-', ' ');
    return v;
}

std::string MySQLDialect::begin_statement(std::string_view level) const {
    if (level.empty()) return "BEGIN";
    const std::string norm = normalize_isolation_level(level);
    if (norm == "AUTOCOMMIT") return "BEGIN";
    // The level of the next transaction only, then the transaction.
    return "SET TRANSACTION ISOLATION LEVEL " + norm + "; BEGIN";
}

// ------------------------------------------------------------------------------------------------ types

std::string MySQLDialect::builtin_type_ddl(const SqlType& t) const {
    switch (t.kind) {
        case TypeKind::Null:
            throw CompileError("cannot render DDL for a column whose type is not known (Null)");
        case TypeKind::Integer: return "INTEGER";
        case TypeKind::BigInteger: return "BIGINT";
        case TypeKind::SmallInteger: return "SMALLINT";
        case TypeKind::Boolean: return "BOOL";
        case TypeKind::String:
            if (t.length <= 0) throw CompileError("VARCHAR requires a length on dialect mysql: give the String a length");
            return "VARCHAR(" + std::to_string(t.length) + ")";
        case TypeKind::Text: return "TEXT";
        case TypeKind::Float: return "FLOAT";
        case TypeKind::Double: return "DOUBLE";
        case TypeKind::Numeric:
            if (t.precision <= 0) return "NUMERIC";
            if (t.scale <= 0) return "NUMERIC(" + std::to_string(t.precision) + ")";
            return "NUMERIC(" + std::to_string(t.precision) + ", " + std::to_string(t.scale) + ")";
        case TypeKind::Date: return "DATE";
        // Microseconds kept: Retort's times carry them.
        case TypeKind::Time: return "TIME(6)";
        case TypeKind::DateTime: return "DATETIME(6)";
        case TypeKind::Interval: return "VARCHAR(64)";  // ISO 8601 text ("P1DT2H")
        case TypeKind::Uuid: return "CHAR(32)";
        case TypeKind::LargeBinary: return "BLOB";
        case TypeKind::Json:
        case TypeKind::Jsonb: return "JSON";
        case TypeKind::Enum: {
            std::size_t longest = 1;
            if (t.enum_info)
                for (const auto& v : t.enum_info->values) longest = std::max(longest, v.size());
            return "VARCHAR(" + std::to_string(longest) + ")";
        }
    }
    throw CompileError("no MySQL DDL for type kind " + std::to_string(static_cast<int>(t.kind)));
}

SqlType MySQLDialect::resolve_type(std::string_view column_type) {
    // "varchar(30)", "int(11)", "decimal(10,2)", "bigint(20) unsigned", "tinyint(1)", "datetime(6)"
    std::string text = to_lower(column_type);
    std::string name = text.substr(0, text.find_first_of("( "));
    int first = 0, second = 0;
    if (auto open = text.find('('); open != std::string::npos) {
        auto close = text.find(')', open);
        std::string_view args(text.data() + open + 1, (close == std::string::npos ? text.size() : close) - open - 1);
        auto comma = args.find(',');
        first = static_cast<int>(to_int(args.substr(0, comma)));
        if (comma != std::string_view::npos) second = static_cast<int>(to_int(args.substr(comma + 1)));
    }
    if (name == "tinyint" && first == 1) return types::Boolean();
    if (name == "int" || name == "integer" || name == "mediumint") return types::Integer();
    if (name == "bigint") return types::BigInteger();
    if (name == "smallint" || name == "tinyint") return types::SmallInteger();
    if (name == "varchar" || name == "char") {
        if (name == "char" && first == 32) return types::Uuid();
        return types::String(first);
    }
    if (name == "text" || name == "mediumtext" || name == "longtext" || name == "tinytext") return types::Text();
    if (name == "float") return types::Float();
    if (name == "double" || name == "real") return types::Double();
    if (name == "decimal" || name == "numeric") return types::Numeric(first, second);
    if (name == "date") return types::Date();
    if (name == "time") return types::Time();
    if (name == "datetime" || name == "timestamp") return types::DateTime();
    if (name == "blob" || name == "mediumblob" || name == "longblob" || name == "tinyblob" || name == "varbinary" ||
        name == "binary")
        return types::LargeBinary();
    if (name == "json") return types::Json();
    return {};
}

// ------------------------------------------------------------------------------------------------ reflection

std::vector<std::string> MySQLDialect::get_table_names(Connection& c, const std::optional<std::string>& schema) const {
    auto r = c.exec_driver_sql("SELECT TABLE_NAME FROM information_schema.TABLES WHERE " + std::string(schema_filter) +
                                   " AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
                               {Value(schema)});
    return r.scalars<std::string>();
}

bool MySQLDialect::has_table(Connection& c, std::string_view table, const std::optional<std::string>& schema) const {
    auto r = c.exec_driver_sql("SELECT 1 FROM information_schema.TABLES WHERE " + std::string(schema_filter) +
                                   " AND TABLE_NAME = ?",
                               {Value(schema), Value(table)});
    return r.first().has_value();
}

std::vector<ReflectedColumn> MySQLDialect::get_columns(Connection& c, std::string_view table,
                                                       const std::optional<std::string>& schema) const {
    auto r = c.exec_driver_sql(
        "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, COLUMN_KEY FROM information_schema.COLUMNS "
        "WHERE " + std::string(schema_filter) + " AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
        {Value(schema), Value(table)});
    std::vector<ReflectedColumn> cols;
    for (RowView row : r) {
        ReflectedColumn col;
        col.name = row.get<std::string>(0);
        col.type_text = row.get<std::string>(1);
        col.type = resolve_type(col.type_text);
        col.nullable = row.get<std::string>(2) == "YES";
        auto def = row.get<std::optional<std::string>>(3);
        // MariaDB writes a default as SQL ('text', NULL, current_timestamp()); an explicit NULL default is none.
        if (def && to_upper(*def) != "NULL") col.server_default = def;
        const auto extra = to_lower(row.get<std::string>(4));
        col.autoincrement = extra.find("auto_increment") != std::string::npos;
        col.primary_key = row.get<std::string>(5) == "PRI";
        cols.push_back(std::move(col));
    }
    if (cols.empty()) throw InvalidRequestError("no such table: " + std::string(table));
    // MariaDB's JSON is LONGTEXT with a column CHECK (json_valid(`col`)) named after the column: such columns are
    // JSON again. (MySQL's JSON is a type of its own, and its CHECK_CONSTRAINTS has no TABLE_NAME.)
    const bool any_longtext = std::any_of(cols.begin(), cols.end(), [](const ReflectedColumn& col) {
        return to_lower(col.type_text) == "longtext";
    });
    if (any_longtext && c.exec_driver_sql("SELECT VERSION() LIKE '%MariaDB%'").scalar_one<std::int64_t>() != 0) {
        auto checks = c.exec_driver_sql(
            "SELECT CONSTRAINT_NAME FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = "
            "coalesce(?, DATABASE()) AND TABLE_NAME = ? AND CHECK_CLAUSE = concat('json_valid(`', CONSTRAINT_NAME, '`)')",
            {Value(schema), Value(table)});
        for (const auto& name : checks.scalars<std::string>())
            for (auto& col : cols)
                if (col.name == name && to_lower(col.type_text) == "longtext") {
                    col.type = types::Json();
                    col.type_text = "json";
                }
    }
    return cols;
}

ReflectedPrimaryKey MySQLDialect::get_pk_constraint(Connection& c, std::string_view table,
                                                    const std::optional<std::string>& schema) const {
    auto r = c.exec_driver_sql(
        "SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE " + std::string(schema_filter) +
            " AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION",
        {Value(schema), Value(table)});
    ReflectedPrimaryKey pk;
    for (RowView row : r) pk.constrained_columns.push_back(row.get<std::string>(0));
    // MySQL names every primary key PRIMARY: no name of its own to give back.
    return pk;
}

std::vector<ReflectedForeignKey> MySQLDialect::get_foreign_keys(Connection& c, std::string_view table,
                                                                const std::optional<std::string>& schema) const {
    auto r = c.exec_driver_sql(
        "SELECT k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_SCHEMA, k.REFERENCED_TABLE_NAME, "
        "k.REFERENCED_COLUMN_NAME, rc.UPDATE_RULE, rc.DELETE_RULE, k.TABLE_SCHEMA "
        "FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS rc "
        "ON rc.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND rc.CONSTRAINT_NAME = k.CONSTRAINT_NAME "
        "AND rc.TABLE_NAME = k.TABLE_NAME "
        "WHERE k.TABLE_SCHEMA = coalesce(?, DATABASE()) AND k.TABLE_NAME = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL "
        "ORDER BY k.CONSTRAINT_NAME, k.ORDINAL_POSITION",
        {Value(schema), Value(table)});
    auto action = [](std::string_view rule) -> std::optional<std::string> {
        // RESTRICT and NO ACTION are MySQL's default behaviour: no clause to give back.
        if (rule == "CASCADE" || rule == "SET NULL" || rule == "SET DEFAULT") return std::string(rule);
        return std::nullopt;
    };
    return detail::foreign_keys_from_rows(r, schema.has_value(), action);
}

std::vector<ReflectedIndex> MySQLDialect::get_indexes(Connection& c, std::string_view table,
                                                      const std::optional<std::string>& schema) const {
    // Indexes that back no constraint: not the primary key, no unique constraint. The index InnoDB makes for a
    // foreign key (named after the constraint or its column) is listed, as SQLAlchemy's reflection lists it;
    // autogenerate knows it for what it is (caps().implicit_foreign_key_indexes).
    auto r = c.exec_driver_sql(
        "SELECT s.INDEX_NAME, s.NON_UNIQUE, s.COLUMN_NAME FROM information_schema.STATISTICS s "
        "WHERE s.TABLE_SCHEMA = coalesce(?, DATABASE()) AND s.TABLE_NAME = ? AND s.INDEX_NAME <> 'PRIMARY' "
        "AND NOT EXISTS (SELECT 1 FROM information_schema.TABLE_CONSTRAINTS t WHERE t.TABLE_SCHEMA = s.TABLE_SCHEMA "
        "AND t.TABLE_NAME = s.TABLE_NAME AND t.CONSTRAINT_NAME = s.INDEX_NAME "
        "AND t.CONSTRAINT_TYPE IN ('UNIQUE', 'PRIMARY KEY')) "
        "ORDER BY s.INDEX_NAME, s.SEQ_IN_INDEX",
        {Value(schema), Value(table)});
    std::vector<ReflectedIndex> out;
    for (RowView row : r) {
        auto name = row.get<std::string>(0);
        if (out.empty() || out.back().name != name) {
            ReflectedIndex ix;
            ix.name = std::move(name);
            ix.unique = row.get<std::int64_t>(1) == 0;
            out.push_back(std::move(ix));
        }
        if (auto col = row.get<std::optional<std::string>>(2)) out.back().column_names.push_back(*col);
    }
    return out;
}

std::vector<ReflectedUnique> MySQLDialect::get_unique_constraints(Connection& c, std::string_view table,
                                                                  const std::optional<std::string>& schema) const {
    auto r = c.exec_driver_sql(
        "SELECT k.CONSTRAINT_NAME, k.COLUMN_NAME FROM information_schema.TABLE_CONSTRAINTS t "
        "JOIN information_schema.KEY_COLUMN_USAGE k ON k.CONSTRAINT_SCHEMA = t.CONSTRAINT_SCHEMA "
        "AND k.CONSTRAINT_NAME = t.CONSTRAINT_NAME AND k.TABLE_NAME = t.TABLE_NAME "
        "WHERE t.TABLE_SCHEMA = coalesce(?, DATABASE()) AND t.TABLE_NAME = ? AND t.CONSTRAINT_TYPE = 'UNIQUE' "
        "ORDER BY k.CONSTRAINT_NAME, k.ORDINAL_POSITION",
        {Value(schema), Value(table)});
    return detail::unique_constraints_from_rows(r);
}

std::shared_ptr<Dialect> make_mysql_dialect() { return std::make_shared<MySQLDialect>(); }

}  // namespace retort::mysql
