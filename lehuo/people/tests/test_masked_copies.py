"""The masked ID number and phone kept beside the ciphertext (Person.id_number_mask,
phone_mask) follow every write: registration, edit, a save of some fields, erasure, an import
(COPY on PostgreSQL), and the migration that filled them for existing people. They hold only
what a list shows."""

import importlib
from types import SimpleNamespace

import pytest
from django.db import connection
from django.urls import reverse

from lehuo.lib.identity import mask_id_number, mask_phone
from lehuo.people import services
from lehuo.people.importers import import_people
from lehuo.people.models import Person
from lehuo.people.tests.helpers import xlsx
from lehuo.people.tests.test_import_copy import rows

pytestmark = pytest.mark.django_db


def stored(person) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number_mask, phone_mask FROM people_person WHERE id = %s", [person.pk])
        return cursor.fetchone()


def test_every_write_keeps_the_masked_copies(make_person, town, town_admin):
    person = make_person(phone="13912345678")
    number = person.id_number
    assert stored(person) == (mask_id_number(number), "139****5678")
    assert stored(person)[0] == number[:6] + "********" + number[-4:]
    services.update_person(town_admin, person, phone="13800001111")
    assert stored(person)[1] == "138****1111"
    person.phone = "13700002222"
    person.save(update_fields=["phone"])  # a save of some fields writes the copies kept from them
    assert stored(person)[1] == "137****2222"
    services.erase_person(town_admin, person, "本人申请")
    assert stored(person) == ("", "")


def test_imports_keep_the_masked_copies(town, lv11, town_admin):
    data = rows(3)
    assert import_people(town_admin, town, xlsx(data), commit=True).ok
    people = {p.name: p for p in Person.objects.all()}
    for name, number, phone, *_rest in data:
        assert stored(people[name]) == (mask_id_number(number), mask_phone(phone))


def test_the_list_and_api_show_the_kept_masks_and_never_decrypt(login, api, town_admin, make_person, monkeypatch):
    person = make_person(phone="13912345678")
    from lehuo.platform import crypto

    def no_decrypt(*args, **kwargs):
        raise AssertionError("the list decrypted a value")

    for name in dir(crypto):
        target = getattr(crypto, name)
        if isinstance(target, type) and hasattr(target, "from_db_value") and name.startswith("Encrypted"):
            monkeypatch.setattr(target, "from_db_value", no_decrypt)
    body = login(town_admin).get(reverse("people:people")).content.decode()
    assert mask_id_number(person.id_number) in body and "139****5678" in body
    assert person.id_number not in body and "13912345678" not in body
    items = api(town_admin).get("/api/v1/people").json()["items"]
    assert [(i["id_number_masked"], i["phone_masked"]) for i in items] == [(mask_id_number(person.id_number),
                                                                           "139****5678")]


def test_the_migration_fills_the_copies_of_existing_people(make_person):
    from django.apps import apps

    people = [make_person(phone=f"1391234567{i}") for i in range(3)]
    Person.objects.update(id_number_mask="", phone_mask="")
    migration = importlib.import_module("lehuo.people.migrations.0006_masked_copies")
    migration.fill(apps, SimpleNamespace(connection=connection))  # only its connection is read
    for person in people:
        assert stored(person) == (mask_id_number(person.id_number), mask_phone(person.phone))


def test_refresh_masked_copies_writes_the_missing_ones(make_person):
    """People written by a server of before the migration during a rolling upgrade (the column's
    database default, ""), repaired by the command; the others are left as they are."""
    from io import StringIO

    from django.core.management import call_command

    people = [make_person(phone=f"1391234567{i}") for i in range(3)]
    Person.objects.filter(pk=people[0].pk).update(id_number_mask="", phone_mask="")
    out = StringIO()
    call_command("refresh_masked_copies", stdout=out)
    assert out.getvalue().startswith("1 ")
    for person in people:
        assert stored(person) == (mask_id_number(person.id_number), mask_phone(person.phone))
    call_command("refresh_masked_copies", "--all", stdout=out)
    assert "0 people" in out.getvalue().splitlines()[-1]
