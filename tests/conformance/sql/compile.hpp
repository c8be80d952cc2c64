// Compiling statements for each dialect without a database, for the conformance ports of SQLAlchemy's compiler
// tests (their assert_compile). The SQL of every dialect is compared, with PostgreSQL's $1, $2 ... written as ?
// so that one expectation serves all three where they agree.
#pragma once

#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "unit/serialize_util.hpp"

namespace retort::testkit {

// The dialects the conformance suite runs on.
inline const char* const kDialects[] = {"sqlite", "postgresql", "auroradsql"};

// The dialect of that name, made once (DSQL's from a local-emulation URL, which needs no cluster).
inline const Dialect& conformance_dialect(std::string_view name) {
    static const auto sqlite = testkit::dialect("sqlite");
    static const auto pg = testkit::dialect("postgresql");
    static const auto dsql = make_dialect(URL::parse("auroradsql://admin@localhost/postgres?dsql_local=1"));
    return name == "sqlite" ? *sqlite : name == "postgresql" ? *pg : *dsql;
}

// The SQL `stmt` compiles to for `dialect`, placeholders written as ?.
inline std::string compiled_sql(const Executable& stmt, std::string_view dialect) {
    static const std::regex dollar("\\$[0-9]+");
    return std::regex_replace(compile(stmt, conformance_dialect(dialect)).sql, dollar, "?");
}

// Expects `stmt` to compile to `expected` on every dialect.
inline void expect_sql(const Executable& stmt, const std::string& expected) {
    for (const char* d : kDialects) EXPECT_EQ(compiled_sql(stmt, d), expected) << "dialect " << d;
}

// Expects `stmt` to compile to `sqlite` on SQLite and `pg` on PostgreSQL and DSQL.
inline void expect_sql(const Executable& stmt, const std::string& sqlite, const std::string& pg) {
    EXPECT_EQ(compiled_sql(stmt, "sqlite"), sqlite) << "dialect sqlite";
    EXPECT_EQ(compiled_sql(stmt, "postgresql"), pg) << "dialect postgresql";
    EXPECT_EQ(compiled_sql(stmt, "auroradsql"), pg) << "dialect auroradsql";
}

// The bound values of `stmt` in placeholder order, for SQLAlchemy's checkpositional.
inline std::vector<Value> positional(const Executable& stmt, std::string_view dialect = "sqlite") {
    std::string key;
    std::vector<const sql::BindNode*> binds;
    sql::walk_statement(*stmt.node(), key, binds);
    auto c = conformance_dialect(dialect).statement_compiler()->compile(*stmt.node(), binds);
    std::vector<Value> out;
    for (const auto& s : c->slots) out.push_back(s.index >= 0 ? binds[static_cast<std::size_t>(s.index)]->value : Value{});
    return out;
}

}  // namespace retort::testkit
