// The SQLite driver: DBAPIConnection and DBAPICursor straight over libsqlite3 (no wrapper library).
//
// Decisions worth knowing:
// - Retort controls transactions itself: the connection is always in SQLite's autocommit mode until the
//   dialect sends BEGIN, so savepoints behave (unlike Python's sqlite3 module, whose implicit BEGINs are
//   what breaks them in SQLAlchemy).
// - Each connection keeps its prepared statements in a cache keyed by SQL text. A cached statement that a
//   still-open cursor is stepping is never handed out twice: a second execute of the same SQL prepares a
//   private statement, finalized when its cursor closes.
// - execute() performs the first sqlite3_step, so constraint errors throw from execute and DML runs even
//   when the cursor is never read. Later rows are stepped lazily by next().
// - Values are stored the way SQLAlchemy's SQLite dialect stores them: Date "YYYY-MM-DD", Time
//   "HH:MM:SS.ffffff", DateTime "YYYY-MM-DD HH:MM:SS.ffffff" (always six fraction digits, so text order
//   is time order and equal instants compare equal), Uuid as 32 lowercase hex digits (CHAR(32)), Numeric,
//   Json and Interval (ISO 8601) as text, bool as 0/1. A DateTime with a UTC offset is converted to UTC
//   and stored with a "+00:00" suffix, so comparisons in SQL follow the instant (as PostgreSQL does with
//   a UTC session); it reads back as the same instant with offset 0.
// - Errors map from SQLite's result codes to Retort's DBAPIError classes; the message carries the SQL
//   text and the parameters' type names, never their values.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "retort/dialects/dbapi.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace retort::detail {

class SQLiteCursor;

// Whether SQLite's memory statistics are off: Retort turns them off before its first SQLite connection, unless
// RETORT_SQLITE_MEMSTATUS=1 or the program initialized SQLite first (see sqlite_driver.cpp).
RETORT_API bool sqlite_memory_statistics_off();

// Connect parameters (all optional):
//   database           path of the database file; empty or ":memory:" opens a private in-memory database
//   uri                "true": database is a "file:" URI (SQLITE_OPEN_URI)
//   mode               "ro", "rw" or "rwc" (the default: read-write, created if missing)
//   timeout            seconds to wait on a locked database before SQLITE_BUSY (default 5)
//   cached_statements  size of the prepared-statement cache (default 256)
//   check_same_thread  accepted and ignored (a connection is used by one thread at a time)
// Any other key is an ArgumentError, so a typo in a URL does not pass silently.
// Exported (RETORT_API) for Retort's own driver tests, which use it directly.
class RETORT_API SQLiteConnection final : public DBAPIConnection {
public:
    explicit SQLiteConnection(const ConnectParams& params);
    ~SQLiteConnection() override;
    SQLiteConnection(const SQLiteConnection&) = delete;
    SQLiteConnection& operator=(const SQLiteConnection&) = delete;

    std::unique_ptr<DBAPICursor> execute(const std::string& sql, std::span<const Value> params,
                                         const DriverExecOptions& opts = {}) override;
    std::int64_t execute_many(const std::string& sql, std::span<const std::vector<Value>> param_sets) override;
    void exec_script(std::string_view sql) override;
    [[nodiscard]] bool last_insert_id(std::int64_t& out) override;
    [[nodiscard]] bool ping() override;
    [[nodiscard]] bool is_disconnected() const override;
    void close() noexcept override;
    [[nodiscard]] void* native_handle() noexcept override;
    void clear_statement_cache() override;

    [[nodiscard]] sqlite3* handle() const noexcept { return db_; }
    [[nodiscard]] bool is_open() const noexcept { return db_ != nullptr; }
    void set_busy_timeout(double seconds);

    // The dialect's AUTOCOMMIT isolation level: the engine then sends no BEGIN. Kept here so that
    // get_isolation_level can report it (SQLite itself has no such setting).
    void set_autocommit(bool on) noexcept { autocommit_ = on; }
    [[nodiscard]] bool autocommit() const noexcept { return autocommit_; }

    // For tests and diagnostics: statements held in the cache, and how many sqlite3_prepare calls this
    // connection has made in total.
    [[nodiscard]] std::size_t cached_statement_count() const noexcept { return cache_.size(); }
    [[nodiscard]] std::uint64_t prepare_count() const noexcept { return prepare_count_; }

private:
    friend class SQLiteCursor;

