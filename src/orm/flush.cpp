// The unit of work: turns the session's pending, changed and deleted objects into INSERT, UPDATE and DELETE
// statements in dependency order (parents before children, association rows after both ends, deletes in
// reverse), batching statements of one shape.
#include <cctype>
#include <algorithm>
#include <map>
#include <set>
#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "detail/text.hpp"
#include "engine/engine_impl.hpp"
#include "orm/session_impl.hpp"
#include "retort/dialects/dialect.hpp"
#include "retort/error.hpp"

namespace retort::orm {

namespace {

using detail::CollectionBase;
using detail::RefBase;

RefBase& ref_of(InstanceState* st, const RelationshipProp& r) {
    return static_cast<RefBase&>(st->mapper->relation(st->obj, r));
}
CollectionBase& coll_of(InstanceState* st, const RelationshipProp& r) {
    return static_cast<CollectionBase&>(st->mapper->relation(st->obj, r));
}

// Loads a relationship the flush needs (the children a deleted parent lets go of) whatever its loader says:
// lazy = Raise guards the program's reads, not the unit of work's, as in SQLAlchemy.
template <class Load>
void load_ignoring_raise(detail::RelationBase& base, Load load) {
    if (base.loaded || (base.lazy != Lazy::Raise && base.lazy != Lazy::RaiseOnSql)) return load();
    const Lazy was = base.lazy;
    base.lazy = Lazy::Select;
    try {
        load();
    } catch (...) {
        base.lazy = was;
        throw;
    }
    base.lazy = was;
}

// The server default "gen_random_uuid()", however spaced or cased.
bool is_gen_random_uuid(std::string_view sql) {
    return retort::detail::to_lower(retort::detail::remove_space(sql)) == "gen_random_uuid()";
}

// The version an object takes after `current` (null: at INSERT).
Value next_version(const MapperBase& m, const Value& current) {
    if (m.version.generator) return m.version.generator(current);
    return Value(current.is_null() ? std::int64_t{1} : current.as<std::int64_t>() + 1);
}

// An order for key values, so that flushes run their statements in a repeatable order.
bool value_less(const Value& a, const Value& b) {
    if (a.kind() != b.kind()) return a.kind() < b.kind();
    switch (a.kind()) {
        case Value::Kind::Int: return std::get<std::int64_t>(a.storage()) < std::get<std::int64_t>(b.storage());
        case Value::Kind::Text: return std::get<std::string>(a.storage()) < std::get<std::string>(b.storage());
        case Value::Kind::Uuid: return std::get<Uuid>(a.storage()) < std::get<Uuid>(b.storage());
        default: return a.repr() < b.repr();
    }
}

bool key_less(const InstanceState* a, const InstanceState* b) {
    if (a->mapper != b->mapper) return a->mapper->class_name < b->mapper->class_name;
    if (a->key.is_int() && b->key.is_int()) return a->key.int_value() < b->key.int_value();
    return a->key.with_values([&](std::span<const Value> ka) {
        return b->key.with_values([&](std::span<const Value> kb) {
            return std::lexicographical_compare(ka.begin(), ka.end(), kb.begin(), kb.end(), value_less);
        });
    });
}

// Sorts objects of one mapper by primary key; integer keys (the common case) without comparing Values.
void sort_by_key(StateList& states) {
    const bool ints = std::all_of(states.begin(), states.end(), [](const InstanceState* st) {
        return st->key.is_int();
    });
    if (!ints) {
        std::sort(states.begin(), states.end(), key_less);
        return;
    }
    std::vector<std::pair<std::int64_t, InstanceState*>> keyed;
    keyed.reserve(states.size());
    for (auto* st : states) keyed.emplace_back(st->key.int_value(), st);
    std::sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (std::size_t i = 0; i < keyed.size(); ++i) states[i] = keyed[i].second;
}

void set_column(InstanceState* st, const Column* c, const Value& v) {
    const ColumnProp& p = loading::prop_of(*st->mapper, c);
    if (v.is_null() && !c->nullable() && p.member_type != typeid(std::optional<std::string>)) {
        // Setting a NOT NULL key to NULL would fail in the database; say why here instead.
        try {
            p.set(st->obj, v, p);
        } catch (const TypeError&) {
            throw InvalidRequestError("cannot set '" + c->name() + "' of " + st->mapper->describe(st) +
                                      " to NULL: it is not nullable; delete the object or cascade the delete");
        }
        return;
    }
    p.set(st->obj, v, p);
}

// Orders rows so that whenever links(row, before) calls before(a, b) with a and b both among the rows, a comes
// first: the predecessor links are gathered once, then the rows go level by level, each level in the given order:
// first every row that waits for none, then every row that waited only for those, and so on (a tree of rows goes
// in as many batches as it has levels, and rows added in some order keep it within their level, as SQLAlchemy's
// unit of work does). Rows left in a cycle come last, in the given order, and set `cyclic`.
template <class Links>
StateList sweep_order(const StateList& rows, Links links, bool& cyclic) {
    const std::size_t n = rows.size();
    std::unordered_map<const InstanceState*, std::size_t> index;
    index.reserve(n);
    for (std::size_t i = 0; i < n; ++i) index.emplace(rows[i], i);
    std::vector<std::size_t> waiting(n, 0);            // predecessors of row i not placed yet
    std::vector<std::vector<std::size_t>> after(n);    // rows that wait for row i
    auto before = [&](const InstanceState* a, const InstanceState* b) {
        if (!a || !b || a == b) return;
        auto ia = index.find(a), ib = index.find(b);
        if (ia == index.end() || ib == index.end()) return;
        after[ia->second].push_back(ib->second);
        ++waiting[ib->second];
    };
    for (auto* row : rows) links(row, before);
    // A row that becomes ready waits for the next level, even when it comes later in the given order than the
    // row that made it ready.
    StateList ordered;
    ordered.reserve(n);
    using MinHeap = std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>>;
    MinHeap current, next;
    for (std::size_t i = 0; i < n; ++i)
        if (!waiting[i]) current.push(i);
    std::vector<char> placed(n, 0);
    while (!current.empty()) {
        const std::size_t i = current.top();
        current.pop();
        placed[i] = 1;
        ordered.push_back(rows[i]);
        for (std::size_t j : after[i])
            if (--waiting[j] == 0) next.push(j);
        if (current.empty()) std::swap(current, next);
    }
    cyclic = ordered.size() < n;
    if (cyclic)
        for (std::size_t i = 0; i < n; ++i)
            if (!placed[i]) ordered.push_back(rows[i]);
    return ordered;
}

// INSERT INTO the mapper's table of the columns `given` (one bind each), RETURNING the columns `fetched`.
retort::Insert insert_of(const MapperBase& m, const std::vector<int>& given, const std::vector<int>& fetched) {
    retort::Insert ins(*m.table);
    for (int c : given) {
        const Column& col = *m.columns[static_cast<std::size_t>(c)].column;
        ins = ins.value_node(Expr<Any>(col.ptr()), std::make_shared<sql::BindNode>(col.name(), Value{}, col.type, false));
    }
    if (fetched.empty()) return ins;
    std::vector<sql::NodePtr> ret;
    for (int c : fetched) ret.push_back(m.columns[static_cast<std::size_t>(c)].column->ptr());
    return ins.returning_nodes(ret);
}

struct Flush {
    Session& s;
    Session::Impl& impl;
    Connection& conn;

    // Parent-side sync rules: the child's foreign key columns take the parent's key (or NULL).
    struct Rule {
        const RelationshipProp* rel;
        InstanceState* parent;  // null: clear the foreign key
    };
    std::unordered_map<InstanceState*, std::vector<Rule>> rules;
    std::unordered_set<InstanceState*> deleting;

