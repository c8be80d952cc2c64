// Session internals shared by the ORM's .cpp files.
#pragma once

#include <optional>
#include <span>
#include <unordered_map>
#include <unordered_set>

#include "retort/orm/session.hpp"

namespace retort::orm {

struct IdentityKey {
    const MapperBase* mapper;
    std::vector<Value> pk;
    bool operator==(const IdentityKey& o) const { return mapper == o.mapper && pk == o.pk; }
};

struct IdentityKeyHash {
    std::size_t operator()(const IdentityKey& k) const noexcept;
};

// The identity map: persistent objects by (mapper, primary key), read from the objects' own key values.
class IdentityMap {
public:
    struct Probe {
        const MapperBase* mapper;
        std::span<const Value> pk;
    };
    [[nodiscard]] InstanceState* find(const MapperBase* m, std::span<const Value> pk) const {
        auto it = set_.find(Probe{m, pk});
        return it == set_.end() ? nullptr : *it;
    }
    // False when another object has that key.
    bool insert(InstanceState* st) {
        auto [it, inserted] = set_.insert(st);
        return inserted || *it == st;
    }
    // Removes st if it is the object registered under its key.
    void erase(InstanceState* st) {
        auto it = set_.find(st);
        if (it != set_.end() && *it == st) set_.erase(it);
    }
    [[nodiscard]] std::size_t size() const noexcept { return set_.size(); }
    void clear() noexcept { set_.clear(); }
    void reserve(std::size_t n) { set_.reserve(n); }
    [[nodiscard]] auto begin() const noexcept { return set_.begin(); }
    [[nodiscard]] auto end() const noexcept { return set_.end(); }

private:
    static std::size_t hash(const MapperBase* m, std::span<const Value> pk) noexcept;
    static Probe probe(const InstanceState* st) noexcept { return {st->mapper, {st->key.begin(), st->key.size()}}; }
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(const InstanceState* st) const noexcept { return (*this)(probe(st)); }
        std::size_t operator()(const Probe& p) const noexcept { return hash(p.mapper, p.pk); }
    };
    struct Eq {
        using is_transparent = void;
        static bool same(const Probe& a, const Probe& b) noexcept {
            return a.mapper == b.mapper && std::equal(a.pk.begin(), a.pk.end(), b.pk.begin(), b.pk.end());
        }
        bool operator()(const InstanceState* a, const InstanceState* b) const noexcept { return same(probe(a), probe(b)); }
        bool operator()(const Probe& a, const InstanceState* b) const noexcept { return same(a, probe(b)); }
        bool operator()(const InstanceState* a, const Probe& b) const noexcept { return same(probe(a), b); }
    };
    std::unordered_set<InstanceState*, Hash, Eq> set_;
};

struct Session::Impl {
    std::shared_ptr<Arena> arena = std::make_shared<Arena>();
    std::optional<Connection> own_conn;  // checked out from the engine, begun on first need
    Connection* external = nullptr;      // a connection the session was joined into
    std::optional<Transaction> savepoint;  // the session's transaction inside an external one
    IdentityMap identity;
    std::vector<InstanceState*> pending;  // in add order
    std::vector<InstanceState*> deleted;          // marked for DELETE, not flushed yet
    std::vector<InstanceState*> inserted_in_tx;   // INSERTed by flushes of the current transaction
    std::vector<InstanceState*> deleted_in_tx;    // DELETEd by flushes of the current transaction
    bool flushing = false;
    bool relations_changed = false;  // a relationship changed since the last flush
    bool lazy_loading = false;       // inside a lazy load (which autoflushes only what was added, deleted or related)
    bool commit_expires = false;  // the running flush is a commit's, which then expires every object
    std::thread::id thread = std::this_thread::get_id();

    Connection& conn(Session& s);
    void register_identity(InstanceState* st);
    void forget(InstanceState* st);
    void expire_untracked();
};

// Change tracking (the snapshot of retort/orm/snapshot.hpp).
namespace tracking {
// Records the object's column values as its committed state.
void take(InstanceState* st);
// Whether any column differs from the snapshot (false without one).
bool changed(const InstanceState* st);
// The indexes of the columns that differ from the snapshot.
void changed_columns(const InstanceState* st, std::vector<int>& out);
// Column i's value in the snapshot.
Value committed_value(const InstanceState* st, std::size_t i);
}  // namespace tracking

// Loading rows into instances.
namespace loading {
// The instance for the current row: the one in the identity map (left as is unless `overwrite`) or a new
// persistent one made from the row. Column i of the row is mapper column i.
InstanceState* instance_from_row(Session& s, Session::Impl& impl, const MapperBase& m, const DBAPICursor& c,
                                 int offset, bool overwrite);
// Fills the relationships of `states` that load with the parent query (selectin), per default or option.
void eager_load(Session& s, Session::Impl& impl, const MapperBase& m, const std::vector<InstanceState*>& states,
                const std::vector<LoaderOption>& opts);
void lazy_load(Session& s, InstanceState* owner, const RelationshipProp& r);
// The values of `cols` (columns of st's mapper) on the object.
std::vector<Value> values_of(const InstanceState* st, const std::vector<const Column*>& cols);
const ColumnProp& prop_of(const MapperBase& m, const Column* c);
// A relationship's order_by entry, "column" or "column DESC": the column name and whether descending.
std::pair<std::string, bool> order_spec(const std::string& spec);
}  // namespace loading

void flush_session(Session& s, Session::Impl& impl);

}  // namespace retort::orm
