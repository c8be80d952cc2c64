#include "dialects/sqlite/sqlite_sql_text.hpp"

#include <cctype>

#include "detail/text.hpp"

namespace retort::detail::sqlite_text {

std::vector<Token> tokenize(std::string_view sql) {
    std::vector<Token> out;
    std::size_t i = 0;
    const std::size_t n = sql.size();
    auto is_word_char = [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '$' ||
               static_cast<unsigned char>(ch) >= 0x80;
    };
    while (i < n) {
        const char ch = sql[i];
        if (std::isspace(static_cast<unsigned char>(ch))) {
            ++i;
        } else if (ch == '-' && i + 1 < n && sql[i + 1] == '-') {
            while (i < n && sql[i] != '\n') ++i;
        } else if (ch == '/' && i + 1 < n && sql[i + 1] == '*') {
            const auto end = sql.find("*/", i + 2);
            i = end == std::string_view::npos ? n : end + 2;
        } else if (ch == '"' || ch == '`' || ch == '\'' || ch == '[') {
            const char close = ch == '[' ? ']' : ch;
            Token t;
            t.quoted = true;
            ++i;
            while (i < n) {
                if (sql[i] == close) {
                    if (close != ']' && i + 1 < n && sql[i + 1] == close) {
                        t.text += close;
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                t.text += sql[i++];
            }
            out.push_back(std::move(t));
        } else if (is_word_char(ch)) {
            Token t;
            t.word = true;
            while (i < n && is_word_char(sql[i])) t.text += sql[i++];
            out.push_back(std::move(t));
        } else {
            Token t;
            t.punct = ch;
            out.push_back(std::move(t));
            ++i;
        }
    }
    return out;
}

bool is_kw(const Token& t, std::string_view kw) { return t.word && iequals(t.text, kw); }



// Reads "( a, b COLLATE x DESC, ... )" starting at the '(' at toks[i]; leaves i after the ')'.
std::vector<std::string> read_column_list(const std::vector<Token>& toks, std::size_t& i) {
    std::vector<std::string> cols;
    if (i >= toks.size() || toks[i].punct != '(') return cols;
    ++i;
    int depth = 0;
    bool expect_name = true;
    for (; i < toks.size(); ++i) {
        const Token& t = toks[i];
        if (t.punct == '(') ++depth;
        if (t.punct == ')') {
            if (depth == 0) {
                ++i;
                break;
            }
            --depth;
        }
        if (depth == 0 && t.punct == ',') {
            expect_name = true;
        } else if (depth == 0 && expect_name && (t.word || t.quoted)) {
            cols.push_back(t.text);
            expect_name = false;
        }
    }
    return cols;
}

void parse_table_constraint(const std::vector<Token>& el, std::size_t i, std::optional<std::string> name,
                            std::vector<ParsedConstraint>& out) {
    if (i >= el.size()) return;
    if (is_kw(el[i], "primary")) {
        i += 2;  // PRIMARY KEY
        out.push_back({ParsedConstraint::Kind::PrimaryKey, std::move(name), read_column_list(el, i), {}});
    } else if (is_kw(el[i], "unique")) {
        ++i;
        out.push_back({ParsedConstraint::Kind::Unique, std::move(name), read_column_list(el, i), {}});
    } else if (is_kw(el[i], "foreign")) {
        i += 2;  // FOREIGN KEY
        auto cols = read_column_list(el, i);
        if (i < el.size() && is_kw(el[i], "references") && i + 1 < el.size())
            out.push_back({ParsedConstraint::Kind::ForeignKey, std::move(name), std::move(cols), el[i + 1].text});
    }
}

void parse_column_constraints(const std::vector<Token>& el, std::vector<ParsedConstraint>& out) {
    const std::string& column = el[0].text;
    std::optional<std::string> pending;
    int depth = 0;
    for (std::size_t j = 1; j < el.size(); ++j) {
        const Token& t = el[j];
        if (t.punct == '(') ++depth;
        if (t.punct == ')') --depth;
        if (depth != 0 || !t.word) continue;
        if (is_kw(t, "constraint") && j + 1 < el.size()) {
            pending = el[++j].text;
            continue;
        }
        if (is_kw(t, "primary")) {
            out.push_back({ParsedConstraint::Kind::PrimaryKey, std::move(pending), {column}, {}});
        } else if (is_kw(t, "unique")) {
            out.push_back({ParsedConstraint::Kind::Unique, std::move(pending), {column}, {}});
        } else if (is_kw(t, "references") && j + 1 < el.size()) {
            out.push_back({ParsedConstraint::Kind::ForeignKey, std::move(pending), {column}, el[j + 1].text});
        }
        // A CONSTRAINT name belongs to the constraint right after it, whatever kind that is.
        pending.reset();
    }
}

std::vector<ParsedConstraint> parse_constraints(std::string_view create_sql) {
    std::vector<ParsedConstraint> out;
    const auto toks = tokenize(create_sql);
    std::size_t i = 0;
    while (i < toks.size() && toks[i].punct != '(') ++i;
    if (i == toks.size()) return out;  // CREATE TABLE ... AS SELECT
    ++i;
    std::vector<Token> el;
    int depth = 0;
    for (; i < toks.size(); ++i) {
        const Token& t = toks[i];
        const bool closes_body = t.punct == ')' && depth == 0;
        if ((t.punct == ',' && depth == 0) || closes_body) {
            if (!el.empty()) {
                if (is_kw(el[0], "constraint") && el.size() > 2)
                    parse_table_constraint(el, 2, el[1].text, out);
                else if (is_kw(el[0], "primary") || is_kw(el[0], "unique") || is_kw(el[0], "foreign") ||
                         is_kw(el[0], "check"))
                    parse_table_constraint(el, 0, std::nullopt, out);
                else
                    parse_column_constraints(el, out);
            }
            el.clear();
            if (closes_body) break;
            continue;
        }
        if (t.punct == '(') ++depth;
        if (t.punct == ')') --depth;
        el.push_back(t);
    }
    return out;
}

}  // namespace retort::detail::sqlite_text
