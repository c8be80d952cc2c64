// The revision graph (Alembic's RevisionMap): revisions linked by their parents (down revisions), their
// depends_on (dependencies on revisions of other branches) and named by branch labels; targets are resolved
// and paths are computed here, the version table's rows are kept up to date by apply_step().
//
// Words, as Alembic uses them:
//   - head: a revision no other revision names as a parent; "real" heads also count depends_on, so a
//     revision another one depends on is a head but not a real head. "heads" means every real head.
//   - base: a revision without parents; "base" as a target means no revision at all.
//   - branch point: a revision with several children; merge point: a revision with several parents.
//   - branch label: a name given to a revision (`branch_labels:` in its file) that also names the branch
//     through it: its descendants and the ancestors down to the previous branch point carry the label.
//   - depends_on: revisions (or branch labels) that must be applied before this one without being its
//     parent; they are upgraded first and, when downgraded, take this revision down with them.
//
// Targets (what `upgrade`, `downgrade` and `stamp` take), resolved as Alembic resolves them:
//   head, heads, base           the single head (an error naming them when there are several), every real
//                               head, nothing
//   <id> or a prefix of one     full ids, and unique prefixes of ids or labels at least four characters long
//   <label>                     the revision carrying that label
//   <label>@head, <label>@base  the head of that branch, the base of that branch
//   <label>@<id>                the revision <id>, checked to be on that branch
//   +N, -N                      N revisions up or down from the current ones (on one branch)
//   <id>+N, <id>-N              N revisions up or down from <id>: head-1, base+2, ae10+2
//   <label>@+N, <label>@-N      relative moves along one branch
// Revision ids and labels hold letters, digits and '_' only, so none of '@', '+', '-', ':' can be in them.
#pragma once

#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "retort/export.hpp"
#include "retort/migrate/ops.hpp"

namespace retort::migrate {

// A problem with the revision graph or a target: unknown or ambiguous ids, cycles, several heads where
// one is needed, a destination that is not reachable.
class RETORT_API RevisionError : public ArgumentError {
public:
    using ArgumentError::ArgumentError;
};

// "head" (or "<label>@head") names several revisions.
class RETORT_API MultipleHeadsError : public RevisionError {
public:
    MultipleHeadsError(std::vector<std::string> heads, std::string argument);
    MultipleHeadsError(const std::string& message, std::vector<std::string> heads, std::string argument)
        : RevisionError(message), heads(std::move(heads)), argument(std::move(argument)) {}
    std::vector<std::string> heads;
    std::string argument;
};

// An identifier that names no revision or branch, or names several.
class RETORT_API ResolutionError : public RevisionError {
public:
    ResolutionError(const std::string& message, std::string argument)
        : RevisionError(message), argument(std::move(argument)) {}
    std::string argument;
};

// A relative move (+N, -N) reaches a branch point or merge point and cannot tell which way to go.
class RETORT_API AmbiguousWalkError : public RevisionError {
public:
    using RevisionError::RevisionError;
};

// The lower revision of a range is not below the upper one.
class RETORT_API RangeNotAncestorError : public RevisionError {
public:
    RangeNotAncestorError(std::string lower, std::string upper);
    RangeNotAncestorError(const std::string& message, std::string lower, std::string upper)
        : RevisionError(message), lower(std::move(lower)), upper(std::move(upper)) {}
    std::string lower, upper;
};

// Revisions whose parents go round in a circle ("Cycle is detected in revisions (a, b, c)").
class RETORT_API CycleDetected : public RevisionError {
public:
    CycleDetected(const std::string& kind, std::vector<std::string> revisions);
    explicit CycleDetected(std::vector<std::string> revisions) : CycleDetected("Cycle", std::move(revisions)) {}
    std::vector<std::string> revisions;
};
// The same through depends_on.
class RETORT_API DependencyCycleDetected : public CycleDetected {
public:
    explicit DependencyCycleDetected(std::vector<std::string> revisions, const char* kind = "Dependency cycle")
        : CycleDetected(kind, std::move(revisions)) {}
};
// A revision that names itself as a parent.
class RETORT_API LoopDetected : public CycleDetected {
public:
    explicit LoopDetected(std::string revision) : CycleDetected("Self-loop", {std::move(revision)}) {}
};
// A revision that names itself in depends_on.
class RETORT_API DependencyLoopDetected : public DependencyCycleDetected {
public:
    explicit DependencyLoopDetected(std::string revision)
        : DependencyCycleDetected({std::move(revision)}, "Dependency self-loop") {}
};

// A revision argument as Alembic takes one: a single identifier (any target form above), several
// identifiers (the version table's rows), or none (base).
class RETORT_API RevisionSpec {
public:
    RevisionSpec() = default;
    RevisionSpec(std::string one);  // NOLINT: implicit, like Alembic's str arguments; "" is none
    RevisionSpec(const char* one) : RevisionSpec(std::string(one)) {}  // NOLINT
    RevisionSpec(std::vector<std::string> many) : items_(std::move(many)) {}  // NOLINT
    RevisionSpec(std::initializer_list<std::string> many) : items_(many) {}

