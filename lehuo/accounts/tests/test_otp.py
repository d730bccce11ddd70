"""TOTP two-factor login for town admins (RFC 6238)."""

import hashlib
import time

import pytest
from django.urls import reverse

from lehuo.accounts import otp
from lehuo.accounts.otp_models import TotpDevice

# RFC 6238 appendix B: SHA1, 30 s steps, 8 digits, seed "12345678901234567890".
RFC_KEY = b"12345678901234567890"
RFC_VECTORS = [(59, "94287082"), (1111111109, "07081804"), (1111111111, "14050471"),
               (1234567890, "89005924"), (2000000000, "69279037"), (20000000000, "65353130")]


@pytest.mark.parametrize(("unix_time", "code"), RFC_VECTORS)
def test_rfc6238_sha1_vectors(unix_time, code):
    assert otp.totp(RFC_KEY, unix_time, digits=8, digest=hashlib.sha1) == code


def test_rfc4226_hotp_vectors():
    # RFC 4226 appendix D, counters 0..3.
    assert [otp.hotp(RFC_KEY, c) for c in range(4)] == ["755224", "287082", "359152", "969429"]


def test_secret_is_160_bits_of_base32():
    secret = otp.new_secret()
    assert len(otp.secret_bytes(secret)) == 20
    assert secret != otp.new_secret()


def test_code_accepted_one_step_either_side_and_not_two():
    secret = otp.new_secret()
    key, now = otp.secret_bytes(secret), 1_700_000_000
    for offset in (-30, 0, 30):
        assert otp.matching_step(secret, otp.totp(key, now + offset), now) is not None
    for offset in (-90, 90):
        assert otp.matching_step(secret, otp.totp(key, now + offset), now) is None


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12 34 5x", None])
def test_malformed_codes_refused(code):
    assert otp.matching_step(otp.new_secret(), code, 1_700_000_000) is None


def test_provisioning_uri_names_issuer_and_account():
    uri = otp.provisioning_uri("ABCDEF", "admin")
    assert uri.startswith("otpauth://totp/") and "secret=ABCDEF" in uri and "period=30" in uri


def current_code(device) -> str:
    return otp.totp(otp.secret_bytes(device.secret), time.time())


@pytest.fixture
def admin_device(town_admin):
    return TotpDevice.objects.create(user=town_admin, secret=otp.new_secret(), confirmed_at="2021-08-01T00:00Z")


@pytest.mark.django_db
def test_same_code_is_not_accepted_twice(admin_device):
    code = current_code(admin_device)
    assert otp.verify_device(admin_device, code)
    assert not otp.verify_device(TotpDevice.objects.get(pk=admin_device.pk), code)


@pytest.mark.django_db
def test_older_step_refused_after_newer_used(admin_device):
    key, now = otp.secret_bytes(admin_device.secret), time.time()
    assert otp.verify_device(admin_device, otp.totp(key, now), now)
    assert not otp.verify_device(admin_device, otp.totp(key, now - 30), now)


@pytest.mark.django_db
def test_secret_is_encrypted_at_rest(admin_device):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM accounts_totpdevice WHERE id = %s", [admin_device.pk])
        raw = cursor.fetchone()[0]
    assert admin_device.secret not in raw


@pytest.mark.django_db
def test_admin_with_device_is_sent_to_verify_until_a_code_is_given(login, admin_device):
    c = login(admin_device.user)
    r = c.get(reverse("web:home"))
    assert r.status_code == 302 and r["Location"].startswith(reverse("otp_verify"))
    assert "next=%2Fworkbench%2F" in r["Location"]
    r = c.post(reverse("otp_verify"), {"code": current_code(admin_device), "next": "/workbench/"})
    assert r.status_code == 302 and r["Location"] == "/workbench/"
    assert c.get(reverse("web:home")).status_code == 200


@pytest.mark.django_db
def test_wrong_code_keeps_admin_out(login, admin_device):
    c = login(admin_device.user)
    good = current_code(admin_device)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    r = c.post(reverse("otp_verify"), {"code": wrong})
    assert r.status_code == 200 and "验证码不正确" in r.content.decode()
    assert c.get(reverse("web:home")).status_code == 302


@pytest.mark.django_db
def test_five_wrong_codes_end_the_session(login, admin_device):
    c = login(admin_device.user)
    for _ in range(5):
        r = c.post(reverse("otp_verify"), {"code": "000000" if current_code(admin_device) != "000000" else "111111"})
    assert r.status_code == 302 and r["Location"] == reverse("login")
    assert c.get(reverse("web:home"))["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_verify_refuses_an_offsite_next(login, admin_device):
    c = login(admin_device.user)
    r = c.post(reverse("otp_verify"), {"code": current_code(admin_device), "next": "https://evil.example/"})
    assert r["Location"] == "/"


@pytest.mark.django_db
def test_admin_without_device_passes_unless_required(login, town_admin, settings):
    c = login(town_admin)
    assert c.get(reverse("web:home")).status_code == 200
    settings.LEHUO_REQUIRE_TOTP_FOR_ADMINS = True
    r = c.get(reverse("web:home"))
    assert r.status_code == 302 and r["Location"].startswith(reverse("otp_setup"))


@pytest.mark.django_db
def test_setup_shows_qr_and_confirms_with_a_code(login, town_admin, settings):
    settings.LEHUO_REQUIRE_TOTP_FOR_ADMINS = True
    c = login(town_admin)
    r = c.get(reverse("otp_setup"))
    assert r.status_code == 200 and 'src="data:image/svg+xml' in r.content.decode()
    device = TotpDevice.objects.get(user=town_admin)
    assert device.confirmed_at is None
    r = c.post(reverse("otp_setup"), {"code": current_code(device), "next": "/workbench/"})
    assert r.status_code == 302 and r["Location"] == "/workbench/"
    assert TotpDevice.objects.get(user=town_admin).confirmed_at is not None
    assert c.get(reverse("web:home")).status_code == 200
    assert "两步验证已启用" in c.get(reverse("otp_setup")).content.decode()


@pytest.mark.django_db
def test_setup_page_has_no_inline_script_or_style(login, town_admin):
    html = login(town_admin).get(reverse("otp_setup")).content.decode()
    assert "<script>" not in html and "style=" not in html


@pytest.mark.django_db
def test_social_worker_not_affected(login, sw_lv11, settings):
    settings.LEHUO_REQUIRE_TOTP_FOR_ADMINS = True
    TotpDevice.objects.create(user=sw_lv11, secret=otp.new_secret(), confirmed_at="2021-08-01T00:00Z")
    assert login(sw_lv11).get(reverse("web:home")).status_code == 200


@pytest.mark.django_db
def test_bearer_token_api_not_affected(api, admin_device):
    assert api(admin_device.user).get("/api/v1/neighbourhoods").status_code == 200


@pytest.mark.django_db
def test_api_on_unverified_admin_session_refused(login, admin_device):
    r = login(admin_device.user).get("/api/v1/neighbourhoods")
    assert r.status_code == 403 and "两步验证" in r.json()["detail"]


@pytest.mark.django_db
def test_anonymous_pages_not_affected(client):
    assert client.get(reverse("login")).status_code == 200
