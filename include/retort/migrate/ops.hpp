// Migration operations and the revision file format (Alembic's op.* and its revision scripts).
//
// The revision form. A revision is DATA that Retort reads at run time, not C++ compiled into a program:
// one text file per revision under <script_location>/versions/, named <id>_<slug>.rev. Reasons:
//   - no rebuild per revision: `revision`, `upgrade`, `downgrade` and `--sql` work from the files alone,
//     and the generic `retort migrate` tool runs them without any user code;
//   - diffable and reviewable: one operation per line, stable order, plain words;
//   - editable: a person may rename, reorder, add `execute` SQL or data by hand (Alembic's main use);
//   - offline SQL without a database: every operation carries what it needs, so `--sql` replays the
//     files to know the schema (even for SQLite's table rebuilds) and prints the statements.
// What needs the user's C++ is autogenerate (and `check`), which reads their MetaData, and data migrations
// written in C++ (`call NAME`): a tiny runner calls retort::migrate::main(argc, argv, metadata, env) (see
// command.hpp), and `retort migrate` hands those commands to it.
//
// File format (a '#' starts a comment line; blank lines are ignored):
//
//   revision: 3f9a1c2b7d4e
//   parents: 1a2b3c4d5e6f            (several for a merge; empty for a base)
//   depends_on: 9c8b7a6d5e4f         (optional: revisions or branch labels of other branches to apply first)
//   branch_labels: billing           (optional: names for the branch through this revision)
//   message: Add User Table
//   created: 2025-01-30T10:15:00Z
//
//   upgrade:
//   create_table users
//     column id Integer primary_key
//     column name String(50) not_null default="'anon'"
//     unique uq_users_name columns=name
//     foreign_key fk_users_org columns=org_id references=orgs(id) ondelete=CASCADE
//     check ck_users_age sql="age >= 0"
//   create_index ix_users_name table=users columns=name [unique]
//   add_column users email String(120) [not_null] [default="''"]
//   alter_column users name [type=Text] [nullable=true|false] [default="..."|default=none]
//                [new_name=full_name] [existing_type=String(50)]
//   drop_column users email
//   rename_table users people
//   drop_table users
//   drop_index ix_users_name table=users
//   create_unique uq_users_email table=users columns=email
//   create_foreign_key fk_pets_owner table=pets columns=owner_id references=owners(id) [ondelete=CASCADE]
//   create_check ck_users_age table=users sql="age >= 0"
//   drop_constraint uq_users_email table=users type=unique|foreign_key|check [columns=email]
//   execute "UPDATE users SET name = 'x'"        or   execute <<SQL ... lines ... SQL
//   bulk_insert users columns=id,name
//     row 1 "Joe"
//     row 2 null
//   call backfill_emails                          a data migration written in C++: the function the runner
//                                                 registered under that name (Environment::data_migrations)
//                                                 runs on the revision's connection, inside its transaction
//
//   downgrade:
//   ...
//
// Words are separated by spaces; a value with spaces or quotes is written in double quotes with C escapes
// (\" \\ \n). Types: Integer BigInteger SmallInteger Boolean String String(n) Text Float Double Numeric(p,s)
// Date Time Time(tz) DateTime DateTime(tz) Interval Uuid LargeBinary Json Jsonb Enum(name:a|b|c).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "retort/error.hpp"
#include "retort/export.hpp"
#include "retort/schema/schema.hpp"
#include "retort/types/types.hpp"

namespace retort::migrate {

struct RETORT_API ColumnSpec {
    std::string name;
    SqlType type;
    bool nullable = true;
    bool primary_key = false;
    std::optional<bool> autoincrement;  // only when given explicitly
    std::optional<std::string> server_default;
};

// A table as migrations know it: enough to CREATE it (and to rebuild it on SQLite). Indexes are separate
// operations, as in Alembic.
struct RETORT_API TableSpec {
    std::string name;
    std::vector<ColumnSpec> columns;
    std::optional<std::string> pk_name;
    std::vector<UniqueConstraint> uniques;
    std::vector<ForeignKeyConstraint> foreign_keys;
    std::vector<CheckConstraint> checks;

