// The legacy Query API (SQLAlchemy's session.query(User)) and sessionmaker.
//
//   SessionMaker make_session(engine, {.expire_on_commit = false});
//   Session session = make_session();
//   auto users = session.query<User>().filter(col(&User::name) == "ed").order_by(col(&User::id)).all();
//   session.query<User>().filter(col(&User::name) == "ed").update({{"name", "edward"}}, Synchronize::Fetch);
//
// A Query is a select<T>() bound to its session; its methods return new queries (generative), and all(),
// first(), one(), one_or_none(), count(), get(), update() and delete_() run it. Like SQLAlchemy's Query, and
// unlike session.scalars(select<T>()), all() returns each object once when rows repeat it (a join).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "retort/export.hpp"
#include "retort/orm/session.hpp"

namespace retort::orm {

// How Query::update() and Query::delete_() keep the session's objects in step with the rows they change
// (SQLAlchemy's synchronize_session).
enum class Synchronize : std::uint8_t {
    // Evaluate when the criteria can be evaluated in memory, else Fetch (SQLAlchemy's "auto"; the default).
    Auto,
    // The WHERE criteria are evaluated on the objects in the identity map (expired ones are left to reload);
    // criteria Retort cannot evaluate in memory (functions, subqueries, LIKE, other tables) raise
    // InvalidRequestError before anything is sent.
    Evaluate,
    // The keys of the changed rows come back from the database (RETURNING, or a SELECT of them first where the
    // dialect has no RETURNING).
    Fetch,
    // Nothing: objects in the session keep their values until they are expired (synchronize_session=False).
    None,
};

// One SET item of Query::update(): a mapped column and its new value, a value or a SQL expression over the row:
//   q.update({{col(&User::age), col(&User::age) - 10}, {col(&User::name), "ed"}})
struct RETORT_API SetItem {
    template <class T, class V>
    SetItem(const Expr<T>& column, const V& value)  // NOLINT: brace-initialised in lists
        : column(column.node()), value(retort::detail::operand(value, column.type())) {}
    sql::NodePtr column;
    sql::NodePtr value;
};

namespace detail {
// The untyped parts of Query, compiled into Retort.
RETORT_API std::vector<InstanceState*> query_all(Session& s, const MapperBase& m, const retort::Select& stmt,
                                                 const LoadSpec& spec, const Params& params, bool unique);
RETORT_API std::int64_t query_count(Session& s, const retort::Select& stmt, const LoadSpec& spec, const Params& params);
RETORT_API std::int64_t query_update(Session& s, const MapperBase& m, const retort::Select& stmt,
                                     const std::vector<SetItem>& values, Synchronize sync, const Params& params);
RETORT_API std::vector<SetItem> set_items(const MapperBase& m, const Params& values);
RETORT_API std::int64_t query_delete(Session& s, const MapperBase& m, const retort::Select& stmt, Synchronize sync,
                                     const Params& params);
}  // namespace detail

// Iterates the objects of a query result held by the iterator itself.
template <class T>
class QueryIterator {
public:
    using value_type = Ptr<T>;
    using difference_type = std::ptrdiff_t;
    struct Sentinel {};
    QueryIterator() = default;
    explicit QueryIterator(std::shared_ptr<const std::vector<Ptr<T>>> items) : items_(std::move(items)) {}
    const Ptr<T>& operator*() const { return (*items_)[i_]; }
    const Ptr<T>* operator->() const { return &(*items_)[i_]; }
    QueryIterator& operator++() {
        ++i_;
        return *this;
    }
    void operator++(int) { ++i_; }
    bool operator==(Sentinel) const noexcept { return !items_ || i_ >= items_->size(); }

private:
    std::shared_ptr<const std::vector<Ptr<T>>> items_;
    std::size_t i_ = 0;
};

template <class T>
class Query {
public:
    Query(Session& s, Select<T> stmt) : session_(&s), stmt_(std::move(stmt)) {}

