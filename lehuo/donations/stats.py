"""Drive figures, computed by aggregate queries (never a Python loop over donations).

``drive_stats(drive)`` is the dict behind the API (``/donation-drives/{id}/stats``), the
overview page and the newsletter's live figures (``[[donations:<slug>:<measure>]]``).
People are distinct persons (someone who gives twice counts once); voided donations
leave every figure.
"""

from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from lehuo.people.models import Tag
from lehuo.platform import figures

from .models import CHANNELS, METHODS, Donation, Drive

CENT = Decimal("0.01")
# Tags always reported, even at zero (issue 4): Party members, students, residents, disabled.
REPORTED_TAGS = ["党员", "学生", "居民", "残疾人"]  # not-ui: tag names (data) and figure keys


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


def _block(row: dict) -> dict:
    return {"donations": row.get("donations") or 0, "people": row.get("people") or 0, "total": _money(row.get("total"))}


def _grouped(qs, field: str) -> dict:
    rows = qs.values(field).annotate(donations=Count("id"), people=Count("person", distinct=True),
                                     total=Sum("amount")).order_by(field)
    return {row[field]: _block(row) for row in rows}


def drive_stats(drive: Drive) -> dict:
    """The drive's figures, read from the figures kept by every gift, void and tag change
    (lehuo/donations/aggregates.py): exact, and a few small reads however big the drive."""
    from .aggregates import drive_figures

    return drive_figures(drive)


def compute_drive_stats(drive: Drive) -> dict:
    """The same figures recomputed from every gift (``verify_figures`` checks they agree)."""
    qs = Donation.objects.filter(drive=drive, voided_at__isnull=True)
    head = qs.aggregate(
        donations=Count("id"),
        people=Count("person", distinct=True),
        organisations=Count("organisation", distinct=True),
        outsiders=Count("id", filter=Q(person__isnull=True, organisation__isnull=True)),
        total=Sum("amount"),
        people_total=Sum("amount", filter=Q(person__isnull=False)),
        organisations_total=Sum("amount", filter=Q(organisation__isnull=False)),
    )
    by_tag = {name: {"people": 0, "total": _money(0)} for name in REPORTED_TAGS}
    tag_rows = (qs.filter(person__tags__applies_to=Tag.PERSON)
                .values("person__tags__name")
                .annotate(people=Count("person", distinct=True), total=Sum("amount"))
                .order_by("person__tags__name"))
    for row in tag_rows:
        by_tag[row["person__tags__name"]] = {"people": row["people"], "total": _money(row["total"])}
    by_channel = {code: _block({}) for code, _label in CHANNELS}
    by_channel.update(_grouped(qs, "channel"))
    by_method = _grouped(qs, "method")
    by_nbh = {}
    for row in (qs.values("neighbourhood__name", "neighbourhood__code")
                .annotate(donations=Count("id"), people=Count("person", distinct=True), total=Sum("amount"))
                .order_by("neighbourhood__name")):
        name = row["neighbourhood__name"] or _("未指定居民区")
        by_nbh[name] = {**_block(row), "code": row["neighbourhood__code"] or ""}
    by_day = {day.isoformat(): block for day, block in _grouped(qs, "received_on").items()}
    return {
        "drive": drive.slug,
        "people": head["people"],
        "organisations": head["organisations"],
        "outsiders": head["outsiders"],
        "donations": head["donations"],
        "total": _money(head["total"]),
        "people_total": _money(head["people_total"]),
        "organisations_total": _money(head["organisations_total"]),
        "by_tag": by_tag,
        "by_channel": by_channel,
        "by_method": by_method,
        "by_neighbourhood": by_nbh,
        "by_day": by_day,
    }


def as_json(value):
    """The stats dict with money as "56510.00" strings (the API's money format)."""
    if isinstance(value, Decimal):
        return f"{value.quantize(CENT):f}"
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_json(v) for v in value]
    return value


def method_label(code: str) -> str:
    return str(dict(METHODS).get(code, code))


def resolve(slug: str, measure: str):
    """Live-figure resolver: ``[[donations:henan-flood-2021:by_tag.党员.people]]``."""
    drive = Drive.objects.filter(slug=slug).first()
    if drive is None:
        raise figures.FigureError(_("未知募捐活动“%(slug)s”") % {"slug": slug})
    return figures.dig(drive_stats(drive), measure)


def compute_dashboard(town) -> dict:
    """The dashboard's donation figures of ``town`` recomputed from every gift."""
    qs = Donation.objects.filter(drive__town=town, voided_at__isnull=True)
    head = qs.aggregate(people=Count("person", distinct=True), organisations=Count("organisation", distinct=True),
                        donations=Count("id"), total=Sum("amount"))
    nbh = (qs.exclude(neighbourhood=None).values("neighbourhood__name").annotate(total=Sum("amount"))
           .order_by("-total", "neighbourhood__name"))
    months = qs.annotate(month=TruncMonth("received_on")).values("month").annotate(total=Sum("amount")).order_by("month")
    return {"people": head["people"], "organisations": head["organisations"], "donations": head["donations"],
            "total": _money(head["total"]),
            "by_neighbourhood": [(r["neighbourhood__name"], _money(r["total"])) for r in nbh],
            "over_time": [(r["month"].strftime("%Y-%m"), _money(r["total"])) for r in months if r["month"]]}


def dashboard_summary(town) -> dict:
    """The town dashboard's panel: all drives of the town, from the kept figures."""
    from django.urls import reverse

    from .aggregates import town_figures

    f = town_figures(town)
    return {
        "title": _("募捐"),
        "url": reverse("donations:index"),
        "figures": [
            (_("募捐活动"), Drive.objects.filter(town=town).count()),
            (_("参与人数"), f["people"]),
            (_("参与单位"), f["organisations"]),
            (_("捐款笔数"), f["donations"]),
            (_("捐款总额（元）"), f["total"]),
        ],
        "by_neighbourhood": f["by_neighbourhood"],
        "over_time": f["over_time"],
    }
