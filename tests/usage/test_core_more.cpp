// More of Core against the live database: client-side defaults, odd identifiers, in-memory SQLite,
// reading values into the wrong C++ type.
#include <atomic>
#include <thread>

#include "usage/fixture.hpp"

using namespace retort;
using retort::testkit::Usage;

namespace {

class CoreMore : public Usage {};

TEST_F(CoreMore, ClientSideDefaultsFillOmittedColumns) {
    std::atomic<int> calls{0};
    Table& t = md.table("with_defaults", {{"id", types::Integer(), {.primary_key = true}},
                                          {"status", types::String(10), {.default_value = Value("new")}},
                                          {"token", types::Uuid(), {.default_factory = [&] {
                                                                       ++calls;
                                                                       return Value(Uuid::random());
                                                                   }}},
                                          {"note", types::String(10)}});
    md.drop_all(engine);
    md.create_all(engine);
    auto conn = engine.connect();
    conn.execute(insert(t).values({{"note", "a"}}));
    conn.execute(insert(t).values({{"note", "b"}, {"status", "old"}}));
    std::vector<Params> many(5, Params{{"note", "m"}});
    conn.execute(insert(t), many);
    EXPECT_EQ(calls.load(), 7);  // once per row
    auto statuses = conn.execute(select(column<std::string>(t, "status")).order_by(column<int>(t, "id"))).scalars<std::string>();
    EXPECT_EQ(statuses, (std::vector<std::string>{"new", "old", "new", "new", "new", "new", "new"}));
    auto distinct = conn.execute(select(func::count(column<Uuid>(t, "token").distinct()))).scalar_one<std::int64_t>();
    EXPECT_EQ(distinct, 7);
}

TEST_F(CoreMore, OddIdentifiersAreQuotedEverywhere) {
    Table& t = md.table("Odd \"Table\"", {{"id", types::Integer(), {.primary_key = true}},
                                         {"select", types::String(20)},
                                         {"MixedCase", types::Integer(), {.index = true}},
                                         {"with space", types::String(20), {.unique = true}}});
    md.drop_all(engine);
    md.create_all(engine);
    auto conn = engine.connect();
    conn.execute(insert(t).values({{"select", "s"}, {"MixedCase", 3}, {"with space", "w s"}}));
    auto row = conn.execute(select(t).where(column<int>(t, "MixedCase") == 3)).one();
    EXPECT_EQ(row.get<std::string>("select"), "s");
    EXPECT_EQ(row.get<std::string>("with space"), "w s");
    conn.execute(update(t).values({{"select", "t"}}).where(column<std::string>(t, "with space") == "w s"));
    EXPECT_EQ(conn.execute(select(column<std::string>(t, "select"))).scalar_one<std::string>(), "t");
    conn.commit();
    Inspector insp(engine);
    EXPECT_TRUE(insp.has_table("Odd \"Table\""));
    auto cols = insp.get_columns("Odd \"Table\"");
    ASSERT_EQ(cols.size(), 4u);
    EXPECT_EQ(cols[2].name, "MixedCase");
}

// One statement object run on more engines than it keeps compiled forms for (each engine's dialect is its own), in
// turns with the run's database: every engine gets its own rows in its own SQL (on PostgreSQL the SQLite form,
// with ? for its parameter, would fail), whether the statement's form for it is kept or compiled anew.
TEST_F(CoreMore, OneStatementOnManyEnginesInTurn) {
    Table& t = md.table("turns", {{"id", types::Integer(), {.primary_key = true}}, {"v", types::String(20)}});
    auto stmt = select(column<std::string>(t, "v")).where(column<int>(t, "id") == bindparam<int>("id"));
    std::vector<Engine> engines{engine};
    for (int e = 1; e < 6; ++e) engines.push_back(create_engine("sqlite://"));
    for (std::size_t e = 0; e < engines.size(); ++e) {
        md.create_all(engines[e]);
        auto c = engines[e].connect();
        for (int id = 1; id <= 3; ++id)
            c.execute(insert(t).values({{"id", Value(id)}, {"v", Value("e" + std::to_string(e) + "r" + std::to_string(id))}}));
        c.commit();
    }
    for (int round = 0; round < 3; ++round) {
        for (std::size_t e = 0; e <= engines.size(); ++e) {
            const std::size_t which = e == engines.size() ? 0 : e;  // the run's engine twice a round
            auto c = engines[which].connect();
            const int id = 1 + (round + static_cast<int>(e)) % 3;
            EXPECT_EQ(c.execute(stmt, {{"id", id}}).scalar_one<std::string>(),
                      "e" + std::to_string(which) + "r" + std::to_string(id));
        }
    }
}

TEST_F(CoreMore, ReturningRowcount) {
    Table& t = md.table("rc", {{"id", types::Integer(), {.primary_key = true}}, {"v", types::Integer()}});
    md.drop_all(engine);
    md.create_all(engine);
    auto conn = engine.connect();
    conn.execute(insert(t), std::vector<Params>{{{"v", 1}}, {{"v", 2}}, {{"v", 3}}});
    auto stmt = update(t).values({{"v", 0}}).where(column<int>(t, "v") > 1);
    if (!engine.dialect().caps().supports_update_returning) {
        EXPECT_EQ(conn.execute(stmt).rowcount(), 2);  // MariaDB: no UPDATE ... RETURNING
        return;
    }
    auto r = conn.execute(stmt.returning(column<int>(t, "id")));
    auto ids = r.all();
    EXPECT_EQ(ids.size(), 2u);
    EXPECT_EQ(r.rowcount(), 2);
}

TEST_F(CoreMore, ExecutemanyUpdatesKeepOneStatementPerRowSemantics) {
    // On PostgreSQL these run as UPDATE ... FROM (VALUES ...) batches; the results must be those of one UPDATE
    // per parameter set, in order, on every dialect.
    Table& t = md.table("upd_many", {{"id", types::Integer(), {.primary_key = true}},
                                     {"part", types::String(10), {.primary_key = true}},
                                     {"v", types::String(40)},
                                     {"n", types::Integer()}});
    md.drop_all(engine);
    md.create_all(engine);
    auto conn = engine.connect();
    std::vector<Params> rows;
    for (int i = 1; i <= 2100; ++i) rows.push_back({{"id", i}, {"part", i % 2 ? "odd" : "even"}, {"v", "v" + std::to_string(i)}, {"n", i}});
    conn.execute(insert(t), rows);
    conn.commit();  // Aurora DSQL: at most 3,000 rows changed per transaction
    auto id = column<int>(t, "id");
    auto part = column<std::string>(t, "part");
    auto v = column<std::string>(t, "v");
    auto n = column<int>(t, "n");
    auto stmt = update(t).value(v, bindparam<std::string>("new_v")).value(n, bindparam<int>("new_n"))
                    .where(id == bindparam<int>("k") && part == bindparam<std::string>("p"));
    // 2,050 rows over several batches; a key that matches nothing; a value with quotes and a tab.
    std::vector<Params> changes;
    for (int i = 1; i <= 2050; ++i)
        changes.push_back({{"new_v", i == 7 ? std::string("it's\t\"q\"") : "w" + std::to_string(i)}, {"new_n", -i}, {"k", i}, {"p", i % 2 ? "odd" : "even"}});
    changes.push_back({{"new_v", "none"}, {"new_n", 0}, {"k", 5000}, {"p", "odd"}});
    EXPECT_EQ(conn.execute(stmt, changes).rowcount(), 2050);
    EXPECT_EQ(conn.execute(select(v).where(id == 7)).scalar_one<std::string>(), "it's\t\"q\"");
    EXPECT_EQ(conn.execute(select(n).where(id == 2050)).scalar_one<int>(), -2050);
    EXPECT_EQ(conn.execute(select(v).where(id == 2051)).scalar_one<std::string>(), "v2051");
    EXPECT_EQ(conn.execute(select(func::count()).select_from(t).where(n < 0)).scalar_one<std::int64_t>(), 2050);
    conn.commit();
    // The same row twice: both updates apply, in order (the second wins), and both count.
    std::vector<Params> twice{{{"new_v", "first"}, {"new_n", 1}, {"k", 3}, {"p", "odd"}},
                              {{"new_v", "second"}, {"new_n", 2}, {"k", 3}, {"p", "odd"}}};
    EXPECT_EQ(conn.execute(stmt, twice).rowcount(), 2);
    EXPECT_EQ(conn.execute(select(v).where(id == 3)).scalar_one<std::string>(), "second");
    // A NULL key matches nothing, as "= NULL" does.
    std::vector<Params> null_key{{{"new_v", "x"}, {"new_n", 1}, {"k", Value{}}, {"p", "odd"}},
                                 {{"new_v", "y"}, {"new_n", 1}, {"k", 1}, {"p", "odd"}}};
    EXPECT_EQ(conn.execute(stmt, null_key).rowcount(), 1);
    // A SET expression that is not a plain value takes the row-by-row path.
    auto incr = update(t).value(n, n + bindparam<int>("d")).where(id == bindparam<int>("k"));
    EXPECT_EQ(conn.execute(incr, std::vector<Params>{{{"d", 10}, {"k", 1}}, {{"d", 10}, {"k", 1}}}).rowcount(), 2);
    EXPECT_EQ(conn.execute(select(n).where(id == 1)).scalar_one<int>(), 21);
    conn.commit();
}

TEST_F(CoreMore, ExecuteManyTakesPositionalRowsForAnyStatement) {
    // execute_many(stmt, n, fill): the values of each row in the order the statement's binds first appear,
    // with the results of one execution per row, as execute(stmt, param_sets) has them.
    Table& t = md.table("pos_many", {{"id", types::Integer(), {.primary_key = true}},
                                     {"v", types::String(40)},
                                     {"n", types::Integer()},
                                     {"m", types::Integer()}});
    md.drop_all(engine);
    md.create_all(engine);
    auto conn = engine.connect();
    auto id = column<int>(t, "id");
    auto v = column<std::string>(t, "v");
    auto n = column<int>(t, "n");
    auto m = column<int>(t, "m");
    // An INSERT: one value per values() column.
    auto ins = insert(t).value(id, bindparam<int>("id")).value(v, bindparam<std::string>("v")).value(n, bindparam<int>("n"));
    EXPECT_EQ(conn.execute_many(ins, 1500, [](std::size_t i, std::span<Value> out) {
        ASSERT_EQ(out.size(), 3u);
        out[0] = static_cast<std::int64_t>(i + 1);
        out[1] = "v" + std::to_string(i + 1);
        out[2] = static_cast<std::int64_t>(i);
    }), 1500);
    conn.commit();
    // An UPDATE whose bind "x" is used twice (one value) and whose literal 7 is its own: values [x, k].
    auto upd = update(t).value(n, bindparam<int>("x")).value(m, bindparam<int>("x")).where(id == bindparam<int>("k") && id != 7);
    std::vector<std::size_t> seen;
    EXPECT_EQ(conn.execute_many(upd, 1200, [&](std::size_t i, std::span<Value> out) {
        ASSERT_EQ(out.size(), 2u);
        seen.push_back(i);
        out[0] = static_cast<std::int64_t>(-static_cast<int>(i));
        out[1] = static_cast<std::int64_t>(i + 1);
    }), 1199);  // not row 7
    ASSERT_EQ(seen.size(), 1200u);  // each row made once, in order
    for (std::size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], i);
    EXPECT_EQ(conn.execute(select(m).where(id == 1000)).scalar_one<int>(), -999);
    EXPECT_EQ(conn.execute(select(n).where(id == 7)).scalar_one<int>(), 6);
    EXPECT_EQ(conn.execute(select(func::count()).select_from(t).where(n <= 0)).scalar_one<std::int64_t>(), 1199);
    EXPECT_EQ(conn.execute(select(n).where(id == 1201)).scalar_one<int>(), 1200);
    conn.commit();
    // Plain SET values (UPDATE ... FROM (VALUES) on PostgreSQL): text with quotes, a key matching nothing, the
    // same key twice (both apply, in order).
    auto set_v = update(t).value(v, bindparam<std::string>("nv")).where(id == bindparam<int>("k"));
    const std::vector<std::pair<std::string, int>> changes{{"it's \"q\"", 1}, {"gone", 9999}, {"first", 2}, {"second", 2}};
    EXPECT_EQ(conn.execute_many(set_v, changes.size(), [&](std::size_t i, std::span<Value> out) {
        out[0] = changes[i].first;
        out[1] = changes[i].second;
    }), 3);
    EXPECT_EQ(conn.execute(select(v).where(id == 1)).scalar_one<std::string>(), "it's \"q\"");
    EXPECT_EQ(conn.execute(select(v).where(id == 2)).scalar_one<std::string>(), "second");
    // A DELETE; nothing at all for zero rows.
    auto del = delete_(t).where(id == bindparam<int>("k"));
    EXPECT_EQ(conn.execute_many(del, 0, [](std::size_t, std::span<Value>) { FAIL() << "no row to fill"; }), 0);
    EXPECT_EQ(conn.execute_many(del, 500, [](std::size_t i, std::span<Value> out) { out[0] = static_cast<std::int64_t>(2 * i + 1); }), 500);
    EXPECT_EQ(conn.execute(select(func::count()).select_from(t)).scalar_one<std::int64_t>(), 1000);
    conn.commit();
    // A statement returning rows is refused before anything runs.
    if (engine.dialect().caps().supports_returning)
        EXPECT_THROW(conn.execute_many(delete_(t).where(id == bindparam<int>("k")).returning(id), 1,
                                       [](std::size_t, std::span<Value> out) { out[0] = 2; }),
                     ArgumentError);
    EXPECT_EQ(conn.execute(select(func::count()).select_from(t)).scalar_one<std::int64_t>(), 1000);
}

