"""Issue 16, findings 4 and 5: nobody widens what they reach by what they type.

4. A parent claiming any child of the town by ID number: nothing linked, no name returned, the
   same answer whether or not the number exists; linked only once staff confirm.
5. A site head typing a resident's phone as the "guardian" of a made-up child: no access to
   that resident, nothing of their record shown, nothing of their family changed.
"""

import random

import pytest
from django.urls import reverse

from lehuo.accounts.permissions import may
from lehuo.daycare import services
from lehuo.daycare.models import Child, ChildClaim, Enrolment
from lehuo.people.demo import make_id_number
from lehuo.people.models import Consent, GuardianLink
from lehuo.platform.errors import NotFound

pytestmark = pytest.mark.django_db

def _claim_body(id_number: str, name: str = "王小虎") -> dict:
    return {"child": {"name": name, "id_number": id_number, "grade": 3, "school": "新泾镇第一小学"},
            "relation": "mother", "consent": True}


@pytest.fixture
def registered_child(make_person, hj9):
    """A child of another family on the register (no guardian link to the parent)."""
    return make_person(hj9, age=8, sex="M", name="李真名")


def test_parent_claiming_a_child_by_id_number_links_nothing_and_learns_nothing(api, parent, parent_person,
                                                                               registered_child):
    r = api(parent).post("/api/v1/daycare/children", _claim_body(registered_child.id_number))
    assert r.status_code == 202, r.content
    body = r.json()
    assert body["status"] == "pending" and body["name"] is None
    assert "李真名" not in r.content.decode()
    assert not GuardianLink.objects.filter(child=registered_child).exists()
    assert not Consent.objects.filter(person=registered_child).exists()
    assert not Child.objects.filter(person=registered_child).exists()
    listed = api(parent).get("/api/v1/daycare/children")
    assert listed.status_code == 200 and listed.json() == []
    assert not may(parent, "people.person.view", registered_child)
    assert api(parent).get(f"/api/v1/people/{registered_child.pk}").status_code == 404
    # The parent's page shows what they typed, nothing of the register.
    from django.test import Client

    c = Client()
    c.force_login(parent)
    page = c.get(reverse("daycare:my")).content.decode()
    assert "王小虎" in page and "李真名" not in page


def test_the_answer_is_the_same_whether_or_not_the_number_is_on_the_register(api, parent, registered_child):
    unknown = make_id_number(random.Random(99), registered_child.birth_date, "M")
    known = api(parent).post("/api/v1/daycare/children", _claim_body(registered_child.id_number))
    other = api(parent).post("/api/v1/daycare/children", _claim_body(unknown))
    assert known.status_code == other.status_code == 202
    strip = lambda body: {k: v for k, v in body.items() if k != "id"}  # noqa: E731
    assert strip(known.json()) == strip(other.json())


def test_staff_confirm_the_claim_then_the_child_is_linked(api, parent, parent_person, registered_child, sw_lv11,
                                                         sw_hj9):
    api(parent).post("/api/v1/daycare/children", _claim_body(registered_child.id_number))
    claim = ChildClaim.objects.get()
    # The claim is decided by the register's staff of the guardian's neighbourhood.
    with pytest.raises(NotFound):
        services.decide_claim(sw_hj9, claim.pk, confirm=True)
    from django.test import Client

    c = Client()
    c.force_login(sw_lv11)
    queue = c.get(reverse("daycare:claims"))
    assert queue.status_code == 200 and "王小虎" in queue.content.decode()
    r = c.post(reverse("daycare:claim_decide", args=[claim.pk]), {"decision": "confirm"})
    assert r.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ChildClaim.CONFIRMED
    assert GuardianLink.objects.filter(child=registered_child, guardian=parent_person).exists()
    assert Consent.objects.filter(person=registered_child, purpose="daycare", guardian=parent_person).exists()
    parent.__dict__.pop("_lehuo_actor", None)
    assert [c["name"] for c in api(parent).get("/api/v1/daycare/children").json()] == ["李真名"]


def test_a_rejected_claim_links_nothing(api, parent, registered_child, sw_lv11):
    api(parent).post("/api/v1/daycare/children", _claim_body(registered_child.id_number))
    services.decide_claim(sw_lv11, ChildClaim.objects.get().pk, confirm=False)
    assert not GuardianLink.objects.filter(child=registered_child).exists()


def test_site_head_typing_a_residents_phone_gains_no_access_to_them(api, assigned_site_head, offering, parent,
                                                                     parent_person):
    resident = parent_person
    body = {"guardian": {"name": "冒名家长", "phone": resident.phone},
            "child": {"name": "虚构孩子", "birth_date": "2013-03-01", "grade": 2, "school": "新泾镇第一小学"},
            "relation": "mother", "consent": True}
    r = api(assigned_site_head).post(f"/api/v1/daycare/offerings/{offering.pk}/enrolments", body)
    assert r.status_code == 201, r.content
    e = Enrolment.objects.select_related("guardian").get()
    assert e.guardian_id != resident.pk and e.guardian.name == "冒名家长"
    # The resident's family is untouched, and nothing of their record reaches the site head.
    assert not GuardianLink.objects.filter(guardian=resident).exists()
    roster = api(assigned_site_head).get(f"/api/v1/daycare/offerings/{offering.pk}/enrolments").content.decode()
    assert resident.name not in roster
    from django.test import Client

    c = Client()
    c.force_login(assigned_site_head)
    assert resident.name not in c.get(reverse("daycare:offering", args=[offering.pk])).content.decode()
    assigned_site_head.__dict__.pop("_lehuo_actor", None)
    assert not may(assigned_site_head, "people.person.view", resident)
    assert not may(assigned_site_head, "people.person.change", resident)
    assert api(assigned_site_head).get(f"/api/v1/people/{resident.pk}").status_code == 404
    assert api(assigned_site_head).patch(f"/api/v1/people/{resident.pk}", {"name": "改名"}).status_code in (403, 404)
    resident.refresh_from_db()
    assert resident.name == "王丽华"
    # And the resident's account does not see the made-up child as theirs.
    assert api(parent).get("/api/v1/daycare/children").json() == []
