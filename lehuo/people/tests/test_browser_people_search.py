"""Headless Chromium: a social worker logs in and finds a resident by pinyin initials."""

import pytest

from conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_social_worker_finds_resident_by_pinyin_initials(browser, live_server, sw_lv11, make_person, lv11):
    make_person(lv11, name="张龙云")
    make_person(lv11, name="李小明")
    page = browser_login(browser, live_server, "sw_lv11", "pw-sw_lv11")
    # Chromium asks for English; the staff UI under test is the default zh-hans one.
    page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": live_server.url}])
    page.goto(live_server.url + "/people/")
    page.fill("#q", "zly")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_load_state("networkidle")
    rows = page.locator("table.people tbody tr")
    assert rows.count() == 1
    assert "张龙云" in rows.first.inner_text()
    assert "1 人" in page.locator("#result-count").inner_text()
    page.screenshot(path="/tmp/lehuo-people-search.png", full_page=True)
    page.click("text=张龙云")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").first.inner_text().startswith("张龙云")
    page.click("#reveal")  # htmx swaps the masked numbers for the full ones
    page.wait_for_selector("text=此次查看已记录")
    page.screenshot(path="/tmp/lehuo-person-detail.png", full_page=True)
