// The driver layer (PEP 249's DBAPI in spirit): one driver connection and its cursor, implemented once per
// database library (libsqlite3, libpq). The engine, pool and dialects speak only through this interface.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "retort/export.hpp"
#include "retort/types/value.hpp"

namespace retort {

// Keyword parameters for a driver's connect call (libpq keywords; for SQLite "database", "uri", ...).
// The do_connect event may change them, e.g. to put a fresh password in.
using ConnectParams = std::map<std::string, std::string>;

namespace detail {
// Drivers take their parameters as C strings, which a NUL byte (%00 in a URL) would cut short: a database
// file "/path%00x" would open "/path". ArgumentError naming the parameter (never its value, which may be
// a password) when a key or value holds one.
RETORT_API void check_connect_params(const ConnectParams& params);
}  // namespace detail

// A forward-only cursor over one statement's result. Text and byte views stay valid until next().
class RETORT_API DBAPICursor {
public:
    virtual ~DBAPICursor() = default;
    // Steps to the next row; false once the rows are exhausted.
    virtual bool next() = 0;
    [[nodiscard]] virtual int column_count() const = 0;
    [[nodiscard]] virtual std::string_view column_name(int i) const = 0;
    [[nodiscard]] virtual bool is_null(int i) const = 0;
    [[nodiscard]] virtual std::int64_t get_int(int i) const = 0;
    [[nodiscard]] virtual double get_double(int i) const = 0;
    [[nodiscard]] virtual bool get_bool(int i) const = 0;
    [[nodiscard]] virtual std::string_view get_text(int i) const = 0;
    [[nodiscard]] virtual Bytes get_bytes(int i) const = 0;
    // The column's value in its natural kind (by the server's type, or SQLite's storage class).
    [[nodiscard]] virtual Value get_value(int i) const = 0;
    // Rows changed by INSERT/UPDATE/DELETE; -1 when not known.
    [[nodiscard]] virtual std::int64_t rowcount() const = 0;
    // Column i as an integer or as text unless it is NULL (then false): one driver call where the driver can
    // tell NULL apart on the way (SQLite), else is_null() and then the value.
    [[nodiscard]] virtual bool get_int_if_set(int i, std::int64_t& out) const {
        if (is_null(i)) return false;
        out = get_int(i);
        return true;
    }
    [[nodiscard]] virtual bool get_text_if_set(int i, std::string_view& out) const {
        if (is_null(i)) return false;
        out = get_text(i);
        return true;
    }
    // The rows not read yet when the driver holds the whole result; -1 when it does not know.
    [[nodiscard]] virtual std::int64_t rows_remaining() const { return -1; }
    // Releases the result early; later calls to next() return false.
    virtual void close() = 0;
};

struct RETORT_API DriverExecOptions {
    bool prepare = true;  // prepare on first use and keep the prepared statement on this connection
    bool stream = false;  // fetch rows in batches as they are read, not all at once
    int batch_rows = 1000;  // rows per fetch when streaming
    // The caller keeps the parameters unchanged until the cursor is read to its end or closed, so the driver
    // may bind their text and bytes without copying them.
    bool params_outlive_cursor = false;
};

class RETORT_API DBAPIConnection {
public:
    virtual ~DBAPIConnection() = default;
    // Executes one statement with positional parameters. Throws a DBAPIError subclass on failure.
    virtual std::unique_ptr<DBAPICursor> execute(const std::string& sql, std::span<const Value> params,
                                                 const DriverExecOptions& opts = {}) = 0;
    // Executes the same statement once per parameter set, as fast as the driver allows (pipelined on
    // PostgreSQL), and returns the total rowcount. No rows are returned.
    virtual std::int64_t execute_many(const std::string& sql, std::span<const std::vector<Value>> param_sets);
    // Streams `count` rows into a table through the driver's bulk-load path (PostgreSQL COPY ... FROM STDIN);
    // copy_sql names the table and its `per_row` columns; row(i) gives row i's values, read before the next
    // call. Returns the rows loaded. Drivers without one throw.
    using CopyRow = std::function<const Value*(std::size_t)>;
    virtual std::int64_t copy_rows(const std::string& copy_sql, std::size_t count, std::size_t per_row, const CopyRow& row);
    // Executes SQL text without parameters (may contain several statements on drivers that allow it).
    virtual void exec_script(std::string_view sql) = 0;
    // Transaction control. A driver may hold BEGIN back and send it with the transaction's first statement,
    // and then make the COMMIT or ROLLBACK of a transaction that ran nothing free.
    virtual void begin() { exec_script("BEGIN"); }
    virtual void commit() { exec_script("COMMIT"); }
    virtual void rollback() { exec_script("ROLLBACK"); }
    // The rollback of a connection going back to its pool: a driver may send it without waiting for the reply,
    // which it then reads before the connection's next use.
    virtual void rollback_on_return() { rollback(); }
    // The key the database gave the row this connection inserted last (SQLite's rowid, MySQL's AUTO_INCREMENT
    // value), read from the driver without a round trip; false where the driver cannot tell.
    [[nodiscard]] virtual bool last_insert_id(std::int64_t& /*out*/) { return false; }
    // A cheap round trip to see the connection is alive.
    [[nodiscard]] virtual bool ping() = 0;
    // After an error: does it mean this connection is unusable?
    [[nodiscard]] virtual bool is_disconnected() const = 0;
    virtual void close() noexcept = 0;
    // sqlite3* or PGconn*, for code that needs the driver itself.
    [[nodiscard]] virtual void* native_handle() noexcept = 0;
    // Forget prepared statements (after DDL that changes result shapes, for instance).
    virtual void clear_statement_cache() {}
};

}  // namespace retort