TEST_F(CoreMore, SizeHintCountsTheRowsLeftWhenTheDriverHasThemAll) {
    Table& t = md.table("hint_rows", {{"id", types::Integer(), {.primary_key = true}}, {"v", types::String(20)}});
    md.drop_all(engine);
    md.create_all(engine);
    auto conn = engine.connect();
    std::vector<Params> rows;
    for (int i = 1; i <= 25; ++i) rows.push_back({{"id", i}, {"v", "r" + std::to_string(i)}});
    conn.execute(insert(t), rows);
    auto id = column<int>(t, "id");
    Result r = conn.execute(select(id).order_by(id));
    if (testkit::is_postgresql() || testkit::is_mysql()) {
        // The whole result came back with the query: 25 rows, one fewer after each read, 0 at the end.
        EXPECT_EQ(r.size_hint(), 25);
        ASSERT_TRUE(r.next());
        EXPECT_EQ(r.size_hint(), 24);
        int read = 1;
        while (r.next()) ++read;
        EXPECT_EQ(read, 25);
        EXPECT_EQ(r.size_hint(), 0);
        // A streamed result does not know.
        Result s = conn.execute(select(id), {}, ExecutionOptions{.stream_results = true, .yield_per = 10});
        EXPECT_EQ(s.size_hint(), -1);
        s.close();
    } else {
        EXPECT_EQ(r.size_hint(), -1);  // SQLite steps through its rows
        r.close();
    }
    if (engine.dialect().caps().supports_returning) {
        std::vector<Params> more{{{"id", 100}, {"v", "a"}}, {{"id", 101}, {"v", "b"}}};
        Result ret = conn.execute(insert(t).returning(id), more);
        const std::int64_t hint = ret.size_hint();  // known or not (rows read in batches), never wrong
        EXPECT_TRUE(hint == 2 || hint == -1) << hint;
        EXPECT_EQ(ret.scalars<int>(), (std::vector<int>{100, 101}));
    }
}

