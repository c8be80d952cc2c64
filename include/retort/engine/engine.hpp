// Engine, Connection, Transaction and Result (SQLAlchemy's engine package). An Engine is made once from a
// URL and shared by every thread; it owns a pool of driver connections (QueuePool, NullPool or StaticPool). A Connection is one checkout
// of the pool, used by one thread at a time, with SQLAlchemy 2.0's commit-as-you-go transactions.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "retort/detail/backends.hpp"
#include "retort/detail/chrono.hpp"
#include "retort/dialects/dbapi.hpp"
#include "retort/engine/url.hpp"
#include "retort/error.hpp"
#include "retort/export.hpp"
#include "retort/sql/elements.hpp"
#include "retort/sql/executable.hpp"
#include "retort/types/value.hpp"

namespace retort {

class Dialect;
struct DialectCapabilities;
class Engine;
class Connection;
class Result;
namespace detail {
struct EngineAccess;
}

struct RETORT_API ExecuteEvent {
    std::string_view statement;
    std::span<const Value> parameters;  // the first parameter set when executemany
    bool executemany = false;
    std::size_t batch_size = 1;
};

struct RETORT_API ErrorEvent {
    const DBAPIError& error;
    std::string_view statement;
    bool is_disconnect;  // handlers may change it: true makes the pool discard the connection
};

// The pool of driver connections an Engine keeps (create_engine(poolclass=...) in SQLAlchemy).
enum class PoolClass : std::uint8_t {
    // QueuePool, except for an in-memory SQLite database, whose data lives in its one connection: Static.
    Default,
    // Up to pool_size idle connections kept, up to max_overflow more made under load (pool_size 0: no limit);
    // callers wait up to pool_timeout for one to come back.
    Queue,
    // No pooling: every checkout opens a new driver connection and closes it when returned.
    Null,
    // One driver connection for the whole engine, made on first use and kept until dispose(). Connections
    // checked out at the same time by one thread share it, and so share its transaction (a commit or rollback
    // by any of them ends it for all; see Connection); other threads wait for it, up to pool_timeout.
    Static,
};

// Severity of a LogRecord: statements and transactions are Info, pool events Debug, warnings Warning.
enum class LogLevel : std::uint8_t { Debug, Info, Warning, Error };

// Where a statement's SQL came from, as echo reports it (SQLAlchemy's cache statistics).
enum class CacheStatus : std::uint8_t {
    None,       // not a statement record
    Raw,        // SQL text run as given (exec_driver_sql): "[raw sql]"
    Generated,  // compiled for this execution: "[generated in 0.00012s]"
    Cached,     // compiled earlier, taken from the cache: "[cached since 12.3s ago]"
    Disabled,   // compiled for this execution, compiled_cache_size = 0: "[caching disabled 0.00012s]"
};

// One entry of the engine's log, handed to EngineOptions::log_handler. The views point into text that lives
// only for the duration of the call: copy what is kept.
struct LogRecord {
    LogLevel level = LogLevel::Info;
    std::string_view logger;   // "retort.engine", "retort.pool" or "retort.orm"
    std::string_view message;  // the text echo writes (a statement's takes two lines)
    // Statement records (statement not empty); the others leave these as they are.
    std::string_view statement;   // the SQL as sent
    std::string_view parameters;  // the values as rendered, or the hide_parameters notice
    CacheStatus cache = CacheStatus::None;
    std::chrono::duration<double> cache_age{};  // generated in (Generated, Disabled) / cached since (Cached)
    std::chrono::duration<double> duration{};   // the time the statement took to run
    bool failed = false;                        // the statement raised an error
};

struct RETORT_API EngineOptions {
    // Log every statement with its values, cache status and run time, and every transaction's BEGIN, COMMIT and
    // ROLLBACK (records of level Info): to log_handler, else log_sink, else stderr. Values of columns marked
    // sensitive show as '***'.
    bool echo = false;
    // Log the pool's events: connections made, checked out, returned, closed (records of level Debug).
    bool echo_pool = false;
    // echo shows "[SQL parameters hidden due to hide_parameters=True]" instead of the values. (Errors never
    // carry values, whatever this says: only the parameters' types.)
    bool hide_parameters = false;
    // Takes each line of the log as text ("warning: " before a warning); used when log_handler is not set.
    std::function<void(std::string_view)> log_sink;
    // Takes each record of the log with its level and fields, on the thread that runs the statement (from several
    // threads at once when they share the engine). Warnings (the ORM's) reach it, log_sink or stderr whenever one
    // of echo, echo_pool, log_sink, log_handler is set.
    std::function<void(const LogRecord&)> log_handler;
    int pool_size = 5;
    int max_overflow = 10;  // -1: no limit
    std::chrono::duration<double> pool_timeout{30.0};
    // Replace connections older than this when they are checked out (negative: never).
    std::chrono::seconds pool_recycle{-1};
    bool pool_pre_ping = false;
    PoolClass poolclass = PoolClass::Default;
    // QueuePool hands out the connection returned last (LIFO) instead of the one idle longest (FIFO), so that
    // idle connections beyond the load time out on the server side.
    bool pool_use_lifo = false;
    // "SERIALIZABLE", "REPEATABLE READ", "READ COMMITTED", "READ UNCOMMITTED" or "AUTOCOMMIT".
    std::optional<std::string> isolation_level;
    // Extra driver parameters, merged over those the URL gives.
    ConnectParams connect_args;
    // Makes driver connections instead of the dialect's connect (SQLAlchemy's creator).
    std::function<std::unique_ptr<DBAPIConnection>()> creator;
    // Size of the compiled-statement cache (statement shapes per engine).
    std::size_t compiled_cache_size = 500;
    // Changes the engine's own copy of its dialect's capability flags before anything runs, e.g. to follow a
    // database whose rules moved on: [](DialectCapabilities& c) { c.alter_constraint_not_valid = false; }.
    std::function<void(DialectCapabilities&)> capabilities;
    // Out of line, so that a program's file does not compile the members' destruction (the options stay an
    // aggregate for designated initializers).
    ~EngineOptions();
};

struct RETORT_API PoolStatus {
    int size, checked_in, checked_out, overflow;
};

class RETORT_API Engine {
public:
    Engine() = default;  // an empty handle; use create_engine
    [[nodiscard]] const URL& url() const;
    [[nodiscard]] const Dialect& dialect() const;
    [[nodiscard]] std::shared_ptr<const Dialect> dialect_ptr() const;
    [[nodiscard]] const EngineOptions& options() const;
    explicit operator bool() const noexcept { return static_cast<bool>(impl_); }

