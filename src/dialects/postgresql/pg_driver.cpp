#include "dialects/postgresql/pg_driver.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <utility>

#include "detail/text.hpp"
#include "retort/error.hpp"
#include "dialects/postgresql/pg_values.hpp"

namespace retort::postgresql {

namespace {

// Type OIDs from pg_type.dat; stable across server versions.
constexpr Oid bool_oid = 16, bytea_oid = 17, char_oid = 18, name_oid = 19, int8_oid = 20, int2_oid = 21,
              int4_oid = 23, text_oid = 25, oid_oid = 26, json_oid = 114, float4_oid = 700, float8_oid = 701,
              bpchar_oid = 1042, varchar_oid = 1043, date_oid = 1082, time_oid = 1083, timestamp_oid = 1114,
              timestamptz_oid = 1184, interval_oid = 1186, timetz_oid = 1266, numeric_oid = 1700,
              uuid_oid = 2950, jsonb_oid = 3802;

// Beyond this many prepared statements a connection drops them all and starts over; a plain bound keeps
// the server's memory in check when SQL text is generated without end.
constexpr std::size_t max_prepared_statements = 1000;

struct ResultDeleter {
    void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

// libpq's messages end in a newline.
std::string trimmed(const char* s) { return std::string(detail::trim_right_view(s ? s : "", "\n ")); }

void mask(std::string& text, const std::string& secret) {
    if (secret.empty()) return;
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3))
        text.replace(at, secret.size(), "***");
}

// Data errors quote the offending input ('invalid input syntax for type integer: "..."'), which is a bound
// value; the quoted parts are masked.
std::string mask_quoted(std::string_view msg) {
    std::string out;
    out.reserve(msg.size());
    bool inside = false;
    for (char c : msg) {
        if (c == '"') {
            out += inside ? "***\"" : "\"";
            inside = !inside;
        } else if (!inside) {
            out += c;
        }
    }
    if (inside) out += "***";
    return out;
}

std::string error_message(const PGresult* res, std::string_view sqlstate) {
    const char* primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    if (!primary) return trimmed(PQresultErrorMessage(res));
    const bool values_likely = sqlstate.size() == 5 && sqlstate[0] == '2' && (sqlstate[1] == '2' || sqlstate[1] == '3');
    std::string out = sqlstate.starts_with("22") ? mask_quoted(primary) : std::string(primary);
    if (!values_likely)
        if (const char* detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL)) out.append("\nDETAIL: ").append(detail);
    if (const char* hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT)) out.append("\nHINT: ").append(hint);
    return out;
}

// ---- parameter text

void put_digits(std::string& out, std::uint64_t v, int width) {
    char buf[24];
    auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
    for (auto n = static_cast<int>(end - buf); n < width; ++n) out += '0';
    out.append(buf, end);
}

// Years before 1 are written with PostgreSQL's "BC" suffix (year 0 is 1 BC, as in ISO 8601).
int era_year(int year) noexcept { return year >= 1 ? year : 1 - year; }

void put_date(std::string& out, const Date& d) {
    put_digits(out, static_cast<std::uint64_t>(era_year(d.year)), 4);
    out += '-';
    put_digits(out, d.month, 2);
    out += '-';
    put_digits(out, d.day, 2);
}

void put_time(std::string& out, const Time& t) {
    put_digits(out, t.hour, 2);
    out += ':';
    put_digits(out, t.minute, 2);
    out += ':';
    put_digits(out, t.second, 2);
    if (t.microsecond) {
        out += '.';
        put_digits(out, t.microsecond, 6);
    }
}

void put_offset(std::string& out, int minutes) {
    out += minutes < 0 ? '-' : '+';
    auto mag = static_cast<unsigned>(minutes < 0 ? -minutes : minutes);
    put_digits(out, mag / 60, 2);
    out += ':';
    put_digits(out, mag % 60, 2);
}

// "YYYY-MM-DD HH:MM:SS[.ffffff][+HH:MM][ BC]", the form PostgreSQL reads whatever its DateStyle.
void put_datetime(std::string& out, const DateTime& dt) {
    put_date(out, dt.date);
    out += ' ';
    put_time(out, dt.time);
    if (dt.utc_offset_minutes) put_offset(out, *dt.utc_offset_minutes);
    if (dt.date.year < 1) out += " BC";
}

// Values PostgreSQL would refuse or could not give back (dates that do not exist, years beyond its range,
// whose BC form would overflow an int) are refused before they are encoded.
void check_storable(const Value& v, std::string_view sql, std::span<const Value> params);

