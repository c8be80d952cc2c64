// Change tracking. A persistent object keeps the column values it had when last loaded or flushed, packed
// into one block of bytes (a snapshot); a flush compares the members with it to find what changed. Each
// value is a kind byte (Value::Kind) followed by its payload: 8 bytes for integers and doubles, a 4-byte
// length and the bytes for text, binary, NUMERIC and JSON, the fields for dates, times and UUIDs. The
// encoding of a value is the same whichever C++ type held it, so a member compares equal exactly when
// Value(member) == the value it was loaded as.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

#include "retort/export.hpp"
#include "retort/types/value.hpp"

namespace retort::orm::snap {

using Byte = std::uint8_t;

// Size, writing, skipping, reading and comparing of any value.
[[nodiscard]] RETORT_API std::size_t size_of(const Value& v);
RETORT_API Byte* write(Byte* out, const Value& v);
[[nodiscard]] RETORT_API const Byte* skip(const Byte* in);
[[nodiscard]] RETORT_API Value read(const Byte* in);
[[nodiscard]] RETORT_API bool equal(const Byte* in, const Value& v);

// The fast paths for the member types most models use.
inline constexpr std::size_t kIntSize = 9;
inline Byte* write_int(Byte* out, std::int64_t x) {
    *out = static_cast<Byte>(Value::Kind::Int);
    std::memcpy(out + 1, &x, 8);
    return out + kIntSize;
}
inline bool equal_int(const Byte* in, std::int64_t x) {
    if (*in != static_cast<Byte>(Value::Kind::Int)) return false;
    std::int64_t y;
    std::memcpy(&y, in + 1, 8);
    return x == y;
}
inline std::size_t text_size(std::size_t n) { return 5 + n; }
inline Byte* write_text(Byte* out, std::string_view s) {
    *out = static_cast<Byte>(Value::Kind::Text);
    const auto n = static_cast<std::uint32_t>(s.size());
    std::memcpy(out + 1, &n, 4);
    if (n) std::memcpy(out + 5, s.data(), n);
    return out + 5 + n;
}
inline bool equal_text(const Byte* in, std::string_view s) {
    if (*in != static_cast<Byte>(Value::Kind::Text)) return false;
    std::uint32_t n;
    std::memcpy(&n, in + 1, 4);
    return n == s.size() && (n == 0 || std::memcmp(in + 5, s.data(), n) == 0);
}
inline Byte* write_null(Byte* out) {
    *out = static_cast<Byte>(Value::Kind::Null);
    return out + 1;
}

// The codec of one member type M.
template <class M>
struct Codec {
    static std::size_t size(const M& m) {
        if constexpr (retort::detail::is_optional<M>::value) {
            return m ? Codec<typename M::value_type>::size(*m) : 1;
        } else if constexpr (std::is_same_v<M, std::string>) {
            return text_size(m.size());
        } else if constexpr (std::is_integral_v<M> && !std::is_same_v<M, bool>) {
            return kIntSize;
        } else {
            return size_of(Value(m));
        }
    }
    static Byte* put(Byte* out, const M& m) {
        if constexpr (retort::detail::is_optional<M>::value) {
            return m ? Codec<typename M::value_type>::put(out, *m) : write_null(out);
        } else if constexpr (std::is_same_v<M, std::string>) {
            return write_text(out, m);
        } else if constexpr (std::is_integral_v<M> && !std::is_same_v<M, bool>) {
            return write_int(out, static_cast<std::int64_t>(m));
        } else {
            return write(out, Value(m));
        }
    }
    static bool same(const Byte* in, const M& m) {
        if constexpr (retort::detail::is_optional<M>::value) {
            if (!m) return *in == static_cast<Byte>(Value::Kind::Null);
            return Codec<typename M::value_type>::same(in, *m);
        } else if constexpr (std::is_same_v<M, std::string>) {
            return equal_text(in, m);
        } else if constexpr (std::is_integral_v<M> && !std::is_same_v<M, bool>) {
            return equal_int(in, static_cast<std::int64_t>(m));
        } else {
            return equal(in, Value(m));
        }
    }
};

}  // namespace retort::orm::snap
