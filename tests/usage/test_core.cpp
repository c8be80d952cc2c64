// Core against the live database: DDL, insert / select / update / delete, transactions, results, errors.
#include <algorithm>
#include <functional>
#include <thread>

#include "usage/fixture.hpp"

using namespace retort;
using retort::testkit::Usage;

namespace {

struct Users : TableDef {
    using TableDef::TableDef;
    Col<std::int64_t> id = col<std::int64_t>("id", {.primary_key = true});
    Col<std::string> name = col<std::string>("name", {.type = types::String(50), .unique = true});
    Col<std::optional<std::string>> email = col<std::optional<std::string>>("email", {.type = types::Text()});
    Col<std::optional<std::int32_t>> age = col<std::optional<std::int32_t>>("age");
};

struct Addresses : TableDef {
    using TableDef::TableDef;
    Col<std::int64_t> id = col<std::int64_t>("id", {.primary_key = true});
    Col<std::int64_t> user_id = col<std::int64_t>("user_id", {.foreign_key = "users.id"});
    Col<std::string> street = col<std::string>("street", {.type = types::String(200)});
};

class Core : public Usage {
protected:
    void SetUp() override {
        Usage::SetUp();
        md.drop_all(engine);
        md.create_all(engine);
    }
    Users users{md, "users"};
    Addresses addresses{md, "addresses"};

    void seed(Connection& c) {
        c.execute(insert(users), std::vector<Params>{{{"name", "joe"}, {"age", 30}},
                                                     {{"name", "mary"}, {"age", 25}, {"email", "m@x.org"}},
                                                     {{"name", "dennis"}, {"age", 40}}});
    }
};

TEST_F(Core, CreateAllMakesTablesAndCheckfirstIsIdempotent) {
    Inspector insp(engine);
    EXPECT_TRUE(insp.has_table("users"));
    EXPECT_TRUE(insp.has_table("addresses"));
    EXPECT_NO_THROW(md.create_all(engine));  // checkfirst: nothing to do
    md.drop_all(engine);
    EXPECT_FALSE(insp.has_table("users"));
    EXPECT_NO_THROW(md.drop_all(engine));
}

TEST_F(Core, InsertSelectRoundTrip) {
    auto conn = engine.connect();
    auto r = conn.execute(insert(users).values({{"name", "joe"}, {"email", "j@x.org"}, {"age", 31}}));
    EXPECT_EQ(r.rowcount(), 1);
    conn.commit();
    auto row = conn.execute(select(users.id, users.name, users.email, users.age).where(users.name == "joe")).one();
    EXPECT_GT(row.get<std::int64_t>(0), 0);
    EXPECT_EQ(row.get<std::string>("name"), "joe");
    EXPECT_EQ(row.get<std::optional<std::string>>("email"), "j@x.org");
    EXPECT_EQ(row.get<int>(3), 31);
    EXPECT_EQ(row.keys(), (std::vector<std::string>{"id", "name", "email", "age"}));
}

TEST_F(Core, InsertReturningGivesGeneratedKeys) {
    auto conn = engine.connect();
    auto id1 = conn.execute(insert(users).values({{"name", "a"}}).returning(users.id)).scalar_one<std::int64_t>();
    auto id2 = conn.execute(insert(users).values({{"name", "b"}}).returning(users.id)).scalar_one<std::int64_t>();
    EXPECT_EQ(id2, id1 + 1);
}

TEST_F(Core, ExecutemanyBatchesMultiRowInsert) {
    std::vector<std::string> statements;
    auto counted = create_engine(testkit::test_url());
    counted.on_before_execute([&](const ExecuteEvent& e) { statements.emplace_back(e.statement); });
    std::vector<Params> rows;
    for (int i = 0; i < 2500; ++i) rows.push_back({{"name", "user" + std::to_string(i)}, {"age", i}});
    auto conn = counted.connect();
    auto r = conn.execute(insert(users), rows);
    EXPECT_EQ(r.rowcount(), 2500);
    // 1000 rows per statement: three INSERTs, not 2500.
    int inserts = 0;
    for (const auto& s : statements)
        if (s.rfind("INSERT", 0) == 0) ++inserts;
    EXPECT_EQ(inserts, 3);
    conn.commit();
    EXPECT_EQ(conn.execute(select(func::count()).select_from(users)).scalar_one<std::int64_t>(), 2500);
    EXPECT_EQ(conn.execute(select(func::sum(users.age))).scalar_one<std::int64_t>(), 2499 * 2500 / 2);
}

TEST_F(Core, ExecutemanyWithReturningKeepsOrder) {
    std::vector<Params> rows;
    for (int i = 0; i < 1500; ++i) rows.push_back({{"name", "n" + std::to_string(i)}});
    auto conn = engine.connect();
    auto res = conn.execute(insert(users).returning(users.id, users.name), rows).all();
    ASSERT_EQ(res.size(), 1500u);
    for (int i = 0; i < 1500; ++i) EXPECT_EQ(res[static_cast<std::size_t>(i)].get<std::string>(1), "n" + std::to_string(i));
}

TEST_F(Core, ExecuteRowsPositional) {
    auto stmt = insert(users).value(users.name, bindparam<std::string>("name")).value(users.age, bindparam<int>("age"));
    std::vector<std::vector<Value>> rows;
    for (int i = 0; i < 3000; ++i) rows.push_back({Value("p" + std::to_string(i)), Value(i)});
    auto conn = engine.connect();
    EXPECT_EQ(conn.execute_rows(stmt, rows).rowcount(), 3000);
    EXPECT_EQ(conn.execute(select(func::max(users.age))).scalar_one<int>(), 2999);
    std::vector<std::vector<Value>> bad{{Value("x")}};
    EXPECT_THROW(conn.execute_rows(stmt, bad), ArgumentError);
}

TEST_F(Core, JoinGroupByOrderBy) {
    auto conn = engine.connect();
    seed(conn);
    auto joe = conn.execute(select(users.id).where(users.name == "joe")).scalar_one<std::int64_t>();
    auto mary = conn.execute(select(users.id).where(users.name == "mary")).scalar_one<std::int64_t>();
    conn.execute(insert(addresses), std::vector<Params>{{{"user_id", joe}, {"street", "a st"}},
                                                        {{"user_id", joe}, {"street", "b st"}},
                                                        {{"user_id", mary}, {"street", "c st"}}});
    auto n = func::count(addresses.id).label("n");
    auto rows = conn.execute(select(users.name, n).join(addresses).group_by(users.name).order_by(n.desc())).all();
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].get<std::string>(0), "joe");
    EXPECT_EQ(rows[0].get<std::int64_t>("n"), 2);
    EXPECT_EQ(rows[1].get<std::string>(0), "mary");
    auto outer = conn.execute(select(users.name).outerjoin(addresses).where(addresses.id.is_null())).scalars<std::string>();
    EXPECT_EQ(outer, (std::vector<std::string>{"dennis"}));
}

