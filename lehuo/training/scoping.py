"""Querysets of the training module filtered by the policy (lehuo/training/policy.py): no rule
of who sees what lives here, only the ``scope_q`` filters the pages and the API use."""

from django.db.models import Q

from lehuo.accounts.permissions import may, scope_q


def cohort_q(user) -> Q:
    """Cohorts the user may see (``training.cohort.view``)."""
    return scope_q(user, "training.cohort.view")


def people_q(user, cohort, prefix: str = "person__") -> Q:
    """Rows of ``cohort`` (enrolments, attendance: anything with a ``person``) the user may see:
    all of them for the cohort's staff (``training.roster.view``), else those of the people
    whose training record the user may read (``training.record.view``)."""
    if may(user, "training.roster.view", cohort):
        return Q()
    return scope_q(user, "training.record.view", prefix=prefix)


def can_manage(user, cohort) -> bool:
    return may(user, "training.cohort.manage", cohort)


def can_record_attendance(user, session) -> bool:
    return may(user, "training.attendance.record", session)
