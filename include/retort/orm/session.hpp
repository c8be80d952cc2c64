// The Session (SQLAlchemy's ORM Session): identity map, unit of work, queries returning mapped objects.
// A Session and its objects belong to one thread at a time; make one Session per thread (the Engine is
// shared). Debug builds check this and raise InvalidRequestError on use from another thread.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "retort/engine/engine.hpp"
#include "retort/export.hpp"
#include "retort/orm/loader.hpp"
#include "retort/orm/mapper.hpp"
#include "retort/sql/expression.hpp"

namespace retort {

// The object a flush expected to change was changed by someone else (a row-count mismatch).
class RETORT_API StaleDataError : public InvalidRequestError {
public:
    using InvalidRequestError::InvalidRequestError;
};
// An object's row was not found when it was reloaded (deleted, or otherwise not present).
class RETORT_API ObjectDeletedError : public InvalidRequestError {
public:
    using InvalidRequestError::InvalidRequestError;
};
// A detached object was asked to load something from the database.
class RETORT_API DetachedInstanceError : public InvalidRequestError {
public:
    using InvalidRequestError::InvalidRequestError;
};
// A relationship with the raise loader was accessed before being loaded.
class RETORT_API RaiseLoadError : public InvalidRequestError {
public:
    using InvalidRequestError::InvalidRequestError;
};

namespace orm {

// ORM options of one query's execution (SQLAlchemy's execution_options(populate_existing=True, autoflush=False)).
struct RETORT_API OrmExecutionOptions {
    // Objects already in the identity map take the rows' values (unflushed changes to them are lost), and
    // their relationships load again.
    bool populate_existing = false;
    // This query's autoflush, instead of the session's.
    std::optional<bool> autoflush;
};

// How a query loads: its loader options and execution options.
struct RETORT_API LoadSpec {
    std::vector<LoaderOption> options;
    OrmExecutionOptions exec;
};

template <class T>
struct is_ptr : std::false_type {};
template <class T>
struct is_ptr<Ptr<T>> : std::true_type {};

// What select<T>() holds and does, compiled once into Retort; Select<T> adds only the model's type.
class RETORT_API SelectBase : public Executable {
public:
    SelectBase(const SelectBase& other);
    SelectBase(SelectBase&& other) noexcept;
    SelectBase& operator=(const SelectBase& other);
    SelectBase& operator=(SelectBase&& other) noexcept;
    ~SelectBase();

    [[nodiscard]] const retort::Select& core() const noexcept { return core_; }
    [[nodiscard]] const std::vector<LoaderOption>& loader_options() const noexcept { return spec_.options; }
    [[nodiscard]] const LoadSpec& load_spec() const noexcept { return spec_; }

protected:
    explicit SelectBase(const MapperBase& m);
    [[nodiscard]] SelectBase with_where(const Expr<bool>& c) const;
    [[nodiscard]] SelectBase with_order_by(std::initializer_list<const sql::NodePtr*> columns) const;
    [[nodiscard]] SelectBase with_limit(std::int64_t n) const;
    [[nodiscard]] SelectBase with_offset(std::int64_t n) const;
    [[nodiscard]] SelectBase with_distinct() const;
    [[nodiscard]] SelectBase with_for_update_() const;
    [[nodiscard]] SelectBase with_join(const FromClause& target, std::optional<Expr<bool>> on) const;
    [[nodiscard]] SelectBase with_join(const MapperBase& m, const detail::MemberKey& rel, std::type_index type,
                                       bool isouter) const;
    [[nodiscard]] SelectBase with_options(std::initializer_list<const LoaderOption*> options) const;
    [[nodiscard]] SelectBase with_execution_options(const OrmExecutionOptions& o) const;

private:
    SelectBase with_core(retort::Select c) const;
    retort::Select core_;
    LoadSpec spec_;
};

// A SELECT of mapped objects: select<Pet>().where(col(&Pet::name) == "Tom").order_by(col(&Pet::name)).
template <class T>
class Select : public SelectBase {
public:
    Select() : SelectBase(mapper_of<T>()) {}