TEST_F(Core, UpdateAndDelete) {
    auto conn = engine.connect();
    seed(conn);
    auto r = conn.execute(update(users).value(users.age, users.age + 1).where(users.age > 26));
    EXPECT_EQ(r.rowcount(), 2);
    EXPECT_EQ(conn.execute(select(users.age).where(users.name == "joe")).scalar_one<int>(), 31);
    auto d = conn.execute(delete_(users).where(users.name == "dennis"));
    EXPECT_EQ(d.rowcount(), 1);
    EXPECT_FALSE(conn.execute(select(users.id).where(users.name == "dennis")).first().has_value());
}

TEST_F(Core, UpdateDeleteReturning) {
    auto conn = engine.connect();
    seed(conn);
    if (!engine.dialect().caps().supports_update_returning) {
        // MariaDB: DELETE ... RETURNING only; an UPDATE ... RETURNING is an error before anything is sent.
        EXPECT_THROW((void)conn.execute(update(users).value(users.age, 1).where(users.name != "joe").returning(users.name)),
                     CompileError);
        conn.execute(update(users).value(users.age, 1).where(users.name != "joe"));
    } else {
        auto ages = conn.execute(update(users).value(users.age, 1).where(users.name != "joe").returning(users.name)).scalars<std::string>();
        std::sort(ages.begin(), ages.end());
        EXPECT_EQ(ages, (std::vector<std::string>{"dennis", "mary"}));
    }
    auto gone = conn.execute(delete_(users).where(users.age == 1).returning(users.id)).all();
    EXPECT_EQ(gone.size(), 2u);
}

