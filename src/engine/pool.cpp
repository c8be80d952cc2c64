// The Engine's pools of driver connections: QueuePool (the default), NullPool and StaticPool, as SQLAlchemy has
// them. A pool hands out PoolEntry objects; a Connection holds one while it is checked out.
#include <chrono>
#include <thread>
#include <cstdio>

#include "engine/engine_impl.hpp"

namespace retort {

namespace {
std::int64_t ticks(std::chrono::steady_clock::time_point t) { return t.time_since_epoch().count(); }

std::chrono::steady_clock::time_point deadline_after(std::chrono::duration<double> d) {
    return std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(d);
}

// echo_pool: one line about a connection, which the pool numbers in the order it made them.
void log_event(const Engine::Impl& eng, const char* before, const PoolEntry& e, const char* after) {
    if (!eng.options.echo_pool) return;
    eng.log_pool(std::string(before) + " #" + std::to_string(e.serial) + after);
}
}  // namespace

Pool::~Pool() = default;

void Pool::invalidate_older() noexcept { invalidated_before_.store(ticks(std::chrono::steady_clock::now())); }

PoolEntryPtr Pool::create() {
    auto& eng = engine_;
    auto e = std::make_shared<PoolEntry>();
    if (eng.options.creator) {
        e->dbapi = eng.options.creator();
        if (!e->dbapi) throw InterfaceError("the creator callback returned no connection");
    } else {
        ConnectParams params = eng.connect_params;
        for (auto& fn : eng.ev_do_connect) fn(params);
        e->dbapi = eng.dialect->connect(params);
    }
    e->created = std::chrono::steady_clock::now();
    try {
        eng.dialect->on_connect(*e->dbapi);
        if (eng.options.isolation_level && *eng.options.isolation_level != "AUTOCOMMIT")
            eng.dialect->set_isolation_level(*e->dbapi, *eng.options.isolation_level);
        for (auto& fn : eng.ev_connect) fn(*e->dbapi);
    } catch (...) {
        e->dbapi->close();
        throw;
    }
    e->serial = ++serial_;
    log_event(eng, "Created new connection", *e, "");
    return e;
}

void Pool::discard(const PoolEntryPtr& e) noexcept {
    if (!e || !e->dbapi) return;
    try {
        log_event(engine_, "Closing connection", *e, e->invalidated ? " (invalidated)" : "");
    } catch (...) {
    }
    e->dbapi->close();
}

bool Pool::stale(PoolEntry& e) const {
    const auto& o = engine_.options;
    if (e.invalidated || !e.dbapi) return true;
    if (o.pool_recycle.count() >= 0 && std::chrono::steady_clock::now() - e.created > o.pool_recycle) return true;
    if (ticks(e.created) <= invalidated_before_.load()) return true;
    // A dead connection found on checkout: the pool's other idle ones are probably dead too (server restart);
    // they get pinged as they are checked out.
    if (o.pool_pre_ping && !e.dbapi->ping()) return true;
    return false;
}

void Pool::on_checkout(PoolEntry& e) {
    log_event(engine_, "Connection", e, " checked out from pool");
    for (auto& fn : engine_.ev_checkout) fn(*e.dbapi);
}

bool Pool::on_checkin(PoolEntry& e) noexcept {
    try {
        log_event(engine_, "Connection", e, " being returned to pool");
        for (auto& fn : engine_.ev_checkin) fn(*e.dbapi);
        return true;
    } catch (...) {
        return false;
    }
}

// ---------------------------------------------------------------- QueuePool

QueuePool::~QueuePool() { dispose(); }

PoolEntryPtr QueuePool::checkout() {
    const auto& o = engine_.options;
    const bool unlimited = o.pool_size == 0 || o.max_overflow < 0;
    PoolEntryPtr e;
    {
        std::unique_lock lock(mu_);
        const auto deadline = deadline_after(o.pool_timeout);
        auto can_create = [&] { return unlimited || total_ < o.pool_size + o.max_overflow; };
        while (idle_.empty() && !can_create()) {
            if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() && !can_create()) {
                char msg[200];
                std::snprintf(msg, sizeof msg,
                              "QueuePool limit of size %d overflow %d reached, connection timed out, timeout %.2f s",
                              o.pool_size, o.max_overflow, o.pool_timeout.count());
                throw TimeoutError(msg);
            }
        }
        if (!idle_.empty()) {
            if (o.pool_use_lifo) {
                e = std::move(idle_.back());
                idle_.pop_back();
            } else {
                e = std::move(idle_.front());
                idle_.pop_front();
            }
        } else {
            ++total_;
        }
        ++checked_out_;
    }
    try {
        if (e && stale(*e)) {
            discard(e);
            e.reset();
        }
        if (!e) e = create();
        on_checkout(*e);
    } catch (...) {
        discard(e);
        std::lock_guard lock(mu_);
        --total_;
        --checked_out_;
        cv_.notify_one();
        throw;
    }
    return e;
}

