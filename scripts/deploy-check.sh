#!/usr/bin/env bash
# Run Lehuo the production way on this machine, check it from outside, stop it again.
#
#   PostgreSQL database lehuo_deploycheck (created, migrated, dropped at the end), DEBUG=0,
#   fresh secrets in a temporary directory passed as *_FILE, collectstatic (hashed names),
#   gunicorn with several workers on 127.0.0.1:8120, one db_worker; then: /health/ reports
#   the database and a worker that really ran a task, a hashed static file is served,
#   security headers and secure cookies are present, the login page renders and a login
#   works, a 404 shows no debug page, the API schema answers.
#
# Usage: scripts/deploy-check.sh   (or `make deploy-check`). Exit 0 when every check passed.
# Environment: DEPLOY_CHECK_PORT (8120), DEPLOY_CHECK_WORKERS (3), DEPLOY_CHECK_TIMEOUT (600 s),
#              PG_SERVER (postgres://postgres@127.0.0.1:5432).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY="$ROOT/.venv/bin/python"
GUNICORN="$ROOT/.venv/bin/gunicorn"
PORT=${DEPLOY_CHECK_PORT:-8120}
WORKERS=${DEPLOY_CHECK_WORKERS:-3}
LIMIT=${DEPLOY_CHECK_TIMEOUT:-600}
PG_SERVER=${PG_SERVER:-postgres://postgres@127.0.0.1:5432}
DB=lehuo_deploycheck
BASE="http://127.0.0.1:$PORT"
START=$(date +%s)

WORK=$(mktemp -d /tmp/lehuo-deploycheck.XXXXXX)
GUNICORN_PID=""
WORKER_PID=""
WATCHDOG_PID=""

say() { printf '%s\n' "$*"; }

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [ -n "$WATCHDOG_PID" ] && kill "$WATCHDOG_PID" 2>/dev/null
  if [ -n "$GUNICORN_PID" ] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
    kill -TERM "$GUNICORN_PID" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$GUNICORN_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$GUNICORN_PID" 2>/dev/null
  fi
  if [ -n "$WORKER_PID" ] && kill -0 "$WORKER_PID" 2>/dev/null; then
    kill -TERM "$WORKER_PID" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$WORKER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$WORKER_PID" 2>/dev/null
  fi
  local left
  left=$(jobs -p)  # a step still running when the watchdog fired: only our own children
  if [ -n "$left" ]; then kill -TERM $left 2>/dev/null; sleep 1; kill -KILL $left 2>/dev/null; fi
  wait 2>/dev/null
  "$PY" - "$PG_SERVER" "$DB" <<'EOF' 2>/dev/null || say "warning: could not drop database $DB"
import sys, psycopg
with psycopg.connect(f"{sys.argv[1]}/postgres", autocommit=True, connect_timeout=5) as c:
    c.execute(f'DROP DATABASE IF EXISTS "{sys.argv[2]}" WITH (FORCE)')
EOF
  if [ "$rc" -ne 0 ] && [ -s "$WORK/gunicorn.log" ]; then
    say "--- last lines of the gunicorn log"; tail -n 20 "$WORK/gunicorn.log"
    say "--- last lines of the worker log"; tail -n 20 "$WORK/worker.log"
  fi
  rm -rf "$WORK"
  say "stopped everything started; $(( $(date +%s) - START )) s in all"
  exit "$rc"
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM

# The whole run is bounded: past the limit the watchdog stops it (cleanup still runs).
( sleep "$LIMIT"; say "deploy-check: over ${LIMIT}s, giving up"; kill -TERM $$ ) &
WATCHDOG_PID=$!

fail() { say "FAIL: $*"; exit 1; }

# Run a step in the background and wait for it: bash runs the watchdog's TERM trap during
# `wait`, not during a foreground command, so a hung step cannot outlive the time limit.
step() {
  local name=$1 log="$WORK/$1.log" t0; shift
  t0=$(date +%s)
  "$@" >"$log" 2>&1 &
  local pid=$!
  if wait "$pid"; then say "  ok    $name ($(( $(date +%s) - t0 )) s)"
  else say "  FAIL  $name"; tail -n 25 "$log"; exit 1; fi
}

[ -x "$PY" ] || fail "no virtualenv: run make install"
"$PY" scripts/pg_ready.py "$PG_SERVER/postgres" || fail "PostgreSQL does not answer at $PG_SERVER"

say "== PostgreSQL database $DB"
"$PY" - "$PG_SERVER" "$DB" <<'EOF' || fail "cannot create database $DB"
import sys, psycopg
with psycopg.connect(f"{sys.argv[1]}/postgres", autocommit=True, connect_timeout=5) as c:
    c.execute(f'DROP DATABASE IF EXISTS "{sys.argv[2]}" WITH (FORCE)')
    c.execute(f'CREATE DATABASE "{sys.argv[2]}"')
EOF

say "== secrets in $WORK/secrets (never in the environment, never in the repository)"
mkdir -m 700 "$WORK/secrets" "$WORK/var"
"$PY" - "$WORK/secrets" <<'EOF' || fail "cannot generate secrets"
import os, secrets, sys
from cryptography.fernet import Fernet
d = sys.argv[1]
for name, value in [("secret_key", secrets.token_urlsafe(50)), ("field_keys", Fernet.generate_key().decode()),
                    ("hash_key", secrets.token_urlsafe(48)), ("admin_password", secrets.token_urlsafe(18))]:
    path = os.path.join(d, name)
    with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
        f.write(value)
EOF

export DJANGO_SETTINGS_MODULE=lehuo.settings
export DEBUG=0
export DATABASE_URL="$PG_SERVER/$DB"
export SECRET_KEY_FILE="$WORK/secrets/secret_key"
export LEHUO_FIELD_KEYS_FILE="$WORK/secrets/field_keys"
export LEHUO_HASH_KEY_FILE="$WORK/secrets/hash_key"
export ALLOWED_HOSTS=127.0.0.1,localhost
export CSRF_TRUSTED_ORIGINS="https://127.0.0.1:$PORT"
export BEHIND_PROXY=1          # as behind nginx: X-Forwarded-Proto: https marks the request secure
export LEHUO_VAR_DIR="$WORK/var"
export MEDIA_ROOT="$WORK/var/media"
unset SECURE_COOKIES SECURE_HSTS_SECONDS TEST_DATABASE_URL

say "== check --deploy, migrate, collectstatic"
step check "$PY" -m lehuo check --deploy --fail-level ERROR
say "        deploy warnings accepted (TLS and redirects are nginx's job): $(grep -oE 'security\.W[0-9]+' "$WORK/check.log" | sort -u | tr '\n' ' ')"
step migrate "$PY" -m lehuo migrate --noinput -v0
step collectstatic "$PY" -m lehuo collectstatic --noinput -v0
DJANGO_SUPERUSER_PASSWORD=$(cat "$WORK/secrets/admin_password")
export DJANGO_SUPERUSER_PASSWORD
step createsuperuser "$PY" -m lehuo createsuperuser --noinput --username deploycheck --email deploycheck@example.invalid
unset DJANGO_SUPERUSER_PASSWORD

say "== gunicorn ($WORKERS workers) on 127.0.0.1:$PORT and one db_worker"
if "$PY" - "$PORT" <<'EOF'; then fail "port $PORT is already in use"; fi
import socket, sys
s = socket.socket()
sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)
EOF
"$GUNICORN" lehuo.wsgi:application --bind "127.0.0.1:$PORT" --workers "$WORKERS" --timeout 30 --preload \
  --graceful-timeout 5 --access-logfile "$WORK/access.log" >"$WORK/gunicorn.log" 2>&1 &
