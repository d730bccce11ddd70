"""The real-name link (实名绑定), children added by their guardian, and PIPL requests
(people/services/residents.py; docs/residents.md)."""

import datetime as dt
import random

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from lehuo.accounts.models import PhoneAccount
from lehuo.accounts.phone import phone_hash
from lehuo.people.demo import make_id_number
from lehuo.people.models import Consent, DataRequest, GuardianLink, LinkRequest, Person
from lehuo.platform.backup import table_counts
from lehuo.platform.models import AuditLog

pytestmark = pytest.mark.django_db
PENDING_TEXT = "已提交。居委会社工核实后即完成绑定"


def resident(username="r1", phone="13988887777"):
    user = get_user_model().objects.create_user(username=username)
    PhoneAccount.objects.create(user=user, phone=phone, phone_hash=phone_hash(phone), verified=True)
    c = Client()
    c.force_login(user)
    return user, c


@pytest.fixture
def registered(make_person):
    return make_person(name="李秀英", age=45, sex="F", phone="13988887777")


def test_matching_name_id_and_verified_mobile_links_at_once(registered, lv11):
    user, c = resident()
    r = c.post("/me/link/", {"name": "李秀英", "id_number": registered.id_number, "neighbourhood_id": lv11.pk})
    assert r.status_code == 302 and r.url == "/"
    registered.refresh_from_db()
    assert registered.account == user
    assert AuditLog.objects.filter(action="person.link", object_id=str(registered.pk)).exists()
    assert not LinkRequest.objects.exists()


def _pending_answer(c, **data):
    r = c.post("/me/link/", data, follow=True)
    assert PENDING_TEXT in r.content.decode()
    return r


def test_the_answer_never_tells_whether_an_id_number_is_on_the_register(registered, lv11, hj9):
    """Someone else's ID number (the phone does not match), a name that does not match, and a
    number nobody has: the same answer; the register is not changed for the first two."""
    _u1, c1 = resident("a", "13911110000")
    before = Person.objects.get(pk=registered.pk)
    r1 = _pending_answer(c1, name="李秀英", id_number=registered.id_number, neighbourhood_id=lv11.pk)
    _u2, c2 = resident("b", "13988887777")
    r2 = _pending_answer(c2, name="李秀", id_number=registered.id_number, neighbourhood_id=lv11.pk)
    _u3, c3 = resident("c", "13922220000")
    fresh = make_id_number(random.Random(99), dt.date(1990, 5, 5), "M")
    r3 = _pending_answer(c3, name="陈新", id_number=fresh, neighbourhood_id=hj9.pk)
    strip = lambda r: r.content.decode().replace(r.wsgi_request.COOKIES.get("csrftoken", ""), "")  # noqa: E731
    assert len({strip(r1).count("核实"), strip(r2).count("核实"), strip(r3).count("核实")}) == 1
    after = Person.objects.get(pk=registered.pk)
    assert (after.account_id, after.name, after.phone_hash) == (before.account_id, before.name, before.phone_hash)
    assert sorted(LinkRequest.objects.values_list("why", flat=True)) == ["new_person", "no_match", "no_match"]
    new = Person.objects.get(name="陈新")
    assert new.neighbourhood == hj9 and new.account is None  # pending: not linked yet


def test_a_social_worker_of_the_neighbourhood_confirms(registered, lv11, sw_lv11, sw_hj9, login):
    user, c = resident("a", "13911110000")
    _pending_answer(c, name="李秀英", id_number=registered.id_number, neighbourhood_id=lv11.pk)
    req = LinkRequest.objects.get()
    assert "李秀英" not in login(sw_hj9).get("/people/requests/").content.decode()
    assert login(sw_hj9).post(f"/people/requests/{req.pk}/decide/", {"decision": "confirm"}).status_code == 404
    page = login(sw_lv11).get("/people/requests/").content.decode()
    assert "李秀英" in page and "姓名、证件号码或手机号与登记信息不一致" in page
    login(sw_lv11).post(f"/people/requests/{req.pk}/decide/", {"decision": "confirm"})
    registered.refresh_from_db()
    assert registered.account == user
    assert AuditLog.objects.filter(action="person.link_confirm", actor=sw_lv11).exists()
    # The resident now reaches their own record, and no one else's.
    assert c.get("/me/data/").status_code == 200 and "李秀英" in c.get("/me/data/").content.decode()


