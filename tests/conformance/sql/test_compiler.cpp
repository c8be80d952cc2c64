// Ports of test/sql/test_compiler.py: the SQL a statement compiles to, per dialect (SQLAlchemy's assert_compile).
// Retort renders a few things differently where the difference is only in form, and the expectations below say
// Retort's form: columns of a subquery are not relabelled (`t.a`, where SQLAlchemy writes `t.a AS a`), unlabelled
// expressions in the columns clause get no `AS anon_1`, repeated column names are not deduplicated with `_1`
// suffixes, subqueries are named by the caller (SQLAlchemy's anonymous `anon_1` is written out here), and
// NOT EXISTS is `NOT EXISTS (...)` where SQLAlchemy writes `NOT (EXISTS (...))`.
#include "conformance/kit.hpp"
#include "conformance/sql/compile.hpp"

using namespace retort;
using testkit::expect_sql;

namespace conf_compiler {

// SQLAlchemy's table1 / table2 / table3 fixtures.
struct MyTable : TableDef {
    using TableDef::TableDef;
    Col<std::int64_t> myid = col<std::int64_t>("myid");
    Col<std::string> name = col<std::string>("name", {.type = types::String(30)});
    Col<std::string> description = col<std::string>("description", {.type = types::String(30)});
};
struct MyOtherTable : TableDef {
    using TableDef::TableDef;
    Col<std::int64_t> otherid = col<std::int64_t>("otherid");
    Col<std::string> othername = col<std::string>("othername", {.type = types::String(30)});
};
struct ThirdTable : TableDef {
    using TableDef::TableDef;
    Col<std::int64_t> userid = col<std::int64_t>("userid");
    Col<std::string> otherstuff = col<std::string>("otherstuff", {.type = types::String(30)});
};
// CorrelateTest's t1(a), t2(a).
struct TA : TableDef {
    using TableDef::TableDef;
    Col<std::int64_t> a = col<std::int64_t>("a");
};
struct TAB : TableDef {
    using TableDef::TableDef;
    Col<std::int64_t> a = col<std::int64_t>("a");
    Col<std::int64_t> b = col<std::int64_t>("b");
};

class Compiler : public ::testing::Test {
protected:
    MetaData md;
    MyTable table1{md, "mytable"};
    MyOtherTable table2{md, "myothertable"};
    ThirdTable table3{md, "thirdtable"};
};

class Correlate : public Compiler {
protected:
    TA t1{md, "t1"};
    TA t2{md, "t2"};
    // select(t1).where(t1.c.a == t2.c.a)
    Select s1() const { return select(t1).where(t1.a == t2.a); }

    void where_correlated(const Select& s) { expect_sql(s, "SELECT t2.a FROM t2 WHERE t2.a = (SELECT t1.a FROM t1 WHERE t1.a = t2.a)"); }
    void where_all_correlated(const Select& s) {
        expect_sql(s, "SELECT t1.a, t2.a FROM t1, t2 WHERE t2.a = (SELECT t1.a WHERE t1.a = t2.a)");
    }
    void column_correlated(const Select& s) { expect_sql(s, "SELECT t2.a, (SELECT t1.a FROM t1 WHERE t1.a = t2.a) FROM t2"); }
    void column_all_correlated(const Select& s) {
        expect_sql(s, "SELECT t1.a, t2.a, (SELECT t1.a WHERE t1.a = t2.a) FROM t1, t2");
    }
    void having_correlated(const Select& s) {
        expect_sql(s, "SELECT t2.a FROM t2 HAVING t2.a = (SELECT t1.a FROM t1 WHERE t1.a = t2.a)");
    }
    void from_uncorrelated(const Select& s) {
        expect_sql(s, "SELECT t2.a, anon_1.a FROM t2, (SELECT t1.a FROM t1, t2 WHERE t1.a = t2.a) AS anon_1");
    }
    void from_all_uncorrelated(const Select& s) {
        expect_sql(s, "SELECT t1.a, t2.a, anon_1.a FROM t1, t2, (SELECT t1.a FROM t1, t2 WHERE t1.a = t2.a) AS anon_1");
    }
    void where_uncorrelated(const Select& s) {
        expect_sql(s, "SELECT t2.a FROM t2 WHERE t2.a = (SELECT t1.a FROM t1, t2 WHERE t1.a = t2.a)");
    }
    void column_uncorrelated(const Select& s) {
        expect_sql(s, "SELECT t2.a, (SELECT t1.a FROM t1, t2 WHERE t1.a = t2.a) FROM t2");
    }
    void having_uncorrelated(const Select& s) {
        expect_sql(s, "SELECT t2.a FROM t2 HAVING t2.a = (SELECT t1.a FROM t1, t2 WHERE t1.a = t2.a)");
    }
    void where_single_full_correlated(const Select& s) { expect_sql(s, "SELECT t1.a FROM t1 WHERE t1.a = (SELECT t1.a)"); }
    // select(t2, <subquery>.c.a)
    Select with_from(const Select& sub) const { return select(t2.a, sub.subquery("anon_1").c<std::int64_t>("a")); }
};

}  // namespace conf_compiler

using namespace conf_compiler;

// ---------------------------------------------------------------- CorrelateTest

TEST_F(Correlate, DontOvercorrelate) {
    // ports: test/sql/test_compiler.py::CorrelateTest::test_dont_overcorrelate
    expect_sql(select(table1).select_from(table1).select_from(select(table1).subquery("anon_1")),
               "SELECT mytable.myid, mytable.name, mytable.description FROM mytable, "
               "(SELECT mytable.myid, mytable.name, mytable.description FROM mytable) AS anon_1");
}

