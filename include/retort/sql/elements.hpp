// The runtime expression tree (SQLAlchemy's ClauseElement hierarchy). Statements, expressions, tables
// and columns are immutable nodes shared through shared_ptr; the typed front end in expression.hpp builds
// them, the compiler in the dialect turns them into SQL. Being plain runtime data, the tree serves
// reflection, migrations and tools as well as user queries.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "retort/export.hpp"
#include "retort/types/types.hpp"
#include "retort/types/value.hpp"

namespace retort {
class Column;
class Table;
}  // namespace retort

namespace retort::sql {

enum class NodeKind : std::uint8_t {
    Column,         // retort::Column of a Table
    Table,          // retort::Table
    DerivedColumn,  // a column of an alias, subquery or CTE, by name
    Bind,           // bound parameter
    Literal,        // SQL keyword or fragment with no values: NULL, TRUE, *, literal_column()
    Text,           // text() with :name binds
    Unary,
    Binary,
    Between,
    List,  // AND / OR / comma lists
    Func,
    Cast,
    Case,
    Label,
    Grouping,  // explicit parentheses (tuples, scalar subqueries)
    Select,
    Compound,  // UNION / INTERSECT / EXCEPT
    Insert,
    Update,
    Delete,
    Join,
    Alias,  // subquery or table alias
    Cte,
    Ddl,  // a DDL element (CREATE TABLE ...), compiled by the DDL compiler
};

struct RETORT_API Node {
    explicit Node(NodeKind k) noexcept : kind(k) {}
    virtual ~Node();
    Node(const Node&) = default;
    Node& operator=(const Node&) = delete;
    const NodeKind kind;
};
using NodePtr = std::shared_ptr<const Node>;

// Drops a node's reference to a child. The destructors of nodes with children call these rather than let
// their members go, so that destroying a tree nested a million levels deep never recurses more than a
// bounded number of levels: deeper children are queued and released one at a time by the outermost call.
RETORT_API void release_node(NodePtr& child) noexcept;
RETORT_API void release_nodes(std::vector<NodePtr>& children) noexcept;

// A node that yields a value and has a SQL type.
struct RETORT_API ExprNode : Node {
    ExprNode(NodeKind k, SqlType t) : Node(k), type(std::move(t)) {}
    SqlType type;
};

struct RETORT_API BindNode final : ExprNode {
    BindNode(std::string k, Value v, SqlType t, bool has_value = true)
        : ExprNode(NodeKind::Bind, std::move(t)), key(std::move(k)), value(std::move(v)), has_value(has_value) {}
    std::string key;  // name that execute() parameters match; auto-named binds start with "param_"
    Value value;
    bool has_value;  // false for bindparam("name") without a value: it must be given at execution
};

struct RETORT_API LiteralNode final : ExprNode {
    LiteralNode(std::string s, SqlType t = {}) : ExprNode(NodeKind::Literal, std::move(t)), sql(std::move(s)) {}
    std::string sql;
    // Set: the node is the next value of the sequence named `sql` (in sequence_schema), which the dialect
    // writes (Dialect::next_value_sql; a CompileError where it has no sequences).
    bool next_value = false;
    std::optional<std::string> sequence_schema;
};

struct RETORT_API TextNode final : ExprNode {
    TextNode(std::string s, std::vector<std::shared_ptr<const BindNode>> b)
        : ExprNode(NodeKind::Text, {}), sql(std::move(s)), binds(std::move(b)) {}
    std::string sql;  // with ":name" placeholders; "\:" is a literal colon
    std::vector<std::shared_ptr<const BindNode>> binds;
};

enum class UnaryOp : std::uint8_t { Not, Neg, Exists, Distinct, Asc, Desc, NullsFirst, NullsLast, IsNull, IsNotNull };
enum class BinaryOp : std::uint8_t {
    Eq, Ne, Lt, Le, Gt, Ge, Add, Sub, Mul, Div, Mod, Concat,
    Like, NotLike, ILike, NotILike, In, NotIn, IsDistinctFrom, IsNotDistinctFrom,
    JsonGet, JsonGetText,
};
enum class ListOp : std::uint8_t { And, Or, Comma };

struct RETORT_API UnaryNode final : ExprNode {
    UnaryNode(UnaryOp o, NodePtr e, SqlType t) : ExprNode(NodeKind::Unary, std::move(t)), op(o), operand(std::move(e)) {}
    UnaryOp op;
    NodePtr operand;
    ~UnaryNode() override;
};

struct RETORT_API BinaryNode final : ExprNode {
    BinaryNode(BinaryOp o, NodePtr l, NodePtr r, SqlType t, std::string esc = {})
        : ExprNode(NodeKind::Binary, std::move(t)), op(o), left(std::move(l)), right(std::move(r)), escape(std::move(esc)) {}
    BinaryOp op;
    NodePtr left, right;
    std::string escape;  // LIKE ... ESCAPE 'c'
    ~BinaryNode() override;
};

struct RETORT_API BetweenNode final : ExprNode {
    BetweenNode(NodePtr e, NodePtr l, NodePtr h, bool n)
        : ExprNode(NodeKind::Between, types::Boolean()), expr(std::move(e)), low(std::move(l)), high(std::move(h)), negate(n) {}
    NodePtr expr, low, high;
    bool negate;
    ~BetweenNode() override;
};

struct RETORT_API ListNode final : ExprNode {
    ListNode(ListOp o, std::vector<NodePtr> i, SqlType t = {})
        : ExprNode(NodeKind::List, std::move(t)), op(o), items(std::move(i)) {}
    ListOp op;
    std::vector<NodePtr> items;
    ~ListNode() override;
};

struct RETORT_API FuncNode final : ExprNode {
    FuncNode(std::string n, std::vector<NodePtr> a, SqlType t)
        : ExprNode(NodeKind::Func, std::move(t)), name(std::move(n)), args(std::move(a)) {}
    std::string name;  // rendered as given (count, coalesce, now, gen_random_uuid ...)
    std::vector<NodePtr> args;
    bool distinct = false;  // count(DISTINCT x)
    // OVER (PARTITION BY ... ORDER BY ...), when over is true.
    bool over = false;
    std::vector<NodePtr> partition_by, over_order_by;
    ~FuncNode() override;
};

struct RETORT_API CastNode final : ExprNode {
    CastNode(NodePtr e, SqlType t) : ExprNode(NodeKind::Cast, std::move(t)), expr(std::move(e)) {}
    NodePtr expr;
    ~CastNode() override;
};

struct RETORT_API CaseNode final : ExprNode {
    explicit CaseNode(SqlType t) : ExprNode(NodeKind::Case, std::move(t)) {}
    NodePtr value;  // CASE value WHEN ... (optional)
    std::vector<std::pair<NodePtr, NodePtr>> whens;
    NodePtr else_;
    ~CaseNode() override;
};

struct RETORT_API LabelNode final : ExprNode {
    LabelNode(NodePtr e, std::string n, SqlType t) : ExprNode(NodeKind::Label, std::move(t)), expr(std::move(e)), name(std::move(n)) {}
    NodePtr expr;
    std::string name;
    ~LabelNode() override;
};

struct RETORT_API GroupingNode final : ExprNode {
    GroupingNode(NodePtr e, SqlType t) : ExprNode(NodeKind::Grouping, std::move(t)), inner(std::move(e)) {}
    NodePtr inner;
    ~GroupingNode() override;
};

// A column of a FROM element that is not a Table (alias, subquery, CTE, the "excluded" row of an upsert).
struct RETORT_API DerivedColumnNode final : ExprNode {
    DerivedColumnNode(NodePtr f, std::string n, SqlType t)
        : ExprNode(NodeKind::DerivedColumn, std::move(t)), from(std::move(f)), name(std::move(n)) {}
    NodePtr from;  // null for "excluded"
    std::string name;
    bool excluded = false;
    ~DerivedColumnNode() override;
};

// ---- FROM elements

struct RETORT_API FromNode : Node {
    using Node::Node;
};

struct RETORT_API JoinNode final : FromNode {
    JoinNode(NodePtr l, NodePtr r, NodePtr o, bool outer, bool full)
        : FromNode(NodeKind::Join), left(std::move(l)), right(std::move(r)), on(std::move(o)), is_outer(outer), full(full) {}
    NodePtr left, right, on;
    bool is_outer, full;
    ~JoinNode() override;
};

struct RETORT_API AliasNode final : FromNode {
    AliasNode(NodePtr e, std::string n) : FromNode(NodeKind::Alias), element(std::move(e)), name(std::move(n)) {}
    NodePtr element;  // a Table or a Select/Compound (then it is a subquery)
    std::string name;
    ~AliasNode() override;
};

struct RETORT_API CteNode final : FromNode {
    CteNode(NodePtr s, std::string n, bool rec) : FromNode(NodeKind::Cte), select(std::move(s)), name(std::move(n)), recursive(rec) {}
    NodePtr select;
    std::string name;
    bool recursive;
    ~CteNode() override;
};

// ---- statements

struct Compiled;

// Per-statement memo of its compiled form for one dialect: a statement built once and executed many
// times is compiled once. Keyed by Dialect::compile_key(), so it never points at a dead dialect. The entries
// it takes live as long as the statement, so get() hands out a plain pointer without a lock (a statement
// executed in a loop looks its entry up once per execution).
class RETORT_API CompiledMemo {
public:
    struct Entry {
        std::uint64_t dialect_key = 0;
        std::shared_ptr<const Compiled> compiled;
        std::vector<const BindNode*> binds;  // this statement's binds in tree-walk order
    };
    CompiledMemo() = default;
    CompiledMemo(const CompiledMemo&) = delete;
    CompiledMemo& operator=(const CompiledMemo&) = delete;
    // The entry for that dialect, valid while the statement lives; null if there is none.
    [[nodiscard]] const Entry* get(std::uint64_t dialect_key) const;
    // Keeps e unless the statement already keeps entries for kMaxDialects dialects (then false: not kept).
    bool put(const std::shared_ptr<const Entry>& e) const;
    static constexpr std::size_t kMaxDialects = 4;

private:
    mutable std::atomic<const Entry*> last_{nullptr};  // the one used last, read without the lock
    mutable std::mutex mu_;
    mutable std::vector<std::shared_ptr<const Entry>> kept_;
};

struct RETORT_API StatementNode : Node {
    using Node::Node;
    StatementNode(const StatementNode& o) : Node(o) {}  // the memo is not copied
    CompiledMemo memo;
};

struct RETORT_API OrderBy {
    NodePtr expr;
};

struct RETORT_API SelectNode final : StatementNode {
    SelectNode() : StatementNode(NodeKind::Select) {}
    std::vector<NodePtr> columns;
    std::vector<NodePtr> froms;  // explicit FROM elements (select_from / join); more are inferred
    std::vector<NodePtr> where, having;  // AND-ed
    std::vector<NodePtr> group_by, order_by;
    std::vector<NodePtr> ctes;
    NodePtr limit, offset;
    bool distinct = false;
    std::vector<NodePtr> distinct_on;
    bool for_update = false;
    bool scalar_subquery = false;  // rendered in parentheses as an expression
    // Correlation, as SQLAlchemy's Select.correlate() / correlate_except(): by default a subquery leaves out the
    // FROM elements of the statement it is nested in (when it has others left); correlate(...) names the ones to
    // leave out at any enclosing level and turns the automatic rule off; correlate_except(...) leaves out every
    // enclosing FROM element but those named.
    bool auto_correlate = true;
    std::vector<NodePtr> correlate;
    bool has_correlate_except = false;
    std::vector<NodePtr> correlate_except;
    ~SelectNode() override;
};

enum class CompoundOp : std::uint8_t { Union, UnionAll, Intersect, IntersectAll, Except, ExceptAll };

struct RETORT_API CompoundNode final : StatementNode {
    CompoundNode() : StatementNode(NodeKind::Compound) {}
    CompoundOp op = CompoundOp::Union;
    std::vector<NodePtr> selects;
    std::vector<NodePtr> order_by;
    NodePtr limit, offset;
    ~CompoundNode() override;
};

struct RETORT_API ColumnValue {
    const Column* column;  // owned by the statement's table
    NodePtr value;
};

struct RETORT_API OnConflict {
    std::vector<std::string> target;  // conflict target columns; empty = any
    std::string constraint;           // ON CONFLICT ON CONSTRAINT name (PostgreSQL)
    std::vector<NodePtr> target_where;
    bool do_nothing = true;
    std::vector<ColumnValue> set;
    std::vector<NodePtr> where;
};

struct RETORT_API InsertNode final : StatementNode {
    InsertNode() : StatementNode(NodeKind::Insert) {}
    std::shared_ptr<const Table> table;
    std::vector<ColumnValue> values;             // single row, or the first row's columns
    std::vector<std::vector<NodePtr>> rows;      // further rows of a multi-row VALUES (same columns)
    NodePtr from_select;
    std::vector<const Column*> select_columns;   // INSERT ... (cols) SELECT
    bool from_select_defaults = true;            // the SELECT also gives the client defaults of the other columns
    bool multi = false;                          // made by multi_values() (rows of their own, not values())
    std::vector<NodePtr> returning;
    std::shared_ptr<const OnConflict> on_conflict;
    ~InsertNode() override;
};

struct RETORT_API UpdateNode final : StatementNode {
    UpdateNode() : StatementNode(NodeKind::Update) {}
    std::shared_ptr<const Table> table;
    std::vector<ColumnValue> values;
    std::vector<NodePtr> where;
    std::vector<NodePtr> returning;
    ~UpdateNode() override;
};

struct RETORT_API DeleteNode final : StatementNode {
    DeleteNode() : StatementNode(NodeKind::Delete) {}
    std::shared_ptr<const Table> table;
    std::vector<NodePtr> where;
    std::vector<NodePtr> returning;
    ~DeleteNode() override;
};

// ---- compiled form

struct RETORT_API BindSlot {
    int index;        // position of the bind in the statement's tree-walk order; -1 for a client default
    std::string key;  // parameter name it may be overridden by
    SqlType type;
    const Column* default_of = nullptr;  // INSERT: the column whose client-side default fills this slot
    bool sensitive = false;  // bound to a column marked sensitive: echo shows '***'
};

struct RETORT_API ResultColumn {
    std::string name;
    SqlType type;
};

struct RETORT_API Compiled {
    std::string sql;
    std::vector<BindSlot> slots;  // one per placeholder, in placeholder order
    std::vector<ResultColumn> result_columns;
    bool returns_rows = false;
    bool is_insert = false, is_update = false, is_delete = false, is_ddl = false;
    // For INSERT: the keys of the VALUES columns, in order (executemany builds rows from them).
    std::vector<std::string> insert_keys;
    // Result column names when the compiler knows them all (else the driver's names are used).
    std::shared_ptr<const std::vector<std::string>> keys;
    // Slots per VALUES row of an INSERT (executemany batches repeat them).
    int slots_per_row = 0;
    // When compiling began (steady_clock, in its ticks): echo's "generated in" / "cached since".
    std::int64_t generated_at = 0;
};

// Appends a structural cache key for a statement and collects its binds in tree-walk order. Two trees
// with equal keys compile to the same SQL whatever their bound values.
// Throws CompileError when the tree nests deeper than sql::max_depth (checks.hpp).
RETORT_API void walk_statement(const Node& n, std::string& key, std::vector<const BindNode*>& binds);
// The CompileError for a tree deeper than sql::max_depth.
[[noreturn]] RETORT_API void too_deep();

}  // namespace retort::sql
