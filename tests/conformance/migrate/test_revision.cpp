// Ports of Alembic's tests/test_revision.py: the revision graph itself (heads, bases, branch labels,
// depends_on, partial ids, iteration order between two targets, cycles). These need no database.
#include <algorithm>
#include <random>
#include <regex>

#include "conformance/migrate/migrate_kit.hpp"

using namespace retort;
using namespace retort::migrate;
using namespace retort::testkit::mig;

namespace conf_revision {

// Alembic's _assert_iteration: the revisions between upper and lower, upper first, in that exact order,
// and every revision after the ones it depends on when read bottom-up.
void expect_iteration(const RevisionGraph& g, const RevisionSpec& upper, const RevisionSpec& lower, const V& expected,
                      IterateOptions o = {.inclusive = true}) {
    V result = g.iterate_revisions(upper, lower, o);
    EXPECT_EQ(result, expected);
    for (std::size_t i = 0; i < result.size(); ++i)
        for (const auto& down : g.normalized_down_revisions(result[i])) {
            auto at = std::find(result.begin(), result.end(), down);
            if (at != result.end()) EXPECT_GT(at - result.begin(), static_cast<std::ptrdiff_t>(i)) << result[i] << " " << down;
        }
}

IterateOptions downgrade(bool inclusive = true, bool implicit_base = false) {
    return IterateOptions{.implicit_base = implicit_base, .inclusive = inclusive, .select_for_downgrade = true};
}

std::string id_or_none(const Revision* r) { return r ? r->id : std::string("<none>"); }

// ---------------------------------------------------------------- API

RevisionGraph abc() { return RevisionGraph({rev("a"), rev("b", {"a"}), rev("c", {"b"})}); }
RevisionGraph two_heads() { return RevisionGraph({rev("a"), rev("b", {"a"}), rev("c1", {"b"}), rev("c2", {"b"})}); }

// ports: tests/test_revision.py::APITest::test_add_revision_one_head
TEST(RevApi, AddRevisionOneHead) {
    auto g = abc();
    EXPECT_EQ(g.heads(), V{"c"});
    g.add_revision(rev("d", {"c"}));
    EXPECT_EQ(g.heads(), V{"d"});
}

// ports: tests/test_revision.py::APITest::test_add_revision_two_head
TEST(RevApi, AddRevisionTwoHead) {
    auto g = two_heads();
    EXPECT_EQ(g.heads(), (V{"c1", "c2"}));
    g.add_revision(rev("d1", {"c1"}));
    EXPECT_EQ(g.heads(), (V{"c2", "d1"}));
}

// ports: tests/test_revision.py::APITest::test_get_revision_head_single
// ports: tests/test_revision.py::APITest::test_get_revision_base_single
TEST(RevApi, GetRevisionHeadAndBaseSingle) {
    auto g = abc();
    EXPECT_EQ(id_or_none(g.get_revision("head")), "c");
    EXPECT_EQ(g.get_revision("base"), nullptr);
}

// ports: tests/test_revision.py::APITest::test_get_revision_head_multiple
// ports: tests/test_revision.py::APITest::test_get_revision_heads_multiple
// ports: tests/test_revision.py::APITest::test_get_revisions_head_multiple
TEST(RevApi, HeadWithMultipleHeads) {
    auto g = two_heads();
    for (auto fn : std::vector<std::function<void()>>{[&] { (void)g.get_revision("head"); },
                                                        [&] { (void)g.get_revision("heads"); },
                                                        [&] { (void)g.get_revisions("head"); }}) {
        try {
            fn();
            ADD_FAILURE() << "no error";
        } catch (const MultipleHeadsError& e) {
            EXPECT_NE(std::string(e.what()).find("Multiple heads are present"), std::string::npos) << e.what();
        }
    }
}

// ports: tests/test_revision.py::APITest::test_get_revisions_heads_multiple
TEST(RevApi, GetRevisionsHeadsMultiple) {
    auto g = two_heads();
    auto heads = g.get_revisions("heads");
    ASSERT_EQ(heads.size(), 2u);
    EXPECT_EQ(heads[0]->id, "c1");
    EXPECT_EQ(heads[1]->id, "c2");
}

// ports: tests/test_revision.py::APITest::test_get_revision_base_multiple
TEST(RevApi, GetRevisionBaseMultiple) {
    RevisionGraph g({rev("a"), rev("b", {"a"}), rev("c"), rev("d", {"c"})});
    EXPECT_EQ(g.get_revision("base"), nullptr);
}

// ports: tests/test_revision.py::APITest::test_iterate_tolerates_dupe_targets
TEST(RevApi, IterateToleratesDupeTargets) {
    // not inclusive: a is not traversed
    EXPECT_EQ(abc().iterate_revisions(RevisionSpec{"c", "c"}, "a"), (V{"c", "b"}));
}

// ports: tests/test_revision.py::DiamondTest::test_iterate_simple_diamond
TEST(RevDiamond, IterateSimpleDiamond) {
    RevisionGraph g({rev("a"), rev("b1", {"a"}), rev("b2", {"a"}), rev("c", {"b1", "b2"}), rev("d", {"c"})});
    expect_iteration(g, "d", "a", {"d", "c", "b1", "b2", "a"});
}

// ports: tests/test_revision.py::EmptyMapTest::test_iterate
TEST(RevEmptyMap, Iterate) { expect_iteration(RevisionGraph(), "head", "base", {}); }

// ---------------------------------------------------------------- branch labels
//   a (abranch) -> b -> somelongername -> c
//   d -> e (ebranch) -> someothername -> f

RevisionGraph labeled() {
    return RevisionGraph({rev("a", {}, {}, {"abranch"}), rev("b", {"a"}), rev("somelongername", {"b"}),
                          rev("c", {"somelongername"}), rev("d"), rev("e", {"d"}, {}, {"ebranch"}),
                          rev("someothername", {"e"}), rev("f", {"someothername"})});
}

// ports: tests/test_revision.py::LabeledBranchTest::test_dupe_branch_collection
TEST(RevLabeledBranch, DupeBranchCollection) {
    auto msg = revision_error([] {
        RevisionGraph({rev("a"), rev("b", {"a"}), rev("c", {"b"}, {}, {"xy1"}), rev("d"), rev("e", {"d"}, {}, {"xy1"}),
                       rev("f", {"e"})});
    });
    EXPECT_TRUE(std::regex_search(msg, std::regex("Branch name 'xy1' in revision (e|c) already used by revision (e|c)")))
        << msg;
}

// ports: tests/test_revision.py::LabeledBranchTest::test_filter_for_lineage_labeled_head_across_merge
TEST(RevLabeledBranch, FilterForLineageLabeledHeadAcrossMerge) {
    RevisionGraph g({rev("a"), rev("b", {"a"}), rev("c1", {"b"}, {}, {"c1branch"}), rev("c2", {"b"}), rev("d", {"c1", "c2"})});
    EXPECT_EQ(g.filter_for_lineage({"c1", "c2", "d"}, "c1branch@head"), (V{"c1", "c2", "d"}));
}

// ports: tests/test_revision.py::LabeledBranchTest::test_filter_for_lineage_heads
TEST(RevLabeledBranch, FilterForLineageHeads) { EXPECT_EQ(labeled().filter_for_lineage({"f"}, "heads"), V{"f"}); }

// ports: tests/test_revision.py::LabeledBranchTest::test_get_base_revisions_labeled
// ports: tests/test_revision.py::LabeledBranchTest::test_get_base_revisions
TEST(RevLabeledBranch, BaseRevisions) {
    auto g = labeled();
    EXPECT_EQ(g.filter_for_lineage(g.bases(), "somelongername@base"), V{"a"});
    EXPECT_EQ(g.filter_for_lineage(g.bases(), "base"), (V{"a", "d"}));
}

// ports: tests/test_revision.py::LabeledBranchTest::test_get_current_named_rev
TEST(RevLabeledBranch, GetCurrentNamedRev) { EXPECT_EQ(id_or_none(labeled().get_revision("ebranch@head")), "f"); }

// ports: tests/test_revision.py::LabeledBranchTest::test_iterate_head_to_named_base
TEST(RevLabeledBranch, IterateHeadToNamedBase) {
    auto g = labeled();
    expect_iteration(g, "heads", "ebranch@base", {"f", "someothername", "e", "d"});
    expect_iteration(g, "heads", "abranch@base", {"c", "somelongername", "b", "a"});
}

// ports: tests/test_revision.py::LabeledBranchTest::test_iterate_named_head_to_base
TEST(RevLabeledBranch, IterateNamedHeadToBase) {
    auto g = labeled();
    expect_iteration(g, "ebranch@head", "base", {"f", "someothername", "e", "d"});
    expect_iteration(g, "abranch@head", "base", {"c", "somelongername", "b", "a"});
}

// ports: tests/test_revision.py::LabeledBranchTest::test_iterate_named_head_to_heads
TEST(RevLabeledBranch, IterateNamedHeadToHeads) { expect_iteration(labeled(), "heads", "ebranch@head", {"f"}); }

// ports: tests/test_revision.py::LabeledBranchTest::test_iterate_named_rev_to_heads
// ports: tests/test_revision.py::LabeledBranchTest::test_iterate_to_branch_at_rev
TEST(RevLabeledBranch, IterateNamedRevToHeads) {
    expect_iteration(labeled(), "heads", "ebranch@d", {"f", "someothername", "e", "d"});
}

// ports: tests/test_revision.py::LabeledBranchTest::test_iterate_head_to_version_specific_base
TEST(RevLabeledBranch, IterateHeadToVersionSpecificBase) {
    auto g = labeled();
    expect_iteration(g, "heads", "e@base", {"f", "someothername", "e", "d"});
    expect_iteration(g, "heads", "c@base", {"c", "somelongername", "b", "a"});
}

// ports: tests/test_revision.py::LabeledBranchTest::test_branch_w_down_relative
TEST(RevLabeledBranch, BranchWithDownRelative) {
    expect_iteration(labeled(), "heads", "ebranch@-2", {"f", "someothername", "e"});
}

// ports: tests/test_revision.py::LabeledBranchTest::test_branch_w_up_relative
TEST(RevLabeledBranch, BranchWithUpRelative) { expect_iteration(labeled(), "ebranch@+2", "base", {"e", "d"}); }

// ports: tests/test_revision.py::LabeledBranchTest::test_partial_id_resolve
TEST(RevLabeledBranch, PartialIdResolve) {
    auto g = labeled();
    EXPECT_EQ(id_or_none(g.get_revision("ebranch@some")), "someothername");
    EXPECT_EQ(id_or_none(g.get_revision("abranch@some")), "somelongername");
}

// ports: tests/test_revision.py::LabeledBranchTest::test_partial_id_resolve_too_short
TEST(RevLabeledBranch, PartialIdResolveTooShort) {
    auto g = labeled();
    EXPECT_EQ(revision_error([&] { (void)g.get_revision("ebranch@sos"); }),
              "No such revision or branch 'sos'; please ensure at least four characters are present for partial "
              "revision identifier matches");
}

// ports: tests/test_revision.py::LabeledBranchTest::test_branch_at_heads
// ports: tests/test_revision.py::LabeledBranchTest::test_branch_at_syntax
TEST(RevLabeledBranch, BranchAtSyntax) {
    auto g = labeled();
    EXPECT_EQ(id_or_none(g.get_revision("abranch@heads")), "c");
    EXPECT_EQ(id_or_none(g.get_revision("abranch@head")), "c");
    EXPECT_EQ(g.get_revision("abranch@base"), nullptr);
    EXPECT_EQ(id_or_none(g.get_revision("ebranch@head")), "f");
    EXPECT_EQ(id_or_none(g.get_revision("ebranch@d")), "d");
}

// ports: tests/test_revision.py::LabeledBranchTest::test_branch_at_self
// ports: tests/test_revision.py::LabeledBranchTest::test_retrieve_branch_revision
// ports: tests/test_revision.py::LabeledBranchTest::test_actually_short_rev_name
TEST(RevLabeledBranch, LabelsAndShortIds) {
    auto g = labeled();
    EXPECT_EQ(id_or_none(g.get_revision("ebranch@ebranch")), "e");
    EXPECT_EQ(id_or_none(g.get_revision("abranch")), "a");
    EXPECT_EQ(id_or_none(g.get_revision("ebranch")), "e");
    EXPECT_EQ(id_or_none(g.get_revision("e")), "e");  // shorter than four characters, but exact
}

// ports: tests/test_revision.py::LabeledBranchTest::test_rev_not_in_branch
TEST(RevLabeledBranch, RevNotInBranch) {
    auto g = labeled();
    EXPECT_EQ(revision_error([&] { (void)g.get_revision("ebranch@b"); }), "Revision b is not a member of branch 'ebranch'");
    EXPECT_EQ(revision_error([&] { (void)g.get_revision("abranch@d"); }), "Revision d is not a member of branch 'abranch'");
}

// ports: tests/test_revision.py::LabeledBranchTest::test_no_revision_exists
TEST(RevLabeledBranch, NoRevisionExists) {
    auto g = labeled();
    EXPECT_EQ(revision_error([&] { (void)g.get_revision("abranch@qprstuv"); }), "No such revision or branch 'qprstuv'");
    EXPECT_EQ(revision_error([&] { (void)g.get_revision("abranch@qpr"); }),
              "No such revision or branch 'qpr'; please ensure at least four characters are present for partial "
              "revision identifier matches");
}

// ports: tests/test_revision.py::LabeledBranchTest::test_not_actually_a_branch
// ports: tests/test_revision.py::LabeledBranchTest::test_not_actually_a_branch_partial_resolution
TEST(RevLabeledBranch, RevisionUsedAsABranch) {
    auto g = labeled();
    EXPECT_EQ(id_or_none(g.get_revision("e@d")), "d");
    EXPECT_EQ(id_or_none(g.get_revision("someoth@d")), "d");
}

// ports: tests/test_revision.py::LabeledBranchTest::test_no_such_branch
TEST(RevLabeledBranch, NoSuchBranch) {
    EXPECT_EQ(revision_error([] { (void)labeled().get_revision("x@d"); }), "No such branch: 'x'");
}

// ---------------------------------------------------------------- iteration order

// ports: tests/test_revision.py::LongShortBranchTest::test_iterate_full
TEST(RevLongShortBranch, IterateFull) {
    RevisionGraph g({rev("a"), rev("b1", {"a"}), rev("b2", {"a"}), rev("c1", {"b1"}), rev("d11", {"c1"}), rev("d12", {"c1"})});
    expect_iteration(g, "heads", "base", {"b2", "d11", "d12", "c1", "b1", "a"});
}

RevisionGraph multiple_branch() {
    return RevisionGraph({rev("a"), rev("b1", {"a"}), rev("b2", {"a"}), rev("cb1", {"b1"}), rev("cb2", {"b2"}),
                          rev("d1cb1", {"cb1"}), rev("d2cb1", {"cb1"}), rev("d1cb2", {"cb2"}), rev("d2cb2", {"cb2"}),
                          rev("d3cb2", {"cb2"}), rev("d1d2cb2", {"d1cb2", "d2cb2"})});
}

// ports: tests/test_revision.py::MultipleBranchTest::test_iterate_from_merge_point
TEST(RevMultipleBranch, IterateFromMergePoint) {
    expect_iteration(multiple_branch(), "d1d2cb2", "a", {"d1d2cb2", "d1cb2", "d2cb2", "cb2", "b2", "a"});
}

// ports: tests/test_revision.py::MultipleBranchTest::test_iterate_multiple_heads
TEST(RevMultipleBranch, IterateMultipleHeads) {
    expect_iteration(multiple_branch(), RevisionSpec{"d2cb2", "d3cb2"}, "a", {"d2cb2", "d3cb2", "cb2", "b2", "a"});
}

// ports: tests/test_revision.py::MultipleBranchTest::test_iterate_single_branch
// ports: tests/test_revision.py::MultipleBranchTest::test_iterate_single_branch_to_base
TEST(RevMultipleBranch, IterateSingleBranch) {
    auto g = multiple_branch();
    expect_iteration(g, "d3cb2", "a", {"d3cb2", "cb2", "b2", "a"});
    expect_iteration(g, "d3cb2", "base", {"d3cb2", "cb2", "b2", "a"});
}

// ports: tests/test_revision.py::MultipleBranchTest::test_iterate_multiple_branch_to_base
TEST(RevMultipleBranch, IterateMultipleBranchToBase) {
    expect_iteration(multiple_branch(), RevisionSpec{"d3cb2", "cb1"}, "base", {"cb1", "b1", "d3cb2", "cb2", "b2", "a"});
}

// ports: tests/test_revision.py::MultipleBranchTest::test_iterate_multiple_heads_single_base
TEST(RevMultipleBranch, IterateMultipleHeadsSingleBase) {
    // d1cb1 is left out: it does not descend from b2
    expect_iteration(multiple_branch(), RevisionSpec{"d1cb1", "d2cb2", "d3cb2"}, "b2", {"d2cb2", "d3cb2", "cb2", "b2"});
}

// ports: tests/test_revision.py::MultipleBranchTest::test_same_branch_wrong_direction
// ports: tests/test_revision.py::MultipleBranchTest::test_distinct_branches
// ports: tests/test_revision.py::MultipleBranchTest::test_wrong_direction_to_base_as_none
// ports: tests/test_revision.py::MultipleBranchTest::test_wrong_direction_to_base_as_empty
TEST(RevMultipleBranch, NotAnAncestor) {
    auto g = multiple_branch();
    EXPECT_EQ(revision_error([&] { (void)g.iterate_revisions("b1", "d1cb1"); }),
              "Revision d1cb1 is not an ancestor of revision b1");
    EXPECT_EQ(revision_error([&] { (void)g.iterate_revisions("d2cb2", "b1"); }),
              "Revision b1 is not an ancestor of revision d2cb2");
    // raises rather than iterating nothing
    EXPECT_EQ(revision_error([&] { (void)g.iterate_revisions(RevisionSpec(), "d1cb1"); }),
              "Revision d1cb1 is not an ancestor of revision base");
    EXPECT_EQ(revision_error([&] { (void)g.iterate_revisions(std::vector<std::string>{}, "d1cb1"); }),
              "Revision d1cb1 is not an ancestor of revision base");
}

//   y1 (y) -> y2 (depends on x1);  x1 (x) -> x2
RevisionGraph effective_head() {
    return RevisionGraph({rev("y1", {}, {}, {"y"}), rev("x1", {}, {}, {"x"}), rev("y2", {"y1"}, {"x1"}), rev("x2", {"x1"})});
}

// ports: tests/test_revision.py::MultipleBranchEffectiveHead::test_other_downgrade
TEST(RevEffectiveHead, OtherDowngrade) {
    expect_iteration(effective_head(), RevisionSpec{"x2", "y2"}, "x@-1", {"x2"}, downgrade(false));
}

// ports: tests/test_revision.py::MultipleBranchEffectiveHead::test_use_all_current
TEST(RevEffectiveHead, UseAllCurrent) {
    expect_iteration(effective_head(), RevisionSpec{"x1", "y2"}, "x@-1", {"y2", "x1"}, downgrade(false));
}

// ports: tests/test_revision.py::MultipleBranchEffectiveHead::test_effective_head
TEST(RevEffectiveHead, EffectiveHead) { expect_iteration(effective_head(), "y2", "x@-1", {"y2", "x1"}, downgrade(false)); }

// Depth first along branches, but every branch ends at its branch point before the revisions below it.
RevisionGraph travelling() {
    return RevisionGraph({rev("a1"), rev("a2", {"a1"}), rev("a3", {"a2"}), rev("b1", {"a3"}), rev("b2", {"a3"}),
                          rev("cb1", {"b1"}), rev("cb2", {"b2"}), rev("db1", {"cb1"}), rev("db2", {"cb2"}),
                          rev("e1b1", {"db1"}), rev("fe1b1", {"e1b1"}), rev("e2b1", {"db1"}), rev("e2b2", {"db2"}),
                          rev("merge", {"e2b1", "e2b2"})});
}

// ports: tests/test_revision.py::BranchTravellingTest::test_iterate_one_branch_both_to_merge
TEST(RevBranchTravelling, OneBranchBothToMerge) {
    // implicit base fills in every branch that feeds the merge point
    expect_iteration(travelling(), "merge", "db1", {"merge", "e2b1", "db1", "e2b2", "db2", "cb2", "b2"},
                     {.implicit_base = true, .inclusive = true});
}

// ports: tests/test_revision.py::BranchTravellingTest::test_three_branches_end_in_single_branch
TEST(RevBranchTravelling, ThreeBranchesEndInSingleBranch) {
    expect_iteration(travelling(), RevisionSpec{"merge", "fe1b1"}, "a3",
                     {"fe1b1", "e1b1", "merge", "e2b1", "db1", "cb1", "b1", "e2b2", "db2", "cb2", "b2", "a3"});
}

// ports: tests/test_revision.py::BranchTravellingTest::test_two_branches_to_root
TEST(RevBranchTravelling, TwoBranchesToRoot) {
    // a3 is a stop, db1 is not (one traversal through it)
    expect_iteration(travelling(), "merge", "a1",
                     {"merge", "e2b1", "db1", "cb1", "b1", "e2b2", "db2", "cb2", "b2", "a3", "a2", "a1"});
}

// ports: tests/test_revision.py::BranchTravellingTest::test_two_branches_end_in_branch
TEST(RevBranchTravelling, TwoBranchesEndInBranch) {
    // b1 is local to the e2b1 branch
    expect_iteration(travelling(), "merge", "b1", {"merge", "e2b1", "db1", "cb1", "b1"});
}

// ports: tests/test_revision.py::BranchTravellingTest::test_two_branches_end_behind_branch
TEST(RevBranchTravelling, TwoBranchesEndBehindBranch) {
    expect_iteration(travelling(), "merge", "a2", {"merge", "e2b1", "db1", "cb1", "b1", "e2b2", "db2", "cb2", "b2", "a3", "a2"});
}

// ports: tests/test_revision.py::BranchTravellingTest::test_three_branches_to_root
TEST(RevBranchTravelling, ThreeBranchesToRoot) {
    // a3 and db1 are both stops
    expect_iteration(travelling(), RevisionSpec{"merge", "fe1b1"}, "a1",
                     {"fe1b1", "e1b1", "merge", "e2b1", "db1", "cb1", "b1", "e2b2", "db2", "cb2", "b2", "a3", "a2", "a1"});
}

// ports: tests/test_revision.py::BranchTravellingTest::test_three_branches_end_multiple_bases
TEST(RevBranchTravelling, ThreeBranchesEndMultipleBases) {
    expect_iteration(travelling(), RevisionSpec{"merge", "fe1b1"}, RevisionSpec{"cb1", "cb2"},
                     {"fe1b1", "e1b1", "merge", "e2b1", "db1", "cb1", "e2b2", "db2", "cb2"});
}

// ports: tests/test_revision.py::BranchTravellingTest::test_three_branches_end_multiple_bases_exclusive
TEST(RevBranchTravelling, ThreeBranchesEndMultipleBasesExclusive) {
    expect_iteration(travelling(), RevisionSpec{"merge", "fe1b1"}, RevisionSpec{"cb1", "cb2"},
                     {"fe1b1", "e1b1", "merge", "e2b1", "db1", "e2b2", "db2"}, {});
}

// ports: tests/test_revision.py::BranchTravellingTest::test_detect_invalid_head_selection
TEST(RevBranchTravelling, DetectInvalidHeadSelection) {
    // db1 is an ancestor of fe1b1
    auto msg = revision_error([] { (void)travelling().iterate_revisions(RevisionSpec{"db1", "b2", "fe1b1"}, RevisionSpec()); });
    EXPECT_EQ(msg.rfind("Requested revision fe1b1 overlaps with other requested revisions", 0), 0u) << msg;
}

// ports: tests/test_revision.py::BranchTravellingTest::test_three_branches_end_multiple_bases_exclusive_blank
TEST(RevBranchTravelling, ThreeBranchesExclusiveBlank) {
    expect_iteration(travelling(), RevisionSpec{"e2b1", "b2", "fe1b1"}, RevisionSpec(),
                     {"b2", "fe1b1", "e1b1", "e2b1", "db1", "cb1", "b1", "a3", "a2", "a1"}, {});
}

// ports: tests/test_revision.py::BranchTravellingTest::test_iterate_to_symbolic_base
TEST(RevBranchTravelling, IterateToSymbolicBase) {
    expect_iteration(travelling(), RevisionSpec{"fe1b1"}, "base", {"fe1b1", "e1b1", "db1", "cb1", "b1", "a3", "a2", "a1"}, {});
}

// ports: tests/test_revision.py::BranchTravellingTest::test_ancestor_nodes
TEST(RevBranchTravelling, AncestorNodes) {
    EXPECT_EQ(travelling().ancestors({"merge"}), (std::set<std::string>{"a1", "e2b2", "e2b1", "cb2", "merge", "a3", "a2", "b1",
                                                                        "b2", "db1", "db2", "cb1"}));
}

// ---------------------------------------------------------------- several bases

RevisionGraph multiple_base() {
    return RevisionGraph({rev("base1"), rev("base2"), rev("base3"), rev("a1a", {"base1"}), rev("a1b", {"base1"}),
                          rev("a2", {"base2"}), rev("a3", {"base3"}), rev("b1a", {"a1a"}), rev("b1b", {"a1b"}),
                          rev("b2", {"a2"}), rev("b3", {"a3"}), rev("c2", {"b2"}), rev("d2", {"c2"}),
                          rev("mergeb3d2", {"b3", "d2"})});
}

const V all_multiple_base = {"b1a", "a1a", "b1b",       "a1b", "base1", "mergeb3d2", "b3",
                             "a3",  "base3", "d2", "c2", "b2",  "a2",    "base2"};

// ports: tests/test_revision.py::MultipleBaseTest::test_heads_to_base
// ports: tests/test_revision.py::MultipleBaseTest::test_heads_to_base_exclusive
// ports: tests/test_revision.py::MultipleBaseTest::test_heads_to_blank
TEST(RevMultipleBase, HeadsToBase) {
    auto g = multiple_base();
    expect_iteration(g, "heads", "base", all_multiple_base);
    expect_iteration(g, "heads", "base", all_multiple_base, {});
    expect_iteration(g, "heads", RevisionSpec(), all_multiple_base);
}

// ports: tests/test_revision.py::MultipleBaseTest::test_detect_invalid_base_selection
TEST(RevMultipleBase, DetectInvalidBaseSelection) {
    auto msg = revision_error([] { (void)multiple_base().iterate_revisions(RevisionSpec{"c2"}, RevisionSpec{"a2", "b2"}); });
    EXPECT_NE(msg.find("overlaps with other requested revisions"), std::string::npos) << msg;
}

// ports: tests/test_revision.py::MultipleBaseTest::test_heads_to_revs_plus_implicit_base_exclusive
TEST(RevMultipleBase, HeadsToRevsPlusImplicitBaseExclusive) {
    expect_iteration(multiple_base(), "heads", RevisionSpec{"c2"},
                     {"b1a", "a1a", "b1b", "a1b", "base1", "mergeb3d2", "b3", "a3", "base3", "d2"},
                     {.implicit_base = true});
}

// ports: tests/test_revision.py::MultipleBaseTest::test_heads_to_revs_base_exclusive
TEST(RevMultipleBase, HeadsToRevsBaseExclusive) {
    expect_iteration(multiple_base(), "heads", RevisionSpec{"c2"}, {"mergeb3d2", "d2"}, {});
}

// ports: tests/test_revision.py::MultipleBaseTest::test_heads_to_revs_plus_implicit_base_inclusive
TEST(RevMultipleBase, HeadsToRevsPlusImplicitBaseInclusive) {
    expect_iteration(multiple_base(), "heads", RevisionSpec{"c2"},
                     {"b1a", "a1a", "b1b", "a1b", "base1", "mergeb3d2", "b3", "a3", "base3", "d2", "c2"},
                     {.implicit_base = true, .inclusive = true});
}

// ports: tests/test_revision.py::MultipleBaseTest::test_specific_path_one
TEST(RevMultipleBase, SpecificPathOne) { expect_iteration(multiple_base(), "b3", "base3", {"b3", "a3", "base3"}); }

// ports: tests/test_revision.py::MultipleBaseTest::test_specific_path_two_implicit_base
TEST(RevMultipleBase, SpecificPathTwoImplicitBase) {
    expect_iteration(multiple_base(), RevisionSpec{"b3", "b2"}, "base3", {"b2", "a2", "base2", "b3", "a3"},
                     {.implicit_base = true});
}

//   base1 (b_1) -> a1a -> b1a
//               -> a1b -> b1b (depends on a3)
//   base2 (b_2) -> a2 -> b2 -> c2 (depends on a3) -> d2
//   base3 (b_3) -> a3 -> b3
RevisionGraph cross_one() {
    return RevisionGraph({rev("base1", {}, {}, {"b_1"}), rev("a1a", {"base1"}), rev("a1b", {"base1"}), rev("b1a", {"a1a"}),
                          rev("b1b", {"a1b"}, {"a3"}), rev("base2", {}, {}, {"b_2"}), rev("a2", {"base2"}),
                          rev("b2", {"a2"}), rev("c2", {"b2"}, {"a3"}), rev("d2", {"c2"}), rev("base3", {}, {}, {"b_3"}),
                          rev("a3", {"base3"}), rev("b3", {"a3"})});
}

const V all_cross_one = {"b1a", "a1a", "b1b", "a1b", "base1", "d2", "c2", "b2", "a2", "base2", "b3", "a3", "base3"};

// ports: tests/test_revision.py::MultipleBaseCrossDependencyTestOne::test_what_are_the_heads
TEST(RevCrossDependencyOne, WhatAreTheHeads) { EXPECT_EQ(cross_one().heads(), (V{"b1a", "b1b", "d2", "b3"})); }

// ports: tests/test_revision.py::MultipleBaseCrossDependencyTestOne::test_heads_to_base
// ports: tests/test_revision.py::MultipleBaseCrossDependencyTestOne::test_heads_to_base_downgrade
TEST(RevCrossDependencyOne, HeadsToBase) {
    auto g = cross_one();
    expect_iteration(g, "heads", "base", all_cross_one);
    expect_iteration(g, "heads", "base", all_cross_one, downgrade());
}

// ports: tests/test_revision.py::MultipleBaseCrossDependencyTestOne::test_same_branch_wrong_direction
// ports: tests/test_revision.py::MultipleBaseCrossDependencyTestOne::test_different_branch_not_wrong_direction
TEST(RevCrossDependencyOne, WrongDirection) {
    auto g = cross_one();
    EXPECT_EQ(revision_error([&] { (void)g.iterate_revisions("b2", "d2"); }), "Revision d2 is not an ancestor of revision b2");
    EXPECT_EQ(revision_error([&] { (void)g.iterate_revisions("b3", "d2"); }), "Revision d2 is not an ancestor of revision b3");
}

// ports: tests/test_revision.py::MultipleBaseCrossDependencyTestOne::test_we_need_head2_upgrade
// ports: tests/test_revision.py::MultipleBaseCrossDependencyTestOne::test_we_need_head2_downgrade
TEST(RevCrossDependencyOne, Head2) {
    auto g = cross_one();
    // the 2 branch relies on the 3 branch going up, not going down
    expect_iteration(g, "b_2@head", "base", {"d2", "c2", "b2", "a2", "base2", "a3", "base3"});
    expect_iteration(g, "b_2@head", "b_2@base", {"d2", "c2", "b2", "a2", "base2"}, downgrade());
}

// ports: tests/test_revision.py::MultipleBaseCrossDependencyTestOne::test_we_need_head3_upgrade
// ports: tests/test_revision.py::MultipleBaseCrossDependencyTestOne::test_we_need_head3_downgrade
TEST(RevCrossDependencyOne, Head3) {
    auto g = cross_one();
    expect_iteration(g, "b_3@head", "base", {"b3", "a3", "base3"});
    expect_iteration(g, "b_3@head", "base", {"b3", "a3", "base3"}, downgrade());
}

// ports: tests/test_revision.py::MultipleBaseCrossDependencyTestOne::test_we_need_head1_upgrade
// ports: tests/test_revision.py::MultipleBaseCrossDependencyTestOne::test_we_need_head1_downgrade
TEST(RevCrossDependencyOne, Head1) {
    auto g = cross_one();
    expect_iteration(g, "b1b@head", "base", {"b1b", "a1b", "base1", "a3", "base3"});
    expect_iteration(g, "b1b@head", "b1b@base", {"b1b", "a1b", "base1"}, downgrade());
}

// ports: tests/test_revision.py::MultipleBaseCrossDependencyTestOne::test_we_need_base2_upgrade
// ports: tests/test_revision.py::MultipleBaseCrossDependencyTestOne::test_we_need_base2_downgrade
TEST(RevCrossDependencyOne, Base2) {
    auto g = cross_one();
    expect_iteration(g, "heads", "b_2@base", {"d2", "c2", "b2", "a2", "base2", "a3", "base3"});
    expect_iteration(g, "heads", "b_2@base", {"d2", "c2", "b2", "a2", "base2"}, downgrade());
}

// ports: tests/test_revision.py::MultipleBaseCrossDependencyTestOne::test_we_need_base3_upgrade
// ports: tests/test_revision.py::MultipleBaseCrossDependencyTestOne::test_we_need_base3_downgrade
TEST(RevCrossDependencyOne, Base3) {
    auto g = cross_one();
    expect_iteration(g, "heads", "b_3@base", {"b3", "a3", "base3"});
    // going down to b_3@base takes everything that depends on a3 first
    expect_iteration(g, "heads", "b_3@base", {"b1b", "d2", "c2", "b3", "a3", "base3"}, downgrade());
}

RevisionGraph cross_two() {
    return RevisionGraph({rev("base1", {}, {}, {"b_1"}), rev("a1", {"base1"}), rev("b1", {"a1"}), rev("c1", {"b1"}),
                          rev("base2", {}, {"b_1"}, {"b_2"}), rev("a2", {"base2"}), rev("b2", {"a2"}), rev("c2", {"b2"}),
                          rev("d2", {"c2"}), rev("base3", {}, {}, {"b_3"}), rev("a3", {"base3"}), rev("b3", {"a3"}),
                          rev("c3", {"b3"}, {"b2"}), rev("d3", {"c3"})});
}

// ports: tests/test_revision.py::MultipleBaseCrossDependencyTestTwo::test_what_are_the_heads
TEST(RevCrossDependencyTwo, WhatAreTheHeads) { EXPECT_EQ(cross_two().heads(), (V{"c1", "d2", "d3"})); }

// ports: tests/test_revision.py::MultipleBaseCrossDependencyTestTwo::test_heads_to_base
TEST(RevCrossDependencyTwo, HeadsToBase) {
    expect_iteration(cross_two(), "heads", "base",
                     {"c1", "b1", "a1", "d2", "c2", "d3", "c3", "b3", "a3", "base3", "b2", "a2", "base2", "base1"});
}

// ports: tests/test_revision.py::MultipleBaseCrossDependencyTestTwo::test_we_need_head2
// ports: tests/test_revision.py::MultipleBaseCrossDependencyTestTwo::test_we_need_head3
// ports: tests/test_revision.py::MultipleBaseCrossDependencyTestTwo::test_we_need_head1
TEST(RevCrossDependencyTwo, Heads) {
    auto g = cross_two();
    expect_iteration(g, "b_2@head", "base", {"d2", "c2", "b2", "a2", "base2", "base1"});
    expect_iteration(g, "b_3@head", "base", {"d3", "c3", "b3", "a3", "base3", "b2", "a2", "base2", "base1"});
    expect_iteration(g, "b_1@head", "base", {"c1", "b1", "a1", "base1"});
}

// ports: tests/test_revision.py::MultipleBaseCrossDependencyTestTwo::test_we_need_base1
// ports: tests/test_revision.py::MultipleBaseCrossDependencyTestTwo::test_we_need_base2
// ports: tests/test_revision.py::MultipleBaseCrossDependencyTestTwo::test_we_need_base3
TEST(RevCrossDependencyTwo, Bases) {
    auto g = cross_two();
    expect_iteration(g, "heads", "b_1@base", {"c1", "b1", "a1", "base1"});  // b_1 depends on nothing
    // base2 depends on base1; nothing depends on b_3, so d3 and c3 stay out
    expect_iteration(g, "heads", "b_2@base", {"d2", "c2", "b2", "a2", "base2", "base1"});
    // c3 depends on b2, which brings b2, a2, base2 and base1
    expect_iteration(g, "heads", "b_3@base", {"d3", "c3", "b3", "a3", "base3", "b2", "a2", "base2", "base1"});
}

// ports: tests/test_revision.py::MultipleBaseCrossDependencyTestThree::test_traverse_no_parent_but_a_dep
TEST(RevCrossDependencyThree, NoParentButADependency) {
    RevisionGraph g({rev("base1"), rev("a1", {"base1"}), rev("b1", {"a1"}), rev("c2", {}, {"a1"}), rev("c3", {"c2"})});
    expect_iteration(g, "heads", "base", {"b1", "c3", "c2", "a1", "base1"});
}

// A large random graph of merges and branches (Alembic checks the same properties on a fixed large map).
// ports: tests/test_revision.py::LargeMapTest::test_all
TEST(RevLargeMap, All) {
    std::mt19937 gen(20240611);
    std::vector<Revision> revs;
    for (int i = 0; i < 150; ++i) {
        Revision r = rev("r" + std::to_string(i));
        if (i > 0 && gen() % 12 != 0) {
            r.parents.push_back("r" + std::to_string(gen() % static_cast<unsigned>(i)));
            if (i > 2 && gen() % 4 == 0) {
                std::string other = "r" + std::to_string(gen() % static_cast<unsigned>(i));
                if (other != r.parents[0]) r.parents.push_back(other);
            }
        }
        revs.push_back(std::move(r));
    }
    // Shuffled declaration order: the graph does not depend on it.
    std::shuffle(revs.begin(), revs.end(), gen);
    RevisionGraph g(revs);
    auto all = g.iterate_revisions("heads", "base");
    EXPECT_EQ(all.size(), revs.size());
    EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), revs.size());
    for (std::size_t i = 0; i < all.size(); ++i) {
        auto below = g.ancestors({all[i]});
        auto above = g.descendants({all[i]});
        below.erase(all[i]);
        above.erase(all[i]);
        for (const auto& b : below) EXPECT_FALSE(above.count(b)) << all[i];
        std::set<std::string> remaining(all.begin() + static_cast<std::ptrdiff_t>(i) + 1, all.end());
        if (!remaining.empty() && !below.empty())
            EXPECT_TRUE(std::any_of(below.begin(), below.end(), [&](const std::string& x) { return remaining.count(x); }));
        // nothing above a revision comes after it
        for (const auto& a : above) EXPECT_FALSE(remaining.count(a)) << a << " after " << all[i];
    }
}

