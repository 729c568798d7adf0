#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suite and for development.
#
#   scripts/postgres.sh start    initialise (first time) and start it; prints DATABASE_URL
#   scripts/postgres.sh url      print DATABASE_URL
#   scripts/postgres.sh status   exit 0 when it runs
#   scripts/postgres.sh stop     stop it (the data stays for the next start)
#
# PG_PORT (default 54329) and PG_ROOT (default /tmp/branchservice-pg-$PG_PORT) choose another
# cluster, e.g. for a second checkout on the same machine.
set -euo pipefail

PORT="${PG_PORT:-54329}"
# Outside the checkout: the postgres OS user must be able to reach it, and a checkout under
# /root is closed to that user.
ROOT="${PG_ROOT:-/tmp/branchservice-pg-$PORT}"
DATA="$ROOT/data"
LOG="$ROOT/server.log"
NAME=branchservice
URL="postgres://$NAME:$NAME@127.0.0.1:$PORT/$NAME"

BIN="$(find /usr/lib/postgresql -path '*/bin/initdb' 2>/dev/null | sort -V | tail -n 1 | xargs -r dirname)"
if [[ -z "$BIN" ]]; then
    echo "PostgreSQL server binaries not found under /usr/lib/postgresql:" \
        "apt-get install -y postgresql" >&2
    exit 1
fi

# The server refuses to run as root; root runs it as the postgres OS user instead.
if [[ "$(id -u)" -eq 0 ]]; then
    as_owner() { (cd / && runuser -u postgres -- "$@"); }
    OWNER=postgres
else
    as_owner() { "$@"; }
    OWNER="$(id -un)"
fi

is_running() { as_owner "$BIN/pg_ctl" status -D "$DATA" >/dev/null 2>&1; }

# Runs SQL over the socket as the cluster's superuser (peer authentication).
sql() { as_owner "$BIN/psql" -h "$ROOT" -p "$PORT" -d postgres -v ON_ERROR_STOP=1 -qtAc "$1"; }

start() {
    if [[ ! -f "$DATA/PG_VERSION" ]]; then
        mkdir -p "$ROOT"
        chown "$OWNER" "$ROOT"
        chmod 700 "$ROOT"
        as_owner "$BIN/initdb" -D "$DATA" -U "$OWNER" --encoding=UTF8 --locale=C.UTF-8 \
            --auth-local=peer --auth-host=scram-sha-256 >/dev/null
        # Durability is worthless for a cluster that tests recreate; speed is not.
        cat >>"$DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$ROOT'
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
    fi
    if ! is_running; then
        if ! as_owner "$BIN/pg_ctl" start -D "$DATA" -l "$LOG" -w -t 60 >/dev/null; then
            echo "PostgreSQL did not start; the end of $LOG:" >&2
            tail -n 20 "$LOG" >&2
            exit 1
        fi
    fi
    if [[ -z "$(sql "SELECT 1 FROM pg_roles WHERE rolname = '$NAME'")" ]]; then
        # CREATEDB: pytest-django creates and drops test_$NAME.
        sql "CREATE ROLE $NAME LOGIN CREATEDB PASSWORD '$NAME'"
    fi
    if [[ -z "$(sql "SELECT 1 FROM pg_database WHERE datname = '$NAME'")" ]]; then
        sql "CREATE DATABASE $NAME OWNER $NAME"
    fi
    echo "$URL"
}

stop() {
    if is_running; then
        as_owner "$BIN/pg_ctl" stop -D "$DATA" -m fast -w >/dev/null
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    url) echo "$URL" ;;
    status) is_running ;;
    *)
        echo "usage: $0 start|stop|status|url" >&2
        exit 2
        ;;
esac
