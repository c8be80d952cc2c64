#include "engine/echo.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>

#include "detail/text.hpp"

namespace retort {

// ---------------------------------------------------------------- the engine's log

void Engine::Impl::emit(const LogRecord& r) const {
    // Logging never breaks the work it reports on (it also runs while an error unwinds): a handler that throws is
    // told of on stderr.
    try {
        if (options.log_handler) {
            options.log_handler(r);
            return;
        }
        std::string prefixed;
        std::string_view text = r.message;
        if (r.level == LogLevel::Warning || r.level == LogLevel::Error) {
            prefixed = r.level == LogLevel::Warning ? "warning: " : "error: ";
            prefixed += r.message;
            text = prefixed;
        }
        if (options.log_sink)
            options.log_sink(text);
        else
            std::fprintf(stderr, "%.*s\n", static_cast<int>(text.size()), text.data());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "retort: the engine's log handler threw: %s\n", e.what());
    } catch (...) {
        std::fprintf(stderr, "retort: the engine's log handler threw\n");
    }
}

void Engine::Impl::log(std::string_view line) const {
    LogRecord r;
    r.level = LogLevel::Info;
    r.logger = "retort.engine";
    r.message = line;
    emit(r);
}

void Engine::Impl::log_pool(std::string_view line) const {
    if (!options.echo_pool) return;
    LogRecord r;
    r.level = LogLevel::Debug;
    r.logger = "retort.pool";
    r.message = line;
    emit(r);
}

void Engine::Impl::warn(std::string_view logger, std::string_view message) const {
    if (!options.echo && !options.echo_pool && !options.log_sink && !options.log_handler) return;
    LogRecord r;
    r.level = LogLevel::Warning;
    r.logger = logger;
    r.message = message;
    emit(r);
}

namespace detail {

namespace {

constexpr std::size_t kMaxChars = 300;      // a value's representation longer than this is cut
constexpr std::size_t kMaxParams = 100;     // a set of more values than this is cut
constexpr std::size_t kMaxSets = 10;        // an executemany of more sets than this shows 8 + 2
constexpr std::size_t kMaxStatement = 500;  // a batch statement longer than this is cut

bool continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// The length of a valid UTF-8 character starting at s[i], or 0 when s[i] does not start one.
std::size_t utf8_char(std::string_view s, std::size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k)
        if (!continuation(static_cast<unsigned char>(s[i + k]))) return 0;
    if (n == 2 && c < 0xC2) return 0;  // overlong
    return n;
}

// Characters of valid UTF-8 text (what this file writes).
std::size_t count_chars(std::string_view s) {
    std::size_t n = 0;
    for (char c : s) n += continuation(static_cast<unsigned char>(c)) ? 0 : 1;
    return n;
}
std::string_view first_chars(std::string_view s, std::size_t n) {
    std::size_t i = 0;
    for (; i < s.size(); ++i)
        if (!continuation(static_cast<unsigned char>(s[i])) && n-- == 0) break;
    return s.substr(0, i);
}
std::string_view last_chars(std::string_view s, std::size_t n) {
    std::size_t i = s.size();
    while (i > 0 && n > 0) {
        --i;
        if (!continuation(static_cast<unsigned char>(s[i]))) --n;
    }
    return s.substr(i);
}

// Text between quotes: the quote and backslash escaped, control characters and bytes that are not UTF-8 as
// \n, \r, \t or \xNN, so the log stays one valid UTF-8 line per value. `count` gives the characters written.
template <bool Write>
std::size_t quoted_body(std::string* out, std::string_view s) {
    std::size_t chars = 0;
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        const char* esc = c == '\'' ? "\\'" : c == '\\' ? "\\\\" : c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : nullptr;
        if (esc) {
            if constexpr (Write) out->append(esc);
            chars += 2;
            ++i;
            continue;
        }
        const std::size_t n = c < 0x20 || c == 0x7f ? 0 : utf8_char(s, i);
        if (n == 0) {
            if constexpr (Write) {
                out->append("\\x");
                append_hex(*out, &c, 1);
            }
            chars += 4;
            ++i;
            continue;
        }
        if constexpr (Write) out->append(s.substr(i, n));
        ++chars;
        i += n;
    }
    return chars;
}

