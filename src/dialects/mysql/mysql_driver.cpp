#include "dialects/mysql/mysql_driver.hpp"

#include <mysql.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <exception>
#include <limits>
#include <list>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "detail/text.hpp"
#include "retort/error.hpp"
#include "types/value_check.hpp"

namespace retort::mysql {

namespace {

// Server and client error numbers (mysqld_error.h, errmsg.h) the driver treats specially.
constexpr unsigned er_unsupported_ps = 1295;
constexpr unsigned er_need_reprepare = 1615;
constexpr unsigned cr_new_stmt_metadata = 2057;

// Prepared statements kept per connection; the least recently used one is closed beyond this.
constexpr std::size_t statement_cache_capacity = 256;
// Bytes a text column's buffer starts with at most (a longer value grows it, once).
constexpr unsigned long initial_text_buffer = 1024;
// execute_many's bulk commands stay below this many bytes of values and this many rows each, well within the
// server's max_allowed_packet.
constexpr std::size_t bulk_max_bytes = 4u << 20;
constexpr std::size_t bulk_max_rows = 10000;

// Dates and timestamps MySQL and MariaDB store and give back as written: years 1 to 9999 (MYSQL_TIME has no
// negative years; years 1-999 work although the manuals promise only 1000 and up); NaN is refused.
constexpr detail::ValueLimits mysql_value_limits{1, 9999, 1, 9999, 23 * 60 + 59, false, false};

std::vector<std::string> type_names(std::span<const Value> params) {
    std::vector<std::string> out;
    out.reserve(params.size());
    for (const auto& v : params) out.emplace_back(v.type_name());
    return out;
}

struct ErrorInfo {
    unsigned number = 0;
    std::string sqlstate;
    std::string message;
};

ErrorInfo connection_error(MYSQL* m) {
    if (!m) return {2006, "HY000", "MySQL server has gone away"};
    const char* state = mysql_sqlstate(m);
    const char* msg = mysql_error(m);
    return {mysql_errno(m), state ? state : "", msg ? msg : ""};
}

ErrorInfo statement_error(MYSQL_STMT* s) {
    if (mysql_stmt_errno(s) == 0 && s->mysql && mysql_errno(s->mysql) != 0) {
        // An error packet read while fetching unbuffered rows is recorded on the connection, not the statement.
        const char* state = mysql_sqlstate(s->mysql);
        const char* msg = mysql_error(s->mysql);
        return {mysql_errno(s->mysql), state ? state : "", msg ? msg : ""};
    }
    const char* state = mysql_stmt_sqlstate(s);
    const char* msg = mysql_stmt_error(s);
    return {mysql_stmt_errno(s), state ? state : "", msg ? msg : ""};
}

// ---- masking values out of server messages

using retort::detail::iequals;

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// The word just before position `at` (skipping spaces).
std::string_view word_before(std::string_view s, std::size_t at) {
    std::size_t end = at;
    while (end > 0 && s[end - 1] == ' ') --end;
    std::size_t begin = end;
    while (begin > 0 && is_word_char(s[begin - 1])) --begin;
    return s.substr(begin, end - begin);
}

// A quoted span after one of these words names something (a key, a column, a table) rather than holding a
// value, and is kept.
bool names_an_object(std::string_view word) {
    static constexpr std::string_view words[] = {"key", "column", "table", "database", "field", "constraint", "index",
                                                 "user", "schema", "near", "savepoint", "function", "procedure",
                                                 "trigger", "view", "sequence", "variable", "engine", "partition"};
    for (auto w : words)
        if (iequals(word, w)) return true;
    return false;
}

// Clause names the server quotes ("Unknown column 'x' in 'field list'").
bool is_clause_name(std::string_view text) {
    static constexpr std::string_view clauses[] = {"field list", "where clause", "order clause", "group statement",
                                                   "having clause", "on clause", "from clause", "IN/ALL/ANY subquery",
                                                   "SET", "CHECK", "RETURNING"};
    for (auto c : clauses)
        if (iequals(text, c)) return true;
    return false;
}

}  // namespace

// The server quotes values in its messages ("Duplicate entry 'bob@example.com' for key 'email'", "Incorrect
// integer value: 'abc' for column ..."): every single- or double-quoted span becomes '***', except the ones
// that name an object (after "key", "column", "table", ...), and a user's host after 'user'@. Backquoted
// identifiers are kept.
std::string mask_server_message(std::string_view msg) {
    std::string out;
    out.reserve(msg.size());
    std::size_t i = 0;
    bool keep_next = false;  // the span after 'user'@
    while (i < msg.size()) {
        const char q = msg[i];
        // A quote after a letter or digit is an apostrophe ("doesn't"), not the start of a quoted span.
        if ((q != '\'' && q != '"') || (i > 0 && is_word_char(msg[i - 1]))) {
            out += q;
            ++i;
            continue;
        }
        // The span ends at a quote not followed by a letter or digit, so a value with a quote inside
        // ('O'Brien') is masked whole.
        std::size_t close = i + 1;
        while ((close = msg.find(q, close)) != std::string_view::npos && close + 1 < msg.size() &&
               is_word_char(msg[close + 1]))
            ++close;
        const bool closed = close != std::string_view::npos;
        const std::string_view inner = msg.substr(i + 1, closed ? close - i - 1 : std::string_view::npos);
        const std::string_view before = word_before(msg, i);
        const bool keep = keep_next || names_an_object(before) ||
                          (iequals(before, "in") && is_clause_name(inner));
        out += q;
        out += keep ? std::string(inner) : std::string("***");
        if (closed) out += q;
        i = closed ? close + 1 : msg.size();
        keep_next = keep && i < msg.size() && msg[i] == '@';
    }
    return out;
}

namespace {

enum class ErrorClass : std::uint8_t { Database, Operational, Serialization, Integrity, Programming, Data, NotSupported };

ErrorClass classify(unsigned e, std::string_view sqlstate) {
    if (is_disconnect_error(e)) return ErrorClass::Operational;
    switch (e) {
        case 1062: case 1451: case 1452: case 1048: case 1216: case 1217: case 1364: case 4025: case 1169: case 1557:
        case 3819:  // MySQL 8's CHECK constraint violated
            return ErrorClass::Integrity;
        case 1406: case 1264: case 1292: case 1366: case 1265: case 1365: case 1367: case 1411: case 1690:
            return ErrorClass::Data;
        case 1213: case 1205:
            return ErrorClass::Serialization;
        case 1064: case 1146: case 1054: case 1049: case 1050: case 1051: case 1091: case 1060: case 1061: case 1068:
        case 1072: case 1142: case 1044: case 1045:
            return ErrorClass::Programming;
        default: break;
    }
    // Client library errors (2000-2999, 5000-5999): the connection or the library, not the SQL.
    if ((e >= 2000 && e < 3000) || (e >= 5000 && e < 6000)) return ErrorClass::Operational;
    if (sqlstate.size() == 5) {
        const std::string_view cls = sqlstate.substr(0, 2);
        if (cls == "22") return ErrorClass::Data;
        if (cls == "23") return ErrorClass::Integrity;
        if (cls == "42") return ErrorClass::Programming;
        if (cls == "08") return ErrorClass::Operational;
        if (cls == "40") return ErrorClass::Serialization;
        if (cls == "0A") return ErrorClass::NotSupported;
    }
    return ErrorClass::Database;
}

[[noreturn]] void raise(unsigned number, std::string sqlstate, std::string_view message, std::string statement,
                        std::vector<std::string> param_types) {
    std::string text = "(" + std::to_string(number) + ") " + mask_server_message(message);
    const bool gone = is_disconnect_error(number);
    switch (classify(number, sqlstate)) {
        case ErrorClass::Operational:
            throw OperationalError(std::move(text), std::move(sqlstate), std::move(statement), std::move(param_types), gone);
        case ErrorClass::Serialization:
            throw SerializationFailure(std::move(text), std::move(sqlstate), std::move(statement), std::move(param_types), gone);
        case ErrorClass::Integrity:
            throw IntegrityError(std::move(text), std::move(sqlstate), std::move(statement), std::move(param_types), gone);
        case ErrorClass::Programming:
            throw ProgrammingError(std::move(text), std::move(sqlstate), std::move(statement), std::move(param_types), gone);
        case ErrorClass::Data:
            throw DataError(std::move(text), std::move(sqlstate), std::move(statement), std::move(param_types), gone);
        case ErrorClass::NotSupported:
            throw NotSupportedError(std::move(text), std::move(sqlstate), std::move(statement), std::move(param_types), gone);
        case ErrorClass::Database: break;
    }
    throw DatabaseError(std::move(text), std::move(sqlstate), std::move(statement), std::move(param_types), gone);
}

}  // namespace

bool is_disconnect_error(unsigned e) noexcept {
    switch (e) {
        case 1053:  // ER_SERVER_SHUTDOWN
        case 1077:  // ER_NORMAL_SHUTDOWN
        case 1152:  // ER_ABORTING_CONNECTION
        case 1927:  // ER_CONNECTION_KILLED
        case 4031:  // ER_CLIENT_INTERACTION_TIMEOUT
        case 2002:  // CR_CONNECTION_ERROR
        case 2003:  // CR_CONN_HOST_ERROR
        case 2006:  // CR_SERVER_GONE_ERROR
        case 2013:  // CR_SERVER_LOST
        case 2014:  // CR_COMMANDS_OUT_OF_SYNC: the protocol state is lost
        case 2045:  // CR_SHARED_MEMORY_CONNECT_ERROR (and friends)
        case 2055:  // CR_SERVER_LOST_EXTENDED
        case 5014:  // CR_ERR_NET_WRITE
        case 5013:  // CR_ERR_NET_READ
            return true;
        default: return false;
    }
}

void throw_mysql_error(unsigned error_number, std::string_view sqlstate, std::string_view message,
                       std::string_view statement, std::span<const Value> params) {
    raise(error_number, std::string(sqlstate), message, std::string(statement), type_names(params));
}

namespace {

// ------------------------------------------------------------------------------------------------ values

char* put_digits(char* p, std::uint64_t v, int width) {
    for (int i = width - 1; i >= 0; --i) {
        p[i] = static_cast<char>('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

// MySQL's text form of a temporal value, with `decimals` fraction digits as its text protocol writes them
// (DATETIME(6): always six).
std::string temporal_text(const MYSQL_TIME& t, enum_field_types type, unsigned decimals) {
    char buf[64];
    char* p = buf;
    if (type != MYSQL_TYPE_TIME) {
        p = put_digits(p, t.year, 4);
        *p++ = '-';
        p = put_digits(p, t.month, 2);
        *p++ = '-';
        p = put_digits(p, t.day, 2);
        if (type == MYSQL_TYPE_DATE || type == MYSQL_TYPE_NEWDATE) return std::string(buf, p);
        *p++ = ' ';
        p = put_digits(p, t.hour, 2);
    } else {
        if (t.neg) *p++ = '-';
        const std::uint64_t hours = std::uint64_t{t.day} * 24 + t.hour;
        p = hours < 100 ? put_digits(p, hours, 2) : std::to_chars(p, p + 12, hours).ptr;
    }
    *p++ = ':';
    p = put_digits(p, t.minute, 2);
    *p++ = ':';
    p = put_digits(p, t.second, 2);
    if (decimals > 6) decimals = t.second_part ? 6 : 0;  // not fixed (an expression): only when there is one
    if (decimals > 0) {
        char frac[6];
        put_digits(frac, t.second_part % 1000000, 6);
        *p++ = '.';
        std::memcpy(p, frac, decimals);
        p += decimals;
    }
    return std::string(buf, p);
}

// Reads MySQL's text forms "YYYY-MM-DD", "YYYY-MM-DD HH:MM:SS[.f]", "[-]H+:MM:SS[.f]" (text protocol results).
bool parse_number(std::string_view& s, unsigned& out, std::size_t max_digits) {
    std::size_t n = 0;
    out = 0;
    while (n < s.size() && n < max_digits && s[n] >= '0' && s[n] <= '9') out = out * 10 + static_cast<unsigned>(s[n++] - '0');
    s.remove_prefix(n);
    return n > 0;
}

bool expect(std::string_view& s, char c) {
    if (s.empty() || s[0] != c) return false;
    s.remove_prefix(1);
    return true;
}

bool parse_fraction(std::string_view& s, unsigned long& out) {
    out = 0;
    if (s.empty() || s[0] != '.') return true;
    s.remove_prefix(1);
    unsigned long scale = 100000;
    while (!s.empty() && s[0] >= '0' && s[0] <= '9') {
        out += static_cast<unsigned long>(s[0] - '0') * scale;
        scale /= 10;
        s.remove_prefix(1);
    }
    return true;
}

bool parse_temporal_text(std::string_view s, enum_field_types type, MYSQL_TIME& t) {
    t = MYSQL_TIME{};
    if (type == MYSQL_TYPE_TIME) {
        t.time_type = MYSQL_TIMESTAMP_TIME;
        if (!s.empty() && s[0] == '-') {
            t.neg = 1;
            s.remove_prefix(1);
        }
        unsigned hours = 0;
        if (!parse_number(s, hours, 7) || !expect(s, ':') || !parse_number(s, t.minute, 2) || !expect(s, ':') ||
            !parse_number(s, t.second, 2) || !parse_fraction(s, t.second_part))
            return false;
        t.day = hours / 24;
        t.hour = hours % 24;
        return s.empty();
    }
    if (!parse_number(s, t.year, 4) || !expect(s, '-') || !parse_number(s, t.month, 2) || !expect(s, '-') ||
        !parse_number(s, t.day, 2))
        return false;
    t.time_type = MYSQL_TIMESTAMP_DATE;
    if (s.empty()) return true;
    t.time_type = MYSQL_TIMESTAMP_DATETIME;
    if (!expect(s, ' ') || !parse_number(s, t.hour, 2) || !expect(s, ':') || !parse_number(s, t.minute, 2) ||
        !expect(s, ':') || !parse_number(s, t.second, 2) || !parse_fraction(s, t.second_part))
        return false;
    return s.empty();
}

std::string shortest(double d) {
    char buf[32];
    return std::string(buf, std::to_chars(buf, buf + sizeof buf, d).ptr);
}

// A FLOAT as the double its shortest text means (1.1, not 1.100000023841858), as the text protocol gives it.
double float_to_double(float f) {
    if (!std::isfinite(f)) return static_cast<double>(f);
    char buf[32];
    auto end = std::to_chars(buf, buf + sizeof buf, f).ptr;
    double d = 0;
    std::from_chars(buf, end, d);
    return d;
}

void check_storable(const Value& v, std::string_view sql, std::span<const Value> params) {
    std::string why;
    const char* sqlstate = nullptr;
    if (detail::unstorable(v, mysql_value_limits, why, sqlstate))
        throw DataError("MySQL cannot store this value: " + why, sqlstate, std::string(sql), type_names(params));
    if (const double* d = std::get_if<double>(&v.storage()); d && std::isinf(*d))
        throw DataError("MySQL cannot store this value: an infinite double (MySQL has no infinity)", "22003",
                        std::string(sql), type_names(params));
}

void set_date(MYSQL_TIME& t, int year, unsigned month, unsigned day) {
    t.year = static_cast<unsigned>(year);
    t.month = month;
    t.day = day;
}

// A DateTime as MYSQL_TIME; one with a UTC offset as its UTC wall-clock time.
void set_datetime(MYSQL_TIME& t, const DateTime& dt) {
    t = MYSQL_TIME{};
    t.time_type = MYSQL_TIMESTAMP_DATETIME;
    if (!dt.utc_offset_minutes) {
        set_date(t, dt.date.year, dt.date.month, dt.date.day);
        t.hour = dt.time.hour;
        t.minute = dt.time.minute;
        t.second = dt.time.second;
        t.second_part = dt.time.microsecond;
        return;
    }
    using namespace std::chrono;
    const sys_days day_point{year{dt.date.year} / month{dt.date.month} / day{dt.date.day}};
    const auto tp = day_point + hours{dt.time.hour} + minutes{dt.time.minute} + seconds{dt.time.second} +
                    microseconds{dt.time.microsecond} - minutes{*dt.utc_offset_minutes};
    const auto utc_day = floor<days>(tp);
    const year_month_day ymd{utc_day};
    const hh_mm_ss<microseconds> tod{tp - utc_day};
    set_date(t, static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
    t.hour = static_cast<unsigned>(tod.hours().count());
    t.minute = static_cast<unsigned>(tod.minutes().count());
    t.second = static_cast<unsigned>(tod.seconds().count());
    t.second_part = static_cast<unsigned long>(tod.subseconds().count());
}

// Storage for one bound parameter (MYSQL_BIND points into it until the execution is sent).
struct ParamSlot {
    union {
        std::int64_t i;
        double d;
        signed char b;
    } num{};
    MYSQL_TIME t{};
    unsigned long length = 0;
    char small[32]{};
    std::string text;
};

char empty_buffer[1] = {0};

// Fills bind and slot for v. Text, bytes and numeric text are bound where they are, not copied: the library
// copies them into the command when the statement is executed.
void bind_value(MYSQL_BIND& b, ParamSlot& s, const Value& v) {
    b = MYSQL_BIND{};
    const auto& st = v.storage();
    switch (v.kind()) {
        case Value::Kind::Null:
            b.buffer_type = MYSQL_TYPE_NULL;
            break;
        case Value::Kind::Bool:
            s.num.b = *std::get_if<bool>(&st) ? 1 : 0;
            b.buffer_type = MYSQL_TYPE_TINY;
            b.buffer = &s.num.b;
            break;
        case Value::Kind::Int:
            s.num.i = *std::get_if<std::int64_t>(&st);
            b.buffer_type = MYSQL_TYPE_LONGLONG;
            b.buffer = &s.num.i;
            break;
        case Value::Kind::Double:
            s.num.d = *std::get_if<double>(&st);
            b.buffer_type = MYSQL_TYPE_DOUBLE;
            b.buffer = &s.num.d;
            break;
        case Value::Kind::Text: {
            const auto& t = *std::get_if<std::string>(&st);
            s.length = static_cast<unsigned long>(t.size());
            b.buffer_type = MYSQL_TYPE_STRING;
            b.buffer = t.empty() ? empty_buffer : const_cast<char*>(t.data());
            b.buffer_length = s.length;
            b.length = &s.length;
            break;
        }
        case Value::Kind::Bytes: {
            const auto& by = *std::get_if<Bytes>(&st);
            s.length = static_cast<unsigned long>(by.size());
            b.buffer_type = MYSQL_TYPE_BLOB;
            b.buffer = by.empty() ? static_cast<void*>(empty_buffer) : const_cast<std::uint8_t*>(by.data());
            b.buffer_length = s.length;
            b.length = &s.length;
            break;
        }
        case Value::Kind::Date: {
            const Date& d = *std::get_if<Date>(&st);
            s.t = MYSQL_TIME{};
            s.t.time_type = MYSQL_TIMESTAMP_DATE;
            set_date(s.t, d.year, d.month, d.day);
            b.buffer_type = MYSQL_TYPE_DATE;
            b.buffer = &s.t;
            break;
        }
        case Value::Kind::Time: {
            const Time& t = *std::get_if<Time>(&st);
            s.t = MYSQL_TIME{};
            s.t.time_type = MYSQL_TIMESTAMP_TIME;
            s.t.hour = t.hour;
            s.t.minute = t.minute;
            s.t.second = t.second;
            s.t.second_part = t.microsecond;
            b.buffer_type = MYSQL_TYPE_TIME;
            b.buffer = &s.t;
            break;
        }
        case Value::Kind::DateTime:
            set_datetime(s.t, *std::get_if<DateTime>(&st));
            b.buffer_type = MYSQL_TYPE_DATETIME;
            b.buffer = &s.t;
            break;
        case Value::Kind::Interval:
            s.text = std::get_if<Interval>(&st)->iso();
            s.length = static_cast<unsigned long>(s.text.size());
            b.buffer_type = MYSQL_TYPE_STRING;
            b.buffer = s.text.data();
            b.buffer_length = s.length;
            b.length = &s.length;
            break;
        case Value::Kind::Uuid:
            retort::detail::put_hex(s.small, std::get_if<Uuid>(&st)->bytes.data(), 16);
            s.length = 32;
            b.buffer_type = MYSQL_TYPE_STRING;
            b.buffer = s.small;
            b.buffer_length = 32;
            b.length = &s.length;
            break;
        case Value::Kind::Numeric: {
            // Typed as DECIMAL, so the server compares it with a DECIMAL column exactly (as a string it would
            // compare as a double).
            const auto& t = std::get_if<Numeric>(&st)->text;
            s.length = static_cast<unsigned long>(t.size());
            b.buffer_type = MYSQL_TYPE_NEWDECIMAL;
            b.buffer = const_cast<char*>(t.data());
            b.buffer_length = s.length;
            b.length = &s.length;
            break;
        }
        case Value::Kind::Json: {
            const auto& t = std::get_if<Json>(&st)->text;
            s.length = static_cast<unsigned long>(t.size());
            b.buffer_type = MYSQL_TYPE_STRING;
            b.buffer = t.empty() ? empty_buffer : const_cast<char*>(t.data());
            b.buffer_length = s.length;
            b.length = &s.length;
            break;
        }
    }
}

// ---- statement text

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// The statement's first keyword, after whitespace, comments and opening parentheses.
std::string_view first_keyword(std::string_view sql) {
    std::size_t i = 0;
    while (i < sql.size()) {
        if (is_space(sql[i]) || sql[i] == '(') {
            ++i;
        } else if (sql.compare(i, 2, "--") == 0 || sql[i] == '#') {
            while (i < sql.size() && sql[i] != '\n') ++i;
        } else if (sql.compare(i, 2, "/*") == 0) {
            auto end = sql.find("*/", i + 2);
            i = end == std::string_view::npos ? sql.size() : end + 2;
        } else {
            break;
        }
    }
    std::size_t j = i;
    while (j < sql.size() && std::isalpha(static_cast<unsigned char>(sql[j]))) ++j;
    return sql.substr(i, j - i);
}

// Only whitespace, comments and semicolons: nothing to run (the server would say "Query was empty").
bool is_blank(std::string_view sql) {
    std::size_t i = 0;
    while (i < sql.size()) {
        if (is_space(sql[i]) || sql[i] == ';') {
            ++i;
        } else if (sql.compare(i, 2, "--") == 0 || sql[i] == '#') {
            while (i < sql.size() && sql[i] != '\n') ++i;
        } else if (sql.compare(i, 2, "/*") == 0) {
            auto end = sql.find("*/", i + 2);
            if (end == std::string_view::npos) return false;
            i = end + 2;
        } else {
            return false;
        }
    }
    return true;
}

bool is_dml(std::string_view sql) {
    const auto w = first_keyword(sql);
    return iequals(w, "insert") || iequals(w, "update") || iequals(w, "delete") || iequals(w, "replace");
}

// ------------------------------------------------------------------------------------------------ cursor

enum class ColKind : std::uint8_t { Int, UInt, Bit, Float, Double, Decimal, Date, DateTime, Time, Text, Json, Binary };

ColKind kind_of(const MYSQL_FIELD& f) {
    switch (f.type) {
        case MYSQL_TYPE_TINY:
        case MYSQL_TYPE_SHORT:
        case MYSQL_TYPE_INT24:
        case MYSQL_TYPE_LONG:
        case MYSQL_TYPE_YEAR:
            return ColKind::Int;
        case MYSQL_TYPE_LONGLONG:
            return (f.flags & UNSIGNED_FLAG) ? ColKind::UInt : ColKind::Int;
        case MYSQL_TYPE_BIT: return ColKind::Bit;
        case MYSQL_TYPE_FLOAT: return ColKind::Float;
        case MYSQL_TYPE_DOUBLE: return ColKind::Double;
        case MYSQL_TYPE_DECIMAL:
        case MYSQL_TYPE_NEWDECIMAL:
            return ColKind::Decimal;
        case MYSQL_TYPE_DATE:
        case MYSQL_TYPE_NEWDATE:
            return ColKind::Date;
        case MYSQL_TYPE_DATETIME:
        case MYSQL_TYPE_TIMESTAMP:
            return ColKind::DateTime;
        case MYSQL_TYPE_TIME: return ColKind::Time;
        case MYSQL_TYPE_JSON: return ColKind::Json;  // MySQL 8 (sent with the binary character set)
        default: break;
    }
    if (f.charsetnr == 63) return ColKind::Binary;
    // MariaDB marks its JSON columns (LONGTEXT underneath) in the extended metadata.
    MARIADB_CONST_STRING attr{};
    if (mariadb_field_attr(&attr, &f, MARIADB_FIELD_ATTR_FORMAT_NAME) == 0 && attr.str &&
        iequals(std::string_view(attr.str, attr.length), "json"))
        return ColKind::Json;
    return ColKind::Text;
}

struct Column {
    ColKind kind = ColKind::Text;
    enum_field_types type = MYSQL_TYPE_NULL;
    unsigned decimals = 0;
    bool is_unsigned = false;
    std::size_t initial_size = initial_text_buffer;  // of buf: the column's declared length, within limits
    my_bool null = 0;
    my_bool error = 0;
    unsigned long length = 0;
    union {
        std::int64_t i;
        double d;
        float f;
    } num{};
    MYSQL_TIME t{};
    std::vector<char> buf;      // the bound buffer of a text or binary column
    const char* ptr = nullptr;  // the current value's bytes (text, binary, decimal)
};

class MyConnection;

class MyCursor final : public DBAPICursor {
public:
    ~MyCursor() override { release(); }
    MyCursor(const MyCursor&) = delete;
    MyCursor& operator=(const MyCursor&) = delete;

    bool next() override;
    [[nodiscard]] int column_count() const override { return static_cast<int>(cols_.size()); }
    [[nodiscard]] std::string_view column_name(int i) const override;
    [[nodiscard]] bool is_null(int i) const override { return col(i).null != 0; }
    [[nodiscard]] std::int64_t get_int(int i) const override;
    [[nodiscard]] double get_double(int i) const override;
    [[nodiscard]] bool get_bool(int i) const override;
    [[nodiscard]] std::string_view get_text(int i) const override;
    [[nodiscard]] Bytes get_bytes(int i) const override;
    [[nodiscard]] Value get_value(int i) const override;
    [[nodiscard]] std::int64_t rowcount() const override;
    [[nodiscard]] std::int64_t rows_remaining() const override;
    void close() override { release(); }

private:
    friend class MyConnection;
    MyCursor() = default;

    enum class Source : std::uint8_t { None, Statement, Text, Backlog };

    const Column& col(int i) const {
        if (i < 0 || static_cast<std::size_t>(i) >= cols_.size())
            throw ArgumentError("column index " + std::to_string(i) + " out of range");
        return cols_[static_cast<std::size_t>(i)];
    }
    void set_columns(const MYSQL_FIELD* fields, unsigned n, bool binary);
    void bind_results();
    // Reads the next row into cols_ from the statement or the text result; false at the end.
    bool fetch_row();
    void load_text_row(MYSQL_ROW row, const unsigned long* lengths);
    void after_binary_fetch();
    void encode_row(std::string& out) const;
    void decode_row(const std::string& in, std::size_t& pos);
    // The connection needs the wire, or is closing: the rows not read yet move into the cursor.
    void absorb_rest() noexcept;
    void finish() noexcept;
    void release() noexcept;
    [[noreturn]] void throw_fetch_error(const ErrorInfo& e);
    [[noreturn]] void cold_type_error(int i, const char* target) const;
    std::int64_t checked_uint(int i, std::uint64_t v) const;

    MyConnection* conn_ = nullptr;  // while the cursor holds a statement or result of the connection
    MyCursor* prev_ = nullptr;
    MyCursor* next_ = nullptr;
    MYSQL_STMT* stmt_ = nullptr;
    void* entry_ = nullptr;  // the connection's cache entry for stmt_, or null when the statement is the cursor's own
    MYSQL_RES* res_ = nullptr;
    Source source_ = Source::None;
    bool streaming_ = false;
    bool done_ = false;
    bool fetch_failed_ = false;  // the statement is left mid-result: closed at release, never reused
    bool dml_ = false;
    bool abandoned_ = false;
    std::int64_t rowcount_ = -1;
    std::int64_t total_rows_ = -1;  // rows of a stored result, when known
    std::int64_t rows_read_ = 0;
    std::vector<Column> cols_;
    std::vector<MYSQL_BIND> binds_;
    std::string names_;
    std::vector<std::size_t> name_ends_;
    std::string backlog_;
    std::size_t backlog_pos_ = 0;
    std::int64_t backlog_rows_ = 0;
    std::int64_t backlog_read_ = 0;
    std::vector<std::vector<char>> held_;  // buffers of the row being read when the rest moved into the backlog
    std::exception_ptr pending_error_;  // met while absorbing; thrown when the backlog runs out
    std::string statement_;
    std::vector<std::string> param_types_;
    mutable std::vector<std::string> scratch_;  // text of non-text columns, for get_text
};

// ------------------------------------------------------------------------------------------------ connection

struct CachedStatement {
    std::string sql;
    MYSQL_STMT* stmt = nullptr;
    bool in_use = false;
};

class MyConnection final : public MySQLConnection {
public:
    explicit MyConnection(const ConnectParams& params);
    ~MyConnection() override { close(); }
    MyConnection(const MyConnection&) = delete;
    MyConnection& operator=(const MyConnection&) = delete;

    std::unique_ptr<DBAPICursor> execute(const std::string& sql, std::span<const Value> params,
                                         const DriverExecOptions& opts) override;
    std::int64_t execute_many(const std::string& sql, std::span<const std::vector<Value>> param_sets) override;
    void exec_script(std::string_view sql) override;
    [[nodiscard]] bool last_insert_id(std::int64_t& out) override {
        if (last_insert_id_ == 0) return false;
        out = static_cast<std::int64_t>(last_insert_id_);
        return true;
    }
    [[nodiscard]] bool ping() override;
    [[nodiscard]] bool is_disconnected() const override { return !conn_ || broken_; }
    void close() noexcept override;
    [[nodiscard]] void* native_handle() noexcept override {
        release_stream();
        return conn_;
    }
    void clear_statement_cache() override;

    [[nodiscard]] unsigned long server_version() const noexcept override { return server_version_; }
    [[nodiscard]] bool is_mariadb() const noexcept override { return mariadb_; }
    [[nodiscard]] std::uint64_t prepare_count() const noexcept override { return prepare_count_; }
    [[nodiscard]] std::size_t cached_statement_count() const noexcept override { return lru_.size(); }
    [[nodiscard]] bool bulk_enabled() const noexcept override { return bulk_supported_ && bulk_enabled_; }
    void set_bulk_enabled(bool on) noexcept override { bulk_enabled_ = on; }

private:
    friend class MyCursor;
    using Lru = std::list<CachedStatement>;

    struct Lease {
        MYSQL_STMT* stmt = nullptr;
        CachedStatement* entry = nullptr;
    };
    class LeaseGuard {
    public:
        LeaseGuard(MyConnection& c, Lease& l) noexcept : c_(c), l_(l) {}
        ~LeaseGuard() { c_.give_back(l_); }
        LeaseGuard(const LeaseGuard&) = delete;
        LeaseGuard& operator=(const LeaseGuard&) = delete;

    private:
        MyConnection& c_;
        Lease& l_;
    };

    void require_open() const {
        if (!conn_) throw InterfaceError("the MySQL connection is closed");
    }
    void release_stream() noexcept {
        if (stream_) stream_->absorb_rest();
    }
    // A prepared statement for sql: cached and idle, else newly prepared (kept when use_cache). A statement
    // MariaDB cannot prepare gives a null statement when there are no parameters (run as text instead).
    Lease acquire(const std::string& sql, bool use_cache, std::span<const Value> params);
    MYSQL_STMT* prepare(const std::string& sql, std::span<const Value> params, bool& unsupported);
    void give_back(Lease& lease) noexcept;
    // Drops the statement of lease from the cache and closes it.
    void discard(Lease& lease) noexcept;
    void bind_params(MYSQL_STMT* stmt, const std::string& sql, std::span<const Value> params);
    [[noreturn]] void fail(const ErrorInfo& e, std::string_view sql, std::span<const Value> params);
    [[noreturn]] void fail_connection(std::string_view sql, std::span<const Value> params) {
        fail(connection_error(conn_), sql, params);
    }
    std::unique_ptr<DBAPICursor> run_text(const std::string& sql);
    // Reads and frees the results still pending after the first of a multi-result command.
    void drain_results(std::string_view sql);
    void drain_statement_results(MYSQL_STMT* stmt) noexcept;
    bool try_bulk(MYSQL_STMT* stmt, const std::string& sql, std::span<const std::vector<Value>> sets,
                  std::int64_t& total);
    void link(MyCursor* c) noexcept;
    void unlink(MyCursor* c) noexcept;

    MYSQL* conn_ = nullptr;
    bool broken_ = false;
    bool mariadb_ = false;
    bool bulk_supported_ = false;
    bool bulk_enabled_ = true;
    unsigned long server_version_ = 0;
    std::uint64_t prepare_count_ = 0;
    unsigned long long last_insert_id_ = 0;
    Lru lru_;  // most recently used first
    std::unordered_map<std::string_view, Lru::iterator> cache_;
    MyCursor* stream_ = nullptr;
    MyCursor* open_cursors_ = nullptr;
    std::vector<MYSQL_BIND> pbind_;
    std::vector<ParamSlot> pslots_;
};

// ---- cursor implementation

void MyCursor::set_columns(const MYSQL_FIELD* fields, unsigned n, bool binary) {
    cols_.resize(n);
    scratch_.resize(n);
    name_ends_.resize(n);
    names_.clear();
    for (unsigned i = 0; i < n; ++i) {
        const MYSQL_FIELD& f = fields[i];
        Column& c = cols_[i];
        c.kind = kind_of(f);
        // The text protocol sends FLOAT as its shortest text: read as a double at once.
        if (!binary && c.kind == ColKind::Float) c.kind = ColKind::Double;
        c.type = f.type;
        c.decimals = f.decimals;
        c.is_unsigned = (f.flags & UNSIGNED_FLAG) != 0;
        c.initial_size = static_cast<std::size_t>(std::clamp<unsigned long>(f.length + 1, 32, initial_text_buffer));
        if (f.name) names_.append(f.name, f.name_length);
        name_ends_[i] = names_.size();
    }
}

void MyCursor::bind_results() {
    binds_.assign(cols_.size(), MYSQL_BIND{});
    for (std::size_t i = 0; i < cols_.size(); ++i) {
        Column& c = cols_[i];
        MYSQL_BIND& b = binds_[i];
        b.is_null = &c.null;
        b.error = &c.error;
        b.length = &c.length;
        switch (c.kind) {
            case ColKind::Int:
            case ColKind::UInt:
                b.buffer_type = MYSQL_TYPE_LONGLONG;
                b.buffer = &c.num.i;
                b.is_unsigned = c.is_unsigned ? 1 : 0;
                break;
            case ColKind::Float:
                b.buffer_type = MYSQL_TYPE_FLOAT;
                b.buffer = &c.num.f;
                break;
            case ColKind::Double:
                b.buffer_type = MYSQL_TYPE_DOUBLE;
                b.buffer = &c.num.d;
                break;
            case ColKind::Date:
                b.buffer_type = MYSQL_TYPE_DATE;
                b.buffer = &c.t;
                break;
            case ColKind::DateTime:
                b.buffer_type = MYSQL_TYPE_DATETIME;
                b.buffer = &c.t;
                break;
            case ColKind::Time:
                b.buffer_type = MYSQL_TYPE_TIME;
                b.buffer = &c.t;
                break;
            default:
                if (c.buf.empty()) c.buf.resize(c.initial_size);
                b.buffer_type = c.kind == ColKind::Binary || c.kind == ColKind::Bit ? MYSQL_TYPE_BLOB : MYSQL_TYPE_STRING;
                b.buffer = c.buf.data();
                b.buffer_length = static_cast<unsigned long>(c.buf.size());
                break;
        }
    }
}

void MyCursor::after_binary_fetch() {
    for (auto& c : cols_) {
        if (c.null) continue;
        switch (c.kind) {
            case ColKind::Bit: {
                std::uint64_t v = 0;
                for (unsigned long k = 0; k < c.length && k < c.buf.size(); ++k)
                    v = v << 8 | static_cast<unsigned char>(c.buf[k]);
                c.num.i = static_cast<std::int64_t>(v);
                break;
            }
            case ColKind::Decimal:
            case ColKind::Text:
            case ColKind::Json:
            case ColKind::Binary:
                c.ptr = c.buf.data();
                break;
            default: break;
        }
    }
}

void MyCursor::load_text_row(MYSQL_ROW row, const unsigned long* lengths) {
    for (std::size_t i = 0; i < cols_.size(); ++i) {
        Column& c = cols_[i];
        const char* p = row[i];
        c.null = p == nullptr;
        if (!p) continue;
        c.length = lengths[i];
        c.ptr = p;
        const std::string_view s(p, c.length);
        switch (c.kind) {
            case ColKind::Int: {
                std::int64_t v = 0;
                std::from_chars(s.data(), s.data() + s.size(), v);
                c.num.i = v;
                break;
            }
            case ColKind::UInt: {
                std::uint64_t v = 0;
                std::from_chars(s.data(), s.data() + s.size(), v);
                c.num.i = static_cast<std::int64_t>(v);
                break;
            }
            case ColKind::Bit: {
                std::uint64_t v = 0;
                for (char ch : s) v = v << 8 | static_cast<unsigned char>(ch);
                c.num.i = static_cast<std::int64_t>(v);
                break;
            }
            case ColKind::Float:
            case ColKind::Double: {
                double v = 0;
                std::from_chars(s.data(), s.data() + s.size(), v);
                c.num.d = v;
                break;
            }
            case ColKind::Date:
            case ColKind::DateTime:
            case ColKind::Time:
                if (!parse_temporal_text(s, c.type, c.t)) c.t = MYSQL_TIME{};
                break;
            default: break;
        }
    }
}

bool MyCursor::fetch_row() {
    if (source_ == Source::Text) {
        MYSQL_ROW row = res_ ? mysql_fetch_row(res_) : nullptr;
        if (!row) return false;
        load_text_row(row, mysql_fetch_lengths(res_));
        return true;
    }
    if (source_ != Source::Statement || !stmt_) return false;
    const int rc = mysql_stmt_fetch(stmt_);
    if (rc == MYSQL_NO_DATA) return false;
    if (rc == 1) throw_fetch_error(statement_error(stmt_));
    if (rc == MYSQL_DATA_TRUNCATED) {
        // Values longer than their column's buffer: grow the buffer and read them again from the row, and bind
        // the larger buffers for the rows to come.
        bool rebind = false;
        for (std::size_t i = 0; i < cols_.size(); ++i) {
            Column& c = cols_[i];
            if (!c.error || c.buf.empty()) continue;
            c.buf.resize(static_cast<std::size_t>(c.length) + 1);
            MYSQL_BIND& b = binds_[i];
            b.buffer = c.buf.data();
            b.buffer_length = static_cast<unsigned long>(c.buf.size());
            MYSQL_BIND one = b;
            if (mysql_stmt_fetch_column(stmt_, &one, static_cast<unsigned>(i), 0) != 0)
                throw_fetch_error(statement_error(stmt_));
            c.error = 0;
            rebind = true;
        }
        if (rebind && mysql_stmt_bind_result(stmt_, binds_.data())) throw_fetch_error(statement_error(stmt_));
    }
    after_binary_fetch();
    return true;
}

void MyCursor::encode_row(std::string& out) const {
    auto put = [&out](const void* p, std::size_t n) { out.append(static_cast<const char*>(p), n); };
    for (const auto& c : cols_) {
        out += static_cast<char>(c.null ? 1 : 0);
        if (c.null) continue;
        switch (c.kind) {
            case ColKind::Int:
            case ColKind::UInt:
            case ColKind::Bit:
                put(&c.num.i, sizeof c.num.i);
                break;
            case ColKind::Float: put(&c.num.f, sizeof c.num.f); break;
            case ColKind::Double: put(&c.num.d, sizeof c.num.d); break;
            case ColKind::Date:
            case ColKind::DateTime:
            case ColKind::Time:
                put(&c.t, sizeof c.t);
                break;
            default: {
                const std::uint64_t n = c.length;
                put(&n, sizeof n);
                put(c.ptr, c.length);
                break;
            }
        }
    }
}

void MyCursor::decode_row(const std::string& in, std::size_t& pos) {
    auto get = [&](void* p, std::size_t n) {
        std::memcpy(p, in.data() + pos, n);
        pos += n;
    };
    for (auto& c : cols_) {
        c.null = in[pos++] != 0;
        if (c.null) continue;
        switch (c.kind) {
            case ColKind::Int:
            case ColKind::UInt:
            case ColKind::Bit:
                get(&c.num.i, sizeof c.num.i);
                break;
            case ColKind::Float: get(&c.num.f, sizeof c.num.f); break;
            case ColKind::Double: get(&c.num.d, sizeof c.num.d); break;
            case ColKind::Date:
            case ColKind::DateTime:
            case ColKind::Time:
                get(&c.t, sizeof c.t);
                break;
            default: {
                std::uint64_t n = 0;
                get(&n, sizeof n);
                c.length = static_cast<unsigned long>(n);
                c.ptr = in.data() + pos;
                pos += static_cast<std::size_t>(n);
                break;
            }
        }
    }
}

void MyCursor::absorb_rest() noexcept {
    if (!conn_ || done_ || source_ != Source::Statement) {
        if (conn_ && conn_->stream_ == this) conn_->stream_ = nullptr;
        return;
    }
    try {
        // The row at hand stays where it is, so views into it stay valid until next(): its buffers are set
        // aside and the rest is read through fresh ones.
        struct Saved {
            my_bool null;
            unsigned long length;
            decltype(Column::num) num;
            MYSQL_TIME t;
            const char* ptr;
        };
        std::vector<Saved> saved;
        saved.reserve(cols_.size());
        held_.clear();
        for (auto& c : cols_) {
            saved.push_back({c.null, c.length, c.num, c.t, c.ptr});
            if (!c.buf.empty()) {
                const std::size_t size = c.buf.size();
                held_.push_back(std::move(c.buf));
                c.buf.assign(size, 0);
            }
        }
        backlog_.clear();
        backlog_pos_ = 0;
        backlog_rows_ = 0;
        backlog_read_ = 0;
        try {
            bind_results();
            if (mysql_stmt_bind_result(stmt_, binds_.data())) throw_fetch_error(statement_error(stmt_));
            while (fetch_row()) {
                encode_row(backlog_);
                ++backlog_rows_;
            }
        } catch (const DBAPIError&) {
            pending_error_ = std::current_exception();
        }
        for (std::size_t i = 0; i < cols_.size(); ++i) {
            Column& c = cols_[i];
            c.null = saved[i].null;
            c.length = saved[i].length;
            c.num = saved[i].num;
            c.t = saved[i].t;
            c.ptr = saved[i].ptr;
        }
        source_ = Source::Backlog;
    } catch (...) {
        // Out of memory: the rest is lost, and next() says so.
        abandoned_ = true;
        source_ = Source::None;
    }
    const bool was_dml = dml_;
    release();  // the statement goes back to the connection; the rows are the cursor's now
    done_ = false;
    dml_ = was_dml;
}

void MyCursor::finish() noexcept {
    if (dml_ && rowcount_ < 0) rowcount_ = rows_read_;
    release();
}

void MyCursor::release() noexcept {
    done_ = true;
    if (res_) {
        mysql_free_result(res_);
        res_ = nullptr;
    }
    if (!conn_) return;
    if (conn_->stream_ == this) conn_->stream_ = nullptr;
    if (stmt_) {
        MyConnection::Lease lease{stmt_, static_cast<CachedStatement*>(entry_)};
        if (fetch_failed_)
            conn_->discard(lease);
        else
            conn_->give_back(lease);
        stmt_ = nullptr;
        entry_ = nullptr;
    }
    conn_->unlink(this);
    conn_ = nullptr;
}

void MyCursor::throw_fetch_error(const ErrorInfo& e) {
    fetch_failed_ = true;
    if (conn_ && is_disconnect_error(e.number)) conn_->broken_ = true;
    std::string statement = std::move(statement_);
    std::vector<std::string> types = std::move(param_types_);
    raise(e.number, e.sqlstate, e.message, std::move(statement), std::move(types));
}

bool MyCursor::next() {
    if (source_ == Source::Backlog) {
        held_.clear();
        if (backlog_pos_ < backlog_.size()) {
            decode_row(backlog_, backlog_pos_);
            ++rows_read_;
            ++backlog_read_;
            return true;
        }
        source_ = Source::None;
        done_ = true;
        if (dml_ && rowcount_ < 0) rowcount_ = rows_read_;
        if (pending_error_) std::rethrow_exception(std::exchange(pending_error_, nullptr));
        return false;
    }
    if (abandoned_) throw InterfaceError("the MySQL connection was closed while this result was being read");
    if (done_) return false;
    bool got = false;
    try {
        got = fetch_row();
    } catch (...) {
        release();
        throw;
    }
    if (!got) {
        finish();
        return false;
    }
    ++rows_read_;
    return true;
}

std::string_view MyCursor::column_name(int i) const {
    if (i < 0 || static_cast<std::size_t>(i) >= name_ends_.size()) return {};
    const std::size_t begin = i == 0 ? 0 : name_ends_[static_cast<std::size_t>(i) - 1];
    return std::string_view(names_).substr(begin, name_ends_[static_cast<std::size_t>(i)] - begin);
}

std::int64_t MyCursor::rowcount() const { return rowcount_; }

std::int64_t MyCursor::rows_remaining() const {
    if (source_ == Source::Backlog) return backlog_rows_ - backlog_read_;
    if (done_ || source_ == Source::None) return 0;
    if (streaming_ || total_rows_ < 0) return -1;
    return std::max<std::int64_t>(0, total_rows_ - rows_read_);
}

void MyCursor::cold_type_error(int i, const char* target) const {
    throw TypeError("column '" + std::string(column_name(i)) + "' cannot be read as " + target);
}

std::int64_t MyCursor::checked_uint(int i, std::uint64_t v) const {
    if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        throw DataError("column '" + std::string(column_name(i)) +
                        "' holds an unsigned integer above 9223372036854775807, which a 64-bit signed integer cannot hold");
    return static_cast<std::int64_t>(v);
}

std::int64_t MyCursor::get_int(int i) const {
    const Column& c = col(i);
    if (c.null) return 0;
    switch (c.kind) {
        case ColKind::Int: return c.num.i;
        case ColKind::UInt:
        case ColKind::Bit:
            return checked_uint(i, static_cast<std::uint64_t>(c.num.i));
        case ColKind::Float:
        case ColKind::Double: {
            const double d = c.kind == ColKind::Float ? static_cast<double>(c.num.f) : c.num.d;
            if (std::trunc(d) == d && d >= -9.2233720368547758e18 && d < 9.2233720368547758e18)
                return static_cast<std::int64_t>(d);
            break;
        }
        case ColKind::Decimal:
        case ColKind::Text: {
            std::string_view s(c.ptr, c.length);
            std::int64_t v = 0;
            auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
            if (ec == std::errc() && !s.empty()) {
                std::string_view rest(end, static_cast<std::size_t>(s.data() + s.size() - end));
                // "12.000" of a DECIMAL(p, s) column is the integer 12.
                if (rest.empty()) return v;
                if (c.kind == ColKind::Decimal && rest[0] == '.' &&
                    rest.find_first_not_of('0', 1) == std::string_view::npos)
                    return v;
            }
            break;
        }
        default: break;
    }
    cold_type_error(i, "an integer");
}

double MyCursor::get_double(int i) const {
    const Column& c = col(i);
    if (c.null) return 0;
    switch (c.kind) {
        case ColKind::Int: return static_cast<double>(c.num.i);
        case ColKind::UInt:
        case ColKind::Bit:
            return static_cast<double>(static_cast<std::uint64_t>(c.num.i));
        case ColKind::Float: return float_to_double(c.num.f);
        case ColKind::Double: return c.num.d;
        case ColKind::Decimal:
        case ColKind::Text: {
            std::string_view s(c.ptr, c.length);
            double d = 0;
            auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
            if (ec == std::errc() && end == s.data() + s.size() && !s.empty()) return d;
            if (ec == std::errc::result_out_of_range && c.kind == ColKind::Decimal) return Numeric(s).to_double();
            break;
        }
        default: break;
    }
    cold_type_error(i, "a double");
}

bool MyCursor::get_bool(int i) const {
    const Column& c = col(i);
    if (c.null) return false;
    switch (c.kind) {
        case ColKind::Int:
        case ColKind::UInt:
        case ColKind::Bit:
            return c.num.i != 0;
        case ColKind::Float: return c.num.f != 0.0f;
        case ColKind::Double: return c.num.d != 0.0;
        case ColKind::Decimal:
            return get_double(i) != 0.0;
        case ColKind::Text: {
            std::string_view s(c.ptr, c.length);
            if (s == "1" || iequals(s, "true")) return true;
            if (s == "0" || iequals(s, "false")) return false;
            break;
        }
        default: break;
    }
    cold_type_error(i, "a bool");
}

std::string_view MyCursor::get_text(int i) const {
    const Column& c = col(i);
    if (c.null) return {};
    std::string& s = scratch_[static_cast<std::size_t>(i)];
    switch (c.kind) {
        case ColKind::Int: {
            char buf[24];
            s.assign(buf, std::to_chars(buf, buf + sizeof buf, c.num.i).ptr);
            return s;
        }
        case ColKind::UInt:
        case ColKind::Bit: {
            char buf[24];
            s.assign(buf, std::to_chars(buf, buf + sizeof buf, static_cast<std::uint64_t>(c.num.i)).ptr);
            return s;
        }
        case ColKind::Float: {
            char buf[32];
            s.assign(buf, std::to_chars(buf, buf + sizeof buf, c.num.f).ptr);
            return s;
        }
        case ColKind::Double:
            s = shortest(c.num.d);
            return s;
        case ColKind::Date:
        case ColKind::DateTime:
        case ColKind::Time:
            s = temporal_text(c.t, c.type, c.decimals);
            return s;
        default:
            return {c.ptr, c.length};
    }
}

Bytes MyCursor::get_bytes(int i) const {
    const std::string_view s = get_text(i);
    return Bytes(s.begin(), s.end());
}

Value MyCursor::get_value(int i) const {
    const Column& c = col(i);
    if (c.null) return {};
    switch (c.kind) {
        case ColKind::Int: return Value(c.num.i);
        case ColKind::UInt:
        case ColKind::Bit:
            return Value(checked_uint(i, static_cast<std::uint64_t>(c.num.i)));
        case ColKind::Float: return Value(float_to_double(c.num.f));
        case ColKind::Double: return Value(c.num.d);
        case ColKind::Decimal: {
            std::string_view s(c.ptr, c.length);
            try {
                return Value(Numeric(s));
            } catch (const std::exception&) {
                return Value(std::string(s));
            }
        }
        case ColKind::Date: {
            Date d{static_cast<int>(c.t.year), c.t.month, c.t.day};
            if (d.valid() && d.year >= 1) return Value(d);
            return Value(std::string(get_text(i)));  // a zero date ('0000-00-00') stays text
        }
        case ColKind::DateTime: {
            DateTime dt{{static_cast<int>(c.t.year), c.t.month, c.t.day},
                        {c.t.hour, c.t.minute, c.t.second, static_cast<unsigned>(c.t.second_part)},
                        std::nullopt};
            if (dt.date.valid() && dt.date.year >= 1 && c.t.hour < 24 && c.t.minute < 60 && c.t.second < 60)
                return Value(dt);
            return Value(std::string(get_text(i)));
        }
        case ColKind::Time:
            // A TIME is a duration on MySQL (-838:59:59 to 838:59:59): a time of day when it is one, else text.
            if (!c.t.neg && c.t.day == 0 && c.t.hour < 24)
                return Value(Time{c.t.hour, c.t.minute, c.t.second, static_cast<unsigned>(c.t.second_part)});
            return Value(std::string(get_text(i)));
        case ColKind::Text: return Value(std::string(c.ptr, c.length));
        case ColKind::Json: return Value(Json{std::string(c.ptr, c.length)});
        case ColKind::Binary: return Value(Bytes(c.ptr, c.ptr + c.length));
    }
    return {};
}

// ---- connection implementation

bool parse_port(std::string_view s, unsigned& out) {
    unsigned v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty() || v == 0 || v > 65535) return false;
    out = v;
    return true;
}

MyConnection::MyConnection(const ConnectParams& params) {
    retort::detail::check_connect_params(params);  // again here: a do_connect handler may have changed them
    static constexpr std::string_view known[] = {"host", "port", "unix_socket", "user", "password", "database",
                                                 "read_default_file", "read_default_group", "charset",
                                                 "connect_timeout", "ssl_mode", "ssl_ca", "ssl_cert", "ssl_key",
                                                 "init_command"};
    for (const auto& [key, value] : params) {
        if (std::find(std::begin(known), std::end(known), key) == std::end(known))
            throw ArgumentError("unknown MySQL connect parameter '" + key +
                                "' (known: host, port, unix_socket, user, password, database, read_default_file, "
                                "read_default_group, charset, connect_timeout, ssl_mode, ssl_ca, ssl_cert, ssl_key, "
                                "init_command)");
    }
    auto get = [&params](const char* key) -> const std::string* {
        auto it = params.find(key);
        return it == params.end() ? nullptr : &it->second;
    };
    auto c_str = [&get](const char* key) -> const char* {
        const std::string* v = get(key);
        return v && !v->empty() ? v->c_str() : nullptr;
    };

    unsigned port = 0;
    if (const std::string* p = get("port"); p && !p->empty() && !parse_port(*p, port))
        throw ArgumentError("MySQL connect parameter 'port' must be a number from 1 to 65535");
    unsigned timeout = 0;
    bool has_timeout = false;
    if (const std::string* t = get("connect_timeout"); t && !t->empty()) {
        auto [end, ec] = std::from_chars(t->data(), t->data() + t->size(), timeout);
        if (ec != std::errc() || end != t->data() + t->size())
            throw ArgumentError("MySQL connect parameter 'connect_timeout' must be a whole number of seconds");
        has_timeout = true;
    }
    std::string ssl_mode;
    if (const std::string* m = get("ssl_mode")) {
        ssl_mode = retort::detail::to_upper(*m);
        if (ssl_mode == "DISABLE") ssl_mode = "DISABLED";
        if (ssl_mode == "REQUIRE") ssl_mode = "REQUIRED";
        if (ssl_mode == "VERIFY-CA") ssl_mode = "VERIFY_CA";
        if (ssl_mode == "VERIFY-FULL" || ssl_mode == "VERIFY_FULL") ssl_mode = "VERIFY_IDENTITY";
        if (!ssl_mode.empty() && ssl_mode != "DISABLED" && ssl_mode != "PREFERRED" && ssl_mode != "REQUIRED" &&
            ssl_mode != "VERIFY_CA" && ssl_mode != "VERIFY_IDENTITY")
            throw ArgumentError(
                "MySQL connect parameter 'ssl_mode' must be DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY");
        if (ssl_mode == "VERIFY_CA" && !c_str("ssl_ca"))
            throw ArgumentError("MySQL ssl_mode VERIFY_CA needs ssl_ca, the certificate authority to verify with");
    }
    const std::string charset = c_str("charset") ? *get("charset") : std::string("utf8mb4");

    conn_ = mysql_init(nullptr);
    if (!conn_) throw OperationalError("could not allocate a MySQL connection");
    auto set = [this](mysql_option opt, const void* arg) {
        if (mysql_options(conn_, opt, arg) != 0) {
            mysql_close(conn_);
            conn_ = nullptr;
            throw ArgumentError("MySQL client library refused an option (" + std::to_string(static_cast<int>(opt)) + ")");
        }
    };
    if (const char* f = c_str("read_default_file")) set(MYSQL_READ_DEFAULT_FILE, f);
    if (const char* g = c_str("read_default_group")) set(MYSQL_READ_DEFAULT_GROUP, g);
    set(MYSQL_SET_CHARSET_NAME, charset.c_str());
    if (has_timeout) set(MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    const unsigned int no_local_infile = 0;
    set(MYSQL_OPT_LOCAL_INFILE, &no_local_infile);
    const my_bool no_reconnect = 0;
    set(MYSQL_OPT_RECONNECT, &no_reconnect);
    if (const char* ic = c_str("init_command")) set(MYSQL_INIT_COMMAND, ic);
    if (ssl_mode != "DISABLED") {
        if (const char* ca = c_str("ssl_ca")) set(MYSQL_OPT_SSL_CA, ca);
        if (const char* cert = c_str("ssl_cert")) set(MYSQL_OPT_SSL_CERT, cert);
        if (const char* key = c_str("ssl_key")) set(MYSQL_OPT_SSL_KEY, key);
    }
    const my_bool yes = 1, no = 0;
    if (ssl_mode == "REQUIRED" || ssl_mode == "VERIFY_CA" || ssl_mode == "VERIFY_IDENTITY") set(MYSQL_OPT_SSL_ENFORCE, &yes);
    if (ssl_mode == "DISABLED") set(MYSQL_OPT_SSL_ENFORCE, &no);
    // VERIFY_CA: the chain is checked against ssl_ca; VERIFY_IDENTITY: the server's name too. Without ssl_mode
    // the library's default stands.
    if (!ssl_mode.empty()) set(MYSQL_OPT_SSL_VERIFY_SERVER_CERT, ssl_mode == "VERIFY_IDENTITY" ? &yes : &no);

    const unsigned long flags = CLIENT_FOUND_ROWS | CLIENT_MULTI_STATEMENTS | CLIENT_MULTI_RESULTS;
    if (!mysql_real_connect(conn_, c_str("host"), c_str("user"), get("password") ? get("password")->c_str() : nullptr,
                            c_str("database"), port, c_str("unix_socket"), flags)) {
        ErrorInfo e = connection_error(conn_);
        mysql_close(conn_);
        conn_ = nullptr;
        std::string msg = e.message;
        if (const std::string* pw = get("password"); pw && !pw->empty())
            for (auto at = msg.find(*pw); at != std::string::npos; at = msg.find(*pw, at + 3)) msg.replace(at, pw->size(), "***");
        throw OperationalError("(" + std::to_string(e.number) + ") " + (msg.empty() ? "could not connect to MySQL" : msg),
                               e.sqlstate);
    }
    // The library goes on without TLS when the server has none and the certificate is not verified: a mode that
    // requires TLS is enforced here.
    if ((ssl_mode == "REQUIRED" || ssl_mode == "VERIFY_CA" || ssl_mode == "VERIFY_IDENTITY") &&
        !mysql_get_ssl_cipher(conn_)) {
        close();
        throw OperationalError("ssl_mode " + ssl_mode + " requires TLS, and the MySQL server did not offer it");
    }
    // An option file may name another character set; Retort's text is UTF-8 either way.
    if (const char* cs = mysql_character_set_name(conn_); !cs || charset != cs) {
        if (mysql_set_character_set(conn_, charset.c_str()) != 0) {
            ErrorInfo e = connection_error(conn_);
            close();
            throw OperationalError("(" + std::to_string(e.number) + ") " + e.message, e.sqlstate);
        }
    }
    server_version_ = mysql_get_server_version(conn_);
    const char* info = mysql_get_server_info(conn_);
    mariadb_ = info && std::strstr(info, "MariaDB") != nullptr;
    unsigned long caps = 0, ext_caps = 0;
    mariadb_get_infov(conn_, MARIADB_CONNECTION_SERVER_CAPABILITIES, &caps);
    mariadb_get_infov(conn_, MARIADB_CONNECTION_EXTENDED_SERVER_CAPABILITIES, &ext_caps);
    bulk_supported_ = mariadb_ && !(caps & CLIENT_MYSQL) && (ext_caps & (MARIADB_CLIENT_STMT_BULK_OPERATIONS >> 32));
}

void MyConnection::link(MyCursor* c) noexcept {
    c->prev_ = nullptr;
    c->next_ = open_cursors_;
    if (open_cursors_) open_cursors_->prev_ = c;
    open_cursors_ = c;
}

void MyConnection::unlink(MyCursor* c) noexcept {
    if (c->prev_)
        c->prev_->next_ = c->next_;
    else if (open_cursors_ == c)
        open_cursors_ = c->next_;
    if (c->next_) c->next_->prev_ = c->prev_;
    c->prev_ = c->next_ = nullptr;
}

void MyConnection::fail(const ErrorInfo& e, std::string_view sql, std::span<const Value> params) {
    if (is_disconnect_error(e.number)) broken_ = true;
    raise(e.number, e.sqlstate, e.message, std::string(sql), type_names(params));
}

MYSQL_STMT* MyConnection::prepare(const std::string& sql, std::span<const Value> params, bool& unsupported) {
    unsupported = false;
    MYSQL_STMT* stmt = mysql_stmt_init(conn_);
    if (!stmt) fail_connection(sql, params);
    ++prepare_count_;
    if (mysql_stmt_prepare(stmt, sql.data(), static_cast<unsigned long>(sql.size())) != 0) {
        ErrorInfo e = statement_error(stmt);
        mysql_stmt_close(stmt);
        if (e.number == er_unsupported_ps && params.empty()) {
            unsupported = true;
            return nullptr;
        }
        fail(e, sql, params);
    }
    return stmt;
}

MyConnection::Lease MyConnection::acquire(const std::string& sql, bool use_cache, std::span<const Value> params) {
    if (auto it = cache_.find(sql); it != cache_.end()) {
        if (!it->second->in_use) {
            lru_.splice(lru_.begin(), lru_, it->second);
            it->second->in_use = true;
            return {it->second->stmt, &*it->second};
        }
        use_cache = false;  // an open cursor still reads it: a statement of its own for this execution
    }
    bool unsupported = false;
    MYSQL_STMT* stmt = prepare(sql, params, unsupported);
    if (!stmt) return {};
    if (!use_cache) return {stmt, nullptr};
    // Room for it: the least recently used idle statement goes.
    if (lru_.size() >= statement_cache_capacity) {
        for (auto it = std::prev(lru_.end());; --it) {
            if (!it->in_use) {
                cache_.erase(it->sql);
                mysql_stmt_close(it->stmt);
                lru_.erase(it);
                break;
            }
            if (it == lru_.begin()) break;
        }
    }
    try {
        lru_.push_front(CachedStatement{sql, stmt, true});
        cache_.emplace(lru_.front().sql, lru_.begin());
    } catch (...) {
        mysql_stmt_close(stmt);
        throw;
    }
    return {stmt, &lru_.front()};
}

void MyConnection::drain_statement_results(MYSQL_STMT* stmt) noexcept {
    // A CALL's further results (and its final status) must be read before the connection can go on.
    while (mysql_stmt_more_results(stmt)) {
        if (mysql_stmt_next_result(stmt) != 0) break;
        if (mysql_stmt_field_count(stmt) > 0) mysql_stmt_free_result(stmt);
    }
}

void MyConnection::give_back(Lease& lease) noexcept {
    if (!lease.stmt) return;
    if (conn_) {
        if (mysql_stmt_field_count(lease.stmt) > 0) mysql_stmt_free_result(lease.stmt);
        drain_statement_results(lease.stmt);
    }
    if (lease.entry) {
        lease.entry->in_use = false;
    } else {
        mysql_stmt_close(lease.stmt);
    }
    lease = {};
}

void MyConnection::discard(Lease& lease) noexcept {
    if (!lease.stmt) return;
    if (lease.entry) {
        auto it = cache_.find(lease.entry->sql);
        if (it != cache_.end()) {
            Lru::iterator node = it->second;
            cache_.erase(it);
            lru_.erase(node);
        }
    }
    mysql_stmt_close(lease.stmt);
    lease = {};
}

void MyConnection::bind_params(MYSQL_STMT* stmt, const std::string& sql, std::span<const Value> params) {
    const unsigned long expected = mysql_stmt_param_count(stmt);
    if (expected != params.size())
        throw ProgrammingError("incorrect number of bindings supplied: the statement uses " + std::to_string(expected) +
                                   ", and there are " + std::to_string(params.size()) + " supplied",
                               {}, sql, type_names(params));
    if (params.empty()) return;
    if (pbind_.size() < params.size()) {
        pbind_.resize(params.size());
        pslots_.resize(params.size());
    }
    for (std::size_t i = 0; i < params.size(); ++i) {
        check_storable(params[i], sql, params);
        bind_value(pbind_[i], pslots_[i], params[i]);
    }
    if (mysql_stmt_bind_param(stmt, pbind_.data())) fail(statement_error(stmt), sql, params);
}

std::unique_ptr<DBAPICursor> MyConnection::execute(const std::string& sql, std::span<const Value> params,
                                                   const DriverExecOptions& opts) {
    require_open();
    release_stream();
    if (params.empty() && is_blank(sql)) return std::unique_ptr<MyCursor>(new MyCursor());
    if (params.empty() && !opts.prepare) return run_text(sql);
    for (int attempt = 0;; ++attempt) {
        Lease lease = acquire(sql, opts.prepare, params);
        if (!lease.stmt) return run_text(sql);  // a statement MariaDB cannot prepare
        LeaseGuard guard(*this, lease);
        bind_params(lease.stmt, sql, params);
        if (mysql_stmt_execute(lease.stmt) != 0) {
            ErrorInfo e = statement_error(lease.stmt);
            const bool reprepare = e.number == er_need_reprepare || e.number == cr_new_stmt_metadata;
            if (reprepare) discard(lease);
            // The server did not run it (1615), or ran a statement whose rows only changed shape (2057): again,
            // once, freshly prepared, unless it writes (its rows are then lost, so it must not run twice).
            if (reprepare && attempt == 0 && (e.number == er_need_reprepare || !is_dml(sql))) continue;
            fail(e, sql, params);
        }
        last_insert_id_ = mysql_stmt_insert_id(lease.stmt);
        const unsigned fields = mysql_stmt_field_count(lease.stmt);
        std::unique_ptr<MyCursor> cur(new MyCursor());
        if (fields == 0) {
            cur->rowcount_ = static_cast<std::int64_t>(mysql_stmt_affected_rows(lease.stmt));
            cur->done_ = true;
            return cur;  // the guard gives the statement back
        }
        cur->dml_ = is_dml(sql);
        cur->set_columns(lease.stmt->fields, fields, true);
        cur->source_ = MyCursor::Source::Statement;
        if (!opts.stream) {
            if (mysql_stmt_store_result(lease.stmt) != 0) {
                // An error after the result's shape (INSERT ... RETURNING refused by a constraint): the statement
                // is left mid-result in the client library, so it is closed, never used again.
                ErrorInfo e = statement_error(lease.stmt);
                discard(lease);
                fail(e, sql, params);
            }
            cur->total_rows_ = static_cast<std::int64_t>(mysql_stmt_num_rows(lease.stmt));
            if (cur->dml_) cur->rowcount_ = cur->total_rows_;
        }
        cur->bind_results();
        if (mysql_stmt_bind_result(lease.stmt, cur->binds_.data())) fail(statement_error(lease.stmt), sql, params);
        // From here the cursor holds the statement and gives it back.
        cur->stmt_ = lease.stmt;
        cur->entry_ = lease.entry;
        cur->conn_ = this;
        lease = {};
        link(cur.get());
        if (opts.stream) {
            cur->streaming_ = true;
            cur->statement_ = sql;
            cur->param_types_ = type_names(params);
            stream_ = cur.get();
        } else if (mysql_stmt_more_results(cur->stmt_)) {
            // More results follow (a CALL): this one moves into the cursor so the connection can read them.
            cur->absorb_rest();
        }
        return cur;
    }
}

void MyConnection::drain_results(std::string_view sql) {
    for (;;) {
        const int rc = mysql_next_result(conn_);
        if (rc < 0) return;
        if (rc > 0) fail_connection(sql, {});
        if (MYSQL_RES* r = mysql_store_result(conn_)) mysql_free_result(r);
        else if (mysql_field_count(conn_) > 0) fail_connection(sql, {});
        last_insert_id_ = mysql_insert_id(conn_);
    }
}

std::unique_ptr<DBAPICursor> MyConnection::run_text(const std::string& sql) {
    if (mysql_real_query(conn_, sql.data(), static_cast<unsigned long>(sql.size())) != 0) fail_connection(sql, {});
    std::unique_ptr<MyCursor> cur(new MyCursor());
    MYSQL_RES* res = mysql_store_result(conn_);
    last_insert_id_ = mysql_insert_id(conn_);
    if (!res) {
        if (mysql_field_count(conn_) > 0) fail_connection(sql, {});
        cur->rowcount_ = static_cast<std::int64_t>(mysql_affected_rows(conn_));
        cur->done_ = true;
        drain_results(sql);
        return cur;
    }
    cur->res_ = res;
    cur->dml_ = is_dml(sql);
    cur->set_columns(mysql_fetch_fields(res), mysql_num_fields(res), false);
    cur->source_ = MyCursor::Source::Text;
    cur->total_rows_ = static_cast<std::int64_t>(mysql_num_rows(res));
    if (cur->dml_) cur->rowcount_ = cur->total_rows_;
    // A stored text result is the cursor's alone (it needs nothing more of the connection).
    drain_results(sql);
    return cur;
}

void MyConnection::exec_script(std::string_view sql) {
    require_open();
    release_stream();
    if (is_blank(sql)) return;
    if (mysql_real_query(conn_, sql.data(), static_cast<unsigned long>(sql.size())) != 0) fail_connection(sql, {});
    if (MYSQL_RES* r = mysql_store_result(conn_)) mysql_free_result(r);
    else if (mysql_field_count(conn_) > 0) fail_connection(sql, {});
    last_insert_id_ = mysql_insert_id(conn_);
    drain_results(sql);
}

// MariaDB's bulk protocol: the parameter sets go to the server as arrays in one command. Possible when every
// parameter keeps one kind across the sets (NULLs aside). False when not possible (nothing was sent).
bool MyConnection::try_bulk(MYSQL_STMT* stmt, const std::string& sql, std::span<const std::vector<Value>> sets,
                            std::int64_t& total) {
    const std::size_t n = sets.front().size();
    if (n == 0 || mysql_stmt_field_count(stmt) > 0 || mysql_stmt_param_count(stmt) != n) return false;
    std::vector<Value::Kind> kinds(n, Value::Kind::Null);
    for (const auto& set : sets) {
        if (set.size() != n) return false;
        for (std::size_t p = 0; p < n; ++p) {
            const Value::Kind k = set[p].kind();
            if (k == Value::Kind::Null) continue;
            if (kinds[p] == Value::Kind::Null) kinds[p] = k;
            else if (kinds[p] != k) return false;
        }
    }
    for (const auto& set : sets)
        for (const auto& v : set) check_storable(v, sql, set);

    struct Column {
        std::vector<std::int64_t> ints;
        std::vector<double> doubles;
        std::vector<signed char> tinys;
        std::vector<MYSQL_TIME> times;
        std::vector<const void*> ptrs;
        std::vector<unsigned long> lengths;
        std::vector<char> indicators;
        std::vector<std::string> texts;  // intervals and UUIDs, formatted
    };
    std::vector<Column> cols(n);
    std::vector<MYSQL_BIND> binds(n);
    std::size_t begin = 0;
    while (begin < sets.size()) {
        // One command's worth of sets.
        std::size_t end = begin, bytes = 0;
        while (end < sets.size() && end - begin < bulk_max_rows && (end == begin || bytes < bulk_max_bytes)) {
            for (const auto& v : sets[end]) bytes += stored_size(v) + 2;
            ++end;
        }
        const std::size_t rows = end - begin;
        for (std::size_t p = 0; p < n; ++p) {
            Column& c = cols[p];
            c.indicators.assign(rows, STMT_INDICATOR_NONE);
            MYSQL_BIND& b = binds[p];
            b = MYSQL_BIND{};
            b.u.indicator = c.indicators.data();
            switch (kinds[p]) {
                case Value::Kind::Bool: c.tinys.assign(rows, 0); break;
                case Value::Kind::Int: c.ints.assign(rows, 0); break;
                case Value::Kind::Double: c.doubles.assign(rows, 0); break;
                case Value::Kind::Date:
                case Value::Kind::Time:
                case Value::Kind::DateTime:
                    c.times.assign(rows, MYSQL_TIME{});
                    c.ptrs.assign(rows, nullptr);
                    break;
                default:
                    c.ptrs.assign(rows, empty_buffer);
                    c.lengths.assign(rows, 0);
                    if (kinds[p] == Value::Kind::Interval || kinds[p] == Value::Kind::Uuid) c.texts.assign(rows, {});
                    break;
            }
            for (std::size_t r = 0; r < rows; ++r) {
                const Value& v = sets[begin + r][p];
                const auto& st = v.storage();
                if (v.is_null()) {
                    c.indicators[r] = STMT_INDICATOR_NULL;
                    continue;
                }
                switch (kinds[p]) {
                    case Value::Kind::Bool: c.tinys[r] = *std::get_if<bool>(&st) ? 1 : 0; break;
                    case Value::Kind::Int: c.ints[r] = *std::get_if<std::int64_t>(&st); break;
                    case Value::Kind::Double: c.doubles[r] = *std::get_if<double>(&st); break;
                    case Value::Kind::Date: {
                        const Date& d = *std::get_if<Date>(&st);
                        c.times[r].time_type = MYSQL_TIMESTAMP_DATE;
                        set_date(c.times[r], d.year, d.month, d.day);
                        c.ptrs[r] = &c.times[r];
                        break;
                    }
                    case Value::Kind::Time: {
                        const Time& t = *std::get_if<Time>(&st);
                        MYSQL_TIME& mt = c.times[r];
                        mt.time_type = MYSQL_TIMESTAMP_TIME;
                        mt.hour = t.hour;
                        mt.minute = t.minute;
                        mt.second = t.second;
                        mt.second_part = t.microsecond;
                        c.ptrs[r] = &mt;
                        break;
                    }
                    case Value::Kind::DateTime:
                        set_datetime(c.times[r], *std::get_if<DateTime>(&st));
                        c.ptrs[r] = &c.times[r];
                        break;
                    case Value::Kind::Text: {
                        const auto& t = *std::get_if<std::string>(&st);
                        if (!t.empty()) c.ptrs[r] = t.data();
                        c.lengths[r] = static_cast<unsigned long>(t.size());
                        break;
                    }
                    case Value::Kind::Bytes: {
                        const auto& by = *std::get_if<Bytes>(&st);
                        if (!by.empty()) c.ptrs[r] = by.data();
                        c.lengths[r] = static_cast<unsigned long>(by.size());
                        break;
                    }
                    case Value::Kind::Interval:
                        c.texts[r] = std::get_if<Interval>(&st)->iso();
                        break;
                    case Value::Kind::Uuid:
                        c.texts[r].resize(32);
                        retort::detail::put_hex(c.texts[r].data(), std::get_if<Uuid>(&st)->bytes.data(), 16);
                        break;
                    case Value::Kind::Numeric: {
                        const auto& t = std::get_if<Numeric>(&st)->text;
                        c.ptrs[r] = t.data();
                        c.lengths[r] = static_cast<unsigned long>(t.size());
                        break;
                    }
                    case Value::Kind::Json: {
                        const auto& t = std::get_if<Json>(&st)->text;
                        if (!t.empty()) c.ptrs[r] = t.data();
                        c.lengths[r] = static_cast<unsigned long>(t.size());
                        break;
                    }
                    case Value::Kind::Null: break;
                }
            }
            if (kinds[p] == Value::Kind::Interval || kinds[p] == Value::Kind::Uuid)
                for (std::size_t r = 0; r < rows; ++r)
                    if (c.indicators[r] != STMT_INDICATOR_NULL) {
                        c.ptrs[r] = c.texts[r].data();
                        c.lengths[r] = static_cast<unsigned long>(c.texts[r].size());
                    }
            switch (kinds[p]) {
                case Value::Kind::Bool:
                    b.buffer_type = MYSQL_TYPE_TINY;
                    b.buffer = c.tinys.data();
                    break;
                case Value::Kind::Int:
                    b.buffer_type = MYSQL_TYPE_LONGLONG;
                    b.buffer = c.ints.data();
                    break;
                case Value::Kind::Double:
                    b.buffer_type = MYSQL_TYPE_DOUBLE;
                    b.buffer = c.doubles.data();
                    break;
                case Value::Kind::Date:
                case Value::Kind::Time:
                case Value::Kind::DateTime:
                    b.buffer_type = kinds[p] == Value::Kind::Date   ? MYSQL_TYPE_DATE
                                    : kinds[p] == Value::Kind::Time ? MYSQL_TYPE_TIME
                                                                    : MYSQL_TYPE_DATETIME;
                    // Rows that are NULL point at a zero value, which is never sent.
                    for (std::size_t r = 0; r < rows; ++r)
                        if (!c.ptrs[r]) c.ptrs[r] = &c.times[r];
                    b.buffer = c.ptrs.data();
                    break;
                default:
                    b.buffer_type = kinds[p] == Value::Kind::Bytes     ? MYSQL_TYPE_BLOB
                                    : kinds[p] == Value::Kind::Numeric ? MYSQL_TYPE_NEWDECIMAL
                                                                       : MYSQL_TYPE_STRING;
                    b.buffer = c.ptrs.data();
                    b.length = c.lengths.data();
                    break;
            }
        }
        unsigned int array_size = static_cast<unsigned int>(rows);
        const bool ok = mysql_stmt_attr_set(stmt, STMT_ATTR_ARRAY_SIZE, &array_size) == 0 &&
                        mysql_stmt_bind_param(stmt, binds.data()) == 0 && mysql_stmt_execute(stmt) == 0;
        ErrorInfo e = ok ? ErrorInfo{} : statement_error(stmt);
        if (ok) {
            total += static_cast<std::int64_t>(mysql_stmt_affected_rows(stmt));
            last_insert_id_ = mysql_stmt_insert_id(stmt);
        }
        unsigned int zero = 0;
        mysql_stmt_attr_set(stmt, STMT_ATTR_ARRAY_SIZE, &zero);
        if (!ok) fail(e, sql, sets[begin]);
        begin = end;
    }
    return true;
}

std::int64_t MyConnection::execute_many(const std::string& sql, std::span<const std::vector<Value>> param_sets) {
    if (param_sets.empty()) return 0;
    require_open();
    release_stream();
    Lease lease = acquire(sql, true, param_sets.front());
    if (!lease.stmt) {
        // Not preparable (and without parameters): the text, once per set.
        std::int64_t total = 0;
        for (const auto& set : param_sets) {
            if (!set.empty())
                throw ProgrammingError("this statement cannot take parameters", {}, sql, type_names(set));
            total += std::max<std::int64_t>(0, run_text(sql)->rowcount());
        }
        return total;
    }
    LeaseGuard guard(*this, lease);
    std::int64_t total = 0;
    if (param_sets.size() > 1 && bulk_enabled() && try_bulk(lease.stmt, sql, param_sets, total)) return total;
    for (const auto& set : param_sets) {
        bind_params(lease.stmt, sql, set);
        if (mysql_stmt_execute(lease.stmt) != 0) fail(statement_error(lease.stmt), sql, set);
        last_insert_id_ = mysql_stmt_insert_id(lease.stmt);
        if (mysql_stmt_field_count(lease.stmt) > 0) {
            // Rows (RETURNING) are not wanted here; their count is what the statement changed.
            if (mysql_stmt_store_result(lease.stmt) != 0) {
                ErrorInfo e = statement_error(lease.stmt);
                discard(lease);  // left mid-result: closed, as in execute
                fail(e, sql, set);
            }
            total += static_cast<std::int64_t>(mysql_stmt_num_rows(lease.stmt));
            mysql_stmt_free_result(lease.stmt);
        } else {
            total += static_cast<std::int64_t>(mysql_stmt_affected_rows(lease.stmt));
        }
        drain_statement_results(lease.stmt);
    }
    return total;
}

bool MyConnection::ping() {
    if (!conn_ || broken_) return false;
    release_stream();
    if (mysql_ping(conn_) == 0) return true;
    broken_ = true;  // no reconnecting: a failed ping means the connection is gone
    return false;
}

void MyConnection::clear_statement_cache() {
    if (conn_) release_stream();
    // Statements an open cursor still reads become that cursor's own, closed when it is done.
    for (MyCursor* c = open_cursors_; c; c = c->next_) c->entry_ = nullptr;
    for (auto& e : lru_)
        if (!e.in_use) mysql_stmt_close(e.stmt);
    lru_.clear();
    cache_.clear();
}

void MyConnection::close() noexcept {
    if (!conn_) return;
    // Cursors still open keep what they hold: a stored result moves into the cursor; a stream is cut off.
    while (MyCursor* c = open_cursors_) {
        if (c->streaming_ && stream_ == c) {
            c->abandoned_ = true;
            c->source_ = MyCursor::Source::None;
            c->release();
            c->done_ = false;
        } else {
            c->absorb_rest();
            if (c->conn_) c->release();
        }
    }
    stream_ = nullptr;
    for (auto& e : lru_) mysql_stmt_close(e.stmt);
    lru_.clear();
    cache_.clear();
    mysql_close(conn_);
    conn_ = nullptr;
}

}  // namespace

std::unique_ptr<DBAPIConnection> connect(const ConnectParams& params) { return std::make_unique<MyConnection>(params); }

}  // namespace retort::mysql