TEST_F(Correlate, SemiautoWhere) {
    // ports: test/sql/test_compiler.py::CorrelateTest::test_correlate_semiauto_where
    where_correlated(select(t2).where(t2.a == s1().correlate(t2).scalar_subquery<std::int64_t>()));
}

TEST_F(Correlate, SemiautoColumn) {
    // ports: test/sql/test_compiler.py::CorrelateTest::test_correlate_semiauto_column
    // ports: test/sql/test_compiler.py::CorrelateTest::test_correlate_semiauto_column_correlate_from_subq
    column_correlated(select(t2, s1().correlate(t2).scalar_subquery<std::int64_t>()));
}

TEST_F(Correlate, SemiautoFrom) {
    // ports: test/sql/test_compiler.py::CorrelateTest::test_correlate_semiauto_from
    from_uncorrelated(with_from(s1().correlate(t2)));
}

TEST_F(Correlate, SemiautoHaving) {
    // ports: test/sql/test_compiler.py::CorrelateTest::test_correlate_semiauto_having
    // ports: test/sql/test_compiler.py::CorrelateTest::test_correlate_semiauto_having_from_subq
    having_correlated(select(t2).having(t2.a == s1().correlate(t2).scalar_subquery<std::int64_t>()));
}

TEST_F(Correlate, ExceptInclusionWhere) {
    // ports: test/sql/test_compiler.py::CorrelateTest::test_correlate_except_inclusion_where
    where_correlated(select(t2).where(t2.a == s1().correlate_except(t1).scalar_subquery<std::int64_t>()));
}

TEST_F(Correlate, ExceptExclusionWhere) {
    // ports: test/sql/test_compiler.py::CorrelateTest::test_correlate_except_exclusion_where
    where_uncorrelated(select(t2).where(t2.a == s1().correlate_except(t2).scalar_subquery<std::int64_t>()));
}

TEST_F(Correlate, ExceptInclusionColumn) {
    // ports: test/sql/test_compiler.py::CorrelateTest::test_correlate_except_inclusion_column
    column_correlated(select(t2, s1().correlate_except(t1).scalar_subquery<std::int64_t>()));
}

TEST_F(Correlate, ExceptExclusionColumn) {
    // ports: test/sql/test_compiler.py::CorrelateTest::test_correlate_except_exclusion_column
    column_uncorrelated(select(t2, s1().correlate_except(t2).scalar_subquery<std::int64_t>()));
}

TEST_F(Correlate, ExceptInFromIsUncorrelated) {
    // ports: test/sql/test_compiler.py::CorrelateTest::test_correlate_except_inclusion_from
    // ports: test/sql/test_compiler.py::CorrelateTest::test_correlate_except_exclusion_from
    from_uncorrelated(with_from(s1().correlate_except(t1)));
    from_uncorrelated(with_from(s1().correlate_except(t2)));
}

TEST_F(Correlate, ExceptNothingCorrelatesAll) {
    // ports: test/sql/test_compiler.py::CorrelateTest::test_correlate_except_none
    // ports: test/sql/test_compiler.py::CorrelateTest::test_correlate_except_empty
    where_all_correlated(select(t1, t2).where(t2.a == s1().correlate_except().scalar_subquery<std::int64_t>()));
}

TEST_F(Correlate, ExceptHaving) {
    // ports: test/sql/test_compiler.py::CorrelateTest::test_correlate_except_having
    having_correlated(select(t2).having(t2.a == s1().correlate_except(t1).scalar_subquery<std::int64_t>()));
}

TEST_F(Correlate, AutoWhere) {
    // ports: test/sql/test_compiler.py::CorrelateTest::test_correlate_auto_where
    where_correlated(select(t2).where(t2.a == s1().scalar_subquery<std::int64_t>()));
}

TEST_F(Correlate, AutoColumn) {
    // ports: test/sql/test_compiler.py::CorrelateTest::test_correlate_auto_column
    column_correlated(select(t2, s1().scalar_subquery<std::int64_t>()));
}

TEST_F(Correlate, AutoFrom) {
    // ports: test/sql/test_compiler.py::CorrelateTest::test_correlate_auto_from
    from_uncorrelated(with_from(s1()));
}

TEST_F(Correlate, AutoHaving) {
    // ports: test/sql/test_compiler.py::CorrelateTest::test_correlate_auto_having
    having_correlated(select(t2).having(t2.a == s1().scalar_subquery<std::int64_t>()));
}

TEST_F(Correlate, DisabledWhere) {
    // ports: test/sql/test_compiler.py::CorrelateTest::test_correlate_disabled_where
    where_uncorrelated(select(t2).where(t2.a == s1().correlate().scalar_subquery<std::int64_t>()));
}

TEST_F(Correlate, DisabledColumn) {
    // ports: test/sql/test_compiler.py::CorrelateTest::test_correlate_disabled_column
    column_uncorrelated(select(t2, s1().correlate().scalar_subquery<std::int64_t>()));
}

TEST_F(Correlate, DisabledFrom) {
    // ports: test/sql/test_compiler.py::CorrelateTest::test_correlate_disabled_from
    from_uncorrelated(with_from(s1().correlate()));
}

TEST_F(Correlate, DisabledHaving) {
    // ports: test/sql/test_compiler.py::CorrelateTest::test_correlate_disabled_having
    having_uncorrelated(select(t2).having(t2.a == s1().correlate().scalar_subquery<std::int64_t>()));
}

