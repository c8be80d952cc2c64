// Running ORM queries: Session::load, get with options, refresh with a lock, lazy loads, the session's objects,
// and the legacy Query's count / update / delete with synchronize_session.
#include "retort/orm/query.hpp"

#include <algorithm>
#include <unordered_set>

#include "orm/strategies.hpp"
#include "orm/session_impl.hpp"
#include "retort/dialects/dialect.hpp"
#include "retort/error.hpp"

namespace retort::orm {

// ---------------------------------------------------------------- loading

std::vector<InstanceState*> Session::load(const MapperBase& m, const retort::Select& stmt, const LoadSpec& spec,
                                          const Params& params) {
    check_thread();
    Registry::configure_all();
    if (spec.exec.autoflush.value_or(opts_.autoflush) && !impl_->lazy_loading) flush();
    auto opts = loading::resolve_options(m, spec.options);
    return loading::load_objects(*this, *impl_, m, stmt, opts, spec.exec.populate_existing, params, {});
}

std::vector<InstanceState*> Session::query(const MapperBase& m, const retort::Select& stmt,
                                           const std::vector<LoaderOption>& opts, const Params& params) {
    LoadSpec spec;
    spec.options = opts;
    return load(m, stmt, spec, params);
}

namespace {
// A key given to get() in the member's own type (a UUID given as text finds a Uuid key).
void normalize_key(const MapperBase& m, std::vector<Value>& pk) {
    if (pk.size() != m.pk.size())
        throw ArgumentError("get(): " + m.class_name + " has a primary key of " + std::to_string(m.pk.size()) +
                            " column(s), " + std::to_string(pk.size()) + " value(s) given");
    for (std::size_t i = 0; i < pk.size(); ++i) {
        const auto& c = m.columns[static_cast<std::size_t>(m.pk[i])];
        if (pk[i].kind() == Value::Kind::Text && c.column->type.kind == TypeKind::Uuid) pk[i] = Uuid::parse(pk[i].as<std::string>());
        if (pk[i].kind() == Value::Kind::Int && c.member_type == typeid(double)) pk[i] = Value(pk[i].as<double>());
    }
}

Params key_params(const std::vector<Value>& pk) {
    Params params;
    params.reserve(pk.size());
    for (std::size_t i = 0; i < pk.size(); ++i) params.emplace_back("pk_" + std::to_string(i), pk[i]);
    return params;
}
// A relationship the mapping loads with a LEFT OUTER JOIN in every query of its model (lazy = joined).
bool joins_by_default(const MapperBase& m) {
    return std::any_of(m.relationships.begin(), m.relationships.end(),
                       [](const RelationshipProp& r) { return r.options.lazy == Lazy::Joined; });
}
}  // namespace

InstanceState* Session::get_state(const MapperBase& m, std::vector<Value> pk, const GetOptions& o) {
    check_thread();
    Registry::configure_all();
    normalize_key(m, pk);
    const bool reload = o.populate_existing || o.with_for_update;
    if (InstanceState* st = impl_->identity.find(&m, pk)) {
        if (!reload) {
            if (st->expired) {
                try {
                    load_expired(st);
                } catch (const ObjectDeletedError&) {
                    // Its row is gone: the object leaves the session as deleted (a rollback brings it back).
                    impl_->remove_newly_deleted(*this, st);
                    return nullptr;
                }
            }
            if (!o.options.empty()) {
                std::vector<const MapperBase*> path{&m};
                std::vector<InstanceState*> one{st};
                loading::populate(*this, *impl_, m, one, loading::resolve_options(m, o.options), false, path, 0, nullptr, true);
            }
            return st;
        }
    }
    if (pk.size() == 1 && o.options.empty() && !o.with_for_update && !joins_by_default(m)) {
        // The common get(): one key, no loader options, no relationship the mapping joins into every query. The
        // cached statement with its one parameter inline (no Params, no plan of joins), its rows as load_objects
        // reads them, the mapping's eager relationships loaded after.
        InstanceState* first = nullptr;
        {
            Result r = impl_->conn(*this).execute(m.select_by_pk(), {{"pk_0", pk[0]}});
            while (r.next()) {
                InstanceState* st = loading::instance_from_row(*this, *impl_, m, r.current().cursor(), 0, reload);
                if (!first) first = st;
            }
        }
        if (first && !m.relationships.empty()) {
            std::vector<const MapperBase*> path{&m};
            loading::populate(*this, *impl_, m, {first}, {}, reload, path, 0, nullptr, true);
        }
        return first;
    }
    retort::Select q = m.select_by_pk();
    if (o.with_for_update) q = q.with_for_update();
    auto states = loading::load_objects(*this, *impl_, m, q, loading::resolve_options(m, o.options), reload,
                                        key_params(pk), {});
    return states.empty() ? nullptr : states.front();
}

void Session::refresh_state(InstanceState* st, const RefreshOptions& o) {
    if (!o.with_for_update) {
        refresh_state(st);
        return;
    }
    check_thread();
    if (!st || st->session != this) throw InvalidRequestError("refresh(): the object is not persistent in this Session");
    if (st->key.empty()) throw InvalidRequestError("refresh(): the object has not been flushed yet");
    const MapperBase& m = *st->mapper;
    Params params;
    for (std::size_t i = 0; i < st->key.size(); ++i) params.emplace_back("pk_" + std::to_string(i), st->key[i]);
    Result r = impl_->conn(*this).execute(m.select_by_pk().with_for_update(), params);
    if (!r.next())
        throw ObjectDeletedError("instance " + m.describe(st) + " has been deleted, or its row is otherwise not present");
    loading::instance_from_row(*this, *impl_, m, r.current().cursor(), 0, true);
    r.close();
    loading::after_refresh(*this, *impl_, st);
}

void Session::load_relationship(InstanceState* owner, const RelationshipProp& r) {
    check_thread();
    auto& base = owner->mapper->relation(owner->obj, r);
    const bool sql_allowed = loading::strategy_of(base.lazy).sql_on_first_use();
    // An expired parent is reloaded first (its row may be gone), as SQLAlchemy does.
    if (owner->expired) load_expired(owner);
    if (base.loaded) return;
    // A lazy load flushes objects added or deleted and relationship changes first, as a query would, but does
    // not compare every object's columns with its snapshot (that would make N lazy loads cost N x the session's
    // size); column changes are written by the next query, flush() or commit().
    if (sql_allowed && opts_.autoflush && (!impl_->pending.empty() || !impl_->deleted.empty() || impl_->relations_changed))
        flush();
    loading::Options opts;
    if (!impl_->lazy_options.empty()) {
        auto it = impl_->lazy_options.find(&base);
        if (it != impl_->lazy_options.end()) {
            opts = *it->second;
            impl_->lazy_options.erase(it);
        }
    }
    impl_->lazy_loading = true;
    try {
        loading::lazy_load(*this, *impl_, owner, r, opts, sql_allowed ? loading::LoadMode::Lazy : loading::LoadMode::NoSql,
                           {owner->mapper});
    } catch (...) {
        impl_->lazy_loading = false;
        throw;
    }
    impl_->lazy_loading = false;
}


// ---------------------------------------------------------------- the session's objects

std::vector<AnyPtr> Session::objects() const {
    // As SQLAlchemy's Session.__iter__: the new objects, then those of the identity map.
    std::vector<AnyPtr> out;
    out.reserve(impl_->pending.size() + impl_->identity.size());
    for (auto* st : impl_->pending) out.emplace_back(detail::arena_ptr(st), st);
    for (auto* st : impl_->identity) out.emplace_back(detail::arena_ptr(st), st);
    return out;
}

// ---------------------------------------------------------------- Query

namespace detail {

std::vector<InstanceState*> query_all(Session& s, const MapperBase& m, const retort::Select& stmt, const LoadSpec& spec,
                                      const Params& params, bool unique) {
    auto states = detail::SessionAccess::load(s, m, stmt, spec, params);
    if (!unique) return states;
    StateSet seen;
    std::vector<InstanceState*> out;
    out.reserve(states.size());
    for (auto* st : states)
        if (seen.insert(st)) out.push_back(st);
    return out;
}

std::int64_t query_count(Session& s, const retort::Select& stmt, const LoadSpec& spec, const Params& params) {
    if (spec.exec.autoflush.value_or(s.options().autoflush)) s.flush();
    retort::Select q = retort::select(func::count()).select_from(stmt.subquery("anon_1"));
    return s.connection().execute(q, params).scalar_one<std::int64_t>();
}

}  // namespace detail

namespace {

// Evaluating WHERE criteria on objects in memory (synchronize_session="evaluate"). SQL's three-valued logic:
// a comparison with NULL is NULL (a null Value), and only a true result matches.
struct Unevaluatable {
    std::string why;
};

class Evaluator {
public:
    Evaluator(const MapperBase& m, const Params& params) : m_(m), params_(params) {}

