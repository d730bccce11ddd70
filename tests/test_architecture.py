"""Apps depend downwards only (docs/architecture.md, "Who may import whom"): a module of an app
may import from its own app and from the layers below it, never from a layer above, and the
domain modules never from each other. Tests, migrations and the legacy ``core`` migrations are
outside the rule (a test may set up any layer)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "lehuo"

# The layers, bottom up. An app may import any app of a lower layer.
LAYERS = [
    {"lib"},
    {"platform"},
    {"accounts"},
    {"people"},
    {"training", "donations", "blood", "daycare", "visits", "newsletter"},
    {"web", "api"},
]
LAYER_OF = {app: i for i, apps in enumerate(LAYERS) for app in apps}
# Same-layer imports that are allowed: none. (The newsletter reads the modules' figures and the
# dashboard through the module contract, lehuo/platform/modules.py, not by importing them.)
ALLOWED_SIDEWAYS: set[tuple[str, str]] = set()


def imports_of(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return found


def source_files():
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if len(rel.parts) < 2 or "tests" in rel.parts or "migrations" in rel.parts:
            continue
        yield rel.parts[0], path


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT.parent)) if path.is_relative_to(ROOT.parent) else str(path)


def violations(files) -> list[str]:
    out = []
    for app, path in files:
        if app not in LAYER_OF:
            continue
        for lineno, module in imports_of(path):
            parts = module.split(".")
            if parts[0] != "lehuo" or len(parts) < 2 or parts[1] == app:
                continue
            target = parts[1]
            if target not in LAYER_OF:
                if target == "core":
                    out.append(f"{_name(path)}:{lineno}: {app} imports lehuo.core (migrations only)")
                continue
            upward = LAYER_OF[target] > LAYER_OF[app]
            sideways = LAYER_OF[target] == LAYER_OF[app] and (app, target) not in ALLOWED_SIDEWAYS
            if upward or sideways:
                out.append(f"{_name(path)}:{lineno}: {app} imports {module}")
    return out


def test_apps_import_only_downwards():
    assert violations(source_files()) == []


def test_every_app_is_placed_in_a_layer():
    packages = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages == set(LAYER_OF) | {"core"}


def test_core_holds_only_its_migrations():
    code = [p.relative_to(ROOT) for p in (ROOT / "core").rglob("*.py") if "migrations" not in p.parts]
    assert sorted(str(p) for p in code) == ["core/__init__.py", "core/apps.py"]


@pytest.mark.parametrize("source, expected", [
    ("from lehuo.blood.models import Drive\n", "platform imports lehuo.blood.models"),
    ("def f():\n    from lehuo.people import services\n", "platform imports lehuo.people"),
])
def test_the_check_finds_an_upward_import(tmp_path, source, expected):
    """The rule is not vacuous: an upward import, even inside a function, is reported."""
    probe = tmp_path / "probe.py"
    probe.write_text(source)
    found = violations([("platform", probe)])
    assert len(found) == 1 and expected in found[0]


def test_the_check_finds_a_sideways_import(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("from lehuo.donations.stats import drive_stats\n")
    assert violations([("newsletter", probe)])