    [[nodiscard]] const ColumnSpec* find(std::string_view column) const;
    [[nodiscard]] ColumnSpec* find(std::string_view column);
};

struct RETORT_API IndexSpec {
    std::string name, table;
    std::vector<std::string> columns;
    bool unique = false;
};

enum class OpKind {
    CreateTable,
    DropTable,
    RenameTable,
    AddColumn,
    DropColumn,
    AlterColumn,
    CreateIndex,
    DropIndex,
    CreateUnique,
    CreateForeignKey,
    CreateCheck,
    DropConstraint,
    Execute,
    BulkInsert,
    Call,
};

// One operation. A tagged record rather than a variant of structs: the fields each kind uses are listed
// beside them, and the parser, printer and compilers stay one switch each.
struct RETORT_API Operation {
    OpKind kind = OpKind::Execute;
    std::string table;      // every kind but Execute
    TableSpec table_spec;   // CreateTable
    ColumnSpec column;      // AddColumn; DropColumn and AlterColumn use column.name
    std::string name;       // RenameTable: new name; indexes and constraints: their name; Call: the callback
    std::vector<std::string> columns;  // CreateIndex, CreateUnique, CreateForeignKey, DropConstraint, BulkInsert
    bool unique = false;               // CreateIndex
    std::string referred_table;        // CreateForeignKey
    std::vector<std::string> referred_columns;
    std::optional<std::string> ondelete, onupdate;
    std::string sql;              // Execute, CreateCheck
    std::string constraint_type;  // DropConstraint: "unique", "foreign_key" or "check"
    // AlterColumn: what changes (absent: unchanged); server_default holds nullopt inside to drop it.
    std::optional<SqlType> type;
    std::optional<bool> nullable;
    std::optional<std::optional<std::string>> server_default;
    std::optional<std::string> new_name;
    std::optional<SqlType> existing_type;
    std::vector<std::vector<Value>> rows;  // BulkInsert

    // True for operations that lose data when run (dropping tables or columns).
    [[nodiscard]] bool data_losing() const noexcept {
        return kind == OpKind::DropTable || kind == OpKind::DropColumn;
    }
};

// A line of a revision's section: an operation, or a comment kept as written (autogenerate's hints).
struct RETORT_API Step {
    std::optional<Operation> op;
    std::string comment;  // without the leading "# "
};

struct RETORT_API Revision {
    std::string id;
    std::vector<std::string> parents;
    std::vector<std::string> depends_on;     // ids or branch labels that must be applied first
    std::vector<std::string> branch_labels;  // names for the branch through this revision
    std::string message;
    std::string created;
    std::vector<std::string> header_comments;  // comment lines before the first section
    std::vector<Step> upgrade, downgrade;
    std::filesystem::path path;

    [[nodiscard]] std::vector<Operation> upgrade_ops() const;
    [[nodiscard]] std::vector<Operation> downgrade_ops() const;
};

class RETORT_API FormatError : public ArgumentError {
public:
    using ArgumentError::ArgumentError;
};

// The text form of a type, and back ("String(50)", "Numeric(10,2)", "Enum(mood:happy|sad)").
[[nodiscard]] RETORT_API std::string type_text(const SqlType& t);
[[nodiscard]] RETORT_API SqlType parse_type(std::string_view text);

// Parses a revision file's text; FormatError names the line. source names the file in messages.
[[nodiscard]] RETORT_API Revision parse_revision(std::string_view text, const std::string& source = "<revision>");
[[nodiscard]] RETORT_API std::string render_revision(const Revision& rev);
[[nodiscard]] RETORT_API std::string render_operation(const Operation& op);
[[nodiscard]] RETORT_API Revision read_revision_file(const std::filesystem::path& path);

// Revision ids: 12 lowercase hex digits, random. Ids are restricted to [A-Za-z0-9_], so they are safe
// to write into the version table's SQL as literals (offline scripts need them inline).
[[nodiscard]] RETORT_API std::string new_revision_id();
[[nodiscard]] RETORT_API bool valid_revision_id(std::string_view id);

}  // namespace retort::migrate
