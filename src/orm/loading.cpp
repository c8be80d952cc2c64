// Loading rows into objects, and the relationship loaders (lazy, selectin, raise, noload).
#include <algorithm>
#include <limits>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "orm/session_impl.hpp"
#include "retort/dialects/dialect.hpp"
#include "retort/error.hpp"

namespace retort::orm::loading {

namespace {

// A driver value in the form the mapped member gives (UUID text from SQLite becomes a Uuid, ...), so
// identity keys from rows and from objects compare equal.
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
    std::string dir = spec.substr(sp + 1);
    for (auto& ch : dir) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return {spec.substr(0, sp), dir == "DESC"};
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
    if (m.pk.size() == 1 && m.columns[static_cast<std::size_t>(m.pk[0])].column->type.is_integer() &&
        c.get_int_if_set(offset + m.pk[0], int_key)) {
        key.push_back(Value(int_key));  // the common key, read as the member is (no Value of the driver's making)
    } else {
        for (int i : m.pk) {
            const auto& p = m.columns[static_cast<std::size_t>(i)];
            key.push_back(normalized(c.get_value(offset + i), p.column->type));
        }
    }
    if (InstanceState* st = impl.identity.find(&m, key)) {
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
    for (std::size_t i = 0; i < m.columns.size(); ++i) m.columns[i].load(st->obj, c, offset + static_cast<int>(i), m.columns[i]);
    st->session = &s;
    st->status = ObjectState::Persistent;
    st->key = std::move(key);
    tracking::take(st);
    impl.identity.insert(st);
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
}

void set_items(InstanceState* owner, const RelationshipProp& r, std::vector<InstanceState*> items) {
    auto& c = coll_of(owner, r);
    c.items = std::move(items);
    c.loaded = true;
    // Changes made while it was not loaded (through the other side of a back_populates pair, not flushed yet).
    for (auto* x : c.removed) {
        auto it = std::find(c.items.begin(), c.items.end(), x);
        if (it != c.items.end()) c.items.erase(it);
    }
    for (auto* x : c.added)
        if (std::find(c.items.begin(), c.items.end(), x) == c.items.end()) c.items.push_back(x);
}

// A many-to-one target by its key: the identity map first, then one SELECT.
// The target's primary key from the owner's foreign key values, when the join's target columns are that key.
// False when they are not (or a foreign key value is NULL: `null_fk`).
bool key_from_fk(const InstanceState* owner, const RelationshipProp& r, std::vector<Value>& fk, std::vector<Value>& key,
                 bool& null_fk) {
    fk = values_of(owner, firsts(r.pairs));
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

InstanceState* many_to_one_target(Session& s, InstanceState* owner, const RelationshipProp& r) {
    std::vector<Value> fk, key;
    bool null_fk = false;
    // When the referenced columns are the target's primary key, get() finds it in the identity map.
    if (key_from_fk(owner, r, fk, key, null_fk)) return s.get_state(*r.target, key);
    if (null_fk) return nullptr;
    const MapperBase& tm = *r.target;
    retort::Select q = tm.select_all();
    for (std::size_t i = 0; i < r.pairs.size(); ++i) q = q.where(expr(r.pairs[i].second) == bound(fk[i], r.pairs[i].second));
    auto states = s.query(tm, q, {}, {});
    return states.empty() ? nullptr : states.front();
}

}  // namespace

InstanceState* many_to_one_in_memory(Session::Impl& impl, const InstanceState* owner, const RelationshipProp& r, bool& known) {
    std::vector<Value> fk, key;
    bool null_fk = false;
    known = false;
    if (key_from_fk(owner, r, fk, key, null_fk)) {
        InstanceState* t = impl.identity.find(r.target, key);
        known = t != nullptr;
        return t;
    }
    known = null_fk;
    return nullptr;
}

void lazy_load(Session& s, InstanceState* owner, const RelationshipProp& r) {
    if (r.kind == RelKind::ManyToOne) {
        set_ref(owner, r, many_to_one_target(s, owner, r));
        return;
    }
    std::vector<Value> keyvals = values_of(owner, firsts(r.pairs));
    std::vector<InstanceState*> items;
    if (!any_null(keyvals)) {
        Params params;
        params.reserve(keyvals.size());
        for (std::size_t i = 0; i < keyvals.size(); ++i) params.emplace_back(lazy_key_name(i), std::move(keyvals[i]));
        items = s.query(*r.target, lazy_statement(r), {}, params);
    }
    if (r.kind == RelKind::OneToOne) {
        if (items.size() > 1)
            throw MultipleResultsFound("one-to-one '" + r.qualified_name() + "' found " + std::to_string(items.size()) + " rows");
        set_ref(owner, r, items.empty() ? nullptr : items.front());
    } else {
        set_items(owner, r, std::move(items));
    }
}

void eager_load(Session& s, Session::Impl& impl, const MapperBase& m, const std::vector<InstanceState*>& states,
                const std::vector<LoaderOption>& opts) {
    if (states.empty()) return;
    for (const auto& r : m.relationships) {
        Lazy how = r.options.lazy;
        for (const auto& o : opts)
            if (o.resolve() == &r) how = o.strategy;
        std::vector<InstanceState*> todo;
        std::unordered_set<InstanceState*> queued;
        for (auto* st : states) {
            auto& base = st->mapper->relation(st->obj, r);
            if (how != Lazy::Selectin && how != Lazy::Joined) {
                if (!base.loaded) base.lazy = how;
                continue;
            }
            if (!base.loaded && queued.insert(st).second) todo.push_back(st);
        }
        if (todo.empty()) continue;
        const MapperBase& tm = *r.target;
        constexpr std::size_t batch = 500;
        if (r.kind == RelKind::ManyToOne) {
            // Targets not in the identity map yet, loaded with one IN query per batch.
            if (r.pairs.size() == 1 && tm.pk.size() == 1 &&
                tm.columns[static_cast<std::size_t>(tm.pk[0])].column == r.pairs[0].second) {
                std::vector<Value> missing;
                std::unordered_set<std::int64_t> missing_ints;
                for (auto* st : todo) {
                    Value fk = values_of(st, {r.pairs[0].first})[0];
                    if (fk.is_null()) continue;
                    Value k = normalized(fk, r.pairs[0].second->type);
                    if (impl.identity.find(&tm, std::span<const Value>(&k, 1))) continue;
                    if (k.kind() == Value::Kind::Int) {
                        if (missing_ints.insert(std::get<std::int64_t>(k.storage())).second) missing.push_back(k);
                    } else if (std::find(missing.begin(), missing.end(), k) == missing.end()) {
                        missing.push_back(k);
                    }
                }
                for (std::size_t i = 0; i < missing.size(); i += batch) {
                    std::vector<Value> chunk(missing.begin() + static_cast<std::ptrdiff_t>(i),
                                             missing.begin() + static_cast<std::ptrdiff_t>(std::min(missing.size(), i + batch)));
                    retort::Select q = tm.select_all().where(expr(r.pairs[0].second).in_(chunk));
                    (void)s.query(tm, q, {}, {});
                }
            }
            for (auto* st : todo) set_ref(st, r, many_to_one_target(s, st, r));
            continue;
        }
        // One-to-many, one-to-one and many-to-many: children of a batch of parents in one query, grouped by
        // the parent key read from the child row (or the association row).
        if (r.pairs.size() != 1) {
            for (auto* st : todo) lazy_load(s, st, r);
            continue;
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
                else set_items(st, r, {});
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
            Result res = impl.conn(s).execute(q);
            found.clear();
            while (res.next()) {
                const DBAPICursor& c = res.current().cursor();
                InstanceState* child = instance_from_row(s, impl, tm, c, 0, false);
                if (c.is_null(link_index)) continue;
                Value link = normalized(c.get_value(link_index), parent_col->type);
                std::int32_t head = -1;
                if (link.kind() == Value::Kind::Int) {
                    const auto& slot = int_slots[int_slot(std::get<std::int64_t>(link.storage()))];
                    head = slot.second;
                } else {
                    auto it = other_slots.find(IdentityKey{nullptr, {std::move(link)}});
                    if (it != other_slots.end()) head = it->second;
                }
                for (std::int32_t b = head; b >= 0; b = same_key[static_cast<std::size_t>(b)]) found.emplace_back(b, child);
            }
            // Each parent's children, in row order, in a vector of their exact size.
            count.assign(n, 0);
            for (const auto& f : found) ++count[static_cast<std::size_t>(f.first)];
            std::vector<std::vector<InstanceState*>> items(n);
            for (std::size_t b = 0; b < n; ++b) items[b].reserve(count[b]);
            for (const auto& f : found) items[static_cast<std::size_t>(f.first)].push_back(f.second);
            for (std::size_t b = 0; b < n; ++b) {
                InstanceState* st = parents[i + b];
                if (r.kind == RelKind::OneToOne)
                    set_ref(st, r, items[b].empty() ? nullptr : items[b].front());
                else
                    set_items(st, r, std::move(items[b]));
            }
        }
    }
}

}  // namespace retort::orm::loading
