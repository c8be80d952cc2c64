// Engine internals shared by the engine's .cpp files: the pool, a checked-out connection's state and the
// compiled-statement cache.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <list>
#include <mutex>
#include <thread>
#include <atomic>
#include <unordered_map>

#include "retort/dialects/dialect.hpp"
#include "retort/engine/engine.hpp"
#include "retort/sql/elements.hpp"

namespace retort {

namespace detail {
struct ConnectionState;
}

// One driver connection of a pool, with what Retort tracks of it.
struct PoolEntry {
    std::unique_ptr<DBAPIConnection> dbapi;
    std::chrono::steady_clock::time_point created;
    bool invalidated = false;
    bool isolation_changed = false;
    // The Connections holding it now: one, except with the StaticPool, which hands one driver connection to
    // every checkout of the thread that holds it. They share its transaction.
    std::vector<detail::ConnectionState*> holders;
    bool tx_open = false;  // a transaction Retort began is open on it
    int savepoint_seq = 0;
    std::uint64_t serial = 0;  // names it in the pool's log
};
using PoolEntryPtr = std::shared_ptr<PoolEntry>;

// The pool interface of an Engine (SQLAlchemy's Pool): QueuePool, NullPool, StaticPool.
class Pool {
public:
    explicit Pool(Engine::Impl& engine) : engine_(engine) {}
    virtual ~Pool();
    Pool(const Pool&) = delete;
    Pool& operator=(const Pool&) = delete;
    virtual PoolEntryPtr checkout() = 0;
    virtual void checkin(PoolEntryPtr e) noexcept = 0;
    // Closes the idle connections (those in use are closed when returned).
    virtual void dispose() noexcept = 0;
    [[nodiscard]] virtual PoolStatus status() const = 0;
    // After a disconnect: every connection made before now is probably dead too (the server restarted), so each
    // is replaced when next checked out (SQLAlchemy's pool invalidation).
    void invalidate_older() noexcept;

protected:
    PoolEntryPtr create();
    void discard(const PoolEntryPtr& e) noexcept;
    // Replaced at checkout: older than pool_recycle, made before the last invalidation, or (pool_pre_ping)
    // not answering.
    bool stale(PoolEntry& e) const;
    // Runs the checkout handlers on a connection about to be handed out.
    void on_checkout(PoolEntry& e);
    // Runs the checkin handlers; false when one failed (the connection is then discarded).
    bool on_checkin(PoolEntry& e) noexcept;
    Engine::Impl& engine_;
    std::atomic<std::int64_t> invalidated_before_{0};  // steady_clock ticks
    std::atomic<std::uint64_t> serial_{0};
};

// SQLAlchemy's QueuePool: up to pool_size idle connections kept (0: no limit), up to max_overflow more made under
// load, callers wait up to pool_timeout for one to come back; FIFO, or LIFO with pool_use_lifo.
class QueuePool final : public Pool {
public:
    using Pool::Pool;
    ~QueuePool() override;
    PoolEntryPtr checkout() override;
    void checkin(PoolEntryPtr e) noexcept override;
    void dispose() noexcept override;
    [[nodiscard]] PoolStatus status() const override;

private:
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<PoolEntryPtr> idle_;
    int total_ = 0;  // connections that exist: idle + checked out + being made
    int checked_out_ = 0;
};

// No pooling: a new driver connection per checkout, closed at checkin.
class NullPool final : public Pool {
public:
    using Pool::Pool;
    PoolEntryPtr checkout() override;
    void checkin(PoolEntryPtr e) noexcept override;
    void dispose() noexcept override {}
    [[nodiscard]] PoolStatus status() const override;

private:
    std::atomic<int> checked_out_{0};
};

// One driver connection for the engine. The thread that holds it gets it again for every further checkout (the
// Connections share it); other threads wait until that thread has returned all of them.
class StaticPool final : public Pool {
public:
    using Pool::Pool;
    ~StaticPool() override;
    PoolEntryPtr checkout() override;
    void checkin(PoolEntryPtr e) noexcept override;
    void dispose() noexcept override;
    [[nodiscard]] PoolStatus status() const override;

private:
    mutable std::mutex mu_;
    std::condition_variable cv_;
    PoolEntryPtr conn_;
    std::thread::id owner_;
    int holders_ = 0;
};

struct CompiledEntry {
    std::shared_ptr<const sql::CompiledMemo::Entry> memo;  // compiled + this tree's binds
};

struct Engine::Impl {
    URL url;
    std::shared_ptr<Dialect> dialect;
    EngineOptions options;
    ConnectParams connect_params;
    std::unique_ptr<Pool> pool;

