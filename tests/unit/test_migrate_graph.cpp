// The revision graph: heads, branches, merges, targets and paths.
#include <gtest/gtest.h>

#include <retort/migrate/script.hpp>

using namespace retort::migrate;

namespace {

Revision rev(std::string id, std::vector<std::string> parents, std::string created) {
    Revision r;
    r.id = std::move(id);
    r.parents = std::move(parents);
    r.created = std::move(created);
    return r;
}

// a -> b -> c1 (branch), b -> c2 (branch), c1 + c2 -> m (merge)
RevisionGraph diamond(bool merged) {
    std::vector<Revision> revs{rev("aaa111", {}, "1"), rev("bbb222", {"aaa111"}, "2"), rev("ccc333", {"bbb222"}, "3"),
                               rev("cdd444", {"bbb222"}, "4")};
    if (merged) revs.push_back(rev("eee555", {"ccc333", "cdd444"}, "5"));
    return RevisionGraph(revs);
}

using V = std::vector<std::string>;

TEST(MigrateGraph, HeadsAndOrder) {
    auto g = diamond(true);
    EXPECT_EQ(g.heads(), V{"eee555"});
    EXPECT_EQ(g.bases(), V{"aaa111"});
    EXPECT_EQ(g.topological(), (V{"aaa111", "bbb222", "ccc333", "cdd444", "eee555"}));
    EXPECT_EQ(g.single_head(), "eee555");
}

TEST(MigrateGraph, MultipleHeadsAreReported) {
    auto g = diamond(false);
    EXPECT_EQ(g.heads(), (V{"ccc333", "cdd444"}));
    try {
        (void)g.single_head();
        FAIL();
    } catch (const RevisionError& e) {
        std::string msg = e.what();
        EXPECT_NE(msg.find("multiple heads"), std::string::npos);
        EXPECT_NE(msg.find("ccc333"), std::string::npos);
        EXPECT_NE(msg.find("merge"), std::string::npos);
    }
    EXPECT_THROW((void)g.upgrade_path({}, "head"), RevisionError);
    EXPECT_EQ(g.upgrade_path({}, "heads"), (V{"aaa111", "bbb222", "ccc333", "cdd444"}));
}

TEST(MigrateGraph, Prefixes) {
    auto g = diamond(true);
    EXPECT_EQ(g.resolve("bb").id, "bbb222");
    EXPECT_THROW((void)g.resolve("c"), RevisionError);  // ccc333 and cdd444
    EXPECT_THROW((void)g.resolve("zz"), RevisionError);
}

TEST(MigrateGraph, UpgradePaths) {
    auto g = diamond(true);
    EXPECT_EQ(g.upgrade_path({}, "head"), (V{"aaa111", "bbb222", "ccc333", "cdd444", "eee555"}));
    EXPECT_EQ(g.upgrade_path({"bbb222"}, "+1"), V{"ccc333"});
    EXPECT_EQ(g.upgrade_path({"ccc333"}, "head"), (V{"cdd444", "eee555"}));
    EXPECT_EQ(g.upgrade_path({}, "bbb"), (V{"aaa111", "bbb222"}));
    EXPECT_EQ(g.upgrade_path({"eee555"}, "head"), V{});
    EXPECT_THROW((void)g.upgrade_path({"eee555"}, "+1"), RevisionError);
}

TEST(MigrateGraph, DowngradePaths) {
    auto g = diamond(true);
    EXPECT_EQ(g.downgrade_path({"eee555"}, "-1"), V{"eee555"});
    EXPECT_EQ(g.downgrade_path({"eee555"}, "base"), (V{"eee555", "cdd444", "ccc333", "bbb222", "aaa111"}));
    // Down to one branch: the merge and the other branch's revision... only descendants of ccc333 go.
    EXPECT_EQ(g.downgrade_path({"eee555"}, "ccc333"), V{"eee555"});
    EXPECT_EQ(g.downgrade_path({"eee555"}, "bbb222"), (V{"eee555", "cdd444", "ccc333"}));
    EXPECT_THROW((void)g.downgrade_path({"bbb222"}, "ccc333"), RevisionError);
}

TEST(MigrateGraph, VersionRowsAreTheHeadsOfWhatIsApplied) {
    auto g = diamond(true);
    EXPECT_EQ(g.heads_of({"aaa111", "bbb222", "ccc333", "cdd444"}), (V{"ccc333", "cdd444"}));
    EXPECT_EQ(g.heads_of(g.ancestors({"eee555"})), V{"eee555"});
    EXPECT_EQ(g.stamp_rows("base"), V{});
    EXPECT_EQ(g.stamp_rows("head"), V{"eee555"});
}

TEST(MigrateGraph, BrokenGraphs) {
    EXPECT_THROW(RevisionGraph({rev("a", {"missing"}, "1")}), RevisionError);
    EXPECT_THROW(RevisionGraph({rev("a", {}, "1"), rev("a", {}, "2")}), RevisionError);
    EXPECT_THROW(RevisionGraph({rev("a", {"b"}, "1"), rev("b", {"a"}, "2")}), RevisionError);
}

TEST(MigrateGraph, Slugs) {
    EXPECT_EQ(slugify("Add User Table!"), "add_user_table");
    EXPECT_EQ(slugify(""), "");
}

}  // namespace
