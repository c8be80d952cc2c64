#include "dialects/postgresql/pg_dialect.hpp"

#include <algorithm>
#include <charconv>
#include <map>

#include "detail/text.hpp"
#include "dialects/postgresql/pg_driver.hpp"
#include "retort/engine/engine.hpp"
#include "retort/engine/url.hpp"
#include "retort/error.hpp"
#include "retort/schema/reflection.hpp"
#include "retort/schema/schema.hpp"
#include "schema/reflection_rows.hpp"

namespace retort::postgresql {

namespace {

// The key words PostgreSQL 15 lists as "reserved" or "reserved (can be function or type)" in its SQL Key
// Words appendix: these cannot be column or table names without quotes.
constexpr std::string_view pg_reserved_words[] = {
    "all",          "analyse",         "analyze",        "and",          "any",           "array",
    "as",           "asc",             "asymmetric",     "authorization", "binary",       "both",
    "case",         "cast",            "check",          "collate",      "collation",     "column",
    "concurrently", "constraint",      "create",         "cross",        "current_catalog", "current_date",
    "current_role", "current_schema",  "current_time",   "current_timestamp", "current_user", "default",
    "deferrable",   "desc",            "distinct",       "do",           "else",          "end",
    "except",       "false",           "fetch",          "for",          "foreign",       "freeze",
    "from",         "full",            "grant",          "group",        "having",        "ilike",
    "in",           "initially",       "inner",          "intersect",    "into",          "is",
    "isnull",       "join",            "lateral",        "leading",      "left",          "like",
    "limit",        "localtime",       "localtimestamp", "natural",      "not",           "notnull",
    "null",         "offset",          "on",             "only",         "or",            "order",
    "outer",        "overlaps",        "placing",        "primary",      "references",    "returning",
    "right",        "select",          "session_user",   "similar",      "some",          "symmetric",
    "table",        "tablesample",     "then",           "to",           "trailing",      "true",
    "union",        "unique",          "user",           "using",        "variadic",      "verbose",
    "when",         "where",           "window",         "with",
};

constexpr std::string_view isolation_levels[] = {"SERIALIZABLE", "REPEATABLE READ", "READ COMMITTED",
                                              "READ UNCOMMITTED"};

using retort::detail::to_upper;

// Reflection queries share this filter: $1 is the table name, $2 the schema (NULL: current_schema()).
constexpr std::string_view table_filter = "c.relname = $1 AND n.nspname = coalesce($2, current_schema())";

// pg_constraint's referential action codes; NO ACTION, the default, is reported as nothing (as SQLAlchemy does).
std::optional<std::string> fk_action(std::string_view code) {
    if (code == "r") return "RESTRICT";
    if (code == "c") return "CASCADE";
    if (code == "n") return "SET NULL";
    if (code == "d") return "SET DEFAULT";
    return std::nullopt;
}

int to_int(std::string_view s) {
    int v = 0;
    auto first = s.data(), last = s.data() + s.size();
    while (first < last && *first == ' ') ++first;
    std::from_chars(first, last, v);
    return v;
}

}  // namespace

DialectCapabilities PGDialect::default_capabilities() {
    DialectCapabilities caps;
    caps.supports_returning = true;
    caps.prefetch_key_sequences = true;  // without RETURNING: nextval of the key's sequence (prefetch_keys)
    caps.supports_savepoints = true;
    caps.supports_multivalues_insert = true;
    caps.supports_native_boolean = true;
    caps.supports_native_uuid = true;
    caps.supports_native_enum = true;
    caps.supports_native_json = true;
    caps.supports_native_interval = true;
    caps.supports_foreign_keys = true;
    caps.supports_alter = true;
    caps.supports_sequences = true;
    caps.supports_serial = true;
    caps.supports_identity_columns = true;
    caps.supports_schemas = true;
    caps.supports_native_ilike = true;
    caps.cast_paired_binds = true;  // parameters are typed by the server from their context
    caps.supports_is_distinct_from = true;
    caps.supports_for_update = true;
    caps.supports_pipeline = true;
    caps.supports_copy_from = true;
    caps.key_prefetch_min_rows = caps.copy_from_min_rows;  // a batch that large is bulk-loaded with its keys
    caps.supports_update_from_values = true;
    caps.supports_delete_using = true;
    caps.supports_empty_in_native = false;
    caps.transactional_ddl = true;
    caps.one_ddl_per_transaction = false;
    caps.supports_create_index_async = false;
    caps.supports_distinct_on = true;
    caps.supports_nulls_not_distinct = true;
    caps.supports_truncate = true;
    caps.supports_temporary_tables = true;
    caps.max_bind_params = 32767;
    caps.max_statement_params = 65535;  // the protocol counts parameters in 16 bits
    caps.max_identifier_length = 63;
    caps.insertmanyvalues_page_size = 1000;
    // With much longer VALUES lists PostgreSQL's planner hash-joins a scan of the whole table for every batch
    // instead of looking the rows up by key (measured 2-4x slower at 1,000 rows).
    caps.update_from_values_page_size = 250;
    caps.max_rows_per_transaction = 0;
    caps.paramstyle = ParamStyle::NumericDollar;
    return caps;
}

PGDialect::PGDialect() : PGDialect("postgresql", default_capabilities()) {}

PGDialect::PGDialect(std::string name, DialectCapabilities caps) : Dialect(std::move(name), caps) {
    add_reserved_words(pg_reserved_words);
}

// ------------------------------------------------------------------------------------------------ connecting

ConnectParams PGDialect::create_connect_params(const URL& url) const {
    ConnectParams p;
    if (url.host() && !url.host()->empty()) p["host"] = *url.host();
    if (url.port()) p["port"] = std::to_string(*url.port());
    if (url.username() && !url.username()->empty()) p["user"] = *url.username();
    if (url.password()) p["password"] = *url.password();
    if (url.database() && !url.database()->empty()) p["dbname"] = *url.database();
    // The query string speaks libpq's language; a repeated key keeps its last value.
    for (const auto& [k, v] : url.query()) p[k] = v;
    return p;
}

std::unique_ptr<DBAPIConnection> PGDialect::connect(const ConnectParams& params) const {
    return std::make_unique<PGConnection>(params);
}

// ------------------------------------------------------------------------------------------------ transactions

std::string PGDialect::normalize_isolation_level(std::string_view level) {
    std::string norm = to_upper(level);
    std::replace(norm.begin(), norm.end(), '_', ' ');
    if (norm == "AUTOCOMMIT") return norm;
    for (auto l : isolation_levels)
        if (norm == l) return norm;
    throw ArgumentError("unknown isolation level '" + std::string(level) +
                        "'; PostgreSQL knows SERIALIZABLE, REPEATABLE READ, READ COMMITTED, READ UNCOMMITTED and "
                        "AUTOCOMMIT");
}

void PGDialect::set_isolation_level(DBAPIConnection& c, std::string_view level) const {
    const std::string norm = normalize_isolation_level(level);
    if (norm == "AUTOCOMMIT") return;
    c.exec_script("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL " + norm);
}

std::string PGDialect::get_isolation_level(DBAPIConnection& c) const {
    DriverExecOptions opts;
    opts.prepare = false;
    auto cur = c.execute("SHOW transaction_isolation", {}, opts);
    if (!cur->next()) throw InternalError("SHOW transaction_isolation returned no row");
    return to_upper(cur->get_text(0));
}

std::string PGDialect::bulk_load_statement(const Table& table, std::span<const Column* const> columns) const {
    std::string sql = "COPY " + quote_table(table) + " (";
    for (std::size_t j = 0; j < columns.size(); ++j) {
        if (j) sql += ", ";
        sql += quote_identifier(columns[j]->name());
    }
    sql += ") FROM STDIN";
    return sql;
}

std::string PGDialect::update_from_values_statement(const Table& table, std::span<const Column* const> set_columns,
                                                    std::span<const Column* const> key_columns,
                                                    std::size_t rows) const {
    const std::string target = quote_table(table);
    const std::size_t per_row = set_columns.size() + key_columns.size();
    std::string sql = "UPDATE " + target + " SET ";
    for (std::size_t i = 0; i < set_columns.size(); ++i) {
        if (i) sql += ", ";
        sql += quote_identifier(set_columns[i]->name()) + " = _retort_v.s" + std::to_string(i);
    }
    sql += " FROM (VALUES ";
    int n = 0;
    for (std::size_t r = 0; r < rows; ++r) {
        sql += r ? ", (" : "(";
        for (std::size_t j = 0; j < per_row; ++j) {
            const Column* col = j < set_columns.size() ? set_columns[j] : key_columns[j - set_columns.size()];
            if (j) sql += ", ";
            sql += "$" + std::to_string(++n) + "::" + type_ddl(col->type);
        }
        sql += ")";
    }
    sql += ") AS _retort_v (";
    for (std::size_t j = 0; j < per_row; ++j) {
        if (j) sql += ", ";
        sql += j < set_columns.size() ? "s" + std::to_string(j) : "k" + std::to_string(j - set_columns.size());
    }
    sql += ") WHERE ";
    for (std::size_t k = 0; k < key_columns.size(); ++k) {
        if (k) sql += " AND ";
        sql += target + "." + quote_identifier(key_columns[k]->name()) + " = _retort_v.k" + std::to_string(k);
    }
    return sql;
}

std::string PGDialect::begin_statement(std::string_view level) const {
    if (level.empty()) return "BEGIN";
    const std::string norm = normalize_isolation_level(level);
    if (norm == "AUTOCOMMIT") return "BEGIN";
    return "BEGIN ISOLATION LEVEL " + norm;
}

// ------------------------------------------------------------------------------------------------ types

std::string PGDialect::builtin_type_ddl(const SqlType& t) const {
    switch (t.kind) {
        case TypeKind::Integer: return "INTEGER";
        case TypeKind::BigInteger: return "BIGINT";
        case TypeKind::SmallInteger: return "SMALLINT";
        case TypeKind::Boolean: return "BOOLEAN";
        case TypeKind::String: return t.length > 0 ? "VARCHAR(" + std::to_string(t.length) + ")" : "VARCHAR";
        case TypeKind::Text: return "TEXT";
        case TypeKind::Float: return "REAL";
        case TypeKind::Double: return "DOUBLE PRECISION";
        case TypeKind::Numeric:
            if (t.precision <= 0) return "NUMERIC";
            return "NUMERIC(" + std::to_string(t.precision) + ", " + std::to_string(t.scale) + ")";
        case TypeKind::Date: return "DATE";
        case TypeKind::Time: return t.timezone ? "TIME WITH TIME ZONE" : "TIME WITHOUT TIME ZONE";
        case TypeKind::DateTime: return t.timezone ? "TIMESTAMP WITH TIME ZONE" : "TIMESTAMP WITHOUT TIME ZONE";
        case TypeKind::Interval: return "INTERVAL";
        case TypeKind::Uuid: return "UUID";
        case TypeKind::LargeBinary: return "BYTEA";
        case TypeKind::Json: return "JSON";
        case TypeKind::Jsonb: return caps().supports_jsonb_columns ? "JSONB" : "JSON";
        case TypeKind::Enum: {
            if (!t.enum_info) throw CompileError("an Enum type without its name and values has no DDL");
            // Non-native, or a dialect without enum types (Aurora DSQL): text with the CHECK the DDL adds.
            if (!t.enum_info->native || !caps().supports_native_enum) {
                std::size_t longest = 1;
                for (const auto& v : t.enum_info->values) longest = std::max(longest, v.size());
                return "VARCHAR(" + std::to_string(longest) + ")";
            }
            // "schema.name" names an enum in another schema.
            const std::string& name = t.enum_info->name;
            if (name.empty()) throw CompileError("a native Enum type needs a name on PostgreSQL");
            auto dot = name.find('.');
            if (dot == std::string::npos) return quote_identifier(name);
            return quote_identifier(std::string_view(name).substr(0, dot)) + "." +
                   quote_identifier(std::string_view(name).substr(dot + 1));
        }
        case TypeKind::Null: break;
    }
    throw CompileError("type " + t.str() + " has no PostgreSQL DDL");
}

SqlType PGDialect::resolve_type(std::string_view formatted) {
    if (formatted.ends_with("[]")) return {};
    // "timestamp(3) with time zone" -> name "timestamp with time zone", arguments "3".
    std::string name(formatted);
    std::string_view args;
    if (auto open = formatted.find('('); open != std::string_view::npos) {
        auto close = formatted.find(')', open);
        if (close == std::string_view::npos) return {};
        args = formatted.substr(open + 1, close - open - 1);
        name = std::string(formatted.substr(0, open)) + std::string(formatted.substr(close + 1));
    }
    int first = 0, second = 0;
    if (!args.empty()) {
        auto comma = args.find(',');
        first = to_int(args.substr(0, comma));
        if (comma != std::string_view::npos) second = to_int(args.substr(comma + 1));
    }
    if (name == "integer") return types::Integer();
    if (name == "bigint") return types::BigInteger();
    if (name == "smallint") return types::SmallInteger();
    if (name == "boolean") return types::Boolean();
    if (name == "character varying" || name == "character") return types::String(first);
    if (name == "\"char\"") return types::String(1);
    if (name == "name") return types::String(63);
    if (name == "text") return types::Text();
    if (name == "real") return types::Float();
    if (name == "double precision") return types::Double();
    if (name == "numeric") return types::Numeric(first, second);
    if (name == "date") return types::Date();
    if (name == "time without time zone") return types::Time(false);
    if (name == "time with time zone") return types::Time(true);
    if (name == "timestamp without time zone") return types::DateTime(false);
    if (name == "timestamp with time zone") return types::DateTime(true);
    if (name.starts_with("interval")) return types::Interval();
    if (name == "uuid") return types::Uuid();
    if (name == "bytea") return types::LargeBinary();
    if (name == "json") return types::Json();
    if (name == "jsonb") return types::Jsonb();
    return {};
}

// ------------------------------------------------------------------------------------------------ reflection

std::vector<std::string> PGDialect::get_table_names(Connection& c, const std::optional<std::string>& schema) const {
    auto r = c.exec_driver_sql(
        "SELECT c.relname FROM pg_catalog.pg_class c "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = coalesce($1, current_schema()) AND c.relkind IN ('r', 'p') "
        "ORDER BY c.relname",
        {Value(schema)});
    return r.scalars<std::string>();
}

bool PGDialect::has_table(Connection& c, std::string_view table, const std::optional<std::string>& schema) const {
    auto r = c.exec_driver_sql(
        "SELECT 1 FROM pg_catalog.pg_class c "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE " + std::string(table_filter) + " AND c.relkind IN ('r', 'p', 'v', 'm', 'f')",
        {Value(table), Value(schema)});
    return r.first().has_value();
}

std::string PGDialect::sequence_regclass(std::string_view name, const std::optional<std::string>& schema) const {
    std::string out;
    if (schema) out += quote_identifier(*schema) + ".";
    return out + quote_identifier(name);
}

std::string PGDialect::next_value_sql(std::string_view name, const std::optional<std::string>& schema) const {
    // nextval takes the sequence's name as text (a regclass literal): the quoted name inside a string literal.
    std::string out = "nextval('";
    for (char c : sequence_regclass(name, schema)) {
        if (c == '\0') throw CompileError("a sequence name contains a NUL byte");
        if (c == '\'') out += '\'';
        out += c;
    }
    return out + "')";
}

bool PGDialect::has_type(Connection& c, std::string_view name, const std::optional<std::string>& schema) const {
    auto r = c.exec_driver_sql(
        "SELECT 1 FROM pg_catalog.pg_type t "
        "JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace "
        "WHERE t.typname = $1 AND n.nspname = coalesce($2, current_schema()) AND t.typtype = 'e'",
        {Value(name), Value(schema)});
    return r.first().has_value();
}

bool PGDialect::has_sequence(Connection& c, std::string_view name, const std::optional<std::string>& schema) const {
    auto r = c.exec_driver_sql(
        "SELECT 1 FROM pg_catalog.pg_class c "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE " + std::string(table_filter) + " AND c.relkind = 'S'",
        {Value(name), Value(schema)});
    return r.first().has_value();
}

std::vector<ReflectedColumn> PGDialect::get_columns(Connection& c, std::string_view table,
                                                    const std::optional<std::string>& schema) const {
    auto r = c.exec_driver_sql(
        "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, "
        "pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated, t.typtype, t.typname, "
        "t.oid, CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END, "
        "EXISTS (SELECT 1 FROM pg_catalog.pg_index i "
        "        WHERE i.indrelid = c.oid AND i.indisprimary AND a.attnum = ANY (i.indkey)), "
        // NOT NULL added where the database has no SET NOT NULL (Aurora DSQL): a CHECK named for it.
        "EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'c' "
        "        AND k.conname = 'ck_' || c.relname || '_' || a.attname || '_not_null') "
        "FROM pg_catalog.pg_attribute a "
        "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
        "LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "WHERE " + std::string(table_filter) + " AND c.relkind IN ('r', 'p', 'v', 'm', 'f') "
        "AND a.attnum > 0 AND NOT a.attisdropped "
        "ORDER BY a.attnum",
        {Value(table), Value(schema)});
    std::vector<ReflectedColumn> cols;
    std::vector<std::pair<std::size_t, std::int64_t>> enum_columns;  // column index, enum type oid
    for (RowView row : r) {
        ReflectedColumn col;
        col.name = row.get<std::string>(0);
        col.type_text = row.get<std::string>(1);
        col.nullable = !row.get<bool>(2) && !row.get<bool>(11);
        const auto identity = row.get<std::string>(4);
        const bool generated = !row.get<std::string>(5).empty();
        if (!generated) col.server_default = row.get<std::optional<std::string>>(3);
        col.autoincrement = !identity.empty() || (col.server_default && col.server_default->starts_with("nextval("));
        const auto typtype = row.get<std::string>(6);
        if (typtype == "e") {
            col.type = types::Enum(row.get<std::string>(7), {});
            enum_columns.emplace_back(cols.size(), row.get<std::int64_t>(8));
        } else if (typtype == "d") {
            col.type = resolve_type(row.get<std::string>(9));  // a domain: the type it is based on
        } else {
            col.type = resolve_type(col.type_text);
        }
        col.primary_key = row.get<bool>(10);
        if (!identity.empty()) {
            col.identity.emplace();
            col.identity->always = identity == "a";
        }
        cols.push_back(std::move(col));
    }
    if (cols.empty()) throw InvalidRequestError("no such table: " + std::string(table));
    // An identity column's options, from its sequence (pg_sequence and pg_get_serial_sequence, which Aurora DSQL
    // has too).
    for (auto& col : cols) {
        if (!col.identity) continue;
        auto ir = c.exec_driver_sql(
            "SELECT s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle "
            "FROM pg_catalog.pg_sequence s WHERE s.seqrelid = pg_catalog.pg_get_serial_sequence($1, $2)::regclass",
            {Value(sequence_regclass(table, schema)), Value(col.name)});
        for (RowView row : ir) {
            col.identity->start = row.get<std::int64_t>(0);
            col.identity->increment = row.get<std::int64_t>(1);
            col.identity->minvalue = row.get<std::int64_t>(2);
            col.identity->maxvalue = row.get<std::int64_t>(3);
            col.identity->cache = row.get<std::int64_t>(4);
            col.identity->cycle = row.get<bool>(5);
        }
    }

    std::map<std::int64_t, std::vector<std::string>> labels;
    for (const auto& [index, type_oid] : enum_columns) {
        auto it = labels.find(type_oid);
        if (it == labels.end()) {
            auto lr = c.exec_driver_sql(
                "SELECT e.enumlabel FROM pg_catalog.pg_enum e WHERE e.enumtypid = $1 ORDER BY e.enumsortorder",
                {Value(type_oid)});
            it = labels.emplace(type_oid, lr.scalars<std::string>()).first;
        }
        auto& col = cols[index];
        col.type = types::Enum(col.type.enum_info->name, it->second);
    }
    return cols;
}

ReflectedPrimaryKey PGDialect::get_pk_constraint(Connection& c, std::string_view table,
                                                 const std::optional<std::string>& schema) const {
    auto r = c.exec_driver_sql(
        "SELECT con.conname, a.attname FROM pg_catalog.pg_constraint con "
        "JOIN pg_catalog.pg_class c ON c.oid = con.conrelid "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord) "
        "JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum "
        "WHERE con.contype = 'p' AND " + std::string(table_filter) + " ORDER BY k.ord",
        {Value(table), Value(schema)});
    ReflectedPrimaryKey pk;
    for (RowView row : r) {
        if (!pk.name) pk.name = row.get<std::string>(0);
        pk.constrained_columns.push_back(row.get<std::string>(1));
    }
    return pk;
}

