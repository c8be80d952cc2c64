// The snapshot encoding of values (see retort/orm/snapshot.hpp).
#include "retort/orm/snapshot.hpp"

#include <variant>

namespace retort::orm::snap {

namespace {

template <class X>
Byte* put_raw(Byte* out, const X& x) {
    std::memcpy(out, &x, sizeof(X));
    return out + sizeof(X);
}
template <class X>
X get_raw(const Byte*& in) {
    X x;
    std::memcpy(&x, in, sizeof(X));
    in += sizeof(X);
    return x;
}

Byte* put_len(Byte* out, const void* data, std::size_t n) {
    const auto len = static_cast<std::uint32_t>(n);
    out = put_raw(out, len);
    if (n) std::memcpy(out, data, n);
    return out + n;
}

constexpr std::size_t kDateSize = 12, kTimeSize = 16, kDateTimeSize = kDateSize + kTimeSize + 5;

Byte* put_date(Byte* out, const Date& d) {
    out = put_raw(out, static_cast<std::int32_t>(d.year));
    out = put_raw(out, static_cast<std::uint32_t>(d.month));
    return put_raw(out, static_cast<std::uint32_t>(d.day));
}
Byte* put_time(Byte* out, const Time& t) {
    out = put_raw(out, static_cast<std::uint32_t>(t.hour));
    out = put_raw(out, static_cast<std::uint32_t>(t.minute));
    out = put_raw(out, static_cast<std::uint32_t>(t.second));
    return put_raw(out, static_cast<std::uint32_t>(t.microsecond));
}
Date get_date(const Byte*& in) {
    Date d;
    d.year = get_raw<std::int32_t>(in);
    d.month = get_raw<std::uint32_t>(in);
    d.day = get_raw<std::uint32_t>(in);
    return d;
}
Time get_time(const Byte*& in) {
    Time t;
    t.hour = get_raw<std::uint32_t>(in);
    t.minute = get_raw<std::uint32_t>(in);
    t.second = get_raw<std::uint32_t>(in);
    t.microsecond = get_raw<std::uint32_t>(in);
    return t;
}

std::size_t payload_size(const Value& v) {
    return std::visit(
        [](const auto& a) -> std::size_t {
            using A = std::decay_t<decltype(a)>;
            if constexpr (std::is_same_v<A, std::monostate>) return 0;
            else if constexpr (std::is_same_v<A, bool>) return 1;
            else if constexpr (std::is_same_v<A, std::int64_t> || std::is_same_v<A, double>) return 8;
            else if constexpr (std::is_same_v<A, std::string>) return 4 + a.size();
            else if constexpr (std::is_same_v<A, Bytes>) return 4 + a.size();
            else if constexpr (std::is_same_v<A, Numeric> || std::is_same_v<A, Json>) return 4 + a.text.size();
            else if constexpr (std::is_same_v<A, Date>) return kDateSize;
            else if constexpr (std::is_same_v<A, Time>) return kTimeSize;
            else if constexpr (std::is_same_v<A, DateTime>) return kDateTimeSize;
            else if constexpr (std::is_same_v<A, Interval>) return 24;
            else return 16;  // Uuid
        },
        v.storage());
}

}  // namespace

std::size_t size_of(const Value& v) { return 1 + payload_size(v); }

Byte* write(Byte* out, const Value& v) {
    *out++ = static_cast<Byte>(v.kind());
    return std::visit(
        [out](const auto& a) -> Byte* {
            using A = std::decay_t<decltype(a)>;
            if constexpr (std::is_same_v<A, std::monostate>) return out;
            else if constexpr (std::is_same_v<A, bool>) return put_raw(out, static_cast<Byte>(a ? 1 : 0));
            else if constexpr (std::is_same_v<A, std::int64_t> || std::is_same_v<A, double>) return put_raw(out, a);
            else if constexpr (std::is_same_v<A, std::string>) return put_len(out, a.data(), a.size());
            else if constexpr (std::is_same_v<A, Bytes>) return put_len(out, a.data(), a.size());
            else if constexpr (std::is_same_v<A, Numeric> || std::is_same_v<A, Json>) return put_len(out, a.text.data(), a.text.size());
            else if constexpr (std::is_same_v<A, Date>) return put_date(out, a);
            else if constexpr (std::is_same_v<A, Time>) return put_time(out, a);
            else if constexpr (std::is_same_v<A, DateTime>) {
                Byte* o = put_time(put_date(out, a.date), a.time);
                o = put_raw(o, static_cast<Byte>(a.utc_offset_minutes ? 1 : 0));
                return put_raw(o, static_cast<std::int32_t>(a.utc_offset_minutes.value_or(0)));
            } else if constexpr (std::is_same_v<A, Interval>) {
                return put_raw(put_raw(put_raw(out, a.months), a.days), a.microseconds);
            } else {
                std::memcpy(out, a.bytes.data(), 16);
                return out + 16;
            }
        },
        v.storage());
}

const Byte* skip(const Byte* in) {
    const auto kind = static_cast<Value::Kind>(*in++);
    switch (kind) {
        case Value::Kind::Null: return in;
        case Value::Kind::Bool: return in + 1;
        case Value::Kind::Int:
        case Value::Kind::Double: return in + 8;
        case Value::Kind::Text:
        case Value::Kind::Bytes:
        case Value::Kind::Numeric:
        case Value::Kind::Json: {
            const auto n = get_raw<std::uint32_t>(in);
            return in + n;
        }
        case Value::Kind::Date: return in + kDateSize;
        case Value::Kind::Time: return in + kTimeSize;
        case Value::Kind::DateTime: return in + kDateTimeSize;
        case Value::Kind::Interval: return in + 24;
        case Value::Kind::Uuid: return in + 16;
    }
    return in;
}

Value read(const Byte* in) {
    const auto kind = static_cast<Value::Kind>(*in++);
    switch (kind) {
        case Value::Kind::Null: return {};
        case Value::Kind::Bool: return Value(*in != 0);
        case Value::Kind::Int: return Value(get_raw<std::int64_t>(in));
        case Value::Kind::Double: return Value(get_raw<double>(in));
        case Value::Kind::Text: {
            const auto n = get_raw<std::uint32_t>(in);
            return Value(std::string(reinterpret_cast<const char*>(in), n));
        }
        case Value::Kind::Bytes: {
            const auto n = get_raw<std::uint32_t>(in);
            return Value(Bytes(in, in + n));
        }
        case Value::Kind::Numeric: {
            const auto n = get_raw<std::uint32_t>(in);
            return Value(Numeric(std::string_view(reinterpret_cast<const char*>(in), n)));
        }
        case Value::Kind::Json: {
            const auto n = get_raw<std::uint32_t>(in);
            return Value(Json{std::string(reinterpret_cast<const char*>(in), n)});
        }
        case Value::Kind::Date: return Value(get_date(in));
        case Value::Kind::Time: return Value(get_time(in));
        case Value::Kind::DateTime: {
            DateTime dt;
            dt.date = get_date(in);
            dt.time = get_time(in);
            const bool has = get_raw<Byte>(in) != 0;
            const auto off = get_raw<std::int32_t>(in);
            if (has) dt.utc_offset_minutes = off;
            return Value(dt);
        }
        case Value::Kind::Interval: {
            Interval iv;
            iv.months = get_raw<std::int64_t>(in);
            iv.days = get_raw<std::int64_t>(in);
            iv.microseconds = get_raw<std::int64_t>(in);
            return Value(iv);
        }
        case Value::Kind::Uuid: {
            Uuid u;
            std::memcpy(u.bytes.data(), in, 16);
            return Value(u);
        }
    }
    return {};
}

bool equal(const Byte* in, const Value& v) {
    if (*in != static_cast<Byte>(v.kind())) return false;
    // Byte-wise: the encoding is canonical, so equal encodings are equal values (doubles compare by bits, so a
    // NaN that stays NaN is unchanged and 0.0 becoming -0.0 is a change).
    const std::size_t n = size_of(v);
    if (skip(in) - in != static_cast<std::ptrdiff_t>(n)) return false;
    if (n <= 64) {
        Byte buf[64];
        write(buf, v);
        return std::memcmp(buf, in, n) == 0;
    }
    return read(in) == v;
}

}  // namespace retort::orm::snap