    // Statements built once per flush per shape.
    std::map<std::pair<const MapperBase*, std::vector<int>>, Executable> insert_stmts, update_stmts;

    void cascade_deletes();
    void collect_rules();
    void sync_foreign_keys(InstanceState* st);
    std::vector<const MapperBase*> mapper_order();
    void insert_all(const MapperBase& m, const StateList& states);
    bool insert_with_prefetched_keys(const MapperBase& m, const StateList& ordered, std::size_t i,
                                     std::size_t j, const std::vector<int>& shape, const std::vector<int>& fetch);
    void insert_without_returning(const MapperBase& m, const StateList& ordered, std::size_t i, std::size_t j,
                                  const std::vector<int>& shape);
    void insert_defaults(const MapperBase& m, const StateList& ordered, std::size_t i, std::size_t j,
                         const std::vector<int>& fetch);
    // Without RETURNING: the key the database gave the row just inserted for `st`, from the dialect
    // (Dialect::inserted_key: the driver's last-inserted-id), set on the object.
    void read_inserted_key(const MapperBase& m, InstanceState* st);
    // Reads column `col` of an inserted object from its row (by key) as its loaded value.
    void read_columns(InstanceState* st, int col);
    void update_all(const MapperBase& m, const StateList& states);
    void delete_all(const MapperBase& m, StateList states);
    // The object's primary key changed (UPDATEd): a new identity, and referring objects follow.
    void rekey(InstanceState* st);
    void row_switches();
    StateList switched;  // objects whose rows new objects took over (their association rows go)
    // The association rows of objects being deleted (before any of their tables' rows go).
    void delete_association_rows(const MapperBase& m, const StateList& states);
    void associations();
    void run();
};

void Flush::cascade_deletes() {
    // A child marked for deletion (by a delete cascade) that a parent's one-to-many or one-to-one took since is
    // saved instead: the delete is taken back.
    if (!impl.deleted.empty() && (impl.relations_changed || !impl.pending.empty())) {
        auto take_back = [&](InstanceState* child) {
            if (!child || !child->marked_deleted) return;
            auto d = std::find(impl.deleted.begin(), impl.deleted.end(), child);
            if (d != impl.deleted.end()) impl.deleted.erase(d);
            child->marked_deleted = false;
        };
        auto parents = [&](InstanceState* p) {
            if (p->marked_deleted) return;
            for (const auto& r : p->mapper->relationships) {
                if (r.kind == RelKind::OneToMany) {
                    auto& c = coll_of(p, r);
                    for (auto* child : p->status == ObjectState::Pending ? c.items : c.added) take_back(child);
                } else if (r.kind == RelKind::OneToOne) {
                    auto& ref = ref_of(p, r);
                    if (ref.changed || p->status == ObjectState::Pending) take_back(ref.target);
                }
            }
        };
        for (auto* st : impl.pending) parents(st);
        if (impl.relations_changed)
            for (auto* st : impl.identity)
                if (st->rel_dirty) parents(st);
    }
    // delete-orphan: a persistent object that lost its parent in a delete-orphan relationship is deleted (with
    // its own cascades, below); a pending one made an orphan outside the session is not inserted. Objects only
    // become orphans through relationship changes, which only objects with a recorded parent link have.
    if (impl.relations_changed || !impl.pending.empty()) {
        StateList orphans;
        auto lost_a_parent = [](const InstanceState* st) {
            if (!st->parents || st->mapper->delete_orphan_parents.empty()) return false;
            return std::any_of(st->parents->begin(), st->parents->end(), [](const ParentLink& l) { return !l.parent; });
        };
        if (impl.relations_changed)
            for (auto* st : impl.identity)
                if (st->status == ObjectState::Persistent && lost_a_parent(st) && detail::is_orphan(st)) orphans.push_back(st);
        for (auto* st : orphans)
            if (std::find(impl.deleted.begin(), impl.deleted.end(), st) == impl.deleted.end()) detail::SessionAccess::delete_state(s, st);
        orphans.clear();
        for (auto* st : impl.pending)
            if (st->orphaned_outside_session && !st->mapper->delete_orphan_parents.empty() && detail::is_orphan(st))
                orphans.push_back(st);
        for (auto* st : orphans) detail::SessionAccess::expunge_state(s, st);
    }
    // Children of deleted objects that the delete did not cascade to lose their reference (NULL foreign key),
    // unless they have another parent now or the database handles it (passive_deletes). (delete() gathered the
    // cascaded ones already.)
    for (auto* d : impl.deleted) deleting.insert(d);
    for (auto* d : impl.deleted) {
        for (const auto& r : d->mapper->relationships) {
            if (r.kind == RelKind::ManyToOne || r.kind == RelKind::ManyToMany || r.cascade.delete_) continue;
            if (r.options.passive_deletes) continue;
            StateList children;
            if (r.uselist()) {
                auto& c = coll_of(d, r);
                load_ignoring_raise(c, [&] { c.load(); });
                children.assign(c.items.begin(), c.items.end());
            } else {
                auto& ref = ref_of(d, r);
                load_ignoring_raise(ref, [&] { ref.load(); });
                if (ref.target) children.push_back(ref.target);
            }
            for (auto* c : children) {
                if (deleting.count(c)) continue;
                const ParentLink* l = detail::parent_link(c, &r);
                if (l && l->parent && l->parent != d) continue;
                rules[c].push_back(Rule{&r, nullptr});
            }
        }
    }
}

void Flush::collect_rules() {
    // Pending objects, and persistent ones when some relationship changed, of mappers with relationships.
    StateList all;
    if (impl.relations_changed)
        for (auto* st : impl.identity)
            if (st->rel_dirty) all.push_back(st);
    for (auto* st : impl.pending)
        if (!st->mapper->relationships.empty()) all.push_back(st);
    for (auto* p : all) {
        if (!p->rel_dirty && p->status != ObjectState::Pending) continue;
        for (const auto& r : p->mapper->relationships) {
            if (r.kind == RelKind::OneToMany) {
                auto& c = coll_of(p, r);
                const bool fresh = p->status == ObjectState::Pending;
                for (auto* child : fresh ? c.items : c.added) rules[child].push_back(Rule{&r, p});
                // A removed child loses its foreign key unless it was attached to another parent since.
                for (auto* child : c.removed) {
                    const ParentLink* l = detail::parent_link(child, &r);
                    if (!deleting.count(child) && !(l && l->parent)) rules[child].push_back(Rule{&r, nullptr});
                }
            } else if (r.kind == RelKind::OneToOne) {
                auto& ref = ref_of(p, r);
                if (ref.target && (ref.changed || p->status == ObjectState::Pending)) rules[ref.target].push_back(Rule{&r, p});
            }
        }
    }
}

void Flush::sync_foreign_keys(InstanceState* st) {
    // The object's own many-to-one references.
    for (const auto& r : st->mapper->relationships) {
        if (r.kind != RelKind::ManyToOne) continue;
        auto& ref = ref_of(st, r);
        if (!ref.loaded || !(ref.changed || st->status == ObjectState::Pending)) continue;
        if (!ref.target) {
            if (ref.changed)
                for (const auto& [fk, key] : r.pairs) set_column(st, fk, Value{});
            continue;
        }
        if (ref.target->key.empty() && ref.target->status == ObjectState::Pending)
            throw InvalidRequestError("flush order: " + ref.target->mapper->describe(ref.target) + " is not inserted yet");
        for (const auto& [fk, key] : r.pairs) {
            const ColumnProp& kp = loading::prop_of(*ref.target->mapper, key);
            set_column(st, fk, kp.get(ref.target->obj, kp));
        }
    }
    // Parents whose collections took or let go of it.
    auto it = rules.find(st);
    if (it == rules.end()) return;
    for (const auto& rule : it->second) {
        for (const auto& [key, fk] : rule.rel->pairs) {
            if (!rule.parent) {
                set_column(st, fk, Value{});
            } else {
                const ColumnProp& kp = loading::prop_of(*rule.parent->mapper, key);
                set_column(st, fk, kp.get(rule.parent->obj, kp));
            }
        }
    }
}

std::vector<const MapperBase*> Flush::mapper_order() {
    auto all = Registry::all_mappers();
    // Edge a -> b: a's rows are written before b's.
    std::map<const MapperBase*, std::set<const MapperBase*>> before;
    for (const auto* m : all) {
        for (const auto& r : m->relationships) {
            if (!r.target || r.target == m) continue;
            if (r.kind == RelKind::ManyToOne) before[r.target].insert(m);
            else if (r.kind == RelKind::OneToMany || r.kind == RelKind::OneToOne) before[m].insert(r.target);
        }
        // Foreign keys between mapped tables count too.
        for (const Table* t : m->table->referred_tables()) {
            for (const auto* other : all)
                if (other != m && other->table == t) before[other].insert(m);
        }
    }
    std::vector<const MapperBase*> out;
    std::set<const MapperBase*> done;
    while (out.size() < all.size()) {
        bool progressed = false;
        for (const auto* m : all) {
            if (done.count(m)) continue;
            bool ready = true;
            for (const auto* o : all)
                if (!done.count(o) && o != m && before[o].count(m)) ready = false;
            if (ready) {
                out.push_back(m);
                done.insert(m);
                progressed = true;
                break;  // restart so definition order breaks ties
            }
        }
        if (!progressed) {
            for (const auto* m : all)
                if (!done.count(m)) {
                    out.push_back(m);
                    done.insert(m);
                    break;
                }
        }
    }
    return out;
}

void Flush::insert_all(const MapperBase& m, const StateList& states) {
    if (states.empty()) return;
    // Within one table, a row that refers to another pending row of it goes after that row.
    bool self_ref = false;
    for (const auto& r : m.relationships) self_ref = self_ref || r.target == &m;
    StateList sorted;
    if (self_ref) {
        bool cyclic = false;
        sorted = sweep_order(states, [&](InstanceState* st, const auto& before) {
            for (const auto& r : m.relationships) {
                if (r.target != &m) continue;
                if (r.kind == RelKind::ManyToOne) before(ref_of(st, r).target, st);  // parent first
                else if (r.kind == RelKind::OneToMany)
                    for (auto* c : coll_of(st, r).items) before(st, c);
            }
        }, cyclic);
        if (cyclic) throw InvalidRequestError("flush: rows of '" + m.class_name + "' refer to each other in a cycle");
    }
    const StateList& ordered = self_ref ? sorted : states;

    const auto& cols = m.columns;
    // Without RETURNING, keys the database makes come the dialect's way (insert_without_returning), and the other
    // columns it fills are expired: they load on first use.
    const bool returning = conn.dialect().caps().supports_returning;
    // Columns the database can fill (server default, autoincrement) are left out of a row's INSERT when the object
    // leaves them unset; a client default unset is made for the object; the others are always given.
    std::vector<char> defaultable(cols.size()), client_uuid(cols.size());
    for (std::size_t c = 0; c < cols.size(); ++c) {
        const Column& col = *cols[c].column;
        defaultable[c] = col.options().server_default || col.sequence() || col.autoincrement() || col.has_client_default();
        // A UUID key the server makes with gen_random_uuid() cannot be read back without RETURNING: Retort makes
        // the same kind of value (a random, version 4 UUID) in the program instead.
        client_uuid[c] = !returning && col.primary_key() && col.type.kind == TypeKind::Uuid &&
                         col.options().server_default && is_gen_random_uuid(*col.options().server_default);
    }
    // The shape of a row: which columns it gives; omitted ones come back through RETURNING.
    auto shape_of = [&](InstanceState* st, std::vector<int>& shape) {
        sync_foreign_keys(st);
        if (m.version_column >= 0 && !m.version.manual && !m.version.server_side) {
            const auto& vp = cols[static_cast<std::size_t>(m.version_column)];
            if (key_unset(vp.get(st->obj, vp))) vp.set(st->obj, next_version(m, Value{}), vp);
        }
        shape.clear();
        for (std::size_t c = 0; c < cols.size(); ++c) {
            if (client_uuid[c] && key_unset(cols[c].get(st->obj, cols[c]))) cols[c].set(st->obj, Value(Uuid::random()), cols[c]);
            if (m.version.server_side && static_cast<int>(c) == m.version_column) continue;  // the database's
            if (defaultable[c]) {
                const Value v = cols[c].get(st->obj, cols[c]);
                const bool unset = v.is_null() || (cols[c].column->primary_key() && key_unset(v));
                if (unset && !cols[c].column->has_client_default()) continue;
                // A client default is made here and given to the object as well as to the INSERT (as SQLAlchemy
                // does with Python-side defaults): nothing to read back afterwards, with or without RETURNING.
                if (unset) cols[c].set(st->obj, cols[c].column->client_default(), cols[c]);
            }
            shape.push_back(static_cast<int>(c));
        }
    };
    // A row whose foreign key comes from a row not inserted yet waits for the next batch.
    auto waits = [&](InstanceState* st) {
        for (const auto& r : m.relationships) {
            if (r.kind != RelKind::ManyToOne) continue;
            auto* t = ref_of(st, r).target;
            if (t && t != st && t->key.empty()) return true;
        }
        if (rules.empty()) return false;
        auto it = rules.find(st);
        if (it != rules.end())
            for (const auto& rule : it->second)
                if (rule.parent && rule.parent->key.empty()) return true;
        return false;
    };
    std::vector<int> shape, next_shape, fetch;
    impl.identity.reserve(ordered.size());
    impl.inserted_in_tx.reserve(impl.inserted_in_tx.size() + ordered.size());
    std::size_t i = 0;
    while (i < ordered.size()) {
        shape_of(ordered[i], shape);
        std::size_t j = i + 1;
        while (j < ordered.size() && !waits(ordered[j])) {
            shape_of(ordered[j], next_shape);
            if (next_shape != shape) break;
            ++j;
        }
        // Rows i..j-1 share the shape: batched INSERT ... RETURNING of the columns they leave to the database
        // and of the primary key.
        fetch.clear();
        for (std::size_t c = 0; c < cols.size(); ++c)
            if (std::find(shape.begin(), shape.end(), static_cast<int>(c)) == shape.end()) fetch.push_back(static_cast<int>(c));
        for (int p : m.pk)
            if (std::find(fetch.begin(), fetch.end(), p) == fetch.end()) fetch.push_back(p);
        if (insert_with_prefetched_keys(m, ordered, i, j, shape, fetch)) {
        } else if (shape.empty()) {
            insert_defaults(m, ordered, i, j, fetch);
        } else if (!returning) {
            insert_without_returning(m, ordered, i, j, shape);
        } else {
            auto key = std::make_pair(&m, shape);
            auto it = insert_stmts.find(key);
            if (it == insert_stmts.end()) it = insert_stmts.emplace(key, insert_of(m, shape, fetch)).first;
            std::size_t returned = 0;
            conn.insert_rows(
                it->second, j - i,
                [&](std::size_t k, std::span<Value> out) {
                    const void* obj = ordered[i + k]->obj;
                    for (std::size_t c = 0; c < shape.size(); ++c) {
                        const auto& p = cols[static_cast<std::size_t>(shape[c])];
                        p.assign(obj, out[c], p);
                    }
                },
                [&](std::size_t k, const DBAPICursor& cur) {
                    void* obj = ordered[i + k]->obj;
                    for (std::size_t f = 0; f < fetch.size(); ++f) {
                        const auto& p = cols[static_cast<std::size_t>(fetch[f])];
                        p.load(obj, cur, static_cast<int>(f), p);
                    }
                    ++returned;
                });
            if (returned != j - i)
                throw StaleDataError("INSERT into '" + m.table->name() + "' returned " + std::to_string(returned) +
                                     " rows for " + std::to_string(j - i) + " objects");
        }
        for (std::size_t k = i; k < j; ++k) {
            InstanceState* st = ordered[k];
            st->key.clear();
            bool null_key = true;
            for (int p : m.pk) {
                Value v = cols[static_cast<std::size_t>(p)].get(st->obj, cols[static_cast<std::size_t>(p)]);
                null_key = null_key && v.is_null();
                st->key.push_back(std::move(v));
            }
            // No identity without a key (a column the database was to number but did not, or a nullable key left
            // unset): the object could never be found again.
            if (null_key)
                throw InvalidRequestError("flush: " + m.describe(st) + " has a NULL identity key; if the database is to "
                                          "generate it, check that the table does and that the key column is mapped "
                                          "to expect it");
            st->status = ObjectState::Persistent;
            impl.register_identity(st);
            // A many-to-one the program never set is read from its foreign key on first use (which the program may
            // have given by value).
            for (const auto& r : m.relationships) {
                if (r.kind != RelKind::ManyToOne) continue;
                auto& ref = ref_of(st, r);
                if (!ref.target && !ref.changed) {
                    ref.loaded = false;
                    ref.lazy = r.options.lazy;
                }
            }
            // A version the database keeps is needed before the object's next UPDATE: read now.
            if (!returning && m.version_column >= 0 && m.version.server_side) read_columns(st, m.version_column);
            // A commit that expires every object makes a snapshot now pointless.
            if (impl.commit_expires) tracking::drop(st);
            else tracking::take(st);
            if (!returning) {
                // The other columns the database filled load on first use.
                std::vector<int>* expired = nullptr;
                for (int f : fetch) {
                    if (f == m.version_column && m.version.server_side) continue;
                    if (std::find(m.pk.begin(), m.pk.end(), f) != m.pk.end()) continue;
                    if (!expired) expired = &impl.expired_columns[st];
                    if (std::find(expired->begin(), expired->end(), f) == expired->end()) expired->push_back(f);
                }
                if (expired) st->expired = true;
            }
            impl.inserted_in_tx.push_back(st);
        }
        i = j;
    }
}

// A large batch whose only server-made value is an autoincrement integer key: the dialect tells the keys first
// (PostgreSQL from the key's sequence in one query, SQLite from the largest key under the write lock), and the
// rows go in without RETURNING, keys included (on PostgreSQL through the driver's bulk load, COPY) or, where the
// database numbers them in order itself (SQLite's rowid), without them. False when this does not apply (the
// caller then inserts with RETURNING).
bool Flush::insert_with_prefetched_keys(const MapperBase& m, const StateList& ordered, std::size_t i,
                                        std::size_t j, const std::vector<int>& shape, const std::vector<int>& fetch) {
    const auto& dialect = conn.dialect();
    const auto& caps = dialect.caps();
    // Without RETURNING, a dialect that takes keys from sequences takes them for any batch; the other columns the
    // database fills are expired by the caller.
    const std::size_t min_rows =
        !caps.supports_returning && caps.prefetch_key_sequences ? 1 : caps.key_prefetch_min_rows;
    if (min_rows == 0 || j - i < min_rows || m.pk.size() != 1) return false;
    const int pk = m.pk[0];
    const auto& kp = m.columns[static_cast<std::size_t>(pk)];
    const Column& kc = *kp.column;
    if (std::find(shape.begin(), shape.end(), pk) != shape.end() || !kc.autoincrement() || kc.has_client_default())
        return false;
    if (caps.supports_returning && (fetch.size() != 1 || fetch[0] != pk)) return false;
    PrefetchedKeys keys;
    if (!dialect.prefetch_keys(conn, *m.table, kc, j - i, keys) || keys.count != j - i) return false;
    // Inserts the rows with the values of `given` (without RETURNING: the statement is cached apart from the one
    // of the same columns that returns the key, by a marker after the columns).
    auto insert_given = [&](const std::vector<int>& given, int marker) {
        std::vector<int> stmt_key = given;
        stmt_key.push_back(marker);
        auto it = insert_stmts.find(std::make_pair(&m, stmt_key));
        if (it == insert_stmts.end()) it = insert_stmts.emplace(std::make_pair(&m, stmt_key), insert_of(m, given, {})).first;
        const auto& cols = m.columns;
        const std::int64_t n = conn.insert_rows(it->second, j - i, [&](std::size_t k, std::span<Value> out) {
            const void* obj = ordered[i + k]->obj;
            for (std::size_t c = 0; c < given.size(); ++c) {
                const auto& p = cols[static_cast<std::size_t>(given[c])];
                p.assign(obj, out[c], p);
            }
        });
        if (n != static_cast<std::int64_t>(j - i))
            throw StaleDataError("INSERT into '" + m.table->name() + "' loaded " + std::to_string(n) + " rows for " +
                                 std::to_string(j - i) + " objects");
    };
    if (keys.numbered_by_insert && !shape.empty()) {
        // The rows go in without their key, which the database gives them in order from keys.first.
        insert_given(shape, -2);
        dialect.check_numbered_keys(conn, *m.table, kc, keys);
        for (std::size_t k = i; k < j; ++k) kp.set(ordered[k]->obj, Value(keys[k - i]), kp);
        return true;
    }
    std::vector<int> with_key = shape;
    with_key.push_back(pk);
    for (std::size_t k = i; k < j; ++k) kp.set(ordered[k]->obj, Value(keys[k - i]), kp);
    try {
        insert_given(with_key, -1);
    } catch (...) {
        // The objects are not inserted: their keys are unset again.
        for (std::size_t k = i; k < j; ++k) kp.set(ordered[k]->obj, Value(std::int64_t{0}), kp);
        throw;
    }
    return true;
}

// Rows i..j-1 that give no column at all (the key and every other column the database's): with no value to bind
// they cannot go as a batch; each is one INSERT ... DEFAULT VALUES, its key read back with RETURNING (with the
// other columns the database filled) or else from the dialect (Dialect::inserted_key).
void Flush::insert_defaults(const MapperBase& m, const StateList& ordered, std::size_t i, std::size_t j,
                            const std::vector<int>& fetch) {
    const auto& cols = m.columns;
    const bool returning = conn.dialect().caps().supports_returning;
    const retort::Insert stmt = insert_of(m, {}, returning ? fetch : std::vector<int>{});
    for (std::size_t k = i; k < j; ++k) {
        Result r = conn.execute(stmt);
        if (!returning) {
            read_inserted_key(m, ordered[k]);
            continue;
        }
        if (!r.next())
            throw StaleDataError("INSERT into '" + m.table->name() + "' returned no row for " + m.describe(ordered[k]));
        for (std::size_t f = 0; f < fetch.size(); ++f) {
            const auto& p = cols[static_cast<std::size_t>(fetch[f])];
            p.load(ordered[k]->obj, r.current().cursor(), static_cast<int>(f), p);
        }
    }
}

void Flush::read_inserted_key(const MapperBase& m, InstanceState* st) {
    const auto& cols = m.columns;
    const auto& dialect = conn.dialect();
    std::vector<const Column*> key_columns;
    key_columns.reserve(m.pk.size());
    for (int p : m.pk) key_columns.push_back(cols[static_cast<std::size_t>(p)].column);
    std::vector<Value> key(m.pk.size());
    if (!dialect.inserted_key(conn, *m.table, key_columns, key))
        throw CompileError("the " + dialect.name() + " dialect has no RETURNING and cannot tell the key the database "
                           "gave the row inserted into '" + m.table->name() + "'; give the key in the program");
    for (std::size_t k = 0; k < m.pk.size(); ++k) {
        const auto& p = cols[static_cast<std::size_t>(m.pk[k])];
        p.set(st->obj, loading::normalized(std::move(key[k]), p.column->type), p);
    }
}

// Rows i..j-1 of one shape where the dialect has no RETURNING (and gave no keys beforehand): rows whose key the
// program gave go in batched; rows whose key the database makes go in one at a time, each key read back from the
// dialect (Dialect::inserted_key: the driver's last-inserted-id).
void Flush::insert_without_returning(const MapperBase& m, const StateList& ordered, std::size_t i, std::size_t j,
                                     const std::vector<int>& shape) {
    const auto& cols = m.columns;
    auto it = insert_stmts.find(std::make_pair(&m, shape));
    if (it == insert_stmts.end()) it = insert_stmts.emplace(std::make_pair(&m, shape), insert_of(m, shape, {})).first;
    std::size_t first = i;  // the first row of the current INSERT
    const Connection::RowFill fill = [&](std::size_t k, std::span<Value> out) {
        const void* obj = ordered[first + k]->obj;
        for (std::size_t c = 0; c < shape.size(); ++c) {
            const auto& p = cols[static_cast<std::size_t>(shape[c])];
            p.assign(obj, out[c], p);
        }
    };
    const bool key_given = std::all_of(m.pk.begin(), m.pk.end(), [&](int p) {
        return std::find(shape.begin(), shape.end(), p) != shape.end();
    });
    if (key_given) {
        const std::int64_t n = conn.insert_rows(it->second, j - i, fill);
        if (n != static_cast<std::int64_t>(j - i))
            throw StaleDataError("INSERT into '" + m.table->name() + "' inserted " + std::to_string(n) + " rows for " +
                                 std::to_string(j - i) + " objects");
        return;
    }
    for (; first < j; ++first) {
        const std::int64_t n = conn.insert_rows(it->second, 1, fill);
        if (n != 1)
            throw StaleDataError("INSERT into '" + m.table->name() + "' inserted " + std::to_string(n) +
                                 " rows for 1 object");
        read_inserted_key(m, ordered[first]);
    }
}

void Flush::read_columns(InstanceState* st, int col) {
    const MapperBase& m = *st->mapper;
    Params params;
    for (std::size_t k = 0; k < st->key.size(); ++k) params.emplace_back("pk_" + std::to_string(k), st->key[k]);
    Result r = conn.execute(m.select_by_pk(), params);
    if (!r.next())
        throw StaleDataError("the row just inserted into '" + m.table->name() + "' for " + m.describe(st) +
                             " is not there");
    const auto& p = m.columns[static_cast<std::size_t>(col)];
    p.load(st->obj, r.current().cursor(), col, p);
}

namespace {
// An UPDATE or DELETE finds its row by the whole primary key; a key column holding NULL (SQLite lets one) would
// match no row, so the statement is refused before it is sent, naming the column.
void require_full_key(const MapperBase& m, const InstanceState* st, const char* verb) {
    for (std::size_t k = 0; k < m.pk.size(); ++k)
        if (st->key[k].is_null())
            throw InvalidRequestError(std::string("flush: cannot ") + verb + " table '" + m.table->name() + "' using NULL for "
                                      "primary key value on column " + m.table->name() + "." +
                                      m.columns[static_cast<std::size_t>(m.pk[k])].column->name() + " (" + m.describe(st) + ")");
}
}  // namespace

// The name of a bind of an UPDATE's or DELETE's WHERE clause (the key, the old version): SET binds are named after
// the columns, so a column named like it ("pk_0") makes it take a leading underscore until none is.
std::string where_bind_name(const MapperBase& m, std::string base) {
    auto taken = [&](const std::string& n) {
        return std::any_of(m.columns.begin(), m.columns.end(), [&](const ColumnProp& c) { return c.column->name() == n; });
    };
    while (taken(base)) base.insert(0, "_");
    return base;
}

void Flush::update_all(const MapperBase& m, const StateList& states) {
    const auto& cols = m.columns;
    // Group objects by the set of columns that changed, keeping their order.
    std::vector<std::pair<std::vector<int>, StateList>> groups;
    std::vector<int> changed;
    for (auto* st : states) {
        if (st->expired) {
            // An expired object whose foreign key a relationship change moves, or with only some columns expired and
            // changes to the others, is read first (its loaded values are the baseline of the UPDATE); others have
            // nothing to write.
            if (!st->rel_dirty && (rules.empty() || !rules.count(st)) && !detail::SessionAccess::state_modified(s, st))
                continue;
            detail::SessionAccess::load_expired(s, st);
        }
        sync_foreign_keys(st);
        if (!tracking::has(st)) continue;
        tracking::changed_columns(st, changed);
        if (changed.empty()) continue;
        require_full_key(m, st, "update");
        // The version moves with every UPDATE (the program's own value when it set one; the database's when it
        // keeps it).
        if (m.version_column >= 0 && !m.version.server_side &&
            std::find(changed.begin(), changed.end(), m.version_column) == changed.end())
            changed.push_back(m.version_column);
        auto g = std::find_if(groups.begin(), groups.end(), [&](const auto& x) { return x.first == changed; });
        if (g == groups.end()) groups.push_back({changed, {st}});
        else g->second.push_back(st);
    }
    for (auto& [changed_cols, group] : groups) {
        auto key = std::make_pair(&m, changed_cols);
        auto it = update_stmts.find(key);
        if (it == update_stmts.end()) {
            retort::Update upd(*m.table);
            for (int c : changed_cols) {
                const Column& col = *cols[static_cast<std::size_t>(c)].column;
                upd = upd.value_node(Expr<Any>(col.ptr()), std::make_shared<sql::BindNode>(col.name(), Value{}, col.type, false));
            }
            for (std::size_t k = 0; k < m.pk.size(); ++k) {
                const Column& col = *cols[static_cast<std::size_t>(m.pk[k])].column;
                upd = upd.where(Expr<Any>(col.ptr()) == Expr<Any>(std::make_shared<sql::BindNode>(where_bind_name(m, "pk_" + std::to_string(k)), Value{}, col.type, false)));
            }
            if (m.version_column >= 0) {
                const Column& col = *cols[static_cast<std::size_t>(m.version_column)].column;
                upd = upd.where(Expr<Any>(col.ptr()) == Expr<Any>(std::make_shared<sql::BindNode>(where_bind_name(m, "version_old"), Value{}, col.type, false)));
            }
            it = update_stmts.emplace(key, upd).first;
        }
        // Positional values, in the order of the statement's binds: the changed columns, the key, the old version.
        const auto& cs = changed_cols;
        const std::int64_t matched = conn.execute_many(it->second, group.size(), [&](std::size_t i, std::span<Value> out) {
            InstanceState* st = group[i];
            Value version_old;
            if (m.version_column >= 0) {
                const auto& vp = cols[static_cast<std::size_t>(m.version_column)];
                version_old = tracking::committed_value(st, static_cast<std::size_t>(m.version_column));
                // A version the program set since the load is kept; otherwise the next one.
                if (!m.version.manual && !m.version.server_side && vp.get(st->obj, vp) == version_old)
                    vp.set(st->obj, next_version(m, version_old), vp);
            }
            std::size_t j = 0;
            for (int c : cs) {
                const auto& p = cols[static_cast<std::size_t>(c)];
                p.assign(st->obj, out[j++], p);
            }
            for (std::size_t k = 0; k < m.pk.size(); ++k) out[j++] = st->key[k];
            if (m.version_column >= 0) out[j++] = std::move(version_old);
        });
        if (matched != static_cast<std::int64_t>(group.size()))
            throw StaleDataError("UPDATE statement on table '" + m.table->name() + "' expected to update " +
                                 std::to_string(group.size()) + " row(s); " + std::to_string(matched) + " were matched");
        // A changed primary key: the object takes its new identity, and the objects that refer to it follow.
        const bool pk_changed = std::any_of(m.pk.begin(), m.pk.end(), [&](int p) {
            return std::find(changed_cols.begin(), changed_cols.end(), p) != changed_cols.end();
        });
        if (pk_changed)
            for (auto* st : group) rekey(st);
        for (auto* st : group) {
            if (impl.commit_expires) tracking::drop(st);
            else tracking::take(st);
            if (m.version_column >= 0 && m.version.server_side) {
                // The database moved the version: read on next use (before the object can change again).
                auto& list = impl.expired_columns[st];
                if (std::find(list.begin(), list.end(), m.version_column) == list.end()) list.push_back(m.version_column);
                st->expired = true;
            }
        }
        if (!impl.nested.empty()) impl.updated_in_tx.insert(impl.updated_in_tx.end(), group.begin(), group.end());
    }
}

namespace {
// Sets column `col` of st to v as its loaded value (the database changed it already: no UPDATE follows).
void set_committed(InstanceState* st, const ColumnProp& col, const Value& v) {
    if (st->expired || !tracking::has(st)) {
        col.set(st->obj, v, col);
        return;
    }
    const auto& cols = st->mapper->columns;
    std::vector<Value> now;
    now.reserve(cols.size());
    for (const auto& c : cols) now.push_back(c.get(st->obj, c));
    for (std::size_t i = 0; i < cols.size(); ++i) cols[i].set(st->obj, tracking::committed_value(st, i), cols[i]);
    col.set(st->obj, v, col);
    tracking::take(st);
    for (std::size_t i = 0; i < cols.size(); ++i)
        if (&cols[i] != &col) cols[i].set(st->obj, now[i], cols[i]);
}
}  // namespace

void Flush::rekey(InstanceState* st) {
    const MapperBase& m = *st->mapper;
    const auto& cols = m.columns;
    KeyValues old = st->key;
    KeyValues now;
    for (int p : m.pk) now.push_back(cols[static_cast<std::size_t>(p)].get(st->obj, cols[static_cast<std::size_t>(p)]));
    if (now == old) return;
    impl.identity.erase(st);
    impl.key_switches.emplace_back(st, old);
    st->key = std::move(now);
    impl.register_identity(st);
    // Referring objects in memory take the new key: as loaded values when the database cascades the change
    // (passive_updates, ON UPDATE CASCADE), as changes this flush writes otherwise.
    auto follow = [&](InstanceState* child, const Column* fk, const Column* key, bool passive) {
        const ColumnProp& kp = loading::prop_of(m, key);
        const ColumnProp& fp = loading::prop_of(*child->mapper, fk);
        const Value v = kp.get(st->obj, kp);
        if (passive) set_committed(child, fp, v);
        else fp.set(child->obj, v, fp);
    };
    for (const auto& r : m.relationships) {
        if (r.kind != RelKind::OneToMany && r.kind != RelKind::OneToOne) continue;
        auto& base = m.relation(st->obj, r);
        if (!base.loaded) continue;
        std::vector<InstanceState*> children;
        if (r.uselist()) children = static_cast<CollectionBase&>(base).items;
        else if (auto* t = static_cast<RefBase&>(base).target) children.push_back(t);
        for (auto* child : children)
            for (const auto& [key, fk] : r.pairs) follow(child, fk, key, r.options.passive_updates);
    }
    // Rows of association tables that hold the old key, for many-to-manys the database does not cascade
    // (passive_updates = false): one UPDATE per table and side, whether or not the collections are loaded.
    std::vector<std::pair<const Table*, const Column*>> moved;
    auto move_association_rows = [&](const RelationshipProp& r, const std::vector<std::pair<const Column*, const Column*>>& pairs) {
        if (pairs.empty()) return;
        const std::pair<const Table*, const Column*> id{r.secondary, pairs.front().second};
        if (std::find(moved.begin(), moved.end(), id) != moved.end()) return;
        retort::Update upd(*r.secondary);
        for (const auto& [key, acol] : pairs) {
            std::size_t k = 0;
            while (k < m.pk.size() && cols[static_cast<std::size_t>(m.pk[k])].column != key) ++k;
            if (k == m.pk.size()) return;  // joined on columns other than the primary key: unchanged
            upd = upd.value_node(Expr<Any>(acol->ptr()), retort::detail::make_bind("", st->key[k], acol->type));
            upd = upd.where(Expr<Any>(acol->ptr()) == Expr<Any>(retort::detail::make_bind("", old[k], acol->type)));
        }
        moved.push_back(id);
        conn.execute(upd);
    };
    for (const MapperBase* other : Registry::all_mappers())
        for (const auto& r : other->relationships) {
            if (r.kind != RelKind::ManyToMany || r.options.passive_updates || !r.secondary) continue;
            if (other == &m) move_association_rows(r, r.pairs);
            if (r.target == &m) move_association_rows(r, r.secondary_pairs);
        }
    // Many-to-ones of other objects that point at the old key.
    for (const MapperBase* other : Registry::all_mappers()) {
        for (const auto& r : other->relationships) {
            if (r.kind != RelKind::ManyToOne || r.target != &m) continue;
            for (auto* obj : impl.identity) {
                if (obj->mapper != other || obj == st) continue;
                bool refers = true;
                for (const auto& [fk, key] : r.pairs) {
                    const ColumnProp& fp = loading::prop_of(*other, fk);
                    std::size_t k = 0;
                    while (k < m.pk.size() && cols[static_cast<std::size_t>(m.pk[k])].column != key) ++k;
                    if (k == m.pk.size() || fp.get(obj->obj, fp) != old[k]) refers = false;
                }
                if (!refers) continue;
                for (const auto& [fk, key] : r.pairs) follow(obj, fk, key, r.options.passive_updates);
            }
        }
    }
}

void Flush::delete_all(const MapperBase& m, StateList states) {
    if (states.empty()) return;
    for (const auto* st : states) require_full_key(m, st, "delete from");
    const auto& cols = m.columns;
    retort::Delete del(*m.table);
    for (std::size_t k = 0; k < m.pk.size(); ++k) {
        const Column& col = *cols[static_cast<std::size_t>(m.pk[k])].column;
        del = del.where(Expr<Any>(col.ptr()) == Expr<Any>(std::make_shared<sql::BindNode>(where_bind_name(m, "pk_" + std::to_string(k)), Value{}, col.type, false)));
    }
    if (m.version_column >= 0) {
        const Column& col = *cols[static_cast<std::size_t>(m.version_column)].column;
        del = del.where(Expr<Any>(col.ptr()) == Expr<Any>(std::make_shared<sql::BindNode>(where_bind_name(m, "version_old"), Value{}, col.type, false)));
    }
    // Positional values: the key, then the old version.
    const std::int64_t matched = conn.execute_many(del, states.size(), [&](std::size_t i, std::span<Value> out) {
        const InstanceState* st = states[i];
        std::size_t j = 0;
        for (std::size_t k = 0; k < m.pk.size(); ++k) out[j++] = st->key[k];
        if (m.version_column >= 0) out[j++] = tracking::committed_value(st, static_cast<std::size_t>(m.version_column));
    });
    // Rows already gone: with a version counter the object was stale (StaleDataError); without one the outcome
    // is what was asked (the rows are gone), as SQLAlchemy's default confirm_deleted_rows treats it (a warning there,
    // a line in the engine's log here).
    if (matched != static_cast<std::int64_t>(states.size())) {
        const std::string msg = "DELETE statement on table '" + m.table->name() + "' expected to delete " +
                                std::to_string(states.size()) + " row(s); " + std::to_string(matched) + " were matched";
        if (m.version_column >= 0) throw StaleDataError(msg);
        retort::detail::EngineAccess::of(conn.engine()).warn("retort.orm", msg);
    }
    for (auto* st : states) {
        impl.identity.erase(st);
        st->status = ObjectState::Deleted;
        st->marked_deleted = false;
        st->was_deleted = true;
        impl.deleted_in_tx.push_back(st);
    }
}

void Flush::delete_association_rows(const MapperBase& m, const StateList& states) {
    for (const auto& r : m.relationships) {
        if (r.kind != RelKind::ManyToMany) continue;
        for (auto* st : states) {
            retort::Delete del(*r.secondary);
            for (const auto& [key, acol] : r.pairs) {
                const ColumnProp& kp = loading::prop_of(m, key);
                del = del.where(Expr<Any>(acol->ptr()) == Expr<Any>(retort::detail::make_bind("", kp.get(st->obj, kp), acol->type)));
            }
            conn.execute(del);
        }
    }
}

void Flush::associations() {
    // Rows of association tables for many-to-many collection changes; each pair once, whichever side
    // (or both, with back_populates) recorded it.
    struct Pending {
        const Table* table;
        std::vector<std::pair<std::string, Value>> cols;  // sorted by column name
        bool operator<(const Pending& o) const {
            if (table != o.table) return table < o.table;
            if (cols.size() != o.cols.size()) return cols.size() < o.cols.size();
            for (std::size_t i = 0; i < cols.size(); ++i) {
                if (cols[i].first != o.cols[i].first) return cols[i].first < o.cols[i].first;
                auto a = cols[i].second.repr(), b = o.cols[i].second.repr();
                if (a != b) return a < b;
            }
            return false;
        }
    };
    std::set<Pending> seen_add, seen_remove;
    std::vector<Pending> adds, removes;
    // Owners of changed many-to-many collections: those inserted now first, then the rest in key order.
    auto has_m2m = [](const InstanceState* st) {
        for (const auto& r : st->mapper->relationships)
            if (r.kind == RelKind::ManyToMany) return true;
        return false;
    };
    StateList all;
    if (impl.relations_changed)  // (no object is rel_dirty otherwise)
        for (auto* st : impl.identity)
            if (st->rel_dirty && has_m2m(st)) all.push_back(st);
    std::sort(all.begin(), all.end(), key_less);
    auto row_for = [](const RelationshipProp& r, InstanceState* owner, InstanceState* target) {
        Pending p{r.secondary, {}};
        for (const auto& [key, acol] : r.pairs) {
            const ColumnProp& kp = loading::prop_of(*owner->mapper, key);
            p.cols.emplace_back(acol->name(), kp.get(owner->obj, kp));
        }
        for (const auto& [key, acol] : r.secondary_pairs) {
            const ColumnProp& kp = loading::prop_of(*target->mapper, key);
            p.cols.emplace_back(acol->name(), kp.get(target->obj, kp));
        }
        std::sort(p.cols.begin(), p.cols.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        return p;
    };
    std::unordered_set<InstanceState*> visited;
    StateList owners;
    for (auto* st : impl.inserted_in_tx)
        if (st->rel_dirty && has_m2m(st) && visited.insert(st).second) owners.push_back(st);
    for (auto* st : all) if (visited.insert(st).second) owners.push_back(st);
    for (auto* st : owners) {
        if (!st->rel_dirty || deleting.count(st)) continue;
        for (const auto& r : st->mapper->relationships) {
            if (r.kind != RelKind::ManyToMany) continue;
            auto& c = coll_of(st, r);
            for (auto* t : c.added) {
                if (deleting.count(t)) continue;
                auto p = row_for(r, st, t);
                if (seen_add.insert(p).second) adds.push_back(p);
            }
            // Rows of removed targets go even when the target is being deleted (a delete-orphan target's row
            // must go before the target does).
            for (auto* t : c.removed) {
                auto p = row_for(r, st, t);
                if (seen_remove.insert(p).second) removes.push_back(p);
            }
        }
    }
    for (const auto& p : removes) {
        retort::Delete del(*p.table);
        for (const auto& [name, v] : p.cols) {
            const Column& col = p.table->c(name);
            del = del.where(Expr<Any>(col.ptr()) == Expr<Any>(retort::detail::make_bind("", v, col.type)));
        }
        conn.execute(del);
    }
    // Inserts grouped per table, batched.
    std::map<const Table*, std::vector<Params>> by_table;
    std::vector<const Table*> table_order;
    for (const auto& p : adds) {
        if (!by_table.count(p.table)) table_order.push_back(p.table);
        by_table[p.table].push_back(Params(p.cols.begin(), p.cols.end()));
    }
    for (const Table* t : table_order) conn.execute(retort::Insert(*t), by_table[t]);
}

void Flush::row_switches() {
    // A new object with the key of an object being deleted in this flush takes over its row: one UPDATE instead
    // of a DELETE and an INSERT of the same key (which would collide). The deleted object leaves as deleted.
    if (deleting.empty()) return;
    for (auto* st : impl.pending) {
        if (st->status != ObjectState::Pending) continue;
        const MapperBase& m = *st->mapper;
        std::vector<Value> key = m.primary_key_of(st->obj);
        // A key the object takes from a parent already in the database (its primary key is the foreign key of a
        // one-to-one or one-to-many, as a parent's one child keyed by the parent's key) is its key already here:
        // the parent's new child replacing its deleted one takes over that one's row.
        if (std::any_of(key.begin(), key.end(), key_unset)) {
            if (auto it = rules.find(st); it != rules.end())
                for (const auto& rule : it->second) {
                    if (!rule.parent || rule.parent->key.empty()) continue;
                    for (const auto& [pkey, fk] : rule.rel->pairs) {
                        if (!fk->primary_key()) continue;
                        const ColumnProp& kp = loading::prop_of(*rule.parent->mapper, pkey);
                        set_column(st, fk, kp.get(rule.parent->obj, kp));
                    }
                }
            key = m.primary_key_of(st->obj);
        }
        if (std::any_of(key.begin(), key.end(), key_unset)) continue;
        InstanceState* old = impl.identity.find(&m, key);
        if (!old || old == st || !deleting.count(old)) continue;
        if (old->expired) detail::SessionAccess::load_expired(s, old);
        deleting.erase(old);
        impl.deleted.erase(std::find(impl.deleted.begin(), impl.deleted.end(), old));
        old->marked_deleted = false;
        impl.remove_newly_deleted(s, old);
        // The new object is persistent with the old row as its loaded state: the UPDATE writes what differs.
        for (auto& v : key) st->key.push_back(std::move(v));
        st->status = ObjectState::Persistent;
        impl.register_identity(st);
        tracking::take_from(st, old);
        impl.inserted_in_tx.push_back(st);
        switched.push_back(old);
    }
}

void Flush::run() {
    cascade_deletes();
    collect_rules();
    row_switches();
    auto order = mapper_order();
    // UPDATE candidates: the objects persistent before this flush, and those it INSERTs (which match their
    // snapshots, so only a relationship can still touch them). Fresh rows are not compared again.
    StateList persistent;
    persistent.reserve(impl.identity.size());
    for (auto* st : impl.identity)
        if (st->status == ObjectState::Persistent && (deleting.empty() || !deleting.count(st))) persistent.push_back(st);
    // A mapper's pending objects, in add order (nothing adds to or takes from impl.pending until the flush ends).
    StateList ins;
    for (const MapperBase* m : order) {
        auto inserts = [m](const InstanceState* st) { return st->mapper == m && st->status == ObjectState::Pending; };
        ins.clear();
        ins.reserve(static_cast<std::size_t>(std::count_if(impl.pending.begin(), impl.pending.end(), inserts)));
        for (auto* st : impl.pending)
            if (inserts(st)) ins.push_back(st);
        insert_all(*m, ins);
        StateList upd;
        for (auto* st : persistent)
            if (st->mapper == m && (st->rel_dirty || (!rules.empty() && rules.count(st)) || detail::SessionAccess::state_modified(s, st)))
                upd.push_back(st);
        for (auto* st : ins)
            if (st->status == ObjectState::Persistent && (deleting.empty() || !deleting.count(st)) &&
                (st->rel_dirty || (!rules.empty() && rules.count(st))))
                upd.push_back(st);
        // Identity-map order is arbitrary: UPDATEs go in key order so runs are repeatable.
        sort_by_key(upd);
        update_all(*m, upd);
    }
    // The association rows of a row taken over belonged to the old object's collections.
    for (const MapperBase* m : order) {
        StateList olds;
        for (auto* st : switched)
            if (st->mapper == m) olds.push_back(st);
        if (!olds.empty()) delete_association_rows(*m, olds);
    }
    associations();
    for (const MapperBase* m : order) {
        StateList del;
        for (auto* st : impl.deleted)
            if (st->mapper == m) del.push_back(st);
        if (!del.empty()) delete_association_rows(*m, del);
    }
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
        StateList del;
        for (auto* st : impl.deleted)
            if (st->mapper == *it) del.push_back(st);
        // Within one table, a row goes before the rows it refers to, whichever side of the self-referential
        // relationship is mapped (a child in its parent's collection goes before the parent as well); rows left in
        // a cycle go last, as they are.
        StateList ordered;
        const MapperBase& dm = **it;
        bool self_ref = false;
        for (const auto& r : dm.relationships)
            self_ref = self_ref || ((r.kind == RelKind::ManyToOne || r.kind == RelKind::OneToMany) && r.target == &dm);
        if (!self_ref) {
            ordered = std::move(del);
        } else {
            bool cyclic = false;
            ordered = sweep_order(del, [&](InstanceState* st, const auto& before) {
                for (const auto& r : dm.relationships) {
                    if (r.target != &dm) continue;
                    if (r.kind == RelKind::ManyToOne) before(st, ref_of(st, r).target);  // referrer first
                    else if (r.kind == RelKind::OneToMany)
                        for (auto* c : coll_of(st, r).items) before(c, st);
                }
            }, cyclic);
        }
        delete_all(**it, ordered);
    }
    // Done: the flushed state is the new baseline.
    impl.pending.erase(std::remove_if(impl.pending.begin(), impl.pending.end(),
                                      [](InstanceState* st) { return st->status != ObjectState::Pending; }),
                       impl.pending.end());
    impl.deleted.clear();
    auto reset = [](InstanceState* st) {
        if (!st->rel_dirty) return;
        for (const auto& r : st->mapper->relationships) {
            auto& base = st->mapper->relation(st->obj, r);
            base.changed = false;
            if (r.uselist()) {
                auto& c = static_cast<CollectionBase&>(base);
                c.added.clear();
                c.removed.clear();
            } else {
                static_cast<RefBase&>(base).previous = nullptr;
            }
        }
        st->rel_dirty = false;
    };
    if (impl.relations_changed) {
        for (auto* st : impl.identity) reset(st);
        for (auto* st : impl.deleted_in_tx) reset(st);
    }
    impl.relations_changed = false;
}

// Where the database limits what one transaction may change (Aurora DSQL: 3,000 rows, 10 MiB), a flush that
// would pass the limit, with what this transaction wrote before, stops before it sends anything. Rows counted:
// each object inserted, updated or deleted (rows of association tables and cascaded changes come on top, so the
// count is a lower bound); bytes: the values of the inserted and updated objects' columns.
void check_transaction_limits(Session& s, Session::Impl& impl, const DialectCapabilities& caps) {
    std::int64_t rows = static_cast<std::int64_t>(impl.inserted_in_tx.size() + impl.deleted_in_tx.size() +
                                                  impl.pending.size() + impl.deleted.size());
    std::int64_t bytes = 0;
    auto add_bytes = [&](const InstanceState* st) {
        for (const auto& c : st->mapper->columns) bytes += static_cast<std::int64_t>(stored_size(c.get(st->obj, c)));
    };
    for (const auto* st : impl.pending) add_bytes(st);
    for (auto* st : impl.identity)
        if (st->status == ObjectState::Persistent && detail::SessionAccess::state_modified(s, st)) {
            ++rows;
            add_bytes(st);
        }
    const auto rows_limit = caps.max_rows_per_transaction, bytes_limit = caps.max_bytes_per_transaction;
    if (rows_limit > 0 && rows > rows_limit)
        throw TransactionLimitError("flush: this transaction would change at least " + std::to_string(rows) +
                                    " rows, more than the " + std::to_string(rows_limit) +
                                    " one transaction may change here; nothing was sent. Commit in smaller parts "
                                    "(or load with dsql::insert_in_chunks)");
    if (bytes_limit > 0 && bytes > bytes_limit)
        throw TransactionLimitError("flush: this flush would write about " + std::to_string(bytes) +
                                    " bytes, more than the " + std::to_string(bytes_limit) +
                                    " one transaction may change here; nothing was sent. Commit in smaller parts");
}

}  // namespace

void flush_session(Session& s, Session::Impl& impl) {
    if (impl.pending.empty() && impl.deleted.empty()) {
        // Nothing new or deleted: flush only when some object changed.
        bool any = false;
        for (auto* st : impl.identity)
            if (st->status == ObjectState::Persistent && detail::SessionAccess::state_modified(s, st)) {
                any = true;
                break;
            }
        if (!any) return;
    }
    Connection& conn = impl.conn(s);
    const auto& caps = conn.dialect().caps();
    if (caps.max_rows_per_transaction > 0 || caps.max_bytes_per_transaction > 0) check_transaction_limits(s, impl, caps);
    Flush f{s, impl, conn, {}, {}, {}, {}};
    f.run();
}

namespace detail {

retort::Select join_relationship(const retort::Select& s, const RelationshipProp& r, bool isouter) {
    std::vector<Expr<bool>> on;
    if (r.kind == RelKind::ManyToMany) {
        std::vector<Expr<bool>> a;
        for (const auto& [key, acol] : r.pairs) a.push_back(Expr<Any>(acol->ptr()) == Expr<Any>(key->ptr()));
        std::vector<Expr<bool>> b;
        for (const auto& [key, acol] : r.secondary_pairs) b.push_back(Expr<Any>(key->ptr()) == Expr<Any>(acol->ptr()));
        return s.join(FromClause(*r.secondary), and_(a), isouter).join(FromClause(*r.target->table), and_(b), isouter);
    }
    for (const auto& [a, b] : r.pairs) on.push_back(Expr<Any>(a->ptr()) == Expr<Any>(b->ptr()));
    return s.join(FromClause(*r.target->table), and_(on), isouter);
}

}  // namespace detail
}  // namespace retort::orm
