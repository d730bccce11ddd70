"""Aggregates of honours and visits: live figures for the newsletter and the town dashboard."""

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils.dateformat import format as format_date
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from lehuo.lib.labels import list_separator
from lehuo.platform import figures

from .models import Honour, Visit


def _date_cn(d) -> str:
    """The month and day in the reader's language (8月5日 / Aug. 5)."""
    return format_date(d, pgettext("date format", "n月j日"))


def visit_stats(visit: Visit) -> dict:
    """Only aggregate or public facts: never the visited person's name, ID number or phone."""
    visitors = list(visit.visitors.all())
    honour = visit.honour
    return {
        "date_cn": _date_cn(visit.date),
        "purpose": visit.get_purpose_display(),
        "visitors": len(visitors),
        "visitors_cn": list_separator().join(str(v) for v in visitors),
        "photos": visit.photos.count(),
        "neighbourhood": visit.neighbourhood.name if visit.neighbourhood else "",
        "honour_rank": honour.rank if honour else "",
        "honour_result": honour.result if honour else "",
        "age_then": honour.age_then if honour else "",
    }


def resolve(record_key: str, measure: str):
    visit = Visit.objects.select_related("neighbourhood", "honour__person").filter(slug=record_key).first()
    if visit is None:
        raise figures.FigureError(_("未找到走访记录“%(key)s”") % {"key": record_key})
    value = figures.dig(visit_stats(visit), measure)
    if value == "":
        raise figures.FigureError(_("走访“%(key)s”没有指标“%(measure)s”的数据") % {"key": record_key, "measure": measure})
    return value


def dashboard_summary(town) -> dict:
    from django.urls import reverse

    visits = Visit.objects.filter(town=town)
    by_nbh = (visits.values("neighbourhood__name").annotate(n=Count("id")).order_by("-n", "neighbourhood__name"))
    by_month = visits.annotate(m=TruncMonth("date")).values("m").annotate(n=Count("id")).order_by("m")
    by_purpose = dict(visits.values_list("purpose").annotate(n=Count("id")))
    return {
        "title": _("走访慰问"),
        "url": reverse("visits:index"),
        "figures": [
            (_("走访次数"), visits.count()),
            (_("荣誉"), Honour.objects.filter(town=town).count()),
            *[(str(label), by_purpose.get(key, 0)) for key, label in Visit.PURPOSES],
        ],
        "by_neighbourhood": [(r["neighbourhood__name"] or _("未填"), r["n"]) for r in by_nbh],
        "over_time": [(f"{r['m']:%Y-%m}", r["n"]) for r in by_month if r["m"]],
    }