def test_refusal_needs_a_reason_and_links_nothing(registered, lv11, sw_lv11, login):
    _user, c = resident("a", "13911110000")
    _pending_answer(c, name="李秀英", id_number=registered.id_number, neighbourhood_id=lv11.pk)
    req = LinkRequest.objects.get()
    login(sw_lv11).post(f"/people/requests/{req.pk}/decide/", {"decision": "refuse"})
    assert LinkRequest.objects.get().status == "pending"
    login(sw_lv11).post(f"/people/requests/{req.pk}/decide/", {"decision": "refuse", "note": "非本人"})
    assert LinkRequest.objects.get().status == "refused"
    registered.refresh_from_db()
    assert registered.account is None


@pytest.mark.parametrize("data, field_text", [
    ({"name": "", "id_number": "310105198001010011", "neighbourhood_id": "x"}, "请填写"),
    ({"name": "李秀英", "id_number": "12345", "neighbourhood_id": ""}, "请选择您居住的居民区"),
])
def test_bad_input_writes_nothing_and_is_audited(data, field_text, registered):
    _user, c = resident()
    before = table_counts()
    r = c.post("/me/link/", data)
    assert r.status_code == 200 and field_text in r.content.decode()
    after = table_counts()
    changed = {t for t, n in after.items() if n != before.get(t)}
    assert changed <= {"platform_auditlog"}
    assert AuditLog.objects.filter(action="person.link_refused").exists()


def test_a_second_account_for_the_same_person_is_refused_clearly(registered, lv11):
    first, c1 = resident("first", "13988887777")
    c1.post("/me/link/", {"name": "李秀英", "id_number": registered.id_number, "neighbourhood_id": lv11.pk})
    registered.refresh_from_db()
    assert registered.account == first
    # A second account with the same verified number (the first was given up on a lost phone...).
    PhoneAccount.objects.filter(user=first).update(phone_hash="x")
    _second, c2 = resident("second", "13988887777")
    before = table_counts()
    r = c2.post("/me/link/", {"name": "李秀英", "id_number": registered.id_number, "neighbourhood_id": lv11.pk})
    assert "您的信息已绑定另一个账户" in r.content.decode()
    changed = {t for t, n in table_counts().items() if n != before.get(t)}
    assert changed <= {"platform_auditlog"}
    registered.refresh_from_db()
    assert registered.account == first
    assert AuditLog.objects.filter(action="person.link_refused", object_id=str(registered.pk)).exists()


def test_an_account_not_verified_by_sms_cannot_link(registered, lv11):
    user = get_user_model().objects.create_user("nophone")
    c = Client()
    c.force_login(user)
    r = c.post("/me/link/", {"name": "李秀英", "id_number": registered.id_number, "neighbourhood_id": lv11.pk})
    assert "请先用手机号码和短信验证码登录" in r.content.decode()
    registered.refresh_from_db()
    assert registered.account is None


# --- children -------------------------------------------------------------------------------

@pytest.fixture
def guardian(registered, lv11):
    user, c = resident()
    c.post("/me/link/", {"name": "李秀英", "id_number": registered.id_number, "neighbourhood_id": lv11.pk})
    return user, c, registered


def child_id(seed=5, birth=dt.date(2015, 3, 3)):
    return make_id_number(random.Random(seed), birth, "M")


def test_a_new_child_is_registered_linked_and_consent_recorded(guardian):
    _user, c, mother = guardian
    r = c.post("/me/children/add/", {"name": "李小宝", "id_number": child_id(), "relation": "mother", "consent": "on"})
    assert r.status_code == 302
    child = Person.objects.get(name="李小宝")
    assert GuardianLink.objects.filter(child=child, guardian=mother, relation="mother").exists()
    consent = Consent.objects.get(person=child)
    assert consent.guardian == mother and consent.given_by == "guardian"
    assert "李小宝" in c.get("/me/data/").content.decode()


