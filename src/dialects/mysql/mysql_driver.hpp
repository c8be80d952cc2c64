// The MySQL / MariaDB driver: DBAPIConnection and DBAPICursor over MariaDB Connector/C (libmariadb), and the
// error-number -> exception mapping of the mysql dialect.
//
// Decisions worth knowing:
// - Every statement with parameters runs as a server-side prepared statement (mysql_stmt_*) with binary
//   binding, prepared once per SQL text per connection and kept; values never enter the SQL text.
// - Connections are opened with CLIENT_FOUND_ROWS, so an UPDATE's row count is the rows it matched (as on the
//   other databases), not the rows whose values changed: the ORM's stale-row checks depend on it.
// - Text is utf8mb4 both ways (set again after connecting when an option file named another character set).
// - Parameters are bound by kind: bool as TINYINT (1/0), int as BIGINT, double as DOUBLE (NaN and infinities
//   refused, DataError), text as a string (binary-safe: NUL bytes and 4-byte UTF-8 pass), bytes as a BLOB (the
//   binary character set), Date / Time / DateTime as MYSQL_TIME with microseconds (a DateTime with a UTC
//   offset as its UTC wall-clock time; years 1 to 9999), Interval as its ISO 8601 text, Uuid as 32 lowercase
//   hex digits (for CHAR(32), as on SQLite), Numeric as a DECIMAL (exact comparisons with DECIMAL columns),
//   Json as its text. The library copies values into the command when it executes, so nothing of the
//   parameters is kept after execute() returns.
// - Columns are read by the server's type: integer types, YEAR and BIT as int (a BIGINT UNSIGNED or BIT(64)
//   above 2^63-1 is a DataError), FLOAT and DOUBLE as double (a FLOAT as the double of its shortest text:
//   1.1, not 1.100000023841858), DECIMAL as Numeric, DATE / DATETIME / TIMESTAMP / TIME as Date / DateTime
//   (without offset, in the session's time zone) / Time (a TIME beyond 00:00-23:59:59.999999 or a zero date
//   stays text), strings of the binary character set (BINARY, VARBINARY, BLOB) as bytes, JSON columns as Json,
//   other strings as text. get_text of a column that is not text gives MySQL's own text of it ("42", "1.5",
//   "2024-01-02 03:04:05.5" for a DATETIME(1): the column's fraction digits); get_int reads integral DECIMALs
//   ("12.000") and integral text, get_bool numbers and "0"/"1"/"true"/"false".
// - Results are stored on the client (mysql_stmt_store_result) unless streamed. A stream reads rows as they
//   arrive; when the connection must run another statement first, the rest of the stream moves into the
//   cursor, the row at hand staying where it is.
// - rowcount(): the rows an INSERT / UPDATE / DELETE matched; with RETURNING, the rows returned; -1 for a
//   SELECT. last_insert_id(): the AUTO_INCREMENT value of the last statement (a multi-row INSERT's first row),
//   false when it set none.
// - execute_many uses MariaDB's bulk protocol (parameter arrays, a few commands for thousands of sets) when
//   every parameter keeps one kind across the sets; otherwise one execution per set.
// - Error messages never carry values: quoted parts of the server's messages ("Duplicate entry '...'") are
//   masked, and errors name the parameters' types only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "retort/dialects/dbapi.hpp"
#include "retort/types/value.hpp"

namespace retort::mysql {

// Opens a connection. Parameters (all optional, text):
//   host, port, unix_socket, user, password, database,
//   read_default_file, read_default_group   an option file (~/.my.cnf) and its group, read by libmariadb
//   charset (default utf8mb4), connect_timeout (seconds),
//   ssl_mode (DISABLED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY), ssl_ca, ssl_cert, ssl_key,
//   init_command                             SQL run on connecting
// Unknown keys are an ArgumentError naming the key. Failing to connect is an OperationalError whose message
// never holds the password. It, the error functions and MySQLConnection are exported (RETORT_API) for Retort's
// own driver tests, which use them directly.
[[nodiscard]] RETORT_API std::unique_ptr<DBAPIConnection> connect(const ConnectParams& params);

// The DBAPIError subclass for a server or client error number, following SQLAlchemy's mysql dialect:
// duplicate keys, foreign keys, NOT NULL, CHECK -> IntegrityError; data too long, out of range, bad dates
// and strings -> DataError; deadlock (1213) and lock wait timeout (1205) -> SerializationFailure (retryable);
// lost connection (2006, 2013, ...) -> OperationalError with the connection invalidated; syntax, unknown
// table or column -> ProgrammingError.
[[noreturn]] RETORT_API void throw_mysql_error(unsigned error_number, std::string_view sqlstate,
                                               std::string_view message, std::string_view statement,
                                               std::span<const Value> params);
// A server message with the values it quotes masked: "Duplicate entry 'bob@x' for key 'email'" becomes
// "Duplicate entry '***' for key 'email'". Quoted names (after key, column, table, ...) are kept.
[[nodiscard]] RETORT_API std::string mask_server_message(std::string_view message);
// Whether the error number means the connection is gone.
[[nodiscard]] RETORT_API bool is_disconnect_error(unsigned error_number) noexcept;

// What connect() returns, with what the dialect and tests may ask of it beyond DBAPIConnection.
class RETORT_API MySQLConnection : public DBAPIConnection {
public:
    // The server's version as mysql_get_server_version gives it: 101106 for 10.11.6.
    [[nodiscard]] virtual unsigned long server_version() const noexcept = 0;
    // MariaDB rather than MySQL (MariaDB 10.5+ has INSERT ... RETURNING; MySQL 8 does not).
    [[nodiscard]] virtual bool is_mariadb() const noexcept = 0;
    // Statements prepared on the server by this connection so far, and those kept in its cache now.
    [[nodiscard]] virtual std::uint64_t prepare_count() const noexcept = 0;
    [[nodiscard]] virtual std::size_t cached_statement_count() const noexcept = 0;
    // Whether execute_many sends its parameter sets as arrays in one command (MariaDB's bulk protocol, when the
    // server offers it); off, each set is executed on its own. On by default where the server has it.
    [[nodiscard]] virtual bool bulk_enabled() const noexcept = 0;
    virtual void set_bulk_enabled(bool on) noexcept = 0;
};

}  // namespace retort::mysql
