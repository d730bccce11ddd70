"""Issue 14 point 3 (the child form) and issue 17 (a resident's own day-care): every error at
once, only choices the server takes, health notes for the site's staff only, cancel until the
term starts with the first waiting child promoted, the receipt, the public home's card."""

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from lehuo.daycare import residents, services
from lehuo.daycare.models import Child, Enrolment, Offering, Site, Term, Year
from lehuo.platform import notify
from lehuo.platform.models import AuditLog

from .conftest import staff_enrol

pytestmark = pytest.mark.django_db


def test_child_form_shows_every_error_at_once_beside_its_field(login, parent):
    r = login(parent).post(reverse("daycare:my_child_add"), {
        "name": "", "id_number": "310105201503011239", "birth_date": "not-a-date", "school": "", "grade": "7",
        "relation": "mother", "emergency_phone": "12"})
    assert r.status_code == 200
    errors = r.context["form"].errors
    assert {"name", "id_number", "birth_date", "school", "grade", "consent", "emergency_phone"} <= set(errors), errors
    assert not Child.objects.exists()


def test_child_form_offers_only_grades_and_dates_the_server_takes(login, parent):
    page = login(parent).get(reverse("daycare:my_child_add")).content.decode()
    assert '<option value="5">' in page and '<option value="6">' not in page and '<option value="7">' not in page
    earliest, latest = services.birth_date_range(timezone.localdate())
    assert f'min="{earliest.isoformat()}"' in page and f'max="{latest.isoformat()}"' in page
    # The consent box has its own label around box and text (a 44px touch target in daycare.css).
    assert '<label for="id_consent"><input type="checkbox" name="consent"' in page


def test_too_old_child_is_not_offered_in_the_enrol_form(login, parent, parent_person, make_child, offering):
    young = make_child(parent_person, name="小年龄", age=8)
    old = make_child(parent_person, name="大年龄", age=12)
    Child.objects.filter(pk=old.pk).update()  # age 12 at term start is taken: still offered
    too_old = make_child(parent_person, name="超龄", age=12)
    type(too_old.person).objects.filter(pk=too_old.person_id).update(birth_date=dt.date(2008, 1, 1))
    page = login(parent).get(reverse("daycare:my_offerings")).content.decode()
    assert f'value="{young.pk}"' in page and f'value="{old.pk}"' in page
    assert f'value="{too_old.pk}"' not in page


def test_health_notes_are_encrypted_and_shown_to_the_site_staff_only(login, parent, parent_person, offering,
                                                                     assigned_site_head, sw_lv11, town_admin):
    child = services.register_child(town_admin, parent_person, name="过敏娃", school="新泾小学", grade=2,
                                    birth_date=dt.date(2013, 3, 1), relation="mother", consent=True,
                                    on=offering.term.starts_on, allergies="花生", medicines="哮喘喷雾",
                                    emergency_name="王外婆", emergency_phone="13900001111")
    staff_enrol(offering, child)
    with connection.cursor() as cursor:
        cursor.execute("SELECT allergies, medicines FROM daycare_child WHERE id = %s", [child.pk])
        raw = cursor.fetchone()
    assert "花生" not in raw[0] and "哮喘" not in raw[1]
    url = reverse("daycare:offering", args=[offering.pk])
    assert "花生" in login(assigned_site_head).get(url).content.decode()
    assert AuditLog.objects.filter(action="daycare.health.view", actor_id=assigned_site_head.pk).exists()
    assert "花生" not in login(sw_lv11).get(url).content.decode()  # a social worker sees the site, not health
    log = AuditLog.objects.get(action="daycare.child.register")
    assert "花生" not in str(log.data) and log.data["health_notes"] == ["allergies", "emergency_name",
                                                                         "emergency_phone", "medicines"]


def test_term_label_has_the_year_and_a_site_without_address_has_no_dangling_dot(login, parent, parent_person,
                                                                                make_child, offering):
    Site.objects.filter(pk=offering.site_id).update(address="")
    make_child(parent_person)
    page = login(parent).get(reverse("daycare:my_offerings")).content.decode()
    assert "2021年第1期（07/05-07/23）" in page
    assert "绿十一 · <" not in page and "绿十一 · \n" not in page


