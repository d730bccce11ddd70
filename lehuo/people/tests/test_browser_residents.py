"""On a phone: a resident signs up with a code from the console SMS backend and links their
account to their record, at once (everything matches) and pending then confirmed by a social
worker of the neighbourhood."""

import pytest

from conftest import PHONE_VIEWPORT, browser_login
from lehuo.people.models import Person
from lehuo.platform.sms import console

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_up(browser, live_server, phone: str):
    console.outbox.clear()
    page = browser.new_page(viewport=PHONE_VIEWPORT, locale="zh-CN")
    page.goto(live_server.url + "/")
    page.click("#resident-sign-in")
    page.click("text=还没有账户？用手机号注册")
    page.fill("#id_phone", phone)
    page.click("#signup button[type=submit]")
    page.wait_for_url("**/accounts/phone/verify/")
    code = [p["code"] for number, _t, p in console.outbox if number == phone][-1]
    page.fill("#id_code", code)
    page.click("#verify-phone button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    return page


def link(page, name: str, id_number: str, neighbourhood: str):
    page.click("#go-link")
    page.fill("#id_name", name)
    page.fill("#id_id_number", id_number)
    page.select_option("#id_neighbourhood_id", label=f"新泾镇 {neighbourhood}")
    page.click("#link-form button[type=submit]")
    page.wait_for_load_state()


def test_sign_up_and_link_at_once(browser, live_server, make_person, lv11):
    person = make_person(name="周美玲", age=38, sex="F", phone="13966660001")
    page = sign_up(browser, live_server, "13966660001")
    link(page, "周美玲", person.id_number, "绿十一")
    assert page.url == live_server.url + "/"
    assert "周美玲，您好" in page.content()
    page.screenshot(path="/tmp/lehuo-resident-linked.png", full_page=True)
    person.refresh_from_db()
    assert person.account is not None


def test_sign_up_link_pending_then_confirmed_by_the_social_worker(browser, live_server, make_person, lv11, sw_lv11):
    person = make_person(name="吴建华", age=50, sex="M", phone="13966660002")
    page = sign_up(browser, live_server, "13966669999")  # a new phone: not the number on record
    link(page, "吴建华", person.id_number, "绿十一")
    assert "已提交。居委会社工核实后即完成绑定" in page.content()
    page.goto(live_server.url + "/")
    assert page.locator("#link-pending").is_visible()
    staff = browser_login(browser, live_server, "sw_lv11", "pw-sw_lv11", viewport=PHONE_VIEWPORT)
    staff.goto(live_server.url + "/people/requests/")
    assert "吴建华" in staff.content()
    staff.click("button[value=confirm]")
    staff.wait_for_load_state()
    person.refresh_from_db()
    assert person.account is not None
    page.goto(live_server.url + "/")
    assert "吴建华，您好" in page.content()
    assert Person.objects.filter(account=person.account).count() == 1
