#include "dialects/sqlite/sqlite_dialect.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>
#include <map>

#include "detail/text.hpp"
#include "dialects/sqlite/sqlite_driver.hpp"
#include "dialects/sqlite/sqlite_sql_text.hpp"
#include "retort/engine/engine.hpp"
#include "retort/engine/url.hpp"
#include "retort/error.hpp"
#include "retort/schema/reflection.hpp"
#include "retort/schema/schema.hpp"

namespace retort::detail {

namespace {

// SQLite's keywords (sqlite3_keyword_name, 3.40). Many can serve as bare identifiers in some positions,
// but quoting all of them is always correct and keeps the SQL the same on every SQLite version.
constexpr std::array<std::string_view, 147> sqlite_keywords{
    "abort",      "action",       "add",          "after",        "all",          "alter",      "always",
    "analyze",    "and",          "as",           "asc",          "attach",       "autoincrement", "before",
    "begin",      "between",      "by",           "cascade",      "case",         "cast",       "check",
    "collate",    "column",       "commit",       "conflict",     "constraint",   "create",     "cross",
    "current",    "current_date", "current_time", "current_timestamp", "database", "default",   "deferrable",
    "deferred",   "delete",       "desc",         "detach",       "distinct",     "do",         "drop",
    "each",       "else",         "end",          "escape",       "except",       "exclude",    "exclusive",
    "exists",     "explain",      "fail",         "filter",       "first",        "following",  "for",
    "foreign",    "from",         "full",         "generated",    "glob",         "group",      "groups",
    "having",     "if",           "ignore",       "immediate",    "in",           "index",      "indexed",
    "initially",  "inner",        "insert",       "instead",      "intersect",    "into",       "is",
    "isnull",     "join",         "key",          "last",         "left",         "like",       "limit",
    "match",      "materialized", "natural",      "no",           "not",          "nothing",    "notnull",
    "null",       "nulls",        "of",           "offset",       "on",           "or",         "order",
    "others",     "outer",        "over",         "partition",    "plan",         "pragma",     "preceding",
    "primary",    "query",        "raise",        "range",        "recursive",    "references", "regexp",
    "reindex",    "release",      "rename",       "replace",      "restrict",     "returning",  "right",
    "rollback",   "row",          "rows",         "savepoint",    "select",       "set",        "table",
    "temp",       "temporary",    "then",         "ties",         "to",           "transaction", "trigger",
    "unbounded",  "union",        "unique",       "update",       "using",        "vacuum",     "values",
    "view",       "virtual",      "when",         "where",        "window",       "with",       "without",
};

// Keys the driver takes itself; with uri=true every other URL query key belongs to the file: URI.
constexpr std::array<std::string_view, 5> driver_keys{"uri", "mode", "timeout", "cached_statements",
                                                      "check_same_thread"};

int probe_variable_limit() {
    (void)sqlite_memory_statistics_off();  // before this first use of SQLite initializes it
    sqlite3* db = nullptr;
    int limit = 999;
    if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_MEMORY, nullptr) == SQLITE_OK)
        limit = sqlite3_limit(db, SQLITE_LIMIT_VARIABLE_NUMBER, -1);
    sqlite3_close_v2(db);
    return limit > 0 ? limit : 999;
}

DialectCapabilities sqlite_capabilities() {
    DialectCapabilities caps;
    caps.supports_returning = sqlite3_libversion_number() >= 3035000;
    caps.postfetch_lastrowid = true;  // sqlite3_last_insert_rowid: the INTEGER PRIMARY KEY of the row
    // RETURNING costs SQLite a temporary table; an ORM flush of this many rows asks for their keys first.
    caps.key_prefetch_min_rows = 64;
    caps.supports_savepoints = true;
    caps.supports_multivalues_insert = true;
    caps.supports_native_boolean = false;
    caps.supports_native_uuid = false;
    caps.supports_native_enum = false;
    caps.supports_native_json = false;
    caps.supports_native_interval = false;
    caps.supports_foreign_keys = true;
    caps.supports_alter = false;
    caps.supports_sequences = false;
    caps.supports_serial = false;
    caps.supports_identity_columns = false;
    caps.supports_schemas = false;
    caps.supports_native_ilike = false;
    caps.supports_is_distinct_from = false;
    caps.supports_for_update = false;
    caps.supports_pipeline = false;
    caps.supports_empty_in_native = true;
    caps.transactional_ddl = true;
    caps.one_ddl_per_transaction = false;
    caps.supports_create_index_async = false;
    caps.supports_distinct_on = false;
    caps.supports_nulls_not_distinct = false;
    caps.supports_index_include = false;
    caps.offset_needs_limit = true;
    caps.alter_by_rebuild = true;
    caps.supports_rename_column = sqlite3_libversion_number() >= 3025000;
    caps.supports_drop_column = sqlite3_libversion_number() >= 3035000;
    caps.supports_truncate = false;
    caps.supports_temporary_tables = true;
    // SQLite's default limit, even where the library was built with a higher one (Debian's allows 250,000): a
    // program that runs here runs with any SQLite.
    caps.max_statement_params = std::min(probe_variable_limit(), 32766);
    caps.max_bind_params = caps.max_statement_params;
    caps.paramstyle = ParamStyle::Qmark;
    return caps;
}