void put_signed(std::string& out, std::int64_t v) {
    char buf[24];
    out.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

// ISO 8601 with designators, each field signed on its own ("P1M-2DT-3H-4M-5.5S"), which PostgreSQL reads
// whatever its IntervalStyle.
void put_interval(std::string& out, const Interval& iv) {
    out += 'P';
    put_signed(out, iv.months);
    out += 'M';
    put_signed(out, iv.days);
    out += "DT";
    const bool neg = iv.microseconds < 0;
    const std::uint64_t mag =
        neg ? 0 - static_cast<std::uint64_t>(iv.microseconds) : static_cast<std::uint64_t>(iv.microseconds);
    const char* sign = neg ? "-" : "";
    out += sign;
    put_digits(out, mag / 3'600'000'000ULL, 1);
    out += 'H';
    out += sign;
    put_digits(out, mag / 60'000'000ULL % 60, 1);
    out += 'M';
    out += sign;
    put_digits(out, mag / 1'000'000ULL % 60, 1);
    if (auto us = mag % 1'000'000ULL) {
        out += '.';
        put_digits(out, us, 6);
    }
    out += 'S';
}

void put_uuid(std::string& out, const Uuid& u) { detail::append_uuid(out, u.bytes.data()); }

void put_double(std::string& out, double d) {
    if (std::isnan(d)) {
        out += "NaN";
    } else if (std::isinf(d)) {
        out += d < 0 ? "-Infinity" : "Infinity";
    } else {
        char buf[32];  // shortest text that reads back as the same double
        out.append(buf, std::to_chars(buf, buf + sizeof buf, d).ptr);
    }
}

// ---- result text

bool is_octal(char c) noexcept { return c >= '0' && c <= '7'; }

// bytea in hex ("\x0102") or, from servers set to bytea_output = escape, escape format.
bool decode_bytea(std::string_view s, Bytes& out) {
    out.clear();
    if (s.size() >= 2 && s[0] == '\\' && s[1] == 'x') {
        if (s.size() % 2 != 0) return false;
        out.resize((s.size() - 2) / 2);
        for (std::size_t i = 2, o = 0; i < s.size(); i += 2, ++o) {
            int hi = detail::hex_value(s[i]), lo = detail::hex_value(s[i + 1]);
            if (hi < 0 || lo < 0) return false;
            out[o] = static_cast<std::uint8_t>(hi << 4 | lo);
        }
        return true;
    }
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '\\') {
            out.push_back(static_cast<std::uint8_t>(s[i]));
        } else if (i + 1 < s.size() && s[i + 1] == '\\') {
            out.push_back('\\');
            ++i;
        } else if (i + 3 < s.size() && is_octal(s[i + 1]) && is_octal(s[i + 2]) && is_octal(s[i + 3])) {
            out.push_back(static_cast<std::uint8_t>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
            i += 3;
        } else {
            return false;
        }
    }
    return true;
}

// Dates and timestamps before year 1 end in " BC"; they become astronomical years (1 BC is year 0).
template <class T>
T parse_era(std::string_view s, T (*parse)(std::string_view)) {
    if (!s.ends_with(" BC")) return parse(s);
    T v = parse(s.substr(0, s.size() - 3));
    if constexpr (std::is_same_v<T, Date>)
        v.year = 1 - v.year;
    else
        v.date.year = 1 - v.date.year;
    return v;
}

// Text the value parsers do not know (infinity, odd historical offsets) comes back as text.
template <class Fn>
Value parse_or_text(std::string_view s, Fn&& fn) {
    try {
        return Value(fn(s));
    } catch (const std::exception&) {
        return Value(std::string(s));
    }
}

// "10:00:00+02" -> the wall-clock time; Time has no offset to keep.
std::string_view strip_time_offset(std::string_view s) {
    auto at = s.find_last_of("+-");
    return at == std::string_view::npos ? s : s.substr(0, at);
}

std::int64_t parse_rowcount(const PGresult* res) {
    const char* s = PQcmdTuples(const_cast<PGresult*>(res));
    if (!s || !*s) return -1;
    std::int64_t n = -1;
    std::from_chars(s, s + std::strlen(s), n);
    return n;
}

bool is_row_status(ExecStatusType st) noexcept {
#ifdef LIBPQ_HAS_CHUNK_MODE
    if (st == PGRES_TUPLES_CHUNK) return true;
#endif
    return st == PGRES_SINGLE_TUPLE;
}

// A COPY started by a statement Retort cannot feed: end it so the connection stays usable.
void end_copy(PGconn* conn, ExecStatusType st) {
    if (st == PGRES_COPY_IN || st == PGRES_COPY_BOTH) PQputCopyEnd(conn, "COPY is not supported through execute()");
    if (st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH) {
        char* buf = nullptr;
        while (PQgetCopyData(conn, &buf, 0) > 0) PQfreemem(buf);
    }
    while (PGresult* r = PQgetResult(conn)) PQclear(r);
}

bool is_copy(ExecStatusType st) noexcept {
    return st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH;
}

struct DBAPIErrorParts {
    std::string message, sqlstate, statement;
    std::vector<std::string> param_types;
    bool invalidated;
};

template <class E>
[[noreturn]] void raise(DBAPIErrorParts& p) {
    throw E(std::move(p.message), std::move(p.sqlstate), std::move(p.statement), std::move(p.param_types),
            p.invalidated);
}

}  // namespace

// ------------------------------------------------------------------------------------------------ errors

ErrorClass classify_sqlstate(std::string_view s) noexcept {
    if (s.size() != 5) return ErrorClass::Database;
    if (s == "40001") return ErrorClass::SerializationFailure;
    const char a = s[0], b = s[1];
    switch (a) {
        case '0':
            if (b == 'A') return ErrorClass::NotSupported;
            if (b == '8') return ErrorClass::Operational;  // connection exception
            break;
        case '2':
            switch (b) {
                case '0':  // case not found
                case '1':  // cardinality violation
                case '6':  // invalid SQL statement name
                    return ErrorClass::Programming;
                case '2': return ErrorClass::Data;
                case '3': return ErrorClass::Integrity;
                case '4':  // invalid cursor state
                case '5':  // invalid transaction state (e.g. 25P02, current transaction is aborted)
                case 'B':
                case 'D':
                case 'F':
                    return ErrorClass::Internal;
                case '7':
                case '8':  // invalid authorization
                    return ErrorClass::Operational;
                default: break;
            }
            break;
        case '3':
            switch (b) {
                case '4':  // invalid cursor name
                case 'D':  // invalid catalog name
                case 'F':  // invalid schema name
                    return ErrorClass::Programming;
                case '8':
                case '9':
                case 'B':  // savepoint exception
                    return ErrorClass::Internal;
                default: break;
            }
            break;
        case '4':
            if (b == '0') return ErrorClass::Operational;  // deadlock and other transaction rollbacks
            if (b == '2' || b == '4') return ErrorClass::Programming;
            break;
        case '5':  // resources, limits, object state, operator intervention, system errors
            return ErrorClass::Operational;
        case 'F':
        case 'P':
        case 'X':
            return ErrorClass::Internal;
        case 'H':
            return ErrorClass::Operational;
        default: break;
    }
    return ErrorClass::Database;
}

