#include "retort/engine/engine.hpp"

#include <chrono>
#include <thread>

#include "detail/text.hpp"
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

EngineOptions::~EngineOptions() = default;

Engine create_engine(const URL& url, const EngineOptions& given) {
    EngineOptions options = given;
    Engine e;
    auto impl = std::make_shared<Engine::Impl>();
    impl->url = url;
    check_no_nul(url);
    impl->dialect = make_dialect(url);
    // returning=0 in the URL's query: this engine uses no INSERT / UPDATE / DELETE ... RETURNING, as on a database
    // without it (the ORM then takes keys the dialect's other way). It never turns RETURNING on.
    if (const auto returning = url.query_value("returning")) {
        const auto on = detail::flag_value(*returning);
        if (!on) throw ArgumentError("the URL's query parameter 'returning' takes 0 or 1");
        if (!*on) impl->dialect->mutable_caps().supports_returning = false;
        impl->connect_params = impl->dialect->create_connect_params(url.without_query_value("returning"));
    } else {
        impl->connect_params = impl->dialect->create_connect_params(url);
    }
    if (options.capabilities) options.capabilities(impl->dialect->mutable_caps());
    for (const auto& [k, v] : options.connect_args) impl->connect_params[k] = v;
    detail::check_connect_params(impl->connect_params);
    if (options.pool_size < 0) throw ArgumentError("pool_size must not be negative");
    if (options.isolation_level) {
        static const char* levels[] = {"SERIALIZABLE", "REPEATABLE READ", "READ COMMITTED", "READ UNCOMMITTED", "AUTOCOMMIT"};
        bool ok = false;
        for (auto* l : levels) ok = ok || *options.isolation_level == l;
        if (!ok) throw ArgumentError("unknown isolation level '" + *options.isolation_level + "'");
    }
    // A database that lives in its connection (SQLite's in-memory one): by default the engine keeps exactly one (the
    // StaticPool), so every Connection and Session sees the same database. The Connections one thread holds at
    // once share it; other threads take their turn. (SQLAlchemy gives each thread a database of its own here.)
    if (options.poolclass == PoolClass::Default) {
        const bool memory = !options.creator && impl->dialect->database_lives_in_connection(url);
        options.poolclass = memory ? PoolClass::Static : PoolClass::Queue;
    }
    if (options.poolclass == PoolClass::Static) options.pool_recycle = std::chrono::seconds(-1);
    impl->dialect->prepare_engine_options(options);
    impl->options = std::move(options);
    switch (impl->options.poolclass) {
        case PoolClass::Null: impl->pool = std::make_unique<NullPool>(*impl); break;
        case PoolClass::Static: impl->pool = std::make_unique<StaticPool>(*impl); break;
        default: impl->pool = std::make_unique<QueuePool>(*impl); break;
    }
    e.impl_ = std::move(impl);
    e.impl_->dialect->on_engine_created(e);
    return e;
}

Engine create_engine(std::string_view url, const EngineOptions& options) {
    return create_engine(URL::parse(url), options);
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
    st->attach(impl.pool->checkout());
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

Engine::Impl::CompiledRef Engine::Impl::compiled_for(const sql::Node& n) {
    const bool is_stmt = n.kind == sql::NodeKind::Select || n.kind == sql::NodeKind::Compound ||
                         n.kind == sql::NodeKind::Insert || n.kind == sql::NodeKind::Update ||
                         n.kind == sql::NodeKind::Delete;
    const std::uint64_t dkey = dialect->compile_key();
    if (is_stmt) {
        if (const auto* hit = static_cast<const sql::StatementNode&>(n).memo.get(dkey))
            return {hit, nullptr, CacheStatus::Cached};
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
    CacheStatus status = CacheStatus::Cached;
    if (!entry->compiled) {
        status = options.compiled_cache_size > 0 ? CacheStatus::Generated : CacheStatus::Disabled;
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
    if (is_stmt && static_cast<const sql::StatementNode&>(n).memo.put(entry)) return {entry.get(), nullptr, status};
    return {entry.get(), std::move(entry), status};
}

}  // namespace retort
