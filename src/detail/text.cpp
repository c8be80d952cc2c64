#include "detail/text.hpp"

namespace retort::detail {

namespace {

constexpr char hex_lower[] = "0123456789abcdef";
constexpr char hex_upper[] = "0123456789ABCDEF";

}  // namespace

// ---- whitespace

std::string_view trim_left_view(std::string_view s, std::string_view chars) noexcept {
    while (!s.empty() && chars.find(s.front()) != std::string_view::npos) s.remove_prefix(1);
    return s;
}

std::string_view trim_right_view(std::string_view s, std::string_view chars) noexcept {
    while (!s.empty() && chars.find(s.back()) != std::string_view::npos) s.remove_suffix(1);
    return s;
}

std::string_view trim_view(std::string_view s, std::string_view chars) noexcept {
    return trim_right_view(trim_left_view(s, chars), chars);
}

std::string trim(std::string_view s, std::string_view chars) { return std::string(trim_view(s, chars)); }

std::string remove_space(std::string_view s) {
    std::string out;
    for (char c : s)
        if (!is_space(c)) out += c;
    return out;
}

// ---- ASCII case

std::string to_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = to_lower(c);
    return out;
}

std::string to_upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = to_upper(c);
    return out;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (to_lower(a[i]) != to_lower(b[i])) return false;
    return true;
}

// ---- hex

void append_hex(std::string& out, const void* data, std::size_t size, bool upper) {
    const char* digits = upper ? hex_upper : hex_lower;
    const auto* bytes = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < size; ++i) {
        out += digits[bytes[i] >> 4];
        out += digits[bytes[i] & 15];
    }
}

std::string hex_encode(const void* data, std::size_t size, bool upper) {
    std::string out;
    out.reserve(2 * size);
    append_hex(out, data, size, upper);
    return out;
}

char* put_hex(char* out, const void* data, std::size_t size) noexcept {
    const auto* bytes = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < size; ++i) {
        *out++ = hex_lower[bytes[i] >> 4];
        *out++ = hex_lower[bytes[i] & 15];
    }
    return out;
}

void append_uuid(std::string& out, const std::uint8_t* bytes) {
    for (std::size_t i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
        out += hex_lower[bytes[i] >> 4];
        out += hex_lower[bytes[i] & 15];
    }
}

}  // namespace retort::detail
