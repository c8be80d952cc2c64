#include <thread>
#include <algorithm>

#include "orm/strategies.hpp"
#include "orm/session_impl.hpp"
#include "retort/dialects/dialect.hpp"
#include "retort/error.hpp"

namespace retort::orm {

namespace {
std::size_t mix(std::size_t h, std::size_t x) noexcept { return h ^ (x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2)); }

std::size_t finish(std::uint64_t h) noexcept {
    // Mixed so that keys with equal low bits (ids in steps of 1024, ...) spread over the table.
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return static_cast<std::size_t>(h);
}

std::size_t hash_values(std::size_t h, std::span<const Value> pk) noexcept {
    for (const auto& v : pk) {
        std::size_t x = 0;
        std::visit(
            [&](const auto& a) {
                using A = std::decay_t<decltype(a)>;
                if constexpr (std::is_same_v<A, std::int64_t>) x = std::hash<std::int64_t>()(a);
                else if constexpr (std::is_same_v<A, std::string>) x = std::hash<std::string>()(a);
                else if constexpr (std::is_same_v<A, Uuid>) {
                    std::uint64_t w;
                    std::memcpy(&w, a.bytes.data(), 8);
                    x = std::hash<std::uint64_t>()(w);
                } else if constexpr (std::is_same_v<A, Numeric>) x = std::hash<std::string>()(a.text);
                else x = v.kind() == Value::Kind::Null ? 0 : 7;
            },
            v.storage());
        h = mix(h, x);
    }
    return h;
}
}  // namespace

std::size_t IdentityKeyHash::operator()(const IdentityKey& k) const noexcept {
    return hash_values(std::hash<const void*>()(k.mapper), k.pk);
}

namespace {
// A key of one integer: the keys of an aligned group of four (4n .. 4n+3) hash to four neighbouring slots, one
// cache line of the table, so rows loaded in key order cost one cache miss per four objects; the groups spread
// over the table like any other key.
std::size_t int_key_hash(const MapperBase* m, std::int64_t k) noexcept {
    const auto u = static_cast<std::uint64_t>(k);
    return (finish(mix(std::hash<const void*>()(m), static_cast<std::size_t>(u >> 2))) << 2) | (u & 3);
}
}  // namespace

std::size_t IdentityMap::hash(const MapperBase* m, std::span<const Value> pk) noexcept {
    if (pk.size() == 1 && pk[0].kind() == Value::Kind::Int) return int_key_hash(m, std::get<std::int64_t>(pk[0].storage()));
    return finish(hash_values(std::hash<const void*>()(m), pk));
}

std::size_t IdentityMap::hash(const MapperBase* m, const KeyValues& key) noexcept {
    if (key.is_int()) return int_key_hash(m, key.int_value());
    return key.with_values([&](std::span<const Value> pk) { return hash(m, pk); });
}

Connection& Session::Impl::conn(Session& s) {
    if (needs_rollback)
        throw PendingRollbackError("this Session's transaction has been rolled back due to an error during flush; "
                                   "call rollback() before using it again (the error was: " + rollback_reason + ")");
    if (external) {
        if (joined == Joined::None) join(s);
        return *external;
    }
    if (!own_conn) own_conn.emplace(s.engine().connect());
    return *own_conn;
}

// How a session on a program's connection takes part in its transaction (SQLAlchemy's join_transaction_mode):
// with no transaction begun there, the session begins one and commits it; otherwise as the mode says.
void Session::Impl::join(Session& s) {
    if (!external->in_transaction()) {
        joined = Joined::Own;
        return;
    }
    JoinTransactionMode mode = s.options().join_transaction_mode;
    if (mode == JoinTransactionMode::ConservativeSavepoint)
        mode = external->in_nested_transaction() ? JoinTransactionMode::CreateSavepoint : JoinTransactionMode::RollbackOnly;
    switch (mode) {
        case JoinTransactionMode::CreateSavepoint:
            savepoint.emplace(external->begin_nested());  // InvalidRequestError where the dialect has no SAVEPOINT
            joined = Joined::Savepoint;
            break;
        case JoinTransactionMode::RollbackOnly: joined = Joined::RollbackOnly; break;
        case JoinTransactionMode::ControlFully: joined = Joined::ControlFully; break;
        case JoinTransactionMode::ConservativeSavepoint: break;  // resolved above
    }
}

void Session::Impl::register_identity(InstanceState* st) {
    if (!identity.insert(st))
        throw InvalidRequestError("another instance with key " + st->mapper->describe(st) +
                                  " is already present in this Session");
}

void Session::Impl::forget(InstanceState* st) {
    if (!st->key.empty()) identity.erase(st);
    if (st->status == ObjectState::Pending) {
        auto p = std::find(pending.begin(), pending.end(), st);
        if (p != pending.end()) pending.erase(p);
    }
    if (st->marked_deleted) {
        auto d = std::find(deleted.begin(), deleted.end(), st);
        if (d != deleted.end()) deleted.erase(d);
        st->marked_deleted = false;
    }
    if (st->status == ObjectState::Deleted) {
        auto d = std::find(deleted_in_tx.begin(), deleted_in_tx.end(), st);
        if (d != deleted_in_tx.end()) deleted_in_tx.erase(d);
    }
    if (!expired_columns.empty()) expired_columns.erase(st);
}

void Session::Impl::remove_newly_deleted(Session& s, InstanceState* st) {
    (void)s;
    forget(st);
    st->status = ObjectState::Deleted;
    st->was_deleted = true;
    deleted_in_tx.push_back(st);
}

void Session::Impl::attach_persistent(Session& s, InstanceState* st) {
    if (InstanceState* other = identity.find(st->mapper, st->key); other && other != st)
        throw InvalidRequestError("can't attach instance " + st->mapper->describe(st) +
                                  "; another instance with that key is already present in this Session");
    Arena::merge(*arena, *st->arena);
    st->session = &s;
    st->status = ObjectState::Persistent;
    register_identity(st);
    if (st->rel_dirty) relations_changed = true;
}

// ---------------------------------------------------------------- lifecycle

Session::Session(Engine engine, SessionOptions opts)
    : engine_(std::move(engine)), opts_(opts), impl_(std::make_unique<Impl>()) {
    if (!engine_) throw ArgumentError("Session needs an Engine made with create_engine()");
}

Session::Session(Connection& conn, SessionOptions opts)
    : engine_(conn.engine()), opts_(opts), impl_(std::make_unique<Impl>()) {
    impl_->external = &conn;
}

