// Catalog rows, one per column of a constraint, grouped into the constraints the dialects' reflection returns.
// retort_mysql and retort_postgresql call these across library boundaries: they must stay visible from libretort.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "retort/engine/engine.hpp"
#include "retort/schema/reflection.hpp"

namespace retort::detail {

// Rows of (name, column, referred schema, referred table, referred column, ON UPDATE rule, ON DELETE rule, the
// table's own schema), ordered by name and then position. A key's referred_schema is set when the caller named
// the schema or when it is not the table's own. action gives the clause for a rule as the catalog spells it, and
// nothing for the database's default behaviour.
[[nodiscard]] RETORT_API std::vector<ReflectedForeignKey> foreign_keys_from_rows(
    Result& rows, bool schema_named, std::optional<std::string> (*action)(std::string_view rule));

// Rows of (name, column), ordered by name and then position.
[[nodiscard]] RETORT_API std::vector<ReflectedUnique> unique_constraints_from_rows(Result& rows);

}  // namespace retort::detail