    [[nodiscard]] bool none() const noexcept { return items_.empty(); }
    // True for one identifier given as a string (only those may be relative or carry "label@").
    [[nodiscard]] bool scalar() const noexcept { return scalar_; }
    [[nodiscard]] const std::vector<std::string>& items() const noexcept { return items_; }
    // As messages show it: "base" for none.
    [[nodiscard]] std::string text() const;

private:
    std::vector<std::string> items_;
    bool scalar_ = false;
};

// One step of a migration run: a revision run up or down, or a stamp (the version table moved without
// running anything).
struct RETORT_API MigrationStep {
    bool upgrade = true;
    bool stamp = false;
    std::string revision;               // revision steps
    std::vector<std::string> from, to;  // stamp steps: the version rows moved from and to
    bool branch_move = false;           // stamp steps: a branch is created (up) or deleted (down)

    bool operator==(const MigrationStep&) const = default;
};

// A change to the version table.
struct RETORT_API VersionChange {
    enum class Kind { Insert, Delete, Update };
    Kind kind = Kind::Insert;
    std::string from;  // Delete, Update
    std::string to;    // Insert, Update

    bool operator==(const VersionChange&) const = default;
};

struct RETORT_API IterateOptions {
    bool implicit_base = false;          // also walk other branches down to their bases
    bool inclusive = false;              // include the lower revision itself
    bool assert_relative_length = true;  // relative targets must move by the full count
    bool select_for_downgrade = false;   // upper is the current state, lower the downgrade destination
};

class RETORT_API RevisionGraph {
public:
    RevisionGraph() = default;
    // Takes revisions in declaration order (ScriptDirectory orders them by creation time, then id); the
    // order breaks ties wherever Alembic's does. Throws RevisionError for duplicate ids or labels, unknown
    // parents or depends_on, and the CycleDetected family for cycles.
    explicit RevisionGraph(std::vector<Revision> revisions);
    // The graph with one more revision (declared last).
    void add_revision(Revision revision);

    [[nodiscard]] const Revision& get(const std::string& id) const;
    [[nodiscard]] bool contains(const std::string& id) const { return index_.count(id) != 0; }
    // A single identifier that must name a revision (ids, prefixes, labels, "head", "label@id" ...).
    [[nodiscard]] const Revision& resolve(const std::string& target) const;
    // Alembic's get_revision: nullptr for base; MultipleHeadsError when the target names several.
    [[nodiscard]] const Revision* get_revision(const std::string& target) const;
    // Alembic's get_revisions: the revisions a target names, in order; a relative walk past the end gives
    // nullptr.
    [[nodiscard]] std::vector<const Revision*> get_revisions(const RevisionSpec& target) const;
    // The ids a target names (for stamps and offline starts).
    [[nodiscard]] std::vector<std::string> revision_ids(const RevisionSpec& target) const;