using retort::detail::iequals;

bool iequals(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](const std::string& x, const std::string& y) { return iequals(x, y); });
}

using sqlite_text::is_kw;
using sqlite_text::parse_constraints;
using sqlite_text::ParsedConstraint;
using sqlite_text::tokenize;

std::optional<std::string> constraint_name(const std::vector<ParsedConstraint>& parsed, ParsedConstraint::Kind kind,
                                           const std::vector<std::string>& columns,
                                           std::string_view referred_table = {}) {
    for (const auto& p : parsed) {
        if (p.kind != kind || !iequals(p.columns, columns)) continue;
        if (kind == ParsedConstraint::Kind::ForeignKey && !iequals(p.referred_table, referred_table)) continue;
        return p.name;
    }
    return std::nullopt;
}

// "sqlite_autoindex_t_3" -> 3, so unique constraints come back in the order they were declared.
long autoindex_number(std::string_view name) {
    const auto pos = name.rfind('_');
    if (pos == std::string_view::npos) return 0;
    long n = 0;
    for (char ch : name.substr(pos + 1)) {
        if (ch < '0' || ch > '9') return 0;
        n = n * 10 + (ch - '0');
    }
    return n;
}

}  // namespace

// ---------------------------------------------------------------- dialect

SQLiteDialect::SQLiteDialect() : Dialect("sqlite", sqlite_capabilities()) {
    add_reserved_words(sqlite_keywords);
}

ConnectParams SQLiteDialect::create_connect_params(const URL& url) const {
    ConnectParams params;
    std::string database = url.database().value_or("");
    const auto uri = url.query_value("uri");
    const bool is_uri = uri && (*uri == "true" || *uri == "1");
    std::string uri_query;
    for (const auto& [key, value] : url.query()) {
        const bool driver_key = std::find(driver_keys.begin(), driver_keys.end(), key) != driver_keys.end();
        if (is_uri && !driver_key) {
            uri_query += uri_query.empty() ? "" : "&";
            uri_query += detail::percent_encode(key) + "=" + detail::percent_encode(value);
        } else {
            params[key] = value;
        }
    }
    if (!uri_query.empty()) database += (database.find('?') == std::string::npos ? "?" : "&") + uri_query;
    params["database"] = std::move(database);
    return params;
}

std::unique_ptr<DBAPIConnection> SQLiteDialect::connect(const ConnectParams& params) const {
    return std::make_unique<SQLiteConnection>(params);
}

void SQLiteDialect::on_connect(DBAPIConnection& c) const {
    // Off by default in SQLite, for compatibility with schemas from before 3.6.19; Retort emits
    // FOREIGN KEY constraints and expects them enforced. The busy timeout is set by the driver from the
    // "timeout" parameter (5 s by default).
    c.exec_script("PRAGMA foreign_keys = ON");
}

void SQLiteDialect::set_isolation_level(DBAPIConnection& c, std::string_view level) const {
    auto* sc = dynamic_cast<SQLiteConnection*>(&c);
    if (level == "AUTOCOMMIT") {
        if (sc) sc->set_autocommit(true);
        return;
    }
    int read_uncommitted;
    if (level == "SERIALIZABLE")
        read_uncommitted = 0;
    else if (level == "READ UNCOMMITTED")
        read_uncommitted = 1;
    else
        throw ArgumentError("invalid isolation level '" + std::string(level) +
                            "' for sqlite (valid: SERIALIZABLE, READ UNCOMMITTED, AUTOCOMMIT)");
    if (sc) sc->set_autocommit(false);
    c.exec_script(read_uncommitted ? "PRAGMA read_uncommitted = 1" : "PRAGMA read_uncommitted = 0");
}

