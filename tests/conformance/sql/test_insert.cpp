// Ports of test/sql/test_insert.py: INSERT statements as compiled per dialect (values, parameters, RETURNING,
// INSERT ... SELECT, multi-row VALUES, client-side defaults) and the rows they write.
//
// Form: Retort names the columns given and no others (SQLAlchemy renders every column of the table as a
// parameter when no values are given; Retort's insert(t) takes the row from the execution's parameters instead,
// see GenericInsertTakesItsColumnsFromTheParameters). Retort refuses unknown column names when the statement is
// built (ArgumentError) where SQLAlchemy raises CompileError when it compiles.
#include "conformance/kit.hpp"
#include "conformance/sql/compile.hpp"

using namespace retort;
using testkit::expect_sql;

namespace conf_insert {

struct MyTable : TableDef {
    using TableDef::TableDef;
    Col<std::optional<std::int64_t>> myid = col<std::optional<std::int64_t>>("myid");
    Col<std::optional<std::string>> name = col<std::optional<std::string>>("name", {.type = types::String(30)});
    Col<std::optional<std::string>> description =
        col<std::optional<std::string>>("description", {.type = types::String(30)});
};
struct MyOtherTable : TableDef {
    using TableDef::TableDef;
    Col<std::int64_t> otherid = col<std::int64_t>("otherid", {.primary_key = true, .autoincrement = false});
    Col<std::optional<std::string>> othername = col<std::optional<std::string>>("othername", {.type = types::String(30)});
};
// table_w_defaults: x has a client default, y a server default, z a default computed per row.
struct WithDefaults : TableDef {
    using TableDef::TableDef;
    Col<std::int64_t> id = col<std::int64_t>("id", {.primary_key = true, .autoincrement = false});
    Col<std::optional<std::int64_t>> x = col<std::optional<std::int64_t>>("x", {.default_value = Value(10)});
    Col<std::optional<std::int64_t>> y = col<std::optional<std::int64_t>>("y", {.server_default = "5"});
    Col<std::optional<std::int64_t>> z =
        col<std::optional<std::int64_t>>("z", {.default_factory = [] { return Value(std::int64_t{10}); }});
};
// sometable(id primary key, foo with a client default 12).
struct SomeTable : TableDef {
    using TableDef::TableDef;
    Col<std::int64_t> id = col<std::int64_t>("id", {.primary_key = true, .autoincrement = false});
    Col<std::optional<std::int64_t>> foo = col<std::optional<std::int64_t>>("foo", {.default_value = Value(12)});
};
struct Foo : TableDef {
    using TableDef::TableDef;
    Col<std::optional<std::int64_t>> x = col<std::optional<std::int64_t>>("x");
    Col<std::optional<std::int64_t>> y = col<std::optional<std::int64_t>>("y");
};

class InsertCompile : public ::testing::Test {
protected:
    MetaData md;
    MyTable table1{md, "mytable"};
    MyOtherTable table2{md, "myothertable"};
    WithDefaults wd{md, "table_w_defaults"};
    SomeTable sometable{md, "sometable"};
};

class InsertRoundTrip : public testkit::Conformance {
protected:
    MyTable table1{md, "ins_mytable"};
    WithDefaults wd{md, "ins_table_w_defaults"};
    SomeTable sometable{md, "ins_sometable"};
    void SetUp() override {
        Conformance::SetUp();
        md.drop_all(engine);
        md.create_all(engine);
    }
};

std::vector<std::int64_t> ints(const std::vector<Value>& v) {
    std::vector<std::int64_t> out;
    for (const auto& x : v) out.push_back(x.is_null() ? -1 : x.as<std::int64_t>());
    return out;
}

}  // namespace conf_insert

using namespace conf_insert;

// ---------------------------------------------------------------- InsertTest

TEST_F(InsertCompile, InsertWithValuesDict) {
    // ports: test/sql/test_insert.py::InsertTest::test_insert_with_values_dict
    auto s = insert(table1).values({{"myid", 3}, {"name", "jack"}});
    expect_sql(s, "INSERT INTO mytable (myid, name) VALUES (?, ?)");
    auto c = testkit::compile(s, testkit::conformance_dialect("sqlite"));
    EXPECT_EQ(c.keys, (std::vector<std::string>{"myid", "name"}));
    auto vals = testkit::positional(s);
    ASSERT_EQ(vals.size(), 2u);
    EXPECT_EQ(vals[0].as<std::int64_t>(), 3);
    EXPECT_EQ(vals[1].as<std::string>(), "jack");
}

