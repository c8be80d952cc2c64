#include "dialects/sqlite/sqlite_driver.hpp"

#include <sqlite3.h>

#include <array>
#include <charconv>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "detail/text.hpp"
#include "retort/error.hpp"
#include "dialects/sqlite/sqlite_values.hpp"

namespace retort::detail {

namespace {

std::int64_t last_changes(sqlite3* db) noexcept {
#if SQLITE_VERSION_NUMBER >= 3037000
    return sqlite3_changes64(db);
#else
    return sqlite3_changes(db);
#endif
}

std::vector<std::string> param_type_names(std::span<const Value> params) {
    std::vector<std::string> out;
    out.reserve(params.size());
    for (const auto& p : params) out.emplace_back(p.type_name());
    return out;
}

// Maps an extended result code to Retort's error classes. SQLITE_ERROR (a missing table, a syntax
// error, ...) is an OperationalError, as Python's sqlite3 module has it.
[[noreturn]] void throw_code(int code, std::string message, std::string_view sql, std::span<const Value> params) {
    std::string stmt(sql);
    auto types = param_type_names(params);
    switch (code & 0xff) {
        case SQLITE_CONSTRAINT:
            throw IntegrityError(std::move(message), {}, std::move(stmt), std::move(types));
        case SQLITE_MISMATCH:
        case SQLITE_TOOBIG:
        case SQLITE_RANGE:
            throw DataError(std::move(message), {}, std::move(stmt), std::move(types));
        case SQLITE_MISUSE:
            throw ProgrammingError(std::move(message), {}, std::move(stmt), std::move(types));
        case SQLITE_INTERNAL:
            throw InternalError(std::move(message), {}, std::move(stmt), std::move(types));
        case SQLITE_ERROR:
        case SQLITE_PERM:
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            throw DatabaseLocked(std::move(message), {}, std::move(stmt), std::move(types));
        case SQLITE_ABORT:
        case SQLITE_NOMEM:
        case SQLITE_READONLY:
        case SQLITE_INTERRUPT:
        case SQLITE_IOERR:
        case SQLITE_CORRUPT:
        case SQLITE_FULL:
        case SQLITE_CANTOPEN:
        case SQLITE_PROTOCOL:
        case SQLITE_EMPTY:
        case SQLITE_SCHEMA:
        case SQLITE_NOLFS:
        case SQLITE_AUTH:
        case SQLITE_NOTADB:
            throw OperationalError(std::move(message), {}, std::move(stmt), std::move(types));
        default:
            throw DatabaseError(std::move(message), {}, std::move(stmt), std::move(types));
    }
}

struct Failure {
    int code;
    std::string message;
};

// Reads the connection's error state; call before the statement is reset, which may overwrite it.
Failure read_failure(sqlite3* db, int rc) {
    const int code = sqlite3_extended_errcode(db);
    // A bind or open failure can leave the connection's code at SQLITE_OK while rc says what went wrong.
    if (code == SQLITE_OK || (code & 0xff) != (rc & 0xff)) return {rc, sqlite3_errstr(rc)};
    return {code, sqlite3_errmsg(db)};
}

[[noreturn]] void throw_db_error(sqlite3* db, int rc, std::string_view sql, std::span<const Value> params) {
    Failure f = read_failure(db, rc);
    throw_code(f.code, std::move(f.message), sql, params);
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Skips whitespace and SQL comments; with semicolons also skips those (the tail of a statement).
const char* skip_filler(const char* p, const char* end, bool semicolons) {
    while (p < end) {
        if (is_space(*p) || (semicolons && *p == ';')) {
            ++p;
        } else if (*p == '-' && p + 1 < end && p[1] == '-') {
            while (p < end && *p != '\n') ++p;
        } else if (*p == '/' && p + 1 < end && p[1] == '*') {
            p += 2;
            while (p + 1 < end && !(p[0] == '*' && p[1] == '/')) ++p;
            p = p + 1 < end ? p + 2 : end;
        } else {
            break;
        }
    }
    return p;
}

// Python's sqlite3 takes rowcount from sqlite3_changes only for these statements; the count is stale
// for anything else. A WITH prefix is DML exactly when the statement writes.
bool statement_is_dml(std::string_view sql, sqlite3_stmt* stmt) {
    const char* end = sql.data() + sql.size();
    const char* p = skip_filler(sql.data(), end, false);
    const char* w = p;
    while (p < end && ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')) ++p;
    std::string_view word(w, static_cast<std::size_t>(p - w));
    if (iequals(word, "insert") || iequals(word, "update") || iequals(word, "delete") || iequals(word, "replace"))
        return true;
    return iequals(word, "with") && sqlite3_stmt_readonly(stmt) == 0;
}

char* put_digits(char* p, std::uint64_t v, int width) {
    for (int i = width - 1; i >= 0; --i) {
        p[i] = static_cast<char>('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

char* put_date(char* p, int year, unsigned month, unsigned day) {
    if (year >= 0 && year <= 9999)
        p = put_digits(p, static_cast<unsigned>(year), 4);
    else
        p = std::to_chars(p, p + 12, year).ptr;
    *p++ = '-';
    p = put_digits(p, month, 2);
    *p++ = '-';
    return put_digits(p, day, 2);
}

char* put_time(char* p, unsigned hour, unsigned minute, unsigned second, unsigned microsecond) {
    p = put_digits(p, hour, 2);
    *p++ = ':';
    p = put_digits(p, minute, 2);
    *p++ = ':';
    p = put_digits(p, second, 2);
    *p++ = '.';
    return put_digits(p, microsecond, 6);
}

char* put_instant(char* p, std::chrono::sys_time<std::chrono::microseconds> tp) {
    using namespace std::chrono;
    const auto day_point = floor<days>(tp);
    const year_month_day ymd{day_point};
    const hh_mm_ss<microseconds> tod{tp - day_point};
    p = put_date(p, static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                 static_cast<unsigned>(ymd.day()));
    *p++ = ' ';
    return put_time(p, static_cast<unsigned>(tod.hours().count()), static_cast<unsigned>(tod.minutes().count()),
                    static_cast<unsigned>(tod.seconds().count()),
                    static_cast<unsigned>(tod.subseconds().count()));
}

char* put_datetime(char* p, const DateTime& dt) {
    if (!dt.utc_offset_minutes) {
        p = put_date(p, dt.date.year, dt.date.month, dt.date.day);
        *p++ = ' ';
        return put_time(p, dt.time.hour, dt.time.minute, dt.time.second, dt.time.microsecond);
    }
    using namespace std::chrono;
    const sys_days day_point{year{dt.date.year} / month{dt.date.month} / day{dt.date.day}};
    const auto tp = day_point + hours{dt.time.hour} + minutes{dt.time.minute} + seconds{dt.time.second} +
                    microseconds{dt.time.microsecond} - minutes{*dt.utc_offset_minutes};
    p = put_instant(p, tp);
    std::memcpy(p, "+00:00", 6);
    return p + 6;
}

int bind_text(sqlite3_stmt* s, int i, const char* text, std::size_t n, bool borrow = false) {
    return sqlite3_bind_text64(s, i, text, n, borrow ? SQLITE_STATIC : SQLITE_TRANSIENT, SQLITE_UTF8);
}

// Text and blobs are bound SQLITE_TRANSIENT (SQLite copies them): the cursor steps lazily, after the
// caller's values may be gone. A statement that returns no rows runs to completion while the values are
// still there, so it may borrow them (borrow: SQLITE_STATIC; its bindings are cleared right after).
// Everything else is formatted into a stack buffer, so binding a row of dates or UUIDs allocates nothing.
int bind_value(sqlite3_stmt* s, int i, const Value& v, bool borrow) {
    const auto& st = v.storage();
    char buf[64];
    switch (v.kind()) {
        case Value::Kind::Null:
            return sqlite3_bind_null(s, i);
        case Value::Kind::Bool:
            return sqlite3_bind_int(s, i, *std::get_if<bool>(&st) ? 1 : 0);
        case Value::Kind::Int:
            return sqlite3_bind_int64(s, i, *std::get_if<std::int64_t>(&st));
        case Value::Kind::Double:
            return sqlite3_bind_double(s, i, *std::get_if<double>(&st));
        case Value::Kind::Text: {
            const auto& t = *std::get_if<std::string>(&st);
            return bind_text(s, i, t.data(), t.size(), borrow);
        }
        case Value::Kind::Bytes: {
            const auto& b = *std::get_if<Bytes>(&st);
            // A null data pointer would bind NULL; an empty blob is a zero-length blob.
            if (b.empty()) return sqlite3_bind_zeroblob(s, i, 0);
            return sqlite3_bind_blob64(s, i, b.data(), b.size(), borrow ? SQLITE_STATIC : SQLITE_TRANSIENT);
        }
        case Value::Kind::Date: {
            const auto& d = *std::get_if<Date>(&st);
            char* e = put_date(buf, d.year, d.month, d.day);
            return bind_text(s, i, buf, static_cast<std::size_t>(e - buf));
        }
        case Value::Kind::Time: {
            const auto& t = *std::get_if<Time>(&st);
            char* e = put_time(buf, t.hour, t.minute, t.second, t.microsecond);
            return bind_text(s, i, buf, static_cast<std::size_t>(e - buf));
        }
        case Value::Kind::DateTime: {
            char* e = put_datetime(buf, *std::get_if<DateTime>(&st));
            return bind_text(s, i, buf, static_cast<std::size_t>(e - buf));
        }
        case Value::Kind::Interval: {
            const std::string iso = std::get_if<Interval>(&st)->iso();
            return bind_text(s, i, iso.data(), iso.size());
        }
        case Value::Kind::Uuid: {
            char* e = put_hex(buf, std::get_if<Uuid>(&st)->bytes.data(), 16);
            return bind_text(s, i, buf, static_cast<std::size_t>(e - buf));
        }
        case Value::Kind::Numeric: {
            const auto& t = std::get_if<Numeric>(&st)->text;
            return bind_text(s, i, t.data(), t.size());
        }
        case Value::Kind::Json: {
            const auto& t = std::get_if<Json>(&st)->text;
            return bind_text(s, i, t.data(), t.size());
        }
    }
    return SQLITE_MISUSE;
}

void fn_gen_random_uuid(sqlite3_context* ctx, int, sqlite3_value**) {
    std::uint8_t b[16];
    sqlite3_randomness(16, b);
    b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
    b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
    char out[32];
    put_hex(out, b, 16);
    sqlite3_result_text(ctx, out, 32, SQLITE_TRANSIENT);
}

void fn_now(sqlite3_context* ctx, int, sqlite3_value**) {
    using namespace std::chrono;
    char out[40];
    char* e = put_instant(out, floor<microseconds>(system_clock::now()));
    sqlite3_result_text(ctx, out, static_cast<int>(e - out), SQLITE_TRANSIENT);
}

bool parse_flag(std::string_view key, std::string_view v) {
    if (v.empty()) return false;
    if (auto on = flag_value(v)) return *on;
    throw ArgumentError("SQLite connect parameter '" + std::string(key) + "' must be true or false");
}

double parse_number(std::string_view key, std::string_view v) {
    double out = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc() || p != v.data() + v.size() || !std::isfinite(out) || out < 0)
        throw ArgumentError("SQLite connect parameter '" + std::string(key) + "' must be a non-negative number");
    return out;
}

}  // namespace

// ---------------------------------------------------------------- connection

class SQLiteConnection::LeaseGuard {
public:
    LeaseGuard(SQLiteConnection& c, Lease& l) noexcept : c_(c), l_(l) {}
    ~LeaseGuard() { c_.release(l_); }
    LeaseGuard(const LeaseGuard&) = delete;
    LeaseGuard& operator=(const LeaseGuard&) = delete;

private:
    SQLiteConnection& c_;
    Lease& l_;
};

namespace {
// SQLite keeps memory statistics (sqlite3_memory_used(), the soft heap limit) behind a process-wide mutex taken
// around every allocation it makes: about a tenth of the time of a primary-key lookup. SQLite's documentation
// recommends turning them off; Retort does so before SQLite initializes, unless RETORT_SQLITE_MEMSTATUS=1 asks to
// keep them. A program that used SQLite before its first Retort connection keeps SQLite's setting (sqlite3_config
// then refuses and nothing changes).
bool configure_sqlite() {
    const char* keep = std::getenv("RETORT_SQLITE_MEMSTATUS");
    if (keep && std::string_view(keep) == "1") return false;
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
}
}  // namespace

bool sqlite_memory_statistics_off() {
    static const bool off = configure_sqlite();
    return off;
}

SQLiteConnection::SQLiteConnection(const ConnectParams& params) {
    (void)sqlite_memory_statistics_off();
    check_connect_params(params);  // again here: a do_connect handler may have changed them
    std::string path;
    bool uri = false;
    int open_mode = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    double timeout = 5.0;
    for (const auto& [key, value] : params) {
        if (key == "database") {
            path = value;
        } else if (key == "uri") {
            uri = parse_flag(key, value);
        } else if (key == "mode") {
            if (value == "ro")
                open_mode = SQLITE_OPEN_READONLY;
            else if (value == "rw")
                open_mode = SQLITE_OPEN_READWRITE;
            else if (value == "rwc")
                open_mode = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
            else
                throw ArgumentError("SQLite connect parameter 'mode' must be ro, rw or rwc");
        } else if (key == "timeout") {
            timeout = parse_number(key, value);
        } else if (key == "cached_statements") {
            cache_capacity_ = static_cast<std::size_t>(parse_number(key, value));
        } else if (key != "check_same_thread") {
            throw ArgumentError("unknown SQLite connect parameter '" + key +
                                "' (known: database, uri, mode, timeout, cached_statements)");
        }
    }
    if (path.empty()) path = ":memory:";

    int flags = open_mode | SQLITE_OPEN_NOMUTEX | (uri ? SQLITE_OPEN_URI : 0);
#ifdef SQLITE_OPEN_EXRESCODE
    flags |= SQLITE_OPEN_EXRESCODE;
#endif
    const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close_v2(db_);
        db_ = nullptr;
        // A URI's query may carry options not meant for logs; name only the file.
        const std::string shown = uri ? path.substr(0, path.find('?')) : path;
        throw OperationalError(message + " (database '" + shown + "')");
    }
    try {
        sqlite3_extended_result_codes(db_, 1);
        set_busy_timeout(timeout);
        register_functions();
    } catch (...) {
        close();
        throw;
    }
}

SQLiteConnection::~SQLiteConnection() { close(); }

void SQLiteConnection::set_busy_timeout(double seconds) {
    ensure_open();
    const double ms = std::min(seconds * 1000.0, static_cast<double>(INT_MAX));
    sqlite3_busy_timeout(db_, static_cast<int>(ms));
}

void SQLiteConnection::register_functions() {
#ifdef SQLITE_INNOCUOUS
    // Innocuous, so they may appear in DEFAULT clauses even with trusted_schema off.
    constexpr int flags = SQLITE_UTF8 | SQLITE_INNOCUOUS;
#else
    constexpr int flags = SQLITE_UTF8;
#endif
    int rc = sqlite3_create_function_v2(db_, "gen_random_uuid", 0, flags, nullptr, fn_gen_random_uuid, nullptr,
                                        nullptr, nullptr);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function_v2(db_, "now", 0, flags, nullptr, fn_now, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) throw_db_error(db_, rc, {}, {});
}

void SQLiteConnection::ensure_open() const {
    if (!db_) throw ProgrammingError("cannot operate on a closed SQLite connection");
}

sqlite3_stmt* SQLiteConnection::prepare(std::string_view sql, bool persistent, std::span<const Value> params,
                                        bool* is_dml) {
    if (sql.size() > static_cast<std::size_t>(INT_MAX))
        throw DataError("SQL statement too long", {}, {}, param_type_names(params));
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                      persistent ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, &tail);
    ++prepare_count_;
    if (rc != SQLITE_OK) {
        sqlite3_finalize(stmt);
        throw_db_error(db_, rc, sql, params);
    }
    const char* end = sql.data() + sql.size();
    if (tail && skip_filler(tail, end, true) != end) {
        sqlite3_finalize(stmt);
        throw ProgrammingError("you can only execute one statement at a time", {}, std::string(sql),
                               param_type_names(params));
    }
    *is_dml = stmt && statement_is_dml(sql, stmt);
    return stmt;
}

SQLiteConnection::Lease SQLiteConnection::acquire(std::string_view sql, bool use_cache,
                                                  std::span<const Value> params) {
    ensure_open();
    bool is_dml = false;
    if (use_cache && cache_capacity_ > 0) {
        // The statement run last is the likeliest (a loop of lookups): compared before the text is hashed.
        if (last_ && last_->first.size() == sql.size() && !last_->second.in_use &&
            std::memcmp(last_->first.data(), sql.data(), sql.size()) == 0) {
            last_->second.in_use = true;
            return {last_->second.stmt, &last_->second, last_->second.is_dml};
        }
        auto it = cache_.find(sql);
        if (it != cache_.end() && !it->second.in_use) {
            it->second.in_use = true;
            last_ = &*it;
            return {it->second.stmt, &it->second, it->second.is_dml};
        }
        if (it == cache_.end()) {
            sqlite3_stmt* stmt = prepare(sql, true, params, &is_dml);
            if (!stmt) return {};
            if (cache_.size() >= cache_capacity_) make_room();
            if (cache_.size() < cache_capacity_) {
                try {
                    auto [pos, inserted] = cache_.emplace(std::string(sql), CachedStatement{stmt, true, is_dml});
                    last_ = &*pos;
                    return {stmt, &pos->second, is_dml};
                } catch (...) {
                    sqlite3_finalize(stmt);
                    throw;
                }
            }
            return {stmt, nullptr, is_dml};
        }
        // The cached statement is being stepped by an open cursor: use a private one.
    }
    sqlite3_stmt* stmt = prepare(sql, false, params, &is_dml);
    return {stmt, nullptr, is_dml};
}

void SQLiteConnection::release(Lease& lease) noexcept {
    if (!lease.stmt) return;
    if (lease.entry) {
        sqlite3_reset(lease.stmt);
        // Drops SQLite's copies of large bound texts and blobs instead of keeping them until the next use. Other
        // bindings stay: every use binds all of a statement's parameters again before it steps.
        if (lease.clear_on_release) sqlite3_clear_bindings(lease.stmt);
        lease.entry->in_use = false;
    } else {
        sqlite3_finalize(lease.stmt);
    }
    lease = {};
}

// Finalizes every idle statement. Simpler than LRU and good enough: a working set larger than the cache
// is the unusual case, and then the hot statements come back on their next use.
void SQLiteConnection::make_room() noexcept {
    for (auto it = cache_.begin(); it != cache_.end();) {
        if (!it->second.in_use) {
            sqlite3_finalize(it->second.stmt);
            if (last_ == &*it) last_ = nullptr;
            it = cache_.erase(it);
        } else {
            ++it;
        }
    }
}

namespace {
// INSERT, UPDATE and REPLACE statements store their values.
bool statement_writes(std::string_view sql) {
    const char* end = sql.data() + sql.size();
    const char* p = skip_filler(sql.data(), end, false);
    const char* w = p;
    while (p < end && ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')) ++p;
    std::string_view word(w, static_cast<std::size_t>(p - w));
    return iequals(word, "insert") || iequals(word, "update") || iequals(word, "replace");
}

// Values SQLite would store as something else are refused before they are bound: NaN (stored as NULL),
// -0.0 written by INSERT or UPDATE (a REAL column keeps it as 0), dates and times it could not give back.
void check_storable(const Value& v, std::string_view sql, std::span<const Value> params) {
    if (!may_be_unstorable(v.kind())) return;  // -0.0 below is a Double, one of those kinds
    std::string why;
    const char* sqlstate = nullptr;
    if (unstorable(v, sqlite_value_limits, why, sqlstate))
        throw DataError("SQLite cannot store this value: " + why, sqlstate, std::string(sql), param_type_names(params));
    if (const double* d = std::get_if<double>(&v.storage()); d && *d == 0.0 && std::signbit(*d) && statement_writes(sql))
        throw DataError("SQLite cannot store -0.0: a REAL column keeps it as 0 (write 0.0)", "22000", std::string(sql),
                        param_type_names(params));
}
}  // namespace

bool SQLiteConnection::bind_all(sqlite3_stmt* stmt, std::string_view sql, std::span<const Value> params, bool borrow) {
    const int expected = sqlite3_bind_parameter_count(stmt);
    if (static_cast<std::size_t>(expected) != params.size())
        throw ProgrammingError("incorrect number of bindings supplied: the statement uses " +
                                   std::to_string(expected) + ", and there are " + std::to_string(params.size()) +
                                   " supplied",
                               {}, std::string(sql), param_type_names(params));
    bool large = false;
    for (std::size_t i = 0; i < params.size(); ++i) {
        const Value& v = params[i];
        check_storable(v, sql, params);
        const int rc = bind_value(stmt, static_cast<int>(i) + 1, v, borrow);
        if (rc != SQLITE_OK) throw_db_error(db_, rc, sql, params);
        if (!borrow) {
            if (const auto* t = std::get_if<std::string>(&v.storage())) large = large || t->size() > kLargeBinding;
            else if (const auto* b = std::get_if<Bytes>(&v.storage())) large = large || b->size() > kLargeBinding;
        }
    }
    return large;
}

void SQLiteConnection::link(SQLiteCursor* c) noexcept {
    c->prev_ = nullptr;
    c->next_ = open_cursors_;
    if (open_cursors_) open_cursors_->prev_ = c;
    open_cursors_ = c;
}

void SQLiteConnection::unlink(SQLiteCursor* c) noexcept {
    if (c->prev_)
        c->prev_->next_ = c->next_;
    else if (open_cursors_ == c)
        open_cursors_ = c->next_;
    if (c->next_) c->next_->prev_ = c->prev_;
    c->prev_ = c->next_ = nullptr;
}

std::unique_ptr<DBAPICursor> SQLiteConnection::execute(const std::string& sql, std::span<const Value> params,
                                                       const DriverExecOptions& opts) {
    std::unique_ptr<SQLiteCursor> cur(new SQLiteCursor());  // (from the per-thread free list when warm)
    Lease lease = acquire(sql, opts.prepare, params);
    if (!lease.stmt) {  // only whitespace or comments: nothing to run
        cur->done_ = true;
        return cur;
    }
    // From here the cursor owns the statement and gives it back on every path, throwing ones included.
    cur->conn_ = this;
    cur->lease_ = lease;
    link(cur.get());
    cur->columns_ = sqlite3_column_count(lease.stmt);
    // A statement without rows runs to completion below, while params are alive; one with rows may borrow them
    // when the caller says they outlive the cursor.
    const bool borrow = cur->columns_ == 0 || opts.params_outlive_cursor;
    cur->lease_.clear_on_release = bind_all(lease.stmt, sql, params, borrow);
    const int rc = sqlite3_step(lease.stmt);
    if (cur->columns_ == 0) sqlite3_clear_bindings(lease.stmt);
    if (rc == SQLITE_ROW)
        cur->row_pending_ = true;
    else if (rc == SQLITE_DONE)
        cur->finish();
    else
        throw_db_error(db_, rc, sql, params);
    return cur;
}

std::int64_t SQLiteConnection::execute_many(const std::string& sql, std::span<const std::vector<Value>> param_sets) {
    if (param_sets.empty()) return 0;
    Lease lease = acquire(sql, true, param_sets.front());
    LeaseGuard guard(*this, lease);
    if (!lease.stmt) return 0;
    std::int64_t total = 0;
    for (const auto& params : param_sets) {
        // Each set runs to completion before the next is bound: the values may be borrowed.
        bind_all(lease.stmt, sql, params, true);
        int rc;
        while ((rc = sqlite3_step(lease.stmt)) == SQLITE_ROW) {
        }
        sqlite3_clear_bindings(lease.stmt);
        if (rc != SQLITE_DONE) throw_db_error(db_, rc, sql, params);
        if (lease.is_dml) total += last_changes(db_);
        sqlite3_reset(lease.stmt);
    }
    return total;
}

void SQLiteConnection::exec_script(std::string_view sql) {
    ensure_open();
    // BEGIN, COMMIT and SAVEPOINT come through here once per transaction: a script that is one
    // statement goes through the statement cache like any other.
    const char* p = sql.data();
    const char* const end = p + sql.size();
    bool first = true;
    while (p < end) {
        Lease lease;
        const char* tail = nullptr;
        if (first && cache_capacity_ > 0) {
            auto it = cache_.find(sql);
            if (it != cache_.end() && !it->second.in_use) {
                it->second.in_use = true;
                lease = {it->second.stmt, &it->second, it->second.is_dml};
                tail = end;
            }
        }
        if (!lease.stmt) {
            const auto remaining = static_cast<std::size_t>(end - p);
            if (remaining > static_cast<std::size_t>(INT_MAX)) throw DataError("SQL script too long");
            sqlite3_stmt* stmt = nullptr;
            const int rc = sqlite3_prepare_v2(db_, p, static_cast<int>(remaining), &stmt, &tail);
            ++prepare_count_;
            if (rc != SQLITE_OK) {
                sqlite3_finalize(stmt);
                throw_db_error(db_, rc, std::string_view(p, remaining), {});
            }
            if (!stmt) break;  // only whitespace or comments remain
            lease.stmt = stmt;
            if (first && skip_filler(tail, end, true) == end && cache_.find(sql) == cache_.end()) {
                if (cache_.size() >= cache_capacity_) make_room();
                if (cache_.size() < cache_capacity_) {
                    try {
                        const bool is_dml = statement_is_dml(sql, stmt);
                        auto [pos, inserted] = cache_.emplace(std::string(sql), CachedStatement{stmt, true, is_dml});
                        lease.entry = &pos->second;
                    } catch (...) {
                        sqlite3_finalize(stmt);
                        throw;
                    }
                }
            }
        }
        LeaseGuard guard(*this, lease);
        int rc;
        while ((rc = sqlite3_step(lease.stmt)) == SQLITE_ROW) {
        }
        if (rc != SQLITE_DONE) {
            const char* text = sqlite3_sql(lease.stmt);
            throw_db_error(db_, rc, text ? std::string_view(text) : sql, {});
        }
        p = tail;
        first = false;
    }
}

bool SQLiteConnection::ping() { return db_ != nullptr; }

bool SQLiteConnection::is_disconnected() const { return db_ == nullptr; }

void* SQLiteConnection::native_handle() noexcept { return db_; }

bool SQLiteConnection::last_insert_id(std::int64_t& out) {
    if (!db_) return false;
    out = sqlite3_last_insert_rowid(db_);
    return true;
}

void SQLiteConnection::clear_statement_cache() {
    // Statements that open cursors are stepping become theirs and are finalized when they close.
    for (SQLiteCursor* c = open_cursors_; c; c = c->next_) c->lease_.entry = nullptr;
    for (auto& [sql, entry] : cache_)
        if (!entry.in_use) sqlite3_finalize(entry.stmt);
    cache_.clear();
    last_ = nullptr;
}

void SQLiteConnection::close() noexcept {
    if (!db_) return;
    while (open_cursors_) open_cursors_->detach();
    for (auto& [sql, entry] : cache_) sqlite3_finalize(entry.stmt);
    cache_.clear();
    last_ = nullptr;
    // Rolls back an open transaction.
    sqlite3_close_v2(db_);
    db_ = nullptr;
}

// ---------------------------------------------------------------- cursor

namespace {
// Cursors dropped on this thread, kept for the next ones (not under AddressSanitizer, which then checks their
// lifetimes as it does every other allocation's).
struct CursorFreeList {
    std::array<void*, 4> blocks{};
    std::size_t count = 0;
    bool alive = true;  // false once the thread's exit destroyed it: cursors dropped after that are freed
    CursorFreeList() = default;
    CursorFreeList(const CursorFreeList&) = delete;
    CursorFreeList& operator=(const CursorFreeList&) = delete;
    ~CursorFreeList() {
        for (std::size_t i = 0; i < count; ++i) ::operator delete(blocks[i]);
        count = 0;
        alive = false;
    }
};
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kReuseCursors = false;
#else
constexpr bool kReuseCursors = true;
#endif
thread_local CursorFreeList cursor_free_list;
}  // namespace

void* SQLiteCursor::operator new(std::size_t size) {
    auto& fl = cursor_free_list;
    if (kReuseCursors && fl.alive && size == sizeof(SQLiteCursor) && fl.count > 0) return fl.blocks[--fl.count];
    return ::operator new(size);
}

void SQLiteCursor::operator delete(void* p, std::size_t size) noexcept {
    auto& fl = cursor_free_list;
    if (kReuseCursors && fl.alive && size == sizeof(SQLiteCursor) && fl.count < fl.blocks.size()) {
        fl.blocks[fl.count++] = p;
        return;
    }
    ::operator delete(p);
}

SQLiteCursor::~SQLiteCursor() { release(); }

void SQLiteCursor::finish() noexcept {
    done_ = true;
    row_pending_ = false;
    if (lease_.is_dml) rowcount_ = last_changes(conn_->db_);
    if (columns_ == 0) {
        release();
    } else {
        // Resetting ends the statement's read transaction now; the statement itself stays with the
        // cursor so column names remain readable until it is closed.
        sqlite3_reset(lease_.stmt);
    }
}

void SQLiteCursor::release() noexcept {
    done_ = true;
    row_pending_ = false;
    if (!conn_) return;
    conn_->release(lease_);
    conn_->unlink(this);
    conn_ = nullptr;
}

void SQLiteCursor::detach() noexcept {
    if (lease_.stmt && !lease_.entry) sqlite3_finalize(lease_.stmt);
    lease_ = {};
    conn_->unlink(this);
    conn_ = nullptr;
    done_ = true;
    row_pending_ = false;
}

void SQLiteCursor::close() { release(); }

bool SQLiteCursor::next() {
    if (row_pending_) {
        row_pending_ = false;
        return true;
    }
    if (done_) return false;
    const int rc = sqlite3_step(lease_.stmt);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) {
        finish();
        return false;
    }
    Failure f = read_failure(conn_->db_, rc);
    const char* text = sqlite3_sql(lease_.stmt);
    std::string sql = text ? text : "";
    release();
    throw_code(f.code, std::move(f.message), sql, {});
}

std::string_view SQLiteCursor::column_name(int i) const {
    const char* name = lease_.stmt ? sqlite3_column_name(lease_.stmt, i) : nullptr;
    return name ? std::string_view(name) : std::string_view();
}

bool SQLiteCursor::is_null(int i) const { return sqlite3_column_type(lease_.stmt, i) == SQLITE_NULL; }

std::int64_t SQLiteCursor::get_int(int i) const { return sqlite3_column_int64(lease_.stmt, i); }

double SQLiteCursor::get_double(int i) const { return sqlite3_column_double(lease_.stmt, i); }

bool SQLiteCursor::get_bool(int i) const {
    switch (sqlite3_column_type(lease_.stmt, i)) {
        case SQLITE_INTEGER:
            return sqlite3_column_int64(lease_.stmt, i) != 0;
        case SQLITE_FLOAT:
            return sqlite3_column_double(lease_.stmt, i) != 0.0;
        case SQLITE_NULL:
            return false;
        default: {
            const std::string_view t = get_text(i);
            if (t == "1" || iequals(t, "true")) return true;
            if (t == "0" || iequals(t, "false")) return false;
            throw TypeError("column '" + std::string(column_name(i)) + "' holds text that is not a boolean");
        }
    }
}

bool SQLiteCursor::get_int_if_set(int i, std::int64_t& out) const {
    // NULL reads as 0 and stays NULL (no conversion happens), so its type is asked only for a 0.
    out = sqlite3_column_int64(lease_.stmt, i);
    return out != 0 || sqlite3_column_type(lease_.stmt, i) != SQLITE_NULL;
}

bool SQLiteCursor::get_text_if_set(int i, std::string_view& out) const {
    const unsigned char* p = sqlite3_column_text(lease_.stmt, i);
    if (!p) {
        // NULL, or text SQLite could not make (out of memory), which reads as empty as in get_text().
        if (sqlite3_column_type(lease_.stmt, i) == SQLITE_NULL) return false;
        out = {};
        return true;
    }
    out = {reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(lease_.stmt, i))};
    return true;
}

std::string_view SQLiteCursor::get_text(int i) const {
    // sqlite3_column_text before sqlite3_column_bytes: the length is that of the converted text.
    const unsigned char* p = sqlite3_column_text(lease_.stmt, i);
    if (!p) return {};
    return {reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(lease_.stmt, i))};
}

Bytes SQLiteCursor::get_bytes(int i) const {
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(lease_.stmt, i));
    if (!p) return {};
    return Bytes(p, p + sqlite3_column_bytes(lease_.stmt, i));
}

Value SQLiteCursor::get_value(int i) const {
    switch (sqlite3_column_type(lease_.stmt, i)) {
        case SQLITE_INTEGER:
            return Value(static_cast<std::int64_t>(sqlite3_column_int64(lease_.stmt, i)));
        case SQLITE_FLOAT:
            return Value(sqlite3_column_double(lease_.stmt, i));
        case SQLITE_TEXT:
            return Value(std::string(get_text(i)));
        case SQLITE_BLOB:
            return Value(get_bytes(i));
        default:
            return Value();
    }
}

}  // namespace retort::detail
