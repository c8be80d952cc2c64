// ORM object ownership. Every mapped object lives in an Instance (the object plus its ORM state) owned by an
// Arena. A Session owns one arena; objects made outside a session get an arena of their own, merged into
// the session's when added. Handles (Ptr<T>) keep their arena alive, so objects outlive their Session
// (detached, as in SQLAlchemy). Relationships between objects of one arena are plain pointers, so
// bidirectional relationships (back_populates) make no reference cycles and leak nothing: an arena and all
// its objects are freed together when the last handle and the session are gone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "retort/detail/large_memory.hpp"
#include "retort/export.hpp"
#include "retort/types/value.hpp"

namespace retort::orm {

class Arena;
class MapperBase;
class Session;
struct RelationshipProp;
struct InstanceState;

// SQLAlchemy's object states.
enum class ObjectState : std::uint8_t { Transient, Pending, Persistent, Deleted, Detached };

// How a relationship loads: on first access (Select, SQLAlchemy's "select"), with the parent query (Joined,
// Selectin), right after the parent with one lazy load per object (Immediate), never from the database
// (NoLoad), or as an error naming the attribute (Raise; the N+1 guard), or as an error only when loading
// it would send SQL (RaiseOnSql: a many-to-one found in the identity map, or with a null key, still loads).
enum class Lazy : std::uint8_t { Select, Selectin, Joined, Raise, NoLoad, RaiseOnSql, Immediate };

// The primary key values of a persistent object in 16 bytes: one integer held inline (the common key),
// any other key as an array of Values.
class RETORT_API KeyValues {
public:
    KeyValues() noexcept = default;
    KeyValues(std::initializer_list<Value> vs) {
        for (const auto& v : vs) push_back(v);
    }
    KeyValues(const KeyValues& o) {
        if (o.inline_int_) {
            bits_ = o.bits_;
        } else if (o.n_) {
            auto* vs = new Value[o.n_];  // NOLINT: exact-size array
            try {
                for (std::uint32_t i = 0; i < o.n_; ++i) vs[i] = o.values()[i];
            } catch (...) {
                delete[] vs;  // NOLINT
                throw;
            }
            bits_ = reinterpret_cast<std::uintptr_t>(vs);
        }
        n_ = o.n_;
        inline_int_ = o.inline_int_;
    }
    KeyValues(KeyValues&& o) noexcept { swap(o); }
    KeyValues& operator=(const KeyValues& o) {
        if (this != &o) {
            KeyValues c(o);
            swap(c);
        }
        return *this;
    }
    KeyValues& operator=(KeyValues&& o) noexcept {
        KeyValues c(std::move(o));
        swap(c);
        return *this;
    }
    ~KeyValues() { clear(); }
    void swap(KeyValues& o) noexcept {
        std::swap(bits_, o.bits_);
        std::swap(n_, o.n_);
        std::swap(inline_int_, o.inline_int_);
    }

