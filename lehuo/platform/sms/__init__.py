"""Text messages (SMS) to residents: sign-in codes and notifications, through a backend chosen by
settings (``LEHUO_SMS["BACKEND"]``): the console backend for ``make run`` and tests (the text is
written to the server log), Aliyun SMS and Tencent Cloud SMS through their official SDKs.

A provider sends only pre-approved texts: a signature (签名) and a template id with named
parameters. Lehuo names its templates (``"code"`` for a sign-in code; notifications their own)
and the settings map each name to the provider's template id (``LEHUO_SMS["TEMPLATES"]``).
"""

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from .base import SmsBackend, SmsError

__all__ = ["SmsBackend", "SmsError", "backend", "send_code", "send_template"]


def config() -> dict:
    return getattr(settings, "LEHUO_SMS", {}) or {}


@cache
def _backend_class(path: str):
    return import_string(path)


def backend() -> SmsBackend:
    path = config().get("BACKEND") or "lehuo.platform.sms.console.ConsoleSmsBackend"
    return _backend_class(path)(config())


def send_template(phone: str, template: str, params: dict[str, str]) -> None:
    """Send the text named ``template`` (a key of ``LEHUO_SMS["TEMPLATES"]``) to a mainland mobile."""
    backend().send(phone, template, params)


def send_code(phone: str, code: str) -> None:
    """A one-time sign-in code (template ``code`` with parameter ``code``)."""
    send_template(phone, "code", {"code": code})