    // Heads and bases, in declaration order. real_heads() also count depends_on; real_bases() have
    // neither parents nor depends_on.
    [[nodiscard]] std::vector<std::string> heads() const;
    [[nodiscard]] std::vector<std::string> real_heads() const;
    [[nodiscard]] std::vector<std::string> bases() const;
    [[nodiscard]] std::vector<std::string> real_bases() const;
    // The only head (of a branch when a label is given); MultipleHeadsError when there are several,
    // RevisionError when there are none.
    [[nodiscard]] std::string single_head(const std::string& branch_label = {}) const;
    // The head of a branch, or none when there are no revisions.
    [[nodiscard]] std::optional<std::string> current_head(const std::string& branch_label = {}) const;
    // Children through parents (Alembic's nextrev), in declaration order.
    [[nodiscard]] std::vector<std::string> children(const std::string& id) const;
    // Revisions depending on this one through parents or depends_on.
    [[nodiscard]] std::vector<std::string> dependents(const std::string& id) const;
    // The labels of the branches a revision is on (its own and those it inherits).
    [[nodiscard]] std::set<std::string> branch_labels(const std::string& id) const;
    // depends_on as revision ids (labels resolved).
    [[nodiscard]] std::vector<std::string> dependencies(const std::string& id) const;
    // Parents plus depends_on, leaving out dependencies an ancestor already has.
    [[nodiscard]] std::vector<std::string> normalized_down_revisions(const std::string& id) const;
    [[nodiscard]] std::vector<std::string> all_down_revisions(const std::string& id) const;
    [[nodiscard]] bool is_branch_point(const std::string& id) const { return children(id).size() > 1; }
    [[nodiscard]] bool is_merge_point(const std::string& id) const { return get(id).parents.size() > 1; }

    // Every revision, parents and dependencies first; ties in declaration order.
    [[nodiscard]] const std::vector<std::string>& topological() const { return order_; }
    // The revisions reachable downwards (through parents, and depends_on unless told otherwise), ids included.
    [[nodiscard]] std::set<std::string> ancestors(const std::vector<std::string>& ids,
                                                  bool include_dependencies = true) const;
    // The revisions reachable upwards, ids included.
    [[nodiscard]] std::set<std::string> descendants(const std::vector<std::string>& ids,
                                                    bool include_dependencies = true) const;
    // The targets that share a line of descent with what check_against names (Alembic's filter_for_lineage).
    [[nodiscard]] std::vector<std::string> filter_for_lineage(const std::vector<std::string>& targets,
                                                              const std::string& check_against,
                                                              bool include_dependencies = false) const;

    // The revisions between upper and lower, upper first (Alembic's iterate_revisions).
    [[nodiscard]] std::vector<std::string> iterate_revisions(const RevisionSpec& upper, const RevisionSpec& lower,
                                                             const IterateOptions& options = {}) const;
    // Every revision from the heads down to base (history's order).
    [[nodiscard]] std::vector<std::string> walk_revisions() const;

    // The steps that take the version table's rows `current` to `destination`, in the order to run them.
    // Errors are RevisionError with the command-level message ("Destination x is not a valid upgrade
    // target from current head(s)", "Multiple head revisions are present for given argument 'head'; ...").
    [[nodiscard]] std::vector<MigrationStep> upgrade_steps(const RevisionSpec& current,
                                                           const RevisionSpec& destination) const;
    // warn receives Alembic's warnings (downgrade -1 from several heads). Unlike Alembic, -N from a merge
    // point (where walking down has several parents to choose from) takes the current heads down by N
    // revisions, the merge first, instead of failing with "Ambiguous walk".
    [[nodiscard]] std::vector<MigrationStep> downgrade_steps(
        const RevisionSpec& current, const std::string& destination,
        const std::function<void(const std::string&)>& warn = {}) const;
    [[nodiscard]] std::vector<MigrationStep> stamp_steps(const RevisionSpec& target, const RevisionSpec& current) const;