std::string SQLiteDialect::get_isolation_level(DBAPIConnection& c) const {
    if (auto* sc = dynamic_cast<SQLiteConnection*>(&c); sc && sc->autocommit()) return "AUTOCOMMIT";
    auto cur = c.execute("PRAGMA read_uncommitted", {});
    const bool uncommitted = cur->next() && cur->get_int(0) != 0;
    return uncommitted ? "READ UNCOMMITTED" : "SERIALIZABLE";
}

std::string SQLiteDialect::begin_statement(std::string_view level) const {
    if (level == "IMMEDIATE") return "BEGIN IMMEDIATE";
    if (level == "EXCLUSIVE") return "BEGIN EXCLUSIVE";
    if (level == "DEFERRED") return "BEGIN DEFERRED";
    return "BEGIN";
}

std::string SQLiteDialect::builtin_type_ddl(const SqlType& t) const {
    switch (t.kind) {
        case TypeKind::Null:
            throw CompileError("cannot render DDL for a column whose type is not known (Null)");
        case TypeKind::Integer: return "INTEGER";
        case TypeKind::BigInteger: return "BIGINT";
        case TypeKind::SmallInteger: return "SMALLINT";
        case TypeKind::Boolean: return "BOOLEAN";
        case TypeKind::String:
            return t.length > 0 ? "VARCHAR(" + std::to_string(t.length) + ")" : "VARCHAR";
        case TypeKind::Text: return "TEXT";
        case TypeKind::Float: return "FLOAT";
        case TypeKind::Double: return "DOUBLE";
        case TypeKind::Numeric:
            if (t.precision <= 0) return "NUMERIC";
            if (t.scale <= 0) return "NUMERIC(" + std::to_string(t.precision) + ")";
            return "NUMERIC(" + std::to_string(t.precision) + ", " + std::to_string(t.scale) + ")";
        case TypeKind::Date: return "DATE";
        case TypeKind::Time: return "TIME";
        case TypeKind::DateTime: return "DATETIME";
        case TypeKind::Interval: return "INTERVAL";
        case TypeKind::Uuid: return "CHAR(32)";
        case TypeKind::LargeBinary: return "BLOB";
        case TypeKind::Json:
        case TypeKind::Jsonb: return "JSON";
        case TypeKind::Enum: {
            std::size_t longest = 0;
            if (t.enum_info)
                for (const auto& v : t.enum_info->values) longest = std::max(longest, v.size());
            return longest > 0 ? "VARCHAR(" + std::to_string(longest) + ")" : "VARCHAR";
        }
    }
    throw CompileError("no SQLite DDL for type kind " + std::to_string(static_cast<int>(t.kind)));
}

