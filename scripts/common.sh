# Shared by scripts/demo and scripts/test: install what is missing, configure and build.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JOBS="${RETORT_JOBS:-$(nproc)}"

# Installs the Debian packages that are not installed yet (apt-get update first, only when needed).
ensure_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "==> installing: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# ensure_server_packages PKG...: as ensure_packages, for database servers: their packages' scripts must not
# start the system service (the tests run throwaway servers of their own), so service starts are refused while
# they install (policy-rc.d, Debian's switch for that).
ensure_server_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  local policy=/usr/sbin/policy-rc.d own_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod 755 "$policy"
    own_policy=1
  fi
  ensure_packages "${missing[@]}"
  [ "$own_policy" = 1 ] && $sudo rm -f "$policy"
  return 0
}

BUILD_PACKAGES=(g++ cmake ninja-build pkg-config libsqlite3-dev libpq-dev libssl-dev libcurl4-openssl-dev libpg-query-dev nlohmann-json3-dev libmariadb-dev libcli11-dev libgtest-dev)

# build DIR [cmake args...]: configure (options apply every time) and build into DIR.
build() {
  local dir="$1"; shift
  cmake -S "$ROOT" -B "$dir" -G Ninja "$@" >/dev/null
  cmake --build "$dir" -j "$JOBS"
}
