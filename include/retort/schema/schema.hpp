// Schema objects (SQLAlchemy's MetaData, Table, Column, constraints and Index). A Table is both the
// description DDL is generated from and a FROM element of the expression tree; a Column is both a
// description and a column expression.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "retort/export.hpp"
#include "retort/sql/elements.hpp"
#include "retort/types/types.hpp"

namespace retort {

class MetaData;
class Table;
class Sequence;
class Engine;
class Connection;
template <class T>
class Expr;

// GENERATED { ALWAYS | BY DEFAULT } AS IDENTITY and its sequence options, for the autoincrement integer key
// where the dialect numbers rows with identity columns (PostgreSQL, Aurora DSQL). Fields left unset take the
// database's defaults, or the dialect's (Aurora DSQL: CACHE from the URL's identity_cache). Ignored by
// dialects without identity columns (SQLite numbers its INTEGER PRIMARY KEY itself).
struct RETORT_API Identity {
    bool always = false;  // GENERATED ALWAYS: an INSERT may not give the key
    std::optional<std::int64_t> start, increment, cache;
};

// Options of a column, meant for designated initializers: {.primary_key = true, .server_default = "now()"}.
struct RETORT_API ColumnOptions {
    std::optional<SqlType> type;  // when absent: the type given separately or inferred from a C++ type
    bool primary_key = false;
    std::optional<bool> nullable;  // default: not null for primary keys, nullable otherwise
    // Integer primary keys of a one-column key autoincrement unless told otherwise.
    std::optional<bool> autoincrement;
    bool unique = false;
    bool index = false;
    std::optional<Value> default_value;      // client-side default used by INSERTs that omit the column
    std::function<Value()> default_factory;  // client-side default computed per row
    // Raw SQL: an expression written into CREATE TABLE as it is, e.g. "gen_random_uuid()", "'none'" (a text
    // default needs its own quotes). Never build it from input.
    std::optional<std::string> server_default;
    std::optional<std::string> foreign_key;     // "table.column" (or "schema.table.column")
    // For foreign_key: CASCADE, SET NULL, SET DEFAULT, RESTRICT or NO ACTION (sql::check_referential_action;
    // anything else is an ArgumentError, since the action is written into the DDL).
    std::optional<std::string> ondelete, onupdate;
    std::string comment;
    std::optional<Identity> identity;  // only for the autoincrement key; see Identity
    // The name of a Sequence ("name" or "schema.name") that numbers the column: where the dialect has sequences
    // (PostgreSQL, Aurora DSQL) the column is written with DEFAULT nextval of it, so an INSERT that leaves the
    // column out takes the sequence's next value (an integer primary key then needs neither SERIAL nor an
    // identity). A sequence the MetaData does not define yet is defined with default options and belongs to
    // the table: Table::create creates it and Table::drop drops it. Ignored where the dialect has no sequences
    // (SQLite), where an integer primary key numbers itself.
    std::optional<std::string> sequence;
    // The column holds secrets (passwords, tokens): the engine's echo shows '***' for every value bound to it
    // (inserted, set, or compared with the column).
    bool sensitive = false;
    // Out of line, as are ColumnDef's, RelOptions' and VersionOptions': the options stay aggregates (designated
    // initializers), and a mapping block or table() call does not compile their members' destruction inline.
    ~ColumnOptions();
};

// Options of CREATE SEQUENCE; those left unset are not written (the database's defaults apply, or the
// dialect's: Aurora DSQL requires CACHE and takes the URL's identity_cache).
struct RETORT_API SequenceOptions {
    std::optional<std::int64_t> start, increment, minvalue, maxvalue, cache;
    bool nominvalue = false, nomaxvalue = false;  // NO MINVALUE / NO MAXVALUE
    bool cycle = false;
    std::optional<SqlType> data_type;  // AS <type> (an integer type)
};

// A sequence (SQLAlchemy's Sequence): made by MetaData::sequence, or by a column naming one
// (ColumnOptions::sequence). MetaData::create_all creates the sequences before the tables, drop_all drops them
// after. Where the dialect has no sequences (SQLite) creating and dropping one does nothing, and its
// next_value() is a CompileError.
class RETORT_API Sequence {
public:
    Sequence(std::string name, std::optional<std::string> schema, SequenceOptions options, bool table_bound);
    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    [[nodiscard]] const std::optional<std::string>& schema() const noexcept { return schema_; }
    [[nodiscard]] std::string fullname() const;
    [[nodiscard]] const SequenceOptions& options() const noexcept { return options_; }
    // Defined by a column rather than by MetaData::sequence: created and dropped with its table.
    [[nodiscard]] bool table_bound() const noexcept { return table_bound_; }

