// The column of a typed definition (TableDef::col<T>()) or a mapping block (Mapping::column): one rule for both.
#pragma once

#include <string>

#include "retort/schema/schema.hpp"

namespace retort::detail {

// Appends the column to t: of the options' type when given, else the one inferred from the C++ type; nullable
// when the C++ type is optional and the options do not say otherwise (a primary key stays not null).
Column& append_typed_column(Table& t, std::string name, SqlType (*inferred)(), bool optional, ColumnOptions& opts);

}  // namespace retort::detail
