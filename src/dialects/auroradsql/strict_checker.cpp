// The DSQL strict checker: each statement is parsed by PostgreSQL's own parser (libpg_query, as its JSON
// parse tree) and the tree is checked against what Aurora DSQL accepts. libpg_query and the JSON reader stay
// in this file; the header knows neither.
//
// Where each rule comes from (Aurora DSQL User Guide, docs.aws.amazon.com/aurora-dsql/latest/userguide/):
//   working-with-postgresql-compatibility-unsupported-features  TRUNCATE, SAVEPOINT, VACUUM, ALTER SYSTEM;
//       temporary tables, triggers, types, tablespaces, partitions, extensions, materialized views, databases,
//       functions in languages other than SQL; CREATE TABLE ... COLLATE / AS SELECT / INHERITS / PARTITION;
//       CREATE INDEX ASYNC ... ASC | DESC; plain CREATE INDEX.
//   working-with-postgresql-compatibility-supported-sql-features  the DDL commands (CREATE/ALTER/DROP TABLE,
//       [UNIQUE] INDEX ASYNC, VIEW, ROLE, FUNCTION LANGUAGE SQL, DOMAIN), BEGIN/COMMIT, SELECT ... FOR UPDATE.
//   create-table-syntax-support  column and table constraints (foreign keys inline since 2026-08-26),
//       identity columns, index_parameters (INCLUDE only), MATCH FULL | SIMPLE.
//   alter-table-syntax-support  the ALTER TABLE actions: ADD COLUMN with a name and a type only, ADD
//       table_constraint NOT VALID, UNIQUE USING INDEX, ALTER TABLE ASYNC ... VALIDATE CONSTRAINT.
//   create-index-syntax-support  CREATE [UNIQUE] INDEX ASYNC: columns or (expressions) with NULLS FIRST|LAST,
//       INCLUDE, NULLS [NOT] DISTINCT, WHERE (partial indexes, 2026-09-15).
//   create-sequence-syntax-support  CACHE required, 1 or >= 65536; AS BIGINT.
//   working-with-postgresql-compatibility-supported-data-types  the column types.
//   release-notes  SELECT ... FOR KEY SHARE (2026-08-25), extended statistics (2026-08-27).
// Plus Retort's own rules for local emulation: LOCK, LISTEN/NOTIFY/UNLISTEN and two-phase commit refused;
// one DDL statement per transaction and no DDL mixed with DML (DSQL's transaction rules).
#include <pg_query.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>
#include <utility>

#include "detail/text.hpp"
#include "retort/dialects/auroradsql.hpp"

namespace retort::dsql {

namespace {

using Json = nlohmann::json;
using Verdict = std::optional<std::string>;

std::mutex violations_mu;
std::vector<std::string> violations;

// ------------------------------------------------------------------------------ DSQL-only syntax (ASYNC)

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$'; }

using retort::detail::iequals;

bool mentions_async(std::string_view sql) {
    for (std::size_t i = 0; i + 5 <= sql.size(); ++i)
        if (iequals(sql.substr(i, 5), "ASYNC")) return true;
    return false;
}

struct Word {
    std::size_t begin, end;
};

// The first n bare words of sql from position `from`, skipping white space and comments; stops at anything
// else (a quote, a parenthesis, a semicolon).
std::vector<Word> leading_words(std::string_view sql, std::size_t from, std::size_t n) {
    std::vector<Word> out;
    std::size_t i = from;
    while (i < sql.size() && out.size() < n) {
        const char c = sql[i];
        if (std::isspace(static_cast<unsigned char>(c))) {
            ++i;
        } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
            while (i < sql.size() && sql[i] != '\n') ++i;
        } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
            int depth = 1;
            i += 2;
            while (i < sql.size() && depth > 0) {
                if (sql[i] == '/' && i + 1 < sql.size() && sql[i + 1] == '*') depth++, i += 2;
                else if (sql[i] == '*' && i + 1 < sql.size() && sql[i + 1] == '/') depth--, i += 2;
                else ++i;
            }
        } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
            std::size_t b = i;
            while (i < sql.size() && word_char(sql[i])) ++i;
            out.push_back({b, i});
        } else {
            break;
        }
    }
    return out;
}

// Where the DSQL-only word ASYNC stands in the statement starting at `from` ("CREATE [UNIQUE] INDEX ASYNC",
// "ALTER TABLE ASYNC"), and which form it is.
struct AsyncWord {
    Word word;
    bool index;  // CREATE INDEX ASYNC, else ALTER TABLE ASYNC
};

