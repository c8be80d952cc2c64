// The SQL readers the dialects use on text they did not write: SQLite's reader of CREATE TABLE statements
// (constraint names from sqlite_master) and the DSQL strict checker (PostgreSQL's parser through libpg_query,
// then a walk of its parse tree; local_equivalent's ASYNC rewrite). Any text: no crash, no hang, and tokens
// that hold only what the input holds.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <retort/dialects/auroradsql.hpp>

#include "dialects/sqlite/sqlite_sql_text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view sql(reinterpret_cast<const char*>(data), size);
    std::size_t chars = 0;
    for (const auto& t : retort::detail::sqlite_text::tokenize(sql)) {
        if (t.word && t.text.empty()) std::abort();
        chars += t.text.size() + (t.punct ? 1 : 0);
    }
    if (chars > sql.size()) std::abort();
    for (const auto& c : retort::detail::sqlite_text::parse_constraints(sql))
        if (c.columns.size() > sql.size()) std::abort();
    retort::dsql::StrictChecker checker(3);
    // The text as one statement, then split at semicolons as a script: the checker keeps state between them.
    (void)checker.check(sql);
    (void)checker.count_rows(static_cast<std::int64_t>(size));
    std::size_t start = 0;
    while (start <= sql.size()) {
        auto semi = sql.find(';', start);
        if (semi == std::string_view::npos) semi = sql.size();
        (void)checker.check(sql.substr(start, semi - start));
        (void)checker.count_rows(1);
        start = semi + 1;
    }
    // The local form only ever drops the word ASYNC.
    if (retort::dsql::local_equivalent(sql).size() > sql.size()) std::abort();
    (void)retort::dsql::StrictChecker::take_violations();
    return 0;
}
