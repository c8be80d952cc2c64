// Bad input against the live database: injection attempts through every string that reaches SQL text,
// NUL bytes in URLs, values the database could not give back, Retort's limits at and past them, and SQLite's
// lock contention through the retry helper.
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <thread>

#include <retort/migrate/migration.hpp>
#include <retort/migrate/script.hpp>

#include "usage/fixture.hpp"

using namespace retort;
using retort::testkit::Usage;

namespace {

struct SafetyUsers : TableDef {
    using TableDef::TableDef;
    Col<std::int64_t> id = col<std::int64_t>("id", {.primary_key = true});
    Col<std::string> name = col<std::string>("name", {.type = types::String(50)});
};

struct SafetySecrets : TableDef {
    using TableDef::TableDef;
    Col<std::int64_t> id = col<std::int64_t>("id", {.primary_key = true});
    Col<std::string> secret = col<std::string>("secret", {.type = types::String(50)});
};

class SafetySql : public Usage {
protected:
    void SetUp() override {
        Usage::SetUp();
        md.drop_all(engine);
        md.create_all(engine);
        auto c = engine.connect();
        c.execute(insert(users).values({{"name", "alice"}}));
        c.execute(insert(secrets).values({{"secret", "hunter2"}}));
        c.commit();
    }
    std::int64_t count(const Table& t) {
        auto c = engine.connect();
        return c.execute(select(func::count()).select_from(t)).scalar_one<std::int64_t>();
    }
    SafetyUsers users{md, "safety_users"};
    SafetySecrets secrets{md, "safety_secrets"};
};

TEST_F(SafetySql, LikeEscapeCannotBreakOutOfTheStatement) {
    // These escapes used to be pasted into the SQL: the first matched every row, the second read the other table.
    for (std::string payload : std::vector<std::string>{"x' OR 1=1 --", "x' UNION SELECT secret FROM safety_secrets --",
                                "x'; DELETE FROM safety_users; --"}) {
        EXPECT_THROW((void)select(users.name).where(users.name.like("nobody", payload)), ArgumentError);
        EXPECT_THROW((void)select(users.name).where(users.name.ilike("nobody", payload)), ArgumentError);
    }
    auto c = engine.connect();
    EXPECT_TRUE(c.execute(select(users.name).where(users.name.like("al!%", "!"))).all().empty());
    EXPECT_EQ(c.execute(select(users.name).where(users.name.like("ali!_e", "!"))).all().size(), 0u);
    EXPECT_EQ(c.execute(select(users.name).where(users.name.like("al%", "'"))).scalar_one<std::string>(), "alice");
    EXPECT_EQ(c.execute(select(users.name).where(users.name.ilike("AL%", "\\"))).scalar_one<std::string>(), "alice");
    EXPECT_EQ(c.execute(select(users.name).where(users.name.startswith("ali"))).scalar_one<std::string>(), "alice");
    c.rollback();
    EXPECT_EQ(count(users), 1);
}

TEST_F(SafetySql, FunctionNamesCannotCarrySql) {
    for (std::string payload : std::vector<std::string>{"count(*) FROM safety_secrets --", "length(name)) FROM safety_secrets --",
                                "pg_sleep(1); --", "x\"y"}) {
        EXPECT_THROW((void)func::call<std::int64_t>(payload, users.name), ArgumentError);
    }
    auto c = engine.connect();
    EXPECT_EQ(c.execute(select(func::call<std::int64_t>("length", users.name))).scalar_one<std::int64_t>(), 5);
    EXPECT_EQ(c.execute(select(func::call<std::string>("upper", users.name))).scalar_one<std::string>(), "ALICE");
}

TEST_F(SafetySql, ForeignKeyActionsAreOnlyTheKnownOnes) {
    MetaData m;
    Table& child = m.new_table("safety_child");
    child.append_column(ColumnDef{"id", types::Integer(), {.primary_key = true}});
    EXPECT_THROW(child.append_column(ColumnDef{"uid", types::BigInteger(),
                                               {.foreign_key = "safety_users.id",
                                                .ondelete = "CASCADE); DROP TABLE safety_secrets; --"}}),
                 ArgumentError);
    child.append_column(ColumnDef{"uid", types::BigInteger(), {.foreign_key = "safety_users.id", .ondelete = "cascade"}});
    m.create_all(engine);
    EXPECT_EQ(count(secrets), 1);
    m.drop_all(engine);
}

// Names with quotes, semicolons, comment markers, spaces and capitals: quoted wherever they appear.
TEST_F(SafetySql, HostileNamesAreQuotedEverywhere) {
    const std::string tname = "safety \"odd\"; DROP TABLE safety_secrets; --";
    const std::string cname = "va\"l'ue; --";
    MetaData m;
    Table& t = m.new_table(tname);
    t.append_column(ColumnDef{"id", types::Integer(), {.primary_key = true, .autoincrement = false}});
    t.append_column(ColumnDef{cname, types::String(40), {.nullable = true}});
    t.append_column(ColumnDef{"Select", types::Integer(), {.nullable = true}});
    t.append(Index{.name = "ix \"x\"; --", .columns = {cname}});
    t.append(UniqueConstraint{{"Select"}, "uq 'y'; --"});
    t.append(CheckConstraint{"id >= 0", "ck \"z\"; --"});
    m.create_all(engine);
    Inspector insp(engine);
    EXPECT_TRUE(insp.has_table(tname));
    std::vector<std::string> cols;
    for (const auto& rc : insp.get_columns(tname)) cols.push_back(rc.name);
    EXPECT_EQ(cols, (std::vector<std::string>{"id", cname, "Select"}));
    bool found_index = false;
    for (const auto& ix : insp.get_indexes(tname)) found_index = found_index || ix.name == "ix \"x\"; --";
    EXPECT_TRUE(found_index);

    auto c = engine.connect();
    auto v = column<std::optional<std::string>>(t, cname);
    auto s = column<std::optional<std::int32_t>>(t, "Select");
    auto id = column<std::int32_t>(t, "id");
    c.execute(insert(t), std::vector<Params>{{{"id", 1}, {cname, "a'b\"c"}, {"Select", 7}},
                                             {{"id", 2}, {cname, "--"}, {"Select", 8}}});
    c.execute(update(t).value(v, std::optional<std::string>("x; DROP")).where(id == 2));
    auto lab = v.label("la\"bel; --");
    auto rows = c.execute(select(id, lab).order_by(lab)).all();
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].get<std::string>(1), "a'b\"c");
    EXPECT_EQ(rows[1].get<std::string>(1), "x; DROP");
    auto a = alias(t, "al\"ias; --");
    EXPECT_EQ(c.execute(select(aliased(a, s)).where(aliased(a, id) == 1)).scalar_one<std::int32_t>(), 7);
    auto cte = select(id.label("n")).where(id == 2).cte("ct\"e; --");
    EXPECT_EQ(c.execute(select(cte.c<std::int32_t>("n"))).scalar_one<std::int32_t>(), 2);
    c.execute(insert(t).values({{"id", 2}, {cname, "dup"}, {"Select", 9}}).on_conflict_do_update({"id"}, {{cname, excluded(v)}}));
    EXPECT_EQ(c.execute(select(v).where(id == 2)).scalar_one<std::string>(), "dup");
    EXPECT_EQ(c.execute(delete_(t).where(s == 7)).rowcount(), 1);
    c.commit();
    m.drop_all(engine);
    EXPECT_FALSE(insp.has_table(tname));
    EXPECT_EQ(count(secrets), 1);
}

