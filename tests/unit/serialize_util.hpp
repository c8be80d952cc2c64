// Helpers for serialize tests: compile a statement for a dialect without a database.
#pragma once

#include <retort/retort.hpp>
#include <retort/sql/compiler.hpp>

namespace retort::testkit {

inline std::shared_ptr<Dialect> dialect(std::string_view name) {
    return make_dialect(URL::parse(std::string(name) + "://"));
}

struct CompiledText {
    std::string sql;
    std::vector<std::string> keys;  // bind keys per placeholder
};

inline CompiledText compile(const Executable& stmt, const Dialect& d) {
    std::string key;
    std::vector<const sql::BindNode*> binds;
    sql::walk_statement(*stmt.node(), key, binds);
    auto c = d.statement_compiler()->compile(*stmt.node(), binds);
    CompiledText out{c->sql, {}};
    for (const auto& s : c->slots) out.keys.push_back(s.key);
    return out;
}

inline std::string sqlite_sql(const Executable& s) { return compile(s, *dialect("sqlite")).sql; }
inline std::string pg_sql(const Executable& s) { return compile(s, *dialect("postgresql")).sql; }

}  // namespace retort::testkit
