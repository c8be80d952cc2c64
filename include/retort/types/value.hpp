// The C++ values Retort binds as parameters and reads back: scalars, dates and times, UUIDs, exact
// decimals, JSON text and bytes, and Value, the runtime sum of them all.
#pragma once

#include <array>
#include <compare>
#include <concepts>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "retort/export.hpp"

namespace retort {

struct RETORT_API Date {
    int year = 1970;
    unsigned month = 1, day = 1;

    static Date parse(std::string_view iso);  // "YYYY-MM-DD"
    [[nodiscard]] std::string iso() const;
    [[nodiscard]] bool valid() const noexcept;
    auto operator<=>(const Date&) const = default;
};

struct RETORT_API Time {
    unsigned hour = 0, minute = 0, second = 0, microsecond = 0;

    static Time parse(std::string_view iso);  // "HH:MM:SS[.ffffff]"
    [[nodiscard]] std::string iso() const;
    auto operator<=>(const Time&) const = default;
};

// A date and time of day. With utc_offset_minutes set it is an absolute instant (TIMESTAMP WITH TIME
// ZONE); without it, a wall-clock time (TIMESTAMP WITHOUT TIME ZONE).
struct RETORT_API DateTime {
    Date date;
    Time time;
    std::optional<int> utc_offset_minutes;

    static DateTime parse(std::string_view iso);  // "YYYY-MM-DD[ T]HH:MM:SS[.ffffff][Z|+HH[:MM]]"
    static DateTime now_utc();
    [[nodiscard]] std::string iso(char sep = ' ') const;
    auto operator<=>(const DateTime&) const = default;
};

// An interval as PostgreSQL keeps it: months, days and microseconds, each signed.
struct RETORT_API Interval {
    std::int64_t months = 0, days = 0, microseconds = 0;

    static Interval parse(std::string_view text);  // PostgreSQL output or ISO 8601 "P1DT2H"
    [[nodiscard]] std::string iso() const;         // ISO 8601 duration
    auto operator<=>(const Interval&) const = default;
};

struct RETORT_API Uuid {
    std::array<std::uint8_t, 16> bytes{};

    static Uuid parse(std::string_view text);  // with or without dashes, any case, optional braces
    static Uuid random();                      // version 4, from the OS's random source
    [[nodiscard]] std::string str() const;     // canonical 8-4-4-4-12 lowercase
    [[nodiscard]] std::string hex() const;     // 32 hex digits, no dashes
    [[nodiscard]] bool is_nil() const noexcept;
    auto operator<=>(const Uuid&) const = default;
};

// An exact decimal, kept as its canonical text so no precision is lost on the way.
struct RETORT_API Numeric {
    std::string text = "0";

    Numeric() = default;
    explicit Numeric(std::string_view t);
    [[nodiscard]] double to_double() const;
    bool operator==(const Numeric&) const = default;
};

// JSON document kept as its text.
struct RETORT_API Json {
    std::string text = "null";
    bool operator==(const Json&) const = default;
};

using Bytes = std::vector<std::uint8_t>;

// A C++ type of the program's own, stored as one of the value types above: specialise type_adapter for it
// and it can be a mapped member, a bound parameter and a fetched column like any built-in type.
//
//   template <> struct retort::type_adapter<Money> {
//       using stored = std::int64_t;                                 // what the database holds
//       static stored to_stored(const Money& m) { return m.cents; }  // before binding
//       static Money from_stored(stored cents) { return Money{cents}; }  // after fetching
//       // Optional: the column's SQL type (a types::Custom one for DDL of its own); the stored type's otherwise.
//       static SqlType sql_type() { return types::Custom("Money", types::BigInteger()); }
//   };
//
// from_stored may throw (a DataError for a value the program cannot represent); the error reaches the caller.
template <class T>
struct type_adapter;

template <class T>
concept adapted_type = requires(const T& t, const typename type_adapter<T>::stored& s) {
    { type_adapter<T>::to_stored(t) };
    { type_adapter<T>::from_stored(s) } -> std::same_as<T>;
};

// A runtime value: what a bound parameter or a fetched column holds. NULL is the empty state.
class RETORT_API Value {
public:
    using Storage = std::variant<std::monostate, bool, std::int64_t, double, std::string, Bytes, Date, Time,
                                 DateTime, Interval, Uuid, Numeric, Json>;
    enum class Kind : std::uint8_t { Null, Bool, Int, Double, Text, Bytes, Date, Time, DateTime, Interval, Uuid,
                                     Numeric, Json };