    // A connection from the pool (made on first need). Thread-safe.
    [[nodiscard]] Connection connect() const;
    // Runs fn in a transaction: commits when fn returns (unless fn ended it), rolls back and rethrows when it
    // throws.
    template <class Fn>
    decltype(auto) begin(Fn&& fn) const;

    // Closes every pooled connection not in use; connections in use are closed when returned.
    void dispose() const;
    [[nodiscard]] PoolStatus pool_status() const;

    // ---- events (register before use; handlers run on the thread that triggers them)
    // Before connecting: may change the driver parameters (a fresh password, for instance).
    void on_do_connect(std::function<void(ConnectParams&)> fn) const;
    // Once per new driver connection, after the dialect's own set-up.
    void on_connect(std::function<void(DBAPIConnection&)> fn) const;
    void on_checkout(std::function<void(DBAPIConnection&)> fn) const;
    void on_checkin(std::function<void(DBAPIConnection&)> fn) const;
    void on_before_execute(std::function<void(const ExecuteEvent&)> fn) const;
    void on_after_execute(std::function<void(const ExecuteEvent&)> fn) const;
    void on_handle_error(std::function<void(ErrorEvent&)> fn) const;

    struct Impl;

private:
    friend Engine create_engine(const URL&, const EngineOptions&);
    friend class Connection;
    friend struct detail::EngineAccess;
    explicit Engine(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
    std::shared_ptr<Impl> impl_;
};

// The options are taken by reference and copied inside Retort, so that a program's file does not compile the copy.
[[nodiscard]] RETORT_API Engine create_engine(const URL& url, const EngineOptions& options = {});
[[nodiscard]] RETORT_API Engine create_engine(std::string_view url, const EngineOptions& options = {});

// A fetched row, owning its values.
class RETORT_API Row {
public:
    Row() = default;
    Row(std::shared_ptr<const std::vector<std::string>> keys, std::vector<Value> values)
        : keys_(std::move(keys)), values_(std::move(values)) {}
    [[nodiscard]] std::size_t size() const noexcept { return values_.size(); }
    [[nodiscard]] const Value& operator[](std::size_t i) const;
    [[nodiscard]] const Value& operator[](std::string_view key) const;
    template <class T>
    [[nodiscard]] T get(std::size_t i) const { return (*this)[i].template as<T>(); }
    template <class T>
    [[nodiscard]] T get(std::string_view key) const { return (*this)[key].template as<T>(); }
    [[nodiscard]] const std::vector<std::string>& keys() const;
    [[nodiscard]] const std::vector<Value>& values() const noexcept { return values_; }
    // The row as a tuple of C++ values: auto [id, name] = row.tuple<int, std::string>();
    template <class... T>
    [[nodiscard]] std::tuple<T...> tuple() const {
        return tuple_impl<T...>(std::index_sequence_for<T...>{});
    }
    bool operator==(const Row& o) const { return values_ == o.values_; }

private:
    template <class... T, std::size_t... I>
    std::tuple<T...> tuple_impl(std::index_sequence<I...>) const {
        return std::tuple<T...>{get<T>(I)...};
    }
    std::shared_ptr<const std::vector<std::string>> keys_;
    std::vector<Value> values_;
};

namespace detail {
// Decoding straight from the driver's buffer, without a Value in between.
RETORT_API void decode(const DBAPICursor& c, int i, bool& out);
RETORT_API void decode(const DBAPICursor& c, int i, std::int64_t& out);
RETORT_API void decode(const DBAPICursor& c, int i, double& out);
RETORT_API void decode(const DBAPICursor& c, int i, std::string& out);
RETORT_API void decode(const DBAPICursor& c, int i, Bytes& out);
RETORT_API void decode(const DBAPICursor& c, int i, Date& out);
RETORT_API void decode(const DBAPICursor& c, int i, Time& out);
RETORT_API void decode(const DBAPICursor& c, int i, DateTime& out);
RETORT_API void decode(const DBAPICursor& c, int i, Interval& out);
RETORT_API void decode(const DBAPICursor& c, int i, Uuid& out);
RETORT_API void decode(const DBAPICursor& c, int i, Numeric& out);
RETORT_API void decode(const DBAPICursor& c, int i, Json& out);
RETORT_API void decode(const DBAPICursor& c, int i, Value& out);
[[noreturn]] RETORT_API void throw_null_column(const DBAPICursor& c, int i);

// Integers and text, the common members, in one driver call each: false for NULL.
template <class T>
inline constexpr bool reads_if_set = (std::is_integral_v<T> && !std::is_same_v<T, bool>) || std::is_same_v<T, std::string>;
template <class T>
struct optional_reads_if_set : std::false_type {};
template <class V>
struct optional_reads_if_set<std::optional<V>> : std::bool_constant<reads_if_set<V>> {};
template <class T>
bool read_if_set(const DBAPICursor& c, int i, T& out) {
    if constexpr (std::is_same_v<T, std::string>) {
        std::string_view v;
        if (!c.get_text_if_set(i, v)) return false;
        out.assign(v.data(), v.size());
    } else {
        std::int64_t v;
        if (!c.get_int_if_set(i, v)) return false;
        out = narrow_int<T>(v);
    }
    return true;
}

template <class T>
void decode_any(const DBAPICursor& c, int i, T& out) {
    if constexpr (optional_reads_if_set<T>::value) {
        typename T::value_type v{};
        if (read_if_set(c, i, v)) out = std::move(v);
        else out.reset();
    } else if constexpr (reads_if_set<T>) {
        if (!read_if_set(c, i, out)) throw_null_column(c, i);
    } else if constexpr (is_optional<T>::value) {
        if (c.is_null(i)) {
            out.reset();
        } else {
            typename T::value_type v{};
            decode_any(c, i, v);
            out = std::move(v);
        }
    } else if constexpr (std::is_same_v<T, Value>) {
        decode(c, i, out);
    } else if constexpr (adapted_type<T>) {
        std::remove_cvref_t<typename type_adapter<T>::stored> stored{};
        decode_any(c, i, stored);
        out = type_adapter<T>::from_stored(stored);
    } else {
        if (c.is_null(i)) throw_null_column(c, i);
        if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
            std::int64_t v;
            decode(c, i, v);
            out = narrow_int<T>(v);
        } else if constexpr (std::is_same_v<T, float>) {
            double v;
            decode(c, i, v);
            out = static_cast<float>(v);
        } else {
            decode(c, i, out);
        }
    }
}
struct ConnectionState;
}  // namespace detail

// The current row of a Result, read in place from the driver's buffer; valid until the Result advances.
class RETORT_API RowView {
public:
    RowView(const DBAPICursor* c, const std::shared_ptr<const std::vector<std::string>>* keys) : c_(c), keys_(keys) {}
    [[nodiscard]] int size() const { return c_->column_count(); }
    [[nodiscard]] bool is_null(int i) const { return c_->is_null(i); }
    template <class T>
    [[nodiscard]] T get(int i) const {
        if constexpr (std::is_same_v<T, std::string>) {
            // Made from the driver's text at its size (not an empty string grown to it).
            std::string_view v;
            if (!c_->get_text_if_set(i, v)) detail::throw_null_column(*c_, i);
            return std::string(v);
        } else {
            T out{};
            detail::decode_any(*c_, i, out);
            return out;
        }
    }
    template <class T>
    [[nodiscard]] T get(std::string_view key) const { return get<T>(index_of(key)); }
    [[nodiscard]] std::string_view text(int i) const { return c_->get_text(i); }
    [[nodiscard]] int index_of(std::string_view key) const;
    // The first columns as a tuple of C++ values: auto [id, name] = row.tuple<std::int64_t, std::string>();
    template <class... T>
    [[nodiscard]] std::tuple<T...> tuple() const {
        if (static_cast<int>(sizeof...(T)) > size())
            throw InvalidRequestError("row has " + std::to_string(size()) + " columns; tuple() asked for " +
                                      std::to_string(sizeof...(T)));
        return tuple_impl<T...>(std::index_sequence_for<T...>{});
    }
    [[nodiscard]] Row to_row() const;
    [[nodiscard]] const DBAPICursor& cursor() const noexcept { return *c_; }

private:
    template <class... T, std::size_t... I>
    std::tuple<T...> tuple_impl(std::index_sequence<I...>) const {
        return std::tuple<T...>{get<T>(static_cast<int>(I))...};  // braces: the columns are read in order
    }
    const DBAPICursor* c_;
    const std::shared_ptr<const std::vector<std::string>>* keys_;  // shared by the rows made from this view
};

// The values of one column of a result (Result::scalars<T>()), in order: the same shape as the ORM's
// session.scalars(select<T>()), whose elements are objects. A std::vector<T> in all but name: iterate it, index
// it, sort it, take all() or convert it to std::vector<T>; one() / one_or_none() / first() as on a Result.
template <class T>
class ScalarResult {
public:
    using value_type = T;
    using iterator = typename std::vector<T>::iterator;
    using const_iterator = typename std::vector<T>::const_iterator;

