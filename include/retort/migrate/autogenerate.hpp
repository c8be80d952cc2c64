// Autogenerate: compares a MetaData (usually the ORM's, retort::orm::mapped_metadata<...>()) with the
// reflected database and writes the operations that bring the database to the MetaData, and back.
//
// Compared: tables and columns added or removed, column types, nullability and server defaults,
// indexes, unique constraints and foreign keys (where the dialect has them). Not seen: renames (of
// tables or columns), CHECK constraints, primary-key changes. A removed column next to an added column
// of the same type in the same table may be a rename: the add is written, the drop is written as a
// comment with the alter_column that would rename instead, so no data is lost unless a person decides.
// Other drops are written as operations and listed in the revision's header as data-losing.
#pragma once

#include <string>
#include <vector>

#include "retort/engine/engine.hpp"
#include "retort/migrate/ops.hpp"
#include "retort/schema/schema.hpp"

namespace retort::migrate {

struct CompareOptions {
    std::string version_table = "retort_version";
};

struct Comparison {
    std::vector<Step> upgrade, downgrade;
    std::vector<std::string> header_comments;  // the data-losing operations, for the revision's header

    // True when there is no operation to run (comments alone do not count).
    [[nodiscard]] bool empty() const;
};

[[nodiscard]] Comparison compare_metadata(const Engine& engine, const MetaData& metadata,
                                          const CompareOptions& options = {});

// The TableSpec (and indexes) a MetaData table stands for, with every name resolved through the
// MetaData's naming convention.
[[nodiscard]] TableSpec table_spec_of(const Table& table);
[[nodiscard]] std::vector<IndexSpec> index_specs_of(const Dialect& dialect, const Table& table);

}  // namespace retort::migrate