// ---------------------------------------------------------------- loops and cycles

void expect_error(const std::function<void()>& build, const std::string& pattern) {
    auto msg = revision_error(build);
    EXPECT_TRUE(std::regex_match(msg, std::regex(pattern))) << msg;
}

std::string cycle_of(const std::string& kind, const std::string& revs) {
    return "^" + kind + " is detected in revisions \\(((" + revs + ")(, )?)+\\)$";
}

// ports: tests/test_revision.py::GraphWithLoopTest::test_revision_map_solitary_loop
// ports: tests/test_revision.py::GraphWithLoopTest::test_revision_map_base_loop
// ports: tests/test_revision.py::GraphWithLoopTest::test_revision_map_head_loop
// ports: tests/test_revision.py::GraphWithLoopTest::test_revision_map_branch_point_loop
// ports: tests/test_revision.py::GraphWithLoopTest::test_revision_map_merge_point_loop
TEST(RevGraphWithLoop, SelfLoops) {
    const std::string loop = R"(^Self-loop is detected in revisions \()";
    EXPECT_THROW(RevisionGraph({rev("a", {"a"})}), LoopDetected);
    expect_error([] { RevisionGraph({rev("a", {"a"})}); }, loop + R"(a\)$)");
    expect_error([] { RevisionGraph({rev("a", {"a"}), rev("b", {"a"}), rev("c", {"b"})}); }, loop + R"(a\)$)");
    expect_error([] { RevisionGraph({rev("a"), rev("b", {"a"}), rev("c", {"b", "c"})}); }, loop + R"(c\)$)");
    expect_error([] { RevisionGraph({rev("a"), rev("b", {"a", "b"}), rev("c1", {"b"}), rev("c2", {"b"})}); }, loop + R"(b\)$)");
    expect_error([] { RevisionGraph({rev("a"), rev("b1", {"a"}), rev("b2", {"a"}), rev("c", {"b1", "b2", "c"})}); },
                 loop + R"(c\)$)");
}