TEST_F(InsertCompile, UnconsumedNames) {
    // ports: test/sql/test_insert.py::InsertTest::test_unconsumed_names_kwargs
    // ports: test/sql/test_insert.py::InsertTest::test_unconsumed_names_values_dict
    // ports: test/sql/test_insert.py::InsertTest::test_unconsumed_names_multi_values_dict
    try {
        (void)insert(table1).values({{"myid", 3}, {"name", "jack"}, {"unknowncol", "oops"}});
        ADD_FAILURE() << "a value for a column the table does not have";
    } catch (const ArgumentError& e) {
        EXPECT_NE(std::string(e.what()).find("unknowncol"), std::string::npos) << e.what();
    }
    EXPECT_THROW((void)insert(table1).multi_values({{{"myid", 3}, {"name", "jack"}, {"unknowncol", "oops"}},
                                                    {{"myid", 4}, {"name", "someone"}, {"unknowncol", "oops"}}}),
                 ArgumentError);
}

TEST_F(InsertCompile, InsertWithValuesFunc) {
    // ports: test/sql/test_insert.py::InsertTest::test_insert_with_values_func
    expect_sql(insert(table1).value(table1.myid, func::call<std::int64_t>("lala")), "INSERT INTO mytable (myid) VALUES (lala())");
}

TEST_F(InsertCompile, UserSuppliedBindParams) {
    // ports: test/sql/test_insert.py::InsertTest::test_insert_with_user_supplied_bind_params
    // ports: test/sql/test_insert.py::InsertTest::test_insert_values_multiple
    auto s = insert(table1).value(table1.myid, bindparam<std::int64_t>("userid")).value(table1.name, bindparam<std::string>("username"));
    expect_sql(s, "INSERT INTO mytable (myid, name) VALUES (?, ?)");
    auto c = testkit::compile(s, testkit::conformance_dialect("postgresql"));
    EXPECT_EQ(c.keys, (std::vector<std::string>{"userid", "username"}));
}

TEST_F(InsertCompile, BindsThatMatchColumns) {
    // ports: test/sql/test_insert.py::InsertTest::test_binds_that_match_columns
    // ports: test/sql/test_insert.py::InsertTest::test_bindparam_name_no_consume_error
    Foo t{md, "foo"};
    expect_sql(insert(t).value(t.x, 3 + bindparam<std::int64_t>("x")), "INSERT INTO foo (x) VALUES (? + ?)",
               "INSERT INTO foo (x) VALUES (CAST(? AS BIGINT) + CAST(? AS BIGINT))");
    expect_sql(insert(t).value(t.x, bindparam<std::int64_t>("y")), "INSERT INTO foo (x) VALUES (?)");
    // y's own value takes the name y, which the parameter given for x has already.
    EXPECT_THROW((void)testkit::compiled_sql(insert(t).value(t.x, bindparam<std::int64_t>("y")).value(t.y, 5), "sqlite"),
                 CompileError);
    EXPECT_THROW((void)testkit::compiled_sql(insert(t).value(t.x, 3 + bindparam<std::int64_t>("y")).value(t.y, 5), "sqlite"),
                 CompileError);
    expect_sql(insert(t).value(t.x, 3 + bindparam<std::int64_t>("x2")), "INSERT INTO foo (x) VALUES (? + ?)",
               "INSERT INTO foo (x) VALUES (CAST(? AS BIGINT) + CAST(? AS BIGINT))");
}

TEST_F(InsertCompile, InsertReturning) {
    // ports: test/sql/test_insert.py::InsertTest::test_insert_returning_not_in_default
    expect_sql(insert(table1).values({{"name", "x"}}).returning(table1.myid),
               "INSERT INTO mytable (name) VALUES (?) RETURNING mytable.myid");
}

TEST_F(InsertCompile, InsertFromSelectSelect) {
    // ports: test/sql/test_insert.py::InsertTest::test_insert_from_select_select
    // ports: test/sql/test_insert.py::InsertTest::test_insert_from_select_col_values
    auto sel = select(table1.myid, table1.name).where(table1.name == "foo");
    expect_sql(insert(table2).from_select({"otherid", "othername"}, sel),
               "INSERT INTO myothertable (otherid, othername) SELECT mytable.myid, mytable.name FROM mytable WHERE "
               "mytable.name = ?");
}

TEST_F(InsertCompile, InsertFromSelectReturning) {
    // ports: test/sql/test_insert.py::InsertTest::test_insert_from_select_returning
    auto sel = select(table1.myid, table1.name).where(table1.name == "foo");
    expect_sql(insert(table2).from_select({"otherid", "othername"}, sel).returning(table2.otherid),
               "INSERT INTO myothertable (otherid, othername) SELECT mytable.myid, mytable.name FROM mytable WHERE "
               "mytable.name = ? RETURNING myothertable.otherid");
}

TEST_F(InsertCompile, InsertFromSelectNoDefaults) {
    // ports: test/sql/test_insert.py::InsertTest::test_insert_from_select_no_defaults
    auto sel = select(table1.myid).where(table1.name == "foo");
    expect_sql(insert(sometable).from_select({"id"}, sel, /*include_defaults=*/false),
               "INSERT INTO sometable (id) SELECT mytable.myid FROM mytable WHERE mytable.name = ?");
}