TEST_F(Correlate, AllWhere) {
    // ports: test/sql/test_compiler.py::CorrelateTest::test_correlate_all_where
    where_all_correlated(select(t1, t2).where(t2.a == s1().correlate(t1, t2).scalar_subquery<std::int64_t>()));
}

TEST_F(Correlate, AllColumn) {
    // ports: test/sql/test_compiler.py::CorrelateTest::test_correlate_all_column
    column_all_correlated(select(t1, t2, s1().correlate(t1, t2).scalar_subquery<std::int64_t>()));
}

TEST_F(Correlate, AllFrom) {
    // ports: test/sql/test_compiler.py::CorrelateTest::test_correlate_all_from
    from_all_uncorrelated(select(t1, t2, s1().correlate(t1, t2).subquery("anon_1").c<std::int64_t>("a")));
}

TEST_F(Correlate, WhereAllUnintentionalIsAnError) {
    // ports: test/sql/test_compiler.py::CorrelateTest::test_correlate_where_all_unintentional
    auto s = select(t1, t2).where(t2.a == s1().scalar_subquery<std::int64_t>());
    for (const char* d : testkit::kDialects) {
        try {
            (void)testkit::compiled_sql(s, d);
            ADD_FAILURE() << "compiled on " << d;
        } catch (const InvalidRequestError& e) {
            EXPECT_NE(std::string(e.what()).find("returned no FROM clauses due to auto-correlation"), std::string::npos)
                << e.what();
        }
    }
}

TEST_F(Correlate, FromAllOk) {
    // ports: test/sql/test_compiler.py::CorrelateTest::test_correlate_from_all_ok
    from_all_uncorrelated(select(t1, t2, s1().subquery("anon_1").c<std::int64_t>("a")));
}

TEST_F(Correlate, AutoWhereSingleFrom) {
    // ports: test/sql/test_compiler.py::CorrelateTest::test_correlate_auto_where_singlefrom
    auto s = select(t1.a);
    expect_sql(select(t1).where(t1.a == s.scalar_subquery<std::int64_t>()),
               "SELECT t1.a FROM t1 WHERE t1.a = (SELECT t1.a FROM t1)");
}

TEST_F(Correlate, SemiautoWhereSingleFrom) {
    // ports: test/sql/test_compiler.py::CorrelateTest::test_correlate_semiauto_where_singlefrom
    where_single_full_correlated(select(t1).where(t1.a == select(t1.a).correlate(t1).scalar_subquery<std::int64_t>()));
}

TEST_F(Correlate, ExceptSemiautoWhereSingleFrom) {
    // ports: test/sql/test_compiler.py::CorrelateTest::test_correlate_except_semiauto_where_singlefrom
    where_single_full_correlated(
        select(t1).where(t1.a == select(t1.a).correlate_except(t2).scalar_subquery<std::int64_t>()));
}

TEST_F(Correlate, AloneHasNoEffect) {
    // ports: test/sql/test_compiler.py::CorrelateTest::test_correlate_alone_noeffect
    expect_sql(s1().correlate(t1, t2), "SELECT t1.a FROM t1, t2 WHERE t1.a = t2.a");
}

TEST_F(Correlate, ExceptReachesThroughASubqueryInFrom) {
    // ports: test/sql/test_compiler.py::CorrelateTest::test_correlate_except_froms
    TAB tt2{md, "t2b"};
    auto s = select(tt2.b).where(t1.a == tt2.a).correlate_except(tt2).subquery("s");
    auto s2 = select(func::call<std::int64_t>("foo", s.c<std::int64_t>("b"))).scalar_subquery<std::int64_t>();
    expect_sql(select(t1).order_by(s2),
               "SELECT t1.a FROM t1 ORDER BY (SELECT foo(s.b) FROM (SELECT t2b.b FROM t2b WHERE t1.a = t2b.a) AS s)");
}

TEST_F(Correlate, MultilevelFromsCorrelation) {
    // ports: test/sql/test_compiler.py::CorrelateTest::test_multilevel_froms_correlation
    struct Parent : TableDef {
        using TableDef::TableDef;
        Col<std::int64_t> id = col<std::int64_t>("id");
    } p{md, "parent"};
    struct Child : TableDef {
        using TableDef::TableDef;
        Col<std::int64_t> id = col<std::int64_t>("id");
        Col<std::int64_t> parent_id = col<std::int64_t>("parent_id");
        Col<std::int64_t> pos = col<std::int64_t>("pos");
    } c{md, "child"};
    auto s = select(c).where(c.parent_id == p.id).order_by(c.pos).limit(1).correlate(p).subquery("anon_1");
    auto e = select(literal_column("*")).select_from(s).where(s.c<std::int64_t>("id") == 1).exists();
    expect_sql(select(p).where(e),
               "SELECT parent.id FROM parent WHERE EXISTS (SELECT * FROM (SELECT child.id, child.parent_id, child.pos "
               "FROM child WHERE child.parent_id = parent.id ORDER BY child.pos LIMIT ?) AS anon_1 WHERE anon_1.id = ?)");
}

TEST_F(Correlate, NoContextlessCorrelateExcept) {
    // ports: test/sql/test_compiler.py::CorrelateTest::test_no_contextless_correlate_except
    TA x1{md, "x1"}, x2{md, "x2"}, x3{md, "x3"};
    expect_sql(select(x1).where(x1.a == x2.a).where(x2.a == x3.a).correlate_except(x1),
               "SELECT x1.a FROM x1, x2, x3 WHERE x1.a = x2.a AND x2.a = x3.a");
}

