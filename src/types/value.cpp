#include "retort/types/value.hpp"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>

#include "detail/text.hpp"
#include "retort/error.hpp"

namespace retort {
namespace {

using i64 = std::int64_t;
constexpr i64 us_per_second = 1'000'000;
constexpr i64 us_per_minute = 60 * us_per_second;
constexpr i64 us_per_hour = 60 * us_per_minute;

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

using detail::hex_value;
using detail::iequals;

// Cuts s to at most max bytes without splitting a UTF-8 sequence.
std::size_t utf8_cut(std::string_view s, std::size_t max) noexcept {
    if (s.size() <= max) return s.size();
    std::size_t n = max;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    return n;
}

// Error messages quote a bounded prefix of the input: enough to recognise it, never a whole document, and
// control bytes are masked so one message stays one log line.
std::string quoted(std::string_view s) {
    constexpr std::size_t max_chars = 40;
    std::size_t n = utf8_cut(s, max_chars);
    std::string out = "'";
    for (std::size_t i = 0; i < n; ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
    }
    out += n < s.size() ? "'..." : "'";
    return out;
}

[[noreturn]] void parse_error(const char* what, std::string_view input) {
    throw ArgumentError(std::string("invalid ") + what + ": " + quoted(input));
}

void put_digits(std::string& out, std::uint64_t v, int width) {
    char buf[24];
    auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
    for (auto n = static_cast<int>(end - buf); n < width; ++n) out += '0';
    out.append(buf, end);
}

// A cursor over fixed-format date and time text.
struct Cursor {
    std::string_view s;
    std::size_t i = 0;

