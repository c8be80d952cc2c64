// The SQLite driver on its own, against real libsqlite3 databases (in memory and in temporary files):
// binding and reading every Value kind, the prepared-statement cache, cursors, errors and locking.
#include <sqlite3.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <regex>
#include <set>
#include <string>
#include <unistd.h>
#include <vector>

#include "dialects/sqlite/sqlite_driver.hpp"
#include "retort/error.hpp"

using retort::Bytes;
using retort::Value;
using retort::detail::SQLiteConnection;
using P = retort::ConnectParams;

namespace {

std::unique_ptr<SQLiteConnection> memory_db() { return std::make_unique<SQLiteConnection>(retort::ConnectParams{}); }

// A fresh file path under the system's temporary folder, removed (with its journal) at scope exit.
class TempDbFile {
public:
    TempDbFile() {
        static std::atomic<int> counter{0};
        path_ = std::filesystem::temp_directory_path() /
                ("retort_sqlite_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".db");
        cleanup();
    }
    ~TempDbFile() { cleanup(); }
    [[nodiscard]] std::string str() const { return path_.string(); }

private:
    void cleanup() {
        std::error_code ec;
        for (const char* suffix : {"", "-journal", "-wal", "-shm"})
            std::filesystem::remove(path_.string() + suffix, ec);
    }
    std::filesystem::path path_;
};

// Runs a query expected to yield one row and returns its first column.
Value scalar(SQLiteConnection& c, const std::string& sql, std::vector<Value> params = {}) {
    auto cur = c.execute(sql, params);
    EXPECT_TRUE(cur->next()) << sql;
    Value v = cur->get_value(0);
    EXPECT_FALSE(cur->next()) << sql;
    return v;
}

std::string text_of(SQLiteConnection& c, const std::string& sql, std::vector<Value> params = {}) {
    auto cur = c.execute(sql, params);
    EXPECT_TRUE(cur->next());
    return std::string(cur->get_text(0));
}

int storage_class(SQLiteConnection& c, const std::string& sql, std::vector<Value> params) {
    auto cur = c.execute(sql, params);
    EXPECT_TRUE(cur->next());
    auto* stmt = static_cast<retort::detail::SQLiteCursor*>(cur.get())->statement();
    return sqlite3_column_type(stmt, 0);
}

}  // namespace

// ------------------------------------------------------------------ connecting

TEST(SQLiteDriver, OpensInMemoryAndFile) {
    auto mem = std::make_unique<SQLiteConnection>(retort::ConnectParams{{"database", ":memory:"}});
    EXPECT_TRUE(mem->ping());
    EXPECT_FALSE(mem->is_disconnected());
    EXPECT_NE(mem->native_handle(), nullptr);
    EXPECT_EQ(scalar(*mem, "SELECT 1 + 1"), Value(2));

    TempDbFile file;
    {
        SQLiteConnection c(P{{"database", file.str()}, {"timeout", "1.5"}, {"check_same_thread", "false"}});
        c.exec_script("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (42);");
    }
    SQLiteConnection again(P{{"database", file.str()}, {"mode", "ro"}});
    EXPECT_EQ(scalar(again, "SELECT x FROM t"), Value(42));
    EXPECT_THROW(again.exec_script("INSERT INTO t VALUES (1)"), retort::OperationalError);  // read-only

    SQLiteConnection by_uri(P{{"database", "file:" + file.str() + "?mode=ro"}, {"uri", "true"}});
    EXPECT_EQ(scalar(by_uri, "SELECT count(*) FROM t"), Value(1));
}

// Retort turns SQLite's memory statistics off before its first connection (unless RETORT_SQLITE_MEMSTATUS=1 or the
// process initialized SQLite before): SQLite then counts no memory in use, however much its statements hold.
TEST(SQLiteDriver, MemoryStatisticsFollowTheConfiguration) {
    SQLiteConnection c(P{{"database", ":memory:"}});
    // Nothing in this program uses SQLite except through Retort's connections.
    const char* keep = std::getenv("RETORT_SQLITE_MEMSTATUS");
    EXPECT_EQ(retort::detail::sqlite_memory_statistics_off(), !(keep && std::string(keep) == "1"));
    c.exec_script("CREATE TABLE t (x TEXT); INSERT INTO t VALUES (hex(randomblob(4096)));");
    EXPECT_EQ(scalar(c, "SELECT length(x) FROM t"), Value(8192));
    if (retort::detail::sqlite_memory_statistics_off()) {
        EXPECT_EQ(sqlite3_memory_used(), 0);
    } else {
        EXPECT_GT(sqlite3_memory_used(), 0);
    }
}

TEST(SQLiteDriver, ConnectErrors) {
    EXPECT_THROW(SQLiteConnection(P{{"database", "/nonexistent-dir/x/y.db"}}), retort::OperationalError);
    TempDbFile missing;
    EXPECT_THROW(SQLiteConnection(P{{"database", missing.str()}, {"mode", "rw"}}), retort::OperationalError);
    EXPECT_THROW(SQLiteConnection(P{{"databse", "x.db"}}), retort::ArgumentError);
    EXPECT_THROW(SQLiteConnection(P{{"timeout", "soon"}}), retort::ArgumentError);
    EXPECT_THROW(SQLiteConnection(P{{"mode", "rwx"}}), retort::ArgumentError);
}

TEST(SQLiteDriver, CloseMakesConnectionUnusable) {
    auto c = memory_db();
    c->close();
    EXPECT_TRUE(c->is_disconnected());
    EXPECT_FALSE(c->ping());
    EXPECT_THROW(c->execute("SELECT 1", {}), retort::ProgrammingError);
    c->close();  // twice is fine
}

// ------------------------------------------------------------------ values

TEST(SQLiteDriver, ScalarKindsRoundTrip) {
    auto c = memory_db();
    auto& db = *c;
    EXPECT_TRUE(scalar(db, "SELECT ?", {Value()}).is_null());
    EXPECT_EQ(scalar(db, "SELECT ?", {true}), Value(1));
    EXPECT_EQ(scalar(db, "SELECT ?", {false}), Value(0));
    EXPECT_EQ(scalar(db, "SELECT ?", {std::numeric_limits<std::int64_t>::max()}),
              Value(std::numeric_limits<std::int64_t>::max()));
    EXPECT_EQ(scalar(db, "SELECT ?", {std::numeric_limits<std::int64_t>::min()}),
              Value(std::numeric_limits<std::int64_t>::min()));
    EXPECT_EQ(scalar(db, "SELECT ?", {0.1}), Value(0.1));
    EXPECT_EQ(scalar(db, "SELECT ?", {-1.5e300}), Value(-1.5e300));
    EXPECT_EQ(scalar(db, "SELECT ?", {"héllo wörld"}), Value("héllo wörld"));
    EXPECT_EQ(scalar(db, "SELECT ?", {std::string()}), Value(std::string()));
    EXPECT_EQ(scalar(db, "SELECT ?", {Bytes{0, 1, 2, 255}}), Value(Bytes{0, 1, 2, 255}));

    // An empty blob is a zero-length blob, not NULL.
    EXPECT_EQ(storage_class(db, "SELECT ?", {Bytes{}}), SQLITE_BLOB);
    EXPECT_EQ(scalar(db, "SELECT ?", {Bytes{}}), Value(Bytes{}));
    EXPECT_EQ(storage_class(db, "SELECT ?", {true}), SQLITE_INTEGER);
    EXPECT_EQ(storage_class(db, "SELECT ?", {"1"}), SQLITE_TEXT);
}

TEST(SQLiteDriver, StructuredKindsAreStoredAsSQLAlchemyDoes) {
    auto c = memory_db();
    auto& db = *c;
    const retort::Date d{2006, 10, 25};
    EXPECT_EQ(text_of(db, "SELECT ?", {d}), "2006-10-25");
    EXPECT_EQ(retort::Date::parse(text_of(db, "SELECT ?", {d})), d);

    const retort::Time t{7, 5, 3, 789};
    EXPECT_EQ(text_of(db, "SELECT ?", {t}), "07:05:03.000789");
    EXPECT_EQ(text_of(db, "SELECT ?", {retort::Time{23, 59, 59, 0}}), "23:59:59.000000");
    EXPECT_EQ(retort::Time::parse(text_of(db, "SELECT ?", {t})), t);

    const retort::DateTime naive{{2024, 2, 29}, {23, 59, 58, 123456}, std::nullopt};
    EXPECT_EQ(text_of(db, "SELECT ?", {naive}), "2024-02-29 23:59:58.123456");
    EXPECT_EQ(retort::DateTime::parse(text_of(db, "SELECT ?", {naive})), naive);

    // An instant is stored in UTC: 2024-02-29 23:30 at +02:00 is 21:30 UTC; -05:30 crosses midnight.
    const retort::DateTime plus2{{2024, 2, 29}, {23, 30, 0, 0}, 120};
    EXPECT_EQ(text_of(db, "SELECT ?", {plus2}), "2024-02-29 21:30:00.000000+00:00");
    const retort::DateTime minus530{{2024, 2, 29}, {20, 0, 0, 5}, -330};
    EXPECT_EQ(text_of(db, "SELECT ?", {minus530}), "2024-03-01 01:30:00.000005+00:00");
    const auto back = retort::DateTime::parse(text_of(db, "SELECT ?", {minus530}));
    EXPECT_EQ(back.utc_offset_minutes, 0);
    EXPECT_EQ(back.date, (retort::Date{2024, 3, 1}));

    const auto u = retort::Uuid::parse("6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b");
    EXPECT_EQ(text_of(db, "SELECT ?", {u}), "6f1c2a3b4d5e4f608a7b9c0d1e2f3a4b");
    EXPECT_EQ(retort::Uuid::parse(text_of(db, "SELECT ?", {u})), u);

    const retort::Interval iv{14, 3, 3'723'000'001};
    EXPECT_EQ(retort::Interval::parse(text_of(db, "SELECT ?", {iv})), iv);
    EXPECT_EQ(text_of(db, "SELECT ?", {iv}).front(), 'P');

    EXPECT_EQ(text_of(db, "SELECT ?", {retort::Numeric("12345678901234567890.123456789")}),
              "12345678901234567890.123456789");
    EXPECT_EQ(text_of(db, "SELECT ?", {retort::Json{R"({"a": [1, 2, "x"]})"}}), R"({"a": [1, 2, "x"]})");
}

TEST(SQLiteDriver, TypedTableRoundTrip) {
    auto c = memory_db();
    auto& db = *c;
    db.exec_script(
        "CREATE TABLE everything (id INTEGER PRIMARY KEY, b BOOLEAN, i BIGINT, f DOUBLE, s VARCHAR(50), "
        "bl BLOB, d DATE, t TIME, dt DATETIME, iv INTERVAL, u CHAR(32), n NUMERIC(10, 2), j JSON)");
    const auto u = retort::Uuid::parse("00112233-4455-6677-8899-aabbccddeeff");
    const retort::Interval iv{0, 1, 2};
    const std::vector<Value> row{true,
                                 std::int64_t{1} << 40,
                                 2.5,
                                 "it's",
                                 Bytes{9, 8, 7},
                                 retort::Date{1999, 12, 31},
                                 retort::Time{12, 0, 0, 1},
                                 retort::DateTime{{2000, 1, 1}, {0, 0, 0, 0}, std::nullopt},
                                 iv,
                                 u,
                                 retort::Numeric("12.50"),
                                 retort::Json{"[1, 2]"}};
    auto ins = db.execute("INSERT INTO everything (b, i, f, s, bl, d, t, dt, iv, u, n, j) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          row);
    EXPECT_EQ(ins->rowcount(), 1);
    EXPECT_EQ(ins->column_count(), 0);

    auto cur = db.execute("SELECT b, i, f, s, bl, d, t, dt, iv, u, n, j FROM everything", {});
    ASSERT_TRUE(cur->next());
    EXPECT_EQ(cur->column_count(), 12);
    EXPECT_EQ(cur->column_name(9), "u");
    EXPECT_TRUE(cur->get_bool(0));
    EXPECT_EQ(cur->get_int(1), std::int64_t{1} << 40);
    EXPECT_EQ(cur->get_double(2), 2.5);
    EXPECT_EQ(cur->get_text(3), "it's");
    EXPECT_EQ(cur->get_bytes(4), (Bytes{9, 8, 7}));
    EXPECT_EQ(retort::Date::parse(cur->get_text(5)), (retort::Date{1999, 12, 31}));
    EXPECT_EQ(retort::Time::parse(cur->get_text(6)), (retort::Time{12, 0, 0, 1}));
    EXPECT_EQ(cur->get_text(7), "2000-01-01 00:00:00.000000");
    EXPECT_EQ(retort::Interval::parse(cur->get_text(8)), iv);
    EXPECT_EQ(retort::Uuid::parse(cur->get_text(9)), u);
    EXPECT_EQ(retort::Numeric(cur->get_text(10)).to_double(), 12.5);  // NUMERIC affinity makes it a REAL
    EXPECT_EQ(cur->get_text(11), "[1, 2]");
    EXPECT_FALSE(cur->next());
    EXPECT_EQ(cur->rowcount(), -1);

    // Bound values compare equal to stored ones: the formats are stable.
    EXPECT_EQ(scalar(db, "SELECT count(*) FROM everything WHERE u = ? AND dt = ? AND d = ? AND t = ?",
                     {u, retort::DateTime{{2000, 1, 1}, {0, 0, 0, 0}, std::nullopt}, retort::Date{1999, 12, 31},
                      retort::Time{12, 0, 0, 1}}),
              Value(1));
}

TEST(SQLiteDriver, NullsReadBack) {
    auto c = memory_db();
    c->exec_script("CREATE TABLE n (a INTEGER, b TEXT, c BLOB)");
    c->execute("INSERT INTO n VALUES (?, ?, ?)", std::vector<Value>{Value(), Value(), Value()});
    auto cur = c->execute("SELECT a, b, c FROM n", {});
    ASSERT_TRUE(cur->next());
    for (int i = 0; i < 3; ++i) {
        EXPECT_TRUE(cur->is_null(i));
        EXPECT_TRUE(cur->get_value(i).is_null());
    }
    EXPECT_EQ(cur->get_text(1), "");
    EXPECT_TRUE(cur->get_bytes(2).empty());
    EXPECT_FALSE(cur->get_bool(0));
}

TEST(SQLiteDriver, GetBoolReadsIntegersAndText) {
    auto c = memory_db();
    auto cur = c->execute("SELECT 0, 7, 'true', '1', 'FALSE', '0', 'maybe', 0.5", {});
    ASSERT_TRUE(cur->next());
    EXPECT_FALSE(cur->get_bool(0));
    EXPECT_TRUE(cur->get_bool(1));
    EXPECT_TRUE(cur->get_bool(2));
    EXPECT_TRUE(cur->get_bool(3));
    EXPECT_FALSE(cur->get_bool(4));
    EXPECT_FALSE(cur->get_bool(5));
    EXPECT_THROW((void)cur->get_bool(6), retort::TypeError);
    EXPECT_TRUE(cur->get_bool(7));
}

TEST(SQLiteDriver, AwkwardStrings) {
    auto c = memory_db();
    c->exec_script("CREATE TABLE s (id INTEGER PRIMARY KEY, v TEXT, b BLOB)");
    const std::string quotes = R"(it's "quoted" \ ; -- not a comment /* nor this */ ?)";
    const std::string with_nul("a\0b\0\0c", 6);
    std::string big(1 << 20, 'x');
    for (std::size_t i = 0; i < big.size(); i += 997) big[i] = static_cast<char>('a' + i % 26);
    Bytes big_blob(1 << 20);
    for (std::size_t i = 0; i < big_blob.size(); ++i) big_blob[i] = static_cast<std::uint8_t>(i * 31);

    for (const auto& s : {quotes, with_nul, big})
        c->execute("INSERT INTO s (v, b) VALUES (?, ?)", std::vector<Value>{s, big_blob});
    auto cur = c->execute("SELECT v, length(CAST(v AS BLOB)), b FROM s ORDER BY id", {});
    for (const auto& s : {quotes, with_nul, big}) {
        ASSERT_TRUE(cur->next());
        EXPECT_EQ(cur->get_text(0), s);
        EXPECT_EQ(cur->get_value(0), Value(s));
        EXPECT_EQ(cur->get_int(1), static_cast<std::int64_t>(s.size()));
        EXPECT_EQ(cur->get_bytes(2), big_blob);
    }
    EXPECT_FALSE(cur->next());
    EXPECT_EQ(scalar(*c, "SELECT count(*) FROM s WHERE v = ?", {with_nul}), Value(1));
}

// ------------------------------------------------------------------ statements and cursors

TEST(SQLiteDriver, StatementCachePreparesOnce) {
    auto c = memory_db();
    c->exec_script("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
    const auto before = c->prepare_count();
    for (int i = 0; i < 10; ++i) {
        auto cur = c->execute("INSERT INTO t (v) VALUES (?)", std::vector<Value>{"row " + std::to_string(i)});
        EXPECT_EQ(cur->rowcount(), 1);
    }
    for (int i = 1; i <= 10; ++i) EXPECT_EQ(scalar(*c, "SELECT v FROM t WHERE id = ?", {i}), Value("row " + std::to_string(i - 1)));
    EXPECT_EQ(c->prepare_count() - before, 2u);
    EXPECT_EQ(c->cached_statement_count(), 3u);  // the CREATE TABLE script, the INSERT and the SELECT

    // The same statement as SQLite sees it: one prepared object per cached text.
    int stmts = 0;
    for (sqlite3_stmt* s = sqlite3_next_stmt(c->handle(), nullptr); s; s = sqlite3_next_stmt(c->handle(), s)) ++stmts;
    EXPECT_EQ(stmts, 3);

    // Without prepare, every execution prepares a private statement.
    retort::DriverExecOptions once;
    once.prepare = false;
    const auto mark = c->prepare_count();
    for (int i = 0; i < 3; ++i) (void)c->execute("SELECT count(*) FROM t", {}, once);
    EXPECT_EQ(c->prepare_count() - mark, 3u);
    EXPECT_EQ(c->cached_statement_count(), 3u);

    c->clear_statement_cache();
    EXPECT_EQ(c->cached_statement_count(), 0u);
    EXPECT_EQ(scalar(*c, "SELECT count(*) FROM t"), Value(10));
}

// A cached statement keeps its small bindings until its next use binds them all again, but lets SQLite's copy of
// a large text go when its cursor is done.
TEST(SQLiteDriver, CachedStatementDropsALargeBoundTextOnRelease) {
    auto c = memory_db();
    (void)scalar(*c, "SELECT length(?)", {std::string("warm")});
    const auto before = sqlite3_memory_used();
    if (before <= 0) GTEST_SKIP() << "this libsqlite3 keeps no memory statistics";
    const std::string big(4 << 20, 'x');
    {
        auto cur = c->execute("SELECT length(?)", std::vector<Value>{big});
        ASSERT_TRUE(cur->next());
        EXPECT_EQ(cur->get_int(0), static_cast<std::int64_t>(big.size()));
        EXPECT_GE(sqlite3_memory_used(), before + static_cast<std::int64_t>(big.size()));  // SQLite's copy
    }
    EXPECT_LT(sqlite3_memory_used(), before + (1 << 20));
    EXPECT_EQ(c->cached_statement_count(), 1u);
    // Small values bound again on each use read back as they were given.
    for (const char* v : {"a", "bb", "ccc"})
        EXPECT_EQ(scalar(*c, "SELECT length(?)", {std::string(v)}), Value(static_cast<std::int64_t>(std::strlen(v))));
}

TEST(SQLiteDriver, StatementCacheEvictsWhenFull) {
    SQLiteConnection c(P{{"cached_statements", "4"}});
    for (int i = 0; i < 20; ++i) EXPECT_EQ(scalar(c, "SELECT " + std::to_string(i)), Value(i));
    EXPECT_LE(c.cached_statement_count(), 4u);
    SQLiteConnection none(P{{"cached_statements", "0"}});
    EXPECT_EQ(scalar(none, "SELECT 1"), Value(1));
    EXPECT_EQ(none.cached_statement_count(), 0u);
}

TEST(SQLiteDriver, TwoOpenCursorsOverTheSameSql) {
    auto c = memory_db();
    c->exec_script("CREATE TABLE t (x INTEGER)");
    std::vector<std::vector<Value>> rows;
    for (int i = 1; i <= 5; ++i) rows.push_back({i});
    EXPECT_EQ(c->execute_many("INSERT INTO t VALUES (?)", rows), 5);

    const std::string sql = "SELECT x FROM t WHERE x >= ? ORDER BY x";
    const auto before = c->prepare_count();
    auto a = c->execute(sql, std::vector<Value>{1});
    ASSERT_TRUE(a->next());
    EXPECT_EQ(a->get_int(0), 1);
    auto b = c->execute(sql, std::vector<Value>{3});  // the cached statement is busy: a private one
    EXPECT_EQ(c->prepare_count() - before, 2u);
    std::vector<std::int64_t> seen_b;
    while (b->next()) seen_b.push_back(b->get_int(0));
    EXPECT_EQ(seen_b, (std::vector<std::int64_t>{3, 4, 5}));
    std::vector<std::int64_t> seen_a{1};
    while (a->next()) seen_a.push_back(a->get_int(0));
    EXPECT_EQ(seen_a, (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
    a.reset();
    b.reset();
    // Both returned: the cached statement is free again and is reused.
    EXPECT_EQ(scalar(*c, sql, {5}), Value(5));
    EXPECT_EQ(c->prepare_count() - before, 2u);
}

TEST(SQLiteDriver, CursorOverManyRows) {
    auto c = memory_db();
    auto cur = c->execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) SELECT i, 'r' || i FROM n",
        {});
    std::int64_t count = 0, sum = 0;
    while (cur->next()) {
        ++count;
        sum += cur->get_int(0);
        if (count == 99'999) {
            EXPECT_EQ(cur->get_text(1), "r99999");
        }
    }
    EXPECT_EQ(count, 100'000);
    EXPECT_EQ(sum, std::int64_t{100'000} * 100'001 / 2);
    EXPECT_FALSE(cur->next());
    EXPECT_EQ(cur->column_name(1), "'r' || i");  // names outlive the rows
}

TEST(SQLiteDriver, ExecuteManyInATransaction) {
    TempDbFile file;
    SQLiteConnection c(P{{"database", file.str()}});
    c.exec_script("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL)");
    std::vector<std::vector<Value>> rows;
    for (int i = 0; i < 100'000; ++i) rows.push_back({"name " + std::to_string(i), i * 0.5});
    c.exec_script("BEGIN");
    EXPECT_EQ(c.execute_many("INSERT INTO t (name, score) VALUES (?, ?)", rows), 100'000);
    c.exec_script("COMMIT");
    EXPECT_EQ(scalar(c, "SELECT count(*) FROM t"), Value(100'000));

    std::vector<std::vector<Value>> updates{{1.0, 1}, {2.0, 2}, {3.0, 999'999}};
    EXPECT_EQ(c.execute_many("UPDATE t SET score = ? WHERE id = ?", updates), 2);
    EXPECT_EQ(c.execute_many("UPDATE t SET score = ?", {}), 0);
    EXPECT_EQ(c.execute_many("SELECT ?", std::vector<std::vector<Value>>{{1}, {2}}), 0);
}

TEST(SQLiteDriver, RowcountAndReturning) {
    auto c = memory_db();
    c->exec_script("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)");
    EXPECT_EQ(c->execute("INSERT INTO t (v) VALUES (1), (2), (3)", {})->rowcount(), 3);
    EXPECT_EQ(c->execute("UPDATE t SET v = v + 1 WHERE v > ?", std::vector<Value>{1})->rowcount(), 2);
    EXPECT_EQ(c->execute("SELECT * FROM t", {})->rowcount(), -1);
    EXPECT_EQ(c->execute("CREATE TABLE u (a)", {})->rowcount(), -1);
    EXPECT_EQ(c->execute("WITH x AS (SELECT 1) DELETE FROM u", {})->rowcount(), 0);

    auto ret = c->execute("UPDATE t SET v = v * 10 RETURNING id, v", {});
    EXPECT_EQ(ret->column_count(), 2);
    std::set<std::int64_t> values;
    while (ret->next()) values.insert(ret->get_int(1));
    EXPECT_EQ(values, (std::set<std::int64_t>{10, 30, 40}));
    EXPECT_EQ(ret->rowcount(), 3);

    auto none = c->execute("DELETE FROM t WHERE id < 0 RETURNING id", {});
    EXPECT_FALSE(none->next());
    EXPECT_EQ(none->rowcount(), 0);
    EXPECT_EQ(none->column_name(0), "id");
}

TEST(SQLiteDriver, DmlRunsWithoutReadingTheCursor) {
    auto c = memory_db();
    c->exec_script("CREATE TABLE t (id INTEGER PRIMARY KEY)");
    (void)c->execute("INSERT INTO t VALUES (7) RETURNING id", {});
    (void)c->execute("INSERT INTO t VALUES (8)", {});
    EXPECT_EQ(scalar(*c, "SELECT group_concat(id) FROM t"), Value("7,8"));
}

TEST(SQLiteDriver, EmptyStatementGivesNoRows) {
    auto c = memory_db();
    auto cur = c->execute("  -- nothing here\n", {});
    EXPECT_FALSE(cur->next());
    EXPECT_EQ(cur->column_count(), 0);
    c->exec_script("");
    c->exec_script(" ; ");
}

TEST(SQLiteDriver, TransactionsAndSavepoints) {
    auto c = memory_db();
    c->exec_script("CREATE TABLE t (x INTEGER)");
    c->exec_script("BEGIN");
    c->execute("INSERT INTO t VALUES (?)", std::vector<Value>{1});
    c->exec_script("SAVEPOINT sp1");
    c->execute("INSERT INTO t VALUES (?)", std::vector<Value>{2});
    c->exec_script("ROLLBACK TO SAVEPOINT sp1");
    c->exec_script("RELEASE SAVEPOINT sp1");
    c->exec_script("COMMIT");
    EXPECT_EQ(scalar(*c, "SELECT group_concat(x) FROM t"), Value("1"));
    EXPECT_TRUE(sqlite3_get_autocommit(c->handle()));

    c->exec_script("BEGIN");
    c->execute("INSERT INTO t VALUES (?)", std::vector<Value>{3});
    c->exec_script("ROLLBACK");
    EXPECT_EQ(scalar(*c, "SELECT count(*) FROM t"), Value(1));
    // BEGIN and COMMIT are cached like any single statement.
    const auto before = c->prepare_count();
    c->exec_script("BEGIN");
    c->exec_script("COMMIT");
    EXPECT_EQ(c->prepare_count(), before);
}

TEST(SQLiteDriver, CursorsSurviveCacheClearAndConnectionClose) {
    auto c = memory_db();
    c->exec_script("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2), (3);");
    auto cur = c->execute("SELECT x FROM t ORDER BY x", {});
    ASSERT_TRUE(cur->next());
    c->clear_statement_cache();
    ASSERT_TRUE(cur->next());
    EXPECT_EQ(cur->get_int(0), 2);
    auto other = c->execute("SELECT x FROM t ORDER BY x DESC", {});
    ASSERT_TRUE(other->next());
    c->close();
    EXPECT_FALSE(cur->next());
    EXPECT_FALSE(other->next());
    cur->close();
}

TEST(SQLiteDriver, ClosedCursorStopsAndFreesTheStatement) {
    auto c = memory_db();
    auto cur = c->execute("SELECT 1 UNION ALL SELECT 2", {});
    cur->close();
    EXPECT_FALSE(cur->next());
    const auto before = c->prepare_count();
    auto again = c->execute("SELECT 1 UNION ALL SELECT 2", {});
    ASSERT_TRUE(again->next());
    EXPECT_EQ(again->get_int(0), 1);
    EXPECT_EQ(c->prepare_count(), before);  // it went back to the cache
}

// ------------------------------------------------------------------ errors

TEST(SQLiteDriver, ErrorsAreTyped) {
    auto c = memory_db();
    c->exec_script(
        "PRAGMA foreign_keys = ON;"
        "CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
        "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id));");
    const std::string insert = "INSERT INTO parent (name) VALUES (?)";
    c->execute(insert, std::vector<Value>{"a"});

    try {
        c->execute(insert, std::vector<Value>{"a"});
        FAIL() << "no error";
    } catch (const retort::IntegrityError& e) {
        EXPECT_NE(std::string(e.orig_message()).find("UNIQUE"), std::string::npos) << e.what();
        EXPECT_EQ(e.statement(), insert);
        EXPECT_EQ(e.param_types(), (std::vector<std::string>{"text"}));
        EXPECT_TRUE(e.sqlstate().empty());
    }
    EXPECT_THROW(c->execute(insert, std::vector<Value>{Value()}), retort::IntegrityError);  // NOT NULL
    EXPECT_THROW(c->execute("INSERT INTO child (parent_id) VALUES (?)", std::vector<Value>{99}),
                 retort::IntegrityError);  // foreign key
    EXPECT_THROW(c->execute_many(insert, std::vector<std::vector<Value>>{{"b"}, {"a"}}), retort::IntegrityError);

    // After the failures the cached INSERT is free again and the connection works.
    const auto before = c->prepare_count();
    EXPECT_EQ(c->execute(insert, std::vector<Value>{"c"})->rowcount(), 1);
    EXPECT_EQ(c->prepare_count(), before);
    EXPECT_EQ(scalar(*c, "SELECT count(*) FROM parent"), Value(3));  // a, b (from execute_many), c
}

TEST(SQLiteDriver, SyntaxErrorNamesTheStatementButNotTheValues) {
    auto c = memory_db();
    const std::string bad = "SELEC name FROM users WHERE password = ?";
    try {
        c->execute(bad, std::vector<Value>{"hunter2"});
        FAIL() << "no error";
    } catch (const retort::OperationalError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find(bad), std::string::npos) << what;
        EXPECT_NE(what.find("syntax error"), std::string::npos) << what;
        EXPECT_NE(what.find("text"), std::string::npos) << what;
        EXPECT_EQ(what.find("hunter2"), std::string::npos) << what;
    }
    EXPECT_THROW(c->execute("SELECT * FROM no_such_table", {}), retort::OperationalError);
    EXPECT_THROW(c->exec_script("SELECT nope FROM sqlite_master"), retort::OperationalError);
}

TEST(SQLiteDriver, ProgrammingErrors) {
    auto c = memory_db();
    EXPECT_THROW(c->execute("SELECT 1; SELECT 2", {}), retort::ProgrammingError);
    EXPECT_NO_THROW(c->execute("SELECT 1; ; -- done\n /* really */", {}));
    EXPECT_THROW(c->execute("SELECT ?, ?", std::vector<Value>{1}), retort::ProgrammingError);
    EXPECT_THROW(c->execute("SELECT 1", std::vector<Value>{1}), retort::ProgrammingError);
}

TEST(SQLiteDriver, DataErrors) {
    auto c = memory_db();
    c->exec_script("CREATE TABLE t (id INTEGER PRIMARY KEY)");
    EXPECT_THROW(c->execute("INSERT INTO t (id) VALUES (?)", std::vector<Value>{"not a number"}), retort::DataError);
}

TEST(SQLiteDriver, ErrorWhileSteppingLaterRows) {
    auto c = memory_db();
    // abs() of the smallest integer overflows on the second row, inside next().
    auto cur = c->execute("SELECT abs(x) FROM (SELECT 1 AS x UNION ALL SELECT -9223372036854775807 - 1)", {});
    ASSERT_TRUE(cur->next());
    EXPECT_THROW(cur->next(), retort::OperationalError);
    EXPECT_FALSE(cur->next());
    EXPECT_EQ(scalar(*c, "SELECT 1"), Value(1));
}

// ------------------------------------------------------------------ functions and locking

TEST(SQLiteDriver, GenRandomUuidAndNow) {
    auto c = memory_db();
    const std::regex hex32("[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}");
    std::set<std::string> seen;
    auto cur = c->execute("SELECT gen_random_uuid() FROM (SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3)", {});
    while (cur->next()) {
        std::string u(cur->get_text(0));
        EXPECT_TRUE(std::regex_match(u, hex32)) << u;
        seen.insert(u);
    }
    EXPECT_EQ(seen.size(), 3u);

    const std::string now = text_of(*c, "SELECT now()");
    EXPECT_TRUE(std::regex_match(now, std::regex(R"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6})"))) << now;
    const auto parsed = retort::DateTime::parse(now);
    const auto sqlite_now = text_of(*c, "SELECT datetime('now')");
    EXPECT_EQ(now.substr(0, 13), sqlite_now.substr(0, 13)) << now << " vs " << sqlite_now;  // same UTC hour
    EXPECT_FALSE(parsed.utc_offset_minutes.has_value());

    // As server defaults, with RETURNING.
    c->exec_script(
        "CREATE TABLE owner (id CHAR(32) PRIMARY KEY DEFAULT (gen_random_uuid()), name TEXT, "
        "created DATETIME DEFAULT (now()))");
    auto ret = c->execute("INSERT INTO owner (name) VALUES (?) RETURNING id, created", std::vector<Value>{"Joe"});
    ASSERT_TRUE(ret->next());
    EXPECT_TRUE(std::regex_match(std::string(ret->get_text(0)), hex32));
    EXPECT_EQ(ret->get_text(1).size(), 26u);
}

TEST(SQLiteDriver, BusyTimeoutBetweenTwoConnections) {
    TempDbFile file;
    SQLiteConnection writer(P{{"database", file.str()}});
    writer.exec_script("CREATE TABLE t (x INTEGER)");
    SQLiteConnection other(P{{"database", file.str()}, {"timeout", "0.2"}});

    writer.exec_script("BEGIN IMMEDIATE");
    writer.execute("INSERT INTO t VALUES (?)", std::vector<Value>{1});
    const auto start = std::chrono::steady_clock::now();
    try {
        other.execute("INSERT INTO t VALUES (?)", std::vector<Value>{2});
        FAIL() << "no error";
    } catch (const retort::OperationalError& e) {
        EXPECT_NE(std::string(e.what()).find("locked"), std::string::npos) << e.what();
    }
    const auto waited = std::chrono::steady_clock::now() - start;
    EXPECT_GE(waited, std::chrono::milliseconds(150));
    EXPECT_LT(waited, std::chrono::seconds(3));
    // Readers still see the last committed state (rollback journal: a RESERVED lock lets them read).
    EXPECT_EQ(scalar(other, "SELECT count(*) FROM t"), Value(0));
    writer.exec_script("COMMIT");
    EXPECT_EQ(other.execute("INSERT INTO t VALUES (?)", std::vector<Value>{2})->rowcount(), 1);
    EXPECT_EQ(scalar(writer, "SELECT count(*) FROM t"), Value(2));
}

TEST(SQLiteDriver, OpenReadCursorDoesNotHoldLocksAfterExhaustion) {
    TempDbFile file;
    SQLiteConnection a(P{{"database", file.str()}});
    a.exec_script("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);");
    SQLiteConnection b(P{{"database", file.str()}, {"timeout", "0.1"}});
    auto cur = a.execute("SELECT x FROM t", {});
    while (cur->next()) {
    }
    // The cursor is still open, but finished: it must not keep a SHARED lock blocking b's commit.
    EXPECT_NO_THROW(b.exec_script("INSERT INTO t VALUES (2)"));
    EXPECT_EQ(cur->column_name(0), "x");
}