    [[nodiscard]] Select where(const Expr<bool>& c) const { return Select(with_where(c)); }
    [[nodiscard]] Select filter(const Expr<bool>& c) const { return Select(with_where(c)); }
    template <class... E>
    [[nodiscard]] Select order_by(const E&... e) const {
        return Select(with_order_by({&e.node()...}));
    }
    [[nodiscard]] Select limit(std::int64_t n) const { return Select(with_limit(n)); }
    [[nodiscard]] Select offset(std::int64_t n) const { return Select(with_offset(n)); }
    [[nodiscard]] Select distinct() const { return Select(with_distinct()); }
    [[nodiscard]] Select with_for_update() const { return Select(with_for_update_()); }
    // JOIN another table or entity for filtering (the ON clause from foreign keys or given).
    [[nodiscard]] Select join(const FromClause& target, std::optional<Expr<bool>> on = std::nullopt) const {
        return Select(with_join(target, std::move(on)));
    }
    // JOIN along a relationship: select<Pet>().join(&Pet::owner).where(col(&Owner::name) == "Joe").
    template <class R>
    [[nodiscard]] Select join(R T::* rel, bool isouter = false) const {
        static_assert(detail::is_relationship_v<R>,
                      "retort: join() along a relationship takes a Ref<T> or Collection<T> member "
                      "(select<Pet>().join(&Pet::owner)); to join a table, give it and the ON condition: "
                      "join(table_of<Owner>(), col(&Pet::owner_id) == col(&Owner::id))");
        return Select(with_join(mapper_of<T>(), detail::member_key(rel), typeid(R), isouter));
    }
    template <class... O>
    [[nodiscard]] Select options(const O&... o) const {
        return Select(with_options({static_cast<const LoaderOption*>(&o)...}));
    }
    [[nodiscard]] Select execution_options(const OrmExecutionOptions& o) const {
        return Select(with_execution_options(o));
    }

private:
    explicit Select(SelectBase&& b) : SelectBase(std::move(b)) {}
};

// Objects a query returned, in order (objects already in the session's identity map are the same objects).
// The same shape as Core's retort::ScalarResult (result.scalars<T>()), with Ptr<T> elements: a null Ptr
// stands for "none" where Core gives an empty std::optional.
template <class T>
class ScalarResult {
public:
    using value_type = Ptr<T>;
    using iterator = typename std::vector<Ptr<T>>::iterator;
    using const_iterator = typename std::vector<Ptr<T>>::const_iterator;