    // nextval of the sequence as an expression: select(seq.next_value()), insert(t).values({{c, seq.next_value()}}),
    // where(t.c("x") > seq.next_value()). Needs retort/sql/expression.hpp (retort.hpp includes it).
    [[nodiscard]] Expr<std::int64_t> next_value() const;
    // Takes the next value (SELECT nextval(...)).
    std::int64_t next(Connection& conn) const;

    // checkfirst: skip when the sequence already exists (create) or is missing (drop).
    void create(const Engine& engine, bool checkfirst = true) const;
    void drop(const Engine& engine, bool checkfirst = true) const;
    void create(Connection& conn, bool checkfirst = true) const;
    void drop(Connection& conn, bool checkfirst = true) const;

private:
    std::string name_;
    std::optional<std::string> schema_;
    SequenceOptions options_;
    bool table_bound_;
};

struct RETORT_API ColumnDef {
    std::string name;
    SqlType type;
    ColumnOptions options{};
    ~ColumnDef();
};

struct RETORT_API PrimaryKeyConstraint {
    std::vector<std::string> columns;
    std::optional<std::string> name;
};
struct RETORT_API UniqueConstraint {
    std::vector<std::string> columns;
    std::optional<std::string> name;
};
struct RETORT_API CheckConstraint {
    std::string sqltext;  // raw SQL: the condition written into the DDL as it is; never build it from input
    std::optional<std::string> name;
};
struct RETORT_API ForeignKeyConstraint {
    std::vector<std::string> columns;
    std::string referred_table;  // "table" or "schema.table"
    std::vector<std::string> referred_columns;
    std::optional<std::string> name;
    std::optional<std::string> ondelete, onupdate;  // checked as ColumnOptions::ondelete is
};
struct RETORT_API Index {
    std::string name;  // empty: named by the MetaData's naming convention
    std::vector<std::string> columns;
    bool unique = false;
    std::vector<std::string> include;             // INCLUDE (...) covering columns (PostgreSQL, DSQL)
    // Raw SQL: expressions indexed after the columns, each written as given in parentheses, e.g.
    // "lower(email)". Never build them from input. Migrations' autogenerate leaves expression indexes alone.
    std::vector<std::string> expressions;
    std::optional<bool> nulls_not_distinct;       // NULLS [NOT] DISTINCT for unique indexes
};
using TableItem = std::variant<PrimaryKeyConstraint, UniqueConstraint, CheckConstraint, ForeignKeyConstraint, Index>;

class RETORT_API Column final : public sql::ExprNode {
public:
    Column(std::string name, SqlType type, ColumnOptions opts);

    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    [[nodiscard]] const Table* table() const noexcept { return table_; }
    [[nodiscard]] const ColumnOptions& options() const noexcept { return opts_; }
    [[nodiscard]] bool primary_key() const noexcept { return opts_.primary_key; }
    [[nodiscard]] bool nullable() const noexcept { return *opts_.nullable; }
    // True for the single-column integer primary key the database numbers itself.
    [[nodiscard]] bool autoincrement() const noexcept;
    [[nodiscard]] bool has_client_default() const noexcept {
        return opts_.default_value.has_value() || static_cast<bool>(opts_.default_factory);
    }
    [[nodiscard]] Value client_default() const;
    // A shared pointer to this column that keeps its table alive (for use in expressions).
    [[nodiscard]] std::shared_ptr<const Column> ptr() const;
    // The sequence that numbers the column (ColumnOptions::sequence), or null.
    [[nodiscard]] const Sequence* sequence() const noexcept { return sequence_.get(); }

private:
    friend class Table;
    std::string name_;
    ColumnOptions opts_;
    const Table* table_ = nullptr;
    std::shared_ptr<const Sequence> sequence_;
};

class RETORT_API Table final : public sql::FromNode, public std::enable_shared_from_this<Table> {
public:
    // Tables are made through MetaData::table (or reflection) so they always belong to a MetaData.
    Table(MetaData* md, std::string name, std::optional<std::string> schema);
    ~Table() override;

    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    [[nodiscard]] const std::optional<std::string>& schema() const noexcept { return schema_; }
    // "schema.name" or "name": the key in its MetaData.
    [[nodiscard]] std::string fullname() const;
    [[nodiscard]] MetaData* metadata() const noexcept { return metadata_; }
    // Unique per table object, never reused (cache keys use it instead of the address).
    [[nodiscard]] std::uint64_t serial() const noexcept { return serial_; }

