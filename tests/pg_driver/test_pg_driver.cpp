// PGConnection against a real PostgreSQL server, found through libpq's PG* environment variables
// (PGHOST, PGPORT, PGUSER, PGDATABASE). Without PGHOST every test skips.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "dialects/postgresql/pg_driver.hpp"
#include "retort/error.hpp"

namespace retort {
namespace {

using postgresql::ErrorClass;
using postgresql::PGConnection;
using postgresql::PGCursor;

#define REQUIRE_SERVER()                                                               \
    do {                                                                               \
        if (!std::getenv("PGHOST")) GTEST_SKIP() << "PGHOST is not set; no server"; \
    } while (0)

std::unique_ptr<PGConnection> connect() { return std::make_unique<PGConnection>(ConnectParams{}); }

// Runs sql and steps to its first row.
std::unique_ptr<DBAPICursor> first_row(PGConnection& c, const std::string& sql, const std::vector<Value>& params = {},
                                       DriverExecOptions opts = {}) {
    auto cur = c.execute(sql, params, opts);
    EXPECT_TRUE(cur->next()) << sql;
    return cur;
}

Value scalar(PGConnection& c, const std::string& sql, const std::vector<Value>& params = {}) {
    return first_row(c, sql, params)->get_value(0);
}

class PGDriver : public ::testing::Test {
protected:
    void SetUp() override {
        if (!std::getenv("PGHOST")) GTEST_SKIP() << "PGHOST is not set; no server";
        conn = connect();
        // Timestamps with time zone come back in the session's zone; fix it so the expectations hold anywhere.
        conn->exec_script("SET TimeZone TO 'UTC'");
    }
    std::unique_ptr<PGConnection> conn;
};

// ---------------------------------------------------------------- connecting

TEST_F(PGDriver, ConnectsAndPings) {
    EXPECT_TRUE(conn->ping());
    EXPECT_FALSE(conn->is_disconnected());
    EXPECT_NE(conn->native_handle(), nullptr);
    EXPECT_GE(conn->server_version(), 140000);
    EXPECT_EQ(scalar(*conn, "SHOW client_encoding", {}).as<std::string>(), "UTF8");
    EXPECT_EQ(scalar(*conn, "SHOW application_name", {}).as<std::string>(), "retort");
}

TEST(PGDriverConnect, FailureIsOperationalErrorWithoutPassword) {
    REQUIRE_SERVER();
    ConnectParams params{{"dbname", "retort_no_such_database"}, {"password", "s3cret-pa55word"}};
    try {
        PGConnection c(params);
        FAIL() << "connected to a database that does not exist";
    } catch (const OperationalError& e) {
        std::string what = e.what();
        EXPECT_NE(what.find("retort_no_such_database"), std::string::npos) << what;
        EXPECT_EQ(what.find("s3cret-pa55word"), std::string::npos) << what;
    }
}

TEST(PGDriverConnect, UnknownKeywordIsOperationalError) {
    REQUIRE_SERVER();
    EXPECT_THROW(PGConnection(ConnectParams{{"no_such_libpq_keyword", "1"}}), OperationalError);
}

TEST_F(PGDriver, CloseMakesTheConnectionUnusable) {
    conn->close();
    EXPECT_TRUE(conn->is_disconnected());
    EXPECT_FALSE(conn->ping());
    EXPECT_EQ(conn->native_handle(), nullptr);
    EXPECT_THROW(conn->execute("SELECT 1", {}), InterfaceError);
    conn->close();  // twice is fine
}

// ---------------------------------------------------------------- values

TEST_F(PGDriver, EveryValueKindRoundTrips) {
    conn->exec_script(
        "CREATE TEMP TABLE kinds (i2 smallint, i4 integer, i8 bigint, f4 real, f8 double precision, b boolean, "
        "t text, vc varchar(20), bc char(3), by bytea, d date, tm time, ttz time with time zone, ts timestamp, "
        "tstz timestamptz, iv interval, u uuid, n numeric, j json, jb jsonb)");
    const std::string long_text(1'000'000, 'x');
    const Bytes blob{0, 1, 0, 255, 0, '\\', 'x', 0};
    const Uuid uuid = Uuid::parse("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    const Interval iv{14, -3, 3'723'000'004};
    std::vector<Value> row{Value(-32768),
                           Value(2'147'483'647),
                           Value(std::numeric_limits<std::int64_t>::min()),
                           Value(1.5f),
                           Value(0.1),
                           Value(true),
                           Value("it's \"quoted\" \\ back; héllo ✓ 日本 🎉"),
                           Value("short"),
                           Value("abc"),
                           Value(blob),
                           Value(Date{2024, 2, 29}),
                           Value(Time{23, 59, 59, 999'999}),
                           Value(Time{10, 30, 0, 0}),
                           Value(DateTime{{2024, 1, 2}, {3, 4, 5, 123'456}, std::nullopt}),
                           Value(DateTime{{2024, 1, 2}, {10, 0, 0, 0}, 330}),
                           Value(iv),
                           Value(uuid),
                           Value(Numeric("12345678901234567890.123456789")),
                           Value(Json{R"({"a": [1, 2, "x"], "b": null})"}),
                           Value(Json{R"({"k": "v"})"})};
    const std::string insert =
        "INSERT INTO kinds VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, "
        "$19, $20)";
    EXPECT_EQ(conn->execute(insert, row)->rowcount(), 1);

    auto cur = first_row(*conn, "SELECT * FROM kinds");
    ASSERT_EQ(cur->column_count(), 20);
    EXPECT_EQ(cur->column_name(0), "i2");
    EXPECT_EQ(cur->column_name(19), "jb");
    EXPECT_EQ(cur->get_value(0), Value(-32768));
    EXPECT_EQ(cur->get_value(1), Value(2'147'483'647));
    EXPECT_EQ(cur->get_value(2), Value(std::numeric_limits<std::int64_t>::min()));
    EXPECT_EQ(cur->get_int(2), std::numeric_limits<std::int64_t>::min());
    EXPECT_EQ(cur->get_value(3), Value(1.5));
    EXPECT_EQ(cur->get_double(4), 0.1);
    EXPECT_EQ(cur->get_value(5), Value(true));
    EXPECT_TRUE(cur->get_bool(5));
    EXPECT_EQ(cur->get_text(6), "it's \"quoted\" \\ back; héllo ✓ 日本 🎉");
    EXPECT_EQ(cur->get_value(7), Value("short"));
    EXPECT_EQ(cur->get_value(8), Value("abc"));
    EXPECT_EQ(cur->get_bytes(9), blob);
    EXPECT_EQ(cur->get_value(9), Value(blob));
    EXPECT_EQ(cur->get_value(10), Value(Date{2024, 2, 29}));
    EXPECT_EQ(cur->get_value(11), Value(Time{23, 59, 59, 999'999}));
    EXPECT_EQ(cur->get_value(12), Value(Time{10, 30, 0, 0}));
    EXPECT_EQ(cur->get_value(13), Value(DateTime{{2024, 1, 2}, {3, 4, 5, 123'456}, std::nullopt}));
    // The same instant, shown in the session's zone (UTC).
    EXPECT_EQ(cur->get_value(14), Value(DateTime{{2024, 1, 2}, {4, 30, 0, 0}, 0}));
    EXPECT_EQ(cur->get_value(15), Value(iv));
    EXPECT_EQ(cur->get_value(16), Value(uuid));
    EXPECT_EQ(cur->get_value(17), Value(Numeric("12345678901234567890.123456789")));
    EXPECT_EQ(cur->get_value(18), Value(Json{R"({"a": [1, 2, "x"], "b": null})"}));
    EXPECT_EQ(cur->get_value(19), Value(Json{R"({"k": "v"})"}));
    EXPECT_FALSE(cur->next());

    // A very long text and empty bytes, through a prepared statement with parameters of two formats.
    conn->exec_script("DELETE FROM kinds");
    conn->execute("INSERT INTO kinds (t, by) VALUES ($1, $2)", std::vector<Value>{Value(long_text), Value(Bytes{})});
    auto big = first_row(*conn, "SELECT t, by, length(t), length(by) FROM kinds");
    EXPECT_EQ(big->get_text(0), long_text);
    EXPECT_TRUE(big->get_bytes(1).empty());
    EXPECT_FALSE(big->is_null(1));
    EXPECT_EQ(big->get_int(2), 1'000'000);
    EXPECT_EQ(big->get_int(3), 0);
}

TEST_F(PGDriver, DoublesKeepEveryBit) {
    const double cases[] = {0.1,
                            1e300,
                            -1e-300,
                            5e-324,
                            std::numeric_limits<double>::max(),
                            1.0 / 3.0,
                            -0.0,
                            123456789.123456789,
                            std::numeric_limits<double>::infinity(),
                            -std::numeric_limits<double>::infinity()};
    for (double d : cases) {
        auto cur = first_row(*conn, "SELECT $1::float8", {Value(d)});
        EXPECT_EQ(cur->get_double(0), d) << d;
        EXPECT_EQ(std::signbit(cur->get_double(0)), std::signbit(d)) << d;
    }
    auto nan = first_row(*conn, "SELECT $1::float8", {Value(std::nan(""))});
    EXPECT_TRUE(std::isnan(nan->get_double(0)));
}

TEST_F(PGDriver, IntegersAtTheLimits) {
    for (std::int64_t v : {std::numeric_limits<std::int64_t>::min(), std::int64_t{-1}, std::int64_t{0},
                           std::numeric_limits<std::int64_t>::max()}) {
        EXPECT_EQ(scalar(*conn, "SELECT $1::int8", {Value(v)}), Value(v));
    }
    // Integral numerics read as integers; fractions do not.
    EXPECT_EQ(first_row(*conn, "SELECT 12.000::numeric")->get_int(0), 12);
    EXPECT_THROW((void)first_row(*conn, "SELECT 12.5::numeric")->get_int(0), TypeError);
    EXPECT_EQ(first_row(*conn, "SELECT true")->get_int(0), 1);
}

TEST_F(PGDriver, DatesAndTimesAtTheEdges) {
    const Date dates[] = {{1, 1, 1}, {9999, 12, 31}, {1970, 1, 1}, {-43, 3, 15}, {0, 1, 1}};
    for (const auto& d : dates) EXPECT_EQ(scalar(*conn, "SELECT $1::date", {Value(d)}), Value(d)) << d.iso();
    const DateTime stamps[] = {{{-43, 3, 15}, {12, 0, 0, 0}, std::nullopt},
                               {{2000, 2, 29}, {0, 0, 0, 1}, std::nullopt},
                               {{1999, 12, 31}, {23, 59, 59, 999'999}, 0}};
    for (const auto& dt : stamps) {
        const char* sql = dt.utc_offset_minutes ? "SELECT $1::timestamptz" : "SELECT $1::timestamp";
        EXPECT_EQ(scalar(*conn, sql, {Value(dt)}), Value(dt)) << dt.iso();
    }
    // Negative offsets and a time zone that is not whole hours, read back in UTC.
    EXPECT_EQ(scalar(*conn, "SELECT $1::timestamptz", {Value(DateTime{{2024, 6, 1}, {1, 0, 0, 0}, -570})}),
              Value(DateTime{{2024, 6, 1}, {10, 30, 0, 0}, 0}));
    // Values the structs cannot hold come back as text rather than failing.
    EXPECT_EQ(scalar(*conn, "SELECT 'infinity'::timestamp"), Value("infinity"));
    EXPECT_EQ(scalar(*conn, "SELECT '-infinity'::date"), Value("-infinity"));
}

TEST_F(PGDriver, IntervalsRoundTrip) {
    const Interval cases[] = {{0, 0, 0},
                              {1, 2, 3},
                              {-14, 3, -3'723'000'004},
                              {0, 0, -1},
                              {0, 0, 360'000'000'000'000},
                              {1200, -400, 86'399'999'999}};
    for (const auto& iv : cases) EXPECT_EQ(scalar(*conn, "SELECT $1::interval", {Value(iv)}), Value(iv)) << iv.iso();
}

TEST(PGDriverConnect, ServerDateAndIntervalStylesAreSetRight) {
    REQUIRE_SERVER();
    PGConnection c(ConnectParams{{"options", "-c DateStyle=SQL,DMY -c IntervalStyle=sql_standard"}});
    EXPECT_EQ(scalar(c, "SELECT '2024-03-01'::date"), Value(Date{2024, 3, 1}));
    EXPECT_EQ(scalar(c, "SELECT $1::interval", {Value(Interval{-14, 3, 5'000'000})}), Value(Interval{-14, 3, 5'000'000}));
    EXPECT_EQ(scalar(c, "SELECT '2024-03-01 10:00:00'::timestamp"),
              Value(DateTime{{2024, 3, 1}, {10, 0, 0, 0}, std::nullopt}));
}

TEST_F(PGDriver, ByteaInEscapeFormat) {
    conn->exec_script("SET bytea_output = 'escape'");
    const Bytes blob{0, 'a', '\\', 200, 0, '\'', 10};
    auto cur = first_row(*conn, "SELECT $1::bytea", {Value(blob)});
    EXPECT_EQ(cur->get_bytes(0), blob);
    EXPECT_EQ(cur->get_value(0), Value(blob));
}

TEST_F(PGDriver, NullsRoundTrip) {
    conn->exec_script("CREATE TEMP TABLE nulls (i int, t text, b bytea, d date, u uuid, j jsonb)");
    std::vector<Value> row(6);
    conn->execute("INSERT INTO nulls VALUES ($1, $2, $3, $4, $5, $6)", row);
    auto cur = first_row(*conn, "SELECT * FROM nulls");
    for (int i = 0; i < 6; ++i) {
        EXPECT_TRUE(cur->is_null(i)) << i;
        EXPECT_TRUE(cur->get_value(i).is_null()) << i;
    }
    auto not_null = first_row(*conn, "SELECT ''::text, ''::bytea");
    EXPECT_FALSE(not_null->is_null(0));
    EXPECT_FALSE(not_null->is_null(1));
}

TEST_F(PGDriver, TextWithNulIsRefused) {
    EXPECT_THROW(conn->execute("SELECT $1::text", std::vector<Value>{Value(std::string("a\0b", 3))}), DataError);
    EXPECT_TRUE(conn->ping());
}

TEST_F(PGDriver, UntypedParametersTakeTheirTypeFromContext) {
    conn->exec_script("CREATE TEMP TABLE ctx (s smallint, n numeric(10, 2), ts timestamptz, b boolean)");
    conn->execute("INSERT INTO ctx VALUES ($1, $2, $3, $4)",
                  std::vector<Value>{Value(7), Value(2.5), Value(DateTime{{2024, 1, 1}, {0, 0, 0, 0}, 60}), Value(false)});
    auto cur = first_row(*conn, "SELECT s, n, ts, b FROM ctx WHERE s = $1 AND b = $2", {Value(7), Value(false)});
    EXPECT_EQ(cur->get_value(0), Value(7));
    EXPECT_EQ(cur->get_value(1), Value(Numeric("2.50")));
    EXPECT_EQ(cur->get_value(2), Value(DateTime{{2023, 12, 31}, {23, 0, 0, 0}, 0}));
    EXPECT_EQ(cur->get_value(3), Value(false));
}

// ---------------------------------------------------------------- statements

TEST_F(PGDriver, PreparesEachStatementOnce) {
    const std::string sql = "SELECT $1::int + 1";
    const auto before = conn->prepared_count();
    for (int i = 0; i < 5; ++i) EXPECT_EQ(scalar(*conn, sql, {Value(i)}), Value(i + 1));
    EXPECT_EQ(conn->prepared_count(), before + 1);
    DriverExecOptions unprepared;
    unprepared.prepare = false;
    auto count = [&] {
        auto c = conn->execute("SELECT count(*) FROM pg_prepared_statements WHERE statement = $1",
                               std::vector<Value>{Value(sql)}, unprepared);
        EXPECT_TRUE(c->next());
        return c->get_int(0);
    };
    EXPECT_EQ(count(), 1);
    EXPECT_EQ(conn->prepared_count(), before + 1);

    conn->clear_statement_cache();
    EXPECT_EQ(conn->prepared_count(), 0U);
    EXPECT_EQ(count(), 0);
    EXPECT_EQ(scalar(*conn, sql, {Value(41)}), Value(42));
    EXPECT_EQ(count(), 1);
}

TEST_F(PGDriver, StatementDeallocatedBehindItsBackIsPreparedAgain) {
    const std::string sql = "SELECT $1::text";
    EXPECT_EQ(scalar(*conn, sql, {Value("a")}), Value("a"));
    conn->exec_script("DEALLOCATE ALL");
    EXPECT_THROW(conn->execute(sql, std::vector<Value>{Value("b")}), ProgrammingError);  // 26000
    EXPECT_EQ(scalar(*conn, sql, {Value("c")}), Value("c"));
}

TEST_F(PGDriver, RowcountAndScripts) {
    conn->exec_script("CREATE TEMP TABLE rc (x int); INSERT INTO rc SELECT generate_series(1, 10)");
    EXPECT_EQ(conn->execute("UPDATE rc SET x = x + 1 WHERE x > $1", std::vector<Value>{Value(3)})->rowcount(), 7);
    EXPECT_EQ(conn->execute("DELETE FROM rc WHERE x > 100", {})->rowcount(), 0);
    EXPECT_EQ(conn->execute("SELECT * FROM rc", {})->rowcount(), 10);
    EXPECT_EQ(conn->execute("CREATE TEMP TABLE rc2 (y int)", {}, {.prepare = false})->rowcount(), -1);
    EXPECT_THROW(conn->exec_script("SELECT 1; SELEC 2"), ProgrammingError);
    EXPECT_TRUE(conn->ping());
}

TEST_F(PGDriver, PingWorksInAFailedTransaction) {
    conn->exec_script("BEGIN");
    EXPECT_THROW(conn->exec_script("SELECT 1/0"), DataError);
    EXPECT_TRUE(conn->ping());
    try {
        conn->execute("SELECT 1", {});
        FAIL();
    } catch (const InternalError& e) {
        EXPECT_EQ(e.sqlstate(), "25P02");
    }
    conn->exec_script("ROLLBACK");
    EXPECT_EQ(scalar(*conn, "SELECT 1"), Value(1));
}

// ---------------------------------------------------------------- streaming

TEST_F(PGDriver, StreamsTenThousandRows) {
    DriverExecOptions opts;
    opts.stream = true;
    auto cur = conn->execute("SELECT g, 'row ' || g AS label FROM generate_series(1, $1::int) g",
                             std::vector<Value>{Value(10'000)}, opts);
    ASSERT_EQ(cur->column_count(), 2);  // known before the first row
    EXPECT_EQ(cur->column_name(1), "label");
    EXPECT_TRUE(static_cast<PGCursor&>(*cur).streaming());
    std::int64_t n = 0, sum = 0;
    while (cur->next()) {
        ++n;
        EXPECT_EQ(cur->get_int(0), n);
        sum += cur->get_int(0);
        if (n == 9'999) {
            EXPECT_EQ(cur->get_text(1), "row 9999");
        }
    }
    EXPECT_EQ(n, 10'000);
    EXPECT_EQ(sum, 10'000LL * 10'001 / 2);
    EXPECT_FALSE(cur->next());
    EXPECT_EQ(cur->rowcount(), 10'000);
    EXPECT_EQ(scalar(*conn, "SELECT 2"), Value(2));
}

TEST_F(PGDriver, StreamClosedEarlyLeavesTheConnectionUsable) {
    DriverExecOptions opts;
    opts.stream = true;
    for (bool prepare : {true, false}) {
        opts.prepare = prepare;
        auto cur = conn->execute("SELECT g FROM generate_series(1, 10000) g", {}, opts);
        for (int i = 0; i < 10; ++i) ASSERT_TRUE(cur->next());
        cur->close();
        EXPECT_FALSE(cur->next());
        EXPECT_EQ(scalar(*conn, "SELECT 3"), Value(3));

        cur = conn->execute("SELECT g FROM generate_series(1, 10000) g", {}, opts);
        ASSERT_TRUE(cur->next());
        cur.reset();  // destroyed mid-stream
        EXPECT_EQ(scalar(*conn, "SELECT 4"), Value(4));
    }
}

TEST_F(PGDriver, StreamSurvivesOtherCommandsOnTheConnection) {
    DriverExecOptions opts;
    opts.stream = true;
    auto cur = conn->execute("SELECT g FROM generate_series(1, 1000) g", {}, opts);
    std::int64_t n = 0;
    while (cur->next()) {
        ++n;
        EXPECT_EQ(cur->get_int(0), n);
        if (n == 10) {
            EXPECT_EQ(scalar(*conn, "SELECT $1::int * 2", {Value(21)}), Value(42));
        }
    }
    EXPECT_EQ(n, 1000);
}

TEST_F(PGDriver, StreamErrorsAreMapped) {
    DriverExecOptions opts;
    opts.stream = true;
    // Fails at once: the error comes from execute().
    EXPECT_THROW(conn->execute("SELECT * FROM no_such_table", {}, opts), ProgrammingError);
    // Fails half-way: the error comes from next().
    auto cur = conn->execute("SELECT 1 / (5000 - g) FROM generate_series(1, 10000) g", {}, opts);
    std::int64_t n = 0;
    try {
        while (cur->next()) ++n;
        FAIL() << "no error";
    } catch (const DataError& e) {
        EXPECT_EQ(e.sqlstate(), "22012");
        EXPECT_NE(e.statement().find("5000 - g"), std::string::npos);
    }
    EXPECT_LT(n, 5000);
    EXPECT_EQ(scalar(*conn, "SELECT 5"), Value(5));
}

TEST_F(PGDriver, EmptyStream) {
    DriverExecOptions opts;
    opts.stream = true;
    auto cur = conn->execute("SELECT g AS only FROM generate_series(1, 0) g", {}, opts);
    EXPECT_EQ(cur->column_count(), 1);
    EXPECT_EQ(cur->column_name(0), "only");
    EXPECT_FALSE(cur->next());
    auto cmd = conn->execute("CREATE TEMP TABLE streamed_ddl (x int)", {}, opts);
    EXPECT_FALSE(cmd->next());
    EXPECT_EQ(scalar(*conn, "SELECT 6"), Value(6));
}

// ---------------------------------------------------------------- executemany

TEST_F(PGDriver, ExecuteManyPipelines) {
    conn->exec_script("CREATE TEMP TABLE many (id int PRIMARY KEY, name text, data bytea)");
    std::vector<std::vector<Value>> sets;
    for (int i = 0; i < 2000; ++i)
        sets.push_back({Value(i), Value("name " + std::to_string(i)), Value(Bytes{std::uint8_t(i), 0})});
    EXPECT_EQ(conn->execute_many("INSERT INTO many VALUES ($1, $2, $3)", sets), 2000);
    auto check = first_row(*conn, "SELECT count(*), sum(id), max(name) FROM many WHERE data = $1",
                           {Value(Bytes{7, 0})});
    EXPECT_EQ(check->get_int(0), 8);  // 7, 263, 519, ... (i mod 256 == 7)
    EXPECT_EQ(conn->execute_many("UPDATE many SET name = $2 WHERE id = $1",
                                 std::vector<std::vector<Value>>{{Value(1), Value("x")}, {Value(-1), Value("y")},
                                                                 {Value(2), Value("z")}}),
              2);
    EXPECT_EQ(conn->execute_many("DELETE FROM many WHERE id = $1", std::vector<std::vector<Value>>{}), 0);
    EXPECT_EQ(conn->execute_many("DELETE FROM many WHERE id = $1", std::vector<std::vector<Value>>{{Value(5)}}), 1);
}

TEST_F(PGDriver, ExecuteManyFailureInTheMiddle) {
    conn->exec_script("CREATE TEMP TABLE many_fail (id int PRIMARY KEY, secret text)");
    conn->execute("INSERT INTO many_fail VALUES (5000, 'existing')", {});
    std::vector<std::vector<Value>> sets;
    for (int i = 0; i < 1500; ++i) sets.push_back({Value(i), Value("hunter2-" + std::to_string(i))});
    sets[1200] = {Value(5000), Value(Numeric("1"))};  // duplicate key; a distinct type to recognise it by
    try {
        conn->execute_many("INSERT INTO many_fail VALUES ($1, $2)", sets);
        FAIL() << "no error";
    } catch (const IntegrityError& e) {
        EXPECT_EQ(e.sqlstate(), "23505");
        EXPECT_EQ(e.statement(), "INSERT INTO many_fail VALUES ($1, $2)");
        EXPECT_EQ(e.param_types(), (std::vector<std::string>{"int", "numeric"}));
        EXPECT_EQ(std::string(e.what()).find("5000"), std::string::npos) << e.what();
        EXPECT_FALSE(e.connection_invalidated());
    }
    // The pipeline ran as one implicit transaction: nothing of it stayed.
    EXPECT_EQ(scalar(*conn, "SELECT count(*) FROM many_fail"), Value(1));
    EXPECT_FALSE(conn->is_disconnected());
    EXPECT_EQ(PQpipelineStatus(conn->pgconn()), PQ_PIPELINE_OFF);

    // Inside an explicit transaction the failure aborts it, and ROLLBACK recovers.
    conn->exec_script("BEGIN");
    EXPECT_THROW(conn->execute_many("INSERT INTO many_fail VALUES ($1, $2)", sets), IntegrityError);
    EXPECT_THROW(conn->execute("SELECT 1", {}), InternalError);
    conn->exec_script("ROLLBACK");
    EXPECT_EQ(conn->execute_many("INSERT INTO many_fail VALUES ($1, $2)",
                                 std::vector<std::vector<Value>>{{Value(1), Value("a")}, {Value(2), Value("b")}}),
              2);
}

TEST_F(PGDriver, ExecuteManyWithBadSql) {
    std::vector<std::vector<Value>> sets{{Value(1)}, {Value(2)}};
    EXPECT_THROW(conn->execute_many("INSERT INTO no_such_table VALUES ($1)", sets), ProgrammingError);
    EXPECT_EQ(scalar(*conn, "SELECT 7"), Value(7));
}

// ---------------------------------------------------------------- errors

TEST_F(PGDriver, UniqueViolationIsIntegrityError) {
    conn->exec_script("CREATE TEMP TABLE uniq (id int PRIMARY KEY, token text UNIQUE)");
    const std::string sql = "INSERT INTO uniq VALUES ($1, $2)";
    conn->execute(sql, std::vector<Value>{Value(1), Value("topsecret-token")});
    try {
        conn->execute(sql, std::vector<Value>{Value(2), Value("topsecret-token")});
        FAIL() << "no error";
    } catch (const IntegrityError& e) {
        EXPECT_EQ(e.sqlstate(), "23505");
        EXPECT_EQ(e.statement(), sql);
        EXPECT_EQ(e.param_types(), (std::vector<std::string>{"int", "text"}));
        std::string what = e.what();
        EXPECT_NE(what.find("uniq_token_key"), std::string::npos) << what;
        EXPECT_EQ(what.find("topsecret-token"), std::string::npos) << what;
    }
    try {
        conn->execute("INSERT INTO uniq VALUES (3, NULL), (NULL, 'x')", {});
        FAIL() << "no error";
    } catch (const IntegrityError& e) {
        EXPECT_EQ(e.sqlstate(), "23502");
    }
}

TEST_F(PGDriver, SyntaxErrorIsProgrammingError) {
    try {
        conn->execute("SELEC 1", {});
        FAIL() << "no error";
    } catch (const ProgrammingError& e) {
        EXPECT_EQ(e.sqlstate(), "42601");
        EXPECT_EQ(e.statement(), "SELEC 1");
    }
    try {
        conn->execute("SELECT * FROM no_such_table", {});
        FAIL() << "no error";
    } catch (const ProgrammingError& e) {
        EXPECT_EQ(e.sqlstate(), "42P01");
    }
    EXPECT_EQ(scalar(*conn, "SELECT 8"), Value(8));
}

TEST_F(PGDriver, DivisionByZeroIsDataError) {
    try {
        conn->execute("SELECT $1::int / 0", std::vector<Value>{Value(1)});
        FAIL() << "no error";
    } catch (const DataError& e) {
        EXPECT_EQ(e.sqlstate(), "22012");
        EXPECT_EQ(e.param_types(), std::vector<std::string>{"int"});
    }
}

TEST_F(PGDriver, DataErrorsDoNotQuoteTheValue) {
    try {
        conn->execute("SELECT $1::int", std::vector<Value>{Value("hunter2")});
        FAIL() << "no error";
    } catch (const DataError& e) {
        EXPECT_EQ(e.sqlstate(), "22P02");
        EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
    }
}

TEST_F(PGDriver, SerializationFailure) {
    conn->exec_script("CREATE TABLE IF NOT EXISTS ser_test (x int); TRUNCATE ser_test");
    auto other = connect();
    conn->exec_script("BEGIN ISOLATION LEVEL SERIALIZABLE");
    other->exec_script("BEGIN ISOLATION LEVEL SERIALIZABLE");
    (void)scalar(*conn, "SELECT count(*) FROM ser_test");
    (void)scalar(*other, "SELECT count(*) FROM ser_test");
    conn->execute("INSERT INTO ser_test VALUES (1)", {});
    bool failed = false;
    try {
        other->execute("INSERT INTO ser_test VALUES (2)", {});
        conn->exec_script("COMMIT");
        other->exec_script("COMMIT");
    } catch (const SerializationFailure& e) {
        failed = true;
        EXPECT_EQ(e.sqlstate(), "40001");
        EXPECT_NE(dynamic_cast<const OperationalError*>(&e), nullptr);
    }
    EXPECT_TRUE(failed);
    other->exec_script("ROLLBACK");
    conn->exec_script("ROLLBACK; DROP TABLE ser_test");
}

TEST(PGDriverErrors, SqlstateClasses) {
    using postgresql::classify_sqlstate;
    EXPECT_EQ(classify_sqlstate("40001"), ErrorClass::SerializationFailure);
    EXPECT_EQ(classify_sqlstate("40P01"), ErrorClass::Operational);
    EXPECT_EQ(classify_sqlstate("23505"), ErrorClass::Integrity);
    EXPECT_EQ(classify_sqlstate("23503"), ErrorClass::Integrity);
    EXPECT_EQ(classify_sqlstate("22012"), ErrorClass::Data);
    EXPECT_EQ(classify_sqlstate("42601"), ErrorClass::Programming);
    EXPECT_EQ(classify_sqlstate("3D000"), ErrorClass::Programming);
    EXPECT_EQ(classify_sqlstate("3F000"), ErrorClass::Programming);
    EXPECT_EQ(classify_sqlstate("26000"), ErrorClass::Programming);
    EXPECT_EQ(classify_sqlstate("34000"), ErrorClass::Programming);
    EXPECT_EQ(classify_sqlstate("08006"), ErrorClass::Operational);
    EXPECT_EQ(classify_sqlstate("57P01"), ErrorClass::Operational);
    EXPECT_EQ(classify_sqlstate("53300"), ErrorClass::Operational);
    EXPECT_EQ(classify_sqlstate("0A000"), ErrorClass::NotSupported);
    EXPECT_EQ(classify_sqlstate("XX000"), ErrorClass::Internal);
    EXPECT_EQ(classify_sqlstate("25P02"), ErrorClass::Internal);
    EXPECT_EQ(classify_sqlstate("P0001"), ErrorClass::Internal);
    EXPECT_EQ(classify_sqlstate("02000"), ErrorClass::Database);
    EXPECT_EQ(classify_sqlstate(""), ErrorClass::Database);
    EXPECT_THROW(postgresql::throw_dbapi_error(ErrorClass::SerializationFailure, "m", "40001", "s", {}, false),
                 SerializationFailure);
}

TEST_F(PGDriver, TerminatedBackendIsOperationalError) {
    auto victim = connect();
    const int pid = PQbackendPID(victim->pgconn());
    EXPECT_EQ(scalar(*conn, "SELECT pg_terminate_backend($1)", {Value(pid)}), Value(true));
    // pg_terminate_backend only signals; wait until the backend is gone.
    for (int i = 0; i < 100; ++i) {
        if (scalar(*conn, "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", {Value(pid)}) == Value(0)) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    try {
        victim->execute("SELECT 1", {});
        FAIL() << "no error";
    } catch (const OperationalError& e) {
        EXPECT_TRUE(e.connection_invalidated()) << e.what();
    }
    EXPECT_TRUE(victim->is_disconnected());
    EXPECT_FALSE(victim->ping());
    EXPECT_TRUE(conn->ping());
}

TEST_F(PGDriver, HeldBackBeginAndUnreadRollbackAreInvisibleToLibpqUsers) {
    auto* pg = static_cast<PGconn*>(conn->native_handle());
    EXPECT_EQ(PQtransactionStatus(pg), PQTRANS_IDLE);
    conn->begin();  // held back until the first statement
    EXPECT_EQ(PQtransactionStatus(static_cast<PGconn*>(conn->native_handle())), PQTRANS_INTRANS);
    conn->rollback();
    EXPECT_EQ(PQtransactionStatus(pg), PQTRANS_IDLE);
    // An empty transaction's COMMIT and ROLLBACK send nothing.
    conn->begin();
    conn->commit();
    conn->begin();
    conn->rollback();
    EXPECT_EQ(PQtransactionStatus(pg), PQTRANS_IDLE);
    // The rollback on return is read before the next use, including through the native handle.
    conn->begin();
    EXPECT_EQ(scalar(*conn, "SELECT 41 + 1").as<int>(), 42);
    conn->rollback_on_return();
    EXPECT_EQ(PQtransactionStatus(static_cast<PGconn*>(conn->native_handle())), PQTRANS_IDLE);
    conn->begin();
    (void)scalar(*conn, "SELECT 1");
    conn->rollback_on_return();
    EXPECT_TRUE(conn->ping());
    EXPECT_EQ(PQtransactionStatus(pg), PQTRANS_IDLE);
}

}  // namespace
}  // namespace retort
