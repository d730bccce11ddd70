#!/usr/bin/env bash
# `make run`: Lehuo as a small town would run it on one machine, on SQLite.
#
#   gunicorn (gthread) serving the pages and, through whitenoise, the static files; DEBUG off (no
#   visitor ever sees a debug page); the secret key and the field-encryption and hash keys made
#   on the first run into var/ (mode 0600) and reused after; the task worker beside it; the demo
#   town loaded; the URL, the demo logins and the demo's second-factor codes printed.
#
# Environment: HOST (127.0.0.1), PORT (8000), LEHUO_VAR_DIR (var/), LEHUO_THREADS (32), LEHUO_RUN_DEMO (1: load the
# demo town), LEHUO_DEMO_SECOND_FACTOR (1: give the demo admin and social workers an
# authenticator and print its codes; docs/residents.md, "make run").
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY="$ROOT/.venv/bin/python"
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
THREADS=${LEHUO_THREADS:-32}
VAR="${LEHUO_VAR_DIR:-$ROOT/var}"  # keys, database, media, logs
export LEHUO_VAR_DIR="$VAR"
mkdir -p "$VAR"
chmod 700 "$VAR"

# Keys: made once, kept in var/ (0600), reused by every later run. The database's personal
# fields are encrypted with them: back them up apart from the database (docs/deploy.md).
make_key() {  # file, python expression printing the key
  if [ ! -s "$1" ]; then
    (umask 077 && "$PY" -c "$2" > "$1.tmp" && mv "$1.tmp" "$1")
    echo "made $1"
  fi
  chmod 600 "$1"
}
if [ -f "$VAR/lehuo.sqlite3" ] && [ ! -s "$VAR/secret_key" ]; then
  # A database from before keys were kept here was written with the public development keys.
  OLD="$VAR/lehuo.sqlite3.dev-keys-$(date +%Y%m%d%H%M%S)"
  mv "$VAR/lehuo.sqlite3" "$OLD"
  rm -f "$VAR/lehuo.sqlite3-wal" "$VAR/lehuo.sqlite3-shm"
  echo "note: var/lehuo.sqlite3 was made with the development keys; moved to $OLD (make dev uses var/dev.sqlite3)"
fi
make_key "$VAR/secret_key" "import secrets; print(secrets.token_urlsafe(50))"
make_key "$VAR/field_keys" "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"
make_key "$VAR/hash_key" "import secrets; print(secrets.token_urlsafe(32))"

export DEBUG=0
export SECRET_KEY_FILE="$VAR/secret_key" LEHUO_FIELD_KEYS_FILE="$VAR/field_keys" LEHUO_HASH_KEY_FILE="$VAR/hash_key"
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-127.0.0.1,localhost}"
# Plain HTTP on this machine: cookies without the Secure flag, no HSTS. Behind an HTTPS proxy
# set SECURE_COOKIES=1, BEHIND_PROXY=1 and SECURE_HSTS_SECONDS (docs/deploy.md).
export SECURE_COOKIES="${SECURE_COOKIES:-0}" SECURE_HSTS_SECONDS="${SECURE_HSTS_SECONDS:-0}"
export LEHUO_DEMO_SECOND_FACTOR="${LEHUO_DEMO_SECOND_FACTOR:-1}"
unset DATABASE_URL

"$PY" -m lehuo migrate --noinput -v0
"$PY" -m lehuo collectstatic --noinput -v0
if [ "${LEHUO_RUN_DEMO:-1}" = "1" ]; then
  "$PY" -m lehuo demo
  if [ "$LEHUO_DEMO_SECOND_FACTOR" = "1" ]; then "$PY" -m lehuo demo_codes; fi
fi

WORKER_PID=""
GUNICORN_PID=""
stop() {
  trap - EXIT INT TERM
  [ -n "$GUNICORN_PID" ] && kill -TERM "$GUNICORN_PID" 2>/dev/null
  [ -n "$WORKER_PID" ] && kill -TERM "$WORKER_PID" 2>/dev/null
  wait 2>/dev/null
}
trap stop EXIT INT TERM

"$PY" -m lehuo db_worker --interval 1 >>"$VAR/worker.log" 2>&1 &
WORKER_PID=$!

echo ""
echo "Lehuo is running at http://$HOST:$PORT/  (API docs: http://$HOST:$PORT/api/v1/docs)"
echo "  residents: sign up / in with any mainland mobile number; the SMS code is printed in this log (console SMS backend)"
echo "  staff: the demo logins above; town admins and social workers also give the code printed by demo_codes"
echo "  (current codes: make codes). Stop with Ctrl-C."
# One process with threads: the SMS limits and the rate limiter live in its memory (locmem
# cache); with REDIS_URL set, several workers share them (docs/deploy.md).
"$ROOT/.venv/bin/gunicorn" lehuo.wsgi:application --worker-class gthread --workers 1 --threads "$THREADS" \
  --bind "$HOST:$PORT" --backlog 2048 --timeout 60 --graceful-timeout 10 --keep-alive 5 \
  --access-logfile - --access-logformat '%(t)s "%(r)s" %(s)s %(b)s %(M)sms' &
GUNICORN_PID=$!
wait "$GUNICORN_PID"