TEST_F(Core, InNotInEmptyListsLikeBetween) {
    auto conn = engine.connect();
    seed(conn);
    auto count = [&](const Expr<bool>& w) {
        return conn.execute(select(func::count()).select_from(users).where(w)).scalar_one<std::int64_t>();
    };
    EXPECT_EQ(count(users.name.in_({"joe", "mary", "nobody"})), 2);
    EXPECT_EQ(count(users.name.in_(std::vector<std::string>{})), 0);
    EXPECT_EQ(count(users.name.not_in(std::vector<std::string>{})), 3);
    EXPECT_EQ(count(users.name.not_in({"joe"})), 2);
    EXPECT_EQ(count(users.age.between(25, 30)), 2);
    EXPECT_EQ(count(users.name.like("%e%")), 2);
    EXPECT_EQ(count(users.name.ilike("JO%")), 1);
    EXPECT_EQ(count(users.email.is_null()), 2);
    EXPECT_EQ(count(users.email == nullptr), 2);
}

TEST_F(Core, LikeEscapingMatchesLiterally) {
    auto conn = engine.connect();
    conn.execute(insert(users), std::vector<Params>{{{"name", "50%_off"}}, {{"name", "50 and more"}}, {{"name", "a/b"}}});
    auto names = conn.execute(select(users.name).where(users.name.startswith("50%"))).scalars<std::string>();
    EXPECT_EQ(names, (std::vector<std::string>{"50%_off"}));
    EXPECT_EQ(conn.execute(select(users.name).where(users.name.contains("/"))).scalars<std::string>(),
              (std::vector<std::string>{"a/b"}));
}

TEST_F(Core, SubqueryCteUnionCase) {
    auto conn = engine.connect();
    seed(conn);
    auto older = select(users.name, users.age).where(users.age > 26).cte("older");
    auto names = conn.execute(select(older.c<std::string>("name")).order_by(older.c<std::string>("name"))).scalars<std::string>();
    EXPECT_EQ(names, (std::vector<std::string>{"dennis", "joe"}));
    auto u = select(users.name).where(users.age < 26).union_(select(users.name).where(users.age > 35));
    auto un = conn.execute(u.order_by(literal_column("name"))).scalars<std::string>();
    EXPECT_EQ(un, (std::vector<std::string>{"dennis", "mary"}));
    auto label = case_<std::string>({{users.age < 30, literal(std::string("young"))}}, literal(std::string("old")));
    auto rows = conn.execute(select(users.name, label.label("k")).order_by(users.name)).all();
    EXPECT_EQ(rows[0].get<std::string>("k"), "old");    // dennis
    EXPECT_EQ(rows[2].get<std::string>("k"), "young");  // mary
    auto cnt = select(func::count()).where(addresses.user_id == users.id).scalar_subquery<std::int64_t>();
    auto with_counts = conn.execute(select(users.name, cnt.label("n")).order_by(users.name)).all();
    EXPECT_EQ(with_counts.size(), 3u);
    EXPECT_EQ(with_counts[0].get<std::int64_t>("n"), 0);
}

TEST_F(Core, UpsertDoNothingAndDoUpdate) {
    auto conn = engine.connect();
    seed(conn);
    auto ins = insert(users).values({{"name", "joe"}, {"age", 99}});
    auto r = conn.execute(ins.on_conflict_do_nothing({"name"}));
    // MySQL counts the row its ON DUPLICATE KEY UPDATE matched (set to itself): the row is unchanged either way.
    EXPECT_EQ(r.rowcount(), testkit::is_mysql() ? 1 : 0);
    EXPECT_EQ(conn.execute(select(users.age).where(users.name == "joe")).scalar_one<int>(), 30);
    conn.execute(ins.on_conflict_do_update({"name"}, {{"age", excluded(users.age)}}));
    EXPECT_EQ(conn.execute(select(users.age).where(users.name == "joe")).scalar_one<int>(), 99);
    EXPECT_EQ(conn.execute(select(func::count()).select_from(users)).scalar_one<std::int64_t>(), 3);
}

