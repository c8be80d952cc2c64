#include "retort/sql/checks.hpp"

#include "detail/text.hpp"
#include "retort/error.hpp"

namespace retort::sql {

namespace {

// A short, printable rendering of user input for a message (control bytes as \xNN).
std::string shown(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size() && out.size() < 60; ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c == 0x7f) {
            out += "\\x";
            detail::append_hex(out, &c, 1);
        } else {
            out += static_cast<char>(c);
        }
    }
    if (out.size() >= 60) out += "...";
    return out;
}

bool ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool ident_char(char c) { return ident_start(c) || (c >= '0' && c <= '9') || c == '$'; }

// The length of the UTF-8 sequence starting s (1 to 4), or 0 when it is not one well-formed code point.
std::size_t utf8_length(std::string_view s) {
    if (s.empty()) return 0;
    auto b = static_cast<unsigned char>(s[0]);
    std::size_t n = b < 0x80 ? 1 : (b & 0xe0) == 0xc0 ? 2 : (b & 0xf0) == 0xe0 ? 3 : (b & 0xf8) == 0xf0 ? 4 : 0;
    if (n == 0 || s.size() < n) return 0;
    for (std::size_t i = 1; i < n; ++i)
        if ((static_cast<unsigned char>(s[i]) & 0xc0) != 0x80) return 0;
    return n;
}

}  // namespace

std::string_view check_like_escape(std::string_view escape) {
    if (escape.empty() || escape[0] == '\0' || utf8_length(escape) != escape.size())
        throw ArgumentError("the ESCAPE of like() / ilike() must be exactly one character, not '" + shown(escape) + "'");
    return escape;
}

void check_function_name(std::string_view name) {
    auto bad = [&](const char* why) {
        throw ArgumentError("'" + shown(name) + "' is not a SQL function name (" + why +
                            "); func::call() writes the name as it is, so it takes identifier[.identifier] only");
    };
    if (name.empty()) bad("it is empty");
    std::size_t part = 0;
    for (std::size_t i = 0; i <= name.size(); ++i) {
        if (i == name.size() || name[i] == '.') {
            if (part == 0) bad("an empty part");
            if (part > 63) bad("a part longer than 63 bytes");
            part = 0;
            continue;
        }
        if (part == 0 ? !ident_start(name[i]) : !ident_char(name[i])) bad("a character other than letters, digits, _ and $");
        ++part;
    }
}

std::string check_referential_action(std::string_view action) {
    // Words of letters, separated by blanks, upper-cased and joined by single spaces; any other character
    // spoils the result, so it matches no action.
    std::string words;
    bool in_word = false;
    for (char c : action) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            in_word = false;
            continue;
        }
        if (!in_word && !words.empty()) words += ' ';
        in_word = true;
        const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        words += letter ? static_cast<char>(c & ~0x20) : '?';
    }
    for (const char* known : {"CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT", "NO ACTION"})
        if (words == known) return words;
    throw ArgumentError("'" + shown(action) +
                        "' is not a foreign key action: ondelete / onupdate take CASCADE, SET NULL, SET DEFAULT, "
                        "RESTRICT or NO ACTION");
}

}  // namespace retort::sql
