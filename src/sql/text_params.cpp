#include "sql/text_params.hpp"

namespace retort::sql::detail {

namespace {

bool word_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool word_char(char c) { return word_start(c) || (c >= '0' && c <= '9'); }
// Characters of an unquoted identifier (PostgreSQL allows $ after the first, and any non-ASCII byte).
bool ident_char(char c) { return word_char(c) || c == '$' || static_cast<unsigned char>(c) >= 0x80; }
bool tag_start(char c) { return word_start(c) || static_cast<unsigned char>(c) >= 0x80; }

class Splitter {
public:
    explicit Splitter(std::string_view sql) : s_(sql) {}

    std::vector<TextPart> run() {
        const std::size_t n = s_.size();
        while (i_ < n) {
            const char c = s_[i_];
            if (c == '\\' && i_ + 1 < n && s_[i_ + 1] == ':') {
                escaped_colon();
            } else if (c == ':') {
                colon();
            } else if (c == '\'') {
                const bool e_string = i_ > 0 && (s_[i_ - 1] == 'E' || s_[i_ - 1] == 'e') && (i_ < 2 || !ident_char(s_[i_ - 2]));
                quoted('\'', e_string);
            } else if (c == '"' || c == '`') {
                quoted(c, false);
            } else if (c == '-' && i_ + 1 < n && s_[i_ + 1] == '-') {
                while (i_ < n && s_[i_] != '\n') ++i_;
            } else if (c == '/' && i_ + 1 < n && s_[i_ + 1] == '*') {
                block_comment();
            } else if (c == '$' && (i_ == 0 || !ident_char(s_[i_ - 1]))) {
                dollar_quoted();
            } else {
                ++i_;
            }
        }
        flush(n);
        return std::move(out_);
    }

private:
    // Text from start_ up to end (not included) as one piece.
    void flush(std::size_t end) {
        if (end > start_) out_.push_back({s_.substr(start_, end - start_), false});
        start_ = end;
    }

    // "\:": the text before, then the colon alone (the backslash is dropped).
    void escaped_colon() {
        flush(i_);
        start_ = i_ + 1;
        i_ += 2;
    }

    void colon() {
        const std::size_t n = s_.size();
        if (i_ + 1 < n && s_[i_ + 1] == ':') {
            while (i_ < n && s_[i_] == ':') ++i_;  // "::" casts (and longer runs) stay text
            return;
        }
        if (i_ + 1 < n && word_start(s_[i_ + 1])) {
            flush(i_);
            std::size_t j = i_ + 1;
            while (j < n && word_char(s_[j])) ++j;
            out_.push_back({s_.substr(i_ + 1, j - i_ - 1), true});
            i_ = start_ = j;
            return;
        }
        ++i_;
    }

    // A string literal or quoted identifier from the opening quote at i_; a doubled quote stays inside.
    // backslashes: E'...' (a backslash takes the next character with it). Elsewhere "\:" is a colon.
    void quoted(char q, bool backslashes) {
        const std::size_t n = s_.size();
        ++i_;
        while (i_ < n) {
            const char c = s_[i_];
            if (backslashes && c == '\\') {
                i_ += 2;
            } else if (!backslashes && c == '\\' && i_ + 1 < n && s_[i_ + 1] == ':') {
                escaped_colon();
            } else if (c == q) {
                if (i_ + 1 < n && s_[i_ + 1] == q) {
                    i_ += 2;
                } else {
                    ++i_;
                    return;
                }
            } else {
                ++i_;
            }
        }
        i_ = n;
    }

    void block_comment() {
        const std::size_t n = s_.size();
        int level = 0;
        while (i_ < n) {
            if (s_[i_] == '/' && i_ + 1 < n && s_[i_ + 1] == '*') {
                ++level;
                i_ += 2;
            } else if (s_[i_] == '*' && i_ + 1 < n && s_[i_ + 1] == '/') {
                i_ += 2;
                if (--level == 0) return;
            } else {
                ++i_;
            }
        }
    }

    // $tag$ ... $tag$ (the tag may be empty); a '$' that opens no such quote ($1, $name) is text.
    void dollar_quoted() {
        const std::size_t n = s_.size();
        std::size_t j = i_ + 1;
        if (j < n && tag_start(s_[j])) {
            ++j;
            while (j < n && (word_char(s_[j]) || static_cast<unsigned char>(s_[j]) >= 0x80)) ++j;
        }
        if (j >= n || s_[j] != '$') {
            ++i_;
            return;
        }
        const std::string_view delimiter = s_.substr(i_, j - i_ + 1);
        const std::size_t close = s_.find(delimiter, j + 1);
        i_ = close == std::string_view::npos ? n : close + delimiter.size();
    }

    std::string_view s_;
    std::size_t i_ = 0, start_ = 0;
    std::vector<TextPart> out_;
};

}  // namespace

std::vector<TextPart> split_text_params(std::string_view sql) { return Splitter(sql).run(); }

}  // namespace retort::sql::detail
