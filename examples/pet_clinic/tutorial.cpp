// Seed 003 (the ORM tutorial) and seed 004 (relations), on Retort.
#include "tutorial.hpp"

#include <cstdio>

using namespace retort;
using namespace retort::orm;

namespace tutorial {

Registry& base() {
    static Registry r;
    return r;
}
Registry& retort_registry(const User*) { return base(); }
Registry& retort_registry(const Organisation*) { return base(); }
Registry& retort_registry(const Role*) { return base(); }

}  // namespace tutorial

template <>
void retort::orm::define(Mapping<tutorial::User>& m) {
    using tutorial::User;
    m.table("users");
    m.name("User");
    m.column(&User::id, "id", {.primary_key = true});
    m.column(&User::email, "email", {.type = types::String(255), .unique = true});
    m.column(&User::password, "password", {.type = types::String(255)});
    m.column(&User::organisation_id, "organisation_id", {.foreign_key = "organisations.id"});
    m.many_to_one(&User::organisation, "organisation", {.back_populates = "users"});
    m.many_to_many(&User::roles, "roles", "user_roles", std::nullopt, std::nullopt, {.back_populates = "users", .order_by = {"name"}});
}

template <>
void retort::orm::define(Mapping<tutorial::Organisation>& m) {
    using tutorial::Organisation;
    m.table("organisations");
    m.name("Organisation");
    m.column(&Organisation::id, "id", {.primary_key = true});
    m.column(&Organisation::name, "name", {.type = types::String(255), .unique = true});
    m.one_to_many(&Organisation::users, "users", {.back_populates = "organisation", .order_by = {"email"}});
}

template <>
void retort::orm::define(Mapping<tutorial::Role>& m) {
    using tutorial::Role;
    m.table("roles");
    m.name("Role");
    m.column(&Role::id, "id", {.primary_key = true});
    m.column(&Role::name, "name", {.type = types::String(255), .unique = true});
    m.many_to_many(&Role::users, "users", "user_roles", std::nullopt, std::nullopt, {.back_populates = "roles", .order_by = {"email"}});
}

