// What reflection reads back from a live database (SQLAlchemy's Inspector), as plain data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "retort/export.hpp"
#include "retort/types/types.hpp"

namespace retort {

class Engine;
class Connection;

// The options of an identity column (GENERATED ... AS IDENTITY) as the database holds them.
struct RETORT_API ReflectedIdentity {
    bool always = false;  // GENERATED ALWAYS
    std::int64_t start = 1, increment = 1, minvalue = 1, maxvalue = 0, cache = 1;
    bool cycle = false;
};

struct RETORT_API ReflectedColumn {
    std::string name;
    SqlType type;
    std::string type_text;  // the type as the database spells it ("character varying(30)")
    bool nullable = true;
    std::optional<std::string> server_default;  // the default's SQL text
    bool autoincrement = false;
    bool primary_key = false;
    std::optional<ReflectedIdentity> identity;  // an identity column's options
};

struct RETORT_API ReflectedPrimaryKey {
    std::optional<std::string> name;
    std::vector<std::string> constrained_columns;
};

struct RETORT_API ReflectedForeignKey {
    std::optional<std::string> name;
    std::vector<std::string> constrained_columns;
    std::optional<std::string> referred_schema;
    std::string referred_table;
    std::vector<std::string> referred_columns;
    std::optional<std::string> ondelete, onupdate;
};

struct RETORT_API ReflectedIndex {
    std::string name;
    std::vector<std::string> column_names;
    bool unique = false;
};

struct RETORT_API ReflectedUnique {
    std::optional<std::string> name;
    std::vector<std::string> column_names;
};

// Reads schema information through an engine's dialect. Each call takes a connection from the pool.
class RETORT_API Inspector {
public:
    explicit Inspector(const Engine& engine);
    ~Inspector();

    [[nodiscard]] std::vector<std::string> get_table_names(const std::optional<std::string>& schema = {});
    [[nodiscard]] bool has_table(std::string_view table, const std::optional<std::string>& schema = {});
    [[nodiscard]] std::vector<ReflectedColumn> get_columns(std::string_view table,
                                                           const std::optional<std::string>& schema = {});
    [[nodiscard]] ReflectedPrimaryKey get_pk_constraint(std::string_view table,
                                                        const std::optional<std::string>& schema = {});
    [[nodiscard]] std::vector<ReflectedForeignKey> get_foreign_keys(std::string_view table,
                                                                    const std::optional<std::string>& schema = {});
    [[nodiscard]] std::vector<ReflectedIndex> get_indexes(std::string_view table,
                                                          const std::optional<std::string>& schema = {});
    [[nodiscard]] std::vector<ReflectedUnique> get_unique_constraints(std::string_view table,
                                                                      const std::optional<std::string>& schema = {});

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace retort