    explicit ScalarResult(std::vector<Ptr<T>> items) : items_(std::move(items)) {}
    [[nodiscard]] std::vector<Ptr<T>> all() const& { return items_; }
    // From a temporary result (session.scalars(...).all()): the objects without a copy.
    [[nodiscard]] std::vector<Ptr<T>> all() && { return std::move(items_); }
    operator std::vector<Ptr<T>>() const& { return items_; }         // NOLINT: implicit on purpose
    operator std::vector<Ptr<T>>() && { return std::move(items_); }  // NOLINT
    [[nodiscard]] Ptr<T> one() const {
        if (items_.empty()) throw NoResultFound("no object was found when one was required");
        if (items_.size() > 1) throw MultipleResultsFound("multiple objects were found when exactly one was required");
        return items_[0];
    }
    [[nodiscard]] Ptr<T> one_or_none() const {
        if (items_.size() > 1) throw MultipleResultsFound("multiple objects were found when at most one was required");
        return items_.empty() ? Ptr<T>() : items_[0];
    }
    [[nodiscard]] Ptr<T> first() const { return items_.empty() ? Ptr<T>() : items_[0]; }
    [[nodiscard]] std::size_t size() const noexcept { return items_.size(); }
    [[nodiscard]] bool empty() const noexcept { return items_.empty(); }
    iterator begin() { return items_.begin(); }
    iterator end() { return items_.end(); }
    const_iterator begin() const { return items_.begin(); }
    const_iterator end() const { return items_.end(); }
    Ptr<T>& operator[](std::size_t i) { return items_.at(i); }
    const Ptr<T>& operator[](std::size_t i) const { return items_.at(i); }

private:
    std::vector<Ptr<T>> items_;
};

// How a Session made on a Connection (Session(conn)) takes part in a transaction the program began there
// (SQLAlchemy's join_transaction_mode). Whatever the mode, when the connection has no transaction begun, the
// session begins one, and its commit() and rollback() commit and roll back that transaction.
enum class JoinTransactionMode : std::uint8_t {
    // A SAVEPOINT when the connection is inside one (begin_nested()), else RollbackOnly. The default.
    ConservativeSavepoint,
    // The session works in a SAVEPOINT of its own: commit() releases it, rollback() rolls back to it.
    CreateSavepoint,
    // commit() only flushes (the program commits); rollback() rolls back the program's transaction.
    RollbackOnly,
    // The program's transaction becomes the session's: commit() commits it, rollback() rolls it back.
    ControlFully,
};

// Options of Session::get (SQLAlchemy's get(..., options=, populate_existing=, with_for_update=)).
struct RETORT_API GetOptions {
    std::vector<LoaderOption> options;  // loader options for the object's relationships
    // Reload the object even when it is in the identity map (unflushed changes to it are lost).
    bool populate_existing = false;
    // SELECT ... FOR UPDATE (where the dialect has it: PostgreSQL and Aurora DSQL; SQLite has no row locks and
    // ignores it); implies populate_existing, as the row is read again under the lock.
    bool with_for_update = false;
};

// Options of Session::refresh.
struct RETORT_API RefreshOptions {
    bool with_for_update = false;  // SELECT ... FOR UPDATE where the dialect has it
};

template <class T>
class Query;

// A handle to a mapped object of any model (what iterating a session gives): obj.as<User>() is its Ptr<User>,
// null when it is of another model.
class RETORT_API AnyPtr {
public:
    AnyPtr() = default;
    AnyPtr(std::shared_ptr<Arena> keep, InstanceState* st) : keep_(std::move(keep)), st_(st) {}
    template <class T>
    AnyPtr(const Ptr<T>& p) : keep_(detail::arena_ptr(p.state())), st_(p.state()) {}  // NOLINT
    template <class T>
    [[nodiscard]] bool is() const noexcept {
        return st_ && st_->mapper->type == std::type_index(typeid(T));
    }
    template <class T>
    [[nodiscard]] Ptr<T> as() const {
        return is<T>() ? Ptr<T>(keep_, static_cast<Instance<T>*>(st_)) : Ptr<T>();
    }
    [[nodiscard]] InstanceState* state() const noexcept { return st_; }
    [[nodiscard]] const MapperBase& mapper() const { return *st_->mapper; }
    // "User(id=7)", for messages.
    [[nodiscard]] std::string describe() const { return st_ ? st_->mapper->describe(st_) : "None"; }
    explicit operator bool() const noexcept { return st_ != nullptr; }
    bool operator==(const AnyPtr& o) const noexcept { return st_ == o.st_; }
    template <class T>
    bool operator==(const Ptr<T>& p) const noexcept {
        return st_ == p.state();
    }

private:
    std::shared_ptr<Arena> keep_;
    InstanceState* st_ = nullptr;
};

struct RETORT_API SessionOptions {
    bool autoflush = true;         // flush before queries
    bool expire_on_commit = true;  // reload objects on first use after commit
    JoinTransactionMode join_transaction_mode = JoinTransactionMode::ConservativeSavepoint;
};

class Session;
namespace detail {
struct SessionAccess;
}

// A transaction of a Session, from Session::begin() (the session's whole transaction) or begin_nested() (a
// SAVEPOINT). commit() / rollback(); rolled back when it goes out of scope still active (an exception passing
// through). Rolling back a nested one puts the objects back as they were when it began: objects added or
// inserted since are transient again, objects deleted since are back, objects changed since are reloaded.
class RETORT_API SessionTransaction {
public:
    SessionTransaction(SessionTransaction&& o) noexcept : s_(o.s_), nested_(o.nested_), id_(o.id_) { o.s_ = nullptr; }
    SessionTransaction& operator=(SessionTransaction&&) = delete;
    SessionTransaction(const SessionTransaction&) = delete;
    ~SessionTransaction();
    void commit();
    void rollback();
    [[nodiscard]] bool is_active() const noexcept;
    [[nodiscard]] bool is_nested() const noexcept { return nested_; }

private:
    friend class Session;
    SessionTransaction(Session* s, bool nested, std::uint64_t id) : s_(s), nested_(nested), id_(id) {}
    Session* s_;
    bool nested_;       // a SAVEPOINT (else the session's transaction)
    std::uint64_t id_;  // which one: transactions and SAVEPOINTs are numbered as they begin
};

class RETORT_API Session {
public:
    explicit Session(Engine engine, SessionOptions opts = {});
    // A Session on a program's connection: in the transaction the program began there as
    // opts.join_transaction_mode says (the test recipe: begin on the connection, run the session, roll back the
    // connection's transaction; the session's commit() commits nothing), or in a transaction of its own when none
    // is begun.
    explicit Session(Connection& conn, SessionOptions opts = {});
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // Makes a new object pending (INSERTed at the next flush) and returns its handle.
    template <class T>
        requires(!is_ptr<std::remove_cvref_t<T>>::value)
    Ptr<std::remove_cvref_t<T>> add(T&& obj) {
        using U = std::remove_cvref_t<T>;
        const auto& m = mapper_of<U>();
        return ptr<U>(add_new(arena().make<U>(&m, std::forward<T>(obj))));
    }
    // Takes a transient or detached object (made with make<T>() or from another session) into this one.
    template <class T>
    Ptr<T> add(const Ptr<T>& p) {
        add_state(p.state());
        return p;
    }
    template <class... P>
    void add_all(const P&... p) {
        (add(p), ...);
    }
    // Marks a persistent object for DELETE at the next flush, and the objects its delete cascades reach
    // (gathered now). It stays persistent (and in the session) until the flush; add() takes the delete back.
    // InvalidRequestError for an object that was never flushed.
    template <class T>
    void delete_(const Ptr<T>& p) {
        delete_state(p.state());
    }
    template <class... P>
    void delete_all(const P&... p) {
        (delete_(p), ...);
    }

