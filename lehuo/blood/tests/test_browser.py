"""One donor through the on-site flow on a tablet: find by ID, screen, donate."""

import pytest

from conftest import TABLET_VIEWPORT, browser_login
from lehuo.blood.models import Donation


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_one_donor_through_onsite_flow_on_tablet(browser, live_server, drive, donor, blood_staff):
    page = browser_login(browser, live_server, "blood_staff", "pw-blood_staff", TABLET_VIEWPORT)
    page.goto(f"{live_server.url}/blood/{drive.slug}/onsite/")
    page.fill("#id_number", donor.id_number)
    page.click("#find-form button")
    page.wait_for_selector("#screen-form")
    page.fill("#weight_kg", "62")
    page.fill("#systolic", "150")
    page.fill("#diastolic", "80")
    page.fill("#pulse", "72")
    page.fill("#temperature_c", "36.6")
    page.check("#check_health_code")
    page.click("#screen-form button")
    page.wait_for_selector("#decision.no")
    assert "收缩压150mmHg" in page.inner_text("#decision")
    # Rested and measured again: passes, then the donation is recorded.
    page.fill("#weight_kg", "62")
    page.fill("#systolic", "128")
    page.fill("#diastolic", "80")
    page.fill("#pulse", "72")
    page.fill("#temperature_c", "36.6")
    page.check("#check_health_code")
    page.click("#screen-form button")
    page.wait_for_selector("#decision.ok")
    page.check("input[name=volume_ml][value='300']")
    page.fill("#bag", "B0001")
    page.click("#donate-form button")
    page.wait_for_selector("#donation-done")
    assert "1.50U" in page.inner_text("#donation-done")
    page.screenshot(path="/tmp/lehuo-blood-onsite.png", full_page=True)
    assert Donation.objects.get().units == 1.5
    page.goto(f"{live_server.url}/blood/{drive.slug}/queue/")
    assert "已献血" in page.inner_text("#queue")