    [[nodiscard]] bool done() const noexcept { return i >= s.size(); }
    [[nodiscard]] char peek() const noexcept { return done() ? '\0' : s[i]; }
    bool eat(char c) noexcept {
        if (done() || s[i] != c) return false;
        ++i;
        return true;
    }
    bool fixed(std::size_t n, unsigned& out) noexcept {
        if (s.size() - i < n) return false;
        unsigned v = 0;
        for (std::size_t k = 0; k < n; ++k) {
            if (!is_digit(s[i + k])) return false;
            v = v * 10 + static_cast<unsigned>(s[i + k] - '0');
        }
        i += n;
        out = v;
        return true;
    }
    // One to six fraction digits, scaled to microseconds.
    bool fraction(unsigned& us) noexcept {
        std::size_t start = i;
        unsigned v = 0;
        while (!done() && is_digit(s[i])) {
            if (i - start == 6) return false;
            v = v * 10 + static_cast<unsigned>(s[i++] - '0');
        }
        auto n = i - start;
        if (n == 0) return false;
        for (; n < 6; ++n) v *= 10;
        us = v;
        return true;
    }
};

// Years may be negative (ISO 8601 expanded form) or have more than four digits, as PostgreSQL allows.
bool read_date(Cursor& c, Date& d) {
    bool neg = c.eat('-');
    std::size_t start = c.i;
    while (!c.done() && is_digit(c.peek())) ++c.i;
    std::size_t len = c.i - start;
    if (len < 4 || len > 9) return false;
    int y = 0;
    std::from_chars(c.s.data() + start, c.s.data() + c.i, y);
    d.year = neg ? -y : y;
    return c.eat('-') && c.fixed(2, d.month) && c.eat('-') && c.fixed(2, d.day) && d.valid();
}

// "HH:MM[:SS[.ffffff]]"; PostgreSQL's TIME allows 24:00:00, a timestamp never shows it.
bool read_time(Cursor& c, Time& t, bool allow_24) {
    t = Time{};
    if (!(c.fixed(2, t.hour) && c.eat(':') && c.fixed(2, t.minute))) return false;
    if (c.eat(':')) {
        if (!c.fixed(2, t.second)) return false;
        if (c.eat('.') && !c.fraction(t.microsecond)) return false;
    }
    if (t.hour == 24 && allow_24) return t.minute == 0 && t.second == 0 && t.microsecond == 0;
    return t.hour < 24 && t.minute < 60 && t.second < 60;
}

// "Z", "+HH", "+HH:MM" or "+HHMM" (either sign).
bool read_offset(Cursor& c, std::optional<int>& offset) {
    if (c.eat('Z') || c.eat('z')) {
        offset = 0;
        return true;
    }
    char sign = c.peek();
    if (sign != '+' && sign != '-') return false;
    ++c.i;
    unsigned h = 0, m = 0;
    if (!c.fixed(2, h)) return false;
    if (c.eat(':')) {
        if (!c.fixed(2, m)) return false;
    } else if (!c.done() && !c.fixed(2, m)) {
        return false;
    }
    if (h > 23 || m > 59) return false;
    int minutes = static_cast<int>(h * 60 + m);
    offset = sign == '-' ? -minutes : minutes;
    return true;
}

// acc += v * factor, false on overflow.
bool add_scaled(i64& acc, i64 v, i64 factor) noexcept {
    i64 p = 0;
    return !__builtin_mul_overflow(v, factor, &p) && !__builtin_add_overflow(acc, p, &acc);
}

// An optionally signed integer with an optional fraction ("-12", "+3", "6.5"); frac_us is the fraction in
// millionths and carries the sign.
struct Number {
    i64 whole = 0;
    i64 frac_us = 0;
    bool has_fraction = false;
};

bool read_number(std::string_view s, std::size_t& i, Number& n) {
    bool neg = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    std::size_t start = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    if (i == start) return false;
    auto [p, ec] = std::from_chars(s.data() + start, s.data() + i, n.whole);
    if (ec != std::errc{}) return false;
    n.frac_us = 0;
    n.has_fraction = i < s.size() && (s[i] == '.' || s[i] == ',');
    if (n.has_fraction) {
        Cursor c{s, i + 1};
        unsigned us = 0;
        if (!c.fraction(us)) return false;
        i = c.i;
        n.frac_us = us;
    }
    if (neg) {
        n.whole = -n.whole;
        n.frac_us = -n.frac_us;
    }
    return true;
}

enum class Field { Months, Days, Micros };

struct Unit {
    std::string_view name;
    Field field;
    i64 factor;
};

constexpr Unit interval_units[] = {
    {"year", Field::Months, 12},          {"years", Field::Months, 12},       {"mon", Field::Months, 1},
    {"mons", Field::Months, 1},           {"month", Field::Months, 1},        {"months", Field::Months, 1},
    {"week", Field::Days, 7},             {"weeks", Field::Days, 7},          {"day", Field::Days, 1},
    {"days", Field::Days, 1},             {"hour", Field::Micros, us_per_hour}, {"hours", Field::Micros, us_per_hour},
    {"min", Field::Micros, us_per_minute}, {"mins", Field::Micros, us_per_minute},
    {"minute", Field::Micros, us_per_minute}, {"minutes", Field::Micros, us_per_minute},
    {"sec", Field::Micros, us_per_second}, {"secs", Field::Micros, us_per_second},
    {"second", Field::Micros, us_per_second}, {"seconds", Field::Micros, us_per_second},
};

// "[+-]H+:MM[:SS[.ffffff]]", added to the microseconds with its sign.
bool add_clock(std::string_view tok, i64& micros) {
    bool neg = false;
    std::size_t i = 0;
    if (tok[0] == '+' || tok[0] == '-') neg = tok[i++] == '-';
    std::size_t start = i;
    while (i < tok.size() && is_digit(tok[i])) ++i;
    i64 hours = 0;
    if (i == start || std::from_chars(tok.data() + start, tok.data() + i, hours).ec != std::errc{}) return false;
    Cursor c{tok, i};
    unsigned minutes = 0, seconds = 0, us = 0;
    if (!(c.eat(':') && c.fixed(2, minutes))) return false;
    if (c.eat(':')) {
        if (!c.fixed(2, seconds)) return false;
        if (c.eat('.') && !c.fraction(us)) return false;
    }
    if (!c.done() || minutes > 59 || seconds > 59) return false;
    i64 total = 0;
    if (!add_scaled(total, hours, us_per_hour)) return false;
    total += minutes * us_per_minute + seconds * us_per_second + us;
    return !__builtin_add_overflow(micros, neg ? -total : total, &micros);
}

// PostgreSQL's "postgres" output style ("1 year 2 mons -3 days +04:05:06.5") and its verbose form
// ("@ 1 day 2 hours ago").
bool parse_pg_interval(std::string_view s, Interval& out) {
    std::size_t pos = 0;
    auto next = [&]() -> std::string_view {
        while (pos < s.size() && s[pos] == ' ') ++pos;
        std::size_t start = pos;
        while (pos < s.size() && s[pos] != ' ') ++pos;
        return s.substr(start, pos - start);
    };
    Interval r;
    bool any = false, ago = false;
    auto tok = next();
    if (tok == "@") tok = next();
    for (; !tok.empty(); tok = next()) {
        if (ago) return false;  // "ago" must come last
        if (tok == "ago") {
            ago = true;
            continue;
        }
        any = true;
        if (tok.find(':') != std::string_view::npos) {
            if (!add_clock(tok, r.microseconds)) return false;
            continue;
        }
        Number n;
        std::size_t i = 0;
        if (!read_number(tok, i, n) || i != tok.size()) return false;
        auto unit_name = next();
        const Unit* unit = nullptr;
        for (const auto& u : interval_units)
            if (iequals(u.name, unit_name)) unit = &u;
        if (!unit || (n.has_fraction && unit->field != Field::Micros)) return false;
        switch (unit->field) {
            case Field::Months:
                if (!add_scaled(r.months, n.whole, unit->factor)) return false;
                break;
            case Field::Days:
                if (!add_scaled(r.days, n.whole, unit->factor)) return false;
                break;
            case Field::Micros:
                if (!add_scaled(r.microseconds, n.whole, unit->factor) ||
                    !add_scaled(r.microseconds, n.frac_us, unit->factor / us_per_second))
                    return false;
                break;
        }
    }
    if (!any) return false;
    if (ago) {
        constexpr i64 lowest = std::numeric_limits<i64>::min();
        if (r.months == lowest || r.days == lowest || r.microseconds == lowest) return false;
        r = {-r.months, -r.days, -r.microseconds};
    }
    out = r;
    return true;
}

// ISO 8601 "[-]PnYnMnWnDTnHnMnS"; components may carry their own sign, as PostgreSQL's iso_8601 style
// prints them, and only seconds may have a fraction.
bool parse_iso_interval(std::string_view s, Interval& out) {
    std::size_t i = 0;
    bool neg = false;
    if (s[i] == '+' || s[i] == '-') neg = s[i++] == '-';
    if (i >= s.size() || s[i++] != 'P') return false;
    Interval r;
    bool in_time = false, any = false, time_empty = false;
    std::string_view order = "YMWD";
    std::size_t next_allowed = 0;
    while (i < s.size()) {
        if (s[i] == 'T') {
            if (in_time) return false;
            in_time = time_empty = true;
            order = "HMS";
            next_allowed = 0;
            ++i;
            continue;
        }
        Number n;
        if (!read_number(s, i, n) || i >= s.size()) return false;
        auto at = order.find(s[i++], next_allowed);
        if (at == std::string_view::npos) return false;
        next_allowed = at + 1;
        char designator = order[at];
        if (n.has_fraction && !(in_time && designator == 'S')) return false;
        bool ok = true;
        if (!in_time) {
            if (designator == 'Y') ok = add_scaled(r.months, n.whole, 12);
            else if (designator == 'M') ok = add_scaled(r.months, n.whole, 1);
            else if (designator == 'W') ok = add_scaled(r.days, n.whole, 7);
            else ok = add_scaled(r.days, n.whole, 1);
        } else {
            i64 factor = designator == 'H' ? us_per_hour : designator == 'M' ? us_per_minute : us_per_second;
            ok = add_scaled(r.microseconds, n.whole, factor) && add_scaled(r.microseconds, n.frac_us, 1);
        }
        if (!ok) return false;
        any = true;
        time_empty = false;
    }
    if (!any || time_empty) return false;
    if (neg) {
        constexpr i64 lowest = std::numeric_limits<i64>::min();
        if (r.months == lowest || r.days == lowest || r.microseconds == lowest) return false;
        r = {-r.months, -r.days, -r.microseconds};
    }
    out = r;
    return true;
}

// The canonical text of a decimal number, as PostgreSQL's NUMERIC prints it: no '+', no redundant leading
// zeros, an exponent expanded with the scale it implies ("1.50e1" -> "15.0"), no negative zero. Trailing
// fraction zeros stay: they are the value's scale.
std::optional<std::string> canonical_numeric(std::string_view s) {
    std::size_t i = 0;
    bool neg = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    auto body = s.substr(i);
    if (iequals(body, "nan")) return neg ? std::nullopt : std::optional<std::string>("NaN");
    if (iequals(body, "inf") || iequals(body, "infinity")) return std::string(neg ? "-Infinity" : "Infinity");

    std::size_t int_start = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    auto int_digits = s.substr(int_start, i - int_start);
    std::string_view frac_digits;
    if (i < s.size() && s[i] == '.') {
        std::size_t frac_start = ++i;
        while (i < s.size() && is_digit(s[i])) ++i;
        frac_digits = s.substr(frac_start, i - frac_start);
    }
    if (int_digits.empty() && frac_digits.empty()) return std::nullopt;

    // PostgreSQL's limit on a NUMERIC's scale; it also bounds the text an exponent can expand to.
    constexpr long max_exponent = 16383;
    long exponent = 0;
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        bool exp_neg = false;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) exp_neg = s[i++] == '-';
        std::size_t exp_start = i;
        while (i < s.size() && is_digit(s[i])) ++i;
        if (i == exp_start || std::from_chars(s.data() + exp_start, s.data() + i, exponent).ec != std::errc{} ||
            exponent > max_exponent)
            return std::nullopt;
        if (exp_neg) exponent = -exponent;
    }
    if (i != s.size()) return std::nullopt;

