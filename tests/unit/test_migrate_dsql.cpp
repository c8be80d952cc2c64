// Offline SQL under Aurora DSQL's capability flags (on a PostgreSQL dialect with the flags flipped, so it
// needs no server): one DDL per transaction, CREATE INDEX ASYNC, foreign keys inline in CREATE TABLE and NOT
// VALID when added later, unique as an index.
#include <gtest/gtest.h>

#include <sstream>

#include <retort/dialects/auroradsql.hpp>
#include <retort/dialects/dialect.hpp>
#include <retort/engine/url.hpp>
#include <retort/migrate/migration.hpp>

using namespace retort;
using namespace retort::migrate;

TEST(MigrateDsqlStrict, OneDdlPerTransactionAsyncIndexesForeignKeysNotValid) {
    auto dialect = make_dialect(URL::parse("postgresql://u@h/db"));
    auto& caps = dialect->mutable_caps();
    caps.one_ddl_per_transaction = true;
    caps.supports_create_index_async = true;
    caps.supports_foreign_keys = true;
    caps.alter_constraint_not_valid = true;
    caps.supports_alter = false;
    auto rev = parse_revision(R"(revision: a1
parents:
upgrade:
create_table owners
  column id Integer primary_key
create_table pets
  column id Integer primary_key
  column owner_id Integer
  foreign_key fk_pets_owner columns=owner_id references=owners(id)
create_index ix_pets_owner table=pets columns=owner_id
create_unique uq_pets_id_owner table=pets columns=id,owner_id
create_foreign_key fk2 table=pets columns=owner_id references=owners(id)
downgrade:
drop_table pets
drop_table owners
)");
    RevisionGraph graph({rev});
    std::ostringstream out;
    MigrationContext ctx(dialect, out);
    ctx.upgrade(graph, "head");
    const std::string sql = out.str();
    EXPECT_NE(sql.find("CONSTRAINT fk_pets_owner FOREIGN KEY(owner_id) REFERENCES owners (id)\n)"), std::string::npos) << sql;
    EXPECT_NE(sql.find("ALTER TABLE pets ADD CONSTRAINT fk2 FOREIGN KEY (owner_id) REFERENCES owners (id) NOT VALID"),
              std::string::npos) << sql;
    EXPECT_NE(sql.find("CREATE INDEX ASYNC ix_pets_owner"), std::string::npos) << sql;
    EXPECT_NE(sql.find("CREATE UNIQUE INDEX ASYNC uq_pets_id_owner"), std::string::npos) << sql;
    // Every DDL statement and the version write sit in transactions of their own.
    std::size_t begins = 0;
    for (std::size_t p = 0; (p = sql.find("BEGIN;", p)) != std::string::npos; ++p) ++begins;
    EXPECT_EQ(begins, 6u) << sql;  // two tables, two indexes, the foreign key, the version row
    EXPECT_NE(sql.find("BEGIN;\n\nINSERT INTO retort_version (version_num) VALUES ('a1');\n\nCOMMIT;"), std::string::npos) << sql;
}

// The Aurora DSQL dialect's own flags: a NOT NULL column with a default is added with its type alone, then
// its default, a backfill in chunks and a CHECK ... NOT VALID; NOT NULL on an existing column is a guarded
// CHECK; what DSQL cannot do (a type change, a NOT NULL column without a default) is a clear error.
TEST(MigrateDsqlStrict, AddColumnWithinDsqlsAlterTable) {
    auto dialect = make_dialect(URL::parse("auroradsql://admin@/postgres?dsql_local=1"));
    const auto compile = [&](const std::string& ops) {
        auto rev = parse_revision("revision: a1\nparents:\nupgrade:\ncreate_table users\n  column id Integer primary_key\n"
                                  "  column name String(20)\n" + ops + "\ndowngrade:\ndrop_table users\n");
        RevisionGraph graph({rev});
        std::ostringstream out;
        MigrationContext ctx(dialect, out);
        ctx.upgrade(graph, "head");
        return out.str();
    };
    const std::string sql = compile("add_column users status String(10) not_null default=\"'new'\"\n"
                                    "alter_column users name nullable=false");
    const char* expected[] = {
        "ALTER TABLE users ADD COLUMN status VARCHAR(10);",
        "ALTER TABLE users ALTER COLUMN status SET DEFAULT 'new';",
        "-- run the next statement until it changes no rows\n"
        "UPDATE users SET status = 'new' WHERE id IN (SELECT id FROM users WHERE status IS NULL LIMIT 1000);",
        "ALTER TABLE users ADD CONSTRAINT ck_users_status_not_null CHECK (status IS NOT NULL) NOT VALID;",
        "SELECT 1 FROM users WHERE name IS NULL LIMIT 1;",
        "ALTER TABLE users ADD CONSTRAINT ck_users_name_not_null CHECK (name IS NOT NULL) NOT VALID;"};
    std::size_t at = 0;
    for (const char* e : expected) {
        const auto p = sql.find(e, at);
        ASSERT_NE(p, std::string::npos) << e << "\nin:\n" << sql;
        at = p;
    }
    // The whole script passes the checker: each statement (after its comment lines) in turn, on one connection.
    dsql::StrictChecker checker;
    std::size_t start = 0;
    for (std::size_t end; (end = sql.find(";\n\n", start)) != std::string::npos; start = end + 3) {
        std::string stmt = sql.substr(start, end - start);
        while (stmt.rfind("--", 0) == 0) stmt = stmt.substr(std::min(stmt.size(), stmt.find('\n') + 1));
        if (stmt.empty()) continue;
        EXPECT_EQ(checker.check(stmt), std::nullopt) << stmt;
    }
    EXPECT_THROW((void)compile("alter_column users name type=Text"), MigrationError);
    try {
        (void)compile("add_column users n Integer not_null");
        FAIL();
    } catch (const MigrationError& e) {
        EXPECT_NE(std::string(e.what()).find("needs a server_default"), std::string::npos) << e.what();
    }
}
