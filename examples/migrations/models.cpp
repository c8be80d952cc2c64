#include "models.hpp"

using namespace retort;

template <>
void retort::orm::define(orm::Mapping<User>& m) {
    m.table("users");
    m.column(&User::id, "id", {.primary_key = true});
    m.column(&User::name, "name", {.type = types::String(50), .nullable = false});
}

template <>
void retort::orm::define(orm::Mapping<Post>& m) {
    m.table("posts");
    m.column(&Post::id, "id", {.primary_key = true});
    m.column(&Post::user_id, "user_id", {.nullable = false, .index = true, .foreign_key = "users.id"});
    m.column(&Post::title, "title", {.type = types::String(200), .nullable = false});
    m.column(&Post::body, "body", {.type = types::Text()});
}
