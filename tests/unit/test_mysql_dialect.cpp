// The mysql dialect without a server: its URLs and connect parameters, and the SQL and DDL it writes where
// MySQL differs (backticks, AUTO_INCREMENT, <=>, OFFSET after LIMIT, CAST types, ON DUPLICATE KEY UPDATE,
// INSERT () VALUES (), DROP INDEX ... ON).
#include <gtest/gtest.h>

#include <retort/retort.hpp>
#include <retort/sql/compiler.hpp>

#include "unit/serialize_util.hpp"

using namespace retort;

namespace {

std::shared_ptr<Dialect> mysql_dialect() { return make_dialect(URL::parse("mysql://")); }
std::string my_sql(const Executable& s) { return testkit::compile(s, *mysql_dialect()).sql; }

struct Users : TableDef {
    using TableDef::TableDef;
    Col<std::int64_t> id = col<std::int64_t>("id", {.primary_key = true});
    Col<std::string> name = col<std::string>("name", {.type = types::String(30)});
    Col<std::optional<std::string>> key = col<std::optional<std::string>>("key", {.type = types::String(10)});
    Col<std::optional<std::int64_t>> n = col<std::optional<std::int64_t>>("n");
};

}  // namespace

TEST(MySQLDialect, SchemesAndConnectParameters) {
    for (const char* url : {"mysql://", "mariadb://", "mysql+mariadbconnector://"})
        EXPECT_EQ(make_dialect(URL::parse(url))->name(), "mysql") << url;
    auto d = mysql_dialect();
    auto p = d->create_connect_params(URL::parse(
        "mysql://scott:tiger@db.example:3307/shop?read_default_file=~/.my.cnf&read_default_group=app&charset=utf8mb4"));
    EXPECT_EQ(p["host"], "db.example");
    EXPECT_EQ(p["port"], "3307");
    EXPECT_EQ(p["user"], "scott");
    EXPECT_EQ(p["password"], "tiger");
    EXPECT_EQ(p["database"], "shop");
    EXPECT_EQ(p["read_default_file"], "~/.my.cnf");
    EXPECT_EQ(p["read_default_group"], "app");
    auto s = d->create_connect_params(URL::parse("mysql://u@/db?socket=/tmp/m.sock"));
    EXPECT_EQ(s["unix_socket"], "/tmp/m.sock");
    EXPECT_EQ(s.count("host"), 0u);
}

TEST(MySQLDialect, Capabilities) {
    const auto d = mysql_dialect();  // keeps the dialect alive while its capabilities are read
    const auto& c = d->caps();
    EXPECT_EQ(c.identifier_quote, '`');
    EXPECT_FALSE(c.transactional_ddl);
    EXPECT_TRUE(c.postfetch_lastrowid);
    EXPECT_FALSE(c.supports_sequences);
    EXPECT_EQ(c.max_identifier_length, 64);
}

TEST(MySQLDialect, QuotesWithBackticks) {
    auto d = mysql_dialect();
    EXPECT_EQ(d->quote_identifier("name"), "name");
    EXPECT_EQ(d->quote_identifier("key"), "`key`");       // reserved in MySQL
    EXPECT_EQ(d->quote_identifier("Users"), "`Users`");   // case kept
    EXPECT_EQ(d->quote_identifier("a`b"), "`a``b`");      // an embedded backtick doubled
    EXPECT_THROW((void)d->quote_identifier(std::string(65, 'x')), ArgumentError);
}

TEST(MySQLDialect, StatementsInMySQLsForms) {
    MetaData md;
    Users u{md, "users"};
    EXPECT_EQ(my_sql(select(u.id).where(u.key == "x")), "SELECT users.id FROM users WHERE users.`key` = ?");
    EXPECT_EQ(my_sql(select(u.id).limit(5).offset(10)), "SELECT users.id FROM users LIMIT ? OFFSET ?");
    EXPECT_EQ(my_sql(select(u.id).offset(10)), "SELECT users.id FROM users LIMIT 18446744073709551615 OFFSET ?");
    EXPECT_EQ(my_sql(select(u.id).where(u.n.is_distinct_from(3))), "SELECT users.id FROM users WHERE NOT (users.n <=> ?)");
    EXPECT_EQ(my_sql(select(u.id).where(u.n.is_not_distinct_from(3))), "SELECT users.id FROM users WHERE (users.n <=> ?)");
    EXPECT_EQ(my_sql(select(cast<std::string>(u.id, types::String(20)))), "SELECT CAST(users.id AS CHAR(20)) FROM users");
    EXPECT_EQ(my_sql(insert(u.table())), "INSERT INTO users () VALUES ()");
    EXPECT_EQ(my_sql(insert(u.table()).values({{"id", 1}, {"name", "a"}}).on_conflict_do_update({"id"}, {{"name", Expr<Any>(excluded(u.name).node())}})),
              "INSERT INTO users (id, name) VALUES (?, ?) ON DUPLICATE KEY UPDATE name = VALUES(name)");
    EXPECT_EQ(my_sql(insert(u.table()).values({{"id", 1}, {"name", "a"}}).on_conflict_do_nothing()),
              "INSERT INTO users (id, name) VALUES (?, ?) ON DUPLICATE KEY UPDATE id = id");
}