std::optional<AsyncWord> find_async(std::string_view sql, std::size_t from) {
    const auto w = leading_words(sql, from, 4);
    auto is = [&](std::size_t k, std::string_view s) {
        return k < w.size() && iequals(sql.substr(w[k].begin, w[k].end - w[k].begin), s);
    };
    if (is(0, "CREATE")) {
        std::size_t k = is(1, "UNIQUE") ? 2 : 1;
        if (is(k, "INDEX") && is(k + 1, "ASYNC")) return AsyncWord{w[k + 1], true};
    } else if (is(0, "ALTER") && is(1, "TABLE") && is(2, "ASYNC")) {
        return AsyncWord{w[2], false};
    }
    return std::nullopt;
}

// The start of each statement of a script, by PostgreSQL's scanner; empty when it cannot split it.
std::vector<std::size_t> statement_starts(const std::string& sql) {
    std::vector<std::size_t> out;
    PgQuerySplitResult r = pg_query_split_with_scanner(sql.c_str());
    if (!r.error)
        for (int i = 0; i < r.n_stmts; ++i) out.push_back(static_cast<std::size_t>(r.stmts[i]->stmt_location));
    pg_query_free_split_result(r);
    return out;
}

// ------------------------------------------------------------------------------------ parse-tree access

const Json* get(const Json& obj, const char* key) {
    if (!obj.is_object()) return nullptr;
    auto it = obj.find(key);
    return it == obj.end() ? nullptr : &*it;
}

std::string text(const Json& obj, const char* key) {
    const Json* v = get(obj, key);
    return v && v->is_string() ? v->get<std::string>() : std::string();
}

bool flag(const Json& obj, const char* key) {
    const Json* v = get(obj, key);
    return v && v->is_boolean() && v->get<bool>();
}

const Json& items(const Json& obj, const char* key) {
    static const Json empty = Json::array();
    const Json* v = get(obj, key);
    return v && v->is_array() ? *v : empty;
}

// A node is {"TypeName": {fields}}: its type and its fields.
std::string_view node_type(const Json& n) {
    if (!n.is_object() || n.empty()) return {};
    return n.begin().key();
}

const Json& node_body(const Json& n) {
    static const Json empty = Json::object();
    if (!n.is_object() || n.empty()) return empty;
    return n.begin().value();
}

// The names of a String list ([{"String": {"sval": "pg_catalog"}}, ...]).
std::vector<std::string> names(const Json& list) {
    std::vector<std::string> out;
    if (!list.is_array()) return out;
    for (const auto& n : list) out.push_back(text(node_body(n), "sval"));
    return out;
}

// The value of an Integer or Float option argument, when it is a whole number.
std::optional<long double> number(const Json& arg) {
    const auto type = node_type(arg);
    const Json& body = node_body(arg);
    if (type == "Integer") {
        const Json* v = get(body, "ival");
        return v && v->is_number_integer() ? static_cast<long double>(v->get<std::int64_t>()) : 0.0L;
    }
    if (type == "Float") {
        const std::string s = text(body, "fval");
        long double v = 0;
        try {
            std::size_t used = 0;
            v = std::stold(s, &used);
            if (used != s.size()) return std::nullopt;
        } catch (...) {
            return std::nullopt;
        }
        return v;
    }
    return std::nullopt;
}

std::string number_text(const Json& arg) {
    if (node_type(arg) == "Float") return text(node_body(arg), "fval");
    if (auto v = number(arg)) return std::to_string(static_cast<long long>(*v));
    return "?";
}

// ------------------------------------------------------------------------------------------ column types

// A type name as written (pg_catalog.int8 -> int8; myschema.t -> myschema.t).
std::string type_label(const Json& type_name) {
    const auto n = names(items(type_name, "names"));
    if (n.size() == 2 && n[0] == "pg_catalog") return n[1];
    std::string out;
    for (const auto& s : n) out += (out.empty() ? "" : ".") + s;
    return out;
}

bool is_serial(const std::string& t) {
    for (const char* s : {"serial", "serial2", "serial4", "serial8", "smallserial", "bigserial"})
        if (t == s) return true;
    return false;
}

bool is_bigint(const std::string& t) { return t == "int8" || t == "bigint"; }

// The column types of DSQL's supported data types page (numeric, character, date/time, miscellaneous), and
// JSON/JSONB columns.
Verdict check_column_type(const Json& type_name) {
    const std::string t = type_label(type_name);
    if (is_serial(t)) return "SERIAL is not supported; use an identity column";
    if (!items(type_name, "arrayBounds").empty()) return "array column types (" + t + "[]) are not supported";
    if (flag(type_name, "setof")) return "SETOF " + t + " is not a column type";
    static const char* const supported[] = {
        "int2", "smallint", "int4", "int", "integer", "int8", "bigint", "float4", "real", "float8", "numeric",
        "decimal", "bpchar", "varchar", "text", "date", "time", "timetz", "timestamp", "timestamptz", "interval",
        "bool", "boolean", "bytea", "uuid", "json", "jsonb"};
    for (const char* s : supported)
        if (t == s) return std::nullopt;
    return "column type " + t + " is not supported";
}

