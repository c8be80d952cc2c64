// Reading SQLite's CREATE TABLE text: PRAGMAs give columns, keys and indexes but not constraint names; those
// come from the table's SQL as sqlite_master keeps it. A tokenizer and a reader of table constraints, not a
// parser: whatever text they are given (fuzzed in tests/fuzz), they return tokens and constraints or nothing.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace retort::detail::sqlite_text {

struct Token {
    std::string text;  // identifiers unquoted
    bool word = false;  // bare word (a keyword or an identifier)
    bool quoted = false;  // "x", `x`, [x] or 'x'
    char punct = 0;
};

// Words, quoted names and punctuation; comments and blanks skipped; an unterminated quote or comment runs
// to the end.
std::vector<Token> tokenize(std::string_view sql);
// A bare word equal to kw, ignoring case.
bool is_kw(const Token& t, std::string_view kw);

struct ParsedConstraint {
    enum class Kind { PrimaryKey, Unique, ForeignKey } kind;
    std::optional<std::string> name;
    std::vector<std::string> columns;
    std::string referred_table;
};

// The PRIMARY KEY, UNIQUE and FOREIGN KEY constraints of a CREATE TABLE statement, with their names.
std::vector<ParsedConstraint> parse_constraints(std::string_view create_sql);

}  // namespace retort::detail::sqlite_text