    // Throws Unevaluatable when the criteria hold something Retort cannot evaluate in memory.
    void check(const sql::Node& n) const { (void)walk(n, nullptr); }
    // The value of a SET expression for an object.
    Value value(const sql::Node& n, const InstanceState* st) const { return walk(n, st); }
    bool matches(const sql::Node& n, const InstanceState* st) const {
        Value v = walk(n, st);
        return v.kind() == Value::Kind::Bool && std::get<bool>(v.storage());
    }

private:
    static std::optional<int> compare(const Value& a, const Value& b) {
        using K = Value::Kind;
        auto num = [](const Value& v) -> std::optional<double> {
            if (v.kind() == K::Int) return static_cast<double>(std::get<std::int64_t>(v.storage()));
            if (v.kind() == K::Double) return std::get<double>(v.storage());
            if (v.kind() == K::Bool) return std::get<bool>(v.storage()) ? 1.0 : 0.0;
            return std::nullopt;
        };
        if (a.kind() == K::Int && b.kind() == K::Int) {
            auto x = std::get<std::int64_t>(a.storage()), y = std::get<std::int64_t>(b.storage());
            return x < y ? -1 : x > y ? 1 : 0;
        }
        if (auto x = num(a), y = num(b); x && y) return *x < *y ? -1 : *x > *y ? 1 : 0;
        if (a.kind() != b.kind()) {
            // Text against a typed value (a UUID or date given as text): compare in the typed form.
            try {
                if (a.kind() == K::Text && b.kind() == K::Uuid) return compare(Value(a.as<Uuid>()), b);
                if (b.kind() == K::Text && a.kind() == K::Uuid) return compare(a, Value(b.as<Uuid>()));
            } catch (const Error&) {
            }
            throw Unevaluatable{std::string("a comparison of ") + a.type_name() + " with " + b.type_name()};
        }
        return std::visit(
            [&](const auto& x) -> std::optional<int> {
                using X = std::decay_t<decltype(x)>;
                const X& y = std::get<X>(b.storage());
                if constexpr (requires { x < y; }) return x < y ? -1 : y < x ? 1 : 0;
                else if constexpr (requires { x == y; }) {
                    if (x == y) return 0;
                    throw Unevaluatable{std::string("an ordering of ") + a.type_name() + " values"};
                } else {
                    throw Unevaluatable{std::string("a comparison of ") + a.type_name() + " values"};
                }
            },
            a.storage());
    }
    static Value truth(bool b) { return Value(b); }
    static std::optional<bool> as_bool(const Value& v) {
        if (v.is_null()) return std::nullopt;
        if (v.kind() == Value::Kind::Bool) return std::get<bool>(v.storage());
        if (v.kind() == Value::Kind::Int) return std::get<std::int64_t>(v.storage()) != 0;
        throw Unevaluatable{std::string("a ") + v.type_name() + " value used as a condition"};
    }

