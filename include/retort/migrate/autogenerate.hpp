// Autogenerate: compares a MetaData (usually the ORM's, retort::orm::mapped_metadata<...>()) with the
// reflected database and writes the operations that bring the database to the MetaData, and back.
//
// Compared: tables and columns added or removed, column types, nullability and server defaults,
// indexes, unique constraints and foreign keys (where the dialect has them). Not seen: renames (of
// tables or columns), CHECK constraints, primary-key changes. A removed column next to an added column
// of the same type in the same table may be a rename: the add is written, the drop is written as a
// comment with the alter_column that would rename instead, so no data is lost unless a person decides.
// Other drops are written as operations and listed in the revision's header as data-losing.
//
// The order of the operations, chosen so the revision runs as written:
//   1. new tables, each after the tables it refers to, each followed by its indexes;
//   2. the foreign keys that go, of every table in both (one may stand on a column or unique constraint of
//      another table that goes);
//   3. tables in both, each after the tables it refers to (ties by name), and within each: added columns,
//      altered columns, indexes and unique constraints dropped / changed / added, foreign keys added, and
//      dropped columns last (after the indexes and constraints on them);
//   4. tables only in the database, dropped after everything that referred to them (their indexes first).
// The downgrade runs the inverse of each step in reverse order.
//
// The version table (CompareOptions::version_table) is never compared, even when the models declare it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "retort/engine/engine.hpp"
#include "retort/export.hpp"
#include "retort/migrate/ops.hpp"
#include "retort/schema/schema.hpp"

namespace retort::migrate {

// What include_object sees (Alembic's env.py callback): a table, column, index, unique constraint or
// foreign key, from the models (reflected = false) or from the database (reflected = true). The pointers
// that apply are set: model objects have `table` (and `column` for columns); every object has its
// migration form (`table_spec`, `column_spec`, `index`, `unique`, `foreign_key`) and table_name.
struct RETORT_API SchemaObject {
    std::string type;        // "table", "column", "index", "unique_constraint", "foreign_key_constraint"
    std::string name;        // may be empty for unnamed constraints
    std::string table_name;  // the table itself for "table"
    bool reflected = false;
    const Table* table = nullptr;    // the model's table (models only)
    const Column* column = nullptr;  // the model's column (model columns only)
    const TableSpec* table_spec = nullptr;
    const ColumnSpec* column_spec = nullptr;
    const IndexSpec* index = nullptr;
    const UniqueConstraint* unique = nullptr;
    const ForeignKeyConstraint* foreign_key = nullptr;
};

// include_object(object, name, type, reflected, compare_to): false leaves the object out of the
// comparison. compare_to is the other side's object when both exist (the reflected column for a model
// column), else nullptr. Called for new, dropped and compared tables; columns; indexes and unique
// constraints; foreign keys.
using IncludeObject = std::function<bool(const SchemaObject& object, const std::string& name, const std::string& type,
                                         bool reflected, const SchemaObject* compare_to)>;

// What include_name sees besides the name: the names of what the object belongs to.
struct RETORT_API NameParents {
    std::optional<std::string> schema_name;                 // none for the default schema
    std::optional<std::string> table_name;                  // for columns, indexes and constraints
    std::optional<std::string> schema_qualified_table_name;  // "schema.table" or "table"
};
// include_name(name, type, parent_names): called for names read from the database before they are
// reflected: the schema (name none, type "schema"), tables, and the columns, indexes, unique constraints
// and foreign keys of tables in both. false leaves the object out: a database table left out this way
// is not seen at all, so a model table of that name shows as new (as in Alembic).
using IncludeName = std::function<bool(const std::optional<std::string>& name, const std::string& type,
                                       const NameParents& parent_names)>;

struct RETORT_API CompareOptions {
    std::string version_table = "retort_version";
    bool compare_type = true;
    bool compare_server_default = true;
    IncludeObject include_object;
    IncludeName include_name;
};

struct RETORT_API Comparison {
    std::vector<Step> upgrade, downgrade;
    std::vector<std::string> header_comments;  // the data-losing operations, for the revision's header

    // True when there is no operation to run (comments alone do not count).
    [[nodiscard]] bool empty() const;
};

[[nodiscard]] RETORT_API Comparison compare_metadata(const Engine& engine, const MetaData& metadata,
                                                     const CompareOptions& options = {});
// Several MetaData compared as one (models split across registries); ArgumentError when two of them
// define a table of the same name.
[[nodiscard]] RETORT_API Comparison compare_metadata(const Engine& engine, const std::vector<const MetaData*>& metadata,
                                                     const CompareOptions& options = {});

// The TableSpec (and indexes) a MetaData table stands for, with every name resolved through the
// MetaData's naming convention.
[[nodiscard]] RETORT_API TableSpec table_spec_of(const Table& table);
[[nodiscard]] RETORT_API std::vector<IndexSpec> index_specs_of(const Dialect& dialect, const Table& table);

}  // namespace retort::migrate
