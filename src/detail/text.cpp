#include "detail/text.hpp"

namespace retort::detail {

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

}  // namespace retort::detail