TEST_F(InsertCompile, InsertFromSelectWithPythonDefaults) {
    // ports: test/sql/test_insert.py::InsertTest::test_insert_from_select_with_python_defaults
    // ports: test/sql/test_insert.py::InsertTest::test_insert_from_select_fn_defaults
    auto sel = select(table1.myid).where(table1.name == "foo");
    auto ins = insert(sometable).from_select({"id"}, sel);
    expect_sql(ins, "INSERT INTO sometable (id, foo) SELECT mytable.myid, ? FROM mytable WHERE mytable.name = ?",
               "INSERT INTO sometable (id, foo) SELECT mytable.myid, CAST(? AS BIGINT) FROM mytable WHERE mytable.name = ?");
    auto c = testkit::compile(ins, testkit::conformance_dialect("sqlite"));
    EXPECT_EQ(c.keys, (std::vector<std::string>{"foo", ""}));  // foo: the default, filled in at execution
}

TEST_F(InsertCompile, InsertFromSelectOverrideDefaults) {
    // ports: test/sql/test_insert.py::InsertTest::test_insert_from_select_override_defaults
    auto sel = select(table1.myid, table1.myid.label("q")).where(table1.name == "foo");
    expect_sql(insert(sometable).from_select({"id", "foo"}, sel),
               "INSERT INTO sometable (id, foo) SELECT mytable.myid, mytable.myid AS q FROM mytable WHERE mytable.name = ?");
}

TEST_F(InsertCompile, InsertFromSelectDontMutateRawColumns) {
    // ports: test/sql/test_insert.py::InsertTest::test_insert_from_select_dont_mutate_raw_columns
    auto stmt = select(table1.myid);
    auto ins = insert(sometable).from_select({"id"}, stmt);
    expect_sql(stmt, "SELECT mytable.myid FROM mytable");
    expect_sql(ins, "INSERT INTO sometable (id, foo) SELECT mytable.myid, ? FROM mytable",
               "INSERT INTO sometable (id, foo) SELECT mytable.myid, CAST(? AS BIGINT) FROM mytable");
    expect_sql(stmt, "SELECT mytable.myid FROM mytable");
}

TEST_F(InsertCompile, MixSelectAndValues) {
    // ports: test/sql/test_insert.py::InsertTest::test_insert_mix_select_values_exception
    // ports: test/sql/test_insert.py::InsertTest::test_insert_mix_values_select_exception
    auto sel = select(table1.myid, table1.name).where(table1.name == "foo");
    auto ins = insert(table2).from_select({"otherid", "othername"}, sel);
    EXPECT_THROW((void)ins.values({{"othername", "5"}}), InvalidRequestError);
    EXPECT_THROW((void)insert(table2).values({{"othername", "5"}}).from_select({"otherid", "othername"}, sel),
                 InvalidRequestError);
}

// ---------------------------------------------------------------- MultirowTest

TEST_F(InsertCompile, MultirowNamedAndPositional) {
    // ports: test/sql/test_insert.py::MultirowTest::test_named
    // ports: test/sql/test_insert.py::MultirowTest::test_positional
    // ports: test/sql/test_insert.py::MultirowTest::test_named_with_column_objects
    auto s = insert(table1).multi_values({{{"myid", 1}, {"name", "a"}, {"description", "b"}},
                                          {{"myid", 2}, {"name", "c"}, {"description", "d"}},
                                          {{"myid", 3}, {"name", "e"}, {"description", "f"}}});
    expect_sql(s, "INSERT INTO mytable (myid, name, description) VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?)");
    auto vals = testkit::positional(s);
    ASSERT_EQ(vals.size(), 9u);
    EXPECT_EQ(vals[0].as<std::int64_t>(), 1);
    EXPECT_EQ(vals[1].as<std::string>(), "a");
    EXPECT_EQ(vals[5].as<std::string>(), "d");
    EXPECT_EQ(vals[6].as<std::int64_t>(), 3);
    EXPECT_EQ(vals[8].as<std::string>(), "f");
}

TEST_F(InsertCompile, MultirowPositionalWithDefaults) {
    // ports: test/sql/test_insert.py::MultirowTest::test_positional_w_defaults
    auto s = insert(wd).multi_values({{{"id", 1}}, {{"id", 2}}, {{"id", 3}}});
    // Every row gets the client-side defaults (x, z); y's is the server's.
    expect_sql(s, "INSERT INTO table_w_defaults (id, x, z) VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?)");
}

