"""Aggregates of blood drives: drive stats (API, report, live figures), dashboard summary,
donor recall and award progress. Voided records leave every figure."""

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from lehuo.people.models import Person
from lehuo.platform import figures

from .eligibility import WHOLE, Facts, evaluate, rules
from .models import Deferral, Donation, Drive, Screening, SignUp, StemCellSignup


def drive_stats(drive: Drive) -> dict:
    """The drive's figures (page, stats API, newsletter tokens) from the kept aggregates
    (aggregates.py); ``compute_drive_stats`` recomputes the same dict from the records."""
    from .aggregates import drive_figures

    return drive_figures(drive)


def list_figures(drives) -> dict[int, dict]:
    """The drive list's columns for many drives, from the kept aggregates (one read)."""
    from .aggregates import list_figures as kept

    return kept(drives)


def compute_drive_stats(drive: Drive) -> dict:
    """Recomputed from the records (``verify_figures``' reference)."""
    signups = SignUp.objects.filter(drive=drive).exclude(status=SignUp.CANCELLED)
    donations = Donation.objects.valid().filter(drive=drive)
    donor_ids = set(donations.values_list("person_id", flat=True))
    # Each person's last valid screening, as clear columns: only the deferred people's reasons
    # are read (and so decrypted), not every screening's measurements and reasons.
    latest: dict[int, tuple[int, bool]] = {}
    for pk, person_id, eligible in (Screening.objects.valid().filter(drive=drive).order_by("screened_at", "id")
                                    .values_list("pk", "person_id", "eligible")):
        latest[person_id] = (pk, eligible)
    # Deferred: screened, their last screening failed, and they did not give blood.
    deferred = [pk for pid, (pk, eligible) in latest.items() if not eligible and pid not in donor_ids]
    by_reason: Counter = Counter()
    for s in Screening.objects.filter(pk__in=deferred).only("pk", "reasons"):
        for reason in s.reason_list():
            by_reason[reason["code"]] += 1
    totals = donations.aggregate(units=Sum("units"), volume=Sum("volume_ml"))
    by_nbh: dict[str, dict] = defaultdict(lambda: {"volunteers": 0, "donors": 0, "units": Decimal("0.00")})
    other = pgettext("neighbourhood", "其他")
    for name, n in signups.values_list("person__neighbourhood__name").annotate(n=Count("id")):
        by_nbh[name or other]["volunteers"] = n
    for name, n, units in (donations.values_list("person__neighbourhood__name")
                           .annotate(n=Count("person", distinct=True), u=Sum("units"))):
        by_nbh[name or other]["donors"] = n
        by_nbh[name or other]["units"] = units or Decimal("0.00")
    by_tag: dict[str, dict] = {}
    # Ordered as the kept figures order them (a grouped query has no order of its own).
    for tag, n, units in (donations.filter(person__tags__isnull=False).values_list("person__tags__name")
                          .annotate(n=Count("person", distinct=True), u=Sum("units")).order_by("person__tags__name")):
        by_tag[tag] = {"donors": n, "units": units or Decimal("0.00")}
    by_volume = {str(v): n for v, n in donations.filter(kind=WHOLE).values_list("volume_ml")
                 .annotate(n=Count("id")).order_by("volume_ml")}
    return {
        "volunteers": signups.count(),
        "screened": len(latest),
        "deferred": len(deferred),
        "donors": len(donor_ids),
        "donations": donations.count(),
        "units": (totals["units"] or Decimal("0")).quantize(Decimal("0.01")),
        "volume_ml": totals["volume"] or 0,
        "stem_cell_signups": StemCellSignup.objects.valid().filter(drive=drive).count(),
        "by_reason": dict(sorted(by_reason.items(), key=lambda kv: (-kv[1], kv[0]))),
        "by_neighbourhood": dict(sorted(by_nbh.items(), key=lambda kv: (-kv[1]["donors"], kv[0]))),
        "by_tag": by_tag,
        "by_volume": by_volume,
    }