TEST_F(CoreMore, NullZeroAndEmptyTextReadApart) {
    // Integers and text are read in one driver call where the driver allows: NULL must still differ from 0
    // and from '', for plain and optional targets alike.
    auto conn = engine.connect();
    Result r = conn.exec_driver_sql("SELECT 0, NULL, '', NULL, 7, 'x', -1");
    ASSERT_TRUE(r.next());
    const RowView row = r.current();
    EXPECT_EQ(row.get<std::int64_t>(0), 0);
    EXPECT_EQ(row.get<std::optional<std::int64_t>>(0), std::optional<std::int64_t>(0));
    EXPECT_EQ(row.get<std::optional<int>>(1), std::nullopt);
    EXPECT_THROW((void)row.get<std::int64_t>(1), TypeError);
    EXPECT_EQ(row.get<std::string>(2), "");
    EXPECT_EQ(row.get<std::optional<std::string>>(2), std::optional<std::string>(""));
    EXPECT_EQ(row.get<std::optional<std::string>>(3), std::nullopt);
    EXPECT_THROW((void)row.get<std::string>(3), TypeError);
    EXPECT_EQ(row.get<int>(4), 7);
    EXPECT_EQ(row.get<std::string>(5), "x");
    EXPECT_EQ(row.get<short>(6), -1);
    r.close();
}

