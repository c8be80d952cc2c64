// The project's migration runner: every migration command, with the blog's models as the target of
// autogenerate and the blog's data migrations. Build it once; revisions are data files, so new revisions
// need no rebuild (only a change to the models or to a data migration does). retort.ini names it
// (runner = ...), so `retort migrate` runs it for the commands that need it:
//   retort migrate init
//   retort migrate revision --autogenerate -m "Add User Table"
//   retort migrate upgrade head
//   retort migrate downgrade -1
// It takes the same commands itself: build/bin/migrations upgrade head.
#include <retort/migrate/command.hpp>

#include "models.hpp"

int main(int argc, char** argv) {
    retort::migrate::Environment env{"sqlite:///blog.db"};
    // A revision line `call tidy_user_names` runs this in the revision's transaction.
    env.data_migrations["tidy_user_names"] = [](retort::Connection& conn) {
        conn.exec_driver_sql("UPDATE users SET name = trim(name) WHERE name <> trim(name)");
    };
    return retort::migrate::main(argc, argv, retort::orm::mapped_metadata<User, Post>(), env);
}