void throw_dbapi_error(ErrorClass cls, std::string message, std::string sqlstate, std::string statement,
                       std::vector<std::string> param_types, bool connection_invalidated) {
    DBAPIErrorParts parts{std::move(message), std::move(sqlstate), std::move(statement), std::move(param_types),
                          connection_invalidated};
    switch (cls) {
        case ErrorClass::Operational: raise<OperationalError>(parts);
        case ErrorClass::SerializationFailure: raise<SerializationFailure>(parts);
        case ErrorClass::Integrity: raise<IntegrityError>(parts);
        case ErrorClass::Programming: raise<ProgrammingError>(parts);
        case ErrorClass::Data: raise<DataError>(parts);
        case ErrorClass::Internal: raise<InternalError>(parts);
        case ErrorClass::NotSupported: raise<NotSupportedError>(parts);
        case ErrorClass::Database: break;
    }
    raise<DatabaseError>(parts);
}

void throw_pg_error(PGconn* conn, const PGresult* res, std::string_view statement,
                    std::vector<std::string> param_types) {
    std::string sqlstate, message;
    bool fatal = false;
    if (res) {
        if (const char* s = PQresultErrorField(res, PG_DIAG_SQLSTATE)) sqlstate = s;
        message = error_message(res, sqlstate);
        if (const char* sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED))
            fatal = std::strcmp(sev, "FATAL") == 0 || std::strcmp(sev, "PANIC") == 0;
    }
    if (message.empty()) message = conn ? trimmed(PQerrorMessage(conn)) : std::string("unknown libpq error");
    if (message.empty()) message = "unknown libpq error";
    const bool invalidated = fatal || (conn && PQstatus(conn) == CONNECTION_BAD);
    const ErrorClass cls = sqlstate.empty() ? ErrorClass::Operational : classify_sqlstate(sqlstate);
    throw_dbapi_error(cls, std::move(message), std::move(sqlstate), std::string(statement), std::move(param_types),
                      invalidated);
}

void throw_pg_error(PGconn* conn, const PGresult* res, std::string_view statement, std::span<const Value> params) {
    throw_pg_error(conn, res, statement, param_type_names(params));
}

std::vector<std::string> param_type_names(std::span<const Value> params) {
    std::vector<std::string> out;
    out.reserve(params.size());
    for (const auto& v : params) out.emplace_back(v.type_name());
    return out;
}

namespace {
void check_storable(const Value& v, std::string_view sql, std::span<const Value> params) {
    std::string why;
    const char* sqlstate = nullptr;
    if (retort::detail::unstorable(v, retort::detail::postgresql_value_limits, why, sqlstate))
        throw DataError("PostgreSQL cannot store this value: " + why, sqlstate, std::string(sql), param_type_names(params));
}
}  // namespace

// ------------------------------------------------------------------------------------------------ cursor

PGCursor::PGCursor(PGresult* res) noexcept
    : res_(res), nrows_(res ? PQntuples(res) : 0), rowcount_(res ? parse_rowcount(res) : -1) {}

PGCursor::PGCursor(PGConnection& owner, std::string statement, std::vector<std::string> param_types)
    : streaming_(true), owner_(&owner), statement_(std::move(statement)), param_types_(std::move(param_types)) {}

PGCursor::~PGCursor() { close(); }

void PGCursor::set_result(PGresult* r) noexcept {
    if (res_) PQclear(res_);
    res_ = r;
    nrows_ = r ? PQntuples(r) : 0;
    row_ = -1;
}

bool PGCursor::next() {
    if (row_ + 1 < nrows_) {
        ++row_;
        return true;
    }
    row_ = nrows_;
    if (!streaming_) return false;
    if (!load_next_result()) return false;
    row_ = 0;
    return true;
}

PGresult* PGCursor::take_next_result() {
    if (backlog_pos_ < backlog_.size()) return std::exchange(backlog_[backlog_pos_++], nullptr);
    if (owner_) return PQgetResult(owner_->conn_);
    return nullptr;
}

bool PGCursor::load_next_result() {
    if (abandoned_) throw InterfaceError("the connection was closed while its rows were being streamed");
    for (;;) {
        PGresult* r = take_next_result();
        if (!r) {
            end_stream();
            return false;
        }
        const ExecStatusType st = PQresultStatus(r);
        if (is_row_status(st)) {
            set_result(r);
            if (nrows_ > 0) return true;
            continue;
        }
        if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK || st == PGRES_EMPTY_QUERY) {
            // The final result: no rows in single-row mode, but it keeps the column descriptions.
            set_result(r);
            rowcount_ = parse_rowcount(r);
            end_stream();
            if (nrows_ > 0) return true;  // a result that did not stream (a server that ignored the mode)
            return false;
        }
        ResultPtr err(r);
        PGconn* conn = owner_ ? owner_->conn_ : nullptr;
        if (conn && is_copy(st)) end_copy(conn, st);
        end_stream();
        if (is_copy(st)) throw NotSupportedError("COPY is not supported through execute()", "", statement_, param_types_);
        throw_pg_error(conn, err.get(), statement_, std::move(param_types_));
    }
}

