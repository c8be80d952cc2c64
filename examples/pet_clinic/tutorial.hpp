// Seed 003's ORM tutorial (users, organisations, roles) and seed 004's relations (many-to-one, one-to-one,
// many-to-many, rollback on error). Each has its own registry, as each has its own declarative Base.
#pragma once

#include <functional>
#include <string>

#include <retort/orm.hpp>

namespace tutorial {

struct Organisation;
struct Role;

struct User {
    std::int64_t id = 0;
    std::string email;
    std::string password;
    std::optional<std::int64_t> organisation_id;
    retort::orm::Ref<Organisation> organisation;
    retort::orm::Collection<Role> roles;
};

struct Organisation {
    std::int64_t id = 0;
    std::string name;
    retort::orm::Collection<User> users;
};

struct Role {
    std::int64_t id = 0;
    std::string name;
    retort::orm::Collection<User> users;
};

retort::orm::Registry& retort_registry(const User*);
retort::orm::Registry& retort_registry(const Organisation*);
retort::orm::Registry& retort_registry(const Role*);

// Runs the tutorial; check(ok, what) reports each assertion.
void run(const retort::Engine& engine, const std::function<void(bool, const std::string&)>& check);

}  // namespace tutorial

namespace relations {

struct Profile;
struct Group;

struct User {
    std::int64_t id = 0;
    std::string name;
    retort::orm::Ref<Profile> profile;       // one-to-one (uselist=False)
    retort::orm::Collection<Group> groups;   // many-to-many through user_group
};

struct Profile {
    std::int64_t id = 0;
    std::optional<std::int64_t> user_id;
    std::string bio;
    retort::orm::Ref<User> user;
};

struct Group {
    std::int64_t id = 0;
    std::string name;
    retort::orm::Collection<User> users;
};

struct Post {
    std::int64_t id = 0;
    std::string title;
    std::optional<std::int64_t> user_id;
    retort::orm::Ref<User> user;  // many-to-one
};

retort::orm::Registry& retort_registry(const User*);
retort::orm::Registry& retort_registry(const Profile*);
retort::orm::Registry& retort_registry(const Group*);
retort::orm::Registry& retort_registry(const Post*);

void run(const retort::Engine& engine, const std::function<void(bool, const std::string&)>& check);

}  // namespace relations
