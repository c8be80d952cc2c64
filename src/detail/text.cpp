#include "detail/text.hpp"

namespace retort::detail {

namespace {

constexpr char hex_lower[] = "0123456789abcdef";
constexpr char hex_upper[] = "0123456789ABCDEF";

bool is_unreserved(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
}

// Cuts a trailing comment from an INI value: '#' or ';' preceded by white space. Keys and tokens hold no white
// space, so this never truncates a credential.
std::string_view strip_inline_comment(std::string_view value) {
    for (std::size_t i = 1; i < value.size(); ++i)
        if ((value[i] == '#' || value[i] == ';') && is_space(value[i - 1])) return trim_view(value.substr(0, i));
    return value;
}

}  // namespace

// ---- white space, joining

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

std::string join(const std::vector<std::string>& items, std::string_view sep) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out += sep;
        out += items[i];
    }
    return out;
}

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

// ---- words

std::optional<bool> flag_value(std::string_view s) noexcept {
    if (s == "1" || s == "true" || s == "yes" || s == "on") return true;
    if (s == "0" || s == "false" || s == "no" || s == "off") return false;
    return std::nullopt;
}

bool is_string_or_number_literal(std::string_view s) noexcept {
    if (s.empty()) return false;
    if (s.front() == '\'' && s.back() == '\'') return true;
    std::size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
    if (i == s.size()) return false;
    for (; i < s.size(); ++i)
        if ((s[i] < '0' || s[i] > '9') && s[i] != '.') return false;
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

// ---- percent-encoding

std::string percent_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        int hi = -1, lo = -1;
        if (s[i] == '%' && i + 2 < s.size()) {
            hi = hex_value(s[i + 1]);
            lo = hex_value(s[i + 2]);
        }
        if (hi >= 0 && lo >= 0) {
            out += static_cast<char>(hi << 4 | lo);
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::string percent_encode(std::string_view s, std::string_view keep) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        if (is_unreserved(c) || keep.find(c) != std::string_view::npos) {
            out += c;
        } else {
            auto b = static_cast<unsigned char>(c);
            out += '%';
            out += hex_upper[b >> 4];
            out += hex_upper[b & 15];
        }
    }
    return out;
}

// ---- INI

std::optional<IniProblem> read_ini(std::string_view text, const IniRules& rules,
                                   const std::function<void(const IniEntry&)>& on_entry) {
    std::string_view section;  // views into text
    std::optional<IniEntry> pending;  // with continuation lines, a setting is handed on when its value is complete
    auto flush = [&] {
        if (pending) on_entry(*pending);
        pending.reset();
    };
    auto value_of = [&](std::string_view v) {
        return std::string(rules.inline_comments ? strip_inline_comment(v) : v);
    };
    std::size_t line_no = 0;
    for (std::size_t start = 0; start < text.size();) {
        auto end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view raw = text.substr(start, end - start);
        start = end + 1;
        ++line_no;
        auto line = trim_view(raw);
        if (line.empty() || line.front() == '#' || line.front() == ';') continue;
        if (pending && is_space(raw.front())) {
            pending->value += '\n';
            pending->value += value_of(line);
            continue;
        }
        flush();  // before anything below may stop the reading: entries arrive in the order of their lines
        if (line.front() == '[') {
            auto close = line.find(']');
            if (close == std::string_view::npos) return IniProblem{line_no, "unterminated section header"};
            auto after = trim_view(line.substr(close + 1));
            if (!after.empty() && after.front() != '#' && after.front() != ';')
                return IniProblem{line_no, "text after section header"};
            section = trim_view(line.substr(1, close - 1));
            if (section.empty()) return IniProblem{line_no, "empty section name"};
            on_entry(IniEntry{line_no, true, section, {}, {}});
            continue;
        }
        auto eq = line.find('=');
        if (eq == std::string_view::npos) return IniProblem{line_no, "expected 'key = value' or '[section]'"};
        IniEntry entry{line_no, false, section, trim_view(line.substr(0, eq)),
                       value_of(trim_view(line.substr(eq + 1)))};
        if (rules.continuation_lines) pending = std::move(entry);
        else on_entry(entry);
    }
    flush();
    return std::nullopt;
}

}  // namespace retort::detail