TEST_F(SafetySql, HostileEnumNamesAndLabels) {
    MetaData m;
    Table& t = m.new_table("safety_enums");
    t.append_column(ColumnDef{"id", types::Integer(), {.primary_key = true}});
    const std::vector<std::string> labels{"it's", "a\"b", "x'); DROP TABLE safety_secrets; --"};
    t.append_column(ColumnDef{"mood", types::Enum("safety mo\"od; --", labels), {.nullable = true}});
    m.create_all(engine);
    auto c = engine.connect();
    auto mood = column<std::optional<std::string>>(t, "mood");
    for (int i = 0; i < 3; ++i) c.execute(insert(t).values({{"id", i + 1}, {"mood", labels[static_cast<std::size_t>(i)]}}));
    c.commit();
    EXPECT_EQ(c.execute(select(mood).where(column<std::int32_t>(t, "id") == 3)).scalar_one<std::string>(), labels[2]);
    EXPECT_THROW(c.execute(insert(t).values({{"id", 9}, {"mood", "other"}})), DBAPIError);
    c.rollback();
    m.drop_all(engine);
    EXPECT_EQ(count(secrets), 1);
}

TEST_F(SafetySql, HostileNamesThroughMigrations) {
    // A revision file with quotes, semicolons and line breaks in its names, run against the database.
    const std::string tname = "safety mig\"rated; --";
    auto rev = migrate::parse_revision(
        "revision: s1\nparents:\nmessage: hostile names\n\nupgrade:\n"
        "create_table \"safety mig\\\"rated; --\"\n"
        "  column id Integer primary_key\n"
        "  column \"na'me\\n--\" String(60)\n"
        "  unique \"uq'; --\" columns=\"na'me\\n--\"\n"
        "create_index \"ix \\\"n\\\"\" table=\"safety mig\\\"rated; --\" columns=\"na'me\\n--\"\n"
        "add_column \"safety mig\\\"rated; --\" \"Extra\\\"; DROP TABLE safety_secrets; --\" Integer\n"
        "bulk_insert \"safety mig\\\"rated; --\" columns=\"id,na'me\\n--\"\n"
        "  row 1 \"'); DROP TABLE safety_secrets; --\"\n"
        "\ndowngrade:\n"
        "drop_table \"safety mig\\\"rated; --\"\n");
    ASSERT_EQ(rev.upgrade_ops().size(), 4u);
    EXPECT_EQ(rev.upgrade_ops()[0].table, tname);
    migrate::RevisionGraph graph({rev});
    migrate::MigrationOptions opts;
    opts.version_table = "safety_versions";
    {
        auto c = engine.connect();
        c.exec_driver_sql("DROP TABLE IF EXISTS safety_versions");
        c.exec_driver_sql("DROP TABLE IF EXISTS " + engine.dialect().quote_identifier(tname));
        c.commit();
    }
    {
        migrate::MigrationContext ctx(engine, opts);
        ctx.upgrade(graph, "head");
    }
    Inspector insp(engine);
    EXPECT_TRUE(insp.has_table(tname));
    std::vector<std::string> cols;
    for (const auto& rc : insp.get_columns(tname)) cols.push_back(rc.name);
    EXPECT_EQ(cols, (std::vector<std::string>{"id", "na'me\n--", "Extra\"; DROP TABLE safety_secrets; --"}));
    {
        auto c = engine.connect();
        EXPECT_EQ(c.exec_driver_sql("SELECT count(*) FROM " + engine.dialect().quote_identifier(tname)).scalar_one<std::int64_t>(), 1);
    }
    {
        migrate::MigrationContext ctx(engine, opts);
        ctx.downgrade(graph, "base");
    }
    EXPECT_FALSE(insp.has_table(tname));
    EXPECT_EQ(count(secrets), 1);
    auto c = engine.connect();
    c.exec_driver_sql("DROP TABLE safety_versions");
    c.commit();
}