GUNICORN_PID=$!
"$PY" -m lehuo db_worker --interval 1 >"$WORK/worker.log" 2>&1 &
WORKER_PID=$!

say "== checks"
# The worker runs a task end to end: enqueue the heartbeat task and wait for its result.
# (Scripts go to files: a background command's stdin is /dev/null, so no heredoc for `step`.)
cat >"$WORK/worker_check.py" <<'EOF'
import time, django
django.setup()
from lehuo.platform.health import ping
result = ping.enqueue()
deadline = time.time() + 90
while time.time() < deadline:
    result.refresh()
    if result.is_finished:
        break
    time.sleep(0.5)
print(result.id, result.status, result.return_value if result.is_finished else None)
raise SystemExit(0 if result.is_finished and result.return_value == "pong" else 1)
EOF
step worker-runs-a-task "$PY" "$WORK/worker_check.py"
grep -q "path=lehuo.platform.health.ping state=SUCCESSFUL" "$WORK/worker.log" \
  && say "  ok    the db_worker process logged the task" || { say "  FAIL  the db_worker did not log the task"; exit 1; }
"$PY" - "$BASE" "$WORK" >"$WORK/checks.out" 2>&1 <<'EOF' &
import http.client, json, re, sys, time, urllib.parse
base, work = sys.argv[1], sys.argv[2]
host, port = urllib.parse.urlsplit(base).hostname, urllib.parse.urlsplit(base).port
PROXY = {"X-Forwarded-Proto": "https", "Host": f"127.0.0.1:{port}"}
failures = []