SqlType SQLiteDialect::resolve_type(std::string_view declared) {
    // Split "NAME WORDS (a, b)" into the upper-cased name (single spaces) and its numeric arguments.
    std::string name;
    std::vector<int> args;
    std::size_t i = 0;
    for (; i < declared.size() && declared[i] != '('; ++i) {
        const char ch = declared[i];
        if (std::isspace(static_cast<unsigned char>(ch))) {
            if (!name.empty() && name.back() != ' ') name += ' ';
        } else {
            name += to_upper(ch);
        }
    }
    while (!name.empty() && name.back() == ' ') name.pop_back();
    if (i < declared.size()) {
        int current = 0;
        bool have = false;
        for (++i; i < declared.size() && declared[i] != ')'; ++i) {
            const char ch = declared[i];
            if (ch >= '0' && ch <= '9') {
                current = current * 10 + (ch - '0');
                have = true;
            } else if (ch == ',') {
                args.push_back(have ? current : 0);
                current = 0;
                have = false;
            }
        }
        if (have) args.push_back(current);
    }
    const int a0 = args.empty() ? 0 : args[0];
    const int a1 = args.size() > 1 ? args[1] : 0;
    if (name.empty()) return SqlType{};

    static const std::map<std::string, TypeKind, std::less<>> known{
        {"INTEGER", TypeKind::Integer},     {"INT", TypeKind::Integer},
        {"MEDIUMINT", TypeKind::Integer},   {"INT4", TypeKind::Integer},
        {"BIGINT", TypeKind::BigInteger},   {"INT8", TypeKind::BigInteger},
        {"UNSIGNED BIG INT", TypeKind::BigInteger},
        {"SMALLINT", TypeKind::SmallInteger}, {"INT2", TypeKind::SmallInteger},
        {"TINYINT", TypeKind::SmallInteger},
        {"BOOLEAN", TypeKind::Boolean},     {"BOOL", TypeKind::Boolean},
        {"VARCHAR", TypeKind::String},      {"CHARACTER VARYING", TypeKind::String},
        {"VARYING CHARACTER", TypeKind::String}, {"NVARCHAR", TypeKind::String},
        {"NATIVE CHARACTER", TypeKind::String}, {"CHAR", TypeKind::String},
        {"CHARACTER", TypeKind::String},    {"NCHAR", TypeKind::String},
        {"TEXT", TypeKind::Text},           {"CLOB", TypeKind::Text},
        {"FLOAT", TypeKind::Float},         {"REAL", TypeKind::Double},
        {"DOUBLE", TypeKind::Double},       {"DOUBLE PRECISION", TypeKind::Double},
        {"NUMERIC", TypeKind::Numeric},     {"DECIMAL", TypeKind::Numeric},
        {"DATE", TypeKind::Date},           {"TIME", TypeKind::Time},
        {"DATETIME", TypeKind::DateTime},   {"TIMESTAMP", TypeKind::DateTime},
        {"INTERVAL", TypeKind::Interval},   {"UUID", TypeKind::Uuid},
        {"BLOB", TypeKind::LargeBinary},    {"JSON", TypeKind::Json},
    };
    if (auto it = known.find(name); it != known.end()) {
        switch (it->second) {
            case TypeKind::String: return types::String(a0);
            case TypeKind::Numeric: return types::Numeric(a0, a1);
            default: {
                SqlType t;
                t.kind = it->second;
                return t;
            }
        }
    }
    // SQLite's affinity rules (section 3.1 of "Datatypes In SQLite"), in their order.
    if (name.find("INT") != std::string::npos) return types::Integer();
    if (name.find("CHAR") != std::string::npos || name.find("CLOB") != std::string::npos ||
        name.find("TEXT") != std::string::npos)
        return a0 > 0 ? types::String(a0) : types::Text();
    if (name.find("BLOB") != std::string::npos) return types::LargeBinary();
    if (name.find("REAL") != std::string::npos || name.find("FLOA") != std::string::npos ||
        name.find("DOUB") != std::string::npos)
        return types::Double();
    return types::Numeric(a0, a1);
}

// ---------------------------------------------------------------- keys

bool SQLiteDialect::prefetch_keys(Connection& conn, const Table& table, const Column& column, std::size_t count,
                                  PrefetchedKeys& keys) const {
    // SQLite numbers a new row one past the largest key in use. Once this transaction holds the database's write
    // lock nobody else writes until it ends, so the next `count` keys are known before the rows go in. Not for
    // AUTOINCREMENT tables (they never reuse a deleted largest key; sqlite_sequence remembers it), tables with
    // triggers (which may add rows meanwhile) nor at the top of the key range (SQLite then picks keys at random):
    // those keep RETURNING.
    keys.listed.clear();
    const auto declared = table_sql(conn, table.name(), table.schema());
    if (!declared || !conn.in_transaction()) return false;  // (not in AUTOCOMMIT mode, where each statement commits)
    if (to_upper(*declared).find("AUTOINCREMENT") != std::string::npos) return false;
    const auto numbered = numbers_rows_itself(conn, table, column, *declared);
    if (!numbered) return false;
    const std::string name = quote_table(table);
    const std::string col = quote_identifier(column.name());
    // Take the write lock as an INSERT would (waiting out another writer), before reading the largest key.
    auto* native = static_cast<sqlite3*>(conn.dbapi_connection().native_handle());
    const std::string db = table.schema() ? *table.schema() : "main";
    if (sqlite3_txn_state(native, db.c_str()) != SQLITE_TXN_WRITE)
        (void)conn.exec_driver_sql("UPDATE " + name + " SET " + col + " = " + col + " WHERE 0");
    std::int64_t top = 0;
    {
        Result r = conn.exec_driver_sql("SELECT max(" + col + ") FROM " + name);
        for (RowView row : r) {
            if (row.is_null(0)) break;
            const Value v = row.get<Value>(0);
            if (v.kind() != Value::Kind::Int) return false;  // keys that are not integers
            top = v.as<std::int64_t>();
        }
    }
    if (count > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
        top > std::numeric_limits<std::int64_t>::max() - static_cast<std::int64_t>(count))
        return false;
    keys.first = top + 1;
    keys.count = count;
    keys.numbered_by_insert = *numbered;
    return true;
}

