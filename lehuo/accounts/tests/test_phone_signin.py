"""Residents sign up and sign in with a mobile number and an SMS code (django-allauth's phone
support, accounts/phone.py): codes hashed, 5 minutes, 60 s between sends, limits per number
and per address, a lock after wrong codes, a clear message for each refusal, audited."""

import time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client

from lehuo.accounts.models import PhoneAccount
from lehuo.platform.models import AuditLog
from lehuo.platform.sms import console

pytestmark = pytest.mark.django_db
PHONE = "13912345678"


@pytest.fixture(autouse=True)
def _outbox():
    console.outbox.clear()
    yield
    console.outbox.clear()


def last_code(phone=PHONE) -> str:
    sent = [params["code"] for number, template, params in console.outbox if number == phone and template == "code"]
    assert sent, f"no code was sent to {phone}"
    return sent[-1]


def sign_up(client: Client, phone=PHONE):
    r = client.post("/accounts/phone/signup/", {"phone": phone})
    assert r.status_code == 302, r.content.decode()[:2000]
    assert r.url == "/accounts/phone/verify/"
    r = client.post("/accounts/phone/verify/", {"code": last_code(phone), "action": "verify"})
    return r


def test_sign_up_with_a_code_creates_an_account_without_password_and_signs_in():
    c = Client()
    r = sign_up(c)
    assert r.status_code == 302 and r.url == "/"
    account = PhoneAccount.objects.get()
    assert account.phone == PHONE and account.verified
    assert not account.user.has_usable_password()
    assert c.get("/").wsgi_request.user == account.user


def test_sign_in_with_a_code_and_the_code_is_kept_hashed():
    sign_up(Client())
    console.outbox.clear()
    cache_clear()
    c = Client()
    r = c.post("/accounts/phone/", {"phone": "+86 139-1234-5678"})
    assert r.status_code == 302 and r.url == "/accounts/phone/confirm/"
    code = last_code()
    # The session holds a salted HMAC, never the code itself.
    assert not any(code in str(s.get_decoded()) for s in Session.objects.all())
    r = c.post("/accounts/phone/confirm/", {"code": code, "action": "verify"})
    assert r.status_code == 302
    assert c.get("/").wsgi_request.user.phone_account.phone == PHONE


def cache_clear():
    from django.core.cache import cache

    cache.clear()


@pytest.mark.parametrize("raw, message", [
    ("1391234567", "手机号码应为11位数字，以13-19开头"),
    ("12912345678", "手机号码应为11位数字，以13-19开头"),
    ("abc", "手机号码应为11位数字，以13-19开头"),
    ("+1 415 555 2671", "仅支持中国大陆手机号码"),
    ("+852 9123 4567", "仅支持中国大陆手机号码"),
    ("", "请填写手机号码"),
])
def test_malformed_and_foreign_numbers_are_refused_and_nothing_is_sent(raw, message):
    for url in ("/accounts/phone/", "/accounts/phone/signup/"):
        r = Client().post(url, {"phone": raw})
        assert r.status_code == 200
        assert message in r.content.decode()
    assert console.outbox == [] and not get_user_model().objects.exists()


def test_60_seconds_between_codes_then_hour_and_day_limits(monkeypatch):
    sign_up(Client())
    cache_clear()
    clock = [time.time()]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    c = Client()
    assert c.post("/accounts/phone/", {"phone": PHONE}).status_code == 302
    r = Client().post("/accounts/phone/", {"phone": PHONE})
    assert "发送过于频繁，请60秒后再获取验证码" in r.content.decode()
    sent = len(console.outbox)
    for _ in range(4):
        clock[0] += 61
        assert Client().post("/accounts/phone/", {"phone": PHONE}).status_code == 302
    clock[0] += 61
    r = Client().post("/accounts/phone/", {"phone": PHONE})
    assert "该号码1小时内获取验证码已达5次" in r.content.decode()
    assert len(console.outbox) == sent + 4
    # 5 codes counted so far today (the counters were cleared after the sign-up); 5 more over the
    # next hours, then the day is full.
    for _ in range(5):
        clock[0] += 3601
        assert Client().post("/accounts/phone/", {"phone": PHONE}).status_code == 302
    clock[0] += 3601
    r = Client().post("/accounts/phone/", {"phone": PHONE})
    assert "该号码今天获取验证码已达10次" in r.content.decode()
    assert len([1 for number, _t, _p in console.outbox if number == PHONE]) == 1 + 10
    assert AuditLog.objects.filter(action="account.sms_refused").count() >= 3