def compute_list_figures(drives) -> dict[int, dict]:
    """The drive list's columns for many drives in five grouped queries (not ``drive_stats``
    per drive: 10 queries and two decryptions per screening each). Same definitions as
    ``drive_stats``: volunteers are sign-ups not cancelled, screened and donors are distinct
    people with a valid screening / donation, units their valid donations' sum."""
    ids = [d.pk for d in drives]
    figs = {pk: {"volunteers": 0, "screened": 0, "donors": 0, "units": Decimal("0.00"), "stem_cell_signups": 0}
            for pk in ids}
    if not ids:
        return figs
    for pk, n in (SignUp.objects.filter(drive_id__in=ids).exclude(status=SignUp.CANCELLED)
                  .values_list("drive_id").annotate(n=Count("id"))):
        figs[pk]["volunteers"] = n
    for pk, n in (Screening.objects.valid().filter(drive_id__in=ids)
                  .values_list("drive_id").annotate(n=Count("person_id", distinct=True))):
        figs[pk]["screened"] = n
    for pk, n, units in (Donation.objects.valid().filter(drive_id__in=ids).values_list("drive_id")
                         .annotate(n=Count("person_id", distinct=True), u=Sum("units"))):
        figs[pk]["donors"] = n
        figs[pk]["units"] = (units or Decimal("0")).quantize(Decimal("0.01"))
    for pk, n in (StemCellSignup.objects.valid().filter(drive_id__in=ids)
                  .values_list("drive_id").annotate(n=Count("id"))):
        figs[pk]["stem_cell_signups"] = n
    return figs


# Health counts (deferrals and their reasons): under ``figures.SMALL_COUNT`` they would point at
# a person, so they are shown as "<5" to roles without health access and never published.
HEALTH_MEASURES = ("deferred", "by_reason")


def is_health_measure(measure: str) -> bool:
    return measure.split(".", 1)[0] in HEALTH_MEASURES


def suppress_small_health_counts(stats: dict) -> dict:
    """``stats`` with every health count under 5 (but not 0) replaced by "<5"."""
    out = dict(stats)
    out["deferred"] = figures.small_count(stats["deferred"])
    out["by_reason"] = {code: figures.small_count(n) for code, n in stats["by_reason"].items()}
    return out


def resolve(slug: str, measure: str):
    """Live figures ``[[blood:<drive slug>:<measure>]]``: aggregates only; a small health count
    is not publishable (``figures.NotPublishable``)."""
    drive = Drive.objects.filter(slug=slug).order_by("pk").first()
    if drive is None:
        raise figures.FigureError(_("献血活动“%(slug)s”不存在") % {"slug": slug})
    value = figures.dig(drive_stats(drive), measure)
    if is_health_measure(measure):
        figures.require_publishable_count(value, measure)
    return value


def dashboard_summary(town) -> dict:
    from django.urls import reverse

    from .aggregates import town_totals

    drives = Drive.objects.filter(town=town)
    latest = drives.order_by("-date").first()
    totals = town_totals(town)  # kept (aggregates.py); compute_town_totals recounts them
    figs = [(_("献血活动"), drives.count()), (_("献血人数"), totals["donors"]), (_("献血量(U)"), totals["units"]),
            (_("造血干细胞登记"), totals["stem_cell_signups"])]
    by_nbh = []
    if latest:
        s = drive_stats(latest)
        figs.insert(0, (_("%(drive)s献血人数") % {"drive": latest.title}, s["donors"]))
        by_nbh = [(name, row["donors"]) for name, row in s["by_neighbourhood"].items()]
    from .aggregates import drive_units

    ordered = list(drives.order_by("date", "pk").values_list("pk", "date"))
    kept = drive_units([pk for pk, _date in ordered])
    over_time = [(day.isoformat(), kept.get(pk) or Decimal("0")) for pk, day in ordered]
    return {"title": _("无偿献血"), "url": reverse("blood:index"), "figures": figs, "by_neighbourhood": by_nbh,
            "over_time": over_time}