Session::~Session() {
    try {
        close();
    } catch (...) {
    }
}

void Session::check_thread() const {
#ifndef NDEBUG
    if (std::this_thread::get_id() != impl_->thread)
        throw InvalidRequestError("this Session belongs to another thread; make one Session per thread");
#endif
}

std::shared_ptr<Arena> Session::arena_ptr() const { return impl_->arena->root_ptr(); }

Connection& Session::connection() {
    check_thread();
    return impl_->conn(*this);
}

bool Session::in_transaction() const noexcept {
    if (impl_->explicit_begin) return true;
    if (impl_->external) return impl_->joined != Impl::Joined::None;
    return impl_->own_conn.has_value() && impl_->own_conn->in_transaction();
}

std::size_t Session::size() const noexcept { return impl_->identity.size() + impl_->pending.size(); }

// ---------------------------------------------------------------- adding and deleting

Arena& Session::arena() const { return *impl_->arena->root(); }

InstanceState* Session::add_new(InstanceState* st) {
    check_thread();
    Registry::configure_all();
    st->session = this;
    st->status = ObjectState::Pending;
    impl_->pending.push_back(st);
    st->mapper->bind(st);
    return st;
}

void Session::add_state(InstanceState* st) {
    check_thread();
    if (!st) throw ArgumentError("add() of an empty Ptr");
    Registry::configure_all();
    impl_->add_impl(*this, st, true);
}

// add(): the object joins the session (pending without a key, persistent with one), and the save-update cascade
// takes along its related objects, those it refers to now and those a change since the last flush took away (so
// that a flush can delete them as orphans or clear their foreign keys).
void Session::Impl::add_impl(Session& s, InstanceState* head_state, bool head) {
    // Depth first with a work list (the related objects of one object pushed in reverse, so they are taken in
    // order): a deep graph never exhausts the call stack.
    std::vector<std::pair<InstanceState*, bool>> todo{{head_state, head}};
    while (!todo.empty()) {
        auto [st, is_head] = todo.back();
        todo.pop_back();
        if (!is_head && st->session == &s) continue;  // reached twice
        add_one(s, st, is_head);
        const std::size_t mark = todo.size();
        for (const auto& r : st->mapper->relationships) {
            if (!r.cascade.save_update) continue;
            auto& base = st->mapper->relation(st->obj, r);
            auto take = [&](InstanceState* t) {
                if (t && t->session != &s) todo.emplace_back(t, false);
            };
            if (r.uselist()) {
                auto& c = static_cast<detail::CollectionBase&>(base);
                for (auto* t : c.items) take(t);
                for (auto* t : c.removed) take(t);
            } else {
                auto& ref = static_cast<detail::RefBase&>(base);
                take(ref.target);
                take(ref.previous);
            }
        }
        std::reverse(todo.begin() + static_cast<std::ptrdiff_t>(mark), todo.end());
    }
}

void Session::Impl::add_one(Session& s, InstanceState* st, bool head) {
    if (st->was_deleted)
        throw InvalidRequestError("instance " + st->mapper->describe(st) +
                                  " has been deleted; use make_transient() to send it back to the transient state");
    if (st->session && st->session != &s)
        throw InvalidRequestError("object " + st->mapper->describe(st) + " is already attached to another Session");
    if (head) st->orphaned_outside_session = false;
    if (st->session != &s) {
        if (st->key.empty()) {
            Arena::merge(*arena, *st->arena);
            st->session = &s;
            st->status = ObjectState::Pending;
            pending.push_back(st);
            if (st->rel_dirty) relations_changed = true;
        } else {
            attach_persistent(s, st);
        }
    } else if (st->marked_deleted) {
        // add() after delete() takes the delete back.
        auto d = std::find(deleted.begin(), deleted.end(), st);
        if (d != deleted.end()) deleted.erase(d);
        st->marked_deleted = false;
    }
}

void Session::delete_state(InstanceState* st) {
    check_thread();
    if (!st) throw ArgumentError("delete() of an empty Ptr");
    Registry::configure_all();
    impl_->delete_impl(*this, st, true);
}

// delete(): the object is marked for DELETE at the next flush (it stays persistent until then), and so are the
// objects its delete cascades reach, gathered now (loading relationships that are not loaded, unless
// passive_deletes leaves them to the database).
void Session::Impl::delete_impl(Session& s, InstanceState* head_state, bool head) {
    // Depth first with a work list, as add() (a deep graph never exhausts the call stack). The objects are marked
    // only once all are gathered: loading a relationship on the way may autoflush, and a flush then must not
    // delete a parent whose children are not marked yet (their rows would still refer to it).
    std::vector<std::pair<InstanceState*, bool>> todo{{head_state, head}};
    std::vector<InstanceState*> gathered;
    StateSet seen;  // what is in `gathered` (a large cascade stays linear)
    while (!todo.empty()) {
        auto [st, is_head] = todo.back();
        todo.pop_back();
        if (!is_head && st->session && st->session != &s) continue;
        if (st->key.empty()) {
            if (is_head) throw InvalidRequestError("instance " + st->mapper->describe(st) + " is not persisted");
            continue;
        }
        if (st->session && st->session != &s)
            throw InvalidRequestError("object " + st->mapper->describe(st) + " is already attached to another Session");
        if (st->marked_deleted || seen.contains(st)) continue;
        if (st->session != &s || st->status == ObjectState::Deleted) {
            // A detached object, or one whose row this transaction's flush deleted already: back in the identity map.
            if (st->status == ObjectState::Deleted) {
                auto d = std::find(deleted_in_tx.begin(), deleted_in_tx.end(), st);
                if (d != deleted_in_tx.end()) deleted_in_tx.erase(d);
                st->session = nullptr;
            }
            attach_persistent(s, st);
        }
        const std::size_t mark = todo.size();
        for (const auto& r : st->mapper->relationships) {
            if (!r.cascade.delete_) continue;
            auto& base = st->mapper->relation(st->obj, r);
            if (r.options.passive_deletes && !base.loaded) continue;
            if (r.uselist()) {
                auto& c = static_cast<detail::CollectionBase&>(base);
                c.load();
                for (auto* t : c.items) todo.emplace_back(t, false);
            } else if (auto* t = static_cast<detail::RefBase&>(base).load()) {
                todo.emplace_back(t, false);
            }
        }
        std::reverse(todo.begin() + static_cast<std::ptrdiff_t>(mark), todo.end());
        seen.insert(st);
        gathered.push_back(st);
    }
    for (auto* st : gathered) {
        st->marked_deleted = true;
        deleted.push_back(st);
    }
}

