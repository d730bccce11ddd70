"""/api/v1/daycare: who may do what, idempotency, busy answers."""

import datetime as dt

import pytest

from lehuo.daycare.models import Child, Enrolment, Offering

from .conftest import child_birth, staff_actor, staff_enrol  # noqa: I001,F401

pytestmark = pytest.mark.django_db

CHILD = {"name": "王小明", "birth_date": str(child_birth(8)), "grade": 2, "school": "新泾镇第一小学"}


def _enrol_body(**extra):
    return {"child": CHILD, "guardian": {"name": "王丽华", "phone": "13912345678"}, "consent": True, **extra}


def test_parent_lists_offerings_of_the_town(api, parent, offering):
    r = api(parent).get("/api/v1/daycare/offerings")
    assert r.status_code == 200
    assert [o["id"] for o in r.json()["items"]] == [offering.pk]
    assert r.json()["items"][0]["places_left"] == 35


def test_outsider_sees_no_offerings(api, outsider, offering):
    # Signed in, no role and no register record: the policy grants nothing (403).
    assert api(outsider).get("/api/v1/daycare/offerings").status_code == 403


def test_parent_enrols_new_child_and_is_confirmed(api, parent, offering):
    r = api(parent).post(f"/api/v1/daycare/offerings/{offering.pk}/enrolments", _enrol_body())
    assert r.status_code == 201, r.json()
    assert (r.json()["status"], r.json()["position"]) == ("confirmed", None)


