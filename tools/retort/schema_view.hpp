// A database's tables as `retort inspect` and `retort diagram` show them: read from a live database
// (reflection) or from a migrations folder (the revisions' operations replayed from base to the heads).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace retort::cli {

struct ViewColumn {
    std::string name, type;
    bool nullable = true, primary_key = false, autoincrement = false;
    std::optional<std::string> server_default;
};

struct ViewForeignKey {
    std::optional<std::string> name;
    std::vector<std::string> columns;
    std::string referred_table;
    std::vector<std::string> referred_columns;
    std::optional<std::string> ondelete, onupdate;
};

struct ViewIndex {
    std::string name;
    std::vector<std::string> columns;
    bool unique = false;
};

struct ViewTable {
    std::string name;
    std::vector<ViewColumn> columns;
    std::vector<ViewForeignKey> foreign_keys;
    std::vector<ViewIndex> indexes;      // unique constraints too, marked unique
};

// Tables of the database at url (all, or those named), in name order.
[[nodiscard]] std::vector<ViewTable> view_database(const std::string& url, const std::vector<std::string>& only,
                                                   const std::optional<std::string>& schema);
// Tables as the revisions of the config file's migrations folder leave them at their heads; the version
// table is not among them.
[[nodiscard]] std::vector<ViewTable> view_revisions(const std::optional<std::string>& config_file,
                                                    const std::vector<std::string>& only);

}  // namespace retort::cli
