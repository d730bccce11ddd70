"""PIPL art. 47 erasure: the row stays (money and health records point to it), identity goes."""

import pytest
from django.db import connection
from django.urls import reverse

from lehuo.people import services
from lehuo.people.models import Person
from lehuo.platform.errors import ServiceError
from lehuo.platform.models import AuditLog

pytestmark = pytest.mark.django_db


def test_erasure_keeps_the_row_but_removes_identifying_data(make_person, town_admin, login):
    p = make_person(name="被删除人", phone="13812345678", address="新泾路1号", tags=["党员"])
    number = p.id_number
    services.record_consent(town_admin, p, "献血登记")
    r = login(town_admin).post(reverse("people:person_erase", args=[p.pk]),
                               {"reason": "本人申请删除", "confirm_name": "被删除人"})
    assert r.status_code == 302
    p = Person.objects.get(pk=p.pk)
    assert p.erased_at is not None
    assert (p.id_number, p.phone, p.address, p.id_hash, p.phone_tail) == ("", "", "", None, "")
    assert "被删除人" not in p.name
    assert (p.birth_date.month, p.birth_date.day) == (1, 1)
    assert not services.has_consent(p, "献血登记")
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, id_number, phone, address FROM people_person WHERE id = %s", [p.pk])
        row = cursor.fetchone()
    assert "被删除人" not in repr(row) and number not in repr(row)


def test_erasure_scrubs_the_name_from_earlier_log_entries(make_person, town_admin):
    p = make_person(name="旧日志人")
    services.update_person(town_admin, p, address="新泾路2号")
    services.erase_person(town_admin, p, "本人申请")
    entries = AuditLog.objects.filter(object_id=str(p.pk))
    assert entries.count() >= 3
    assert "旧日志人" not in repr(list(entries.values_list("object_repr", "data")))
    assert "新泾路2号" not in repr(list(entries.values_list("data", flat=True)))
    assert entries.filter(action="person.erase").get().data["reason"] == "本人申请"


def test_erased_people_leave_the_list_and_the_same_id_can_register_again(make_person, town_admin, login, lv11, town):
    p = make_person(name="再登记")
    number = p.id_number
    services.erase_person(town_admin, p, "本人申请")
    assert "再登记" not in login(town_admin).get(reverse("people:people")).content.decode()
    services.create_person(town_admin, town, name="再登记", neighbourhood=lv11, id_number=number)


def test_only_town_admin_may_erase(make_person, sw_lv11):
    p = make_person()
    with pytest.raises(ServiceError):
        services.erase_person(sw_lv11, p, "试图删除")
    assert Person.objects.get(pk=p.pk).erased_at is None


def test_erase_needs_the_name_typed_to_confirm(make_person, town_admin, login):
    p = make_person(name="确认人")
    r = login(town_admin).post(reverse("people:person_erase", args=[p.pk]), {"reason": "x", "confirm_name": "别人"})
    assert r.status_code == 200 and "confirm_name" in r.context["form"].errors
    assert Person.objects.get(pk=p.pk).erased_at is None