    // The object with this primary key: from the identity map, else one SELECT; null when there is none.
    template <class T>
    Ptr<T> get(const Value& pk) {
        return get<T>(std::vector<Value>{pk});
    }
    template <class T>
    Ptr<T> get(std::vector<Value> pk) {
        return ptr<T>(get_state(mapper_of<T>(), std::move(pk)));
    }
    // get() with loader options, populate_existing or with_for_update:
    //   session.get<User>(7, {.with_for_update = true}).
    template <class T>
    Ptr<T> get(const Value& pk, const GetOptions& o) {
        return get<T>(std::vector<Value>{pk}, o);
    }
    template <class T>
    Ptr<T> get(std::vector<Value> pk, const GetOptions& o) {
        return ptr<T>(get_state(mapper_of<T>(), std::move(pk), o));
    }
    // A key of a type that cannot be a key's value (an object, a handle) stops the build with a sentence.
    template <class T, class K>
        requires(!detail::key_like<K>)
    Ptr<T> get(const K&, const GetOptions& = {}) {
        static_assert(detail::always_false<K>,
                      "retort: get<T>() takes the primary key's value (an int, a std::string, a Uuid, ...; a "
                      "std::vector<Value> for a composite key), not an object or a handle: get<Owner>(pet->owner_id)");
        return {};
    }
    // As get(), but raises NoResultFound when there is no such object.
    template <class T>
    Ptr<T> get_one(const Value& pk, const GetOptions& o = {}) {
        return get_one<T>(std::vector<Value>{pk}, o);
    }
    template <class T>
    Ptr<T> get_one(std::vector<Value> pk, const GetOptions& o = {}) {
        const auto& m = mapper_of<T>();
        InstanceState* st = get_state(m, std::move(pk), o);
        if (!st) throw NoResultFound("no row was found for " + m.class_name + " with the given primary key");
        return ptr<T>(st);
    }
    template <class T, class K>
        requires(!detail::key_like<K>)
    Ptr<T> get_one(const K&, const GetOptions& = {}) {
        static_assert(detail::always_false<K>,
                      "retort: get_one<T>() takes the primary key's value (an int, a std::string, a Uuid, ...; a "
                      "std::vector<Value> for a composite key), not an object or a handle: "
                      "get_one<Owner>(pet->owner_id)");
        return {};
    }

    // The legacy Query API (retort/orm/query.hpp): session.query<User>().filter(...).order_by(...).all().
    template <class T>
    Query<T> query();

