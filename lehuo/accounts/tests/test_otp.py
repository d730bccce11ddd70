"""TOTP two-factor sign-in (RFC 6238) on django-otp: for town admins and the roles that may
reveal, required outside development (docs/security.md)."""

import time

import pytest
from django.urls import reverse
from django_otp.oath import hotp

from lehuo.accounts import otp
from lehuo.accounts.otp_models import TotpDevice, new_secret, secret_bytes

# RFC 6238 appendix B: SHA1, 30 s steps, 8 digits, seed "12345678901234567890".
RFC_KEY = b"12345678901234567890"
RFC_VECTORS = [(59, "94287082"), (1111111109, "07081804"), (1111111111, "14050471"),
               (1234567890, "89005924"), (2000000000, "69279037"), (20000000000, "65353130")]


def code_at(secret: str, unix_time: float) -> str:
    return f"{hotp(secret_bytes(secret), int(unix_time) // 30):06d}"


@pytest.mark.parametrize(("unix_time", "code"), RFC_VECTORS)
def test_rfc6238_sha1_vectors(unix_time, code):
    """The library's TOTP against the RFC's vectors (8 digits)."""
    assert f"{hotp(RFC_KEY, unix_time // 30, digits=8):08d}" == code


def test_secret_is_160_bits_of_base32():
    secret = new_secret()
    assert len(secret_bytes(secret)) == 20
    assert secret != new_secret()


def test_code_accepted_one_step_either_side_and_not_two():
    device = TotpDevice(secret=new_secret())
    now = 1_700_000_000
    for offset in (-30, 0, 30):
        assert device.matching_step(code_at(device.secret, now + offset), now) is not None
    for offset in (-90, 90):
        assert device.matching_step(code_at(device.secret, now + offset), now) is None


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12 34 5x", None])
def test_malformed_codes_refused(code):
    assert TotpDevice(secret=new_secret()).matching_step(code, 1_700_000_000) is None


def test_provisioning_uri_names_issuer_and_account():
    uri = otp.provisioning_uri("ABCDEF", "admin")
    assert uri.startswith("otpauth://totp/") and "secret=ABCDEF" in uri and "period=30" in uri


def current_code(device) -> str:
    return code_at(device.secret, time.time())


@pytest.fixture
def admin_device(town_admin):
    return TotpDevice.objects.create(user=town_admin, secret=new_secret(), confirmed=True,
                                     confirmed_at="2021-08-01T00:00Z")


@pytest.mark.django_db
def test_same_code_is_not_accepted_twice(admin_device):
    code = current_code(admin_device)
    assert admin_device.verify_token(code)
    assert not TotpDevice.objects.get(pk=admin_device.pk).verify_token(code)


@pytest.mark.django_db
def test_older_step_refused_after_newer_used(admin_device):
    now = time.time()
    assert admin_device.verify_token(code_at(admin_device.secret, now), now)
    assert not admin_device.verify_token(code_at(admin_device.secret, now - 30), now)


@pytest.mark.django_db
def test_wrong_codes_are_throttled(admin_device, settings):
    """django-otp's throttling: after a wrong code, even the right one waits."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    assert not admin_device.verify_token("000000" if current_code(admin_device) != "000000" else "111111")
    device = TotpDevice.objects.get(pk=admin_device.pk)
    assert device.throttling_failure_count == 1
    assert not device.verify_token(current_code(device))


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
    settings.LEHUO_REQUIRE_SECOND_FACTOR = True
    r = c.get(reverse("web:home"))
    assert r.status_code == 302 and r["Location"].startswith(reverse("otp_setup"))


@pytest.mark.django_db
def test_setup_shows_qr_and_confirms_with_a_code(login, town_admin, settings):
    settings.LEHUO_REQUIRE_SECOND_FACTOR = True
    c = login(town_admin)
    r = c.get(reverse("otp_setup"))
    assert r.status_code == 200 and 'src="data:image/svg+xml' in r.content.decode()
    device = TotpDevice.objects.get(user=town_admin)
    assert device.confirmed_at is None and not device.confirmed
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
@pytest.mark.parametrize("persona, required", [("sw_lv11", True), ("town_admin", True), ("instructor", False),
                                               ("editor", False), ("viewer", False)])
def test_second_factor_required_for_admins_and_roles_that_may_reveal(request, login, settings, persona, required):
    settings.LEHUO_REQUIRE_SECOND_FACTOR = True
    r = login(request.getfixturevalue(persona)).get(reverse("web:home"))
    if required:
        assert r.status_code == 302 and r["Location"].startswith(reverse("otp_setup"))
    else:
        assert r.status_code == 200


@pytest.mark.django_db
def test_required_by_default_outside_development():
    import os
    import subprocess
    import sys

    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "x", "LEHUO_FIELD_KEYS": "dGVzdC1rZXktbGVodW8tdGVzdC1rZXktbGVodW8tdGU=",
           "LEHUO_HASH_KEY": "x", "DJANGO_SETTINGS_MODULE": "lehuo.settings"}
    env.pop("LEHUO_REQUIRE_SECOND_FACTOR", None)
    out = subprocess.run([sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
                          "print(settings.LEHUO_REQUIRE_SECOND_FACTOR)"], env=env, capture_output=True, text=True)
    assert out.stdout.strip().endswith("True"), out.stderr


@pytest.mark.django_db
def test_bearer_token_api_not_affected(api, admin_device):
    assert api(admin_device.user).get("/api/v1/neighbourhoods").status_code == 200


@pytest.mark.django_db
def test_api_on_unverified_admin_session_refused(login, admin_device):
    r = login(admin_device.user).get("/api/v1/neighbourhoods")
    assert r.status_code == 403 and "两步验证" in r.json()["message"]


@pytest.mark.django_db
def test_anonymous_pages_not_affected(client):
    assert client.get(reverse("login")).status_code == 200
