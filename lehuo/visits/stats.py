"""Aggregates of honours and visits: live figures for the newsletter and the town dashboard."""

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from lehuo.platform import figures

from .models import Honour, Visit


def _date_cn(d) -> str:
    return f"{d.month}月{d.day}日"


def visit_stats(visit: Visit) -> dict:
    """Only aggregate or public facts: never the visited person's name, ID number or phone."""
    visitors = list(visit.visitors.all())
    honour = visit.honour
    return {
        "date_cn": _date_cn(visit.date),
        "purpose": visit.get_purpose_display(),
        "visitors": len(visitors),
        "visitors_cn": "、".join(str(v) for v in visitors),
        "photos": visit.photos.count(),
        "neighbourhood": visit.neighbourhood.name if visit.neighbourhood else "",
        "honour_rank": honour.rank if honour else "",
        "honour_result": honour.result if honour else "",
        "age_then": honour.age_then if honour else "",
    }


def resolve(record_key: str, measure: str):
    visit = Visit.objects.select_related("neighbourhood", "honour__person").filter(slug=record_key).first()
    if visit is None:
        raise figures.FigureError(f"未找到走访记录“{record_key}”")
    value = figures.dig(visit_stats(visit), measure)
    if value == "":
        raise figures.FigureError(f"走访“{record_key}”没有指标“{measure}”的数据")
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