    [[nodiscard]] Query filter(const Expr<bool>& c) const { return with(stmt_.where(c)); }
    [[nodiscard]] Query where(const Expr<bool>& c) const { return filter(c); }
    // filter_by(&User::name, "ed"): the member's column equals the value.
    template <class M, class V>
    [[nodiscard]] Query filter_by(M T::* mp, const V& v) const {
        return filter(col(mp) == v);
    }
    template <class... E>
    [[nodiscard]] Query order_by(const E&... e) const { return with(stmt_.order_by(e...)); }
    [[nodiscard]] Query limit(std::int64_t n) const { return with(stmt_.limit(n)); }
    [[nodiscard]] Query offset(std::int64_t n) const { return with(stmt_.offset(n)); }
    [[nodiscard]] Query distinct() const { return with(stmt_.distinct()); }
    [[nodiscard]] Query with_for_update() const { return with(stmt_.with_for_update()); }
    [[nodiscard]] Query join(const FromClause& target, std::optional<Expr<bool>> on = std::nullopt) const {
        return with(stmt_.join(target, std::move(on)));
    }
    template <class R>
    [[nodiscard]] Query join(R T::* rel, bool isouter = false) const {
        return with(stmt_.join(rel, isouter));
    }
    template <class R>
    [[nodiscard]] Query outerjoin(R T::* rel) const {
        return with(stmt_.join(rel, true));
    }
    template <class... O>
    [[nodiscard]] Query options(const O&... o) const { return with(stmt_.options(o...)); }
    [[nodiscard]] Query execution_options(const OrmExecutionOptions& o) const { return with(stmt_.execution_options(o)); }
    // Objects already in the session take the rows' values (Query.populate_existing()).
    [[nodiscard]] Query populate_existing() const {
        OrmExecutionOptions o = stmt_.load_spec().exec;
        o.populate_existing = true;
        return execution_options(o);
    }
    // This query's autoflush (Query.autoflush(False)).
    [[nodiscard]] Query autoflush(bool on) const {
        OrmExecutionOptions o = stmt_.load_spec().exec;
        o.autoflush = on;
        return execution_options(o);
    }
    // Values of bindparam()s in the criteria (Query.params(foo=7)).
    [[nodiscard]] Query params(const Params& p) const {
        Query q = *this;
        for (const auto& kv : p) q.params_.push_back(kv);
        return q;
    }

    // Every object, each once, in row order.
    [[nodiscard]] std::vector<Ptr<T>> all() const { return wrap(run(stmt_, true)); }
    // The first object (LIMIT 1), or null.
    [[nodiscard]] Ptr<T> first() const {
        auto v = run(stmt_.limit(1), true);
        return v.empty() ? Ptr<T>() : wrap_one(v.front());
    }
    // Exactly one object: NoResultFound or MultipleResultsFound otherwise.
    [[nodiscard]] Ptr<T> one() const {
        auto v = run(stmt_, true);
        if (v.empty()) throw NoResultFound("no row was found when one was required");
        if (v.size() > 1) throw MultipleResultsFound("multiple rows were found when exactly one was required");
        return wrap_one(v.front());
    }
    // One object or null: MultipleResultsFound when there are several.
    [[nodiscard]] Ptr<T> one_or_none() const {
        auto v = run(stmt_, true);
        if (v.size() > 1) throw MultipleResultsFound("multiple rows were found when one or none was required");
        return v.empty() ? Ptr<T>() : wrap_one(v.front());
    }
    // SELECT count(*) FROM (the query) AS anon_1: the number of rows the query returns.
    [[nodiscard]] std::int64_t count() const {
        return detail::query_count(*session_, stmt_.core(), stmt_.load_spec(), params_);
    }
    // The object with this primary key (Session::get; the query's criteria do not apply).
    [[nodiscard]] Ptr<T> get(const Value& pk) const { return session_->template get<T>(pk); }
    [[nodiscard]] Ptr<T> get(std::vector<Value> pk) const { return session_->template get<T>(std::move(pk)); }
    template <class K>
        requires(!detail::key_like<K>)
    [[nodiscard]] Ptr<T> get(const K& pk) const {
        return session_->template get<T>(pk);  // a static_assert saying what a key is
    }

