import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_pages_are_chinese_by_default(client):
    html = client.get("/accounts/login/").content.decode()
    assert 'lang="zh-CN"' in html and "登录乐活" in html


def test_english_is_available(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/accounts/login/").content.decode()
    assert 'lang="en"' in html and "Log in to Lehuo" in html and "登录乐活" not in html


LEHUO = settings.BASE_DIR / "lehuo"
CATALOGUES = sorted(LEHUO.glob("*/locale/en/LC_MESSAGES/django.po")) + [LEHUO / "locale/en/LC_MESSAGES/django.po"]
def _po_entries(path):
    """(msgctxt, msgid, [msgstr...], fuzzy) for every live entry of a .po file (no polib)."""
    import ast

    entries, entry, key = [], None, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip() or line.startswith("#~"):
            if entry and entry.get("msgid"):
                entries.append(entry)
            entry, key = None, None
            continue
        if entry is None:
            entry = {"fuzzy": False, "msgstr": {}}
        if line.startswith("#,"):
            entry["fuzzy"] = "fuzzy" in line
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if isinstance(key, tuple):
                entry["msgstr"][key[1]] += value
            else:
                entry[key] += value
        else:
            key, _, rest = line.partition(" ")
            value = ast.literal_eval(rest)
            if key.startswith("msgstr"):
                key = ("msgstr", key)
                entry["msgstr"][key[1]] = value
            else:
                entry[key] = value
    return [(e.get("msgctxt"), e["msgid"], list(e["msgstr"].values()), e["fuzzy"]) for e in entries]


def test_english_catalogues_are_complete():
    """Every entry of every English catalogue is translated (fuzzy counts as untranslated), so a
    page never fills with Chinese; the failure lists what is missing, per catalogue. Refresh and
    compile with scripts/messages.sh (docs/glossary.md)."""
    assert len(CATALOGUES) >= 10, CATALOGUES
    report, total = [], 0
    for po in CATALOGUES:
        entries = _po_entries(po)
        total += len(entries)
        missing = [(ctx, msgid) for ctx, msgid, msgstrs, fuzzy in entries if fuzzy or not all(msgstrs)]
        report += [f"  {po.relative_to(LEHUO)}: {msgid!r}" + (f" (context {ctx!r})" if ctx else "")
                   for ctx, msgid in missing]
    assert total > 1000, "the catalogues look truncated"
    assert report == [], f"{len(report)} English messages untranslated:\n" + "\n".join(report)


TRANSLATORS = {"gettext": 0, "gettext_lazy": 0, "ngettext": 0, "ngettext_lazy": 0,
               "pgettext": 1, "pgettext_lazy": 1, "npgettext": 1, "npgettext_lazy": 1}


def _marked_messages(path):
    """The literal msgids a Python file marks for translation, whatever it imports them as."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
            for alias in node.names:
                if alias.name in TRANSLATORS:
                    names[alias.asname or alias.name] = TRANSLATORS[alias.name]
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names:
            index = names[node.func.id]
            if len(node.args) > index and isinstance(node.args[index], ast.Constant) \
                    and isinstance(node.args[index].value, str):
                yield node.lineno, node.args[index].value


def test_every_marked_message_is_in_its_catalogue():
    """A message marked in the code but never extracted would show in Chinese to an English
    reader while the catalogues still look complete: run scripts/messages.sh <app>."""
    catalogue_ids = {po: {msgid for _, msgid, _, _ in _po_entries(po)} for po in CATALOGUES}
    project = catalogue_ids[LEHUO / "locale/en/LC_MESSAGES/django.po"]
    missing = []
    for path in sorted(LEHUO.rglob("*.py")):
        rel = path.relative_to(LEHUO)
        if {"tests", "migrations"} & set(rel.parts) or len(rel.parts) < 2:
            continue
        own = catalogue_ids.get(LEHUO / rel.parts[0] / "locale/en/LC_MESSAGES/django.po", project)
        missing += [f"  {rel}:{line}: {msgid!r}" for line, msgid in _marked_messages(path) if msgid not in own]
    assert missing == [], "marked for translation but not in the app's catalogue:\n" + "\n".join(missing)


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_shared_parts_in_english(login, town_admin, blood_staff):
    """The header's role names, the language selector's label, the 403 page (issue 14, point 5)."""
    html = _english(login(town_admin)).get("/workbench/").content.decode()
    assert "Town admin" in html
    assert '<label for="language-select">Language</label>' in html
    assert "镇管理员" not in html and "退出" not in html
    r = _english(login(blood_staff)).get("/audit/")
    assert r.status_code == 403
    page = r.content.decode()
    assert "Forbidden" in page and "Your role may not open this page." in page and "无权访问" not in page


def test_shared_parts_in_chinese(login, town_admin):
    html = login(town_admin).get("/workbench/").content.decode()
    assert "镇管理员" in html and '<label for="language-select">语言 / <span lang="en">Language</span></label>' in html