TEST_F(SafetySql, HostileSchemaNames) {
    if (!testkit::is_postgresql()) GTEST_SKIP() << "SQLite has no schemas to create";
    const std::string schema = "safety sch\"ema; --";
    {
        auto c = engine.connect();
        c.exec_driver_sql("DROP SCHEMA IF EXISTS " + engine.dialect().quote_identifier(schema) + " CASCADE");
        c.exec_driver_sql("CREATE SCHEMA " + engine.dialect().quote_identifier(schema));
        c.commit();
    }
    MetaData m;
    Table& t = m.new_table("in schema", schema);
    t.append_column(ColumnDef{"id", types::Integer(), {.primary_key = true}});
    t.append_column(ColumnDef{"n", types::Integer(), {.index = true}});
    m.create_all(engine);
    auto c = engine.connect();
    c.execute(insert(t).values({{"n", 5}}));
    EXPECT_EQ(c.execute(select(column<std::int32_t>(t, "n"))).scalar_one<std::int32_t>(), 5);
    c.commit();
    Inspector insp(engine);
    EXPECT_TRUE(insp.has_table("in schema", schema));
    m.drop_all(engine);
    c.exec_driver_sql("DROP SCHEMA " + engine.dialect().quote_identifier(schema) + " CASCADE");
    c.commit();
}

// ---------------------------------------------------------------- text()

