// Session internals shared by the ORM's .cpp files.
#pragma once

#include <bit>
#include <cstdint>
#include <thread>
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

// A set of objects by address, for the loaders' lists of objects seen once: open addressing with linear
// probing, no allocation per object (a query of thousands of rows inserts each of its objects here).
class StateSet {
public:
    // True when st was not in the set.
    bool insert(InstanceState* st) {
        if ((size_ + 1) * 2 > slots_.size()) grow();
        for (std::size_t i = slot_of(st);; i = (i + 1) & mask_) {
            if (!slots_[i]) {
                slots_[i] = st;
                ++size_;
                return true;
            }
            if (slots_[i] == st) return false;
        }
    }
    template <class It>
    void insert(It first, It last) {
        for (; first != last; ++first) insert(*first);
    }
    [[nodiscard]] bool contains(const InstanceState* st) const noexcept {
        if (slots_.empty()) return false;
        for (std::size_t i = slot_of(st);; i = (i + 1) & mask_) {
            if (!slots_[i]) return false;
            if (slots_[i] == st) return true;
        }
    }
    // Room for n objects in all without growing.
    void reserve(std::size_t n) {
        if (n * 2 <= slots_.size()) return;
        std::size_t cap = 16;
        while (n * 2 > cap) cap *= 2;
        rebuild(cap);
    }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }

private:
    std::size_t slot_of(const InstanceState* st) const noexcept {
        const auto a = reinterpret_cast<std::uintptr_t>(st);
        return static_cast<std::size_t>(((a >> 4) * 0x9E3779B97F4A7C15ULL) >> shift_) & mask_;
    }
    void grow() { rebuild(slots_.empty() ? 16 : slots_.size() * 2); }
    void rebuild(std::size_t cap) {
        std::vector<InstanceState*> old(cap, nullptr);
        old.swap(slots_);
        mask_ = slots_.size() - 1;
        shift_ = 64 - static_cast<unsigned>(std::countr_zero(slots_.size()));
        size_ = 0;
        for (InstanceState* st : old)
            if (st) insert(st);
    }
    std::vector<InstanceState*> slots_;
    std::size_t mask_ = 0;
    unsigned shift_ = 64;
    std::size_t size_ = 0;
};