def test_per_address_limit(settings):
    from allauth.account import app_settings

    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "lehuo_sms_ip": "3/h/ip"}
    assert app_settings.RATE_LIMITS["lehuo_sms_ip"] == "3/h/ip"
    for i in range(3):
        assert Client().post("/accounts/phone/", {"phone": f"1381234560{i}"}).status_code == 302
    r = Client().post("/accounts/phone/", {"phone": "13812345609"})
    assert "您所在的网络获取验证码过于频繁" in r.content.decode()


def test_wrong_codes_void_the_code_then_lock_the_number(monkeypatch):
    sign_up(Client())
    cache_clear()
    clock = [time.time()]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    c = Client()
    c.post("/accounts/phone/", {"phone": PHONE})
    right = last_code()
    wrong = "000000" if right != "000000" else "111111"
    r = c.post("/accounts/phone/confirm/", {"code": wrong, "action": "verify"})
    assert "验证码不正确，请重新输入" in r.content.decode()
    c.post("/accounts/phone/confirm/", {"code": wrong, "action": "verify"})
    r = c.post("/accounts/phone/confirm/", {"code": wrong, "action": "verify"})  # third: the code is void
    assert r.status_code == 302 and r.url == "/accounts/phone/"
    r = c.post("/accounts/phone/confirm/", {"code": right, "action": "verify"}, follow=True)
    assert not r.wsgi_request.user.is_authenticated
    # Two more wrong codes with a new code: the number is locked (5 an hour), even for the right code.
    clock[0] += 61
    c = Client()
    c.post("/accounts/phone/", {"phone": PHONE})
    right = last_code()
    c.post("/accounts/phone/confirm/", {"code": wrong, "action": "verify"})
    r = c.post("/accounts/phone/confirm/", {"code": wrong, "action": "verify"})
    assert "验证码错误次数过多，该号码已锁定1小时" in r.content.decode()
    r = c.post("/accounts/phone/confirm/", {"code": right, "action": "verify"}, follow=True)
    assert not r.wsgi_request.user.is_authenticated
    clock[0] += 61
    r = Client().post("/accounts/phone/", {"phone": PHONE})
    assert "该号码已锁定" in r.content.decode()
    assert AuditLog.objects.filter(action="account.code_wrong").count() == 5


def test_an_expired_code_is_refused_with_a_message(monkeypatch):
    sign_up(Client())
    cache_clear()
    clock = [time.time()]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    c = Client()
    c.post("/accounts/phone/", {"phone": PHONE})
    clock[0] += 5 * 60 + 1
    r = c.post("/accounts/phone/confirm/", {"code": last_code(), "action": "verify"}, follow=True)
    assert not r.wsgi_request.user.is_authenticated
    assert "验证码已过期或已失效，请重新获取" in r.content.decode()


def test_a_used_code_cannot_sign_in_again():
    sign_up(Client())
    cache_clear()
    c = Client()
    c.post("/accounts/phone/", {"phone": PHONE})
    code = last_code()
    assert c.post("/accounts/phone/confirm/", {"code": code, "action": "verify"}).status_code == 302
    c.post("/accounts/logout/")
    r = c.post("/accounts/phone/confirm/", {"code": code, "action": "verify"}, follow=True)
    assert not r.wsgi_request.user.is_authenticated


def test_unknown_number_looks_the_same_and_signs_nobody_in():
    c = Client()
    r = c.post("/accounts/phone/", {"phone": "13700000000"})
    assert r.status_code == 302 and r.url == "/accounts/phone/confirm/"
    assert [t for _p, t, _x in console.outbox] == []  # no code exists for it
    r = c.post("/accounts/phone/confirm/", {"code": "123456", "action": "verify"}, follow=True)
    assert not r.wsgi_request.user.is_authenticated


def test_signing_up_twice_with_one_number_makes_one_account():
    sign_up(Client())
    cache_clear()
    c = Client()
    c.post("/accounts/phone/signup/", {"phone": PHONE})
    assert PhoneAccount.objects.count() == 1
    assert get_user_model().objects.count() == 1


def test_staff_keep_user_name_and_password(town_admin):
    c = Client()
    r = c.post("/accounts/login/", {"username": "admin", "password": "pw-admin"})
    assert r.status_code == 302
    assert c.get("/").url == "/workbench/"
