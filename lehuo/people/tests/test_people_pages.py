"""People pages: search, filters, create and edit with field errors, reveal (logged), data export."""

import json

import pytest
from django.urls import reverse

from lehuo.people.models import Person
from lehuo.people.tests.helpers import id_number
from lehuo.platform.models import AuditLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_person, lv11, hj9):
    return {
        "zly": make_person(lv11, name="张龙云", phone="13800005678", tags=["党员"]),
        "lxm": make_person(lv11, name="李小明", phone="13800001234", tags=["学生"]),
        "wf": make_person(hj9, name="王芳", phone="13800009999", tags=["党员"]),
    }


def names(response) -> list[str]:
    return [p.name for p in response.context["page"].object_list]


@pytest.mark.parametrize("q,expected", [("张龙", ["张龙云"]), ("zly", ["张龙云"]), ("zhang", ["张龙云"]),
                                        ("long", ["张龙云"]), ("1234", ["李小明"]), ("LXM", ["李小明"]),
                                        ("nobody", [])])
def test_search_by_name_pinyin_initials_or_phone_tail(login, town_admin, people, q, expected):
    assert names(login(town_admin).get(reverse("people:people"), {"q": q})) == expected


def test_filters_by_neighbourhood_and_tag(login, town_admin, people, lv11):
    c = login(town_admin)
    assert names(c.get(reverse("people:people"), {"tag": "党员"})) == ["王芳", "张龙云"]
    assert names(c.get(reverse("people:people"), {"tag": "党员", "neighbourhood": lv11.pk})) == ["张龙云"]


def test_list_sorts_by_pinyin_and_reverses(login, town_admin, people):
    c = login(town_admin)
    assert names(c.get(reverse("people:people"))) == ["李小明", "王芳", "张龙云"]
    assert names(c.get(reverse("people:people"), {"sort": "-name"})) == ["张龙云", "王芳", "李小明"]
    assert names(c.get(reverse("people:people"), {"sort": "bogus"})) == ["李小明", "王芳", "张龙云"]


def test_list_paginates_and_keeps_filters_in_links(login, town_admin, make_person):
    for _ in range(55):
        make_person(tags=["居民"])
    r = login(town_admin).get(reverse("people:people"), {"tag": "居民"})
    assert len(r.context["page"].object_list) == 50
    assert "tag=%E5%B1%85%E6%B0%91&amp;page=2" in r.content.decode()
    assert len(login(town_admin).get(reverse("people:people"), {"tag": "居民", "page": 2}).context["page"].object_list) == 5


def test_list_and_detail_show_masked_numbers_only(login, town_admin, people):
    p = people["zly"]
    body = login(town_admin).get(reverse("people:people")).content.decode()
    body += login(town_admin).get(reverse("people:person", args=[p.pk])).content.decode()
    assert p.id_number not in body and "13800005678" not in body
    assert p.id_number_masked in body and "138****5678" in body


def test_reveal_shows_full_numbers_and_is_logged(login, sw_lv11, people):
    p = people["zly"]
    r = login(sw_lv11).post(reverse("people:person_reveal", args=[p.pk]), HTTP_HX_REQUEST="true")
    assert p.id_number in r.content.decode() and "13800005678" in r.content.decode()
    log = AuditLog.objects.get(action="person.reveal")
    assert (log.actor, log.object_id) == (sw_lv11, str(p.pk))


def test_create_person_derives_birth_date_from_id(login, town_admin, lv11):
    number = id_number(1975, 3, 9, sex="F", seed=5)
    r = login(town_admin).post(reverse("people:person_create"), {
        "name": "赵敏", "neighbourhood": lv11.pk, "id_number": number, "phone": "13811112222"})
    p = Person.objects.get()
    assert r.url == reverse("people:person", args=[p.pk])
    assert (str(p.birth_date), p.sex, p.name_initials) == ("1975-03-09", "F", "zm")


@pytest.mark.parametrize("field,value,message", [
    ("id_number", "110105194912310021", "校验位"),
    ("id_number", "110105491231002", "15位"),
    ("phone", "12345678901", "手机号码"),
    ("name", "", "请填写姓名"),
])
def test_create_shows_the_error_under_the_field(login, town_admin, lv11, field, value, message):
    data = {"name": "钱七", "neighbourhood": lv11.pk, "id_number": "", "phone": ""}
    data[field] = value
    r = login(town_admin).post(reverse("people:person_create"), data)
    assert r.status_code == 200
    errors = r.context["form"].errors
    assert field in errors and message in str(errors[field])
    assert f'id="error-{field}"' in r.content.decode()
    assert not Person.objects.exists()


def test_duplicate_id_number_is_shown_on_the_id_field(login, town_admin, lv11, people):
    r = login(town_admin).post(reverse("people:person_create"), {
        "name": "冒名", "neighbourhood": lv11.pk, "id_number": people["zly"].id_number})
    assert "已登记" in str(r.context["form"].errors["id_number"])


def test_edit_keeps_id_and_phone_when_left_empty(login, town_admin, people, lv11):
    p = people["zly"]
    number = p.id_number
    r = login(town_admin).post(reverse("people:person_edit", args=[p.pk]), {
        "name": "张龙云", "neighbourhood": lv11.pk, "address": "新泾路3号", "tags": []})
    assert r.status_code == 302
    p.refresh_from_db()
    assert (p.id_number, p.phone, p.address) == (number, "13800005678", "新泾路3号")
    assert list(p.tags.all()) == []
    edit_page = login(town_admin).get(reverse("people:person_edit", args=[p.pk])).content.decode()
    assert number not in edit_page and "13800005678" not in edit_page


def test_data_export_gives_everything_and_is_logged(login, town_admin, people):
    p = people["zly"]
    r = login(town_admin).get(reverse("people:person_data", args=[p.pk, "json"]))
    data = json.loads(r.content)
    assert data["person"]["id_number"] == p.id_number and data["person"]["tags"] == ["党员"]
    assert AuditLog.objects.filter(action="person.export_data", object_id=str(p.pk)).exists()
    r = login(town_admin).get(reverse("people:person_data", args=[p.pk, "xlsx"]))
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