def compute_town_totals(town) -> dict:
    """The dashboard's town-wide figures recounted from the records (``verify_figures``)."""
    totals = Donation.objects.valid().filter(drive__town=town).aggregate(u=Sum("units"), d=Count("person", distinct=True))
    return {"donors": totals["d"] or 0, "units": (totals["u"] or Decimal("0")).quantize(Decimal("0.01")),
            "stem_cell_signups": StemCellSignup.objects.valid().filter(drive__town=town).count()}


def award_level(count: Decimal) -> str:
    r = rules()
    if count >= r["award_gold"]:
        return _("金奖")
    if count >= r["award_silver"]:
        return _("银奖")
    if count >= r["award_bronze"]:
        return _("铜奖")
    return ""


def award_progress(people_qs) -> list[dict]:
    """Each 200 ml of whole blood counts one (献血法 awards): bronze / silver / gold."""
    r = rules()
    per = Decimal(r["ml_per_unit"])
    rows = (Donation.objects.valid().filter(kind=WHOLE, person__in=people_qs).values("person_id")
            .annotate(ml=Sum("volume_ml"), n=Count("id")).order_by("-ml", "person_id"))
    people = {p.pk: p for p in Person.objects.filter(pk__in=[row["person_id"] for row in rows])
              .select_related("neighbourhood")}
    out = []
    steps = [(r["award_bronze"], _("铜奖")), (r["award_silver"], _("银奖")), (r["award_gold"], _("金奖"))]
    for row in rows:
        count = Decimal(row["ml"]) / per
        nxt = next(((n, label) for n, label in steps if count < n), None)
        out.append({"person": people[row["person_id"]], "donations": row["n"], "ml": row["ml"],
                    "count": count.quantize(Decimal("0.1")) if count != count.to_integral() else count.quantize(Decimal(1)),
                    "award": award_level(count), "next_award": nxt[1] if nxt else "",
                    "to_next": (Decimal(nxt[0]) - count) if nxt else Decimal(0),
                    "percent": min(100, int(count * 100 / r["award_gold"]))})
    return out


def recall_list(people_qs, by: dt.date) -> list[dict]:
    """Past donors who may give whole blood again by ``by`` (interval over, age and
    deferrals allowing): the invitation list for the next drive."""
    donations = (Donation.objects.valid().filter(person__in=people_qs)
                 .values_list("person_id", "donated_on", "kind", "adverse_reaction"))
    history: dict[int, list] = defaultdict(list)
    adverse: set[int] = set()
    for pid, day, kind, bad in donations:
        history[pid].append((day, kind))
        if bad:
            adverse.add(pid)
    deferrals = defaultdict(list)
    for d in Deferral.objects.valid().filter(person_id__in=list(history), until__gt=by):
        deferrals[d.person_id].append((d.until, d.kind, d.reason))
    people = {p.pk: p for p in Person.objects.active().filter(pk__in=list(history)).select_related("neighbourhood")}
    out = []
    for pid, hist in history.items():
        person = people.get(pid)
        if person is None:
            continue
        past = [h for h in hist if h[0] <= by]
        if not past:  # first gave after ``by``: not yet a past donor then
            continue
        facts = Facts(on=by, birth_date=person.birth_date, sex=person.sex, history=past,
                      adverse_reaction=pid in adverse, deferrals=deferrals[pid], measured=False)
        decision = evaluate(facts)
        if not decision.eligible:
            continue
        last = max(past)[0]
        eligible_since = _eligible_since(person, hist, adverse, by)
        out.append({"person": person, "last_donation": last, "donations": len(past), "eligible_on": eligible_since})
    out.sort(key=lambda row: (row["eligible_on"], row["person"].name_pinyin))
    return out


def _eligible_since(person, hist, adverse, by: dt.date) -> dt.date:
    """The first date the interval after the last donation is over (for sorting the list)."""
    from .eligibility import add_months

    r = rules()
    last_whole = max((d for d, k in hist if k == WHOLE and d <= by), default=None)
    if last_whole is None:
        return by
    return add_months(last_whole, r["whole_blood_interval_months"])