// ports: tests/test_revision.py::GraphWithLoopTest::test_revision_map_solitary_dependency_loop
// ports: tests/test_revision.py::GraphWithLoopTest::test_revision_map_base_dependency_loop
// ports: tests/test_revision.py::GraphWithLoopTest::test_revision_map_head_dep_loop
// ports: tests/test_revision.py::GraphWithLoopTest::test_revision_map_branch_point_dep_loop
// ports: tests/test_revision.py::GraphWithLoopTest::test_revision_map_merge_point_dep_loop
TEST(RevGraphWithLoop, DependencySelfLoops) {
    const std::string loop = R"(^Dependency self-loop is detected in revisions \()";
    EXPECT_THROW(RevisionGraph({rev("a", {}, {"a"})}), DependencyLoopDetected);
    expect_error([] { RevisionGraph({rev("a", {}, {"a"})}); }, loop + R"(a\)$)");
    expect_error([] { RevisionGraph({rev("a", {}, {"a"}), rev("b", {"a"}), rev("c", {"b"})}); }, loop + R"(a\)$)");
    expect_error([] { RevisionGraph({rev("a"), rev("b", {"a"}), rev("c", {"b"}, {"c"})}); }, loop + R"(c\)$)");
    expect_error([] { RevisionGraph({rev("a"), rev("b", {"a"}, {"b"}), rev("c1", {"b"}), rev("c2", {"b"})}); },
                 loop + R"(b\)$)");
    expect_error([] { RevisionGraph({rev("a"), rev("b1", {"a"}), rev("b2", {"a"}), rev("c", {"b1", "b2"}, {"c"})}); },
                 loop + R"(c\)$)");
}