    std::string digits;
    digits.reserve(int_digits.size() + frac_digits.size());
    digits.append(int_digits).append(frac_digits);
    long point = static_cast<long>(int_digits.size()) + exponent;  // digits before the decimal point
    std::string int_part, frac_part;
    if (point <= 0) {
        int_part = "0";
        frac_part.assign(static_cast<std::size_t>(-point), '0');
        frac_part += digits;
    } else if (static_cast<std::size_t>(point) >= digits.size()) {
        int_part = digits;
        int_part.append(static_cast<std::size_t>(point) - digits.size(), '0');
    } else {
        int_part = digits.substr(0, static_cast<std::size_t>(point));
        frac_part = digits.substr(static_cast<std::size_t>(point));
    }
    auto first = int_part.find_first_not_of('0');
    int_part.erase(0, first == std::string::npos ? int_part.size() - 1 : first);
    bool zero = int_part == "0" && frac_part.find_first_not_of('0') == std::string::npos;

    std::string out;
    out.reserve(int_part.size() + frac_part.size() + 2);
    if (neg && !zero) out += '-';
    out += int_part;
    if (!frac_part.empty()) out.append(".").append(frac_part);
    return out;
}

void append_escaped(std::string& out, std::string_view s) {
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if (c == '\'') {
            out += "\\'";
        } else if (c == '\\') {
            out += "\\\\";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c < 0x20 || c == 0x7f) {
            out += "\\x";
            detail::append_hex(out, &c, 1);
        } else {
            out += ch;
        }
    }
}

