import pytest

from conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_logs_in_and_sees_workbench(browser, live_server, town_admin):
    page = browser_login(browser, live_server, "admin", "pw-admin")
    assert page.locator("h1").inner_text() == "工作台"
    page.screenshot(path="/tmp/lehuo-workbench.png")
