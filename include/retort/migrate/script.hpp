// The revision graph (Alembic's ScriptDirectory): revisions read from <script_location>/versions/*.rev,
// linked by their parents. A revision with several parents is a merge; one with several children is a
// branch point; revisions nobody names as a parent are heads. Targets are resolved here: "head", "heads",
// "base", "+N", "-N", full ids and unique id prefixes.
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "retort/migrate/ops.hpp"

namespace retort::migrate {

// A problem with the revision graph or a target: unknown or ambiguous ids, cycles, several heads where
// one is needed.
class RevisionError : public ArgumentError {
public:
    using ArgumentError::ArgumentError;
};

class RevisionGraph {
public:
    RevisionGraph() = default;
    // Takes revisions in any order; throws RevisionError for duplicate ids, unknown parents and cycles.
    explicit RevisionGraph(std::vector<Revision> revisions);

    [[nodiscard]] const Revision& get(const std::string& id) const;
    [[nodiscard]] bool contains(const std::string& id) const { return by_id_.count(id) != 0; }
    // A full id or a unique prefix of one.
    [[nodiscard]] const Revision& resolve(const std::string& id_or_prefix) const;
    [[nodiscard]] std::vector<std::string> heads() const;
    [[nodiscard]] std::vector<std::string> bases() const;
    // The only head; RevisionError "multiple heads" (naming them) when there are several.
    [[nodiscard]] std::string single_head() const;
    [[nodiscard]] std::vector<std::string> children(const std::string& id) const;
    // Every revision, parents before children; ties by creation time then id (stable across runs).
    [[nodiscard]] const std::vector<std::string>& topological() const { return order_; }
    // The revisions reachable through parents, ids included.
    [[nodiscard]] std::set<std::string> ancestors(const std::vector<std::string>& ids) const;
    [[nodiscard]] std::set<std::string> descendants(const std::string& id) const;
    // The heads of a set of revisions closed under ancestry (what the version table holds for it).
    [[nodiscard]] std::vector<std::string> heads_of(const std::set<std::string>& applied) const;

    // Revisions to run, in order, to go from the version table's rows `current` to `target`.
    [[nodiscard]] std::vector<std::string> upgrade_path(const std::vector<std::string>& current,
                                                        const std::string& target) const;
    [[nodiscard]] std::vector<std::string> downgrade_path(const std::vector<std::string>& current,
                                                          const std::string& target) const;
    // The version rows for target (stamp): [] for base, the head(s), or the resolved revision.
    [[nodiscard]] std::vector<std::string> stamp_rows(const std::string& target) const;

    [[nodiscard]] bool empty() const noexcept { return by_id_.empty(); }
    [[nodiscard]] std::size_t size() const noexcept { return by_id_.size(); }

private:
    std::map<std::string, Revision> by_id_;
    std::map<std::string, std::vector<std::string>> children_;
    std::vector<std::string> order_;
};

// The folder of revision files.
class ScriptDirectory {
public:
    explicit ScriptDirectory(std::filesystem::path location);
    [[nodiscard]] const std::filesystem::path& location() const noexcept { return location_; }
    [[nodiscard]] std::filesystem::path versions_dir() const { return location_ / "versions"; }
    // Reads every versions/*.rev file (again) and builds the graph.
    [[nodiscard]] RevisionGraph load() const;
    // Writes a new revision file (<id>_<slug>.rev) and returns its path.
    std::filesystem::path write(const Revision& rev) const;

private:
    std::filesystem::path location_;
};

// "Add User Table" -> "add_user_table" (for file names).
[[nodiscard]] std::string slugify(std::string_view message);
// Now as 2025-01-30T10:15:00Z.
[[nodiscard]] std::string utc_timestamp();

}  // namespace retort::migrate
