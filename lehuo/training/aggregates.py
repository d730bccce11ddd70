"""Cohort figures kept as aggregates, exact, updated in the writing transaction.

``stats.cohort_stats`` reads every enrolment, session and attendance row of a cohort; each
newsletter token ``[[training:<cohort>:<measure>]]`` did so again. Here three tables are kept:

- ``CohortFigure``: one row per (cohort, dimension, key) with a count: ``enrolled`` (active
  enrolments), ``nbh`` (active enrolments by the enrolment's neighbourhood id), ``session``
  (sessions by status), ``attended`` (present or late rows in held sessions, whoever they are),
  ``certificates`` (not revoked).
- ``CohortSession``: each session's status and attended rows as last counted.
- ``CohortPerson``: each enrolled (or once enrolled) person's enrolment status and neighbourhood
  as counted, and their present-or-late rows in held sessions (for "completed": attended / held
  at least the programme's completion rate).

The services call ``people_changed(cohort id, person ids)`` after an enrolment, withdrawal or
attendance, ``sessions_changed(cohort id)`` after attendance, a session's cancellation or move
and a calendar regeneration, and ``certificate_issued``: in their transaction. Each hook locks
the cohort's row (PostgreSQL; SQLite transactions are ``IMMEDIATE``), recomputes the touched
people's or sessions' state from their few records, and adds the difference with the stored
state to the cohort's rows with ``INSERT ... ON CONFLICT DO UPDATE SET n = n + excluded.n``.

``compute_cohort_figures`` (stats.py) is the recomputation; ``verify`` compares, ``rebuild``
recomputes the tables (migration, repair).
"""

from collections import defaultdict
from typing import Any

from django.db import connection, models

from lehuo.platform.kept_figures import differences, upsert


class CohortFigure(models.Model):
    cohort_id = models.BigIntegerField()
    dim = models.CharField(max_length=12)
    key = models.CharField(max_length=24)
    n = models.BigIntegerField(default=0)

    class Meta:
        app_label = "training"
        db_table = "training_cohort_figure"
        constraints = [models.UniqueConstraint(fields=["cohort_id", "dim", "key"], name="training_cohort_figure_unique")]


class CohortSession(models.Model):
    cohort_id = models.BigIntegerField()
    session_id = models.BigIntegerField(unique=True)
    status = models.CharField(max_length=10)
    attended = models.IntegerField(default=0)

    class Meta:
        app_label = "training"
        db_table = "training_cohort_session_figure"
        indexes = [models.Index(fields=["cohort_id"], name="training_session_fig_cohort")]


class CohortPerson(models.Model):
    cohort_id = models.BigIntegerField()
    person_id = models.BigIntegerField()
    active = models.SmallIntegerField(default=0)
    nbh = models.CharField(max_length=24, default="", blank=True)
    attended = models.IntegerField(default=0)  # present or late in held sessions

    class Meta:
        app_label = "training"
        db_table = "training_cohort_person_figure"
        constraints = [models.UniqueConstraint(fields=["cohort_id", "person_id"], name="training_cohort_person_unique")]


def _lock_cohort(cohort_id: int) -> None:
    if not connection.in_atomic_block:
        raise RuntimeError("figures are changed inside the writing transaction")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM training_cohort WHERE id = %s FOR NO KEY UPDATE", [cohort_id])


def _add(cohort_id: int, delta: dict[tuple[str, str], int]) -> None:
    rows = [(cohort_id, dim, key, n) for (dim, key), n in sorted(delta.items()) if n]
    upsert("training_cohort_figure", ("cohort_id", "dim", "key", "n"), ("cohort_id", "dim", "key"), ("n",), rows)


