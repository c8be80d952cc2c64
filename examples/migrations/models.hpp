// The blog's models: the migration example's target MetaData.
#pragma once

#include <optional>
#include <string>

#include <retort/orm.hpp>

struct User {
    std::int64_t id = 0;
    std::string name;
};

struct Post {
    std::int64_t id = 0;
    std::int64_t user_id = 0;
    std::string title;
    std::optional<std::string> body;
};
