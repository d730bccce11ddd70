"""The disclosure (公示) as the Charity Law asks, for anyone without login; a resident's own
gifts and acknowledgements; open drives on the town home."""

import datetime as dt

import pytest
from django.core.files.base import ContentFile

from conftest import PHONE_VIEWPORT
from lehuo.donations import public, services
from lehuo.people.models import Person

pytestmark = pytest.mark.django_db
VOUCHER = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def disclosed(drive, give, make_person, town_admin, lv11):
    drive.disclosure_public = True
    drive.save(update_fields=["disclosure_public"])
    give("300.00", person=make_person(name="李同意"), named_consent=True, neighbourhood=lv11)
    give("200.00", person=make_person(name="王不同意"), neighbourhood=lv11)
    give("100.00", donor_name="外地捐赠人", named_consent=False)
    give("50.00", channel="online", method="wechat", reference="WX-1", donor_name="网友甲", named_consent=True)
    services.record_handover(town_admin, drive, channel="offline", amount="600.00", handed_on=dt.date(2021, 8, 1),
                             voucher_number="HK-0801", voucher=ContentFile(VOUCHER, name="v.pdf"))
    return drive


def test_anonymous_reads_the_disclosure_with_consent_names_only(client, disclosed):
    r = client.get(f"/donations/drives/{disclosed.pk}/disclosure/")
    html = r.content.decode()
    assert r.status_code == 200
    assert "李同意" in html and "网友甲" in html
    assert "王不同意" not in html and "外地捐赠人" not in html and "王*" not in html
    assert html.count("爱心人士") >= 2
    assert "650.00" in html  # total; by channel:
    assert "600.00" in html and "50.00" in html
    assert "HK-0801" in html
    assert "max-age=300" in r["Cache-Control"] and "no-store" not in r["Cache-Control"]
    for fmt in ("xlsx", "pdf"):
        assert client.get(f"/donations/drives/{disclosed.pk}/disclosure/", {"format": fmt}).status_code == 200


def test_voucher_is_public_with_its_disclosure_only(client, disclosed, login, town_admin, editor):
    handover = disclosed.handovers.get()
    url = f"/donations/handovers/{handover.pk}/voucher/"
    r = client.get(url)
    assert r.status_code == 200 and b"".join(r.streaming_content).startswith(b"%PDF")
    disclosed.disclosure_public = False
    disclosed.save(update_fields=["disclosure_public"])
    assert client.get(url).status_code in (302, 404)
    assert login(editor).get(url).status_code == 404
    assert login(town_admin).get(url).status_code == 200


def test_a_drive_not_disclosed_is_not_public(client, drive, give):
    give("10.00")
    assert client.get(f"/donations/drives/{drive.pk}/disclosure/").status_code in (302, 404)


def test_resident_sees_own_gifts_and_acknowledgement(login, parent, drive, give, make_person, lv11):
    me = Person.objects.get(account=parent)
    mine = give("88.00", person=me, neighbourhood=lv11)
    other = give("99.00", person=make_person(name="别人"), neighbourhood=lv11)
    services.record_receipt_number(drive.created_by, mine, "PJ-42")
    c = login(parent)
    r = c.get("/donations/mine/")
    html = r.content.decode()
    assert r.status_code == 200 and "no-store" in r["Cache-Control"]
    assert "88.00" in html and "PJ-42" in html and "99.00" not in html
    assert c.get(f"/donations/d/{mine.pk}/acknowledgement.pdf").status_code == 200
    assert c.get(f"/donations/d/{other.pk}/acknowledgement.pdf").status_code == 404
    assert c.get(f"/donations/d/{mine.pk}/").status_code == 404  # the staff page is not theirs


def test_open_drives_on_the_town_home(town, drive):
    drive.starts_on, drive.ends_on = dt.date.today() - dt.timedelta(days=1), dt.date.today() + dt.timedelta(days=9)
    drive.disclosure_public = True
    drive.save()
    cards = public.public_home(town)
    assert cards and cards[0]["url"] == f"/donations/drives/{drive.pk}/disclosure/"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_anonymous_reader_opens_a_disclosure_on_a_phone(browser, live_server, disclosed):
    page = browser.new_page(viewport=PHONE_VIEWPORT, locale="zh-CN")
    page.goto(f"{live_server.url}/donations/drives/{disclosed.pk}/disclosure/")
    assert "650.00" in page.inner_text("#disclosure-total")
    assert "李同意" in page.inner_text("#disclosure") and "王不同意" not in page.content()
    assert "HK-0801" in page.inner_text("#handovers")
    page.screenshot(path="/tmp/lehuo-donations-disclosure.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
