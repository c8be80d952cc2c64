# Starts and stops a throwaway PostgreSQL 15 server for tests and benchmarks. It runs as the postgres
# user (the server refuses root) with its data directory and unix socket in temporary folders.
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_PORT="${PG_PORT:-54329}"

pg_start() {
  PG_DIR="$(mktemp -d /tmp/retort-pg.XXXXXX)"
  PG_SOCKDIR="$PG_DIR/sock"
  mkdir -p "$PG_SOCKDIR" "$PG_DIR/data"
  chown -R postgres:postgres "$PG_DIR"
  chmod 700 "$PG_DIR/data"
  local as_pg=(runuser -u postgres --)
  [ "$(id -u)" -ne 0 ] && as_pg=()
  "${as_pg[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
    -o "-k $PG_SOCKDIR -p $PG_PORT -c listen_addresses='' -c max_connections=200 -c fsync=off" start >/dev/null
  "${as_pg[@]}" "$PG_BIN/psql" -h "$PG_SOCKDIR" -p "$PG_PORT" -U postgres -q -d postgres \
    -c "CREATE ROLE retort LOGIN SUPERUSER" -c "CREATE DATABASE retort_test OWNER retort" >/dev/null
  chmod 755 "$PG_DIR"
  export PG_DIR PG_SOCKDIR PG_PORT
  echo "==> PostgreSQL started (socket $PG_SOCKDIR, port $PG_PORT)"
}

pg_stop() {
  [ -n "${PG_DIR:-}" ] || return 0
  local as_pg=(runuser -u postgres --)
  [ "$(id -u)" -ne 0 ] && as_pg=()
  "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
  PG_DIR=""
}