bool Session::contains_state(const InstanceState* st) const noexcept {
    return st && st->session == this && (st->status == ObjectState::Pending || st->status == ObjectState::Persistent);
}

void Session::expunge_state(InstanceState* st) {
    if (!st || st->session != this)
        throw InvalidRequestError("instance " + (st ? st->mapper->describe(st) : std::string("(null)")) +
                                  " is not present in this Session");
    std::vector<InstanceState*> todo{st};
    for (std::size_t i = 0; i < todo.size(); ++i) {
        InstanceState* x = todo[i];
        for (const auto& r : x->mapper->relationships) {
            if (!r.cascade.expunge) continue;
            auto& base = x->mapper->relation(x->obj, r);
            if (!base.loaded) continue;  // nothing of it is in memory
            auto visit = [&](InstanceState* t) {
                if (t && t->session == this && std::find(todo.begin(), todo.end(), t) == todo.end()) todo.push_back(t);
            };
            if (r.uselist()) {
                for (auto* t : static_cast<detail::CollectionBase&>(base).items) visit(t);
            } else {
                visit(static_cast<detail::RefBase&>(base).target);
            }
        }
    }
    for (auto* x : todo) {
        impl_->forget(x);
        x->session = nullptr;
        x->status = x->key.empty() ? ObjectState::Transient : ObjectState::Detached;
    }
}

void Session::expunge_all() {
    auto detach = [](InstanceState* st) {
        st->session = nullptr;
        st->status = st->key.empty() ? ObjectState::Transient : ObjectState::Detached;
    };
    for (auto* st : impl_->deleted) st->marked_deleted = false;
    for (auto* st : impl_->identity) detach(st);
    for (auto* st : impl_->pending) detach(st);
    for (auto* st : impl_->deleted_in_tx) detach(st);
    impl_->identity.clear();
    impl_->pending.clear();
    impl_->deleted.clear();
    impl_->deleted_in_tx.clear();
    impl_->expired_columns.clear();
    impl_->lazy_options.clear();
    impl_->retire_arena();
}

// The current transaction's lists (or a running flush) may name objects, which they read (and skip once
// detached) until it ends.
bool Session::Impl::transaction_names_objects() const noexcept {
    return !inserted_in_tx.empty() || !updated_in_tx.empty() || !key_switches.empty() || !nested.empty() || flushing;
}

void Session::Impl::retire_arena() {
    Arena* root = arena->root();
    if (root->size() == 0) return;
    if (transaction_names_objects()) retired.push_back(root->shared_from_this());
    arena = std::make_shared<Arena>();
}

void Session::Impl::release_retired() noexcept {
    if (!transaction_names_objects()) retired.clear();
}

// ---------------------------------------------------------------- state queries

bool Session::state_modified(const InstanceState* st, bool include_collections) const {
    if (!st) return false;
    if (st->status == ObjectState::Pending) return true;
    if (st->rel_dirty && include_collections) return true;
    // Expired whole, its changes were dropped; with only some columns expired, changes to the others stay (the
    // expired ones still hold their loaded values, so they compare equal).
    if (st->expired && !impl_->expired_columns.count(const_cast<InstanceState*>(st))) return false;
    return tracking::changed(st);
}

std::vector<InstanceState*> Session::new_objects() const { return {impl_->pending.begin(), impl_->pending.end()}; }
std::vector<InstanceState*> Session::deleted_objects() const { return impl_->deleted; }
std::vector<InstanceState*> Session::dirty_objects() const {
    std::vector<InstanceState*> out;
    for (auto* st : impl_->identity)
        if (st->status == ObjectState::Persistent && !st->marked_deleted && state_modified(st)) out.push_back(st);
    return out;
}

// ---------------------------------------------------------------- loading

InstanceState* Session::get_state(const MapperBase& m, std::vector<Value> pk) {
    return get_state(m, std::move(pk), GetOptions{});
}

void Session::read_untracked(const MapperBase& m, const retort::Select& stmt, const Params& params,
                             const std::function<void(std::size_t)>& reserve,
                             const std::function<void(const DBAPICursor&)>& row) {
    check_thread();
    Registry::configure_all();
    (void)m;
    if (opts_.autoflush) flush();
    Connection& c = impl_->conn(*this);
    Result r = c.execute(stmt, params);
    if (const std::int64_t n = r.size_hint(); n > 0) reserve(static_cast<std::size_t>(n));
    while (r.next()) row(r.current().cursor());
}

namespace {
// The column indexes and relationships of st's mapper that `attrs` name (ArgumentError for anything else).
void resolve_attributes(const MapperBase& m, const std::vector<Session::Attribute>& attrs, std::vector<int>& cols,
                        std::vector<const RelationshipProp*>& rels) {
    for (const auto& a : attrs) {
        if (const ColumnProp* c = m.column_for(a.member, a.type)) {
            cols.push_back(static_cast<int>(c - m.columns.data()));
        } else if (const RelationshipProp* r = m.relationship_for(a.member, a.type)) {
            rels.push_back(r);
        } else {
            throw ArgumentError("expire()/refresh(): a member named is not a mapped attribute of " + m.class_name);
        }
    }
}

// Every relationship is read again on next use; changes to them not flushed are dropped.
void unload_relationships(InstanceState* st) {
    for (const auto& rel : st->mapper->relationships) {
        auto& base = st->mapper->relation(st->obj, rel);
        base.loaded = false;
        base.lazy = rel.options.lazy;
        base.changed = false;
        if (rel.uselist()) {
            auto& c = static_cast<detail::CollectionBase&>(base);
            c.added.clear();
            c.removed.clear();
        } else {
            static_cast<detail::RefBase&>(base).previous = nullptr;
        }
    }
    st->rel_dirty = false;
}
}  // namespace