// CACHE 1 or at least 65536, given explicitly (identity columns and sequences).
Verdict check_cache(const Json& options, std::string_view what, bool required) {
    for (const auto& o : options) {
        const Json& d = node_body(o);
        if (text(d, "defname") != "cache") continue;
        const Json* arg = get(d, "arg");
        auto v = arg ? number(*arg) : std::nullopt;
        if (v && (*v == 1 || *v >= 65536)) return std::nullopt;
        return std::string(what) + " with CACHE " + (arg ? number_text(*arg) : std::string("?")) +
               " (DSQL needs CACHE 1 or at least 65536)";
    }
    if (!required) return std::nullopt;
    return std::string(what) + " without CACHE (DSQL needs CACHE 1 or at least 65536)";
}

// Sequence options: CACHE as above, AS BIGINT only.
Verdict check_sequence_options(const Json& options, std::string_view what, bool cache_required) {
    for (const auto& o : options) {
        const Json& d = node_body(o);
        if (text(d, "defname") != "as") continue;
        const Json* arg = get(d, "arg");
        const std::string t = arg ? type_label(node_body(*arg)) : std::string();
        if (!is_bigint(t)) return std::string(what) + " must be BIGINT, not " + t;
    }
    return check_cache(options, what, cache_required);
}

// ------------------------------------------------------------------------------------------ constraints

// A constraint of CREATE TABLE (column or table), as DSQL's CREATE TABLE page lists them.
Verdict check_constraint(const Json& c) {
    const std::string type = text(c, "contype");
    if (type == "CONSTR_EXCLUSION") return "EXCLUDE constraints are not supported";
    if (type == "CONSTR_FOREIGN" && text(c, "fk_matchtype") == "p") return "MATCH PARTIAL is not supported";
    if (type == "CONSTR_PRIMARY" || type == "CONSTR_UNIQUE") {
        if (!items(c, "options").empty()) return "WITH (...) on a PRIMARY KEY or UNIQUE constraint is not supported";
        if (!text(c, "indexspace").empty()) return "USING INDEX TABLESPACE is not supported";
    }
    return std::nullopt;
}

// A column of CREATE TABLE.
Verdict check_column_def(const Json& col) {
    const Json* type_name = get(col, "typeName");
    bool identity = false;
    for (const auto& n : items(col, "constraints")) {
        const Json& c = node_body(n);
        if (auto why = check_constraint(c)) return why;
        if (text(c, "contype") == "CONSTR_IDENTITY") {
            identity = true;
            if (auto why = check_sequence_options(items(c, "options"), "an identity column", true)) return why;
        }
    }
    if (type_name) {
        const std::string t = type_label(*type_name);
        if (identity && !is_serial(t) && !is_bigint(t)) return "an identity column must be BIGINT, not " + t;
        if (auto why = check_column_type(*type_name)) return why;
    }
    if (get(col, "collClause")) return "COLLATE is not supported";
    if (!text(col, "compression").empty()) return "COMPRESSION is not supported";
    return std::nullopt;
}

Verdict check_create_table(const Json& s) {
    const Json* rel = get(s, "relation");
    const std::string persistence = rel ? text(*rel, "relpersistence") : "p";
    if (persistence == "t") return "temporary tables are not supported";
    if (persistence == "u") return "UNLOGGED tables are not supported";
    if (!items(s, "inhRelations").empty()) return "CREATE TABLE ... INHERITS is not supported";
    if (get(s, "partspec")) return "CREATE TABLE ... PARTITION BY is not supported (no partitions)";
    if (get(s, "partbound")) return "CREATE TABLE ... PARTITION OF is not supported (no partitions)";
    if (get(s, "ofTypename")) return "CREATE TABLE ... OF type is not supported";
    if (!items(s, "options").empty()) return "CREATE TABLE ... WITH (storage parameters) is not supported";
    if (!text(s, "tablespacename").empty()) return "CREATE TABLE ... TABLESPACE is not supported";
    if (!text(s, "accessMethod").empty()) return "CREATE TABLE ... USING is not supported";
    for (const char* list : {"tableElts", "constraints"}) {
        for (const auto& e : items(s, list)) {
            const auto type = node_type(e);
            if (type == "ColumnDef") {
                if (auto why = check_column_def(node_body(e))) return why;
            } else if (type == "Constraint") {
                if (auto why = check_constraint(node_body(e))) return why;
            }
        }
    }
    return std::nullopt;
}

