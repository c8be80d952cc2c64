// What the engine's echo writes of a statement: its SQL, how the SQL was had (compiled now or cached), its
// values as SQLAlchemy renders them (long values and long sets cut, sensitive ones masked) and its run time.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine_impl.hpp"

namespace retort::detail {

// How the SQL of a statement about to run was had.
struct StatementOrigin {
    CacheStatus cache = CacheStatus::Raw;
    std::int64_t generated_at = 0;  // steady_clock ticks when compiling began (sql::Compiled::generated_at)
    // A statement the executemany made of many rows ("insertmanyvalues", "update from values", "bulk load"):
    // its SQL is long and cut in the message; batch k of n (0 when it is not one of several).
    std::string_view kind;
    std::size_t batch = 0, batches = 0;
};

// Appends a value as echo shows it: text quoted, bytes in hex, a representation over 300 characters cut to its
// first and last 150 with " ... (N characters truncated) ... " between; masked: '***'.
void append_logged_value(std::string& out, const Value& v, bool masked);
// Appends a set of values: "(5, 'abc')", "(5,)", "()"; more than 100 values: the first and last 50 with
// " ... N parameters truncated ... " between. masked[i] (when given) masks values[i].
void append_logged_set(std::string& out, std::span<const Value> values, std::span<const char> masked);
// The sets of an executemany: "[(1,), (2,)]"; more than 10: the first 8 and the last 2 with
// "  ... displaying 10 of N total bound parameter sets ...  " between. `sets` holds those shown, rendered.
std::string logged_sets(const std::vector<std::string>& sets, std::size_t total);
// A statement over 500 characters: its first 250 and last 100, with " ... N characters truncated ... ".
std::string cut_statement(std::string_view sql);
// Masks for the slots of a compiled statement (those bound to a sensitive column).
std::vector<char> masked_slots(const std::vector<sql::BindSlot>& slots);

// One statement's record, begun just before the driver call and written when the statement has run (or failed).
class StatementLog {
public:
    StatementLog(const Engine::Impl& eng, std::string_view sql, const StatementOrigin& origin);
    // The values of a statement run once.
    void set_values(std::span<const Value> values, std::span<const char> masked);
    // An executemany of `total` sets, each row masked as `masked` says; the rows shown come through add_set.
    void expect_sets(std::size_t total, std::vector<char> masked);
    [[nodiscard]] bool shows_set(std::size_t i) const noexcept {
        return many_ && !hidden_ && (total_ <= 10 || i < 8 || i + 2 >= total_);
    }
    void add_set(std::size_t i, std::span<const Value> row);
    void write(bool failed) const;

private:
    const Engine::Impl& eng_;
    std::string sql_;
    bool cut_;
    bool hidden_;
    std::string stats_;
    CacheStatus cache_;
    std::chrono::duration<double> cache_age_{};
    std::chrono::steady_clock::time_point started_;
    std::string values_;
    bool many_ = false;
    std::size_t total_ = 0;
    std::vector<char> masked_;
    std::vector<std::string> sets_;  // rendered, in order: the first ones, then (past 10) the last 2
    std::vector<std::size_t> set_index_;
};

}  // namespace retort::detail