// As SQLAlchemy's MySQL dialect renders them (test/dialect/mysql/test_compiler.py, UpdateTest / DeleteTest).
TEST(MySQLDialect, UpdateAndDeleteOverSeveralTables) {
    MetaData md;
    Users u{md, "users"};
    Users o{md, "others"};
    EXPECT_EQ(my_sql(update(u.table()).value(u.name, o.name).where(u.id == o.id)),
              "UPDATE users, others SET users.name = others.name WHERE users.id = others.id");
    EXPECT_EQ(my_sql(update(u.table()).value(u.name, "x").where(u.id == 1)), "UPDATE users SET name = ? WHERE users.id = ?");
    EXPECT_EQ(my_sql(delete_(u.table()).where(u.id == o.id).where(o.name == "b")),
              "DELETE FROM users USING users, others WHERE users.id = others.id AND others.name = ?");
}

TEST(MySQLDialect, DdlInMySQLsForms) {
    MetaData md;
    Table& t = md.table("pets", {{"id", types::Integer(), {.primary_key = true}},
                                 {"name", types::String(40), {.nullable = false, .index = true}},
                                 {"born", types::DateTime(), {.server_default = "CURRENT_TIMESTAMP(6)"}},
                                 {"tag", types::Uuid(), {.server_default = "uuid()"}},
                                 {"owner_id", types::Integer(), {.foreign_key = "owners.id", .ondelete = "CASCADE"}}});
    auto d = mysql_dialect();
    auto ddl = d->ddl_compiler();
    EXPECT_EQ(ddl->create_table(t),
              "CREATE TABLE pets (\n\tid INTEGER AUTO_INCREMENT NOT NULL,\n\tname VARCHAR(40) NOT NULL,\n"
              "\tborn DATETIME(6) DEFAULT CURRENT_TIMESTAMP(6),\n\ttag CHAR(32) DEFAULT (uuid()),\n\towner_id INTEGER,\n"
              "\tPRIMARY KEY (id),\n\tFOREIGN KEY(owner_id) REFERENCES owners (id) ON DELETE CASCADE\n) "
              "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
    EXPECT_EQ(ddl->drop_index(t, t.indexes()[0], false), "DROP INDEX ix_pets_name ON pets");
    // VARCHAR needs a length on MySQL.
    Table& bad = md.table("bad", {{"s", types::String(), {}}});
    EXPECT_THROW((void)ddl->create_table(bad), CompileError);
    EXPECT_EQ(d->type_ddl(types::Boolean()), "BOOL");
    EXPECT_EQ(d->type_ddl(types::Jsonb()), "JSON");
    EXPECT_EQ(d->type_ddl(types::Numeric(10, 2)), "NUMERIC(10, 2)");
}

TEST(MySQLDialect, ForeignKeyBetweenIntegersOfOtherSizesIsNamed) {
    MetaData md;
    md.table("owners", {{"id", types::BigInteger(), {.primary_key = true}}});
    Table& same = md.table("pets", {{"id", types::Integer(), {.primary_key = true}},
                                    {"owner_id", types::BigInteger(), {.foreign_key = "owners.id"}}});
    Table& other = md.table("toys", {{"id", types::Integer(), {.primary_key = true}},
                                     {"owner_id", types::Integer(), {.foreign_key = "owners.id"}}});
    auto d = mysql_dialect();
    auto ddl = d->ddl_compiler();
    EXPECT_NO_THROW((void)ddl->create_table(same));
    try {
        (void)ddl->create_table(other);
        FAIL() << "InnoDB would refuse this key";
    } catch (const CompileError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("toys.owner_id (INTEGER)"), std::string::npos) << what;
        EXPECT_NE(what.find("owners.id (BIGINT)"), std::string::npos) << what;
    }
}
