// Ports of test/sql/test_sequences.py: CREATE / DROP SEQUENCE as compiled, the next value taken alone, in a
// SELECT, a WHERE clause and an INSERT's VALUES, checkfirst at the sequence, table and MetaData levels, tables
// whose columns take values from a sequence, and the order drop_all drops them in.
//
// Differences: a column naming a sequence gets `DEFAULT nextval(...)` in its table's DDL on every dialect with
// sequences (SQLAlchemy writes nextval into each INSERT and adds the DEFAULT only when the column also has
// server_default=seq.next_value()), so the sequence numbers rows inserted by plain SQL too. Aurora DSQL requires
// CACHE and BIGINT sequences: CREATE SEQUENCE there always carries CACHE (the URL's identity_cache when the
// sequence gives none) and a column numbered by a sequence is BIGINT.
#include "conformance/kit.hpp"
#include "conformance/sql/compile.hpp"

#include <set>
#include <tuple>

using namespace retort;

namespace conf_sequences {

Expr<std::int64_t> icol(const Table& t, const char* name) { return Expr<std::int64_t>(t.c(name).ptr()); }
Expr<std::string> scol(const Table& t, const char* name) { return Expr<std::string>(t.c(name).ptr()); }

std::string create_sql(const Sequence& s, std::string_view dialect, bool if_not_exists = false) {
    return testkit::conformance_dialect(dialect).ddl_compiler()->create_sequence(s, if_not_exists);
}
std::string drop_sql(const Sequence& s, std::string_view dialect, bool if_exists = false) {
    return testkit::conformance_dialect(dialect).ddl_compiler()->drop_sequence(s, if_exists);
}

class SequenceTest : public testkit::Conformance {
protected:
    void SetUp() override {
        Conformance::SetUp();
        if (!engine.dialect().caps().supports_sequences)
            GTEST_SKIP() << engine.dialect().name() << " has no sequences";
        drop_leftovers();
    }
    void TearDown() override {
        if (engine.dialect().caps().supports_sequences) drop_leftovers();
        Conformance::TearDown();
    }
    // Sequences and tables of earlier runs (a failed test leaves them behind).
    void drop_leftovers() {
        auto conn = engine.connect();
        conn.set_isolation_level("AUTOCOMMIT");
        for (const char* t : {"seq_t", "seq_table_1", "seq_table_2", "cartitems", "Manager", "t_seq_test",
                              "t_seq_test_2", "seq_some_table"})
            conn.exec_driver_sql("DROP TABLE IF EXISTS " + engine.dialect().quote_identifier(t));
        for (const char* s : {"my_sequence", "s1", "s2", "s3", "common_sequence", "cart_id_seq", "obj_id_seq",
                              "Manager_id_seq", "t_seq", "t_seq_2", "foo_seq"})
            conn.exec_driver_sql("DROP SEQUENCE IF EXISTS " + engine.dialect().quote_identifier(s));
    }
    bool has_sequence(const std::string& name) {
        auto conn = engine.connect();
        return engine.dialect().has_sequence(conn, name, std::nullopt);
    }
    bool has_table(const std::string& name) {
        auto conn = engine.connect();
        return engine.dialect().has_table(conn, name, std::nullopt);
    }
};

}  // namespace conf_sequences

using namespace conf_sequences;

// ---------------------------------------------------------------- SequenceDDLTest

