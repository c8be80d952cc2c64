// Offline SQL under Aurora DSQL's capability flags (on a PostgreSQL dialect with the flags flipped, so it
// needs no server): one DDL per transaction, CREATE INDEX ASYNC, no foreign keys, unique as an index.
#include <gtest/gtest.h>

#include <sstream>

#include <retort/dialects/dialect.hpp>
#include <retort/engine/url.hpp>
#include <retort/migrate/migration.hpp>

using namespace retort;
using namespace retort::migrate;

TEST(MigrateDsqlStrict, OneDdlPerTransactionAsyncIndexesNoForeignKeys) {
    auto dialect = make_dialect(URL::parse("postgresql://u@h/db"));
    auto& caps = dialect->mutable_caps();
    caps.one_ddl_per_transaction = true;
    caps.supports_create_index_async = true;
    caps.supports_foreign_keys = false;
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
    EXPECT_EQ(sql.find("FOREIGN KEY"), std::string::npos) << sql;
    EXPECT_NE(sql.find("CREATE INDEX ASYNC ix_pets_owner"), std::string::npos) << sql;
    EXPECT_NE(sql.find("CREATE UNIQUE INDEX ASYNC uq_pets_id_owner"), std::string::npos) << sql;
    EXPECT_NE(sql.find("-- foreign key fk2 skipped"), std::string::npos) << sql;
    // Every DDL statement and the version write sit in transactions of their own.
    std::size_t begins = 0;
    for (std::size_t p = 0; (p = sql.find("BEGIN;", p)) != std::string::npos; ++p) ++begins;
    EXPECT_EQ(begins, 5u) << sql;  // two tables, two indexes, the version row
    EXPECT_NE(sql.find("BEGIN;\n\nINSERT INTO retort_version (version_num) VALUES ('a1');\n\nCOMMIT;"), std::string::npos) << sql;
}