TEST_F(Correlate, MultilevelImplicitCorrelationDisabled) {
    // ports: test/sql/test_compiler.py::CorrelateTest::test_multilevel_implicit_correlation_disabled
    TA x1{md, "x1"}, x2{md, "x2"}, x3{md, "x3"};
    auto s = select(x1.a).where(x1.a == x2.a);
    auto s2 = select(x3.a).where(x3.a == s.scalar_subquery<std::int64_t>());
    auto s3 = select(x1).where(x1.a == s2.scalar_subquery<std::int64_t>());
    expect_sql(s3, "SELECT x1.a FROM x1 WHERE x1.a = (SELECT x3.a FROM x3 WHERE x3.a = (SELECT x1.a FROM x1, x2 WHERE "
                   "x1.a = x2.a))");
}

TEST_F(Correlate, FromImplicitCorrelationDisabled) {
    // ports: test/sql/test_compiler.py::CorrelateTest::test_from_implicit_correlation_disabled
    TA x1{md, "x1"}, x2{md, "x2"};
    auto s = select(x1.a).where(x1.a == x2.a).subquery("anon_2");
    auto s2 = select(x2.a, s.c<std::int64_t>("a")).subquery("anon_1");
    expect_sql(select(x1.a, s2.c<std::int64_t>("a")),
               "SELECT x1.a, anon_1.a FROM x1, (SELECT x2.a, anon_2.a FROM x2, (SELECT x1.a FROM x1, x2 WHERE x1.a = "
               "x2.a) AS anon_2) AS anon_1");
}

// ---------------------------------------------------------------- SelectTest

TEST_F(Compiler, Joins) {
    // ports: test/sql/test_compiler.py::SelectTest::test_joins
    expect_sql(select(table1).select_from(join(table1, table2, table1.myid == table2.otherid)),
               "SELECT mytable.myid, mytable.name, mytable.description FROM mytable JOIN myothertable ON "
               "mytable.myid = myothertable.otherid");
    expect_sql(select(table1, table2, table3)
                   .select_from(join(join(table1, table2, table1.myid == table2.otherid), table3,
                                     table1.myid == table3.userid)),
               "SELECT mytable.myid, mytable.name, mytable.description, myothertable.otherid, myothertable.othername, "
               "thirdtable.userid, thirdtable.otherstuff FROM mytable JOIN myothertable ON mytable.myid = "
               "myothertable.otherid JOIN thirdtable ON mytable.myid = thirdtable.userid");
    expect_sql(select(table1, table2, table3)
                   .select_from(outerjoin(join(table1, table2, table1.myid == table2.otherid), table3,
                                          table1.myid == table3.userid)),
               "SELECT mytable.myid, mytable.name, mytable.description, myothertable.otherid, myothertable.othername, "
               "thirdtable.userid, thirdtable.otherstuff FROM mytable JOIN myothertable ON mytable.myid = "
               "myothertable.otherid LEFT OUTER JOIN thirdtable ON mytable.myid = thirdtable.userid");
    // A join on the right of a join is grouped.
    expect_sql(select(table1, table2, table3)
                   .select_from(outerjoin(table1, join(table2, table3, table2.otherid == table3.userid),
                                          table1.myid == table2.otherid)),
               "SELECT mytable.myid, mytable.name, mytable.description, myothertable.otherid, myothertable.othername, "
               "thirdtable.userid, thirdtable.otherstuff FROM mytable LEFT OUTER JOIN (myothertable JOIN thirdtable ON "
               "myothertable.otherid = thirdtable.userid) ON mytable.myid = myothertable.otherid");
    expect_sql(select(table1, table2)
                   .where(or_(table1.name == "fred", table1.myid == 10, table2.othername != "jack",
                              text("EXISTS (select yay from foo where boo = lar)").as_expr<bool>()))
                   .select_from(outerjoin(table1, table2, table1.myid == table2.otherid)),
               "SELECT mytable.myid, mytable.name, mytable.description, myothertable.otherid, myothertable.othername "
               "FROM mytable LEFT OUTER JOIN myothertable ON mytable.myid = myothertable.otherid WHERE mytable.name = ? "
               "OR mytable.myid = ? OR myothertable.othername != ? OR EXISTS (select yay from foo where boo = lar)");
}

TEST_F(Compiler, FullOuterJoin) {
    // ports: test/sql/test_compiler.py::SelectTest::test_full_outer_join
    for (const auto& spec : {join(table1, table2, table1.myid == table2.otherid, false, true),
                             join(table1, table2, table1.myid == table2.otherid, true, true)})
        expect_sql(select(table1).select_from(spec),
                   "SELECT mytable.myid, mytable.name, mytable.description FROM mytable FULL OUTER JOIN myothertable "
                   "ON mytable.myid = myothertable.otherid");
}