TEST_F(InsertCompile, MixSingleAndMulti) {
    // ports: test/sql/test_insert.py::MultirowTest::test_mix_single_and_multi_single_first
    // ports: test/sql/test_insert.py::MultirowTest::test_mix_single_and_multi_multi_first
    EXPECT_THROW((void)insert(table1).values({{"myid", 1}, {"name", "d1"}}).multi_values(
                     {{{"myid", 2}, {"name", "d2"}}, {{"myid", 3}, {"name", "d3"}}}),
                 InvalidRequestError);
    EXPECT_THROW((void)insert(table1)
                     .multi_values({{{"myid", 2}, {"name", "d2"}}, {{"myid", 3}, {"name", "d3"}}})
                     .values({{"myid", 1}, {"name", "d1"}}),
                 InvalidRequestError);
}

TEST_F(InsertCompile, MultiMulti) {
    // ports: test/sql/test_insert.py::MultirowTest::test_multi_multi
    auto s = insert(table1)
                 .multi_values({{{"myid", 1}, {"name", "d1"}}})
                 .multi_values({{{"myid", 2}, {"name", "d2"}}, {{"myid", 3}, {"name", "d3"}}});
    expect_sql(s, "INSERT INTO mytable (myid, name) VALUES (?, ?), (?, ?), (?, ?)");
    auto vals = testkit::positional(s);
    ASSERT_EQ(vals.size(), 6u);
    EXPECT_EQ(vals[2].as<std::int64_t>(), 2);
    EXPECT_EQ(vals[5].as<std::string>(), "d3");
}

// ---------------------------------------------------------------- EmptyTest

TEST_F(InsertCompile, EmptyInsert) {
    // ports: test/sql/test_insert.py::EmptyTest::test_supports_empty_insert_true
    // ports: test/sql/test_insert.py::EmptyTest::test_insert_with_empty_collection_values
    auto ins = insert(table1).values({});
    expect_sql(ins, "INSERT INTO mytable DEFAULT VALUES");
    expect_sql(ins.values({{"myid", 3}}), "INSERT INTO mytable (myid) VALUES (?)");
}

// ---------------------------------------------------------------- round trips

TEST_F(InsertRoundTrip, MultirowWithDefaultsWritesThem) {
    // ports: test/sql/test_insert.py::MultirowTest::test_python_scalar_default
    // ports: test/sql/test_insert.py::MultirowTest::test_python_fn_default
    // ports: test/sql/test_insert.py::MultirowTest::test_server_default
    auto conn = engine.connect();
    conn.execute(insert(wd).multi_values({{{"id", 1}}, {{"id", 2}}, {{"id", 3}}}));
    conn.commit();
    std::vector<std::vector<std::int64_t>> got;
    for (RowView r : conn.execute(select(wd).order_by(wd.id)))
        got.push_back({r.get<std::int64_t>(0), r.get<std::int64_t>(1), r.get<std::int64_t>(2), r.get<std::int64_t>(3)});
    // Every row gets the client-side defaults (x, z; they were NULL beyond the first row) and the server's (y).
    std::vector<std::vector<std::int64_t>> expected{{1, 10, 5, 10}, {2, 10, 5, 10}, {3, 10, 5, 10}};
    EXPECT_EQ(got, expected);
}

TEST_F(InsertRoundTrip, InsertFromSelectGetsPythonDefaults) {
    // ports: test/sql/test_insert.py::InsertTest::test_insert_from_select_with_python_defaults
    // The rows INSERT ... SELECT writes get the client-side default of the columns it leaves out (they were NULL).
    auto conn = engine.connect();
    conn.execute(insert(table1).multi_values({{{"myid", 1}, {"name", "foo"}}, {{"myid", 2}, {"name", "foo"}},
                                              {{"myid", 3}, {"name", "bar"}}}));
    conn.execute(insert(sometable).from_select({"id"}, select(table1.myid).where(table1.name == "foo")));
    conn.execute(insert(sometable).from_select({"id"}, select(table1.myid).where(table1.name == "bar"), false));
    conn.commit();
    std::vector<Value> foos;
    for (RowView r : conn.execute(select(sometable.foo).order_by(sometable.id))) foos.push_back(r.get<Value>(0));
    EXPECT_EQ(ints(foos), (std::vector<std::int64_t>{12, 12, -1}));
}

TEST_F(InsertRoundTrip, GenericInsertTakesItsColumnsFromTheParameters) {
    // ports: test/sql/test_insert.py::InsertTest::test_generic_insert_bind_params_all_columns
    auto conn = engine.connect();
    conn.execute(insert(table1), {{"myid", 5}, {"name", "jack"}, {"description", "d"}});
    conn.execute(insert(table1), std::vector<Params>{{{"myid", 6}, {"name", "ed"}}, {{"myid", 7}, {"name", "wendy"}}});
    conn.commit();
    EXPECT_EQ(conn.execute(select(table1.name).order_by(table1.myid)).scalars<std::string>(),
              (std::vector<std::string>{"jack", "ed", "wendy"}));
}