void PGCursor::end_stream() noexcept {
    if (owner_) {
        while (PGresult* r = PQgetResult(owner_->conn_)) PQclear(r);
        owner_->stream_ = nullptr;
        owner_ = nullptr;
    }
    streaming_ = false;
    for (std::size_t i = backlog_pos_; i < backlog_.size(); ++i) PQclear(backlog_[i]);
    backlog_.clear();
    backlog_pos_ = 0;
}

void PGCursor::absorb_rest() noexcept {
    if (!owner_) return;
    while (PGresult* r = PQgetResult(owner_->conn_)) backlog_.push_back(r);
    owner_->stream_ = nullptr;
    owner_ = nullptr;
}

void PGCursor::abandon() noexcept {
    if (!owner_) return;
    owner_->stream_ = nullptr;
    owner_ = nullptr;
    abandoned_ = true;
}

void PGCursor::close() {
    end_stream();
    abandoned_ = false;
    set_result(nullptr);
    row_ = 0;
}

int PGCursor::column_count() const { return res_ ? PQnfields(res_) : 0; }

std::string_view PGCursor::column_name(int i) const {
    const char* n = res_ ? PQfname(res_, i) : nullptr;
    return n ? std::string_view(n) : std::string_view();
}

Oid PGCursor::column_type(int i) const { return res_ ? PQftype(res_, i) : 0; }

bool PGCursor::is_null(int i) const { return PQgetisnull(res_, row_, i) != 0; }

std::string_view PGCursor::get_text(int i) const {
    return {PQgetvalue(res_, row_, i), static_cast<std::size_t>(PQgetlength(res_, row_, i))};
}

void PGCursor::cold_type_error(int i, const char* target) const {
    throw TypeError("column '" + std::string(column_name(i)) + "' (type oid " + std::to_string(column_type(i)) +
                    ") cannot be read as " + target);
}

std::int64_t PGCursor::get_int(int i) const {
    const auto s = get_text(i);
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && end == s.data() + s.size() && !s.empty()) return v;
    // Rare shapes: booleans, and integral values of numeric or float columns ("12.000").
    const Oid t = column_type(i);
    if (t == bool_oid && s.size() == 1) return s[0] == 't' ? 1 : 0;
    if (t == numeric_oid || t == float4_oid || t == float8_oid) {
        double d = 0;
        auto [dend, dec] = std::from_chars(s.data(), s.data() + s.size(), d);
        if (dec == std::errc() && dend == s.data() + s.size() && std::trunc(d) == d && d >= -9.2233720368547758e18 &&
            d < 9.2233720368547758e18)
            return static_cast<std::int64_t>(d);
    }
    cold_type_error(i, "an integer");
}

double PGCursor::get_double(int i) const {
    const auto s = get_text(i);
    double d = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (ec == std::errc() && end == s.data() + s.size() && !s.empty()) return d;
    if (ec == std::errc::result_out_of_range && column_type(i) == numeric_oid) return Numeric(s).to_double();
    cold_type_error(i, "a double");
}

bool PGCursor::get_bool(int i) const {
    const auto s = get_text(i);
    if (s == "t" || s == "true" || s == "1") return true;
    if (s == "f" || s == "false" || s == "0") return false;
    cold_type_error(i, "a bool");
}

Bytes PGCursor::get_bytes(int i) const {
    const auto s = get_text(i);
    Bytes out;
    if (column_type(i) != bytea_oid) {
        out.assign(s.begin(), s.end());
    } else if (!decode_bytea(s, out)) {
        cold_type_error(i, "bytes (malformed bytea text)");
    }
    return out;
}

Value PGCursor::get_value(int i) const {
    if (is_null(i)) return {};
    const auto s = get_text(i);
    switch (column_type(i)) {
        case int2_oid:
        case int4_oid:
        case int8_oid:
        case oid_oid:
            return get_int(i);
        case float4_oid:
        case float8_oid:
            return get_double(i);
        case bool_oid:
            return s == "t";
        case numeric_oid:
            return parse_or_text(s, [](std::string_view t) { return Numeric(t); });
        case text_oid:
        case varchar_oid:
        case bpchar_oid:
        case name_oid:
        case char_oid:
            return std::string(s);
        case bytea_oid:
            return get_bytes(i);
        case date_oid:
            return parse_or_text(s, [](std::string_view t) { return parse_era<Date>(t, &Date::parse); });
        case time_oid:
            return parse_or_text(s, &Time::parse);
        case timetz_oid:
            return parse_or_text(s, [](std::string_view t) { return Time::parse(strip_time_offset(t)); });
        case timestamp_oid:
        case timestamptz_oid:
            return parse_or_text(s, [](std::string_view t) { return parse_era<DateTime>(t, &DateTime::parse); });
        case interval_oid:
            return parse_or_text(s, &Interval::parse);
        case uuid_oid:
            return parse_or_text(s, &Uuid::parse);
        case json_oid:
        case jsonb_oid:
            return Json{std::string(s)};
        default:
            return std::string(s);
    }
}

// ------------------------------------------------------------------------------------------------ connection

struct PGConnection::PipelineState {
    std::size_t sent = 0;      // executions queued
    std::size_t finished = 0;  // executions whose results are all read
    bool sync_sent = false;
    bool sync_seen = false;
    std::int64_t rowcount = 0;
    ResultPtr first_error;
    std::size_t error_index = 0;
};