TEST(SequenceDDL, CreateSequenceWritesEachOption) {
    // ports: test/sql/test_sequences.py::SequenceDDLTest::test_create_ddl
    struct Case {
        SequenceOptions options;
        std::string sql;
    };
    const std::vector<Case> cases = {
        {{}, ""},
        {{.start = 5}, "START WITH 5"},
        {{.increment = 2}, "INCREMENT BY 2"},
        {{.start = 5, .increment = 2}, "INCREMENT BY 2 START WITH 5"},
        {{.start = 0, .increment = 2, .minvalue = 0}, "INCREMENT BY 2 START WITH 0 MINVALUE 0"},
        {{.start = 1, .increment = 2, .maxvalue = 5}, "INCREMENT BY 2 START WITH 1 MAXVALUE 5"},
        {{.start = 1, .increment = 2, .nomaxvalue = true}, "INCREMENT BY 2 START WITH 1 NO MAXVALUE"},
        {{.start = 0, .increment = 2, .nominvalue = true}, "INCREMENT BY 2 START WITH 0 NO MINVALUE"},
        {{.start = 1, .maxvalue = 10, .cycle = true}, "START WITH 1 MAXVALUE 10 CYCLE"},
        {{.minvalue = 42}, "MINVALUE 42"},
        {{.minvalue = -42}, "MINVALUE -42"},
        {{.increment = 2, .minvalue = 42}, "INCREMENT BY 2 MINVALUE 42"},
        {{.increment = -2, .minvalue = 42}, "INCREMENT BY -2 MINVALUE 42"},
        {{.increment = -2, .minvalue = -42}, "INCREMENT BY -2 MINVALUE -42"},
        {{.maxvalue = 99}, "MAXVALUE 99"},
        {{.maxvalue = -99}, "MAXVALUE -99"},
        {{.increment = -2, .maxvalue = 99}, "INCREMENT BY -2 MAXVALUE 99"},
        {{.increment = -2, .maxvalue = -99}, "INCREMENT BY -2 MAXVALUE -99"},
        {{.minvalue = 42, .maxvalue = 99}, "MINVALUE 42 MAXVALUE 99"},
        {{.increment = 2, .minvalue = 42, .maxvalue = 99}, "INCREMENT BY 2 MINVALUE 42 MAXVALUE 99"},
        {{.increment = 2, .minvalue = -42, .maxvalue = -9}, "INCREMENT BY 2 MINVALUE -42 MAXVALUE -9"},
        {{.increment = -2, .minvalue = -42, .maxvalue = -9}, "INCREMENT BY -2 MINVALUE -42 MAXVALUE -9"},
    };
    for (const auto& c : cases) {
        MetaData md;
        const Sequence& s = md.sequence("foo_seq", c.options);
        const std::string pg = "CREATE SEQUENCE foo_seq" + (c.sql.empty() ? "" : " " + c.sql);
        EXPECT_EQ(create_sql(s, "postgresql"), pg);
        // DSQL requires CACHE: its default (the URL's identity_cache, 65536) is written, before CYCLE.
        std::string dsql = pg + " CACHE 65536";
        if (c.options.cycle) dsql = pg.substr(0, pg.size() - 6) + " CACHE 65536 CYCLE";
        EXPECT_EQ(create_sql(s, "auroradsql"), dsql);
    }
}

TEST(SequenceDDL, CacheAndDataType) {
    // ports: test/sql/test_sequences.py::SequenceDDLTest::test_create_ddl (cache=1000)
    MetaData md;
    const Sequence& cached = md.sequence("foo_seq", {.cache = 1000});
    EXPECT_EQ(create_sql(cached, "postgresql"), "CREATE SEQUENCE foo_seq CACHE 1000");
    // DSQL takes CACHE 1 or >= 65536 only: a CompileError before anything is sent.
    EXPECT_THROW((void)create_sql(cached, "auroradsql"), CompileError);
    const Sequence& one = md.sequence("one_seq", {.cache = 1});
    EXPECT_EQ(create_sql(one, "auroradsql"), "CREATE SEQUENCE one_seq CACHE 1");
    const Sequence& typed = md.sequence("int_seq", {.data_type = types::Integer()});
    EXPECT_EQ(create_sql(typed, "postgresql"), "CREATE SEQUENCE int_seq AS INTEGER");
    EXPECT_THROW((void)create_sql(typed, "auroradsql"), CompileError);  // DSQL's sequences are BIGINT
    const Sequence& big = md.sequence("big_seq", {.data_type = types::BigInteger()});
    EXPECT_EQ(create_sql(big, "auroradsql"), "CREATE SEQUENCE big_seq AS BIGINT CACHE 65536");
    EXPECT_THROW(md.sequence("foo_seq"), ArgumentError);                          // defined twice
    EXPECT_THROW(md.sequence("bad", {.increment = 0}), ArgumentError);            // never moves
    EXPECT_THROW(md.sequence("bad2", {.data_type = types::Text()}), ArgumentError);  // not an integer
}