    struct CachedStatement {
        sqlite3_stmt* stmt = nullptr;
        bool in_use = false;  // a cursor or a running execute_many / exec_script holds it
        bool is_dml = false;  // INSERT / UPDATE / DELETE / REPLACE: rowcount comes from sqlite3_changes
    };
    struct StringHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    // A statement checked out for one execution: from the cache (entry set) or private (finalized after).
    struct Lease {
        sqlite3_stmt* stmt = nullptr;
        CachedStatement* entry = nullptr;
        bool is_dml = false;
        bool clear_on_release = false;  // SQLite holds copies of large bound values
    };
    class LeaseGuard;

    void ensure_open() const;
    Lease acquire(std::string_view sql, bool use_cache, std::span<const Value> params);
    sqlite3_stmt* prepare(std::string_view sql, bool persistent, std::span<const Value> params,
                          bool* is_dml);
    void release(Lease& lease) noexcept;
    // Binds every parameter; true when SQLite made copies of large texts or blobs (kLargeBinding bytes and up).
    bool bind_all(sqlite3_stmt* stmt, std::string_view sql, std::span<const Value> params, bool borrow = false);
    static constexpr std::size_t kLargeBinding = 1024;
    void make_room() noexcept;
    void register_functions();
    void link(SQLiteCursor* c) noexcept;
    void unlink(SQLiteCursor* c) noexcept;

    sqlite3* db_ = nullptr;
    std::unordered_map<std::string, CachedStatement, StringHash, std::equal_to<>> cache_;
    std::pair<const std::string, CachedStatement>* last_ = nullptr;  // the entry acquire() handed out last
    std::size_t cache_capacity_ = 256;
    std::uint64_t prepare_count_ = 0;
    SQLiteCursor* open_cursors_ = nullptr;  // intrusive list, so close() can detach cursors still alive
    bool autocommit_ = false;
};

// The rows of one execution. Text and byte views point into SQLite's buffers and stay valid until next().
class RETORT_API SQLiteCursor final : public DBAPICursor {
public:
    ~SQLiteCursor() override;
    // A cursor is made and dropped for every statement run: a few dropped ones are kept per thread for reuse.
    static void* operator new(std::size_t size);
    static void operator delete(void* p, std::size_t size) noexcept;
    SQLiteCursor(const SQLiteCursor&) = delete;
    SQLiteCursor& operator=(const SQLiteCursor&) = delete;

    bool next() override;
    [[nodiscard]] bool get_int_if_set(int i, std::int64_t& out) const override;
    [[nodiscard]] bool get_text_if_set(int i, std::string_view& out) const override;
    [[nodiscard]] int column_count() const override { return columns_; }
    [[nodiscard]] std::string_view column_name(int i) const override;
    [[nodiscard]] bool is_null(int i) const override;
    [[nodiscard]] std::int64_t get_int(int i) const override;
    [[nodiscard]] double get_double(int i) const override;
    [[nodiscard]] bool get_bool(int i) const override;
    [[nodiscard]] std::string_view get_text(int i) const override;
    [[nodiscard]] Bytes get_bytes(int i) const override;
    [[nodiscard]] Value get_value(int i) const override;
    // sqlite3_changes for INSERT / UPDATE / DELETE once the statement has finished (with RETURNING, once
    // its rows are read, as SQLite counts them only then); -1 for everything else.
    [[nodiscard]] std::int64_t rowcount() const override { return rowcount_; }
    void close() override;

    // The statement itself, for code that needs sqlite3_column_decltype and such; null once closed.
    [[nodiscard]] sqlite3_stmt* statement() const noexcept { return lease_.stmt; }

private:
    friend class SQLiteConnection;
    SQLiteCursor() = default;
    void finish() noexcept;  // rows exhausted: unlock the database, keep the statement for column names
    void release() noexcept;
    void detach() noexcept;  // the connection is closing under this cursor

    SQLiteConnection* conn_ = nullptr;
    SQLiteConnection::Lease lease_;
    SQLiteCursor* prev_ = nullptr;
    SQLiteCursor* next_ = nullptr;
    std::int64_t rowcount_ = -1;
    int columns_ = 0;
    bool row_pending_ = false;  // execute() stepped onto the first row; next() hands it out
    bool done_ = false;
};

}  // namespace retort::detail