    ScalarResult() = default;
    explicit ScalarResult(std::vector<T> items) : items_(std::move(items)) {}
    [[nodiscard]] std::vector<T> all() const& { return items_; }
    // From a temporary (result.scalars<T>().all()): the values without a copy.
    [[nodiscard]] std::vector<T> all() && { return std::move(items_); }
    operator std::vector<T>() const& { return items_; }             // NOLINT: implicit on purpose
    operator std::vector<T>() && { return std::move(items_); }      // NOLINT
    // Exactly one value, else NoResultFound / MultipleResultsFound.
    [[nodiscard]] T one() const {
        if (items_.empty()) throw NoResultFound("no row was found when one was required");
        if (items_.size() > 1) throw MultipleResultsFound("multiple rows were found when exactly one was required");
        return items_[0];
    }
    [[nodiscard]] std::optional<T> one_or_none() const {
        if (items_.size() > 1) throw MultipleResultsFound("multiple rows were found when at most one was required");
        return items_.empty() ? std::nullopt : std::optional<T>(items_[0]);
    }
    [[nodiscard]] std::optional<T> first() const { return items_.empty() ? std::nullopt : std::optional<T>(items_[0]); }
    [[nodiscard]] std::size_t size() const noexcept { return items_.size(); }
    [[nodiscard]] bool empty() const noexcept { return items_.empty(); }
    iterator begin() { return items_.begin(); }
    iterator end() { return items_.end(); }
    const_iterator begin() const { return items_.begin(); }
    const_iterator end() const { return items_.end(); }
    T& operator[](std::size_t i) { return items_.at(i); }
    const T& operator[](std::size_t i) const { return items_.at(i); }
    bool operator==(const ScalarResult&) const = default;
    friend bool operator==(const ScalarResult& a, const std::vector<T>& b) { return a.items_ == b; }

private:
    std::vector<T> items_;
};

// Rows of one execution, fetched as they are read. Keeps its connection checked out until destroyed or
// exhausted.
class RETORT_API Result {
public:
    Result() = default;
    Result(Result&&) noexcept;
    Result& operator=(Result&&) noexcept;
    ~Result();