// The identity map: persistent objects by (mapper, primary key), read from the objects' own key values.
// Open addressing with linear probing over (hash, object) slots: no allocation per object. Exported
// (RETORT_API) for Retort's own tests, which use it directly.
class RETORT_API IdentityMap {
public:
    [[nodiscard]] InstanceState* find(const MapperBase* m, std::span<const Value> pk) const noexcept {
        if (slots_.empty()) return nullptr;
        const std::size_t h = hash(m, pk);
        for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
            const Slot& s = slots_[i];
            if (!s.st) return nullptr;
            if (s.st != tombstone() && s.hash == h && s.st->mapper == m && s.st->key.equals(pk)) return s.st;
        }
    }
    [[nodiscard]] InstanceState* find(const MapperBase* m, const KeyValues& key) const noexcept {
        if (slots_.empty()) return nullptr;
        const std::size_t h = hash(m, key);
        for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
            const Slot& s = slots_[i];
            if (!s.st) return nullptr;
            if (s.st != tombstone() && s.hash == h && s.st->mapper == m && s.st->key == key) return s.st;
        }
    }
    // Where a key is, or where it would go: find() and the place for insert_at() in one walk over the slots.
    struct Probe {
        InstanceState* found = nullptr;
        std::size_t hash = 0;
        std::size_t slot = 0;
    };
    // Makes room for one more object first, so that insert_at() of this probe needs no rehash (no other insert
    // may come between the two).
    [[nodiscard]] Probe probe(const MapperBase* m, const KeyValues& key) {
        if ((used_ + 1) * 2 > slots_.size()) rehash(size_ + 1);
        Probe p;
        p.hash = hash(m, key);
        std::size_t free = npos;
        for (std::size_t i = p.hash & mask_;; i = (i + 1) & mask_) {
            const Slot& s = slots_[i];
            if (!s.st) {
                p.slot = free == npos ? i : free;
                return p;
            }
            if (s.st == tombstone()) {
                if (free == npos) free = i;
                continue;
            }
            if (s.hash == p.hash && s.st->mapper == m && s.st->key == key) {
                p.found = s.st;
                return p;
            }
        }
    }
    // Registers st (whose key is the probe's) where probe() found no object with the key.
    void insert_at(const Probe& p, InstanceState* st) noexcept {
        Slot& s = slots_[p.slot];
        if (!s.st) ++used_;
        s = Slot{p.hash, st};
        ++size_;
    }
    // False when another object has that key.
    bool insert(InstanceState* st) {
        const Probe p = probe(st->mapper, st->key);
        if (p.found) return p.found == st;
        insert_at(p, st);
        return true;
    }
    // Removes st if it is the object registered under its key.
    void erase(InstanceState* st) noexcept {
        if (slots_.empty()) return;
        const std::size_t h = hash_of(st);
        for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
            Slot& s = slots_[i];
            if (!s.st) return;
            if (s.st == st) {
                s.st = tombstone();
                --size_;
                return;
            }
        }
    }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    void clear() noexcept {
        slots_.clear();
        mask_ = 0;
        size_ = used_ = 0;
    }
    void reserve(std::size_t n) {
        if ((used_ + n) * 2 > slots_.size()) rehash(size_ + n);
    }

    class iterator {
    public:
        using value_type = InstanceState*;
        using difference_type = std::ptrdiff_t;
        iterator() = default;
        iterator(const IdentityMap* m, std::size_t i) : m_(m), i_(i) { settle(); }
        InstanceState* operator*() const noexcept { return m_->slots_[i_].st; }
        iterator& operator++() noexcept {
            ++i_;
            settle();
            return *this;
        }
        bool operator==(const iterator& o) const noexcept { return i_ == o.i_; }

    private:
        void settle() noexcept {
            while (i_ < m_->slots_.size() && (!m_->slots_[i_].st || m_->slots_[i_].st == tombstone())) ++i_;
        }
        const IdentityMap* m_ = nullptr;
        std::size_t i_ = 0;
    };
    [[nodiscard]] iterator begin() const noexcept { return {this, 0}; }
    [[nodiscard]] iterator end() const noexcept { return {this, slots_.size()}; }

private:
    struct Slot {
        std::size_t hash = 0;
        InstanceState* st = nullptr;  // null: never used; tombstone(): erased
    };
    static constexpr std::size_t npos = ~std::size_t{0};
    static InstanceState* tombstone() noexcept { return reinterpret_cast<InstanceState*>(alignof(InstanceState)); }
    // The two agree: a key hashes alike held as Values or as KeyValues.
    static std::size_t hash(const MapperBase* m, std::span<const Value> pk) noexcept;
    static std::size_t hash(const MapperBase* m, const KeyValues& key) noexcept;
    static std::size_t hash_of(const InstanceState* st) noexcept { return hash(st->mapper, st->key); }
    // A table at most half full with `objects` in it (dropping the tombstones).
    void rehash(std::size_t objects) {
        std::size_t cap = 16;
        while (objects * 2 > cap) cap *= 2;
        std::vector<Slot, retort::detail::LargeAllocator<Slot>> old = std::move(slots_);
        slots_.assign(cap, Slot{});
        mask_ = slots_.size() - 1;
        used_ = size_;
        for (const Slot& s : old) {
            if (!s.st || s.st == tombstone()) continue;
            std::size_t i = s.hash & mask_;
            while (slots_[i].st) i = (i + 1) & mask_;
            slots_[i] = s;
        }
    }
    std::vector<Slot, retort::detail::LargeAllocator<Slot>> slots_;
    std::size_t mask_ = 0;
    std::size_t size_ = 0;  // objects
    std::size_t used_ = 0;  // slots not empty (objects and tombstones)
};