    // Updates heads (the version table's rows) for a step and returns the changes to write, as Alembic's
    // HeadMaintainer does: a new branch inserts a row, a merge deletes all but one, an unmerge inserts,
    // going below a base deletes.
    std::vector<VersionChange> apply_step(std::set<std::string>& heads, const MigrationStep& step) const;
    // For a stamp step moving from several rows to one: (rows deleted, row updated from, row updated to).
    [[nodiscard]] std::tuple<std::vector<std::string>, std::string, std::string> merge_branch_idents(
        const MigrationStep& step, const std::set<std::string>& heads) const;

    [[nodiscard]] bool empty() const noexcept { return revs_.empty(); }
    [[nodiscard]] std::size_t size() const noexcept { return revs_.size(); }

private:
    struct Node {
        std::vector<int> parents;    // Alembic's versioned down revisions
        std::vector<int> deps;       // depends_on, resolved
        std::vector<int> norm_deps;  // depends_on no ancestor already has
        std::vector<int> all_down;   // parents + deps
        std::vector<int> norm_down;  // parents + norm_deps
        std::vector<int> next;       // children through parents
        std::vector<int> all_next;   // children through parents or depends_on
        std::set<std::string> labels;
    };
    struct Collected;
    static constexpr int kNone = -1;  // no revision (Alembic's None)
    static constexpr int kBase = -2;  // the "base" symbol a downward walk ends at

    void build();
    int idx(const std::string& id) const;
    std::optional<int> lookup(const std::string& key) const;  // ids and labels
    const std::string& id_of(int i) const { return revs_[static_cast<std::size_t>(i)].id; }
    std::vector<std::string> ids_of(const std::vector<int>& v) const;

    std::pair<std::vector<std::string>, std::optional<std::string>> resolve_number(const std::string& id) const;
    std::vector<int> get_revs(const RevisionSpec& spec) const;
    int get_rev(const std::string& id) const;
    int revision_for_ident(const std::optional<std::string>& id, const std::optional<std::string>& check_branch) const;
    int resolve_branch(const std::string& label) const;
    bool shares_lineage(int target, const std::vector<int>& against, bool include_dependencies) const;
    std::vector<int> filter_lineage(const std::vector<int>& targets, const std::string& check_against,
                                    bool include_dependencies) const;
    std::optional<int> current_head_idx(const std::optional<std::string>& label) const;
    int walk(int start, int steps, const std::optional<std::string>& label, bool no_overwalk) const;
    std::pair<std::optional<std::string>, int> parse_downgrade_target(const RevisionSpec& current,
                                                                      const RevisionSpec& target,
                                                                      bool assert_relative_length,
                                                                      const std::function<void(const std::string&)>& warn) const;
    std::vector<int> parse_upgrade_target(const RevisionSpec& current, const RevisionSpec& target,
                                          bool assert_relative_length) const;
    Collected collect_upgrade(const RevisionSpec& upper, RevisionSpec lower, const IterateOptions& o) const;
    Collected collect_downgrade(const RevisionSpec& upper, const RevisionSpec& lower, const IterateOptions& o,
                                const std::function<void(const std::string&)>& warn) const;
    std::vector<int> topological_sort(const std::set<int>& revisions, const std::vector<int>& heads) const;
    std::vector<int> iterate(const RevisionSpec& upper, const RevisionSpec& lower, const IterateOptions& o,
                             const std::function<void(const std::string&)>& warn) const;
    std::set<int> ancestor_set(const std::vector<int>& targets, bool include_dependencies, bool check) const;
    std::set<int> descendant_set(const std::vector<int>& targets, bool include_dependencies, bool check) const;
    std::set<int> reachable_set(const std::vector<int>& targets, bool up, bool include_dependencies, bool check) const;
    std::vector<int> all_current(const std::vector<std::string>& ids) const;
    std::vector<std::string> unmerge_to_revisions(const MigrationStep& step, const std::set<std::string>& heads) const;

    std::vector<Revision> revs_;
    std::vector<Node> nodes_;
    std::map<std::string, int> index_;   // id -> position
    std::map<std::string, int> labels_;  // branch label -> position
    std::vector<std::string> keys_;      // ids then labels, in declaration order (prefix look-ups)
    std::vector<std::string> order_;
};

}  // namespace retort::migrate
