# Starts and stops a throwaway PostgreSQL 15 server for tests and benchmarks. It runs as the postgres
# user (the server refuses root) with its data directory and unix socket in temporary folders. It also
# listens on 127.0.0.1 (loopback only) at the same port with TLS only, using a CA and a server certificate
# (localhost, 127.0.0.1) made here: the CA is $PG_CA_CERT, and $PG_WRONG_CA_CERT is a CA that did not sign
# it. Over TCP the role retort is trusted and every other role needs its password (SCRAM). The database
# retort_dsql keeps the DSQL-strict tests' tables apart from those of the PostgreSQL runs beside them;
# retort_conf and retort_conf_dsql do the same for the conformance suite.
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_PORT="${PG_PORT:-54329}"

# pg_make_certs DIR: a CA, a server certificate it signs, and an unrelated CA.
pg_make_certs() {
  local dir="$1"
  mkdir -p "$dir"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Retort test CA" \
    -keyout "$dir/ca.key" -out "$dir/ca.crt" 2>/dev/null
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Retort wrong CA" \
    -keyout "$dir/wrong_ca.key" -out "$dir/wrong_ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
    -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$dir/san.ext"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 2 \
    -extfile "$dir/san.ext" -out "$dir/server.crt" 2>/dev/null
  chmod 600 "$dir/server.key" "$dir/ca.key" "$dir/wrong_ca.key"
}

pg_start() {
  PG_DIR="$(mktemp -d /tmp/retort-pg.XXXXXX)"
  PG_SOCKDIR="$PG_DIR/sock"
  mkdir -p "$PG_SOCKDIR" "$PG_DIR/data"
  pg_make_certs "$PG_DIR/tls"
  chown -R postgres:postgres "$PG_DIR"
  chmod 700 "$PG_DIR/data"
  local as_pg=(runuser -u postgres --)
  [ "$(id -u)" -ne 0 ] && as_pg=()
  "${as_pg[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  cat >"$PG_DIR/data/pg_hba.conf" <<HBA
local   all all                trust
hostssl all retort 127.0.0.1/32 trust
hostssl all all    127.0.0.1/32 scram-sha-256
HBA
  cat >>"$PG_DIR/data/postgresql.conf" <<CONF
ssl = on
ssl_cert_file = '$PG_DIR/tls/server.crt'
ssl_key_file = '$PG_DIR/tls/server.key'
password_encryption = 'scram-sha-256'
CONF
  # The server options, also for restarting it (scripts/test's RETORT_TEST_PG_RESTART).
  PG_OPTS="-k $PG_SOCKDIR -p $PG_PORT -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off"
  "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -o "$PG_OPTS" start >/dev/null
  "${as_pg[@]}" "$PG_BIN/psql" -h "$PG_SOCKDIR" -p "$PG_PORT" -U postgres -q -d postgres \
    -c "CREATE ROLE retort LOGIN SUPERUSER" -c "CREATE DATABASE retort_test OWNER retort" \
    -c "CREATE DATABASE retort_dsql OWNER retort" \
    -c "CREATE DATABASE retort_conf OWNER retort" -c "CREATE DATABASE retort_conf_dsql OWNER retort" \
    -c "CREATE DATABASE retort_cli OWNER retort" >/dev/null
  chmod 755 "$PG_DIR" "$PG_DIR/tls"
  chmod 644 "$PG_DIR/tls/ca.crt" "$PG_DIR/tls/wrong_ca.crt"
  PG_CA_CERT="$PG_DIR/tls/ca.crt"
  PG_WRONG_CA_CERT="$PG_DIR/tls/wrong_ca.crt"
  export PG_DIR PG_SOCKDIR PG_PORT PG_OPTS PG_CA_CERT PG_WRONG_CA_CERT
  echo "==> PostgreSQL started (socket $PG_SOCKDIR, TLS on 127.0.0.1:$PG_PORT)"
}

pg_stop() {
  [ -n "${PG_DIR:-}" ] || return 0
  local as_pg=(runuser -u postgres --)
  [ "$(id -u)" -ne 0 ] && as_pg=()
  "${as_pg[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
  PG_DIR=""
}
