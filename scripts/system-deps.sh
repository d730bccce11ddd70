#!/usr/bin/env bash
# System packages Lehuo needs: the CJK font and Pango/HarfBuzz for PDFs (WeasyPrint),
# Chromium for browser tests and screenshots, poppler-utils to read PDFs back in tests.
# Installs them on Debian as root; elsewhere fails with a clear message.
set -euo pipefail
need=()
[ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || need+=(fonts-noto-cjk)
libs=$(ldconfig -p 2>/dev/null || true)   # read once: `ldconfig | grep -q` dies of SIGPIPE under pipefail
case "$libs" in *libpango-1.0.so*) ;; *) need+=(libpango-1.0-0 libpangoft2-1.0-0);; esac
case "$libs" in *libharfbuzz-subset.so*) ;; *) need+=(libharfbuzz-subset0);; esac
command -v pdftoppm >/dev/null || need+=(poppler-utils)
if [ "${LEHUO_SKIP_BROWSER:-0}" != 1 ]; then
  [ -x /usr/bin/chromium ] || need+=(chromium)
fi
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing system packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "Lehuo needs these system packages: ${need[*]}" >&2
  echo "Install them with your package manager (Debian/Ubuntu: sudo apt-get install ${need[*]})," >&2
  echo "or run this target as root on Debian so it can install them itself." >&2
  exit 1
fi