// ports: tests/test_revision.py::GraphWithLoopTest::test_revision_dupe_head
// ports: tests/test_revision.py::GraphWithLoopTest::test_revision_map_no_loop_w_overlapping_substrings
// ports: tests/test_revision.py::GraphWithLoopTest::test_revision_map_no_loop_w_overlapping_substrings_dependencies
TEST(RevGraphWithLoop, OverlappingNamesAreNoLoop) {
    expect_iteration(RevisionGraph({rev("user_foo"), rev("user", {"user_foo"}, {"user_foo"})}), "heads", RevisionSpec(),
                     {"user", "user_foo"});
    expect_iteration(RevisionGraph({rev("user_foo"), rev("user", {"user_foo"})}), "heads", RevisionSpec(), {"user", "user_foo"});
    expect_iteration(RevisionGraph({rev("user_foo"), rev("user", {}, {"user_foo"})}), "heads", RevisionSpec(),
                     {"user", "user_foo"});
}

// ports: tests/test_revision.py::GraphWithCycleTest::test_revision_map_simple_cycle
// ports: tests/test_revision.py::GraphWithCycleTest::test_revision_map_extra_simple_cycle
// ports: tests/test_revision.py::GraphWithCycleTest::test_revision_map_lower_simple_cycle
// ports: tests/test_revision.py::GraphWithCycleTest::test_revision_map_upper_simple_cycle
TEST(RevGraphWithCycle, Cycles) {
    EXPECT_THROW(RevisionGraph({rev("a", {"c"}), rev("b", {"a"}), rev("c", {"b"})}), CycleDetected);
    expect_error([] { RevisionGraph({rev("a", {"c"}), rev("b", {"a"}), rev("c", {"b"})}); }, cycle_of("Cycle", "a|b|c"));
    expect_error([] { RevisionGraph({rev("a", {"c"}), rev("b", {"a"}), rev("c", {"b"}), rev("d"), rev("e", {"d"})}); },
                 cycle_of("Cycle", "a|b|c"));
    expect_error([] { RevisionGraph({rev("a", {"c"}), rev("b", {"a"}), rev("c", {"b"}), rev("d", {"c"}), rev("e", {"d"})}); },
                 cycle_of("Cycle", "a|b|c|d|e"));
    expect_error([] { RevisionGraph({rev("a"), rev("b", {"a"}), rev("c", {"b", "e"}), rev("d", {"c"}), rev("e", {"d"})}); },
                 cycle_of("Cycle", "a|b|c|d|e"));
}

