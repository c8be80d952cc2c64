// SQLite's DDL: an autoincrement key is declared exactly INTEGER (so that it is the rowid, which numbers new
// rows), server defaults other than plain literals go in parentheses, and an index is named in its table's
// schema while the table it is on is named without one. Also the other SQLite rules generic code asks the
// dialect about: the in-memory database, foreign keys around table rebuilds.
#include <cctype>
#include <string>
#include <string_view>

#include "detail/text.hpp"
#include "dialects/sqlite/sqlite_dialect.hpp"
#include "retort/engine/engine.hpp"
#include "retort/engine/url.hpp"
#include "retort/schema/schema.hpp"
#include "retort/sql/compiler.hpp"

namespace retort::detail {

namespace {

// Server defaults that SQLite takes bare; anything else (a function call, an expression) needs parentheses.
bool is_plain_literal(std::string_view s) {
    const std::string up = to_upper(s);
    return up == "NULL" || up == "TRUE" || up == "FALSE" || up == "CURRENT_TIMESTAMP" || up == "CURRENT_DATE" ||
           up == "CURRENT_TIME" || is_string_or_number_literal(s);
}

class SQLiteDDLCompiler final : public sql::DDLCompiler {
public:
    using DDLCompiler::DDLCompiler;

protected:
    [[nodiscard]] std::string autoincrement_type(const Table&, const Column&) const override { return "INTEGER"; }
    [[nodiscard]] std::string server_default_sql(const std::string& sql) const override {
        return is_plain_literal(sql) ? sql : "(" + sql + ")";
    }
    [[nodiscard]] std::string create_index_name(const Table& t, const std::string& name) const override {
        std::string out;
        if (t.schema()) out = dialect_.quote_identifier(*t.schema()) + ".";
        return out + dialect_.quote_identifier(name);
    }
    [[nodiscard]] std::string create_index_table(const Table& t) const override {
        return dialect_.quote_identifier(t.name());
    }
};

}  // namespace

std::unique_ptr<sql::DDLCompiler> SQLiteDialect::ddl_compiler() const {
    return std::make_unique<SQLiteDDLCompiler>(*this);
}

// PRAGMA foreign_keys is honoured only outside a transaction: the connection's transaction ends first.
bool SQLiteDialect::suspend_foreign_keys(Connection& conn) const {
    const bool on = conn.exec_driver_sql("PRAGMA foreign_keys").scalar<std::int64_t>().value_or(0) != 0;
    conn.commit();
    if (on) conn.dbapi_connection().exec_script("PRAGMA foreign_keys = OFF");
    return on;
}

std::size_t SQLiteDialect::foreign_key_violations(Connection& conn) const {
    return conn.exec_driver_sql("PRAGMA foreign_key_check").all().size();
}

void SQLiteDialect::resume_foreign_keys(Connection& conn) const {
    conn.dbapi_connection().exec_script("PRAGMA foreign_keys = ON");
}

bool SQLiteDialect::database_lives_in_connection(const URL& url) const {
    return !url.database() || url.database()->empty() || *url.database() == ":memory:";
}

}  // namespace retort::detail