    [[nodiscard]] bool returns_rows() const noexcept { return keys_ && !keys_->empty(); }
    [[nodiscard]] const std::vector<std::string>& keys() const;
    // Rows matched by an UPDATE or DELETE, inserted by an INSERT (summed over executemany).
    [[nodiscard]] std::int64_t rowcount() const noexcept { return rowcount_; }

    // The number of rows still to be read when they are all at hand (a PostgreSQL result fetched whole),
    // else -1 (SQLite steps through its rows, streamed results come in batches): room to reserve before
    // reading a large result. 0 once the rows are all read.
    [[nodiscard]] std::int64_t size_hint() const noexcept { return cursor_ ? cursor_->rows_remaining() : 0; }
    // Advance to the next row; false when there are no more.
    bool next();
    [[nodiscard]] RowView current() const { return RowView(cursor_.get(), &keys_); }

    [[nodiscard]] std::optional<Row> fetchone();
    [[nodiscard]] std::vector<Row> fetchmany(std::size_t n);
    [[nodiscard]] std::vector<Row> all();
    [[nodiscard]] std::vector<Row> fetchall() { return all(); }
    // Exactly one row, else NoResultFound / MultipleResultsFound.
    [[nodiscard]] Row one();
    [[nodiscard]] std::optional<Row> one_or_none();
    // The first row (the rest are discarded), or nothing.
    [[nodiscard]] std::optional<Row> first();