def test_enrol_is_idempotent_by_key(api, parent, offering):
    client = api(parent)
    url = f"/api/v1/daycare/offerings/{offering.pk}/enrolments"
    first = client.post(url, _enrol_body(), headers={"Idempotency-Key": "k-1"})
    again = client.post(url, _enrol_body(), headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Enrolment.objects.count() == 1


def test_enrol_full_offering_answers_waitlisted_with_position(api, parent, offering, make_child):
    offering.capacity = 1
    offering.save()
    other = make_child()
    staff_enrol(offering, other, other.person.guardian_links.get().guardian)
    r = api(parent).post(f"/api/v1/daycare/offerings/{offering.pk}/enrolments", _enrol_body())
    assert (r.json()["status"], r.json()["position"]) == ("waitlisted", 1)


def test_enrol_bad_grade_names_the_field(api, parent, offering):
    body = _enrol_body(child={**CHILD, "grade": 7})
    r = api(parent).post(f"/api/v1/daycare/offerings/{offering.pk}/enrolments", body)
    assert r.status_code == 400
    assert r.json()["detail"][0]["loc"] == ["grade"]
    assert not Child.objects.exists()


def test_enrol_three_year_old_is_refused(api, parent, offering):
    body = _enrol_body(child={**CHILD, "birth_date": str(child_birth(3))})
    r = api(parent).post(f"/api/v1/daycare/offerings/{offering.pk}/enrolments", body)
    assert r.status_code == 400
    assert r.json()["detail"][0]["loc"] == ["birth_date"]


def test_enrol_before_opening_is_refused(api, parent, offering):
    from django.utils import timezone

    Offering.objects.filter(pk=offering.pk).update(opens_at=timezone.now() + dt.timedelta(days=1))
    r = api(parent).post(f"/api/v1/daycare/offerings/{offering.pk}/enrolments", _enrol_body())
    assert r.status_code == 400
    assert r.json()["detail"][0]["loc"] == ["opens_at"]


def test_enrol_without_guardian_phone_is_refused(api, parent, offering, parent_person):
    from lehuo.people.models import Person

    Person.objects.filter(pk=parent_person.pk).update(phone="", phone_hash="", phone_tail="")
    r = api(parent).post(f"/api/v1/daycare/offerings/{offering.pk}/enrolments", _enrol_body(guardian=None))
    assert r.status_code == 400
    assert r.json()["detail"][0]["loc"] == ["guardian_phone"]


def test_busy_answers_503(api, parent, offering, monkeypatch):
    from django.db import OperationalError

    def boom(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr("lehuo.daycare.services.places._write", boom)
    r = api(parent).post(f"/api/v1/daycare/offerings/{offering.pk}/enrolments", _enrol_body())
    assert r.status_code == 503
    assert r.json()["message"] == "系统繁忙，请稍后重试"


def test_outsider_without_person_cannot_enrol(api, outsider, offering):
    r = api(outsider).post(f"/api/v1/daycare/offerings/{offering.pk}/enrolments", _enrol_body())
    assert r.status_code == 403
    assert not Enrolment.objects.exists()


def test_site_head_lists_enrolments_of_own_site(api, assigned_site_head, offering, make_child):
    child = make_child()
    staff_enrol(offering, child, child.person.guardian_links.get().guardian)
    r = api(assigned_site_head).get(f"/api/v1/daycare/offerings/{offering.pk}/enrolments")
    assert r.status_code == 200
    assert r.json()["count"] == 1


def test_site_head_gets_404_for_other_site(api, assigned_site_head, other_offering):
    assert api(assigned_site_head).get(f"/api/v1/daycare/offerings/{other_offering.pk}/enrolments").status_code == 404


def test_parent_cannot_list_enrolments(api, parent, offering):
    assert api(parent).get(f"/api/v1/daycare/offerings/{offering.pk}/enrolments").status_code == 404


def test_site_head_enrols_for_a_guardian_by_phone(api, assigned_site_head, offering):
    r = api(assigned_site_head).post(f"/api/v1/daycare/offerings/{offering.pk}/enrolments",
                                     _enrol_body(guardian={"name": "赵大海", "phone": "13800001111"}))
    assert r.status_code == 201, r.json()
    assert Enrolment.objects.get().guardian.name == "赵大海"


def test_guardian_cancels_own_enrolment(api, parent, offering, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a: offering.term.starts_on - dt.timedelta(days=1))
    client = api(parent)
    e = client.post(f"/api/v1/daycare/offerings/{offering.pk}/enrolments", _enrol_body()).json()
    r = client.post(f"/api/v1/daycare/enrolments/{e['id']}/cancel", {"reason": "出游"})
    assert r.status_code == 200
    assert r.json()["status"] == "cancelled"


def test_other_parent_cannot_cancel(api, parent, offering, make_child, outsider):
    child = make_child()
    e = staff_enrol(offering, child, child.person.guardian_links.get().guardian)
    assert api(outsider).post(f"/api/v1/daycare/enrolments/{e.pk}/cancel", {}).status_code == 404


def test_site_head_cancel_promotes_waiting(api, assigned_site_head, offering, make_child):
    offering.capacity = 1
    offering.save()
    a, b = make_child(), make_child()
    ea = staff_enrol(offering, a, a.person.guardian_links.get().guardian)
    eb = staff_enrol(offering, b, b.person.guardian_links.get().guardian)
    r = api(assigned_site_head).post(f"/api/v1/daycare/enrolments/{ea.pk}/cancel", {})
    assert r.json()["promoted_id"] == eb.pk


def test_town_admin_creates_offering(api, town_admin, other_site, terms):
    r = api(town_admin).post("/api/v1/daycare/offerings", {
        "site_id": other_site.pk, "term_id": terms[1].pk, "capacity": 35, "fee": "600.00",
        "opens_at": "2021-06-20T09:00:00+08:00"})
    assert r.status_code == 201, r.json()
    assert r.json()["capacity"] == 35


@pytest.mark.parametrize("opens_at, status", [
    ("2021-06-20T08:59:59+08:00", 400),
    ("2021-06-20T00:30:00Z", 400),  # 08:30 in Shanghai
    ("2021-06-20T01:00:00Z", 201),  # 09:00 in Shanghai
])
def test_registration_does_not_open_before_nine_local_time(api, town_admin, other_site, terms, opens_at, status):
    r = api(town_admin).post("/api/v1/daycare/offerings", {
        "site_id": other_site.pk, "term_id": terms[1].pk, "opens_at": opens_at})
    assert r.status_code == status, r.json()
    if status == 400:
        assert r.json()["detail"][0]["loc"] == ["opens_at"] and "09:00" in r.json()["message"]
        assert not Offering.objects.filter(site=other_site, term=terms[1]).exists()


def test_site_head_cannot_create_offering(api, assigned_site_head, site, terms):
    r = api(assigned_site_head).post("/api/v1/daycare/offerings", {
        "site_id": site.pk, "term_id": terms[1].pk, "opens_at": "2021-06-20T09:00:00+08:00"})
    assert r.status_code == 403


def test_parent_registers_and_lists_children(api, parent):
    client = api(parent)
    born = dt.date.today().replace(month=1, day=1) - dt.timedelta(days=8 * 366)  # 8 today
    r = client.post("/api/v1/daycare/children",
                    {"child": {**CHILD, "birth_date": str(born)}, "consent": True, "relation": "mother"})
    assert r.status_code == 201, r.json()
    assert [c["name"] for c in client.get("/api/v1/daycare/children").json()] == ["王小明"]


def test_year_stats_for_town_admin_and_404_for_parent(api, town_admin, parent, offering):
    r = api(town_admin).get("/api/v1/daycare/years/2021/stats")
    assert r.status_code == 200
    assert r.json()["places"] == 35
    assert api(parent).get("/api/v1/daycare/years/2021/stats").status_code == 403
