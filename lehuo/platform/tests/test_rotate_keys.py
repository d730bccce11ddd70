"""Key rotation: new key first, rotate_keys, drop the old key, data still readable."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from lehuo.people.models import Person

pytestmark = pytest.mark.django_db


def raw_phone(pk) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM people_person WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_rotation_then_dropping_the_old_key_keeps_data_readable(settings, make_person):
    old_key = settings.LEHUO_FIELD_KEYS[0]
    new_key = Fernet.generate_key().decode()
    person = make_person(phone="13812345678")
    number = person.id_number
    before = raw_phone(person.pk)
    with override_settings(LEHUO_FIELD_KEYS=[new_key, old_key]):
        call_command("rotate_keys", stdout=open("/dev/null", "w"))
    assert raw_phone(person.pk) != before
    with override_settings(LEHUO_FIELD_KEYS=[new_key]):
        again = Person.objects.get(pk=person.pk)
        assert (again.id_number, again.phone) == (number, "13812345678")


def test_dropping_the_old_key_without_rotation_fails_loudly(settings, make_person):
    person = make_person(phone="13812345678")
    with override_settings(LEHUO_FIELD_KEYS=[Fernet.generate_key().decode()]):
        with pytest.raises(ValueError, match="cannot be decrypted"):
            Person.objects.get(pk=person.pk)
