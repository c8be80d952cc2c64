// Inspector and MetaData::reflect against the live database.
#include "usage/fixture.hpp"
#include <algorithm>

using namespace retort;
using retort::testkit::Usage;

namespace {

class Reflection : public Usage {
protected:
    void SetUp() override {
        Usage::SetUp();
        md.table("parent", {{"id", types::Integer(), {.primary_key = true}},
                            {"name", types::String(40), {.nullable = false, .unique = true}},
                            {"note", types::Text(), {.server_default = "'none'"}}});
        md.table("child", {{"a", types::Integer(), {.primary_key = true}},
                           {"b", types::String(10), {.primary_key = true}},
                           {"parent_id", types::Integer(), {.foreign_key = "parent.id", .ondelete = "CASCADE"}},
                           {"score", types::Double()},
                           {"flag", types::Boolean()}},
                 {UniqueConstraint{{"score", "flag"}, "uq_child_score_flag"},
                  Index{.name = "ix_child_parent", .columns = {"parent_id", "score"}}});
        md.drop_all(engine);
        md.create_all(engine);
    }
};

TEST_F(Reflection, TableNamesAndHasTable) {
    Inspector insp(engine);
    auto names = insp.get_table_names();
    EXPECT_NE(std::find(names.begin(), names.end(), "parent"), names.end());
    EXPECT_NE(std::find(names.begin(), names.end(), "child"), names.end());
    EXPECT_TRUE(insp.has_table("child"));
    EXPECT_FALSE(insp.has_table("nope_not_here"));
}

TEST_F(Reflection, Columns) {
    Inspector insp(engine);
    auto cols = insp.get_columns("parent");
    ASSERT_EQ(cols.size(), 3u);
    EXPECT_EQ(cols[0].name, "id");
    EXPECT_TRUE(cols[0].type.is_integer());
    EXPECT_FALSE(cols[0].nullable);
    EXPECT_EQ(cols[1].name, "name");
    EXPECT_EQ(cols[1].type.kind, TypeKind::String);
    EXPECT_EQ(cols[1].type.length, 40);
    EXPECT_FALSE(cols[1].nullable);
    EXPECT_TRUE(cols[2].nullable);
    ASSERT_TRUE(cols[2].server_default.has_value());
    EXPECT_NE(cols[2].server_default->find("none"), std::string::npos);
    auto child = insp.get_columns("child");
    EXPECT_EQ(child[3].type.kind, TypeKind::Double);
}

TEST_F(Reflection, Keys) {
    Inspector insp(engine);
    EXPECT_EQ(insp.get_pk_constraint("child").constrained_columns, (std::vector<std::string>{"a", "b"}));
    auto fks = insp.get_foreign_keys("child");
    ASSERT_EQ(fks.size(), 1u);
    EXPECT_EQ(fks[0].constrained_columns, (std::vector<std::string>{"parent_id"}));
    EXPECT_EQ(fks[0].referred_table, "parent");
    EXPECT_EQ(fks[0].referred_columns, (std::vector<std::string>{"id"}));
    ASSERT_TRUE(fks[0].ondelete.has_value());
    EXPECT_EQ(*fks[0].ondelete, "CASCADE");
}

TEST_F(Reflection, IndexesAndUniques) {
    Inspector insp(engine);
    auto ix = insp.get_indexes("child");
    ASSERT_EQ(ix.size(), 1u);
    EXPECT_EQ(ix[0].name, "ix_child_parent");
    EXPECT_EQ(ix[0].column_names, (std::vector<std::string>{"parent_id", "score"}));
    EXPECT_FALSE(ix[0].unique);
    auto uq = insp.get_unique_constraints("child");
    ASSERT_EQ(uq.size(), 1u);
    EXPECT_EQ(uq[0].column_names, (std::vector<std::string>{"score", "flag"}));
    auto puq = insp.get_unique_constraints("parent");
    ASSERT_EQ(puq.size(), 1u);
    EXPECT_EQ(puq[0].column_names, (std::vector<std::string>{"name"}));
}

TEST_F(Reflection, ReflectIntoMetaDataAndQuery) {
    {
        auto c = engine.connect();
        c.execute(insert(md.get_table("parent")).values({{"name", "p1"}}));
        c.commit();
    }
    MetaData r;
    r.reflect(engine, {"parent", "child"});
    Table& parent = r.get_table("parent");
    EXPECT_EQ(parent.columns().size(), 3u);
    EXPECT_TRUE(parent.c("id").primary_key());
    Table& child = r.get_table("child");
    EXPECT_EQ(child.primary_key().size(), 2u);
    EXPECT_EQ(child.foreign_keys().size(), 1u);
    auto c = engine.connect();
    EXPECT_EQ(c.execute(select(column<std::string>(parent, "name"))).scalar_one<std::string>(), "p1");
    // A join through the reflected foreign key.
    auto j = select(column<std::string>(parent, "name")).join(child);
    EXPECT_TRUE(c.execute(j).all().empty());
    EXPECT_THROW(r.reflect(engine, {"nope_missing"}), InvalidRequestError);
}

}  // namespace
