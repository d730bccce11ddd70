"""The one exception services raise for bad input; pages and the API turn it into a message."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _


class ServiceError(Exception):
    """A rule refused the request. ``field`` names the input at fault (or None);
    ``message`` is shown to the user (zh-hans). ``errors`` may hold several."""

    status = 400

    def __init__(self, message: str, field: str | None = None, *, errors: list[dict] | None = None, code: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
        self.errors = errors or [{"field": field, "message": message}]


class NotFound(ServiceError, Http404):
    """Outside the user's scope, or not there at all: both answer 404 (a page raising it gets
    Django's 404 page, the API a JSON 404)."""

    status = 404

    def __init__(self, message: str = ""):
        super().__init__(message or _("记录不存在或无权访问"))


class Forbidden(ServiceError, PermissionDenied):
    """The actor sees the record but may not do this to it: 403 (lehuo/accounts/permissions.py)."""

    status = 403

    def __init__(self, message: str = ""):
        super().__init__(message or _("您无权进行此操作"), code="forbidden")


class Busy(ServiceError):
    """A lock could not be had in time: "busy, try again"."""

    status = 503

    def __init__(self, message: str = ""):
        super().__init__(message or _("系统繁忙，请稍后重试"), code="busy")


class ErrorList:
    """Collects every refusal of one request, so a form shows them all at once::

        errors = ErrorList()
        name = errors.check(clean_name, raw_name)   # None if refused, the error kept
        if not school: errors.add("school", "请填写就读学校")
        errors.raise_if_any()                       # one ServiceError holding all of them
    """

    def __init__(self) -> None:
        self.items: list[dict] = []

    def add(self, field: str | None, message: str) -> None:
        self.items.append({"field": field, "message": str(message)})

    def check(self, fn, *args, **kwargs):
        """``fn(*args, **kwargs)``, or None with its ServiceError's errors kept."""
        try:
            return fn(*args, **kwargs)
        except ServiceError as exc:
            if exc.code in ("forbidden", "busy") or exc.status != 400:
                raise
            self.items.extend(exc.errors)
            return None

    def has(self, field: str) -> bool:
        return any(e.get("field") == field for e in self.items)

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            first = self.items[0]
            raise ServiceError(first["message"], first["field"], errors=list(self.items))