// Text in a rendering: quoted, escaped, and cut after a few dozen characters.
void append_short_text(std::string& out, std::string_view s) {
    constexpr std::size_t max_chars = 40;
    std::size_t n = utf8_cut(s, max_chars);
    out += '\'';
    append_escaped(out, s.substr(0, n));
    out += '\'';
    if (n < s.size()) out += "...";
}

std::string double_text(double d) {
    char buf[32];
    auto end = std::to_chars(buf, buf + sizeof buf, d).ptr;
    return {buf, end};
}

// Conversion failures -------------------------------------------------------------------------------------

[[noreturn]] void mismatch(const Value& v, const char* target) {
    if (v.is_null()) detail::throw_null_value(target);
    throw TypeError(std::string("cannot read a value of type ") + v.type_name() + " as " + target);
}

template <class T>
const T* held(const Value& v) noexcept {
    return std::get_if<T>(&v.storage());
}

// Parses held text; a failure is a TypeError like any other failed read, and names no part of the value.
template <class F>
auto parse_text(const std::string& s, const char* target, F parse) -> decltype(parse(s)) {
    try {
        return parse(s);
    } catch (const ArgumentError&) {
        throw TypeError(std::string("cannot read a value of type text as ") + target + ": the text is not a valid " +
                        target);
    }
}

}  // namespace

// Date -----------------------------------------------------------------------------------------------------

