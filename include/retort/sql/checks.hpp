// The rules for strings that reach SQL text. Retort puts a string into a statement in one of three ways:
//   - as a bound parameter (every value: comparisons, INSERT and UPDATE values, LIKE patterns, LIMIT, ...);
//   - as a quoted identifier (table, column, schema, index, constraint, label, alias, CTE and savepoint
//     names: Dialect::quote_identifier doubles embedded quotes and refuses NUL bytes);
//   - checked against a strict grammar, below: LIKE's ESCAPE character, function names, the actions of a
//     foreign key's ON DELETE / ON UPDATE; a string outside the grammar is an ArgumentError.
// A few APIs take SQL text on purpose and write it as given, never to be fed with untrusted input:
// literal_column(), text(), ColumnOptions::server_default, CheckConstraint::sqltext, the migration
// operations execute / create_check / server defaults. They are marked "raw SQL" where they are declared.
#pragma once

#include <string>
#include <string_view>

#include "retort/export.hpp"

namespace retort::sql {

// How deep a statement's tree may nest: a node inside 1,000 levels of operators, functions, subqueries or
// joins (the statement itself is level 1) compiles; one more level is a CompileError. Retort's compiler
// and cache-key walker recurse, and every database has a nesting limit of its own (SQLite's expression
// depth is 1,000); destroying a deeper tree is safe, compiling it is refused.
inline constexpr int max_depth = 1000;

// LIKE's ESCAPE character: exactly one character (one UTF-8 code point), not NUL. Returns it; ArgumentError
// otherwise.
RETORT_API std::string_view check_like_escape(std::string_view escape);

// A SQL function name as func::call() writes it, unquoted: identifier(.identifier)*, each identifier
// [A-Za-z_][A-Za-z0-9_$]* of at most 63 bytes. ArgumentError otherwise.
RETORT_API void check_function_name(std::string_view name);

// A foreign key's ON DELETE / ON UPDATE action: CASCADE, SET NULL, SET DEFAULT, RESTRICT or NO ACTION, in
// any case with any spacing. Returns the canonical upper-case form; ArgumentError otherwise.
RETORT_API std::string check_referential_action(std::string_view action);

}  // namespace retort::sql
