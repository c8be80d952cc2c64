// Bad input without a database: strings that reach SQL text, nesting depth, text() parameters, NUL bytes
// in URLs, the revision file writer, values a database could not give back.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <thread>

#include <sstream>

#include <retort/migrate/migration.hpp>
#include <retort/migrate/ops.hpp>
#include <retort/sql/checks.hpp>

#include "sql/text_params.hpp"
#include "dialects/postgresql/pg_values.hpp"
#include "dialects/sqlite/sqlite_values.hpp"
#include "types/value_check.hpp"
#include "unit/serialize_util.hpp"

using namespace retort;
using retort::testkit::pg_sql;
using retort::testkit::sqlite_sql;

namespace {

struct People : TableDef {
    using TableDef::TableDef;
    Col<std::int64_t> id = col<std::int64_t>("id", {.primary_key = true});
    Col<std::string> name = col<std::string>("name");
    Col<std::int64_t> age = col<std::int64_t>("age");
};

class Safety : public ::testing::Test {
protected:
    MetaData md;
    People people{md, "people"};
};

// ---------------------------------------------------------------- LIKE's ESCAPE

TEST_F(Safety, LikeEscapeIsOneCharacter) {
    // A payload in the escape used to be pasted into the SQL: ESCAPE 'x' OR 1=1 --'.
    for (std::string_view bad : std::vector<std::string_view>{"x' OR 1=1 --", "ab", "''", std::string_view("\0", 1), "\xc3", "\xff"}) {
        EXPECT_THROW((void)people.name.like("a%", bad), ArgumentError) << bad;
        EXPECT_THROW((void)people.name.ilike("a%", bad), ArgumentError) << bad;
        EXPECT_THROW((void)people.name.not_like("a%", bad), ArgumentError) << bad;
        EXPECT_THROW((void)people.name.not_ilike("a%", bad), ArgumentError) << bad;
    }
    EXPECT_EQ(pg_sql(select(people.id).where(people.name.like("a%", "'"))),
              "SELECT people.id FROM people WHERE people.name LIKE $1 ESCAPE ''''");
    EXPECT_EQ(sqlite_sql(select(people.id).where(people.name.ilike("a%", "\\"))),
              "SELECT people.id FROM people WHERE lower(people.name) LIKE lower(?) ESCAPE '\\'");
    // One character of several bytes is one character.
    EXPECT_EQ(pg_sql(select(people.id).where(people.name.like("a%", "\xc3\xa9"))),
              "SELECT people.id FROM people WHERE people.name LIKE $1 ESCAPE '\xc3\xa9'");
    // A tree built by hand is checked when it is compiled.
    auto hand = std::make_shared<sql::BinaryNode>(sql::BinaryOp::Like, people.name.node(),
                                                  detail::make_bind("", Value("a"), types::String()), types::Boolean(),
                                                  "' OR 1=1 --");
    EXPECT_THROW((void)pg_sql(select(people.id).where(Expr<bool>(hand))), ArgumentError);
}

// ---------------------------------------------------------------- function names

TEST_F(Safety, FunctionNamesFollowAGrammar) {
    EXPECT_EQ(pg_sql(select(func::call<std::int64_t>("length", people.name))), "SELECT length(people.name) FROM people");
    EXPECT_EQ(pg_sql(select(func::call<DateTime>("pg_catalog.now"))), "SELECT pg_catalog.now()");
    EXPECT_EQ(pg_sql(select(func::call<std::int64_t>("My_Func$2", people.age))), "SELECT My_Func$2(people.age) FROM people");
    for (std::string bad : std::vector<std::string>{"", "count(*) FROM secrets --", "now() UNION SELECT 1", "a..b", ".a", "a.", "1abc",
                            "a b", "a;b", "\"quoted\"", "a-b", std::string("a\0b", 3), std::string(64, 'f'),
                            "$a"}) {
        EXPECT_THROW((void)func::call<std::int64_t>(bad, people.age), ArgumentError) << bad;
    }
    EXPECT_NO_THROW((void)func::call<std::int64_t>(std::string(63, 'f')));
    // A node made by hand is checked by the compiler.
    auto hand = std::make_shared<sql::FuncNode>("now(); DROP TABLE people; --", std::vector<sql::NodePtr>{},
                                                types::DateTime());
    EXPECT_THROW((void)pg_sql(select(Expr<DateTime>(hand))), ArgumentError);
}

// ---------------------------------------------------------------- ON DELETE / ON UPDATE

TEST_F(Safety, ReferentialActionsAreTheFiveKnownOnes) {
    EXPECT_EQ(sql::check_referential_action("cascade"), "CASCADE");
    EXPECT_EQ(sql::check_referential_action("  set \t null "), "SET NULL");
    EXPECT_EQ(sql::check_referential_action("Set Default"), "SET DEFAULT");
    EXPECT_EQ(sql::check_referential_action("RESTRICT"), "RESTRICT");
    EXPECT_EQ(sql::check_referential_action("no action"), "NO ACTION");
    for (std::string bad : {"", "CASCADE; DROP TABLE people", "CASCADE --", "SET", "NULL", "SETNULL",
                            "CASCADE DEFERRABLE", "cascade\x01"})
        EXPECT_THROW((void)sql::check_referential_action(bad), ArgumentError) << bad;

    MetaData m;
    Table& parent = m.new_table("parent");
    parent.append_column(ColumnDef{"id", types::Integer(), {.primary_key = true}});
    Table& child = m.new_table("child");
    EXPECT_THROW(child.append_column(ColumnDef{"pid", types::Integer(),
                                               {.foreign_key = "parent.id", .ondelete = "CASCADE) ; DROP TABLE x; --"}}),
                 ArgumentError);
    child.append_column(ColumnDef{"id", types::Integer(), {.primary_key = true}});
    child.append_column(ColumnDef{"pid", types::Integer(), {}});
    EXPECT_THROW(child.append(ForeignKeyConstraint{{"pid"}, "parent", {"id"}, std::nullopt, std::nullopt, "x"}),
                 ArgumentError);
    child.append(ForeignKeyConstraint{{"pid"}, "parent", {"id"}, std::nullopt, "set null", std::nullopt});
    auto ddl = testkit::dialect("sqlite")->ddl_compiler()->create_table(child);
    EXPECT_NE(ddl.find("ON DELETE SET NULL"), std::string::npos) << ddl;
}

// ---------------------------------------------------------------- NUL bytes in URLs

TEST_F(Safety, NulInAUrlIsRefusedBeforeConnecting) {
    const auto dir = std::filesystem::temp_directory_path() / "retort_nul_test";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const std::string path = (dir / "db").string();
    // sqlite:///path%00x used to open /path.
    EXPECT_THROW((void)create_engine("sqlite:///" + path + "%00x"), ArgumentError);
    EXPECT_THROW((void)create_engine("sqlite:///" + path + "?uri=true&vfs=unix%00x"), ArgumentError);
    EXPECT_FALSE(std::filesystem::exists(path));
    // A PostgreSQL database name with %00 used to connect to the user's default database.
    EXPECT_THROW((void)create_engine("postgresql://u@localhost/retort_test%00x"), ArgumentError);
    EXPECT_THROW((void)create_engine("postgresql://u%00x@localhost/db"), ArgumentError);
    EXPECT_THROW((void)create_engine("postgresql://u:pa%00ss@localhost/db"), ArgumentError);
    EXPECT_THROW((void)create_engine("postgresql://u@local%00host/db"), ArgumentError);
    EXPECT_THROW((void)create_engine("postgresql://u@localhost/db?application_name=a%00b"), ArgumentError);
    // connect_args go through the same check; the message names the parameter, never its value.
    EngineOptions o;
    o.connect_args["password"] = std::string("sec\0ret", 7);
    try {
        (void)create_engine("postgresql://u@localhost/db", o);
        ADD_FAILURE() << "no error";
    } catch (const ArgumentError& e) {
        EXPECT_NE(std::string(e.what()).find("password"), std::string::npos);
        EXPECT_EQ(std::string(e.what()).find("sec"), std::string::npos);
    }
    // The URL itself still represents such names (rendering and parsing round trip).
    EXPECT_EQ(URL::parse("sqlite:///a%00b").database(), std::string("a\0b", 3));
    std::filesystem::remove_all(dir);
}

// ---------------------------------------------------------------- nesting depth

// select(people.id).where(e): the statement is level 1, so an expression of depth d nests d + 1 levels.
Expr<bool> not_chain(const People& p, int nots) {
    Expr<bool> e = p.age == 1;  // 2 levels: the comparison and its operands
    for (int i = 0; i < nots; ++i) e = !e;
    return e;
}

Expr<bool> and_or_chain(const People& p, int ops) {
    Expr<bool> e = p.age == 1;
    for (int i = 0; i < ops; ++i) e = i % 2 ? or_(e, p.age == i) : and_(e, p.age == i);
    return e;
}

Expr<std::int64_t> sum_chain(const People& p, int adds) {
    Expr<std::int64_t> e = p.age;  // 1 level
    for (int i = 0; i < adds; ++i) e = e + 1;
    return e;
}

TEST_F(Safety, NestingDepthIsLimitedAtTheDocumentedDepth) {
    const int max = sql::max_depth;
    ASSERT_EQ(max, 1000);
    auto dialects = {testkit::dialect("sqlite"), testkit::dialect("postgresql")};
    for (const auto& d : dialects) {
        // NOT chains: 1 + nots + 2 levels.
        EXPECT_NO_THROW((void)testkit::compile(select(people.id).where(not_chain(people, max - 3)), *d));
        EXPECT_THROW((void)testkit::compile(select(people.id).where(not_chain(people, max - 2)), *d), CompileError);
        // AND/OR alternating: each operator a level of its own (and_ / or_ flatten only the same operator).
        EXPECT_NO_THROW((void)testkit::compile(select(people.id).where(and_or_chain(people, max - 3)), *d));
        EXPECT_THROW((void)testkit::compile(select(people.id).where(and_or_chain(people, max - 2)), *d), CompileError);
        // Arithmetic: 1 (statement) + adds + 1 (the column).
        EXPECT_NO_THROW((void)testkit::compile(select(sum_chain(people, max - 2)), *d));
        EXPECT_THROW((void)testkit::compile(select(sum_chain(people, max - 1)), *d), CompileError);
    }
    // Far past the limit: an error, never a crash (this used to overflow the stack in the compiler).
    for (int depth : {10'000, 100'000}) {
        EXPECT_THROW((void)pg_sql(select(people.id).where(not_chain(people, depth))), CompileError);
        EXPECT_THROW((void)pg_sql(select(people.id).where(and_or_chain(people, depth))), CompileError);
        EXPECT_THROW((void)pg_sql(select(sum_chain(people, depth))), CompileError);
    }
}

TEST_F(Safety, NestedSubqueriesAndJoinsCountToo) {
    // Each scalar subquery adds three levels: the grouping, the SELECT and its comparison.
    auto nested = [&](int n) {
        Select s = select(people.id);
        for (int i = 0; i < n; ++i) s = select(people.id).where(people.id == s.scalar_subquery<std::int64_t>());
        return s;
    };
    EXPECT_NO_THROW((void)pg_sql(nested(300)));
    EXPECT_THROW((void)pg_sql(nested(400)), CompileError);
    EXPECT_THROW((void)pg_sql(nested(20'000)), CompileError);
    // A chain of joins, each join a level.
    FromClause f = people;
    for (int i = 0; i < 5000; ++i) f = join(f, alias(people.table(), "p" + std::to_string(i)), people.id == 1);
    EXPECT_THROW((void)pg_sql(select(people.id).select_from(f)), CompileError);
    EXPECT_THROW((void)pg_sql(select(people.id).select_from(f).join(alias(people.table(), "last"))), CompileError);
}

TEST_F(Safety, DeepTreesAreDestroyedWithoutDeepRecursion) {
    // 200,000 levels: destroying them recursively would need tens of megabytes of stack.
    {
        auto e = not_chain(people, 200'000);
        auto s = select(people.id).where(e);
    }
    {
        auto e = sum_chain(people, 200'000);
        auto copy = e;  // shared: released once, by the last owner
    }
    // Built on another thread, destroyed there (the release queue is per thread).
    std::thread t([&] { auto e = and_or_chain(people, 100'000); });
    t.join();
    SUCCEED();
}

// ---------------------------------------------------------------- text() parameters

std::vector<std::string> params_of(std::string_view sql) {
    std::vector<std::string> out;
    for (const auto& p : sql::detail::split_text_params(sql))
        if (p.is_param) out.emplace_back(p.text);
    return out;
}

std::string text_of(std::string_view sql) {
    std::string out;
    for (const auto& p : sql::detail::split_text_params(sql)) out += p.is_param ? "<" + std::string(p.text) + ">" : std::string(p.text);
    return out;
}

using Names = std::vector<std::string>;

TEST_F(Safety, TextParametersSkipQuotesCommentsAndCasts) {
    EXPECT_EQ(params_of("SELECT :a, :b_2 FROM t WHERE x = :a"), (Names{"a", "b_2", "a"}));
    EXPECT_EQ(params_of("SELECT ':x', 'it''s :y', :z"), (Names{"z"}));
    // E'...' strings: a backslash takes the quote after it, so the string goes on past \'.
    EXPECT_EQ(params_of("SELECT E'\\':x', :y"), (Names{"y"}));
    EXPECT_EQ(params_of("SELECT e'a\\\\' , :y"), (Names{"y"}));   // e'a\\' ends after the escaped backslash
    EXPECT_EQ(params_of("SELECT NAME':x'"), Names{});              // not an E-string, still a string
    EXPECT_EQ(params_of("SELECT $$ :x $$, $tag$ ':y' $x$ :z $tag$, :w"), (Names{"w"}));
    EXPECT_EQ(params_of("SELECT $1, a$b, :v"), (Names{"v"}));      // $1 and a$b open no dollar quote
    EXPECT_EQ(params_of("SELECT \"col:x\", `b:y`, :z"), (Names{"z"}));
    EXPECT_EQ(params_of("SELECT 1 -- :x\n, :y /* :z /* nested :q */ still :r */ , :s"), (Names{"y", "s"}));
    EXPECT_EQ(params_of("SELECT :a::int, x::text, ::b, :::c"), (Names{"a"}));
    EXPECT_EQ(params_of("SELECT ':unterminated, :x"), Names{});
    EXPECT_EQ(params_of("SELECT 1 /* :x"), Names{});
    // "\:" is a colon, outside quotes and inside ordinary ones.
    EXPECT_EQ(text_of("SELECT \\:x, '\\:y', :z"), "SELECT :x, ':y', <z>");
    EXPECT_EQ(text_of("SELECT E'\\:y'"), "SELECT E'\\:y'");
    EXPECT_EQ(pg_sql(text("SELECT E'\\':x' AS a, :x AS b, '12:30' AS c")), "SELECT E'\\':x' AS a, $1 AS b, '12:30' AS c");
    EXPECT_EQ(sqlite_sql(text("SELECT :a || ':b' || \"c:d\"")), "SELECT ? || ':b' || \"c:d\"");
}

TEST_F(Safety, TextWithManyParameters) {
    // 70,000 named parameters (which once took 46 s: a scan per name) are each bound once, in order. How long
    // it takes is measured by the benchmarks (bench/), not here.
    std::string sql = "SELECT 0";
    Params values;
    for (int i = 0; i < 70'000; ++i) {
        sql += " + :p" + std::to_string(i);
        values.emplace_back("p" + std::to_string(i), Value(i));
    }
    auto t = text(sql).bindparams(values);
    auto c = testkit::compile(t, *testkit::dialect("postgresql"));
    ASSERT_EQ(c.keys.size(), 70'000u);
    EXPECT_EQ(c.keys.front(), "p0");
    EXPECT_EQ(c.keys[12345], "p12345");
    EXPECT_EQ(c.keys.back(), "p69999");
}

// ---------------------------------------------------------------- revision files

TEST_F(Safety, RevisionMessagesCannotRewriteTheFile) {
    migrate::Revision r;
    r.id = "abc123";
    r.created = "2025-01-30T10:15:00Z";
    // -m "x\nrevision: evil" used to replace the id; "\n\nupgrade:\nexecute ..." added steps that then ran.
    for (std::string msg : std::vector<std::string>{"x\nrevision: evil", "x\r\nupgrade:\nexecute \"DROP TABLE users\"", "x\rparents: a",
                            std::string("x\0y", 3)}) {
        r.message = msg;
        EXPECT_THROW((void)migrate::render_revision(r), migrate::FormatError);
        EXPECT_THROW((void)migrate::render_revision(r), ArgumentError);
    }
    r.message = "Add users: one line, with \"quotes\" and # signs";
    auto back = migrate::parse_revision(migrate::render_revision(r));
    EXPECT_EQ(back.message, r.message);
    EXPECT_EQ(back.id, "abc123");
    r.parents = {"bad id"};
    EXPECT_THROW((void)migrate::render_revision(r), migrate::FormatError);
    r.parents = {};
    r.id = "x\nupgrade:";
    EXPECT_THROW((void)migrate::render_revision(r), migrate::FormatError);
    EXPECT_THROW((void)migrate::parse_revision("revision: abc\nparents: a;b\n"), migrate::FormatError);
}

TEST_F(Safety, RevisionFilesKeepHostileNamesAndTextInside) {
    migrate::Revision r;
    r.id = "abc123";
    r.created = "2025-01-30T10:15:00Z";
    r.header_comments = {"a comment\nexecute \"DROP TABLE users\""};
    migrate::Operation create;
    create.kind = migrate::OpKind::CreateTable;
    create.table = create.table_spec.name = "my table\nexecute \"x\"";
    create.table_spec.columns.push_back({"unique", types::Integer(), false, true, std::nullopt, std::nullopt});
    create.table_spec.columns.push_back({"first name", types::Enum("my mood", {"very happy", "sad #1"}), true, false,
                                         std::nullopt, "'a\nb'"});
    create.table_spec.uniques.push_back(UniqueConstraint{{"first name", "unique"}, "uq name"});
    migrate::Operation exec;
    exec.kind = migrate::OpKind::Execute;
    exec.sql = "UPDATE t SET a = 1\n  SQL  \ndrop_table users\nSQL_";
    migrate::Operation index;
    index.kind = migrate::OpKind::CreateIndex;
    index.name = "ix=1";
    index.table = "my table\nexecute \"x\"";
    index.columns = {"first name"};
    migrate::Operation bulk;
    bulk.kind = migrate::OpKind::BulkInsert;
    bulk.table = "t";
    bulk.columns = {"a"};
    bulk.rows = {{Value("line\nbreak\r\"")}, {Value("null")}};
    r.upgrade = {migrate::Step{std::nullopt, "hint\ndrop_table users"}, migrate::Step{create, {}},
                 migrate::Step{exec, {}}, migrate::Step{index, {}}, migrate::Step{bulk, {}}};
    const auto text = migrate::render_revision(r);
    const auto back = migrate::parse_revision(text);
    ASSERT_EQ(back.upgrade_ops().size(), 4u) << text;
    const auto ops = back.upgrade_ops();
    EXPECT_EQ(ops[0].table, create.table);
    ASSERT_EQ(ops[0].table_spec.columns.size(), 2u);
    EXPECT_EQ(ops[0].table_spec.columns[0].name, "unique");
    EXPECT_EQ(ops[0].table_spec.columns[1].name, "first name");
    EXPECT_EQ(ops[0].table_spec.columns[1].server_default, "'a\nb'");
    EXPECT_EQ(ops[0].table_spec.columns[1].type.enum_info->values, (std::vector<std::string>{"very happy", "sad #1"}));
    EXPECT_EQ(ops[0].table_spec.uniques[0].columns, (std::vector<std::string>{"first name", "unique"}));
    EXPECT_EQ(ops[1].sql, exec.sql);
    EXPECT_EQ(ops[2].name, "ix=1");
    EXPECT_EQ(ops[2].columns, (std::vector<std::string>{"first name"}));
    EXPECT_EQ(ops[3].rows, bulk.rows);
    for (const auto& op : ops) EXPECT_NE(op.kind, migrate::OpKind::DropTable);

    // Names that cannot be written are refused rather than written wrong.
    migrate::Operation bad = index;
    bad.columns = {"a,b"};
    r.upgrade = {migrate::Step{bad, {}}};
    EXPECT_THROW((void)migrate::render_revision(r), migrate::FormatError);
    migrate::Operation fk;
    fk.kind = migrate::OpKind::CreateForeignKey;
    fk.name = "fk";
    fk.table = "t";
    fk.columns = {"a"};
    fk.referred_table = "p(x";
    fk.referred_columns = {"id"};
    r.upgrade = {migrate::Step{fk, {}}};
    EXPECT_THROW((void)migrate::render_revision(r), migrate::FormatError);
    create.table_spec.columns[1].type = types::Enum("m", {"a|b"});
    r.upgrade = {migrate::Step{create, {}}};
    EXPECT_THROW((void)migrate::render_revision(r), migrate::FormatError);
}

TEST_F(Safety, OfflineScriptsKeepNotesInComments) {
    // A constraint name with a line break ended the "-- ... skipped" comment of an offline script, and the rest
    // of the name was a statement of the script.
    auto dialect = testkit::dialect("postgresql");
    dialect->mutable_caps().supports_foreign_keys = false;
    auto rev = migrate::parse_revision(
        "revision: a1\nparents:\nupgrade:\n"
        "create_foreign_key \"fk\\nDROP TABLE owners; --\" table=pets columns=owner_id references=owners(id)\n");
    migrate::RevisionGraph graph({rev});
    std::ostringstream out;
    migrate::MigrationContext ctx(dialect, out);
    ctx.upgrade(graph, "head");
    const std::string sql = out.str();
    EXPECT_EQ(sql.find("\nDROP TABLE"), std::string::npos) << sql;
    EXPECT_NE(sql.find("-- foreign key fk DROP TABLE owners; -- skipped"), std::string::npos) << sql;
    // ON DELETE in a revision is one of the five actions, or the operation does not compile.
    auto bad = migrate::parse_revision(
        "revision: a2\nparents:\nupgrade:\n"
        "create_foreign_key fk table=pets columns=owner_id references=owners(id) ondelete=\"CASCADE; DROP TABLE x\"\n");
    migrate::RevisionGraph bad_graph({bad});
    std::ostringstream bad_out;
    migrate::MigrationContext bad_ctx(testkit::dialect("postgresql"), bad_out);
    EXPECT_THROW(bad_ctx.upgrade(bad_graph, "head"), Error);  // ArgumentError, or MigrationError around it
    EXPECT_EQ(bad_out.str().find("DROP TABLE x"), std::string::npos);
}

// ---------------------------------------------------------------- values

bool refused(const Value& v, const detail::ValueLimits& l) {
    std::string why;
    const char* state = nullptr;
    return detail::unstorable(v, l, why, state);
}

TEST_F(Safety, ValuesOutsideWhatADatabaseGivesBackAreRefused) {
    const auto& lite = detail::sqlite_value_limits;
    const auto& pg = detail::postgresql_value_limits;
    const int imin = std::numeric_limits<int>::min(), imax = std::numeric_limits<int>::max();
    for (const auto* l : {&lite, &pg}) {
        EXPECT_TRUE(refused(Date{2023, 2, 30}, *l));
        EXPECT_TRUE(refused(Date{2023, 13, 1}, *l));
        EXPECT_TRUE(refused(Date{2023, 0, 1}, *l));
        EXPECT_TRUE(refused(Date{2023, 1, 0}, *l));
        EXPECT_TRUE(refused(Date{imin, 1, 1}, *l));
        EXPECT_TRUE(refused(Date{imax, 1, 1}, *l));
        EXPECT_FALSE(refused(Date{2024, 2, 29}, *l));
        EXPECT_TRUE(refused(Date{2023, 2, 29}, *l));
        EXPECT_TRUE(refused(Time{25, 61, 61, 0}, *l));
        EXPECT_TRUE(refused(Time{12, 0, 0, 1'000'000}, *l));
        EXPECT_TRUE(refused(Time{24, 0, 0, 1}, *l));
        EXPECT_FALSE(refused(Time{24, 0, 0, 0}, *l));
        EXPECT_FALSE(refused(Time{23, 59, 59, 999'999}, *l));
        EXPECT_TRUE(refused(DateTime{{2023, 1, 1}, {24, 0, 0, 0}, std::nullopt}, *l));
        EXPECT_TRUE(refused(DateTime{{2023, 2, 30}, {0, 0, 0, 0}, std::nullopt}, *l));
        EXPECT_TRUE(refused(DateTime{{2023, 1, 1}, {0, 0, 0, 0}, 24 * 60}, *l));
        EXPECT_TRUE(refused(DateTime{{imin, 1, 1}, {0, 0, 0, 0}, 60}, *l));
        EXPECT_FALSE(refused(Value(std::numeric_limits<double>::infinity()), *l));
        EXPECT_FALSE(refused(Value(-0.0), *l));
    }
    EXPECT_TRUE(refused(Value(std::nan("")), lite));
    EXPECT_FALSE(refused(Value(std::nan("")), pg));
    // Years: SQLite 0 to 9999, PostgreSQL dates -4713 (4714 BC) to 5874897, timestamps to 294276.
    EXPECT_FALSE(refused(Date{0, 1, 1}, lite));
    EXPECT_TRUE(refused(Date{-1, 12, 31}, lite));
    EXPECT_FALSE(refused(Date{9999, 12, 31}, lite));
    EXPECT_TRUE(refused(Date{10000, 1, 1}, lite));
    EXPECT_FALSE(refused(Date{-4713, 11, 24}, pg));
    EXPECT_TRUE(refused(Date{-4714, 12, 31}, pg));
    EXPECT_FALSE(refused(Date{5874897, 12, 31}, pg));
    EXPECT_TRUE(refused(Date{5874898, 1, 1}, pg));
    EXPECT_FALSE(refused(DateTime{{294276, 12, 31}, {23, 59, 59, 999'999}, std::nullopt}, pg));
    EXPECT_TRUE(refused(DateTime{{294277, 1, 1}, {0, 0, 0, 0}, std::nullopt}, pg));
    // Stored as the UTC instant: 9999-12-31 23:30-01:00 is 10000-01-01 in UTC.
    EXPECT_TRUE(refused(DateTime{{9999, 12, 31}, {23, 30, 0, 0}, -60}, lite));
    EXPECT_FALSE(refused(DateTime{{9999, 12, 31}, {22, 30, 0, 0}, -60}, lite));
    EXPECT_TRUE(refused(DateTime{{0, 1, 1}, {0, 30, 0, 0}, 60}, lite));
    // Offsets: PostgreSQL within 15:59.
    EXPECT_FALSE(refused(DateTime{{2023, 1, 1}, {0, 0, 0, 0}, 15 * 60 + 59}, pg));
    EXPECT_TRUE(refused(DateTime{{2023, 1, 1}, {0, 0, 0, 0}, 16 * 60}, pg));
    EXPECT_FALSE(refused(DateTime{{2023, 1, 1}, {0, 0, 0, 0}, -(23 * 60 + 59)}, lite));
    // Interval months and days are 32-bit on PostgreSQL.
    EXPECT_FALSE(refused(Interval{std::numeric_limits<std::int32_t>::max(), 0, 0}, pg));
    EXPECT_TRUE(refused(Interval{std::int64_t{std::numeric_limits<std::int32_t>::max()} + 1, 0, 0}, pg));
    EXPECT_TRUE(refused(Interval{0, std::int64_t{std::numeric_limits<std::int32_t>::min()} - 1, 0}, pg));
    EXPECT_FALSE(refused(Interval{std::int64_t{1} << 40, 0, 0}, lite));
}

}  // namespace