    // One column of each row (the first by default) as T: result.scalars<std::string>().all(), .one(), a loop.
    template <class T>
    [[nodiscard]] ScalarResult<T> scalars(int column = 0) {
        std::vector<T> out;
        while (next()) out.push_back(current().template get<T>(column));
        close();
        return ScalarResult<T>(std::move(out));
    }
    template <class T>
    [[nodiscard]] T scalar_one() {
        if (!next()) throw_none();
        T v = current().template get<T>(0);
        if (next()) { close(); throw_multiple(); }
        close();
        return v;
    }
    template <class T>
    [[nodiscard]] std::optional<T> scalar_one_or_none() {
        if (!next()) { close(); return std::nullopt; }
        T v = current().template get<T>(0);
        if (next()) { close(); throw_multiple(); }
        close();
        return v;
    }
    // The first column of the first row, or nullopt when there is no row.
    template <class T>
    [[nodiscard]] std::optional<T> scalar() {
        if (!next()) { close(); return std::nullopt; }
        T v = current().template get<T>(0);
        close();
        return v;
    }

    // Iteration: for (RowView row : result) { ... }
    class iterator {
    public:
        using value_type = RowView;
        using difference_type = std::ptrdiff_t;
        iterator() = default;
        explicit iterator(Result* r) : r_(r) { advance(); }
        RowView operator*() const { return r_->current(); }
        iterator& operator++() { advance(); return *this; }
        void operator++(int) { advance(); }
        bool operator==(const iterator& o) const { return r_ == o.r_; }