TEST_F(Compiler, WhereSubquery) {
    // ports: test/sql/test_compiler.py::SelectTest::test_where_subquery
    // Not correlated in a FROM list.
    auto s = select(table2.othername).where(table2.otherid == table1.myid).subquery("s");
    expect_sql(select(table1, s.c<std::string>("othername")).select_from(s),
               "SELECT mytable.myid, mytable.name, mytable.description, s.othername FROM (SELECT "
               "myothertable.othername FROM myothertable, mytable WHERE myothertable.otherid = mytable.myid) AS s, "
               "mytable");
    expect_sql(select(table1).where(table1.myid == select(table1.myid).where(table1.name == "jack").scalar_subquery<std::int64_t>()),
               "SELECT mytable.myid, mytable.name, mytable.description FROM mytable WHERE mytable.myid = (SELECT "
               "mytable.myid FROM mytable WHERE mytable.name = ?)");
    expect_sql(select(table1).where(table1.myid ==
                                    select(table2.otherid).where(table1.name == table2.othername).scalar_subquery<std::int64_t>()),
               "SELECT mytable.myid, mytable.name, mytable.description FROM mytable WHERE mytable.myid = (SELECT "
               "myothertable.otherid FROM myothertable WHERE mytable.name = myothertable.othername)");
    expect_sql(select(table1).where(select(literal_column<int>("1")).where(table2.otherid == table1.myid).exists()),
               "SELECT mytable.myid, mytable.name, mytable.description FROM mytable WHERE EXISTS (SELECT 1 FROM "
               "myothertable WHERE myothertable.otherid = mytable.myid)");
    auto ta = alias(table1, "ta");
    auto sq2 = select(ta)
                   .where(select(literal_column<int>("1")).where(table2.otherid == aliased(ta, table1.myid)).exists())
                   .subquery("sq2");
    expect_sql(select(sq2.c<std::int64_t>("myid"), table1),
               "SELECT sq2.myid, mytable.myid, mytable.name, mytable.description FROM (SELECT ta.myid, ta.name, "
               "ta.description FROM mytable AS ta WHERE EXISTS (SELECT 1 FROM myothertable WHERE myothertable.otherid = "
               "ta.myid)) AS sq2, mytable");
}

TEST_F(Compiler, OrderBySubquery) {
    // ports: test/sql/test_compiler.py::SelectTest::test_orderby_subquery
    auto sub = select(table2.otherid).where(table1.myid == table2.otherid).scalar_subquery<std::int64_t>();
    expect_sql(select(table1).order_by(sub),
               "SELECT mytable.myid, mytable.name, mytable.description FROM mytable ORDER BY (SELECT "
               "myothertable.otherid FROM myothertable WHERE mytable.myid = myothertable.otherid)");
    expect_sql(select(table1).order_by(sub.desc()),
               "SELECT mytable.myid, mytable.name, mytable.description FROM mytable ORDER BY (SELECT "
               "myothertable.otherid FROM myothertable WHERE mytable.myid = myothertable.otherid) DESC");
}

TEST_F(Compiler, ScalarSelect) {
    // ports: test/sql/test_compiler.py::SelectTest::test_scalar_select
    auto s = select(table1.myid).correlate().scalar_subquery<std::int64_t>();
    expect_sql(select(table1, s),
               "SELECT mytable.myid, mytable.name, mytable.description, (SELECT mytable.myid FROM mytable) FROM mytable");
    auto s_auto = select(table1.myid).scalar_subquery<std::int64_t>();
    expect_sql(select(table2, s_auto),
               "SELECT myothertable.otherid, myothertable.othername, (SELECT mytable.myid FROM mytable) FROM myothertable");
    // A subquery over the outer query's own table alone keeps its FROM (it is not correlated).
    expect_sql(select(table1.myid).where(table1.myid == s_auto),
               "SELECT mytable.myid FROM mytable WHERE mytable.myid = (SELECT mytable.myid FROM mytable)");
    expect_sql(select(table1.myid).where(table1.myid < s_auto),
               "SELECT mytable.myid FROM mytable WHERE mytable.myid < (SELECT mytable.myid FROM mytable)");
    expect_sql(select(s_auto - literal(8)), "SELECT (SELECT mytable.myid FROM mytable) - ?");
    expect_sql(select(s_auto > 8), "SELECT (SELECT mytable.myid FROM mytable) > ?");
    expect_sql(select(select(table1.name).scalar_subquery<std::string>().label("foo")),
               "SELECT (SELECT mytable.name FROM mytable) AS foo");

    struct Zips : TableDef {
        using TableDef::TableDef;
        Col<std::string> zipcode = col<std::string>("zipcode");
        Col<double> latitude = col<double>("latitude");
        Col<double> longitude = col<double>("longitude");
    } zips{md, "zips"};
    struct Places : TableDef {
        using TableDef::TableDef;
        Col<std::int64_t> id = col<std::int64_t>("id");
        Col<std::string> nm = col<std::string>("nm");
    } places{md, "places"};
    const std::string zipcode = "12345";
    auto qlat = select(zips.latitude).where(zips.zipcode == zipcode).correlate().scalar_subquery<double>();
    auto qlng = select(zips.longitude).where(zips.zipcode == zipcode).correlate().scalar_subquery<double>();
    auto dist = func::call<double>("latlondist", qlat, qlng).label("dist");
    expect_sql(select(places.id, places.nm, zips.zipcode, dist).where(zips.zipcode == zipcode).order_by(dist, places.nm),
               "SELECT places.id, places.nm, zips.zipcode, latlondist((SELECT zips.latitude FROM zips WHERE "
               "zips.zipcode = ?), (SELECT zips.longitude FROM zips WHERE zips.zipcode = ?)) AS dist FROM places, zips "
               "WHERE zips.zipcode = ? ORDER BY dist, places.nm");

    auto zalias = alias(zips, "main_zip");
    auto qlat2 = select(zips.latitude).where(zips.zipcode == aliased(zalias, zips.zipcode)).scalar_subquery<double>();
    auto qlng2 = select(zips.longitude).where(zips.zipcode == aliased(zalias, zips.zipcode)).scalar_subquery<double>();
    auto dist2 = func::call<double>("latlondist", qlat2, qlng2).label("dist");
    expect_sql(select(places.id, places.nm, aliased(zalias, zips.zipcode), dist2).order_by(dist2, places.nm),
               "SELECT places.id, places.nm, main_zip.zipcode, latlondist((SELECT zips.latitude FROM zips WHERE "
               "zips.zipcode = main_zip.zipcode), (SELECT zips.longitude FROM zips WHERE zips.zipcode = "
               "main_zip.zipcode)) AS dist FROM places, zips AS main_zip ORDER BY dist, places.nm");

    auto a1 = alias(table2, "t2alias");
    auto s1 = select(aliased(a1, table2.otherid)).where(table1.myid == aliased(a1, table2.otherid)).scalar_subquery<std::int64_t>();
    expect_sql(select(table1, s1).select_from(join(table1, table2, table1.myid == table2.otherid)),
               "SELECT mytable.myid, mytable.name, mytable.description, (SELECT t2alias.otherid FROM myothertable AS "
               "t2alias WHERE mytable.myid = t2alias.otherid) FROM mytable JOIN myothertable ON mytable.myid = "
               "myothertable.otherid");
}