bool SQLiteDialect::inserted_key(Connection& conn, const Table& table, std::span<const Column* const> columns,
                                 std::span<Value> out) const {
    std::int64_t rowid = 0;
    if (columns.empty() || out.size() != columns.size() || !conn.dbapi_connection().last_insert_id(rowid)) return false;
    if (columns.size() == 1 && columns[0]->autoincrement() && !columns[0]->options().server_default) {
        out[0] = Value(rowid);
        return true;
    }
    std::string sql = "SELECT ";
    for (std::size_t i = 0; i < columns.size(); ++i) sql += (i ? ", " : "") + quote_identifier(columns[i]->name());
    sql += " FROM " + quote_table(table) + " WHERE _rowid_ = ?";
    try {
        Result r = conn.exec_driver_sql(sql, {Value(rowid)});
        for (RowView row : r) {
            for (std::size_t i = 0; i < columns.size(); ++i) out[i] = row.get<Value>(static_cast<int>(i));
            return true;
        }
    } catch (const DBAPIError&) {
        // A table WITHOUT ROWID: nothing tells which row the INSERT made.
    }
    return false;
}

std::optional<bool> SQLiteDialect::numbers_rows_itself(Connection& conn, const Table& table, const Column& column,
                                                       std::string_view declared) const {
    // SQLite gives a row inserted without its rowid one past the largest rowid, so under the write lock the rows
    // of the INSERTs that follow get top + 1, top + 2, ... in order, and the INSERT need not name the key (a
    // given rowid costs SQLite a search of the table for each row, to check it is not taken). That holds when
    // the column is the rowid itself: the table's only key column, declared INTEGER (not INTEGER PRIMARY KEY
    // DESC, which SQLite keeps as a column of its own), in a table with rowids. A trigger on the table may add
    // rows of its own meanwhile, taking keys the flush was told: then there is nothing to tell (nullopt).
    const std::string schema = table.schema() ? *table.schema() : "main";
    const std::string triggers_in_temp =
        schema == "temp" ? "0" : "(SELECT count(*) FROM sqlite_temp_master WHERE type = 'trigger' AND tbl_name = ?1)";
    Result r = conn.exec_driver_sql(
        "SELECT (SELECT count(*) FROM pragma_table_info(?1, ?2) WHERE pk > 0), "
        "(SELECT upper(type) FROM pragma_table_info(?1, ?2) WHERE name = ?3 AND pk > 0), "
        "(SELECT count(*) FROM " + master_table(table.schema()) + " WHERE type = 'trigger' AND tbl_name = ?1) + " +
            triggers_in_temp,
        {Value(table.name()), Value(schema), Value(column.name())});
    bool rowid = false;
    for (RowView row : r) {
        if (row.get<std::int64_t>(2) != 0) return std::nullopt;
        rowid = row.get<std::int64_t>(0) == 1 && !row.is_null(1) && row.get<std::string>(1) == "INTEGER";
    }
    const auto toks = tokenize(declared);
    for (std::size_t k = 0; rowid && k + 1 < toks.size(); ++k) {
        if (is_kw(toks[k], "WITHOUT") && is_kw(toks[k + 1], "ROWID")) rowid = false;
        if (k + 2 < toks.size() && is_kw(toks[k], "PRIMARY") && is_kw(toks[k + 1], "KEY") && is_kw(toks[k + 2], "DESC"))
            rowid = false;
    }
    return rowid;
}

void SQLiteDialect::check_numbered_keys(Connection& conn, const Table& table, const Column& column,
                                        const PrefetchedKeys& keys) const {
    // The last row inserted has the last key told, and that key is the column's value (the column is the rowid).
    const std::int64_t last = keys.first + static_cast<std::int64_t>(keys.count) - 1;
    auto* native = static_cast<sqlite3*>(conn.dbapi_connection().native_handle());
    bool same = sqlite3_last_insert_rowid(native) == last;
    if (same) {
        const std::string col = quote_identifier(column.name());
        Result r = conn.exec_driver_sql("SELECT " + col + " FROM " + quote_table(table) + " WHERE _rowid_ = ?",
                                        {Value(last)});
        const auto v = r.scalar<std::optional<std::int64_t>>();
        same = v && *v == last;
    }
    if (!same)
        throw InvalidRequestError("SQLite did not number the " + std::to_string(keys.count) + " new rows of '" +
                                  table.name() + "' from " + std::to_string(keys.first) + " as expected");
}

