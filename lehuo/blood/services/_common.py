"""Helpers the blood services share: permission and text checks, a drive's days."""

import datetime as dt

from lehuo.accounts import scoping as core_scoping
from lehuo.blood.models import Drive
from lehuo.platform.errors import ServiceError

STEM_CELL_PURPOSE = "stem_cell_registry"


def _require_town_admin(actor, town) -> None:
    towns = core_scoping.town_ids(actor)
    if not (core_scoping.is_town_wide(actor) and (towns is None or town.pk in towns)):
        raise ServiceError("只有镇管理员可以进行此操作", code="forbidden")


def _text(value, field: str, label: str, *, required: bool = True, max_length: int = 100) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()
    if required and not text:
        raise ServiceError(f"请填写{label}", field)
    if len(text) > max_length:
        raise ServiceError(f"{label}不能超过{max_length}个字", field)
    return text


def _drive_day(drive: Drive, on: dt.date | None) -> dt.date:
    on = on or drive.date
    if not drive.date <= on <= drive.last_date:
        raise ServiceError(f"日期须在活动日期内（{drive.date}至{drive.last_date}）", "date")
    return on