TEST_F(Compiler, Exists) {
    // ports: test/sql/test_compiler.py::SelectTest::test_exists
    auto s = select(table1.myid).where(table1.myid == 5);
    expect_sql(select(s.exists()), "SELECT EXISTS (SELECT mytable.myid FROM mytable WHERE mytable.myid = ?)");
    expect_sql(select(table1, select(literal_column<int>("1")).select_from(table2).exists().label("foo")),
               "SELECT mytable.myid, mytable.name, mytable.description, EXISTS (SELECT 1 FROM myothertable) AS foo "
               "FROM mytable");
    expect_sql(select(table1).where(select(literal_column("*")).where(table2.otherid == table1.myid).correlate(table1).exists()),
               "SELECT mytable.myid, mytable.name, mytable.description FROM mytable WHERE EXISTS (SELECT * FROM "
               "myothertable WHERE myothertable.otherid = mytable.myid)");
    expect_sql(select(or_(select(literal_column("*")).where(table2.otherid == 1).exists(),
                          select(literal_column("*")).where(table2.otherid == 2).exists())),
               "SELECT EXISTS (SELECT * FROM myothertable WHERE myothertable.otherid = ?) OR EXISTS (SELECT * FROM "
               "myothertable WHERE myothertable.otherid = ?)");
    expect_sql(select(!select(literal_column<int>("1")).exists()), "SELECT NOT EXISTS (SELECT 1)");
    expect_sql(select(select(literal_column<int>("42"))
                          .select_from(table1)
                          .where(table1.name == "foo")
                          .where(table1.description == "bar")
                          .exists()),
               "SELECT EXISTS (SELECT 42 FROM mytable WHERE mytable.name = ? AND mytable.description = ?)");
}

TEST_F(Compiler, ExistsMethod) {
    // ports: test/sql/test_compiler.py::SelectTest::test_exists_method
    auto subq = select(func::count(table2.otherid))
                    .where(table2.otherid == table1.myid)
                    .correlate(table1)
                    .group_by(table2.otherid)
                    .having(func::count(table2.otherid) > 1)
                    .exists();
    expect_sql(select(table1).where(subq),
               "SELECT mytable.myid, mytable.name, mytable.description FROM mytable WHERE EXISTS (SELECT "
               "count(myothertable.otherid) FROM myothertable WHERE myothertable.otherid = mytable.myid GROUP BY "
               "myothertable.otherid HAVING count(myothertable.otherid) > ?)");
}

TEST_F(Compiler, Conjunctions) {
    // ports: test/sql/test_compiler.py::SelectTest::test_conjunctions
    auto a = text("a").as_expr<bool>(), b = text("b").as_expr<bool>(), c = text("c").as_expr<bool>();
    // Retort groups an operator expression under a label: (a AND b AND c) AS foo.
    expect_sql(select(and_(a, b, c).label("foo")), "SELECT (a AND b AND c) AS foo");
    expect_sql(select(table1.myid).where(and_(table1.myid == 12, table1.name == "asdf", table2.othername == "foo",
                                              text("sysdate() = today()").as_expr<bool>())),
               "SELECT mytable.myid FROM mytable, myothertable WHERE mytable.myid = ? AND mytable.name = ? AND "
               "myothertable.othername = ? AND sysdate() = today()");
    expect_sql(select(table1.myid).where(and_(table1.myid == 12,
                                              or_(table2.othername == "asdf", table2.othername == "foo", table2.otherid == 9),
                                              text("sysdate() = today()").as_expr<bool>())),
               "SELECT mytable.myid FROM mytable, myothertable WHERE mytable.myid = ? AND (myothertable.othername = ? "
               "OR myothertable.othername = ? OR myothertable.otherid = ?) AND sysdate() = today()");
}

TEST_F(Compiler, NestedConjunctionsShortCircuit) {
    // ports: test/sql/test_compiler.py::SelectTest::test_nested_conjunctions_short_circuit
    TA t{md, "t"};
    expect_sql(select(t).where(and_(t.a == 5, or_(and_(or_(t.a == 7))))), "SELECT t.a FROM t WHERE t.a = ? AND t.a = ?");
    expect_sql(select(t).where(and_(or_(t.a == 12, and_(or_(t.a == 8))))), "SELECT t.a FROM t WHERE t.a = ? OR t.a = ?");
    expect_sql(select(t).where(and_(or_(or_(t.a == 12), and_(or_(and_(t.a == 8)))))),
               "SELECT t.a FROM t WHERE t.a = ? OR t.a = ?");
    expect_sql(select(t).where(and_(or_(or_(t.a == 12), and_(or_(std::vector<Expr<bool>>{}), or_(and_(t.a == 8)),
                                                             and_(std::vector<Expr<bool>>{}))))),
               "SELECT t.a FROM t WHERE t.a = ? OR t.a = ?");
}