TEST_F(SafetySql, QuotedTextInTextIsNeverAParameter) {
    auto c = engine.connect();
    if (testkit::is_postgresql()) {
        // E'\':x' used to be read as a string ending at \' and a parameter :x.
        auto r = c.execute(text("SELECT E'\\':x' AS a, $$:y$$ AS b, $t$ ':z' $t$ AS c, 'c::d' AS d, \"q:r\".v::text AS e "
                                "FROM (SELECT 1 AS v) AS \"q:r\" -- :comment\n"
                                "WHERE /* :nested /* :x */ */ :p = 1"),
                           {{"p", 1}})
                     .one();
        EXPECT_EQ(r.get<std::string>("a"), "':x");
        EXPECT_EQ(r.get<std::string>("b"), ":y");
        EXPECT_EQ(r.get<std::string>("c"), " ':z' ");
        EXPECT_EQ(r.get<std::string>("d"), "c::d");
        EXPECT_EQ(r.get<std::string>("e"), "1");
        EXPECT_EQ(c.execute(text("SELECT CAST(:n AS integer)::text AS v"), {{"n", 42}}).scalar_one<std::string>(), "42");
    } else if (testkit::is_mysql()) {
        // MySQL quotes names with backticks ("q:r" would be a string).
        auto r = c.execute(text("SELECT ':x' AS a, 'it''s :y' AS b, `q:r`.v AS f "
                                "FROM (SELECT 1 AS v) AS `q:r` -- :comment\n"
                                "WHERE /* :x */ :p = 1"),
                           {{"p", 1}})
                     .one();
        EXPECT_EQ(r.get<std::string>("a"), ":x");
        EXPECT_EQ(r.get<std::string>("b"), "it's :y");
        EXPECT_EQ(r.get<std::int64_t>("f"), 1);
    } else {
        auto r = c.execute(text("SELECT ':x' AS a, 'it''s :y' AS b, \"q:r\".v AS e, `q:r`.v AS f "
                                "FROM (SELECT 1 AS v) AS \"q:r\" -- :comment\n"
                                "WHERE /* :x */ :p = 1"),
                           {{"p", 1}})
                     .one();
        EXPECT_EQ(r.get<std::string>("a"), ":x");
        EXPECT_EQ(r.get<std::string>("b"), "it's :y");
        EXPECT_EQ(r.get<std::int64_t>("e"), 1);
        EXPECT_EQ(r.get<std::int64_t>("f"), 1);
    }
    EXPECT_EQ(c.execute(text("SELECT '\\:z' AS v")).scalar_one<std::string>(), ":z");
}

// ---------------------------------------------------------------- URLs

TEST(SafetyUrl, NulInTheUrlNeverConnects) {
    if (testkit::is_sqlite()) {
        const auto path = std::filesystem::temp_directory_path() / "retort_safety_nul.db";
        std::filesystem::remove(path);
        EXPECT_THROW((void)create_engine("sqlite:///" + path.string() + "%00x"), ArgumentError);
        EXPECT_FALSE(std::filesystem::exists(path));
    } else {
        // A database name with a NUL byte used to connect to the user's default database.
        URL u = URL::parse(testkit::test_url());
        u = u.set_database(u.database().value_or("x") + std::string("\0x", 2));
        EXPECT_THROW((void)create_engine(u), ArgumentError);
        EngineOptions o;
        o.connect_args["dbname"] = std::string("postgres\0x", 10);
        EXPECT_THROW((void)create_engine(testkit::test_url(), o), ArgumentError);
        // A do_connect handler cannot bring one in either.
        auto e = create_engine(testkit::test_url());
        e.on_do_connect([](ConnectParams& p) { p["dbname"] = std::string("postgres\0x", 10); });
        EXPECT_THROW((void)e.connect(), ArgumentError);
    }
}

// ---------------------------------------------------------------- values

struct SafetyNumbers : TableDef {
    using TableDef::TableDef;
    Col<std::int64_t> id = col<std::int64_t>("id", {.primary_key = true});
    Col<std::optional<double>> x = col<std::optional<double>>("x");
};

struct SafetyTimes : TableDef {
    using TableDef::TableDef;
    Col<std::int64_t> id = col<std::int64_t>("id", {.primary_key = true});
    Col<std::optional<Date>> d = col<std::optional<Date>>("d");
    Col<std::optional<Time>> t = col<std::optional<Time>>("t");
    Col<std::optional<DateTime>> ts = col<std::optional<DateTime>>("ts");
    Col<std::optional<DateTime>> tz = col<std::optional<DateTime>>("tz", {.type = types::DateTime(true)});
    Col<std::optional<Interval>> iv = col<std::optional<Interval>>("iv");
};

class SafetyValues : public Usage {
protected:
    void SetUp() override {
        Usage::SetUp();
        md.drop_all(engine);
        md.create_all(engine);
    }
    // Inserts one row with column = v: true when it went in; false on a DataError, when nothing may change.
    template <class C, class V>
    bool store(const C& col, const V& v) {
        const Table& t = *col.column().table();
        auto c = engine.connect();
        const auto before = rows(c, t);
        try {
            c.execute(insert(t).values({{"id", ++next_id}, {col.name(), Value(v)}}));
            c.commit();
            return true;
        } catch (const DataError&) {
            c.rollback();
            EXPECT_EQ(rows(c, t), before);
            return false;
        }
    }
    static std::int64_t rows(Connection& c, const Table& t) {
        return c.execute(select(func::count()).select_from(t)).scalar_one<std::int64_t>();
    }
    // The value of col in the row store() put in last.
    template <class T, class C>
    T last(const C& col) {
        auto c = engine.connect();
        auto id = column<std::int64_t>(*col.column().table(), "id");
        return c.execute(select(col).where(id == next_id)).template scalar_one<T>();
    }
    std::int64_t next_id = 0;
    SafetyNumbers nums{md, "safety_numbers"};
    SafetyTimes times{md, "safety_times"};
};

