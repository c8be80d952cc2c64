// Statement and DDL compilers: turn the expression tree into one dialect's SQL text plus the order of its
// bound parameters. A dialect customises them through its capability flags and, where SQL differs in form,
// by overriding the virtual hooks.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "retort/export.hpp"
#include "retort/sql/elements.hpp"

namespace retort {
class Dialect;
class Table;
class Column;
class Sequence;
struct Index;
struct ForeignKeyConstraint;
}  // namespace retort

namespace retort::sql {

class RETORT_API SQLCompiler {
public:
    explicit SQLCompiler(const Dialect& d) : dialect_(d) {}
    virtual ~SQLCompiler();

    // Compiles a statement. binds are the statement's binds in walk_statement order; each placeholder
    // of the result records its index there.
    [[nodiscard]] std::shared_ptr<Compiled> compile(const Node& stmt, const std::vector<const BindNode*>& binds);
    // Compiles an INSERT with rows VALUES tuples of its columns (executemany batches).
    [[nodiscard]] std::shared_ptr<Compiled> compile_insert_many(const InsertNode& stmt,
                                                                const std::vector<const BindNode*>& binds, int rows);

protected:
    // Hooks for dialects.
    virtual void render_limit_offset(const NodePtr& limit, const NodePtr& offset);
    virtual void render_ilike(const BinaryNode& b);
    virtual void render_bool_literal(bool v);
    virtual void render_is_distinct(const BinaryNode& b);
    virtual void render_for_update();
    virtual void render_on_conflict(const InsertNode& ins);
    // A column of the row proposed for insertion, in an upsert's SET (excluded.col; MySQL: VALUES(col)).
    virtual void render_excluded(const std::string& column);

    void visit(const Node& n);
    void visit_expr(const NodePtr& n, int parent_prec);
    virtual void render_cast(const NodePtr& expr, const SqlType& type);  // CAST(expr AS type)
    // in_from: the SELECT is a FROM element (a subquery in FROM, a CTE body), which correlates only as told.
    void visit_select(const SelectNode& s, bool as_subquery, bool in_from = false);
    void visit_compound(const CompoundNode& c, bool in_from = false);
    void visit_insert(const InsertNode& n, int rows);
    void visit_update(const UpdateNode& n);
    void visit_delete(const DeleteNode& n);
    void visit_from(const Node& n);
    void visit_column(const Column& c);
    void visit_bind(const BindNode& b);
    // The value given to column c (INSERT VALUES, UPDATE SET, an upsert's SET): its binds are c's, secret when c
    // is marked sensitive.
    void visit_value_of(const Column& c, const NodePtr& value);
    void visit_binary(const BinaryNode& b, int parent_prec);
    void visit_text(const TextNode& t);
    void render_returning(const std::vector<NodePtr>& cols);
    void render_table_name(const Table& t);
    void render_columns_clause(const std::vector<NodePtr>& cols, bool record_results);
    void render_with();
    void start(const std::vector<const BindNode*>& binds);
    std::shared_ptr<Compiled> finish();
    void finish_keys();

    const Dialect& dialect_;
    std::string out_;
    std::vector<BindSlot> slots_;
    std::unordered_map<const BindNode*, int> bind_index_;
    std::shared_ptr<Compiled> compiled_;
    std::vector<const CteNode*> ctes_;
    int select_depth_ = 0;
    bool qualify_columns_ = true;
    // FROM elements of the statements being rendered, innermost last: `asfrom` those of one statement, `all`
    // those of it and every statement around it (SQLAlchemy's asfrom_froms / correlate_froms).
    struct FromScope {
        std::vector<const Node*> asfrom, all;
    };
    std::vector<FromScope> scopes_;
    // INSERT ... SELECT: the SELECT that also gives these columns their client-side defaults.
    const SelectNode* defaults_select_ = nullptr;
    std::vector<const Column*> select_defaults_;
    void render_default_slot(const Column& c);
    // The FROM elements a SELECT renders, after correlation.
    std::vector<const Node*> select_froms(const SelectNode& s, bool in_from) const;
    // UPDATE ... FROM / DELETE ... USING: the tables the WHERE clause names besides the target.
    std::vector<const Node*> extra_froms(const Table& target, const std::vector<NodePtr>& where) const;
    int depth_ = 0;  // nesting of visit() / visit_from(), at most sql::max_depth
    int sensitive_ = 0;  // > 0 while rendering values bound to a column marked sensitive
};

// DDL for schema objects. Values in DDL (server defaults, enum values, CHECK text) are SQL text, never
// parameters; literal strings are quoted with doubled quotes.
class RETORT_API DDLCompiler {
public:
    explicit DDLCompiler(const Dialect& d) : dialect_(d) {}
    virtual ~DDLCompiler();