@pytest.fixture
def upcoming(town, lv11):
    """An offering of one place whose term starts in a month, open now."""
    today = timezone.localdate()
    year = Year.objects.create(town=town, year=today.year + 1)
    term = Term.objects.create(year=year, number=1, starts_on=today + dt.timedelta(days=30),
                               ends_on=today + dt.timedelta(days=50))
    site = Site.objects.create(year=year, name="新泾活动室", neighbourhood=lv11)
    return Offering.objects.create(site=site, term=term, capacity=1, fee="600.00",
                                   opens_at=timezone.now() - dt.timedelta(minutes=1))


def _kid(guardian, town_admin, name):
    born = timezone.localdate().replace(year=timezone.localdate().year - 8)
    return services.register_child(town_admin, guardian, name=name, school="新泾小学", grade=2, birth_date=born,
                                   relation="mother", consent=True)


def test_parent_cancels_before_the_term_and_the_first_waiting_child_is_promoted(
        api, parent, parent_person, upcoming, make_person, town_admin, django_capture_on_commit_callbacks):
    mine = _kid(parent_person, town_admin, "王小明")
    other_guardian = make_person(age=40)
    other = _kid(other_guardian, town_admin, "赵小雨")
    placed = api(parent).post(f"/api/v1/daycare/offerings/{upcoming.pk}/enrolments", {"child_id": mine.pk}).json()
    waiting = services.take_place(town_admin, upcoming.pk, other.pk, guardian=other_guardian)
    assert (placed["status"], waiting.status) == ("confirmed", "waitlisted")
    notify.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):  # the notice goes after commit
        r = api(parent).post(f"/api/v1/daycare/enrolments/{placed['id']}/cancel", {"reason": "出游"})
    assert r.status_code == 200 and r.json()["promoted_id"] == waiting.id
    assert Enrolment.objects.get(pk=waiting.id).status == Enrolment.CONFIRMED
    assert [p for p, _m in notify.outbox] == [other_guardian.phone]


def test_parent_cannot_cancel_once_the_term_started(api, parent, parent_person, make_child, offering):
    child = make_child(parent_person)
    e = staff_enrol(offering, child)
    r = api(parent).post(f"/api/v1/daycare/enrolments/{e.pk}/cancel", {})
    assert r.status_code == 400 and r.json()["detail"][0]["loc"] == ["status"]
    assert Enrolment.objects.get(pk=e.pk).status == Enrolment.CONFIRMED


def test_receipt_page_and_cancel_on_it(login, parent, parent_person, upcoming, town_admin):
    child = _kid(parent_person, town_admin, "王小明")
    e = staff_enrol(upcoming, child, actor=town_admin)
    c = login(parent)
    page = c.get(reverse("daycare:my_enrolment", args=[e.pk])).content.decode()
    assert "回执编号" in page and 'id="cancel"' in page
    assert c.post(reverse("daycare:my_enrolment_cancel", args=[e.pk])).status_code == 302
    assert Enrolment.objects.get(pk=e.pk).status == Enrolment.CANCELLED
    live = c.get(reverse("daycare:my_status") + "?part=enrolments")
    assert live.status_code == 200 and "已取消" in live.content.decode()
    assert live["Cache-Control"].startswith("max-age=0") or "no-store" in live["Cache-Control"]


def test_public_home_card_has_opening_time_sites_and_places_left_and_no_personal_data(town, upcoming, parent,
                                                                                     parent_person, town_admin):
    Offering.objects.filter(pk=upcoming.pk).update(opens_at=timezone.now() + dt.timedelta(days=1))
    [card] = residents.cards(town)
    text = " ".join(card["lines"])
    assert "开始报名" in text and "新泾活动室" in text and "剩余1个名额" in text
    assert "王丽华" not in text
    assert residents.links(parent_person)[0]["url"] == reverse("daycare:my")