    [[nodiscard]] std::size_t size() const noexcept { return n_; }
    [[nodiscard]] bool empty() const noexcept { return n_ == 0; }
    // One integer value (held inline).
    [[nodiscard]] bool is_int() const noexcept { return inline_int_; }
    [[nodiscard]] std::int64_t int_value() const noexcept { return static_cast<std::int64_t>(bits_); }
    [[nodiscard]] Value operator[](std::size_t i) const { return inline_int_ ? Value(int_value()) : values()[i]; }
    // Calls f with the values as a span of Values.
    template <class F>
    decltype(auto) with_values(F&& f) const {
        if (inline_int_) {
            const Value v(int_value());
            return std::forward<F>(f)(std::span<const Value>(&v, 1));
        }
        return std::forward<F>(f)(std::span<const Value>(values(), n_));
    }
    void push_back(Value v) {
        if (n_ == 0 && v.kind() == Value::Kind::Int) {
            bits_ = static_cast<std::uint64_t>(std::get<std::int64_t>(v.storage()));
            inline_int_ = true;
            n_ = 1;
            return;
        }
        // Keys are made once, a value at a time: the array is sized exactly.
        auto* grown = new Value[n_ + 1];  // NOLINT: exact-size array
        try {
            for (std::uint32_t i = 0; i < n_; ++i) grown[i] = (*this)[i];
            grown[n_] = std::move(v);
        } catch (...) {
            delete[] grown;  // NOLINT
            throw;
        }
        const std::uint32_t n = n_ + 1;
        clear();
        bits_ = reinterpret_cast<std::uintptr_t>(grown);
        n_ = n;
    }
    void clear() noexcept {
        if (!inline_int_ && n_) delete[] values();  // NOLINT: pairs with push_back
        bits_ = 0;
        n_ = 0;
        inline_int_ = false;
    }
    // Whether the key is exactly these values.
    [[nodiscard]] bool equals(std::span<const Value> vs) const noexcept {
        if (vs.size() != n_) return false;
        if (inline_int_)
            return vs[0].kind() == Value::Kind::Int && std::get<std::int64_t>(vs[0].storage()) == int_value();
        for (std::uint32_t i = 0; i < n_; ++i)
            if (!(values()[i] == vs[i])) return false;
        return true;
    }
    bool operator==(const KeyValues& o) const {
        if (inline_int_ && o.inline_int_) return bits_ == o.bits_;
        return o.with_values([&](std::span<const Value> vs) { return equals(vs); });
    }

private:
    [[nodiscard]] Value* values() const noexcept {
        return n_ ? reinterpret_cast<Value*>(static_cast<std::uintptr_t>(bits_)) : nullptr;  // NOLINT
    }
    std::uint64_t bits_ = 0;  // the integer, or the address of the n_ values
    std::uint32_t n_ = 0;
    bool inline_int_ = false;
};

// The parent an object was last attached to through a relationship that tracks parents (delete-orphan,
// single_parent); a null parent: it was removed from that relationship since.
struct RETORT_API ParentLink {
    const RelationshipProp* prop;
    InstanceState* parent;
};

struct RETORT_API InstanceState {
    InstanceState(const MapperBase* m, void* o) : mapper(m), obj(o) {}
    virtual ~InstanceState();
    InstanceState(const InstanceState&) = delete;
    InstanceState& operator=(const InstanceState&) = delete;

    const MapperBase* mapper;
    void* obj;                   // the mapped object inside this instance
    Arena* arena = nullptr;      // the root arena that owns this instance
    Session* session = nullptr;  // null when transient or detached
    ObjectState status = ObjectState::Transient;
    bool expired = false;        // column values must be reloaded before use
    bool rel_dirty = false;      // a relationship changed since the last flush
    // Whether `committed` holds the column values as last loaded or flushed, packed (retort/orm/snapshot.hpp).
    // Its buffer outlives a dropped snapshot and takes the next one that fits: the first is made in the
    // arena's blocks, a larger one later on the heap.
    bool has_snapshot = false;
    bool snapshot_on_heap = false;
    // Made an orphan while its parent was outside any session: a pending orphan is then not inserted.
    bool orphaned_outside_session = false;
    // Marked for DELETE at the next flush (session.delete(); the object is still persistent until then).
    bool marked_deleted = false;
    // Its row was DELETEd by a flush (status Deleted until the commit, Detached after): it cannot be added again
    // until make_transient().
    bool was_deleted = false;
    std::uint32_t snapshot_capacity = 0;
    KeyValues key;  // primary key values once persistent
    std::uint8_t* committed = nullptr;
    // Parents through parent-tracking relationships, once it was attached to or removed from one (no entry: not
    // known; a persistent object is then taken to have its parent).
    std::unique_ptr<std::vector<ParentLink>> parents;
};

template <class T>
struct Instance final : InstanceState {
    template <class... A>
    explicit Instance(const MapperBase* m, A&&... a) : InstanceState(m, nullptr), value(std::forward<A>(a)...) {
        obj = &value;
    }
    T value;
};

class RETORT_API Arena : public std::enable_shared_from_this<Arena> {
public:
    Arena() = default;
    ~Arena();
    Arena(const Arena&) = delete;
    Arena& operator=(const Arena&) = delete;

