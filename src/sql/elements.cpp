#include "retort/sql/elements.hpp"

#include <cstring>

#include "retort/error.hpp"
#include "retort/schema/schema.hpp"
#include "retort/sql/checks.hpp"

namespace retort::sql {

Node::~Node() = default;

// ---- destruction without deep recursion

namespace {
// Children released this many levels down are queued for the outermost release instead of destroyed at
// once; the queue is per thread, so trees destroyed on different threads never meet.
constexpr int kInlineReleaseDepth = 64;

struct ReleaseState {
    int depth = 0;
    std::vector<NodePtr> pending;
};
thread_local ReleaseState release_state;
}  // namespace

void release_node(NodePtr& child) noexcept {
    if (!child) return;
    ReleaseState& st = release_state;
    if (st.depth >= kInlineReleaseDepth) {
        try {
            st.pending.push_back(std::move(child));
            return;
        } catch (...) {
            // Out of memory for the queue: release it here after all.
        }
    }
    ++st.depth;
    child.reset();
    if (st.depth == 1) {
        while (!st.pending.empty()) {
            NodePtr n = std::move(st.pending.back());
            st.pending.pop_back();
            n.reset();
        }
    }
    --st.depth;
}

void release_nodes(std::vector<NodePtr>& children) noexcept {
    for (auto& c : children) release_node(c);
}

UnaryNode::~UnaryNode() { release_node(operand); }
BinaryNode::~BinaryNode() {
    release_node(left);
    release_node(right);
}
BetweenNode::~BetweenNode() {
    release_node(expr);
    release_node(low);
    release_node(high);
}
ListNode::~ListNode() { release_nodes(items); }
FuncNode::~FuncNode() {
    release_nodes(args);
    release_nodes(partition_by);
    release_nodes(over_order_by);
}
CastNode::~CastNode() { release_node(expr); }
CaseNode::~CaseNode() {
    release_node(value);
    for (auto& [w, t] : whens) {
        release_node(w);
        release_node(t);
    }
    release_node(else_);
}
LabelNode::~LabelNode() { release_node(expr); }
GroupingNode::~GroupingNode() { release_node(inner); }
DerivedColumnNode::~DerivedColumnNode() { release_node(from); }
JoinNode::~JoinNode() {
    release_node(left);
    release_node(right);
    release_node(on);
}
AliasNode::~AliasNode() { release_node(element); }
CteNode::~CteNode() { release_node(select); }
SelectNode::~SelectNode() {
    release_nodes(columns);
    release_nodes(froms);
    release_nodes(where);
    release_nodes(having);
    release_nodes(group_by);
    release_nodes(order_by);
    release_nodes(ctes);
    release_node(limit);
    release_node(offset);
    release_nodes(distinct_on);
}
CompoundNode::~CompoundNode() {
    release_nodes(selects);
    release_nodes(order_by);
    release_node(limit);
    release_node(offset);
}
InsertNode::~InsertNode() {
    for (auto& cv : values) release_node(cv.value);
    for (auto& r : rows) release_nodes(r);
    release_node(from_select);
    release_nodes(returning);
}
UpdateNode::~UpdateNode() {
    for (auto& cv : values) release_node(cv.value);
    release_nodes(where);
    release_nodes(returning);
}
DeleteNode::~DeleteNode() {
    release_nodes(where);
    release_nodes(returning);
}

const CompiledMemo::Entry* CompiledMemo::get(std::uint64_t dialect_key) const {
    const Entry* e = last_.load(std::memory_order_acquire);
    if (e && e->dialect_key == dialect_key) return e;
    std::lock_guard lock(mu_);
    for (const auto& k : kept_) {
        if (k->dialect_key == dialect_key) {
            last_.store(k.get(), std::memory_order_release);
            return k.get();
        }
    }
    return nullptr;
}

bool CompiledMemo::put(const std::shared_ptr<const Entry>& e) const {
    std::lock_guard lock(mu_);
    if (kept_.size() >= kMaxDialects) return false;
    kept_.push_back(e);
    last_.store(e.get(), std::memory_order_release);
    return true;
}

[[noreturn]] void too_deep() {
    throw CompileError("the statement nests more than " + std::to_string(max_depth) +
                       " levels deep (operators, functions, subqueries or joins inside each other), past what "
                       "Retort compiles (sql::max_depth); build it flatter, e.g. and_() / or_() of many clauses");
}

namespace {

// The structural key: node kinds, operators, names and table serials, never values. Binds add their key
// and type only, so trees that differ in values alone share a key.
class Walker {
public:
    Walker(std::string& key, std::vector<const BindNode*>& binds) : key_(key), binds_(binds) {}

