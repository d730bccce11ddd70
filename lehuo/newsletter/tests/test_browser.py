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


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_anonymous_reader_opens_the_published_issue_and_its_pdf_on_a_phone(browser, live_server, editor, issue,
                                                                          article):
    """Issue 17: no sign-in for a published issue, its share card metadata and its PDF."""
    from lehuo.newsletter import pdf

    publish(editor, issue)
    pdf.build_and_cache(issue)  # as publication through the page does, in the background
    page = browser.new_page(viewport=PHONE_VIEWPORT, locale="zh-CN")
    page.goto(live_server.url + reverse("newsletter:archive"))
    page.locator(f'a[href="/newsletter/{issue.slug}/"]').first.click()
    page.wait_for_load_state("networkidle")
    assert "/accounts/login/" not in page.url
    assert page.locator(".nl-title").first.inner_text() == "这群新泾人为河南献上真挚爱心"
    assert page.locator('meta[property="og:title"]').get_attribute("content")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]
    href = page.get_by_text("打印版 PDF").get_attribute("href")
    r = page.request.get(live_server.url + href)
    assert r.status == 200 and r.headers["content-type"] == "application/pdf" and r.body().startswith(b"%PDF")
    page.close()
