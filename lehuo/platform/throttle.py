"""API throttling per token and per address, in the shared cache (Redis with ``REDIS_URL``).

Every ``/api/`` request counts against two fixed windows: its Bearer token's (or, for a browser
session, its user's) and its address's (``metrics.client_address``: the ``X-Real-IP`` nginx sets).
Over either limit the answer is 429 with ``Retry-After`` and nothing runs. The counters live in
the cache every app server shares, so a client cannot multiply its allowance by the number of
servers. nginx has its own per-address limit in front (deploy/nginx/lehuo.conf); this one also
holds without nginx and per token.

``LEHUO_API_RATE_PER_TOKEN`` and ``LEHUO_API_RATE_PER_ADDRESS`` are ``count/seconds``
("600/60"); "0" turns a limit off.
"""

import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.utils.translation import gettext as _

from .metrics import client_address

logger = logging.getLogger("lehuo.throttle")


def parse_rate(rate: str) -> tuple[int, int]:
    """``"600/60"`` -> (600, 60); ``"0"`` or "" -> (0, 0): off."""
    if not rate or rate.strip() in ("0", "off"):
        return 0, 0
    count, _sep, seconds = rate.partition("/")
    return int(count), int(seconds or 60)


def hit(key: str, limit: int, window: int, now: float | None = None) -> int:
    """Count one request in ``key``'s current window; the seconds to wait when over, else 0."""
    if not limit:
        return 0
    now = time.time() if now is None else now
    slot = int(now // window)
    full_key = f"lehuo:throttle:{key}:{slot}"
    if cache.add(full_key, 1, window + 1):
        count = 1
    else:
        try:
            count = cache.incr(full_key)
        except ValueError:  # expired between add and incr
            cache.add(full_key, 1, window + 1)
            count = 1
    if count > limit:
        return max(1, int((slot + 1) * window - now))
    return 0


def caller_keys(request) -> list[tuple[str, str]]:
    """(kind, key) pairs a request counts against."""
    keys = []
    auth = request.META.get("HTTP_AUTHORIZATION", "")
    if auth[:7].lower() == "bearer " and auth[7:].strip():
        keys.append(("token", "t:" + hashlib.sha256(auth[7:].strip().encode()).hexdigest()[:32]))
    else:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            keys.append(("token", f"u:{user.pk}"))
    keys.append(("address", "a:" + client_address(request)))
    return keys


class ApiThrottleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/") and settings.LEHUO_API_THROTTLE:
            rates = {"token": parse_rate(settings.LEHUO_API_RATE_PER_TOKEN),
                     "address": parse_rate(settings.LEHUO_API_RATE_PER_ADDRESS)}
            for kind, key in caller_keys(request):
                limit, window = rates[kind]
                wait = hit(key, limit, window)
                if wait:
                    logger.warning("api throttled", extra={"by": kind, "retry_after": wait})
                    response = JsonResponse({"detail": [], "code": "throttled",
                                             "message": _("请求过于频繁，请稍后再试")}, status=429)
                    response["Retry-After"] = str(wait)
                    return response
        return self.get_response(request)
