"""Helpers the blood services share: reaching a drive through the policy, text checks, a
drive's days. Who may do what is decided only by lehuo/accounts/permissions.py from
lehuo/blood/policy.py."""

import datetime as dt

from django.utils.translation import gettext as _

from lehuo.accounts.permissions import may, require, scope_q
from lehuo.blood.models import Drive
from lehuo.platform.errors import NotFound, ServiceError

STEM_CELL_PURPOSE = "stem_cell_registry"


def drive_for(actor, pk=None, *, slug=None, to: str = "blood.drive.view") -> Drive:
    """A drive the actor may see (NotFound, 404, otherwise, whether it exists or not); with
    ``to``, one they may also do that to (Forbidden, 403)."""
    seen = "blood.drive.public_view" if to == "blood.drive.public_view" else "blood.drive.view"
    qs = Drive.objects.filter(scope_q(actor, seen)).select_related("town")
    try:
        drive = qs.filter(slug=slug).order_by("pk").first() if slug is not None else qs.filter(pk=pk).first()
    except (ValueError, TypeError, OverflowError):
        drive = None
    if drive is None:
        raise NotFound()
    if to != seen:
        require(actor, to, drive)
    return drive


def drives_for(actor, *, to: str = "blood.drive.view"):
    """The drives the actor may see (or do ``to`` to), newest first (403 for roles that see none)."""
    require(actor, to)
    return Drive.objects.filter(scope_q(actor, to)).order_by("-date", "-id")


def is_drive_staff(actor, drive: Drive) -> bool:
    """For templates and the choice of what a page shows, never to decide a write."""
    return may(actor, "blood.drive.run", drive)


def _text(value, field: str, label: str, *, required: bool = True, max_length: int = 100) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if required and not text:
        raise ServiceError(_("请填写%(label)s") % {"label": label}, field)
    if len(text) > max_length:
        raise ServiceError(_("%(label)s不能超过%(n)s个字") % {"label": label, "n": max_length}, field)
    return text


def _drive_day(drive: Drive, on: dt.date | None) -> dt.date:
    on = on or drive.date
    if not drive.date <= on <= drive.last_date:
        raise ServiceError(_("日期须在活动日期内（%(start)s至%(end)s）") % {"start": drive.date, "end": drive.last_date},
                           "date")
    return on