// ----------------------------------------------------------------------------------------- ALTER TABLE

std::string alter_form(std::string_view subtype) {
    static const std::pair<std::string_view, std::string_view> forms[] = {
        {"AT_AlterColumnType", "ALTER COLUMN ... TYPE"},
        {"AT_SetNotNull", "ALTER COLUMN ... SET NOT NULL"},
        {"AT_SetStatistics", "ALTER COLUMN ... SET STATISTICS"},
        {"AT_SetOptions", "ALTER COLUMN ... SET (...)"},
        {"AT_ResetOptions", "ALTER COLUMN ... RESET (...)"},
        {"AT_SetCompression", "ALTER COLUMN ... SET COMPRESSION"},
        {"AT_ClusterOn", "CLUSTER ON"},
        {"AT_DropCluster", "SET WITHOUT CLUSTER"},
        {"AT_SetLogged", "SET LOGGED"},
        {"AT_SetUnLogged", "SET UNLOGGED"},
        {"AT_SetTableSpace", "SET TABLESPACE"},
        {"AT_SetRelOptions", "SET (...)"},
        {"AT_ResetRelOptions", "RESET (...)"},
        {"AT_ReplicaIdentity", "REPLICA IDENTITY"},
        {"AT_AddInherit", "INHERIT"},
        {"AT_DropInherit", "NO INHERIT"},
        {"AT_AddOf", "OF"},
        {"AT_DropOf", "NOT OF"},
        {"AT_AttachPartition", "ATTACH PARTITION"},
        {"AT_DetachPartition", "DETACH PARTITION"},
        {"AT_EnableRowSecurity", "ENABLE ROW LEVEL SECURITY"},
        {"AT_DisableRowSecurity", "DISABLE ROW LEVEL SECURITY"},
        {"AT_ForceRowSecurity", "FORCE ROW LEVEL SECURITY"},
        {"AT_NoForceRowSecurity", "NO FORCE ROW LEVEL SECURITY"},
        {"AT_SetAccessMethod", "SET ACCESS METHOD"},
    };
    for (const auto& [k, v] : forms)
        if (k == subtype) return std::string(v);
    if (subtype.find("Trig") != std::string_view::npos) return "ENABLE/DISABLE TRIGGER";
    if (subtype.find("Rule") != std::string_view::npos) return "ENABLE/DISABLE RULE";
    std::string_view s = subtype;
    if (s.substr(0, 3) == "AT_") s.remove_prefix(3);
    return std::string(s);
}

Verdict check_add_constraint(const Json& c) {
    const std::string type = text(c, "contype");
    if (type == "CONSTR_FOREIGN" || type == "CONSTR_CHECK") {
        if (auto why = check_constraint(c)) return why;
        if (!flag(c, "skip_validation"))
            return std::string("ALTER TABLE ... ADD CONSTRAINT ... ") + (type == "CONSTR_CHECK" ? "CHECK" : "FOREIGN KEY") +
                   " needs NOT VALID (then ALTER TABLE ASYNC ... VALIDATE CONSTRAINT)";
        return std::nullopt;
    }
    if (type == "CONSTR_UNIQUE" && !text(c, "indexname").empty()) return std::nullopt;  // UNIQUE USING INDEX
    if (type == "CONSTR_UNIQUE" || type == "CONSTR_PRIMARY")
        return std::string("ALTER TABLE ... ADD ") + (type == "CONSTR_UNIQUE" ? "UNIQUE" : "PRIMARY KEY") +
               " is not supported (only UNIQUE USING INDEX of an index built with CREATE UNIQUE INDEX ASYNC)";
    if (type == "CONSTR_EXCLUSION") return "EXCLUDE constraints are not supported";
    return "ALTER TABLE ... ADD CONSTRAINT of this kind is not supported";
}