    Value walk(const sql::Node& n, const InstanceState* st) const {
        using sql::NodeKind;
        switch (n.kind) {
            case NodeKind::Column: {
                const auto& c = static_cast<const Column&>(n);
                for (const auto& p : m_.columns)
                    if (p.column == &c) return st ? p.get(st->obj, p) : Value{};
                throw Unevaluatable{"column '" + c.name() + "' is not a column of " + m_.class_name};
            }
            case NodeKind::Bind: {
                const auto& b = static_cast<const sql::BindNode&>(n);
                for (const auto& [k, v] : params_)
                    if (k == b.key) return v;
                if (b.has_value) return b.value;
                throw Unevaluatable{"the parameter '" + b.key + "' has no value"};
            }
            case NodeKind::Literal: {
                const auto& l = static_cast<const sql::LiteralNode&>(n);
                if (l.sql == "NULL") return Value{};
                if (l.sql == "TRUE" || l.sql == "1") return truth(true);
                if (l.sql == "FALSE" || l.sql == "0") return truth(false);
                throw Unevaluatable{"the SQL fragment '" + l.sql + "'"};
            }
            case NodeKind::Grouping: return walk(*static_cast<const sql::GroupingNode&>(n).inner, st);
            case NodeKind::Unary: {
                const auto& u = static_cast<const sql::UnaryNode&>(n);
                Value v = walk(*u.operand, st);
                switch (u.op) {
                    case sql::UnaryOp::IsNull: return truth(v.is_null());
                    case sql::UnaryOp::IsNotNull: return truth(!v.is_null());
                    case sql::UnaryOp::Not: {
                        auto b = as_bool(v);
                        return b ? truth(!*b) : Value{};
                    }
                    case sql::UnaryOp::Neg:
                        if (v.kind() == Value::Kind::Int) return Value(-std::get<std::int64_t>(v.storage()));
                        if (v.kind() == Value::Kind::Double) return Value(-std::get<double>(v.storage()));
                        if (v.is_null()) return v;
                        break;
                    default: break;
                }
                throw Unevaluatable{"a unary operator"};
            }
            case NodeKind::Between: {
                const auto& b = static_cast<const sql::BetweenNode&>(n);
                Value v = walk(*b.expr, st), lo = walk(*b.low, st), hi = walk(*b.high, st);
                if (v.is_null() || lo.is_null() || hi.is_null()) return Value{};
                bool in = *compare(v, lo) >= 0 && *compare(v, hi) <= 0;
                return truth(b.negate ? !in : in);
            }
            case NodeKind::List: {
                const auto& l = static_cast<const sql::ListNode&>(n);
                if (l.op == sql::ListOp::Comma) throw Unevaluatable{"a list outside IN"};
                const bool is_and = l.op == sql::ListOp::And;
                bool unknown = false;
                for (const auto& item : l.items) {
                    auto b = as_bool(walk(*item, st));
                    if (!b) unknown = true;
                    else if (*b != is_and) return truth(*b);  // false in AND, true in OR decides
                }
                return unknown ? Value{} : truth(is_and);
            }
            case NodeKind::Binary: return binary(static_cast<const sql::BinaryNode&>(n), st);
            default: break;
        }
        throw Unevaluatable{"an expression of this kind (functions, CASE, CAST, subqueries, other tables)"};
    }