void Session::reload(InstanceState* st, const std::vector<int>& only) {
    const MapperBase& m = *st->mapper;
    Params params;
    bool null_in_key = false;
    for (std::size_t i = 0; i < st->key.size(); ++i) {
        params.emplace_back("pk_" + std::to_string(i), st->key[i]);
        null_in_key = null_in_key || st->key[i].is_null();
    }
    Connection& c = impl_->conn(*this);
    // A key column holding NULL (SQLite lets one) is found with IS NULL: "= NULL" matches no row. The other key
    // columns are compared with their values bound in the statement.
    std::optional<retort::Select> by_key;
    if (null_in_key) {
        by_key = m.select_all();
        for (std::size_t i = 0; i < m.pk.size(); ++i) {
            const Column& col = *m.columns[static_cast<std::size_t>(m.pk[i])].column;
            const Expr<Any> e(col.ptr());
            by_key = by_key->where(st->key[i].is_null() ? e.is_null()
                                                        : e == Expr<Any>(retort::detail::make_bind("", st->key[i], col.type)));
        }
        params.clear();
    }
    Result r = c.execute(by_key ? *by_key : m.select_by_pk(), params);
    if (!r.next())
        throw ObjectDeletedError("instance " + m.describe(st) + " has been deleted, or its row is otherwise not present");
    // Columns not reloaded keep the values the program gave them (as changes against the row now read).
    std::vector<std::pair<int, Value>> kept;
    if (!only.empty())
        for (std::size_t i = 0; i < m.columns.size(); ++i)
            if (std::find(only.begin(), only.end(), static_cast<int>(i)) == only.end())
                kept.emplace_back(static_cast<int>(i), m.columns[i].get(st->obj, m.columns[i]));
    loading::instance_from_row(*this, *impl_, m, r.current().cursor(), 0, true);
    r.close();
    for (const auto& [i, v] : kept) m.columns[static_cast<std::size_t>(i)].set(st->obj, v, m.columns[static_cast<std::size_t>(i)]);
    if (!impl_->expired_columns.empty()) impl_->expired_columns.erase(st);
}

void Session::load_expired(InstanceState* st) {
    check_thread();
    if (!st->expired) return;
    auto it = impl_->expired_columns.find(st);
    if (it == impl_->expired_columns.end()) {
        reload(st, {});
    } else {
        const std::vector<int> cols = it->second;
        reload(st, cols);
    }
    loading::load_eager_defaults(*this, *impl_, st);
}

void Session::refresh_state(InstanceState* st, const std::vector<Attribute>& attrs) {
    check_thread();
    if (!st || st->session != this || st->status != ObjectState::Persistent)
        throw InvalidRequestError("refresh(): instance " + (st ? st->mapper->describe(st) : std::string("(null)")) +
                                  " is not persistent within this Session");
    std::vector<int> cols;
    std::vector<const RelationshipProp*> rels;
    resolve_attributes(*st->mapper, attrs, cols, rels);
    // As SQLAlchemy: what refresh() reloads is expired first (changes to it are dropped), then the session autoflushes
    // (a relationship change moving a reloaded foreign key, a changed primary key) and the row is read.
    if (attrs.empty()) {
        expire_state(st);  // with its refresh-expire cascade
        if (opts_.autoflush) flush();
        reload(st, {});
        unload_relationships(st);
        loading::load_eager_defaults(*this, *impl_, st);  // relationships the mapping loads eagerly
        return;
    }
    if (opts_.autoflush) {
        expire_state(st, attrs);
        flush();
    }
    if (!cols.empty()) reload(st, cols);
    for (const auto* r : rels) {
        auto& base = st->mapper->relation(st->obj, *r);
        base.loaded = false;
        base.lazy = loading::strategy_of(r->options.lazy).on_refresh();
        load_relationship(st, *r);
    }
}

void Session::expire_state(InstanceState* st, const std::vector<Attribute>& attrs) {
    check_thread();
    if (!st || st->session != this || st->status != ObjectState::Persistent)
        throw InvalidRequestError("expire(): instance " + (st ? st->mapper->describe(st) : std::string("(null)")) +
                                  " is not persistent within this Session");
    if (!attrs.empty()) {
        std::vector<int> cols;
        std::vector<const RelationshipProp*> rels;
        resolve_attributes(*st->mapper, attrs, cols, rels);
        if (!cols.empty()) {
            // An object expired whole stays so; otherwise the named columns join those expired before.
            const bool whole = st->expired && !impl_->expired_columns.count(st);
            if (!whole) {
                auto& list = impl_->expired_columns[st];
                for (int c : cols)
                    if (std::find(list.begin(), list.end(), c) == list.end()) list.push_back(c);
                st->expired = true;
            }
        }
        for (const auto* r : rels) {
            auto& base = st->mapper->relation(st->obj, *r);
            base.loaded = false;
            base.lazy = r->options.lazy;
        }
        return;
    }
    // The refresh-expire cascade, gathered before anything is expired: persistent objects are expired, pending
    // ones expunged. A pending object is reached only through a relationship with delete-orphan (as in
    // SQLAlchemy): without it, the reloaded relationship no longer holding the object does not make it an orphan,
    // so it stays pending and is still inserted by the next flush.
    std::vector<InstanceState*> todo{st};
    for (std::size_t i = 0; i < todo.size(); ++i) {
        InstanceState* x = todo[i];
        for (const auto& r : x->mapper->relationships) {
            if (!r.cascade.refresh_expire) continue;
            auto& base = x->mapper->relation(x->obj, r);
            if (!base.loaded) continue;
            auto visit = [&](InstanceState* t) {
                if (!t || t->session != this) return;
                if (t->status == ObjectState::Pending && !r.cascade.delete_orphan) return;
                if (std::find(todo.begin(), todo.end(), t) == todo.end()) todo.push_back(t);
            };
            if (r.uselist()) {
                for (auto* t : static_cast<detail::CollectionBase&>(base).items) visit(t);
            } else {
                visit(static_cast<detail::RefBase&>(base).target);
            }
        }
    }
    for (auto* x : todo) {
        if (x->status == ObjectState::Pending) {
            expunge_state(x);
        } else if (x->status == ObjectState::Persistent) {
            x->expired = true;
            if (!impl_->expired_columns.empty()) impl_->expired_columns.erase(x);
            unload_relationships(x);
        }
    }
}

void Session::Impl::expire_one(InstanceState* st) {
    st->expired = true;
    if (!expired_columns.empty()) expired_columns.erase(st);
    unload_relationships(st);
}

void Session::expire_all() {
    impl_->expired_columns.clear();
    impl_->lazy_options.clear();
    for (auto* st : impl_->identity)
        if (st->status == ObjectState::Persistent) impl_->expire_one(st);
}

void Session::note_relationship_change() noexcept { impl_->relations_changed = true; }

InstanceState* Session::many_to_one_in_memory(InstanceState* owner, const RelationshipProp& r) {
    if (owner->expired || owner->session != this) return nullptr;
    bool known = false;
    return loading::many_to_one_in_memory(*impl_, owner, r, known);
}

