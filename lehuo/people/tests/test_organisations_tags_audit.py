"""Organisations pages, the tag dictionary (town admin edits) and the audit log page."""

import pytest
from django.urls import reverse

from lehuo.people import services
from lehuo.people.models import Organisation, Tag
from lehuo.platform.models import AuditLog

pytestmark = pytest.mark.django_db


def test_organisation_create_list_edit(login, town_admin, lv11):
    c = login(town_admin)
    r = c.post(reverse("people:organisation_create"), {"name": "新泾中学", "kind": "school", "neighbourhood": lv11.pk,
                                                     "contact_phone": "13812345678"})
    org = Organisation.objects.get()
    assert r.url == reverse("people:organisation", args=[org.pk])
    assert "新泾中学" in c.get(reverse("people:organisations"), {"q": "xin"}).content.decode()
    detail = c.get(reverse("people:organisation", args=[org.pk])).content.decode()
    assert "138****5678" in detail and "13812345678" not in detail
    r = c.post(reverse("people:organisation_edit", args=[org.pk]), {"name": "新泾中学（初中部）", "kind": "school"})
    org.refresh_from_db()
    assert org.name == "新泾中学（初中部）" and org.contact_phone == "13812345678"
    assert AuditLog.objects.filter(action="organisation.update").exists()


def test_organisation_errors_show_on_the_field(login, town_admin, town):
    services.create_organisation(town_admin, town, name="重名单位")
    r = login(town_admin).post(reverse("people:organisation_create"), {"name": "重名单位", "kind": "other"})
    assert "已存在" in str(r.context["form"].errors["name"])
    r = login(town_admin).post(reverse("people:organisation_create"), {"name": "电话错", "kind": "other",
                                                                     "contact_phone": "123"})
    assert "contact_phone" in r.context["form"].errors


@pytest.mark.parametrize("persona,status", [("town_admin", 200), ("sw_lv11", 200), ("viewer", 403), ("instructor", 403)])
def test_organisation_create_is_for_admins_and_social_workers(request, login, persona, status):
    assert login(request.getfixturevalue(persona)).get(reverse("people:organisation_create")).status_code == status


def test_town_admin_adds_renames_and_deletes_tags(login, town_admin, town):
    c = login(town_admin)
    c.post(reverse("people:tags"), {"name": "退役军人", "applies_to": "person", "order": 9})
    tag = Tag.objects.get(name="退役军人")
    c.post(reverse("people:tag_edit", args=[tag.pk]), {"name": "退役军人", "applies_to": "person", "description": "x"})
    c.post(reverse("people:tag_delete", args=[tag.pk]))
    assert not Tag.objects.filter(name="退役军人").exists()
    assert AuditLog.objects.filter(action__startswith="tag.").count() == 3


def test_tag_in_use_cannot_be_deleted(login, town_admin, make_person):
    make_person(tags=["党员"])
    tag = Tag.objects.get(name="党员")
    login(town_admin).post(reverse("people:tag_delete", args=[tag.pk]))
    assert Tag.objects.filter(pk=tag.pk).exists()


def test_social_worker_sees_tags_but_cannot_add(login, sw_lv11):
    c = login(sw_lv11)
    assert "党员" in c.get(reverse("people:tags")).content.decode()
    assert c.post(reverse("people:tags"), {"name": "新标签", "applies_to": "person"}).status_code == 403
    assert not Tag.objects.filter(name="新标签").exists()


def test_audit_log_filters_by_action_actor_and_date(login, town_admin, sw_lv11, make_person, lv11):
    p = make_person(lv11)
    services.reveal_person(sw_lv11, p)
    c = login(town_admin)
    page = c.get(reverse("web:audit"), {"action": "person.reveal"}).context["page"]
    assert [e.action for e in page.object_list] == ["person.reveal"]
    page = c.get(reverse("web:audit"), {"actor": "sw_lv11"}).context["page"]
    assert {e.actor_name for e in page.object_list} == {"sw_lv11"}
    assert c.get(reverse("web:audit"), {"from": "2999-01-01"}).context["page"].paginator.count == 0
    assert c.get(reverse("web:audit"), {"from": "bad-date"}).status_code == 200


@pytest.mark.parametrize("persona,status", [("town_admin", 201), ("sw_lv11", 201), ("viewer", 403),
                                            ("editor", 403), ("outsider", 403), (None, 401)])
def test_api_organisation_create_is_for_admins_and_social_workers(request, api, persona, status):
    user = request.getfixturevalue(persona) if persona else None
    r = api(user).post("/api/v1/organisations", {"name": f"单位{persona}", "kind": "partner"})
    assert r.status_code == status