    Value binary(const sql::BinaryNode& b, const InstanceState* st) const {
        using sql::BinaryOp;
        Value l = walk(*b.left, st);
        if (b.op == BinaryOp::In || b.op == BinaryOp::NotIn) {
            if (b.right->kind != sql::NodeKind::List) throw Unevaluatable{"IN over a subquery"};
            const auto& items = static_cast<const sql::ListNode&>(*b.right).items;
            bool found = false, unknown = l.is_null();
            for (const auto& item : items) {
                Value v = walk(*item, st);
                if (v.is_null() || l.is_null()) {
                    unknown = true;
                    continue;
                }
                if (*compare(l, v) == 0) found = true;
            }
            if (found) return truth(b.op == BinaryOp::In);
            if (unknown && !items.empty()) return Value{};
            return truth(b.op == BinaryOp::NotIn);
        }
        Value r = walk(*b.right, st);
        switch (b.op) {
            case BinaryOp::IsDistinctFrom:
            case BinaryOp::IsNotDistinctFrom: {
                bool same = (l.is_null() && r.is_null()) || (!l.is_null() && !r.is_null() && *compare(l, r) == 0);
                return truth(b.op == BinaryOp::IsNotDistinctFrom ? same : !same);
            }
            case BinaryOp::Eq:
            case BinaryOp::Ne:
            case BinaryOp::Lt:
            case BinaryOp::Le:
            case BinaryOp::Gt:
            case BinaryOp::Ge: {
                if (l.is_null() || r.is_null()) return Value{};
                int c = *compare(l, r);
                switch (b.op) {
                    case BinaryOp::Eq: return truth(c == 0);
                    case BinaryOp::Ne: return truth(c != 0);
                    case BinaryOp::Lt: return truth(c < 0);
                    case BinaryOp::Le: return truth(c <= 0);
                    case BinaryOp::Gt: return truth(c > 0);
                    default: return truth(c >= 0);
                }
            }
            case BinaryOp::Add:
            case BinaryOp::Sub:
            case BinaryOp::Mul: {
                if (l.is_null() || r.is_null()) return Value{};
                if (l.kind() == Value::Kind::Int && r.kind() == Value::Kind::Int) {
                    auto x = std::get<std::int64_t>(l.storage()), y = std::get<std::int64_t>(r.storage());
                    return Value(b.op == BinaryOp::Add ? x + y : b.op == BinaryOp::Sub ? x - y : x * y);
                }
                if ((l.kind() == Value::Kind::Int || l.kind() == Value::Kind::Double) &&
                    (r.kind() == Value::Kind::Int || r.kind() == Value::Kind::Double)) {
                    double x = l.as<double>(), y = r.as<double>();
                    return Value(b.op == BinaryOp::Add ? x + y : b.op == BinaryOp::Sub ? x - y : x * y);
                }
                break;
            }
            case BinaryOp::Concat:
                if (l.is_null() || r.is_null()) return Value{};
                if (l.kind() == Value::Kind::Text && r.kind() == Value::Kind::Text)
                    return Value(l.as<std::string>() + r.as<std::string>());
                break;
            default: break;
        }
        throw Unevaluatable{"this operator"};
    }