Verdict check_alter_table(const Json& s, bool async) {
    const std::string objtype = text(s, "objtype");
    if (async) {
        const Json& cmds = items(s, "cmds");
        if (objtype != "OBJECT_TABLE" || cmds.size() != 1 ||
            text(node_body(cmds[0]), "subtype") != "AT_ValidateConstraint")
            return "ALTER TABLE ASYNC takes only VALIDATE CONSTRAINT";
        return std::nullopt;
    }
    if (objtype == "OBJECT_INDEX") return "ALTER INDEX is not supported";
    if (objtype == "OBJECT_MATVIEW") return "materialized views are not supported";
    if (objtype == "OBJECT_FOREIGN_TABLE") return "foreign tables are not supported";
    if (objtype == "OBJECT_TYPE") return "ALTER TYPE is not supported";
    if (objtype != "OBJECT_TABLE") return std::nullopt;  // ALTER VIEW, ALTER SEQUENCE ... (their own pages)
    for (const auto& n : items(s, "cmds")) {
        const Json& cmd = node_body(n);
        const std::string sub = text(cmd, "subtype");
        const Json* def = get(cmd, "def");
        if (sub == "AT_AddColumn") {
            static const Json no_column = Json::object();
            const Json& col = def ? node_body(*def) : no_column;
            if (!items(col, "constraints").empty() || get(col, "collClause") || get(col, "raw_default"))
                return "ALTER TABLE ... ADD COLUMN takes a name and a type only (no DEFAULT, NOT NULL, identity or "
                       "constraints)";
            if (const Json* t = get(col, "typeName"))
                if (auto why = check_column_type(*t)) return why;
        } else if (sub == "AT_AddConstraint") {
            if (def)
                if (auto why = check_add_constraint(node_body(*def))) return why;
        } else if (sub == "AT_ValidateConstraint") {
            return "ALTER TABLE ... VALIDATE CONSTRAINT needs ALTER TABLE ASYNC";
        } else if (sub == "AT_AddIdentity") {
            if (def)
                if (auto why = check_sequence_options(items(node_body(*def), "options"), "an identity column", true))
                    return why;
        } else if (sub == "AT_SetIdentity") {
            if (def)
                if (auto why = check_sequence_options(items(node_body(*def), "items"), "an identity column", false))
                    return why;
        } else if (sub == "AT_DropColumn" || sub == "AT_ColumnDefault" || sub == "AT_DropNotNull" ||
                   sub == "AT_DropExpression" || sub == "AT_DropIdentity" || sub == "AT_SetStorage" ||
                   sub == "AT_AlterConstraint" || sub == "AT_DropConstraint" || sub == "AT_ChangeOwner") {
            // listed on the ALTER TABLE page
        } else {
            return "ALTER TABLE ... " + alter_form(sub) + " is not supported";
        }
    }
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------- CREATE INDEX

Verdict check_index(const Json& s, bool async) {
    if (flag(s, "concurrent")) return "CREATE INDEX CONCURRENTLY is not supported; DSQL builds indexes with CREATE INDEX ASYNC";
    if (!async) return "CREATE INDEX without ASYNC is not supported; DSQL builds indexes with CREATE INDEX ASYNC";
    const std::string method = text(s, "accessMethod");
    if (!method.empty() && method != "btree") return "CREATE INDEX ASYNC ... USING " + method + " is not supported";
    if (const Json* rel = get(s, "relation"); rel && !flag(*rel, "inh"))
        return "CREATE INDEX ASYNC ... ON ONLY is not supported";
    if (!items(s, "options").empty()) return "CREATE INDEX ASYNC ... WITH (...) is not supported";
    if (!text(s, "tableSpace").empty()) return "CREATE INDEX ASYNC ... TABLESPACE is not supported";
    for (const auto& n : items(s, "indexParams")) {
        const Json& e = node_body(n);
        const std::string ordering = text(e, "ordering");
        if (!ordering.empty() && ordering != "SORTBY_DEFAULT")
            return "CREATE INDEX ASYNC ... ASC/DESC is not supported (only NULLS FIRST/LAST)";
        if (!items(e, "opclass").empty()) return "operator classes in CREATE INDEX ASYNC are not supported";
        if (!items(e, "collation").empty()) return "COLLATE in CREATE INDEX ASYNC is not supported";
    }
    for (const auto& n : items(s, "indexIncludingParams"))
        if (get(node_body(n), "expr")) return "expressions in INCLUDE are not supported";
    return std::nullopt;
}

// ------------------------------------------------------------------------------------------- statements

enum class Kind { other, ddl, dml, begin, end };

struct StatementVerdict {
    Kind kind = Kind::other;
    Verdict why;
};

// Whether the tree writes rows (INSERT/UPDATE/DELETE/MERGE anywhere, data-modifying WITH included), and
// the first row-locking clause DSQL does not take. Walks without recursion: trees can be deep.
void scan_tree(const Json& root, bool& writes, std::string& bad_lock) {
    std::vector<const Json*> stack{&root};
    while (!stack.empty()) {
        const Json* j = stack.back();
        stack.pop_back();
        if (j->is_object()) {
            for (auto it = j->begin(); it != j->end(); ++it) {
                const std::string& k = it.key();
                if (k == "InsertStmt" || k == "UpdateStmt" || k == "DeleteStmt" || k == "MergeStmt") writes = true;
                if (k == "LockingClause" && bad_lock.empty()) {
                    const std::string strength = text(it.value(), "strength");
                    if (strength == "LCS_FORSHARE") bad_lock = "FOR SHARE";
                    else if (strength == "LCS_FORNOKEYUPDATE") bad_lock = "FOR NO KEY UPDATE";
                }
                if (it.value().is_structured()) stack.push_back(&it.value());
            }
        } else if (j->is_array()) {
            for (const auto& v : *j)
                if (v.is_structured()) stack.push_back(&v);
        }
    }
}

std::string drop_what(std::string_view remove_type) {
    std::string s(remove_type.substr(0, 7) == "OBJECT_" ? remove_type.substr(7) : remove_type);
    std::replace(s.begin(), s.end(), '_', ' ');
    return s;
}

StatementVerdict check_statement(const Json& stmt, bool async) {
    const std::string_view type = node_type(stmt);
    const Json& s = node_body(stmt);
    auto refuse = [](std::string why) { return StatementVerdict{Kind::other, std::move(why)}; };
    auto ddl = [](Verdict why) { return StatementVerdict{Kind::ddl, std::move(why)}; };

    if (async && type != "IndexStmt" && type != "AlterTableStmt") return refuse("ASYNC is only for CREATE INDEX and ALTER TABLE");

    // Transaction control.
    if (type == "TransactionStmt") {
        const std::string kind = text(s, "kind");
        if (kind == "TRANS_STMT_BEGIN" || kind == "TRANS_STMT_START") return {Kind::begin, std::nullopt};
        if (kind == "TRANS_STMT_COMMIT" || kind == "TRANS_STMT_ROLLBACK") return {Kind::end, std::nullopt};
        if (kind == "TRANS_STMT_SAVEPOINT" || kind == "TRANS_STMT_RELEASE" || kind == "TRANS_STMT_ROLLBACK_TO")
            return refuse("SAVEPOINT is not supported");
        return refuse("two-phase commit (PREPARE TRANSACTION) is not supported");
    }

    // Queries and DML.
    if (type == "SelectStmt" || type == "InsertStmt" || type == "UpdateStmt" || type == "DeleteStmt" ||
        type == "MergeStmt" || type == "ExplainStmt") {
        if (type == "SelectStmt" && get(s, "intoClause")) return refuse("SELECT ... INTO (CREATE TABLE AS) is not supported");
        if (type == "ExplainStmt")
            if (const Json* q = get(s, "query")) {
                auto inner = check_statement(*q, false);
                if (inner.why) return inner;
            }
        bool writes = type == "InsertStmt" || type == "UpdateStmt" || type == "DeleteStmt" || type == "MergeStmt";
        std::string bad_lock;
        scan_tree(s, writes, bad_lock);
        if (!bad_lock.empty()) return refuse("SELECT ... " + bad_lock + " is not supported (FOR UPDATE and FOR KEY SHARE are)");
        return {writes ? Kind::dml : Kind::other, std::nullopt};
    }

    // DDL DSQL has.
    if (type == "CreateStmt") return ddl(check_create_table(s));
    if (type == "AlterTableStmt") return ddl(check_alter_table(s, async));
    if (type == "IndexStmt") return ddl(check_index(s, async));
    if (type == "CreateSeqStmt") {
        if (const Json* rel = get(s, "sequence"); rel && text(*rel, "relpersistence") == "t")
            return ddl("temporary sequences are not supported");
        return ddl(check_sequence_options(items(s, "options"), "a sequence", true));
    }
    if (type == "AlterSeqStmt") return ddl(check_sequence_options(items(s, "options"), "a sequence", false));
    if (type == "ViewStmt") {
        if (const Json* rel = get(s, "view"); rel && text(*rel, "relpersistence") == "t")
            return ddl("temporary views are not supported");
        return ddl(std::nullopt);
    }
    if (type == "CreateFunctionStmt") {
        for (const auto& o : items(s, "options")) {
            const Json& d = node_body(o);
            if (text(d, "defname") != "language") continue;
            const Json* arg = get(d, "arg");
            const std::string lang = retort::detail::to_lower(arg ? text(node_body(*arg), "sval") : std::string());
            if (lang != "sql") return ddl("CREATE FUNCTION in a language other than SQL (" + lang + ") is not supported");
        }
        return ddl(std::nullopt);
    }
    if (type == "DropStmt") {
        const std::string what = text(s, "removeType");
        for (const char* ok : {"OBJECT_TABLE", "OBJECT_INDEX", "OBJECT_VIEW", "OBJECT_SEQUENCE", "OBJECT_STATISTIC_EXT",
                               "OBJECT_SCHEMA", "OBJECT_FUNCTION", "OBJECT_DOMAIN"})
            if (what == ok) return ddl(std::nullopt);
        return ddl("DROP " + drop_what(what) + " is not supported");
    }
    if (type == "CreateTableAsStmt") {
        if (text(s, "objtype") == "OBJECT_MATVIEW") return ddl("CREATE MATERIALIZED VIEW is not supported");
        return ddl("CREATE TABLE ... AS is not supported");
    }
    for (const char* t : {"CreateDomainStmt", "CreateSchemaStmt", "CreateStatsStmt", "AlterStatsStmt", "RenameStmt",
                          "AlterObjectSchemaStmt", "CommentStmt", "CreateRoleStmt", "AlterRoleStmt", "DropRoleStmt",
                          "GrantStmt", "GrantRoleStmt", "AlterFunctionStmt", "AlterOwnerStmt", "AlterDefaultPrivilegesStmt"})
        if (type == t) return ddl(std::nullopt);

    // ANALYZE is there, VACUUM is not.
    if (type == "VacuumStmt") {
        if (flag(s, "is_vacuumcmd")) return refuse("VACUUM is not supported");
        return {Kind::other, std::nullopt};
    }

    // What DSQL does not have.
    static const std::pair<std::string_view, std::string_view> refused[] = {
        {"TruncateStmt", "TRUNCATE is not supported"},
        {"LockStmt", "LOCK is not supported"},
        {"ListenStmt", "LISTEN is not supported"},
        {"NotifyStmt", "NOTIFY is not supported"},
        {"UnlistenStmt", "UNLISTEN is not supported"},
        {"CreateTrigStmt", "triggers are not supported"},
        {"CreateEventTrigStmt", "event triggers are not supported"},
        {"AlterEventTrigStmt", "event triggers are not supported"},
        {"CompositeTypeStmt", "CREATE TYPE is not supported"},
        {"CreateEnumStmt", "CREATE TYPE is not supported"},
        {"CreateRangeStmt", "CREATE TYPE is not supported"},
        {"AlterEnumStmt", "ALTER TYPE is not supported"},
        {"AlterTypeStmt", "ALTER TYPE is not supported"},
        {"DefineStmt", "CREATE TYPE/AGGREGATE/OPERATOR/COLLATION is not supported"},
        {"CreateExtensionStmt", "CREATE EXTENSION is not supported"},
        {"AlterExtensionStmt", "extensions are not supported"},
        {"AlterExtensionContentsStmt", "extensions are not supported"},
        {"CreateTableSpaceStmt", "CREATE TABLESPACE is not supported"},
        {"DropTableSpaceStmt", "tablespaces are not supported"},
        {"AlterTableSpaceOptionsStmt", "tablespaces are not supported"},
        {"AlterTableMoveAllStmt", "tablespaces are not supported"},
        {"CreatedbStmt", "CREATE DATABASE is not supported (one database per cluster)"},
        {"DropdbStmt", "DROP DATABASE is not supported"},
        {"AlterDatabaseStmt", "ALTER DATABASE is not supported"},
        {"AlterDatabaseSetStmt", "ALTER DATABASE is not supported"},
        {"AlterSystemStmt", "ALTER SYSTEM is not supported"},
        {"DoStmt", "DO is not supported (functions are SQL only)"},
        {"RuleStmt", "CREATE RULE is not supported"},
        {"CreatePolicyStmt", "row-level security policies are not supported"},
        {"AlterPolicyStmt", "row-level security policies are not supported"},
        {"RefreshMatViewStmt", "materialized views are not supported"},
        {"ClusterStmt", "CLUSTER is not supported"},
        {"ReindexStmt", "REINDEX is not supported"},
        {"CheckPointStmt", "CHECKPOINT is not supported"},
        {"LoadStmt", "LOAD is not supported"},
        {"CreateForeignTableStmt", "foreign tables are not supported"},
        {"CreateFdwStmt", "foreign data wrappers are not supported"},
        {"CreateForeignServerStmt", "foreign data wrappers are not supported"},
        {"CreateUserMappingStmt", "foreign data wrappers are not supported"},
        {"ImportForeignSchemaStmt", "foreign data wrappers are not supported"},
        {"CreatePublicationStmt", "logical replication is not supported"},
        {"CreateSubscriptionStmt", "logical replication is not supported"},
        {"CreatePLangStmt", "procedural languages are not supported"},
        {"CreateCastStmt", "CREATE CAST is not supported"},
        {"CreateConversionStmt", "CREATE CONVERSION is not supported"},
        {"CreateOpClassStmt", "operator classes are not supported"},
        {"CreateOpFamilyStmt", "operator classes are not supported"},
        {"CreateAmStmt", "access methods are not supported"},
        {"CreateTransformStmt", "CREATE TRANSFORM is not supported"},
        {"SecLabelStmt", "SECURITY LABEL is not supported"},
        {"AlterDomainStmt", "ALTER DOMAIN is not supported"},
    };
    for (const auto& [k, why] : refused)
        if (k == type) return refuse(std::string(why));
    // COPY ... FROM writes rows; COPY ... TO reads them.
    if (type == "CopyStmt") return {flag(s, "is_from") ? Kind::dml : Kind::other, std::nullopt};

    // The rest: SET, SHOW, RESET, DISCARD, PREPARE/EXECUTE/DEALLOCATE, CALL, SET CONSTRAINTS, ...
    return {Kind::other, std::nullopt};
}

}  // namespace