    void tag(char c) { key_.push_back(c); }
    void num(std::uint64_t v) { key_.append(reinterpret_cast<const char*>(&v), sizeof v); }
    void str(std::string_view s) {
        num(s.size());
        key_.append(s);
    }
    void type(const SqlType& t) {
        tag(static_cast<char>(t.kind));
        num(static_cast<std::uint64_t>(t.length) << 32 | static_cast<std::uint32_t>(t.precision));
        num(static_cast<std::uint64_t>(t.scale) << 1 | (t.timezone ? 1 : 0));
        if (t.enum_info) str(t.enum_info->name);
    }
    void list(const std::vector<NodePtr>& v) {
        num(v.size());
        for (const auto& n : v) node(n.get());
    }
    void column(const Column* c) {
        if (!c) { tag('0'); return; }
        num(c->table() ? c->table()->serial() : 0);
        str(c->name());
    }
    void column_values(const std::vector<ColumnValue>& v) {
        num(v.size());
        for (const auto& cv : v) {
            column(cv.column);
            node(cv.value.get());
        }
    }

    void node(const Node* n) {
        if (!n) { tag('~'); return; }
        if (++depth_ > max_depth) too_deep();
        struct Leave {
            int& d;
            ~Leave() { --d; }
        } leave{depth_};
        tag(static_cast<char>('A' + static_cast<int>(n->kind)));
        switch (n->kind) {
            case NodeKind::Column: column(static_cast<const Column*>(n)); break;
            case NodeKind::Table: {
                auto& t = static_cast<const Table&>(*n);
                num(t.serial());
                break;
            }
            case NodeKind::DerivedColumn: {
                auto& d = static_cast<const DerivedColumnNode&>(*n);
                tag(d.excluded ? 'x' : '-');
                str(d.name);
                node(d.from.get());
                break;
            }
            case NodeKind::Bind: {
                auto& b = static_cast<const BindNode&>(*n);
                str(b.key);
                type(b.type);
                binds_.push_back(&b);
                break;
            }
            case NodeKind::Literal: str(static_cast<const LiteralNode&>(*n).sql); break;
            case NodeKind::Text: {
                auto& t = static_cast<const TextNode&>(*n);
                str(t.sql);
                num(t.binds.size());
                for (const auto& b : t.binds) node(b.get());
                break;
            }
            case NodeKind::Unary: {
                auto& u = static_cast<const UnaryNode&>(*n);
                tag(static_cast<char>(u.op));
                node(u.operand.get());
                break;
            }
            case NodeKind::Binary: {
                auto& b = static_cast<const BinaryNode&>(*n);
                tag(static_cast<char>(b.op));
                str(b.escape);
                node(b.left.get());
                node(b.right.get());
                break;
            }
            case NodeKind::Between: {
                auto& b = static_cast<const BetweenNode&>(*n);
                tag(b.negate ? 'n' : 'b');
                node(b.expr.get());
                node(b.low.get());
                node(b.high.get());
                break;
            }
            case NodeKind::List: {
                auto& l = static_cast<const ListNode&>(*n);
                tag(static_cast<char>(l.op));
                list(l.items);
                break;
            }
            case NodeKind::Func: {
                auto& f = static_cast<const FuncNode&>(*n);
                str(f.name);
                tag(f.distinct ? 'd' : '-');
                type(f.type);
                list(f.args);
                tag(f.over ? 'o' : '-');
                if (f.over) {
                    list(f.partition_by);
                    list(f.over_order_by);
                }
                break;
            }
            case NodeKind::Cast: {
                auto& c = static_cast<const CastNode&>(*n);
                type(c.type);
                node(c.expr.get());
                break;
            }
            case NodeKind::Case: {
                auto& c = static_cast<const CaseNode&>(*n);
                node(c.value.get());
                num(c.whens.size());
                for (const auto& [w, t] : c.whens) {
                    node(w.get());
                    node(t.get());
                }
                node(c.else_.get());
                break;
            }
            case NodeKind::Label: {
                auto& l = static_cast<const LabelNode&>(*n);
                str(l.name);
                node(l.expr.get());
                break;
            }
            case NodeKind::Grouping: node(static_cast<const GroupingNode&>(*n).inner.get()); break;
            case NodeKind::Select: {
                auto& s = static_cast<const SelectNode&>(*n);
                list(s.columns);
                list(s.froms);
                list(s.where);
                list(s.having);
                list(s.group_by);
                list(s.order_by);
                list(s.ctes);
                node(s.limit.get());
                node(s.offset.get());
                tag(static_cast<char>((s.distinct ? 1 : 0) | (s.for_update ? 2 : 0) | (s.scalar_subquery ? 4 : 0) |
                                      (s.auto_correlate ? 8 : 0) | (s.has_correlate_except ? 16 : 0)));
                list(s.distinct_on);
                list(s.correlate);
                list(s.correlate_except);
                break;
            }
            case NodeKind::Compound: {
                auto& c = static_cast<const CompoundNode&>(*n);
                tag(static_cast<char>(c.op));
                list(c.selects);
                list(c.order_by);
                node(c.limit.get());
                node(c.offset.get());
                break;
            }
            case NodeKind::Insert: {
                auto& i = static_cast<const InsertNode&>(*n);
                node(i.table.get());
                column_values(i.values);
                num(i.rows.size());
                for (const auto& r : i.rows) list(r);
                node(i.from_select.get());
                num(i.select_columns.size());
                for (auto* c : i.select_columns) column(c);
                tag(i.from_select_defaults ? 'd' : '-');
                list(i.returning);
                if (i.on_conflict) {
                    auto& oc = *i.on_conflict;
                    tag(oc.do_nothing ? 'N' : 'U');
                    num(oc.target.size());
                    for (const auto& t : oc.target) str(t);
                    str(oc.constraint);
                    list(oc.target_where);
                    column_values(oc.set);
                    list(oc.where);
                } else {
                    tag('-');
                }
                break;
            }
            case NodeKind::Update: {
                auto& u = static_cast<const UpdateNode&>(*n);
                node(u.table.get());
                column_values(u.values);
                list(u.where);
                list(u.returning);
                break;
            }
            case NodeKind::Delete: {
                auto& d = static_cast<const DeleteNode&>(*n);
                node(d.table.get());
                list(d.where);
                list(d.returning);
                break;
            }
            case NodeKind::Join: {
                auto& j = static_cast<const JoinNode&>(*n);
                tag(static_cast<char>((j.is_outer ? 1 : 0) | (j.full ? 2 : 0)));
                node(j.left.get());
                node(j.right.get());
                node(j.on.get());
                break;
            }
            case NodeKind::Alias: {
                auto& a = static_cast<const AliasNode&>(*n);
                str(a.name);
                node(a.element.get());
                break;
            }
            case NodeKind::Cte: {
                auto& c = static_cast<const CteNode&>(*n);
                str(c.name);
                tag(c.recursive ? 'r' : '-');
                node(c.select.get());
                break;
            }
            case NodeKind::Ddl:
                // DDL elements carry no binds; their address identifies them.
                num(reinterpret_cast<std::uintptr_t>(n));
                break;
        }
    }

private:
    std::string& key_;
    std::vector<const BindNode*>& binds_;
    int depth_ = 0;
};

}  // namespace

void walk_statement(const Node& n, std::string& key, std::vector<const BindNode*>& binds) {
    Walker w(key, binds);
    w.node(&n);
}

}  // namespace retort::sql
