#include <algorithm>
#include <new>
#include <unordered_map>

#include "engine/execution.hpp"

namespace retort {

namespace detail {

namespace {
[[noreturn]] void throw_pending(const std::string& reason) {
    throw PendingRollbackError("this Connection's transaction cannot go on (" + reason +
                               "); roll it back (Connection::rollback() or Transaction::rollback()) before using the "
                               "Connection again");
}
}  // namespace

ConnectionState::~ConnectionState() { release(); }

void ConnectionState::attach(PoolEntryPtr e) {
    entry = std::move(e);
    entry->holders.push_back(this);
    invalidated = false;
}

void ConnectionState::detach() noexcept {
    if (!entry) return;
    auto& h = entry->holders;
    h.erase(std::remove(h.begin(), h.end(), this), h.end());
}

DBAPIConnection& ConnectionState::dbapi() {
    if (closed) throw ResourceClosedError("this Connection is closed");
    if (pending_rollback) throw_pending(pending_reason);
    if (invalidated || !entry || entry->invalidated || !entry->dbapi) {
        if (in_tx) {
            // The transaction went with the driver connection: nothing more can run in it.
            invalidated = true;
            pending_rollback = true;
            pending_reason = "its connection was invalidated in the middle of it";
            throw_pending(pending_reason);
        }
        // Outside a transaction, a fresh connection from the pool.
        if (entry) {
            detach();
            engine->pool->checkin(std::move(entry));
        }
        attach(engine->pool->checkout());
        savepoints.clear();
    }
    return *entry->dbapi;
}

void ConnectionState::handle_error(const DBAPIError& e, std::string_view sql) {
    bool disc = entry && entry->dbapi && entry->dbapi->is_disconnected();
    ErrorEvent ev{e, sql, disc};
    for (auto& fn : engine->ev_handle_error) {
        try {
            fn(ev);
        } catch (...) {
        }
    }
    // The error says whether the connection was invalidated, as the handlers decided.
    const_cast<DBAPIError&>(e).set_connection_invalidated(ev.is_disconnect);
    if (ev.is_disconnect) {
        // The pool's other connections made before now are probably gone too (a server restart).
        engine->pool->invalidate_older();
        invalidate();
    }
}


void ConnectionState::autobegin() {
    if (pending_rollback) throw_pending(pending_reason);
    if (in_tx || autocommit) return;
    auto& d = dbapi();
    if (entry->tx_open) {
        // Another Connection of this thread holds the same driver connection (StaticPool) in a transaction:
        // this one works in it too.
        in_tx = true;
        ++tx_seq;
        return;
    }
    guarded("BEGIN", [&] { engine->dialect->do_begin(d); });
    if (engine->options.echo) engine->log("BEGIN (implicit)");
    entry->tx_open = true;
    in_tx = true;
    ++tx_seq;
}

void ConnectionState::invalidate() noexcept {
    invalidated = true;
    if (in_tx && !pending_rollback) {
        pending_rollback = true;
        pending_reason = "its connection was invalidated in the middle of it";
    }
    savepoints.clear();
    if (!entry) return;
    auto e = entry;
    e->invalidated = true;
    e->tx_open = false;
    if (e->dbapi) e->dbapi->close();
    // Connections sharing the driver connection lose it too.
    for (auto* h : e->holders) {
        if (h == this) continue;
        h->invalidated = true;
        h->savepoints.clear();
        if (h->in_tx && !h->pending_rollback) {
            h->pending_rollback = true;
            h->pending_reason = "its connection was invalidated in the middle of it";
        }
    }
}

void ConnectionState::release() noexcept {
    if (!entry) return;
    bool others_in_tx = false;
    for_others([&](ConnectionState& h) { others_in_tx = others_in_tx || h.in_tx; });
    if (!entry->invalidated && entry->dbapi) {
        try {
            // Returned connections are rolled back (SQLAlchemy's reset on return), unless another Connection of
            // this thread works in the same transaction: it is theirs to end.
            if (in_tx && !others_in_tx) {
                entry->dbapi->rollback_on_return();
                entry->tx_open = false;
                if (engine->options.echo) engine->log("ROLLBACK");
            }
            if (entry->isolation_changed && entry->holders.size() == 1) {
                const auto& o = engine->options;
                std::string level = o.isolation_level && *o.isolation_level != "AUTOCOMMIT"
                                        ? *o.isolation_level
                                        : engine->dialect->default_isolation_level();
                engine->dialect->set_isolation_level(*entry->dbapi, level);
                entry->isolation_changed = false;
            }
        } catch (...) {
            entry->invalidated = true;
        }
    }
    in_tx = false;
    pending_rollback = false;
    savepoints.clear();
    detach();
    engine->pool->checkin(std::move(entry));
}

void ConnectionState::commit() {
    if (pending_rollback) throw_pending(pending_reason);
    if (!in_tx) return;
    auto& d = dbapi();
    if (engine->options.echo) engine->log("COMMIT");
    try {
        guarded("COMMIT", [&] { engine->dialect->do_commit(d); });
    } catch (...) {
        // Nothing was committed (or nobody knows): the transaction has to be rolled back before anything else.
        auto mark = [](ConnectionState& h) {
            if (h.in_tx && !h.pending_rollback) {
                h.pending_rollback = true;
                h.pending_reason = "its COMMIT failed";
            }
        };
        mark(*this);
        for_others(mark);
        throw;
    }
    entry->tx_open = false;
    in_tx = false;
    savepoints.clear();
    // Connections sharing the driver connection were in the same transaction: it is committed for them too.
    for_others([](ConnectionState& h) {
        h.in_tx = false;
        h.savepoints.clear();
    });
}

void ConnectionState::rollback() {
    if (invalidated || !entry || entry->invalidated || !entry->dbapi) {
        // The transaction went with the driver connection; the next statement takes a fresh one.
        if (entry) {
            detach();
            engine->pool->checkin(std::move(entry));
        }
        invalidated = true;
        in_tx = false;
        pending_rollback = false;
        savepoints.clear();
        return;
    }
    if (!in_tx) {
        pending_rollback = false;
        return;
    }
    auto& d = *entry->dbapi;
    if (engine->options.echo) engine->log("ROLLBACK");
    const bool was_pending = pending_rollback;
    savepoints.clear();
    in_tx = false;
    pending_rollback = false;
    entry->tx_open = false;
    // Connections sharing the driver connection lose their part of the transaction too: they are told.
    for_others([](ConnectionState& h) {
        h.savepoints.clear();
        if (h.in_tx && !h.pending_rollback) {
            h.pending_rollback = true;
            h.pending_reason = "another Connection sharing its driver connection rolled it back";
        }
    });
    if (!was_pending) {
        guarded("ROLLBACK", [&] { engine->dialect->do_rollback(d); });
        return;
    }
    // After a failed COMMIT the server may have ended the transaction already; the ROLLBACK only makes sure.
    try {
        guarded("ROLLBACK", [&] { engine->dialect->do_rollback(d); });
    } catch (const DBAPIError&) {
    }
}

}  // namespace detail

// ---------------------------------------------------------------- Connection

Connection::Connection(std::shared_ptr<detail::ConnectionState> s) : state_(std::move(s)) {}
Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&& o) noexcept {
    if (this != &o) {
        close();
        state_ = std::move(o.state_);
    }
    return *this;
}
Connection::~Connection() { close(); }

