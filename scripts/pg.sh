#!/usr/bin/env bash
# A throw-away PostgreSQL for the tests, so the store tests run on it as well as on SQLite.
#
#   scripts/pg.sh start      install PostgreSQL if it is missing (Debian's package), make a
#                            cluster in .pg/ once, start it on a free 127.0.0.1 port, make
#                            the database; prints the URL and writes it to .pg/url
#   scripts/pg.sh stop       stop it (the cluster stays: the next start takes seconds)
#   scripts/pg.sh restart    restart it on the same port (tests of reconnecting after one)
#   scripts/pg.sh run CMD..  start, run CMD with RR_TEST_STORE_URL set, stop whatever CMD did
#   scripts/pg.sh clean      stop it and delete the cluster
#
# PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres` user.
# Loopback only, no Unix socket, trust authentication: nothing here is reachable from
# another machine, and nothing in it outlives a test.
set -euo pipefail
cd "$(dirname "$0")/.."
STATE=$PWD/.pg
DB=rr_test

bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$dir" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/initdb" ]; then
    echo "$dir"
  elif command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v pg_ctl)"
  fi
}

install_postgres() {
  echo "pg: installing PostgreSQL (Debian's postgresql package) for the store tests" >&2
  local sudo=
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends postgresql >/dev/null
}

# Run a server-side command as the cluster's owner: ourselves, or `postgres` if we are root.
as_owner() {
  # From /: the repo may be out of the postgres user's reach (every path here is absolute).
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

# Where the cluster lives: .pg/ in the repo, unless we are root and the `postgres` user
# cannot reach the repo (a checkout under /root): then a directory of its own in /tmp.
home() {
  if [ -f "$STATE/home" ] && [ -d "$(cat "$STATE/home")" ]; then cat "$STATE/home"; return; fi
  mkdir -p "$STATE"
  local dir=$STATE/cluster
  if [ "$(id -u)" = 0 ]; then
    id -u postgres >/dev/null 2>&1 ||
      useradd --system --no-create-home --shell /usr/sbin/nologin postgres
    mkdir -p "$dir" && chown postgres: "$dir"
    if ! as_owner test -w "$dir"; then
      rmdir "$dir"
      dir=$(mktemp -d /tmp/rr-tui-pg.XXXXXX) && chown postgres: "$dir"
    fi
  fi
  mkdir -p "$dir"
  echo "$dir" >"$STATE/home"
  echo "$dir"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

running() {
  [ -n "$BIN" ] && [ -f "$HOME_DIR/data/PG_VERSION" ] &&
    as_owner "$BIN/pg_ctl" status -D "$HOME_DIR/data" >/dev/null 2>&1
}

start() {
  [ -n "$BIN" ] || { install_postgres; restart() {
  running || { echo "pg: not running" >&2; exit 1; }
  # pg_ctl restart reuses the last start's options (postmaster.opts): same port, same URL.
  as_owner "$BIN/pg_ctl" restart --wait --timeout=60 --silent -m fast -D "$HOME_DIR/data" \
    -l "$HOME_DIR/server.log" >/dev/null
}

BIN=$(bindir); }
  [ -n "$BIN" ] || { echo "pg: no pg_ctl/initdb after installing postgresql" >&2; exit 1; }
  if [ ! -f "$HOME_DIR/data/PG_VERSION" ]; then
    rm -rf "$HOME_DIR/data"
    as_owner "$BIN/initdb" --pgdata="$HOME_DIR/data" --username=postgres --auth=trust \
      --encoding=UTF8 --no-locale --no-sync >"$HOME_DIR/initdb.log" 2>&1 ||
      { cat "$HOME_DIR/initdb.log" >&2; exit 1; }
    # A throw-away cluster: durability off, so the tests spend their time in the server.
    cat >>"$HOME_DIR/data/postgresql.conf" <<'CONF'
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
  fi
  if ! running; then
    local port
    port=$(free_port)
    as_owner "$BIN/pg_ctl" start --wait --timeout=60 --silent -D "$HOME_DIR/data" \
      -l "$HOME_DIR/server.log" -o "-p $port" ||
      { tail -n 30 "$HOME_DIR/server.log" >&2; exit 1; }
    echo "$port" >"$STATE/port"
  fi
  local port psql
  port=$(cat "$STATE/port")
  psql=("$BIN/psql" --no-psqlrc --quiet -h 127.0.0.1 -p "$port" -U postgres)
  if [ -z "$("${psql[@]}" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" ]; then
    "${psql[@]}" -d postgres -c "CREATE DATABASE $DB" >/dev/null
  fi
  echo "postgresql+psycopg://postgres@127.0.0.1:$port/$DB" >"$STATE/url"
  cat "$STATE/url"
}

stop() {
  if running; then
    as_owner "$BIN/pg_ctl" stop --wait --silent -m fast -D "$HOME_DIR/data"
  fi
}

restart() {
  running || { echo "pg: not running" >&2; exit 1; }
  # pg_ctl restart reuses the last start's options (postmaster.opts): same port, same URL.
  as_owner "$BIN/pg_ctl" restart --wait --timeout=60 --silent -m fast -D "$HOME_DIR/data" \
    -l "$HOME_DIR/server.log" >/dev/null
}

BIN=$(bindir)
HOME_DIR=$(home)
case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) restart ;;
  run)
    shift
    url=$(start)
    trap stop EXIT
    RR_TEST_STORE_URL=$url "$@"
    ;;
  clean)
    stop
    rm -rf "$HOME_DIR" "$STATE"
    ;;
  *)
    echo "usage: $0 start | stop | restart | run CMD... | clean" >&2
    exit 2
    ;;
esac