def request(method, path, body=None, headers=None):
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.request(method, path, body=body, headers={**PROXY, **(headers or {})})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp, data


def check(name, ok, detail=""):
    print(("  ok    " if ok else "  FAIL  ") + name + (f"  ({detail})" if detail else ""), flush=True)
    if not ok:
        failures.append(name)


deadline = time.time() + 90
while True:  # gunicorn loads the application (--preload) and forks its workers
    try:
        resp, _ = request("GET", "/health/")
        break
    except OSError:
        if time.time() > deadline:
            print("  FAIL  gunicorn did not answer within 90 s")
            sys.exit(1)
        time.sleep(0.3)

# Health: the database answers, and the worker runs a task (a ping) end to end.
deadline, health = time.time() + 60, {}
while time.time() < deadline:
    resp, data = request("GET", "/health/")
    health = json.loads(data)
    if resp.status == 200 and health.get("worker") in ("ok", "idle") and (
            health.get("last_ping_age_s", health.get("last_task_age_s")) is not None):
        break
    time.sleep(1)
check("/health/ database ok", health.get("database") == "ok", json.dumps(health))
check("/health/ worker ran a task", health.get("worker") in ("ok", "idle") and
      health.get("last_ping_age_s", health.get("last_task_age_s")) is not None, json.dumps(health))

# The login page, its security headers and cookies.
resp, data = request("GET", "/accounts/login/")
html = data.decode()
h = {k.lower(): v for k, v in resp.getheaders()}
cookies = resp.msg.get_all("Set-Cookie") or []
check("login page renders", resp.status == 200 and "登录" in html and 'name="csrfmiddlewaretoken"' in html,
      f"HTTP {resp.status}")
check("HSTS header", "max-age=" in h.get("strict-transport-security", ""), h.get("strict-transport-security", "missing"))
csp = h.get("content-security-policy", "")
check("CSP without inline script", "script-src 'self'" in csp and "unsafe-inline" not in csp, csp or "missing")
check("X-Frame-Options DENY", h.get("x-frame-options") == "DENY", h.get("x-frame-options", "missing"))
check("X-Content-Type-Options nosniff", h.get("x-content-type-options") == "nosniff")
check("Referrer-Policy", bool(h.get("referrer-policy")), h.get("referrer-policy", "missing"))
csrf_cookie = next((c for c in cookies if c.startswith("csrftoken=")), "")
check("CSRF cookie Secure", "; secure" in csrf_cookie.lower(), csrf_cookie[:60] + "..." if csrf_cookie else "no cookie")