    private:
        void advance() { if (r_ && !r_->next()) r_ = nullptr; }
        Result* r_ = nullptr;
    };
    iterator begin() { return iterator(this); }
    iterator end() { return iterator(); }

    // Frees the driver result; the connection is released when nothing else holds it.
    void close() noexcept;

    // Made by Connection.
    Result(std::shared_ptr<detail::ConnectionState> conn, std::unique_ptr<DBAPICursor> cursor,
           std::shared_ptr<const std::vector<std::string>> keys, std::int64_t rowcount);
    // A result that holds rows already fetched (executemany with RETURNING).
    static Result from_rows(std::shared_ptr<const std::vector<std::string>> keys, std::vector<Row> rows,
                            std::int64_t rowcount);

private:
    [[noreturn]] static void throw_multiple();
    [[noreturn]] static void throw_none();
    std::shared_ptr<detail::ConnectionState> conn_;
    std::unique_ptr<DBAPICursor> cursor_;
    std::shared_ptr<const std::vector<std::string>> keys_;
    std::int64_t rowcount_ = -1;
};

class Transaction;

struct RETORT_API ExecutionOptions {
    bool stream_results = false;  // fetch rows in batches of yield_per instead of all at once
    int yield_per = 1000;
};

class RETORT_API Connection {
public:
    Connection(Connection&&) noexcept;
    Connection& operator=(Connection&&) noexcept;
    ~Connection();  // rolls back what is not committed and returns the connection to the pool

    Result execute(const Executable& stmt, const Params& params = {}, const ExecutionOptions& opts = {});
    Result execute(const Executable& stmt, InlineParams params, const ExecutionOptions& opts = {});
    // executemany: one execution per parameter set; INSERTs go out as multi-row INSERT ... VALUES batches
    // within the dialect's bound-parameter limit (RETURNING rows, if asked for, come back in order).
    Result execute(const Executable& stmt, std::span<const Params> param_sets);
    Result execute(const Executable& stmt, const std::vector<Params>& param_sets) {
        return execute(stmt, std::span<const Params>(param_sets));
    }
    // executemany with positional rows, in the order of the statement's insert_keys / placeholders.
    Result execute_rows(const Executable& stmt, std::span<const std::vector<Value>> rows);
    // The same, taking the rows' values over instead of copying them.
    Result execute_rows(const Executable& stmt, std::vector<std::vector<Value>>&& rows);
    // executemany for code that makes its rows one at a time (the ORM's flush), without a vector per row:
    // fill(i, out) assigns the values of row i, one per values() column, to out (whose Values are those of an
    // earlier row, so assigning over them reuses their storage); with RETURNING,
    // returned(i, cursor) reads the row returned for row i, in place. Batched as execute_rows(); returns
    // the number of rows inserted.
    using RowFill = std::function<void(std::size_t, std::span<Value>)>;
    using RowSink = std::function<void(std::size_t, const DBAPICursor&)>;
    std::int64_t insert_rows(const Executable& stmt, std::size_t count, const RowFill& fill, const RowSink& returned = {});
    // executemany of any statement that returns no rows (UPDATE, DELETE, INSERT, ...) with positional values,
    // made one row at a time: fill(i, out) assigns row i's values to out, one per bind parameter the statement
    // needs (those without a value of their own), in the order they first appear in its SQL; a name used
    // twice takes one value. Runs as execute(stmt, param_sets) would, without a Params per row; returns the
    // number of rows matched.
    std::int64_t execute_many(const Executable& stmt, std::size_t count, const RowFill& fill);
    // SQL text straight to the driver with positional parameters in its own style (? or $1).
    Result exec_driver_sql(std::string_view sql, std::span<const Value> params = {});
    Result exec_driver_sql(std::string_view sql, std::initializer_list<Value> params) {
        return exec_driver_sql(sql, std::span<const Value>(params.begin(), params.size()));
    }

