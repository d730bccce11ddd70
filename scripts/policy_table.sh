#!/usr/bin/env bash
# Refresh the role x action table in docs/security.md from the declared policy.
set -euo pipefail
cd "$(dirname "$0")/.."
DEBUG=1 .venv/bin/python - <<'PY'
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lehuo.settings_test")
import django
django.setup()
from pathlib import Path
from lehuo.accounts.management.commands.policy_table import table
doc = Path("docs/security.md")
text = doc.read_text()
start, end = "<!-- policy-table:start -->\n", "<!-- policy-table:end -->"
doc.write_text(text[:text.index(start) + len(start)] + table() + text[text.index(end):])
PY
