// Small text helpers of the core library and the backends: trimming, ASCII case, hex, percent-encoding and
// an INI reader. ASCII only: nothing here depends on the process's locale.
//
// The backends (retort_sqlite, retort_postgresql, retort_auroradsql, retort_mysql) call the out-of-line
// functions across library boundaries, so they must stay visible from libretort.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace retort::detail {

// ---- whitespace

// The C locale's white space: space, \t, \n, \v, \f, \r.
inline constexpr std::string_view whitespace = " \t\n\v\f\r";

[[nodiscard]] constexpr bool is_space(char c) noexcept { return whitespace.find(c) != std::string_view::npos; }

// s without the leading and/or trailing characters that are in chars.
[[nodiscard]] std::string_view trim_left_view(std::string_view s, std::string_view chars = whitespace) noexcept;
[[nodiscard]] std::string_view trim_right_view(std::string_view s, std::string_view chars = whitespace) noexcept;
[[nodiscard]] std::string_view trim_view(std::string_view s, std::string_view chars = whitespace) noexcept;
[[nodiscard]] std::string trim(std::string_view s, std::string_view chars = whitespace);

}  // namespace retort::detail