TEST_F(Core, TextWithNamedBinds) {
    auto conn = engine.connect();
    seed(conn);
    auto t = text("SELECT name FROM users WHERE age > :min AND name != :skip ORDER BY name");
    auto names = conn.execute(t, {{"min", 20}, {"skip", "mary"}}).scalars<std::string>();
    EXPECT_EQ(names, (std::vector<std::string>{"dennis", "joe"}));
    EXPECT_THROW(conn.execute(t, {{"min", 20}}), ArgumentError);  // :skip has no value
}

TEST_F(Core, BuildOnceExecuteMany) {
    auto conn = engine.connect();
    seed(conn);
    auto stmt = select(users.name).where(users.age == bindparam<int>("age"));
    EXPECT_EQ(conn.execute(stmt, {{"age", 30}}).scalar_one<std::string>(), "joe");
    EXPECT_EQ(conn.execute(stmt, {{"age", 25}}).scalar_one<std::string>(), "mary");
    EXPECT_FALSE(conn.execute(stmt, {{"age", 1}}).scalar<std::string>().has_value());
}

TEST_F(Core, ExpressionsOfParametersAloneHaveTheirTypes) {
    // Two parameters joined by an operator: PostgreSQL, which types parameters from their context, gets each in a
    // CAST to its type (else "operator is not unique: unknown + unknown").
    auto conn = engine.connect();
    auto sum = select(bindparam<int>("x") + 7);
    EXPECT_EQ(conn.execute(sum, {{"x", 5}}).scalar_one<std::int64_t>(), 12);
    EXPECT_EQ(conn.execute(sum, {{"x", -9}}).scalar_one<std::int64_t>(), -2);
    auto less = select(bindparam<int>("a") < bindparam<int>("b"));
    EXPECT_TRUE(conn.execute(less, {{"a", 1}, {"b", 2}}).scalar_one<bool>());
    EXPECT_FALSE(conn.execute(less, {{"a", 3}, {"b", 2}}).scalar_one<bool>());
    EXPECT_DOUBLE_EQ(conn.execute(select(literal(1.5) * literal(4.0))).scalar_one<double>(), 6.0);
    // Next to a column, a parameter takes the column's type and is not cast.
    seed(conn);
    std::string sql;
    engine.on_before_execute([&](const ExecuteEvent& e) { sql = e.statement; });
    auto older = select(users.name).where(users.age + bindparam<int>("d") > 40).order_by(users.name);
    EXPECT_EQ(conn.execute(older, {{"d", 11}}).scalars<std::string>(), (std::vector<std::string>{"dennis", "joe"}));
    EXPECT_EQ(sql.find("CAST"), std::string::npos) << sql;
    (void)conn.execute(sum, {{"x", 1}});
    EXPECT_EQ(sql.find("CAST") != std::string::npos, engine.dialect().caps().cast_paired_binds) << sql;
}

TEST_F(Core, InlineParametersAreReadWhereTheyAre) {
    // conn.execute(stmt, {{"name", value}}) reads the values from the call's own list; a Params variable, the
    // last of a repeated name, inserts without values() and missing values behave as with a Params.
    auto conn = engine.connect();
    seed(conn);
    auto by_age = select(users.name).where(users.age == bindparam<int>("age"));
    EXPECT_EQ(conn.execute(by_age, {{"age", 25}}).scalar_one<std::string>(), "mary");
    EXPECT_EQ(conn.execute(by_age, {{"age", 1}, {"age", 40}}).scalar_one<std::string>(), "dennis");
    const Params as_variable{{"age", 30}};
    EXPECT_EQ(conn.execute(by_age, as_variable).scalar_one<std::string>(), "joe");
    EXPECT_THROW(conn.execute(by_age, {}), ArgumentError);
    EXPECT_THROW(conn.execute(by_age, {{"agee", 30}}), ArgumentError);
    conn.execute(insert(users), {{"name", "inline"}, {"age", 7}});
    EXPECT_EQ(conn.execute(select(users.age).where(users.name == "inline")).scalar_one<std::int64_t>(), 7);
    auto streamed = conn.execute(by_age, {{"age", 7}}, {.stream_results = true});
    EXPECT_EQ(streamed.scalar_one<std::string>(), "inline");
}