namespace tutorial {

namespace {
void say(const char* s) { std::printf("\n%s\n", s); }

std::string emails(const Collection<User>& users) {
    std::string out;
    for (auto u : users) out += (out.empty() ? "" : ", ") + u->email;
    return out;
}
}  // namespace

void run(const Engine& engine, const std::function<void(bool, const std::string&)>& check) {
    MetaData& md = base().metadata();
    if (!md.find_table("user_roles"))
        md.table("user_roles", {{"user_id", types::BigInteger(), {.primary_key = true, .foreign_key = "users.id"}},
                                {"role_id", types::BigInteger(), {.primary_key = true, .foreign_key = "roles.id"}}});
    mapped_metadata<User, Organisation, Role>();
    md.drop_all(engine);
    md.create_all(engine);

    say("Seed 003: a Session with users");
    {
        Session session(engine);
        auto ben = session.add(User{.email = "ben@example.com", .password = "password"});
        check(session.contains(ben), "ben is in the session before any SQL");
        session.flush();
        session.commit();
        auto found = session.scalars(select<User>().where(col(&User::email) == "ben@example.com")).all();
        check(found.size() == 1 && found[0] == ben, "the query finds ben, the same object");
        ben->password = "drowssap";
        session.commit();
        ben->password = "new_password";
        // Autoflush: the UPDATE goes out before the SELECT that filters on the new password.
        auto again = session.scalars(select<User>().where(col(&User::password) == "new_password")).all();
        check(again.size() == 1 && again[0] == ben, "autoflush: the query sees the changed password");
        session.commit();
    }

    say("Seed 003: organisations (one-to-many with back_populates, list edits)");
    {
        Session session(engine);
        auto example_com = make<Organisation>(Organisation{.name = "example.com"});
        auto ben = session.add(User{.email = "ben2@example.com", .password = "password1", .organisation = example_com});
        auto jerry = session.add(User{.email = "jerry@example.com", .password = "password2", .organisation = example_com});
        auto ellie = session.add(User{.email = "ellie@example.com", .password = "password3", .organisation = example_com});
        session.add(example_com);
        session.commit();
        check(example_com->users.size() == 3, "example.com has 3 users: " + emails(example_com->users));
        example_com->users.remove(ben);
        auto rosie = make<User>(User{.email = "rosie@example.com", .password = "password4"});
        example_com->users.push_back(rosie);
        session.flush();
        check(example_com->users.size() == 3 && example_com->users.contains(rosie) && !example_com->users.contains(ben),
              "after the edits: " + emails(example_com->users));
        check(rosie->organisation == example_com, "rosie.organisation is example.com");
        auto test_com = make<Organisation>(Organisation{.name = "test.com"});
        ben->organisation = test_com;
        session.flush();
        check(test_com->users.size() == 1 && test_com->users[0] == ben, "test.com's users: " + emails(test_com->users));
        check(*ben->organisation_id == test_com->id, "ben's organisation_id follows");
        session.commit();
        (void)jerry;
        (void)ellie;
    }

    say("Seed 003: roles (many-to-many through user_roles)");
    {
        Session session(engine);
        auto admin = make<Role>(Role{.name = "admin"});
        auto test_user = make<Role>(Role{.name = "test_user"});
        auto can_export = make<Role>(Role{.name = "can_export"});
        auto ben = session.scalars(select<User>().where(col(&User::email) == "ben@example.com")).one();
        auto jerry = session.scalars(select<User>().where(col(&User::email) == "jerry@example.com")).one();
        auto ellie = session.scalars(select<User>().where(col(&User::email) == "ellie@example.com")).one();
        ben->roles.push_back(admin);
        ben->roles.push_back(can_export);
        jerry->roles.push_back(test_user);
        ellie->roles.push_back(can_export);
        session.commit();
        check(can_export->users.size() == 2, "can_export's users: " + emails(can_export->users));
        check(ben->roles.size() == 2 && ben->roles[0]->name == "admin", "ben has admin and can_export");
    }

    say("Seed 003: a Session joined into an external transaction, rolled back");
    {
        Connection connection = engine.connect();
        Transaction transaction = connection.begin();
        {
            Session session(connection);
            auto users = session.scalars(select<User>().order_by(col(&User::id))).all();
            auto ben = users[0];
            ben->email = "notben@example.com";
            session.commit();
            check(session.scalars(select<User>().where(col(&User::email) == "notben@example.com")).size() == 1,
                  "inside the transaction, ben's email has changed");
            session.close();
        }
        transaction.rollback();
        connection.close();
        auto conn = engine.connect();
        auto n = conn.execute(select(func::count()).select_from(*table_of<User>().ptr()).where(
                                  column<std::string>(table_of<User>(), "email") == "notben@example.com"))
                     .scalar_one<std::int64_t>();
        check(n == 0, "after the rollback, the database never saw it");
    }
    md.drop_all(engine);
}

}  // namespace tutorial

// ---------------------------------------------------------------- seed 004

namespace relations {

Registry& base() {
    static Registry r;
    return r;
}
Registry& retort_registry(const User*) { return base(); }
Registry& retort_registry(const Profile*) { return base(); }
Registry& retort_registry(const Group*) { return base(); }
Registry& retort_registry(const Post*) { return base(); }

}  // namespace relations

template <>
void retort::orm::define(Mapping<relations::User>& m) {
    using relations::User;
    m.table("users");
    m.name("User");
    m.column(&User::id, "id", {.primary_key = true});
    m.column(&User::name, "name", {.type = types::String(50), .unique = true});
    m.one_to_one(&User::profile, "profile", {.back_populates = "user"});
    m.many_to_many(&User::groups, "groups", "user_group", std::nullopt, std::nullopt, {.back_populates = "users", .order_by = {"name"}});
}

