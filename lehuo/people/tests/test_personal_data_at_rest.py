"""No plaintext ID number or phone in the database (raw column values on both databases,
and the bytes of a SQLite file written by a separate process) or in the import's upload."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from lehuo.people.models import Person
from lehuo.people.tests.helpers import id_number, upload, xlsx
from lehuo.platform.models import Job

pytestmark = pytest.mark.django_db

PHONE = "13987654321"


def raw_rows(table: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
        return cursor.fetchall()


def assert_absent(rows, *secrets):
    text = repr(rows)
    for secret in secrets:
        assert secret not in text


def test_raw_person_columns_hold_no_plaintext(api, town_admin, lv11, town):
    number = id_number(seed=77)
    r = api(town_admin).post("/api/v1/people", {"name": "明文检查", "id_number": number, "phone": PHONE,
                                                "neighbourhood_id": lv11.pk})
    assert r.status_code == 201
    person = Person.objects.get()
    assert person.id_number == number and person.phone == PHONE  # readable through the model
    assert_absent(raw_rows(Person._meta.db_table), number, PHONE, number.lower())
    assert_absent(raw_rows("platform_auditlog"), number, PHONE)


def test_sql_sent_to_the_database_holds_no_plaintext(town_admin, town, lv11, login):
    from django.test.utils import CaptureQueriesContext

    number = id_number(seed=78)
    with CaptureQueriesContext(connection) as ctx:
        r = login(town_admin).post(reverse("people:person_create"), {
            "name": "参数检查", "neighbourhood": lv11.pk, "id_number": number, "phone": PHONE})
        assert r.status_code == 302
        person = Person.objects.get()
        login(town_admin).post(reverse("people:person_edit", args=[person.pk]), {
            "name": "参数检查", "neighbourhood": lv11.pk, "phone": "13900001111"})
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    assert number not in sql and PHONE not in sql and "13900001111" not in sql


def test_import_keeps_the_upload_encrypted_and_writes_no_plaintext(login, town_admin, town, lv11):
    number = id_number(seed=79)
    login(town_admin).post(reverse("people:people_import"),
                           {"file": upload(xlsx([["导入检查", number, PHONE, "绿十一", ""]]))})
    job = Job.objects.get()
    with job.file.open("rb") as f:
        stored = f.read()
    assert number.encode() not in stored and PHONE.encode() not in stored
    assert b"PK\x03\x04" not in stored  # not the xlsx itself


SCRIPT = textwrap.dedent("""
    import os, sys
    os.environ["DJANGO_SETTINGS_MODULE"] = "lehuo.settings_test"
    import django
    django.setup()
    from django.core.management import call_command
    call_command("migrate", verbosity=0)  # every app: a change of a person updates the modules' kept figures
    from django.contrib.auth import get_user_model
    from lehuo.people import services
    from lehuo.accounts.models import Membership, Neighbourhood, Town
    town = Town.objects.create(code="t", name="新泾镇")
    nbh = Neighbourhood.objects.create(town=town, code="lv11", name="绿十一")
    admin = get_user_model().objects.create_user("admin")
    Membership.objects.create(user=admin, town=town, role="town_admin")
    p = services.create_person(admin, town, name="文件检查", neighbourhood=nbh, id_number=sys.argv[1], phone=sys.argv[2])
    services.update_person(admin, p, phone=sys.argv[3])
    services.reveal_person(admin, p)
    from django.db import connection
    connection.close()
""")


@pytest.mark.skipif(os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"), reason="SQLite file check")
def test_sqlite_database_file_holds_no_plaintext(tmp_path: Path):
    number, second_phone = id_number(seed=80), "13655556666"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'check.sqlite3'}", "LEHUO_VAR_DIR": str(tmp_path)}
    env.pop("TEST_DATABASE_URL", None)
    subprocess.run([sys.executable, "-c", SCRIPT, number, PHONE, second_phone], env=env, check=True,
                   cwd=Path(__file__).resolve().parents[3], timeout=120)
    blob = b"".join(p.read_bytes() for p in tmp_path.glob("check.sqlite3*"))
    assert "文件检查".encode() in blob  # the file really holds the data...
    for secret in (number, PHONE, second_phone):
        assert secret.encode() not in blob  # ...but never an ID number or phone in clear
        assert secret.encode("utf-16-le") not in blob
