// The floor of bench/compile: the standard headers a program like the pet clinic uses, and SQLite's C API,
// with a little code using them (what any C++ program over sqlite3 pays before its own code).
#include <sqlite3.h>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

int run(const char* sql, std::vector<std::optional<std::string>>& out) {
    sqlite3* db = nullptr;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK) return 1;
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, sql, -1, &st, nullptr);
    std::function<void()> each = [&] {
        const unsigned char* t = sqlite3_column_text(st, 0);
        out.emplace_back(t ? std::optional<std::string>(reinterpret_cast<const char*>(t)) : std::nullopt);
    };
    while (sqlite3_step(st) == SQLITE_ROW) each();
    sqlite3_finalize(st);
    sqlite3_close(db);
    std::printf("%zu rows\n", out.size());
    return 0;
}
