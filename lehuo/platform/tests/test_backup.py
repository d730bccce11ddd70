"""`python -m lehuo backup` / `restore`: a round trip keeps every row and every figure.

The round trip loads the demo town with every module that exists at run time, so the test
grows with the modules: live figures are collected from the ``[[app:record:measure]]``
tokens found in the data (the demo newsletter's articles) plus the contract's tokens, and
each app's ``stats.dashboard_summary(town)`` is compared when the app has one.
"""

import gzip
import importlib
import io
import json
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from lehuo.accounts.models import Town
from lehuo.people.demo import load_core
from lehuo.people.models import Person
from lehuo.platform import backup, figures
from lehuo.platform.backup import BackupError, restore_backup, table_counts, write_backup
from lehuo.platform.modules import demo_order

ROOT = Path(__file__).resolve().parents[3]
TOKEN = re.compile(r"\[\[([^\[\]\s]+:[^\[\]\s]+:[^\[\]\s]+)\]\]")
# Tokens the modules promise (docs/newsletter.md); a missing module or record compares as its error.
CONTRACT_TOKENS = [
    "donations:henan-flood-2021:people", "donations:henan-flood-2021:total",
    "donations:henan-flood-2021:by_tag.党员.people", "blood:2021-07-28:donors", "blood:2021-07-28:units",
    "blood:2021-07-28:stem_cell_signups", "training:xinjing-studio-3:enrolled",
    "training:xinjing-studio-3:sessions", "training:xinjing-studio-3:starts_on_cn",
    "daycare:2021:enrolled", "daycare:2021:places", "daycare:2021:fill_rate",
]


def load_demo(residents: int = 3000) -> list[str]:
    """The demo town with every module's demo (the newsletter's figures need the full 3000 residents).

    A module whose demo fails to load is reported as a warning and left out: that is the
    module's bug, and the round trip still proves itself on everything else.
    """
    out = io.StringIO()
    town = load_core(out, residents=residents)
    failed = []
    for config in demo_order():
        try:
            config.contribution("demo")(town, out)
        except Exception as exc:  # noqa: BLE001 - reported, see docstring
            name = config.label
            failed.append(name)
            warnings.warn(f"demo of {name} failed, left out of the round trip: {exc!r}", stacklevel=1)
    return failed


def figure_tokens() -> list[str]:
    """Every figure token written anywhere in the data, plus the contract's."""
    found = set(CONTRACT_TOKENS)
    for model in apps.get_models():
        text_fields = [f.name for f in model._meta.concrete_fields
                       if f.get_internal_type() == "TextField" and not f.name.endswith(("id_number", "phone"))]
        for name in text_fields:
            for value in model.objects.filter(**{f"{name}__contains": "[["}).values_list(name, flat=True):
                found.update(TOKEN.findall(value or ""))
    return sorted(found)


def live_figures(tokens) -> dict[str, str]:
    out = {}
    for token in tokens:
        try:
            out[token] = figures.format_value(figures.resolve(token))
        except figures.FigureError as exc:
            out[token] = f"FigureError: {exc}"
    return out


def dashboards() -> dict[str, object]:
    out = {}
    for app_config in apps.get_app_configs():
        if not app_config.name.startswith("lehuo."):
            continue
        try:
            stats = importlib.import_module(f"{app_config.name}.stats")
        except ModuleNotFoundError:
            continue
        if hasattr(stats, "dashboard_summary"):
            out[app_config.label] = {t.code: repr(stats.dashboard_summary(t)) for t in Town.objects.order_by("code")}
    return out


def snapshot() -> dict:
    return {"counts": table_counts(), "figures": live_figures(figure_tokens()), "dashboards": dashboards()}


