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

}  // namespace retort::detail
