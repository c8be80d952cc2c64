// The folder of revisions (Alembic's ScriptDirectory): revision files read from
// <script_location>/versions/*.rev into a RevisionGraph (revision.hpp: heads, branches, merges, depends_on,
// branch labels and the target forms).
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "retort/export.hpp"
#include "retort/migrate/ops.hpp"
#include "retort/migrate/revision.hpp"

namespace retort::migrate {

// The folder of revision files.
class RETORT_API ScriptDirectory {
public:
    explicit ScriptDirectory(std::filesystem::path location);
    [[nodiscard]] const std::filesystem::path& location() const noexcept { return location_; }
    [[nodiscard]] std::filesystem::path versions_dir() const { return location_ / "versions"; }
    // Reads every versions/*.rev file (again) and builds the graph, declaring the revisions in the order
    // they were created (then by id).
    [[nodiscard]] RevisionGraph load() const;
    // Writes a new revision file (<id>_<slug>.rev) and returns its path.
    std::filesystem::path write(const Revision& rev) const;

private:
    std::filesystem::path location_;
};

// "Add User Table" -> "add_user_table" (for file names).
[[nodiscard]] RETORT_API std::string slugify(std::string_view message);
// Now as 2025-01-30T10:15:00Z.
[[nodiscard]] RETORT_API std::string utc_timestamp();

}  // namespace retort::migrate