    // Explicit transaction; autobegun transactions are committed with commit().
    [[nodiscard]] Transaction begin();
    // A SAVEPOINT inside the current transaction (begun if needed); InvalidRequestError where the
    // dialect has none.
    [[nodiscard]] Transaction begin_nested();
    // Commits the transaction (a no-op without one). When the connection was invalidated in the middle of the
    // transaction, or the server dropped it, nothing can be committed: PendingRollbackError, here and for every
    // statement, until rollback(). A COMMIT that fails leaves the Connection the same way.
    void commit();
    // Rolls the transaction back, and ends the PendingRollbackError state: the next statement runs on a fresh
    // driver connection when the old one was invalidated.
    void rollback();
    [[nodiscard]] bool in_transaction() const noexcept;
    [[nodiscard]] bool in_nested_transaction() const noexcept;

    // The isolation level for this checkout (restored when it returns to the pool).
    Connection& set_isolation_level(std::string_view level);
    [[nodiscard]] std::string get_isolation_level();

    // Returns the connection to the pool (rolling back); the object is then unusable (ResourceClosedError).
    void close() noexcept;
    [[nodiscard]] bool closed() const noexcept;
    // Discards the driver connection. Outside a transaction the next statement takes a new one from the pool;
    // inside one, the transaction is lost and must be rolled back first (PendingRollbackError until then).
    void invalidate() noexcept;
    [[nodiscard]] bool invalidated() const noexcept;

    [[nodiscard]] DBAPIConnection& dbapi_connection();
    [[nodiscard]] const Dialect& dialect() const;
    [[nodiscard]] Engine engine() const;

private:
    friend class Engine;
    explicit Connection(std::shared_ptr<detail::ConnectionState> s);
    std::shared_ptr<detail::ConnectionState> state_;
};

// A transaction or savepoint. Rolls back in its destructor unless committed or rolled back before.
// After the connection was invalidated in the middle of it, or its COMMIT failed, commit() raises
// PendingRollbackError (and the transaction is no longer active) until rollback() is called.
class RETORT_API Transaction {
public:
    Transaction(Transaction&&) noexcept;
    Transaction& operator=(Transaction&&) = delete;
    ~Transaction();
    void commit();
    void rollback();
    // Begun and neither committed nor rolled back (a savepoint: nor released or rolled back with an outer one).
    [[nodiscard]] bool is_active() const noexcept;
    [[nodiscard]] bool is_nested() const noexcept { return !savepoint_.empty(); }

private:
    friend class Connection;
    Transaction(std::shared_ptr<detail::ConnectionState> s, std::string savepoint);
    std::shared_ptr<detail::ConnectionState> state_;
    std::string savepoint_;
    std::uint64_t seq_ = 0;  // which transaction of the Connection this is
    bool active_ = true;
};

template <class Fn>
decltype(auto) Engine::begin(Fn&& fn) const {
    Connection conn = connect();
    Transaction tx = conn.begin();
    // fn may have ended the transaction itself (conn.commit() / conn.rollback()): then there is nothing to commit.
    if constexpr (std::is_void_v<std::invoke_result_t<Fn, Connection&>>) {
        fn(conn);
        if (tx.is_active()) tx.commit();
    } else {
        auto r = fn(conn);
        if (tx.is_active()) tx.commit();
        return r;
    }
}

}  // namespace retort
