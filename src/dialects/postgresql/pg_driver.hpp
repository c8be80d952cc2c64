// The PostgreSQL driver: DBAPIConnection and DBAPICursor over libpq, and the SQLSTATE -> exception mapping
// that the PostgreSQL and Aurora DSQL dialects share.
//
// Decisions worth knowing:
// - Parameters go out in text format with type OID 0 (the server infers each from its context), except bytea,
//   which goes in binary format typed as bytea, so no hex escaping is needed either way.
// - Results come back in text format; the cursor converts on read, from a view into libpq's buffer.
// - Prepared statements are named "retort_<n>", one per distinct SQL text per connection; names are never
//   reused, so a statement left on the server after a failed DEALLOCATE can never collide with a new one.
// - Streaming uses single-row mode. If the connection must run another command while a stream is still
//   open (a lazy load inside the loop, say), the rest of the stream is read into the cursor first, so both
//   keep working; closing a stream early reads and discards what the server still sends.
// - Error messages never carry parameter values: DETAIL lines of integrity and data errors (which quote
//   row values) are dropped, and quoted text in data errors ('invalid input syntax ...: "<value>"') is
//   masked.
#pragma once

#include <libpq-fe.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "retort/dialects/dbapi.hpp"
#include "retort/types/value.hpp"

namespace retort::postgresql {

// The DBAPI error class for a SQLSTATE, following psycopg2's table, except that classes 26 and 34 (which
// name a statement or cursor that does not exist) are programming errors.
enum class ErrorClass : std::uint8_t {
    Database,
    Operational,
    SerializationFailure,
    Integrity,
    Programming,
    Data,
    Internal,
    NotSupported,
};
// Exported (RETORT_API), as throw_dbapi_error, for Retort's own driver tests.
[[nodiscard]] RETORT_API ErrorClass classify_sqlstate(std::string_view sqlstate) noexcept;

// Throws the DBAPIError subclass for cls.
[[noreturn]] RETORT_API void throw_dbapi_error(ErrorClass cls, std::string message, std::string sqlstate,
                                               std::string statement, std::vector<std::string> param_types,
                                               bool connection_invalidated);

// Throws the mapped error for a failed result; with res null, for the connection's last error (libpq's own
// errors have no SQLSTATE and become OperationalError). The connection counts as invalidated when libpq
// reports it bad or the server said FATAL.
[[noreturn]] void throw_pg_error(PGconn* conn, const PGresult* res, std::string_view statement,
                                 std::span<const Value> params);
[[noreturn]] void throw_pg_error(PGconn* conn, const PGresult* res, std::string_view statement,
                                 std::vector<std::string> param_types);

[[nodiscard]] std::vector<std::string> param_type_names(std::span<const Value> params);

class PGConnection;

class RETORT_API PGCursor final : public DBAPICursor {
public:
    // A buffered cursor over a complete result; takes ownership of res.
    explicit PGCursor(PGresult* res) noexcept;
    ~PGCursor() override;
    PGCursor(const PGCursor&) = delete;
    PGCursor& operator=(const PGCursor&) = delete;

    bool next() override;
    [[nodiscard]] std::int64_t rows_remaining() const override { return streaming_ ? -1 : std::max(0, nrows_ - (row_ + 1)); }
    [[nodiscard]] int column_count() const override;
    [[nodiscard]] std::string_view column_name(int i) const override;
    [[nodiscard]] bool is_null(int i) const override;
    [[nodiscard]] std::int64_t get_int(int i) const override;
    [[nodiscard]] double get_double(int i) const override;
    [[nodiscard]] bool get_bool(int i) const override;
    [[nodiscard]] std::string_view get_text(int i) const override;
    [[nodiscard]] Bytes get_bytes(int i) const override;
    [[nodiscard]] Value get_value(int i) const override;
    [[nodiscard]] std::int64_t rowcount() const override { return rowcount_; }
    void close() override;

    // The server's type OID of column i.
    [[nodiscard]] Oid column_type(int i) const;
    [[nodiscard]] bool streaming() const noexcept { return streaming_; }

private:
    friend class PGConnection;
    // A streaming cursor; the statement text and parameter types are kept for errors met mid-stream.
    PGCursor(PGConnection& owner, std::string statement, std::vector<std::string> param_types);

    // Reads results until one with rows (true) or the end of the stream (false).
    bool load_next_result();
    PGresult* take_next_result();
    void end_stream() noexcept;
    // The connection needs the wire: read what the server still sends into the backlog.
    void absorb_rest() noexcept;
    // The connection is closing: what was not read is lost.
    void abandon() noexcept;
    void set_result(PGresult* r) noexcept;
    [[noreturn]] void cold_type_error(int i, const char* target) const;

