"""Checks of free text that every module's services share (one rule, one message)."""

from django.utils.translation import gettext as _

from .errors import ServiceError


def clean_text(value, field: str | None, label, *, max_length: int, required: bool = True,
               multiline: bool = False) -> str:
    """``value`` stripped, or ServiceError: missing when required, longer than ``max_length``, or
    holding control characters (line breaks and tabs only where ``multiline``)."""
    text = "" if value is None else (value if isinstance(value, str) else str(value)).strip()
    if required and not text:
        raise ServiceError(_("请填写%(label)s") % {"label": label}, field)
    if len(text) > max_length:
        raise ServiceError(_("%(label)s不能超过%(n)d个字") % {"label": label, "n": max_length}, field)
    allowed = "\n\r\t" if multiline else ""
    if any((ord(c) < 32 and c not in allowed) or c == "\x7f" for c in text):
        raise ServiceError(_("%(label)s含有不可见字符") % {"label": label}, field)
    return text