TEST(SequenceDDL, IfNotExistsAndDrop) {
    // ports: test/sql/test_sequences.py::SequenceDDLTest::test_drop_ddl
    MetaData md;
    const Sequence& s = md.sequence("foo_seq");
    EXPECT_EQ(create_sql(s, "postgresql", true), "CREATE SEQUENCE IF NOT EXISTS foo_seq");
    EXPECT_EQ(drop_sql(s, "postgresql"), "DROP SEQUENCE foo_seq");
    EXPECT_EQ(drop_sql(s, "postgresql", true), "DROP SEQUENCE IF EXISTS foo_seq");
    // Names are quoted where they need it, the schema too.
    const Sequence& q = md.sequence("Manager_id_seq", {}, "Other");
    EXPECT_EQ(drop_sql(q, "postgresql"), "DROP SEQUENCE \"Other\".\"Manager_id_seq\"");
}

TEST(SequenceDDL, NextValueUnsupportedOnSQLite) {
    // ports: test/sql/test_sequences.py::SequenceTest::test_nextval_unsupported
    MetaData md;
    const Sequence& s = md.sequence("my_seq");
    EXPECT_THROW((void)testkit::compiled_sql(select(s.next_value()), "sqlite"), CompileError);
    EXPECT_EQ(testkit::compiled_sql(select(s.next_value()), "postgresql"), "SELECT nextval('my_seq')");
    const Sequence& q = md.sequence("It's", {}, "s");
    EXPECT_EQ(testkit::compiled_sql(select(q.next_value()), "postgresql"), "SELECT nextval('s.\"It''s\"')");
}

TEST(SequenceDDL, ColumnNumberedBySequence) {
    // A key column naming a sequence: neither SERIAL nor identity, DEFAULT nextval of it; BIGINT on DSQL.
    MetaData md;
    Table& t = md.table("t", {ColumnDef{"c", types::Integer(), {.primary_key = true, .sequence = "my_seq"}},
                              ColumnDef{"n", types::Integer(), {.sequence = "other_seq"}}});
    auto pg = testkit::conformance_dialect("postgresql").ddl_compiler()->create_table(t);
    EXPECT_NE(pg.find("c INTEGER DEFAULT nextval('my_seq') NOT NULL"), std::string::npos) << pg;
    EXPECT_NE(pg.find("n INTEGER DEFAULT nextval('other_seq')"), std::string::npos) << pg;
    auto dsql = testkit::conformance_dialect("auroradsql").ddl_compiler()->create_table(t);
    EXPECT_NE(dsql.find("c BIGINT DEFAULT nextval('my_seq') NOT NULL"), std::string::npos) << dsql;
    // SQLite has no sequences: the key numbers itself.
    auto lite = testkit::conformance_dialect("sqlite").ddl_compiler()->create_table(t);
    EXPECT_EQ(lite.find("nextval"), std::string::npos) << lite;
    ASSERT_NE(md.find_sequence("my_seq"), nullptr);
    EXPECT_TRUE(md.find_sequence("my_seq")->table_bound());
    EXPECT_EQ(t.c("c").sequence(), md.find_sequence("my_seq"));
    // A sequence on a text column, or with identity options beside it, is refused.
    EXPECT_THROW(md.table("bad", {ColumnDef{"c", types::Text(), {.sequence = "s"}}}), ArgumentError);
    EXPECT_THROW(md.table("bad2", {ColumnDef{"c", types::Integer(), {.primary_key = true, .identity = Identity{}, .sequence = "s"}}}),
                 ArgumentError);
}

// ---------------------------------------------------------------- SequenceExecTest

TEST_F(SequenceTest, NextValueAloneInSelectWhereAndValues) {
    // ports: test/sql/test_sequences.py::SequenceExecTest::test_execute
    // ports: test/sql/test_sequences.py::SequenceExecTest::test_execute_next_value
    // ports: test/sql/test_sequences.py::SequenceExecTest::test_func_embedded_select
    // ports: test/sql/test_sequences.py::SequenceExecTest::test_func_embedded_whereclause
    // ports: test/sql/test_sequences.py::SequenceExecTest::test_func_embedded_valuesbase
    const Sequence& s = md.sequence("my_sequence");
    Table& t = md.table("seq_t", {ColumnDef{"x", types::Integer(), {.primary_key = true, .autoincrement = false}}});
    md.create_all(engine);
    ASSERT_TRUE(has_sequence("my_sequence"));
    {
        auto conn = engine.connect();
        EXPECT_EQ(s.next(conn), 1);
        EXPECT_EQ(conn.execute(select(s.next_value())).scalar<std::int64_t>(), std::optional<std::int64_t>(2));
        conn.commit();
    }
    {
        // The next value is 3, so x > nextval keeps 300 and 301.
        auto conn = engine.connect();
        conn.execute(insert(t), std::vector<Params>{{{"x", 1}}, {{"x", 300}}, {{"x", 301}}});
        auto rows = conn.execute(select(icol(t, "x")).where(icol(t, "x") > s.next_value()).order_by(icol(t, "x")))
                        .scalars<std::int64_t>();
        EXPECT_EQ(rows, (std::vector<std::int64_t>{300, 301}));
        conn.commit();
    }
    {
        auto conn = engine.connect();
        conn.execute(insert(t).value(icol(t, "x"), s.next_value()));
        conn.commit();
    }
    // The WHERE clause took a value per row it looked at (3, 4, 5); the INSERT the next one.
    EXPECT_EQ(count_rows("seq_t", "x = 6"), 1);
}