TEST_F(Compiler, TrueShortCircuit) {
    // ports: test/sql/test_compiler.py::SelectTest::test_true_short_circuit
    TA t{md, "t"};
    expect_sql(select(t).where(true_()), "SELECT t.a FROM t WHERE true");
    expect_sql(select(t), "SELECT t.a FROM t");
}

TEST_F(Compiler, DistinctSelectModifier) {
    // ports: test/sql/test_compiler.py::SelectTest::test_distinct_select_modifier
    // ports: test/sql/test_compiler.py::SelectTest::test_distinct_function
    expect_sql(select(table1.myid).distinct(), "SELECT DISTINCT mytable.myid FROM mytable");
    auto cnt = std::make_shared<sql::FuncNode>(static_cast<const sql::FuncNode&>(*func::count(table1.myid).node()));
    cnt->distinct = true;
    expect_sql(select(Expr<std::int64_t>(cnt)), "SELECT count(DISTINCT mytable.myid) FROM mytable");
    expect_sql(select(func::count(table1.myid.distinct())), "SELECT count(DISTINCT mytable.myid) FROM mytable");
}

TEST_F(Compiler, WhereEmpty) {
    // ports: test/sql/test_compiler.py::SelectTest::test_where_empty
    expect_sql(select(table1.myid).where(and_(std::vector<Expr<bool>>{})), "SELECT mytable.myid FROM mytable");
    expect_sql(select(table1.myid).where(or_(std::vector<Expr<bool>>{})), "SELECT mytable.myid FROM mytable");
}

TEST_F(Compiler, WhereMultiple) {
    // ports: test/sql/test_compiler.py::SelectTest::test_where_multiple
    expect_sql(select(table1.myid).where(table1.myid == 12).where(table1.name == "foobar"),
               "SELECT mytable.myid FROM mytable WHERE mytable.myid = ? AND mytable.name = ?");
}

TEST_F(Compiler, OrderByNulls) {
    // ports: test/sql/test_compiler.py::SelectTest::test_order_by_nulls
    const std::string head = "SELECT myothertable.otherid, myothertable.othername FROM myothertable ORDER BY ";
    expect_sql(select(table2).order_by(table2.otherid, table2.othername.desc().nulls_first()),
               head + "myothertable.otherid, myothertable.othername DESC NULLS FIRST");
    expect_sql(select(table2).order_by(table2.otherid, table2.othername.desc().nulls_last()),
               head + "myothertable.otherid, myothertable.othername DESC NULLS LAST");
    expect_sql(select(table2).order_by(table2.otherid.nulls_last(), table2.othername.desc().nulls_first()),
               head + "myothertable.otherid NULLS LAST, myothertable.othername DESC NULLS FIRST");
    expect_sql(select(table2).order_by(table2.otherid.nulls_first(), table2.othername.desc()),
               head + "myothertable.otherid NULLS FIRST, myothertable.othername DESC");
}

TEST_F(Compiler, ForUpdate) {
    // ports: test/sql/test_compiler.py::SelectTest::test_for_update
    // SQLite has no FOR UPDATE and leaves it out, as SQLAlchemy's SQLite dialect does.
    expect_sql(select(table1).where(table1.myid == 7).with_for_update(),
               "SELECT mytable.myid, mytable.name, mytable.description FROM mytable WHERE mytable.myid = ?",
               "SELECT mytable.myid, mytable.name, mytable.description FROM mytable WHERE mytable.myid = ? FOR UPDATE");
}

TEST_F(Compiler, Alias) {
    // ports: test/sql/test_compiler.py::SelectTest::test_alias
    expect_sql(select(alias(table1, "foo")), "SELECT foo.myid, foo.name, foo.description FROM mytable AS foo");
    auto q = select(table1, table2.otherid).where(table1.myid == table2.otherid);
    auto a = q.subquery("t2view");
    expect_sql(select(a.c<std::int64_t>("myid"), a.c<std::int64_t>("otherid")).where(a.c<std::int64_t>("myid") == 9),
               "SELECT t2view.myid, t2view.otherid FROM (SELECT mytable.myid, mytable.name, mytable.description, "
               "myothertable.otherid FROM mytable, myothertable WHERE mytable.myid = myothertable.otherid) AS t2view "
               "WHERE t2view.myid = ?");
}

TEST_F(Compiler, LimitOffset) {
    // ports: test/sql/test_compiler.py::SelectTest::test_limit_offset
    auto one = select(literal_column<int>("1"));
    expect_sql(one.limit(5).offset(10), "SELECT 1 LIMIT ? OFFSET ?");
    expect_sql(one.offset(10), "SELECT 1 LIMIT -1 OFFSET ?", "SELECT 1 OFFSET ?");
    expect_sql(one.limit(5), "SELECT 1 LIMIT ?");
    expect_sql(one.limit(0).offset(0), "SELECT 1 LIMIT ? OFFSET ?");
    auto vals = testkit::positional(one.limit(5).offset(10));
    ASSERT_EQ(vals.size(), 2u);
    EXPECT_EQ(vals[0].as<std::int64_t>(), 5);
    EXPECT_EQ(vals[1].as<std::int64_t>(), 10);
}

