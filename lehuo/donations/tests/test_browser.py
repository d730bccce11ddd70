import pytest

from conftest import PHONE_VIEWPORT, browser_login
from lehuo.donations.models import Donation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_social_worker_records_cash_on_a_phone(browser, live_server, drive, sw_lv11, lv11, make_person):
    resident = make_person(lv11, name="陈建国")
    page = browser_login(browser, live_server, "sw_lv11", "pw-sw_lv11", PHONE_VIEWPORT)
    page.goto(f"{live_server.url}/donations/drives/{drive.pk}/donations/new/")
    assert page.locator("#id_neighbourhood").input_value() == str(lv11.pk)  # their only neighbourhood
    page.fill("#id_id_number", resident.id_number)
    page.fill("#id_amount", "88.50")
    page.fill("#id_received_on", "2021-07-26")
    page.click("button.primary")
    page.wait_for_load_state("networkidle")
    assert "陈建国 · 88.50 元" in page.locator("h1").inner_text()
    assert page.locator("a[href$='reconciliation/']").count() == 0  # not for a social worker
    page.screenshot(path="/tmp/lehuo-donations-entry.png")
    d = Donation.objects.get()
    assert (d.person_id, d.neighbourhood_id, str(d.amount)) == (resident.pk, lv11.pk, "88.50")
