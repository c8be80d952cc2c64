// Serialize tests: expression -> exact SQL, per dialect.
#include <gtest/gtest.h>

#include "unit/serialize_util.hpp"

using namespace retort;
using retort::testkit::pg_sql;
using retort::testkit::sqlite_sql;

namespace {

struct Users : TableDef {
    using TableDef::TableDef;
    Col<std::int64_t> id = col<std::int64_t>("id", {.primary_key = true});
    Col<std::string> name = col<std::string>("name", {.type = types::String(50)});
    Col<std::optional<std::string>> email = col<std::optional<std::string>>("email");
    Col<std::int32_t> age = col<std::int32_t>("age", {.nullable = true});
};

struct Addresses : TableDef {
    using TableDef::TableDef;
    Col<std::int64_t> id = col<std::int64_t>("id", {.primary_key = true});
    Col<std::int64_t> user_id = col<std::int64_t>("user_id", {.foreign_key = "users.id"});
    Col<std::string> street = col<std::string>("street");
};

class Serialize : public ::testing::Test {
protected:
    MetaData md;
    Users users{md, "users"};
    Addresses addresses{md, "addresses"};
};

TEST_F(Serialize, SimpleSelect) {
    auto s = select(users.id, users.name).where(users.name == "joe");
    EXPECT_EQ(sqlite_sql(s), "SELECT users.id, users.name FROM users WHERE users.name = ?");
    EXPECT_EQ(pg_sql(s), "SELECT users.id, users.name FROM users WHERE users.name = $1");
}

TEST_F(Serialize, SelectWholeTable) {
    EXPECT_EQ(sqlite_sql(select(users)), "SELECT users.id, users.name, users.email, users.age FROM users");
}

TEST_F(Serialize, AndOrPrecedence) {
    auto s = select(users.id).where((users.age > 5 || users.age < 2) && users.name != "x");
    EXPECT_EQ(pg_sql(s), "SELECT users.id FROM users WHERE (users.age > $1 OR users.age < $2) AND users.name != $3");
    auto s2 = select(users.id).where(users.age > 5).where(users.name == "a" || users.name == "b");
    EXPECT_EQ(pg_sql(s2), "SELECT users.id FROM users WHERE users.age > $1 AND (users.name = $2 OR users.name = $3)");
    auto s3 = select(users.id).where(!(users.age > 5));
    EXPECT_EQ(pg_sql(s3), "SELECT users.id FROM users WHERE NOT (users.age > $1)");
}

TEST_F(Serialize, Arithmetic) {
    auto s = select((users.age + 1) * 2, users.age - (users.age - 1));
    EXPECT_EQ(pg_sql(s), "SELECT (users.age + $1) * $2, users.age - (users.age - $3) FROM users");
}

TEST_F(Serialize, NullComparisons) {
    EXPECT_EQ(pg_sql(select(users.id).where(users.email == nullptr)), "SELECT users.id FROM users WHERE users.email IS NULL");
    EXPECT_EQ(pg_sql(select(users.id).where(users.email != std::nullopt)),
              "SELECT users.id FROM users WHERE users.email IS NOT NULL");
    EXPECT_EQ(pg_sql(select(users.id).where(users.email.is_null())), "SELECT users.id FROM users WHERE users.email IS NULL");
}

TEST_F(Serialize, InAndEmptyIn) {
    EXPECT_EQ(pg_sql(select(users.id).where(users.id.in_({1, 2, 3}))),
              "SELECT users.id FROM users WHERE users.id IN ($1, $2, $3)");
    EXPECT_EQ(pg_sql(select(users.id).where(users.id.in_(std::vector<int>{}))),
              "SELECT users.id FROM users WHERE 1 != 1");
    EXPECT_EQ(pg_sql(select(users.id).where(users.id.not_in(std::vector<int>{}))),
              "SELECT users.id FROM users WHERE 1 = 1");
    EXPECT_EQ(sqlite_sql(select(users.id).where(users.name.not_in({"a", "b"}))),
              "SELECT users.id FROM users WHERE users.name NOT IN (?, ?)");
    auto sub = select(addresses.user_id).where(addresses.street == "x");
    EXPECT_EQ(pg_sql(select(users.id).where(users.id.in_(sub))),
              "SELECT users.id FROM users WHERE users.id IN (SELECT addresses.user_id FROM addresses WHERE addresses.street = $1)");
}

TEST_F(Serialize, LikeAndIlike) {
    EXPECT_EQ(pg_sql(select(users.id).where(users.name.like("j%"))), "SELECT users.id FROM users WHERE users.name LIKE $1");
    EXPECT_EQ(pg_sql(select(users.id).where(users.name.ilike("j%"))), "SELECT users.id FROM users WHERE users.name ILIKE $1");
    EXPECT_EQ(sqlite_sql(select(users.id).where(users.name.ilike("j%"))),
              "SELECT users.id FROM users WHERE lower(users.name) LIKE lower(?)");
    EXPECT_EQ(pg_sql(select(users.id).where(users.name.startswith("50%_off"))),
              "SELECT users.id FROM users WHERE users.name LIKE $1 ESCAPE '/'");
    EXPECT_EQ(pg_sql(select(users.id).where(users.name.like("a!%", "!"))),
              "SELECT users.id FROM users WHERE users.name LIKE $1 ESCAPE '!'");
}

TEST_F(Serialize, LikeEscapeHelper) {
    EXPECT_EQ(detail::like_escape("50%_off/x", '/'), "50/%/_off//x");
}

TEST_F(Serialize, Between) {
    EXPECT_EQ(pg_sql(select(users.id).where(users.age.between(18, 65))),
              "SELECT users.id FROM users WHERE users.age BETWEEN $1 AND $2");
}

TEST_F(Serialize, JoinInferredFromForeignKey) {
    auto s = select(users.name, addresses.street).join(addresses);
    EXPECT_EQ(pg_sql(s),
              "SELECT users.name, addresses.street FROM users JOIN addresses ON users.id = addresses.user_id");
    auto o = select(users.name, addresses.street).outerjoin(addresses).where(addresses.street.is_null());
    EXPECT_EQ(sqlite_sql(o),
              "SELECT users.name, addresses.street FROM users LEFT OUTER JOIN addresses ON users.id = addresses.user_id "
              "WHERE addresses.street IS NULL");
}

TEST_F(Serialize, JoinExplicitOn) {
    auto s = select(users.name).join(addresses, users.id == addresses.user_id && addresses.street != "");
    EXPECT_EQ(pg_sql(s),
              "SELECT users.name FROM users JOIN addresses ON users.id = addresses.user_id AND addresses.street != $1");
}

TEST_F(Serialize, GroupByHavingOrderLimit) {
    auto n = func::count(addresses.id).label("n");
    auto s = select(users.name, n)
                 .join(addresses)
                 .group_by(users.name)
                 .having(func::count(addresses.id) > 1)
                 .order_by(n.desc(), users.name)
                 .limit(10)
                 .offset(5);
    EXPECT_EQ(pg_sql(s),
              "SELECT users.name, count(addresses.id) AS n FROM users JOIN addresses ON users.id = addresses.user_id "
              "GROUP BY users.name HAVING count(addresses.id) > $1 ORDER BY n DESC, users.name LIMIT $2 OFFSET $3");
    EXPECT_EQ(sqlite_sql(select(users.id).offset(3)), "SELECT users.id FROM users LIMIT -1 OFFSET ?");
}

TEST_F(Serialize, Distinct) {
    EXPECT_EQ(pg_sql(select(users.name).distinct()), "SELECT DISTINCT users.name FROM users");
    EXPECT_EQ(pg_sql(select(users.name, users.id).distinct_on(users.name)),
              "SELECT DISTINCT ON (users.name) users.name, users.id FROM users");
    EXPECT_EQ(pg_sql(select(func::count(users.name.distinct()))), "SELECT count(DISTINCT users.name) FROM users");
}

TEST_F(Serialize, SubqueryAndCorrelation) {
    auto sub = select(addresses.user_id, func::count().label("cnt")).group_by(addresses.user_id).subquery("a");
    auto s = select(users.name, sub.c<std::int64_t>("cnt")).join(sub, users.id == sub.c<std::int64_t>("user_id"));
    EXPECT_EQ(pg_sql(s),
              "SELECT users.name, a.cnt FROM users JOIN (SELECT addresses.user_id, count(*) AS cnt FROM addresses "
              "GROUP BY addresses.user_id) AS a ON users.id = a.user_id");
    // A scalar subquery that refers to the outer table correlates to it.
    auto cnt = select(func::count()).where(addresses.user_id == users.id).scalar_subquery<std::int64_t>();
    EXPECT_EQ(pg_sql(select(users.name, cnt.label("n"))),
              "SELECT users.name, (SELECT count(*) FROM addresses WHERE addresses.user_id = users.id) AS n FROM users");
    auto ex = select(users.name).where(select(addresses.id).where(addresses.user_id == users.id).exists());
    EXPECT_EQ(pg_sql(ex),
              "SELECT users.name FROM users WHERE EXISTS (SELECT addresses.id FROM addresses WHERE addresses.user_id = users.id)");
}

TEST_F(Serialize, Cte) {
    auto c = select(users.id, users.name).where(users.age > 30).cte("older");
    auto s = select(c.c<std::string>("name")).where(c.c<std::int64_t>("id") < 100);
    EXPECT_EQ(pg_sql(s),
              "WITH older AS (SELECT users.id, users.name FROM users WHERE users.age > $1) "
              "SELECT older.name FROM older WHERE older.id < $2");
    EXPECT_EQ(sqlite_sql(s),
              "WITH older AS (SELECT users.id, users.name FROM users WHERE users.age > ?) "
              "SELECT older.name FROM older WHERE older.id < ?");
    // The CTE's bind comes first in the text, so it is the first placeholder.
    auto ct = retort::testkit::compile(s, *retort::testkit::dialect("sqlite"));
    ASSERT_EQ(ct.keys.size(), 2u);
}

TEST_F(Serialize, Union) {
    auto u = select(users.name).where(users.age < 10).union_all(select(users.name).where(users.age > 90));
    EXPECT_EQ(pg_sql(u),
              "SELECT users.name FROM users WHERE users.age < $1 UNION ALL SELECT users.name FROM users WHERE users.age > $2");
}

TEST_F(Serialize, CaseCastFunctions) {
    auto c = case_<std::string>({{users.age < 18, literal(std::string("minor"))}}, literal(std::string("adult")));
    EXPECT_EQ(pg_sql(select(c)), "SELECT CASE WHEN users.age < $1 THEN $2 ELSE $3 END FROM users");
    EXPECT_EQ(pg_sql(select(cast<std::string>(users.age, types::String(10)))),
              "SELECT CAST(users.age AS VARCHAR(10)) FROM users");
    EXPECT_EQ(pg_sql(select(func::coalesce(users.email, "none"))), "SELECT coalesce(users.email, $1) FROM users");
    EXPECT_EQ(pg_sql(select(func::lower(users.name))), "SELECT lower(users.name) FROM users");
}

TEST_F(Serialize, Insert) {
    auto i = insert(users).values({{"name", "joe"}, {"age", 3}});
    EXPECT_EQ(pg_sql(i), "INSERT INTO users (name, age) VALUES ($1, $2)");
    EXPECT_EQ(pg_sql(i.returning(users.id)), "INSERT INTO users (name, age) VALUES ($1, $2) RETURNING users.id");
    EXPECT_EQ(sqlite_sql(insert(users)), "INSERT INTO users DEFAULT VALUES");
    auto multi = insert(users).multi_values({{{"name", "a"}}, {{"name", "b"}}});
    EXPECT_EQ(sqlite_sql(multi), "INSERT INTO users (name) VALUES (?), (?)");
    auto typed = insert(users).value(users.name, "x").value(users.age, 4);
    EXPECT_EQ(sqlite_sql(typed), "INSERT INTO users (name, age) VALUES (?, ?)");
}

TEST_F(Serialize, InsertFromSelect) {
    auto i = insert(addresses).from_select({"user_id", "street"}, select(users.id, users.name).where(users.age > 1));
    EXPECT_EQ(pg_sql(i),
              "INSERT INTO addresses (user_id, street) SELECT users.id, users.name FROM users WHERE users.age > $1");
}

TEST_F(Serialize, Upsert) {
    auto i = insert(users).values({{"id", 1}, {"name", "joe"}});
    EXPECT_EQ(pg_sql(i.on_conflict_do_nothing({"id"})),
              "INSERT INTO users (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING");
    EXPECT_EQ(sqlite_sql(i.on_conflict_do_nothing()), "INSERT INTO users (id, name) VALUES (?, ?) ON CONFLICT DO NOTHING");
    auto u = i.on_conflict_do_update({"id"}, {{"name", excluded(users.name)}},
                                     users.name != excluded(users.name));
    EXPECT_EQ(pg_sql(u),
              "INSERT INTO users (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = excluded.name "
              "WHERE users.name != excluded.name");
}

TEST_F(Serialize, UpdateDelete) {
    auto u = update(users).value(users.name, "x").where(users.id == 5);
    EXPECT_EQ(pg_sql(u), "UPDATE users SET name = $1 WHERE users.id = $2");
    auto u2 = update(users).value(users.age, users.age + 1).where(users.id == 5).returning(users.age);
    EXPECT_EQ(pg_sql(u2), "UPDATE users SET age = users.age + $1 WHERE users.id = $2 RETURNING users.age");
    EXPECT_EQ(sqlite_sql(delete_(users).where(users.name == "dennis")), "DELETE FROM users WHERE users.name = ?");
    EXPECT_EQ(pg_sql(delete_(users).where(users.id > 3).returning(users.id)),
              "DELETE FROM users WHERE users.id > $1 RETURNING users.id");
}

TEST_F(Serialize, TextClause) {
    auto t = text("SELECT * FROM users WHERE id = :id AND name = :name AND x::text = '\\:y'");
    EXPECT_EQ(pg_sql(t), "SELECT * FROM users WHERE id = $1 AND name = $2 AND x::text = ':y'");
    auto ct = retort::testkit::compile(t, *retort::testkit::dialect("sqlite"));
    EXPECT_EQ(ct.keys, (std::vector<std::string>{"id", "name"}));
}

TEST_F(Serialize, BindsNamedAfterColumns) {
    auto u = update(users).values({{"name", "x"}}).where(users.id == bindparam<std::int64_t>("uid"));
    auto ct = retort::testkit::compile(u, *retort::testkit::dialect("postgresql"));
    EXPECT_EQ(ct.keys, (std::vector<std::string>{"name", "uid"}));
}

TEST(Quoting, IdentifiersQuotedExactlyWhenNeeded) {
    auto pg = retort::testkit::dialect("postgresql");
    EXPECT_EQ(pg->quote_identifier("users"), "users");
    EXPECT_EQ(pg->quote_identifier("vetSpecialties"), "\"vetSpecialties\"");
    EXPECT_EQ(pg->quote_identifier("user"), "\"user\"");
    EXPECT_EQ(pg->quote_identifier("order"), "\"order\"");
    EXPECT_EQ(pg->quote_identifier("my table"), "\"my table\"");
    EXPECT_EQ(pg->quote_identifier("1abc"), "\"1abc\"");
    EXPECT_EQ(pg->quote_identifier("we\"ird"), "\"we\"\"ird\"");
    auto lite = retort::testkit::dialect("sqlite");
    EXPECT_EQ(lite->quote_identifier("select"), "\"select\"");
    EXPECT_EQ(lite->quote_identifier("name"), "name");
    EXPECT_THROW((void)lite->quote_identifier(std::string("a\0b", 3)), ArgumentError);
}

TEST(Quoting, MixedCaseTableAndReservedColumn) {
    MetaData md;
    Table& vs = md.table("vetSpecialties", {{"id", types::Integer(), {.primary_key = true}},
                                            {"order", types::Integer()}});
    auto s = select(column<int>(vs, "order")).where(column<int>(vs, "id") == 1);
    EXPECT_EQ(pg_sql(s), "SELECT \"vetSpecialties\".\"order\" FROM \"vetSpecialties\" WHERE \"vetSpecialties\".id = $1");
}

TEST(Columns, RuntimeTypeCheck) {
    MetaData md;
    Table& t = md.table("t", {{"id", types::Integer(), {.primary_key = true}}, {"name", types::String(5)}});
    EXPECT_NO_THROW((void)column<std::string>(t, "name"));
    EXPECT_THROW((void)column<int>(t, "name"), ArgumentError);
    EXPECT_THROW((void)column<int>(t, "nope"), ArgumentError);
}

}  // namespace

