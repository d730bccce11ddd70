"""A resident on their phone: a drive's public page, sign up for a time slot, cancel, their own
donations, units and next date, the marrow-registry wish; the public town-home cards."""

import datetime as dt

import pytest

from conftest import PHONE_VIEWPORT, browser_login
from lehuo.blood import residents, services
from lehuo.blood.models import SignUp, StemCellInterest
from lehuo.people.models import Person

from .conftest import GOOD

pytestmark = pytest.mark.django_db


@pytest.fixture
def upcoming(town, town_admin):
    return services.create_drive(town_admin, town, slug="next-drive", title="下月献血", venue="党群服务中心",
                                 date=dt.date.today() + dt.timedelta(days=14), time_slots=["08:30-10:00", "10:00-11:30"])


def test_anyone_reads_a_drive_page_with_who_may_give(client, upcoming):
    r = client.get(f"/blood/{upcoming.slug}/join/")
    html = r.content.decode()
    assert r.status_code == 200
    assert "10:00-11:30" in html and "党群服务中心" in html and "18" in html and "GB 18467" in html
    assert "登录后报名" in html
    assert "max-age=300" in r["Cache-Control"] and "no-store" not in r["Cache-Control"]


def test_resident_signs_up_for_a_slot_and_cancels(login, parent, upcoming):
    c = login(parent)
    r = c.post(f"/blood/{upcoming.slug}/join/", {"time_slot": "10:00-11:30"})
    assert r.status_code == 302
    signup = SignUp.objects.get(drive=upcoming)
    assert signup.time_slot == "10:00-11:30" and signup.source == "self"
    page = c.get(f"/blood/{upcoming.slug}/join/")
    assert "您已报名" in page.content.decode() and "no-store" in page["Cache-Control"]
    assert c.post(f"/blood/signups/{signup.pk}/cancel/").status_code == 302
    signup.refresh_from_db()
    assert signup.status == SignUp.CANCELLED


def test_a_resident_cannot_cancel_someone_elses_signup(login, parent, upcoming, make_person, town_admin):
    other = services.sign_up(town_admin, upcoming, make_person(age=30))
    assert login(parent).post(f"/blood/signups/{other.pk}/cancel/").status_code == 404
    other.refresh_from_db()
    assert other.status == SignUp.SIGNED_UP


def test_a_wrong_time_slot_is_refused(login, parent, upcoming):
    r = login(parent).post(f"/blood/{upcoming.slug}/join/", {"time_slot": "半夜"})
    assert r.status_code == 400 and not SignUp.objects.exists()


def test_resident_sees_own_donations_units_and_next_date(login, parent, drive, blood_staff):
    person = Person.objects.get(account=parent)
    services.screen_donor(blood_staff, drive, person, checks={"health_code": True}, **GOOD)
    services.record_donation(blood_staff, drive, person, volume_ml=400)
    r = login(parent).get("/blood/mine/")
    html = r.content.decode()
    assert r.status_code == 200 and "no-store" in r["Cache-Control"]
    assert "2.00" in html
    expected = services.next_donation_date(person)["date"]
    assert expected > dt.date.today() and expected.isoformat() in html


def test_stem_cell_interest_and_withdrawal(login, parent):
    c = login(parent)
    assert c.post("/blood/mine/stem-cell/").status_code == 302
    assert StemCellInterest.objects.filter(withdrawn_at__isnull=True).count() == 1
    c.post("/blood/mine/stem-cell/")  # a double tap
    assert StemCellInterest.objects.count() == 1
    c.post("/blood/mine/stem-cell/", {"action": "withdraw"})
    assert not StemCellInterest.objects.filter(withdrawn_at__isnull=True).exists()


def test_staff_and_outsiders_have_no_resident_page(login, blood_staff, outsider):
    for user in (blood_staff, outsider):
        assert login(user).get("/blood/mine/").status_code == 403


def test_public_home_cards_have_no_personal_data(town, upcoming, parent, login):
    login(parent).post(f"/blood/{upcoming.slug}/join/", {"time_slot": "08:30-10:00"})
    cards = residents.public_home(town)
    assert [c["url"] for c in cards] == [f"/blood/{upcoming.slug}/join/"]
    text = " ".join(cards[0]["lines"])
    assert "08:30-10:00" in text and "周岁" in text and "王丽华" not in text


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_resident_signs_up_for_a_drive_and_cancels_on_a_phone(browser, live_server, parent, upcoming):
    page = browser_login(browser, live_server, "parent", "pw-parent", PHONE_VIEWPORT)
    page.goto(f"{live_server.url}/blood/{upcoming.slug}/join/")
    page.check("input[name=time_slot][value='10:00-11:30']")
    button = page.locator("#join-button").bounding_box()
    assert button["height"] >= 44
    page.click("#join-button")
    page.wait_for_selector("#joined")
    assert "10:00-11:30" in page.inner_text("#joined")
    page.click("#cancel-signup")
    page.wait_for_selector("#join-form")
    page.screenshot(path="/tmp/lehuo-blood-resident.png", full_page=True)
    assert SignUp.objects.get().status == SignUp.CANCELLED
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