# A static file with a hashed (cache-busting) name, served with a long cache lifetime.
m = re.search(r'href="(/static/lehuo/lehuo\.[0-9a-f]{12}\.css)"', html)
check("page links a hashed static name", bool(m), m.group(1) if m else "no hashed lehuo.css link")
if m:
    resp, data = request("GET", m.group(1), headers={"Accept-Encoding": "gzip"})
    cache = resp.getheader("Cache-Control", "")
    check("hashed static file served", resp.status == 200 and len(data) > 0, f"HTTP {resp.status}, {len(data)} bytes")
    check("hashed static file cached long", "max-age=315360000" in cache or "immutable" in cache, cache)

# Log in through the form: the session cookie is Secure and HttpOnly.
token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
csrf_value = csrf_cookie.split(";", 1)[0].split("=", 1)[1] if csrf_cookie else ""
password = open(f"{work}/secrets/admin_password").read()
body = urllib.parse.urlencode({"username": "deploycheck", "password": password,
                               "csrfmiddlewaretoken": token.group(1) if token else ""})
resp, data = request("POST", "/accounts/login/", body, {
    "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf_value}",
    "Origin": f"https://127.0.0.1:{port}", "Referer": f"https://127.0.0.1:{port}/accounts/login/"})
session = next((c for c in resp.msg.get_all("Set-Cookie") or [] if c.startswith("sessionid=")), "")
check("login works", resp.status == 302, f"HTTP {resp.status} to {resp.getheader('Location')}")
check("session cookie Secure and HttpOnly", "; secure" in session.lower() and "; httponly" in session.lower(),
      session.split(";", 1)[1].strip() if session else "no session cookie")

# DEBUG is off: a 404 is the plain page, no traceback, no URL list, no settings.
resp, data = request("GET", "/no-such-page/../../etc/passwd?x=<script>")
text = data.decode(errors="replace")
leaks = [w for w in ("Traceback", "DEBUG = True", "URLconf", "SECRET_KEY", "Using the URLconf") if w in text]
check("404 without debug information", resp.status == 404 and not leaks, f"HTTP {resp.status}, leaks {leaks}")
resp, data = request("GET", "/api/v1/people")
check("API refuses anonymous callers", resp.status in (401, 403), f"HTTP {resp.status}")
resp, data = request("GET", "/api/v1/openapi.json")
check("API schema served", resp.status == 200 and b'"openapi"' in data, f"HTTP {resp.status}")

# Several gunicorn workers answer (distinct PIDs are not visible from outside: count processes instead).
print(json.dumps({"failures": failures}), file=open(f"{work}/result.json", "w"))
sys.exit(1 if failures else 0)
EOF
CHECKS_PID=$!
wait "$CHECKS_PID"
RESULT=$?
cat "$WORK/checks.out"
WORKER_PROCS=$(pgrep -P "$GUNICORN_PID" 2>/dev/null | wc -l)
if [ "$WORKER_PROCS" -ge "$WORKERS" ]; then say "  ok    gunicorn runs $WORKER_PROCS worker processes"
else say "  FAIL  gunicorn runs $WORKER_PROCS worker processes, expected $WORKERS"; RESULT=1; fi
if grep -q " 500 " "$WORK/access.log"; then say "  FAIL  a 500 was logged"; RESULT=1; fi
if grep -qiE "Traceback" "$WORK/gunicorn.log" "$WORK/worker.log"; then
  say "  FAIL  a traceback was logged"; grep -B2 -A12 -m1 Traceback "$WORK/gunicorn.log" "$WORK/worker.log"; RESULT=1
fi
if [ "$RESULT" -eq 0 ]; then say "deploy-check: all checks passed"; else say "deploy-check: FAILED"; fi
exit "$RESULT"
