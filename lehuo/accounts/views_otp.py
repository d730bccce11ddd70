"""Two-factor pages: set up an authenticator app (QR code), and enter a code after the password.

django-otp remembers a verified session (``django_otp.login``) until logout; the middleware
(accounts/otp_middleware.py) sends staff here until then. The device throttles wrong codes
(django-otp, growing delays), and five wrong codes in a session log the user out: the
password is throttled by django-axes, so guessing restarts there.
"""

import django_otp
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from lehuo.lib.qr import qr_data_uri
from lehuo.platform.audit import log_action

from . import otp
from .otp_models import TotpDevice, new_secret

FAILURES_KEY = "lehuo_otp_failures"
MAX_FAILURES = 5


def mark_verified(request, device: TotpDevice) -> None:
    django_otp.login(request, device)
    request.session.pop(FAILURES_KEY, None)


def is_verified(request) -> bool:
    return request.user.is_verified()


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


def _failed(request):
    """Count a wrong code; the fifth one ends the session."""
    failures = request.session.get(FAILURES_KEY, 0) + 1
    request.session[FAILURES_KEY] = failures
    if failures >= MAX_FAILURES:
        log_action(request.user, "otp.locked_out", request.user, {"failures": failures})
        logout(request)
        messages.error(request, _("验证码错误次数过多，请重新登录。"))
        return redirect("login")
    messages.error(request, _("验证码不正确或已使用过（还可尝试 %(n)s 次）。") % {"n": MAX_FAILURES - failures})
    return None


@never_cache
@login_required
def otp_setup(request):
    device = TotpDevice.objects.filter(user=request.user).first()
    if device and device.confirmed:
        return render(request, "accounts/otp_enabled.html", {"device": device, "verified": is_verified(request)})
    if device is None:
        device = TotpDevice.objects.create(user=request.user, secret=new_secret(), confirmed=False)
    if request.method == "POST":
        if device.verify_token(request.POST.get("code", "")):
            TotpDevice.objects.filter(pk=device.pk).update(confirmed=True, confirmed_at=timezone.now())
            device.confirmed = True
            log_action(request.user, "otp.enabled", request.user, {})
            mark_verified(request, device)
            messages.success(request, _("两步验证已启用。以后登录时，输入密码后还需输入验证器中的六位数字。"))
            return redirect(_next_url(request))
        response = _failed(request)
        if response:
            return response
    uri = otp.provisioning_uri(device.secret, request.user.get_username())
    return render(request, "accounts/otp_setup.html", {
        "qr": qr_data_uri(uri, scale=5), "secret": otp.format_secret(device.secret), "next": _next_url(request),
    })


@never_cache
@login_required
def otp_verify(request):
    device = TotpDevice.objects.filter(user=request.user, confirmed=True).first()
    if device is None:
        return redirect("otp_setup")
    if is_verified(request):
        return redirect(_next_url(request))
    if request.method == "POST":
        if device.verify_token(request.POST.get("code", "")):
            mark_verified(request, device)
            return redirect(_next_url(request))
        response = _failed(request)
        if response:
            return response
    return render(request, "accounts/otp_verify.html", {"next": _next_url(request)})