TEST_F(CoreMore, WrongCppTypeIsATypedError) {
    auto conn = engine.connect();
    EXPECT_THROW((void)conn.exec_driver_sql("SELECT 'abc'").scalar_one<Date>(), TypeError);
    EXPECT_THROW((void)conn.exec_driver_sql("SELECT 'not a uuid'").scalar_one<Uuid>(), TypeError);
    EXPECT_THROW((void)conn.exec_driver_sql("SELECT NULL").scalar_one<int>(), TypeError);
    EXPECT_THROW((void)conn.exec_driver_sql("SELECT 100000").scalar_one<short>(), TypeError);
    EXPECT_EQ(conn.exec_driver_sql("SELECT NULL").scalar_one<std::optional<int>>(), std::nullopt);
}

TEST(Engines, MalformedUrlsAndUnknownDialects) {
    EXPECT_THROW(create_engine("mssql://u:secret@h/db"), NoSuchModuleError);
    try {
        (void)create_engine("oracle://scott:tiger99@host/db");
    } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()).find("tiger99"), std::string::npos) << e.what();
    }
    EXPECT_THROW(create_engine("not a url"), UrlError);
    EXPECT_THROW(create_engine("postgresql://u:p@host:notaport/db"), UrlError);
    EXPECT_THROW((void)Engine().connect(), InvalidRequestError);
}

