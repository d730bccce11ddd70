"""Who may see and run which cohort. Built on core's scoping (the one place scope rules live).

- Town admins: every cohort of their town, all of its students.
- Programme staff (the instructor): the cohorts they are assigned to through core's
  ``Assignment``; they see and record all students of those cohorts (person-scope hook).
- Social workers and viewers: the town's cohorts, but enrolments and attendance only of
  the people they may see (their own neighbourhoods), unless assigned to that cohort.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from lehuo.accounts import scoping
from lehuo.accounts.models import PROGRAMME_STAFF, Assignment


def _cohort_ct():
    from .models import Cohort

    return ContentType.objects.get_for_model(Cohort)


def assigned_cohort_ids(user) -> set[int]:
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_training_cohort_ids", None)
    if cached is None:
        cached = set(
            Assignment.objects.filter(user=user, content_type=_cohort_ct()).values_list("object_id", flat=True)
        )
        user._training_cohort_ids = cached
    return cached


def forget(user) -> None:
    """Drop the cached assignments (after assigning in the same request)."""
    for attr in ("_training_cohort_ids",):
        if hasattr(user, attr):
            delattr(user, attr)



def cohort_q(user) -> Q:
    if not getattr(user, "is_authenticated", False) or not scoping.is_staff_member(user):
        return Q(pk__in=[])
    town = scoping.town_q(user, "programme__studio__town")
    assigned = Q(pk__in=assigned_cohort_ids(user))
    if scoping.roles(user) - {PROGRAMME_STAFF} or getattr(user, "is_superuser", False):
        # Cohorts themselves hold no personal data: any other staff role lists the town's.
        return town
    return assigned & town


def can_manage(user, cohort) -> bool:
    """Take attendance, enrol, move sessions, issue certificates."""
    if getattr(user, "is_superuser", False):
        return True
    if scoping.is_town_wide(user) and cohort.programme.studio.town_id in (scoping.town_ids(user) or set()):
        return True
    return cohort.pk in assigned_cohort_ids(user)


def can_create(user) -> bool:
    return scoping.is_town_wide(user)


def people_q(user, cohort, prefix: str = "person__") -> Q:
    """Rows of ``cohort`` (enrolments, attendance) the user may see."""
    if can_manage(user, cohort):
        return Q()
    return scoping.person_scope_q(user, prefix)