std::vector<ReflectedForeignKey> PGDialect::get_foreign_keys(Connection& c, std::string_view table,
                                                             const std::optional<std::string>& schema) const {
    auto r = c.exec_driver_sql(
        "SELECT con.conname, ca.attname, rn.nspname, rc.relname, ra.attname, con.confupdtype, con.confdeltype, "
        "n.nspname "
        "FROM pg_catalog.pg_constraint con "
        "JOIN pg_catalog.pg_class c ON c.oid = con.conrelid "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid "
        "JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace "
        "CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(attnum, refnum, ord) "
        "JOIN pg_catalog.pg_attribute ca ON ca.attrelid = con.conrelid AND ca.attnum = k.attnum "
        "JOIN pg_catalog.pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = k.refnum "
        "WHERE con.contype = 'f' AND " + std::string(table_filter) + " ORDER BY con.conname, k.ord",
        {Value(table), Value(schema)});
    return detail::foreign_keys_from_rows(r, schema.has_value(), fk_action);
}

std::vector<ReflectedIndex> PGDialect::get_indexes(Connection& c, std::string_view table,
                                                   const std::optional<std::string>& schema) const {
    auto r = c.exec_driver_sql(
        "SELECT ic.relname, i.indisunique, coalesce(a.attname, "
        "       pg_catalog.pg_get_indexdef(i.indexrelid, k.ord::int, true)) "
        "FROM pg_catalog.pg_index i "
        "JOIN pg_catalog.pg_class c ON c.oid = i.indrelid "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid "
        "CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) "
        "LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum AND k.attnum <> 0 "
        "WHERE " + std::string(table_filter) + " AND NOT i.indisprimary AND k.ord <= i.indnkeyatts "
        "AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con WHERE con.conindid = i.indexrelid "
        "                AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')) "
        "ORDER BY ic.relname, k.ord",
        {Value(table), Value(schema)});
    std::vector<ReflectedIndex> out;
    for (RowView row : r) {
        auto name = row.get<std::string>(0);
        if (out.empty() || out.back().name != name) {
            ReflectedIndex ix;
            ix.name = std::move(name);
            ix.unique = row.get<bool>(1);
            out.push_back(std::move(ix));
        }
        out.back().column_names.push_back(row.get<std::string>(2));
    }
    return out;
}