    Value() = default;
    // Making, copying, moving and destroying a Value are compiled into Retort, not into each program file: its
    // storage is a variant of thirteen types.
    Value(const Value& other);
    Value(Value&& other) noexcept;
    Value& operator=(const Value& other);
    Value& operator=(Value&& other) noexcept;
    ~Value();
    Value(std::nullptr_t) noexcept;
    Value(std::nullopt_t) noexcept;
    Value(bool v);
    Value(int v);
    Value(long v);
    Value(long long v);
    Value(unsigned v);
    Value(unsigned short v);
    Value(short v);
    Value(double v);
    Value(float v);
    Value(std::string v);
    Value(std::string_view v);
    Value(const char* v);
    Value(Bytes v);
    Value(Date v);
    Value(Time v);
    Value(DateTime v);
    Value(Interval v);
    Value(Uuid v);
    Value(Numeric v);
    Value(Json v);
    template <adapted_type T>
    Value(const T& v) : Value(type_adapter<T>::to_stored(v)) {}
    template <class T>
    Value(const std::optional<T>& o) {
        if (o) *this = Value(*o);
    }

    [[nodiscard]] Kind kind() const noexcept { return static_cast<Kind>(v_.index()); }
    [[nodiscard]] bool is_null() const noexcept { return v_.index() == 0; }
    [[nodiscard]] const Storage& storage() const noexcept { return v_; }
    [[nodiscard]] Storage& storage() noexcept { return v_; }

    // The held value as T, converting where the conversion is lossless (int to double, text to Uuid, ...).
    // Throws TypeError otherwise, naming both types.
    template <class T>
    [[nodiscard]] T as() const;

    // Name of the held kind ("int", "text", ...), used in error messages instead of the value itself.
    [[nodiscard]] const char* type_name() const noexcept;
    // A short rendering for logs; text longer than a few dozen characters is cut.
    [[nodiscard]] std::string repr() const;

    bool operator==(const Value& other) const;

private:
    Storage v_;
};

RETORT_API const char* kind_name(Value::Kind k) noexcept;
// About the bytes a value takes when stored: its length for text, bytes, JSON and numeric, 8 or 16 for the
// fixed-size kinds, 1 for NULL. Used to keep a transaction within a byte limit
// (DialectCapabilities::max_bytes_per_transaction).
[[nodiscard]] RETORT_API std::size_t stored_size(const Value& v) noexcept;

namespace detail {
RETORT_API bool value_as(const Value& v, bool*);
RETORT_API std::int64_t value_as(const Value& v, std::int64_t*);
RETORT_API double value_as(const Value& v, double*);
RETORT_API std::string value_as(const Value& v, std::string*);
RETORT_API Bytes value_as(const Value& v, Bytes*);
RETORT_API Date value_as(const Value& v, Date*);
RETORT_API Time value_as(const Value& v, Time*);
RETORT_API DateTime value_as(const Value& v, DateTime*);
RETORT_API Interval value_as(const Value& v, Interval*);
RETORT_API Uuid value_as(const Value& v, Uuid*);
RETORT_API Numeric value_as(const Value& v, Numeric*);
RETORT_API Json value_as(const Value& v, Json*);
[[noreturn]] RETORT_API void throw_null_value(const char* target);
[[noreturn]] RETORT_API void throw_out_of_range(std::int64_t bits, const char* target);
// An integer read into a narrower C++ type: an error rather than a silent wrap-around.
template <class T>
T narrow_int(std::int64_t v) {
    if constexpr (sizeof(T) < sizeof(std::int64_t) || std::is_unsigned_v<T>) {
        if (v < static_cast<std::int64_t>(std::numeric_limits<T>::min()) ||
            (static_cast<std::uint64_t>(v) > static_cast<std::uint64_t>(std::numeric_limits<T>::max()) && v >= 0))
            throw_out_of_range(sizeof(T) * 8, std::is_unsigned_v<T> ? "unsigned integer" : "integer");
    }
    return static_cast<T>(v);
}
template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};
}  // namespace detail

template <class T>
T Value::as() const {
    if constexpr (detail::is_optional<T>::value) {
        if (is_null()) return std::nullopt;
        return as<typename T::value_type>();
    } else if constexpr (std::is_same_v<T, Value>) {
        return *this;
    } else if constexpr (adapted_type<T>) {
        return type_adapter<T>::from_stored(as<typename type_adapter<T>::stored>());
    } else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
        return detail::narrow_int<T>(detail::value_as(*this, static_cast<std::int64_t*>(nullptr)));
    } else if constexpr (std::is_same_v<T, float>) {
        return static_cast<float>(detail::value_as(*this, static_cast<double*>(nullptr)));
    } else {
        return detail::value_as(*this, static_cast<T*>(nullptr));
    }
}

}  // namespace retort