    PGresult* res_ = nullptr;
    int nrows_ = 0;
    int row_ = -1;
    std::int64_t rowcount_ = -1;
    bool streaming_ = false;
    bool abandoned_ = false;
    PGConnection* owner_ = nullptr;  // set while the stream still reads from the connection
    std::vector<PGresult*> backlog_;
    std::size_t backlog_pos_ = 0;
    std::string statement_;
    std::vector<std::string> param_types_;
};

// Exported (RETORT_API): the Aurora DSQL backend's connections derive from it, and tests use it directly.
class RETORT_API PGConnection : public DBAPIConnection {
public:
    // Connects with libpq keywords (host, port, user, password, dbname, sslmode, ...); libpq's PG*
    // environment variables fill in what is not given. Throws OperationalError on failure.
    explicit PGConnection(const ConnectParams& params);
    ~PGConnection() override;
    PGConnection(const PGConnection&) = delete;
    PGConnection& operator=(const PGConnection&) = delete;

    std::unique_ptr<DBAPICursor> execute(const std::string& sql, std::span<const Value> params,
                                         const DriverExecOptions& opts = {}) override;
    // Pipelined: all executions go out before the results are read, in one implicit transaction when no
    // transaction is open (so a failure leaves nothing behind). On the first error the pipeline is drained
    // and the error of that execution is thrown.
    std::int64_t execute_many(const std::string& sql, std::span<const std::vector<Value>> param_sets) override;
    std::int64_t copy_rows(const std::string& copy_sql, std::size_t count, std::size_t per_row, const CopyRow& row) override;
    void exec_script(std::string_view sql) override;
    void begin() override;
    void commit() override;
    void rollback() override;
    void rollback_on_return() override;
    [[nodiscard]] bool ping() override;
    [[nodiscard]] bool is_disconnected() const override;
    void close() noexcept override;
    // The PGconn, with no reply left unread and the transaction's BEGIN sent, so code using libpq directly
    // finds it as after a plain BEGIN.
    [[nodiscard]] void* native_handle() noexcept override;
    void clear_statement_cache() override;

    [[nodiscard]] PGconn* pgconn() const noexcept { return conn_; }
    // Statements prepared on this connection (for tests and diagnostics).
    [[nodiscard]] std::size_t prepared_count() const noexcept { return prepared_.size(); }
    // PQserverVersion: 150004 for 15.4; 0 when closed.
    [[nodiscard]] int server_version() const noexcept;

private:
    friend class PGCursor;
    struct PipelineState;

    void require_open() const;
    // Reads the reply of a ROLLBACK sent on return to the pool (rolling back for real if it failed).
    void settle() noexcept;
    // Sends a held-back BEGIN now, for the paths that cannot send it with their statement.
    void begin_now();
    // SQL text without parameters, straight to the server (transaction control uses it, not exec_script, so a
    // subclass that watches exec_script sees each BEGIN / COMMIT / ROLLBACK once, through begin() etc.).
    void run_text(std::string_view sql);
    std::unique_ptr<DBAPICursor> execute_after_begin(const std::string& sql, std::span<const Value> params, int n,
                                                     const std::string* name);
    bool begin_pending_ = false;  // begin() was called; BEGIN goes out with the next statement
    bool reply_pending_ = false;  // a ROLLBACK was sent on return to the pool; its reply is unread
    void configure_session();
    // Lets an open stream step aside so the connection can run another command.
    void release_stream() noexcept;
    // Fills the parameter buffers; returns the parameter count. sql is only for error messages.
    int encode_params(const std::string& sql, std::span<const Value> params);
    const int* param_formats() const noexcept { return has_binary_ ? formats_.data() : nullptr; }
    const Oid* param_types() const noexcept { return has_binary_ ? types_.data() : nullptr; }
    // The prepared statement name for sql, preparing it first when needed (after encode_params).
    const std::string& prepared_name(const std::string& sql, std::span<const Value> params);
    void forget_statement_after(const std::string& sql, const PGresult* res);
    std::unique_ptr<DBAPICursor> finish_exec(PGresult* res, const std::string& sql, std::span<const Value> params,
                                             bool prepared);
    void pipeline_read(PipelineState& st, bool block);

    PGconn* conn_ = nullptr;
    std::unordered_map<std::string, std::string> prepared_;  // SQL text -> statement name
    std::uint64_t next_statement_id_ = 1;
    PGCursor* stream_ = nullptr;

    // Reused for every execution, so binding costs no allocation once they have grown.
    std::vector<const char*> values_;
    std::vector<int> lengths_;
    std::vector<int> formats_;
    std::vector<Oid> types_;
    std::vector<std::int64_t> arena_offsets_;
    std::string arena_;
    bool has_binary_ = false;
};

}  // namespace retort::postgresql