// ports: tests/test_revision.py::GraphWithCycleTest::test_revision_map_simple_dep_cycle
// ports: tests/test_revision.py::GraphWithCycleTest::test_revision_map_extra_simple_dep_cycle
// ports: tests/test_revision.py::GraphWithCycleTest::test_revision_map_lower_simple_dep_cycle
// ports: tests/test_revision.py::GraphWithCycleTest::test_revision_map_upper_simple_dep_cycle
TEST(RevGraphWithCycle, DependencyCycles) {
    EXPECT_THROW(RevisionGraph({rev("a", {}, {"c"}), rev("b", {"a"}), rev("c", {"b"})}), DependencyCycleDetected);
    expect_error([] { RevisionGraph({rev("a", {}, {"c"}), rev("b", {"a"}), rev("c", {"b"})}); },
                 cycle_of("Dependency cycle", "a|b|c"));
    expect_error([] { RevisionGraph({rev("a", {}, {"c"}), rev("b", {"a"}), rev("c", {"b"}), rev("d"), rev("e", {"d"})}); },
                 cycle_of("Dependency cycle", "a|b|c"));
    expect_error(
        [] { RevisionGraph({rev("a", {}, {"c"}), rev("b", {"a"}), rev("c", {"b"}), rev("d", {"c"}), rev("e", {"d"})}); },
        cycle_of("Dependency cycle", "a|b|c|d|e"));
    expect_error(
        [] { RevisionGraph({rev("a"), rev("b", {"a"}), rev("c", {"b"}, {"e"}), rev("d", {"c"}), rev("e", {"d"})}); },
        cycle_of("Dependency cycle", "a|b|c|d|e"));
}

