#include "retort/sql/expression.hpp"

#include <unordered_map>
#include <unordered_set>

#include "retort/error.hpp"
#include "schema/typed_column.hpp"
#include "sql/text_params.hpp"

namespace retort {

namespace detail {

sql::NodePtr make_bind(std::string key, Value v, SqlType t) {
    if (t.is_null()) t = sql_type_of_value(v);
    return std::make_shared<sql::BindNode>(std::move(key), std::move(v), std::move(t), true);
}

sql::NodePtr null_node() {
    static const sql::NodePtr n = std::make_shared<sql::LiteralNode>("NULL");
    return n;
}

ExprBase::ExprBase(const sql::NodePtr& n) noexcept : node_(n) {}
ExprBase::ExprBase(const ExprBase& o) noexcept = default;
ExprBase::ExprBase(ExprBase&& o) noexcept = default;
ExprBase& ExprBase::operator=(const ExprBase& o) noexcept = default;
ExprBase& ExprBase::operator=(ExprBase&& o) noexcept = default;
ExprBase::~ExprBase() = default;

const SqlType& node_type(const sql::NodePtr& n) {
    static const SqlType none;
    if (!n) return none;
    switch (n->kind) {
        case sql::NodeKind::Table:
        case sql::NodeKind::Join:
        case sql::NodeKind::Alias:
        case sql::NodeKind::Cte:
        case sql::NodeKind::Select:
        case sql::NodeKind::Compound:
        case sql::NodeKind::Insert:
        case sql::NodeKind::Update:
        case sql::NodeKind::Delete:
        case sql::NodeKind::Ddl: return none;
        default: return static_cast<const sql::ExprNode&>(*n).type;
    }
}

sql::NodePtr binary(sql::BinaryOp op, sql::NodePtr l, sql::NodePtr r, SqlType t, std::string escape) {
    return std::make_shared<sql::BinaryNode>(op, std::move(l), std::move(r), std::move(t), std::move(escape));
}

sql::NodePtr unary(sql::UnaryOp op, sql::NodePtr e, SqlType t) {
    return std::make_shared<sql::UnaryNode>(op, std::move(e), std::move(t));
}

sql::NodePtr list(sql::ListOp op, std::vector<sql::NodePtr> items) {
    return std::make_shared<sql::ListNode>(op, std::move(items), op == sql::ListOp::Comma ? SqlType{} : types::Boolean());
}

namespace {
bool is_null_literal(const sql::NodePtr& n) {
    return n && n->kind == sql::NodeKind::Literal && static_cast<const sql::LiteralNode&>(*n).sql == "NULL";
}
}  // namespace

sql::NodePtr compare(sql::BinaryOp op, sql::NodePtr l, sql::NodePtr r) {
    // x == NULL means IS NULL, as in SQLAlchemy.
    if (is_null_literal(r) && (op == sql::BinaryOp::Eq || op == sql::BinaryOp::Ne))
        return unary(op == sql::BinaryOp::Eq ? sql::UnaryOp::IsNull : sql::UnaryOp::IsNotNull, std::move(l), types::Boolean());
    if (is_null_literal(l) && (op == sql::BinaryOp::Eq || op == sql::BinaryOp::Ne))
        return unary(op == sql::BinaryOp::Eq ? sql::UnaryOp::IsNull : sql::UnaryOp::IsNotNull, std::move(r), types::Boolean());
    return binary(op, std::move(l), std::move(r), types::Boolean());
}

Expr<bool> compare_value(sql::BinaryOp op, const sql::NodePtr& expr, Value v, bool value_first) {
    sql::NodePtr bound = make_bind("", std::move(v), node_type(expr));
    return Expr<bool>(value_first ? compare(op, std::move(bound), expr) : compare(op, expr, std::move(bound)));
}

std::string like_escape(std::string_view s, char esc) {
    std::string out;
    out.reserve(s.size() + 4);
    for (char c : s) {
        if (c == '%' || c == '_' || c == esc) out.push_back(esc);
        out.push_back(c);
    }
    return out;
}

void check_column_type(const Column& c, Family f) {
    const SqlType& t = c.type;
    bool ok = true;
    switch (f) {
        case Family::Any: break;
        case Family::Number:
            ok = t.is_integer() || t.kind == TypeKind::Float || t.kind == TypeKind::Double || t.kind == TypeKind::Numeric;
            break;
        case Family::Text: ok = t.is_text(); break;
        case Family::Bool: ok = t.kind == TypeKind::Boolean; break;
        case Family::Date: ok = t.kind == TypeKind::Date; break;
        case Family::Time: ok = t.kind == TypeKind::Time; break;
        case Family::DateTime: ok = t.kind == TypeKind::DateTime; break;
        case Family::Interval: ok = t.kind == TypeKind::Interval; break;
        case Family::Uuid: ok = t.kind == TypeKind::Uuid; break;
        case Family::Bytes: ok = t.kind == TypeKind::LargeBinary; break;
        case Family::Json: ok = t.kind == TypeKind::Json || t.kind == TypeKind::Jsonb; break;
        default: break;
    }
    if (!ok)
        throw ArgumentError("column '" + c.name() + "' is " + t.str() + ", which does not fit the C++ type asked for");
}

void add_select_item(std::vector<sql::NodePtr>& cols, const FromClause& f) {
    const sql::Node& n = *f.node();
    if (n.kind == sql::NodeKind::Table) {
        const auto& t = static_cast<const Table&>(n);
        for (const auto& c : t.columns()) cols.push_back(c->ptr());
    } else if (n.kind == sql::NodeKind::Alias && static_cast<const sql::AliasNode&>(n).element->kind == sql::NodeKind::Table) {
        const auto& t = static_cast<const Table&>(*static_cast<const sql::AliasNode&>(n).element);
        for (const auto& c : t.columns()) cols.push_back(f.column_node(c->name()));
    } else {
        throw ArgumentError("select() of a subquery or join: name its columns with .c(\"name\")");
    }
}

}  // namespace detail

// ---- logic

Expr<bool> operator&&(const Expr<bool>& a, const Expr<bool>& b) { return and_({a, b}); }
Expr<bool> operator||(const Expr<bool>& a, const Expr<bool>& b) { return or_({a, b}); }
Expr<bool> operator!(const Expr<bool>& a) { return not_(a); }
Expr<bool> not_(const Expr<bool>& e) { return Expr<bool>(detail::unary(sql::UnaryOp::Not, e.node(), types::Boolean())); }

namespace {
Expr<bool> flat_list(sql::ListOp op, std::vector<Expr<bool>> clauses) {
    std::vector<sql::NodePtr> items;
    for (auto& c : clauses) {
        const auto& n = c.node();
        if (!n) continue;
        // An empty and_() / or_() inside another adds nothing (SQLAlchemy collapses it the same way).
        if (n->kind == sql::NodeKind::List && static_cast<const sql::ListNode&>(*n).op != sql::ListOp::Comma &&
            static_cast<const sql::ListNode&>(*n).items.empty())
            continue;
        // Flatten nested lists of the same operator: a AND (b AND c) is a AND b AND c.
        if (n->kind == sql::NodeKind::List && static_cast<const sql::ListNode&>(*n).op == op) {
            for (const auto& i : static_cast<const sql::ListNode&>(*n).items) items.push_back(i);
        } else {
            items.push_back(n);
        }
    }
    if (items.size() == 1) return Expr<bool>(items[0]);
    return Expr<bool>(detail::list(op, std::move(items)));
}
}  // namespace

Expr<bool> and_(std::vector<Expr<bool>> clauses) { return flat_list(sql::ListOp::And, std::move(clauses)); }
Expr<bool> or_(std::vector<Expr<bool>> clauses) { return flat_list(sql::ListOp::Or, std::move(clauses)); }

Expr<Any> null() { return Expr<Any>(detail::null_node()); }
Expr<bool> true_() { return Expr<bool>(std::make_shared<sql::LiteralNode>("TRUE", types::Boolean())); }
Expr<bool> false_() { return Expr<bool>(std::make_shared<sql::LiteralNode>("FALSE", types::Boolean())); }
Expr<Any> literal_column(std::string sql) { return Expr<Any>(std::make_shared<sql::LiteralNode>(std::move(sql))); }

Expr<Any> excluded(const Table& t, std::string_view column) {
    const Column& c = t.c(column);
    auto n = std::make_shared<sql::DerivedColumnNode>(nullptr, c.name(), c.type);
    n->excluded = true;
    return Expr<Any>(std::move(n));
}

namespace func {
Expr<std::int64_t> count() {
    return Expr<std::int64_t>(std::make_shared<sql::FuncNode>(
        "count", std::vector<sql::NodePtr>{std::make_shared<sql::LiteralNode>("*")}, types::BigInteger()));
}
Expr<DateTime> now() {
    return Expr<DateTime>(std::make_shared<sql::FuncNode>("now", std::vector<sql::NodePtr>{}, types::DateTime(true)));
}
}  // namespace func

// ---- FROM elements

namespace {
const SqlType* find_column_type(const sql::Node& from, std::string_view name, int depth = 0);

const SqlType* select_column_type(const sql::Node& s, std::string_view name, int depth = 0) {
    if (++depth > sql::max_depth) sql::too_deep();
    if (s.kind == sql::NodeKind::Compound) {
        const auto& c = static_cast<const sql::CompoundNode&>(s);
        return c.selects.empty() ? nullptr : select_column_type(*c.selects[0], name, depth);
    }
    if (s.kind != sql::NodeKind::Select) return nullptr;
    for (const auto& col : static_cast<const sql::SelectNode&>(s).columns) {
        switch (col->kind) {
            case sql::NodeKind::Column:
                if (static_cast<const Column&>(*col).name() == name) return &static_cast<const Column&>(*col).type;
                break;
            case sql::NodeKind::Label:
                if (static_cast<const sql::LabelNode&>(*col).name == name) return &static_cast<const sql::LabelNode&>(*col).type;
                break;
            case sql::NodeKind::DerivedColumn:
                if (static_cast<const sql::DerivedColumnNode&>(*col).name == name)
                    return &static_cast<const sql::DerivedColumnNode&>(*col).type;
                break;
            default: break;
        }
    }
    return nullptr;
}

const SqlType* find_column_type(const sql::Node& from, std::string_view name, int depth) {
    if (++depth > sql::max_depth) sql::too_deep();
    switch (from.kind) {
        case sql::NodeKind::Table: {
            auto* c = static_cast<const Table&>(from).find_column(name);
            return c ? &c->type : nullptr;
        }
        case sql::NodeKind::Alias: return find_column_type(*static_cast<const sql::AliasNode&>(from).element, name, depth);
        case sql::NodeKind::Cte: return select_column_type(*static_cast<const sql::CteNode&>(from).select, name, depth);
        case sql::NodeKind::Select:
        case sql::NodeKind::Compound: return select_column_type(from, name, depth);
        default: return nullptr;
    }
}
}  // namespace

sql::NodePtr FromClause::column_node(std::string_view name) const {
    if (node_->kind == sql::NodeKind::Table) return static_cast<const Table&>(*node_).c(name).ptr();
    if (node_->kind == sql::NodeKind::Join) throw ArgumentError("take columns of a join from its tables");
    const SqlType* t = find_column_type(*node_, name);
    if (!t) throw ArgumentError("no column '" + std::string(name) + "' in this FROM element");
    return std::make_shared<sql::DerivedColumnNode>(node_, std::string(name), *t);
}

FromClause alias(const Table& t, std::string name) {
    return FromClause(std::make_shared<sql::AliasNode>(t.ptr(), std::move(name)));
}

namespace {
const Table* base_table(const sql::Node& n) {
    if (n.kind == sql::NodeKind::Table) return &static_cast<const Table&>(n);
    if (n.kind == sql::NodeKind::Alias) {
        auto& a = static_cast<const sql::AliasNode&>(n);
        if (a.element->kind == sql::NodeKind::Table) return &static_cast<const Table&>(*a.element);
    }
    return nullptr;
}

void leaf_froms(const sql::NodePtr& n, std::vector<sql::NodePtr>& out, int depth = 0) {
    if (++depth > sql::max_depth) sql::too_deep();
    if (n->kind == sql::NodeKind::Join) {
        auto& j = static_cast<const sql::JoinNode&>(*n);
        leaf_froms(j.left, out, depth);
        leaf_froms(j.right, out, depth);
    } else {
        out.push_back(n);
    }
}

sql::NodePtr col_of(const sql::NodePtr& from, const std::string& name) { return FromClause(from).column_node(name); }

// ON clause from the foreign keys between the left side's tables and the right table, either direction.
sql::NodePtr infer_on(const sql::NodePtr& left, const sql::NodePtr& right) {
    const Table* rt = base_table(*right);
    if (!rt) throw ArgumentError("join(): give an ON clause when joining to a subquery");
    std::vector<sql::NodePtr> lefts;
    leaf_froms(left, lefts);
    std::vector<sql::NodePtr> conds;
    int found = 0;
    for (const auto& l : lefts) {
        const Table* lt = base_table(*l);
        if (!lt) continue;
        auto match = [&](const Table& child, const sql::NodePtr& child_from, const Table& parent, const sql::NodePtr& parent_from) {
            for (const auto& fk : child.foreign_keys()) {
                std::string ref = fk.referred_table;
                if (ref != parent.name() && ref != parent.fullname()) continue;
                ++found;
                std::vector<sql::NodePtr> parts;
                for (std::size_t i = 0; i < fk.columns.size(); ++i)
                    parts.push_back(detail::compare(sql::BinaryOp::Eq, col_of(parent_from, fk.referred_columns[i]),
                                                    col_of(child_from, fk.columns[i])));
                conds.push_back(parts.size() == 1 ? parts[0] : detail::list(sql::ListOp::And, std::move(parts)));
            }
        };
        match(*rt, right, *lt, l);
        if (lt != rt) match(*lt, l, *rt, right);
    }
    if (found == 0)
        throw ArgumentError("join(): no foreign key relates '" + rt->name() + "' to the left side; give an ON clause");
    if (found > 1)
        throw ArgumentError("join(): more than one foreign key relates '" + rt->name() + "' to the left side; give an ON clause");
    return conds[0];
}
}  // namespace

FromClause join(const FromClause& left, const FromClause& right, std::optional<Expr<bool>> on, bool isouter, bool full) {
    sql::NodePtr cond = on ? on->node() : infer_on(left.node(), right.node());
    return FromClause(std::make_shared<sql::JoinNode>(left.node(), right.node(), std::move(cond), isouter || full, full));
}

FromClause outerjoin(const FromClause& left, const FromClause& right, std::optional<Expr<bool>> on) {
    return join(left, right, std::move(on), true);
}

// ---- Select

Select::Select() : Executable(std::make_shared<sql::SelectNode>()) {}

Select::Select(std::vector<sql::NodePtr> columns) {
    auto n = std::make_shared<sql::SelectNode>();
    n->columns = std::move(columns);
    node_ = std::move(n);
}

std::shared_ptr<sql::SelectNode> Select::copy() const {
    return std::make_shared<sql::SelectNode>(static_cast<const sql::SelectNode&>(*node_));
}

#define RETORT_MUTATE(Type, body)                                                                            \
    auto n = copy();                                                                                         \
    body;                                                                                                    \
    Type out(*this);                                                                                         \
    out.node_ = std::move(n);                                                                                \
    return out;

Select Select::where(const Expr<bool>& c) const { RETORT_MUTATE(Select, n->where.push_back(c.node())) }
Select Select::having(const Expr<bool>& c) const { RETORT_MUTATE(Select, n->having.push_back(c.node())) }
Select Select::group_by_nodes(std::vector<sql::NodePtr> v) const {
    RETORT_MUTATE(Select, n->group_by.insert(n->group_by.end(), v.begin(), v.end()))
}
Select Select::order_by_nodes(std::initializer_list<const sql::NodePtr*> v) const {
    RETORT_MUTATE(Select, for (const auto* e : v) n->order_by.push_back(*e))
}
Select Select::distinct_on_nodes(std::vector<sql::NodePtr> v) const { RETORT_MUTATE(Select, n->distinct_on = std::move(v)) }
Select Select::add_column_nodes(std::vector<sql::NodePtr> v) const {
    RETORT_MUTATE(Select, n->columns.insert(n->columns.end(), v.begin(), v.end()))
}
Select Select::correlate_nodes(std::vector<sql::NodePtr> v) const {
    RETORT_MUTATE(Select, {
        n->auto_correlate = false;
        n->correlate.insert(n->correlate.end(), v.begin(), v.end());
    })
}
Select Select::correlate_except_nodes(std::vector<sql::NodePtr> v) const {
    RETORT_MUTATE(Select, {
        n->auto_correlate = false;
        n->has_correlate_except = true;
        n->correlate_except.insert(n->correlate_except.end(), v.begin(), v.end());
    })
}
Select Select::limit(std::int64_t v) const { RETORT_MUTATE(Select, n->limit = detail::make_bind("", Value(v), types::Integer())) }
Select Select::offset(std::int64_t v) const { RETORT_MUTATE(Select, n->offset = detail::make_bind("", Value(v), types::Integer())) }
Select Select::distinct(bool on) const { RETORT_MUTATE(Select, n->distinct = on) }
Select Select::with_for_update() const { RETORT_MUTATE(Select, n->for_update = true) }
Select Select::select_from(const FromClause& f) const { RETORT_MUTATE(Select, n->froms.push_back(f.node())) }

Select Select::join(const FromClause& target, std::optional<Expr<bool>> on, bool isouter, bool full) const {
    auto n = copy();
    // Join from the leftmost FROM element: an explicit one, else the first table the columns use.
    sql::NodePtr left;
    if (!n->froms.empty()) {
        left = n->froms.front();
        n->froms.erase(n->froms.begin());
    } else {
        for (const auto& c : n->columns) {
            if (c->kind == sql::NodeKind::Column) {
                auto* t = static_cast<const Column&>(*c).table();
                if (t) { left = t->ptr(); break; }
            } else if (c->kind == sql::NodeKind::DerivedColumn) {
                auto& d = static_cast<const sql::DerivedColumnNode&>(*c);
                if (d.from) { left = d.from; break; }
            }
        }
        if (!left) throw ArgumentError("join(): no table to join from; use select_from() first");
    }
    sql::NodePtr cond = on ? on->node() : infer_on(left, target.node());
    n->froms.insert(n->froms.begin(),
                    std::make_shared<sql::JoinNode>(left, target.node(), std::move(cond), isouter || full, full));
    Select out(*this);
    out.node_ = std::move(n);
    return out;
}

FromClause Select::subquery(std::string name) const { return FromClause(std::make_shared<sql::AliasNode>(node_, std::move(name))); }
FromClause Select::cte(std::string name, bool recursive) const {
    return FromClause(std::make_shared<sql::CteNode>(node_, std::move(name), recursive));
}

sql::NodePtr Select::scalar_node() const {
    const auto& s = data();
    SqlType t = s.columns.size() == 1 ? detail::node_type(s.columns[0]) : SqlType{};
    return std::make_shared<sql::GroupingNode>(node_, t);
}

Expr<bool> Select::exists() const { return Expr<bool>(detail::unary(sql::UnaryOp::Exists, node_, types::Boolean())); }

Compound Select::union_(const Select& o) const { return Compound(sql::CompoundOp::Union, {node_, o.node_}); }
Compound Select::union_all(const Select& o) const { return Compound(sql::CompoundOp::UnionAll, {node_, o.node_}); }
Compound Select::intersect(const Select& o) const { return Compound(sql::CompoundOp::Intersect, {node_, o.node_}); }
Compound Select::except_(const Select& o) const { return Compound(sql::CompoundOp::Except, {node_, o.node_}); }

// ---- Compound

Compound::Compound(sql::CompoundOp op, std::vector<sql::NodePtr> selects) {
    auto n = std::make_shared<sql::CompoundNode>();
    n->op = op;
    n->selects = std::move(selects);
    node_ = std::move(n);
}
std::shared_ptr<sql::CompoundNode> Compound::copy() const {
    return std::make_shared<sql::CompoundNode>(static_cast<const sql::CompoundNode&>(*node_));
}
Compound Compound::order_by_nodes(std::initializer_list<const sql::NodePtr*> v) const {
    RETORT_MUTATE(Compound, for (const auto* e : v) n->order_by.push_back(*e))
}
Compound Compound::limit(std::int64_t v) const { RETORT_MUTATE(Compound, n->limit = detail::make_bind("", Value(v), types::Integer())) }
Compound Compound::offset(std::int64_t v) const { RETORT_MUTATE(Compound, n->offset = detail::make_bind("", Value(v), types::Integer())) }
FromClause Compound::subquery(std::string name) const { return FromClause(std::make_shared<sql::AliasNode>(node_, std::move(name))); }
FromClause Compound::cte(std::string name, bool recursive) const {
    return FromClause(std::make_shared<sql::CteNode>(node_, std::move(name), recursive));
}

// ---- Insert

Insert::Insert(const Table& t) {
    auto n = std::make_shared<sql::InsertNode>();
    n->table = t.ptr();
    node_ = std::move(n);
}
std::shared_ptr<sql::InsertNode> Insert::copy() const {
    return std::make_shared<sql::InsertNode>(static_cast<const sql::InsertNode&>(*node_));
}

namespace {
const Column& own_column(const Table& t, const sql::NodePtr& col) {
    if (!col || col->kind != sql::NodeKind::Column || static_cast<const Column&>(*col).table() != &t)
        throw ArgumentError("the column given is not a column of table '" + t.fullname() + "'");
    return static_cast<const Column&>(*col);
}

void set_value(std::vector<sql::ColumnValue>& values, const Column& c, sql::NodePtr v) {
    for (auto& cv : values)
        if (cv.column == &c) {
            cv.value = std::move(v);
            return;
        }
    values.push_back(sql::ColumnValue{&c, std::move(v)});
}

sql::NodePtr named_bind(const Column& c, const Value& v) {
    // Binds take the column's name, so execute() parameters of that name override them.
    return std::make_shared<sql::BindNode>(c.name(), v, c.type, true);
}
}  // namespace

namespace {
void check_single_values(const sql::InsertNode& n) {
    if (n.from_select) throw InvalidRequestError("this INSERT already inserts from a SELECT; it takes no values()");
    if (n.multi) throw InvalidRequestError("cannot mix single and multiple VALUES formats in one INSERT statement");
}
}  // namespace

Insert Insert::values(const Params& values) const {
    auto n = copy();
    check_single_values(*n);
    for (const auto& [k, v] : values) {
        const Column& c = n->table->c(k);
        set_value(n->values, c, named_bind(c, v));
    }
    Insert out(*this);
    out.node_ = std::move(n);
    return out;
}

Insert Insert::multi_values(const std::vector<Params>& rows) const {
    if (rows.empty()) return *this;
    const auto& cur = static_cast<const sql::InsertNode&>(*node_);
    if (cur.from_select) throw InvalidRequestError("this INSERT already inserts from a SELECT; it takes no values()");
    if (!cur.values.empty() && !cur.multi)
        throw InvalidRequestError("cannot mix single and multiple VALUES formats in one INSERT statement");
    std::size_t first = 0;
    Insert out = *this;
    if (cur.values.empty()) {
        out = values(rows[0]);
        first = 1;
    }
    auto n = out.copy();
    n->multi = true;
    for (std::size_t r = first; r < rows.size(); ++r) {
        if (rows[r].size() != n->values.size())
            throw ArgumentError("values(): every row must name the same columns as the first");
        std::vector<sql::NodePtr> row;
        for (std::size_t i = 0; i < n->values.size(); ++i) {
            const auto& [k, v] = rows[r][i];
            if (k != n->values[i].column->name())
                throw ArgumentError("values(): row " + std::to_string(r) + " names '" + k + "' where the first row names '" +
                                    n->values[i].column->name() + "'");
            row.push_back(detail::make_bind("", v, n->values[i].column->type));
        }
        n->rows.push_back(std::move(row));
    }
    out.node_ = std::move(n);
    return out;
}

Insert Insert::value_node(const Expr<Any>& col, sql::NodePtr v) const {
    auto n = copy();
    check_single_values(*n);
    const Column& c = own_column(*n->table, col.node());
    if (v->kind == sql::NodeKind::Bind && static_cast<const sql::BindNode&>(*v).key.empty())
        v = named_bind(c, static_cast<const sql::BindNode&>(*v).value);
    set_value(n->values, c, std::move(v));
    Insert out(*this);
    out.node_ = std::move(n);
    return out;
}

Insert Insert::returning_nodes(std::vector<sql::NodePtr> v) const {
    std::vector<sql::NodePtr> cols;
    for (auto& x : v) {
        if (x->kind == sql::NodeKind::Table) detail::add_select_item(cols, FromClause(x));
        else cols.push_back(std::move(x));
    }
    RETORT_MUTATE(Insert, n->returning.insert(n->returning.end(), cols.begin(), cols.end()))
}

Insert Insert::from_select(const std::vector<std::string>& columns, const Select& s, bool include_defaults) const {
    auto n = copy();
    if (!n->values.empty()) throw InvalidRequestError("this INSERT already inserts values; it cannot also insert from a SELECT");
    n->from_select_defaults = include_defaults;
    n->select_columns.clear();
    for (const auto& name : columns) n->select_columns.push_back(&n->table->c(name));
    n->from_select = s.node();
    Insert out(*this);
    out.node_ = std::move(n);
    return out;
}

Insert Insert::on_conflict_do_nothing(std::vector<std::string> target) const {
    auto n = copy();
    for (const auto& t : target) (void)n->table->c(t);
    auto oc = std::make_shared<sql::OnConflict>();
    oc->target = std::move(target);
    oc->do_nothing = true;
    n->on_conflict = std::move(oc);
    Insert out(*this);
    out.node_ = std::move(n);
    return out;
}

Insert Insert::on_conflict_do_update(std::vector<std::string> target, std::vector<std::pair<std::string, Expr<Any>>> set,
                                     std::optional<Expr<bool>> where) const {
    auto n = copy();
    for (const auto& t : target) (void)n->table->c(t);
    if (set.empty()) throw ArgumentError("on_conflict_do_update() needs at least one column to set");
    auto oc = std::make_shared<sql::OnConflict>();
    oc->target = std::move(target);
    oc->do_nothing = false;
    for (auto& [name, e] : set) oc->set.push_back(sql::ColumnValue{&n->table->c(name), e.node()});
    if (where) oc->where.push_back(where->node());
    n->on_conflict = std::move(oc);
    Insert out(*this);
    out.node_ = std::move(n);
    return out;
}

// ---- Update

Update::Update(const Table& t) {
    auto n = std::make_shared<sql::UpdateNode>();
    n->table = t.ptr();
    node_ = std::move(n);
}
std::shared_ptr<sql::UpdateNode> Update::copy() const {
    return std::make_shared<sql::UpdateNode>(static_cast<const sql::UpdateNode&>(*node_));
}
Update Update::values(const Params& values) const {
    auto n = copy();
    for (const auto& [k, v] : values) {
        const Column& c = n->table->c(k);
        set_value(n->values, c, named_bind(c, v));
    }
    Update out(*this);
    out.node_ = std::move(n);
    return out;
}
Update Update::value_node(const Expr<Any>& col, sql::NodePtr v) const {
    auto n = copy();
    const Column& c = own_column(*n->table, col.node());
    if (v->kind == sql::NodeKind::Bind && static_cast<const sql::BindNode&>(*v).key.empty())
        v = named_bind(c, static_cast<const sql::BindNode&>(*v).value);
    set_value(n->values, c, std::move(v));
    Update out(*this);
    out.node_ = std::move(n);
    return out;
}
Update Update::where(const Expr<bool>& c) const { RETORT_MUTATE(Update, n->where.push_back(c.node())) }
Update Update::returning_nodes(std::vector<sql::NodePtr> v) const {
    RETORT_MUTATE(Update, n->returning.insert(n->returning.end(), v.begin(), v.end()))
}

// ---- Delete

Delete::Delete(const Table& t) {
    auto n = std::make_shared<sql::DeleteNode>();
    n->table = t.ptr();
    node_ = std::move(n);
}
std::shared_ptr<sql::DeleteNode> Delete::copy() const {
    return std::make_shared<sql::DeleteNode>(static_cast<const sql::DeleteNode&>(*node_));
}
Delete Delete::where(const Expr<bool>& c) const { RETORT_MUTATE(Delete, n->where.push_back(c.node())) }
Delete Delete::returning_nodes(std::vector<sql::NodePtr> v) const {
    RETORT_MUTATE(Delete, n->returning.insert(n->returning.end(), v.begin(), v.end()))
}

#undef RETORT_MUTATE

// ---- text()

TextClause::TextClause(std::string sql) {
    std::vector<std::shared_ptr<const sql::BindNode>> binds;
    {
        const auto parts = sql::detail::split_text_params(sql);
        std::unordered_set<std::string_view> seen;  // views into sql, which outlives the set
        seen.reserve(parts.size());
        for (const auto& part : parts) {
            if (!part.is_param || !seen.insert(part.text).second) continue;
            binds.push_back(std::make_shared<sql::BindNode>(std::string(part.text), Value{}, SqlType{}, false));
        }
    }
    node_ = std::make_shared<sql::TextNode>(std::move(sql), std::move(binds));
}

TextClause TextClause::bindparams(const Params& values) const {
    const auto& t = static_cast<const sql::TextNode&>(*node_);
    auto binds = t.binds;
    std::unordered_map<std::string_view, std::size_t> position;  // names are unique in a TextNode
    position.reserve(binds.size());
    for (std::size_t i = 0; i < binds.size(); ++i) position.emplace(binds[i]->key, i);
    for (const auto& [k, v] : values) {
        auto it = position.find(k);
        if (it == position.end()) throw ArgumentError("text() has no parameter ':" + k + "'");
        binds[it->second] = std::make_shared<sql::BindNode>(k, v, sql_type_of_value(v), true);
    }
    TextClause out(*this);
    out.node_ = std::make_shared<sql::TextNode>(t.sql, std::move(binds));
    return out;
}

Column& TableDef::add_column(std::string&& name, SqlType (*inferred)(), bool optional, ColumnOptions& opts) {
    return detail::append_typed_column(*table_, std::move(name), inferred, optional, opts);
}

void TableDef::constraint(TableItem item) { table_->append(std::move(item)); }

}  // namespace retort