void append_cut(std::string& out, std::string_view head, std::string_view tail, std::size_t total) {
    out += first_chars(head, kMaxChars / 2);
    out += " ... (";
    out += std::to_string(total - kMaxChars);
    out += " characters truncated) ... ";
    out += last_chars(tail, kMaxChars / 2);
}

// prefix + 'text', cut as SQLAlchemy cuts a long repr. Only the ends are rendered when the text is long.
void append_text(std::string& out, std::string_view prefix, std::string_view s) {
    const std::size_t total = prefix.size() + 2 + quoted_body<false>(nullptr, s);
    if (total <= kMaxChars) {
        out += prefix;
        out += '\'';
        quoted_body<true>(&out, s);
        out += '\'';
        return;
    }
    // The first 150 characters written come from at most the first 150 characters of the text (600 bytes); the
    // last 150 from at most its last 150.
    constexpr std::size_t span = 4 * (kMaxChars / 2) + 4;
    std::string head(prefix);
    head += '\'';
    quoted_body<true>(&head, s.substr(0, std::min(s.size(), span)));
    std::size_t from = s.size() > span ? s.size() - span : 0;
    for (int k = 0; k < 3 && from < s.size() && continuation(static_cast<unsigned char>(s[from])); ++k) ++from;
    std::string tail;
    quoted_body<true>(&tail, s.substr(from));
    tail += '\'';
    append_cut(out, head, tail, total);
}

void append_bytes(std::string& out, const Bytes& b) {
    const std::size_t total = 3 + 2 * b.size();
    if (total <= kMaxChars) {
        out += "x'";
        append_hex(out, b.data(), b.size());
        out += '\'';
        return;
    }
    constexpr std::size_t n = kMaxChars / 4 + 1;  // bytes enough for 150 characters of hex at either end
    std::string head = "x'";
    append_hex(head, b.data(), n);
    std::string tail;
    append_hex(tail, b.data() + b.size() - n, n);
    tail += '\'';
    append_cut(out, head, tail, total);
}

std::string seconds(const char* format, double s) {
    char buf[64];
    std::snprintf(buf, sizeof buf, format, s);
    return buf;
}

}  // namespace

void append_logged_value(std::string& out, const Value& v, bool masked) {
    if (masked) {
        out += "'***'";
        return;
    }
    switch (v.kind()) {
        case Value::Kind::Text: append_text(out, {}, std::get<std::string>(v.storage())); return;
        case Value::Kind::Json: append_text(out, "JSON ", std::get<Json>(v.storage()).text); return;
        case Value::Kind::Bytes: append_bytes(out, std::get<Bytes>(v.storage())); return;
        default: break;
    }
    // The other kinds are short, except a numeric of many digits.
    const std::string r = v.repr();
    if (r.size() <= kMaxChars) out += r;
    else append_cut(out, r, r, r.size());
}

void append_logged_set(std::string& out, std::span<const Value> values, std::span<const char> masked) {
    auto one = [&](std::size_t i) { append_logged_value(out, values[i], i < masked.size() && masked[i]); };
    const std::size_t n = values.size();
    out += '(';
    if (n > kMaxParams) {
        const std::size_t side = kMaxParams / 2;
        for (std::size_t i = 0; i < side; ++i) {
            if (i) out += ", ";
            one(i);
        }
        out += " ... ";
        out += std::to_string(n - kMaxParams);
        out += " parameters truncated ... ";
        for (std::size_t i = n - side; i < n; ++i) {
            if (i != n - side) out += ", ";
            one(i);
        }
    } else {
        for (std::size_t i = 0; i < n; ++i) {
            if (i) out += ", ";
            one(i);
        }
        if (n == 1) out += ',';
    }
    out += ')';
}

