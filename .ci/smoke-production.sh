#!/usr/bin/env bash
# Production smoke test: the real production settings on PostgreSQL + Redis behind gunicorn.
#
#   DATABASE_URL=postgres://... REDIS_URL=redis://... .ci/smoke-production.sh
#
# Runs migrate and collectstatic with branchservice.settings.production, starts gunicorn on a
# free loopback port, checks that /admin/login/ answers 200 and /healthz answers with JSON,
# then stops gunicorn. Exits non-zero on the first failure. Runs from the repository root;
# PY=/path/to/python picks the interpreter (default .venv/bin/python), SMOKE_PORT the port.
set -euo pipefail

: "${DATABASE_URL:?DATABASE_URL (PostgreSQL) must be set}"
: "${REDIS_URL:?REDIS_URL must be set}"
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
BIN=$(dirname "$PY")

export DJANGO_SETTINGS_MODULE=branchservice.settings.production
export SECRET_KEY=${SECRET_KEY:-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')}
export ALLOWED_HOSTS=${ALLOWED_HOSTS:-127.0.0.1,localhost}
STATIC_DIR=$(mktemp -d)
export STATIC_ROOT="$STATIC_DIR"
PORT=${SMOKE_PORT:-$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
LOG=$(mktemp)
GUNICORN_PID=

cleanup() {
    if [ -n "$GUNICORN_PID" ] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
        kill -TERM "$GUNICORN_PID"
        wait "$GUNICORN_PID" || true
    fi
    rm -rf "$STATIC_DIR"
}
trap cleanup EXIT

echo "== check --deploy"
"$PY" manage.py check --deploy --fail-level WARNING
echo "== migrate"
"$PY" manage.py migrate --noinput
echo "== heartbeat (what beat records every minute)"
"$PY" manage.py shell -c "from branchservice.tasks import record_heartbeat; record_heartbeat()"
echo "== collectstatic"
"$PY" manage.py collectstatic --noinput >/dev/null

echo "== gunicorn on 127.0.0.1:$PORT"
# gunicorn on loopback speaks plain http: no redirect to https for this check.
SECURE_SSL_REDIRECT=false GUNICORN_BIND=127.0.0.1:$PORT WEB_CONCURRENCY=2 \
    "$BIN/gunicorn" -c deploy/gunicorn.conf.py branchservice.wsgi >"$LOG" 2>&1 &
GUNICORN_PID=$!

# fetch PATH → prints "STATUS BODY"; waits up to 30 s for gunicorn to come up.
fetch() {
    "$PY" - "$PORT" "$1" <<'PYEOF'
import sys, time, urllib.error, urllib.request
port, path = sys.argv[1], sys.argv[2]
deadline = time.monotonic() + 30
while True:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
            print(r.status, r.read().decode().replace("\n", " "))
        break
    except urllib.error.HTTPError as e:
        print(e.code, e.read().decode().replace("\n", " "))
        break
    except OSError:
        if time.monotonic() > deadline:
            print("000 no answer")
            break
        time.sleep(0.5)
PYEOF
}

fail() { echo "FAIL: $*"; echo "--- gunicorn log"; cat "$LOG"; exit 1; }

read -r status body <<<"$(fetch /admin/login/)"
[ "$status" = 200 ] || fail "/admin/login/ answered $status"
grep -q 'id="login-form"' <<<"$body" || fail "/admin/login/ has no login form"
echo "ok   /admin/login/ 200"

# Database, Redis and the fresh heartbeat: all three must be ok; anonymous callers get the
# overall status only.
read -r status body <<<"$(fetch /healthz)"
[ "$status" = 200 ] || fail "/healthz answered $status $body"
[ "$body" = '{"status": "ok"}' ] || fail "/healthz body: $body"
echo "ok   /healthz $status $body"
echo "production smoke test passed"