namespace loading {
struct ResolvedStep;
}
// A resolved loader option from step `at` of its path on.
struct LoadOption {
    std::shared_ptr<const std::vector<loading::ResolvedStep>> path;
    std::size_t at = 0;
};

// A list of objects that can grow large (a flush's, a session's): past 256 KiB on huge pages.
using StateList = std::vector<InstanceState*, retort::detail::LargeAllocator<InstanceState*>>;

struct Session::Impl {
    std::shared_ptr<Arena> arena = std::make_shared<Arena>();
    // Arenas set aside by expunge_all() while the transaction's lists (or a flush) may still name their objects:
    // freed when the transaction ends, unless handles keep them (release_retired()).
    std::vector<std::shared_ptr<Arena>> retired;
    std::optional<Connection> own_conn;  // checked out from the engine, begun on first need
    Connection* external = nullptr;      // a connection the session was joined into
    // How the session takes part in the external connection's transaction (decided at first use, per transaction).
    enum class Joined : std::uint8_t { None, Own, Savepoint, RollbackOnly, ControlFully };
    Joined joined = Joined::None;
    std::optional<Transaction> savepoint;  // the session's SAVEPOINT inside the external transaction (Joined::Savepoint)
    IdentityMap identity;
    StateList pending;  // in add order
    std::vector<InstanceState*> deleted;          // marked for DELETE, not flushed yet
    StateList inserted_in_tx;  // INSERTed by flushes of the current transaction (its innermost SAVEPOINT)
    std::vector<InstanceState*> deleted_in_tx;    // DELETEd by flushes of the current transaction (innermost SAVEPOINT)
    std::vector<InstanceState*> updated_in_tx;    // UPDATEd by flushes inside the innermost SAVEPOINT (only then)
    // Primary keys changed by flushes of the current transaction (innermost SAVEPOINT): the object and its old key,
    // given back on rollback.
    std::vector<std::pair<InstanceState*, KeyValues>> key_switches;
    bool explicit_begin = false;  // begin() was called and its transaction has not ended
    // SAVEPOINTs of begin_nested(), innermost last, each with the lists of the level it began in set aside.
    std::uint64_t begin_id = 0;  // numbers begin() and begin_nested() calls
    struct Nested {
        std::uint64_t id = 0;
        std::optional<Transaction> savepoint;
        StateList outer_inserted;
        std::vector<InstanceState*> outer_deleted;
        std::vector<InstanceState*> outer_updated;
        std::vector<std::pair<InstanceState*, KeyValues>> outer_key_switches;
    };
    // Gives rolled-back objects their old primary keys back (latest change first).
    void undo_key_switches(Session& s);
    std::vector<Nested> nested;
    // The failed flush happened inside this many SAVEPOINTs: rolling the innermost back recovers.
    std::size_t failed_depth = 0;
    bool flushing = false;
    bool relations_changed = false;  // a relationship changed since the last flush
    bool lazy_loading = false;       // inside a lazy load (which autoflushes only what was added, deleted or related)
    bool commit_expires = false;  // the running flush is a commit's, which then expires every object
    // A flush failed: the transaction was rolled back, and every use of the session's connection raises
    // PendingRollbackError (naming the first error) until rollback().
    bool needs_rollback = false;
    std::string rollback_reason;
    // Objects expired in part (expire() with attributes named): the columns to reload; the others keep their values.
    std::unordered_map<InstanceState*, std::vector<int>> expired_columns;
    std::thread::id thread = std::this_thread::get_id();
    // Loader options waiting on a lazy relationship of one object (lazyload(a).selectinload(b)): used when it loads.
    std::unordered_map<const detail::RelationBase*, std::shared_ptr<const std::vector<LoadOption>>> lazy_options;