std::string logged_sets(const std::vector<std::string>& sets, std::size_t total) {
    std::string out = "[";
    if (total > kMaxSets) {
        // The first 8 and the last 2 (fewer when the executemany failed before its last sets).
        const std::size_t head = std::min(sets.size(), kMaxSets - 2);
        for (std::size_t i = 0; i < head; ++i) {
            if (i) out += ", ";
            out += sets[i];
        }
        out += "  ... displaying " + std::to_string(sets.size()) + " of " + std::to_string(total) +
               " total bound parameter sets ...  ";
        for (std::size_t i = head; i < sets.size(); ++i) {
            if (i != head) out += ", ";
            out += sets[i];
        }
    } else {
        for (std::size_t i = 0; i < sets.size(); ++i) {
            if (i) out += ", ";
            out += sets[i];
        }
    }
    out += ']';
    return out;
}

std::string cut_statement(std::string_view sql) {
    const std::size_t n = count_chars(sql);
    if (n <= kMaxStatement) return std::string(sql);
    constexpr std::size_t left = 250, right = 100;
    std::string out(first_chars(sql, left));
    out += " ... " + std::to_string(n - left - right) + " characters truncated ... ";
    out += last_chars(sql, right);
    return out;
}

std::vector<char> masked_slots(const std::vector<sql::BindSlot>& slots) {
    std::vector<char> out(slots.size());
    for (std::size_t i = 0; i < slots.size(); ++i) out[i] = slots[i].sensitive;
    return out;
}

// ---------------------------------------------------------------- StatementLog

StatementLog::StatementLog(const Engine::Impl& eng, std::string_view sql, const StatementOrigin& origin)
    : eng_(eng), sql_(sql), cut_(!origin.kind.empty()), hidden_(eng.options.hide_parameters), cache_(origin.cache) {
    using namespace std::chrono;
    const auto now = steady_clock::now();
    cache_age_ = duration<double>(now - steady_clock::time_point(steady_clock::duration(origin.generated_at)));
    const double age = cache_age_.count();
    switch (origin.cache) {
        case CacheStatus::Generated: stats_ = seconds("generated in %.5fs", age); break;
        case CacheStatus::Cached: stats_ = seconds("cached since %.4gs ago", age); break;
        case CacheStatus::Disabled: stats_ = seconds("caching disabled %.5fs", age); break;
        default:
            stats_ = "raw sql";
            cache_ = CacheStatus::Raw;
            cache_age_ = {};
            break;
    }
    if (!origin.kind.empty()) {
        // As SQLAlchemy reports its insertmanyvalues batches: the first says how its SQL was had, the others
        // only which batch they are.
        const std::string which =
            origin.batches > 0 ? " " + std::to_string(origin.batch) + "/" + std::to_string(origin.batches) : "";
        if (origin.batch <= 1)
            stats_ += " (" + std::string(origin.kind) + ")" + which;
        else
            stats_ = std::string(origin.kind) + which;
    }
    if (hidden_) values_ = "[SQL parameters hidden due to hide_parameters=True]";
    started_ = steady_clock::now();
}

void StatementLog::set_values(std::span<const Value> values, std::span<const char> masked) {
    if (!hidden_) append_logged_set(values_, values, masked);
}

void StatementLog::expect_sets(std::size_t total, std::vector<char> masked) {
    many_ = true;
    total_ = total;
    masked_ = std::move(masked);
}

void StatementLog::add_set(std::size_t i, std::span<const Value> row) {
    if (!shows_set(i) || (!set_index_.empty() && set_index_.back() >= i)) return;
    std::string s;
    append_logged_set(s, row, masked_);
    sets_.push_back(std::move(s));
    set_index_.push_back(i);
}

void StatementLog::write(bool failed) const {
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started_;
    const std::string values = many_ && !hidden_ ? logged_sets(sets_, total_) : values_;
    std::string message = cut_ ? cut_statement(sql_) : sql_;
    message += "\n[";
    message += stats_;
    message += seconds(failed ? "; failed after %.5fs] " : "; executed in %.5fs] ", took.count());
    message += values;
    LogRecord r;
    r.level = LogLevel::Info;
    r.logger = "retort.engine";
    r.message = message;
    r.statement = sql_;
    r.parameters = values;
    r.cache = cache_;
    r.cache_age = cache_age_;
    r.duration = took;
    r.failed = failed;
    eng_.emit(r);
}

}  // namespace detail
}  // namespace retort
