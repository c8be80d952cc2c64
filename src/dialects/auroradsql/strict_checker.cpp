#include <cctype>
#include <charconv>
#include <utility>
#include <mutex>

#include "retort/dialects/auroradsql.hpp"

namespace retort::dsql {

namespace {

std::mutex violations_mu;
std::vector<std::string> violations;

// The statement's words (identifiers, keywords, numbers) upper-cased, skipping string literals, quoted
// identifiers and comments, so that a value or a column named "serial" is never taken for a keyword.
std::vector<std::string> words(std::string_view sql) {
    std::vector<std::string> out;
    std::size_t i = 0;
    const std::size_t n = sql.size();
    while (i < n) {
        char c = sql[i];
        if (c == '\'' || c == '"') {
            const char q = c;
            for (++i; i < n; ++i) {
                if (sql[i] == q) {
                    if (i + 1 < n && sql[i + 1] == q) { ++i; continue; }
                    break;
                }
            }
            ++i;
        } else if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
            while (i < n && sql[i] != '\n') ++i;
        } else if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
            auto end = sql.find("*/", i + 2);
            i = end == std::string_view::npos ? n : end + 2;
        } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
            std::string w;
            while (i < n && (std::isalnum(static_cast<unsigned char>(sql[i])) || sql[i] == '_'))
                w.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(sql[i++]))));
            out.push_back(std::move(w));
        } else {
            ++i;
        }
    }
    return out;
}

bool has(const std::vector<std::string>& w, std::string_view word) {
    for (const auto& x : w)
        if (x == word) return true;
    return false;
}

// DSQL accepts identity columns and sequences only with CACHE 1 or CACHE >= 65536.
std::optional<std::string> check_cache(const std::vector<std::string>& w, std::string_view what) {
    for (std::size_t i = 0; i + 1 < w.size(); ++i) {
        if (w[i] != "CACHE") continue;
        std::int64_t v = 0;
        auto [p, ec] = std::from_chars(w[i + 1].data(), w[i + 1].data() + w[i + 1].size(), v);
        if (ec == std::errc() && (v == 1 || v >= 65536)) return std::nullopt;
        return std::string(what) + " with CACHE " + w[i + 1] + " (DSQL needs CACHE 1 or at least 65536)";
    }
    return std::string(what) + " without CACHE (DSQL needs CACHE 1 or at least 65536)";
}

}  // namespace

void StrictChecker::record_violation(std::string what) {
    std::lock_guard lock(violations_mu);
    violations.push_back(std::move(what));
}

std::vector<std::string> StrictChecker::take_violations() {
    std::lock_guard lock(violations_mu);
    return std::exchange(violations, {});
}

void StrictChecker::end_transaction() noexcept {
    in_tx_ = false;
    ddl_ = 0;
    dml_ = false;
    rows_ = 0;
}

std::optional<std::string> StrictChecker::check(std::string_view sql) {
    // Outside BEGIN ... COMMIT every statement is a transaction of its own.
    if (!in_tx_) end_transaction();
    last_dml_ = false;
    const auto w = words(sql);
    if (w.empty()) return std::nullopt;
    const std::string& first = w[0];
    const std::string second = w.size() > 1 ? w[1] : std::string();

    if (first == "BEGIN" || (first == "START" && second == "TRANSACTION")) {
        end_transaction();
        in_tx_ = true;
        return std::nullopt;
    }
    if (first == "SAVEPOINT" || first == "RELEASE" || (first == "ROLLBACK" && (second == "TO" || has(w, "SAVEPOINT"))))
        return "SAVEPOINT is not supported";
    if (first == "COMMIT" || first == "END" || first == "ROLLBACK" || first == "ABORT") {
        end_transaction();
        return std::nullopt;
    }
    if (first == "TRUNCATE") return "TRUNCATE is not supported";
    if (first == "LOCK") return "LOCK TABLE is not supported";

    const bool ddl = first == "CREATE" || first == "ALTER" || first == "DROP" || first == "COMMENT";
    bool dml = first == "INSERT" || first == "UPDATE" || first == "DELETE" || first == "MERGE" || first == "COPY";
    if (first == "WITH") dml = has(w, "INSERT") || has(w, "UPDATE") || has(w, "DELETE");

    if (ddl) {
        if (first == "ALTER" && (has(w, "FOREIGN") || has(w, "CHECK"))) {
            bool not_valid = false;
            for (std::size_t i = 0; i + 1 < w.size(); ++i) not_valid = not_valid || (w[i] == "NOT" && w[i + 1] == "VALID");
            if (!not_valid) return "a FOREIGN KEY or CHECK constraint added by ALTER TABLE needs NOT VALID";
        }
        for (const char* s : {"SERIAL", "BIGSERIAL", "SMALLSERIAL", "SERIAL2", "SERIAL4", "SERIAL8"})
            if (has(w, s)) return "SERIAL is not supported; use an identity column";
        if (first == "CREATE") {
            std::size_t k = 1;
            if (k < w.size() && (w[k] == "OR")) k += 2;  // OR REPLACE
            if (k < w.size() && (w[k] == "GLOBAL" || w[k] == "LOCAL")) ++k;
            if (k < w.size() && (w[k] == "TEMP" || w[k] == "TEMPORARY")) return "temporary tables are not supported";
            if (k < w.size() && w[k] == "TRIGGER") return "triggers are not supported";
            if (k < w.size() && w[k] == "UNIQUE") ++k;
            if (k < w.size() && w[k] == "INDEX" && (k + 1 >= w.size() || w[k + 1] != "ASYNC"))
                return "plain CREATE INDEX is not supported; DSQL builds indexes with CREATE INDEX ASYNC";
            if (k < w.size() && w[k] == "SEQUENCE")
                if (auto why = check_cache(w, "a sequence")) return why;
        }
        if (has(w, "IDENTITY"))
            if (auto why = check_cache(w, "an identity column")) return why;
        if (in_tx_ && ddl_ > 0) return "a second DDL statement in one transaction";
        if (in_tx_ && dml_) return "DDL after DML in one transaction";
        ++ddl_;
    } else if (dml) {
        if (in_tx_ && ddl_ > 0) return "DML after DDL in one transaction";
        dml_ = true;
        last_dml_ = true;
    }
    return std::nullopt;
}

std::optional<std::string> StrictChecker::count_rows(std::int64_t rows) {
    if (rows <= 0 || !last_dml_) return std::nullopt;
    rows_ += rows;
    if (row_limit_ > 0 && rows_ > row_limit_)
        return "a transaction modified " + std::to_string(rows_) + " rows, more than DSQL's " +
               std::to_string(row_limit_);
    return std::nullopt;
}

std::string local_equivalent(std::string_view sql) {
    // Only the forms Retort's DDL compiler emits: "CREATE [UNIQUE] INDEX ASYNC ...".
    for (std::string_view head : {"CREATE INDEX ASYNC ", "CREATE UNIQUE INDEX ASYNC "}) {
        if (sql.substr(0, head.size()) == head) {
            std::string out(sql);
            out.erase(head.size() - 6, 6);
            return out;
        }
    }
    return std::string(sql);
}

}  // namespace retort::dsql