TEST_F(SafetyValues, DoublesRoundTripExactlyOrAreRefused) {
    const double inf = std::numeric_limits<double>::infinity();
    const double nan = std::nan("");
    const double negzero = -0.0;
    if (testkit::is_mysql()) {
        // MySQL's DOUBLE has no infinities and no NaN: refused, nothing stored.
        for (double v : {inf, -inf, nan}) EXPECT_FALSE(store(nums.x, v)) << v;
    }
    std::vector<double> exact{std::numeric_limits<double>::max(), -std::numeric_limits<double>::min(), 0.1, 1e-300};
    if (!testkit::is_mysql()) {
        exact.insert(exact.end(), {inf, -inf});
        exact.push_back(std::numeric_limits<double>::denorm_min());
    }
    for (double v : exact) {
        ASSERT_TRUE(store(nums.x, v)) << v;
        EXPECT_EQ(last<double>(nums.x), v);
    }
    if (testkit::is_mysql()) {
        // A subnormal either reads back exactly or is refused.
        if (store(nums.x, std::numeric_limits<double>::denorm_min()))
            EXPECT_EQ(last<double>(nums.x), std::numeric_limits<double>::denorm_min());
    } else if (testkit::is_sqlite()) {
        // SQLite stored NaN as NULL and -0.0 as 0: refused now.
        EXPECT_FALSE(store(nums.x, nan));
        EXPECT_FALSE(store(nums.x, negzero));
        // -0.0 to compare with is no write: allowed.
        auto c = engine.connect();
        EXPECT_NO_THROW((void)c.execute(select(nums.id).where(nums.x == negzero)).all());
    } else {
        ASSERT_TRUE(store(nums.x, nan));
        EXPECT_TRUE(std::isnan(last<double>(nums.x)));
        ASSERT_TRUE(store(nums.x, negzero));
        EXPECT_TRUE(std::signbit(last<double>(nums.x)));
    }
    // Every row stored reads back.
    auto c = engine.connect();
    EXPECT_NO_THROW((void)c.execute(select(nums.id, nums.x)).all());
}