// ---------------------------------------------------------------- normalized down revisions

RevisionGraph normalized() {
    return RevisionGraph({rev("a1"), rev("a2", {"a1"}), rev("a3", {"a2"}), rev("b1"), rev("b2", {"b1"}, {"a3"}),
                          rev("b3", {"b2"}), rev("b4", {"b3"}, {"a3"}), rev("b5", {"b4"}, {"b4"})});
}

// ports: tests/test_revision.py::NormalizedDownRevTest::test_normalized_down_revisions
TEST(RevNormalizedDownRev, NormalizedDownRevisions) {
    auto g = normalized();
    EXPECT_EQ(g.all_down_revisions("b4"), (V{"b3", "a3"}));
    // a3 is left out: the ancestor b2 depends on it already
    EXPECT_EQ(g.normalized_down_revisions("b4"), V{"b3"});
}

// ports: tests/test_revision.py::NormalizedDownRevTest::test_dupe_dependency
TEST(RevNormalizedDownRev, DupeDependency) {
    auto g = normalized();
    EXPECT_EQ(g.all_down_revisions("b5"), V{"b4"});
    EXPECT_EQ(g.normalized_down_revisions("b5"), V{"b4"});
}

// ports: tests/test_revision.py::NormalizedDownRevTest::test_branch_traversal
TEST(RevNormalizedDownRev, BranchTraversal) {
    expect_iteration(normalized(), "b4", "b1@base", {"b4", "b3", "b2", "b1"}, downgrade());
}

