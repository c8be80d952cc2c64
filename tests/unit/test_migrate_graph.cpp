// The revision graph: heads, branches, merges, targets and paths.
#include <gtest/gtest.h>

#include <retort/migrate/script.hpp>

#include <set>

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

V run(const std::vector<MigrationStep>& steps) {
    V out;
    for (const auto& s : steps) out.push_back((s.upgrade ? "+" : "-") + s.revision);
    return out;
}


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
        EXPECT_NE(msg.find("Multiple heads are present"), std::string::npos) << msg;
        EXPECT_NE(msg.find("ccc333, cdd444"), std::string::npos) << msg;
    }
    try {
        (void)g.upgrade_steps({}, "head");
        FAIL();
    } catch (const MultipleHeadsError& e) {
        EXPECT_NE(std::string(e.what()).find("'heads' for all heads"), std::string::npos) << e.what();
    }
    EXPECT_EQ(run(g.upgrade_steps({}, "heads")), (V{"+aaa111", "+bbb222", "+cdd444", "+ccc333"}));
}

TEST(MigrateGraph, Prefixes) {
    auto g = diamond(true);
    EXPECT_EQ(g.resolve("bb").id, "bbb222");
    EXPECT_THROW((void)g.resolve("c"), RevisionError);  // ccc333 and cdd444
    EXPECT_THROW((void)g.resolve("zz"), RevisionError);
}

TEST(MigrateGraph, UpgradePaths) {
    auto g = diamond(true);
    EXPECT_EQ(run(g.upgrade_steps({}, "head")), (V{"+aaa111", "+bbb222", "+cdd444", "+ccc333", "+eee555"}));
    EXPECT_EQ(run(g.upgrade_steps({"aaa111"}, "+1")), V{"+bbb222"});
    EXPECT_THROW((void)g.upgrade_steps({"bbb222"}, "+1"), RevisionError);  // two children: ambiguous
    EXPECT_EQ(run(g.upgrade_steps({"ccc333"}, "head")), (V{"+cdd444", "+eee555"}));
    EXPECT_EQ(run(g.upgrade_steps({}, "bbb")), (V{"+aaa111", "+bbb222"}));
    EXPECT_EQ(run(g.upgrade_steps({"eee555"}, "head")), V{});
    EXPECT_THROW((void)g.upgrade_steps({"eee555"}, "+1"), RevisionError);
}

TEST(MigrateGraph, DowngradePaths) {
    auto g = diamond(true);
    EXPECT_EQ(run(g.downgrade_steps({"eee555"}, "-1")), V{"-eee555"});  // a merge point: the merge goes
    EXPECT_EQ(run(g.downgrade_steps({"eee555"}, "-2")), (V{"-eee555", "-ccc333"}));
    EXPECT_THROW((void)g.downgrade_steps({"eee555"}, "-6"), RevisionError);
    EXPECT_THROW((void)g.downgrade_steps({"eee555"}, "eee555-1"), AmbiguousWalkError);  // Alembic: which parent?
    EXPECT_EQ(run(g.downgrade_steps({"ccc333", "cdd444"}, "ccc333@-1")), V{"-ccc333"});
    EXPECT_EQ(run(g.downgrade_steps({"ccc333", "cdd444"}, "ccc333-1")), (V{"-ccc333", "-cdd444"}));  // to bbb222
    EXPECT_EQ(run(g.downgrade_steps({"eee555"}, "base")), (V{"-eee555", "-ccc333", "-cdd444", "-bbb222", "-aaa111"}));
    // Down to one branch: only the descendants of ccc333 go.
    EXPECT_EQ(run(g.downgrade_steps({"eee555"}, "ccc333")), V{"-eee555"});
    EXPECT_EQ(run(g.downgrade_steps({"eee555"}, "bbb222")), (V{"-eee555", "-ccc333", "-cdd444"}));
    EXPECT_THROW((void)g.downgrade_steps({"bbb222"}, "ccc333"), RevisionError);
}

TEST(MigrateGraph, VersionRowsFollowTheSteps) {
    auto g = diamond(true);
    std::set<std::string> heads;
    for (const auto& s : g.upgrade_steps({}, "heads")) (void)g.apply_step(heads, s);
    EXPECT_EQ(heads, (std::set<std::string>{"eee555"}));
    auto changes = g.apply_step(heads, MigrationStep{.upgrade = false, .revision = "eee555"});
    EXPECT_EQ(heads, (std::set<std::string>{"ccc333", "cdd444"}));  // unmerged: one row updated, one inserted
    ASSERT_EQ(changes.size(), 2u);
    EXPECT_EQ(changes[0].kind, VersionChange::Kind::Insert);
    EXPECT_EQ(changes[1].kind, VersionChange::Kind::Update);
    EXPECT_EQ(g.revision_ids("base"), V{});
    EXPECT_EQ(g.revision_ids("head"), V{"eee555"});
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