    Connection& conn(Session& s);
    void join(Session& s);
    // Ends the session's part of the external connection's transaction.
    void end_joined(bool commit);
    // A flush failed: rolls the database transaction back and requires rollback() before further use.
    void fail_transaction(const std::string& why);
    void register_identity(InstanceState* st);
    void forget(InstanceState* st);
    // Takes a detached object with a key into the identity map (InvalidRequestError when another object has
    // its key) as persistent.
    void attach_persistent(Session& s, InstanceState* st);
    void add_one(Session& s, InstanceState* st, bool head);
    void add_impl(Session& s, InstanceState* st, bool head);
    // An object whose row a statement deleted (or was found gone): Deleted until the commit, back on rollback.
    void remove_newly_deleted(Session& s, InstanceState* st);
    // A merged object whose relationships are still to be merged (merge()'s explicit stack).
    struct MergeFrame {
        const MapperBase* mapper;
        const void* obj;
        const InstanceState* src;
        InstanceState* target;
        bool fresh_persistent;
        std::size_t rel = 0;
        std::size_t child = 0;
        bool started = false;
        std::vector<InstanceState*> merged;
    };
    InstanceState* merge_one(Session& s, const MapperBase& m, const void* obj, const InstanceState* src, bool load,
                             std::unordered_map<const void*, InstanceState*>& memo, std::vector<MergeFrame>& stack);
    void merge_relations(Session& s, bool load, std::unordered_map<const void*, InstanceState*>& memo,
                         std::vector<MergeFrame>& stack);
    void delete_impl(Session& s, InstanceState* st, bool head);
    void expire_untracked();
    // expunge_all(): the session lets go of the arena its objects live in (handles keep it while they exist) and
    // makes the next objects in a new one, so that a session used on and on does not grow.
    void retire_arena();
    void release_retired() noexcept;
    [[nodiscard]] bool transaction_names_objects() const noexcept;
    // Expires one persistent object (all its columns and relationships, dropping changes not flushed), with
    // no cascade.
    void expire_one(InstanceState* st);
    // The level's SAVEPOINT is rolled back: objects go back to how they were when it began.
    void rollback_nested(Session& s);
    // Every SAVEPOINT's lists join the transaction's (on commit, or before rolling the whole transaction back).
    void fold_nested(bool release);
};

// Change tracking (the snapshot of retort/orm/snapshot.hpp).
namespace detail {
// The Session's internals, for the loaders, the relationship handles and the unit of work (Session's private
// members; Session names this struct its friend).
struct SessionAccess {
    static Session::Impl& impl(Session& s) noexcept { return *s.impl_; }
    static bool state_modified(const Session& s, const InstanceState* st) { return s.state_modified(st); }
    static void add_state(Session& s, InstanceState* st) { s.add_state(st); }
    static void delete_state(Session& s, InstanceState* st) { s.delete_state(st); }
    static void expunge_state(Session& s, InstanceState* st) { s.expunge_state(st); }
    static void expire_state(Session& s, InstanceState* st) { s.expire_state(st); }
    static void refresh_state(Session& s, InstanceState* st) { s.refresh_state(st); }
    static void load_expired(Session& s, InstanceState* st) { s.load_expired(st); }
    static void note_relationship_change(Session& s) noexcept { s.note_relationship_change(); }
    static InstanceState* many_to_one_in_memory(Session& s, InstanceState* owner, const RelationshipProp& r) {
        return s.many_to_one_in_memory(owner, r);
    }
    static std::vector<InstanceState*> load(Session& s, const MapperBase& m, const retort::Select& stmt,
                                            const LoadSpec& spec, const Params& params) {
        return s.load(m, stmt, spec, params);
    }
};
}  // namespace detail

// The snapshots of objects' committed state; what Retort's own tests call is exported (RETORT_API).
namespace tracking {
// Records the object's column values as its committed state.
RETORT_API void take(InstanceState* st);
// Records another object's committed state (of the same mapper) as this one's.
void take_from(InstanceState* st, const InstanceState* from);
// Forgets the snapshot (its buffer stays for the next one).
void drop(InstanceState* st) noexcept;
[[nodiscard]] bool has(const InstanceState* st) noexcept;
// Whether any column differs from the snapshot (false without one).
RETORT_API bool changed(const InstanceState* st);
// The indexes of the columns that differ from the snapshot.
RETORT_API void changed_columns(const InstanceState* st, std::vector<int>& out);
// Column i's value in the snapshot.
RETORT_API Value committed_value(const InstanceState* st, std::size_t i);
}  // namespace tracking