def person_states(cohort_id: int, person_ids) -> dict[int, dict]:
    from .models import Attendance, Enrolment, Session

    ids = sorted(set(person_ids))
    states: dict[int, dict[str, Any]] = {pid: {"active": 0, "nbh": "", "attended": 0} for pid in ids}
    for pid, nbh in (Enrolment.objects.filter(cohort_id=cohort_id, person_id__in=ids, status=Enrolment.ACTIVE)
                     .values_list("person_id", "neighbourhood_id")):
        states[pid].update(active=1, nbh=str(nbh or ""))
    for pid in (Attendance.objects.filter(session__cohort_id=cohort_id, session__status=Session.HELD,
                                          status__in=Attendance.ATTENDED, person_id__in=ids)
                .values_list("person_id", flat=True)):
        states[pid]["attended"] += 1
    return states


def _person_part(state: dict) -> dict[tuple[str, str], int]:
    return {("enrolled", ""): state["active"], ("nbh", state["nbh"]): state["active"]}


def people_changed(cohort_id: int, person_ids) -> None:
    """Hook: these people's enrolment or attendance in the cohort just changed."""
    _lock_cohort(cohort_id)
    new = person_states(cohort_id, person_ids)
    old: dict[int, dict[str, Any]] = {r["person_id"]: dict(r) for r in CohortPerson.objects.filter(cohort_id=cohort_id, person_id__in=list(new))
           .values("person_id", "active", "nbh", "attended")}
    delta: dict[tuple[str, str], int] = defaultdict(int)
    for pid, state in new.items():
        before = old.get(pid)
        if before is not None and all(before[k] == state[k] for k in state):
            continue
        for k, v in _person_part(state).items():
            delta[k] += v
        if before is not None:
            for k, v in _person_part(before).items():
                delta[k] -= v
            CohortPerson.objects.filter(cohort_id=cohort_id, person_id=pid).update(**state)
        else:
            CohortPerson.objects.create(cohort_id=cohort_id, person_id=pid, **state)
    _add(cohort_id, delta)


def session_states(cohort_id: int) -> dict[int, dict]:
    from django.db.models import Count, Q

    from .models import Attendance, Session

    return {pk: {"status": status, "attended": n} for pk, status, n in
            Session.objects.filter(cohort_id=cohort_id).annotate(
                n=Count("attendance", filter=Q(attendance__status__in=Attendance.ATTENDED)))
            .values_list("pk", "status", "n")}


def _session_part(state: dict) -> dict[tuple[str, str], int]:
    from .models import Session

    return {("session", state["status"]): 1,
            ("attended", ""): state["attended"] if state["status"] == Session.HELD else 0}


def sessions_changed(cohort_id: int) -> None:
    """Hook: a session of the cohort was added, removed, held (attendance), moved or cancelled."""
    from .models import Attendance, Session

    _lock_cohort(cohort_id)
    new = session_states(cohort_id)
    old: dict[int, dict[str, Any]] = {r["session_id"]: dict(r) for r in CohortSession.objects.filter(cohort_id=cohort_id)
           .values("session_id", "status", "attended")}
    delta: dict[tuple[str, str], int] = defaultdict(int)
    held_changed = []
    for pk in sorted(set(new) | set(old)):
        state, before = new.get(pk), old.get(pk)
        if state and before and state["status"] == before["status"] and state["attended"] == before["attended"]:
            continue
        if state:
            for k, v in _session_part(state).items():
                delta[k] += v
        if before:
            for k, v in _session_part(before).items():
                delta[k] -= v
        if (state or {}).get("status") == Session.HELD or (before or {}).get("status") == Session.HELD:
            held_changed.append(pk)
        if state is None:
            CohortSession.objects.filter(session_id=pk).delete()
        elif before is None:
            CohortSession.objects.create(cohort_id=cohort_id, session_id=pk, **state)
        else:
            CohortSession.objects.filter(session_id=pk).update(**state)
    _add(cohort_id, delta)
    if held_changed:
        people = set(Attendance.objects.filter(session_id__in=held_changed).values_list("person_id", flat=True))
        if people:
            people_changed(cohort_id, people)


