#include <algorithm>

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
    if (external) {
        if (!savepoint && external->dialect().caps().supports_savepoints) savepoint.emplace(external->begin_nested());
        return *external;
    }
    if (!own_conn) own_conn.emplace(s.engine().connect());
    return *own_conn;
}

void Session::Impl::register_identity(InstanceState* st) {
    if (!identity.insert(st))
        throw InvalidRequestError("another instance with key " + st->mapper->describe(st) +
                                  " is already present in this Session");
}

void Session::Impl::forget(InstanceState* st) {
    if (!st->key.empty()) identity.erase(st);
    auto p = std::find(pending.begin(), pending.end(), st);
    if (p != pending.end()) pending.erase(p);
    auto d = std::find(deleted.begin(), deleted.end(), st);
    if (d != deleted.end()) deleted.erase(d);
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
    if (impl_->external) return impl_->savepoint.has_value();
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
    if (st->session == this) {
        if (st->status == ObjectState::Deleted) {
            // add() after delete() takes the delete back.
            auto d = std::find(impl_->deleted.begin(), impl_->deleted.end(), st);
            if (d != impl_->deleted.end()) impl_->deleted.erase(d);
            st->status = ObjectState::Persistent;
        }
        return;
    }
    if (st->session)
        throw InvalidRequestError("object " + st->mapper->describe(st) + " is already attached to another Session");
    Arena::merge(*impl_->arena, *st->arena);
    st->session = this;
    if (st->rel_dirty) impl_->relations_changed = true;
    if (st->key.empty()) {
        st->status = ObjectState::Pending;
        impl_->pending.push_back(st);
    } else {
        st->status = ObjectState::Persistent;
        impl_->register_identity(st);
    }
    // save-update cascade: related objects come along.
    for (const auto& r : st->mapper->relationships) {
        if (!r.cascade.save_update) continue;
        auto& base = st->mapper->relation(st->obj, r);
        if (r.uselist()) {
            for (auto* t : static_cast<detail::CollectionBase&>(base).items)
                if (t->session != this) add_state(t);
        } else if (auto* t = static_cast<detail::RefBase&>(base).target; t && t->session != this) {
            add_state(t);
        }
    }
}

void Session::delete_state(InstanceState* st) {
    check_thread();
    if (!st) throw ArgumentError("delete() of an empty Ptr");
    if (st->session != this) {
        if (st->status == ObjectState::Detached && !st->key.empty()) {
            add_state(st);
        } else {
            throw InvalidRequestError("object " + st->mapper->describe(st) + " is not persisted in this Session");
        }
    }
    if (st->status == ObjectState::Pending) {
        expunge_state(st);
        return;
    }
    if (st->status == ObjectState::Deleted) return;
    st->status = ObjectState::Deleted;
    impl_->deleted.push_back(st);
}

void Session::expunge_state(InstanceState* st) {
    if (!st || st->session != this) return;
    impl_->forget(st);
    st->session = nullptr;
    st->status = st->key.empty() ? ObjectState::Transient : ObjectState::Detached;
}

void Session::expunge_all() {
    auto detach = [](InstanceState* st) {
        st->session = nullptr;
        st->status = st->key.empty() ? ObjectState::Transient : ObjectState::Detached;
    };
    for (auto* st : impl_->identity) detach(st);
    for (auto* st : impl_->pending) detach(st);
    for (auto* st : impl_->deleted) detach(st);
    impl_->identity.clear();
    impl_->pending.clear();
    impl_->deleted.clear();
}

// ---------------------------------------------------------------- state queries

bool Session::state_modified(const InstanceState* st) const {
    if (!st) return false;
    if (st->status == ObjectState::Pending) return true;
    if (st->rel_dirty) return true;
    if (st->expired) return false;
    return tracking::changed(st);
}