TEST_F(Core, ResultAccessors) {
    auto conn = engine.connect();
    seed(conn);
    auto q = select(users.name).order_by(users.name);
    EXPECT_THROW(conn.execute(q).one(), MultipleResultsFound);
    EXPECT_THROW(conn.execute(q.where(users.name == "zed")).one(), NoResultFound);
    EXPECT_FALSE(conn.execute(q.where(users.name == "zed")).one_or_none().has_value());
    EXPECT_EQ(conn.execute(q).first()->get<std::string>(0), "dennis");
    auto r = conn.execute(q);
    auto two = r.fetchmany(2);
    EXPECT_EQ(two.size(), 2u);
    EXPECT_EQ(r.fetchone()->get<std::string>(0), "mary");
    EXPECT_FALSE(r.fetchone().has_value());
    std::vector<std::string> seen;
    for (RowView row : conn.execute(q)) seen.push_back(row.get<std::string>("name"));
    EXPECT_EQ(seen.size(), 3u);
    auto [name, age] = conn.execute(select(users.name, users.age).where(users.name == "joe")).one().tuple<std::string, int>();
    EXPECT_EQ(name, "joe");
    EXPECT_EQ(age, 30);
    EXPECT_THROW((void)conn.execute(select(users.email).where(users.name == "joe")).one().get<std::string>(0), TypeError);
    EXPECT_THROW((void)conn.execute(q).first()->get<std::string>("nope"), InvalidRequestError);
}

TEST_F(Core, RowViewTuplesAndScalarResults) {
    auto conn = engine.connect();
    seed(conn);
    // A RowView reads its columns into a tuple in place, as a Row does.
    std::vector<std::pair<std::string, std::optional<std::string>>> seen;
    for (RowView row : conn.execute(select(users.name, users.email).order_by(users.name))) {
        auto [name, email] = row.tuple<std::string, std::optional<std::string>>();
        seen.emplace_back(name, email);
        EXPECT_EQ(std::get<0>(row.tuple<std::string>()), name);  // the first columns only
        EXPECT_THROW(((void)row.tuple<std::string, std::optional<std::string>, int>()), InvalidRequestError);
    }
    const std::vector<std::pair<std::string, std::optional<std::string>>> expected{
        {"dennis", std::nullopt}, {"joe", std::nullopt}, {"mary", "m@x.org"}};
    EXPECT_EQ(seen, expected);

    // result.scalars<T>() has the shape of the ORM's session.scalars(): all / one / one_or_none / first, size,
    // indexing, iteration; it converts to std::vector<T>.
    auto q = select(users.name).order_by(users.name);
    auto names = conn.execute(q).scalars<std::string>();
    EXPECT_EQ(names.size(), 3u);
    EXPECT_FALSE(names.empty());
    EXPECT_EQ(names[2], "mary");
    EXPECT_THROW((void)names[3], std::out_of_range);
    EXPECT_EQ(names.first(), "dennis");
    EXPECT_THROW((void)names.one(), MultipleResultsFound);
    EXPECT_THROW((void)names.one_or_none(), MultipleResultsFound);
    EXPECT_EQ(names, (std::vector<std::string>{"dennis", "joe", "mary"}));
    std::string joined;
    for (const std::string& n : names) joined += n + ";";
    EXPECT_EQ(joined, "dennis;joe;mary;");
    std::sort(names.begin(), names.end(), std::greater<>());  // a vector in all but name
    EXPECT_EQ(names[0], "mary");
    const std::vector<std::string> as_vector = conn.execute(q).scalars<std::string>();
    EXPECT_EQ(as_vector, (std::vector<std::string>{"dennis", "joe", "mary"}));
    EXPECT_EQ(conn.execute(q).scalars<std::string>().all(), as_vector);

    auto ages = conn.execute(select(users.age).where(users.name == "mary")).scalars<int>();
    EXPECT_EQ(ages.one(), 25);
    EXPECT_EQ(ages.one_or_none(), 25);
    auto none = conn.execute(q.where(users.name == "zed")).scalars<std::string>();
    EXPECT_TRUE(none.empty());
    EXPECT_THROW((void)none.one(), NoResultFound);
    EXPECT_EQ(none.one_or_none(), std::nullopt);
    EXPECT_EQ(none.first(), std::nullopt);
    // Another column than the first, and NULLs through std::optional.
    EXPECT_EQ(conn.execute(select(users.name, users.email).order_by(users.name)).scalars<std::optional<std::string>>(1),
              (std::vector<std::optional<std::string>>{std::nullopt, std::nullopt, "m@x.org"}));
}