    std::vector<std::function<void(ConnectParams&)>> ev_do_connect;
    std::vector<std::function<void(DBAPIConnection&)>> ev_connect, ev_checkout, ev_checkin;
    std::vector<std::function<void(const ExecuteEvent&)>> ev_before_execute, ev_after_execute;
    std::vector<std::function<void(ErrorEvent&)>> ev_handle_error;

    // Compiled SQL by structural key, least recently used evicted first.
    std::mutex cache_mu;
    std::list<std::pair<std::string, std::shared_ptr<const sql::Compiled>>> lru;
    std::unordered_map<std::string_view, decltype(lru)::iterator> cache;

    bool autocommit() const { return options.isolation_level && *options.isolation_level == "AUTOCOMMIT"; }
    // The engine's log: each record goes to log_handler, else log_sink, else stderr (src/engine/echo.cpp).
    void emit(const LogRecord& r) const;
    // An Info line of "retort.engine" (BEGIN, COMMIT, ...); callers check options.echo.
    void log(std::string_view line) const;
    // A Debug line of "retort.pool", when echo_pool is set.
    void log_pool(std::string_view line) const;
    // A warning of `logger`, when the program asked for a log at all (echo, echo_pool, log_sink or log_handler).
    void warn(std::string_view logger, std::string_view message) const;
    // The compiled form of a statement plus its binds, from the statement's memo or the shape cache: the entry
    // is memoized in the statement (valid while it lives) or, when the statement keeps no more, held by `owner`.
    struct CompiledRef {
        const sql::CompiledMemo::Entry* entry = nullptr;
        std::shared_ptr<const sql::CompiledMemo::Entry> owner;
        CacheStatus status = CacheStatus::Generated;  // compiled now, or found compiled (echo says which)
        const sql::CompiledMemo::Entry* operator->() const noexcept { return entry; }
        const sql::CompiledMemo::Entry& operator*() const noexcept { return *entry; }
    };
    CompiledRef compiled_for(const sql::Node& n);
};

namespace detail {

// The Engine's internals, for the library's own layers (the ORM's warnings go to the engine's log).
struct EngineAccess {
    static Engine::Impl& of(const Engine& e) { return *e.impl_; }
};

struct ConnectionState {
    std::shared_ptr<Engine::Impl> engine;
    PoolEntryPtr entry;  // null between an invalidation and the reconnect at next use
    bool in_tx = false;
    bool autocommit = false;
    bool closed = false;
    bool invalidated = false;
    // The transaction cannot go on (its connection was invalidated, its COMMIT failed, or a Connection sharing
    // the driver connection rolled it back): everything raises PendingRollbackError until rollback().
    bool pending_rollback = false;
    std::string pending_reason;
    std::uint64_t tx_seq = 0;  // counts the transactions begun (explicitly or not)
    std::vector<std::string> savepoints;

    ~ConnectionState();
    // Takes a connection from the pool (at connect(), and at the first use after an invalidation).
    void attach(PoolEntryPtr e);
    // The driver connection: ResourceClosedError when closed, PendingRollbackError while a rollback is due; after
    // an invalidation outside a transaction, a fresh one from the pool.
    DBAPIConnection& dbapi();
    void autobegin();
    void commit();
    void rollback();
    void release() noexcept;
    void invalidate() noexcept;
    // Other Connections sharing the driver connection.
    template <class Fn>
    void for_others(Fn&& fn) {
        if (!entry) return;
        for (auto* h : entry->holders)
            if (h != this) fn(*h);
    }
    // Runs the driver call, turning driver errors into invalidation when the connection is gone.
    template <class Fn>
    auto guarded(std::string_view sql, Fn&& fn) -> decltype(fn());
    void handle_error(const DBAPIError& e, std::string_view sql);

private:
    void detach() noexcept;
};

template <class Fn>
auto ConnectionState::guarded(std::string_view sql, Fn&& fn) -> decltype(fn()) {
    try {
        return fn();
    } catch (const DBAPIError& e) {
        handle_error(e, sql);
        throw;
    }
}

}  // namespace detail
}  // namespace retort
