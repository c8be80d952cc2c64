#include "retort/engine/engine.hpp"

#include <cstdio>
#include <thread>

#include "engine/engine_impl.hpp"
#include "retort/sql/compiler.hpp"

namespace retort {

// ---------------------------------------------------------------- Engine

namespace {
// A NUL byte (%00) in any part of a URL: drivers read C strings and would act on what comes before it (a
// SQLite file name cut short, a PostgreSQL database name dropped, a SQLite URI's parameter ignored).
void check_no_nul(const URL& url) {
    auto check = [](const std::optional<std::string>& part, const char* what) {
        if (part && part->find('\0') != std::string::npos)
            throw ArgumentError(std::string("the URL's ") + what + " contains a NUL byte (%00), which no driver can take");
    };
    check(url.username(), "user name");
    check(url.password(), "password");
    check(url.host(), "host");
    check(url.database(), "database");
    for (const auto& [k, v] : url.query()) {
        check(k, "query parameter name");
        check(v, "query parameter value");
    }
}
}  // namespace

Engine create_engine(const URL& url, EngineOptions options) {
    Engine e;
    auto impl = std::make_shared<Engine::Impl>();
    impl->url = url;
    check_no_nul(url);
    impl->dialect = make_dialect(url);
    impl->connect_params = impl->dialect->create_connect_params(url);
    for (const auto& [k, v] : options.connect_args) impl->connect_params[k] = v;
    detail::check_connect_params(impl->connect_params);
    if (options.pool_size < 0) throw ArgumentError("pool_size must not be negative");
    if (options.isolation_level) {
        static const char* levels[] = {"SERIALIZABLE", "REPEATABLE READ", "READ COMMITTED", "READ UNCOMMITTED", "AUTOCOMMIT"};
        bool ok = false;
        for (auto* l : levels) ok = ok || *options.isolation_level == l;
        if (!ok) throw ArgumentError("unknown isolation level '" + *options.isolation_level + "'");
    }
    // An in-memory SQLite database lives in its connection: the pool keeps exactly one, shared in turn by
    // every thread, so all of them see the same database.
    if (url.backend_name() == "sqlite" && !options.creator &&
        (!url.database() || url.database()->empty() || *url.database() == ":memory:")) {
        options.pool_size = 1;
        options.max_overflow = 0;
        options.pool_recycle = std::chrono::seconds(-1);
    }
    impl->dialect->prepare_engine_options(options);
    impl->options = std::move(options);
    impl->pool = std::make_unique<QueuePool>(*impl);
    e.impl_ = std::move(impl);
    e.impl_->dialect->on_engine_created(e);
    return e;
}

Engine create_engine(std::string_view url, EngineOptions options) {
    return create_engine(URL::parse(url), std::move(options));
}

namespace {
Engine::Impl& need(const std::shared_ptr<Engine::Impl>& p) {
    if (!p) throw InvalidRequestError("this Engine is empty; make one with create_engine()");
    return *p;
}
}  // namespace

const URL& Engine::url() const { return need(impl_).url; }
const Dialect& Engine::dialect() const { return *need(impl_).dialect; }
std::shared_ptr<const Dialect> Engine::dialect_ptr() const { return need(impl_).dialect; }
const EngineOptions& Engine::options() const { return need(impl_).options; }
void Engine::dispose() const { need(impl_).pool->dispose(); }
PoolStatus Engine::pool_status() const { return need(impl_).pool->status(); }

Connection Engine::connect() const {
    auto& impl = need(impl_);
    auto st = std::make_shared<detail::ConnectionState>();
    st->engine = impl_;
    st->entry = impl.pool->checkout();
    st->autocommit = impl.autocommit();
    return Connection(std::move(st));
}

void Engine::on_do_connect(std::function<void(ConnectParams&)> fn) const { need(impl_).ev_do_connect.push_back(std::move(fn)); }
void Engine::on_connect(std::function<void(DBAPIConnection&)> fn) const { need(impl_).ev_connect.push_back(std::move(fn)); }
void Engine::on_checkout(std::function<void(DBAPIConnection&)> fn) const { need(impl_).ev_checkout.push_back(std::move(fn)); }
void Engine::on_checkin(std::function<void(DBAPIConnection&)> fn) const { need(impl_).ev_checkin.push_back(std::move(fn)); }
void Engine::on_before_execute(std::function<void(const ExecuteEvent&)> fn) const {
    need(impl_).ev_before_execute.push_back(std::move(fn));
}
void Engine::on_after_execute(std::function<void(const ExecuteEvent&)> fn) const {
    need(impl_).ev_after_execute.push_back(std::move(fn));
}
void Engine::on_handle_error(std::function<void(ErrorEvent&)> fn) const { need(impl_).ev_handle_error.push_back(std::move(fn)); }

void Engine::Impl::log(std::string_view line) const {
    if (options.log_sink)
        options.log_sink(line);
    else
        std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
}

Engine::Impl::CompiledRef Engine::Impl::compiled_for(const sql::Node& n) {
    const bool is_stmt = n.kind == sql::NodeKind::Select || n.kind == sql::NodeKind::Compound ||
                         n.kind == sql::NodeKind::Insert || n.kind == sql::NodeKind::Update ||
                         n.kind == sql::NodeKind::Delete;
    const std::uint64_t dkey = dialect->compile_key();
    if (is_stmt) {
        if (const auto* hit = static_cast<const sql::StatementNode&>(n).memo.get(dkey)) return {hit, nullptr};
    }
    auto entry = std::make_shared<sql::CompiledMemo::Entry>();
    entry->dialect_key = dkey;
    std::string key;
    key.reserve(128);
    sql::walk_statement(n, key, entry->binds);
    {
        std::lock_guard lock(cache_mu);
        auto it = cache.find(key);
        if (it != cache.end()) {
            lru.splice(lru.begin(), lru, it->second);
            entry->compiled = it->second->second;
        }
    }
    if (!entry->compiled) {
        auto compiler = dialect->statement_compiler();
        std::shared_ptr<const sql::Compiled> c = compiler->compile(n, entry->binds);
        entry->compiled = c;
        std::lock_guard lock(cache_mu);
        if (cache.find(key) == cache.end() && options.compiled_cache_size > 0) {
            lru.emplace_front(std::move(key), c);
            cache.emplace(lru.front().first, lru.begin());
            while (lru.size() > options.compiled_cache_size) {
                cache.erase(lru.back().first);
                lru.pop_back();
            }
        }
    }
    if (is_stmt && static_cast<const sql::StatementNode&>(n).memo.put(entry)) return {entry.get(), nullptr};
    return {entry.get(), std::move(entry)};
}

// ---------------------------------------------------------------- pool

QueuePool::~QueuePool() { dispose(); }

std::unique_ptr<PoolEntry> QueuePool::create() {
    auto& eng = engine_;
    auto e = std::make_unique<PoolEntry>();
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
    return e;
}

void QueuePool::discard(std::unique_ptr<PoolEntry> e) noexcept {
    if (e && e->dbapi) e->dbapi->close();
}

std::unique_ptr<PoolEntry> QueuePool::checkout() {
    const auto& o = engine_.options;
    std::unique_ptr<PoolEntry> e;
    {
        std::unique_lock lock(mu_);
        auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(o.pool_timeout);
        auto can_create = [&] { return o.max_overflow < 0 || total_ < o.pool_size + o.max_overflow; };
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
            e = std::move(idle_.front());
            idle_.pop_front();
        } else {
            ++total_;
        }
        ++checked_out_;
    }
    try {
        if (e && o.pool_recycle.count() >= 0 && std::chrono::steady_clock::now() - e->created > o.pool_recycle) {
            discard(std::move(e));
        }
        if (e && o.pool_pre_ping && !e->dbapi->ping()) {
            // A dead connection found on checkout: the pool's other idle ones are probably dead too
            // (server restart); they get pinged as they are checked out.
            discard(std::move(e));
        }
        if (!e) e = create();
        for (auto& fn : engine_.ev_checkout) fn(*e->dbapi);
    } catch (...) {
        discard(std::move(e));
        std::lock_guard lock(mu_);
        --total_;
        --checked_out_;
        cv_.notify_one();
        throw;
    }
    return e;
}