    // The arena that owns this one's objects after merges.
    [[nodiscard]] Arena* root() noexcept;
    [[nodiscard]] std::shared_ptr<Arena> root_ptr();
    // Makes an instance in the root arena's memory blocks (no allocation of its own).
    template <class T, class... A>
    Instance<T>* make(const MapperBase* m, A&&... args) {
        Arena* r = root();
        void* mem = r->allocate(sizeof(Instance<T>), alignof(Instance<T>));
        auto* inst = new (mem) Instance<T>(m, std::forward<A>(args)...);
        r->place(inst);
        return inst;
    }
    // Raw memory that lives as long as the root arena (no destructor is run).
    void* bytes(std::size_t size, std::size_t align) { return root()->allocate(size, align); }
    // Takes ownership of an instance made elsewhere.
    InstanceState* adopt(std::unique_ptr<InstanceState> inst);
    // Unites two arenas: the objects of the smaller move to the larger; both stay valid for handles.
    static void merge(Arena& a, Arena& b);
    [[nodiscard]] std::size_t size() const noexcept { return instances_.size() + placed_.size(); }

private:
    // A block of memory from detail::large_allocate (the 2 and 4 MiB ones on huge pages where the system offers
    // them: one page fault per 2 MiB of objects instead of 512).
    struct BlockFree {
        BlockFree() noexcept : size(0) {}
        explicit BlockFree(std::size_t n) noexcept : size(n) {}
        void operator()(std::byte* p) const noexcept;
        std::size_t size;
    };
    struct Block {
        std::unique_ptr<std::byte, BlockFree> data;
        std::size_t size = 0, used = 0;
    };
    static Block new_block(std::size_t size);
    void* allocate(std::size_t size, std::size_t align);
    void place(InstanceState* inst);
    std::vector<std::unique_ptr<InstanceState>> instances_;
    std::vector<InstanceState*, retort::detail::LargeAllocator<InstanceState*>> placed_;  // made in blocks_, destroyed by the arena
    std::vector<Block> blocks_;
    std::shared_ptr<Arena> merged_into_;
};

namespace detail {
[[noreturn]] RETORT_API void throw_null_ptr(const char* what);
// Whether the object lacks a parent in one of the delete-orphan relationships that can hold it.
RETORT_API bool is_orphan(const InstanceState* st);
// What the object recorded of its parent through `prop` (null: nothing recorded).
RETORT_API const ParentLink* parent_link(const InstanceState* st, const RelationshipProp* prop) noexcept;
// Reloads an expired object before use (through its session) or throws DetachedInstanceError.
RETORT_API void ensure_loaded(InstanceState* st);
RETORT_API std::shared_ptr<Arena> arena_ptr(InstanceState* st);
// A new arena of its own (what make<T>() puts an object in).
RETORT_API std::shared_ptr<Arena> new_arena();
}  // namespace detail

namespace detail {
// What a Ptr<T> holds, whatever T is: the object's state and a share of its arena. Copying, moving and
// destroying it are compiled once, in Retort, not in every function that passes handles around.
class RETORT_API PtrBase {
public:
    PtrBase() noexcept = default;
    PtrBase(std::shared_ptr<Arena>&& keep, InstanceState* st) noexcept : keep_(std::move(keep)), st_(st) {}
    PtrBase(const std::shared_ptr<Arena>& keep, InstanceState* st) noexcept;
    // The handle of an object, sharing the arena that owns it (null: an empty handle).
    explicit PtrBase(InstanceState* st);
    PtrBase(const PtrBase& o) noexcept;
    PtrBase(PtrBase&& o) noexcept;
    PtrBase& operator=(const PtrBase& o) noexcept;
    PtrBase& operator=(PtrBase&& o) noexcept;
    ~PtrBase();

protected:
    std::shared_ptr<Arena> keep_;
    InstanceState* st_ = nullptr;
};
}  // namespace detail

// A handle to a mapped object: pointer-like, compares by identity, keeps the object alive.
template <class T>
class Ptr : private detail::PtrBase {
public:
    Ptr() = default;
    Ptr(std::nullptr_t) {}  // NOLINT
    Ptr(const std::shared_ptr<Arena>& keep, Instance<T>* inst) : PtrBase(keep, inst) {}
    Ptr(std::shared_ptr<Arena>&& keep, Instance<T>* inst) : PtrBase(std::move(keep), inst) {}
    // The handle of an object made in an arena (it shares the arena).
    explicit Ptr(Instance<T>* inst) : PtrBase(inst) {}