void Connection::close() noexcept {
    if (!state_) return;
    state_->closed = true;
    // Results still being read keep the driver connection until they finish.
    if (state_.use_count() == 1) state_->release();
    state_.reset();
}

bool Connection::closed() const noexcept { return !state_ || state_->closed; }
void Connection::invalidate() noexcept {
    if (state_) state_->invalidate();
}
bool Connection::invalidated() const noexcept { return state_ && state_->invalidated; }

namespace {
detail::ConnectionState& live(const std::shared_ptr<detail::ConnectionState>& s) {
    if (!s || s->closed) throw ResourceClosedError("this Connection is closed");
    return *s;
}
}  // namespace

DBAPIConnection& Connection::dbapi_connection() { return live(state_).dbapi(); }
const Dialect& Connection::dialect() const { return *live(state_).engine->dialect; }
Engine Connection::engine() const {
    return Engine(live(state_).engine);
}

Result Connection::exec_driver_sql(std::string_view sql_text, std::span<const Value> params) {
    live(state_);
    return detail::execute_driver_sql(state_, sql_text, params);
}

namespace detail {
// DDL runs through the connection like any statement, so echo, events and error handling see it.
void run_ddl(Connection& conn, const std::string& sql) { (void)conn.exec_driver_sql(sql); }
}  // namespace detail

Result Connection::execute(const Executable& stmt, const Params& params, const ExecutionOptions& opts) {
    live(state_);
    return detail::execute_params(state_, stmt, params, opts);
}

Result Connection::execute(const Executable& stmt, InlineParams params, const ExecutionOptions& opts) {
    live(state_);
    return detail::execute_inline(state_, stmt, params, opts);
}

Result Connection::execute(const Executable& stmt, std::span<const Params> param_sets) {
    live(state_);
    return detail::execute_param_sets(state_, stmt, param_sets);
}

std::int64_t Connection::execute_many(const Executable& stmt, std::size_t count, const RowFill& fill) {
    live(state_);
    return detail::execute_many(state_, stmt, count, fill);
}

Result Connection::execute_rows(const Executable& stmt, std::span<const std::vector<Value>> rows) {
    live(state_);
    // Only read from when take is false.
    return detail::execute_rows(
        state_, stmt, std::span<std::vector<Value>>(const_cast<std::vector<Value>*>(rows.data()), rows.size()), false);
}

Result Connection::execute_rows(const Executable& stmt, std::vector<std::vector<Value>>&& rows) {
    live(state_);
    return detail::execute_rows(state_, stmt, rows, true);
}

std::int64_t Connection::insert_rows(const Executable& stmt, std::size_t count, const RowFill& fill,
                                     const RowSink& returned) {
    live(state_);
    return detail::insert_rows(state_, stmt, count, fill, returned);
}