// returning=0 in a URL turns RETURNING off for that engine (never on); other values are an error.
TEST(Engines, ReturningQueryOptionTurnsReturningOff) {
    const bool has = create_engine("sqlite://").dialect().caps().supports_returning;
    auto off = create_engine("sqlite://?returning=0");
    EXPECT_FALSE(off.dialect().caps().supports_returning);
    EXPECT_EQ(create_engine("sqlite://?returning=1").dialect().caps().supports_returning, has);
    EXPECT_THROW(create_engine("sqlite://?returning=maybe"), ArgumentError);
    EXPECT_THROW(create_engine("sqlite://?returning="), ArgumentError);
    EXPECT_FALSE(create_engine("sqlite://?returning=off").dialect().caps().supports_returning);
    EXPECT_EQ(create_engine("sqlite://?returning=yes").dialect().caps().supports_returning, has);
    // The option is the engine's, not the driver's: the connection works, and RETURNING is refused.
    MetaData md;
    auto& t = md.table("ret_opt", {{"id", types::Integer(), {.primary_key = true}}, {"name", types::String(20)}});
    md.create_all(off);
    auto conn = off.connect();
    EXPECT_THROW((void)conn.execute(insert(t).values({{"name", "x"}}).returning_nodes({t.c("id").ptr()})), CompileError);
}

TEST(Engines, WrongPasswordIsAnOperationalErrorWithoutThePassword) {
    if (!testkit::is_postgresql()) GTEST_SKIP() << "SQLite has no passwords";
    auto url = URL::parse(testkit::test_url());
    // A role that does not exist: the server refuses, and the message must not echo the password.
    auto bad = URL::create("postgresql", std::string("no_such_role_x"), std::string("pw-s3cret"), url.host(), url.port(),
                           url.database(), url.query());
    auto e = create_engine(bad);
    try {
        (void)e.connect();
        FAIL() << "connected as a role that does not exist";
    } catch (const OperationalError& err) {
        EXPECT_EQ(std::string(err.what()).find("pw-s3cret"), std::string::npos) << err.what();
    }
    EXPECT_EQ(bad.str().find("pw-s3cret"), std::string::npos);
}

TEST(Engines, InMemorySqliteIsOneDatabaseForAllThreads) {
    auto e = create_engine("sqlite://");
    {
        auto c = e.connect();
        c.exec_driver_sql("CREATE TABLE m (x INTEGER)");
        c.commit();
    }
    std::vector<std::thread> ts;
    for (int i = 0; i < 4; ++i)
        ts.emplace_back([&, i] {
            auto c = e.connect();
            c.exec_driver_sql("INSERT INTO m VALUES (?)", {Value(i)});
            c.commit();
        });
    for (auto& t : ts) t.join();
    auto c = e.connect();
    EXPECT_EQ(c.exec_driver_sql("SELECT count(*) FROM m").scalar_one<int>(), 4);
}

}  // namespace

