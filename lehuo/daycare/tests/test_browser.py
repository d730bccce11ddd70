"""A parent on a phone (390 x 844): enrols at opening time, sees the receipt, cancels; the
first waiting child is promoted and their guardian told."""

import datetime as dt
import time

import pytest
from django.utils import timezone

from conftest import PHONE_VIEWPORT, browser_login
from lehuo.daycare import services
from lehuo.daycare.models import Enrolment, Offering, Site, Term, Year
from lehuo.platform import notify


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_parent_on_phone_enrols_at_opening_time_cancels_and_the_waiting_child_is_promoted(
        browser, live_server, parent, parent_person, make_person, town, lv11, town_admin):
    today = timezone.localdate()
    year = Year.objects.create(town=town, year=today.year + 1)
    term = Term.objects.create(year=year, number=1, starts_on=today + dt.timedelta(days=30),
                               ends_on=today + dt.timedelta(days=50))
    site = Site.objects.create(year=year, name="绿十一活动室", neighbourhood=lv11)  # no address: no dangling " · "
    offering = Offering.objects.create(site=site, term=term, capacity=1, fee="600.00",
                                       opens_at=timezone.now() + dt.timedelta(hours=1))
    born = today.replace(year=today.year - 8)
    child = services.register_child(town_admin, parent_person, name="王小明", school="新泾镇第一小学", grade=2,
                                    birth_date=born, relation="mother", consent=True)
    other_guardian = make_person(age=40, sex="M")
    other = services.register_child(town_admin, other_guardian, name="赵小雨", school="新泾镇第一小学", grade=2,
                                    birth_date=born, relation="father", consent=True)

    page = browser_login(browser, live_server, "parent", "pw-parent", PHONE_VIEWPORT)
    opens_at = timezone.now() + dt.timedelta(seconds=6)
    Offering.objects.filter(pk=offering.pk).update(opens_at=opens_at)
    page.goto(live_server.url + "/daycare/my/offerings/")
    main = page.inner_text("main")
    assert f"{term.starts_on.year}年第1期" in main and "绿十一 · " not in main
    if timezone.now() < opens_at:  # (a slow machine may have taken longer than that to answer)
        assert "未开始" in main
    # Opening time: the parent reloads and takes the place.
    time.sleep(max(0.0, (opens_at - timezone.now()).total_seconds()) + 0.2)
    page.reload()
    assert "剩余 1 个名额" in page.inner_text("main")
    page.select_option("select[name=child]", str(child.pk))
    page.click("text=立即报名")
    page.wait_for_selector("#result")
    assert "报名成功" in page.inner_text("#result")
    assert "回执编号" in page.inner_text("#receipt")
    mine = Enrolment.objects.get(child=child)
    assert mine.status == Enrolment.CONFIRMED

    # Another family comes second: the waiting list.
    waiting = services.take_place(town_admin, offering.pk, other.pk, guardian=other_guardian)
    assert (waiting.status, waiting.position) == ("waitlisted", 1)
    notify.outbox.clear()

    # The parent cancels on the receipt page (a 44px button): the waiting child is promoted.
    page.reload()
    cancel = page.locator("#cancel")
    assert cancel.bounding_box()["height"] >= 44
    page.on("dialog", lambda d: d.accept())
    cancel.click()
    page.wait_for_load_state("networkidle")
    assert "已取消" in page.inner_text("#result")
    assert Enrolment.objects.get(pk=mine.pk).status == Enrolment.CANCELLED
    promoted = Enrolment.objects.get(pk=waiting.id)
    assert promoted.status == Enrolment.CONFIRMED
    assert any("赵小雨" in m for _phone, m in notify.outbox)
    # The parent's page shows it live, and nothing is wider than the phone.
    page.goto(live_server.url + "/daycare/my/")
    assert "已取消" in page.inner_text("#my-enrolments")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]
    page.screenshot(path="/tmp/daycare-phone-cancelled.png", full_page=True)
