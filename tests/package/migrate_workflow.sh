#!/bin/sh
# Seed 004's Alembic steps from an installed Retort, as a new project takes them: the installed `retort migrate
# init` writes retort.ini and migrations/runner.cpp; the project maps a User model, adds the runner to its CMake
# build against the installed package, and names it in retort.ini (runner, runner_build); then
# `revision --autogenerate -m "Add User Table"` (which builds and runs the runner), `upgrade head`,
# `downgrade -1`, each checked in the database.
#   migrate_workflow.sh PREFIX WORK URL [CMAKE_CONFIGURE_ARGS...]
# PREFIX: the install; WORK: an empty folder for the project; URL: a database whose user_account and
# retort_version tables may be dropped (sqlite:///FILE or a postgresql:// URL that psql understands).
set -eu
PREFIX="$1" WORK="$2" URL="$3"
shift 3
RETORT="$PREFIX/bin/retort"

fail() { echo "FAIL: $*" >&2; exit 1; }
expect() {  # expect PATTERN FILE
  grep -q -- "$1" "$2" || { echo "--- $2:" >&2; cat "$2" >&2; fail "no line matching '$1' in $2"; }
}
tables() {  # the database's tables, one per line, through the installed retort inspect
  "$RETORT" inspect "$URL" >"$WORK/inspect.out" 2>&1 || { cat "$WORK/inspect.out" >&2; fail "retort inspect"; }
  sed -n 's/^Table \([^ ]*\).*/\1/p' "$WORK/inspect.out"
}

rm -rf "$WORK"
mkdir -p "$WORK/project/src"
cd "$WORK/project"
case "$URL" in
  sqlite:///*) rm -f "${URL#sqlite:///}" ;;
  postgresql:*) PGOPTIONS=--client-min-messages=warning psql -q "$URL" -c "DROP TABLE IF EXISTS user_account, retort_version" >/dev/null ;;
esac

# alembic init
"$RETORT" migrate --url "$URL" init migrations 2>err || { cat err >&2; fail "init"; }
test -f retort.ini || fail "init wrote no retort.ini"
test -f migrations/runner.cpp || fail "init wrote no migrations/runner.cpp"

# The project's model, mapped in its own source file.
cat >src/models.hpp <<'EOF'
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <retort/orm.hpp>

struct User {
    std::int64_t id = 0;
    std::string name;
    std::optional<std::string> fullname;
};
EOF
cat >src/models.cpp <<'EOF'
#include "models.hpp"

template <>
void retort::orm::define(retort::orm::Mapping<User>& m) {
    m.table("user_account");
    m.column(&User::id, "id", {.primary_key = true});
    m.column(&User::name, "name", {.type = retort::types::String(30), .nullable = false});
    m.column(&User::fullname, "fullname");
}
EOF
# The runner init wrote, pointed at the models as its comments say.
sed -i -e 's|^// #include "models.hpp".*|#include "models.hpp"|' \
       -e 's|^    retort::MetaData metadata;.*|    const retort::MetaData\& metadata = retort::orm::mapped_metadata<User>();|' migrations/runner.cpp
expect '^#include "models.hpp"' migrations/runner.cpp
expect 'mapped_metadata<User>' migrations/runner.cpp
# The build, as the runner's comment shows it (both backends, so one runner serves either URL).
cat >CMakeLists.txt <<'EOF'
cmake_minimum_required(VERSION 3.20)
project(app LANGUAGES CXX)
find_package(retort REQUIRED COMPONENTS sqlite postgresql)
add_executable(migrations_runner migrations/runner.cpp src/models.cpp)
target_include_directories(migrations_runner PRIVATE src)
target_link_libraries(migrations_runner PRIVATE retort::sqlite retort::postgresql)
EOF
cmake -S . -B build "$@" >cmake.out 2>&1 || { cat cmake.out >&2; fail "configuring the project"; }
# retort.ini names the runner and how to rebuild it: the first autogenerate builds it.
sed -i -e "s|^# runner = .*|runner = build/migrations_runner|" \
       -e "s|^# runner_build = .*|runner_build = cmake --build build --target migrations_runner|" retort.ini
expect '^runner = build/migrations_runner' retort.ini
expect '^runner_build = cmake --build build' retort.ini

# alembic revision --autogenerate -m "Add User Table"
"$RETORT" migrate revision --autogenerate -m "Add User Table" >id 2>err || { cat err >&2; fail "revision --autogenerate"; }
test -x build/migrations_runner || fail "runner_build did not build the runner"
REV="$(cat id)"
FILE="migrations/versions/${REV}_add_user_table.rev"
test -f "$FILE" || { ls migrations/versions >&2; fail "no revision file $FILE"; }
expect 'create_table user_account' "$FILE"
if tables | grep -qx user_account; then fail "autogenerate created the table"; fi

# alembic upgrade head
"$RETORT" migrate upgrade head 2>err || { cat err >&2; fail "upgrade head"; }
expect "Running upgrade <base> -> $REV" err
tables | grep -qx user_account || fail "upgrade head did not create user_account"
"$RETORT" migrate current >out; expect "^$REV (head)" out
"$RETORT" migrate check >out 2>&1 || fail "check after upgrade head wants changes: $(cat out)"

# alembic downgrade -1
"$RETORT" migrate downgrade -1 2>err || { cat err >&2; fail "downgrade -1"; }
expect "Running downgrade $REV -> <base>" err
if tables | grep -qx user_account; then fail "downgrade -1 left user_account"; fi
"$RETORT" migrate current >out; expect '^base' out
echo "installed migrate workflow passed on ${URL%%:*}"