// ports: tests/test_revision.py::NormalizedDownRevTest::test_all_traversal
TEST(RevNormalizedDownRev, AllTraversal) {
    expect_iteration(normalized(), "heads", "base", {"b5", "b4", "b3", "b2", "b1", "a3", "a2", "a1"}, downgrade());
}

// ports: tests/test_revision.py::NormalizedDownRevTest::test_partial_traversal
TEST(RevNormalizedDownRev, PartialTraversal) {
    expect_iteration(normalized(), "heads", "a2", {"b5", "b4", "b3", "b2", "a3", "a2"}, downgrade());
}

// ports: tests/test_revision.py::NormalizedDownRevTest::test_partial_traversal_implicit_base_one
TEST(RevNormalizedDownRev, PartialTraversalImplicitBaseOne) {
    expect_iteration(normalized(), "heads", "a2", {"b5", "b4", "b3", "b2", "b1", "a3", "a2"}, downgrade(true, true));
}

// ports: tests/test_revision.py::NormalizedDownRevTest::test_partial_traversal_implicit_base_two
TEST(RevNormalizedDownRev, PartialTraversalImplicitBaseTwo) {
    expect_iteration(normalized(), "b5", RevisionSpec{"b1"}, {"b5", "b4", "b3", "b2", "b1", "a3", "a2", "a1"},
                     {.implicit_base = true, .inclusive = true});
}

// ports: tests/test_revision.py::NormalizedDownRevTest::test_partial_traversal_implicit_base_three
TEST(RevNormalizedDownRev, PartialTraversalImplicitBaseThree) {
    RevisionGraph g({rev("c1"), rev("a1"), rev("a2", {"a1"}, {"c1"}), rev("a3", {"a2"}, {"c1"}), rev("b1"),
                     rev("b2", {"b1"}, {"a3"}), rev("b3", {"b2"}), rev("b4", {"b3"}, {"a3"}), rev("b5", {"b4"})});
    expect_iteration(g, "b5", RevisionSpec{"b1"}, {"b5", "b4", "b3", "b2", "b1", "a3", "a2", "a1", "c1"},
                     {.implicit_base = true, .inclusive = true});
}

}  // namespace conf_revision