namespace {

class CoreTypes : public testkit::Usage {};

TEST_F(CoreTypes, IntervalEnumJsonbRoundTrip) {
    Table& t = md.table("more_types", {{"id", types::Integer(), {.primary_key = true}},
                                       {"iv", types::Interval()},
                                       {"mood", types::Enum("mood_kind", {"happy", "sad"})},
                                       {"doc", types::Jsonb()}});
    md.drop_all(engine);
    md.create_all(engine);
    auto conn = engine.connect();
    Interval iv{14, 3, 4 * 3600 * 1000000LL + 500000};
    conn.execute(insert(t).values({{"id", 1}, {"iv", iv}, {"mood", "happy"}, {"doc", Json{"{\"k\": [1, 2]}"}}}));
    auto row = conn.execute(select(t)).one();
    EXPECT_EQ(row.get<Interval>("iv"), iv);
    EXPECT_EQ(row.get<std::string>("mood"), "happy");
    EXPECT_NE(row.get<Json>("doc").text.find("\"k\""), std::string::npos);
    // A value outside the enum is refused by the database (native type, or CHECK on SQLite).
    EXPECT_THROW(conn.execute(insert(t).values({{"id", 2}, {"mood", "angry"}})), DBAPIError);
    conn.rollback();
    md.drop_all(engine);
}

// Two tables with columns of one enum type (on PostgreSQL one native type): create_all makes the type once and
// again finds it there; one table dropped alone leaves the type to the other; drop_all drops it after both.
TEST_F(CoreTypes, TwoTablesShareOneEnumType) {
    auto mood = [] { return types::Enum("shared_mood", {"calm", "glad"}); };
    Table& a = md.table("mood_a", {{"id", types::Integer(), {.primary_key = true}}, {"m", mood()}});
    Table& b = md.table("mood_b", {{"id", types::Integer(), {.primary_key = true}}, {"m", mood()}});
    md.drop_all(engine);
    md.create_all(engine);
    md.create_all(engine);  // checkfirst: the tables and the type are there
    {
        auto conn = engine.connect();
        conn.execute(insert(a).values({{"id", 1}, {"m", "calm"}}));
        conn.execute(insert(b).values({{"id", 1}, {"m", "glad"}}));
        EXPECT_THROW(conn.execute(insert(b).values({{"id", 2}, {"m", "cross"}})), DBAPIError);
        conn.rollback();
    }
    a.drop(engine);  // mood_b still has the type
    {
        auto conn = engine.connect();
        conn.execute(insert(b).values({{"id", 3}, {"m", "glad"}}));
        conn.commit();
        if (testkit::is_postgresql() && !testkit::is_dsql())  // a native type there (a CHECK elsewhere)
            EXPECT_TRUE(conn.dialect().has_type(conn, "shared_mood", std::nullopt));
    }
    a.create(engine);  // the type exists: only the table is made
    {
        auto conn = engine.connect();
        conn.execute(insert(a).values({{"id", 2}, {"m", "glad"}}));
        conn.commit();
        EXPECT_EQ(conn.execute(select(column<int>(a, "id"))).scalar_one<int>(), 2);
    }
    md.drop_all(engine);
    {
        auto conn = engine.connect();
        EXPECT_FALSE(conn.dialect().has_type(conn, "shared_mood", std::nullopt));
        EXPECT_FALSE(conn.dialect().has_table(conn, "mood_a", std::nullopt));
    }
    md.create_all(engine);  // and back
    md.drop_all(engine);
}

// Two tables that refer to each other: create_all creates both and adds the foreign key that closes the
// cycle once its table exists (ALTER TABLE ... ADD CONSTRAINT, NOT VALID on Aurora DSQL); the keys are
// enforced; drop_all takes that constraint off first and drops both.
TEST_F(CoreTypes, CreateAllAndDropAllWithACycleOfForeignKeys) {
    Table& dept = md.table("cyc_dept", {{"id", types::Integer(), {.primary_key = true, .autoincrement = false}},
                                        {"head_id", types::Integer(), {.foreign_key = "cyc_emp.id"}}});
    Table& emp = md.table("cyc_emp", {{"id", types::Integer(), {.primary_key = true, .autoincrement = false}},
                                      {"dept_id", types::Integer(), {.foreign_key = "cyc_dept.id"}}});
    md.drop_all(engine);
    md.create_all(engine);
    md.create_all(engine);  // checkfirst: nothing to do the second time
    {
        auto conn = engine.connect();
        conn.execute(insert(dept).values({{"id", 1}}));
        conn.execute(insert(emp).values({{"id", 10}, {"dept_id", 1}}));
        conn.execute(update(dept).where(column<int>(dept, "id") == 1).values({{"head_id", 10}}));
        conn.commit();
        EXPECT_EQ(conn.execute(select(column<int>(dept, "head_id"))).scalar_one<int>(), 10);
        conn.commit();
        if (!testkit::is_sqlite()) {  // SQLite enforces foreign keys only where PRAGMA foreign_keys is on
            EXPECT_THROW(conn.execute(insert(emp).values({{"id", 11}, {"dept_id", 99}})), IntegrityError);
            conn.rollback();
            EXPECT_THROW(conn.execute(update(dept).where(column<int>(dept, "id") == 1).values({{"head_id", 99}})),
                         IntegrityError);
            conn.rollback();
        }
        Inspector insp(engine);
        EXPECT_EQ(insp.get_foreign_keys("cyc_dept").size(), 1u);
        EXPECT_EQ(insp.get_foreign_keys("cyc_emp").size(), 1u);
    }
    md.drop_all(engine);
    Inspector insp(engine);
    EXPECT_FALSE(insp.has_table("cyc_dept"));
    EXPECT_FALSE(insp.has_table("cyc_emp"));
}

// Identity options of the key (where the database has identity columns), a unique index on an expression and
// a JSONB column (JSON where the database stores no JSONB, Aurora DSQL): created, used and read back.
TEST_F(CoreTypes, IdentityOptionsExpressionIndexAndJsonb) {
    Table& t = md.table("ident_expr",
                        {{"id", types::Integer(), {.primary_key = true, .identity = Identity{.start = 100, .increment = 5, .cache = 65536}}},
                         {"name", types::String(40)},
                         {"doc", types::Jsonb()}},
                        {Index{.name = "ix_ident_expr_lower_name", .unique = true, .expressions = {"lower(name)"}}});
    md.drop_all(engine);
    const auto& caps = engine.dialect().caps();
    if (!caps.supports_expression_indexes) {
        // MariaDB has no indexes on expressions: a CompileError naming the index, before the table is made.
        try {
            md.create_all(engine);
            FAIL() << "an index on an expression was accepted";
        } catch (const CompileError& e) {
            EXPECT_NE(std::string(e.what()).find("ix_ident_expr_lower_name"), std::string::npos) << e.what();
        }
        EXPECT_FALSE(Inspector(engine).has_table("ident_expr"));
        // The JSON column round-trips without the index.
        MetaData plain;
        Table& p = plain.table("ident_plain", {{"id", types::Integer(), {.primary_key = true}}, {"doc", types::Jsonb()}});
        plain.drop_all(engine);
        plain.create_all(engine);
        auto conn = engine.connect();
        conn.execute(insert(p).values({{"id", 1}, {"doc", Json{"{\"k\": [1, 2]}"}}}));
        auto doc = conn.execute(select(column<Json>(p, "doc"))).scalar_one<Json>();
        EXPECT_NE(doc.text.find("\"k\""), std::string::npos);
        conn.commit();
        for (const auto& c : Inspector(engine).get_columns("ident_plain"))
            if (c.name == "doc") EXPECT_EQ(c.type.kind, TypeKind::Json);
        plain.drop_all(engine);
        return;
    }
    md.create_all(engine);
    auto conn = engine.connect();
    conn.execute(insert(t).values({{"name", "Ann"}, {"doc", Json{"{\"k\": [1, 2]}"}}}));
    conn.execute(insert(t).values({{"name", "Bob"}}));
    conn.commit();
    const auto ids = conn.execute(select(column<std::int64_t>(t, "id")).order_by(column<std::string>(t, "name"))).scalars<std::int64_t>();
    conn.commit();
    ASSERT_EQ(ids.size(), 2u);
    const std::int64_t first = ids[0], second = ids[1];
    if (caps.supports_identity_columns) {
        EXPECT_EQ(first, 100);
        EXPECT_EQ(second, 105);
    } else {
        EXPECT_EQ(second, first + 1);
    }
    // The index is on lower(name): a name that differs only in case is a duplicate.
    EXPECT_THROW(conn.execute(insert(t).values({{"name", "ANN"}})), IntegrityError);
    conn.rollback();
    auto doc = conn.execute(select(column<Json>(t, "doc")).where(column<std::string>(t, "name") == "Ann")).scalar_one<Json>();
    EXPECT_NE(doc.text.find("\"k\""), std::string::npos);
    conn.commit();
    Inspector insp(engine);
    for (const auto& c : insp.get_columns("ident_expr"))
        if (c.name == "doc" && testkit::is_postgresql())
            EXPECT_EQ(c.type.kind, caps.supports_jsonb_columns ? TypeKind::Jsonb : TypeKind::Json);
}

TEST_F(CoreTypes, OverlongIdentifiersAreTypedErrors) {
    std::string name(100, 'n');
    if (testkit::is_postgresql() || testkit::is_mysql()) {
        Table& t = md.table(name, {{"id", types::Integer(), {.primary_key = true}}});
        EXPECT_THROW(t.create(engine, false), ArgumentError);
    } else {
        Table& t = md.table(name, {{"id", types::Integer(), {.primary_key = true}}});
        t.create(engine, false);
        EXPECT_TRUE(Inspector(engine).has_table(name));
    }
}

}  // namespace