// ---------------------------------------------------------------- reflection

std::string SQLiteDialect::master_table(const std::optional<std::string>& schema) const {
    if (!schema) return "sqlite_master";
    return quote_identifier_always(*schema) + ".sqlite_master";
}

std::optional<std::string> SQLiteDialect::table_sql(Connection& c, std::string_view table,
                                                    const std::optional<std::string>& schema) const {
    std::vector<std::string> sources;
    if (schema)
        sources.push_back(master_table(schema));
    else
        sources = {"sqlite_master", "sqlite_temp_master"};
    for (const auto& src : sources) {
        auto r = c.exec_driver_sql("SELECT sql FROM " + src + " WHERE type = 'table' AND name = ?",
                                   {Value(std::string(table))});
        if (auto sql = r.scalar<std::optional<std::string>>()) return *sql;
    }
    return std::nullopt;
}

std::vector<std::string> SQLiteDialect::get_table_names(Connection& c,
                                                        const std::optional<std::string>& schema) const {
    auto r = c.exec_driver_sql("SELECT name FROM " + master_table(schema) +
                               " WHERE type = 'table' AND name NOT LIKE 'sqlite~_%' ESCAPE '~' ORDER BY name");
    return r.scalars<std::string>();
}

bool SQLiteDialect::has_table(Connection& c, std::string_view table, const std::optional<std::string>& schema) const {
    std::vector<std::string> sources;
    if (schema)
        sources.push_back(master_table(schema));
    else
        sources = {"sqlite_master", "sqlite_temp_master"};
    for (const auto& src : sources) {
        auto r = c.exec_driver_sql("SELECT 1 FROM " + src + " WHERE type IN ('table', 'view') AND name = ?",
                                   {Value(std::string(table))});
        if (r.scalar<std::int64_t>()) return true;
    }
    return false;
}

std::vector<ReflectedColumn> SQLiteDialect::get_columns(Connection& c, std::string_view table,
                                                        const std::optional<std::string>& schema) const {
    // hidden: 0 ordinary, 1 hidden column of a virtual table, 2 and 3 generated columns.
    auto r = c.exec_driver_sql(
        "SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?, ?) ORDER BY cid",
        {Value(std::string(table)), Value(schema)});
    std::vector<ReflectedColumn> cols;
    int pk_columns = 0;
    for (RowView row : r) {
        if (row.get<std::int64_t>(5) == 1) continue;
        ReflectedColumn col;
        col.name = row.get<std::string>(0);
        col.type_text = row.get<std::string>(1);
        col.type = resolve_type(col.type_text);
        col.nullable = row.get<std::int64_t>(2) == 0;
        col.server_default = row.get<std::optional<std::string>>(3);
        col.primary_key = row.get<std::int64_t>(4) > 0;
        if (col.primary_key) ++pk_columns;
        cols.push_back(std::move(col));
    }
    if (cols.empty()) throw InvalidRequestError("no such table: " + std::string(table));
    // A lone INTEGER PRIMARY KEY is the rowid: it numbers new rows and can never be NULL.
    if (pk_columns == 1) {
        for (auto& col : cols) {
            if (col.primary_key && to_upper(col.type_text) == "INTEGER") {
                col.autoincrement = true;
                col.nullable = false;
            }
        }
    }
    return cols;
}

ReflectedPrimaryKey SQLiteDialect::get_pk_constraint(Connection& c, std::string_view table,
                                                     const std::optional<std::string>& schema) const {
    auto r = c.exec_driver_sql("SELECT name FROM pragma_table_info(?, ?) WHERE pk > 0 ORDER BY pk",
                               {Value(std::string(table)), Value(schema)});
    ReflectedPrimaryKey pk;
    pk.constrained_columns = r.scalars<std::string>();
    if (!pk.constrained_columns.empty()) {
        if (auto sql = table_sql(c, table, schema))
            pk.name = constraint_name(parse_constraints(*sql), ParsedConstraint::Kind::PrimaryKey,
                                      pk.constrained_columns);
    }
    return pk;
}