bool key_unset(const Value& v) noexcept {
    switch (v.kind()) {
        case Value::Kind::Null: return true;
        case Value::Kind::Int: return std::get<std::int64_t>(v.storage()) == 0;
        case Value::Kind::Uuid: return std::get<Uuid>(v.storage()).is_nil();
        case Value::Kind::Text: return std::get<std::string>(v.storage()).empty();
        default: return false;
    }
}

namespace {

// Whether the source's relationship holds something to merge: loaded, and given by the program (changed, or
// holding objects) or read from the database (the source has a key).
bool merge_source_given(const detail::RelationBase& base, const RelationshipProp& r, const InstanceState* src) {
    if (!base.loaded) return false;
    if (base.changed || (src && !src->key.empty())) return true;
    if (r.uselist()) return !static_cast<const detail::CollectionBase&>(base).items.empty();
    return static_cast<const detail::RefBase&>(base).target != nullptr;
}

}  // namespace

InstanceState* Session::merge_object(const MapperBase& m, const void* obj, const InstanceState* src, bool load) {
    check_thread();
    Registry::configure_all();
    // As SQLAlchemy's merge(): what is pending is flushed before merge() may load, and nothing while it runs: a
    // load in the middle (the old value of a relationship it replaces) must not flush an object merge() has made
    // but not linked yet (its foreign key not set).
    if (load && opts_.autoflush) flush();
    NoAutoflush no_autoflush(*this);
    std::unordered_map<const void*, InstanceState*> memo;
    std::vector<Session::Impl::MergeFrame> stack;
    InstanceState* target = impl_->merge_one(*this, m, obj, src, load, memo, stack);
    if (!stack.empty()) impl_->merge_relations(*this, load, memo, stack);
    return target;
}

InstanceState* Session::Impl::merge_one(Session& s, const MapperBase& m, const void* obj, const InstanceState* src, bool load,
                                        std::unordered_map<const void*, InstanceState*>& memo,
                                        std::vector<MergeFrame>& stack) {
    if (src && src->session == &s) return const_cast<InstanceState*>(src);  // already this session's
    if (auto it = memo.find(obj); it != memo.end()) return it->second;
    std::vector<Value> key = m.primary_key_of(obj);
    const bool unset = std::any_of(key.begin(), key.end(), key_unset);
    for (std::size_t i = 0; i < key.size(); ++i) {
        const auto& c = m.columns[static_cast<std::size_t>(m.pk[i])];
        if (key[i].kind() == Value::Kind::Text && c.column->type.kind == TypeKind::Uuid) key[i] = Uuid::parse(key[i].as<std::string>());
    }
    if (!load) {
        if (unset)
            throw InvalidRequestError("merge() with load=false needs an object with a primary key (persisted before)");
        if (src && src->has_snapshot && !src->expired && (tracking::changed(src) || src->rel_dirty))
            throw InvalidRequestError("merge() with load=false takes only objects without changes to flush; flush "
                                      "them before merging with load=false");
    }
    InstanceState* target = nullptr;
    bool existed = false;
    if (!unset) {
        target = identity.find(&m, key);
        if (!target && load) target = s.get_state(m, key);
        existed = target != nullptr;
        if (target && load && target->expired) s.load_expired(target);
    }
    const auto& cols = m.columns;
    if (existed && m.version_column >= 0) {
        const auto& vp = cols[static_cast<std::size_t>(m.version_column)];
        const Value given = vp.get(obj, vp), have = vp.get(target->obj, vp);
        if (!key_unset(given) && given != have)
            throw StaleDataError("version id " + given.repr() + " of the merged " + m.describe(target) +
                                 " does not match the existing version " + have.repr() +
                                 "; leave the version unset when merging to use the existing one");
    }
    bool fresh_persistent = false;
    if (!target) {
        target = m.create(s.arena());
        for (const auto& c : cols) c.set(target->obj, c.get(obj, c), c);
        if (load) {
            s.add_new(target);
        } else {
            // Persistent as given, without SQL: its relationships load on first use.
            target->session = &s;
            target->status = ObjectState::Persistent;
            for (auto& v : key) target->key.push_back(std::move(v));
            register_identity(target);
            m.bind(target);
            for (const auto& r : m.relationships) {
                auto& base = m.relation(target->obj, r);
                base.loaded = false;
                base.lazy = r.options.lazy;
            }
            fresh_persistent = true;
        }
    } else {
        for (std::size_t i = 0; i < cols.size(); ++i) {
            const auto& c = cols[i];
            Value v = c.get(obj, c);
            if (static_cast<int>(i) == m.version_column && key_unset(v)) continue;  // the existing version stays
            c.set(target->obj, v, c);
        }
        if (!load && target->expired) {
            target->expired = false;
            if (!expired_columns.empty()) expired_columns.erase(target);
            fresh_persistent = true;
        }
    }
    memo[obj] = target;
    // Its relationships are merged by the caller's loop, depth first, before the object's parent goes on.
    stack.push_back(MergeFrame{&m, obj, src, target, fresh_persistent});
    return target;
}

