"""Aggregates: attendance rate per session and per person, enrolled by neighbourhood,
each person's training record. Attendance rate = (present + late) / sessions held;
cancelled sessions and sessions not yet held do not count."""

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from .models import Attendance, Certificate, Cohort, Enrolment, Session


def _rate(numerator: int, denominator: int) -> Decimal:
    if not denominator:
        return Decimal("0")
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def pct(rate: Decimal) -> str:
    return f"{(rate * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def _progress(counts: dict, held: int, hours, threshold: Decimal) -> dict:
    attended = counts.get(Attendance.PRESENT, 0) + counts.get(Attendance.LATE, 0)
    rate = _rate(attended, held)
    return {
        "held": held, "present": counts.get(Attendance.PRESENT, 0), "late": counts.get(Attendance.LATE, 0),
        "absent": counts.get(Attendance.ABSENT, 0), "excused": counts.get(Attendance.EXCUSED, 0),
        "attended": attended, "rate": rate, "rate_pct": pct(rate), "hours": hours,
        "completed": bool(held) and rate >= threshold,
    }


def enrolment_progress(enrolment: Enrolment) -> dict:
    cohort = enrolment.cohort
    held = cohort.sessions.filter(status=Session.HELD).count()
    rows = Attendance.objects.filter(session__cohort=cohort, session__status=Session.HELD, person_id=enrolment.person_id)
    counts = dict(rows.values_list("status").annotate(n=Count("id")))
    hours = sum((a.session.hours for a in rows.filter(status__in=Attendance.ATTENDED).select_related("session")),
                Decimal("0"))
    return _progress(counts, held, hours, cohort.programme.completion_rate)


def people_progress(cohort: Cohort, enrolments) -> list[dict]:
    """One row per enrolment (a fixed number of queries whatever the class size)."""
    enrolments = list(enrolments)
    held_sessions = list(cohort.sessions.filter(status=Session.HELD))
    hours_by_session = {s.pk: s.hours for s in held_sessions}
    counts: dict[int, dict] = defaultdict(dict)
    hours: dict[int, Decimal] = defaultdict(Decimal)
    rows = Attendance.objects.filter(session_id__in=hours_by_session, person_id__in=[e.person_id for e in enrolments])
    for pid, sid, status in rows.values_list("person_id", "session_id", "status"):
        counts[pid][status] = counts[pid].get(status, 0) + 1
        if status in Attendance.ATTENDED:
            hours[pid] += hours_by_session[sid]
    certs = dict(Certificate.objects.filter(enrolment__in=enrolments).values_list("enrolment_id", "number"))
    out = []
    for e in enrolments:
        row = _progress(counts[e.person_id], len(held_sessions), hours[e.person_id], cohort.programme.completion_rate)
        row.update(enrolment=e, person=e.person, certificate=certs.get(e.pk, ""))
        out.append(row)
    return out


def sessions_progress(cohort: Cohort, people_q: Q | None = None) -> list[dict]:
    """Per session: recorded, attended, rate over the students the viewer may see."""
    people_q = people_q or Q()
    enrolled = cohort.enrolments.filter(people_q, status=Enrolment.ACTIVE).count()
    sessions = cohort.sessions.annotate(
        attended=Count("attendance", filter=Q(attendance__status__in=Attendance.ATTENDED) & _under(people_q, "attendance__")),
        recorded=Count("attendance", filter=_under(people_q, "attendance__")),
    )
    out = []
    for s in sessions:
        rate = _rate(s.attended, enrolled) if s.status == Session.HELD else None
        out.append({"session": s, "attended": s.attended, "recorded": s.recorded, "enrolled": enrolled,
                    "rate": rate, "rate_pct": pct(rate) if rate is not None else ""})
    return out


def _under(q: Q, prefix: str) -> Q:
    """Re-root a Q written over enrolment/attendance rows (``person__...``) under ``prefix``."""
    from lehuo.accounts.scoping import _prefixed

    return _prefixed(q, prefix) if q.children else Q()


def by_neighbourhood(cohort: Cohort, people_q: Q | None = None) -> list[dict]:
    people_q = people_q or Q()
    rows = (cohort.enrolments.filter(people_q, status=Enrolment.ACTIVE)
            .values("neighbourhood__name").annotate(n=Count("id")).order_by("-n", "neighbourhood__name"))
    return [{"neighbourhood": r["neighbourhood__name"] or _("（未登记居民区）"), "enrolled": r["n"]} for r in rows]


def cohort_stats(cohort: Cohort, people_q: Q | None = None) -> dict:
    """The figures of /api/v1/cohorts/{id}/stats and the stats page."""
    people_q = people_q or Q()
    enrolments = cohort.enrolments.filter(people_q, status=Enrolment.ACTIVE).select_related("person", "neighbourhood")
    people = people_progress(cohort, enrolments)
    sessions = sessions_progress(cohort, people_q)
    held = [s for s in sessions if s["session"].status == Session.HELD]
    possible = sum(s["enrolled"] for s in held)
    attended = sum(s["attended"] for s in held)
    rate = _rate(attended, possible)
    return {
        "enrolled": len(people),
        "capacity": cohort.capacity,
        "sessions": sum(1 for s in sessions if s["session"].status != Session.CANCELLED),
        "sessions_held": len(held),
        "sessions_cancelled": sum(1 for s in sessions if s["session"].status == Session.CANCELLED),
        "attendance_rate": rate,
        "attendance_rate_pct": pct(rate),
        "completed": sum(1 for p in people if p["completed"]),
        "by_neighbourhood": by_neighbourhood(cohort, people_q),
        "people": people,
        "per_session": sessions,
    }


KEPT = ("enrolled", "sessions", "sessions_held", "sessions_cancelled", "attendance_rate", "attendance_rate_pct",
        "completed", "by_neighbourhood")


def compute_cohort_figures(cohort: Cohort) -> dict:
    """The cohort's figures kept in aggregates.py, recomputed from the records (``verify_figures``)."""
    stats = cohort_stats(cohort)
    out = {k: stats[k] for k in KEPT}
    out["certificates"] = Certificate.objects.filter(enrolment__cohort=cohort, revoked_at__isnull=True).count()
    return out


def training_record(person) -> list[dict]:
    """Every programme the person took, across years: hours, rate, completion, certificate."""
    enrolments = (Enrolment.objects.filter(person=person)
                  .select_related("cohort__programme__studio")
                  .order_by("-cohort__starts_on"))
    out = []
    for e in enrolments:
        p = enrolment_progress(e)
        cert = Certificate.objects.filter(enrolment=e).first()
        out.append({
            "studio": e.cohort.programme.studio.name, "programme": e.cohort.programme.title,
            "cohort": str(e.cohort), "cohort_id": e.cohort_id, "year": e.cohort.starts_on.year,
            "starts_on": e.cohort.starts_on, "ends_on": e.cohort.ends_on, "status": e.get_status_display(),
            "sessions_held": p["held"], "attended": p["attended"], "hours": p["hours"], "rate": p["rate_pct"],
            "completed": p["completed"], "certificate": cert.number if cert else "",
        })
    return out


def record_totals(rows: list[dict]) -> dict:
    by_year: dict[int, Decimal] = defaultdict(Decimal)
    for r in rows:
        by_year[r["year"]] += r["hours"]
    return {"hours": sum((r["hours"] for r in rows), Decimal("0")), "programmes": len({r["programme"] for r in rows}),
            "by_year": sorted(by_year.items(), reverse=True)}