    // The session's objects, pending ones first, then the identity map's (SQLAlchemy's `for obj in session`):
    // for (AnyPtr obj : session.objects()) ... (begin() is the session's transaction, as in SQLAlchemy).
    [[nodiscard]] std::vector<AnyPtr> objects() const;

    template <class T>
    ScalarResult<T> scalars(const Select<T>& stmt, const Params& params = {}) {
        std::vector<InstanceState*> states = load(mapper_of<T>(), stmt.core(), stmt.load_spec(), params);
        std::vector<Ptr<T>> out;
        out.reserve(states.size());
        auto keep = arena_ptr();
        for (auto* s : states) out.emplace_back(keep, static_cast<Instance<T>*>(s));
        return ScalarResult<T>(std::move(out));
    }
    // Plain copies of the objects, not tracked by the session (no identity map, no change tracking): the
    // read path for large read-only results, costing about what the structs themselves cost.
    template <class T>
    std::vector<T> values(const Select<T>& stmt, const Params& params = {}) {
        std::vector<T> out;
        const auto& m = mapper_of<T>();
        read_untracked(
            m, stmt.core(), params, [&](std::size_t n) { out.reserve(n); },
            [&](const DBAPICursor& c) {
                T& obj = out.emplace_back();
                for (std::size_t i = 0; i < m.columns.size(); ++i) m.columns[i].load(&obj, c, static_cast<int>(i), m.columns[i]);
            });
        return out;
    }

    // A Core statement in the session's transaction. UPDATE and DELETE of a mapped table keep the identity
    // map in step (the rows they touched are expired or removed); INSERT of many rows is batched.
    Result execute(const Executable& stmt, const Params& params = {});
    Result execute(const Executable& stmt, const std::vector<Params>& rows);

    void flush();
    // Commits the session's transaction (flushing first; SAVEPOINTs still open are released with it).
    void commit();
    // Rolls back the session's whole transaction (SAVEPOINTs included): objects inserted in it become transient,
    // objects deleted in it are back, every persistent object is reloaded on next use.
    void rollback();

    // Begins the session's transaction explicitly (InvalidRequestError when one is already begun):
    //   auto tx = session.begin(); ... tx.commit();            or
    //   session.begin([&] { ... });   // commits when fn returns, rolls back and rethrows when it throws
    [[nodiscard]] SessionTransaction begin();
    template <class Fn>
    decltype(auto) begin(Fn&& fn) {
        return run_in(begin(), std::forward<Fn>(fn));
    }
    // A SAVEPOINT (flushing first), as SessionTransaction; InvalidRequestError where the dialect has none.
    [[nodiscard]] SessionTransaction begin_nested();
    template <class Fn>
    decltype(auto) begin_nested(Fn&& fn) {
        return run_in(begin_nested(), std::forward<Fn>(fn));
    }
    // Releases the connection and detaches every object (they stay usable; lazy loads then fail) as expunge_all()
    // does; the session can be used again afterwards.
    void close();

