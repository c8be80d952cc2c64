// Loading rows into objects, and the relationship loaders (lazy, selectin, raise, noload).
#include <algorithm>
#include <limits>
#include <mutex>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "detail/text.hpp"
#include "orm/session_impl.hpp"
#include "orm/strategies.hpp"
#include "retort/dialects/dialect.hpp"
#include "retort/error.hpp"

namespace retort::orm::loading {

Value normalized(Value v, const SqlType& t) {
    if (v.kind() == Value::Kind::Text) {
        switch (t.kind) {
            case TypeKind::Uuid: return Uuid::parse(v.as<std::string>());
            case TypeKind::Date: return Date::parse(v.as<std::string>());
            case TypeKind::DateTime: return DateTime::parse(v.as<std::string>());
            case TypeKind::Numeric: return Numeric(v.as<std::string>());
            default: break;
        }
    }
    if (v.kind() == Value::Kind::Bytes && t.kind == TypeKind::Uuid) return Value(v.as<Uuid>());
    return v;
}

namespace {


void set_unloaded(InstanceState* st) {
    for (const auto& r : st->mapper->relationships) {
        auto& base = st->mapper->relation(st->obj, r);
        base.loaded = false;
        base.lazy = r.options.lazy;
    }
}

}  // namespace
}  // namespace retort::orm::loading

namespace retort::orm::tracking {

void take(InstanceState* st) {
    const auto& cols = st->mapper->columns;
    std::size_t n = 0;
    for (const auto& c : cols) n += c.snap_size(st->obj, c);
    if (!st->committed || n > st->snapshot_capacity) {
        if (n > std::numeric_limits<std::uint32_t>::max()) throw InvalidRequestError("an object's column values exceed 4 GiB");
        if (!st->committed && st->arena) {
            st->committed = static_cast<snap::Byte*>(st->arena->bytes(n, 1));
        } else {
            auto* heap = new snap::Byte[n];  // NOLINT: sized at run time, freed with the state
            if (st->snapshot_on_heap) delete[] st->committed;  // NOLINT
            st->committed = heap;
            st->snapshot_on_heap = true;
        }
        st->snapshot_capacity = static_cast<std::uint32_t>(n);
    }
    snap::Byte* out = st->committed;
    for (const auto& c : cols) out = c.snap_put(st->obj, out, c);
    st->has_snapshot = true;
}

void take_from(InstanceState* st, const InstanceState* from) {
    if (!from->has_snapshot) {
        drop(st);
        return;
    }
    // The other object's values, set on this one for as long as its snapshot is taken.
    const auto& cols = st->mapper->columns;
    std::vector<Value> now;
    now.reserve(cols.size());
    for (const auto& c : cols) now.push_back(c.get(st->obj, c));
    for (std::size_t i = 0; i < cols.size(); ++i) cols[i].set(st->obj, committed_value(from, i), cols[i]);
    take(st);
    for (std::size_t i = 0; i < cols.size(); ++i) cols[i].set(st->obj, now[i], cols[i]);
}

void drop(InstanceState* st) noexcept { st->has_snapshot = false; }

bool has(const InstanceState* st) noexcept { return st->has_snapshot; }

bool changed(const InstanceState* st) {
    if (!st->has_snapshot) return false;
    const snap::Byte* in = st->committed;
    for (const auto& c : st->mapper->columns) {
        if (!c.snap_same(st->obj, in, c)) return true;
        in = snap::skip(in);
    }
    return false;
}

void changed_columns(const InstanceState* st, std::vector<int>& out) {
    out.clear();
    if (!st->has_snapshot) return;
    const snap::Byte* in = st->committed;
    const auto& cols = st->mapper->columns;
    for (std::size_t i = 0; i < cols.size(); ++i) {
        if (!cols[i].snap_same(st->obj, in, cols[i])) out.push_back(static_cast<int>(i));
        in = snap::skip(in);
    }
}

Value committed_value(const InstanceState* st, std::size_t i) {
    if (!st->has_snapshot) return {};
    const snap::Byte* in = st->committed;
    for (std::size_t k = 0; k < i; ++k) in = snap::skip(in);
    return snap::read(in);
}

}  // namespace retort::orm::tracking

