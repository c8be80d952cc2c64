// Engine internals shared by the engine's .cpp files: the pool, a checked-out connection's state and the
// compiled-statement cache.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <list>
#include <mutex>
#include <unordered_map>

#include "retort/dialects/dialect.hpp"
#include "retort/engine/engine.hpp"
#include "retort/sql/elements.hpp"

namespace retort {

struct PoolEntry {
    std::unique_ptr<DBAPIConnection> dbapi;
    std::chrono::steady_clock::time_point created;
    bool invalidated = false;
    bool isolation_changed = false;
};

// SQLAlchemy's QueuePool: up to pool_size idle connections kept, up to max_overflow more made under load,
// callers wait up to pool_timeout for one to come back.
class QueuePool {
public:
    explicit QueuePool(Engine::Impl& engine) : engine_(engine) {}
    ~QueuePool();
    std::unique_ptr<PoolEntry> checkout();
    void checkin(std::unique_ptr<PoolEntry> e) noexcept;
    void dispose() noexcept;
    PoolStatus status() const;

private:
    std::unique_ptr<PoolEntry> create();
    void discard(std::unique_ptr<PoolEntry> e) noexcept;
    Engine::Impl& engine_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::unique_ptr<PoolEntry>> idle_;
    int total_ = 0;  // connections that exist: idle + checked out + being made
    int checked_out_ = 0;
};

struct CompiledEntry {
    std::shared_ptr<const sql::CompiledMemo::Entry> memo;  // compiled + this tree's binds
};

struct Engine::Impl {
    URL url;
    std::shared_ptr<Dialect> dialect;
    EngineOptions options;
    ConnectParams connect_params;
    std::unique_ptr<QueuePool> pool;

    std::vector<std::function<void(ConnectParams&)>> ev_do_connect;
    std::vector<std::function<void(DBAPIConnection&)>> ev_connect, ev_checkout, ev_checkin;
    std::vector<std::function<void(const ExecuteEvent&)>> ev_before_execute, ev_after_execute;
    std::vector<std::function<void(ErrorEvent&)>> ev_handle_error;

    // Compiled SQL by structural key, least recently used evicted first.
    std::mutex cache_mu;
    std::list<std::pair<std::string, std::shared_ptr<const sql::Compiled>>> lru;
    std::unordered_map<std::string_view, decltype(lru)::iterator> cache;

    bool autocommit() const { return options.isolation_level && *options.isolation_level == "AUTOCOMMIT"; }
    void log(std::string_view line) const;
    // The compiled form of a statement plus its binds, from the statement's memo or the shape cache: the entry
    // is memoized in the statement (valid while it lives) or, when the statement keeps no more, held by `owner`.
    struct CompiledRef {
        const sql::CompiledMemo::Entry* entry = nullptr;
        std::shared_ptr<const sql::CompiledMemo::Entry> owner;
        const sql::CompiledMemo::Entry* operator->() const noexcept { return entry; }
        const sql::CompiledMemo::Entry& operator*() const noexcept { return *entry; }
    };
    CompiledRef compiled_for(const sql::Node& n);
};

namespace detail {

struct ConnectionState {
    std::shared_ptr<Engine::Impl> engine;
    std::unique_ptr<PoolEntry> entry;
    bool in_tx = false;
    bool autocommit = false;
    bool closed = false;
    bool invalidated = false;
    std::vector<std::string> savepoints;
    int savepoint_seq = 0;

    ~ConnectionState();
    DBAPIConnection& dbapi();
    void autobegin();
    void commit();
    void rollback();
    void release() noexcept;
    void invalidate() noexcept;
    // Runs the driver call, turning driver errors into invalidation when the connection is gone.
    template <class Fn>
    auto guarded(std::string_view sql, Fn&& fn) -> decltype(fn());
    void handle_error(const DBAPIError& e, std::string_view sql);
};

}  // namespace detail
}  // namespace retort