    // Reloads the object's row now (and expires the objects its refresh-expire cascades reach). With members
    // named (&User::name, &User::addresses), only those are reloaded; changes to the others are kept.
    template <class T, class... M>
    void refresh(const Ptr<T>& p, M T::*... members) {
        refresh_state(p.state(), std::vector<Attribute>{attribute_of(members)...});
    }
    // refresh() with SELECT ... FOR UPDATE: session.refresh(p, {.with_for_update = true}).
    template <class T>
    void refresh(const Ptr<T>& p, const RefreshOptions& o) {
        refresh_state(p.state(), o);
    }
    // Marks the object's attributes to be reloaded on next use (all of them, or the members named), and the
    // objects its refresh-expire cascades reach (pending ones reached through a delete-orphan relationship are
    // expunged, as SQLAlchemy does; other pending ones stay, to be inserted by the next flush).
    template <class T, class... M>
    void expire(const Ptr<T>& p, M T::*... members) {
        expire_state(p.state(), {attribute_of(members)...});
    }
    void expire_all();
    // Takes the object (and what its expunge cascades reach) out of the session: pending objects become
    // transient, persistent ones detached. InvalidRequestError when it is not in this session.
    template <class T>
    void expunge(const Ptr<T>& p) {
        expunge_state(p.state());
    }
    // Takes every object out of the session (as expunge() does). The session also lets go of their memory: it is
    // freed once no handle (Ptr) to any of them is left, or at the end of the current transaction if that is
    // later, and the session's next objects are made anew. An object expunge()d alone keeps its memory until the
    // session's next expunge_all(), close() or destruction (or its last handle, if that is later).
    void expunge_all();
    // Copies a transient or detached object's state onto the persistent object of the same key (from the
    // identity map, else loaded; a new pending object when there is none) and returns that one; the given object is
    // left as it is. Relationships with the merge cascade are merged too (their objects merged, the collection
    // made to hold the merged ones). With load = false nothing is read from the database: the object must be
    // clean and have a key, and becomes persistent as given (SQLAlchemy's merge(load=False), for objects taken
    // from a cache). A version counter that differs from the persistent object's is a StaleDataError.
    template <class T>
    Ptr<T> merge(const T& obj, bool load = true) {
        const auto& m = mapper_of<T>();
        return ptr<T>(merge_object(m, &obj, nullptr, load));
    }
    template <class T>
    Ptr<T> merge(const Ptr<T>& p, bool load = true) {
        if (!p) throw ArgumentError("merge() of an empty Ptr");
        return ptr<T>(merge_object(mapper_of<T>(), p.get(), p.state(), load));
    }
    // Whether the object is pending or persistent in this session (objects marked for deletion are, until the
    // flush; objects whose rows a flush deleted are not).
    template <class T>
    [[nodiscard]] bool contains(const Ptr<T>& p) const noexcept {
        return contains_state(p.state());
    }
    [[nodiscard]] bool contains_state(const InstanceState* st) const noexcept;
    // Objects pending INSERT, modified, or marked for DELETE.
    [[nodiscard]] std::vector<InstanceState*> new_objects() const;
    [[nodiscard]] std::vector<InstanceState*> dirty_objects() const;
    [[nodiscard]] std::vector<InstanceState*> deleted_objects() const;
    // Whether the object has changes to flush: a column differs from its loaded value, or (unless
    // include_collections is false) a relationship changed. No SQL.
    template <class T>
    [[nodiscard]] bool is_modified(const Ptr<T>& p, bool include_collections = true) const {
        return state_modified(p.state(), include_collections);
    }

    // Turns autoflush off until the guard goes out of scope (SQLAlchemy's no_autoflush block).
    class NoAutoflush {
    public:
        explicit NoAutoflush(Session& s) : s_(s), was_(s.opts_.autoflush) { s.opts_.autoflush = false; }
        ~NoAutoflush() { s_.opts_.autoflush = was_; }
        NoAutoflush(const NoAutoflush&) = delete;
        NoAutoflush& operator=(const NoAutoflush&) = delete;

    private:
        Session& s_;
        bool was_;
    };
    [[nodiscard]] NoAutoflush no_autoflush() { return NoAutoflush(*this); }
    // Objects in the identity map.
    [[nodiscard]] std::size_t size() const noexcept;

    // The session's connection (begun on first need).
    Connection& connection();
    [[nodiscard]] bool in_transaction() const noexcept;
    [[nodiscard]] SessionOptions& options() noexcept { return opts_; }
    [[nodiscard]] const Engine& engine() const noexcept { return engine_; }

