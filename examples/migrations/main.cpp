// The project's migration runner: every migration command, with the blog's models as the target of
// autogenerate. Build it once; revisions are data files, so new revisions need no rebuild (only a
// change to the models does, as it would anyway).
//   build/bin/migrations init
//   build/bin/migrations revision --autogenerate -m "Add User Table"
//   build/bin/migrations upgrade head
//   build/bin/migrations downgrade -1
#include <retort/migrate/command.hpp>

#include "models.hpp"

int main(int argc, char** argv) {
    return retort::migrate::main(argc, argv, retort::orm::mapped_metadata<User, Post>(), "sqlite:///blog.db");
}
