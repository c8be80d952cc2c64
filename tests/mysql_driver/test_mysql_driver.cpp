// The MySQL / MariaDB driver against a real server: the unix socket in RETORT_TEST_MARIADB_SOCKET, user retort
// (no password), database retort_test. Without the variable every test that needs the server skips.
#include <gtest/gtest.h>
#include <mysql.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "dialects/mysql/mysql_driver.hpp"
#include "retort/error.hpp"

namespace retort {
namespace {

using mysql::MySQLConnection;

const char* socket_path() { return std::getenv("RETORT_TEST_MARIADB_SOCKET"); }

#define REQUIRE_SERVER()                                                                                      \
    do {                                                                                                      \
        if (!socket_path()) GTEST_SKIP() << "RETORT_TEST_MARIADB_SOCKET is not set; no server";              \
    } while (0)

ConnectParams base_params() {
    return {{"unix_socket", socket_path()}, {"user", "retort"}, {"database", "retort_test"}};
}

std::unique_ptr<MySQLConnection> open(ConnectParams params) {
    auto c = mysql::connect(params);
    auto* my = dynamic_cast<MySQLConnection*>(c.get());
    EXPECT_NE(my, nullptr);
    c.release();
    return std::unique_ptr<MySQLConnection>(my);
}

std::unique_ptr<MySQLConnection> open() { return open(base_params()); }

std::unique_ptr<DBAPICursor> first_row(DBAPIConnection& c, const std::string& sql, const std::vector<Value>& params = {},
                                       DriverExecOptions opts = {}) {
    auto cur = c.execute(sql, params, opts);
    EXPECT_TRUE(cur->next()) << sql;
    return cur;
}

Value scalar(DBAPIConnection& c, const std::string& sql, const std::vector<Value>& params = {}) {
    return first_row(c, sql, params)->get_value(0);
}

class MyDriver : public ::testing::Test {
protected:
    void SetUp() override {
        REQUIRE_SERVER();
        conn = open();
        conn->exec_script("SET SESSION sql_mode='STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO'");
        conn->exec_script("SET SESSION time_zone='+00:00'");
    }
    void TearDown() override {
        if (!conn || conn->is_disconnected()) return;
        for (const auto& t : tables) conn->exec_script("DROP TABLE IF EXISTS " + t);
    }
    // Creates a table, dropped again after the test.
    void table(const std::string& name, const std::string& body) {
        conn->exec_script("DROP TABLE IF EXISTS " + name);
        conn->exec_script("CREATE TABLE " + name + " (" + body + ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin");
        tables.insert(tables.begin(), name);
    }
    std::unique_ptr<MySQLConnection> conn;
    std::vector<std::string> tables;
};

// ---------------------------------------------------------------- connecting

TEST_F(MyDriver, ConnectsAndPings) {
    EXPECT_TRUE(conn->ping());
    EXPECT_FALSE(conn->is_disconnected());
    EXPECT_NE(conn->native_handle(), nullptr);
    EXPECT_TRUE(conn->is_mariadb());
    EXPECT_GE(conn->server_version(), 100500u);
    EXPECT_EQ(scalar(*conn, "SELECT @@character_set_client").as<std::string>(), "utf8mb4");
    EXPECT_EQ(scalar(*conn, "SELECT @@character_set_results").as<std::string>(), "utf8mb4");
    EXPECT_EQ(scalar(*conn, "SELECT DATABASE()").as<std::string>(), "retort_test");
}

TEST(MyDriverConnect, UnknownParameterIsArgumentErrorNamingIt) {
    try {
        (void)mysql::connect({{"unix_socket", "/nonexistent"}, {"sslmode", "require"}});
        FAIL() << "an unknown parameter was accepted";
    } catch (const ArgumentError& e) {
        EXPECT_NE(std::string(e.what()).find("'sslmode'"), std::string::npos) << e.what();
    }
}

TEST(MyDriverConnect, BadPortAndTimeoutAreArgumentErrors) {
    EXPECT_THROW((void)mysql::connect({{"host", "127.0.0.1"}, {"port", "33o6"}}), ArgumentError);
    EXPECT_THROW((void)mysql::connect({{"host", "127.0.0.1"}, {"port", "70000"}}), ArgumentError);
    EXPECT_THROW((void)mysql::connect({{"host", "127.0.0.1"}, {"port", "-1"}}), ArgumentError);
    EXPECT_THROW((void)mysql::connect({{"host", "127.0.0.1"}, {"connect_timeout", "5s"}}), ArgumentError);
    EXPECT_THROW((void)mysql::connect({{"host", "127.0.0.1"}, {"ssl_mode", "sometimes"}}), ArgumentError);
    EXPECT_THROW((void)mysql::connect({{"host", "127.0.0.1"}, {"ssl_mode", "VERIFY_CA"}}), ArgumentError);
    // A NUL byte would cut a C string short.
    EXPECT_THROW((void)mysql::connect({{"database", std::string("retort_test\0x", 13)}}), ArgumentError);
}

TEST(MyDriverConnect, FailureIsOperationalErrorWithoutPassword) {
    REQUIRE_SERVER();
    auto admin = open();
    admin->exec_script("DROP USER IF EXISTS 'drv_pw_user'@'localhost'");
    admin->exec_script("CREATE USER 'drv_pw_user'@'localhost' IDENTIFIED BY 'the-right-pass'");
    admin->exec_script("GRANT SELECT ON retort_test.* TO 'drv_pw_user'@'localhost'");
    const std::string wrong = "s3cret-wrong-pa55word";
    auto params = base_params();
    params["user"] = "drv_pw_user";
    params["password"] = wrong;
    try {
        (void)mysql::connect(params);
        FAIL() << "connected with a wrong password";
    } catch (const OperationalError& e) {
        const std::string what = e.what();
        EXPECT_EQ(what.find(wrong), std::string::npos) << what;
        EXPECT_NE(what.find("1045"), std::string::npos) << what;
    }
    params["password"] = "the-right-pass";
    auto ok = open(params);
    EXPECT_TRUE(ok->ping());
    ok->close();

    auto bad_db = base_params();
    bad_db["database"] = "retort_no_such_database";
    try {
        (void)mysql::connect(bad_db);
        FAIL() << "connected to a database that does not exist";
    } catch (const OperationalError& e) {
        EXPECT_NE(std::string(e.what()).find("retort_no_such_database"), std::string::npos) << e.what();
    }
    admin->exec_script("DROP USER 'drv_pw_user'@'localhost'");
}

TEST(MyDriverConnect, OptionFileAndGroup) {
    REQUIRE_SERVER();
    const auto path = std::filesystem::temp_directory_path() / ("retort_drv_my_" + std::to_string(::getpid()) + ".cnf");
    {
        std::ofstream f(path);
        f << "[client]\nsocket=" << socket_path() << "\nuser=retort\n\n[retort_drv]\ndatabase=retort_test\n";
    }
    auto c = open({{"read_default_file", path.string()}, {"read_default_group", "retort_drv"}});
    EXPECT_EQ(scalar(*c, "SELECT DATABASE()").as<std::string>(), "retort_test");
    EXPECT_EQ(scalar(*c, "SELECT SUBSTRING_INDEX(CURRENT_USER(), '@', 1)").as<std::string>(), "retort");
    // The character set is utf8mb4 whatever the file says.
    {
        std::ofstream f(path);
        f << "[client]\nsocket=" << socket_path() << "\nuser=retort\ndefault-character-set=latin1\n";
    }
    auto c2 = open({{"read_default_file", path.string()}});
    EXPECT_EQ(scalar(*c2, "SELECT @@character_set_client").as<std::string>(), "utf8mb4");
    std::filesystem::remove(path);
}

TEST(MyDriverConnect, RequiredTlsToAServerWithoutItFails) {
    REQUIRE_SERVER();
    auto params = base_params();
    params["ssl_mode"] = "REQUIRED";
    EXPECT_THROW((void)mysql::connect(params), OperationalError);
    params["ssl_mode"] = "DISABLED";
    EXPECT_TRUE(open(params)->ping());
}

TEST(MyDriverConnect, InitCommandRuns) {
    REQUIRE_SERVER();
    auto params = base_params();
    params["init_command"] = "SET @retort_drv_init = 41 + 1";
    auto c = open(params);
    EXPECT_EQ(scalar(*c, "SELECT @retort_drv_init").as<std::int64_t>(), 42);
}

// ---------------------------------------------------------------- values

TEST_F(MyDriver, EveryValueKindRoundTrips) {
    table("drv_kinds",
          "id INT AUTO_INCREMENT PRIMARY KEY, b BOOLEAN, i BIGINT, d DOUBLE, f FLOAT, t LONGTEXT, by_ LONGBLOB, "
          "dt DATE, tm TIME(6), ts DATETIME(6), iv VARCHAR(64), u CHAR(32), n DECIMAL(30,10), j JSON");
    const std::string ins = "INSERT INTO drv_kinds (b, i, d, f, t, by_, dt, tm, ts, iv, u, n, j) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)";
    const Uuid u = Uuid::parse("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
    const Interval iv{14, 3, 3'723'000'004};
    const Bytes bytes{0, 1, 2, 0xff, 0, 0x80};
    std::vector<Value> row{true,
                           std::int64_t{-1234567890123},
                           3.141592653589793,
                           1.5,
                           std::string("h\xC3\xA9llo \xF0\x9F\x8D\xB2"),
                           bytes,
                           Date{2024, 2, 29},
                           Time{23, 59, 58, 123456},
                           DateTime{{1999, 12, 31}, {23, 59, 59, 999999}, std::nullopt},
                           iv,
                           u,
                           Numeric("12345678901234567890.0123456789"),
                           Json{R"({"a": [1, 2, "x"]})"}};
    auto ins_cur = conn->execute(ins, row);
    EXPECT_EQ(ins_cur->rowcount(), 1);
    std::int64_t id = 0;
    ASSERT_TRUE(conn->last_insert_id(id));
    EXPECT_GT(id, 0);

    auto cur = first_row(*conn, "SELECT b, i, d, f, t, by_, dt, tm, ts, iv, u, n, j FROM drv_kinds WHERE id = ?", {id});
    EXPECT_EQ(cur->column_count(), 13);
    EXPECT_EQ(cur->column_name(5), "by_");
    EXPECT_EQ(cur->get_value(0), Value(std::int64_t{1}));
    EXPECT_TRUE(cur->get_bool(0));
    EXPECT_EQ(cur->get_value(1), Value(std::int64_t{-1234567890123}));
    EXPECT_EQ(cur->get_value(2), Value(3.141592653589793));
    EXPECT_EQ(cur->get_value(3), Value(1.5));
    EXPECT_EQ(cur->get_value(4), Value(std::string("h\xC3\xA9llo \xF0\x9F\x8D\xB2")));
    EXPECT_EQ(cur->get_value(5), Value(bytes));
    EXPECT_EQ(cur->get_bytes(5), bytes);
    EXPECT_EQ(cur->get_value(6), Value(Date{2024, 2, 29}));
    EXPECT_EQ(cur->get_value(7), Value(Time{23, 59, 58, 123456}));
    EXPECT_EQ(cur->get_value(8), Value(DateTime{{1999, 12, 31}, {23, 59, 59, 999999}, std::nullopt}));
    EXPECT_EQ(Interval::parse(cur->get_text(9)), iv);
    EXPECT_EQ(cur->get_text(10), u.hex());
    EXPECT_EQ(Uuid::parse(cur->get_text(10)), u);
    EXPECT_EQ(cur->get_value(11), Value(Numeric("12345678901234567890.0123456789")));
    EXPECT_EQ(cur->get_value(12).kind(), Value::Kind::Json);
    EXPECT_EQ(cur->get_text(12), R"({"a": [1, 2, "x"]})");
    EXPECT_FALSE(cur->next());
}

TEST_F(MyDriver, AwareDateTimeIsStoredAsUtc) {
    table("drv_tz", "ts DATETIME(6)");
    conn->execute("INSERT INTO drv_tz VALUES (?)", std::vector<Value>{DateTime{{2024, 1, 1}, {1, 30, 0, 5}, 120}});
    EXPECT_EQ(scalar(*conn, "SELECT ts FROM drv_tz"), Value(DateTime{{2023, 12, 31}, {23, 30, 0, 5}, std::nullopt}));
}

TEST_F(MyDriver, NullsOfEveryKind) {
    table("drv_nulls", "i BIGINT, d DOUBLE, t TEXT, b BLOB, dt DATE, tm TIME, ts DATETIME, n DECIMAL(10,2), j JSON");
    std::vector<Value> nulls(9, Value());
    conn->execute("INSERT INTO drv_nulls VALUES (?,?,?,?,?,?,?,?,?)", nulls);
    auto cur = first_row(*conn, "SELECT * FROM drv_nulls");
    for (int i = 0; i < 9; ++i) {
        EXPECT_TRUE(cur->is_null(i)) << i;
        EXPECT_TRUE(cur->get_value(i).is_null()) << i;
        std::int64_t out = 7;
        EXPECT_FALSE(cur->get_int_if_set(i, out)) << i;
    }
    EXPECT_EQ(scalar(*conn, "SELECT NULL"), Value());
}

TEST_F(MyDriver, TextIsBinarySafe) {
    table("drv_text", "id INT PRIMARY KEY, t LONGTEXT, v VARCHAR(20)");
    const std::string nul("a\0b\0\0c", 6);
    const std::string emoji = "\xF0\x9F\x98\x80\xF0\x9F\x8E\x89 caf\xC3\xA9";
    conn->execute("INSERT INTO drv_text VALUES (?, ?, ?)", std::vector<Value>{1, nul, std::string()});
    conn->execute("INSERT INTO drv_text VALUES (?, ?, ?)", std::vector<Value>{2, emoji, emoji});
    conn->execute("INSERT INTO drv_text VALUES (?, ?, ?)", std::vector<Value>{3, Value(), ""});
    auto cur = conn->execute("SELECT t, v FROM drv_text ORDER BY id", {});
    ASSERT_TRUE(cur->next());
    EXPECT_EQ(cur->get_text(0), nul);
    EXPECT_FALSE(cur->is_null(1));
    EXPECT_EQ(cur->get_text(1), "");
    ASSERT_TRUE(cur->next());
    EXPECT_EQ(cur->get_text(0), emoji);
    EXPECT_EQ(cur->get_text(1), emoji);
    ASSERT_TRUE(cur->next());
    EXPECT_TRUE(cur->is_null(0));
    EXPECT_FALSE(cur->is_null(1));
    EXPECT_FALSE(cur->next());
    // The same text found through a bound comparison.
    EXPECT_EQ(scalar(*conn, "SELECT id FROM drv_text WHERE t = ?", {nul}), Value(1));
    EXPECT_EQ(scalar(*conn, "SELECT LENGTH(?)", {nul}), Value(6));
}

TEST_F(MyDriver, LongValuesAreNotTruncated) {
    table("drv_long", "id INT PRIMARY KEY, t LONGTEXT, b LONGBLOB");
    std::string text;
    for (int i = 0; text.size() < 1'500'000; ++i) text += "line " + std::to_string(i) + " \xC3\xA9\n";
    Bytes blob(4u << 20);
    for (std::size_t i = 0; i < blob.size(); ++i) blob[i] = static_cast<std::uint8_t>((i * 131 + 7) % 256);
    conn->execute("INSERT INTO drv_long VALUES (1, 'short', x'00')", {});
    conn->execute("INSERT INTO drv_long VALUES (?, ?, ?)", std::vector<Value>{2, text, blob});
    conn->execute("INSERT INTO drv_long VALUES (3, REPEAT('x', 5000), REPEAT(x'01', 3000))", {});
    for (bool stream : {false, true}) {
        DriverExecOptions opts;
        opts.stream = stream;
        auto cur = conn->execute("SELECT t, b FROM drv_long ORDER BY id", {}, opts);
        ASSERT_TRUE(cur->next());
        EXPECT_EQ(cur->get_text(0), "short");
        ASSERT_TRUE(cur->next());
        EXPECT_EQ(cur->get_text(0).size(), text.size());
        EXPECT_TRUE(cur->get_text(0) == text);
        EXPECT_TRUE(cur->get_bytes(1) == blob);
        ASSERT_TRUE(cur->next());
        EXPECT_EQ(cur->get_text(0), std::string(5000, 'x'));
        EXPECT_EQ(cur->get_bytes(1), Bytes(3000, 1));
        EXPECT_FALSE(cur->next());
    }
}

TEST_F(MyDriver, IntegerExtremes) {
    table("drv_ints", "id INT PRIMARY KEY, s BIGINT, u BIGINT UNSIGNED, t TINYINT, y YEAR, bits BIT(64)");
    const auto lo = std::numeric_limits<std::int64_t>::min(), hi = std::numeric_limits<std::int64_t>::max();
    conn->execute("INSERT INTO drv_ints VALUES (1, ?, ?, ?, ?, ?)", std::vector<Value>{lo, hi, -128, 2024, 5});
    conn->execute("INSERT INTO drv_ints VALUES (2, ?, 18446744073709551615, 127, 1901, b'1111111111111111111111111111111111111111111111111111111111111111')",
                  std::vector<Value>{hi});
    auto cur = conn->execute("SELECT s, u, t, y, bits FROM drv_ints ORDER BY id", {});
    ASSERT_TRUE(cur->next());
    EXPECT_EQ(cur->get_value(0), Value(lo));
    EXPECT_EQ(cur->get_int(0), lo);
    EXPECT_EQ(cur->get_text(0), "-9223372036854775808");
    EXPECT_EQ(cur->get_value(1), Value(hi));
    EXPECT_EQ(cur->get_value(2), Value(-128));
    EXPECT_EQ(cur->get_value(3), Value(2024));
    EXPECT_EQ(cur->get_value(4), Value(5));
    ASSERT_TRUE(cur->next());
    EXPECT_EQ(cur->get_value(0), Value(hi));
    // Above INT64_MAX: an error rather than a wrapped value; its text is still readable.
    EXPECT_THROW((void)cur->get_value(1), DataError);
    EXPECT_THROW((void)cur->get_int(1), DataError);
    EXPECT_EQ(cur->get_text(1), "18446744073709551615");
    EXPECT_DOUBLE_EQ(cur->get_double(1), 18446744073709551615.0);
    EXPECT_EQ(cur->get_value(2), Value(127));
    EXPECT_EQ(cur->get_value(3), Value(1901));
    EXPECT_THROW((void)cur->get_value(4), DataError);
    // Out of range on the way in (strict mode).
    EXPECT_THROW(conn->execute("INSERT INTO drv_ints (id, t) VALUES (3, ?)", std::vector<Value>{1000}), DataError);
    EXPECT_THROW(conn->execute("INSERT INTO drv_ints (id, u) VALUES (3, ?)", std::vector<Value>{-1}), DataError);
}

TEST_F(MyDriver, TemporalValuesWithMicroseconds) {
    table("drv_times", "id INT PRIMARY KEY, ts DATETIME(6), t0 DATETIME, tm TIME(6), d DATE, st TIMESTAMP(3) NULL");
    const DateTime dt{{2024, 2, 29}, {23, 59, 59, 999999}, std::nullopt};
    conn->execute("INSERT INTO drv_times VALUES (1, ?, ?, ?, ?, ?)",
                  std::vector<Value>{dt, DateTime{{1, 1, 1}, {0, 0, 0, 0}, std::nullopt}, Time{0, 0, 0, 1}, Date{9999, 12, 31},
                                     DateTime{{2030, 6, 1}, {12, 0, 0, 123000}, std::nullopt}});
    auto cur = first_row(*conn, "SELECT ts, t0, tm, d, st FROM drv_times");
    EXPECT_EQ(cur->get_value(0), Value(dt));
    EXPECT_EQ(cur->get_text(0), "2024-02-29 23:59:59.999999");
    EXPECT_EQ(cur->get_value(1), Value(DateTime{{1, 1, 1}, {0, 0, 0, 0}, std::nullopt}));
    EXPECT_EQ(cur->get_text(1), "0001-01-01 00:00:00");
    EXPECT_EQ(cur->get_value(2), Value(Time{0, 0, 0, 1}));
    EXPECT_EQ(cur->get_text(2), "00:00:00.000001");
    EXPECT_EQ(cur->get_value(3), Value(Date{9999, 12, 31}));
    EXPECT_EQ(cur->get_text(3), "9999-12-31");
    EXPECT_EQ(cur->get_value(4), Value(DateTime{{2030, 6, 1}, {12, 0, 0, 123000}, std::nullopt}));
    EXPECT_EQ(cur->get_text(4), "2030-06-01 12:00:00.123");
    // A TIME beyond a day is a duration, read as its text.
    auto dur = first_row(*conn, "SELECT CAST('838:59:59' AS TIME), CAST('-01:30:00' AS TIME)");
    EXPECT_EQ(dur->get_value(0), Value("838:59:59"));
    EXPECT_EQ(dur->get_value(1), Value("-01:30:00"));
    // A date that does not exist is refused before it is sent.
    EXPECT_THROW(conn->execute("SELECT ?", std::vector<Value>{Date{2023, 2, 29}}), DataError);
    EXPECT_THROW(conn->execute("SELECT ?", std::vector<Value>{Date{0, 1, 1}}), DataError);
    // A bad date in text is the server's DataError, without the value in the message.
    try {
        conn->execute("INSERT INTO drv_times (id, d) VALUES (2, ?)", std::vector<Value>{"2020-13-45"});
        FAIL() << "a bad date was stored";
    } catch (const DataError& e) {
        EXPECT_EQ(std::string(e.what()).find("2020-13-45"), std::string::npos) << e.what();
    }
}

TEST_F(MyDriver, DoublesAndRefusedValues) {
    EXPECT_EQ(scalar(*conn, "SELECT ?", {0.1}), Value(0.1));
    EXPECT_EQ(scalar(*conn, "SELECT CAST(? AS FLOAT)", {1.1}).kind(), Value::Kind::Double);
    EXPECT_THROW(conn->execute("SELECT ?", std::vector<Value>{std::nan("")}), DataError);
    EXPECT_THROW(conn->execute("SELECT ?", std::vector<Value>{std::numeric_limits<double>::infinity()}), DataError);
}

TEST_F(MyDriver, ConversionsLikeTheOtherDrivers) {
    auto cur = first_row(*conn,
                         "SELECT 42, 1.5e0, CAST('2024-01-02' AS DATE), CAST('12.000' AS DECIMAL(10,3)), 'abc', "
                         "CAST('2024-01-02 03:04:05' AS DATETIME), '7', 'true', x'0102', CAST(2.5 AS DECIMAL(4,1))");
    EXPECT_EQ(cur->get_text(0), "42");
    EXPECT_EQ(cur->get_text(1), "1.5");
    EXPECT_EQ(cur->get_text(2), "2024-01-02");
    EXPECT_EQ(cur->get_text(3), "12.000");
    EXPECT_EQ(cur->get_int(3), 12);
    EXPECT_EQ(cur->get_value(3), Value(Numeric("12.000")));
    EXPECT_DOUBLE_EQ(cur->get_double(0), 42.0);
    EXPECT_TRUE(cur->get_bool(0));
    EXPECT_EQ(cur->get_bytes(4), (Bytes{'a', 'b', 'c'}));
    EXPECT_THROW((void)cur->get_int(4), TypeError);
    EXPECT_EQ(cur->get_text(5), "2024-01-02 03:04:05");
    EXPECT_EQ(cur->get_int(6), 7);
    EXPECT_TRUE(cur->get_bool(7));
    EXPECT_EQ(cur->get_value(8), Value(Bytes{1, 2}));
    EXPECT_THROW((void)cur->get_int(9), TypeError);
    EXPECT_DOUBLE_EQ(cur->get_double(9), 2.5);
    EXPECT_THROW((void)cur->get_value(99), ArgumentError);
}

// ---------------------------------------------------------------- rowcount, keys

TEST_F(MyDriver, RowcountCountsMatchedRows) {
    table("drv_rc", "id INT PRIMARY KEY, v INT");
    EXPECT_EQ(conn->execute("INSERT INTO drv_rc VALUES (1, 10), (2, 20), (3, 30)", {})->rowcount(), 3);
    // Setting the value it already has still counts the row (CLIENT_FOUND_ROWS).
    EXPECT_EQ(conn->execute("UPDATE drv_rc SET v = ? WHERE id = ?", std::vector<Value>{10, 1})->rowcount(), 1);
    EXPECT_EQ(conn->execute("UPDATE drv_rc SET v = 20 WHERE id >= ?", std::vector<Value>{1})->rowcount(), 3);
    EXPECT_EQ(conn->execute("UPDATE drv_rc SET v = 1 WHERE id = ?", std::vector<Value>{99})->rowcount(), 0);
    EXPECT_EQ(conn->execute("DELETE FROM drv_rc WHERE id = ?", std::vector<Value>{3})->rowcount(), 1);
    EXPECT_EQ(conn->execute("SELECT * FROM drv_rc", {})->rowcount(), -1);
    // RETURNING (MariaDB 10.5+): the rows it returns.
    auto ret = conn->execute("DELETE FROM drv_rc WHERE id <= ? RETURNING id", std::vector<Value>{2});
    EXPECT_EQ(ret->rowcount(), 2);
    EXPECT_EQ(ret->rows_remaining(), 2);
}

TEST_F(MyDriver, LastInsertIdOfAutoIncrement) {
    table("drv_ai", "id BIGINT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20)");
    table("drv_noai", "id INT PRIMARY KEY");
    conn->execute("INSERT INTO drv_ai (name) VALUES (?)", std::vector<Value>{"a"});
    std::int64_t first = 0;
    ASSERT_TRUE(conn->last_insert_id(first));
    conn->execute("INSERT INTO drv_ai (name) VALUES (?)", std::vector<Value>{"b"});
    std::int64_t second = 0;
    ASSERT_TRUE(conn->last_insert_id(second));
    EXPECT_EQ(second, first + 1);
    EXPECT_EQ(scalar(*conn, "SELECT id FROM drv_ai WHERE name = ?", {"b"}), Value(second));
    // A multi-row insert gives the first row's key.
    conn->execute("INSERT INTO drv_ai (name) VALUES ('c'), ('d')", {});
    std::int64_t third = 0;
    ASSERT_TRUE(conn->last_insert_id(third));
    EXPECT_EQ(scalar(*conn, "SELECT id FROM drv_ai WHERE name = 'c'"), Value(third));
    conn->execute("INSERT INTO drv_noai VALUES (?)", std::vector<Value>{5});
    std::int64_t none = 0;
    EXPECT_FALSE(conn->last_insert_id(none));
    // Through exec_script too.
    conn->exec_script("INSERT INTO drv_ai (name) VALUES ('e')");
    std::int64_t fourth = 0;
    ASSERT_TRUE(conn->last_insert_id(fourth));
    EXPECT_EQ(fourth, third + 2);
}

// ---------------------------------------------------------------- execute_many, scripts

TEST_F(MyDriver, ExecuteManyManyRowsBulkAndPerRow) {
    table("drv_many", "id INT PRIMARY KEY, name VARCHAR(40), score DOUBLE NULL, at DATETIME(6) NULL, tag CHAR(32) NULL, "
                      "amount DECIMAL(12,2) NULL, flag BOOLEAN NULL, data BLOB NULL");
    EXPECT_TRUE(conn->bulk_enabled());
    for (bool bulk : {true, false}) {
        conn->set_bulk_enabled(bulk);
        conn->exec_script("DELETE FROM drv_many");
        std::vector<std::vector<Value>> rows;
        for (int i = 0; i < 12'345; ++i) {
            rows.push_back({i, "name " + std::to_string(i) + (i % 7 == 0 ? std::string("\xF0\x9F\x8D\xB2") : ""),
                            i % 5 == 0 ? Value() : Value(i * 0.5),
                            i % 3 == 0 ? Value() : Value(DateTime{{2024, 1, static_cast<unsigned>(1 + i % 28)}, {1, 2, 3, static_cast<unsigned>(i)}, std::nullopt}),
                            i % 4 == 0 ? Value() : Value(Uuid::random()), Numeric(std::to_string(i) + ".25"),
                            i % 2 == 0, i % 6 == 0 ? Value() : Value(Bytes{0, static_cast<std::uint8_t>(i % 256)})});
        }
        auto executes = [&] { return first_row(*conn, "SHOW SESSION STATUS LIKE 'Com_stmt_execute'")->get_int(1); };
        const auto e0 = executes();
        EXPECT_EQ(conn->execute_many("INSERT INTO drv_many VALUES (?,?,?,?,?,?,?,?)", rows), 12'345) << bulk;
        // In bulk the sets go in a few commands (of up to 10,000 rows); else one execution each. (The status
        // query counts itself once.)
        if (bulk)
            EXPECT_LE(executes() - e0, 3);
        else
            EXPECT_EQ(executes() - e0, 12'346);
        EXPECT_EQ(scalar(*conn, "SELECT COUNT(*) FROM drv_many"), Value(12'345));
        auto cur = conn->execute("SELECT * FROM drv_many WHERE id IN (?, ?, ?) ORDER BY id", std::vector<Value>{0, 7, 12'344});
        for (int id : {0, 7, 12'344}) {
            ASSERT_TRUE(cur->next());
            const auto& r = rows[static_cast<std::size_t>(id)];
            EXPECT_EQ(cur->get_value(0), r[0]);
            EXPECT_EQ(cur->get_value(1), r[1]);
            EXPECT_EQ(cur->get_value(2), r[2]);
            EXPECT_EQ(cur->get_value(3), r[3]);
            if (r[4].is_null()) EXPECT_TRUE(cur->is_null(4));
            else EXPECT_EQ(Uuid::parse(cur->get_text(4)), r[4].as<Uuid>());
            EXPECT_EQ(cur->get_value(5), Value(r[5].as<Numeric>()));
            EXPECT_EQ(cur->get_bool(6), r[6].as<bool>());
            EXPECT_EQ(cur->get_value(7), r[7]);
        }
        // UPDATE per set: each counts the rows it matched.
        std::vector<std::vector<Value>> updates;
        for (int i = 0; i < 100; ++i) updates.push_back({"same", i});
        updates.push_back({"none", 999'999});
        EXPECT_EQ(conn->execute_many("UPDATE drv_many SET name = ? WHERE id = ?", updates), 100) << bulk;
        EXPECT_EQ(conn->execute_many("UPDATE drv_many SET name = ? WHERE id = ?", updates), 100) << bulk;
    }
    conn->set_bulk_enabled(true);
    // A column whose kinds differ between sets goes row by row.
    std::vector<std::vector<Value>> mixed{{20'000, "a", 1.0}, {20'001, "b", std::int64_t{2}}, {20'002, "c", Value()}};
    EXPECT_EQ(conn->execute_many("INSERT INTO drv_many (id, name, score) VALUES (?,?,?)", mixed), 3);
    EXPECT_EQ(scalar(*conn, "SELECT score FROM drv_many WHERE id = 20001"), Value(2.0));
}

TEST_F(MyDriver, ExecuteManyEveryKindInBulk) {
    table("drv_bulk_kinds", "id INT PRIMARY KEY, b BOOLEAN, d DATE, tm TIME(6), iv VARCHAR(40), j JSON, n DECIMAL(8,3), "
                            "nothing VARCHAR(5), e VARCHAR(5), by_ BLOB");
    std::vector<std::vector<Value>> rows;
    for (int i = 0; i < 50; ++i)
        rows.push_back({i, i % 2 == 1, Date{2000 + i, 2, 28}, Time{static_cast<unsigned>(i % 24), 1, 2, 3},
                        Interval{i, -i, 1000}, Json{"[" + std::to_string(i) + "]"}, Numeric(std::to_string(i) + ".125"),
                        Value(), std::string(), Bytes()});
    EXPECT_EQ(conn->execute_many("INSERT INTO drv_bulk_kinds VALUES (?,?,?,?,?,?,?,?,?,?)", rows), 50);
    auto cur = first_row(*conn, "SELECT * FROM drv_bulk_kinds WHERE id = ?", {7});
    EXPECT_EQ(cur->get_value(1), Value(1));
    EXPECT_EQ(cur->get_value(2), Value(Date{2007, 2, 28}));
    EXPECT_EQ(cur->get_value(3), Value(Time{7, 1, 2, 3}));
    EXPECT_EQ(Interval::parse(cur->get_text(4)), (Interval{7, -7, 1000}));
    EXPECT_EQ(cur->get_value(5), Value(Json{"[7]"}));
    EXPECT_EQ(cur->get_value(6), Value(Numeric("7.125")));
    EXPECT_TRUE(cur->is_null(7));
    EXPECT_EQ(cur->get_value(8), Value(""));
    EXPECT_EQ(cur->get_value(9), Value(Bytes()));
}

TEST_F(MyDriver, ExecuteManyErrorIsRaised) {
    table("drv_many_err", "id INT PRIMARY KEY, name VARCHAR(20) NOT NULL");
    for (bool bulk : {true, false}) {
        conn->set_bulk_enabled(bulk);
        conn->exec_script("DELETE FROM drv_many_err");
        std::vector<std::vector<Value>> rows{{1, "a"}, {2, "b"}, {1, "secret-value"}, {3, "c"}};
        try {
            conn->execute_many("INSERT INTO drv_many_err VALUES (?, ?)", rows);
            FAIL() << "a duplicate key was accepted";
        } catch (const IntegrityError& e) {
            EXPECT_EQ(std::string(e.what()).find("secret-value"), std::string::npos);
            EXPECT_EQ(e.param_types(), (std::vector<std::string>{"int", "text"}));
        }
        EXPECT_THROW(conn->execute_many("INSERT INTO drv_many_err VALUES (?, ?)",
                                        std::vector<std::vector<Value>>{{10, "a"}, {11, Value()}}),
                     IntegrityError);
        EXPECT_TRUE(conn->ping());
    }
}

TEST_F(MyDriver, ExecScriptRunsEveryStatement) {
    conn->exec_script(
        "DROP TABLE IF EXISTS drv_script; CREATE TABLE drv_script (id INT PRIMARY KEY, v TEXT);"
        "INSERT INTO drv_script VALUES (1, 'a'); SELECT * FROM drv_script; INSERT INTO drv_script VALUES (2, 'b');");
    tables.push_back("drv_script");
    EXPECT_EQ(scalar(*conn, "SELECT COUNT(*) FROM drv_script"), Value(2));
    // The first error stops the script and is raised; the connection goes on.
    EXPECT_THROW(conn->exec_script("INSERT INTO drv_script VALUES (3, 'c'); INSERT INTO drv_script VALUES (1, 'dup');"
                                   "INSERT INTO drv_script VALUES (4, 'd')"),
                 IntegrityError);
    EXPECT_EQ(scalar(*conn, "SELECT COUNT(*) FROM drv_script"), Value(3));
    EXPECT_THROW(conn->exec_script("SELEC 1"), ProgrammingError);
    EXPECT_TRUE(conn->ping());
    conn->begin();
    conn->execute("INSERT INTO drv_script VALUES (10, 'x')", {});
    conn->rollback();
    EXPECT_EQ(scalar(*conn, "SELECT COUNT(*) FROM drv_script WHERE id = 10"), Value(0));
    conn->begin();
    conn->execute("INSERT INTO drv_script VALUES (10, 'x')", {});
    conn->commit();
    EXPECT_EQ(scalar(*conn, "SELECT COUNT(*) FROM drv_script WHERE id = 10"), Value(1));
}

// ---------------------------------------------------------------- streaming, cursors

TEST_F(MyDriver, StreamingWithAnInterleavedStatement) {
    table("drv_stream", "id INT PRIMARY KEY, label VARCHAR(40), at DATETIME(6)");
    std::vector<std::vector<Value>> rows;
    for (int i = 0; i < 3000; ++i)
        rows.push_back({i, "label " + std::to_string(i), DateTime{{2024, 1, 1}, {0, 0, 0, static_cast<unsigned>(i)}, std::nullopt}});
    conn->execute_many("INSERT INTO drv_stream VALUES (?, ?, ?)", rows);

    DriverExecOptions opts;
    opts.stream = true;
    auto cur = conn->execute("SELECT id, label, at FROM drv_stream WHERE id >= ? ORDER BY id", std::vector<Value>{0}, opts);
    EXPECT_EQ(cur->rows_remaining(), -1);
    int seen = 0;
    while (cur->next()) {
        const std::string_view label = cur->get_text(1);
        if (seen == 10) {
            // Another statement on the same connection while the stream is open: the rest of the stream moves
            // into the cursor first, and the row at hand stays readable.
            EXPECT_EQ(scalar(*conn, "SELECT COUNT(*) FROM drv_stream"), Value(3000));
            conn->exec_script("SET @x = 1");
            EXPECT_EQ(cur->rows_remaining(), 3000 - 11);
        }
        EXPECT_EQ(cur->get_int(0), seen);
        EXPECT_EQ(cur->get_text(1), "label " + std::to_string(seen));
        EXPECT_EQ(label, "label " + std::to_string(seen));  // a view taken before the other statement ran
        EXPECT_EQ(cur->get_value(2), Value(DateTime{{2024, 1, 1}, {0, 0, 0, static_cast<unsigned>(seen)}, std::nullopt}));
        ++seen;
    }
    EXPECT_EQ(seen, 3000);
    EXPECT_FALSE(cur->next());

    // Closed early: the connection reads the rest away and goes on.
    auto early = conn->execute("SELECT id FROM drv_stream ORDER BY id", {}, opts);
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(early->next());
    early->close();
    EXPECT_FALSE(early->next());
    EXPECT_EQ(scalar(*conn, "SELECT MAX(id) FROM drv_stream"), Value(2999));

    // Dropped without closing, and a stream of DML with RETURNING counting its rows.
    { auto dropped = conn->execute("SELECT id FROM drv_stream", {}, opts); }
    auto del = conn->execute("DELETE FROM drv_stream WHERE id < ? RETURNING id", std::vector<Value>{100}, opts);
    int n = 0;
    while (del->next()) ++n;
    EXPECT_EQ(n, 100);
    EXPECT_EQ(del->rowcount(), 100);
}

TEST_F(MyDriver, TwoCursorsOfTheSameStatement) {
    table("drv_two", "id INT PRIMARY KEY");
    conn->execute("INSERT INTO drv_two VALUES (1), (2), (3)", {});
    const std::string sql = "SELECT id FROM drv_two WHERE id >= ? ORDER BY id";
    auto a = conn->execute(sql, std::vector<Value>{1});
    ASSERT_TRUE(a->next());
    EXPECT_EQ(a->rows_remaining(), 2);
    auto b = conn->execute(sql, std::vector<Value>{2});
    ASSERT_TRUE(b->next());
    EXPECT_EQ(b->get_int(0), 2);
    ASSERT_TRUE(a->next());
    EXPECT_EQ(a->get_int(0), 2);
    ASSERT_TRUE(b->next());
    EXPECT_EQ(b->get_int(0), 3);
    EXPECT_FALSE(b->next());
    ASSERT_TRUE(a->next());
    EXPECT_EQ(a->get_int(0), 3);
    EXPECT_FALSE(a->next());
    EXPECT_EQ(a->rows_remaining(), 0);
}

TEST_F(MyDriver, CursorsOutliveTheirConnection) {
    table("drv_outlive", "id INT PRIMARY KEY");
    conn->execute("INSERT INTO drv_outlive VALUES (1), (2), (3)", {});
    auto stored = conn->execute("SELECT id FROM drv_outlive ORDER BY id", {});
    ASSERT_TRUE(stored->next());
    auto text_cur = conn->execute("SELECT 'kept text'", {}, DriverExecOptions{.prepare = false});
    ASSERT_TRUE(text_cur->next());
    const std::string_view kept = text_cur->get_text(0);
    DriverExecOptions opts;
    opts.stream = true;
    auto other = open();
    auto stream = other->execute("SELECT id FROM retort_test.drv_outlive ORDER BY id", {}, opts);
    ASSERT_TRUE(stream->next());
    other->close();
    EXPECT_THROW((void)stream->next(), InterfaceError);
    auto conn2 = std::move(conn);
    conn2->close();
    EXPECT_EQ(stored->get_int(0), 1);
    EXPECT_EQ(kept, "kept text");
    EXPECT_FALSE(text_cur->next());
    ASSERT_TRUE(stored->next());
    EXPECT_EQ(stored->get_int(0), 2);
    ASSERT_TRUE(stored->next());
    EXPECT_FALSE(stored->next());
    EXPECT_THROW(conn2->execute("SELECT 1", {}), InterfaceError);
    EXPECT_TRUE(conn2->is_disconnected());
    conn = open();  // for TearDown
}

TEST_F(MyDriver, PreparedStatementsAreCachedAndReused) {
    table("drv_cache", "id INT PRIMARY KEY");
    const auto before = conn->prepare_count();
    for (int i = 0; i < 5; ++i) conn->execute("INSERT INTO drv_cache VALUES (?)", std::vector<Value>{i});
    EXPECT_EQ(conn->prepare_count(), before + 1);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(scalar(*conn, "SELECT COUNT(*) FROM drv_cache WHERE id < ?", {i + 1}), Value(i + 1));
    EXPECT_EQ(conn->prepare_count(), before + 2);
    // The server counted the same prepares (Com_stmt_prepare of this session): one per statement text.
    auto status = [&] { return first_row(*conn, "SHOW SESSION STATUS LIKE 'Com_stmt_prepare'")->get_int(1); };
    const auto p0 = status();
    EXPECT_EQ(static_cast<std::uint64_t>(p0), conn->prepare_count());
    conn->execute("SELECT COUNT(*) FROM drv_cache WHERE id < ?", std::vector<Value>{1});
    conn->execute("INSERT INTO drv_cache VALUES (?)", std::vector<Value>{100});
    EXPECT_EQ(status(), p0);
    // Many distinct statements: the cache stays bounded, and so do the server's prepared statements.
    for (int i = 0; i < 600; ++i) conn->execute("SELECT " + std::to_string(i) + " + ?", std::vector<Value>{1});
    EXPECT_LE(conn->cached_statement_count(), 256u);
    auto other = open();
    EXPECT_LE(first_row(*other, "SHOW GLOBAL STATUS LIKE 'Prepared_stmt_count'")->get_int(1), 300);
    conn->clear_statement_cache();
    EXPECT_EQ(conn->cached_statement_count(), 0u);
    // Unprepared (prepare = false): nothing kept.
    DriverExecOptions once;
    once.prepare = false;
    const auto c0 = conn->cached_statement_count();
    EXPECT_EQ(first_row(*conn, "SELECT 7, 'x', CAST(1.5 AS DOUBLE), CAST('2024-01-02 03:04:05.5' AS DATETIME(1))", {}, once)->get_value(3),
              Value(DateTime{{2024, 1, 2}, {3, 4, 5, 500000}, std::nullopt}));
    EXPECT_EQ(first_row(*conn, "SELECT 7 + ?", {1}, once)->get_int(0), 8);
    EXPECT_EQ(conn->cached_statement_count(), c0);
}

TEST_F(MyDriver, ResultShapeChangeAfterDdl) {
    table("drv_shape", "id INT PRIMARY KEY");
    conn->execute("INSERT INTO drv_shape VALUES (1)", {});
    EXPECT_EQ(first_row(*conn, "SELECT * FROM drv_shape WHERE id = ?", {1})->column_count(), 1);
    conn->exec_script("ALTER TABLE drv_shape ADD COLUMN extra VARCHAR(10) DEFAULT 'e'");
    const auto prepares = conn->prepare_count();
    auto cur = first_row(*conn, "SELECT * FROM drv_shape WHERE id = ?", {1});
    EXPECT_EQ(conn->prepare_count(), prepares + 1);  // prepared again for the new shape
    EXPECT_EQ(cur->column_count(), 2);
    EXPECT_EQ(cur->get_text(1), "e");
}

TEST_F(MyDriver, ProceduresWithSeveralResults) {
    conn->exec_script("DROP PROCEDURE IF EXISTS drv_proc");
    conn->exec_script("CREATE PROCEDURE drv_proc(IN n INT) BEGIN SELECT n AS a UNION ALL SELECT n + 1; SELECT 'second'; END");
    for (bool stream : {false, true}) {
        DriverExecOptions opts;
        opts.stream = stream;
        auto cur = conn->execute("CALL drv_proc(?)", std::vector<Value>{5}, opts);
        ASSERT_TRUE(cur->next());
        EXPECT_EQ(cur->get_int(0), 5);
        // The connection is usable while the first result is still being read.
        EXPECT_EQ(scalar(*conn, "SELECT 1 + ?", {1}), Value(2));
        ASSERT_TRUE(cur->next());
        EXPECT_EQ(cur->get_int(0), 6);
        EXPECT_FALSE(cur->next());
    }
    conn->exec_script("CALL drv_proc(1)");
    EXPECT_TRUE(conn->ping());
    conn->exec_script("DROP PROCEDURE drv_proc");
}

TEST_F(MyDriver, BlankStatementsRunNothing) {
    conn->exec_script("");
    conn->exec_script(" ; -- nothing\n /* at all */ ;");
    auto cur = conn->execute("  ", {});
    EXPECT_EQ(cur->column_count(), 0);
    EXPECT_FALSE(cur->next());
    EXPECT_EQ(cur->rowcount(), -1);
    EXPECT_THROW(conn->execute("", std::vector<Value>{1}), ProgrammingError);
}

TEST_F(MyDriver, StatementsTheServerCannotPrepareRunAsText) {
    // Multi-statement text runs through the text protocol when not prepared.
    DriverExecOptions once;
    once.prepare = false;
    auto cur = conn->execute("SELECT 1 AS one; SELECT 2", {}, once);
    ASSERT_TRUE(cur->next());
    EXPECT_EQ(cur->get_value(0), Value(1));
    EXPECT_EQ(cur->column_name(0), "one");
    EXPECT_TRUE(conn->ping());
}

// ---------------------------------------------------------------- errors

TEST_F(MyDriver, IntegrityErrors) {
    table("drv_parent", "id INT PRIMARY KEY, email VARCHAR(60) UNIQUE");
    table("drv_child", "id INT PRIMARY KEY, pid INT NOT NULL, CONSTRAINT drv_fk FOREIGN KEY (pid) REFERENCES drv_parent (id), "
                       "qty INT CHECK (qty >= 0)");
    conn->execute("INSERT INTO drv_parent VALUES (?, ?)", std::vector<Value>{1, "bob@example.com"});
    try {
        conn->execute("INSERT INTO drv_parent VALUES (?, ?)", std::vector<Value>{2, "bob@example.com"});
        FAIL() << "a duplicate was stored";
    } catch (const IntegrityError& e) {
        const std::string what = e.what();
        EXPECT_EQ(what.find("bob@example.com"), std::string::npos) << what;
        EXPECT_NE(what.find("1062"), std::string::npos) << what;
        EXPECT_NE(what.find("email"), std::string::npos) << what;
        EXPECT_EQ(e.sqlstate(), "23000");
        EXPECT_EQ(e.param_types(), (std::vector<std::string>{"int", "text"}));
        EXPECT_FALSE(e.connection_invalidated());
    }
    EXPECT_THROW(conn->execute("INSERT INTO drv_child VALUES (?, ?, 1)", std::vector<Value>{1, 99}), IntegrityError);
    EXPECT_THROW(conn->execute("INSERT INTO drv_child VALUES (?, ?, 1)", std::vector<Value>{1, Value()}), IntegrityError);
    EXPECT_THROW(conn->execute("INSERT INTO drv_child VALUES (?, ?, ?)", std::vector<Value>{1, 1, -5}), IntegrityError);
    conn->execute("INSERT INTO drv_child VALUES (?, ?, 1)", std::vector<Value>{1, 1});
    EXPECT_THROW(conn->execute("DELETE FROM drv_parent WHERE id = ?", std::vector<Value>{1}), IntegrityError);
}

// A statement with RETURNING that the server refuses after sending its result's shape: the cached statement
// is used again at once, and the connection goes on (it once waited for rows that never came).
TEST_F(MyDriver, FailedReturningStatementIsUsableAgain) {
    table("drv_ret", "id INT AUTO_INCREMENT PRIMARY KEY, pid INT NOT NULL, note VARCHAR(10)");
    const std::string ins = "INSERT INTO drv_ret (pid, note) VALUES (?, ?) RETURNING id";
    for (int round = 0; round < 3; ++round) {
        EXPECT_THROW(conn->execute(ins, std::vector<Value>{Value(), "x"}), IntegrityError);
        EXPECT_THROW(conn->execute(ins, std::vector<Value>{1, "far too long a note"}), DataError);
        auto cur = conn->execute(ins, std::vector<Value>{7, "ok"});
        ASSERT_TRUE(cur->next());
        EXPECT_EQ(cur->get_value(0).as<std::int64_t>(), round + 1);
    }
    EXPECT_EQ(scalar(*conn, "SELECT COUNT(*) FROM drv_ret").as<std::int64_t>(), 3);
    // Streamed, the refusal comes with the first fetch.
    DriverExecOptions stream;
    stream.stream = true;
    for (int round = 0; round < 2; ++round) {
        EXPECT_THROW(
            {
                auto cur = conn->execute(ins, std::vector<Value>{Value(), "x"}, stream);
                while (cur->next()) {
                }
            },
            IntegrityError);
        auto cur = conn->execute(ins, std::vector<Value>{8, "ok"}, stream);
        ASSERT_TRUE(cur->next());
        EXPECT_EQ(cur->get_value(0).as<std::int64_t>(), round + 4);
        EXPECT_FALSE(cur->next());
    }
    // And in execute_many.
    const std::vector<std::vector<Value>> sets{{9, "a"}, {Value(), "b"}};
    EXPECT_THROW(conn->execute_many(ins, sets), IntegrityError);
    EXPECT_EQ(conn->execute_many(ins, std::vector<std::vector<Value>>{{10, "c"}}), 1);
    EXPECT_EQ(scalar(*conn, "SELECT COUNT(*) FROM drv_ret WHERE pid >= 8").as<std::int64_t>(), 4);
}

TEST_F(MyDriver, DataErrorsInStrictMode) {
    table("drv_data", "id INT PRIMARY KEY, name VARCHAR(5), n TINYINT, d DECIMAL(4,2)");
    try {
        conn->execute("INSERT INTO drv_data (id, name) VALUES (?, ?)", std::vector<Value>{1, "much-too-long"});
        FAIL() << "a long value was stored";
    } catch (const DataError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("1406"), std::string::npos) << what;
        EXPECT_NE(what.find("'name'"), std::string::npos) << what;
        EXPECT_EQ(what.find("much-too-long"), std::string::npos) << what;
    }
    EXPECT_THROW(conn->execute("INSERT INTO drv_data (id, n) VALUES (?, ?)", std::vector<Value>{1, 300}), DataError);
    EXPECT_THROW(conn->execute("INSERT INTO drv_data (id, d) VALUES (?, ?)", std::vector<Value>{1, Numeric("123.45")}), DataError);
    try {
        conn->execute("INSERT INTO drv_data (id, n) VALUES (?, ?)", std::vector<Value>{1, "not-a-number"});
        FAIL() << "text was stored as a number";
    } catch (const DataError& e) {
        EXPECT_EQ(std::string(e.what()).find("not-a-number"), std::string::npos) << e.what();
    }
    EXPECT_EQ(scalar(*conn, "SELECT COUNT(*) FROM drv_data"), Value(0));
}

TEST_F(MyDriver, ProgrammingErrors) {
    EXPECT_THROW(conn->execute("SELEC 1", {}), ProgrammingError);
    EXPECT_THROW(conn->execute("SELECT * FROM drv_no_such_table WHERE id = ?", std::vector<Value>{1}), ProgrammingError);
    try {
        conn->execute("SELECT no_such_column FROM DUAL", {});
        FAIL();
    } catch (const ProgrammingError& e) {
        EXPECT_NE(std::string(e.what()).find("no_such_column"), std::string::npos) << e.what();
        EXPECT_EQ(e.sqlstate(), "42S22");
    }
    EXPECT_THROW(conn->execute("SELECT ?, ?", std::vector<Value>{1}), ProgrammingError);
    EXPECT_TRUE(conn->ping());
}

TEST_F(MyDriver, LockWaitTimeoutAndDeadlockAreSerializationFailures) {
    table("drv_lock", "id INT PRIMARY KEY, v INT");
    conn->execute("INSERT INTO drv_lock VALUES (1, 0), (2, 0)", {});
    auto other = open();
    other->exec_script("SET SESSION innodb_lock_wait_timeout = 1");
    conn->begin();
    conn->execute("UPDATE drv_lock SET v = 1 WHERE id = ?", std::vector<Value>{1});
    other->begin();
    EXPECT_THROW(other->execute("UPDATE drv_lock SET v = 2 WHERE id = ?", std::vector<Value>{1}), SerializationFailure);
    other->rollback();
    conn->rollback();

    // A deadlock: each holds one row and wants the other's.
    conn->begin();
    other->begin();
    conn->execute("UPDATE drv_lock SET v = 1 WHERE id = 1", {});
    other->execute("UPDATE drv_lock SET v = 2 WHERE id = 2", {});
    std::atomic<int> failures{0};
    std::thread t([&] {
        try {
            conn->execute("UPDATE drv_lock SET v = 1 WHERE id = 2", {});
        } catch (const SerializationFailure&) {
            ++failures;
        }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    try {
        other->execute("UPDATE drv_lock SET v = 2 WHERE id = 1", {});
    } catch (const SerializationFailure& e) {
        EXPECT_TRUE(std::string(e.what()).find("1213") != std::string::npos ||
                    std::string(e.what()).find("1205") != std::string::npos)
            << e.what();
        ++failures;
    }
    t.join();
    EXPECT_GE(failures.load(), 1);
    conn->rollback();
    other->rollback();
}

TEST_F(MyDriver, KilledConnectionIsDisconnected) {
    auto victim = open();
    const auto id = scalar(*victim, "SELECT CONNECTION_ID()").as<std::int64_t>();
    conn->exec_script("KILL " + std::to_string(id));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    try {
        victim->execute("SELECT 1 + ?", std::vector<Value>{1});
        FAIL() << "a killed connection still ran a statement";
    } catch (const OperationalError& e) {
        EXPECT_TRUE(e.connection_invalidated()) << e.what();
    }
    EXPECT_TRUE(victim->is_disconnected());
    EXPECT_FALSE(victim->ping());
    victim->close();
    // The other connection is unaffected.
    EXPECT_TRUE(conn->ping());
}

TEST(MyDriverErrors, MappingByNumberAndSqlstate) {
    auto kind = [](unsigned n, const char* state) -> std::string {
        try {
            mysql::throw_mysql_error(n, state, "message with 'a value' in it", "SELECT 1", {});
        } catch (const SerializationFailure&) {
            return "serialization";
        } catch (const OperationalError& e) {
            return e.connection_invalidated() ? "disconnect" : "operational";
        } catch (const IntegrityError&) {
            return "integrity";
        } catch (const DataError&) {
            return "data";
        } catch (const ProgrammingError&) {
            return "programming";
        } catch (const NotSupportedError&) {
            return "notsupported";
        } catch (const DatabaseError&) {
            return "database";
        }
        return "none";
    };
    EXPECT_EQ(kind(1062, "23000"), "integrity");
    EXPECT_EQ(kind(4025, "23000"), "integrity");
    EXPECT_EQ(kind(1048, "23000"), "integrity");
    EXPECT_EQ(kind(1406, "22001"), "data");
    EXPECT_EQ(kind(1292, "22007"), "data");
    EXPECT_EQ(kind(1213, "40001"), "serialization");
    EXPECT_EQ(kind(1205, "HY000"), "serialization");
    EXPECT_EQ(kind(2006, "HY000"), "disconnect");
    EXPECT_EQ(kind(2013, "HY000"), "disconnect");
    EXPECT_EQ(kind(1927, "70100"), "disconnect");
    EXPECT_EQ(kind(4031, "HY000"), "disconnect");
    EXPECT_EQ(kind(1064, "42000"), "programming");
    EXPECT_EQ(kind(1146, "42S02"), "programming");
    EXPECT_EQ(kind(9999, "22012"), "data");
    EXPECT_EQ(kind(9999, "23999"), "integrity");
    EXPECT_EQ(kind(9999, "42999"), "programming");
    EXPECT_EQ(kind(9999, "08S01"), "operational");
    EXPECT_EQ(kind(9999, "40999"), "serialization");
    EXPECT_EQ(kind(9999, "HY000"), "database");
    EXPECT_TRUE(mysql::is_disconnect_error(2006));
    EXPECT_FALSE(mysql::is_disconnect_error(1062));
    try {
        mysql::throw_mysql_error(1062, "23000", "Duplicate entry 'x@y' for key 'email'", "INSERT",
                                 std::vector<Value>{Value("x@y")});
    } catch (const IntegrityError& e) {
        EXPECT_EQ(e.orig_message(), "(1062) Duplicate entry '***' for key 'email'");
        EXPECT_EQ(e.param_types(), std::vector<std::string>{"text"});
    }
}

TEST(MyDriverErrors, MaskingKeepsNamesAndHidesValues) {
    EXPECT_EQ(mysql::mask_server_message("Duplicate entry '1-bob' for key 'PRIMARY'"),
              "Duplicate entry '***' for key 'PRIMARY'");
    EXPECT_EQ(mysql::mask_server_message("Incorrect integer value: 'abc' for column `db`.`t`.`n` at row 1"),
              "Incorrect integer value: '***' for column `db`.`t`.`n` at row 1");
    EXPECT_EQ(mysql::mask_server_message("Data too long for column 'name' at row 1"),
              "Data too long for column 'name' at row 1");
    EXPECT_EQ(mysql::mask_server_message("Unknown column 'x' in 'field list'"), "Unknown column 'x' in 'field list'");
    EXPECT_EQ(mysql::mask_server_message("Table 'db.t' doesn't exist"), "Table 'db.t' doesn't exist");
    EXPECT_EQ(mysql::mask_server_message("Access denied for user 'u'@'localhost' (using password: YES)"),
              "Access denied for user 'u'@'localhost' (using password: YES)");
    EXPECT_EQ(mysql::mask_server_message("BIGINT value is out of range in '9223372036854775807 + 1'"),
              "BIGINT value is out of range in '***'");
    EXPECT_EQ(mysql::mask_server_message("unterminated 'secret"), "unterminated '***");
    EXPECT_EQ(mysql::mask_server_message("Duplicate entry 'O'Brien' for key 'name'"), "Duplicate entry '***' for key 'name'");
    EXPECT_EQ(mysql::mask_server_message("Can't DROP 'idx'; check that column/key exists"),
              "Can't DROP '***'; check that column/key exists");
    EXPECT_EQ(mysql::mask_server_message(""), "");
}

}  // namespace
}  // namespace retort
