import logging
import re

from django.conf import settings
from django.http import HttpResponseNotFound, JsonResponse
from django.utils.translation import gettext as _

logger = logging.getLogger("lehuo.db")

# A number in a URL longer than any 64-bit id: answer 404 before it reaches the database.
HUGE_NUMBER = re.compile(r"(?:^|/)[+-]?\d{19,}(?:/|$)")


class DatabaseUnavailableMiddleware:
    """Pages answer 503 "try again" (with Retry-After) while the database restarts,
    instead of a 500: nothing was written, the transaction rolled back. Any other database
    error is a bug: it goes on to Django's 500 handling, which logs its traceback."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.http import HttpResponse

        from .dberrors import is_transient

        if not is_transient(exception):
            return None
        logger.warning("database unavailable: %s: %s", exception.__class__.__name__, exception)
        from django.utils.html import escape
        from django.utils.translation import get_language

        html_lang = "en" if get_language() == "en" else "zh-CN"  # as base.html writes it
        title, heading = escape(_("请稍后重试")), escape(_("系统繁忙，请稍后重试"))
        text = escape(_("数据库暂时不可用，您的操作未被保存。"))
        response = HttpResponse(f'<!doctype html><html lang="{html_lang}"><meta charset="utf-8"><title>{title}</title>'
                                f"<h1>{heading}</h1><p>{text}</p></html>", status=503)
        response["Retry-After"] = "5"
        return response


class InputGuardMiddleware:
    """Refuse, before any view runs, input no view could use: NUL characters and ids that
    do not fit a 64-bit column in the path."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or HUGE_NUMBER.search(request.path):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": [], "message": _("记录不存在或无权访问")}, status=404)
            return HttpResponseNotFound(_("记录不存在或无权访问"))
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """A strict Content-Security-Policy: every script and style is a local file."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(("/admin/", "/api/v1/docs")):
            # Django admin and the API docs page need inline styles / scripts of their own.
            policy = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'"
        else:
            policy = (
                "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
                "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
            )
        response.setdefault("Content-Security-Policy", policy)
        if not settings.DEBUG:
            response.setdefault("Permissions-Policy", "camera=(self), geolocation=(), microphone=()")
        return response
