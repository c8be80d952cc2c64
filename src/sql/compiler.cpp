#include "retort/sql/compiler.hpp"

#include <algorithm>
#include <chrono>
#include <unordered_map>
#include <unordered_set>

#include "retort/dialects/dialect.hpp"
#include "retort/error.hpp"
#include "retort/schema/schema.hpp"
#include "retort/sql/checks.hpp"
#include "sql/text_params.hpp"

namespace retort::sql {

namespace {

// Placeholders are first written as this marker and numbered in text order at the end, so parts that are
// rendered out of order (WITH clauses) still number correctly for both ? and $n styles.
constexpr char kBindMarker = '\x01';

enum Prec : int {
    P_OR = 1,
    P_AND = 2,
    P_NOT = 3,
    P_CMP = 5,
    P_CONCAT = 6,
    P_ADD = 7,
    P_MUL = 8,
    P_UNARY = 9,
    P_JSON = 10,
    P_ATOM = 100,
};

int binary_prec(BinaryOp op) {
    switch (op) {
        case BinaryOp::Add:
        case BinaryOp::Sub: return P_ADD;
        case BinaryOp::Mul:
        case BinaryOp::Div:
        case BinaryOp::Mod: return P_MUL;
        case BinaryOp::Concat: return P_CONCAT;
        case BinaryOp::JsonGet:
        case BinaryOp::JsonGetText: return P_JSON;
        default: return P_CMP;
    }
}

const char* binary_sql(BinaryOp op) {
    switch (op) {
        case BinaryOp::Eq: return " = ";
        case BinaryOp::Ne: return " != ";
        case BinaryOp::Lt: return " < ";
        case BinaryOp::Le: return " <= ";
        case BinaryOp::Gt: return " > ";
        case BinaryOp::Ge: return " >= ";
        case BinaryOp::Add: return " + ";
        case BinaryOp::Sub: return " - ";
        case BinaryOp::Mul: return " * ";
        case BinaryOp::Div: return " / ";
        case BinaryOp::Mod: return " % ";
        case BinaryOp::Concat: return " || ";
        case BinaryOp::Like: return " LIKE ";
        case BinaryOp::NotLike: return " NOT LIKE ";
        case BinaryOp::ILike: return " ILIKE ";
        case BinaryOp::NotILike: return " NOT ILIKE ";
        case BinaryOp::In: return " IN ";
        case BinaryOp::NotIn: return " NOT IN ";
        case BinaryOp::IsDistinctFrom: return " IS DISTINCT FROM ";
        case BinaryOp::IsNotDistinctFrom: return " IS NOT DISTINCT FROM ";
        case BinaryOp::JsonGet: return " -> ";
        case BinaryOp::JsonGetText: return " ->> ";
    }
    return " ? ";
}

// The suffix of an ORDER BY modifier; empty for other unary operators.
const char* ordering_sql(UnaryOp op) {
    switch (op) {
        case UnaryOp::Asc: return " ASC";
        case UnaryOp::Desc: return " DESC";
        case UnaryOp::NullsFirst: return " NULLS FIRST";
        case UnaryOp::NullsLast: return " NULLS LAST";
        default: return "";
    }
}

int node_prec(const Node& n) {
    switch (n.kind) {
        case NodeKind::Binary: return binary_prec(static_cast<const BinaryNode&>(n).op);
        case NodeKind::Between: return P_CMP;
        case NodeKind::List: {
            auto op = static_cast<const ListNode&>(n).op;
            return op == ListOp::And ? P_AND : op == ListOp::Or ? P_OR : P_ATOM;
        }
        case NodeKind::Unary: {
            auto op = static_cast<const UnaryNode&>(n).op;
            if (op == UnaryOp::Not) return P_NOT;
            if (op == UnaryOp::IsNull || op == UnaryOp::IsNotNull) return P_CMP;
            if (op == UnaryOp::Neg) return P_UNARY;
            return P_ATOM;
        }
        case NodeKind::Text: return P_CMP;  // unknown content: parenthesise inside operators
        default: return P_ATOM;
    }
}

void collect_froms(const Node* n, std::vector<const Node*>& out, int depth = 0);

// Counts one level of recursion for as long as it lives; past sql::max_depth the statement is refused.
struct DepthGuard {
    int& depth;
    explicit DepthGuard(int& d) : depth(d) {
        if (depth >= max_depth) too_deep();
        ++depth;
    }
    ~DepthGuard() { --depth; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
};

void add_from(const Node* f, std::vector<const Node*>& out) {
    if (std::find(out.begin(), out.end(), f) == out.end()) out.push_back(f);
}

// The FROM elements an expression draws on, not descending into subqueries (those correlate).
void collect_froms(const Node* n, std::vector<const Node*>& out, int depth) {
    if (!n) return;
    if (++depth > max_depth) too_deep();
    switch (n->kind) {
        case NodeKind::Column: {
            auto* t = static_cast<const Column*>(n)->table();
            if (t) add_from(t, out);
            break;
        }
        case NodeKind::DerivedColumn: {
            auto& d = static_cast<const DerivedColumnNode&>(*n);
            if (d.from) add_from(d.from.get(), out);
            break;
        }
        case NodeKind::Unary: collect_froms(static_cast<const UnaryNode&>(*n).operand.get(), out, depth); break;
        case NodeKind::Binary: {
            auto& b = static_cast<const BinaryNode&>(*n);
            collect_froms(b.left.get(), out, depth);
            collect_froms(b.right.get(), out, depth);
            break;
        }
        case NodeKind::Between: {
            auto& b = static_cast<const BetweenNode&>(*n);
            collect_froms(b.expr.get(), out, depth);
            collect_froms(b.low.get(), out, depth);
            collect_froms(b.high.get(), out, depth);
            break;
        }
        case NodeKind::List:
            for (const auto& i : static_cast<const ListNode&>(*n).items) collect_froms(i.get(), out, depth);
            break;
        case NodeKind::Func: {
            auto& f = static_cast<const FuncNode&>(*n);
            for (const auto& i : f.args) collect_froms(i.get(), out, depth);
            for (const auto& i : f.partition_by) collect_froms(i.get(), out, depth);
            for (const auto& i : f.over_order_by) collect_froms(i.get(), out, depth);
            break;
        }
        case NodeKind::Cast: collect_froms(static_cast<const CastNode&>(*n).expr.get(), out, depth); break;
        case NodeKind::Case: {
            auto& c = static_cast<const CaseNode&>(*n);
            collect_froms(c.value.get(), out, depth);
            for (const auto& [w, t] : c.whens) {
                collect_froms(w.get(), out, depth);
                collect_froms(t.get(), out, depth);
            }
            collect_froms(c.else_.get(), out, depth);
            break;
        }
        case NodeKind::Label: collect_froms(static_cast<const LabelNode&>(*n).expr.get(), out, depth); break;
        case NodeKind::Grouping: collect_froms(static_cast<const GroupingNode&>(*n).inner.get(), out, depth); break;
        default: break;
    }
}

// Tables and aliases a FROM element (join tree) covers.
void covered_by(const Node* f, std::vector<const Node*>& out, int depth = 0) {
    if (++depth > max_depth) too_deep();
    if (f->kind == NodeKind::Join) {
        auto& j = static_cast<const JoinNode&>(*f);
        covered_by(j.left.get(), out, depth);
        covered_by(j.right.get(), out, depth);
    } else {
        out.push_back(f);
    }
}

// A FROM element and, for a join, every element inside it (SQLAlchemy's _from_objects): what a nested
// statement may correlate to.
void expand_from(const Node* f, std::vector<const Node*>& out) {
    add_from(f, out);
    if (f->kind == NodeKind::Join) {
        auto& j = static_cast<const JoinNode&>(*f);
        expand_from(j.left.get(), out);
        expand_from(j.right.get(), out);
    }
}

// WHERE / HAVING criteria without the empty and_() / or_() lists, which SQLAlchemy leaves out of the clause.
std::vector<NodePtr> criteria(const std::vector<NodePtr>& items) {
    std::vector<NodePtr> out;
    out.reserve(items.size());
    for (const auto& i : items) {
        if (i && i->kind == NodeKind::List && static_cast<const ListNode&>(*i).op != ListOp::Comma &&
            static_cast<const ListNode&>(*i).items.empty())
            continue;
        out.push_back(i);
    }
    return out;
}

bool contains(const std::vector<const Node*>& v, const Node* f) { return std::find(v.begin(), v.end(), f) != v.end(); }

bool names(const std::vector<NodePtr>& v, const Node* f) {
    return std::any_of(v.begin(), v.end(), [&](const NodePtr& n) { return n.get() == f; });
}

// How a FROM element is called in messages.
std::string from_description(const Node& f) {
    switch (f.kind) {
        case NodeKind::Table: return "table '" + static_cast<const Table&>(f).fullname() + "'";
        case NodeKind::Alias: return "alias '" + static_cast<const AliasNode&>(f).name + "'";
        case NodeKind::Cte: return "CTE '" + static_cast<const CteNode&>(f).name + "'";
        case NodeKind::Join: return "a join";
        default: return "a FROM element";
    }
}

// LIKE ... ESCAPE 'c': one character (checked again here, for trees not built by like()), its quote doubled.
void append_escape(std::string& out, const std::string& escape) {
    check_like_escape(escape);
    out += " ESCAPE '";
    out += escape == "'" ? "''" : escape;
    out += '\'';
}

std::string column_key(const Node& n) {
    switch (n.kind) {
        case NodeKind::Column: return static_cast<const Column&>(n).name();
        case NodeKind::DerivedColumn: return static_cast<const DerivedColumnNode&>(n).name;
        case NodeKind::Label: return static_cast<const LabelNode&>(n).name;
        case NodeKind::Func: return static_cast<const FuncNode&>(n).name;
        default: return {};
    }
}

}  // namespace

namespace {
// A value of a SET / VALUES clause given as a plain value is a parameter named after its column, so that an
// execution parameter of that name overrides it. Another parameter of the same name elsewhere in the statement
// would be overridden with it (SQLAlchemy raises CompileError for the same reason).
void check_value_bind_names(const std::vector<ColumnValue>& values, const std::unordered_map<const BindNode*, int>& binds,
                            const char* clause) {
    for (const auto& cv : values) {
        if (!cv.value || cv.value->kind != NodeKind::Bind) continue;
        const auto& own = static_cast<const BindNode&>(*cv.value);
        if (own.key != cv.column->name()) continue;
        for (const auto& [b, i] : binds)
            if (b != &own && b->key == own.key)
                throw CompileError("bind parameter name '" + own.key + "' is taken by the " + clause +
                                   " value of column '" + cv.column->name() +
                                   "' in this statement; give the other parameter another name");
    }
}
}  // namespace

SQLCompiler::~SQLCompiler() = default;

void SQLCompiler::finish_keys() {
    if (compiled_->result_columns.empty()) return;
    auto keys = std::make_shared<std::vector<std::string>>();
    for (const auto& rc : compiled_->result_columns) {
        if (rc.name.empty()) return;  // an unnamed expression: the driver's names are used
        keys->push_back(rc.name);
    }
    compiled_->keys = std::move(keys);
}
DDLCompiler::~DDLCompiler() = default;

std::shared_ptr<Compiled> SQLCompiler::compile(const Node& stmt, const std::vector<const BindNode*>& binds) {
    start(binds);
    switch (stmt.kind) {
        case NodeKind::Select:
            compiled_->returns_rows = true;
            visit_select(static_cast<const SelectNode&>(stmt), false);
            break;
        case NodeKind::Compound:
            compiled_->returns_rows = true;
            visit_compound(static_cast<const CompoundNode&>(stmt));
            break;
        case NodeKind::Insert: visit_insert(static_cast<const InsertNode&>(stmt), 1); break;
        case NodeKind::Update: visit_update(static_cast<const UpdateNode&>(stmt)); break;
        case NodeKind::Delete: visit_delete(static_cast<const DeleteNode&>(stmt)); break;
        case NodeKind::Text:
            compiled_->returns_rows = true;  // unknown: the driver tells
            visit_text(static_cast<const TextNode&>(stmt));
            break;
        default: throw CompileError("not an executable statement");
    }
    render_with();
    return finish();
}

std::shared_ptr<Compiled> SQLCompiler::compile_insert_many(const InsertNode& stmt,
                                                           const std::vector<const BindNode*>& binds, int rows) {
    start(binds);
    visit_insert(stmt, rows);
    return finish();
}

void SQLCompiler::start(const std::vector<const BindNode*>& binds) {
    compiled_ = std::make_shared<Compiled>();
    compiled_->generated_at = std::chrono::steady_clock::now().time_since_epoch().count();
    bind_index_.clear();
    for (std::size_t i = 0; i < binds.size(); ++i) bind_index_.emplace(binds[i], static_cast<int>(i));
    out_.clear();
    slots_.clear();
    ctes_.clear();
    scopes_.clear();
    depth_ = 0;
    sensitive_ = 0;
}

std::shared_ptr<Compiled> SQLCompiler::finish() {
    // Number the placeholders in text order.
    std::string sql;
    sql.reserve(out_.size() + slots_.size() * 3);
    int n = 0;
    for (char c : out_) {
        if (c == kBindMarker)
            sql += dialect_.placeholder(++n);
        else
            sql.push_back(c);
    }
    compiled_->sql = std::move(sql);
    compiled_->slots = std::move(slots_);
    finish_keys();
    return std::move(compiled_);
}

void SQLCompiler::render_with() {
    if (ctes_.empty()) return;
    // CTE bodies may reference further CTEs; render until none are new.
    std::string body = std::move(out_);
    auto body_slots = std::move(slots_);
    out_.clear();
    slots_.clear();
    bool recursive = false;
    std::string parts;
    std::vector<BindSlot> part_slots;
    for (std::size_t i = 0; i < ctes_.size(); ++i) {
        const CteNode* c = ctes_[i];
        recursive = recursive || c->recursive;
        out_.clear();
        slots_.clear();
        out_ += dialect_.quote_identifier(c->name);
        out_ += " AS (";
        const Node& s = *c->select;
        if (s.kind == NodeKind::Select)
            visit_select(static_cast<const SelectNode&>(s), true, true);
        else if (s.kind == NodeKind::Compound)
            visit_compound(static_cast<const CompoundNode&>(s), true);
        else
            visit(s);
        out_ += ")";
        if (i) parts += ", ";
        parts += out_;
        part_slots.insert(part_slots.end(), slots_.begin(), slots_.end());
    }
    out_ = recursive ? "WITH RECURSIVE " : "WITH ";
    out_ += parts;
    out_ += " ";
    out_ += body;
    slots_ = std::move(part_slots);
    slots_.insert(slots_.end(), body_slots.begin(), body_slots.end());
}

void SQLCompiler::visit_bind(const BindNode& b) {
    auto it = bind_index_.find(&b);
    if (it == bind_index_.end()) throw CompileError("bound parameter '" + b.key + "' is not part of the statement");
    slots_.push_back(BindSlot{it->second, b.key, b.type, nullptr, sensitive_ > 0});
    out_.push_back(kBindMarker);
}

namespace {
// The table column an expression stands for: the column itself, or a table alias's column of that name.
const Column* column_of(const Node* n) {
    while (n && (n->kind == NodeKind::Label || n->kind == NodeKind::Grouping))
        n = n->kind == NodeKind::Label ? static_cast<const LabelNode*>(n)->expr.get()
                                       : static_cast<const GroupingNode*>(n)->inner.get();
    if (!n) return nullptr;
    if (n->kind == NodeKind::Column) return static_cast<const Column*>(n);
    if (n->kind != NodeKind::DerivedColumn) return nullptr;
    const auto& d = static_cast<const DerivedColumnNode&>(*n);
    if (!d.from || d.from->kind != NodeKind::Alias) return nullptr;
    const auto& a = static_cast<const AliasNode&>(*d.from);
    if (!a.element || a.element->kind != NodeKind::Table) return nullptr;
    return static_cast<const Table&>(*a.element).find_column(d.name);
}

bool is_sensitive(const NodePtr& n) {
    const Column* c = column_of(n.get());
    return c && c->options().sensitive;
}

// Counts a rendering of secret values while it lasts.
class SensitiveScope {
public:
    SensitiveScope(int& depth, bool on) : depth_(depth), on_(on) {
        if (on_) ++depth_;
    }
    ~SensitiveScope() {
        if (on_) --depth_;
    }
    SensitiveScope(const SensitiveScope&) = delete;
    SensitiveScope& operator=(const SensitiveScope&) = delete;

private:
    int& depth_;
    bool on_;
};
}  // namespace

void SQLCompiler::visit_value_of(const Column& c, const NodePtr& value) {
    SensitiveScope scope(sensitive_, c.options().sensitive);
    visit_expr(value, 0);
}

void SQLCompiler::render_table_name(const Table& t) {
    if (t.schema()) {
        out_ += dialect_.quote_identifier(*t.schema());
        out_ += '.';
    }
    out_ += dialect_.quote_identifier(t.name());
}

void SQLCompiler::visit_column(const Column& c) {
    if (qualify_columns_ && c.table()) {
        render_table_name(*c.table());
        out_ += '.';
    }
    out_ += dialect_.quote_identifier(c.name());
}

void SQLCompiler::render_bool_literal(bool v) { out_ += v ? "true" : "false"; }

void SQLCompiler::render_excluded(const std::string& column) {
    out_ += "excluded.";
    out_ += dialect_.quote_identifier(column);
}

void SQLCompiler::render_ilike(const BinaryNode& b) {
    // Portable ILIKE: compare lower-cased both sides.
    out_ += "lower(";
    visit_expr(b.left, 0);
    out_ += b.op == BinaryOp::ILike ? ") LIKE lower(" : ") NOT LIKE lower(";
    visit_expr(b.right, 0);
    out_ += ")";
    if (!b.escape.empty()) append_escape(out_, b.escape);
}

void SQLCompiler::render_is_distinct(const BinaryNode& b) {
    visit_expr(b.left, P_CMP);
    if (dialect_.caps().supports_is_distinct_from)
        out_ += binary_sql(b.op);
    else
        out_ += b.op == BinaryOp::IsDistinctFrom ? " IS NOT " : " IS ";
    visit_expr(b.right, P_CMP);
}

void SQLCompiler::visit_binary(const BinaryNode& b, int) {
    // A value compared with a sensitive column (password = ?, token IN (...)) is a secret too.
    SensitiveScope scope(sensitive_, is_sensitive(b.left) || is_sensitive(b.right));
    if (b.op == BinaryOp::ILike || b.op == BinaryOp::NotILike) {
        if (!dialect_.caps().supports_native_ilike) {
            render_ilike(b);
            return;
        }
    }
    if (b.op == BinaryOp::IsDistinctFrom || b.op == BinaryOp::IsNotDistinctFrom) {
        render_is_distinct(b);
        return;
    }
    if (b.op == BinaryOp::In || b.op == BinaryOp::NotIn) {
        const Node& r = *b.right;
        if (r.kind == NodeKind::List && static_cast<const ListNode&>(r).items.empty()) {
            // An empty IN list: false for IN, true for NOT IN, whatever the left side is.
            out_ += b.op == BinaryOp::In ? "1 != 1" : "1 = 1";
            return;
        }
        visit_expr(b.left, P_CMP);
        out_ += binary_sql(b.op);
        if (r.kind == NodeKind::Select || r.kind == NodeKind::Compound) {
            visit(r);
        } else if (r.kind == NodeKind::List) {
            out_ += '(';
            visit(r);
            out_ += ')';
        } else {
            visit_expr(b.right, P_ATOM);
        }
        return;
    }
    int prec = binary_prec(b.op);
    // Two bound parameters side by side ($1 + $2): a server that types parameters from their context has none
    // to go by, so each goes in a CAST to its own type where the dialect asks for it and the type is known.
    const bool cast_binds = dialect_.caps().cast_paired_binds && b.left && b.right && b.left->kind == NodeKind::Bind &&
                            b.right->kind == NodeKind::Bind;
    auto operand = [&](const NodePtr& n, int p) {
        if (!cast_binds || static_cast<const BindNode&>(*n).type.is_null()) {
            visit_expr(n, p);
            return;
        }
        render_cast(n, static_cast<const BindNode&>(*n).type);
    };
    operand(b.left, prec);
    out_ += binary_sql(b.op);
    // Right operands of the same precedence need parentheses: a - (b - c).
    operand(b.right, prec + 1);
    if (!b.escape.empty()) append_escape(out_, b.escape);
}

void SQLCompiler::render_default_slot(const Column& c) {
    // A parameter alone in a SELECT list has no type to take from its context; a server that types parameters
    // that way gets it in a CAST to the column's type.
    const bool cast = dialect_.caps().cast_paired_binds && !c.type.is_null();
    if (cast) out_ += "CAST(";
    slots_.push_back(BindSlot{-1, c.name(), c.type, &c, c.options().sensitive});
    out_.push_back(kBindMarker);
    if (cast) {
        out_ += " AS ";
        out_ += dialect_.type_ddl(c.type);
        out_ += ')';
    }
}

void SQLCompiler::render_cast(const NodePtr& expr, const SqlType& type) {
    out_ += "CAST(";
    visit_expr(expr, 0);
    out_ += " AS ";
    out_ += dialect_.type_ddl(type);
    out_ += ')';
}

void SQLCompiler::visit_expr(const NodePtr& n, int parent_prec) {
    if (!n) throw CompileError("missing expression");
    int p = node_prec(*n);
    bool paren = p < parent_prec;
    if (paren) out_ += '(';
    visit(*n);
    if (paren) out_ += ')';
}

void SQLCompiler::visit_text(const TextNode& t) {
    // ":name" becomes a placeholder; quoted text, comments, "::" and "\:" do not (detail::split_text_params).
    std::unordered_map<std::string_view, const BindNode*> by_name;
    if (t.binds.size() > 8) {
        by_name.reserve(t.binds.size());
        for (const auto& b : t.binds) by_name.emplace(b->key, b.get());
    }
    for (const auto& part : detail::split_text_params(t.sql)) {
        if (!part.is_param) {
            if (part.text.find(kBindMarker) != std::string_view::npos)
                throw CompileError("text() contains a control character \\x01");
            out_ += part.text;
            continue;
        }
        const BindNode* found = nullptr;
        if (!by_name.empty()) {
            if (auto it = by_name.find(part.text); it != by_name.end()) found = it->second;
        } else {
            for (const auto& b : t.binds)
                if (b->key == part.text) {
                    found = b.get();
                    break;
                }
        }
        if (!found) throw CompileError("text(): no bind for :" + std::string(part.text));
        visit_bind(*found);
    }
}

void SQLCompiler::visit(const Node& n) {
    DepthGuard guard(depth_);
    switch (n.kind) {
        case NodeKind::Column: visit_column(static_cast<const Column&>(n)); break;
        case NodeKind::Table: render_table_name(static_cast<const Table&>(n)); break;
        case NodeKind::DerivedColumn: {
            auto& d = static_cast<const DerivedColumnNode&>(n);
            if (d.excluded) {
                render_excluded(d.name);
                break;
            } else if (d.from && qualify_columns_) {
                if (d.from->kind == NodeKind::Alias)
                    out_ += dialect_.quote_identifier(static_cast<const AliasNode&>(*d.from).name);
                else if (d.from->kind == NodeKind::Cte)
                    out_ += dialect_.quote_identifier(static_cast<const CteNode&>(*d.from).name);
                out_ += '.';
            }
            out_ += dialect_.quote_identifier(d.name);
            break;
        }
        case NodeKind::Bind: visit_bind(static_cast<const BindNode&>(n)); break;
        case NodeKind::Literal: {
            auto& l = static_cast<const LiteralNode&>(n);
            if (l.next_value)
                out_ += dialect_.next_value_sql(l.sql, l.sequence_schema);
            else if (l.sql == "TRUE" || l.sql == "FALSE")
                render_bool_literal(l.sql == "TRUE");
            else
                out_ += l.sql;
            break;
        }
        case NodeKind::Text: visit_text(static_cast<const TextNode&>(n)); break;
        case NodeKind::Unary: {
            auto& u = static_cast<const UnaryNode&>(n);
            switch (u.op) {
                case UnaryOp::Not:
                    out_ += "NOT ";
                    visit_expr(u.operand, P_ATOM);
                    break;
                case UnaryOp::Neg:
                    out_ += '-';
                    visit_expr(u.operand, P_UNARY + 1);
                    break;
                case UnaryOp::Exists:
                    out_ += "EXISTS ";
                    visit(*u.operand);  // a SELECT renders its own parentheses here
                    break;
                case UnaryOp::Distinct:
                    out_ += "DISTINCT ";
                    visit_expr(u.operand, P_UNARY);
                    break;
                case UnaryOp::Asc:
                case UnaryOp::Desc:
                case UnaryOp::NullsFirst:
                case UnaryOp::NullsLast:
                    visit_expr(u.operand, P_CMP);
                    out_ += ordering_sql(u.op);
                    break;
                case UnaryOp::IsNull:
                    visit_expr(u.operand, P_CMP + 1);
                    out_ += " IS NULL";
                    break;
                case UnaryOp::IsNotNull:
                    visit_expr(u.operand, P_CMP + 1);
                    out_ += " IS NOT NULL";
                    break;
            }
            break;
        }
        case NodeKind::Binary: visit_binary(static_cast<const BinaryNode&>(n), 0); break;
        case NodeKind::Between: {
            auto& b = static_cast<const BetweenNode&>(n);
            SensitiveScope scope(sensitive_, is_sensitive(b.expr));
            visit_expr(b.expr, P_CMP + 1);
            out_ += b.negate ? " NOT BETWEEN " : " BETWEEN ";
            visit_expr(b.low, P_CMP + 1);
            out_ += " AND ";
            visit_expr(b.high, P_CMP + 1);
            break;
        }
        case NodeKind::List: {
            auto& l = static_cast<const ListNode&>(n);
            if (l.items.empty()) {
                // An empty AND is true, an empty OR false.
                if (l.op == ListOp::And) render_bool_literal(true);
                else if (l.op == ListOp::Or) render_bool_literal(false);
                break;
            }
            const char* sep = l.op == ListOp::And ? " AND " : l.op == ListOp::Or ? " OR " : ", ";
            int prec = l.op == ListOp::And ? P_AND : l.op == ListOp::Or ? P_OR : 0;
            for (std::size_t i = 0; i < l.items.size(); ++i) {
                if (i) out_ += sep;
                visit_expr(l.items[i], prec == 0 ? 0 : prec + (l.items[i]->kind == NodeKind::List ? 1 : 0));
            }
            break;
        }
        case NodeKind::Func: {
            auto& f = static_cast<const FuncNode&>(n);
            check_function_name(f.name);  // written unquoted: identifier[.identifier] only
            out_ += f.name;
            out_ += '(';
            if (f.distinct) out_ += "DISTINCT ";
            for (std::size_t i = 0; i < f.args.size(); ++i) {
                if (i) out_ += ", ";
                visit_expr(f.args[i], 0);
            }
            out_ += ')';
            if (f.over) {
                out_ += " OVER (";
                bool any = false;
                if (!f.partition_by.empty()) {
                    out_ += "PARTITION BY ";
                    for (std::size_t i = 0; i < f.partition_by.size(); ++i) {
                        if (i) out_ += ", ";
                        visit_expr(f.partition_by[i], 0);
                    }
                    any = true;
                }
                if (!f.over_order_by.empty()) {
                    if (any) out_ += ' ';
                    out_ += "ORDER BY ";
                    for (std::size_t i = 0; i < f.over_order_by.size(); ++i) {
                        if (i) out_ += ", ";
                        visit_expr(f.over_order_by[i], 0);
                    }
                }
                out_ += ')';
            }
            break;
        }
        case NodeKind::Cast: {
            auto& c = static_cast<const CastNode&>(n);
            render_cast(c.expr, c.type);
            break;
        }
        case NodeKind::Case: {
            auto& c = static_cast<const CaseNode&>(n);
            out_ += "CASE";
            if (c.value) {
                out_ += ' ';
                visit_expr(c.value, 0);
            }
            for (const auto& [w, t] : c.whens) {
                out_ += " WHEN ";
                visit_expr(w, 0);
                out_ += " THEN ";
                visit_expr(t, 0);
            }
            if (c.else_) {
                out_ += " ELSE ";
                visit_expr(c.else_, 0);
            }
            out_ += " END";
            break;
        }
        case NodeKind::Label: {
            auto& l = static_cast<const LabelNode&>(n);
            // Outside the columns clause a label stands for its expression.
            visit_expr(l.expr, P_ATOM);
            break;
        }
        case NodeKind::Grouping: {
            auto& g = static_cast<const GroupingNode&>(n);
            if (g.inner->kind == NodeKind::Select || g.inner->kind == NodeKind::Compound) {
                visit(*g.inner);  // already parenthesised
            } else {
                out_ += '(';
                visit(*g.inner);
                out_ += ')';
            }
            break;
        }
        case NodeKind::Select: {
            auto& s = static_cast<const SelectNode&>(n);
            out_ += '(';
            visit_select(s, true);
            out_ += ')';
            break;
        }
        case NodeKind::Compound:
            out_ += '(';
            visit_compound(static_cast<const CompoundNode&>(n), false);
            out_ += ')';
            break;
        case NodeKind::Join:
        case NodeKind::Alias:
        case NodeKind::Cte: visit_from(n); break;
        case NodeKind::Insert:
        case NodeKind::Update:
        case NodeKind::Delete:
        case NodeKind::Ddl: throw CompileError("a DML or DDL statement cannot be used as an expression");
    }
}

void SQLCompiler::visit_from(const Node& n) {
    DepthGuard guard(depth_);
    switch (n.kind) {
        case NodeKind::Table: render_table_name(static_cast<const Table&>(n)); break;
        case NodeKind::Join: {
            auto& j = static_cast<const JoinNode&>(n);
            visit_from(*j.left);
            out_ += j.full ? " FULL OUTER JOIN " : j.is_outer ? " LEFT OUTER JOIN " : " JOIN ";
            // A join on the right of a join is grouped: a JOIN (b JOIN c ON ...) ON ...
            const bool group = j.right->kind == NodeKind::Join;
            if (group) out_ += '(';
            visit_from(*j.right);
            if (group) out_ += ')';
            out_ += " ON ";
            visit_expr(j.on, 0);
            break;
        }
        case NodeKind::Alias: {
            auto& a = static_cast<const AliasNode&>(n);
            if (a.element->kind == NodeKind::Table) {
                render_table_name(static_cast<const Table&>(*a.element));
            } else {
                out_ += '(';
                if (a.element->kind == NodeKind::Select)
                    visit_select(static_cast<const SelectNode&>(*a.element), true, true);
                else if (a.element->kind == NodeKind::Compound)
                    visit_compound(static_cast<const CompoundNode&>(*a.element), true);
                else
                    visit(*a.element);
                out_ += ')';
            }
            out_ += " AS ";
            out_ += dialect_.quote_identifier(a.name);
            break;
        }
        case NodeKind::Cte: {
            auto& c = static_cast<const CteNode&>(n);
            if (std::find(ctes_.begin(), ctes_.end(), &c) == ctes_.end()) ctes_.push_back(&c);
            out_ += dialect_.quote_identifier(c.name);
            break;
        }
        default: visit(n);
    }
}

void SQLCompiler::render_columns_clause(const std::vector<NodePtr>& cols, bool record_results) {
    for (std::size_t i = 0; i < cols.size(); ++i) {
        if (i) out_ += ", ";
        const Node& c = *cols[i];
        if (c.kind == NodeKind::Label) {
            auto& l = static_cast<const LabelNode&>(c);
            visit_expr(l.expr, P_ATOM - 1);
            out_ += " AS ";
            out_ += dialect_.quote_identifier(l.name);
        } else {
            visit_expr(cols[i], 0);
        }
        if (record_results) {
            SqlType t = c.kind == NodeKind::Table ? SqlType{} : static_cast<const ExprNode&>(c).type;
            compiled_->result_columns.push_back(ResultColumn{column_key(c), t});
        }
    }
}

void SQLCompiler::render_limit_offset(const NodePtr& limit, const NodePtr& offset) {
    if (limit) {
        out_ += " LIMIT ";
        visit_expr(limit, P_ATOM);
    }
    if (offset) {
        if (!limit && dialect_.caps().offset_needs_limit) out_ += " LIMIT -1";
        out_ += " OFFSET ";
        visit_expr(offset, P_ATOM);
    }
}

void SQLCompiler::render_for_update() {
    if (dialect_.caps().supports_for_update) out_ += " FOR UPDATE";
}

std::vector<const Node*> SQLCompiler::select_froms(const SelectNode& s, bool in_from) const {
    // Explicit elements first (select_from / join), then every table or alias the columns and criteria use that
    // no explicit element covers.
    std::vector<const Node*> froms;
    std::vector<const Node*> covered;
    for (const auto& f : s.froms) {
        add_from(f.get(), froms);
        covered_by(f.get(), covered);
    }
    std::vector<const Node*> implicit;
    for (const auto& c : s.columns) collect_froms(c.get(), implicit);
    for (const auto& w : s.where) collect_froms(w.get(), implicit);
    for (const auto& w : s.having) collect_froms(w.get(), implicit);
    for (const auto& w : s.group_by) collect_froms(w.get(), implicit);
    for (const auto& w : s.order_by) collect_froms(w.get(), implicit);
    for (const Node* f : implicit)
        if (!contains(covered, f)) add_from(f, froms);

    // Correlation, by SQLAlchemy's rules. A subquery in an expression (WHERE, columns, HAVING, ORDER BY, SET)
    // leaves out, by itself, the FROM elements of the statement directly around it, but only when it has other
    // FROM elements left: a subquery over nothing but the outer tables keeps them (it is not correlated), and one
    // whose every FROM element would go is an error. correlate(...) and correlate_except(...) reach every
    // enclosing level; a subquery in a FROM clause correlates only through them, to levels beyond its own
    // statement.
    if (scopes_.empty()) return froms;
    const FromScope& outer = scopes_.back();
    std::vector<const Node*> explicit_corr, implicit_corr;
    if (in_from) {
        for (const Node* f : outer.all)
            if (!contains(outer.asfrom, f)) explicit_corr.push_back(f);
    } else {
        explicit_corr = outer.all;
        implicit_corr = outer.asfrom;
    }
    auto drop = [&](auto&& pred) { froms.erase(std::remove_if(froms.begin(), froms.end(), pred), froms.end()); };
    if (!s.correlate.empty())
        drop([&](const Node* f) { return contains(explicit_corr, f) && names(s.correlate, f); });
    if (s.has_correlate_except)
        drop([&](const Node* f) { return contains(explicit_corr, f) && !names(s.correlate_except, f); });
    if (s.auto_correlate && !implicit_corr.empty() && froms.size() > 1) {
        std::string dropped;
        for (const Node* f : froms)
            if (contains(implicit_corr, f)) dropped += (dropped.empty() ? "" : ", ") + from_description(*f);
        drop([&](const Node* f) { return contains(implicit_corr, f); });
        if (froms.empty())
            throw InvalidRequestError("a subquery returned no FROM clauses due to auto-correlation (every one of its "
                                      "FROM elements, " + dropped + ", is in the enclosing statement); say which to "
                                      "correlate with correlate(...), or none with correlate()");
    }
    return froms;
}

void SQLCompiler::visit_select(const SelectNode& s, bool as_subquery, bool in_from) {
    bool top = select_depth_ == 0 && !as_subquery;
    ++select_depth_;
    for (const auto& c : s.ctes)
        if (c->kind == NodeKind::Cte) {
            auto* cte = static_cast<const CteNode*>(c.get());
            if (std::find(ctes_.begin(), ctes_.end(), cte) == ctes_.end()) ctes_.push_back(cte);
        }

    std::vector<const Node*> froms = select_froms(s, in_from);
    FromScope scope;
    for (const Node* f : froms) expand_from(f, scope.asfrom);
    scope.all = scope.asfrom;
    if (!scopes_.empty())
        for (const Node* f : scopes_.back().all) add_from(f, scope.all);
    scopes_.push_back(std::move(scope));

    out_ += "SELECT ";
    if (!s.distinct_on.empty() && dialect_.caps().supports_distinct_on) {
        out_ += "DISTINCT ON (";
        for (std::size_t i = 0; i < s.distinct_on.size(); ++i) {
            if (i) out_ += ", ";
            visit_expr(s.distinct_on[i], 0);
        }
        out_ += ") ";
    } else if (s.distinct || !s.distinct_on.empty()) {
        out_ += "DISTINCT ";
    }
    if (s.columns.empty()) throw CompileError("SELECT has no columns");
    render_columns_clause(s.columns, top);
    if (&s == defaults_select_) {
        defaults_select_ = nullptr;  // not for the SELECTs nested in it
        for (const Column* c : select_defaults_) {
            out_ += ", ";
            render_default_slot(*c);
        }
    }
    if (!froms.empty()) {
        out_ += " FROM ";
        for (std::size_t i = 0; i < froms.size(); ++i) {
            if (i) out_ += ", ";
            visit_from(*froms[i]);
        }
    }
    auto where_list = [&](const char* kw, const std::vector<NodePtr>& given) {
        const std::vector<NodePtr> items = criteria(given);
        if (items.empty()) return;
        out_ += kw;
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (i) out_ += " AND ";
            visit_expr(items[i], items.size() > 1 ? P_AND + 1 : 0);
        }
    };
    where_list(" WHERE ", s.where);
    if (!s.group_by.empty()) {
        out_ += " GROUP BY ";
        for (std::size_t i = 0; i < s.group_by.size(); ++i) {
            if (i) out_ += ", ";
            visit_expr(s.group_by[i], 0);
        }
    }
    where_list(" HAVING ", s.having);
    if (!s.order_by.empty()) {
        out_ += " ORDER BY ";
        for (std::size_t i = 0; i < s.order_by.size(); ++i) {
            if (i) out_ += ", ";
            const Node& o = *s.order_by[i];
            // A label of this SELECT's columns is ordered by its name.
            const Node* inner = &o;
            if (o.kind == NodeKind::Unary) inner = static_cast<const UnaryNode&>(o).operand.get();
            if (inner->kind == NodeKind::Label &&
                std::any_of(s.columns.begin(), s.columns.end(), [&](const NodePtr& c) { return c.get() == inner; })) {
                out_ += dialect_.quote_identifier(static_cast<const LabelNode&>(*inner).name);
                if (&o != inner) {
                    auto op = static_cast<const UnaryNode&>(o).op;
                    out_ += ordering_sql(op);
                }
            } else {
                visit_expr(s.order_by[i], 0);
            }
        }
    }
    render_limit_offset(s.limit, s.offset);
    if (s.for_update) render_for_update();
    scopes_.pop_back();
    --select_depth_;
}

namespace {
// The number of columns a SELECT or compound yields (0 when not known).
std::size_t column_count(const Node& n) {
    if (n.kind == NodeKind::Select) return static_cast<const SelectNode&>(n).columns.size();
    if (n.kind == NodeKind::Compound) {
        const auto& c = static_cast<const CompoundNode&>(n);
        return c.selects.empty() ? 0 : column_count(*c.selects.front());
    }
    return 0;
}
}  // namespace

void SQLCompiler::visit_compound(const CompoundNode& c, bool in_from) {
    static const char* ops[] = {" UNION ", " UNION ALL ", " INTERSECT ", " INTERSECT ALL ", " EXCEPT ", " EXCEPT ALL "};
    if (!c.selects.empty()) {
        const std::size_t n0 = column_count(*c.selects.front());
        for (std::size_t i = 1; i < c.selects.size(); ++i) {
            const std::size_t ni = column_count(*c.selects[i]);
            if (n0 && ni && ni != n0)
                throw CompileError("all SELECTs of a UNION / INTERSECT / EXCEPT must have the same number of columns; "
                                   "select #1 has " + std::to_string(n0) + " columns, select #" + std::to_string(i + 1) +
                                   " has " + std::to_string(ni));
        }
    }
    bool top = select_depth_ == 0;
    ++select_depth_;
    for (std::size_t i = 0; i < c.selects.size(); ++i) {
        if (i) out_ += ops[static_cast<int>(c.op)];
        const Node& s = *c.selects[i];
        if (s.kind == NodeKind::Select) {
            if (top && i == 0) {
                // The first SELECT's columns name the result.
                --select_depth_;
                auto& sel = static_cast<const SelectNode&>(s);
                bool wrap = sel.limit || sel.offset || !sel.order_by.empty();
                if (wrap) out_ += "SELECT * FROM (";
                visit_select(sel, false);
                if (wrap) out_ += ")";
                ++select_depth_;
            } else {
                auto& sel = static_cast<const SelectNode&>(s);
                bool wrap = sel.limit || sel.offset || !sel.order_by.empty();
                if (wrap) out_ += "SELECT * FROM (";
                visit_select(sel, true, in_from);
                if (wrap) out_ += ")";
            }
        } else {
            visit(s);
        }
    }
    if (!c.order_by.empty()) {
        out_ += " ORDER BY ";
        bool q = qualify_columns_;
        qualify_columns_ = false;  // a compound's ORDER BY names result columns
        for (std::size_t i = 0; i < c.order_by.size(); ++i) {
            if (i) out_ += ", ";
            visit_expr(c.order_by[i], 0);
        }
        qualify_columns_ = q;
    }
    render_limit_offset(c.limit, c.offset);
    --select_depth_;
}

void SQLCompiler::render_returning(const std::vector<NodePtr>& cols) {
    if (cols.empty()) return;
    if (!dialect_.caps().supports_returning)
        throw CompileError("RETURNING is not supported by the " + dialect_.name() + " dialect");
    out_ += " RETURNING ";
    compiled_->returns_rows = true;
    render_columns_clause(cols, true);
}

void SQLCompiler::render_on_conflict(const InsertNode& ins) {
    const OnConflict& oc = *ins.on_conflict;
    out_ += " ON CONFLICT";
    if (!oc.constraint.empty()) {
        out_ += " ON CONSTRAINT ";
        out_ += dialect_.quote_identifier(oc.constraint);
    } else if (!oc.target.empty()) {
        out_ += " (";
        for (std::size_t i = 0; i < oc.target.size(); ++i) {
            if (i) out_ += ", ";
            out_ += dialect_.quote_identifier(oc.target[i]);
        }
        out_ += ')';
        if (!oc.target_where.empty()) {
            out_ += " WHERE ";
            bool q = qualify_columns_;
            qualify_columns_ = false;
            for (std::size_t i = 0; i < oc.target_where.size(); ++i) {
                if (i) out_ += " AND ";
                visit_expr(oc.target_where[i], P_AND + 1);
            }
            qualify_columns_ = q;
        }
    } else if (!oc.do_nothing) {
        throw CompileError("ON CONFLICT DO UPDATE needs conflict target columns or a constraint name");
    }
    if (oc.do_nothing) {
        out_ += " DO NOTHING";
        return;
    }
    out_ += " DO UPDATE SET ";
    for (std::size_t i = 0; i < oc.set.size(); ++i) {
        if (i) out_ += ", ";
        out_ += dialect_.quote_identifier(oc.set[i].column->name());
        out_ += " = ";
        visit_value_of(*oc.set[i].column, oc.set[i].value);
    }
    if (!oc.where.empty()) {
        out_ += " WHERE ";
        for (std::size_t i = 0; i < oc.where.size(); ++i) {
            if (i) out_ += " AND ";
            visit_expr(oc.where[i], P_AND + 1);
        }
    }
}

void SQLCompiler::visit_insert(const InsertNode& n, int rows) {
    compiled_->is_insert = true;
    if (!n.table) throw CompileError("INSERT has no table");
    check_value_bind_names(n.values, bind_index_, "VALUES");
    out_ += "INSERT INTO ";
    render_table_name(*n.table);
    for (const auto& cv : n.values) compiled_->insert_keys.push_back(cv.column->name());
    // Columns with a client-side default that the statement leaves out get it, computed per row (per statement
    // for INSERT ... SELECT, whose SELECT gives it).
    std::vector<const Column*> defaults;
    if (!n.from_select || n.from_select_defaults) {
        for (const auto& c : n.table->columns()) {
            if (!c->has_client_default()) continue;
            bool given = false;
            for (const auto& cv : n.values) given = given || cv.column == c.get();
            for (const Column* sc : n.select_columns) given = given || sc == c.get();
            if (!given) defaults.push_back(c.get());
        }
    }
    if (n.from_select) {
        if (!defaults.empty() && (n.select_columns.empty() || n.from_select->kind != NodeKind::Select))
            throw CompileError("INSERT ... SELECT into table '" + n.table->fullname() + "' leaves out column '" +
                               defaults.front()->name() + "', which has a client-side default the SELECT cannot add "
                               "here; name the columns (and use a plain SELECT), or pass include_defaults=false");
        if (!n.select_columns.empty()) {
            out_ += " (";
            for (std::size_t i = 0; i < n.select_columns.size(); ++i) {
                if (i) out_ += ", ";
                out_ += dialect_.quote_identifier(n.select_columns[i]->name());
            }
            for (const Column* c : defaults) {
                out_ += ", ";
                out_ += dialect_.quote_identifier(c->name());
            }
            out_ += ')';
        }
        out_ += ' ';
        ++select_depth_;
        if (n.from_select->kind == NodeKind::Select) {
            defaults_select_ = static_cast<const SelectNode*>(n.from_select.get());
            select_defaults_ = defaults;
            visit_select(static_cast<const SelectNode&>(*n.from_select), true);
            defaults_select_ = nullptr;
            select_defaults_.clear();
        } else {
            visit(*n.from_select);
        }
        --select_depth_;
    } else if (n.values.empty() && defaults.empty()) {
        out_ += dialect_.caps().supports_default_values ? " DEFAULT VALUES" : " () VALUES ()";
    } else {
        out_ += " (";
        for (std::size_t i = 0; i < n.values.size(); ++i) {
            if (i) out_ += ", ";
            out_ += dialect_.quote_identifier(n.values[i].column->name());
        }
        for (std::size_t i = 0; i < defaults.size(); ++i) {
            if (i || !n.values.empty()) out_ += ", ";
            out_ += dialect_.quote_identifier(defaults[i]->name());
        }
        out_ += ") VALUES ";
        // rows > 1: an executemany batch, the same placeholders repeated per row.
        for (int r = 0; r < rows; ++r) {
            if (r) out_ += ", ";
            out_ += '(';
            std::size_t before = slots_.size();
            for (std::size_t i = 0; i < n.values.size(); ++i) {
                if (i) out_ += ", ";
                visit_value_of(*n.values[i].column, n.values[i].value);
            }
            for (std::size_t i = 0; i < defaults.size(); ++i) {
                if (i || !n.values.empty()) out_ += ", ";
                slots_.push_back(BindSlot{-1, defaults[i]->name(), defaults[i]->type, defaults[i],
                                          defaults[i]->options().sensitive});
                out_.push_back(kBindMarker);
            }
            out_ += ')';
            if (r == 0) compiled_->slots_per_row = static_cast<int>(slots_.size() - before);
        }
        for (const auto& extra : n.rows) {
            out_ += ", (";
            for (std::size_t i = 0; i < extra.size(); ++i) {
                if (i) out_ += ", ";
                if (i < n.values.size()) visit_value_of(*n.values[i].column, extra[i]);
                else visit_expr(extra[i], 0);
            }
            // Each row of a multi-row VALUES gets the defaults of its own.
            for (std::size_t i = 0; i < defaults.size(); ++i) {
                if (i || !extra.empty()) out_ += ", ";
                slots_.push_back(BindSlot{-1, defaults[i]->name(), defaults[i]->type, defaults[i],
                                          defaults[i]->options().sensitive});
                out_.push_back(kBindMarker);
            }
            out_ += ')';
        }
    }
    if (n.on_conflict) render_on_conflict(n);
    bool q = qualify_columns_;
    render_returning(n.returning);
    qualify_columns_ = q;
}


std::vector<const Node*> SQLCompiler::extra_froms(const Table& target, const std::vector<NodePtr>& where) const {
    std::vector<const Node*> found, out;
    for (const auto& w : where) collect_froms(w.get(), found);
    for (const Node* f : found)
        if (f != &target) add_from(f, out);
    return out;
}

void SQLCompiler::visit_update(const UpdateNode& n) {
    compiled_->is_update = true;
    if (!n.table) throw CompileError("UPDATE has no table");
    if (n.values.empty()) throw CompileError("UPDATE has no values to set");
    check_value_bind_names(n.values, bind_index_, "SET");
    // Other tables the WHERE clause names join the UPDATE through a FROM clause (UPDATE ... FROM, as SQLAlchemy
    // renders it for PostgreSQL and SQLite); the SET values may use those and the target table.
    const std::vector<const Node*> extra = extra_froms(*n.table, n.where);
    FromScope scope;
    scope.asfrom.push_back(n.table.get());
    for (const Node* f : extra) expand_from(f, scope.asfrom);
    for (const auto& cv : n.values) {
        std::vector<const Node*> used;
        collect_froms(cv.value.get(), used);
        for (const Node* f : used)
            if (!contains(scope.asfrom, f))
                throw CompileError("UPDATE of table '" + n.table->fullname() + "': the SET clause of column '" +
                                   cv.column->name() + "' uses " + from_description(*f) +
                                   ", which the WHERE clause does not name; add a WHERE criterion that relates it "
                                   "to the rows to update, or use a scalar subquery");
    }
    if (!extra.empty() && !dialect_.caps().supports_update_from)
        throw CompileError("the " + dialect_.name() + " dialect has no UPDATE ... FROM: the WHERE clause names " +
                           from_description(*extra.front()) + " besides the table to update; use a subquery instead");
    scope.all = scope.asfrom;
    scopes_.push_back(std::move(scope));
    // MySQL names every table after UPDATE, and the SET columns with their table.
    const bool table_list = !extra.empty() && dialect_.caps().multi_table_update_delete;
    out_ += "UPDATE ";
    render_table_name(*n.table);
    if (table_list)
        for (const Node* f : extra) {
            out_ += ", ";
            visit_from(*f);
        }
    out_ += " SET ";
    for (std::size_t i = 0; i < n.values.size(); ++i) {
        if (i) out_ += ", ";
        if (table_list) {
            render_table_name(*n.table);
            out_ += '.';
        }
        out_ += dialect_.quote_identifier(n.values[i].column->name());
        out_ += " = ";
        visit_value_of(*n.values[i].column, n.values[i].value);
    }
    if (!extra.empty() && !table_list) {
        out_ += " FROM ";
        for (std::size_t i = 0; i < extra.size(); ++i) {
            if (i) out_ += ", ";
            visit_from(*extra[i]);
        }
    }
    if (const std::vector<NodePtr> where = criteria(n.where); !where.empty()) {
        out_ += " WHERE ";
        for (std::size_t i = 0; i < where.size(); ++i) {
            if (i) out_ += " AND ";
            visit_expr(where[i], where.size() > 1 ? P_AND + 1 : 0);
        }
    }
    scopes_.pop_back();
    if (!n.returning.empty() && !dialect_.caps().supports_update_returning)
        throw CompileError("UPDATE ... RETURNING is not supported by the " + dialect_.name() + " dialect");
    render_returning(n.returning);
}

void SQLCompiler::visit_delete(const DeleteNode& n) {
    compiled_->is_delete = true;
    if (!n.table) throw CompileError("DELETE has no table");
    const std::vector<const Node*> extra = extra_froms(*n.table, n.where);
    if (!extra.empty() && !dialect_.caps().supports_delete_using)
        throw CompileError("the " + dialect_.name() + " dialect has no DELETE ... USING: the WHERE clause names " +
                           from_description(*extra.front()) + " besides table '" + n.table->fullname() +
                           "'; select the rows to delete with a subquery instead, e.g. where(id.in_(select(...)))");
    FromScope scope;
    scope.asfrom.push_back(n.table.get());
    for (const Node* f : extra) expand_from(f, scope.asfrom);
    scope.all = scope.asfrom;
    scopes_.push_back(std::move(scope));
    out_ += "DELETE FROM ";
    render_table_name(*n.table);
    if (!extra.empty()) {
        out_ += " USING ";
        if (dialect_.caps().multi_table_update_delete) {
            render_table_name(*n.table);  // MySQL lists the target among the tables
            out_ += ", ";
        }
        for (std::size_t i = 0; i < extra.size(); ++i) {
            if (i) out_ += ", ";
            visit_from(*extra[i]);
        }
    }
    if (const std::vector<NodePtr> where = criteria(n.where); !where.empty()) {
        out_ += " WHERE ";
        for (std::size_t i = 0; i < where.size(); ++i) {
            if (i) out_ += " AND ";
            visit_expr(where[i], where.size() > 1 ? P_AND + 1 : 0);
        }
    }
    scopes_.pop_back();
    render_returning(n.returning);
}

}  // namespace retort::sql