std::vector<ReflectedUnique> PGDialect::get_unique_constraints(Connection& c, std::string_view table,
                                                               const std::optional<std::string>& schema) const {
    auto r = c.exec_driver_sql(
        "SELECT con.conname, a.attname FROM pg_catalog.pg_constraint con "
        "JOIN pg_catalog.pg_class c ON c.oid = con.conrelid "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord) "
        "JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum "
        "WHERE con.contype = 'u' AND " + std::string(table_filter) + " ORDER BY con.conname, k.ord",
        {Value(table), Value(schema)});
    return detail::unique_constraints_from_rows(r);
}

bool PGDialect::prefetch_keys(Connection& conn, const Table& table, const Column& column, std::size_t count,
                              PrefetchedKeys& keys) const {
    // Values of the column's sequence (SERIAL or identity); the sequence is looked up once (OFFSET 0 keeps the
    // subquery from being folded into every row). They come back as a range when they are one (the usual case:
    // count values between the smallest and the largest can only be all of them), else listed in an array. No
    // sequence: nextval(NULL) is NULL and nothing is counted.
    static const std::string sql =
        "SELECT min(v), count(v), CASE WHEN max(v) - min(v) + 1 = count(v) THEN NULL ELSE array_agg(v)::text END "
        "FROM (SELECT nextval(q.seq) AS v FROM (SELECT pg_get_serial_sequence($1, $2)::regclass AS seq OFFSET 0) q, "
        "generate_series(1, $3)) k";
    // A column numbered by a Sequence of its own (ColumnOptions::sequence): that sequence.
    static const std::string own_sql =
        "SELECT min(v), count(v), CASE WHEN max(v) - min(v) + 1 = count(v) THEN NULL ELSE array_agg(v)::text END "
        "FROM (SELECT nextval(q.seq) AS v FROM (SELECT $1::regclass AS seq OFFSET 0) q, generate_series(1, $2)) k";
    keys.listed.clear();
    keys.count = 0;
    const Sequence* seq = column.sequence();
    Result r = seq ? conn.exec_driver_sql(own_sql, {Value(sequence_regclass(seq->name(), seq->schema())),
                                                    Value(static_cast<std::int64_t>(count))})
                   : conn.exec_driver_sql(sql, {Value(quote_table(table)), Value(column.name()),
                                                Value(static_cast<std::int64_t>(count))});
    for (RowView row : r) {
        if (row.get<std::int64_t>(1) != static_cast<std::int64_t>(count)) return false;
        if (row.is_null(2)) {
            keys.first = row.get<std::int64_t>(0);
            keys.count = count;
            return true;
        }
        // "{v1,v2,...}"
        const auto text = row.get<std::string>(2);
        keys.listed.reserve(count);
        std::size_t at = 1;
        while (at < text.size() && keys.listed.size() < count) {
            std::size_t end = text.find_first_of(",}", at);
            if (end == std::string::npos) end = text.size();
            std::int64_t v = 0;
            const auto res = std::from_chars(text.data() + at, text.data() + end, v);
            if (res.ec != std::errc() || res.ptr != text.data() + end) return false;
            keys.listed.push_back(v);
            at = end + 1;
        }
        keys.count = keys.listed.size();
        return keys.count == count;
    }
    return false;
}

}  // namespace retort::postgresql

namespace retort::detail {
std::shared_ptr<Dialect> make_postgresql_dialect() { return std::make_shared<postgresql::PGDialect>(); }
}  // namespace retort::detail