TEST_F(Compiler, CompoundSelects) {
    // ports: test/sql/test_compiler.py::SelectTest::test_compound_selects
    // Selects of different column counts cannot be combined: CompileError, as in SQLAlchemy.
    auto bad = select(table3).union_(select(table1));
    for (const char* d : testkit::kDialects) {
        try {
            (void)testkit::compiled_sql(bad, d);
            ADD_FAILURE() << "compiled on " << d;
        } catch (const CompileError& e) {
            EXPECT_NE(std::string(e.what()).find("select #1 has 2 columns, select #2 has 3"), std::string::npos) << e.what();
        }
    }
    expect_sql(select(table1).where(table1.myid == 5).union_(select(table1).where(table1.myid == 12)).order_by(table1.myid),
               "SELECT mytable.myid, mytable.name, mytable.description FROM mytable WHERE mytable.myid = ? UNION "
               "SELECT mytable.myid, mytable.name, mytable.description FROM mytable WHERE mytable.myid = ? ORDER BY myid");
    expect_sql(select(table1.myid, table1.name).union_(select(table2)).order_by(table1.myid).offset(10).limit(5),
               "SELECT mytable.myid, mytable.name FROM mytable UNION SELECT myothertable.otherid, myothertable.othername "
               "FROM myothertable ORDER BY myid LIMIT ? OFFSET ?");
    expect_sql(select(table1.myid, table1.name, func::max(table1.description))
                   .where(table1.name == "name2")
                   .group_by(table1.myid, table1.name)
                   .union_(select(table1).where(table1.name == "name1")),
               "SELECT mytable.myid, mytable.name, max(mytable.description) FROM mytable WHERE mytable.name = ? GROUP BY "
               "mytable.myid, mytable.name UNION SELECT mytable.myid, mytable.name, mytable.description FROM mytable "
               "WHERE mytable.name = ?");
    expect_sql(select(literal(100).label("value")).union_(select(literal(200).label("value"))),
               "SELECT ? AS value UNION SELECT ? AS value");
}

TEST_F(Compiler, BindsByName) {
    // ports: test/sql/test_compiler.py::BindParameterTest::test_binds
    auto s = select(table1, table2).where(and_(table1.myid == table2.otherid, table1.name == bindparam<std::string>("mytablename")));
    expect_sql(s, "SELECT mytable.myid, mytable.name, mytable.description, myothertable.otherid, myothertable.othername "
                  "FROM mytable, myothertable WHERE mytable.myid = myothertable.otherid AND mytable.name = ?");
    // One name used twice is one parameter given once, sent to both places.
    auto s2 = select(table1).where(or_(table1.myid == bindparam<std::int64_t>("myid"), table2.otherid == bindparam<std::int64_t>("myid")));
    auto c = testkit::compile(s2, *testkit::dialect("sqlite"));
    expect_sql(s2, "SELECT mytable.myid, mytable.name, mytable.description FROM mytable, myothertable WHERE "
                   "mytable.myid = ? OR myothertable.otherid = ?");
    ASSERT_EQ(c.keys.size(), 2u);
    EXPECT_EQ(c.keys[0], "myid");
    EXPECT_EQ(c.keys[1], "myid");
}

// ---------------------------------------------------------------- the same, against the database

namespace conf_compiler {
class CompilerRoundTrip : public testkit::Conformance {
protected:
    MyTable table1{md, "rt_mytable"};
    MyOtherTable table2{md, "rt_myothertable"};
    ThirdTable table3{md, "rt_thirdtable"};
    void SetUp() override {
        Conformance::SetUp();
        md.drop_all(engine);
        md.create_all(engine);
        auto c = engine.connect();
        for (auto [id, name] : std::vector<std::pair<int, std::string>>{{1, "a"}, {2, "b"}, {3, "c"}})
            c.execute(insert(table1).values({{"myid", id}, {"name", name}, {"description", "d" + name}}));
        for (int id : {1, 2}) c.execute(insert(table2).values({{"otherid", id}, {"othername", "o" + std::to_string(id)}}));
        c.execute(insert(table3).values({{"userid", 2}, {"otherstuff", "s2"}}));
        c.commit();
    }
};
}  // namespace conf_compiler

TEST_F(CompilerRoundTrip, ScalarSubqueryOverTheOuterTableKeepsItsFrom) {
    // ports: test/sql/test_compiler.py::SelectTest::test_scalar_select
    // The subquery reads the whole table (it is not correlated to the outer row): one row matches.
    auto conn = engine.connect();
    auto top = select(func::max(table1.myid)).where(table1.name != "zzz").scalar_subquery<std::int64_t>();
    EXPECT_EQ(conn.execute(select(table1.name).where(table1.myid == top)).scalars<std::string>(),
              std::vector<std::string>{"c"});
}

TEST_F(CompilerRoundTrip, JoinNestedOnTheRightRuns) {
    // ports: test/sql/test_compiler.py::SelectTest::test_joins
    auto conn = engine.connect();
    auto j = outerjoin(table1, join(table2, table3, table2.otherid == table3.userid), table1.myid == table2.otherid);
    auto rows = conn.execute(select(table1.myid, table3.otherstuff).select_from(j).order_by(table1.myid)).all();
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_TRUE(rows[0][1].is_null());  // 1 joins myothertable 1, which has no thirdtable row: the inner join drops it
    EXPECT_EQ(rows[1].get<std::string>(1), "s2");
    EXPECT_TRUE(rows[2][1].is_null());
}