def test_a_child_on_the_register_waits_for_staff_and_stays_hidden(guardian, make_person, sw_lv11, login):
    _user, c, mother = guardian
    existing = make_person(name="张登记", age=8)
    r = c.post("/me/children/add/", {"name": "张小", "id_number": existing.id_number, "relation": "mother",
                                     "consent": "on"}, follow=True)
    assert "核实监护关系" in r.content.decode()
    assert "张登记" not in c.get("/me/data/").content.decode()
    assert not GuardianLink.objects.filter(child=existing).exists()
    req = LinkRequest.objects.get(kind="child")
    login(sw_lv11).post(f"/people/requests/{req.pk}/decide/", {"decision": "confirm"})
    assert GuardianLink.objects.filter(child=existing, guardian=mother).exists()
    assert Consent.objects.filter(person=existing, guardian=mother).exists()
    assert "张登记" in c.get("/me/data/").content.decode()


def test_a_child_already_linked_to_another_guardian_is_not_linked(guardian, make_person, town_admin):
    from lehuo.people import services

    _user, c, mother = guardian
    child = make_person(name="赵孩", age=9)
    other = make_person(name="赵父", age=40)
    services.link_guardian(town_admin, child, other, "father")
    c.post("/me/children/add/", {"name": "赵孩", "id_number": child.id_number, "relation": "mother", "consent": "on"})
    assert not GuardianLink.objects.filter(child=child, guardian=mother).exists()
    assert LinkRequest.objects.get(kind="child").why == "other_guardian"
    assert AuditLog.objects.filter(action="person.child_request").exists()


def test_child_without_consent_or_adult_is_refused(guardian):
    _user, c, _mother = guardian
    before = table_counts()
    r = c.post("/me/children/add/", {"name": "李小宝", "id_number": child_id(), "relation": "mother"})
    assert "须由监护人同意" in r.content.decode()
    r = c.post("/me/children/add/", {"name": "李大", "id_number": child_id(6, dt.date(1990, 1, 1)),
                                     "relation": "mother", "consent": "on"})
    assert "只能添加未满18周岁的孩子" in r.content.decode()
    assert {t for t, n in table_counts().items() if n != before.get(t)} <= {"platform_auditlog"}
    assert AuditLog.objects.filter(action="person.child_refused").count() == 2


def test_an_unlinked_account_cannot_add_children():
    _user, c = resident()
    assert c.get("/me/children/add/").status_code == 403


# --- my data --------------------------------------------------------------------------------

def test_my_data_download_request_and_consent_withdrawal(guardian, sw_lv11, login):
    _user, c, mother = guardian
    c.post("/me/children/add/", {"name": "李小宝", "id_number": child_id(), "relation": "mother", "consent": "on"})
    r = c.get("/me/data.json")
    assert r.status_code == 200 and r["Cache-Control"].startswith("no-store")
    assert r.json()["person"]["name"] == "李秀英"
    page = c.get("/me/data/")
    assert "no-store" in page["Cache-Control"]
    c.post("/me/data/requests/", {"kind": "correction", "text": "住址应为天山路1号"})
    req = DataRequest.objects.get()
    assert AuditLog.objects.filter(action="person.data_request").exists()
    assert "住址应为天山路1号" in login(sw_lv11).get("/people/requests/").content.decode()
    login(sw_lv11).post(f"/people/data-requests/{req.pk}/decide/", {"decision": "done", "answer": "已更正"})
    assert "已更正" in c.get("/me/data/").content.decode()
    consent = Consent.objects.get(person__name="李小宝")
    r = c.post(f"/people/{consent.person_id}/consents/{consent.pk}/withdraw/", {"next": "mine"})
    assert r.url == "/me/data/"
    consent.refresh_from_db()
    assert consent.withdrawn_on is not None