    // The Session's state, defined in Retort's sources (its loaders and unit of work use it).
    struct Impl;
    // An attribute named by member pointer, for expire() and refresh().
    struct Attribute {
        detail::MemberKey member;
        std::type_index type;
    };
    template <class T, class M>
    static Attribute attribute_of(M T::* mp) {
        return Attribute{detail::member_key(mp), typeid(M)};
    }
private:
    // ---- internals, for Retort's loaders, relationship handles and unit of work (friends below)
    friend struct detail::SessionAccess;
    friend class SessionTransaction;
    friend struct detail::RefBase;
    friend struct detail::CollectionBase;
    template <class T>
    friend class Query;
    // Takes in a new instance made in this session's arena.
    InstanceState* add_new(InstanceState* st);
    Arena& arena() const;
    void add_state(InstanceState* st);
    void delete_state(InstanceState* st);
    InstanceState* get_state(const MapperBase& m, std::vector<Value> pk);
    std::vector<InstanceState*> query(const MapperBase& m, const retort::Select& stmt,
                                      const std::vector<LoaderOption>& opts, const Params& params);
    // Runs an ORM SELECT: the objects of its rows, with their relationships loaded as the spec says.
    std::vector<InstanceState*> load(const MapperBase& m, const retort::Select& stmt, const LoadSpec& spec,
                                     const Params& params);
    InstanceState* get_state(const MapperBase& m, std::vector<Value> pk, const GetOptions& o);
    void refresh_state(InstanceState* st, const RefreshOptions& o);
    // reserve(n) is told the number of rows first when the driver knows it.
    void read_untracked(const MapperBase& m, const retort::Select& stmt, const Params& params,
                        const std::function<void(std::size_t)>& reserve, const std::function<void(const DBAPICursor&)>& row);
    void refresh_state(InstanceState* st, const std::vector<Attribute>& attrs = {});
    // Reloads an expired object's expired columns (on first use after expire() or a commit).
    void load_expired(InstanceState* st);
    void expire_state(InstanceState* st, const std::vector<Attribute>& attrs = {});
    void expunge_state(InstanceState* st);
    InstanceState* merge_object(const MapperBase& m, const void* obj, const InstanceState* src, bool load);
    bool state_modified(const InstanceState* st, bool include_collections = true) const;
    void load_relationship(InstanceState* owner, const RelationshipProp& r);
    void note_relationship_change() noexcept;
    // A many-to-one's current target found through the identity map by the owner's foreign key (no SQL; null
    // when memory does not tell).
    InstanceState* many_to_one_in_memory(InstanceState* owner, const RelationshipProp& r);
    std::shared_ptr<Arena> arena_ptr() const;
    void check_thread() const;

    // SessionTransaction's doors.
    void commit_level(bool nested, std::uint64_t id);
    void rollback_level(bool nested, std::uint64_t id);
    [[nodiscard]] bool level_active(bool nested, std::uint64_t id) const noexcept;

    template <class Fn>
    static decltype(auto) run_in(SessionTransaction tx, Fn&& fn) {
        if constexpr (std::is_void_v<std::invoke_result_t<Fn>>) {
            fn();
            tx.commit();
        } else {
            auto r = fn();
            tx.commit();
            return r;
        }
    }
    // Reads the object's row again: every column, or only those listed (the others keep their values).
    void reload(InstanceState* st, const std::vector<int>& only);
    template <class T>
    Ptr<T> ptr(InstanceState* st) const {
        return Ptr<T>(static_cast<Instance<T>*>(st));
    }
    Engine engine_;
    SessionOptions opts_;
    std::unique_ptr<Impl> impl_;
};

namespace detail {
RETORT_API retort::Select join_relationship(const retort::Select& s, const RelationshipProp& r, bool isouter);
}

namespace detail {
RETORT_API void make_transient(InstanceState* st);
RETORT_API void make_transient_to_detached(InstanceState* st);
}  // namespace detail

// Takes the object out of its session (if any) and makes it transient: no identity key, not deleted; a later
// add() INSERTs it as new (SQLAlchemy's make_transient). Its member values are kept.
template <class T>
void make_transient(const Ptr<T>& p) {
    if (!p) throw ArgumentError("make_transient() of an empty Ptr");
    detail::make_transient(p.state());
}
// Makes a transient object detached, with the identity of the primary key its members hold (SQLAlchemy's
// make_transient_to_detached): once added to a session it stands for that row, and its columns are read from
// the database on first use. InvalidRequestError when it is not transient or its key is not set.
template <class T>
void make_transient_to_detached(const Ptr<T>& p) {
    if (!p) throw ArgumentError("make_transient_to_detached() of an empty Ptr");
    detail::make_transient_to_detached(p.state());
}

// ORM statements on a model's table: update<Pet>().values(...).where(col(&Pet::id) == id).
template <class T>
retort::Update update() { return retort::Update(table_of<T>()); }
template <class T>
retort::Delete delete_() { return retort::Delete(table_of<T>()); }
template <class T>
retort::Insert insert() { return retort::Insert(table_of<T>()); }

}  // namespace orm

// select<Pet>(): the ORM SELECT of a mapped model (Core's select(cols...) takes columns).
template <class T>
orm::Select<T> select() {
    return orm::Select<T>();
}
using orm::col;

}  // namespace retort