TEST_F(SequenceTest, StartAndIncrement) {
    // ports: test/sql/test_sequences.py::SequenceTest::test_start_increment
    struct Case {
        SequenceOptions o;
        std::vector<std::int64_t> expected;
    };
    for (const auto& c : std::vector<Case>{{{}, {1, 2, 3}}, {{.start = 8}, {8, 9, 10}}, {{.increment = 5}, {1, 6, 11}}}) {
        MetaData m;
        const Sequence& s = m.sequence("my_sequence", c.o);
        s.create(engine);
        std::vector<std::int64_t> got;
        {
            auto conn = engine.connect();
            for (int i = 0; i < 3; ++i) got.push_back(s.next(conn));
            conn.commit();
        }
        s.drop(engine);
        EXPECT_EQ(got, c.expected);
    }
}

TEST_F(SequenceTest, CheckfirstSequence) {
    // ports: test/sql/test_sequences.py::SequenceTest::test_checkfirst_sequence
    const Sequence& s = md.sequence("my_sequence");
    s.create(engine, false);
    EXPECT_TRUE(has_sequence("my_sequence"));
    s.create(engine, true);
    EXPECT_THROW(s.create(engine, false), DBAPIError);  // already there
    s.drop(engine, false);
    EXPECT_FALSE(has_sequence("my_sequence"));
    s.drop(engine, true);
    EXPECT_THROW(s.drop(engine, false), DBAPIError);  // gone already
}

TEST_F(SequenceTest, CheckfirstMetaData) {
    // ports: test/sql/test_sequences.py::SequenceTest::test_checkfirst_metadata
    md.sequence("my_sequence");
    md.create_all(engine, false);
    EXPECT_TRUE(has_sequence("my_sequence"));
    md.create_all(engine, true);
    md.drop_all(engine, false);
    EXPECT_FALSE(has_sequence("my_sequence"));
    md.drop_all(engine, true);
}

TEST_F(SequenceTest, CheckfirstTable) {
    // ports: test/sql/test_sequences.py::SequenceTest::test_checkfirst_table
    Table& t = md.table("seq_t", {ColumnDef{"c", types::Integer(), {.primary_key = true, .sequence = "my_sequence"}}});
    t.create(engine, false);
    EXPECT_TRUE(has_sequence("my_sequence"));
    t.create(engine, true);
    t.drop(engine, false);
    EXPECT_FALSE(has_sequence("my_sequence"));
    t.drop(engine, true);
}

TEST_F(SequenceTest, TableCreatesItsSequenceMetaDataTheRest) {
    // ports: test/sql/test_sequences.py::SequenceTest::test_table_overrides_metadata_create
    md.sequence("s1");
    const Sequence& s2 = md.sequence("s2");
    Table& t = md.table("seq_t", {ColumnDef{"c", types::Integer(), {.primary_key = true, .sequence = "s3"}}});
    const Sequence* s3 = md.find_sequence("s3");
    ASSERT_NE(s3, nullptr);
    t.create(engine, true);
    EXPECT_TRUE(has_sequence("s3"));
    // create_all: the table exists, so s3 is left alone; s1 and s2 are created.
    md.create_all(engine);
    EXPECT_TRUE(has_sequence("s1"));
    EXPECT_TRUE(has_sequence("s2"));
    s2.drop(engine);
    EXPECT_TRUE(has_sequence("s1"));
    EXPECT_FALSE(has_sequence("s2"));
    md.drop_all(engine);
    EXPECT_FALSE(has_sequence("s1"));
    EXPECT_FALSE(has_sequence("s2"));
    EXPECT_FALSE(has_sequence("s3"));
    EXPECT_FALSE(has_table("seq_t"));
}