// Loading rows into instances.
namespace loading {
// The instance for the current row: the one in the identity map (left as is unless `overwrite`) or a new
// persistent one made from the row. Column i of the row is mapper column i.
InstanceState* instance_from_row(Session& s, Session::Impl& impl, const MapperBase& m, const DBAPICursor& c,
                                 int offset, bool overwrite);

// A loader option's step with its relationship resolved.
struct ResolvedStep {
    const RelationshipProp* rel;
    std::optional<Lazy> how;
    bool contains;
    std::optional<FromClause> alias;
};
// An option from step `at` of its path on (the part that applies below the level where it was given).
using Options = std::vector<LoadOption>;
Options resolve_options(const MapperBase& m, const std::vector<LoaderOption>& opts);

struct JoinNode;
// Runs an ORM SELECT of m's objects: the joined eager loads and contains_eager in the statement itself, then
// the other loaders. `path` holds the models above this load (a lazy load's parent), for breaking cycles of
// eager mappings. `refresh`: populate_existing.
std::vector<InstanceState*> load_objects(Session& s, Session::Impl& impl, const MapperBase& m, const retort::Select& stmt,
                                         const Options& opts, bool refresh, const Params& params,
                                         std::vector<const MapperBase*> path);
// Loads the relationships of `states` (objects of m) as the options and mappings say. `distinct`: no object is
// in states twice (else they are made distinct first).
void populate(Session& s, Session::Impl& impl, const MapperBase& m, const std::vector<InstanceState*>& states,
              const Options& opts, bool refresh, std::vector<const MapperBase*>& path, int depth,
              std::vector<JoinNode>* joined, bool distinct = false);
// How a relationship of one object loads: on first use (an expired many-to-one target in the identity map is
// reloaded then, as get() does), for an eager loader (immediate; an expired target is left to reload on use), or
// without SQL (raise_on_sql: only a many-to-one from the identity map or with a null key loads, anything else
// raises RaiseLoadError).
enum class LoadMode : std::uint8_t { Lazy, Eager, NoSql };
// Loads one relationship of one object; returns the objects it now holds. `path`: the models down to the owner's,
// for the eager mappings of what loads (their cycles and join_depth).
std::vector<InstanceState*> lazy_load(Session& s, Session::Impl& impl, InstanceState* owner, const RelationshipProp& r,
                                      const Options& opts, LoadMode mode, const std::vector<const MapperBase*>& path);
// The relationships of a refreshed object that its mapping loads eagerly (selectin, joined, immediate).
void load_eager_defaults(Session& s, Session::Impl& impl, InstanceState* st);
// A driver value in the form the mapped member gives (UUID text from SQLite becomes a Uuid, ...), so
// identity keys from rows and from objects compare equal.
Value normalized(Value v, const SqlType& t);
// After a row was read again into st (refresh with a lock): every relationship unloaded, then the eager ones.
void after_refresh(Session& s, Session::Impl& impl, InstanceState* st);
// The values of `cols` (columns of st's mapper) on the object.
std::vector<Value> values_of(const InstanceState* st, const std::vector<const Column*>& cols);
const ColumnProp& prop_of(const MapperBase& m, const Column* c);
// A many-to-one's target as far as memory tells, without SQL: by the foreign key through the identity map (known
// is false when that does not tell: not by the target's key, or not in the identity map).
InstanceState* many_to_one_in_memory(Session::Impl& impl, const InstanceState* owner, const RelationshipProp& r, bool& known);
// A relationship's order_by entry, "column" or "column DESC": the column name and whether descending.
std::pair<std::string, bool> order_spec(const std::string& spec);
}  // namespace loading

void flush_session(Session& s, Session::Impl& impl);

// A primary key member holding its type's zero value (0, the nil UUID, "") has not been set: the database
// makes the key (autoincrement, server default). Null is unset too.
bool key_unset(const Value& v) noexcept;

}  // namespace retort::orm
