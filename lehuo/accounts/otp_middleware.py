"""Town admins finish two-factor login before they reach any page.

A town admin (or superuser) with a confirmed TOTP device is sent to the verification page
until a code has been accepted in this session. With ``LEHUO_REQUIRE_TOTP_FOR_ADMINS=1``
a town admin without a device is sent to set one up first. Other roles are not affected.
API calls with a Bearer token are not affected (tokens are issued per user and revocable);
an API call riding on an unverified admin's session cookie is refused with 403.
"""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from . import scoping
from .models import TOWN_ADMIN
from .otp_models import TotpDevice
from .views_otp import is_verified

EXEMPT_PREFIXES = ("/accounts/otp/", "/accounts/logout/", "/accounts/login/", "/static/", "/health/", "/i18n/")


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
        if not scoping.has_role(user, TOWN_ADMIN) or is_verified(request):
            return None
        has_device = TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()
        if not has_device and not getattr(settings, "LEHUO_REQUIRE_TOTP_FOR_ADMINS", False):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": "请先在网页上完成两步验证，或使用 API 令牌。"}, status=403)
        target = reverse("otp_verify" if has_device else "otp_setup")
        return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