TEST_F(Core, StreamingDoesNotHoldTheWholeResult) {
    auto conn = engine.connect();
    std::vector<Params> rows;
    for (int i = 0; i < 5000; ++i) rows.push_back({{"name", "s" + std::to_string(i)}, {"age", i}});
    conn.execute(insert(users), rows);
    conn.commit();
    ExecutionOptions opts;
    opts.stream_results = true;
    opts.yield_per = 100;
    std::int64_t sum = 0, n = 0;
    for (RowView row : conn.execute(select(users.age), {}, opts)) {
        sum += row.get<std::int64_t>(0);
        ++n;
    }
    EXPECT_EQ(n, 5000);
    EXPECT_EQ(sum, 4999LL * 5000 / 2);
}

TEST_F(Core, CommitAsYouGoAndRollback) {
    {
        auto conn = engine.connect();
        conn.execute(insert(users).values({{"name", "kept"}}));
        conn.commit();
        conn.execute(insert(users).values({{"name", "dropped"}}));
        conn.rollback();
        conn.execute(insert(users).values({{"name", "closed-without-commit"}}));
    }
    auto conn = engine.connect();
    EXPECT_EQ(conn.execute(select(users.name)).scalars<std::string>(), (std::vector<std::string>{"kept"}));
}

TEST_F(Core, TransactionScopeRollsBackOnException) {
    EXPECT_THROW(engine.begin([&](Connection& c) {
        c.execute(insert(users).values({{"name", "x"}}));
        throw std::runtime_error("boom");
    }),
                 std::runtime_error);
    engine.begin([&](Connection& c) { c.execute(insert(users).values({{"name", "y"}})); });
    auto conn = engine.connect();
    EXPECT_EQ(conn.execute(select(users.name)).scalars<std::string>(), (std::vector<std::string>{"y"}));
    // The SELECT above began a transaction (commit as you go); an explicit begin() needs it ended first.
    EXPECT_THROW((void)conn.begin(), InvalidRequestError);
    conn.rollback();
    {
        auto tx = conn.begin();
        conn.execute(insert(users).values({{"name", "z"}}));
    }  // not committed: rolled back
    EXPECT_EQ(conn.execute(select(func::count()).select_from(users)).scalar_one<std::int64_t>(), 1);
}

TEST_F(Core, Savepoints) {
    auto conn = engine.connect();
    auto tx = conn.begin();
    conn.execute(insert(users).values({{"name", "outer"}}));
    {
        auto sp = conn.begin_nested();
        conn.execute(insert(users).values({{"name", "inner-rolled-back"}}));
        sp.rollback();
    }
    {
        auto sp = conn.begin_nested();
        conn.execute(insert(users).values({{"name", "inner-kept"}}));
        sp.commit();
    }
    // A failed statement inside a savepoint leaves the outer transaction usable.
    {
        auto sp = conn.begin_nested();
        EXPECT_THROW(conn.execute(insert(users).values({{"name", "outer"}})), IntegrityError);
        sp.rollback();
    }
    tx.commit();
    auto names = conn.execute(select(users.name).order_by(users.name)).scalars<std::string>();
    EXPECT_EQ(names, (std::vector<std::string>{"inner-kept", "outer"}));
}

TEST_F(Core, IntegrityErrorLosesNothingCommitted) {
    auto conn = engine.connect();
    seed(conn);
    conn.commit();
    try {
        conn.execute(insert(users).values({{"name", "joe"}}));
        FAIL() << "duplicate name accepted";
    } catch (const IntegrityError& e) {
        EXPECT_NE(std::string(e.what()).find("INSERT INTO users"), std::string::npos);
        EXPECT_EQ(e.param_types().size(), 1u);
        if (testkit::is_postgresql()) EXPECT_EQ(e.sqlstate(), "23505");
    }
    conn.rollback();
    EXPECT_EQ(conn.execute(select(func::count()).select_from(users)).scalar_one<std::int64_t>(), 3);
}

