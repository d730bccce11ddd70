"""What the pages and the API read of the training module, each read checked by the policy
(lehuo/training/policy.py): cohorts, sessions, enrolments, rosters, statistics, training records."""

from django.db.models import Count, Q, QuerySet

from lehuo.accounts.permissions import require, scope_q
from lehuo.people.models import Person
from lehuo.people.search import search_people
from lehuo.platform.errors import NotFound
from lehuo.training import scoping
from lehuo.training.models import Cohort, Enrolment, Programme, Session, Studio


def cohorts_for(actor) -> QuerySet:
    require(actor, "training.cohort.view")
    return (Cohort.objects.filter(scope_q(actor, "training.cohort.view"))
            .select_related("programme__studio", "instructor"))


def studios_for(actor) -> QuerySet:
    """The studios of the towns where the actor sees every cohort (not programme staff's)."""
    require(actor, "training.cohort.view")
    return Studio.objects.filter(scope_q(actor, "training.cohort.view", Studio)).prefetch_related("programmes")


def programme_for(actor, pk) -> Programme | None:
    """A programme the actor may open a cohort of (None: no such programme in their towns)."""
    require(actor, "training.cohort.create")
    return Programme.objects.select_related("studio").filter(scope_q(actor, "training.cohort.create"), pk=pk).first()


def get_cohort(actor, pk, action: str = "training.cohort.view") -> Cohort:
    cohort = Cohort.objects.select_related("programme__studio", "instructor").filter(pk=pk).first()
    if cohort is None:
        raise NotFound()
    require(actor, action, cohort)
    return cohort


def get_session(actor, pk, action: str = "training.session.view") -> Session:
    session = Session.objects.select_related("cohort__programme__studio").filter(pk=pk).first()
    if session is None:
        raise NotFound()
    require(actor, action, session)
    return session


def get_enrolment(actor, pk, action: str = "training.enrolment.view") -> Enrolment:
    enrolment = (Enrolment.objects.select_related("person", "neighbourhood", "cohort__programme__studio")
                 .filter(pk=pk).first())
    if enrolment is None:
        raise NotFound()
    require(actor, action, enrolment)
    return enrolment


def roster(actor, cohort: Cohort, *, active_only: bool = False) -> QuerySet:
    """The cohort's enrolments the actor may see (all of them for the cohort's staff)."""
    require(actor, "training.cohort.view", cohort)
    rows = cohort.enrolments.filter(scoping.people_q(actor, cohort)).select_related("person", "neighbourhood")
    return rows.filter(status=Enrolment.ACTIVE) if active_only else rows


def sessions_of(actor, cohort: Cohort) -> QuerySet:
    require(actor, "training.cohort.view", cohort)
    from lehuo.training.models import Attendance

    # Meta.ordering does not apply to a grouped query (the annotation): order it here.
    return cohort.sessions.annotate(attended=Count("attendance", filter=Q(attendance__status__in=Attendance.ATTENDED))
                                    ).order_by("date", "start_time", "id")


def attendance_of(actor, session: Session) -> QuerySet:
    require(actor, "training.session.view", session)
    return session.attendance.filter(scoping.people_q(actor, session.cohort))


def stats_for(actor, cohort: Cohort) -> dict:
    from lehuo.training.stats import cohort_stats

    require(actor, "training.cohort.view", cohort)
    return cohort_stats(cohort, scoping.people_q(actor, cohort))


def enrol_candidates(actor, cohort: Cohort, q: str) -> list[Person]:
    """People to enrol found by a search: only among those the actor may read in the register
    (programme staff, who may not, find no one here: enrolling gives them no register access)."""
    require(actor, "training.enrolment.create", cohort)
    if not q:
        return []
    pool = Person.objects.active().filter(scope_q(actor, "people.person.view"),
                                          scope_q(actor, "training.enrolment.person"),
                                          town_id=cohort.programme.studio.town_id)
    pool = pool.exclude(pk__in=cohort.enrolments.filter(status=Enrolment.ACTIVE).values("person_id"))
    return list(search_people(pool, q=q)[:20])


def person_record(actor, person_id) -> tuple[Person, list[dict]]:
    """A person's training record across programmes and years."""
    from lehuo.training.stats import training_record

    person = Person.objects.filter(pk=person_id, erased_at__isnull=True).first() if str(person_id).isdigit() else None
    if person is None:
        raise NotFound()
    require(actor, "training.record.view", person)
    return person, training_record(person)


def own_records(actor) -> list[tuple[Person, list[dict], list[Enrolment]]]:
    """The signed-in user's own training record (a social worker's, a resident's), with the
    enrolments that carry a certificate."""
    from lehuo.training.stats import training_record

    require(actor, "training.record.view_own")
    out = []
    for person in Person.objects.filter(account=actor, erased_at__isnull=True):
        require(actor, "training.record.view", person)
        certified = list(Enrolment.objects.filter(person=person, certificate__isnull=False)
                         .select_related("certificate", "cohort__programme__studio"))
        out.append((person, training_record(person), certified))
    return out