// One object's merge cascade, a step at a time: each related object is merged (and its own relationships, depth
// first, on the stack) before the relationship is set, so that deep graphs never exhaust the call stack.
void Session::Impl::merge_relations(Session& s, bool load, std::unordered_map<const void*, InstanceState*>& memo,
                                    std::vector<MergeFrame>& stack) {
    const std::size_t base_depth = stack.size() - 1;
    while (stack.size() > base_depth) {
        const std::size_t fi = stack.size() - 1;
        MergeFrame& f = stack[fi];
        const MapperBase& m = *f.mapper;
        if (f.rel >= m.relationships.size()) {
            if (f.fresh_persistent) tracking::take(f.target);
            stack.pop_back();
            continue;
        }
        const auto& r = m.relationships[f.rel];
        const auto& sbase = m.relation(const_cast<void*>(f.obj), r);
        if (!f.started) {
            if (!r.cascade.merge || !merge_source_given(sbase, r, f.src)) {
                ++f.rel;
                continue;
            }
            f.started = true;
            f.child = 0;
            f.merged.clear();
        }
        // The next related object of the source, merged (its own frame goes on top of this one).
        const InstanceState* next = nullptr;
        bool more = false;
        if (r.uselist()) {
            const auto& items = static_cast<const detail::CollectionBase&>(sbase).items;
            if (f.child < items.size()) {
                next = items[f.child];
                more = true;
            }
        } else if (f.child == 0) {
            next = static_cast<const detail::RefBase&>(sbase).target;
            more = next != nullptr;
        }
        if (more) {
            ++f.child;
            InstanceState* merged = merge_one(s, *next->mapper, next->obj, next, load, memo, stack);
            stack[fi].merged.push_back(merged);  // the stack may have grown: f is not used past this point
            continue;
        }
        // Every related object is merged: the target's relationship is set.
        auto& tbase = m.relation(f.target->obj, r);
        if (r.uselist()) {
            auto& tc = static_cast<detail::CollectionBase&>(tbase);
            if (!load) {
                tc.items = f.merged;
                tc.loaded = true;
            } else {
                tc.load();
                const auto current = tc.items;
                for (auto* x : current)
                    if (std::find(f.merged.begin(), f.merged.end(), x) == f.merged.end()) tc.remove(x);
                for (auto* x : f.merged)
                    if (std::find(tc.items.begin(), tc.items.end(), x) == tc.items.end()) tc.append(x, nullptr);
            }
        } else {
            InstanceState* merged = f.merged.empty() ? nullptr : f.merged.front();
            auto& tr = static_cast<detail::RefBase&>(tbase);
            if (!load) {
                tr.target = merged;
                tr.loaded = true;
            } else {
                tr.assign(merged, nullptr);
            }
        }
        f.started = false;
        ++f.rel;
    }
}

// ---------------------------------------------------------------- transactions

void Session::flush() {
    check_thread();
    if (impl_->flushing) return;
    if (impl_->needs_rollback) impl_->conn(*this);  // raises PendingRollbackError
    Registry::configure_all();
    impl_->flushing = true;
    try {
        flush_session(*this, *impl_);
    } catch (const std::exception& e) {
        impl_->flushing = false;
        impl_->fail_transaction(e.what());
        throw;
    }
    impl_->flushing = false;
}

void Session::Impl::fail_transaction(const std::string& why) {
    // The database's transaction goes now (its locks with it); the objects are put back by rollback(), which
    // the program must call before the session is used again. Inside a SAVEPOINT only that goes: rolling the
    // SAVEPOINT back (its SessionTransaction) recovers.
    needs_rollback = true;
    rollback_reason = why;
    failed_depth = nested.size();
    if (!nested.empty()) {
        try {
            if (nested.back().savepoint) nested.back().savepoint->rollback();
        } catch (...) {
        }
        return;
    }
    try {
        if (external) {
            end_joined(false);
        } else if (own_conn) {
            own_conn->rollback();
        }
    } catch (...) {
    }
    own_conn.reset();
}

void Session::Impl::end_joined(bool commit) {
    switch (joined) {
        case Joined::None: break;
        case Joined::Savepoint:
            if (savepoint) {
                if (commit) savepoint->commit();
                else savepoint->rollback();
            }
            savepoint.reset();
            break;
        case Joined::RollbackOnly:
            if (!commit) external->rollback();
            break;
        case Joined::Own:
        case Joined::ControlFully:
            if (commit) external->commit();
            else external->rollback();
            break;
    }
    joined = Joined::None;
}

void Session::Impl::expire_untracked() {
    // Objects a commit's flush wrote without a snapshot are reloaded on next use if the commit fails.
    for (auto* st : identity)
        if (st->status == ObjectState::Persistent && !tracking::has(st)) st->expired = true;
}

void Session::commit() {
    check_thread();
    if (impl_->needs_rollback) impl_->conn(*this);  // raises PendingRollbackError
    // The commit expires every object (expire_on_commit), so its flush keeps no snapshots.
    impl_->commit_expires = opts_.expire_on_commit;
    try {
        flush();
        impl_->fold_nested(true);
        if (impl_->external) {
            impl_->end_joined(true);
        } else if (impl_->own_conn) {
            impl_->own_conn->commit();
            impl_->own_conn.reset();  // back to the pool until the next transaction
        }
    } catch (...) {
        if (impl_->commit_expires) impl_->expire_untracked();
        impl_->commit_expires = false;
        throw;
    }
    impl_->commit_expires = false;
    impl_->explicit_begin = false;
    for (auto* st : impl_->deleted_in_tx) {
        st->session = nullptr;
        st->status = ObjectState::Detached;
    }
    impl_->deleted_in_tx.clear();
    impl_->inserted_in_tx.clear();
    impl_->key_switches.clear();
    if (opts_.expire_on_commit) expire_all();
    impl_->release_retired();
}

void Session::rollback() {
    check_thread();
    try {
        if (impl_->external) {
            impl_->end_joined(false);
        } else if (impl_->own_conn) {
            impl_->own_conn->rollback();
        }
    } catch (...) {
        // A connection lost on the way: its transaction is gone with it. The session's state is put back below.
    }
    impl_->own_conn.reset();
    impl_->fold_nested(false);  // (after the connection's rollback, which discarded the SAVEPOINTs)
    impl_->updated_in_tx.clear();
    impl_->explicit_begin = false;
    impl_->joined = Impl::Joined::None;
    impl_->savepoint.reset();
    impl_->needs_rollback = false;
    impl_->rollback_reason.clear();
    // Objects INSERTed in the rolled-back transaction are transient again, objects DELETEd are back, changed keys
    // are the old ones again, and every persistent object is reloaded on next use.
    impl_->undo_key_switches(*this);
    for (auto* st : impl_->inserted_in_tx) {
        if (st->session != this) continue;
        impl_->forget(st);
        st->key.clear();
        tracking::drop(st);
        st->session = nullptr;
        st->status = ObjectState::Transient;
    }
    impl_->inserted_in_tx.clear();
    for (auto* st : impl_->deleted_in_tx) {
        if (st->session != this) continue;  // expunged since
        st->status = ObjectState::Persistent;
        st->was_deleted = false;
        impl_->register_identity(st);
    }
    impl_->deleted_in_tx.clear();
    for (auto* st : impl_->deleted) st->marked_deleted = false;
    impl_->deleted.clear();
    for (auto* st : impl_->pending) {
        st->session = nullptr;
        st->status = ObjectState::Transient;
    }
    impl_->pending.clear();
    expire_all();
    impl_->release_retired();
}