namespace retort::orm::loading {

std::pair<std::string, bool> order_spec(const std::string& spec) {
    auto sp = spec.find(' ');
    if (sp == std::string::npos) return {spec, false};
    return {spec.substr(0, sp), retort::detail::iequals(std::string_view(spec).substr(sp + 1), "DESC")};
}

const ColumnProp& prop_of(const MapperBase& m, const Column* c) {
    for (const auto& p : m.columns)
        if (p.column == c) return p;
    throw InvalidRequestError("column '" + c->name() + "' is not mapped on " + m.class_name);
}

std::vector<Value> values_of(const InstanceState* st, const std::vector<const Column*>& cols) {
    std::vector<Value> out;
    out.reserve(cols.size());
    for (const Column* c : cols) {
        const ColumnProp& p = prop_of(*st->mapper, c);
        out.push_back(p.get(st->obj, p));
    }
    return out;
}

InstanceState* instance_from_row(Session& s, Session::Impl& impl, const MapperBase& m, const DBAPICursor& c, int offset,
                                 bool overwrite) {
    KeyValues key;
    std::int64_t int_key = 0;
    // An std::int64_t key member read here is set from the key below, not read from the row again.
    int int_key_member = -1;
    if (m.pk.size() == 1 && m.columns[static_cast<std::size_t>(m.pk[0])].column->type.is_integer() &&
        c.get_int_if_set(offset + m.pk[0], int_key)) {
        key.push_back(Value(int_key));  // the common key, read as the member is (no Value of the driver's making)
        if (m.columns[static_cast<std::size_t>(m.pk[0])].load == &detail::MemberOps<std::int64_t>::load)
            int_key_member = m.pk[0];
    } else {
        for (int i : m.pk) {
            const auto& p = m.columns[static_cast<std::size_t>(i)];
            key.push_back(normalized(c.get_value(offset + i), p.column->type));
        }
    }
    const IdentityMap::Probe probe = impl.identity.probe(&m, key);
    if (InstanceState* st = probe.found) {
        if (!overwrite && !st->expired) return st;
        // Expired in part: the columns not expired keep the program's values (changes against the row read now).
        std::vector<std::pair<std::size_t, Value>> kept;
        if (!overwrite && !impl.expired_columns.empty()) {
            if (auto it = impl.expired_columns.find(st); it != impl.expired_columns.end()) {
                for (std::size_t i = 0; i < m.columns.size(); ++i)
                    if (std::find(it->second.begin(), it->second.end(), static_cast<int>(i)) == it->second.end())
                        kept.emplace_back(i, m.columns[i].get(st->obj, m.columns[i]));
                impl.expired_columns.erase(it);
            }
        }
        for (std::size_t i = 0; i < m.columns.size(); ++i) m.columns[i].load(st->obj, c, offset + static_cast<int>(i), m.columns[i]);
        st->expired = false;
        tracking::take(st);
        for (const auto& [i, v] : kept) m.columns[i].set(st->obj, v, m.columns[i]);
        return st;
    }
    InstanceState* st = m.create(*impl.arena);
    for (std::size_t i = 0; i < m.columns.size(); ++i) {
        const ColumnProp& p = m.columns[i];
        if (static_cast<int>(i) == int_key_member) detail::MemberOps<std::int64_t>::at(st->obj, p) = int_key;
        else p.load(st->obj, c, offset + static_cast<int>(i), p);
    }
    st->session = &s;
    st->status = ObjectState::Persistent;
    st->key = std::move(key);
    tracking::take(st);
    impl.identity.insert_at(probe, st);
    if (!m.relationships.empty()) {
        m.bind(st);
        set_unloaded(st);
    }
    return st;
}

namespace {

Expr<Any> expr(const Column* c) { return Expr<Any>(c->ptr()); }
Expr<Any> bound(const Value& v, const Column* c) { return Expr<Any>(retort::detail::make_bind("", v, c->type)); }

retort::Select order(const retort::Select& s, const RelationshipProp& r) {
    retort::Select out = s;
    for (const auto& spec : r.options.order_by) {
        auto [name, desc] = order_spec(spec);
        const Column& col = r.target->table->c(name);
        out = desc ? out.order_by(expr(&col).desc()) : out.order_by(expr(&col));
    }
    return out;
}

detail::RefBase& ref_of(InstanceState* st, const RelationshipProp& r) {
    return static_cast<detail::RefBase&>(st->mapper->relation(st->obj, r));
}
detail::CollectionBase& coll_of(InstanceState* st, const RelationshipProp& r) {
    return static_cast<detail::CollectionBase&>(st->mapper->relation(st->obj, r));
}

std::vector<const Column*> firsts(const std::vector<std::pair<const Column*, const Column*>>& p) {
    std::vector<const Column*> out;
    for (const auto& x : p) out.push_back(x.first);
    return out;
}

bool any_null(const std::vector<Value>& v) {
    return std::any_of(v.begin(), v.end(), [](const Value& x) { return x.is_null(); });
}

// The query for the targets of `r`, restricted by `where` on the join columns.
retort::Select target_query(const RelationshipProp& r) {
    retort::Select q = r.target->select_all();
    if (r.kind == RelKind::ManyToMany) {
        std::vector<Expr<bool>> on;
        for (const auto& [tcol, acol] : r.secondary_pairs) on.push_back(expr(acol) == expr(tcol));
        q = q.join(FromClause(*r.secondary), and_(on));
    }
    return q;
}

std::string lazy_key_name(std::size_t i) { return "lazy_key_" + std::to_string(i); }

// The lazy-load query of a collection relationship, built once per relationship: its targets whose join
// columns equal the bound parameters lazy_key_0, lazy_key_1, ... in the relationship's order.
const retort::Select& lazy_statement(const RelationshipProp& r) {
    static std::mutex mu;
    std::lock_guard lock(mu);
    auto& slot = r.lazy_query;
    if (!slot) {
        retort::Select q = target_query(r);
        for (std::size_t i = 0; i < r.pairs.size(); ++i) {
            const Column* c = r.pairs[i].second;
            q = q.where(expr(c) == Expr<Any>(std::make_shared<sql::BindNode>(lazy_key_name(i), Value{}, c->type, false)));
        }
        slot = std::make_shared<const retort::Select>(order(q, r));
    }
    return *slot;
}

void set_ref(InstanceState* owner, const RelationshipProp& r, InstanceState* target) {
    auto& ref = ref_of(owner, r);
    ref.target = target;
    ref.loaded = true;
    ref.changed = false;
}

// A collection's loaded items, with the changes backrefs made to it while it was not loaded.
void set_items(Session::Impl& impl, InstanceState* owner, const RelationshipProp& r, std::vector<InstanceState*> items) {
    (void)impl;
    auto& c = coll_of(owner, r);
    if (c.loaded) {
        // Loaded again (populate_existing): the rows are the collection now, with no changes to flush.
        c.added.clear();
        c.removed.clear();
        c.changed = false;
    } else {
        // Changes made while it was not loaded (through the other side of a back_populates pair, not flushed yet).
        for (auto* x : c.removed) {
            auto it = std::find(items.begin(), items.end(), x);
            if (it != items.end()) items.erase(it);
        }
        for (auto* x : c.added)
            if (std::find(items.begin(), items.end(), x) == items.end()) items.push_back(x);
    }
    c.items = std::move(items);
    c.loaded = true;
}

// The key of `owner` that a relationship's join reads: its identity key when the join's local columns are its
// primary key (an expired object then needs no reload), else the columns' values.
bool key_from_identity(const InstanceState* owner, const RelationshipProp& r, std::vector<Value>& out) {
    const MapperBase& m = *owner->mapper;
    if (owner->key.empty() || r.pairs.empty()) return false;
    out.assign(r.pairs.size(), Value{});
    for (std::size_t i = 0; i < r.pairs.size(); ++i) {
        bool found = false;
        for (std::size_t k = 0; k < m.pk.size() && !found; ++k)
            if (m.columns[static_cast<std::size_t>(m.pk[k])].column == r.pairs[i].first) {
                out[i] = owner->key[k];
                found = true;
            }
        if (!found) return false;
    }
    return true;
}

// The identity key a many-to-one's foreign key names, when the referenced columns are the target's primary key.
bool target_identity(const InstanceState* owner, const RelationshipProp& r, std::vector<Value>& key, bool& null_fk) {
    std::vector<Value> fk = values_of(owner, firsts(r.pairs));
    null_fk = any_null(fk);
    if (null_fk) return false;
    const MapperBase& tm = *r.target;
    if (r.pairs.size() != tm.pk.size()) return false;
    key.assign(tm.pk.size(), Value{});
    for (std::size_t i = 0; i < r.pairs.size(); ++i) {
        bool found = false;
        for (std::size_t k = 0; k < tm.pk.size(); ++k)
            if (tm.columns[static_cast<std::size_t>(tm.pk[k])].column == r.pairs[i].second) {
                key[k] = normalized(fk[i], r.pairs[i].second->type);
                found = true;
            }
        if (!found) return false;
    }
    return true;
}

// ---------------------------------------------------------------- loader options, resolved

bool eager(Lazy how) noexcept { return strategy_of(how).eager(); }

bool on_path(const std::vector<const MapperBase*>& path, const MapperBase* m) {
    return std::find(path.begin(), path.end(), m) != path.end();
}

// How relationship r of the current level loads: an option that names it (the last one wins), else its mapping.
// A mapping's eager strategy stops at a model already on the path (a cycle such as User.addresses -> Address.user,
// or a self-referential Node.children, loads lazily there) unless its join_depth allows that many levels.
}  // namespace

struct Choice {
    Lazy how = Lazy::Select;
    // An immediate many-to-one stopped by a cycle still takes its target from the identity map (no SQL).
    bool identity_only = false;
    bool contains = false;
    std::optional<FromClause> alias;
    Options sub;  // options for the targets' relationships
};

namespace {

Choice choose(const RelationshipProp& r, const Options& opts, const std::vector<const MapperBase*>& path, int depth) {
    Choice c;
    std::optional<Lazy> how;
    for (const auto& o : opts) {
        const ResolvedStep& st = (*o.path)[o.at];
        if (st.rel != &r) continue;
        if (st.contains) {
            c.contains = true;
            c.alias = st.alias;
        } else if (st.how) {
            how = st.how;
            c.contains = false;
        }
        if (o.at + 1 < o.path->size()) c.sub.push_back(LoadOption{o.path, o.at + 1});
    }
    if (how) {
        c.how = *how;
    } else {
        c.how = r.options.lazy;
        if (eager(c.how)) {
            const bool stop = r.options.join_depth ? depth >= *r.options.join_depth : on_path(path, r.target);
            if (stop) {
                c.identity_only = c.how == Lazy::Immediate && r.kind == RelKind::ManyToOne;
                c.how = Lazy::Select;
            }
        }
    }
    return c;
}

// ---------------------------------------------------------------- joined eager loading and contains_eager

}  // namespace

// One relationship filled from the rows of the query itself: a LEFT OUTER JOIN of its target (aliased), or the
// query's own JOIN (contains_eager). The target's columns are in each row from `offset` on.
struct JoinNode {
    const RelationshipProp* rel = nullptr;
    int offset = 0;
    std::vector<JoinNode> children;
    // Per parent, the targets its rows held, in row order; and every distinct target.
    std::unordered_map<InstanceState*, std::vector<InstanceState*>> found;
    std::vector<InstanceState*> parents;  // in the order first seen
    std::vector<InstanceState*> targets;  // distinct
    StateSet target_set;
};

namespace {

// Adds the JOINs and columns of the relationships that load from the query's rows (for a level whose rows
// come from `source`, the query's own table or an alias of it).
void plan_joins(retort::Select& q, const MapperBase& m, const FromClause& source, const Options& opts,
                std::vector<const MapperBase*>& path, int depth, bool limited, bool for_update, int& next_offset,
                int& alias_no, std::vector<JoinNode>& out) {
    for (const auto& r : m.relationships) {
        Choice c = choose(r, opts, path, depth);
        const MapperBase& tm = *r.target;
        FromClause target = *tm.table;
        if (c.contains) {
            target = c.alias ? *c.alias : FromClause(*tm.table);
        } else if (strategy_of(c.how).joins_into_query(r, limited, for_update)) {
            // The target aliased, joined to this level's source (through an aliased association table).
            target = alias(*tm.table, tm.table->name() + "_" + std::to_string(++alias_no));
            if (r.kind == RelKind::ManyToMany) {
                FromClause assoc = alias(*r.secondary, r.secondary->name() + "_" + std::to_string(++alias_no));
                std::vector<Expr<bool>> on1, on2;
                for (const auto& [pc, ac] : r.pairs) on1.push_back(source.c(pc->name()) == assoc.c(ac->name()));
                for (const auto& [tc, ac] : r.secondary_pairs) on2.push_back(assoc.c(ac->name()) == target.c(tc->name()));
                q = q.outerjoin(assoc, and_(on1)).outerjoin(target, and_(on2));
            } else {
                std::vector<Expr<bool>> on;
                for (const auto& [pc, tc] : r.pairs) on.push_back(source.c(pc->name()) == target.c(tc->name()));
                q = q.outerjoin(target, and_(on));
            }
            // The relationship's own ordering follows the query's.
            for (const auto& spec : r.options.order_by) {
                auto [name, desc] = order_spec(spec);
                q = desc ? q.order_by(target.c(name).desc()) : q.order_by(target.c(name));
            }
        } else {
            continue;
        }
        std::vector<sql::NodePtr> cols;
        for (const auto& col : tm.columns) cols.push_back(target.column_node(col.column->name()));
        q = q.add_column_nodes(cols);
        JoinNode node;
        node.rel = &r;
        node.offset = next_offset;
        next_offset += static_cast<int>(tm.columns.size());
        path.push_back(&tm);
        plan_joins(q, tm, target, c.sub, path, depth + 1, limited, for_update, next_offset, alias_no, node.children);
        path.pop_back();
        out.push_back(std::move(node));
    }
}

// The targets of one row for each planned join under `parent`.
void read_joins(Session& s, Session::Impl& impl, std::vector<JoinNode>& nodes, InstanceState* parent,
                const DBAPICursor& cur, bool refresh) {
    for (auto& n : nodes) {
        auto [it, fresh] = n.found.try_emplace(parent);
        if (fresh) n.parents.push_back(parent);
        const MapperBase& tm = *n.rel->target;
        bool absent = false;
        for (int pk : tm.pk) absent = absent || cur.is_null(n.offset + pk);
        if (absent) continue;
        InstanceState* child = instance_from_row(s, impl, tm, cur, n.offset, refresh);
        auto& list = it->second;
        if (std::find(list.begin(), list.end(), child) == list.end()) list.push_back(child);
        if (n.target_set.insert(child)) n.targets.push_back(child);
        read_joins(s, impl, n.children, child, cur, refresh);
    }
}

// Fills each parent's relationship from the rows (not one already loaded, unless refreshing).
void fill_joined(Session::Impl& impl, JoinNode& n, bool refresh) {
    const RelationshipProp& rel = *n.rel;
    for (auto* parent : n.parents) {
        auto& base = parent->mapper->relation(parent->obj, rel);
        if (base.loaded && !refresh) continue;
        auto& list = n.found[parent];
        if (rel.uselist()) {
            set_items(impl, parent, rel, std::move(list));
        } else {
            if (rel.kind == RelKind::OneToOne && list.size() > 1)
                throw MultipleResultsFound("one-to-one '" + rel.qualified_name() + "' found " + std::to_string(list.size()) +
                                           " rows");
            set_ref(parent, rel, list.empty() ? nullptr : list.front());
        }
    }
}

// The rows of a query of `tm`'s objects (the first tm.columns.size() columns), as objects; the relationships
// that the options join to it (joinedload below a selectin or lazy load) are read from the same rows.
std::vector<InstanceState*> read_objects(Session& s, Session::Impl& impl, const MapperBase& tm, retort::Select q,
                                         bool refresh, const Options& sub, std::vector<const MapperBase*>& path,
                                         int depth, std::vector<JoinNode>& joins) {
    int next_offset = static_cast<int>(tm.columns.size());
    int alias_no = 0;
    plan_joins(q, tm, *tm.table, sub, path, depth, false, false, next_offset, alias_no, joins);
    std::vector<InstanceState*> out;
    StateSet seen;
    Result res = impl.conn(s).execute(q);
    while (res.next()) {
        const DBAPICursor& cur = res.current().cursor();
        InstanceState* st = instance_from_row(s, impl, tm, cur, 0, refresh);
        if (seen.insert(st)) out.push_back(st);
        if (!joins.empty()) read_joins(s, impl, joins, st, cur, refresh);
    }
    return out;
}

void distinct_into(std::vector<InstanceState*>& out, StateSet& seen, InstanceState* st) {
    if (st && seen.insert(st)) out.push_back(st);
}

}  // namespace

// ---------------------------------------------------------------- options

Options resolve_options(const MapperBase& m, const std::vector<LoaderOption>& opts) {
    Options out;
    out.reserve(opts.size());
    for (const auto& o : opts) {
        if (o.path.empty()) continue;
        auto path = std::make_shared<std::vector<ResolvedStep>>();
        const MapperBase* at = &m;
        for (const auto& step : o.path) {
            const RelationshipProp* r = step.resolve();
            if (r->parent != at)
                throw ArgumentError("loader option '" + r->qualified_name() + "' does not apply to " + at->class_name +
                                    (at == &m ? ", the queried model" : ", the previous step's target"));
            path->push_back(ResolvedStep{r, step.strategy, step.contains_eager, step.alias});
            at = r->target;
        }
        out.push_back(LoadOption{std::move(path), 0});
    }
    return out;
}

// ---------------------------------------------------------------- the loaders

// The target of a many-to-one: from the identity map, or loaded (with `opts` and the target's eager mappings
// applied below `path`, the models down to the owner's). Null with a null key, or when no row matches.
// `loaded_now` tells whether it came from a query (which then applied the options already).
static InstanceState* many_to_one_target(Session& s, Session::Impl& impl, InstanceState* owner, const RelationshipProp& r,
                                         LoadMode mode, const Options& opts, const std::vector<const MapperBase*>& path,
                                         bool& loaded_now) {
    loaded_now = false;
    const bool sql_allowed = mode != LoadMode::NoSql;
    auto raise = [&] { throw RaiseLoadError("'" + r.qualified_name() + "' is not available due to lazy='raise_on_sql'"); };
    const MapperBase& tm = *r.target;
    std::vector<Value> key;
    bool null_fk = false;
    retort::Select q;
    Params params;
    if (target_identity(owner, r, key, null_fk)) {
        if (InstanceState* t = impl.identity.find(&tm, key)) {
            if (t->status == ObjectState::Deleted) return nullptr;
            // An expired target is reloaded by a lazy load (its row may be gone: then there is none), as by get();
            // eager loaders and raise_on_sql leave it to reload on first use.
            if (t->expired && mode == LoadMode::Lazy) {
                try {
                    detail::SessionAccess::refresh_state(s, t);
                } catch (const ObjectDeletedError&) {
                    return nullptr;
                }
            }
            return t;
        }
        if (!sql_allowed) raise();
        q = tm.select_by_pk();
        for (std::size_t i = 0; i < key.size(); ++i) params.emplace_back("pk_" + std::to_string(i), key[i]);
    } else {
        if (null_fk) return nullptr;
        if (!sql_allowed) raise();
        std::vector<Value> fk = values_of(owner, firsts(r.pairs));
        q = tm.select_all();
        for (std::size_t i = 0; i < r.pairs.size(); ++i) q = q.where(expr(r.pairs[i].second) == bound(fk[i], r.pairs[i].second));
    }
    loaded_now = true;
    auto states = load_objects(s, impl, tm, q, opts, false, params, path);
    return states.empty() ? nullptr : states.front();
}

std::vector<InstanceState*> lazy_load(Session& s, Session::Impl& impl, InstanceState* owner, const RelationshipProp& r,
                                      const Options& opts, LoadMode mode, const std::vector<const MapperBase*>& path) {
    const bool sql_allowed = mode != LoadMode::NoSql;
    if (r.kind == RelKind::ManyToOne) {
        bool loaded_now = false;
        InstanceState* t = many_to_one_target(s, impl, owner, r, mode, opts, path, loaded_now);
        set_ref(owner, r, t);
        std::vector<InstanceState*> out;
        if (t) {
            out.push_back(t);
            if (!opts.empty() && !loaded_now) {
                std::vector<const MapperBase*> below = path;
                below.push_back(r.target);
                populate(s, impl, *r.target, out, opts, false, below, static_cast<int>(below.size()) - 1, nullptr, true);
            }
        }
        return out;
    }
    if (!sql_allowed) throw RaiseLoadError("'" + r.qualified_name() + "' is not available due to lazy='raise_on_sql'");
    std::vector<Value> keyvals;
    if (!key_from_identity(owner, r, keyvals)) keyvals = values_of(owner, firsts(r.pairs));
    std::vector<InstanceState*> items;
    if (!any_null(keyvals)) {
        Params params;
        params.reserve(keyvals.size());
        for (std::size_t i = 0; i < keyvals.size(); ++i) params.emplace_back(lazy_key_name(i), std::move(keyvals[i]));
        items = load_objects(s, impl, *r.target, lazy_statement(r), opts, false, params, path);
    }
    if (r.kind == RelKind::OneToOne) {
        if (items.size() > 1)
            throw MultipleResultsFound("one-to-one '" + r.qualified_name() + "' found " + std::to_string(items.size()) + " rows");
        set_ref(owner, r, items.empty() ? nullptr : items.front());
    } else {
        set_items(impl, owner, r, items);
    }
    return items;
}

namespace {

// Loads `r` of `todo` with one query per batch of parents (WHERE key IN (...)); returns the distinct targets.
// `sub` and `path` (which ends with the target's model) are for the relationships the options join to the
// targets in the same queries; those joins come back in `joins`.
std::vector<InstanceState*> selectin_load(Session& s, Session::Impl& impl, const RelationshipProp& r,
                                          const std::vector<InstanceState*>& todo, bool refresh, const Options& sub,
                                          std::vector<const MapperBase*>& path, int depth,
                                          std::vector<JoinNode>& joins) {
    const MapperBase& tm = *r.target;
    const std::vector<const MapperBase*> owner_path(path.begin(), path.end() - 1);  // `path` ends with tm
    constexpr std::size_t batch = 500;
    std::vector<InstanceState*> targets;
    StateSet seen;
    if (r.kind == RelKind::ManyToOne) {
        // Targets not in the identity map yet (all of them when refreshing), loaded with one IN query per batch.
        const bool by_key = r.pairs.size() == 1 && tm.pk.size() == 1 &&
                            tm.columns[static_cast<std::size_t>(tm.pk[0])].column == r.pairs[0].second;
        if (by_key) {
            std::vector<Value> missing;
            std::unordered_set<std::int64_t> missing_ints;
            for (auto* st : todo) {
                Value fk = values_of(st, {r.pairs[0].first})[0];
                if (fk.is_null()) continue;
                Value k = normalized(fk, r.pairs[0].second->type);
                if (!refresh) {
                    InstanceState* t = impl.identity.find(&tm, std::span<const Value>(&k, 1));
                    if (t && !t->expired) continue;
                }
                if (k.kind() == Value::Kind::Int) {
                    if (missing_ints.insert(std::get<std::int64_t>(k.storage())).second) missing.push_back(k);
                } else if (std::find(missing.begin(), missing.end(), k) == missing.end()) {
                    missing.push_back(k);
                }
            }
            for (std::size_t i = 0; i < missing.size(); i += batch) {
                std::vector<Value> chunk(missing.begin() + static_cast<std::ptrdiff_t>(i),
                                         missing.begin() + static_cast<std::ptrdiff_t>(std::min(missing.size(), i + batch)));
                (void)read_objects(s, impl, tm, tm.select_all().where(expr(r.pairs[0].second).in_(chunk)), refresh, sub,
                                   path, depth, joins);
            }
        }
        // The targets by key are in the identity map now, or have no row; others load one by one.
        for (auto* st : todo) {
            InstanceState* t = nullptr;
            std::vector<Value> key;
            bool null_fk = false;
            if (target_identity(st, r, key, null_fk)) {
                t = impl.identity.find(&tm, key);
                if (t && t->status == ObjectState::Deleted) t = nullptr;
            }
            if (!t && !null_fk && !by_key) {
                bool loaded_now = false;
                t = many_to_one_target(s, impl, st, r, LoadMode::Eager, {}, owner_path, loaded_now);
            }
            set_ref(st, r, t);
            distinct_into(targets, seen, t);
        }
        return targets;
    }
    // One-to-many, one-to-one and many-to-many: children of a batch of parents in one query, grouped by
    // the parent key read from the child row (or the association row).
    if (r.pairs.size() != 1) {
        for (auto* st : todo)
            for (auto* t : lazy_load(s, impl, st, r, sub, LoadMode::Eager, owner_path)) distinct_into(targets, seen, t);
        return targets;
    }
    const Column* parent_col = r.pairs[0].first;
    const Column* link_col = r.pairs[0].second;  // child's fk column, or the association's column
    const ColumnProp& parent_prop = prop_of(*todo.front()->mapper, parent_col);
    std::vector<InstanceState*> parents;  // those with a key, in todo's order
    std::vector<Value> keys;
    parents.reserve(todo.size());
    keys.reserve(todo.size());
    for (auto* st : todo) {
        Value k = parent_prop.get(st->obj, parent_prop);
        if (k.is_null()) {
            if (r.kind == RelKind::OneToOne) set_ref(st, r, nullptr);
            else set_items(impl, st, r, {});
            continue;
        }
        parents.push_back(st);
        keys.push_back(normalized(std::move(k), parent_col->type));
    }
    // A batch's parents by key: integer keys (the common case) in a small open-addressing table, others in a
    // map. Parents that share a key (a join on a column that is not unique) are chained and all get the rows.
    constexpr std::size_t table_size = 2048;  // a power of two, at least twice the batch
    static_assert(table_size >= 2 * batch);
    std::vector<std::pair<std::int64_t, std::int32_t>> int_slots;
    std::unordered_map<IdentityKey, std::int32_t, IdentityKeyHash> other_slots;
    std::vector<std::int32_t> same_key;                          // next parent of the batch with the same key
    std::vector<std::pair<std::int32_t, InstanceState*>> found;  // (parent in the batch, child) per row
    std::vector<std::uint32_t> count;
    auto int_slot = [&](std::int64_t k) {
        std::size_t i = static_cast<std::size_t>((static_cast<std::uint64_t>(k) * 0x9E3779B97F4A7C15ULL) >> 53);
        while (int_slots[i].second >= 0 && int_slots[i].first != k) i = (i + 1) & (table_size - 1);
        return i;
    };
    // The link column's place in each row: one of the child's own columns (a one-to-many's foreign key), or
    // added after them (a many-to-many's association column).
    int link_index = -1;
    for (std::size_t c = 0; c < tm.columns.size() && link_index < 0; ++c)
        if (tm.columns[c].column == link_col) link_index = static_cast<int>(c);
    const bool add_link = link_index < 0;
    const bool int_keys = parent_col->type.is_integer();
    if (add_link) link_index = static_cast<int>(tm.columns.size());
    for (std::size_t i = 0; i < keys.size(); i += batch) {
        const std::size_t n = std::min(keys.size(), i + batch) - i;
        int_slots.assign(table_size, {0, -1});
        other_slots.clear();
        same_key.assign(n, -1);
        for (std::size_t b = 0; b < n; ++b) {
            const Value& k = keys[i + b];
            std::int32_t* head;
            if (k.kind() == Value::Kind::Int) {
                auto& slot = int_slots[int_slot(std::get<std::int64_t>(k.storage()))];
                slot.first = std::get<std::int64_t>(k.storage());
                head = &slot.second;
            } else {
                head = &other_slots.try_emplace(IdentityKey{nullptr, {k}}, -1).first->second;
            }
            same_key[b] = *head;
            *head = static_cast<std::int32_t>(b);
        }
        std::vector<Value> chunk(keys.begin() + static_cast<std::ptrdiff_t>(i),
                                 keys.begin() + static_cast<std::ptrdiff_t>(i + n));
        retort::Select q = target_query(r);
        if (add_link) q = q.add_columns(expr(link_col));
        q = q.where(expr(link_col).in_(chunk));
        // Ordered by the parent they belong to first: each parent's rows keep the relationship's order, and
        // the database can read them in the order of an index on the link column instead of sorting them.
        if (!r.options.order_by.empty()) q = q.order_by(expr(link_col));
        q = order(q, r);
        if (i == 0) {
            int next_offset = static_cast<int>(tm.columns.size()) + (add_link ? 1 : 0);
            int alias_no = 0;
            plan_joins(q, tm, *tm.table, sub, path, depth, false, false, next_offset, alias_no, joins);
        } else if (!joins.empty()) {
            // The same joins for every batch: plan them again on this batch's query (into a throwaway plan).
            std::vector<JoinNode> again;
            int next_offset = static_cast<int>(tm.columns.size()) + (add_link ? 1 : 0);
            int alias_no = 0;
            plan_joins(q, tm, *tm.table, sub, path, depth, false, false, next_offset, alias_no, again);
        }
        Result res = impl.conn(s).execute(q);
        found.clear();
        // Joined rows repeat a child for its parent: once per (parent, child).
        std::set<std::pair<std::int32_t, InstanceState*>> pairs_seen;
        while (res.next()) {
            const DBAPICursor& c = res.current().cursor();
            InstanceState* child = instance_from_row(s, impl, tm, c, 0, refresh);
            // A child row of a one-to-many or one-to-one comes once (its one link value puts it in one batch);
            // an association's rows and joined rows repeat children.
            if (r.kind == RelKind::ManyToMany || !joins.empty()) distinct_into(targets, seen, child);
            else targets.push_back(child);
            if (!joins.empty()) read_joins(s, impl, joins, child, c, refresh);
            std::int32_t head = -1;
            std::int64_t int_link = 0;
            if (int_keys && c.get_int_if_set(link_index, int_link)) {
                head = int_slots[int_slot(int_link)].second;  // an integer key, read without a Value
            } else if (c.is_null(link_index)) {
                continue;
            } else if (Value link = normalized(c.get_value(link_index), parent_col->type); link.kind() == Value::Kind::Int) {
                const auto& slot = int_slots[int_slot(std::get<std::int64_t>(link.storage()))];
                head = slot.second;
            } else {
                auto it = other_slots.find(IdentityKey{nullptr, {std::move(link)}});
                if (it != other_slots.end()) head = it->second;
            }
            for (std::int32_t b = head; b >= 0; b = same_key[static_cast<std::size_t>(b)]) {
                if (!joins.empty() && !pairs_seen.insert({b, child}).second) continue;
                found.emplace_back(b, child);
            }
        }
        // Each parent's children, in row order, in a vector of their exact size.
        count.assign(n, 0);
        for (const auto& f : found) ++count[static_cast<std::size_t>(f.first)];
        std::vector<std::vector<InstanceState*>> items(n);
        for (std::size_t b = 0; b < n; ++b) items[b].reserve(count[b]);
        for (const auto& f : found) items[static_cast<std::size_t>(f.first)].push_back(f.second);
        for (std::size_t b = 0; b < n; ++b) {
            InstanceState* st = parents[i + b];
            if (r.kind == RelKind::OneToOne) {
                if (items[b].size() > 1)
                    throw MultipleResultsFound("one-to-one '" + r.qualified_name() + "' found " +
                                               std::to_string(items[b].size()) + " rows");
                set_ref(st, r, items[b].empty() ? nullptr : items[b].front());
            } else {
                set_items(impl, st, r, std::move(items[b]));
            }
        }
    }
    return targets;
}

// ---------------------------------------------------------------- the strategies

// select (lazy on first use), and the strategies that never load with the query (noload, raise, raise_on_sql):
// each object keeps its relationship unloaded, marked with the strategy, and the deeper options for its first use.
class DeferredLoader : public LoaderStrategy {
public:
    void after_rows(StrategyStep& st, const std::vector<InstanceState*>& todo) const override {
        const RelationshipProp& r = st.r;
        for (auto* o : todo) {
            auto& base = st.m.relation(o->obj, r);
            if (st.choice.identity_only && !base.loaded) {
                // An immediate many-to-one stopped by a cycle: its target from the identity map, no SQL.
                std::vector<Value> key;
                bool null_fk = false;
                InstanceState* t = target_identity(o, r, key, null_fk) ? st.impl.identity.find(r.target, key) : nullptr;
                if (t && t->status != ObjectState::Deleted) {
                    set_ref(o, r, t);
                    continue;
                }
                if (null_fk) {
                    set_ref(o, r, nullptr);
                    continue;
                }
            }
            if (base.loaded) {
                // populate_existing: loaded again on next use.
                base.loaded = false;
                base.changed = false;
                if (r.uselist()) {
                    auto& coll = coll_of(o, r);
                    coll.items.clear();
                    coll.added.clear();
                    coll.removed.clear();
                } else {
                    ref_of(o, r).target = nullptr;
                }
            }
            base.lazy = lazy();
            if (!st.choice.sub.empty()) st.impl.lazy_options[&base] = std::make_shared<const Options>(st.choice.sub);
        }
    }
};

class SelectLoader final : public DeferredLoader {
public:
    Lazy lazy() const noexcept override { return Lazy::Select; }
    const char* name() const noexcept override { return "select"; }
};

class NoLoader final : public DeferredLoader {
public:
    Lazy lazy() const noexcept override { return Lazy::NoLoad; }
    const char* name() const noexcept override { return "noload"; }
    bool on_first_use(detail::RelationBase& base, bool collection) const override {
        if (collection) base.loaded = true;  // stays empty; a many-to-one stays as it is
        return false;
    }
    Lazy on_refresh() const noexcept override { return Lazy::Select; }
};

class RaiseLoader final : public DeferredLoader {
public:
    Lazy lazy() const noexcept override { return Lazy::Raise; }
    const char* name() const noexcept override { return "raise"; }
    bool on_first_use(detail::RelationBase& base, bool) const override {
        throw RaiseLoadError("'" + base.prop->qualified_name() + "' is not available due to lazy='raise'");
    }
    Lazy on_refresh() const noexcept override { return Lazy::Select; }
};

class RaiseOnSqlLoader final : public DeferredLoader {
public:
    Lazy lazy() const noexcept override { return Lazy::RaiseOnSql; }
    const char* name() const noexcept override { return "raise_on_sql"; }
    bool sql_on_first_use() const noexcept override { return false; }
};

// selectin: one query per batch of parents (WHERE key IN (...)), the deeper options joined into it.
class SelectInLoader : public LoaderStrategy {
public:
    Lazy lazy() const noexcept override { return Lazy::Selectin; }
    const char* name() const noexcept override { return "selectin"; }
    bool eager() const noexcept override { return true; }
    void after_rows(StrategyStep& st, const std::vector<InstanceState*>& todo) const override {
        st.targets = selectin_load(st.s, st.impl, st.r, todo, st.refresh, st.choice.sub, st.path, st.depth + 1, st.joins);
        st.next_joins = &st.joins;
    }
};

// joined: a LEFT OUTER JOIN in the query itself; where the query cannot take one (a collection under LIMIT, a
// locking query) or did not read this level, a selectin query instead.
class JoinedLoader final : public SelectInLoader {
public:
    Lazy lazy() const noexcept override { return Lazy::Joined; }
    const char* name() const noexcept override { return "joined"; }
    bool joins_into_query(const RelationshipProp& r, bool limited, bool for_update) const override {
        return !(r.uselist() && limited) && !for_update;
    }
};

// immediate: each object's relationship loaded right after the query, one load per object.
class ImmediateLoader final : public LoaderStrategy {
public:
    Lazy lazy() const noexcept override { return Lazy::Immediate; }
    const char* name() const noexcept override { return "immediate"; }
    bool eager() const noexcept override { return true; }
    void after_rows(StrategyStep& st, const std::vector<InstanceState*>& todo) const override {
        const std::vector<const MapperBase*> owner_path(st.path.begin(), st.path.end() - 1);  // down to st.m
        for (auto* o : todo) {
            auto& base = st.m.relation(o->obj, st.r);
            if (base.loaded && !st.refresh) continue;  // filled by an earlier object's load (a backref)
            for (auto* t : lazy_load(st.s, st.impl, o, st.r, st.choice.sub, LoadMode::Eager, owner_path))
                distinct_into(st.targets, st.seen, t);
        }
    }
};

}  // namespace

bool LoaderStrategy::on_first_use(detail::RelationBase&, bool) const { return true; }

const LoaderStrategy& strategy_of(Lazy how) noexcept {
    static const SelectLoader select;
    static const SelectInLoader selectin;
    static const JoinedLoader joined;
    static const RaiseLoader raise;
    static const NoLoader noload;
    static const RaiseOnSqlLoader raise_on_sql;
    static const ImmediateLoader immediate;
    switch (how) {
        case Lazy::Select: return select;
        case Lazy::Selectin: return selectin;
        case Lazy::Joined: return joined;
        case Lazy::Raise: return raise;
        case Lazy::NoLoad: return noload;
        case Lazy::RaiseOnSql: return raise_on_sql;
        case Lazy::Immediate: return immediate;
    }
    return select;
}

void populate(Session& s, Session::Impl& impl, const MapperBase& m, const std::vector<InstanceState*>& states,
              const Options& opts, bool refresh, std::vector<const MapperBase*>& path, int depth,
              std::vector<JoinNode>* joined, bool distinct) {
    if (states.empty() || m.relationships.empty()) return;
    // Each object once (a query's rows may repeat one); a few (a lazy load's) are compared pairwise.
    if (!distinct && states.size() <= 32) {
        distinct = true;
        for (std::size_t i = 1; i < states.size() && distinct; ++i)
            for (std::size_t j = 0; j < i; ++j)
                if (states[j] == states[i]) {
                    distinct = false;
                    break;
                }
    }
    std::vector<InstanceState*> once;
    const std::vector<InstanceState*>& objs = distinct ? states : once;
    if (!distinct) {
        StateSet seen_once;
        seen_once.reserve(states.size());
        once.reserve(states.size());
        for (auto* st : states)
            if (st->mapper == &m && seen_once.insert(st)) once.push_back(st);
    }
    // Per object of objs: this relationship was loaded by the strategy just now.
    char few[64];
    std::vector<char> many;
    if (objs.size() > sizeof(few)) many.resize(objs.size());
    char* const loaded_now = many.empty() ? few : many.data();
    for (const auto& r : m.relationships) {
        Choice c = choose(r, opts, path, depth);
        JoinNode* node = nullptr;
        if (joined)
            for (auto& n : *joined)
                if (n.rel == &r) node = &n;
        std::vector<InstanceState*> targets;
        StateSet seen;
        std::vector<JoinNode> joins;  // those a selectin query of this level planned
        std::vector<JoinNode>* next_joins = nullptr;
        path.push_back(r.target);
        std::fill_n(loaded_now, objs.size(), char{0});
        if (node) {
            fill_joined(impl, *node, refresh);
            targets = node->targets;
            next_joins = &node->children;
        } else {
            // contains_eager where the query did not read this level (a lazy load, a selectin query): as the
            // mapping says, keeping the deeper options.
            if (c.contains) c.how = r.options.lazy;
            std::vector<InstanceState*> todo;
            for (std::size_t i = 0; i < objs.size(); ++i) {
                InstanceState* st = objs[i];
                if (st->mapper != &m) continue;
                auto& base = m.relation(st->obj, r);
                if (base.loaded && !refresh) continue;
                loaded_now[i] = 1;
                todo.push_back(st);
            }
            if (!todo.empty()) {
                StrategyStep step{s, impl, m, r, c, refresh, path, depth, targets, seen, joins, next_joins};
                strategy_of(c.how).after_rows(step, todo);
            }
        }
        // Objects already holding this relationship (eager): the deeper loaders still apply to what it holds
        // (its persistent members; new ones have nothing to load). A lazy one that is loaded is left as it is.
        if (eager(c.how) || c.contains) {
            // A selectin query (joined falls back to one here) sets the relationship of every object it was given,
            // and what they hold now is in targets already.
            const bool covered = !node && (c.how == Lazy::Selectin || c.how == Lazy::Joined);
            bool seen_filled = false;
            for (std::size_t i = 0; i < objs.size(); ++i) {
                InstanceState* st = objs[i];
                if (st->mapper != &m || (covered && loaded_now[i])) continue;
                auto& base = m.relation(st->obj, r);
                if (!base.loaded) continue;
                if (!seen_filled) {
                    seen.reserve(targets.size());
                    seen.insert(targets.begin(), targets.end());
                    seen_filled = true;
                }
                if (r.uselist()) {
                    for (auto* t : coll_of(st, r).items)
                        if (t->status == ObjectState::Persistent) distinct_into(targets, seen, t);
                } else if (auto* t = ref_of(st, r).target; t && t->status == ObjectState::Persistent) {
                    distinct_into(targets, seen, t);
                }
            }
        }
        if (!targets.empty() && (eager(c.how) || c.contains || !c.sub.empty() || next_joins))
            populate(s, impl, *r.target, targets, c.sub, refresh, path, depth + 1, next_joins, true);
        path.pop_back();
    }
    if (refresh) {
        // populate_existing: every relationship of these objects was loaded again or reset, so what was changed in
        // them and not flushed is gone, as their columns' changes are.
        for (auto* st : objs) {
            if (st->mapper != &m) continue;
            for (const auto& r : m.relationships) {
                auto& base = m.relation(st->obj, r);
                base.changed = false;
                if (r.uselist()) {
                    auto& coll = coll_of(st, r);
                    coll.added.clear();
                    coll.removed.clear();
                }
            }
            st->rel_dirty = false;
        }
    }
}

std::vector<InstanceState*> load_objects(Session& s, Session::Impl& impl, const MapperBase& m, const retort::Select& stmt,
                                         const Options& opts, bool refresh, const Params& params,
                                         std::vector<const MapperBase*> path) {
    Connection& c = impl.conn(s);
    std::vector<InstanceState*> out;
    path.push_back(&m);
    const int depth = static_cast<int>(path.size()) - 1;
    const auto& sel = stmt.data();
    std::vector<JoinNode> joins;
    retort::Select q = stmt;
    int next_offset = static_cast<int>(m.columns.size());
    int alias_no = 0;
    // Under LIMIT/OFFSET a joined collection would cut the parents' rows; under FOR UPDATE PostgreSQL refuses
    // the nullable side of an outer join: those load with a second query instead.
    plan_joins(q, m, *m.table, opts, path, depth, sel.limit || sel.offset,
               sel.for_update && c.dialect().caps().supports_for_update, next_offset, alias_no, joins);
    if (joins.empty()) {
        Result r = c.execute(stmt, params);
        if (const std::int64_t n = r.size_hint(); n > 0) {
            out.reserve(static_cast<std::size_t>(n));
            impl.identity.reserve(static_cast<std::size_t>(n));
        }
        while (r.next()) out.push_back(instance_from_row(s, impl, m, r.current().cursor(), 0, refresh));
    } else {
        // Rows repeat a parent once per joined row: each object once, in the order first seen.
        StateSet seen;
        Result r = c.execute(q, params);
        while (r.next()) {
            const DBAPICursor& cur = r.current().cursor();
            InstanceState* parent = instance_from_row(s, impl, m, cur, 0, refresh);
            if (seen.insert(parent)) out.push_back(parent);
            read_joins(s, impl, joins, parent, cur, refresh);
        }
    }
    populate(s, impl, m, out, opts, refresh, path, depth, joins.empty() ? nullptr : &joins, !joins.empty());
    return out;
}

}  // namespace retort::orm::loading

namespace retort::orm::loading {

void load_eager_defaults(Session& s, Session::Impl& impl, InstanceState* st) {
    const MapperBase& m = *st->mapper;
    bool any = false;
    for (const auto& r : m.relationships) any = any || eager(r.options.lazy);
    if (!any) return;
    std::vector<const MapperBase*> path{&m};
    populate(s, impl, m, {st}, {}, false, path, 0, nullptr, true);
}

InstanceState* many_to_one_in_memory(Session::Impl& impl, const InstanceState* owner, const RelationshipProp& r, bool& known) {
    std::vector<Value> key;
    bool null_fk = false;
    known = false;
    if (target_identity(owner, r, key, null_fk)) {
        InstanceState* t = impl.identity.find(r.target, key);
        known = t != nullptr;
        return t;
    }
    known = null_fk;
    return nullptr;
}

void after_refresh(Session& s, Session::Impl& impl, InstanceState* st) {
    const MapperBase& m = *st->mapper;
    for (const auto& rel : m.relationships) {
        auto& base = m.relation(st->obj, rel);
        base.loaded = false;
        base.lazy = rel.options.lazy;
    }
    load_eager_defaults(s, impl, st);
}

}  // namespace retort::orm::loading