    // leave_out_fks: indexes into t.foreign_keys() of constraints added later by add_foreign_key (those that
    // refer to a table not created yet: a cycle of references).
    [[nodiscard]] virtual std::string create_table(const Table& t, bool if_not_exists = false,
                                                   std::span<const std::size_t> leave_out_fks = {}) const;
    // "[CONSTRAINT name] FOREIGN KEY(...) REFERENCES t (...) [ON DELETE ...] [ON UPDATE ...]"
    [[nodiscard]] std::string foreign_key_clause(const Table& t, const ForeignKeyConstraint& fk) const;
    // ALTER TABLE ... ADD <foreign_key_clause>, with NOT VALID where the dialect adds constraints so
    // (DialectCapabilities::alter_constraint_not_valid).
    [[nodiscard]] std::string add_foreign_key(const Table& t, const ForeignKeyConstraint& fk) const;
    // The name the constraint is created with: its own, or the MetaData's naming convention's; empty when
    // the database names it.
    [[nodiscard]] std::string foreign_key_name(const Table& t, const ForeignKeyConstraint& fk) const;
    [[nodiscard]] virtual std::string drop_table(const Table& t, bool if_exists = false) const;
    // CREATE SEQUENCE [IF NOT EXISTS] name [AS type] [INCREMENT BY n] [START WITH n] [MINVALUE n | NO MINVALUE]
    // [MAXVALUE n | NO MAXVALUE] [CACHE n] [CYCLE]; CACHE is the dialect's identity_cache where the sequence
    // gives none, and is checked against identity_cache_min as identity columns are.
    [[nodiscard]] virtual std::string create_sequence(const Sequence& s, bool if_not_exists = false) const;
    [[nodiscard]] virtual std::string drop_sequence(const Sequence& s, bool if_exists = false) const;
    [[nodiscard]] std::string sequence_name(const Sequence& s) const;
    [[nodiscard]] virtual std::string create_index(const Table& t, const Index& ix, bool if_not_exists = false) const;
    [[nodiscard]] virtual std::string drop_index(const Table& t, const Index& ix, bool if_exists = false) const;
    // The enum types a table needs created first (PostgreSQL native enums), each once; empty elsewhere.
    [[nodiscard]] std::vector<const EnumInfo*> enum_types(const Table& t) const;
    // CREATE TYPE ... AS ENUM (...) / DROP TYPE IF EXISTS of one of them.
    [[nodiscard]] virtual std::string create_type(const EnumInfo& e) const;
    [[nodiscard]] virtual std::string drop_type(const EnumInfo& e) const;
    // Those of all the table's enum types.
    [[nodiscard]] std::vector<std::string> create_types(const Table& t) const;
    [[nodiscard]] std::vector<std::string> drop_types(const Table& t) const;
    [[nodiscard]] virtual std::string column_spec(const Table& t, const Column& c) const;
    [[nodiscard]] std::string quote_literal(std::string_view s) const;
    [[nodiscard]] std::string table_name(const Table& t) const;
    [[nodiscard]] std::string index_name(const Table& t, const Index& ix) const;

protected:
    // Hooks for dialects.
    // The type of an autoincrement integer primary key column, with what makes it number new rows (SERIAL,
    // an identity clause).
    [[nodiscard]] virtual std::string autoincrement_type(const Table& t, const Column& c) const;
    // A server default (raw SQL) as DDL writes it after DEFAULT.
    [[nodiscard]] virtual std::string server_default_sql(const std::string& sql) const { return sql; }
    // CREATE INDEX <name> ON <table>: how the index and its table are named.
    [[nodiscard]] virtual std::string create_index_name(const Table& t, const std::string& name) const;
    [[nodiscard]] virtual std::string create_index_table(const Table& t) const { return table_name(t); }

    const Dialect& dialect_;
};

}  // namespace retort::sql