    const MapperBase& m_;
    const Params& params_;
};

void check_bulk(const retort::Select& stmt, const char* what) {
    const auto& d = stmt.data();
    if (!d.froms.empty() || d.limit || d.offset || !d.order_by.empty() || d.distinct || !d.group_by.empty())
        throw InvalidRequestError(std::string("can't call Query.") + what +
                                  "() when join(), select_from(), limit(), offset(), order_by() or distinct() has been "
                                  "called");
}

std::optional<Expr<bool>> criteria(const retort::Select& stmt) {
    const auto& w = stmt.data().where;
    if (w.empty()) return std::nullopt;
    std::vector<Expr<bool>> parts;
    for (const auto& n : w) parts.emplace_back(n);
    return parts.size() == 1 ? parts.front() : and_(parts);
}

// The objects of m in the identity map that the criteria select, evaluated in memory.
std::vector<InstanceState*> evaluate_matches(const Session& s, const MapperBase& m, const retort::Select& stmt,
                                             const Params& params, const Evaluator& ev) {
    std::vector<InstanceState*> out;
    const auto& w = stmt.data().where;
    for (const AnyPtr& obj : s.objects()) {
        InstanceState* st = obj.state();
        if (st->mapper != &m || st->status != ObjectState::Persistent || st->expired) continue;
        bool all = true;
        for (const auto& n : w) all = all && ev.matches(*n, st);
        if (all) out.push_back(st);
    }
    (void)params;
    return out;
}

// Resolves Auto to Evaluate or Fetch; checks that Evaluate can evaluate the criteria.
Synchronize resolve_sync(Synchronize sync, const retort::Select& stmt, const Evaluator& ev) {
    if (sync != Synchronize::Auto && sync != Synchronize::Evaluate) return sync;
    try {
        for (const auto& n : stmt.data().where) ev.check(*n);
        return Synchronize::Evaluate;
    } catch (const Unevaluatable& u) {
        if (sync == Synchronize::Auto) return Synchronize::Fetch;
        throw InvalidRequestError("could not evaluate the current criteria in memory (" + u.why +
                                  "); use Synchronize::Fetch or Synchronize::None");
    }
}

std::vector<Value> key_of_row(const MapperBase& m, const RowView& row, int first) {
    std::vector<Value> pk;
    for (std::size_t i = 0; i < m.pk.size(); ++i) {
        Value v = row.get<Value>(first + static_cast<int>(i));
        const auto& col = *m.columns[static_cast<std::size_t>(m.pk[i])].column;
        if (v.kind() == Value::Kind::Text && col.type.kind == TypeKind::Uuid) v = Uuid::parse(v.as<std::string>());
        if (v.kind() == Value::Kind::Bytes && col.type.kind == TypeKind::Uuid) v = Value(v.as<Uuid>());
        pk.push_back(std::move(v));
    }
    return pk;
}

std::vector<sql::NodePtr> key_columns(const MapperBase& m) {
    std::vector<sql::NodePtr> keys;
    for (int i : m.pk) keys.push_back(m.columns[static_cast<std::size_t>(i)].column->ptr());
    return keys;
}

// Sets columns of an object to new values as their committed values: the object is not dirty for them, and
// its other unflushed changes stay.
void commit_values(InstanceState* st, const MapperBase& m, const std::vector<std::pair<std::size_t, Value>>& values) {
    std::vector<int> changed;
    tracking::changed_columns(st, changed);
    std::vector<std::pair<std::size_t, Value>> keep;  // other columns' unflushed values
    for (int i : changed) {
        const auto ci = static_cast<std::size_t>(i);
        if (std::any_of(values.begin(), values.end(), [&](const auto& v) { return v.first == ci; })) continue;
        keep.emplace_back(ci, m.columns[ci].get(st->obj, m.columns[ci]));
        m.columns[ci].set(st->obj, tracking::committed_value(st, ci), m.columns[ci]);
    }
    for (const auto& [i, v] : values) m.columns[i].set(st->obj, v, m.columns[i]);
    if (tracking::has(st)) tracking::take(st);
    for (const auto& [i, v] : keep) m.columns[i].set(st->obj, v, m.columns[i]);
}

std::size_t column_index(const MapperBase& m, const sql::Node* col) {
    for (std::size_t i = 0; i < m.columns.size(); ++i)
        if (m.columns[i].column == col) return i;
    throw ArgumentError("Query.update(): the column is not a column of " + m.class_name);
}

}  // namespace

static Session::Impl& session_impl(Session& s) { return detail::SessionAccess::impl(s); }

namespace detail {

std::vector<SetItem> set_items(const MapperBase& m, const Params& values) {
    std::vector<SetItem> out;
    for (const auto& [name, v] : values) {
        const ColumnProp* p = m.column_named(name);
        if (!p) throw ArgumentError("Query.update(): " + m.class_name + " has no column '" + name + "'");
        out.push_back(SetItem(Expr<Any>(p->column->ptr()), v));
    }
    return out;
}

std::int64_t query_update(Session& s, const MapperBase& m, const retort::Select& stmt, const std::vector<SetItem>& values,
                          Synchronize sync, const Params& params) {
    check_bulk(stmt, "update");
    if (values.empty()) throw ArgumentError("Query.update(): no values to set");
    std::vector<std::size_t> cols;
    retort::Update upd = retort::update(*m.table);
    for (const auto& v : values) {
        cols.push_back(column_index(m, v.column.get()));
        upd = upd.value_node(Expr<Any>(v.column), v.value);
    }
    if (auto c = criteria(stmt)) upd = upd.where(*c);
    if (s.options().autoflush) s.flush();
    Evaluator ev(m, params);
    if (sync == Synchronize::Auto || sync == Synchronize::Evaluate) {
        // The new values must be computable in memory too.
        try {
            for (const auto& v : values) ev.check(*v.value);
        } catch (const Unevaluatable& u) {
            if (sync == Synchronize::Evaluate)
                throw InvalidRequestError("could not evaluate the new values in memory (" + u.why +
                                          "); use Synchronize::Fetch or Synchronize::None");
            sync = Synchronize::Fetch;
        }
    }
    sync = resolve_sync(sync, stmt, ev);
    auto& impl = session_impl(s);
    Connection& conn = s.connection();
    std::int64_t count = 0;
    if (sync == Synchronize::Evaluate) {
        // The objects the criteria match in memory, and their new values, before the UPDATE changes the rows.
        auto matched = evaluate_matches(s, m, stmt, params, ev);
        std::vector<std::vector<std::pair<std::size_t, Value>>> news;
        std::vector<InstanceState*> reread;  // a SET column changed in memory: its new value is the row's
        std::vector<int> changed;
        for (auto* st : matched) {
            std::vector<std::pair<std::size_t, Value>> nv;
            tracking::changed_columns(st, changed);
            bool dirty_set = false;
            for (std::size_t k = 0; k < values.size(); ++k) {
                if (std::find(changed.begin(), changed.end(), static_cast<int>(cols[k])) != changed.end()) dirty_set = true;
                nv.emplace_back(cols[k], ev.value(*values[k].value, st));
            }
            if (dirty_set) reread.push_back(st);
            news.push_back(std::move(nv));
        }
        count = conn.execute(upd, params).rowcount();
        for (std::size_t i = 0; i < matched.size(); ++i)
            if (std::find(reread.begin(), reread.end(), matched[i]) == reread.end()) commit_values(matched[i], m, news[i]);
        if (!reread.empty()) {
            // One SELECT of those rows' SET columns.
            std::vector<sql::NodePtr> sel = key_columns(m);
            for (std::size_t c : cols) sel.push_back(m.columns[c].column->ptr());
            retort::Select q(sel);
            std::vector<Expr<bool>> any;
            for (auto* st : reread) {
                std::vector<Expr<bool>> eq;
                for (std::size_t k = 0; k < m.pk.size(); ++k) {
                    const Column* pc = m.columns[static_cast<std::size_t>(m.pk[k])].column;
                    eq.push_back(Expr<Any>(pc->ptr()) == Expr<Any>(retort::detail::make_bind("", st->key[k], pc->type)));
                }
                any.push_back(eq.size() == 1 ? eq.front() : and_(eq));
            }
            q = q.where(any.size() == 1 ? any.front() : or_(any));
            Result r = conn.execute(q);
            for (RowView row : r) {
                InstanceState* st = impl.identity.find(&m, key_of_row(m, row, 0));
                if (!st) continue;
                std::vector<std::pair<std::size_t, Value>> nv;
                for (std::size_t k = 0; k < cols.size(); ++k)
                    nv.emplace_back(cols[k], row.get<Value>(static_cast<int>(m.pk.size() + k)));
                commit_values(st, m, nv);
            }
        }
        return count;
    }
    if (sync == Synchronize::Fetch) {
        if (conn.dialect().caps().supports_returning && conn.dialect().caps().supports_update_returning) {
            // The keys and the new values of the changed rows come back with the UPDATE.
            std::vector<sql::NodePtr> ret = key_columns(m);
            for (std::size_t c : cols) ret.push_back(m.columns[c].column->ptr());
            Result r = conn.execute(upd.returning_nodes(ret), params);
            for (RowView row : r) {
                ++count;
                InstanceState* st = impl.identity.find(&m, key_of_row(m, row, 0));
                if (!st || st->status != ObjectState::Persistent || st->expired) continue;
                std::vector<std::pair<std::size_t, Value>> nv;
                for (std::size_t k = 0; k < cols.size(); ++k)
                    nv.emplace_back(cols[k], row.get<Value>(static_cast<int>(m.pk.size() + k)));
                commit_values(st, m, nv);
            }
        } else {
            // The keys first; the objects then reload on next use.
            retort::Select q(key_columns(m));
            if (auto c = criteria(stmt)) q = q.where(*c);
            std::vector<std::vector<Value>> keys;
            Result r = conn.execute(q, params);
            for (RowView row : r) keys.push_back(key_of_row(m, row, 0));
            count = conn.execute(upd, params).rowcount();
            for (const auto& k : keys)
                if (InstanceState* st = impl.identity.find(&m, k)) detail::SessionAccess::expire_state(s, st);
        }
        return count;
    }
    return conn.execute(upd, params).rowcount();
}

std::int64_t query_delete(Session& s, const MapperBase& m, const retort::Select& stmt, Synchronize sync,
                          const Params& params) {
    check_bulk(stmt, "delete");
    if (s.options().autoflush) s.flush();
    Evaluator ev(m, params);
    sync = resolve_sync(sync, stmt, ev);
    retort::Delete del = retort::delete_(*m.table);
    if (auto c = criteria(stmt)) del = del.where(*c);
    Connection& conn = s.connection();
    std::vector<InstanceState*> matched;
    std::int64_t count = 0;
    if (sync == Synchronize::Evaluate) matched = evaluate_matches(s, m, stmt, params, ev);
    if (sync == Synchronize::Fetch) {
        std::vector<std::vector<Value>> keys;
        if (conn.dialect().caps().supports_returning) {
            Result r = conn.execute(del.returning_nodes(key_columns(m)), params);
            for (RowView row : r) {
                ++count;
                keys.push_back(key_of_row(m, row, 0));
            }
        } else {
            retort::Select q(key_columns(m));
            if (auto c = criteria(stmt)) q = q.where(*c);
            Result r = conn.execute(q, params);
            for (RowView row : r) keys.push_back(key_of_row(m, row, 0));
            count = conn.execute(del, params).rowcount();
        }
        for (const auto& k : keys)
            if (InstanceState* st = session_impl(s).identity.find(&m, k)) matched.push_back(st);
    } else {
        count = conn.execute(del, params).rowcount();
    }
    // The deleted objects leave the session as a flushed delete's do: a rollback brings them back.
    auto& impl = session_impl(s);
    for (auto* st : matched) impl.remove_newly_deleted(s, st);
    return count;
}

}  // namespace detail

// ---------------------------------------------------------------- select<T>()

SelectBase::SelectBase(const MapperBase& m) : core_(m.select_all()) { node_ = core_.node(); }
SelectBase::SelectBase(const SelectBase& other) = default;
SelectBase::SelectBase(SelectBase&& other) noexcept = default;
SelectBase& SelectBase::operator=(const SelectBase& other) = default;
SelectBase& SelectBase::operator=(SelectBase&& other) noexcept = default;
SelectBase::~SelectBase() = default;

SelectBase SelectBase::with_core(retort::Select c) const {
    SelectBase s = *this;
    s.core_ = std::move(c);
    s.node_ = s.core_.node();
    return s;
}
SelectBase SelectBase::with_where(const Expr<bool>& c) const { return with_core(core_.where(c)); }
SelectBase SelectBase::with_order_by(std::initializer_list<const sql::NodePtr*> columns) const {
    return with_core(core_.order_by_nodes(columns));
}
SelectBase SelectBase::with_limit(std::int64_t n) const { return with_core(core_.limit(n)); }
SelectBase SelectBase::with_offset(std::int64_t n) const { return with_core(core_.offset(n)); }
SelectBase SelectBase::with_distinct() const { return with_core(core_.distinct()); }
SelectBase SelectBase::with_for_update_() const { return with_core(core_.with_for_update()); }
SelectBase SelectBase::with_join(const FromClause& target, std::optional<Expr<bool>> on) const {
    return with_core(core_.join(target, std::move(on)));
}
SelectBase SelectBase::with_join(const MapperBase& m, const detail::MemberKey& rel, std::type_index type,
                                 bool isouter) const {
    const auto* r = m.relationship_for(rel, type);
    if (!r) orm::detail::throw_no_table("join(): the member is not a mapped relationship");
    return with_core(detail::join_relationship(core_, *r, isouter));
}
SelectBase SelectBase::with_options(std::initializer_list<const LoaderOption*> options) const {
    SelectBase s = *this;
    for (const auto* o : options) s.spec_.options.push_back(*o);
    return s;
}
SelectBase SelectBase::with_execution_options(const OrmExecutionOptions& o) const {
    SelectBase s = *this;
    s.spec_.exec = o;
    return s;
}

}  // namespace retort::orm
