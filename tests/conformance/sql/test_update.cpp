// Ports of test/sql/test_update.py: UPDATE statements as compiled per dialect, correlation of subqueries in SET
// and WHERE, UPDATE ... FROM, and the rows they change on each database.
//
// Form: Retort writes `SET col = ?` (SQLAlchemy `SET col=?`), sets columns in the order the statement gives them
// (SQLAlchemy's values() sorts them in table order, its ordered_values() keeps the order given: Retort's
// value()/values() behave like ordered_values()). An UPDATE without values takes the columns to set from the
// execution's parameters (ParametersNameTheColumnsToSet), where SQLAlchemy's compiler, given no parameters,
// renders every column. The other form differences are those listed in test_compiler.cpp.
#include "conformance/kit.hpp"
#include "conformance/sql/compile.hpp"

using namespace retort;
using testkit::expect_sql;

namespace conf_update {

struct MyTable : TableDef {
    using TableDef::TableDef;
    Col<std::int64_t> myid = col<std::int64_t>("myid");
    Col<std::string> name = col<std::string>("name", {.type = types::String(30)});
    Col<std::string> description = col<std::string>("description", {.type = types::String(50)});
};
struct MyOtherTable : TableDef {
    using TableDef::TableDef;
    Col<std::int64_t> otherid = col<std::int64_t>("otherid");
    Col<std::string> othername = col<std::string>("othername", {.type = types::String(30)});
};
struct Users : TableDef {
    using TableDef::TableDef;
    Col<std::int64_t> id = col<std::int64_t>("id", {.primary_key = true});
    Col<std::string> name = col<std::string>("name", {.type = types::String(30)});
};
struct Addresses : TableDef {
    using TableDef::TableDef;
    Col<std::int64_t> id = col<std::int64_t>("id", {.primary_key = true});
    Col<std::int64_t> user_id = col<std::int64_t>("user_id", {.foreign_key = "users.id"});
    Col<std::string> name = col<std::string>("name", {.type = types::String(30)});
    Col<std::string> email_address = col<std::string>("email_address", {.type = types::String(50)});
};
struct Dingalings : TableDef {
    using TableDef::TableDef;
    Col<std::int64_t> id = col<std::int64_t>("id", {.primary_key = true});
    Col<std::int64_t> address_id = col<std::int64_t>("address_id", {.foreign_key = "addresses.id"});
    Col<std::string> data = col<std::string>("data", {.type = types::String(30)});
};
struct Foo : TableDef {
    using TableDef::TableDef;
    Col<std::int64_t> x = col<std::int64_t>("x");
    Col<std::int64_t> y = col<std::int64_t>("y");
};

// Compile-only: SQLAlchemy's _UpdateFromTestBase tables.
class UpdateCompile : public ::testing::Test {
protected:
    MetaData md;
    MyTable table1{md, "mytable"};
    MyOtherTable table2{md, "myothertable"};
    Users users{md, "users"};
    Addresses addresses{md, "addresses"};
    Dingalings dingalings{md, "dingalings"};
};

// Against the database: users, addresses and dingalings with SQLAlchemy's fixture rows.
class UpdateRoundTrip : public testkit::Conformance {
protected:
    Users users{md, "users"};
    Addresses addresses{md, "addresses"};
    Dingalings dingalings{md, "dingalings"};

    void SetUp() override {
        Conformance::SetUp();
        md.drop_all(engine);
        md.create_all(engine);
        auto conn = engine.connect();
        for (auto [id, name] : std::vector<std::pair<int, std::string>>{{7, "jack"}, {8, "ed"}, {9, "fred"}, {10, "chuck"}})
            conn.execute(insert(users).values({{"id", id}, {"name", name}}));
        struct A {
            int id, user_id;
            const char* email;
        };
        for (const A& a : {A{1, 7, "jack@bean.com"}, A{2, 8, "ed@wood.com"}, A{3, 8, "ed@bettyboop.com"},
                           A{4, 8, "ed@lala.com"}, A{5, 9, "fred@fred.com"}})
            conn.execute(insert(addresses).values(
                {{"id", a.id}, {"user_id", a.user_id}, {"name", "x"}, {"email_address", a.email}}));
        conn.execute(insert(dingalings).values({{"id", 1}, {"address_id", 2}, {"data", "ding 1/2"}}));
        conn.execute(insert(dingalings).values({{"id", 2}, {"address_id", 5}, {"data", "ding 2/5"}}));
        conn.commit();
    }