void StrictChecker::record_violation(std::string what) {
    std::lock_guard lock(violations_mu);
    violations.push_back(std::move(what));
}

std::vector<std::string> StrictChecker::take_violations() {
    std::lock_guard lock(violations_mu);
    return std::exchange(violations, {});
}

void StrictChecker::end_transaction() noexcept {
    in_tx_ = false;
    ddl_ = 0;
    dml_ = false;
    rows_ = 0;
}

std::optional<std::string> StrictChecker::check(std::string_view sql) {
    // Outside BEGIN ... COMMIT a statement, or a script of several, is a transaction of its own.
    if (!in_tx_) end_transaction();
    last_dml_ = false;
    if (sql.find('\0') != std::string_view::npos) return "does not parse as PostgreSQL: the statement holds a NUL byte";

    // DSQL's ASYNC forms are not PostgreSQL: blank the word out (offsets stay) and remember where it was.
    std::string text(sql);
    std::vector<AsyncWord> asyncs;
    if (mentions_async(text)) {
        for (std::size_t start : statement_starts(text))
            if (auto a = find_async(text, start)) asyncs.push_back(*a);
        for (const auto& a : asyncs) std::fill(text.begin() + a.word.begin, text.begin() + a.word.end, ' ');
    }

    PgQueryParseResult parsed = pg_query_parse(text.c_str());
    struct Free {
        PgQueryParseResult& r;
        ~Free() { pg_query_free_parse_result(r); }
    } free_parsed{parsed};
    if (parsed.error) return std::string("does not parse as PostgreSQL: ") + (parsed.error->message ? parsed.error->message : "?");
    Json tree = Json::parse(parsed.parse_tree, nullptr, false);
    if (tree.is_discarded()) return "does not parse as PostgreSQL: unreadable parse tree";

    for (const auto& entry : items(tree, "stmts")) {
        const Json* stmt = get(entry, "stmt");
        if (!stmt) continue;
        const Json* loc = get(entry, "stmt_location");
        const Json* len = get(entry, "stmt_len");
        const std::size_t begin = loc && loc->is_number_integer() ? loc->get<std::size_t>() : 0;
        const std::size_t end = len && len->is_number_integer() && len->get<std::size_t>() > 0
                                    ? begin + len->get<std::size_t>() : text.size();
        bool async = false;
        for (const auto& a : asyncs) async = async || (a.word.begin >= begin && a.word.begin < end);

        auto verdict = check_statement(*stmt, async);
        if (verdict.why) return verdict.why;
        switch (verdict.kind) {
            case Kind::begin:
                end_transaction();
                in_tx_ = true;
                break;
            case Kind::end:
                end_transaction();
                break;
            case Kind::ddl:
                if (ddl_ > 0) return "a second DDL statement in one transaction";
                if (dml_) return "DDL after DML in one transaction";
                ++ddl_;
                last_dml_ = false;
                break;
            case Kind::dml:
                if (ddl_ > 0) return "DML after DDL in one transaction";
                dml_ = true;
                last_dml_ = true;
                break;
            case Kind::other:
                last_dml_ = false;
                break;
        }
    }
    return std::nullopt;
}

std::optional<std::string> StrictChecker::count_rows(std::int64_t rows) {
    if (rows <= 0 || !last_dml_) return std::nullopt;
    rows_ += rows;
    if (row_limit_ > 0 && rows_ > row_limit_)
        return "a transaction modified " + std::to_string(rows_) + " rows, more than DSQL's " +
               std::to_string(row_limit_);
    return std::nullopt;
}

std::string local_equivalent(std::string_view sql) {
    std::string out(sql);
    if (!mentions_async(out) || out.find('\0') != std::string::npos) return out;
    std::vector<Word> drop;
    for (std::size_t start : statement_starts(out))
        if (auto a = find_async(out, start)) drop.push_back(a->word);
    // Back to front, so earlier offsets stay valid; the word goes with one blank after it.
    for (auto it = drop.rbegin(); it != drop.rend(); ++it) {
        std::size_t end = it->end;
        if (end < out.size() && std::isspace(static_cast<unsigned char>(out[end]))) ++end;
        out.erase(it->begin, end - it->begin);
    }
    return out;
}

}  // namespace retort::dsql