PGConnection::PGConnection(const ConnectParams& params) {
    retort::detail::check_connect_params(params);  // again here: a do_connect handler may have changed them
    std::vector<const char*> keys, vals;
    keys.reserve(params.size() + 3);
    vals.reserve(params.size() + 3);
    for (const auto& [k, v] : params) {
        keys.push_back(k.c_str());
        vals.push_back(v.c_str());
    }
    if (!params.contains("client_encoding")) {
        keys.push_back("client_encoding");
        vals.push_back("UTF8");
    }
    if (!params.contains("fallback_application_name")) {
        keys.push_back("fallback_application_name");
        vals.push_back("retort");
    }
    keys.push_back(nullptr);
    vals.push_back(nullptr);

    conn_ = PQconnectdbParams(keys.data(), vals.data(), 0);
    if (!conn_) throw OperationalError("could not allocate a PostgreSQL connection");
    if (PQstatus(conn_) != CONNECTION_OK) {
        std::string msg = trimmed(PQerrorMessage(conn_));
        PQfinish(conn_);
        conn_ = nullptr;
        // libpq never echoes the password; masking it anyway costs nothing.
        if (auto it = params.find("password"); it != params.end()) mask(msg, it->second);
        throw OperationalError(msg.empty() ? "could not connect to PostgreSQL" : msg);
    }
    // Notices (NOTICE: table does not exist, skipping) would otherwise go to stderr.
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
    try {
        configure_session();
    } catch (...) {
        close();
        throw;
    }
}

PGConnection::~PGConnection() { close(); }

// The value parsers read ISO dates and the postgres (or ISO 8601) interval style; a server configured
// otherwise is set right once, at connect. Both settings are reported by the server at startup.
void PGConnection::configure_session() {
    std::string sets;
    const char* datestyle = PQparameterStatus(conn_, "DateStyle");
    if (datestyle && std::strncmp(datestyle, "ISO", 3) != 0) sets += "SET DateStyle TO 'ISO';";
    const char* intervalstyle = PQparameterStatus(conn_, "IntervalStyle");
    if (intervalstyle && std::strcmp(intervalstyle, "postgres") != 0 && std::strcmp(intervalstyle, "iso_8601") != 0)
        sets += "SET IntervalStyle TO 'postgres';";
    if (!sets.empty()) exec_script(sets);
}

void PGConnection::require_open() const {
    if (!conn_) throw InterfaceError("connection is closed");
}

int PGConnection::server_version() const noexcept { return conn_ ? PQserverVersion(conn_) : 0; }

void PGConnection::release_stream() noexcept {
    if (stream_) stream_->absorb_rest();
}

int PGConnection::encode_params(const std::string& sql, std::span<const Value> params) {
    const std::size_t n = params.size();
    values_.resize(n);
    lengths_.assign(n, 0);
    formats_.assign(n, 0);
    types_.assign(n, 0);
    arena_offsets_.assign(n, -1);
    arena_.clear();
    has_binary_ = false;

    auto to_arena = [this](std::size_t i) { arena_offsets_[i] = static_cast<std::int64_t>(arena_.size()); };
    for (std::size_t i = 0; i < n; ++i) {
        const auto& storage = params[i].storage();
        values_[i] = nullptr;
        check_storable(params[i], sql, params);
        switch (params[i].kind()) {
            case Value::Kind::Null: break;
            case Value::Kind::Bool: values_[i] = std::get<bool>(storage) ? "true" : "false"; break;
            case Value::Kind::Int:
                to_arena(i);
                put_signed(arena_, std::get<std::int64_t>(storage));
                break;
            case Value::Kind::Double:
                to_arena(i);
                put_double(arena_, std::get<double>(storage));
                break;
            case Value::Kind::Text: {
                const auto& s = std::get<std::string>(storage);
                // Text parameters are C strings to libpq: a NUL would silently cut the value short.
                if (std::memchr(s.data(), 0, s.size()))
                    throw DataError("a text parameter contains a NUL byte, which PostgreSQL text cannot hold", "22021",
                                    sql, param_type_names(params));
                values_[i] = s.c_str();
                break;
            }
            case Value::Kind::Bytes: {
                const auto& b = std::get<Bytes>(storage);
                // A null pointer would mean SQL NULL, so empty bytes point at an empty string.
                values_[i] = b.empty() ? "" : reinterpret_cast<const char*>(b.data());
                lengths_[i] = static_cast<int>(b.size());
                formats_[i] = 1;
                types_[i] = bytea_oid;
                has_binary_ = true;
                break;
            }
            case Value::Kind::Date: {
                const auto& d = std::get<Date>(storage);
                to_arena(i);
                put_date(arena_, d);
                if (d.year < 1) arena_ += " BC";
                break;
            }
            case Value::Kind::Time:
                to_arena(i);
                put_time(arena_, std::get<Time>(storage));
                break;
            case Value::Kind::DateTime:
                to_arena(i);
                put_datetime(arena_, std::get<DateTime>(storage));
                break;
            case Value::Kind::Interval:
                to_arena(i);
                put_interval(arena_, std::get<Interval>(storage));
                break;
            case Value::Kind::Uuid:
                to_arena(i);
                put_uuid(arena_, std::get<Uuid>(storage));
                break;
            case Value::Kind::Numeric: values_[i] = std::get<Numeric>(storage).text.c_str(); break;
            case Value::Kind::Json: values_[i] = std::get<Json>(storage).text.c_str(); break;
        }
        if (arena_offsets_[i] >= 0) arena_ += '\0';
    }
    // The arena has stopped growing: its pointers are stable now.
    for (std::size_t i = 0; i < n; ++i)
        if (arena_offsets_[i] >= 0) values_[i] = arena_.data() + arena_offsets_[i];
    return static_cast<int>(n);
}