std::vector<InstanceState*> Session::new_objects() const { return {impl_->pending.begin(), impl_->pending.end()}; }
std::vector<InstanceState*> Session::deleted_objects() const { return impl_->deleted; }
std::vector<InstanceState*> Session::dirty_objects() const {
    std::vector<InstanceState*> out;
    for (auto* st : impl_->identity)
        if (st->status == ObjectState::Persistent && state_modified(st)) out.push_back(st);
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

void Session::refresh_state(InstanceState* st) {
    check_thread();
    if (!st || st->session != this)
        throw InvalidRequestError("refresh(): the object is not persistent in this Session");
    if (st->key.empty()) throw InvalidRequestError("refresh(): the object has not been flushed yet");
    const MapperBase& m = *st->mapper;
    Params params;
    for (std::size_t i = 0; i < st->key.size(); ++i) params.emplace_back("pk_" + std::to_string(i), st->key[i]);
    Connection& c = impl_->conn(*this);
    Result r = c.execute(m.select_by_pk(), params);
    if (!r.next())
        throw ObjectDeletedError("instance " + m.describe(st) + " has been deleted, or its row is otherwise not present");
    loading::instance_from_row(*this, *impl_, m, r.current().cursor(), 0, true);
    r.close();
    for (const auto& rel : m.relationships) {
        auto& base = m.relation(st->obj, rel);
        base.loaded = false;
        base.lazy = rel.options.lazy;
    }
    loading::load_eager_defaults(*this, *impl_, st);
}

void Session::expire_state(InstanceState* st) {
    if (!st || st->session != this || st->key.empty()) return;
    st->expired = true;
    for (const auto& rel : st->mapper->relationships) {
        auto& base = st->mapper->relation(st->obj, rel);
        base.loaded = false;
        base.lazy = rel.options.lazy;
    }
}

void Session::expire_all() {
    for (auto* st : impl_->identity)
        if (st->status == ObjectState::Persistent) expire_state(st);
}

void Session::note_relationship_change() noexcept { impl_->relations_changed = true; }

InstanceState* Session::merge_object(const MapperBase& m, const void* obj) {
    check_thread();
    Registry::configure_all();
    auto pk = m.primary_key_of(obj);
    bool unset = false;
    for (const auto& v : pk) unset = unset || v.is_null() || v == Value(std::int64_t{0}) || v == Value(Uuid{}) || v == Value(std::string());
    InstanceState* target = unset ? nullptr : get_state(m, pk);
    if (!target) return add_new(m.copy(arena(), obj));
    for (const auto& c : m.columns) c.set(target->obj, c.get(obj, c), c);
    return target;
}

// ---------------------------------------------------------------- transactions

void Session::flush() {
    check_thread();
    if (impl_->flushing) return;
    Registry::configure_all();
    impl_->flushing = true;
    try {
        flush_session(*this, *impl_);
    } catch (...) {
        impl_->flushing = false;
        impl_->expire_untracked();
        throw;
    }
    impl_->flushing = false;
}

void Session::Impl::expire_untracked() {
    // Objects a commit's flush wrote without a snapshot are reloaded on next use if the commit fails.
    for (auto* st : identity)
        if (st->status == ObjectState::Persistent && !tracking::has(st)) st->expired = true;
}

void Session::commit() {
    check_thread();
    // The commit expires every object (expire_on_commit), so its flush keeps no snapshots.
    impl_->commit_expires = opts_.expire_on_commit;
    try {
        flush();
        if (impl_->external) {
            if (impl_->savepoint) {
                impl_->savepoint->commit();
                impl_->savepoint.reset();
            }
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
    for (auto* st : impl_->deleted_in_tx) {
        st->session = nullptr;
        st->status = ObjectState::Detached;
    }
    impl_->deleted_in_tx.clear();
    impl_->inserted_in_tx.clear();
    if (opts_.expire_on_commit) expire_all();
}

void Session::rollback() {
    check_thread();
    if (impl_->external) {
        if (impl_->savepoint) {
            impl_->savepoint->rollback();
            impl_->savepoint.reset();
        }
    } else if (impl_->own_conn) {
        impl_->own_conn->rollback();
        impl_->own_conn.reset();
    }
    // Objects INSERTed in the rolled-back transaction are transient again, objects DELETEd are back, and
    // every persistent object is reloaded on next use.
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
        st->status = ObjectState::Persistent;
        st->session = this;
        impl_->register_identity(st);
    }
    impl_->deleted_in_tx.clear();
    for (auto* st : impl_->deleted) st->status = ObjectState::Persistent;
    impl_->deleted.clear();
    for (auto* st : impl_->pending) {
        st->session = nullptr;
        st->status = ObjectState::Transient;
    }
    impl_->pending.clear();
    expire_all();
}

void Session::close() {
    if (!impl_) return;
    if (impl_->external) {
        if (impl_->savepoint) {
            try {
                impl_->savepoint->rollback();
            } catch (...) {
            }
            impl_->savepoint.reset();
        }
    } else {
        impl_->own_conn.reset();  // rolls back what is not committed
    }
    // What the uncommitted transaction inserted never was; what it deleted still is.
    for (auto* st : impl_->inserted_in_tx) {
        if (st->session != this) continue;
        impl_->forget(st);
        st->key.clear();
        tracking::drop(st);
    }
    impl_->inserted_in_tx.clear();
    for (auto* st : impl_->deleted_in_tx) {
        st->session = nullptr;
        st->status = ObjectState::Detached;
    }
    impl_->deleted_in_tx.clear();
    expunge_all();
}

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
        if (m && returning.empty() && c.dialect().caps().supports_returning) {
            // Keep the identity map in step: the statement returns the keys of the rows it touched, and those
            // objects are expired (UPDATE) or removed (DELETE).
            std::vector<sql::NodePtr> keys;
            for (int i : m->pk) keys.push_back(m->columns[static_cast<std::size_t>(i)].column->ptr());
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
            Result r = c.execute(with_keys, params);
            std::int64_t count = 0;
            for (RowView row : r) {
                ++count;
                std::vector<Value> pk;
                for (std::size_t i = 0; i < m->pk.size(); ++i) {
                    Value v = row.get<Value>(static_cast<int>(i));
                    const auto& col = *m->columns[static_cast<std::size_t>(m->pk[i])].column;
                    if (v.kind() == Value::Kind::Text && col.type.kind == TypeKind::Uuid) v = Uuid::parse(v.as<std::string>());
                    pk.push_back(std::move(v));
                }
                InstanceState* st = impl_->identity.find(m, pk);
                if (!st) continue;
                if (is_update) {
                    expire_state(st);
                } else {
                    impl_->forget(st);
                    st->session = nullptr;
                    st->status = ObjectState::Detached;
                }
            }
            return Result::from_rows(nullptr, {}, count);
        }
        Result r = c.execute(stmt, params);
        if (m) {
            // No keys to go by: every object of that model is reloaded on next use.
            for (auto* st : impl_->identity)
                if (st->mapper == m) expire_state(st);
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