void QueuePool::checkin(PoolEntryPtr e) noexcept {
    if (!e) return;
    if (!e->invalidated && !on_checkin(*e)) e->invalidated = true;
    std::unique_lock lock(mu_);
    --checked_out_;
    const int size = engine_.options.pool_size;
    if (e->invalidated || !e->dbapi || (size > 0 && static_cast<int>(idle_.size()) >= size)) {
        --total_;
        lock.unlock();
        discard(e);
        cv_.notify_one();
        return;
    }
    idle_.push_back(std::move(e));
    lock.unlock();
    cv_.notify_one();
}

void QueuePool::dispose() noexcept {
    std::deque<PoolEntryPtr> old;
    {
        std::lock_guard lock(mu_);
        old.swap(idle_);
        total_ -= static_cast<int>(old.size());
    }
    for (auto& e : old) discard(e);
    cv_.notify_all();
}

PoolStatus QueuePool::status() const {
    std::lock_guard lock(mu_);
    const int size = engine_.options.pool_size;
    // With no size limit there is no overflow either (SQLAlchemy reports 0).
    const int overflow = size == 0 ? 0 : total_ - size;
    return PoolStatus{size, static_cast<int>(idle_.size()), checked_out_, overflow};
}

// ---------------------------------------------------------------- NullPool

PoolEntryPtr NullPool::checkout() {
    PoolEntryPtr e = create();
    try {
        on_checkout(*e);
    } catch (...) {
        discard(e);
        throw;
    }
    ++checked_out_;
    return e;
}

void NullPool::checkin(PoolEntryPtr e) noexcept {
    if (!e) return;
    if (!e->invalidated) (void)on_checkin(*e);
    discard(e);
    --checked_out_;
}

PoolStatus NullPool::status() const { return PoolStatus{0, 0, checked_out_.load(), 0}; }

// ---------------------------------------------------------------- StaticPool

StaticPool::~StaticPool() { dispose(); }

PoolEntryPtr StaticPool::checkout() {
    const auto& o = engine_.options;
    const auto me = std::this_thread::get_id();
    std::unique_lock lock(mu_);
    const auto deadline = deadline_after(o.pool_timeout);
    while (holders_ > 0 && owner_ != me) {
        if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && holders_ > 0 && owner_ != me) {
            char msg[200];
            std::snprintf(msg, sizeof msg,
                          "StaticPool: the engine's one connection is in use by another thread; timed out after %.2f s",
                          o.pool_timeout.count());
            throw TimeoutError(msg);
        }
    }
    const bool first = holders_ == 0;
    ++holders_;
    owner_ = me;
    PoolEntryPtr e = conn_;
    lock.unlock();
    try {
        if (e && (first ? stale(*e) : (e->invalidated || !e->dbapi))) {
            // Invalidated (by a Connection of this thread, or a disconnect), recycled or not answering. A Connection
            // still holding the old one gets a new one at its next use.
            if (first) discard(e);
            e.reset();
        }
        if (!e) e = create();
        // The checkout handlers run for the thread's first checkout only, as SQLAlchemy does for nested ones.
        if (first) on_checkout(*e);
    } catch (...) {
        lock.lock();
        if (--holders_ == 0) owner_ = {};
        lock.unlock();
        cv_.notify_all();
        throw;
    }
    lock.lock();
    conn_ = e;
    return e;
}

void StaticPool::checkin(PoolEntryPtr e) noexcept {
    if (!e) return;
    // Only the thread holding the connection changes holders_ while it is above 0, so this thread may read it
    // and finish with the connection (checkin handlers) before letting another thread have it.
    bool last;
    PoolEntryPtr current;
    {
        std::lock_guard lock(mu_);
        last = holders_ == 1;
        current = conn_;
    }
    if (e->invalidated) discard(e);
    if (last && current && !current->invalidated && current->dbapi && !on_checkin(*current)) {
        current->invalidated = true;
        discard(current);
    }
    {
        std::lock_guard lock(mu_);
        if (--holders_ == 0) owner_ = {};
        if (conn_ && (conn_->invalidated || !conn_->dbapi)) conn_.reset();
    }
    if (last) cv_.notify_all();
}

void StaticPool::dispose() noexcept {
    PoolEntryPtr old;
    {
        std::lock_guard lock(mu_);
        if (holders_ > 0) return;  // in use: kept (it is closed with the pool)
        old = std::move(conn_);
    }
    discard(old);
}

PoolStatus StaticPool::status() const {
    std::lock_guard lock(mu_);
    return PoolStatus{1, conn_ && holders_ == 0 ? 1 : 0, holders_, 0};
}

}  // namespace retort
