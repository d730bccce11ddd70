#!/usr/bin/env bash
# Refresh the English catalogues: one per app (lehuo/<app>/locale, owned by the app) and one for
# the project's own templates and the library (lehuo/locale); then compile them.
# Usage: scripts/messages.sh [app ...]   (no argument: every app and the project catalogue)
# Translate the empty and '#, fuzzy' entries it leaves, then run it again to compile.
set -euo pipefail
cd "$(dirname "$0")/../lehuo"
export DJANGO_SETTINGS_MODULE=lehuo.settings DEBUG=1
ADMIN=../.venv/bin/django-admin
apps=("$@")
if [ ${#apps[@]} -eq 0 ]; then
  for d in */apps.py; do apps+=("$(dirname "$d")"); done
  apps+=(.)
fi
for app in "${apps[@]}"; do
  if [ "$app" = . ]; then
    ignores=(); for d in */apps.py; do ignores+=(-i "$(dirname "$d")/*"); done
    (set -f; $ADMIN makemessages -l en -v0 --no-obsolete "${ignores[@]}")
  elif [ -d "$app/locale" ]; then
    (cd "$app" && ../$ADMIN makemessages -l en -v0 --no-obsolete)
  fi
done 2>&1 | grep -v '^AXES' || true
for po in locale/en/LC_MESSAGES/django.po */locale/en/LC_MESSAGES/django.po; do msgfmt --check-format -o "${po%.po}.mo" "$po"; done  # always (compilemessages skips a .mo newer than its .po, as after a git checkout)
true 2>&1 | grep -v '^AXES' || true
for po in locale/en/LC_MESSAGES/django.po */locale/en/LC_MESSAGES/django.po; do
  printf '%-45s ' "$po"; msgfmt --statistics -o /dev/null "$po" 2>&1
done