    using AddressRow = std::tuple<std::int64_t, std::int64_t, std::string, std::string>;
    std::vector<AddressRow> address_rows() {
        auto conn = engine.connect();
        std::vector<AddressRow> out;
        for (RowView r : conn.execute(select(addresses).order_by(addresses.id)))
            out.emplace_back(r.get<std::int64_t>(0), r.get<std::int64_t>(1), r.get<std::string>(2), r.get<std::string>(3));
        return out;
    }
    std::vector<std::pair<std::int64_t, std::string>> user_rows() {
        auto conn = engine.connect();
        std::vector<std::pair<std::int64_t, std::string>> out;
        for (RowView r : conn.execute(select(users).order_by(users.id)))
            out.emplace_back(r.get<std::int64_t>(0), r.get<std::string>(1));
        return out;
    }
};

template <class Fn>
void expect_compile_error(Fn&& fn, const std::string& part) {
    try {
        fn();
        ADD_FAILURE() << "no error; expected one mentioning: " << part;
    } catch (const CompileError& e) {
        EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
}

}  // namespace conf_update

using namespace conf_update;

// ---------------------------------------------------------------- UpdateTest

TEST_F(UpdateCompile, CorrelatedUpdateOne) {
    // ports: test/sql/test_update.py::UpdateTest::test_correlated_update_one
    auto u = update(table1).value(table1.name, text("(select name from mytable where id=mytable.id)").as_expr<std::string>());
    expect_sql(u, "UPDATE mytable SET name = (select name from mytable where id=mytable.id)");
}

TEST_F(UpdateCompile, CorrelatedUpdateTwo) {
    // ports: test/sql/test_update.py::UpdateTest::test_correlated_update_two
    auto mt = alias(table1, "mytable_1");
    auto u = update(table1).value(
        table1.name,
        select(aliased(mt, table1.name)).where(aliased(mt, table1.myid) == table1.myid).scalar_subquery<std::string>());
    expect_sql(u, "UPDATE mytable SET name = (SELECT mytable_1.name FROM mytable AS mytable_1 WHERE mytable_1.myid = "
                  "mytable.myid)");
}

TEST_F(UpdateCompile, CorrelatedUpdateThree) {
    // ports: test/sql/test_update.py::UpdateTest::test_correlated_update_three
    auto s = select(table2).where(table2.otherid == table1.myid).scalar_subquery<std::string>();
    expect_sql(update(table1).where(table1.name == "jack").value(table1.name, s),
               "UPDATE mytable SET name = (SELECT myothertable.otherid, myothertable.othername FROM myothertable WHERE "
               "myothertable.otherid = mytable.myid) WHERE mytable.name = ?");
}

TEST_F(UpdateCompile, CorrelatedUpdateFourAndFive) {
    // ports: test/sql/test_update.py::UpdateTest::test_correlated_update_four
    // ports: test/sql/test_update.py::UpdateTest::test_correlated_update_five
    auto s4 = select(table2.othername).where(table2.otherid == 7).scalar_subquery<std::string>();
    expect_sql(update(table1).value(table1.name, "x").where(table1.name == s4),
               "UPDATE mytable SET name = ? WHERE mytable.name = (SELECT myothertable.othername FROM myothertable WHERE "
               "myothertable.otherid = ?)");
    auto s5 = select(table2.othername).where(table2.otherid == table1.myid).scalar_subquery<std::string>();
    expect_sql(update(table1).value(table1.name, "x").where(table1.name == s5),
               "UPDATE mytable SET name = ? WHERE mytable.name = (SELECT myothertable.othername FROM myothertable WHERE "
               "myothertable.otherid = mytable.myid)");
}

TEST_F(UpdateCompile, CorrelatedUpdateSixAndSeven) {
    // ports: test/sql/test_update.py::UpdateTest::test_correlated_update_six
    // ports: test/sql/test_update.py::UpdateTest::test_correlated_update_seven
    expect_sql(update(table1).value(table1.name, table2.othername).where(table2.otherid == table1.myid),
               "UPDATE mytable SET name = myothertable.othername FROM myothertable WHERE myothertable.otherid = "
               "mytable.myid");
    expect_sql(update(table1).value(table1.name, "foo").where(table2.otherid == table1.myid),
               "UPDATE mytable SET name = ? FROM myothertable WHERE myothertable.otherid = mytable.myid");
}

TEST_F(UpdateCompile, BindsThatMatchColumns) {
    // ports: test/sql/test_update.py::UpdateTest::test_binds_that_match_columns
    Foo t{md, "foo"};
    auto u = update(t).where(t.x == bindparam<std::int64_t>("x"));
    // A value for x takes the name x, which the WHERE clause's parameter already has.
    expect_compile_error([&] { (void)testkit::compiled_sql(u.value(t.x, 7), "sqlite"); }, "'x'");
    expect_sql(u.value(t.y, 7), "UPDATE foo SET y = ? WHERE foo.x = ?");
    // PostgreSQL types two parameters side by side from a CAST each (see the README).
    expect_sql(u.value(t.x, 3 + bindparam<std::int64_t>("x")), "UPDATE foo SET x = ? + ? WHERE foo.x = ?",
               "UPDATE foo SET x = CAST(? AS BIGINT) + CAST(? AS BIGINT) WHERE foo.x = ?");
    auto c = testkit::compile(u.value(t.x, 3 + bindparam<std::int64_t>("x")), testkit::conformance_dialect("sqlite"));
    ASSERT_EQ(c.keys.size(), 3u);
    EXPECT_EQ(c.keys[1], "x");
    EXPECT_EQ(c.keys[2], "x");
}

TEST_F(UpdateCompile, LabelsNoCollision) {
    // ports: test/sql/test_update.py::UpdateTest::test_labels_no_collision
    // ports: test/sql/test_update.py::UpdateTest::test_labels_no_collision_index
    struct FooId : TableDef {
        using TableDef::TableDef;
        Col<std::int64_t> id = col<std::int64_t>("id", {.index = true});
        Col<std::int64_t> foo_id = col<std::int64_t>("foo_id");
    } t{md, "foo"};
    auto u = update(t).values({{"id", 1}, {"foo_id", 2}}).where(t.id == 5);
    expect_sql(u, "UPDATE foo SET id = ?, foo_id = ? WHERE foo.id = ?");
    auto vals = testkit::positional(u);
    ASSERT_EQ(vals.size(), 3u);
    EXPECT_EQ(vals[0].as<std::int64_t>(), 1);
    EXPECT_EQ(vals[1].as<std::int64_t>(), 2);
    EXPECT_EQ(vals[2].as<std::int64_t>(), 5);
}

TEST_F(UpdateCompile, Update2) {
    // ports: test/sql/test_update.py::UpdateTest::test_update_2
    auto u = update(table1).where(table1.myid == 7).value(table1.myid, 5);
    expect_sql(u, "UPDATE mytable SET myid = ? WHERE mytable.myid = ?");
    auto vals = testkit::positional(u);
    ASSERT_EQ(vals.size(), 2u);
    EXPECT_EQ(vals[0].as<std::int64_t>(), 5);
    EXPECT_EQ(vals[1].as<std::int64_t>(), 7);
}

TEST_F(UpdateCompile, Update4) {
    // ports: test/sql/test_update.py::UpdateTest::test_update_4
    // ports: test/sql/test_update.py::UpdateTest::test_update_6
    expect_sql(update(table1).value(table1.name, table1.myid.cast<std::string>()),
               "UPDATE mytable SET name = CAST(mytable.myid AS VARCHAR)",
               "UPDATE mytable SET name = CAST(mytable.myid AS VARCHAR)");
    expect_sql(update(table1).where(table1.myid == 12).value(table1.description, table1.name),
               "UPDATE mytable SET description = mytable.name WHERE mytable.myid = ?");
}

TEST_F(UpdateCompile, Update5) {
    // ports: test/sql/test_update.py::UpdateTest::test_update_5
    auto u = update(table1).where(table1.name == bindparam<std::string>("crit")).value(table1.name, "hi");
    expect_sql(u, "UPDATE mytable SET name = ? WHERE mytable.name = ?");
    auto c = testkit::compile(u, testkit::conformance_dialect("postgresql"));
    ASSERT_EQ(c.keys.size(), 2u);
    EXPECT_EQ(c.keys[0], "name");
    EXPECT_EQ(c.keys[1], "crit");
}

TEST_F(UpdateCompile, Update10LaterValueWins) {
    // ports: test/sql/test_update.py::UpdateTest::test_update_10
    expect_sql(update(table1)
                   .where(table1.myid == 12)
                   .value(table1.name, table1.myid.cast<std::string>())
                   .value(table1.name, concat(table1.name, "foo"))
                   .value(table1.description, "test"),
               "UPDATE mytable SET name = mytable.name || ?, description = ? WHERE mytable.myid = ?");
}

TEST_F(UpdateCompile, Update11FunctionsAndLiterals) {
    // ports: test/sql/test_update.py::UpdateTest::test_update_11
    // ports: test/sql/test_update.py::UpdateTest::test_update_ordered_parameters_newstyle_1
    auto u = update(table1)
                 .where(table1.myid == func::call<std::int64_t>("hoho", 4) &&
                        table1.name == concat(concat(literal("foo"), table1.name), literal("lala")))
                 .value(table1.name, concat(table1.name, "lala"))
                 .value(table1.myid, func::call<std::int64_t>("do_stuff", table1.myid, literal("hoho")));
    expect_sql(u, "UPDATE mytable SET name = mytable.name || ?, myid = do_stuff(mytable.myid, ?) WHERE mytable.myid = "
                  "hoho(?) AND mytable.name = ? || mytable.name || ?");
}

TEST_F(UpdateCompile, UnconsumedNames) {
    // ports: test/sql/test_update.py::UpdateTest::test_unconsumed_names_kwargs
    // ports: test/sql/test_update.py::UpdateTest::test_unconsumed_names_values_dict
    // ports: test/sql/test_update.py::UpdateFromCompileTest::test_raise_if_totally_different_table
    // Retort refuses these when the statement is built (ArgumentError) rather than when it compiles.
    try {
        (void)update(table1).values({{"myid", 5}, {"z", 5}});
        ADD_FAILURE() << "a value for a column the table does not have";
    } catch (const ArgumentError& e) {
        EXPECT_NE(std::string(e.what()).find("'z'"), std::string::npos) << e.what();
    }
    EXPECT_THROW((void)update(table1).value(table2.othername, "fred"), ArgumentError);
    // A SET value from another table the WHERE clause does not name cannot be rendered.
    expect_compile_error([&] { (void)testkit::compiled_sql(update(table1).value(table1.name, table2.othername), "sqlite"); },
                         "myothertable");
}

TEST_F(UpdateCompile, WhereEmpty) {
    // ports: test/sql/test_update.py::UpdateTest::test_where_empty
    expect_sql(update(table1).value(table1.name, "x").where(and_(std::vector<Expr<bool>>{})), "UPDATE mytable SET name = ?");
    expect_sql(update(table1).value(table1.name, "x").where(or_(std::vector<Expr<bool>>{})), "UPDATE mytable SET name = ?");
}

TEST_F(UpdateCompile, BoundOrderingWithFromSubquery) {
    // ports: test/sql/test_update.py::UpdateTest::test_update_bound_ordering
    auto sel = select(table2).where(table2.otherid == 5).subquery("anon_1");
    auto upd = update(table1).where(table1.name == sel.c<std::string>("othername")).value(table1.name, "foo");
    expect_sql(upd, "UPDATE mytable SET name = ? FROM (SELECT myothertable.otherid, myothertable.othername FROM "
                    "myothertable WHERE myothertable.otherid = ?) AS anon_1 WHERE mytable.name = anon_1.othername");
    auto vals = testkit::positional(upd);
    ASSERT_EQ(vals.size(), 2u);
    EXPECT_EQ(vals[0].as<std::string>(), "foo");
    EXPECT_EQ(vals[1].as<std::int64_t>(), 5);
}

// ---------------------------------------------------------------- UpdateFromCompileTest

TEST_F(UpdateCompile, RenderTable) {
    // ports: test/sql/test_update.py::UpdateFromCompileTest::test_render_table
    expect_sql(update(users)
                   .value(users.name, "newname")
                   .where(users.id == addresses.user_id)
                   .where(addresses.email_address == "e1"),
               "UPDATE users SET name = ? FROM addresses WHERE users.id = addresses.user_id AND addresses.email_address "
               "= ?");
}

TEST_F(UpdateCompile, RenderMultiTable) {
    // ports: test/sql/test_update.py::UpdateFromCompileTest::test_render_multi_table
    expect_sql(update(users)
                   .value(users.name, "newname")
                   .where(users.id == addresses.user_id)
                   .where(addresses.email_address == "e1")
                   .where(addresses.id == dingalings.address_id)
                   .where(dingalings.id == 2),
               "UPDATE users SET name = ? FROM addresses, dingalings WHERE users.id = addresses.user_id AND "
               "addresses.email_address = ? AND addresses.id = dingalings.address_id AND dingalings.id = ?");
}

TEST_F(UpdateCompile, RenderSubquery) {
    // ports: test/sql/test_update.py::UpdateFromCompileTest::test_render_subquery
    auto subq = select(addresses.id, addresses.user_id, addresses.email_address).where(addresses.id == 7).subquery("anon_1");
    expect_sql(update(users)
                   .value(users.name, "newname")
                   .where(users.id == subq.c<std::int64_t>("user_id"))
                   .where(subq.c<std::string>("email_address") == "e1"),
               "UPDATE users SET name = ? FROM (SELECT addresses.id, addresses.user_id, addresses.email_address FROM "
               "addresses WHERE addresses.id = ?) AS anon_1 WHERE users.id = anon_1.user_id AND anon_1.email_address = ?");
}

TEST_F(UpdateCompile, CorrelationToExtra) {
    // ports: test/sql/test_update.py::UpdateFromCompileTest::test_correlation_to_extra
    // ports: test/sql/test_update.py::UpdateFromCompileTest::test_dont_correlate_to_extra
    // ports: test/sql/test_update.py::UpdateFromCompileTest::test_autocorrelate_error
    auto inner = select(literal_column("*")).where(addresses.user_id == users.id).where(addresses.email_address == "foo");
    auto base = update(users).value(users.name, "newname").where(users.id == addresses.user_id);
    expect_sql(base.where(!inner.correlate(addresses).exists()),
               "UPDATE users SET name = ? FROM addresses WHERE users.id = addresses.user_id AND NOT EXISTS (SELECT * FROM "
               "users WHERE addresses.user_id = users.id AND addresses.email_address = ?)");
    expect_sql(base.where(!inner.correlate().exists()),
               "UPDATE users SET name = ? FROM addresses WHERE users.id = addresses.user_id AND NOT EXISTS (SELECT * FROM "
               "addresses, users WHERE addresses.user_id = users.id AND addresses.email_address = ?)");
    EXPECT_THROW((void)testkit::compiled_sql(base.where(!inner.exists()), "sqlite"), InvalidRequestError);
}

// ---------------------------------------------------------------- UpdateFromRoundTripTest

TEST_F(UpdateRoundTrip, ExecTwoTable) {
    // ports: test/sql/test_update.py::UpdateFromRoundTripTest::test_exec_two_table
    auto conn = engine.connect();
    conn.execute(update(addresses)
                     .value(addresses.email_address, users.name)
                     .where(users.id == addresses.user_id)
                     .where(users.name == "ed"));
    conn.commit();
    std::vector<AddressRow> expected{{1, 7, "x", "jack@bean.com"}, {2, 8, "x", "ed"}, {3, 8, "x", "ed"}, {4, 8, "x", "ed"},
                                     {5, 9, "x", "fred@fred.com"}};
    EXPECT_EQ(address_rows(), expected);
}

TEST_F(UpdateRoundTrip, ExecTwoTablePlusAlias) {
    // ports: test/sql/test_update.py::UpdateFromRoundTripTest::test_exec_two_table_plus_alias
    auto a1 = alias(addresses, "addresses_1");
    auto conn = engine.connect();
    conn.execute(update(addresses)
                     .value(addresses.email_address, users.name)
                     .where(users.id == aliased(a1, addresses.user_id))
                     .where(users.name == "ed")
                     .where(aliased(a1, addresses.id) == addresses.id));
    conn.commit();
    std::vector<AddressRow> expected{{1, 7, "x", "jack@bean.com"}, {2, 8, "x", "ed"}, {3, 8, "x", "ed"}, {4, 8, "x", "ed"},
                                     {5, 9, "x", "fred@fred.com"}};
    EXPECT_EQ(address_rows(), expected);
}

TEST_F(UpdateRoundTrip, ExecThreeTable) {
    // ports: test/sql/test_update.py::UpdateFromRoundTripTest::test_exec_three_table
    auto conn = engine.connect();
    conn.execute(update(addresses)
                     .value(addresses.email_address, users.name)
                     .where(users.id == addresses.user_id)
                     .where(users.name == "ed")
                     .where(addresses.id == dingalings.address_id)
                     .where(dingalings.id == 1));
    conn.commit();
    std::vector<AddressRow> expected{{1, 7, "x", "jack@bean.com"}, {2, 8, "x", "ed"}, {3, 8, "x", "ed@bettyboop.com"},
                                     {4, 8, "x", "ed@lala.com"}, {5, 9, "x", "fred@fred.com"}};
    EXPECT_EQ(address_rows(), expected);
}

TEST_F(UpdateRoundTrip, CorrelatedSubqueryInSetIsPerRow) {
    // ports: test/sql/test_update.py::UpdateTest::test_correlated_update_three
    // The subquery in SET correlates to the row being updated: each user gets the largest of their own email
    // addresses, not one value for every row.
    auto conn = engine.connect();
    auto newest = select(func::max(addresses.email_address)).where(addresses.user_id == users.id).scalar_subquery<std::string>();
    auto r = conn.execute(update(users).value(users.name, func::coalesce(newest, users.name)));
    EXPECT_EQ(r.rowcount(), 4);
    conn.commit();
    std::vector<std::pair<std::int64_t, std::string>> expected{
        {7, "jack@bean.com"}, {8, "ed@wood.com"}, {9, "fred@fred.com"}, {10, "chuck"}};
    EXPECT_EQ(user_rows(), expected);
}

TEST_F(UpdateRoundTrip, SubqueryOverTheSameTableKeepsItsFrom) {
    // ports: test/sql/test_update.py::UpdateTest::test_correlated_update_four
    // A subquery over the updated table alone is not correlated: it reads the whole table.
    auto conn = engine.connect();
    auto top = select(func::max(addresses.id)).where(addresses.user_id == 8).scalar_subquery<std::int64_t>();
    auto r = conn.execute(update(addresses).value(addresses.name, "top").where(addresses.id == top));
    EXPECT_EQ(r.rowcount(), 1);
    conn.commit();
    auto rows = address_rows();
    ASSERT_EQ(rows.size(), 5u);
    EXPECT_EQ(std::get<2>(rows[3]), "top");  // id 4, the largest of ed's
    EXPECT_EQ(std::get<2>(rows[2]), "x");
}

TEST_F(UpdateRoundTrip, ParametersNameTheColumnsToSet) {
    // ports: test/sql/test_update.py::UpdateTest::test_update_1
    // ports: test/sql/test_update.py::UpdateTest::test_update_3
    // ports: test/sql/test_update.py::UpdateTest::test_update_7
    // ports: test/sql/test_update.py::UpdateTest::test_update_8
    // An UPDATE without values sets the columns the execution's parameters name (those that are not parameters
    // of the statement itself).
    auto conn = engine.connect();
    record();
    auto r = conn.execute(update(users).where(users.id == 7), {{"name", "fred"}});
    EXPECT_EQ(r.rowcount(), 1);
    auto stmt = update(users).where(users.id == bindparam<std::int64_t>("uid"));
    EXPECT_EQ(conn.execute(stmt, {{"uid", 8}, {"name", "ed2"}}).rowcount(), 1);
    auto sql = take();
    ASSERT_EQ(sql.size(), 2u);
    EXPECT_EQ(sql[0], "UPDATE users SET name = ? WHERE users.id = ?");
    EXPECT_EQ(sql[1], "UPDATE users SET name = ? WHERE users.id = ?");
    // executemany: the first parameter set names the columns.
    EXPECT_EQ(conn.execute(stmt, std::vector<Params>{{{"uid", 9}, {"name", "fred2"}}, {{"uid", 10}, {"name", "chuck2"}}})
                  .rowcount(),
              2);
    conn.commit();
    std::vector<std::pair<std::int64_t, std::string>> expected{{7, "fred"}, {8, "ed2"}, {9, "fred2"}, {10, "chuck2"}};
    EXPECT_EQ(user_rows(), expected);
    // A name that is neither a column nor a parameter of the statement.
    try {
        (void)conn.execute(update(users).where(users.id == 7), {{"name", "x"}, {"nosuch", 1}});
        ADD_FAILURE() << "an unknown name was ignored";
    } catch (const ArgumentError& e) {
        EXPECT_NE(std::string(e.what()).find("nosuch"), std::string::npos) << e.what();
    }
}