const std::string& PGConnection::prepared_name(const std::string& sql, std::span<const Value> params) {
    if (auto it = prepared_.find(sql); it != prepared_.end()) return it->second;
    if (prepared_.size() >= max_prepared_statements) clear_statement_cache();
    std::string name = "retort_" + std::to_string(next_statement_id_++);
    ResultPtr r(PQprepare(conn_, name.c_str(), sql.c_str(), static_cast<int>(params.size()), param_types()));
    if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) throw_pg_error(conn_, r.get(), sql, params);
    return prepared_.emplace(sql, std::move(name)).first->second;
}

// A statement the server no longer has (DEALLOCATE ALL elsewhere, a pooler), or whose result shape changed
// under it (DDL): forget it, so the next execution prepares it afresh.
void PGConnection::forget_statement_after(const std::string& sql, const PGresult* res) {
    const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    if (!state) return;
    if (std::strcmp(state, "26000") == 0 || std::strcmp(state, "0A000") == 0) prepared_.erase(sql);
}

void PGConnection::settle() noexcept {
    if (!reply_pending_ || !conn_) return;
    reply_pending_ = false;
    bool ok = true;
    while (PGresult* r = PQgetResult(conn_)) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK) ok = false;
        PQclear(r);
    }
    if (PQstatus(conn_) == CONNECTION_OK && (!ok || PQtransactionStatus(conn_) != PQTRANS_IDLE)) {
        ResultPtr res(PQexec(conn_, "ROLLBACK"));
    }
}

void* PGConnection::native_handle() noexcept {
    settle();
    if (begin_pending_ && conn_) {
        try {
            begin_now();
        } catch (...) {
            // The connection's next use reports the failure.
        }
    }
    return conn_;
}

void PGConnection::begin() {
    require_open();
    begin_pending_ = true;
}

void PGConnection::begin_now() {
    settle();
    if (!begin_pending_) return;
    begin_pending_ = false;
    run_text("BEGIN");
}

void PGConnection::commit() {
    if (begin_pending_) {
        begin_pending_ = false;  // nothing ran: nothing to commit
        return;
    }
    run_text("COMMIT");
}

void PGConnection::rollback() {
    if (begin_pending_) {
        begin_pending_ = false;
        return;
    }
    run_text("ROLLBACK");
}

void PGConnection::rollback_on_return() {
    if (begin_pending_) {
        begin_pending_ = false;
        return;
    }
    require_open();
    release_stream();
    settle();
    // The server ends the transaction as soon as it reads this; the reply is read at the next use.
    if (PQsendQuery(conn_, "ROLLBACK") == 1) {
        reply_pending_ = true;
        return;
    }
    run_text("ROLLBACK");
}

// BEGIN and the transaction's first statement in one round trip (pipeline mode).
std::unique_ptr<DBAPICursor> PGConnection::execute_after_begin(const std::string& sql, std::span<const Value> params,
                                                               int n, const std::string* name) {
    if (!PQenterPipelineMode(conn_)) {
        run_text("BEGIN");
        PGresult* res = name ? PQexecPrepared(conn_, name->c_str(), n, values_.data(), lengths_.data(), param_formats(), 0)
                             : PQexecParams(conn_, sql.c_str(), n, param_types(), values_.data(), lengths_.data(),
                                            param_formats(), 0);
        return finish_exec(res, sql, params, name != nullptr);
    }
    bool sent = PQsendQueryParams(conn_, "BEGIN", 0, nullptr, nullptr, nullptr, nullptr, 0) == 1;
    sent = sent && (name ? PQsendQueryPrepared(conn_, name->c_str(), n, values_.data(), lengths_.data(), param_formats(), 0)
                         : PQsendQueryParams(conn_, sql.c_str(), n, param_types(), values_.data(), lengths_.data(),
                                             param_formats(), 0)) == 1;
    sent = sent && PQpipelineSync(conn_) == 1;
    // Each command's results end with a null; the sync marker ends the batch.
    std::vector<ResultPtr> results;
    int nulls = 0;
    while (sent && nulls < 4) {
        PGresult* r = PQgetResult(conn_);
        if (!r) {
            if (PQstatus(conn_) == CONNECTION_BAD) break;
            ++nulls;
            continue;
        }
        nulls = 0;
        if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            break;
        }
        results.emplace_back(r);
    }
    PQexitPipelineMode(conn_);
    if (results.empty()) throw_pg_error(conn_, nullptr, "BEGIN", std::span<const Value>());
    if (PQresultStatus(results[0].get()) != PGRES_COMMAND_OK) throw_pg_error(conn_, results[0].get(), "BEGIN", std::span<const Value>());
    if (results.size() < 2) throw_pg_error(conn_, nullptr, sql, params);
    return finish_exec(results[1].release(), sql, params, name != nullptr);
}