void QueuePool::checkin(std::unique_ptr<PoolEntry> e) noexcept {
    if (!e) return;
    if (!e->invalidated) {
        try {
            for (auto& fn : engine_.ev_checkin) fn(*e->dbapi);
        } catch (...) {
            e->invalidated = true;
        }
    }
    std::unique_lock lock(mu_);
    --checked_out_;
    if (e->invalidated || !e->dbapi || static_cast<int>(idle_.size()) >= engine_.options.pool_size) {
        --total_;
        lock.unlock();
        discard(std::move(e));
        cv_.notify_one();
        return;
    }
    idle_.push_back(std::move(e));
    lock.unlock();
    cv_.notify_one();
}

void QueuePool::dispose() noexcept {
    std::deque<std::unique_ptr<PoolEntry>> old;
    {
        std::lock_guard lock(mu_);
        old.swap(idle_);
        total_ -= static_cast<int>(old.size());
    }
    for (auto& e : old) discard(std::move(e));
    cv_.notify_all();
}

PoolStatus QueuePool::status() const {
    std::lock_guard lock(mu_);
    int overflow = total_ - engine_.options.pool_size;
    return PoolStatus{engine_.options.pool_size, static_cast<int>(idle_.size()), checked_out_, overflow};
}

}  // namespace retort
