// Ports of Alembic's tests/test_version_traversal.py: the steps upgrade, downgrade and stamp take through a
// revision graph, and the version table's rows after them. Each upgrade and downgrade is checked twice: the
// steps and heads in memory, and the same run against a version table on the run's database (except where
// Alembic's expectation depends on the order of the current rows, which a table does not keep).
#include "conformance/migrate/migrate_kit.hpp"
#include <algorithm>

using namespace retort;
using namespace retort::migrate;
using namespace retort::testkit::mig;

namespace conf_traversal {

// ---------------------------------------------------------------- a straight line: a -> b -> c -> d -> e

const std::string a = "1a0c93f4e7b2", b = "5b2d8e01c6f9", c = "9c4e7a2b3d10", d = "3d8f1b6c0e47", e = "7e1a5c9d2f03";

RevisionGraph line() { return RevisionGraph({rev(a), rev(b, {a}), rev(c, {b}), rev(d, {c}), rev(e, {d})}); }

class TravRevisionPath : public Traversal {};

// ports: tests/test_version_traversal.py::RevisionPathTest::test_downgrade_base_no_version
TEST_F(TravRevisionPath, DowngradeBaseNoVersion) { assert_downgrade(line(), "base", {}, {}, {}); }

// ports: tests/test_version_traversal.py::RevisionPathTest::test_downgrade_to_existing
TEST_F(TravRevisionPath, DowngradeToExisting) { assert_downgrade(line(), a, {a}, {}, {a}); }

// ports: tests/test_version_traversal.py::RevisionPathTest::test_downgrade_to_existing_head
TEST_F(TravRevisionPath, DowngradeToExistingHead) { assert_downgrade(line(), e, {e}, {}, {e}); }

// ports: tests/test_version_traversal.py::RevisionPathTest::test_upgrade_path
TEST_F(TravRevisionPath, UpgradePath) {
    auto g = line();
    assert_upgrade(g, e, {c}, {up(d), up(e)}, {e});
    assert_upgrade(g, c, {}, {up(a), up(b), up(c)}, {c});
}

// ports: tests/test_version_traversal.py::RevisionPathTest::test_relative_upgrade_path
TEST_F(TravRevisionPath, RelativeUpgradePath) {
    auto g = line();
    assert_upgrade(g, "+2", {a}, {up(b), up(c)}, {c});
    assert_upgrade(g, "+1", {a}, {up(b)}, {b});
    assert_upgrade(g, "+3", {b}, {up(c), up(d), up(e)}, {e});
    assert_upgrade(g, b + "+2", {a}, {up(b), up(c), up(d)}, {d});
    assert_upgrade(g, d + "-2", {a}, {up(b)}, {b});
}

// ports: tests/test_version_traversal.py::RevisionPathTest::test_invalid_relative_upgrade_path
TEST_F(TravRevisionPath, InvalidRelativeUpgradePath) {
    auto g = line();
    EXPECT_EQ(revision_error([&] { (void)g.upgrade_steps({b}, "-2"); }), "Relative revision -2 didn't produce 2 migrations");
    EXPECT_EQ(revision_error([&] { (void)g.upgrade_steps({b}, "+5"); }), "Relative revision +5 didn't produce 5 migrations");
}

// ports: tests/test_version_traversal.py::RevisionPathTest::test_downgrade_path
TEST_F(TravRevisionPath, DowngradePath) {
    auto g = line();
    assert_downgrade(g, c, {e}, {down(e), down(d)}, {c});
    assert_downgrade(g, "base", {c}, {down(c), down(b), down(a)}, {});
}

// ports: tests/test_version_traversal.py::RevisionPathTest::test_relative_downgrade_path
TEST_F(TravRevisionPath, RelativeDowngradePath) {
    auto g = line();
    assert_downgrade(g, "-1", {c}, {down(c)}, {b});
    assert_downgrade(g, "-3", {e}, {down(e), down(d), down(c)}, {b});
    assert_downgrade(g, a + "+2", {d}, {down(d)}, {c});
    assert_downgrade(g, c + "-2", {d}, {down(d), down(c), down(b)}, {a});
}

// ports: tests/test_version_traversal.py::RevisionPathTest::test_invalid_relative_downgrade_path
TEST_F(TravRevisionPath, InvalidRelativeDowngradePath) {
    auto g = line();
    EXPECT_EQ(revision_error([&] { (void)g.downgrade_steps({b}, "-5"); }), "Relative revision -5 didn't produce 5 migrations");
    EXPECT_EQ(revision_error([&] { (void)g.downgrade_steps({b}, "+2"); }), "Relative revision +2 didn't produce 2 migrations");
}

// ports: tests/test_version_traversal.py::RevisionPathTest::test_invalid_move_rev_to_none
TEST_F(TravRevisionPath, InvalidMoveRevToNone) {
    auto g = line();
    const std::string prefix = b.substr(0, 3);
    EXPECT_EQ(revision_error([&] { (void)g.downgrade_steps({}, prefix); }),
              "Destination " + prefix + " is not a valid downgrade target from current head(s)");
}

// ports: tests/test_version_traversal.py::RevisionPathTest::test_invalid_move_higher_to_lower
TEST_F(TravRevisionPath, InvalidMoveHigherToLower) {
    auto g = line();
    const std::string prefix = c.substr(0, 4);
    EXPECT_EQ(revision_error([&] { (void)g.downgrade_steps({b}, prefix); }),
              "Destination " + prefix + " is not a valid downgrade target from current head(s)");
}

// ports: tests/test_version_traversal.py::RevisionPathTest::test_stamp_to_base
TEST_F(TravRevisionPath, StampToBase) {
    auto g = line();
    auto steps = g.stamp_steps("base", {d});
    ASSERT_EQ(steps.size(), 1u);
    EXPECT_TRUE(steps[0].stamp && !steps[0].upgrade && steps[0].branch_move);  // deletes the branch
    EXPECT_EQ(steps[0].from, V{d});
    EXPECT_EQ(db_stamp(g, "base", {d}), Heads{});
}

// ---------------------------------------------------------------- two labelled branches from b
//   a -> b -> c1 (c1branch) -> d1
//          -> c2 (c2branch) -> d2

RevisionGraph branched() {
    return RevisionGraph({rev("a"), rev("b", {"a"}), rev("c1", {"b"}, {}, {"c1branch"}), rev("d1", {"c1"}),
                          rev("c2", {"b"}, {}, {"c2branch"}), rev("d2", {"c2"})});
}

class TravBranchedPath : public Traversal {};

// ports: tests/test_version_traversal.py::BranchedPathTest::test_stamp_down_across_multiple_branch_to_branchpoint
TEST_F(TravBranchedPath, StampDownAcrossMultipleBranchToBranchpoint) {
    auto g = branched();
    Heads heads{"d1", "c2"};
    auto steps = g.stamp_steps("b", {"d1", "c2"});
    ASSERT_EQ(steps.size(), 1u);
    // DELETE d1, UPDATE c2 to b
    EXPECT_EQ(g.merge_branch_idents(steps[0], heads), std::make_tuple(V{"d1"}, std::string("c2"), std::string("b")));
    EXPECT_EQ(db_stamp(g, "b", {"d1", "c2"}), Heads{"b"});
}

// ports: tests/test_version_traversal.py::BranchedPathTest::test_stamp_to_labeled_base_multiple_heads
TEST_F(TravBranchedPath, StampToLabeledBaseMultipleHeads) {
    auto g = branched();
    auto steps = g.stamp_steps("c1branch@base", {"d1", "c2"});
    ASSERT_EQ(steps.size(), 1u);
    EXPECT_TRUE(steps[0].stamp && !steps[0].upgrade && steps[0].branch_move);
    EXPECT_EQ(steps[0].from, V{"d1"});
    EXPECT_EQ(db_stamp(g, "c1branch@base", {"d1", "c2"}), Heads{"c2"});
}

// ports: tests/test_version_traversal.py::BranchedPathTest::test_stamp_to_labeled_head_multiple_heads
TEST_F(TravBranchedPath, StampToLabeledHeadMultipleHeads) {
    auto g = branched();
    Heads heads{"d1", "c2"};
    auto steps = g.stamp_steps("c2branch@head", {"d1", "c2"});
    ASSERT_EQ(steps.size(), 1u);
    // the c1branch remains unchanged
    EXPECT_EQ(g.merge_branch_idents(steps[0], heads), std::make_tuple(V{}, std::string("c2"), std::string("d2")));
    EXPECT_EQ(db_stamp(g, "c2branch@head", {"d1", "c2"}), (Heads{"d1", "d2"}));
}

// ports: tests/test_version_traversal.py::BranchedPathTest::test_upgrade_single_branch
TEST_F(TravBranchedPath, UpgradeSingleBranch) { assert_upgrade(branched(), "d1", {"b"}, {up("c1"), up("d1")}, {"d1"}); }

// ports: tests/test_version_traversal.py::BranchedPathTest::test_upgrade_multiple_branch
TEST_F(TravBranchedPath, UpgradeMultipleBranch) {
    // from a single head to several
    assert_upgrade(branched(), V{"d1", "d2"}, {"a"}, {up("b"), up("c2"), up("d2"), up("c1"), up("d1")}, {"d1", "d2"});
}

// ports: tests/test_version_traversal.py::BranchedPathTest::test_downgrade_multiple_branch
TEST_F(TravBranchedPath, DowngradeMultipleBranch) {
    assert_downgrade(branched(), "a", {"d1", "d2"}, {down("d1"), down("c1"), down("d2"), down("c2"), down("b")}, {"a"});
}

// ports: tests/test_version_traversal.py::BranchedPathTest::test_relative_upgrade
TEST_F(TravBranchedPath, RelativeUpgrade) { assert_upgrade(branched(), "c2branch@head-1", {"b"}, {up("c2")}, {"c2"}); }

// ports: tests/test_version_traversal.py::BranchedPathTest::test_relative_downgrade_baseplus2
TEST_F(TravBranchedPath, RelativeDowngradeBasePlus2) {
    // base+2 is b, no branch label: everything above b goes
    assert_downgrade(branched(), "base+2", {"d2", "d1"}, {down("d1"), down("c1"), down("d2"), down("c2")}, {"b"});
}

// ports: tests/test_version_traversal.py::BranchedPathTest::test_relative_downgrade_branchplus2
TEST_F(TravBranchedPath, RelativeDowngradeBranchPlus2) {
    // only c2branch goes down, back to its base+2 = b
    assert_downgrade(branched(), "c2branch@base+2", {"d2", "d1"}, {down("d2"), down("c2")}, {"d1"});
}

// ports: tests/test_version_traversal.py::BranchedPathTest::test_relative_downgrade_branchplus3
TEST_F(TravBranchedPath, RelativeDowngradeBranchPlus3) {
    auto g = branched();
    assert_downgrade(g, "c2", {"d2", "d1"}, {down("d2")}, {"d1", "c2"});
    assert_downgrade(g, "c2branch@base+3", {"d2", "d1"}, {down("d2")}, {"d1", "c2"});
}

// Alembic warns that -1 from several heads is ambiguous and takes the first current row's branch; a
// version table has no order, so these run in memory only.
struct Warned {
    std::vector<std::string> messages;
    std::function<void(const std::string&)> sink() {
        return [this](const std::string& m) { messages.push_back(m); };
    }
};

void assert_ambiguous_minus_one(const RevisionGraph& g, const V& source, const std::vector<MigrationStep>& expected,
                                const Heads& heads) {
    Warned w;
    auto steps = g.downgrade_steps(source, "-1", w.sink());
    EXPECT_EQ(steps, expected);
    EXPECT_EQ(apply_all(g, source, steps), heads);
    ASSERT_EQ(w.messages.size(), 1u);
    EXPECT_NE(w.messages[0].find("downgrade -1 from multiple heads is ambiguous;"), std::string::npos);
}

// ports: tests/test_version_traversal.py::BranchedPathTest::test_downgrade_once_order_right
TEST_F(TravBranchedPath, DowngradeOnceOrderRight) {
    assert_ambiguous_minus_one(branched(), {"d2", "d1"}, {down("d2")}, {"d1", "c2"});
}

// ports: tests/test_version_traversal.py::BranchedPathTest::test_downgrade_once_order_right_unbalanced
TEST_F(TravBranchedPath, DowngradeOnceOrderRightUnbalanced) {
    assert_ambiguous_minus_one(branched(), {"c2", "d1"}, {down("c2")}, {"d1"});
}

// ports: tests/test_version_traversal.py::BranchedPathTest::test_downgrade_once_order_left
TEST_F(TravBranchedPath, DowngradeOnceOrderLeft) {
    assert_ambiguous_minus_one(branched(), {"d1", "d2"}, {down("d1")}, {"d2", "c1"});
}

// ports: tests/test_version_traversal.py::BranchedPathTest::test_downgrade_once_order_left_unbalanced
TEST_F(TravBranchedPath, DowngradeOnceOrderLeftUnbalanced) {
    assert_ambiguous_minus_one(branched(), {"c1", "d2"}, {down("c1")}, {"d2"});
}

// ports: tests/test_version_traversal.py::BranchedPathTest::test_downgrade_once_order_left_unbalanced_labelled
TEST_F(TravBranchedPath, DowngradeOnceLabelled) {
    Warned w;
    auto g = branched();
    EXPECT_EQ(g.downgrade_steps({"d1", "d2"}, "c1branch@-1", w.sink()), std::vector<MigrationStep>{down("d1")});
    EXPECT_TRUE(w.messages.empty());  // a label says which branch
    assert_downgrade(g, "c1branch@-1", {"d1", "d2"}, {down("d1")}, {"c1", "d2"});
}

// ports: tests/test_version_traversal.py::BranchedPathTest::test_downgrade_relative_order_right
// ports: tests/test_version_traversal.py::BranchedPathTest::test_downgrade_relative_order_left
TEST_F(TravBranchedPath, DowngradeRelativeToARevision) {
    auto g = branched();
    assert_downgrade(g, "d2-1", {"d2", "c1"}, {down("d2")}, {"c1", "c2"});
    assert_downgrade(g, "d2-1", {"c1", "d2"}, {down("d2")}, {"c1", "c2"});
}

// ports: tests/test_version_traversal.py::BranchedPathTest::test_downgrade_single_branch_c1branch
TEST_F(TravBranchedPath, DowngradeSingleBranchByLabel) {
    assert_downgrade(branched(), "c1branch@b", {"c1", "d2"}, {down("c1")}, {"d2"});
}

// ports: tests/test_version_traversal.py::BranchedPathTest::test_downgrade_single_branch_c1branch_from_d1_head
TEST_F(TravBranchedPath, DowngradeSingleBranchLabelNotOnHead) {
    assert_downgrade(branched(), "c2branch@b", {"c1", "d2"}, {down("d2"), down("c2")}, {"c1"});
}

// ports: tests/test_version_traversal.py::BranchedPathTest::test_downgrade_single_branch_c2
TEST_F(TravBranchedPath, DowngradeSingleBranchByRevisionOnIt) {
    assert_downgrade(branched(), "c2@b", {"d1", "d2"}, {down("d2"), down("c2")}, {"d1"});
}

// ports: tests/test_version_traversal.py::BranchedPathTest::test_downgrade_single_branch_d1
TEST_F(TravBranchedPath, DowngradeSingleBranchByItsHead) {
    assert_downgrade(branched(), "d1@b", {"d1", "d2"}, {down("d1"), down("c1")}, {"d2"});
}

// ports: tests/test_version_traversal.py::BranchedPathTest::test_downgrade_relative_to_branch_head
TEST_F(TravBranchedPath, DowngradeRelativeToBranchHead) {
    assert_downgrade(branched(), "c1branch@head-1", {"d1", "d2"}, {down("d1")}, {"c1", "d2"});
}

// ports: tests/test_version_traversal.py::BranchedPathTest::test_upgrade_other_branch_from_mergepoint
TEST_F(TravBranchedPath, UpgradeOtherBranchFromBranchPoint) {
    // c2branch one up: past the branch point
    assert_upgrade(branched(), "c2branch@+1", {"c1"}, {up("c2")}, {"c1", "c2"});
}

// ports: tests/test_version_traversal.py::BranchedPathTest::test_upgrade_one_branch_of_heads
TEST_F(TravBranchedPath, UpgradeOneBranchOfHeads) {
    assert_upgrade(branched(), "c2branch@+1", {"c1", "c2"}, {up("d2")}, {"c1", "d2"});
}

// ports: tests/test_version_traversal.py::BranchedPathTest::test_ambiguous_upgrade
TEST_F(TravBranchedPath, AmbiguousUpgrade) {
    auto g = branched();
    EXPECT_EQ(revision_error([&] { (void)g.upgrade_steps({"c1", "c2"}, "+1"); }),
              "Ambiguous upgrade from multiple current revisions");
}

// ports: tests/test_version_traversal.py::BranchedPathTest::test_upgrade_from_base
// ports: tests/test_version_traversal.py::BranchedPathTest::test_upgrade_from_base_implicit
TEST_F(TravBranchedPath, UpgradeFromBase) {
    auto g = branched();
    assert_upgrade(g, "base+1", {}, {up("a")}, {"a"});
    assert_upgrade(g, "+1", {}, {up("a")}, {"a"});
}

// ports: tests/test_version_traversal.py::BranchedPathTest::test_downgrade_minus1_to_base
TEST_F(TravBranchedPath, DowngradeMinus1ToBase) { assert_downgrade(branched(), "-1", {"a"}, {down("a")}, {}); }

// ports: tests/test_version_traversal.py::BranchedPathTest::test_downgrade_minus1_from_base
TEST_F(TravBranchedPath, DowngradeMinus1FromBase) {
    auto g = branched();
    EXPECT_EQ(revision_error([&] { (void)g.downgrade_steps({}, "-1"); }), "Relative revision -1 didn't produce 1 migrations");
}

// ports: tests/test_version_traversal.py::BranchedPathTest::test_downgrade_no_effect_branched
TEST_F(TravBranchedPath, DowngradeNoEffectBranched) {
    auto g = branched();
    assert_downgrade(g, "c2", {"d1", "c2"}, {}, {"d1", "c2"});
    assert_downgrade(g, "d1", {"d1", "c2"}, {}, {"d1", "c2"});
}

// ---------------------------------------------------------------- independent roots with a merge point
//   a1 -> b1 -> c1 --+--> d1
//   a2 -> b2 -> c2 --+
//                 +-> d2

class TravBranchFromMergepoint : public Traversal {};

RevisionGraph from_mergepoint() {
    return RevisionGraph({rev("a1"), rev("b1", {"a1"}), rev("c1", {"b1"}), rev("a2"), rev("b2", {"a2"}), rev("c2", {"b2"}),
                          rev("d1", {"c1", "c2"}), rev("d2", {"c2"})});
}

// ports: tests/test_version_traversal.py::BranchFromMergepointTest::test_mergepoint_to_only_one_side_upgrade
TEST_F(TravBranchFromMergepoint, OneSideUpgrade) {
    assert_upgrade(from_mergepoint(), "d1", {"d2", "b1"}, {up("c1"), up("d1")}, {"d2", "d1"});
}

// ports: tests/test_version_traversal.py::BranchFromMergepointTest::test_mergepoint_to_only_one_side_downgrade
TEST_F(TravBranchFromMergepoint, OneSideDowngrade) {
    assert_downgrade(from_mergepoint(), "b1", {"d2", "d1"}, {down("d1"), down("c1")}, {"d2", "b1"});
}

RevisionGraph from_3way_mergepoint() {
    return RevisionGraph({rev("a1"), rev("b1", {"a1"}), rev("c1", {"b1"}), rev("a2"), rev("b2", {"a2"}), rev("c2", {"b2"}),
                          rev("a3"), rev("b3", {"a3"}), rev("c3", {"b3"}), rev("d1", {"c1", "c2", "c3"}),
                          rev("d2", {"c2"}), rev("d3", {"c3"})});
}

// ports: tests/test_version_traversal.py::BranchFrom3WayMergepointTest::test_mergepoint_to_only_one_side_upgrade
TEST_F(TravBranchFromMergepoint, ThreeWayOneSideUpgrade) {
    assert_upgrade(from_3way_mergepoint(), "d1", {"d3", "d2", "b1"}, {up("c1"), up("d1")}, {"d3", "d2", "d1"});
}

// ports: tests/test_version_traversal.py::BranchFrom3WayMergepointTest::test_mergepoint_to_only_one_side_downgrade
TEST_F(TravBranchFromMergepoint, ThreeWayOneSideDowngrade) {
    assert_downgrade(from_3way_mergepoint(), "b1", {"d3", "d2", "d1"}, {down("d1"), down("c1")}, {"d3", "d2", "b1"});
}

// ports: tests/test_version_traversal.py::BranchFrom3WayMergepointTest::test_mergepoint_to_two_sides_upgrade
TEST_F(TravBranchFromMergepoint, ThreeWayTwoSidesUpgrade) {
    auto g = from_3way_mergepoint();
    // b2 and b1 merge into d1 ...
    assert_upgrade(g, "d1", {"d3", "b2", "b1"}, {up("c2"), up("c1"), up("d1")}, {"d3", "d1"});
    // ... and b2's line breaks out again when it goes on
    assert_upgrade(g, "d2", {"d3", "d1"}, {up("d2")}, {"d3", "d2", "d1"});
}

// ---------------------------------------------------------------- two merge points from the same branches

void assert_heads_along(const RevisionGraph& g, Heads heads, const std::vector<std::pair<MigrationStep, Heads>>& steps) {
    for (const auto& [step, expected] : steps) {
        (void)g.apply_step(heads, step);
        EXPECT_EQ(heads, expected) << "after " << ::testing::PrintToString(step);
    }
}

class TravTwinMerge : public Traversal {};

// ports: tests/test_version_traversal.py::TwinMergeTest::test_upgrade
TEST_F(TravTwinMerge, Upgrade) {
    // a -> b1, b2, b3; b1 + b2 + b3 -> c1 and -> c2; c1 -> d1; c2 -> d2
    RevisionGraph g({rev("a"), rev("b1", {"a"}), rev("b2", {"a"}), rev("b3", {"a"}), rev("c1", {"b1", "b2", "b3"}),
                     rev("c2", {"b1", "b2", "b3"}), rev("d1", {"c1"}), rev("d2", {"c2"})});
    assert_heads_along(g, {"a"},
                       {{up("b3"), {"b3"}},
                        {up("b1"), {"b1", "b3"}},
                        {up("b2"), {"b1", "b2", "b3"}},
                        {up("c2"), {"c2"}},
                        {up("d2"), {"d2"}},
                        {up("c1"), {"c1", "d2"}},
                        {up("d1"), {"d1", "d2"}}});
}

// ports: tests/test_version_traversal.py::NotQuiteTwinMergeTest::test_upgrade
TEST_F(TravTwinMerge, NotQuiteTwinUpgrade) {
    // a -> b1, b2, b3; b1 + b2 -> c1; b2 + b3 -> c2; c1 -> d1; c2 -> d2
    RevisionGraph g({rev("a"), rev("b1", {"a"}), rev("b2", {"a"}), rev("b3", {"a"}), rev("c1", {"b1", "b2"}),
                     rev("c2", {"b2", "b3"}), rev("d1", {"c1"}), rev("d2", {"c2"})});
    assert_heads_along(g, {"a"},
                       {{up("b2"), {"b2"}},
                        {up("b3"), {"b2", "b3"}},
                        {up("c2"), {"c2"}},
                        {up("d2"), {"d2"}},
                        {up("b1"), {"b1", "d2"}},
                        {up("c1"), {"c1", "d2"}},
                        {up("d1"), {"d1", "d2"}}});
}

// ---------------------------------------------------------------- depends_on

class TravDependsOn : public Traversal {};

//   a1 (lib1) -> b1 -> c1 -> d1 -> e1 -> f1
//   a2 -> b2 -> c2 (depends on c1)
RevisionGraph depends_one() {
    return RevisionGraph({rev("a1", {}, {}, {"lib1"}), rev("b1", {"a1"}), rev("c1", {"b1"}), rev("a2"), rev("b2", {"a2"}),
                          rev("c2", {"b2"}, {"c1"}), rev("d1", {"c1"}), rev("e1", {"d1"}), rev("f1", {"e1"})});
}

// ports: tests/test_version_traversal.py::DependsOnBranchTestOne::test_downgrade_to_dependency
TEST_F(TravDependsOn, DowngradeToDependency) {
    auto g = depends_one();
    Heads heads{"c2", "d1"};
    (void)g.apply_step(heads, down("d1"));
    EXPECT_EQ(heads, Heads{"c2"});  // c2 implies c1
}

// ports: tests/test_version_traversal.py::DependsOnBranchTestOne::test_stamp_across_dependency
TEST_F(TravDependsOn, StampAcrossDependency) {
    auto g = depends_one();
    Heads heads{"e1", "c2"};
    for (const auto& s : g.stamp_steps("b1", {"e1", "c2"})) (void)g.apply_step(heads, s);
    EXPECT_EQ(heads, Heads{"b1"});
    EXPECT_EQ(db_stamp(g, "b1", {"e1", "c2"}), Heads{"b1"});
}

// a1, a2, a3 -> amerge; b1, b2 -> bmerge; c1, c2, c3 -> cmerge; d1 depends on a3, b2 and c1.
// ports: tests/test_version_traversal.py::DependsOnBranchTestTwo::test_kaboom
TEST_F(TravDependsOn, Kaboom) {
    RevisionGraph g({rev("a1"), rev("a2"), rev("a3"), rev("amerge", {"a1", "a2", "a3"}), rev("b1"), rev("b2"),
                     rev("bmerge", {"b1", "b2"}), rev("c1"), rev("c2"), rev("c3"), rev("cmerge", {"c1", "c2", "c3"}),
                     rev("d1", {}, {"a3", "b2", "c1"})});
    // b2 is not in the result, but d1 is, which implies b2
    assert_downgrade(g, "b2", {"amerge", "bmerge", "cmerge", "d1"}, {down("bmerge")}, {"amerge", "b1", "cmerge", "d1"});
    // b2 has to be inserted, because d1 implied it
    assert_downgrade(g, "d1@base", {"amerge", "d1", "b1", "cmerge"}, {down("d1")}, {"amerge", "b1", "b2", "cmerge"});
    assert_downgrade(g, "base", {"amerge", "b1", "b2", "cmerge"},
                     {down("amerge"), down("a1"), down("b1"), down("b2"), down("cmerge"), down("c1"), down("a2"),
                      down("a3"), down("c2"), down("c3")},
                     {});
}

// ports: tests/test_version_traversal.py::DependsOnBranchTestThree::test_downgrade_over_crisscross
TEST_F(TravDependsOn, DowngradeOverCrisscross) {
    //   a1 -> a2 -> a3 (depends on b1);  b1 -> b2 (depends on a2) -> b3
    RevisionGraph g({rev("a1"), rev("a2", {"a1"}), rev("b1"), rev("b2", {"b1"}, {"a2"}), rev("b3", {"b2"}),
                     rev("a3", {"a2"}, {"b1"})});
    // half of a merge point goes: b1 stays implied by a3
    assert_downgrade(g, "b1", {"a3", "b2"}, {down("b2")}, {"a3"});
}

// ports: tests/test_version_traversal.py::DependsOnOwnDownrevTest::test_traverse
// ports: tests/test_version_traversal.py::DependsOnOwnDownrevTest::test_traverse_down
TEST_F(TravDependsOn, DependsOnOwnParent) {
    RevisionGraph g({rev("a1"), rev("a2", {"a1"}, {"a1"})});
    assert_upgrade(g, "a2", {}, {up("a1"), up("a2")}, {"a2"});
    assert_downgrade(g, "a1", {"a2"}, {down("a2")}, {"a1"});
}

// ports: tests/test_version_traversal.py::DependsOnBranchTestFour::test_dependencies_are_normalized
TEST_F(TravDependsOn, DependenciesAreNormalized) {
    RevisionGraph g({rev("a1"), rev("a2", {"a1"}), rev("a3", {"a2"}), rev("b1"), rev("b2", {"b1"}, {"a3"}),
                     rev("b3", {"b2"}), rev("b4", {"b3"}, {"a3"})});
    // a3 is not a row: b3 still implies it
    assert_downgrade(g, "b3", {"b4"}, {down("b4")}, {"b3"});
}

// ports: tests/test_version_traversal.py::DependsOnBranchTestFive::test_downgrade_to_depends_on
TEST_F(TravDependsOn, DowngradeToDependsOn) {
    //   a1 ---------+--> bmerge;  b1 (depends on a1) --+
    RevisionGraph g({rev("a1"), rev("b1", {}, {"a1"}), rev("bmerge", {"a1", "b1"})});
    assert_upgrade(g, "b1", {"a1"}, {up("b1")}, {"b1"});
    assert_upgrade(g, "bmerge", {"b1"}, {up("bmerge")}, {"bmerge"});
    assert_downgrade(g, "a1", {"bmerge"}, {down("bmerge")}, {"b1"});
    assert_downgrade(g, "b1", {"bmerge"}, {down("bmerge")}, {"b1"});
}

// ports: tests/test_version_traversal.py::DependsOnBranchLabelTest::test_upgrade_path
TEST_F(TravDependsOn, DependsOnABranchLabel) {
    RevisionGraph g({rev("a1", {}, {}, {"lib1"}), rev("b1", {"a1"}), rev("c1", {"b1"}, {}, {"c1lib"}), rev("a2"),
                     rev("b2", {"a2"}), rev("c2", {"b2"}, {"c1lib"}), rev("d1", {"c1"}), rev("e1", {"d1"}),
                     rev("f1", {"e1"})});
    assert_upgrade(g, "c2", {"a2"}, {up("a1"), up("b1"), up("c1"), up("b2"), up("c2")}, {"c2"});
}

// ---------------------------------------------------------------- a forest: a1 -> b1, a2 -> b2

class TravForest : public Traversal {};

RevisionGraph forest() { return RevisionGraph({rev("a1"), rev("b1", {"a1"}), rev("a2"), rev("b2", {"a2"})}); }

// ports: tests/test_version_traversal.py::ForestTest::test_base_to_heads
TEST_F(TravForest, BaseToHeads) {
    assert_upgrade(forest(), "heads", {}, {up("a2"), up("b2"), up("a1"), up("b1")}, {"b1", "b2"});
}

// ports: tests/test_version_traversal.py::ForestTest::test_stamp_to_heads
TEST_F(TravForest, StampToHeads) {
    auto g = forest();
    auto steps = g.stamp_steps("heads", {});
    ASSERT_EQ(steps.size(), 2u);
    std::set<V> to{steps[0].to, steps[1].to};
    EXPECT_EQ(to, (std::set<V>{{"b1"}, {"b2"}}));
    EXPECT_EQ(db_stamp(g, "heads", {}), (Heads{"b1", "b2"}));
}

// ports: tests/test_version_traversal.py::ForestTest::test_stamp_to_heads_no_moves_needed
TEST_F(TravForest, StampToHeadsNoMovesNeeded) {
    auto g = forest();
    EXPECT_TRUE(g.stamp_steps("heads", {"b1", "b2"}).empty());
    EXPECT_EQ(db_stamp(g, "heads", {"b1", "b2"}), (Heads{"b1", "b2"}));
}

// ---------------------------------------------------------------- a merged branch
//   a -> b -> c1 -> d1 --+--> e -> f
//          -> c2 (c2branch) -> d2 --+

class TravMergedPath : public Traversal {};

RevisionGraph merged() {
    return RevisionGraph({rev("a"), rev("b", {"a"}), rev("c1", {"b"}), rev("d1", {"c1"}), rev("c2", {"b"}, {}, {"c2branch"}),
                          rev("d2", {"c2"}), rev("e", {"d1", "d2"}), rev("f", {"e"})});
}

void expect_one_merge(const RevisionGraph& g, const RevisionSpec& target, const V& heads, const V& deleted,
                      const std::string& from, const std::string& to) {
    auto steps = g.stamp_steps(target, heads);
    ASSERT_EQ(steps.size(), 1u);
    EXPECT_EQ(g.merge_branch_idents(steps[0], Heads(heads.begin(), heads.end())), std::make_tuple(deleted, from, to));
}

// ports: tests/test_version_traversal.py::MergedPathTest::test_stamp_down_across_merge_point_branch
TEST_F(TravMergedPath, StampDownAcrossMergePointBranch) {
    auto g = merged();
    expect_one_merge(g, "c2", {"e"}, {}, "e", "c2");  // no deletes, UPDATE e to c2
    EXPECT_EQ(db_stamp(g, "c2", {"e"}), Heads{"c2"});
}

// ports: tests/test_version_traversal.py::MergedPathTest::test_stamp_down_across_merge_prior_branching
TEST_F(TravMergedPath, StampDownAcrossMergePriorBranching) {
    auto g = merged();
    expect_one_merge(g, "a", {"e"}, {}, "e", "a");
    EXPECT_EQ(db_stamp(g, "a", {"e"}), Heads{"a"});
}

// ports: tests/test_version_traversal.py::MergedPathTest::test_stamp_up_across_merge_from_single_branch
TEST_F(TravMergedPath, StampUpAcrossMergeFromSingleBranch) {
    auto g = merged();
    expect_one_merge(g, "e", {"c2"}, {}, "c2", "e");
    EXPECT_EQ(db_stamp(g, "e", {"c2"}), Heads{"e"});
}

// ports: tests/test_version_traversal.py::MergedPathTest::test_stamp_labeled_head_across_merge_from_multiple_branch
TEST_F(TravMergedPath, StampLabeledHeadAcrossMergeFromMultipleBranch) {
    auto g = merged();
    // DELETE d1, UPDATE c2 to f: f is the head of both d1 and d2
    expect_one_merge(g, "c2branch@head", {"d1", "c2"}, {"d1"}, "c2", "f");
    EXPECT_EQ(db_stamp(g, "c2branch@head", {"d1", "c2"}), Heads{"f"});
}

// ports: tests/test_version_traversal.py::MergedPathTest::test_stamp_up_across_merge_from_multiple_branch
TEST_F(TravMergedPath, StampUpAcrossMergeFromMultipleBranch) {
    auto g = merged();
    expect_one_merge(g, "e", {"d1", "c2"}, {"d1"}, "c2", "e");
    EXPECT_EQ(db_stamp(g, "e", {"d1", "c2"}), Heads{"e"});
}

// ports: tests/test_version_traversal.py::MergedPathTest::test_stamp_up_across_merge_prior_branching
TEST_F(TravMergedPath, StampUpAcrossMergePriorBranching) {
    auto g = merged();
    expect_one_merge(g, "e", {"b"}, {}, "b", "e");
    EXPECT_EQ(db_stamp(g, "e", {"b"}), Heads{"e"});
}

// ports: tests/test_version_traversal.py::MergedPathTest::test_upgrade_across_merge_point
TEST_F(TravMergedPath, UpgradeAcrossMergePoint) {
    // b -> c1 opens a new branch; d1 + d2 -> e merges them (DELETE d2, UPDATE d1 to e)
    assert_upgrade(merged(), "f", {"b"}, {up("c2"), up("d2"), up("c1"), up("d1"), up("e"), up("f")}, {"f"});
}

// ports: tests/test_version_traversal.py::MergedPathTest::test_downgrade_across_merge_point
TEST_F(TravMergedPath, DowngradeAcrossMergePoint) {
    // e -> d1 and d2 unmerges (UPDATE e to d1, INSERT d2); c2 -> b deletes a branch
    assert_downgrade(merged(), "b", {"f"}, {down("f"), down("e"), down("d1"), down("c1"), down("d2"), down("c2")}, {"b"});
}

// ---------------------------------------------------------------- branches with a cross dependency
//   a -> b -> c1 (c1branch) -> d1
//          -> c2 (c2branch) -> d2 (depends on c1)

class TravCrossDependencies : public Traversal {};

RevisionGraph cross() {
    return RevisionGraph({rev("a"), rev("b", {"a"}), rev("c1", {"b"}, {}, {"c1branch"}), rev("d1", {"c1"}),
                          rev("c2", {"b"}, {}, {"c2branch"}), rev("d2", {"c2"}, {"c1"})});
}

// ports: tests/test_version_traversal.py::BranchedPathTestCrossDependencies::test_downgrade_independent_branch
TEST_F(TravCrossDependencies, DowngradeIndependentBranch) {
    // c2branch depends on c1branch, so it can go down on its own
    assert_downgrade(cross(), "c2branch@b", {"d1", "d2"}, {down("d2"), down("c2")}, {"d1"});
}

// ports: tests/test_version_traversal.py::BranchedPathTestCrossDependencies::test_downgrade_branch_dependency
TEST_F(TravCrossDependencies, DowngradeBranchDependency) {
    // taking c1branch down takes d2 with it (it depends on c1)
    auto g = cross();
    auto steps = g.downgrade_steps({"d1", "d2"}, "c1branch@b");
    V order = ids(steps);
    EXPECT_EQ(std::set<std::string>(order.begin(), order.end()), (std::set<std::string>{"c1", "d1", "d2"}));
    auto pos = [&](const std::string& id) { return std::find(order.begin(), order.end(), id) - order.begin(); };
    EXPECT_LT(pos("d1"), pos("c1"));
    EXPECT_LT(pos("d2"), pos("c1"));
    EXPECT_EQ(apply_all(g, {"d1", "d2"}, steps), Heads{"c2"});
    set_rows(g, {"d1", "d2"});
    MigrationContext ctx(engine, options());
    EXPECT_EQ(ctx.downgrade(g, "c1branch@b"), order);
    EXPECT_EQ(db_rows(), Heads{"c2"});
}

}  // namespace conf_traversal