    T* operator->() const { return &access(); }
    T& operator*() const { return access(); }
    // The object without reloading an expired one.
    [[nodiscard]] T* get() const noexcept { return st_ ? &instance()->value : nullptr; }
    explicit operator bool() const noexcept { return st_ != nullptr; }
    [[nodiscard]] InstanceState* state() const noexcept { return st_; }
    [[nodiscard]] Instance<T>* instance() const noexcept { return static_cast<Instance<T>*>(st_); }
    bool operator==(const Ptr& o) const noexcept { return st_ == o.st_; }
    bool operator==(std::nullptr_t) const noexcept { return st_ == nullptr; }

private:
    T& access() const {
        if (!st_) detail::throw_null_ptr("Ptr");
        if (st_->expired) detail::ensure_loaded(st_);
        return instance()->value;
    }
};

// The arena that owns an object (for tests and diagnostics: it is freed with the last handle).
template <class T>
std::weak_ptr<Arena> arena_of(const Ptr<T>& p) {
    return detail::arena_ptr(p.state());
}

// Makes an object outside any session (transient); session.add() takes it in.
template <class T, class... A>
Ptr<T> make(A&&... args);

namespace detail {

// The untyped parts of Ref<T> and Collection<T>, which the mapper and session work on.
struct RETORT_API RelationBase {
    InstanceState* owner = nullptr;       // the object holding this relationship, once it is managed
    const RelationshipProp* prop = nullptr;
    bool loaded = true;   // false: not loaded from the database yet
    bool changed = false; // changed since the last flush
    Lazy lazy = Lazy::Select;  // how to load when first used, set per query
};

struct RETORT_API RefBase : RelationBase {
    InstanceState* target = nullptr;
    InstanceState* previous = nullptr;  // the target before the first change since the last flush
    std::shared_ptr<Arena> keep;  // only while unmanaged: keeps the target's arena alive
    void assign(InstanceState* t, std::shared_ptr<Arena> k);
    InstanceState* load() const;  // the target, loading it if needed
    RefBase() = default;
    RefBase(const RefBase& o);
    RefBase& operator=(const RefBase& o);
    ~RefBase();  // out of line, as CollectionBase's: every model's destructor runs them
};

struct RETORT_API CollectionBase : RelationBase {
    std::vector<InstanceState*> items;
    std::vector<std::shared_ptr<Arena>> keeps;  // only while unmanaged
    std::vector<InstanceState*> added, removed;  // since the last flush
    void append(InstanceState* t, std::shared_ptr<Arena> k);
    bool remove(InstanceState* t);
    void clear_all();
    void load() const;
    CollectionBase() = default;
    CollectionBase(const CollectionBase& o);
    CollectionBase& operator=(const CollectionBase& o);
    ~CollectionBase();
};

}  // namespace detail

// Many-to-one or one-to-one: a reference to one related object, loaded on first use unless told otherwise.
template <class T>
class Ref : private detail::RefBase {
public:
    using element_type = T;
    Ref() = default;
    Ref(std::nullptr_t) {}  // NOLINT
    Ref(const Ptr<T>& p) { assign(p.state(), detail::arena_ptr(p.state())); }  // NOLINT
    Ref(const Ref& o) : detail::RefBase() {
        assign(o.load(), detail::arena_ptr(o.load()));
        changed = o.changed;  // a copy of a struct keeps what the program set in it
    }
    Ref& operator=(const Ref& o) {
        if (this != &o) assign(o.load(), detail::arena_ptr(o.load()));
        return *this;
    }
    Ref& operator=(const Ptr<T>& p) {
        assign(p.state(), detail::arena_ptr(p.state()));
        return *this;
    }
    Ref& operator=(std::nullptr_t) {
        assign(nullptr, nullptr);
        return *this;
    }

