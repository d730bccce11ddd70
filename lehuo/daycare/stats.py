"""Day-care figures: places, fill rate, attendance, courses by category. Aggregates only."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from lehuo.platform import figures

from .models import Arrival, Course, Enrolment, Offering, Site, Year
from .models_running import CATEGORIES


def _rate(part: int, whole: int) -> Decimal:
    if not whole:
        return Decimal("0.000")
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def pct(rate: Decimal) -> str:
    return f"{(rate * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def offering_counts(offerings):
    """Offerings annotated with confirmed / waitlisted counts (one query)."""
    return offerings.annotate(
        n_confirmed=Count("enrolments", filter=Q(enrolments__status=Enrolment.CONFIRMED)),
        n_waitlisted=Count("enrolments", filter=Q(enrolments__status=Enrolment.WAITLISTED)),
    )


def year_stats(year: Year, site_ids=None, *, per_offering: bool = True) -> dict:
    """The stats dict behind the figures (``daycare:<year>:<measure>``) and the stats page;
    without ``per_offering`` (the dashboard, the newsletter's figures) the table of every
    offering is not read."""
    sites = Site.objects.filter(year=year)
    offerings = Offering.objects.filter(site__year=year)
    enrolments = Enrolment.objects.filter(offering__site__year=year)
    arrivals = Arrival.objects.filter(enrolment__offering__site__year=year)
    if site_ids is not None:
        sites, offerings = sites.filter(pk__in=site_ids), offerings.filter(site_id__in=site_ids)
        enrolments, arrivals = enrolments.filter(offering__site_id__in=site_ids), arrivals.filter(enrolment__offering__site_id__in=site_ids)
    offered = offerings.aggregate(n=Sum("capacity"), count=Count("*"))
    places = offered["n"] or 0
    counts = dict(enrolments.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    enrolled, waitlisted = counts.get(Enrolment.CONFIRMED, 0), counts.get(Enrolment.WAITLISTED, 0)
    # Counted over (enrolment, present), which an index holds: PostgreSQL reads the index alone.
    att = arrivals.aggregate(total=Count("enrolment"), present=Count("enrolment", filter=Q(present=True)))
    fill_rate, attendance_rate = _rate(enrolled, places), _rate(att["present"], att["total"])
    by_cat = dict(Course.objects.filter(year=year).values_list("category").annotate(n=Count("id")).values_list("category", "n"))
    course_categories = {str(label): by_cat.get(code, 0) for code, label in CATEGORIES}
    rows = [
        {"offering": o, "confirmed": o.n_confirmed, "waitlisted": o.n_waitlisted,
         "fill_rate": _rate(o.n_confirmed, o.capacity), "fill_rate_pct": pct(_rate(o.n_confirmed, o.capacity))}
        for o in offering_counts(offerings.select_related("site", "term")).order_by("term__number", "site__name")
    ] if per_offering else None
    return {
        "year": year.year,
        "sites": sites.count(),
        "offerings": offered["count"],
        "places": places,
        "enrolled": enrolled,
        "waitlisted": waitlisted,
        "cancelled": counts.get(Enrolment.CANCELLED, 0),
        "fill_rate": fill_rate,
        "fill_rate_pct": pct(fill_rate),
        "courses": sum(by_cat.values()),
        "course_categories": sum(1 for n in by_cat.values() if n),
        "by_category": course_categories,
        "attendance_days": att["total"],
        "attendance_rate": attendance_rate,
        "attendance_rate_pct": pct(attendance_rate),
        **({"per_offering": rows} if rows is not None else {}),
    }


def _year_for(record: str) -> Year:
    try:
        number = int(record)
    except ValueError:
        raise figures.FigureError(_("暑托班年度应为四位数字：%(record)s") % {"record": record})
    years = list(Year.objects.filter(year=number).select_related("town"))
    if not years:
        raise figures.FigureError(_("没有%(record)s年的暑托班记录") % {"record": record})
    preferred = [y for y in years if y.town.name == settings.LEHUO_TOWN_NAME]
    return (preferred or years)[0]


def resolve_figure(record: str, measure: str):
    """``daycare:<year>:<measure>`` for the newsletter (aggregates only)."""
    stats = year_stats(_year_for(record), per_offering=False)
    return figures.dig(stats, measure)


def dashboard_summary(town) -> dict:
    year = Year.objects.filter(town=town).order_by("-year").first()
    try:
        url = reverse("daycare:index")
    except Exception:  # pragma: no cover - the URLconf always has it
        url = ""
    if year is None:
        return {"title": _("爱心暑托班"), "url": url, "figures": [], "by_neighbourhood": [], "over_time": []}
    stats = year_stats(year, per_offering=False)
    by_nbh = (Enrolment.objects.filter(offering__site__year=year, status=Enrolment.CONFIRMED)
              .values_list("offering__site__neighbourhood__name").annotate(n=Count("id"))
              .order_by("-n", "offering__site__neighbourhood__name"))  # ties by name: the same order every time
    by_term = (Enrolment.objects.filter(offering__site__year=year, status=Enrolment.CONFIRMED)
               .values_list("offering__term__number").annotate(n=Count("id")).order_by("offering__term__number"))
    return {
        "title": _("%(year)s年爱心暑托班") % {"year": year.year},
        "url": url,
        "figures": [(_("办班点"), stats["sites"]), (_("名额"), stats["places"]), (_("录取"), stats["enrolled"]),
                    (_("候补"), stats["waitlisted"]), (_("报满率"), stats["fill_rate_pct"]),
                    (_("出勤率"), stats["attendance_rate_pct"]), (_("课程"), stats["courses"])],
        "by_neighbourhood": [(name, n) for name, n in by_nbh],
        "over_time": [(_("第%(n)s期") % {"n": number}, n) for number, n in by_term],
    }
