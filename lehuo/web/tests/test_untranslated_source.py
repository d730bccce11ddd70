"""Chinese string literals in Python source that never reach gettext would show in Chinese to
an English reader (issue 14, point 5). This lists them, file and line, for every app.

Skipped: tests, migrations, demo data (``demo.py``), docstrings, and literals on a line marked
``# not-ui`` (data such as a town's name, a character range, a language's own name). An app in
ALLOWED may still hold up to that many while it is being converted; every other app holds none.
Lower a ceiling as an app is converted, and drop the app once it reaches 0 (not enforced here,
as several helpers convert apps at once: run this file with -s to see the counts).
"""

import ast
import re
from collections import defaultdict

from django.conf import settings

LEHUO = settings.BASE_DIR / "lehuo"
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff01-\uff5e]")
TRANSLATORS = {"gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy",
               "npgettext", "npgettext_lazy", "gettext_noop", "_"}

# Apps not yet fully converted (issue 14, point 5), with a ceiling on their unwrapped literals.
# Every app is converted now: keep it empty (data keeps a ``# not-ui: <why>`` comment instead).
ALLOWED: dict[str, int] = {}


def _unwrapped(path):
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in TRANSLATORS:
                skip.update(id(sub) for arg in node.args for sub in ast.walk(arg))
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                skip.add(id(first.value))  # docstring
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
                and CJK.search(node.value) and "not-ui" not in lines[node.lineno - 1]):
            yield node.lineno, node.value


def untranslated_literals() -> dict[str, list[str]]:
    found = defaultdict(list)
    for path in sorted(LEHUO.rglob("*.py")):
        rel = path.relative_to(LEHUO)
        if {"tests", "migrations"} & set(rel.parts) or path.name == "demo.py":
            continue
        app = rel.parts[0] if len(rel.parts) > 1 else "."
        found[app] += [f"  {rel}:{line}: {value[:60]!r}" for line, value in _unwrapped(path)]
    return found


def test_chinese_literals_go_through_gettext():
    found = untranslated_literals()
    report = []
    for app, items in sorted(found.items()):
        ceiling = ALLOWED.get(app, 0)
        if len(items) > ceiling:
            report.append(f"{app}: {len(items)} Chinese literals not wrapped in gettext (allowed {ceiling}):")
            report += items
    print({app: len(items) for app, items in sorted(found.items()) if items})
    assert report == [], "\n".join(report)

