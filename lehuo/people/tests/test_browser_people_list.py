"""The people list's filter bar in Chromium: choose a neighbourhood, a tag and an order, search,
and the page keeps what was chosen."""

import pytest

from conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_filter_bar_filters_and_keeps_the_choices(browser, live_server, town_admin, make_person, lv11, hj9):
    make_person(lv11, name="张三", tags=["党员"], age=70)
    make_person(lv11, name="张山", tags=["党员"], age=30)
    make_person(hj9, name="张珊", tags=["党员"])
    make_person(lv11, name="李四")
    page = browser_login(browser, live_server, "admin", "pw-admin")
    page.goto(live_server.url + "/people/")
    page.select_option("#neighbourhood", label=lv11.name)
    page.select_option("#tag", "党员")
    page.select_option("#sort", "-age")
    page.fill("#q", "zhang")
    page.click("form.toolbar button[type=submit]")
    page.wait_for_load_state("networkidle")
    names = page.locator("table.people tbody tr td:first-child a").all_inner_texts()
    assert names == ["张三", "张山"]  # lv11, 党员, "zhang", oldest first
    assert page.locator("#neighbourhood").input_value() == str(lv11.pk)
    assert page.locator("#tag").input_value() == "党员"
    assert page.locator("#sort").input_value() == "-age"
    assert page.locator("#q").input_value() == "zhang"
    assert "共 2 人" in page.locator("#result-count").inner_text()
    page.screenshot(path="/tmp/lehuo-people-list-filtered.png", full_page=True)
