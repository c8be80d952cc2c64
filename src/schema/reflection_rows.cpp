#include "schema/reflection_rows.hpp"

namespace retort::detail {

std::vector<ReflectedForeignKey> foreign_keys_from_rows(Result& rows, bool schema_named,
                                                        std::optional<std::string> (*action)(std::string_view rule)) {
    std::vector<ReflectedForeignKey> fks;
    for (RowView row : rows) {
        auto name = row.get<std::string>(0);
        if (fks.empty() || fks.back().name != name) {
            ReflectedForeignKey fk;
            fk.name = std::move(name);
            auto referred_schema = row.get<std::string>(2);
            if (schema_named || referred_schema != row.get<std::string>(7)) fk.referred_schema = std::move(referred_schema);
            fk.referred_table = row.get<std::string>(3);
            fk.onupdate = action(row.get<std::string>(5));
            fk.ondelete = action(row.get<std::string>(6));
            fks.push_back(std::move(fk));
        }
        fks.back().constrained_columns.push_back(row.get<std::string>(1));
        fks.back().referred_columns.push_back(row.get<std::string>(4));
    }
    return fks;
}

std::vector<ReflectedUnique> unique_constraints_from_rows(Result& rows) {
    std::vector<ReflectedUnique> out;
    for (RowView row : rows) {
        auto name = row.get<std::string>(0);
        if (out.empty() || out.back().name != name) {
            ReflectedUnique u;
            u.name = std::move(name);
            out.push_back(std::move(u));
        }
        out.back().column_names.push_back(row.get<std::string>(1));
    }
    return out;
}

}  // namespace retort::detail
