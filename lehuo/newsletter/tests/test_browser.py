import pytest
from django.urls import reverse

from conftest import PHONE_VIEWPORT, browser_login

from .conftest import publish


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_issue_reads_on_a_phone_without_sideways_scrolling(browser, live_server, parent, editor, issue, article):
    publish(editor, issue)
    page = browser_login(browser, live_server, "parent", "pw-parent", PHONE_VIEWPORT)
    page.goto(live_server.url + reverse("newsletter:issue", args=[issue.slug]))
    assert page.locator(".nl-title").first.inner_text() == "这群新泾人为河南献上真挚爱心"
    assert "404" in page.locator(".nl-body").first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]
