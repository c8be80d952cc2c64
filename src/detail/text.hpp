// Small text helpers of the core library and the backends: trimming, joining, ASCII case, yes/no words, hex,
// percent-encoding and an INI reader. ASCII only: nothing here depends on the process's locale.
//
// The backends (retort_sqlite, retort_postgresql, retort_auroradsql, retort_mysql) and the retort tool call the
// out-of-line functions across library boundaries, so they must stay visible from libretort.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "retort/export.hpp"

namespace retort::detail {

// ---- white space, joining

// The C locale's white space: space, \t, \n, \v, \f, \r.
inline constexpr std::string_view whitespace = " \t\n\v\f\r";

[[nodiscard]] constexpr bool is_space(char c) noexcept { return whitespace.find(c) != std::string_view::npos; }

// s without the leading and/or trailing characters that are in chars.
[[nodiscard]] RETORT_API std::string_view trim_left_view(std::string_view s, std::string_view chars = whitespace) noexcept;
[[nodiscard]] RETORT_API std::string_view trim_right_view(std::string_view s, std::string_view chars = whitespace) noexcept;
[[nodiscard]] RETORT_API std::string_view trim_view(std::string_view s, std::string_view chars = whitespace) noexcept;
[[nodiscard]] RETORT_API std::string trim(std::string_view s, std::string_view chars = whitespace);
// The items with sep between them.
[[nodiscard]] RETORT_API std::string join(const std::vector<std::string>& items, std::string_view sep);
// s without any white space ("gen_random_uuid ( )" gives "gen_random_uuid()").
[[nodiscard]] RETORT_API std::string remove_space(std::string_view s);

// ---- ASCII case

[[nodiscard]] constexpr char to_lower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}
[[nodiscard]] constexpr char to_upper(char c) noexcept {
    return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}
[[nodiscard]] RETORT_API std::string to_lower(std::string_view s);
[[nodiscard]] RETORT_API std::string to_upper(std::string_view s);
// Equal but for the case of ASCII letters.
[[nodiscard]] RETORT_API bool iequals(std::string_view a, std::string_view b) noexcept;

// ---- words

// A yes/no setting (a URL query value): 1, true, yes, on or 0, false, no, off, in lower case; nullopt for
// anything else.
[[nodiscard]] RETORT_API std::optional<bool> flag_value(std::string_view s) noexcept;

// A SQL string literal ('...') or a number written plainly: an optional sign, then digits and dots.
[[nodiscard]] RETORT_API bool is_string_or_number_literal(std::string_view s) noexcept;

// ---- hex

// The value of a hex digit (either case), or -1.
[[nodiscard]] constexpr int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Two hex digits per byte, lower case unless upper.
RETORT_API void append_hex(std::string& out, const void* data, std::size_t size, bool upper = false);
[[nodiscard]] RETORT_API std::string hex_encode(const void* data, std::size_t size, bool upper = false);
// Writes 2 * size lower-case digits at out; returns the end.
RETORT_API char* put_hex(char* out, const void* data, std::size_t size) noexcept;
// 16 bytes as a UUID's text: 8-4-4-4-12 lower-case hex digits.
RETORT_API void append_uuid(std::string& out, const std::uint8_t* bytes);

// ---- percent-encoding (RFC 3986)

// Decodes each %XX; a '%' not followed by two hex digits stays as it is, as Python's unquote keeps it.
[[nodiscard]] RETORT_API std::string percent_decode(std::string_view s);
// Encodes every byte except the unreserved characters (A-Z a-z 0-9 - . _ ~) and those in keep, as %XX in
// upper case.
[[nodiscard]] RETORT_API std::string percent_encode(std::string_view s, std::string_view keep = "");

// ---- INI

// "[section]" headers (a comment may follow the ']'), "key = value" settings, whole-line comments starting with
// '#' or ';', and blank lines; white space around section names, keys and values is dropped.
struct IniRules {
    // An indented line after a setting continues its value on a new line: "s3 =\n  addressing_style = path"
    // gives s3 "\naddressing_style = path" (the AWS CLI's nested settings). Comment lines between do not end it.
    bool continuation_lines = false;
    // '#' or ';' after white space ends a value: "region = us-east-1 ; note" gives "us-east-1".
    bool inline_comments = false;
};

struct IniEntry {
    std::size_t line = 0;      // 1-based; a continued value's first line
    bool header = false;       // a "[section]" line: section is its name, key and value are empty
    std::string_view section;  // the section a setting stands in; empty before the first header (a view into text)
    std::string_view key;      // as written (a view into text)
    std::string value;
};

// A malformed line. what never quotes the line, which may hold a secret.
struct IniProblem {
    std::size_t line = 0;
    const char* what = "";
};

// Hands each header and setting of text to on_entry in order (a setting once its value is complete) and stops
// at the first malformed line: an unterminated "[section", text after a header other than a comment, an empty
// section name, a line that is neither header nor "key = value". What stood before that line has been handed on.
[[nodiscard]] RETORT_API std::optional<IniProblem> read_ini(std::string_view text, const IniRules& rules,
                                                 const std::function<void(const IniEntry&)>& on_entry);

}  // namespace retort::detail