    [[nodiscard]] const std::vector<std::unique_ptr<Column>>& columns() const noexcept { return columns_; }
    // The column named name; throws ArgumentError naming the table when there is none.
    [[nodiscard]] const Column& c(std::string_view name) const;
    [[nodiscard]] const Column* find_column(std::string_view name) const noexcept;
    [[nodiscard]] std::vector<const Column*> primary_key() const;
    [[nodiscard]] const std::optional<std::string>& primary_key_name() const noexcept { return pk_name_; }
    [[nodiscard]] const std::vector<UniqueConstraint>& unique_constraints() const noexcept { return uniques_; }
    [[nodiscard]] const std::vector<CheckConstraint>& check_constraints() const noexcept { return checks_; }
    // Foreign keys, those declared on columns included.
    [[nodiscard]] const std::vector<ForeignKeyConstraint>& foreign_keys() const noexcept { return fks_; }
    // Indexes, those declared with Column index=true / unique index included.
    [[nodiscard]] const std::vector<Index>& indexes() const noexcept { return indexes_; }
    // The tables this one refers to through foreign keys (within its MetaData).
    [[nodiscard]] std::vector<const Table*> referred_tables() const;

    Column& append_column(ColumnDef def);
    void append(TableItem item);

    // DDL on one table. checkfirst: skip when the table already exists (create) or is missing (drop).
    void create(const Engine& engine, bool checkfirst = true) const;
    void drop(const Engine& engine, bool checkfirst = true) const;
    void create(Connection& conn, bool checkfirst = true) const;
    void drop(Connection& conn, bool checkfirst = true) const;
    // CREATE TABLE without the foreign keys listed (indexes into foreign_keys()), for MetaData::create_all to
    // add afterwards when they close a cycle of references.
    void create(Connection& conn, bool checkfirst, std::span<const std::size_t> leave_out_fks) const;

    [[nodiscard]] std::shared_ptr<const Table> ptr() const { return shared_from_this(); }

private:
    // Another table of the MetaData has a column taking values from seq.
    [[nodiscard]] bool sequence_used_elsewhere(const Sequence& seq) const;
    // Another table of the MetaData has a column of the native enum type of that name.
    [[nodiscard]] bool type_used_elsewhere(const std::string& name) const;
    friend class MetaData;
    MetaData* metadata_;
    std::string name_;
    std::optional<std::string> schema_;
    std::uint64_t serial_;
    std::vector<std::unique_ptr<Column>> columns_;
    std::optional<std::string> pk_name_;
    std::vector<UniqueConstraint> uniques_;
    std::vector<CheckConstraint> checks_;
    std::vector<ForeignKeyConstraint> fks_;
    std::vector<Index> indexes_;
};

// Patterns for constraint and index names; tokens: %(table_name)s, %(column_0_name)s, %(column_0_label)s,
// %(column_0N_name)s (all columns joined by "_"), %(referred_table_name)s, %(constraint_name)s.
// Keys: "ix", "uq", "ck", "fk", "pk". The default names indexes "ix_%(column_0_label)s" as SQLAlchemy does.
using NamingConvention = std::map<std::string, std::string>;

class RETORT_API MetaData {
public:
    // The default naming convention names indexes "ix_%(column_0_label)s".
    MetaData();
    explicit MetaData(NamingConvention naming_convention, std::optional<std::string> schema = {});
    ~MetaData();
    MetaData(const MetaData&) = delete;
    MetaData& operator=(const MetaData&) = delete;