void Session::close() {
    if (!impl_) return;
    if (impl_->external) {
        try {
            // The session's own part of the connection's transaction ends; a transaction the program began on the
            // connection stays the program's.
            if (impl_->joined == Impl::Joined::Savepoint || impl_->joined == Impl::Joined::Own) impl_->end_joined(false);
        } catch (...) {
        }
        impl_->joined = Impl::Joined::None;
        impl_->savepoint.reset();
    } else {
        impl_->own_conn.reset();  // rolls back what is not committed
    }
    impl_->fold_nested(false);
    impl_->nested.clear();
    impl_->updated_in_tx.clear();
    impl_->key_switches.clear();
    impl_->explicit_begin = false;
    impl_->needs_rollback = false;
    impl_->rollback_reason.clear();
    // What the uncommitted transaction inserted never was; what it deleted still is.
    for (auto* st : impl_->inserted_in_tx) {
        if (st->session != this) continue;
        impl_->forget(st);
        st->key.clear();
        tracking::drop(st);
    }
    impl_->inserted_in_tx.clear();
    expunge_all();
    impl_->release_retired();
}

// ---------------------------------------------------------------- explicit transactions

SessionTransaction Session::begin() {
    check_thread();
    if (in_transaction()) throw InvalidRequestError("a transaction is already begun on this Session");
    impl_->explicit_begin = true;
    return SessionTransaction(this, false, ++impl_->begin_id);
}

SessionTransaction Session::begin_nested() {
    check_thread();
    flush();
    Connection& c = impl_->conn(*this);
    Impl::Nested level;
    level.id = ++impl_->begin_id;
    level.savepoint.emplace(c.begin_nested());
    level.outer_inserted = std::move(impl_->inserted_in_tx);
    level.outer_deleted = std::move(impl_->deleted_in_tx);
    level.outer_updated = std::move(impl_->updated_in_tx);
    level.outer_key_switches = std::move(impl_->key_switches);
    impl_->key_switches.clear();
    impl_->inserted_in_tx.clear();
    impl_->deleted_in_tx.clear();
    impl_->updated_in_tx.clear();
    impl_->nested.push_back(std::move(level));
    return SessionTransaction(this, true, impl_->nested.back().id);
}

bool Session::level_active(bool nested, std::uint64_t id) const noexcept {
    if (!nested) return impl_->explicit_begin && impl_->begin_id >= id;
    return std::any_of(impl_->nested.begin(), impl_->nested.end(), [&](const Impl::Nested& n) { return n.id == id; });
}

void Session::commit_level(bool nested, std::uint64_t id) {
    check_thread();
    if (!level_active(nested, id)) throw InvalidRequestError("this transaction is no longer active");
    if (!nested) {
        commit();
        return;
    }
    if (impl_->nested.back().id != id)
        throw InvalidRequestError("a SAVEPOINT begun inside this one is still active; commit or roll it back first");
    flush();
    auto& level = impl_->nested.back();
    level.savepoint->commit();
    // What the SAVEPOINT did now belongs to the level around it.
    level.outer_inserted.insert(level.outer_inserted.end(), impl_->inserted_in_tx.begin(), impl_->inserted_in_tx.end());
    level.outer_deleted.insert(level.outer_deleted.end(), impl_->deleted_in_tx.begin(), impl_->deleted_in_tx.end());
    if (impl_->nested.size() > 1)
        level.outer_updated.insert(level.outer_updated.end(), impl_->updated_in_tx.begin(), impl_->updated_in_tx.end());
    level.outer_key_switches.insert(level.outer_key_switches.end(), impl_->key_switches.begin(), impl_->key_switches.end());
    impl_->inserted_in_tx = std::move(level.outer_inserted);
    impl_->deleted_in_tx = std::move(level.outer_deleted);
    impl_->updated_in_tx = std::move(level.outer_updated);
    impl_->key_switches = std::move(level.outer_key_switches);
    impl_->nested.pop_back();
}

void Session::rollback_level(bool nested, std::uint64_t id) {
    check_thread();
    if (!level_active(nested, id)) return;
    if (!nested) {
        rollback();
        return;
    }
    // SAVEPOINTs begun inside this one go first.
    while (!impl_->nested.empty()) {
        const bool last = impl_->nested.back().id == id;
        impl_->rollback_nested(*this);
        if (last) break;
    }
}

void Session::Impl::rollback_nested(Session& s) {
    auto& level = nested.back();
    try {
        level.savepoint->rollback();
    } catch (...) {
        // A connection lost on the way: the session's transaction fails as a whole at its next use.
    }
    undo_key_switches(s);
    for (auto* st : inserted_in_tx) {
        if (st->session != &s) continue;
        forget(st);
        st->key.clear();
        tracking::drop(st);
        st->session = nullptr;
        st->status = ObjectState::Transient;
    }
    for (auto* st : deleted_in_tx) {
        if (st->session != &s) continue;
        st->status = ObjectState::Persistent;
        st->was_deleted = false;
        register_identity(st);
        expire_one(st);
    }
    for (auto* st : pending) {
        st->session = nullptr;
        st->status = ObjectState::Transient;
    }
    pending.clear();
    for (auto* st : deleted) st->marked_deleted = false;
    deleted.clear();
    // Objects changed inside the SAVEPOINT, flushed or not, are read again.
    for (auto* st : updated_in_tx)
        if (st->session == &s && st->status == ObjectState::Persistent) expire_one(st);
    for (auto* st : identity)
        if (st->status == ObjectState::Persistent && !st->expired && (st->rel_dirty || tracking::changed(st))) expire_one(st);
    inserted_in_tx = std::move(level.outer_inserted);
    deleted_in_tx = std::move(level.outer_deleted);
    updated_in_tx = std::move(level.outer_updated);
    key_switches = std::move(level.outer_key_switches);
    if (needs_rollback && failed_depth >= nested.size()) {
        needs_rollback = false;
        rollback_reason.clear();
    }
    nested.pop_back();
}

void Session::Impl::undo_key_switches(Session& s) {
    for (auto it = key_switches.rbegin(); it != key_switches.rend(); ++it) {
        InstanceState* st = it->first;
        if (st->session != &s || st->status != ObjectState::Persistent) continue;
        identity.erase(st);
        st->key = it->second;
        identity.insert(st);
        // The member holding the key is the old one again once the object reloads.
        st->expired = true;
    }
    key_switches.clear();
}