Date Date::parse(std::string_view iso) {
    Cursor c{iso};
    Date d;
    if (!read_date(c, d) || !c.done()) parse_error("date", iso);
    return d;
}

std::string Date::iso() const {
    std::string out;
    out.reserve(10);
    if (year < 0) out += '-';
    put_digits(out, static_cast<std::uint64_t>(year < 0 ? -static_cast<i64>(year) : year), 4);
    out += '-';
    put_digits(out, month, 2);
    out += '-';
    put_digits(out, day, 2);
    return out;
}

bool Date::valid() const noexcept {
    if (month < 1 || month > 12 || day < 1) return false;
    static constexpr unsigned days_in[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return day <= days_in[month - 1] + (month == 2 && leap ? 1U : 0U);
}

// Time -----------------------------------------------------------------------------------------------------

Time Time::parse(std::string_view iso) {
    Cursor c{iso};
    Time t;
    if (!read_time(c, t, true) || !c.done()) parse_error("time", iso);
    return t;
}

std::string Time::iso() const {
    std::string out;
    out.reserve(15);
    put_digits(out, hour, 2);
    out += ':';
    put_digits(out, minute, 2);
    out += ':';
    put_digits(out, second, 2);
    if (microsecond) {
        out += '.';
        put_digits(out, microsecond, 6);
    }
    return out;
}

// DateTime -------------------------------------------------------------------------------------------------

DateTime DateTime::parse(std::string_view iso) {
    Cursor c{iso};
    DateTime dt;
    bool ok = read_date(c, dt.date) && (c.eat(' ') || c.eat('T') || c.eat('t')) && read_time(c, dt.time, false) &&
              (c.done() || read_offset(c, dt.utc_offset_minutes)) && c.done();
    if (!ok) parse_error("timestamp", iso);
    return dt;
}

DateTime DateTime::now_utc() {
    using namespace std::chrono;
    auto now = time_point_cast<microseconds>(system_clock::now());
    auto day = floor<days>(now);
    year_month_day ymd{day};
    auto us = static_cast<std::uint64_t>((now - day).count());
    DateTime dt;
    dt.date = {static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day())};
    dt.time.hour = static_cast<unsigned>(us / us_per_hour);
    dt.time.minute = static_cast<unsigned>(us / us_per_minute % 60);
    dt.time.second = static_cast<unsigned>(us / us_per_second % 60);
    dt.time.microsecond = static_cast<unsigned>(us % us_per_second);
    dt.utc_offset_minutes = 0;
    return dt;
}

std::string DateTime::iso(char sep) const {
    std::string out = date.iso();
    out += sep;
    out += time.iso();
    if (utc_offset_minutes) {
        int off = *utc_offset_minutes;
        out += off < 0 ? '-' : '+';
        auto mag = static_cast<unsigned>(off < 0 ? -off : off);
        put_digits(out, mag / 60, 2);
        out += ':';
        put_digits(out, mag % 60, 2);
    }
    return out;
}

// Interval -------------------------------------------------------------------------------------------------

Interval Interval::parse(std::string_view text) {
    auto s = detail::trim_view(text, " \t");
    Interval r;
    bool iso = !s.empty() && (s[0] == 'P' || (s.size() > 1 && (s[0] == '-' || s[0] == '+') && s[1] == 'P'));
    if (s.empty() || !(iso ? parse_iso_interval(s, r) : parse_pg_interval(s, r))) parse_error("interval", text);
    return r;
}

// Each field keeps its own sign, as in PostgreSQL's iso_8601 style ("P-1Y-2M3DT-4H"), so parse(iso()) gives
// back the same three fields.
std::string Interval::iso() const {
    std::string out = "P";
    auto put = [&out](i64 v, char designator) {
        if (v == 0) return;
        if (v < 0) out += '-';
        put_digits(out, v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v), 1);
        out += designator;
    };
    put(months / 12, 'Y');
    put(months % 12, 'M');
    put(days, 'D');
    if (microseconds != 0) {
        out += 'T';
        bool neg = microseconds < 0;
        std::uint64_t mag = neg ? 0 - static_cast<std::uint64_t>(microseconds) : static_cast<std::uint64_t>(microseconds);
        std::uint64_t hours = mag / us_per_hour, minutes = mag / us_per_minute % 60;
        std::uint64_t seconds = mag / us_per_second % 60, us = mag % us_per_second;
        auto put_mag = [&](std::uint64_t v, char designator) {
            if (neg) out += '-';
            put_digits(out, v, 1);
            out += designator;
        };
        if (hours) put_mag(hours, 'H');
        if (minutes) put_mag(minutes, 'M');
        if (seconds || us) {
            if (neg) out += '-';
            put_digits(out, seconds, 1);
            if (us) {
                out += '.';
                put_digits(out, us, 6);
                while (out.back() == '0') out.pop_back();
            }
            out += 'S';
        }
    } else if (out.size() == 1) {
        out += "T0S";
    }
    return out;
}