TEST_F(SafetyValues, DatesAndTimesRoundTripOrAreRefused) {
    const int imin = std::numeric_limits<int>::min(), imax = std::numeric_limits<int>::max();
    // Refused everywhere: days that do not exist, times past the day, years no database keeps.
    for (Date bad : {Date{2023, 2, 30}, Date{2023, 13, 1}, Date{2023, 0, 10}, Date{imin, 1, 1}, Date{imax, 12, 31}})
        EXPECT_FALSE(store(times.d, bad)) << bad.year << "-" << bad.month << "-" << bad.day;
    for (Time bad : {Time{25, 61, 61, 0}, Time{12, 0, 0, 1'000'000}, Time{23, 60, 0, 0}, Time{24, 0, 0, 1}})
        EXPECT_FALSE(store(times.t, bad));
    EXPECT_FALSE(store(times.ts, DateTime{{2023, 2, 29}, {0, 0, 0, 0}, std::nullopt}));
    EXPECT_FALSE(store(times.ts, DateTime{{2023, 1, 1}, {24, 0, 0, 0}, std::nullopt}));
    EXPECT_FALSE(store(times.ts, DateTime{{imin, 1, 1}, {0, 0, 0, 0}, std::nullopt}));
    // Kept exactly at the edges of the day.
    for (Time good : {Time{0, 0, 0, 0}, Time{23, 59, 59, 999'999}, Time{24, 0, 0, 0}}) {
        ASSERT_TRUE(store(times.t, good));
        EXPECT_EQ(last<Time>(times.t), good);
    }
    // Years at the limit of each database, and one past it.
    const bool my = testkit::is_mysql();  // MySQL's years run 1 to 9999
    const bool lite = testkit::is_sqlite() || my;
    const Date first = my ? Date{1, 1, 1} : lite ? Date{0, 1, 1} : Date{-4713, 11, 24};
    const Date last_day = lite ? Date{9999, 12, 31} : Date{5874897, 12, 31};
    for (Date good : {first, last_day, Date{2024, 2, 29}}) {
        ASSERT_TRUE(store(times.d, good)) << good.year;
        EXPECT_EQ(last<Date>(times.d), good);
    }
    EXPECT_FALSE(store(times.d, my ? Date{0, 12, 31} : lite ? Date{-1, 12, 31} : Date{-4714, 12, 31}));
    EXPECT_FALSE(store(times.d, lite ? Date{10000, 1, 1} : Date{5874898, 1, 1}));
    const DateTime ts_last{{lite ? 9999 : 294276, 12, 31}, {23, 59, 59, 999'999}, std::nullopt};
    const DateTime ts_first{{my ? 1 : lite ? 0 : -4713, lite ? 1u : 11u, lite ? 1u : 24u}, {0, 0, 0, 0}, std::nullopt};
    for (const DateTime& good : {ts_last, ts_first}) {
        ASSERT_TRUE(store(times.ts, good));
        EXPECT_EQ(last<DateTime>(times.ts), good);
    }
    EXPECT_FALSE(store(times.ts, DateTime{{lite ? 10000 : 294277, 1, 1}, {0, 0, 0, 0}, std::nullopt}));
    // UTC offsets: the instant is kept (as UTC); PostgreSQL takes offsets within 15:59.
    const int max_offset = lite ? 23 * 60 + 59 : 15 * 60 + 59;
    ASSERT_TRUE(store(times.tz, DateTime{{2023, 6, 15}, {12, 0, 0, 0}, max_offset}));
    const auto back = last<DateTime>(times.tz);
    // MySQL's DATETIME keeps the instant as UTC and reads it back without an offset (as SQLAlchemy's does).
    if (!my) ASSERT_TRUE(back.utc_offset_minutes.has_value());
    auto minutes = [](const DateTime& x) {
        return static_cast<int>(x.date.day) * 1440 + static_cast<int>(x.time.hour) * 60 + static_cast<int>(x.time.minute) -
               x.utc_offset_minutes.value_or(0);
    };
    EXPECT_EQ(back.date.month, 6u);
    EXPECT_EQ(minutes(back), minutes(DateTime{{2023, 6, 15}, {12, 0, 0, 0}, max_offset}));
    EXPECT_FALSE(store(times.tz, DateTime{{2023, 6, 15}, {12, 0, 0, 0}, max_offset + 1}));
    // Whatever was stored reads back.
    auto c = engine.connect();
    EXPECT_NO_THROW((void)c.execute(select(times.id, times.d, times.t, times.ts, times.tz)).all());
}

TEST_F(SafetyValues, IntervalsFitTheirFields) {
    const std::int64_t i32max = std::numeric_limits<std::int32_t>::max();
    ASSERT_TRUE(store(times.iv, Interval{i32max, -i32max, 123'456'789}));
    EXPECT_EQ(last<Interval>(times.iv), (Interval{i32max, -i32max, 123'456'789}));
    if (testkit::is_postgresql()) {
        EXPECT_FALSE(store(times.iv, Interval{i32max + 1, 0, 0}));
        EXPECT_FALSE(store(times.iv, Interval{0, -i32max - 2, 0}));
    }
}

TEST_F(SafetyValues, DatesBeforeYearOneThroughBulkLoading) {
    if (!testkit::is_postgresql()) GTEST_SKIP() << "SQLite keeps years 0 to 9999";
    // 2,000 rows without RETURNING go through COPY, which wrote 44 BC as 44 AD.
    std::vector<Params> rows;
    for (int i = 0; i < 2500; ++i)
        rows.push_back({{"id", i + 1}, {"d", Date{-43, 3, 15}}, {"ts", DateTime{{0, 1, 1}, {1, 2, 3, 4}, std::nullopt}}});
    auto c = engine.connect();
    c.execute(insert(times.table()), rows);
    c.commit();
    EXPECT_EQ(c.execute(select(func::count()).select_from(times.table()).where(times.d == Date{-43, 3, 15})).scalar_one<std::int64_t>(), 2500);
    EXPECT_EQ(c.execute(select(times.ts).where(times.id == 7)).scalar_one<DateTime>(),
              (DateTime{{0, 1, 1}, {1, 2, 3, 4}, std::nullopt}));
    // And a value past the range fails the load before anything is stored.
    rows.assign(2100, Params{});
    for (int i = 0; i < 2100; ++i) rows[i] = {{"id", 10'000 + i}, {"d", i == 2050 ? Date{-5000, 1, 1} : Date{2000, 1, 1}}};
    EXPECT_THROW(c.execute(insert(times.table()), rows), DataError);
    c.rollback();
    EXPECT_EQ(c.execute(select(func::count()).select_from(times.table())).scalar_one<std::int64_t>(), 2500);
}

// ---------------------------------------------------------------- limits

class SafetyLimits : public Usage {
protected:
    void SetUp() override {
        Usage::SetUp();
        md.drop_all(engine);
        md.create_all(engine);
    }
    SafetyUsers users{md, "safety_limit_users"};
};

// "SELECT 1 WHERE 1 IN (:p0, ..., :pN-1)" with n parameters.
std::pair<std::string, Params> in_text(int n) {
    std::string sql = "SELECT 1 AS one WHERE 1 IN (";
    Params ps;
    ps.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        if (i) sql += ", ";
        sql += ":p" + std::to_string(i);
        ps.emplace_back("p" + std::to_string(i), Value(i + 1));
    }
    return {sql + ")", ps};
}

TEST_F(SafetyLimits, BoundParametersPerStatement) {
    const int limit = engine.dialect().caps().max_statement_params;
    EXPECT_EQ(limit, testkit::is_sqlite() ? 32766 : 65535);
    auto c = engine.connect();
    {
        auto [sql, ps] = in_text(limit);
        EXPECT_EQ(c.execute(text(sql), ps).scalar_one<int>(), 1);
    }
    {
        auto [sql, ps] = in_text(limit + 1);
        try {
            (void)c.execute(text(sql), ps);
            ADD_FAILURE() << "no error past the limit";
        } catch (const ArgumentError& e) {
            EXPECT_NE(std::string(e.what()).find(std::to_string(limit)), std::string::npos) << e.what();
        }
    }
    std::vector<std::int64_t> many(static_cast<std::size_t>(limit) + 1);
    for (std::size_t i = 0; i < many.size(); ++i) many[i] = static_cast<std::int64_t>(i);
    EXPECT_THROW((void)c.execute(select(users.id).where(users.id.in_(many))), ArgumentError);
    many.pop_back();
    EXPECT_NO_THROW((void)c.execute(select(users.id).where(users.id.in_(many))).all());
    c.rollback();
    // executemany splits rows into statements within the limit on its own: 70,000 rows of 2 values.
    std::vector<Params> rows;
    rows.reserve(70'000);
    for (int i = 0; i < 70'000; ++i) rows.push_back({{"id", i + 1}, {"name", "n" + std::to_string(i)}});
    c.execute(insert(users), rows);
    c.commit();
    EXPECT_EQ(c.execute(select(func::count()).select_from(users.table())).scalar_one<std::int64_t>(), 70'000);
}

Expr<bool> not_chain(const Expr<bool>& base, int nots) {
    Expr<bool> e = base;
    for (int i = 0; i < nots; ++i) e = !e;
    return e;
}

TEST_F(SafetyLimits, NestingDepthAtAndPastTheLimit) {
    auto c = engine.connect();
    c.execute(insert(users).values({{"id", 1}, {"name", "a"}}));
    // select(id + 1 + ... + 1): 1 + adds + 1 levels. At the limit it runs on both databases (SQLite's own
    // expression depth is 1,000 too); one more add is refused before anything is sent.
    Expr<std::int64_t> sum = users.id;
    for (int i = 0; i < sql::max_depth - 2; ++i) sum = sum + 1;
    if (testkit::is_mysql()) {
        // MariaDB's parser runs out of its thread stack on the sum first: its own typed error (1436), and the
        // connection goes on.
        auto refused = [&](const auto& stmt) {
            try {
                (void)c.execute(stmt).all();
                return false;
            } catch (const DBAPIError& e) {
                EXPECT_NE(std::string(e.what()).find("stack"), std::string::npos) << e.what();
                return true;
            }
        };
        EXPECT_TRUE(refused(select(sum).where(users.id == 1)));
        EXPECT_EQ(c.execute(select(users.id).where(users.id == 1)).scalar_one<std::int64_t>(), 1);
        // NOT chains at the limit it takes.
        EXPECT_TRUE(c.execute(select(users.id).where(not_chain(users.id == 1, sql::max_depth - 3))).all().empty());
        EXPECT_EQ(c.execute(select(users.id).where(not_chain(users.id == 1, sql::max_depth - 4))).all().size(), 1u);
        EXPECT_THROW((void)c.execute(select(sum + 1).where(users.id == 1)), CompileError);
        EXPECT_THROW((void)c.execute(select(users.id).where(not_chain(users.id == 1, 100'000))), CompileError);
        return;
    }
    EXPECT_EQ(c.execute(select(sum).where(users.id == 1)).scalar_one<std::int64_t>(), sql::max_depth - 1);
    EXPECT_THROW((void)c.execute(select(sum + 1).where(users.id == 1)), CompileError);
    // NOT chains: 1 + nots + 2 levels, each NOT in parentheses.
    const int at_limit = sql::max_depth - 3;
    auto stmt = select(users.id).where(not_chain(users.id == 1, at_limit));  // an odd number of NOTs: false
    if (testkit::is_postgresql()) {
        EXPECT_TRUE(c.execute(stmt).all().empty());
        EXPECT_EQ(c.execute(select(users.id).where(not_chain(users.id == 1, at_limit - 1))).all().size(), 1u);
    } else {
        // SQLite's parser takes parentheses about 100 deep: past that its own typed error, not a crash.
        try {
            (void)c.execute(stmt).all();
            ADD_FAILURE() << "SQLite took parentheses nested " << at_limit << " deep";
        } catch (const OperationalError& e) {
            EXPECT_NE(std::string(e.what()).find("parser stack overflow"), std::string::npos) << e.what();
        }
    }
    EXPECT_THROW((void)c.execute(select(users.id).where(not_chain(users.id == 1, at_limit + 1))), CompileError);
    EXPECT_THROW((void)c.execute(select(users.id).where(not_chain(users.id == 1, 100'000))), CompileError);
    // The connection is still good.
    EXPECT_EQ(c.execute(select(users.name).where(users.id == 1)).scalar_one<std::string>(), "a");
}

// ---------------------------------------------------------------- SQLite locks

TEST(SafetySqliteLocks, DatabaseLockedIsARetryableConflict) {
    if (!testkit::is_sqlite()) GTEST_SKIP() << "SQLite's locking";
    const auto path = std::filesystem::temp_directory_path() / "retort_safety_locks.db";
    std::filesystem::remove(path);
    auto e = create_engine("sqlite:///" + path.string() + "?timeout=0");
    {
        auto c = e.connect();
        c.exec_driver_sql("CREATE TABLE counter (n INTEGER)");
        c.commit();
    }
    auto a = e.connect();
    auto b = e.connect();
    a.exec_driver_sql("INSERT INTO counter VALUES (1)");  // a holds the write lock until it commits
    try {
        b.exec_driver_sql("INSERT INTO counter VALUES (2)");
        ADD_FAILURE() << "no lock conflict";
    } catch (const DatabaseLocked& err) {
        EXPECT_TRUE(dsql::is_conflict(err));
        EXPECT_NE(dynamic_cast<const SerializationFailure*>(&err), nullptr);
    }
    b.rollback();
    a.commit();
    std::filesystem::remove(path);
}

TEST(SafetySqliteLocks, ContentionEndsInSuccessThroughRunTransaction) {
    if (!testkit::is_sqlite()) GTEST_SKIP() << "SQLite's locking";
    const auto path = std::filesystem::temp_directory_path() / "retort_safety_contention.db";
    std::filesystem::remove(path);
    // Each transaction reads, then writes: two of them holding read locks deadlock on the write lock, which
    // SQLite reports at once (the busy timeout cannot help); the retry helper runs the loser again.
    EngineOptions o;
    o.pool_size = 8;
    auto e = create_engine("sqlite:///" + path.string() + "?timeout=5", o);
    {
        auto c = e.connect();
        c.exec_driver_sql("CREATE TABLE ledger (id INTEGER PRIMARY KEY, seen INTEGER)");
        c.commit();
    }
    dsql::RetryPolicy policy;
    policy.max_attempts = 200;
    policy.initial_backoff = std::chrono::milliseconds(1);
    policy.max_backoff = std::chrono::milliseconds(20);
    std::atomic<int> retries{0}, failures{0};
    policy.on_retry = [&](int, const DBAPIError& err) {
        EXPECT_NE(dynamic_cast<const DatabaseLocked*>(&err), nullptr);
        ++retries;
    };
    constexpr int threads = 8, per_thread = 25;
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&] {
            for (int i = 0; i < per_thread; ++i) {
                try {
                    dsql::run_transaction(
                        e,
                        [](Connection& c) {
                            auto n = c.exec_driver_sql("SELECT count(*) FROM ledger").scalar_one<std::int64_t>();
                            c.exec_driver_sql("INSERT INTO ledger (seen) VALUES (?)", {Value(n)});
                        },
                        policy);
                } catch (const std::exception& err) {
                    ++failures;
                    ADD_FAILURE() << err.what();
                }
            }
        });
    }
    for (auto& th : pool) th.join();
    EXPECT_EQ(failures.load(), 0);
    auto c = e.connect();
    EXPECT_EQ(c.exec_driver_sql("SELECT count(*) FROM ledger").scalar_one<std::int64_t>(), threads * per_thread);
    // Serialized: every transaction saw all the rows committed before it, so the counts are 0 .. N-1.
    EXPECT_EQ(c.exec_driver_sql("SELECT count(DISTINCT seen) FROM ledger").scalar_one<std::int64_t>(), threads * per_thread);
    std::printf("[ SQLite contention: %d transactions, %d retries ]\n", threads * per_thread, retries.load());
    e.dispose();
    std::filesystem::remove(path);
}

}  // namespace