def empty_database() -> None:
    """What `migrate` leaves: no rows, content types and permissions recreated."""
    call_command("flush", interactive=False, verbosity=0)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_round_trip_keeps_every_row_figure_and_dashboard(tmp_path):
    failed = load_demo()
    before = snapshot()
    assert before["counts"]["people_person"] > 0
    resolved = [t for t, v in before["figures"].items() if not v.startswith("FigureError")]
    assert resolved or failed, "the demo loaded but no live figure resolved: the comparison would be empty"
    path = tmp_path / "lehuo.jsonl.gz"

    header = write_backup(path)
    assert {t["table"]: t["rows"] for t in header["tables"]} == before["counts"]
    empty_database()
    assert table_counts()["people_person"] == 0
    restore_backup(path)

    after = snapshot()
    assert after["counts"] == before["counts"]
    assert after["figures"] == before["figures"]
    assert after["dashboards"] == before["dashboards"]


@pytest.mark.django_db(transaction=True)
def test_round_trip_of_people_users_and_tags(tmp_path, make_person, town_admin, sw_lv11, hj9):
    for i in range(5):
        make_person(age=20 + i, tags=["党员"] if i % 2 else ["学生", "志愿者"])
    make_person(hj9, age=70, sex="F")
    before = snapshot()
    people = {p.pk: (p.name, p.id_number, p.phone, p.birth_date, sorted(p.tags.values_list("name", flat=True)))
              for p in Person.objects.all()}
    path = tmp_path / "b.jsonl.gz"
    write_backup(path)
    empty_database()
    restore_backup(path)
    assert snapshot() == before
    assert {p.pk: (p.name, p.id_number, p.phone, p.birth_date, sorted(p.tags.values_list("name", flat=True)))
            for p in Person.objects.all()} == people


@pytest.mark.django_db(transaction=True)
def test_restored_database_accepts_new_rows(tmp_path, make_person, town):
    make_person(age=30)
    path = tmp_path / "b.jsonl.gz"
    write_backup(path)
    highest = Person.objects.order_by("-pk").values_list("pk", flat=True).first()
    empty_database()
    restore_backup(path)
    # PostgreSQL sequences were moved past the restored ids: the next insert does not collide.
    new = Town.objects.create(code="999", name="测试镇")
    assert new.pk > Town.objects.exclude(pk=new.pk).order_by("-pk").first().pk
    assert Person.objects.order_by("-pk").first().pk == highest


@pytest.mark.django_db
def test_backup_holds_ciphertext_not_id_numbers_or_phones(tmp_path, make_person):
    person = make_person(age=44, phone="13912345678")
    path = tmp_path / "b.jsonl.gz"
    write_backup(path)
    text = gzip.open(path, "rt", encoding="utf-8").read()
    assert person.id_number not in text
    assert "13912345678" not in text
    assert person.name in text  # the rows are really there


@pytest.mark.django_db
def test_header_names_format_migrations_and_counts(tmp_path, make_person):
    make_person()
    path = tmp_path / "b.jsonl.gz"
    write_backup(path)
    header = backup.read_header(path)
    assert header["format"] == "lehuo-backup" and header["version"] == 1
    assert "core.0001_initial" in header["migrations"]
    rows = {t["table"]: t["rows"] for t in header["tables"]}
    assert rows["people_person"] == 1
    order = [t["table"] for t in header["tables"]]
    assert order.index("accounts_town") < order.index("accounts_neighbourhood") < order.index("people_person")
    assert order.index("people_person") < order.index("people_person_tags")


@pytest.mark.django_db
def test_restore_refuses_a_database_with_data(tmp_path, make_person):
    make_person()
    path = tmp_path / "b.jsonl.gz"
    write_backup(path)
    before = table_counts()
    with pytest.raises(BackupError, match="不是空的.*people_person"):
        restore_backup(path)
    assert table_counts() == before