std::vector<ReflectedForeignKey> SQLiteDialect::get_foreign_keys(Connection& c, std::string_view table,
                                                                 const std::optional<std::string>& schema) const {
    // SQLite numbers foreign keys from the last declared; id descending gives declaration order.
    auto r = c.exec_driver_sql(
        "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list(?, ?) "
        "ORDER BY id DESC, seq",
        {Value(std::string(table)), Value(schema)});
    std::vector<ReflectedForeignKey> fks;
    std::vector<bool> implicit_target;  // REFERENCES parent without columns: the parent's primary key
    std::int64_t current = -1;
    for (RowView row : r) {
        const auto id = row.get<std::int64_t>(0);
        if (fks.empty() || id != current) {
            current = id;
            ReflectedForeignKey fk;
            fk.referred_table = row.get<std::string>(1);
            fk.referred_schema = schema;
            auto on_update = row.get<std::string>(4);
            auto on_delete = row.get<std::string>(5);
            if (on_update != "NO ACTION") fk.onupdate = std::move(on_update);
            if (on_delete != "NO ACTION") fk.ondelete = std::move(on_delete);
            fks.push_back(std::move(fk));
            implicit_target.push_back(false);
        }
        fks.back().constrained_columns.push_back(row.get<std::string>(2));
        if (auto to = row.get<std::optional<std::string>>(3))
            fks.back().referred_columns.push_back(std::move(*to));
        else
            implicit_target.back() = true;
    }
    if (fks.empty()) return fks;
    for (std::size_t i = 0; i < fks.size(); ++i)
        if (implicit_target[i])
            fks[i].referred_columns = get_pk_constraint(c, fks[i].referred_table, schema).constrained_columns;
    if (auto sql = table_sql(c, table, schema)) {
        const auto parsed = parse_constraints(*sql);
        for (auto& fk : fks)
            fk.name = constraint_name(parsed, ParsedConstraint::Kind::ForeignKey, fk.constrained_columns,
                                      fk.referred_table);
    }
    return fks;
}

std::vector<ReflectedIndex> SQLiteDialect::get_indexes(Connection& c, std::string_view table,
                                                       const std::optional<std::string>& schema) const {
    // origin 'c' = CREATE INDEX; 'u' and 'pk' are the sqlite_autoindex_* indexes behind constraints.
    auto r = c.exec_driver_sql(
        "SELECT name, \"unique\" FROM pragma_index_list(?, ?) WHERE origin = 'c' ORDER BY name",
        {Value(std::string(table)), Value(schema)});
    std::vector<ReflectedIndex> out;
    for (RowView row : r) {
        ReflectedIndex ix;
        ix.name = row.get<std::string>(0);
        ix.unique = row.get<std::int64_t>(1) != 0;
        out.push_back(std::move(ix));
    }
    for (auto& ix : out) {
        // Expression parts have no name: only the plain columns are listed.
        auto cols = c.exec_driver_sql(
            "SELECT name FROM pragma_index_info(?, ?) WHERE name IS NOT NULL ORDER BY seqno",
            {Value(ix.name), Value(schema)});
        ix.column_names = cols.scalars<std::string>();
    }
    return out;
}

std::vector<ReflectedUnique> SQLiteDialect::get_unique_constraints(Connection& c, std::string_view table,
                                                                   const std::optional<std::string>& schema) const {
    auto r = c.exec_driver_sql("SELECT name FROM pragma_index_list(?, ?) WHERE origin = 'u'",
                               {Value(std::string(table)), Value(schema)});
    auto index_names = r.scalars<std::string>();
    std::sort(index_names.begin(), index_names.end(), [](const std::string& a, const std::string& b) {
        return autoindex_number(a) < autoindex_number(b);
    });
    std::vector<ReflectedUnique> out;
    for (const auto& index : index_names) {
        auto cols = c.exec_driver_sql("SELECT name FROM pragma_index_info(?, ?) ORDER BY seqno",
                                      {Value(index), Value(schema)});
        ReflectedUnique u;
        u.column_names = cols.scalars<std::string>();
        out.push_back(std::move(u));
    }
    if (out.empty()) return out;
    if (auto sql = table_sql(c, table, schema)) {
        const auto parsed = parse_constraints(*sql);
        for (auto& u : out) u.name = constraint_name(parsed, ParsedConstraint::Kind::Unique, u.column_names);
    }
    return out;
}

std::shared_ptr<Dialect> make_sqlite_dialect() { return std::make_shared<SQLiteDialect>(); }

}  // namespace retort::detail
