# Starts and stops a throwaway MariaDB server for tests and benchmarks: its own data directory and unix socket
# in a temporary folder, no TCP (--skip-networking), run as the mysql user, stopped by its pid file. Never the
# system service. Databases retort_test and retort_conf (the usage and conformance suites beside each other);
# the user retort (no password, over the socket only) owns them.
MARIADB_BIN="${MARIADB_BIN:-/usr/sbin/mariadbd}"

maria_start() {
  MARIA_DIR="$(mktemp -d /tmp/retort-maria.XXXXXX)"
  MARIA_SOCKET="$MARIA_DIR/mysqld.sock"
  mkdir -p "$MARIA_DIR/data"
  chown -R mysql:mysql "$MARIA_DIR"
  chmod 755 "$MARIA_DIR"
  local as_mysql=(runuser -u mysql --)
  [ "$(id -u)" -ne 0 ] && as_mysql=()
  "${as_mysql[@]}" mariadb-install-db --no-defaults --datadir="$MARIA_DIR/data" --auth-root-authentication-method=socket \
    --skip-test-db >"$MARIA_DIR/install.log" 2>&1 || { cat "$MARIA_DIR/install.log"; return 1; }
  # The tests trade durability for speed; MARIA_DURABLE=1 (the benchmark) keeps InnoDB's shipped settings.
  local fast=(--innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0)
  [ "${MARIA_DURABLE:-0}" = 1 ] && fast=()
  "${as_mysql[@]}" "$MARIADB_BIN" --no-defaults --datadir="$MARIA_DIR/data" --socket="$MARIA_SOCKET" \
    --pid-file="$MARIA_DIR/mariadbd.pid" --skip-networking --log-error="$MARIA_DIR/server.log" \
    "${fast[@]}" --skip-log-bin --max-connections=300 \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_bin >/dev/null 2>&1 &
  local i
  for i in $(seq 1 100); do
    [ -S "$MARIA_SOCKET" ] && [ -s "$MARIA_DIR/mariadbd.pid" ] && break
    sleep 0.2
  done
  [ -S "$MARIA_SOCKET" ] || { echo "MariaDB did not start:"; cat "$MARIA_DIR/server.log"; return 1; }
  # root logs in by unix socket as the system user root (or mysql when run unprivileged).
  local client=(mariadb --no-defaults --socket="$MARIA_SOCKET" -u root)
  [ "$(id -u)" -ne 0 ] && client=(mariadb --no-defaults --socket="$MARIA_SOCKET" -u "$(id -un)")
  "${client[@]}" -e "CREATE USER 'retort'@'localhost'; GRANT ALL ON *.* TO 'retort'@'localhost' WITH GRANT OPTION;
    CREATE DATABASE retort_test CHARACTER SET utf8mb4; CREATE DATABASE retort_conf CHARACTER SET utf8mb4;"
  export MARIA_DIR MARIA_SOCKET
  echo "==> MariaDB started (socket $MARIA_SOCKET)"
}

maria_stop() {
  [ -n "${MARIA_DIR:-}" ] || return 0
  if [ -s "$MARIA_DIR/mariadbd.pid" ]; then
    local pid
    pid="$(cat "$MARIA_DIR/mariadbd.pid")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$MARIA_DIR"
  MARIA_DIR=""
}