void Session::Impl::fold_nested(bool release) {
    while (!nested.empty()) {
        auto& level = nested.back();
        if (release && level.savepoint) level.savepoint->commit();
        level.outer_inserted.insert(level.outer_inserted.end(), inserted_in_tx.begin(), inserted_in_tx.end());
        level.outer_deleted.insert(level.outer_deleted.end(), deleted_in_tx.begin(), deleted_in_tx.end());
        level.outer_key_switches.insert(level.outer_key_switches.end(), key_switches.begin(), key_switches.end());
        inserted_in_tx = std::move(level.outer_inserted);
        deleted_in_tx = std::move(level.outer_deleted);
        key_switches = std::move(level.outer_key_switches);
        updated_in_tx.clear();
        if (release) nested.pop_back();
        else {
            // (kept until the connection's rollback has discarded the SAVEPOINTs; see rollback())
            level.savepoint.reset();
            nested.pop_back();
        }
    }
}

SessionTransaction::~SessionTransaction() {
    if (s_ && s_->level_active(nested_, id_)) {
        try {
            s_->rollback_level(nested_, id_);
        } catch (...) {
        }
    }
}

void SessionTransaction::commit() {
    if (!s_) throw InvalidRequestError("this transaction is no longer active");
    s_->commit_level(nested_, id_);
}

void SessionTransaction::rollback() {
    if (s_) s_->rollback_level(nested_, id_);
}

bool SessionTransaction::is_active() const noexcept { return s_ && s_->level_active(nested_, id_); }

// ---------------------------------------------------------------- transient and detached

namespace detail {

void make_transient(InstanceState* st) {
    if (Session* s = st->session) {
        auto& impl = detail::SessionAccess::impl(*s);
        impl.forget(st);
    }
    st->session = nullptr;
    st->key.clear();
    st->status = ObjectState::Transient;
    st->was_deleted = false;
    st->marked_deleted = false;
    st->expired = false;
    tracking::drop(st);
}

void make_transient_to_detached(InstanceState* st) {
    if (st->session || !st->key.empty() || st->status != ObjectState::Transient)
        throw InvalidRequestError("Given object must be transient: " + st->mapper->describe(st));
    const MapperBase& m = *st->mapper;
    KeyValues key;
    for (int i : m.pk) {
        const auto& p = m.columns[static_cast<std::size_t>(i)];
        Value v = p.get(st->obj, p);
        if (v.is_null()) throw InvalidRequestError("make_transient_to_detached(): the primary key of " + m.class_name + " is not set");
        key.push_back(std::move(v));
    }
    st->key = std::move(key);
    st->status = ObjectState::Detached;
    // Which members the program set cannot be told from the rest: every column is read on first use.
    st->expired = true;
    tracking::drop(st);
    for (const auto& r : m.relationships) {
        auto& base = m.relation(st->obj, r);
        base.loaded = false;
        base.lazy = r.options.lazy;
    }
}

}  // namespace detail

// ---------------------------------------------------------------- Core statements

Result Session::execute(const Executable& stmt, const Params& params) {
    check_thread();
    Registry::configure_all();
    if (opts_.autoflush) flush();
    Connection& c = impl_->conn(*this);
    const sql::Node* n = stmt.node().get();
    if (n && (n->kind == sql::NodeKind::Update || n->kind == sql::NodeKind::Delete)) {
        const bool is_update = n->kind == sql::NodeKind::Update;
        const Table* table = is_update ? static_cast<const sql::UpdateNode&>(*n).table.get()
                                       : static_cast<const sql::DeleteNode&>(*n).table.get();
        const auto& returning = is_update ? static_cast<const sql::UpdateNode&>(*n).returning
                                          : static_cast<const sql::DeleteNode&>(*n).returning;
        const MapperBase* m = Registry::find_mapper(table);
        if (m && returning.empty()) {
            // Keep the identity map in step: the keys of the rows the statement touches (RETURNING, or where the
            // dialect has none, a SELECT of them with the statement's WHERE first, in the same transaction), whose
            // objects are expired (UPDATE) or removed (DELETE).
            const bool with_returning = c.dialect().caps().supports_returning &&
                                        (!is_update || c.dialect().caps().supports_update_returning);
            std::vector<sql::NodePtr> keys;
            for (int i : m->pk) keys.push_back(m->columns[static_cast<std::size_t>(i)].column->ptr());
            Result r;
            if (with_returning) {
                Executable with_keys;
                if (is_update) {
                    auto copy = std::make_shared<sql::UpdateNode>(static_cast<const sql::UpdateNode&>(*n));
                    copy->returning = keys;
                    with_keys = Executable(copy);
                } else {
                    auto copy = std::make_shared<sql::DeleteNode>(static_cast<const sql::DeleteNode&>(*n));
                    copy->returning = keys;
                    with_keys = Executable(copy);
                }
                r = c.execute(with_keys, params);
            } else {
                retort::Select q(keys);
                const auto& where = is_update ? static_cast<const sql::UpdateNode&>(*n).where
                                              : static_cast<const sql::DeleteNode&>(*n).where;
                for (const auto& w : where) q = q.where(Expr<bool>(w));
                r = c.execute(q, params);
            }
            std::int64_t count = 0;
            std::vector<InstanceState*> touched;
            for (RowView row : r) {
                ++count;
                std::vector<Value> pk;
                for (std::size_t i = 0; i < m->pk.size(); ++i) {
                    Value v = row.get<Value>(static_cast<int>(i));
                    const auto& col = *m->columns[static_cast<std::size_t>(m->pk[i])].column;
                    if (v.kind() == Value::Kind::Text && col.type.kind == TypeKind::Uuid) v = Uuid::parse(v.as<std::string>());
                    pk.push_back(std::move(v));
                }
                if (InstanceState* st = impl_->identity.find(m, pk)) touched.push_back(st);
            }
            if (!with_returning) count = c.execute(stmt, params).rowcount();
            for (auto* st : touched) {
                if (is_update) {
                    impl_->expire_one(st);
                } else {
                    impl_->remove_newly_deleted(*this, st);
                }
            }
            return Result::from_rows(nullptr, {}, count);
        }
        Result r = c.execute(stmt, params);
        if (m) {
            // No keys to go by: every object of that model is reloaded on next use.
            for (auto* st : impl_->identity)
                if (st->mapper == m) impl_->expire_one(st);
        }
        return r;
    }
    return c.execute(stmt, params);
}

Result Session::execute(const Executable& stmt, const std::vector<Params>& rows) {
    check_thread();
    Registry::configure_all();
    if (opts_.autoflush) flush();
    return impl_->conn(*this).execute(stmt, rows);
}

}  // namespace retort::orm