namespace {

TEST(Ddl, CreateTableBothDialects) {
    MetaData md;
    Table& owner = md.table("owner", {{"id", types::Uuid(), {.primary_key = true, .server_default = "gen_random_uuid()"}},
                                      {"name", types::String(30), {.nullable = false}},
                                      {"telephone", types::String(20)}});
    Table& pet = md.table("pet", {{"id", types::Integer(), {.primary_key = true}},
                                  {"owner_id", types::Uuid(), {.foreign_key = "owner.id", .ondelete = "CASCADE"}},
                                  {"kind", types::Enum("pet_kind", {"cat", "dog"})}},
                          {UniqueConstraint{{"owner_id", "kind"}, "uq_owner_kind"}, CheckConstraint{"id > 0", "ck_id"},
                           Index{.name = "", .columns = {"owner_id"}}});
    auto lite_d = retort::testkit::dialect("sqlite");
    auto pg_d = retort::testkit::dialect("postgresql");
    auto lite = lite_d->ddl_compiler();
    auto pg = pg_d->ddl_compiler();
    EXPECT_EQ(lite->create_table(owner),
              "CREATE TABLE owner (\n\tid CHAR(32) DEFAULT (gen_random_uuid()) NOT NULL,\n\tname VARCHAR(30) NOT NULL,"
              "\n\ttelephone VARCHAR(20),\n\tPRIMARY KEY (id)\n)");
    EXPECT_EQ(pg->create_table(owner),
              "CREATE TABLE owner (\n\tid UUID DEFAULT gen_random_uuid() NOT NULL,\n\tname VARCHAR(30) NOT NULL,"
              "\n\ttelephone VARCHAR(20),\n\tPRIMARY KEY (id)\n)");
    EXPECT_EQ(pg->create_table(pet),
              "CREATE TABLE pet (\n\tid SERIAL NOT NULL,\n\towner_id UUID,\n\tkind pet_kind,\n\tPRIMARY KEY (id),"
              "\n\tCONSTRAINT uq_owner_kind UNIQUE (owner_id, kind),\n\tCONSTRAINT ck_id CHECK (id > 0),"
              "\n\tFOREIGN KEY(owner_id) REFERENCES owner (id) ON DELETE CASCADE\n)");
    EXPECT_EQ(lite->create_table(pet),
              "CREATE TABLE pet (\n\tid INTEGER NOT NULL,\n\towner_id CHAR(32),\n\tkind VARCHAR(3),\n\tPRIMARY KEY (id),"
              "\n\tCONSTRAINT uq_owner_kind UNIQUE (owner_id, kind),\n\tCONSTRAINT ck_id CHECK (id > 0),"
              "\n\tCHECK (kind IN ('cat', 'dog')),"
              "\n\tFOREIGN KEY(owner_id) REFERENCES owner (id) ON DELETE CASCADE\n)");
    EXPECT_EQ(pg->create_types(pet), (std::vector<std::string>{"CREATE TYPE pet_kind AS ENUM ('cat', 'dog')"}));
    EXPECT_EQ(pg->create_index(pet, pet.indexes()[0]), "CREATE INDEX ix_pet_owner_id ON pet (owner_id)");
    EXPECT_EQ(pg->drop_table(pet, true), "DROP TABLE IF EXISTS pet");
}

// Two columns of one enum type (two members of one C++ enum): the type is created and dropped once.
TEST(Ddl, AnEnumTypeSharedByTwoColumnsIsCreatedOnce) {
    MetaData md;
    Table& t = md.table("diary", {{"id", types::Integer(), {.primary_key = true}},
                                  {"mood", types::Enum("mood", {"calm", "glad"})},
                                  {"later", types::Enum("mood", {"calm", "glad"})},
                                  {"weather", types::Enum("weather", {"sun", "rain"})}});
    auto pg_d = retort::testkit::dialect("postgresql");
    auto pg = pg_d->ddl_compiler();
    EXPECT_EQ(pg->create_types(t), (std::vector<std::string>{"CREATE TYPE mood AS ENUM ('calm', 'glad')",
                                                             "CREATE TYPE weather AS ENUM ('sun', 'rain')"}));
    EXPECT_EQ(pg->drop_types(t), (std::vector<std::string>{"DROP TYPE IF EXISTS mood", "DROP TYPE IF EXISTS weather"}));
}

TEST(Ddl, QuotesMixedCaseAndLiterals) {
    MetaData md;
    Table& t = md.table("vetSpecialties", {{"id", types::Integer(), {.primary_key = true}},
                                           {"note", types::String(10), {.server_default = "'it''s'"}}});
    auto pg_d = retort::testkit::dialect("postgresql");
    auto pg = pg_d->ddl_compiler();
    EXPECT_EQ(pg->create_table(t), "CREATE TABLE \"vetSpecialties\" (\n\tid SERIAL NOT NULL,\n\tnote VARCHAR(10) DEFAULT 'it''s',"
                                   "\n\tPRIMARY KEY (id)\n)");
    EXPECT_EQ(pg->quote_literal("a'b"), "'a''b'");
}

TEST(Ddl, NamingConventions) {
    MetaData md({{"ix", "ix_%(column_0_label)s"}, {"uq", "uq_%(table_name)s_%(column_0N_name)s"},
                 {"fk", "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}, {"pk", "pk_%(table_name)s"}});
    md.table("a", {{"id", types::Integer(), {.primary_key = true}}});
    Table& b = md.table("b", {{"id", types::Integer(), {.primary_key = true}},
                              {"a_id", types::Integer(), {.foreign_key = "a.id"}},
                              {"x", types::Integer()}, {"y", types::Integer()}},
                        {UniqueConstraint{{"x", "y"}}});
    auto pg_d = retort::testkit::dialect("postgresql");
    auto pg = pg_d->ddl_compiler();
    EXPECT_EQ(pg->create_table(b), "CREATE TABLE b (\n\tid SERIAL NOT NULL,\n\ta_id INTEGER,\n\tx INTEGER,\n\ty INTEGER,"
                                   "\n\tCONSTRAINT pk_b PRIMARY KEY (id),\n\tCONSTRAINT uq_b_x_y UNIQUE (x, y),"
                                   "\n\tCONSTRAINT fk_b_a_id_a FOREIGN KEY(a_id) REFERENCES a (id)\n)");
}

TEST(Ddl, SortedTablesDependencyOrder) {
    MetaData md;
    md.table("child", {{"id", types::Integer(), {.primary_key = true}}, {"p", types::Integer(), {.foreign_key = "parent.id"}}});
    md.table("parent", {{"id", types::Integer(), {.primary_key = true}},
                        {"g", types::Integer(), {.foreign_key = "grand.id"}},
                        {"self", types::Integer(), {.foreign_key = "parent.id"}}});
    md.table("grand", {{"id", types::Integer(), {.primary_key = true}}});
    std::vector<std::string> names;
    for (auto* t : md.sorted_tables()) names.push_back(t->name());
    EXPECT_EQ(names, (std::vector<std::string>{"grand", "parent", "child"}));
}

TEST(Ddl, BadDefinitionsAreTypedErrors) {
    MetaData md;
    md.table("t", {{"id", types::Integer(), {.primary_key = true}}});
    EXPECT_THROW(md.table("t", {{"id", types::Integer()}}), ArgumentError);
    EXPECT_THROW(md.table("u", {{"id", types::Integer()}, {"id", types::Integer()}}), ArgumentError);
    EXPECT_EQ(md.find_table("u"), nullptr);  // a failed definition leaves nothing behind
    EXPECT_THROW(md.table("v", {{"x", types::Integer(), {.foreign_key = "nodot"}}}), ArgumentError);
    EXPECT_THROW(md.table("w", {{"x", types::Integer()}}, {UniqueConstraint{{"nope"}}}), ArgumentError);
    EXPECT_THROW(md.table(std::string("bad\0name", 8), {{"x", types::Integer()}}), ArgumentError);
}

}  // namespace