    // Defines a table; throws ArgumentError when one of that name exists already.
    Table& table(std::string name, std::vector<ColumnDef> columns);
    Table& table(std::string name, std::vector<ColumnDef> columns, std::vector<TableItem> items,
                 std::optional<std::string> schema = {});
    // The same from braced lists (md.table("t", {{"id", types::Integer(), {.primary_key = true}}})): the
    // definitions are copied in Retort, not in the caller's code.
    Table& table(std::string name, std::initializer_list<ColumnDef> columns, std::initializer_list<TableItem> items = {},
                 std::optional<std::string> schema = {});
    // An empty table to append columns to (used by typed table definitions and reflection).
    Table& new_table(std::string name, std::optional<std::string> schema = {});
    [[nodiscard]] Table* find_table(std::string_view fullname) const noexcept;
    [[nodiscard]] Table& get_table(std::string_view fullname) const;
    // Tables by name, in definition order.
    [[nodiscard]] std::vector<Table*> tables() const;
    // Tables ordered so that each comes after the tables it refers to (foreign-key dependency order).
    // Cycles are broken deterministically (the foreign keys of a cycle are then best added with ALTER).
    [[nodiscard]] std::vector<Table*> sorted_tables() const;
    void remove(const Table& t);
    void clear();

    [[nodiscard]] const NamingConvention& naming_convention() const noexcept { return naming_; }
    [[nodiscard]] const std::optional<std::string>& schema() const noexcept { return schema_; }
    // The name the convention gives a constraint or index of kind ("ix", "uq", ...) on table's columns.
    [[nodiscard]] std::optional<std::string> conventional_name(std::string_view kind, const Table& table,
                                                               const std::vector<std::string>& columns,
                                                               std::string_view referred_table = {},
                                                               std::string_view constraint_name = {}) const;

    // CREATE every table (and index) in dependency order; checkfirst skips those that exist.
    void create_all(const Engine& engine, bool checkfirst = true) const;
    void create_all(Connection& conn, bool checkfirst = true) const;
    // DROP every table in reverse dependency order; checkfirst skips those that are missing.
    void drop_all(const Engine& engine, bool checkfirst = true) const;
    void drop_all(Connection& conn, bool checkfirst = true) const;
    // Defines a sequence ("name", or in schema); throws ArgumentError when one of that name exists already.
    Sequence& sequence(std::string name, SequenceOptions options = {}, std::optional<std::string> schema = {});
    [[nodiscard]] const Sequence* find_sequence(std::string_view fullname) const noexcept;
    // Sequences in definition order, those defined by columns included.
    [[nodiscard]] std::vector<const Sequence*> sequences() const;

    // Loads table definitions from the database (all tables, or only those named).
    void reflect(const Engine& engine, const std::vector<std::string>& only = {},
                 const std::optional<std::string>& schema = {});

private:
    NamingConvention naming_;
    std::optional<std::string> schema_;
    std::vector<std::shared_ptr<Table>> tables_;
    std::vector<std::shared_ptr<Sequence>> sequences_;
    friend class Table;
    std::shared_ptr<const Sequence> column_sequence(const std::string& name, const std::optional<std::string>& table_schema);
    void drop_sequences(Connection& conn, bool checkfirst) const;
    void drop_shared_types(Connection& conn) const;
};

}  // namespace retort