namespace {

class BulkLoad : public testkit::Usage {};

TEST_F(BulkLoad, LargeExecuteRowsLoadsEveryValueExactly) {
    Table& t = md.table("bulk_values", {{"id", types::Integer(), {.primary_key = true, .autoincrement = false}},
                                        {"txt", types::Text()},
                                        {"bin", types::LargeBinary()},
                                        {"d", types::Date()},
                                        {"u", types::Uuid()},
                                        {"f", types::Double()},
                                        {"b", types::Boolean()},
                                        {"tag", types::String(10), {.default_value = Value("dflt")}}});
    md.drop_all(engine);
    md.create_all(engine);
    std::vector<std::string> statements;
    engine.on_before_execute([&](const ExecuteEvent& e) { statements.emplace_back(e.statement); });
    const std::vector<std::string> tricky = {"tab\there", "new\nline", "back\\slash", "\\N", "cr\rlf", "uni\u00e9",
                                             "", "end\\"};
    std::vector<std::vector<Value>> rows;
    const int n = 3000;
    for (int i = 0; i < n; ++i)
        rows.push_back({Value(i), i % 7 == 0 ? Value() : Value(tricky[static_cast<std::size_t>(i) % tricky.size()]),
                        Value(Bytes{0, static_cast<std::uint8_t>(i % 256), 92, 9}), Value(Date{2020, 1, static_cast<unsigned>(1 + i % 28)}),
                        Value(Uuid::random()), Value(i * 0.5), Value(i % 2 == 0)});
    auto stmt = insert(t).value(column<int>(t, "id"), bindparam<int>("id"))
                    .value(column<std::string>(t, "txt"), bindparam<std::string>("txt"))
                    .value(column<Bytes>(t, "bin"), bindparam<Bytes>("bin"))
                    .value(column<Date>(t, "d"), bindparam<Date>("d"))
                    .value(column<Uuid>(t, "u"), bindparam<Uuid>("u"))
                    .value(column<double>(t, "f"), bindparam<double>("f"))
                    .value(column<bool>(t, "b"), bindparam<bool>("b"));
    auto conn = engine.connect();
    EXPECT_EQ(conn.execute_rows(stmt, rows).rowcount(), n);
    conn.commit();
    if (testkit::is_postgresql()) {
        ASSERT_FALSE(statements.empty());
        EXPECT_EQ(statements[0].rfind("COPY bulk_values (id, txt, bin, d, u, f, b, tag) FROM STDIN", 0), 0u) << statements[0];
    }
    int i = 0;
    for (RowView r : conn.execute(select(t).order_by(column<int>(t, "id")))) {
        const auto& want = rows[static_cast<std::size_t>(i)];
        ASSERT_EQ(r.get<int>(0), i);
        EXPECT_EQ(r.get<std::optional<std::string>>(1), want[1].is_null() ? std::nullopt : std::optional(want[1].as<std::string>())) << i;
        EXPECT_EQ(r.get<Bytes>(2), want[2].as<Bytes>());
        EXPECT_EQ(r.get<Date>(3), want[3].as<Date>());
        EXPECT_EQ(r.get<Uuid>(4), want[4].as<Uuid>());
        EXPECT_DOUBLE_EQ(r.get<double>(5), want[5].as<double>());
        EXPECT_EQ(r.get<bool>(6), want[6].as<bool>());
        EXPECT_EQ(r.get<std::string>(7), "dflt");
        ++i;
    }
    EXPECT_EQ(i, n);
    // A bad value fails the whole load and leaves the connection usable.
    std::vector<std::vector<Value>> bad;
    for (int k = 0; k < n; ++k) bad.push_back({Value(n + k), Value(k == 2500 ? std::string("a\0b", 3) : std::string("ok")), Value(), Value(), Value(), Value(), Value()});
    if (testkit::is_postgresql()) {
        EXPECT_THROW(conn.execute_rows(stmt, bad), DataError);
        conn.rollback();
        EXPECT_EQ(conn.execute(select(func::count()).select_from(t)).scalar_one<std::int64_t>(), n);
    }
    conn.close();  // its open transaction would block the DROP
    md.drop_all(engine);
}

}  // namespace