    // UPDATE of the rows the criteria select, by column name: {{"name", "ed"}}; returns the number of rows
    // matched. The query must have no join, LIMIT, OFFSET, ORDER BY or DISTINCT. Objects in the session that the
    // synchronization finds take the new values as their loaded state (a column changed in memory and not
    // flushed takes the row's value, as SQLAlchemy's expiring it would give).
    std::int64_t update(const Params& values, Synchronize sync = Synchronize::Auto) const {
        return update(detail::set_items(mapper_of<T>(), values), sync);
    }
    // With values or SQL expressions per column: update({{col(&User::age), col(&User::age) + 1}}).
    std::int64_t update(const std::vector<SetItem>& values, Synchronize sync = Synchronize::Auto) const {
        return detail::query_update(*session_, mapper_of<T>(), stmt_.core(), values, sync, params_);
    }
    // synchronize_session=False as in SQLAlchemy: update(values, false). (true means Synchronize::Auto.)
    std::int64_t update(const Params& values, bool synchronize_session) const {
        return update(values, synchronize_session ? Synchronize::Auto : Synchronize::None);
    }
    std::int64_t update(const std::vector<SetItem>& values, bool synchronize_session) const {
        return update(values, synchronize_session ? Synchronize::Auto : Synchronize::None);
    }
    // DELETE of the rows the criteria select; the deleted objects leave the session. Returns the rows matched.
    std::int64_t delete_(Synchronize sync = Synchronize::Auto) const {
        return detail::query_delete(*session_, mapper_of<T>(), stmt_.core(), sync, params_);
    }
    std::int64_t delete_(bool synchronize_session) const {
        return delete_(synchronize_session ? Synchronize::Auto : Synchronize::None);
    }

    // for (auto u : session.query<User>()) ...: runs the query.
    [[nodiscard]] QueryIterator<T> begin() const {
        return QueryIterator<T>(std::make_shared<const std::vector<Ptr<T>>>(all()));
    }
    [[nodiscard]] static typename QueryIterator<T>::Sentinel end() noexcept { return {}; }

    // The select<T>() this query runs.
    [[nodiscard]] const Select<T>& statement() const noexcept { return stmt_; }
    [[nodiscard]] Session& session() const noexcept { return *session_; }

private:
    Query with(Select<T> s) const {
        Query q = *this;
        q.stmt_ = std::move(s);
        return q;
    }
    std::vector<InstanceState*> run(const Select<T>& s, bool unique) const {
        return detail::query_all(*session_, mapper_of<T>(), s.core(), s.load_spec(), params_, unique);
    }
    Ptr<T> wrap_one(InstanceState* st) const {
        return Ptr<T>(session_->arena_ptr(), static_cast<Instance<T>*>(st));
    }
    std::vector<Ptr<T>> wrap(const std::vector<InstanceState*>& v) const {
        std::vector<Ptr<T>> out;
        out.reserve(v.size());
        auto keep = session_->arena_ptr();
        for (auto* st : v) out.emplace_back(keep, static_cast<Instance<T>*>(st));
        return out;
    }
    Session* session_;
    Select<T> stmt_;
    Params params_;
};

template <class T>
Query<T> Session::query() {
    return Query<T>(*this, select<T>());
}

// A factory of Sessions with the same engine and options (SQLAlchemy's sessionmaker):
//   SessionMaker make_session(engine, {.autoflush = false});
//   Session session = make_session();
class RETORT_API SessionMaker {
public:
    explicit SessionMaker(Engine engine, SessionOptions opts = {}) : engine_(std::move(engine)), opts_(opts) {
        if (!engine_) throw ArgumentError("SessionMaker needs an Engine made with create_engine()");
    }
    // A new Session with this factory's options.
    [[nodiscard]] Session operator()() const { return Session(engine_, opts_); }
    // A new Session with other options.
    [[nodiscard]] Session operator()(const SessionOptions& o) const { return Session(engine_, o); }
    // A new Session in a connection's transaction (the "join a session into an external transaction" recipe).
    [[nodiscard]] Session operator()(Connection& conn) const { return Session(conn, opts_); }
    // Changes the options of the sessions made from now on (sessionmaker.configure()).
    void configure(const SessionOptions& o) { opts_ = o; }
    [[nodiscard]] const Engine& engine() const noexcept { return engine_; }
    [[nodiscard]] const SessionOptions& options() const noexcept { return opts_; }

private:
    Engine engine_;
    SessionOptions opts_;
};

inline SessionMaker sessionmaker(Engine engine, SessionOptions opts = {}) { return SessionMaker(std::move(engine), opts); }

}  // namespace retort::orm