std::unique_ptr<DBAPICursor> PGConnection::execute(const std::string& sql, std::span<const Value> params,
                                                   const DriverExecOptions& opts) {
    require_open();
    release_stream();
    settle();
    if (opts.stream) begin_now();
    const int n = encode_params(sql, params);
    const std::string* name = opts.prepare ? &prepared_name(sql, params) : nullptr;
    if (begin_pending_) {
        begin_pending_ = false;
        return execute_after_begin(sql, params, n, name);
    }

    if (opts.stream) {
        const int sent = name ? PQsendQueryPrepared(conn_, name->c_str(), n, values_.data(), lengths_.data(),
                                                    param_formats(), 0)
                              : PQsendQueryParams(conn_, sql.c_str(), n, param_types(), values_.data(), lengths_.data(),
                                                  param_formats(), 0);
        if (!sent) throw_pg_error(conn_, nullptr, sql, params);
#ifdef LIBPQ_HAS_CHUNK_MODE
        if (opts.batch_rows > 1)
            PQsetChunkedRowsMode(conn_, opts.batch_rows);
        else
#endif
            PQsetSingleRowMode(conn_);
        std::unique_ptr<PGCursor> cur(new PGCursor(*this, sql, param_type_names(params)));
        stream_ = cur.get();
        try {
            // Reads up to the first row, so errors surface here and the columns are known.
            if (cur->load_next_result()) cur->row_ = -1;
        } catch (const DBAPIError& e) {
            if (name && (e.sqlstate() == "26000" || e.sqlstate() == "0A000")) prepared_.erase(sql);
            throw;
        }
        return cur;
    }

    PGresult* res = name ? PQexecPrepared(conn_, name->c_str(), n, values_.data(), lengths_.data(), param_formats(), 0)
                         : PQexecParams(conn_, sql.c_str(), n, param_types(), values_.data(), lengths_.data(),
                                        param_formats(), 0);
    return finish_exec(res, sql, params, name != nullptr);
}

std::unique_ptr<DBAPICursor> PGConnection::finish_exec(PGresult* res, const std::string& sql,
                                                       std::span<const Value> params, bool prepared) {
    if (!res) throw_pg_error(conn_, nullptr, sql, params);
    const ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK || st == PGRES_EMPTY_QUERY)
        return std::make_unique<PGCursor>(res);
    ResultPtr guard(res);
    if (is_copy(st)) {
        end_copy(conn_, st);
        throw NotSupportedError("COPY is not supported through execute()", "", sql, param_type_names(params));
    }
    if (prepared) forget_statement_after(sql, res);
    throw_pg_error(conn_, res, sql, params);
}

void PGConnection::pipeline_read(PipelineState& st, bool block) {
    if (!block && !PQconsumeInput(conn_)) return;
    while (st.finished < st.sent || (st.sync_sent && !st.sync_seen)) {
        if (PQstatus(conn_) == CONNECTION_BAD) return;
        if (!block && PQisBusy(conn_)) return;
        PGresult* r = PQgetResult(conn_);
        if (!r) {
            // The end of one execution's results; nothing more can come when none is outstanding.
            if (st.finished == st.sent) return;
            ++st.finished;
            continue;
        }
        switch (PQresultStatus(r)) {
            case PGRES_COMMAND_OK:
            case PGRES_TUPLES_OK:
                if (auto n = parse_rowcount(r); n > 0) st.rowcount += n;
                PQclear(r);
                break;
            case PGRES_PIPELINE_SYNC:
                st.sync_seen = true;
                st.finished = st.sent;
                PQclear(r);
                break;
            case PGRES_PIPELINE_ABORTED:
                PQclear(r);
                break;
            default:
                if (!st.first_error) {
                    st.first_error.reset(r);
                    st.error_index = st.finished;
                } else {
                    PQclear(r);
                }
                break;
        }
    }
}

namespace {

// One field of COPY's text format: backslash, tab, newline and carriage return escaped; NULL is \N.
void put_copy_text(std::string& out, std::string_view s, std::string_view sql) {
    for (char c : s) {
        switch (c) {
            case '\\': out += "\\\\"; break;
            case '\t': out += "\\t"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\0':
                throw DataError("a text value contains a NUL byte, which PostgreSQL text cannot hold", "22021",
                                std::string(sql));
            default: out += c;
        }
    }
}

void put_copy_field(std::string& out, const Value& v, std::string_view sql) {
    const auto& st = v.storage();
    check_storable(v, sql, {});
    switch (v.kind()) {
        case Value::Kind::Null: out += "\\N"; break;
        case Value::Kind::Bool: out += std::get<bool>(st) ? 't' : 'f'; break;
        case Value::Kind::Int: put_signed(out, std::get<std::int64_t>(st)); break;
        case Value::Kind::Double: put_double(out, std::get<double>(st)); break;
        case Value::Kind::Text: put_copy_text(out, std::get<std::string>(st), sql); break;
        case Value::Kind::Bytes: {
            out += "\\\\x";  // bytea's hex form, its backslash escaped for COPY
            const auto& bytes = std::get<Bytes>(st);
            detail::append_hex(out, bytes.data(), bytes.size());
            break;
        }
        case Value::Kind::Date:
            put_date(out, std::get<Date>(st));
            if (std::get<Date>(st).year < 1) out += " BC";
            break;
        case Value::Kind::Time: put_time(out, std::get<Time>(st)); break;
        case Value::Kind::DateTime: put_datetime(out, std::get<DateTime>(st)); break;
        case Value::Kind::Interval: put_interval(out, std::get<Interval>(st)); break;
        case Value::Kind::Uuid: put_uuid(out, std::get<Uuid>(st)); break;
        case Value::Kind::Numeric: out += std::get<Numeric>(st).text; break;
        case Value::Kind::Json: put_copy_text(out, std::get<Json>(st).text, sql); break;
    }
}

}  // namespace