template <>
void retort::orm::define(Mapping<relations::Profile>& m) {
    using relations::Profile;
    m.table("profiles");
    m.name("UserProfile");
    m.column(&Profile::id, "id", {.primary_key = true});
    m.column(&Profile::user_id, "user_id", {.foreign_key = "users.id"});
    m.column(&Profile::bio, "bio", {.type = types::Text()});
    m.many_to_one(&Profile::user, "user", {.back_populates = "profile"});
}

template <>
void retort::orm::define(Mapping<relations::Group>& m) {
    using relations::Group;
    m.table("groups");
    m.name("Group");
    m.column(&Group::id, "id", {.primary_key = true});
    m.column(&Group::name, "name", {.type = types::String(50)});
    m.many_to_many(&Group::users, "users", "user_group", std::nullopt, std::nullopt, {.back_populates = "groups", .order_by = {"name"}});
}

template <>
void retort::orm::define(Mapping<relations::Post>& m) {
    using relations::Post;
    m.table("posts");
    m.name("Post");
    m.column(&Post::id, "id", {.primary_key = true});
    m.column(&Post::title, "title", {.type = types::String(200)});
    m.column(&Post::user_id, "user_id", {.foreign_key = "users.id"});
    m.many_to_one(&Post::user, "user");
}

namespace relations {

void run(const Engine& engine, const std::function<void(bool, const std::string&)>& check) {
    MetaData& md = base().metadata();
    if (!md.find_table("user_group"))
        md.table("user_group", {{"user_id", types::BigInteger(), {.foreign_key = "users.id"}},
                                {"group_id", types::BigInteger(), {.foreign_key = "groups.id"}}},
                 {PrimaryKeyConstraint{{"user_id", "group_id"}}});
    mapped_metadata<User, Profile, Group, Post>();
    md.drop_all(engine);
    md.create_all(engine);

    std::printf("\nSeed 004: many-to-one, one-to-one, many-to-many\n");
    {
        Session session(engine);
        auto john = session.add(User{.name = "john_doe"});
        session.add(Post{.title = "hello", .user = john});
        session.add(Post{.title = "again", .user = john});
        auto admins = make<Group>(Group{.name = "admins"});
        auto staff = make<Group>(Group{.name = "staff"});
        john->groups.push_back(staff);
        john->groups.push_back(admins);
        john->profile = make<Profile>(Profile{.bio = "writes posts"});
        session.commit();
    }
    {
        Session session(engine);
        auto posts = session.scalars(select<Post>().order_by(col(&Post::title))).all();
        check(posts.size() == 2 && posts[0]->user->name == "john_doe", "many-to-one: each post's user is john_doe");
        auto john = session.scalars(select<User>().where(col(&User::name) == "john_doe")).one();
        check(john->profile && john->profile->bio == "writes posts", "one-to-one: john's profile");
        check(john->profile->user == john, "one-to-one: the profile's user is john");
        check(john->groups.size() == 2 && john->groups[0]->name == "admins", "many-to-many: john is in admins and staff");
        auto admins = john->groups[0];
        check(admins->users.size() == 1 && admins->users[0] == john, "many-to-many: admins' users is john");
    }

    std::printf("\nSeed 004: a transaction rolled back on error\n");
    {
        Session session(engine);
        try {
            session.add(User{.name = "jane"});
            session.add(User{.name = "john_doe"});  // the name is unique: the commit fails
            session.commit();
            check(false, "a duplicate name was committed");
        } catch (const IntegrityError& e) {
            session.rollback();
            std::printf("    an error occurred: %s\n", e.orig_message().c_str());
        }
        auto n = session.scalars(select<User>()).size();
        check(n == 1, "after the rollback only john_doe exists");
        session.close();
    }
    md.drop_all(engine);
}

}  // namespace relations