TEST_F(SequenceTest, SharedSequence) {
    // ports: test/sql/test_sequences.py::SequenceTest::test_shared_sequence
    md.sequence("common_sequence");
    md.table("seq_table_1", {ColumnDef{"id", types::Integer(), {.primary_key = true, .sequence = "common_sequence"}}});
    md.table("seq_table_2", {ColumnDef{"id", types::Integer(), {.primary_key = true, .sequence = "common_sequence"}}});
    md.create_all(engine);
    EXPECT_TRUE(has_sequence("common_sequence"));
    EXPECT_TRUE(has_table("seq_table_1"));
    EXPECT_TRUE(has_table("seq_table_2"));
    {
        // Both tables draw on the one sequence.
        auto conn = engine.connect();
        conn.exec_driver_sql("INSERT INTO seq_table_1 DEFAULT VALUES");
        conn.exec_driver_sql("INSERT INTO seq_table_2 DEFAULT VALUES");
        conn.exec_driver_sql("INSERT INTO seq_table_1 DEFAULT VALUES");
        conn.commit();
    }
    EXPECT_EQ(count_rows("seq_table_1", "id IN (1, 3)"), 2);
    EXPECT_EQ(count_rows("seq_table_2", "id = 2"), 1);
    md.drop_all(engine);
    EXPECT_FALSE(has_sequence("common_sequence"));
    EXPECT_FALSE(has_table("seq_table_1"));
    EXPECT_FALSE(has_table("seq_table_2"));
}

// ---------------------------------------------------------------- TableBoundSequenceTest

TEST_F(SequenceTest, InsertViaSequence) {
    // ports: test/sql/test_sequences.py::TableBoundSequenceTest::test_insert_via_seq
    // ports: test/sql/test_sequences.py::SequenceExecTest::test_inserted_pk_implicit_returning
    Table& cartitems = md.table("cartitems", {
        ColumnDef{"cart_id", types::Integer(), {.primary_key = true, .autoincrement = false, .sequence = "cart_id_seq"}},
        ColumnDef{"description", types::String(40), {}},
    });
    md.create_all(engine);
    auto conn = engine.connect();
    conn.execute(insert(cartitems), Params{{"description", "hi"}});
    conn.execute(insert(cartitems), Params{{"description", "there"}});
    if (engine.dialect().caps().supports_returning) {
        auto key = conn.execute(insert(cartitems).values({{"description", "lala"}}).returning(icol(cartitems, "cart_id")))
                       .scalar<std::int64_t>();
        EXPECT_EQ(key, std::optional<std::int64_t>(3));
    } else {
        conn.execute(insert(cartitems), Params{{"description", "lala"}});
    }
    EXPECT_EQ(conn.execute(select(icol(cartitems, "cart_id")).where(scol(cartitems, "description") == "lala"))
                  .scalar<std::int64_t>(),
              std::optional<std::int64_t>(3));
    conn.commit();
}

TEST_F(SequenceTest, SequenceOnNonKeyColumn) {
    // ports: test/sql/test_sequences.py::TableBoundSequenceTest::test_seq_nonpk
    Table& manager = md.table("Manager", {
        ColumnDef{"obj_id", types::Integer(), {.sequence = "obj_id_seq"}},
        ColumnDef{"name", types::String(128), {}},
        ColumnDef{"id", types::Integer(), {.primary_key = true, .sequence = "Manager_id_seq"}},
    });
    md.create_all(engine);
    {
        auto conn = engine.connect();
        conn.execute(insert(manager), Params{{"name", "somename"}});
        conn.execute(insert(manager), Params{{"name", "someother"}});
        conn.execute(insert(manager), std::vector<Params>{{{"name", "name3"}}, {{"name", "name4"}}});
        conn.commit();
    }
    auto conn = engine.connect();
    std::vector<std::tuple<std::int64_t, std::string, std::int64_t>> rows;
    for (RowView r : conn.execute(select(icol(manager, "obj_id"), scol(manager, "name"), icol(manager, "id"))
                                      .order_by(icol(manager, "id"))))
        rows.emplace_back(r.get<std::int64_t>(0), r.get<std::string>(1), r.get<std::int64_t>(2));
    using Row = std::tuple<std::int64_t, std::string, std::int64_t>;
    EXPECT_EQ(rows, (std::vector<Row>{{1, "somename", 1}, {2, "someother", 2}, {3, "name3", 3}, {4, "name4", 4}}));
}