def _rewrite(src: Path, dst: Path, edit_header=None, drop_last: int = 0) -> None:
    lines = gzip.open(src, "rt", encoding="utf-8").read().splitlines(keepends=True)
    if edit_header:
        header = json.loads(lines[0])
        edit_header(header)
        lines[0] = json.dumps(header, ensure_ascii=False) + "\n"
    if drop_last:
        lines = lines[:-drop_last]
    with gzip.open(dst, "wt", encoding="utf-8") as fh:
        fh.writelines(lines)


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_other_migration_state(tmp_path, make_person):
    make_person()
    src, dst = tmp_path / "b.jsonl.gz", tmp_path / "old.jsonl.gz"
    write_backup(src)
    _rewrite(src, dst, edit_header=lambda h: h["migrations"].append("core.9999_from_the_future"))
    empty_database()
    with pytest.raises(BackupError, match="(?s)迁移状态不同.*core.9999_from_the_future"):
        restore_backup(dst)
    assert table_counts()["people_person"] == 0


@pytest.mark.django_db(transaction=True)
def test_truncated_backup_writes_nothing(tmp_path, make_person):
    for _ in range(3):
        make_person()
    src, dst = tmp_path / "b.jsonl.gz", tmp_path / "cut.jsonl.gz"
    write_backup(src)
    _rewrite(src, dst, drop_last=2)  # the trailer and the last row
    empty_database()
    fresh = table_counts()
    with pytest.raises(BackupError, match="不完整"):
        restore_backup(dst)
    assert table_counts() == fresh  # one transaction: nothing partial stays


@pytest.mark.django_db
@pytest.mark.parametrize("content", [b"", b"not gzip at all", gzip.compress(b'{"format": "other"}\n'),
                                     gzip.compress(b"\x00\xff garbage")],
                         ids=["empty", "not-gzip", "other-format", "garbage"])
def test_restore_refuses_files_that_are_not_backups(tmp_path, content):
    path = tmp_path / "x.jsonl.gz"
    path.write_bytes(content)
    with pytest.raises(BackupError, match="不是乐活备份文件"):
        restore_backup(path)


@pytest.mark.django_db
def test_commands_report_refusal_as_command_error(tmp_path, make_person):
    make_person()
    path = tmp_path / "b.jsonl.gz"
    out = io.StringIO()
    call_command("backup", str(path), stdout=out)
    assert "backup written" in out.getvalue()
    with pytest.raises(CommandError, match="不是空的"):
        call_command("restore", str(path), stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_office_moves_from_sqlite_file_to_this_database(tmp_path):
    """An office's SQLite file, backed up by another process, restores here (PostgreSQL in the PG run)."""
    db_file = tmp_path / "office.sqlite3"
    path = tmp_path / "office.jsonl.gz"
    env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL", "DATABASE_URL")}
    env.update(DJANGO_SETTINGS_MODULE="lehuo.settings_test", DATABASE_URL=f"sqlite:///{db_file}",
               LEHUO_VAR_DIR=str(tmp_path))

    def run(*args):
        return subprocess.run([sys.executable, "-m", "lehuo", *args], cwd=ROOT, env=env, check=True,
                              capture_output=True, text=True, timeout=600).stdout  # a loaded 2-core machine: migrate took 220 s

    run("migrate", "-v0")
    run("demo", "--only", "people", "--residents", "60")
    probe = ("import json; from lehuo.people.models import Person; p = Person.objects.order_by('pk').last(); "
             "print(json.dumps({'pk': p.pk, 'id_number': p.id_number, 'phone': p.phone, "
             "'people': Person.objects.count()}))")
    office = json.loads(run("shell", "-c", probe).strip().splitlines()[-1])
    run("backup", str(path))

    empty_database()
    header = restore_backup(path)
    assert header["source_vendor"] == "sqlite"
    assert table_counts() == {t["table"]: t["rows"] for t in header["tables"]}
    assert Person.objects.count() == office["people"] == 60
    moved = Person.objects.get(pk=office["pk"])
    assert (moved.id_number, moved.phone) == (office["id_number"], office["phone"])
    assert connection.vendor in ("sqlite", "postgresql")
