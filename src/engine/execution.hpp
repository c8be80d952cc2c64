// How a Connection runs a statement: the execution context (one per execution, whatever the number of driver
// calls it takes) and the ways statements run (one parameter set, executemany, positional rows, bulk loads).
// Connection's public methods check the connection and hand over to these; the SQL of a database's own forms
// (bulk load, UPDATE ... FROM VALUES) comes from its dialect.
#pragma once

#include <exception>
#include <optional>

#include "engine/echo.hpp"
#include "engine/engine_impl.hpp"

namespace retort::detail {

// One execution of a statement on a Connection. The transaction is begun before the first driver call; the
// before-execute events run once, announcing the statement (its first parameter set, and how many sets there
// are); every driver call's DBAPIError goes through the engine's handle_error events (which may invalidate the
// connection); the after-execute events run once when the statement has run. With echo, each statement sent
// (each batch of a batched executemany) is written to the log once it has run, or failed.
class ExecutionContext {
public:
    explicit ExecutionContext(const std::shared_ptr<ConnectionState>& state);
    ~ExecutionContext();
    ExecutionContext(const ExecutionContext&) = delete;
    ExecutionContext& operator=(const ExecutionContext&) = delete;

    [[nodiscard]] ConnectionState& state() const noexcept { return st_; }
    [[nodiscard]] Engine::Impl& engine() const noexcept { return eng_; }
    [[nodiscard]] const Dialect& dialect() const noexcept { return *eng_.dialect; }
    [[nodiscard]] const DialectCapabilities& caps() const noexcept { return eng_.dialect->caps(); }

    // Begins the transaction unless one is open (or the Connection is in autocommit).
    void begin() { st_.autobegin(); }
    // The before-execute events, the first time only. `sql` and `params` stay valid until finish().
    // Without listeners there is nothing to announce (the common case costs one test).
    void announce(std::string_view sql, std::span<const Value> params, std::size_t sets = 1, bool many = false) {
        if (event_ || (eng_.ev_before_execute.empty() && eng_.ev_after_execute.empty())) return;
        announce_slow(sql, params, sets, many);
    }

    // echo: a statement about to be sent (callers test echo() first, so that nothing is made without it). Its
    // record is written by log_done() once the statement has run, or by the destructor when an error ends the
    // execution first.
    [[nodiscard]] bool echo() const noexcept { return eng_.options.echo; }
    // Sent once, with these values (masked[i]: values[i] is a secret).
    void log_once(std::string_view sql, const StatementOrigin& origin, std::span<const Value> values,
                  std::span<const char> masked);
    // An executemany of `total` sets; the rows it shows are handed over by log_set as they are made.
    void log_many(std::string_view sql, const StatementOrigin& origin, std::size_t total, std::vector<char> masked);
    void log_set(std::size_t i, std::span<const Value> row) {
        if (log_ && log_->shows_set(i)) log_->add_set(i, row);
    }
    void log_done() {
        if (log_) log_done_slow();
    }
    // Driver calls, each guarded, after begin().
    std::unique_ptr<DBAPICursor> execute(const std::string& sql, std::span<const Value> params,
                                         const DriverExecOptions& opts = {}) {
        auto& d = st_.dbapi();
        return st_.guarded(sql, [&] { return d.execute(sql, params, opts); });
    }
    std::int64_t execute_many(const std::string& sql, std::span<const std::vector<Value>> rows);
    std::int64_t copy_rows(const std::string& sql, std::size_t count, std::size_t per_row,
                           const DBAPIConnection::CopyRow& row);
    // The after-execute events, when the statement was announced.
    void finish() {
        if (event_) finish_slow();
    }

    // Results on this Connection: over a driver cursor, or only the number of rows the statement touched.
    Result cursor_result(std::unique_ptr<DBAPICursor> cursor, std::shared_ptr<const std::vector<std::string>> keys) {
        const auto rc = cursor->rowcount();
        return Result(state_, std::move(cursor), std::move(keys), rc);
    }
    Result count_result(std::int64_t rowcount);

private:
    void announce_slow(std::string_view sql, std::span<const Value> params, std::size_t sets, bool many);
    void finish_slow();
    void log_done_slow();

    const std::shared_ptr<ConnectionState>& state_;
    ConnectionState& st_;
    Engine::Impl& eng_;
    std::optional<ExecuteEvent> event_;
    std::optional<StatementLog> log_;
    int uncaught_ = 0;  // when the record began; more at destruction: an error is unwinding
};

// How a compiled statement's SQL was had, for echo.
inline StatementOrigin origin_of(const Engine::Impl::CompiledRef& e) {
    return StatementOrigin{e.status, e->compiled->generated_at};
}

// The ways a statement runs (the Connection is known open).
using ParamFinder = const Value* (*)(const void* ctx, std::string_view key);
Result execute_driver_sql(const std::shared_ptr<ConnectionState>& st, std::string_view sql,
                          std::span<const Value> params);
Result execute_params(const std::shared_ptr<ConnectionState>& st, const Executable& stmt, const Params& params,
                      const ExecutionOptions& opts);
Result execute_inline(const std::shared_ptr<ConnectionState>& st, const Executable& stmt, InlineParams params,
                      const ExecutionOptions& opts);
Result execute_param_sets(const std::shared_ptr<ConnectionState>& st, const Executable& stmt,
                          std::span<const Params> param_sets);
std::int64_t execute_many(const std::shared_ptr<ConnectionState>& st, const Executable& stmt, std::size_t count,
                          const Connection::RowFill& fill);
Result execute_rows(const std::shared_ptr<ConnectionState>& st, const Executable& stmt,
                    std::span<std::vector<Value>> rows, bool take);
std::int64_t insert_rows(const std::shared_ptr<ConnectionState>& st, const Executable& stmt, std::size_t count,
                         const Connection::RowFill& fill, const Connection::RowSink& returned);

}  // namespace retort::detail