    // The related object (loading it if needed), or null.
    [[nodiscard]] Ptr<T> get() const {
        InstanceState* t = load();
        return Ptr<T>(static_cast<Instance<T>*>(t));
    }
    T* operator->() const {
        InstanceState* t = load();
        if (!t) detail::throw_null_ptr("Ref");
        if (t->expired) detail::ensure_loaded(t);
        return &static_cast<Instance<T>*>(t)->value;
    }
    T& operator*() const { return *operator->(); }
    explicit operator bool() const { return load() != nullptr; }
    bool operator==(const Ptr<T>& p) const { return load() == p.state(); }
    [[nodiscard]] bool is_loaded() const noexcept { return loaded; }

private:
    friend class MapperBase;
    friend class Session;
    template <class>
    friend class Mapping;
};

// One-to-many or many-to-many: the related objects, loaded on first use unless told otherwise.
template <class T>
class Collection : private detail::CollectionBase {
public:
    using element_type = T;
    Collection() = default;
    Collection(std::initializer_list<Ptr<T>> items) {
        for (const auto& p : items) append(p.state(), detail::arena_ptr(p.state()));
    }
    Collection(const Collection&) = default;
    Collection& operator=(const Collection&) = default;
    Collection& operator=(std::initializer_list<Ptr<T>> items) {
        load();  // what it held before is taken out (and, with delete-orphan, deleted)
        clear_all();
        for (const auto& p : items) append(p.state(), detail::arena_ptr(p.state()));
        return *this;
    }

    class iterator {
    public:
        using value_type = Ptr<T>;
        using difference_type = std::ptrdiff_t;
        iterator() = default;
        explicit iterator(std::vector<InstanceState*>::const_iterator it) : it_(it) {}
        Ptr<T> operator*() const { return Ptr<T>(static_cast<Instance<T>*>(*it_)); }
        iterator& operator++() {
            ++it_;
            return *this;
        }
        iterator operator++(int) {
            auto c = *this;
            ++it_;
            return c;
        }
        bool operator==(const iterator& o) const { return it_ == o.it_; }

    private:
        std::vector<InstanceState*>::const_iterator it_;
    };

    iterator begin() const {
        load();
        return iterator(items.begin());
    }
    iterator end() const {
        load();
        return iterator(items.end());
    }
    [[nodiscard]] std::size_t size() const {
        load();
        return items.size();
    }
    [[nodiscard]] bool empty() const { return size() == 0; }
    Ptr<T> operator[](std::size_t i) const {
        load();
        return Ptr<T>(static_cast<Instance<T>*>(items.at(i)));
    }
    void push_back(const Ptr<T>& p) {
        load();
        append(p.state(), detail::arena_ptr(p.state()));
    }
    // Removes the object from the collection; false when it was not in it.
    bool remove(const Ptr<T>& p) {
        load();
        return detail::CollectionBase::remove(p.state());
    }
    void clear() {
        load();
        clear_all();
    }
    [[nodiscard]] bool contains(const Ptr<T>& p) const {
        load();
        for (auto* s : items)
            if (s == p.state()) return true;
        return false;
    }
    [[nodiscard]] bool is_loaded() const noexcept { return loaded; }

private:
    friend class MapperBase;
    friend class Session;
    template <class>
    friend class Mapping;
};

}  // namespace retort::orm