TEST_F(Core, NotNullAndForeignKeyViolations) {
    auto conn = engine.connect();
    EXPECT_THROW(conn.execute(insert(addresses).values({{"user_id", 12345}, {"street", "x"}})), IntegrityError);
    conn.rollback();
    EXPECT_THROW(conn.execute(insert(users).values({{"age", 1}})), IntegrityError);
}

TEST_F(Core, HostileValuesAreBoundNeverSpliced) {
    auto conn = engine.connect();
    std::vector<std::string> values = {"Robert'); DROP TABLE users;--", "quote\"double", "back\\slash", "uni\u00e9\u4e2d",
                                       std::string(testkit::is_mysql() ? 60000 : 100000, 'x')};  // MySQL's TEXT: 65,535 bytes
    for (const auto& v : values) conn.execute(insert(users).values({{"name", v.substr(0, 50)}, {"email", v}}));
    for (const auto& v : values) {
        auto got = conn.execute(select(users.email).where(users.email == v)).scalar_one<std::optional<std::string>>();
        EXPECT_EQ(got, v);
    }
    Inspector insp(engine);
    conn.commit();
    EXPECT_TRUE(insp.has_table("users"));
}

TEST_F(Core, NulBytesInTextAreATypedErrorOrStored) {
    auto conn = engine.connect();
    std::string nul("a\0b", 3);
    if (testkit::is_postgresql()) {
        // PostgreSQL text cannot hold NUL: the server refuses, with a typed error.
        EXPECT_THROW(conn.execute(insert(users).values({{"name", nul}})), DBAPIError);
    } else {
        conn.execute(insert(users).values({{"name", nul}}));
        EXPECT_EQ(conn.execute(select(users.name)).scalar_one<std::string>(), nul);
    }
}

TEST_F(Core, ProgrammingErrorsAreTyped) {
    auto conn = engine.connect();
    EXPECT_THROW(conn.exec_driver_sql("SELEC 1"), DBAPIError);
    conn.rollback();
    EXPECT_THROW(conn.exec_driver_sql("SELECT * FROM no_such_table"), DBAPIError);
}

TEST_F(Core, EchoLogsStatementsWithTheirValues) {
    std::vector<std::string> lines;
    EngineOptions o;
    o.echo = true;
    o.log_sink = [&](std::string_view l) { lines.emplace_back(l); };
    auto e2 = create_engine(testkit::test_url(), o);
    auto conn = e2.connect();
    conn.execute(insert(users).values({{"name", "echoed-value"}}));
    conn.rollback();
    bool saw_insert = false;
    for (const auto& l : lines) {
        if (l.find("INSERT INTO users") != std::string::npos) {
            saw_insert = true;
            EXPECT_TRUE(l.ends_with("] ('echoed-value',)")) << l;
        }
    }
    EXPECT_TRUE(saw_insert);
}

