"""A parent on a phone enrols a child and sees the result."""

import pytest

from conftest import PHONE_VIEWPORT, browser_login


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_parent_on_phone_enrols_child_and_sees_result(browser, live_server, parent, parent_person, make_child,
                                                      offering):
    child = make_child(parent_person, name="王小明")
    page = browser_login(browser, live_server, "parent", "pw-parent", PHONE_VIEWPORT)
    page.goto(live_server.url + "/daycare/my/offerings/")
    assert "剩余 35 个名额" in page.inner_text("main")
    page.select_option("select[name=child]", str(child.pk))
    page.click("text=立即报名")
    page.wait_for_selector("#result")
    text = page.inner_text("#result")
    assert "报名成功" in text and "王小明" in text
    # Nothing wider than the phone: no horizontal scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]
    page.screenshot(path="/tmp/daycare-phone-result.png", full_page=True)