// Uuid -----------------------------------------------------------------------------------------------------

Uuid Uuid::parse(std::string_view text) {
    auto s = text;
    if (s.size() > 9 && iequals(s.substr(0, 9), "urn:uuid:")) s.remove_prefix(9);
    if (!s.empty() && s.front() == '{') {
        if (s.back() != '}') parse_error("UUID", text);
        s = s.substr(1, s.size() - 2);
    }
    bool dashed = s.size() == 36;
    if (!dashed && s.size() != 32) parse_error("UUID", text);
    if (dashed && (s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-')) parse_error("UUID", text);
    Uuid u;
    std::size_t at = 0;
    for (auto& byte : u.bytes) {
        if (dashed && (at == 8 || at == 13 || at == 18 || at == 23)) ++at;
        int hi = hex_value(s[at]), lo = hex_value(s[at + 1]);
        if (hi < 0 || lo < 0) parse_error("UUID", text);
        byte = static_cast<std::uint8_t>(hi << 4 | lo);
        at += 2;
    }
    return u;
}

Uuid Uuid::random() {
    Uuid u;
    std::size_t got = 0;
    while (got < u.bytes.size()) {
        auto n = getrandom(u.bytes.data() + got, u.bytes.size() - got, 0);
        if (n > 0) {
            got += static_cast<std::size_t>(n);
        } else if (n < 0 && errno != EINTR) {
            break;
        }
    }
    // Kernels without getrandom() (or seccomp filters that refuse it) still have /dev/urandom.
    if (got < u.bytes.size()) {
        std::FILE* f = std::fopen("/dev/urandom", "rb");
        got = f ? std::fread(u.bytes.data(), 1, u.bytes.size(), f) : 0;
        if (f) std::fclose(f);
        if (got < u.bytes.size()) throw Error("Uuid::random: no source of random bytes");
    }
    u.bytes[6] = static_cast<std::uint8_t>((u.bytes[6] & 0x0F) | 0x40);  // version 4
    u.bytes[8] = static_cast<std::uint8_t>((u.bytes[8] & 0x3F) | 0x80);  // RFC 4122 variant
    return u;
}

std::string Uuid::str() const {
    std::string out;
    out.reserve(36);
    detail::append_uuid(out, bytes.data());
    return out;
}

std::string Uuid::hex() const { return detail::hex_encode(bytes.data(), bytes.size()); }

bool Uuid::is_nil() const noexcept {
    for (auto b : bytes)
        if (b) return false;
    return true;
}

// Numeric --------------------------------------------------------------------------------------------------

Numeric::Numeric(std::string_view t) {
    auto canonical = canonical_numeric(t);
    if (!canonical) parse_error("numeric", t);
    text = std::move(*canonical);
}

double Numeric::to_double() const {
    if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
    double d = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
    if (ec == std::errc::result_out_of_range) {
        // Too large or too small for a double: the integer part tells which.
        bool neg = text.front() == '-';
        auto int_part = std::string_view(text).substr(neg ? 1 : 0);
        bool large = int_part.substr(0, int_part.find('.')) != "0";
        double inf = std::numeric_limits<double>::infinity();
        return large ? (neg ? -inf : inf) : (neg ? -0.0 : 0.0);
    }
    return d;
}

// Value ----------------------------------------------------------------------------------------------------

const char* kind_name(Value::Kind k) noexcept {
    switch (k) {
        case Value::Kind::Null: return "null";
        case Value::Kind::Bool: return "bool";
        case Value::Kind::Int: return "int";
        case Value::Kind::Double: return "double";
        case Value::Kind::Text: return "text";
        case Value::Kind::Bytes: return "bytes";
        case Value::Kind::Date: return "date";
        case Value::Kind::Time: return "time";
        case Value::Kind::DateTime: return "datetime";
        case Value::Kind::Interval: return "interval";
        case Value::Kind::Uuid: return "uuid";
        case Value::Kind::Numeric: return "numeric";
        case Value::Kind::Json: return "json";
    }
    return "unknown";
}

Value::Value(const Value& other) = default;
Value::Value(Value&& other) noexcept = default;
Value& Value::operator=(const Value& other) = default;
Value& Value::operator=(Value&& other) noexcept = default;
Value::~Value() = default;
Value::Value(std::nullptr_t) noexcept {}
Value::Value(std::nullopt_t) noexcept {}
Value::Value(bool v) : v_(std::in_place_index<1>, v) {}
Value::Value(int v) : v_(std::in_place_index<2>, v) {}
Value::Value(long v) : v_(std::in_place_index<2>, v) {}
Value::Value(long long v) : v_(std::in_place_index<2>, v) {}
Value::Value(unsigned v) : v_(std::in_place_index<2>, v) {}
Value::Value(unsigned short v) : v_(std::in_place_index<2>, v) {}
Value::Value(short v) : v_(std::in_place_index<2>, v) {}
Value::Value(double v) : v_(std::in_place_index<3>, v) {}
Value::Value(float v) : v_(std::in_place_index<3>, v) {}
Value::Value(Date v) : v_(v) {}
Value::Value(Time v) : v_(v) {}
Value::Value(DateTime v) : v_(v) {}
Value::Value(Interval v) : v_(v) {}
Value::Value(Uuid v) : v_(v) {}
Value::Value(std::string v) : v_(std::move(v)) {}
Value::Value(std::string_view v) : v_(std::string(v)) {}
Value::Value(const char* v) : v_(std::string(v)) {}
Value::Value(Bytes v) : v_(std::move(v)) {}
Value::Value(Numeric v) : v_(std::move(v)) {}
Value::Value(Json v) : v_(std::move(v)) {}
bool Value::operator==(const Value& other) const { return v_ == other.v_; }

const char* Value::type_name() const noexcept { return kind_name(kind()); }

std::string Value::repr() const {
    std::string out;
    std::visit(
        [&out](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>) {
                out = "NULL";
            } else if constexpr (std::is_same_v<T, bool>) {
                out = v ? "true" : "false";
            } else if constexpr (std::is_same_v<T, i64>) {
                out = std::to_string(v);
            } else if constexpr (std::is_same_v<T, double>) {
                out = double_text(v);
            } else if constexpr (std::is_same_v<T, std::string>) {
                append_short_text(out, v);
            } else if constexpr (std::is_same_v<T, Bytes>) {
                constexpr std::size_t max_bytes = 16;
                out = "x'";
                detail::append_hex(out, v.data(), std::min(v.size(), max_bytes));
                out += '\'';
                if (v.size() > max_bytes) out += "... (" + std::to_string(v.size()) + " bytes)";
            } else if constexpr (std::is_same_v<T, Date>) {
                out = "DATE '" + v.iso() + "'";
            } else if constexpr (std::is_same_v<T, Time>) {
                out = "TIME '" + v.iso() + "'";
            } else if constexpr (std::is_same_v<T, DateTime>) {
                out = "TIMESTAMP '" + v.iso() + "'";
            } else if constexpr (std::is_same_v<T, Interval>) {
                out = "INTERVAL '" + v.iso() + "'";
            } else if constexpr (std::is_same_v<T, Uuid>) {
                out = "UUID '" + v.str() + "'";
            } else if constexpr (std::is_same_v<T, Numeric>) {
                out = v.text;
            } else {
                out = "JSON ";
                append_short_text(out, v.text);
            }
        },
        v_);
    return out;
}

namespace detail {

void throw_null_value(const char* target) {
    throw TypeError(std::string("a NULL cannot be read as ") + target + "; read it as std::optional instead");
}

void throw_out_of_range(std::int64_t bits, const char* target) {
    throw TypeError("the value does not fit a " + std::to_string(bits) + "-bit " + target);
}

bool value_as(const Value& v, bool*) {
    if (auto p = held<bool>(v)) return *p;
    if (auto p = held<i64>(v)) {
        if (*p == 0 || *p == 1) return *p == 1;
        throw TypeError("cannot read a value of type int as bool: only 0 and 1 convert");
    }
    mismatch(v, "bool");
}

i64 value_as(const Value& v, i64*) {
    if (auto p = held<i64>(v)) return *p;
    if (auto p = held<bool>(v)) return *p ? 1 : 0;
    mismatch(v, "int");
}

double value_as(const Value& v, double*) {
    if (auto p = held<double>(v)) return *p;
    if (auto p = held<i64>(v)) {
        // Only exact: integers beyond 2^53 would silently change.
        constexpr double two_63 = 9223372036854775808.0;
        auto d = static_cast<double>(*p);
        if (d < two_63 && static_cast<i64>(d) == *p) return d;
        throw TypeError("cannot read a value of type int as double: it is too large to convert exactly");
    }
    if (auto p = held<Numeric>(v)) return p->to_double();
    mismatch(v, "double");
}

std::string value_as(const Value& v, std::string*) {
    if (auto p = held<std::string>(v)) return *p;
    if (auto p = held<Uuid>(v)) return p->str();
    if (auto p = held<Date>(v)) return p->iso();
    if (auto p = held<Time>(v)) return p->iso();
    if (auto p = held<DateTime>(v)) return p->iso();
    if (auto p = held<Json>(v)) return p->text;
    if (auto p = held<Numeric>(v)) return p->text;
    if (auto p = held<Interval>(v)) return p->iso();
    mismatch(v, "text");
}

Bytes value_as(const Value& v, Bytes*) {
    if (auto p = held<Bytes>(v)) return *p;
    mismatch(v, "bytes");
}

Date value_as(const Value& v, Date*) {
    if (auto p = held<Date>(v)) return *p;
    if (auto p = held<std::string>(v)) return parse_text(*p, "date", Date::parse);
    mismatch(v, "date");
}

Time value_as(const Value& v, Time*) {
    if (auto p = held<Time>(v)) return *p;
    if (auto p = held<std::string>(v)) return parse_text(*p, "time", Time::parse);
    mismatch(v, "time");
}

DateTime value_as(const Value& v, DateTime*) {
    if (auto p = held<DateTime>(v)) return *p;
    if (auto p = held<std::string>(v)) return parse_text(*p, "datetime", DateTime::parse);
    mismatch(v, "datetime");
}

Interval value_as(const Value& v, Interval*) {
    if (auto p = held<Interval>(v)) return *p;
    if (auto p = held<std::string>(v)) return parse_text(*p, "interval", Interval::parse);
    mismatch(v, "interval");
}

Uuid value_as(const Value& v, Uuid*) {
    if (auto p = held<Uuid>(v)) return *p;
    if (auto p = held<std::string>(v)) return parse_text(*p, "uuid", Uuid::parse);
    mismatch(v, "uuid");
}

Numeric value_as(const Value& v, Numeric*) {
    if (auto p = held<Numeric>(v)) return *p;
    if (auto p = held<i64>(v)) return Numeric(std::to_string(*p));
    if (auto p = held<double>(v)) {
        // Shortest text that reads back as the same double, so 0.1 becomes 0.1, not 0.1000000000000000055...
        if (std::isnan(*p)) return Numeric("NaN");
        return Numeric(double_text(*p));
    }
    if (auto p = held<std::string>(v))
        return parse_text(*p, "numeric", [](const std::string& s) { return Numeric(s); });
    mismatch(v, "numeric");
}

Json value_as(const Value& v, Json*) {
    if (auto p = held<Json>(v)) return *p;
    if (auto p = held<std::string>(v)) return Json{*p};
    mismatch(v, "json");
}

}  // namespace detail
std::size_t stored_size(const Value& v) noexcept {
    switch (v.kind()) {
        case Value::Kind::Null: return 1;
        case Value::Kind::Bool: return 1;
        case Value::Kind::Text: return std::get<std::string>(v.storage()).size();
        case Value::Kind::Bytes: return std::get<Bytes>(v.storage()).size();
        case Value::Kind::Json: return std::get<Json>(v.storage()).text.size();
        case Value::Kind::Numeric: return std::get<Numeric>(v.storage()).text.size();
        case Value::Kind::Interval:
        case Value::Kind::Uuid: return 16;
        default: return 8;
    }
}

}  // namespace retort
