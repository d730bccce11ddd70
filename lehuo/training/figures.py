"""Live figures for the newsletter: ``[[training:<cohort slug>:<measure>]]``.

Measures: enrolled, capacity, sessions (planned, not cancelled), sessions_held,
sessions_cancelled, holidays_skipped, attendance_rate (percent, e.g. 86.5),
completed, certificates, neighbourhoods, by_neighbourhood.<name>, hours (class hours of
the whole course), starts_on / ends_on (ISO), starts_on_cn / ends_on_cn (2021年8月10日),
weekdays (周二、周五), weekdays_cn (每周二、周五), neighbourhood_count, neighbourhoods_cn
(绿十一、天山星城、双流、虹九: in the order the neighbourhoods' first students enrolled), studio,
leader, philosophy, programme, instructor, number. starts_on_cn / ends_on_cn are "8月10日" (the
newsletter's style); starts_on_full_cn / ends_on_full_cn add the year.
"""

from decimal import Decimal

from django.utils.dateformat import format as format_date
from django.utils.formats import get_format
from django.utils.translation import gettext, pgettext

from lehuo.lib.labels import list_separator
from lehuo.platform.figures import FigureError, dig

from .models import Cohort, Session


def _cn(day) -> str:
    """Month and day in the reader's language (8月10日 / August 10)."""
    return format_date(day, pgettext("date format", "n月j日"))


def _full_cn(day) -> str:
    """With the year (2021年8月10日 / August 10, 2021): the language's DATE_FORMAT."""
    return format_date(day, get_format("DATE_FORMAT"))


def _neighbourhoods_in_order(cohort) -> list[str]:
    from django.db.models import Min

    from .models import Enrolment

    rows = (cohort.enrolments.filter(status=Enrolment.ACTIVE, neighbourhood__isnull=False)
            .values("neighbourhood__name").annotate(first=Min("id")).order_by("first"))
    return [r["neighbourhood__name"] for r in rows]


def resolve(record: str, measure: str):
    from . import services
    from .aggregates import cohort_figures

    cohort = Cohort.objects.select_related("programme__studio", "instructor").filter(slug=record).first()
    if cohort is None:
        raise FigureError(gettext("未找到培训班“%(key)s”") % {"key": record})
    studio = cohort.programme.studio
    simple = {
        "starts_on": lambda: cohort.starts_on.isoformat(), "ends_on": lambda: cohort.ends_on.isoformat(),
        "starts_on_cn": lambda: _cn(cohort.starts_on), "ends_on_cn": lambda: _cn(cohort.ends_on),
        "starts_on_full_cn": lambda: _full_cn(cohort.starts_on), "ends_on_full_cn": lambda: _full_cn(cohort.ends_on),
        "weekdays": lambda: cohort.weekday_names,
        "weekdays_cn": lambda: gettext("每%(days)s") % {"days": cohort.weekday_names},
        "neighbourhoods_cn": lambda: list_separator().join(_neighbourhoods_in_order(cohort)),
        "neighbourhood_count": lambda: len(_neighbourhoods_in_order(cohort)), "studio": lambda: studio.name,
        "leader": lambda: studio.leader_name, "philosophy": lambda: studio.philosophy,
        "programme": lambda: cohort.programme.title, "number": lambda: cohort.number,
        "instructor": lambda: cohort.instructor.get_full_name() if cohort.instructor else "",
        "capacity": lambda: cohort.capacity or 0,
        "holidays_skipped": lambda: len(services.plan_sessions(cohort.starts_on, cohort.ends_on, cohort.weekdays).skipped),
        "hours": lambda: sum((s.hours for s in cohort.sessions.exclude(status=Session.CANCELLED)), Decimal("0")),
    }
    if measure in simple:
        return simple[measure]()
    stats = cohort_figures(cohort)  # kept aggregates (aggregates.py), not a recount
    flat = {
        "certificates": stats["certificates"],
        "enrolled": stats["enrolled"], "sessions": stats["sessions"], "sessions_held": stats["sessions_held"],
        "sessions_cancelled": stats["sessions_cancelled"], "completed": stats["completed"],
        "attendance_rate": (stats["attendance_rate"] * 100).quantize(Decimal("0.1")),
        "neighbourhoods": len(stats["by_neighbourhood"]),
        "by_neighbourhood": {r["neighbourhood"]: r["enrolled"] for r in stats["by_neighbourhood"]},
    }
    return dig(flat, measure)