TEST_F(Core, DataTypesRoundTrip) {
    MetaData md2;
    Table& t = md2.table("typed_values", {
                                             {"id", types::Integer(), {.primary_key = true}},
                                             {"b", types::Boolean()},
                                             {"si", types::SmallInteger()},
                                             {"bi", types::BigInteger()},
                                             {"f", types::Double()},
                                             {"num", types::Numeric(12, 4)},
                                             {"d", types::Date()},
                                             {"tm", types::Time()},
                                             {"dt", types::DateTime()},
                                             {"dtz", types::DateTime(true)},
                                             {"u", types::Uuid()},
                                             {"bin", types::LargeBinary()},
                                             {"j", types::Json()},
                                             {"txt", types::Text()},
                                         });
    md2.drop_all(engine);
    md2.create_all(engine);
    auto conn = engine.connect();
    Uuid u = Uuid::random();
    Bytes bin{0, 1, 2, 255, 0, 7};
    conn.execute(insert(t).values({{"id", 1},
                                   {"b", true},
                                   {"si", 7},
                                   {"bi", std::int64_t{9000000000}},
                                   {"f", 0.1},
                                   {"num", Numeric("12345678.1234")},
                                   {"d", Date{2006, 10, 25}},
                                   {"tm", Time{13, 14, 15, 500000}},
                                   {"dt", DateTime{{2020, 2, 29}, {23, 59, 58, 123456}, std::nullopt}},
                                   {"dtz", DateTime{{2020, 1, 1}, {10, 0, 0, 0}, 0}},
                                   {"u", u},
                                   {"bin", bin},
                                   {"j", Json{"{\"a\": [1, 2]}"}},
                                   {"txt", "hello"}}));
    auto row = conn.execute(select(t)).one();
    EXPECT_EQ(row.get<bool>("b"), true);
    EXPECT_EQ(row.get<int>("si"), 7);
    EXPECT_EQ(row.get<std::int64_t>("bi"), 9000000000);
    EXPECT_DOUBLE_EQ(row.get<double>("f"), 0.1);
    EXPECT_EQ(row.get<Numeric>("num").text, "12345678.1234");
    EXPECT_EQ(row.get<Date>("d"), (Date{2006, 10, 25}));
    EXPECT_EQ(row.get<Date>("d").iso(), "2006-10-25");
    EXPECT_EQ(row.get<Time>("tm"), (Time{13, 14, 15, 500000}));
    EXPECT_EQ(row.get<DateTime>("dt"), (DateTime{{2020, 2, 29}, {23, 59, 58, 123456}, std::nullopt}));
    auto dtz = row.get<DateTime>("dtz");
    EXPECT_EQ(dtz.date, (Date{2020, 1, 1}));
    EXPECT_EQ(dtz.time.hour, 10u);
    EXPECT_EQ(row.get<Uuid>("u"), u);
    EXPECT_EQ(row.get<Bytes>("bin"), bin);
    EXPECT_NE(row.get<Json>("j").text.find("\"a\""), std::string::npos);
    EXPECT_EQ(row.get<std::string>("txt"), "hello");
    // A UUID given as text matches the stored value whatever the dialect stores.
    EXPECT_EQ(conn.execute(select(column<int>(t, "id")).where(column<Uuid>(t, "u") == u)).scalar_one<int>(), 1);
    EXPECT_EQ(conn.execute(text("SELECT id FROM typed_values WHERE u = :u").bindparams({{"u", u}})).scalar_one<int>(), 1);
    conn.commit();
    md2.drop_all(engine);
}

TEST_F(Core, CompiledStatementsAreCachedByShape) {
    std::vector<std::string> seen;
    auto conn = engine.connect();
    seed(conn);
    // Two trees that differ only in their values compile to the same SQL and bind their own values.
    auto a = conn.execute(select(users.name).where(users.age == 30)).scalar_one<std::string>();
    auto b = conn.execute(select(users.name).where(users.age == 25)).scalar_one<std::string>();
    EXPECT_EQ(a, "joe");
    EXPECT_EQ(b, "mary");
}

TEST_F(Core, IsolationLevels) {
    auto conn = engine.connect();
    if (testkit::is_postgresql()) {
        EXPECT_EQ(conn.get_isolation_level(), "READ COMMITTED");
        conn.set_isolation_level("SERIALIZABLE");
        EXPECT_EQ(conn.get_isolation_level(), "SERIALIZABLE");
        conn.close();
        auto again = engine.connect();  // reset when returned to the pool
        EXPECT_EQ(again.get_isolation_level(), "READ COMMITTED");
    }
    EngineOptions o;
    o.isolation_level = "AUTOCOMMIT";
    auto ac = create_engine(testkit::test_url(), o);
    {
        auto c = ac.connect();
        c.execute(insert(users).values({{"name", "auto"}}));
        EXPECT_FALSE(c.in_transaction());
    }  // closed without commit: autocommit kept it
    auto c2 = engine.connect();
    EXPECT_EQ(c2.execute(select(users.name)).scalars<std::string>(), (std::vector<std::string>{"auto"}));
    EngineOptions bad;
    bad.isolation_level = "SOMETIMES";
    EXPECT_THROW(create_engine(testkit::test_url(), bad), ArgumentError);
}

}  // namespace
