"""Imports write with COPY on PostgreSQL (lehuo/platform/bulk.py): the same rows as before,
encrypted, with their tags and audit rows; a process killed in the middle of a COPY leaves
nothing behind."""

import datetime as dt
import os
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.db import connection

from lehuo.people.demo import make_id_number
from lehuo.people.importers import import_people
from lehuo.people.models import Person
from lehuo.people.tests.helpers import xlsx
from lehuo.platform.models import AuditLog

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.django_db


def rows(n, start=1):
    return [[f"居民{i}", number, f"1391234{i:04d}", "绿十一", "党员、志愿者"]
            for i, number in zip(range(start, start + n), unique_numbers(n, start), strict=True)]


def unique_numbers(n, seed) -> list[str]:
    rng, out = random.Random(seed), {}
    while len(out) < n:
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 20000))
        number = make_id_number(rng, birth, rng.choice("MF"))
        out.setdefault(number, None)
    return list(out)


def test_import_on_postgres_uses_copy_and_writes_the_same_people(town, lv11, town_admin, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")

    def no_bulk_create(*args, **kwargs):
        raise AssertionError("bulk_create used instead of COPY")

    monkeypatch.setattr(type(Person.objects), "bulk_create", no_bulk_create)
    result = import_people(town_admin, town, xlsx(rows(7)), commit=True)
    assert result.ok
    people = list(Person.objects.order_by("pk"))
    assert [p.name for p in people] == [f"居民{i}" for i in range(1, 8)]
    assert people[0].id_number == rows(1)[0][1] and people[0].phone == "13912340001"  # decrypts
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM people_person WHERE id = %s", [people[0].pk])
        assert cursor.fetchone()[0].startswith("gAAAA")  # stored as Fernet ciphertext
    assert sorted(t.name for t in people[3].tags.all()) == ["党员", "志愿者"]
    assert people[0].id_hash and people[0].created_at and people[0].name_initials == "jm1"
    assert people[0].pinyin_w2 == people[0].name_pinyin.split(" ", 1)[1]  # kept by the field under COPY too
    assert AuditLog.objects.filter(action="person.import").get().data["created"] == 7
    # The sequence moved past the copied rows: the next person registered normally gets a new id.
    result = import_people(town_admin, town, xlsx(rows(1, start=50)), commit=True)
    assert Person.objects.count() == 8 and len({p.pk for p in Person.objects.all()}) == 8


def test_imported_people_are_found_by_a_later_word_of_their_name(town, lv11, town_admin):
    from lehuo.people.search import search_people

    assert import_people(town_admin, town, xlsx(rows(3)), commit=True).ok
    found = search_people(Person.objects.all(), q="min")  # 居民1 -> "ju min 1": its 2nd word
    assert sorted(p.name for p in found) == ["居民1", "居民2", "居民3"]


KILLER = textwrap.dedent("""
    import os, signal, sys
    import django
    from django.conf import settings
    settings.DATABASES["default"]["NAME"] = sys.argv[1]
    django.setup()
    import psycopg
    from lehuo.accounts.models import Town
    from django.contrib.auth import get_user_model
    from lehuo.people.importers import import_people

    real = psycopg.Copy.write_row
    written = [0]

    def write_row(self, row):  # SIGKILL this process in the middle of the second COPY batch
        written[0] += 1
        if written[0] == int(sys.argv[3]):
            print("killing", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
        return real(self, row)

    psycopg.Copy.write_row = write_row
    data = open(sys.argv[2], "rb").read()
    result = import_people(get_user_model().objects.get(pk=int(sys.argv[4])), Town.objects.get(pk=int(sys.argv[5])),
                           data, commit=True)
    print("finished", result.ok, result.errors[:3], flush=True)
""")


@pytest.mark.postgres
@pytest.mark.verify_figures
@pytest.mark.django_db(transaction=True)
def test_an_import_killed_mid_copy_leaves_nothing(town, lv11, town_admin, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    from lehuo.people import importers

    n = importers.BATCH + 300  # two COPY batches: killed inside the second
    path = tmp_path / "people.xlsx"
    path.write_bytes(xlsx(rows(n)))
    before = (Person.objects.count(), AuditLog.objects.count())
    proc = subprocess.run([sys.executable, "-c", KILLER, connection.settings_dict["NAME"], str(path),
                           str(importers.BATCH + 100), str(town_admin.pk), str(town.pk)],
                          cwd=ROOT, env={**os.environ, "DJANGO_SETTINGS_MODULE": "lehuo.settings_test"},
                          capture_output=True, text=True, timeout=600)
    assert "killing" in proc.stdout and "finished" not in proc.stdout, proc.stdout + proc.stderr
    assert proc.returncode == -9
    with connection.cursor() as cursor:  # the dead session's transaction is rolled back, not left open
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%%'")
        assert cursor.fetchone()[0] == 0
    assert (Person.objects.count(), AuditLog.objects.count()) == before
    assert not Person.objects.filter(name__startswith="居民").exists()
    # And the same file imports whole afterwards.
    assert import_people(town_admin, town, path.read_bytes(), commit=True).ok
    assert Person.objects.filter(name__startswith="居民").count() == n