// ---------------------------------------------------------------- SequenceAsServerDefaultTest

TEST_F(SequenceTest, TextualInsertTakesTheSequence) {
    // ports: test/sql/test_sequences.py::SequenceAsServerDefaultTest::test_default_textual_w_default
    // ports: test/sql/test_sequences.py::SequenceAsServerDefaultTest::test_default_core_w_default
    // ports: test/sql/test_sequences.py::SequenceAsServerDefaultTest::test_drop_ordering
    md.sequence("t_seq");
    Table& t = md.table("t_seq_test", {ColumnDef{"id", types::Integer(), {.sequence = "t_seq"}},
                                       ColumnDef{"data", types::String(50), {}}});
    md.create_all(engine);
    {
        auto conn = engine.connect();
        conn.exec_driver_sql("insert into t_seq_test (data) values ('some data')");
        conn.execute(insert(t).values({{"data", "more data"}}));
        conn.commit();
    }
    EXPECT_EQ(count_rows("t_seq_test", "id = 1 AND data = 'some data'"), 1);
    EXPECT_EQ(count_rows("t_seq_test", "id = 2 AND data = 'more data'"), 1);
    // drop_all: the table, then the sequence it depends on.
    record();
    md.drop_all(engine, false);
    auto stmts = take();
    std::vector<std::string> drops;
    for (const auto& s : stmts)
        if (s.starts_with("DROP")) drops.push_back(s);
    EXPECT_EQ(drops, (std::vector<std::string>{"DROP TABLE t_seq_test", "DROP SEQUENCE t_seq"}));
}

// ---------------------------------------------------------------- the ORM

namespace conf_sequences {
struct Ticket {
    std::int64_t id = 0;
    std::string title;
};
RETORT_CONFORMANCE_REGISTRY()
}  // namespace conf_sequences

template <>
void retort::orm::define(orm::Mapping<Ticket>& m) {
    m.table("seq_tickets");
    m.column(&Ticket::id, "id", {.primary_key = true, .sequence = "ticket_seq"});
    m.column(&Ticket::title, "title", {.type = types::String(50)});
}

namespace conf_sequences {
class OrmSequence : public testkit::OrmConformance {
protected:
    OrmSequence() : OrmConformance(mapped()) {}
    static orm::Registry& mapped() {
        static orm::Registry& r = []() -> orm::Registry& {
            models().map<Ticket>();
            return models();
        }();
        return r;
    }
};
}  // namespace conf_sequences

TEST_F(OrmSequence, FlushTakesKeysFromTheSequence) {
    // ports: test/sql/test_sequences.py::SequenceTest::test_freestanding_sequence_via_autoinc
    {
        orm::Session s(engine);
        for (int i = 0; i < 3; ++i) s.add(Ticket{.title = "t" + std::to_string(i)});
        s.commit();
    }
    orm::Session s(engine);
    auto all = s.query<Ticket>().order_by(orm::col(&Ticket::id)).all();
    ASSERT_EQ(all.size(), 3u);
    for (std::size_t i = 0; i < all.size(); ++i) {
        EXPECT_EQ(all[i]->title, "t" + std::to_string(i));
        if (engine.dialect().caps().supports_sequences) EXPECT_EQ(all[i]->id, static_cast<std::int64_t>(i + 1));
    }
    // A larger flush (keys prefetched from the sequence where RETURNING is off) continues the numbering.
    std::vector<orm::Ptr<Ticket>> added;
    for (int i = 0; i < 50; ++i) added.push_back(s.add(Ticket{.title = "bulk"}));
    s.commit();
    std::set<std::int64_t> keys;
    for (auto& p : added) keys.insert(p->id);
    EXPECT_EQ(keys.size(), 50u);
    EXPECT_EQ(*keys.begin(), 4);
    EXPECT_EQ(*keys.rbegin(), 53);
}
