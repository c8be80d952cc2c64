// The catalog rows the MySQL and PostgreSQL dialects' reflection groups into constraints
// (src/schema/reflection_rows.hpp), fed from SQLite VALUES lists.
#include <gtest/gtest.h>

#include <retort/retort.hpp>

#include "schema/reflection_rows.hpp"

using namespace retort;

namespace {

std::optional<std::string> cascade_only(std::string_view rule) {
    return rule == "CASCADE" ? std::optional<std::string>(rule) : std::nullopt;
}

}  // namespace

TEST(ReflectionRows, ForeignKeysGroupTheirColumnsInOrder) {
    auto engine = create_engine("sqlite://");
    auto conn = engine.connect();
    const std::string rows =
        "VALUES ('fk_a', 'x', 'app', 'parent', 'id', 'CASCADE', 'NO ACTION', 'app'), "
        "('fk_a', 'y', 'app', 'parent', 'id2', 'CASCADE', 'NO ACTION', 'app'), "
        "('fk_b', 'z', 'other', 'remote', 'id', 'RESTRICT', 'CASCADE', 'app')";
    auto r = conn.exec_driver_sql(rows);
    auto fks = detail::foreign_keys_from_rows(r, false, cascade_only);
    ASSERT_EQ(fks.size(), 2u);
    EXPECT_EQ(fks[0].name, "fk_a");
    EXPECT_EQ(fks[0].constrained_columns, (std::vector<std::string>{"x", "y"}));
    EXPECT_EQ(fks[0].referred_columns, (std::vector<std::string>{"id", "id2"}));
    EXPECT_EQ(fks[0].referred_table, "parent");
    EXPECT_EQ(fks[0].referred_schema, std::nullopt);  // the table's own schema, not named by the caller
    EXPECT_EQ(fks[0].onupdate, "CASCADE");
    EXPECT_EQ(fks[0].ondelete, std::nullopt);
    EXPECT_EQ(fks[1].name, "fk_b");
    EXPECT_EQ(fks[1].referred_schema, "other");
    EXPECT_EQ(fks[1].onupdate, std::nullopt);
    EXPECT_EQ(fks[1].ondelete, "CASCADE");
    // A caller that named the schema gets it back on every key.
    auto again = conn.exec_driver_sql(rows);
    auto named = detail::foreign_keys_from_rows(again, true, cascade_only);
    ASSERT_EQ(named.size(), 2u);
    EXPECT_EQ(named[0].referred_schema, "app");
}

TEST(ReflectionRows, UniqueConstraintsGroupTheirColumnsInOrder) {
    auto engine = create_engine("sqlite://");
    auto conn = engine.connect();
    auto r = conn.exec_driver_sql("VALUES ('uq_a', 'b'), ('uq_a', 'a'), ('uq_b', 'c')");
    auto uqs = detail::unique_constraints_from_rows(r);
    ASSERT_EQ(uqs.size(), 2u);
    EXPECT_EQ(uqs[0].name, "uq_a");
    EXPECT_EQ(uqs[0].column_names, (std::vector<std::string>{"b", "a"}));
    EXPECT_EQ(uqs[1].name, "uq_b");
    EXPECT_EQ(uqs[1].column_names, (std::vector<std::string>{"c"}));
    auto none = conn.exec_driver_sql("SELECT 'x', 'y' WHERE 0");
    EXPECT_TRUE(detail::unique_constraints_from_rows(none).empty());
}
