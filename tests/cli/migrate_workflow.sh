#!/bin/sh
# The migrations workflow as a user runs it with the installed command (seed 004's Alembic steps): init,
# revision --autogenerate through the project's runner, upgrade head, downgrade -1, with show, history,
# a data migration, inspect and diagram on the way.
#   migrate_workflow.sh RETORT RUNNER URL
# RETORT: the retort command; RUNNER: a migration runner built over the blog's models (examples/migrations);
# URL: an empty database (its users, posts and retort_version tables are dropped first and last).
set -eu
RETORT="$1" RUNNER="$2" URL="$3"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

fail() { echo "FAIL: $*" >&2; exit 1; }
expect() {  # expect PATTERN FILE: the file has a line matching the pattern
  grep -q -- "$1" "$2" || { echo "--- $2:" >&2; cat "$2" >&2; fail "no line matching '$1' in $2"; }
}

"$RETORT" --version >out; expect '^retort [0-9][0-9.]*$' out
"$RETORT" --help >out; expect 'migrate' out; expect 'inspect' out; expect 'diagram' out
"$RETORT" migrate --help >out; expect 'upgrade' out; expect 'show' out
"$RETORT" migrate downgrade --help >out; expect 'base, -N' out

# A clean database: a SQLite file is removed; a PostgreSQL URL is libpq's too, so psql drops what an earlier
# run left.
case "$URL" in
  sqlite:///*) rm -f "${URL#sqlite:///}" ;;
  postgresql:*) PGOPTIONS=--client-min-messages=warning psql -q "$URL" -c "DROP TABLE IF EXISTS posts, users, retort_version" >/dev/null ;;
esac
"$RETORT" migrate --url "$URL" init migrations 2>err; expect 'Wrote retort.ini' err
test -f migrations/runner.cpp || fail "init wrote no runner.cpp"

# Without a runner, autogenerate says what to do.
if "$RETORT" migrate revision --autogenerate -m "Add User Table" 2>err; then fail "autogenerate ran without a runner"; fi
expect 'runner' err
# retort.ini names the runner (a path relative to the file, or absolute).
sed -i "s|^# runner = .*|runner = $RUNNER|" retort.ini
expect "^runner = $RUNNER" retort.ini

"$RETORT" migrate revision --autogenerate -m "Add User Table" >id 2>err
REV1="$(cat id)"
expect 'create_table users' migrations/versions/${REV1}_add_user_table.rev
expect 'create_table posts' migrations/versions/${REV1}_add_user_table.rev
"$RETORT" migrate upgrade head 2>err; expect "Running upgrade <base> -> $REV1" err
"$RETORT" migrate current >out; expect "^$REV1 (head)" out
"$RETORT" migrate check >out || fail "check after upgrade head wants changes: $(cat out)"

# A data migration written in C++ (the runner registers tidy_user_names), in a revision of its own.
"$RETORT" migrate revision -m "Tidy names" --rev-id tidy0001 >/dev/null 2>&1
# The call goes at the end of the upgrade section, as a user edits it in.
awk '/^downgrade:/ { print "call tidy_user_names"; print ""; } { print }' migrations/versions/tidy0001_tidy_names.rev \
  >migrations/versions/tidy.tmp && mv migrations/versions/tidy.tmp migrations/versions/tidy0001_tidy_names.rev
"$RUNNER" --config retort.ini show tidy0001 >out; expect 'call tidy_user_names' out
"$RETORT" migrate upgrade head 2>err || { cat err >&2; fail "upgrade through the runner"; }
expect "Running upgrade $REV1 -> tidy0001" err
"$RETORT" migrate history >out; expect "^$REV1 -> tidy0001 (head), Tidy names" out
"$RETORT" migrate show head >out; expect '^Rev: tidy0001 (head)' out; expect "^Parent: $REV1" out

"$RETORT" inspect "$URL" >out; expect '^Table users' out; expect '^Table posts' out
expect 'foreign key .*(user_id) -> users (id)' out
"$RETORT" inspect "$URL" --table users --sql >out; expect 'CREATE TABLE' out
"$RETORT" diagram "$URL" >out.dot; expect '^digraph schema' out.dot; expect '"users":c0 -> "posts":c1' out.dot
"$RETORT" diagram --head >head.dot; expect '"users":c0 -> "posts":c1' head.dot
if command -v dot >/dev/null 2>&1; then
  "$RETORT" diagram "$URL" -o schema.svg 2>err; expect '<svg' schema.svg
fi

"$RETORT" migrate downgrade -1 2>err; expect "Running downgrade tidy0001 -> $REV1" err
"$RETORT" migrate downgrade -1 2>err; expect "Running downgrade $REV1 -> <base>" err
"$RETORT" migrate current >out; expect '^base' out
"$RETORT" inspect "$URL" >out
if grep -q '^Table users' out; then fail "downgrade -1 left the users table"; fi
echo "migrate workflow passed on $(echo "$URL" | cut -d: -f1)"