std::int64_t PGConnection::copy_rows(const std::string& copy_sql, std::size_t count, std::size_t per_row, const CopyRow& row) {
    require_open();
    begin_now();
    release_stream();
    ResultPtr start(PQexec(conn_, copy_sql.c_str()));
    if (!start || PQresultStatus(start.get()) != PGRES_COPY_IN)
        throw_pg_error(conn_, start.get(), copy_sql, std::vector<std::string>{});
    std::string buf;
    buf.reserve(1 << 16);
    bool sent = true;
    try {
        for (std::size_t r = 0; r < count; ++r) {
            const Value* values = row(r);
            for (std::size_t i = 0; i < per_row; ++i) {
                if (i) buf += '\t';
                put_copy_field(buf, values[i], copy_sql);
            }
            buf += '\n';
            if (buf.size() >= (1 << 16)) {
                sent = PQputCopyData(conn_, buf.data(), static_cast<int>(buf.size())) == 1;
                buf.clear();
                if (!sent) break;
            }
        }
        if (sent && !buf.empty()) sent = PQputCopyData(conn_, buf.data(), static_cast<int>(buf.size())) == 1;
    } catch (...) {
        // End the COPY with an error so the connection is usable again, then report the value's error.
        PQputCopyEnd(conn_, "client error");
        while (PGresult* r = PQgetResult(conn_)) PQclear(r);
        throw;
    }
    if (PQputCopyEnd(conn_, sent ? nullptr : "send failed") != 1 || !sent)
        throw_pg_error(conn_, nullptr, copy_sql, std::vector<std::string>{});
    ResultPtr done(PQgetResult(conn_));
    while (PGresult* r = PQgetResult(conn_)) PQclear(r);
    if (!done || PQresultStatus(done.get()) != PGRES_COMMAND_OK)
        throw_pg_error(conn_, done.get(), copy_sql, std::vector<std::string>{});
    std::int64_t n = 0;
    const char* tuples = PQcmdTuples(done.get());
    if (tuples && *tuples) std::from_chars(tuples, tuples + std::strlen(tuples), n);
    return n;
}

std::int64_t PGConnection::execute_many(const std::string& sql, std::span<const std::vector<Value>> param_sets) {
    if (param_sets.empty()) return 0;
    if (param_sets.size() == 1) return std::max<std::int64_t>(0, execute(sql, param_sets[0])->rowcount());
    require_open();
    release_stream();
    begin_now();

    encode_params(sql, param_sets[0]);
    const std::string name = prepared_name(sql, param_sets[0]);
    if (!PQenterPipelineMode(conn_)) throw_pg_error(conn_, nullptr, sql, param_sets[0]);

    PipelineState st;
    bool send_failed = false;
    for (std::size_t i = 0; i < param_sets.size(); ++i) {
        const int n = i == 0 ? static_cast<int>(param_sets[0].size()) : encode_params(sql, param_sets[i]);
        if (!PQsendQueryPrepared(conn_, name.c_str(), n, values_.data(), lengths_.data(), param_formats(), 0)) {
            send_failed = true;
            break;
        }
        ++st.sent;
        // Now and then: push out what is queued and take in the results that have arrived, so neither side's
        // buffers grow with the batch.
        if (i % 256 == 255) {
            PQflush(conn_);
            pipeline_read(st, false);
        }
    }
    std::string send_error = send_failed ? trimmed(PQerrorMessage(conn_)) : std::string();
    st.sync_sent = PQpipelineSync(conn_) == 1;
    pipeline_read(st, true);
    const bool left = PQexitPipelineMode(conn_) == 1;

    if (st.first_error) {
        forget_statement_after(sql, st.first_error.get());
        throw_pg_error(conn_, st.first_error.get(), sql, param_sets[st.error_index]);
    }
    if (send_failed || !st.sync_seen || !left) {
        const bool bad = PQstatus(conn_) == CONNECTION_BAD;
        if (send_error.empty()) send_error = trimmed(PQerrorMessage(conn_));
        throw OperationalError(send_error.empty() ? "pipeline failed" : send_error, "", sql,
                               param_type_names(param_sets[std::min(st.sent, param_sets.size() - 1)]), bad);
    }
    return st.rowcount;
}

void PGConnection::exec_script(std::string_view sql) {
    require_open();
    release_stream();
    settle();
    if (begin_pending_) {
        begin_pending_ = false;
        run_text("BEGIN");
    }
    run_text(sql);
}

void PGConnection::run_text(std::string_view sql) {
    require_open();
    release_stream();
    settle();
    const std::string text(sql);
    ResultPtr res(PQexec(conn_, text.c_str()));
    if (!res) throw_pg_error(conn_, nullptr, text, std::span<const Value>());
    const ExecStatusType st = PQresultStatus(res.get());
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) return;
    if (is_copy(st)) {
        end_copy(conn_, st);
        throw NotSupportedError("COPY is not supported through exec_script()", "", text);
    }
    throw_pg_error(conn_, res.get(), text, std::span<const Value>());
}

bool PGConnection::ping() {
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) return false;
    release_stream();
    settle();
    // An empty query still makes the round trip, and works inside a failed transaction too.
    ResultPtr res(PQexec(conn_, ";"));
    if (!res) return false;
    const ExecStatusType st = PQresultStatus(res.get());
    return st == PGRES_EMPTY_QUERY || st == PGRES_COMMAND_OK;
}

bool PGConnection::is_disconnected() const { return !conn_ || PQstatus(conn_) == CONNECTION_BAD; }

void PGConnection::close() noexcept {
    if (stream_) stream_->abandon();
    if (conn_) PQfinish(conn_);
    conn_ = nullptr;
    prepared_.clear();
    begin_pending_ = reply_pending_ = false;
}

void PGConnection::clear_statement_cache() {
    // In a failed transaction DEALLOCATE would fail too; the statements then stay on the server unused (names
    // are never reused), which is harmless.
    if (conn_ && PQstatus(conn_) == CONNECTION_OK) {
        release_stream();
        settle();
    }
    if (conn_ && PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) != PQTRANS_INERROR) {
        ResultPtr res(PQexec(conn_, "DEALLOCATE ALL"));
    }
    prepared_.clear();
}

}  // namespace retort::postgresql