def certificate_issued(cohort_id: int) -> None:
    """Hook: a certificate of the cohort was issued (+1)."""
    _lock_cohort(cohort_id)
    _add(cohort_id, {("certificates", ""): 1})


# --- reading ----------------------------------------------------------------------------------


def cohort_figures(cohort) -> dict:
    """The cohort's figures (``compute_cohort_figures``' dict) from the kept rows (three small reads)."""
    from django.utils.translation import gettext as _

    from lehuo.accounts.models import Neighbourhood

    from .models import Session
    from .stats import _rate, pct

    rows: dict[str, dict[str, int]] = defaultdict(dict)
    for dim, key, n in CohortFigure.objects.filter(cohort_id=cohort.pk).values_list("dim", "key", "n"):
        rows[dim][key] = n
    enrolled = rows["enrolled"].get("", 0)
    held = rows["session"].get(Session.HELD, 0)
    cancelled = rows["session"].get(Session.CANCELLED, 0)
    rate = _rate(rows["attended"].get("", 0), enrolled * held)
    threshold = cohort.programme.completion_rate
    completed = 0
    if held:
        for attended in CohortPerson.objects.filter(cohort_id=cohort.pk, active=1).values_list("attended", flat=True):
            if _rate(attended, held) >= threshold:
                completed += 1
    live = {k: n for k, n in rows["nbh"].items() if n}
    names = dict(Neighbourhood.objects.filter(pk__in=[int(k) for k in live if k]).values_list("pk", "name"))
    by_name: dict[str | None, int] = defaultdict(int)
    for k, n in live.items():
        by_name[names.get(int(k)) if k else None] += n
    by_nbh = [{"neighbourhood": name or _("（未登记居民区）"), "enrolled": n}
              for name, n in sorted(by_name.items(), key=lambda kv: (-kv[1], kv[0] is None, kv[0] or ""))]
    return {
        "enrolled": enrolled,
        "sessions": sum(n for status, n in rows["session"].items() if status != Session.CANCELLED),
        "sessions_held": held,
        "sessions_cancelled": cancelled,
        "attendance_rate": rate,
        "attendance_rate_pct": pct(rate),
        "completed": completed,
        "by_neighbourhood": by_nbh,
        "certificates": rows["certificates"].get("", 0),
    }


# --- rebuilding and checking ------------------------------------------------------------------


def rebuild(*, progress=None) -> int:
    """Recompute the three tables from the records, cohort by cohort, in one transaction;
    returns the number of cohorts."""
    from django.db import transaction

    from .models import Attendance, Certificate, Cohort, Enrolment

    n = 0
    with transaction.atomic():
        CohortFigure.objects.all().delete()
        CohortSession.objects.all().delete()
        CohortPerson.objects.all().delete()
        for cohort_id in Cohort.objects.order_by("pk").values_list("pk", flat=True):
            sessions_changed(cohort_id)
            people = set(Enrolment.objects.filter(cohort_id=cohort_id).values_list("person_id", flat=True))
            people |= set(Attendance.objects.filter(session__cohort_id=cohort_id).values_list("person_id", flat=True))
            people_changed(cohort_id, people)
            certs = Certificate.objects.filter(enrolment__cohort_id=cohort_id, revoked_at__isnull=True).count()
            _add(cohort_id, {("certificates", ""): certs})
            n += 1
            if progress:
                progress(f"cohort {cohort_id}")
    return n


def verify() -> list[str]:
    """Every cohort's kept figures against the same figures recomputed from the records."""
    from .models import Cohort
    from .stats import compute_cohort_figures

    out = []
    for cohort in Cohort.objects.select_related("programme").order_by("pk"):
        kept, computed = cohort_figures(cohort), compute_cohort_figures(cohort)
        for figs in (kept, computed):  # equal counts: the database orders a missing neighbourhood
            figs["by_neighbourhood"] = {r["neighbourhood"]: r["enrolled"] for r in figs["by_neighbourhood"]}
        out += [f"cohort {cohort.slug}{d}" for d in differences(kept, computed)]
    return out

