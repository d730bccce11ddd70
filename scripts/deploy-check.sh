#!/usr/bin/env bash
# The district setup of deploy/ run on this machine, loaded, broken and checked, then stopped:
# nginx (deploy/nginx/lehuo.conf) in front of two gunicorn app servers and two task workers
# (deploy/systemd units' ExecStart), a PostgreSQL primary and a streaming replica (two new
# Debian clusters on 127.0.0.1:5434/5435), Redis db 5. See deploy/check.py for the scenarios
# and docs/deploy.md for the figures.
#
# Usage: scripts/deploy-check.sh   (or `make deploy-check`), as root on Debian (installs nginx
# and the PostgreSQL server tools if missing). Exit 0 when every check passed.
# Environment: DEPLOY_CHECK_TIMEOUT (1500 s for the whole run), DEPLOY_CHECK_PARENTS (1000),
#              DEPLOY_CHECK_OFFERINGS (20), DEPLOY_CHECK_CLIENTS (100 concurrent clients).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
LIMIT=${DEPLOY_CHECK_TIMEOUT:-1500}
[ -x "$PY" ] || { echo "no virtualenv: run make install"; exit 1; }
need=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v pg_createcluster >/dev/null || need+=(postgresql-common)
command -v pg_basebackup >/dev/null || need+=(postgresql-client)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing ${need[*]}"; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else echo "deploy-check needs: ${need[*]} (and root, to create PostgreSQL clusters)"; exit 1; fi
fi
PATH="$PATH:/usr/sbin:/usr/lib/postgresql/$(ls /etc/postgresql 2>/dev/null | sort -n | tail -1)/bin"
redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || { echo "Redis does not answer on 127.0.0.1:6379"; exit 1; }
# Bounded: past the limit the Python driver gets SIGTERM (it stops everything it started), then SIGKILL.
exec timeout --kill-after=60 "$LIMIT" "$PY" deploy/check.py
