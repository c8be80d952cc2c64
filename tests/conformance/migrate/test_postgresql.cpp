// Ports of Alembic's tests/test_postgresql.py (PostgresqlDefaultCompareTest): server defaults made on
// PostgreSQL and read back in its own spelling ('hi'::character varying, '14 days'::interval,
// timezone('utc'::text, CURRENT_TIMESTAMP)) compare equal to the model's; a different default is a change.
// Each case creates the table from one model and compares the database with a second model.
#include <retort/migrate/autogenerate.hpp>

#include "conformance/migrate/migrate_kit.hpp"

using namespace retort;
using namespace retort::migrate;
using retort::testkit::test_url;

namespace conf_pg_autogen {

class PostgresqlDefaultCompare : public testkit::Conformance {
protected:
    void SetUp() override {
        testkit::Conformance::SetUp();
        if (engine.dialect().family() != "postgresql") GTEST_SKIP() << "PostgreSQL's spellings of server defaults";
        drop();
    }
    void TearDown() override {
        drop();
        testkit::Conformance::TearDown();
    }
    void drop() {
        auto conn = engine.connect();
        conn.exec_driver_sql("DROP TABLE IF EXISTS test");
        conn.commit();
    }

    // The alter_column operations comparing a table made with orig against a model with alternate (orig when
    // none) proposes; Alembic's _compare_default_roundtrip.
    std::vector<Operation> roundtrip(const SqlType& type, const std::string& orig,
                                     const std::optional<std::string>& alternate = std::nullopt) {
        MetaData made, model;
        made.table("test", {{"somecol", type, {.server_default = orig}}});
        model.table("test", {{"somecol", type, {.server_default = alternate.value_or(orig)}}});
        made.create_all(engine);
        CompareOptions o;
        o.include_object = [](const SchemaObject&, const std::string& name, const std::string& type, bool,
                              const SchemaObject*) { return type != "table" || name == "test"; };
        auto c = compare_metadata(engine, model, o);
        drop();
        std::vector<Operation> ops;
        for (const auto& s : c.upgrade)
            if (s.op) ops.push_back(*s.op);
        return ops;
    }
    // True when the roundtrip proposes exactly a change of somecol's default.
    bool changed(const SqlType& type, const std::string& orig, const std::optional<std::string>& alternate = std::nullopt) {
        const auto ops = roundtrip(type, orig, alternate);
        if (ops.empty()) return false;
        EXPECT_EQ(ops.size(), 1u);
        EXPECT_EQ(ops[0].kind, OpKind::AlterColumn);
        EXPECT_EQ(ops[0].column.name, "somecol");
        EXPECT_TRUE(ops[0].server_default.has_value());
        EXPECT_FALSE(ops[0].type.has_value());
        return true;
    }
};

// (A string default in SQLAlchemy is a quoted literal; Retort's server_default is SQL text, so 'hi'.)
// ports: tests/test_postgresql.py::PostgresqlDefaultCompareTest::test_compare_string_blank_default
// ports: tests/test_postgresql.py::PostgresqlDefaultCompareTest::test_compare_string_nonblank_default
// ports: tests/test_postgresql.py::PostgresqlDefaultCompareTest::test_compare_unicode_literal
// ports: tests/test_postgresql.py::PostgresqlDefaultCompareTest::test_compare_character_str
// ports: tests/test_postgresql.py::PostgresqlDefaultCompareTest::test_compare_character_text
TEST_F(PostgresqlDefaultCompare, Strings) {
    EXPECT_FALSE(changed(types::String(8), "''"));
    EXPECT_FALSE(changed(types::String(8), "'hi'"));
    EXPECT_FALSE(changed(types::String(), "'im a default'"));
    EXPECT_FALSE(changed(types::String(), "'hello'"));
    EXPECT_FALSE(changed(types::String(), "'hel''lo'"));
}

// ports: tests/test_postgresql.py::PostgresqlDefaultCompareTest::test_compare_character_str_diff
// ports: tests/test_postgresql.py::PostgresqlDefaultCompareTest::test_compare_character_text_diff
TEST_F(PostgresqlDefaultCompare, StringsDiffer) {
    EXPECT_TRUE(changed(types::String(), "'hello'", "'there'"));
    EXPECT_TRUE(changed(types::String(8), "'hi'", "'Hi'"));
}

// ports: tests/test_postgresql.py::PostgresqlDefaultCompareTest::test_compare_interval_str
// ports: tests/test_postgresql.py::PostgresqlDefaultCompareTest::test_compare_interval_text
TEST_F(PostgresqlDefaultCompare, Intervals) {
    if (!engine.dialect().caps().supports_native_interval) GTEST_SKIP() << "no INTERVAL columns here";
    EXPECT_FALSE(changed(types::Interval(), "'14 days'"));
    EXPECT_FALSE(changed(types::Interval(), "interval '14 days'", "'14 days'"));
    EXPECT_FALSE(changed(types::Interval(), "'14 days'", "'14 days'::interval"));
    EXPECT_FALSE(changed(types::Interval(), "'24 hours'"));  // read back as '24:00:00'::interval
    EXPECT_TRUE(changed(types::Interval(), "'14 days'", "'15 days'"));
}

// ports: tests/test_postgresql.py::PostgresqlDefaultCompareTest::test_compare_array_of_integer_text
TEST_F(PostgresqlDefaultCompare, ArrayOfInteger) {
    if (engine.dialect().name() != "postgresql") GTEST_SKIP() << "no array columns on " << engine.dialect().name();
    const SqlType int_array = types::Custom("conf_integer_array", types::Text(), {{"postgresql", "INTEGER[]"}});
    EXPECT_FALSE(changed(int_array, "(ARRAY[]::integer[])"));
    EXPECT_FALSE(changed(int_array, "'{}'"));
    EXPECT_FALSE(changed(int_array, "'{1,2}'", "'{ 1, 2 }'"));
    EXPECT_TRUE(changed(int_array, "'{1,2}'", "'{1,3}'"));
}

// ports: tests/test_postgresql.py::PostgresqlDefaultCompareTest::test_compare_current_timestamp_text
// ports: tests/test_postgresql.py::PostgresqlDefaultCompareTest::test_compare_current_timestamp_fn_w_binds
TEST_F(PostgresqlDefaultCompare, CurrentTimestamp) {
    EXPECT_FALSE(changed(types::DateTime(), "TIMEZONE('utc', CURRENT_TIMESTAMP)"));
    EXPECT_FALSE(changed(types::DateTime(), "timezone('utc', current_timestamp)"));
    // now() and CURRENT_TIMESTAMP are one function, however the database and the model spell it.
    EXPECT_FALSE(changed(types::DateTime(), "TIMEZONE('utc', CURRENT_TIMESTAMP)", "timezone('utc', now())"));
    EXPECT_FALSE(changed(types::DateTime(true), "now()", "CURRENT_TIMESTAMP"));
    EXPECT_FALSE(changed(types::DateTime(true), "CURRENT_TIMESTAMP", "transaction_timestamp()"));
    EXPECT_TRUE(changed(types::DateTime(true), "CURRENT_TIMESTAMP", "clock_timestamp()"));
    EXPECT_TRUE(changed(types::DateTime(), "TIMEZONE('utc', CURRENT_TIMESTAMP)", "timezone('UTC', now())"));
}

// ports: tests/test_postgresql.py::PostgresqlDefaultCompareTest::test_compare_integer_str
// ports: tests/test_postgresql.py::PostgresqlDefaultCompareTest::test_compare_integer_text
// ports: tests/test_postgresql.py::PostgresqlDefaultCompareTest::test_compare_integer_text_diff
TEST_F(PostgresqlDefaultCompare, Integers) {
    EXPECT_FALSE(changed(types::Integer(), "'5'"));
    EXPECT_FALSE(changed(types::Integer(), "5"));
    EXPECT_FALSE(changed(types::Integer(), "5", "'5'"));
    EXPECT_TRUE(changed(types::Integer(), "5", "'7'"));
    EXPECT_TRUE(changed(types::Integer(), "5", "7"));
}

// ports: tests/test_postgresql.py::PostgresqlDefaultCompareTest::test_compare_float_str
// ports: tests/test_postgresql.py::PostgresqlDefaultCompareTest::test_compare_float_text
// ports: tests/test_postgresql.py::PostgresqlDefaultCompareTest::test_compare_float_no_diff1
// ports: tests/test_postgresql.py::PostgresqlDefaultCompareTest::test_compare_float_no_diff2
// ports: tests/test_postgresql.py::PostgresqlDefaultCompareTest::test_compare_float_no_diff3
// ports: tests/test_postgresql.py::PostgresqlDefaultCompareTest::test_compare_float_no_diff4
// ports: tests/test_postgresql.py::PostgresqlDefaultCompareTest::test_compare_float_no_diff5
// ports: tests/test_postgresql.py::PostgresqlDefaultCompareTest::test_compare_float_no_diff6
// ports: tests/test_postgresql.py::PostgresqlDefaultCompareTest::test_compare_numeric_no_diff
TEST_F(PostgresqlDefaultCompare, FloatsAndNumerics) {
    EXPECT_FALSE(changed(types::Float(), "'5.2'"));
    EXPECT_FALSE(changed(types::Float(), "5.2"));
    EXPECT_FALSE(changed(types::Float(), "5.2", "'5.2'"));
    EXPECT_FALSE(changed(types::Float(), "'5.2'", "5.2"));
    EXPECT_FALSE(changed(types::Float(), "5", "5.0"));
    EXPECT_FALSE(changed(types::Float(), "'5'", "'5.0'"));
    EXPECT_FALSE(changed(types::Float(), "5", "'5.0'"));
    EXPECT_FALSE(changed(types::Float(), "'5'", "5.0"));
    EXPECT_FALSE(changed(types::Numeric(), "5", "'5.0'"));
    EXPECT_FALSE(changed(types::Double(), "1e3", "1000"));
    EXPECT_TRUE(changed(types::Float(), "5.2", "5.3"));
    EXPECT_TRUE(changed(types::Numeric(10, 2), "5", "'5.01'"));
}

// ports: tests/test_postgresql.py::PostgresqlDefaultCompareTest::test_primary_key_skip
TEST_F(PostgresqlDefaultCompare, SerialPrimaryKeySkipped) {
    MetaData m;
    m.table("test", {{"id", types::Integer(), {.primary_key = true}}});
    m.create_all(engine);
    CompareOptions o;
    o.include_object = [](const SchemaObject&, const std::string& name, const std::string& type, bool,
                          const SchemaObject*) { return type != "table" || name == "test"; };
    EXPECT_TRUE(compare_metadata(engine, m, o).empty());
}

// ports: tests/test_postgresql.py::PostgresqlDefaultCompareTest::test_non_pk_sequence
TEST_F(PostgresqlDefaultCompare, NonPrimaryKeySequence) {
    if (!engine.dialect().caps().supports_sequences) GTEST_SKIP() << "no sequences here";
    {
        auto conn = engine.connect();
        conn.exec_driver_sql("DROP SEQUENCE IF EXISTS post_sequential_id_seq");
        conn.commit();  // one DDL statement per transaction, for Aurora DSQL
        conn.exec_driver_sql("CREATE SEQUENCE post_sequential_id_seq START 1 CACHE 1");
        conn.commit();
    }
    EXPECT_FALSE(changed(types::Integer(), "nextval('post_sequential_id_seq')"));
    auto conn = engine.connect();
    conn.exec_driver_sql("DROP SEQUENCE IF EXISTS post_sequential_id_seq");
    conn.commit();
}

}  // namespace conf_pg_autogen