Transaction Connection::begin() {
    auto& st = live(state_);
    if (st.pending_rollback) st.autobegin();  // raises PendingRollbackError
    if (st.in_tx) throw InvalidRequestError("a transaction is already begun on this Connection; commit or roll it back first");
    if (st.autocommit) throw InvalidRequestError("this Connection is in AUTOCOMMIT mode; it has no transactions");
    st.autobegin();
    return Transaction(state_, "");
}

Transaction Connection::begin_nested() {
    auto& st = live(state_);
    auto& eng = *st.engine;
    if (!eng.dialect->caps().supports_savepoints)
        throw InvalidRequestError("the " + eng.dialect->name() + " dialect has no SAVEPOINT, so begin_nested() is not available");
    st.autobegin();
    auto& d = st.dbapi();
    std::string name = "sa_savepoint_" + std::to_string(++st.entry->savepoint_seq);
    if (eng.options.echo) eng.log("SAVEPOINT " + name);
    st.guarded("SAVEPOINT", [&] { eng.dialect->do_savepoint(d, name); });
    st.savepoints.push_back(name);
    return Transaction(state_, name);
}

void Connection::commit() { live(state_).commit(); }

void Connection::rollback() { live(state_).rollback(); }

bool Connection::in_transaction() const noexcept { return state_ && state_->in_tx; }
bool Connection::in_nested_transaction() const noexcept { return state_ && !state_->savepoints.empty(); }

Connection& Connection::set_isolation_level(std::string_view level) {
    auto& st = live(state_);
    if (st.in_tx) throw InvalidRequestError("the isolation level cannot change inside a transaction");
    if (level == "AUTOCOMMIT") {
        st.autocommit = true;
        return *this;
    }
    st.autocommit = false;
    st.engine->dialect->set_isolation_level(st.dbapi(), level);
    st.entry->isolation_changed = true;
    return *this;
}

std::string Connection::get_isolation_level() {
    auto& st = live(state_);
    if (st.autocommit) return "AUTOCOMMIT";
    return st.engine->dialect->get_isolation_level(st.dbapi());
}

// ---------------------------------------------------------------- Transaction

Transaction::Transaction(std::shared_ptr<detail::ConnectionState> s, std::string savepoint)
    : state_(std::move(s)), savepoint_(std::move(savepoint)), seq_(state_->tx_seq) {}

Transaction::Transaction(Transaction&& o) noexcept
    : state_(std::move(o.state_)), savepoint_(std::move(o.savepoint_)), seq_(o.seq_), active_(o.active_) {
    o.active_ = false;
}

Transaction::~Transaction() {
    if (active_) {
        try {
            rollback();
        } catch (...) {
        }
    }
}

bool Transaction::is_active() const noexcept {
    if (!active_ || !state_ || state_->closed) return false;
    const auto& st = *state_;
    if (savepoint_.empty()) return st.in_tx && st.tx_seq == seq_;
    return std::find(st.savepoints.begin(), st.savepoints.end(), savepoint_) != st.savepoints.end();
}

void Transaction::commit() {
    if (!state_) throw InvalidRequestError("this transaction is no longer active");
    auto& st = *state_;
    if (st.closed) throw ResourceClosedError("this Connection is closed");
    // A transaction that cannot go on keeps saying so (and is no longer active) until it is rolled back.
    if (st.pending_rollback && (!savepoint_.empty() || st.tx_seq == seq_) && (active_ || savepoint_.empty())) {
        active_ = false;
        st.commit();  // raises PendingRollbackError
    }
    if (!is_active()) {
        active_ = false;
        throw InvalidRequestError("this transaction is no longer active");
    }
    active_ = false;
    auto& eng = *st.engine;
    if (savepoint_.empty()) {
        st.commit();
        return;
    }
    auto it = std::find(st.savepoints.begin(), st.savepoints.end(), savepoint_);
    st.savepoints.erase(it, st.savepoints.end());
    if (eng.options.echo) eng.log("RELEASE SAVEPOINT " + savepoint_);
    st.guarded("RELEASE SAVEPOINT", [&] { eng.dialect->do_release_savepoint(st.dbapi(), savepoint_); });
}

void Transaction::rollback() {
    if (!state_) return;
    active_ = false;
    auto& st = *state_;
    auto& eng = *st.engine;
    if (st.closed) return;
    if (savepoint_.empty()) {
        // Also after a failed commit(), which left this transaction inactive but still to be rolled back.
        if (st.tx_seq == seq_ && (st.in_tx || st.pending_rollback)) st.rollback();
        return;
    }
    if (st.invalidated || st.pending_rollback) return;
    auto it = std::find(st.savepoints.begin(), st.savepoints.end(), savepoint_);
    if (it == st.savepoints.end()) return;
    st.savepoints.erase(it, st.savepoints.end());
    if (eng.options.echo) eng.log("ROLLBACK TO SAVEPOINT " + savepoint_);
    st.guarded("ROLLBACK TO SAVEPOINT", [&] { eng.dialect->do_rollback_to_savepoint(st.dbapi(), savepoint_); });
}

}  // namespace retort
