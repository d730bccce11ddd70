"""Staff who must use a second factor finish it before they reach any page (docs/security.md).

A user with a confirmed TOTP device is sent to the verification page until django-otp marks
the session verified. When the user must use a second factor (``otp.requires_second_factor``:
town admins and roles that may reveal, ``LEHUO_REQUIRE_SECOND_FACTOR``), one without a device
is sent to set one up first. API calls with a Bearer token are not affected (tokens are issued
per user and revocable); an API call riding on an unverified session cookie is refused with 403.
"""

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .otp import requires_second_factor
from .otp_models import TotpDevice

EXEMPT_PREFIXES = ("/accounts/", "/static/", "/health/", "/i18n/", "/media/")


class OtpRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self._intercept(request)
        return response if response is not None else self.get_response(request)

    def _intercept(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith(EXEMPT_PREFIXES):
            return None
        if request.path.startswith("/api/") and request.headers.get("Authorization", "").startswith("Bearer "):
            return None
        if user.is_verified():
            return None
        has_device = TotpDevice.objects.filter(user=user, confirmed=True).exists()
        if not has_device and not requires_second_factor(user):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": [], "message": _("请先在网页上完成两步验证，或使用 API 令牌。")}, status=403)
        target = reverse("otp_verify" if has_device else "otp_setup")
        return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
