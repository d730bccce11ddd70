"""Session calendars: schedule checks and the holiday-aware plan of class dates."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from lehuo.accounts.permissions import require
from lehuo.platform.audit import log_action
from lehuo.platform.errors import ServiceError
from lehuo.training.calendar import HolidayCalendar
from lehuo.training.models import HolidayOverride


def _rules() -> dict:
    return settings.LEHUO_RULES["training"]


@dataclass
class Plan:
    """The dates a schedule gives, the holidays it skipped, and any calendar warning."""

    dates: list[dt.date] = field(default_factory=list)
    skipped: list[tuple[dt.date, str]] = field(default_factory=list)
    warning: str = ""


def clean_weekdays(weekdays) -> list[int]:
    if weekdays is None or isinstance(weekdays, (str, bytes)) or not isinstance(weekdays, Iterable):
        raise ServiceError(_("上课日应为 1-7 的数字列表（1=周一，7=周日）"), "weekdays")
    out = set()
    for value in weekdays:
        if isinstance(value, bool) or not isinstance(value, int):
            try:
                value = int(str(value).strip())
            except (TypeError, ValueError):
                raise ServiceError(_("上课日“%(value)s”不是 1-7 的数字（1=周一，7=周日）") % {"value": value}, "weekdays")
        if not 1 <= value <= 7:
            raise ServiceError(_("上课日 %(value)s 不存在：星期只能是 1-7（1=周一，7=周日）") % {"value": value}, "weekdays")
        out.add(value)
    if not out:
        raise ServiceError(_("请至少选择一个上课日"), "weekdays")
    return sorted(out)


def check_range(starts_on: dt.date | None, ends_on: dt.date | None) -> None:
    if not starts_on:
        raise ServiceError(_("请填写开始日期"), "starts_on")
    if not ends_on:
        raise ServiceError(_("请填写结束日期"), "ends_on")
    if ends_on < starts_on:
        raise ServiceError(_("结束日期 %(end)s 早于开始日期 %(start)s")
                           % {"end": f"{ends_on:%Y-%m-%d}", "start": f"{starts_on:%Y-%m-%d}"}, "ends_on")
    limit = int(_rules()["max_range_days"])
    if (ends_on - starts_on).days > limit:
        raise ServiceError(_("一期培训不能超过两年（%(n)s天），请分期设置") % {"n": limit}, "ends_on")


def check_times(start_time: dt.time | None, end_time: dt.time | None) -> None:
    if start_time is None or end_time is None:
        raise ServiceError(_("请填写上课和下课时间"), "start_time")
    if end_time <= start_time:
        raise ServiceError(_("下课时间应晚于上课时间"), "end_time")


def plan_sessions(starts_on: dt.date, ends_on: dt.date, weekdays) -> Plan:
    """Every listed weekday in the range, except public holidays (chinesecalendar + overrides)."""
    check_range(starts_on, ends_on)
    days = set(clean_weekdays(weekdays))
    calendar = HolidayCalendar.for_range(starts_on, ends_on)
    plan = Plan()
    day = starts_on
    while day <= ends_on:
        if day.isoweekday() in days:
            if calendar.is_holiday(day):
                plan.skipped.append((day, calendar.holiday_name(day) or _("节假日")))
            else:
                plan.dates.append(day)
        day += dt.timedelta(days=1)
    plan.warning = calendar.warning
    return plan


def holiday_warning(day: dt.date) -> str:
    """Moving a class onto a public holiday is allowed (staff know best) but worth a word."""
    calendar = HolidayCalendar.for_range(day, day)
    if calendar.is_holiday(day):
        return _("%(date)s 是%(holiday)s，请确认学员可以到课") % {
            "date": f"{day:%Y-%m-%d}", "holiday": calendar.holiday_name(day) or _("节假日")}
    return calendar.warning


@transaction.atomic
def add_holiday_override(actor, *, date: dt.date, is_holiday: bool, name: str = "") -> HolidayOverride:
    """A local change to the holiday calendar (or a year chinesecalendar lacks)."""
    require(actor, "training.holiday.change")
    if HolidayOverride.objects.filter(date=date).exists():
        raise ServiceError(_("%(date)s 已有调整") % {"date": f"{date:%Y-%m-%d}"}, "date")
    row = HolidayOverride.objects.create(date=date, is_holiday=is_holiday, name=(name or "").strip()[:50])
    log_action(actor, "calendar.override.add", row, {"date": row.date, "is_holiday": row.is_holiday, "name": row.name})
    return row


@transaction.atomic
def remove_holiday_override(actor, pk) -> HolidayOverride | None:
    require(actor, "training.holiday.change")
    row = HolidayOverride.objects.filter(pk=pk).first() if str(pk).isdigit() else None
    if row is not None:
        log_action(actor, "calendar.override.delete", row, {"date": row.date, "name": row.name})
        row.delete()
    return row


def holiday_overrides(actor):
    require(actor, "training.holiday.change")
    return HolidayOverride.objects.all()
