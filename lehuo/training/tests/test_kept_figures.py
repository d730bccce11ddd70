"""The cohorts' kept figures (lehuo/training/aggregates.py) equal the recomputation after any
sequence of writes, and ``verify`` catches a write that skipped the hook."""

import datetime as dt
import importlib
import random

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.core.management.base import CommandError

from lehuo.platform.errors import ServiceError
from lehuo.training import aggregates, services
from lehuo.training.aggregates import CohortFigure, CohortPerson, CohortSession, cohort_figures
from lehuo.training.figures import resolve
from lehuo.training.models import Attendance, Enrolment, Session
from lehuo.training.stats import compute_cohort_figures

STATUSES = [Attendance.PRESENT, Attendance.PRESENT, Attendance.LATE, Attendance.ABSENT, Attendance.EXCUSED]


def _walk(seed, town_admin, cohorts, people, steps):
    rng = random.Random(seed)
    done = {"ok": 0, "refused": 0}
    today = dt.date(2021, 12, 31)
    for _step in range(steps):
        cohort, person = rng.choice(cohorts), rng.choice(people)
        op = rng.choice(["enrol", "enrol", "withdraw", "attend", "attend", "attend", "cancel", "move", "certificate",
                         "reschedule"])
        try:
            if op == "enrol":
                services.enrol(town_admin, cohort, person)
            elif op == "withdraw":
                e = Enrolment.objects.filter(cohort=cohort, person=person).first()
                if e:
                    services.withdraw(town_admin, e)
            elif op == "attend":
                session = Session.objects.filter(cohort=cohort).exclude(status=Session.CANCELLED).order_by("?").first()
                active = list(Enrolment.objects.filter(cohort=cohort, status=Enrolment.ACTIVE)
                              .values_list("person_id", flat=True))
                if session and active:
                    chosen = rng.sample(active, rng.randint(1, len(active)))
                    services.record_attendance(town_admin, session, [{"person_id": p, "status": rng.choice(STATUSES)}
                                                                     for p in chosen], today=today)
            elif op == "cancel":
                session = Session.objects.filter(cohort=cohort).exclude(status=Session.CANCELLED).order_by("?").first()
                if session:
                    services.cancel_session(town_admin, session, "台风")
            elif op == "move":
                session = Session.objects.filter(cohort=cohort, status=Session.SCHEDULED).order_by("?").first()
                if session:
                    services.move_session(town_admin, session, session.date + dt.timedelta(days=1), "场地冲突")
            elif op == "certificate":
                e = Enrolment.objects.filter(cohort=cohort, status=Enrolment.ACTIVE).order_by("?").first()
                if e:
                    services.issue_certificate(town_admin, e)
            elif op == "reschedule":
                services.update_schedule(town_admin, cohort, ends_on=cohort.ends_on + dt.timedelta(days=rng.choice([-7, 7])))
                cohort.refresh_from_db()
            done["ok"] += 1
        except ServiceError:
            done["refused"] += 1
    return done


@pytest.mark.verify_figures
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_writes_keep_the_figures_exact(seed, make_cohort, make_person, town_admin, lv11, hj9):
    cohorts = [make_cohort(number=1, capacity=6), make_cohort(number=2)]
    people = [make_person(neighbourhood=[lv11, hj9][i % 2]) for i in range(8)]
    done = _walk(seed, town_admin, cohorts, people, 120)
    assert done["ok"] > 50
    assert aggregates.verify() == []
    figs = [cohort_figures(c) for c in cohorts]
    assert sum(f["enrolled"] for f in figs) > 0 and sum(f["sessions_held"] for f in figs) > 0  # not vacuous
    for c in cohorts:
        c.refresh_from_db()
        kept, computed = cohort_figures(c), compute_cohort_figures(c)
        kept.pop("by_neighbourhood"), computed.pop("by_neighbourhood")
        assert kept == computed
        assert resolve(c.slug, "completed") == computed["completed"]
    before = sorted(CohortFigure.objects.exclude(n=0).values_list("cohort_id", "dim", "key", "n"))
    aggregates.rebuild()
    assert sorted(CohortFigure.objects.exclude(n=0).values_list("cohort_id", "dim", "key", "n")) == before


@pytest.mark.django_db
def test_a_write_that_skips_the_hook_is_caught(cohort, make_person, town_admin):
    person = make_person()
    services.enrol(town_admin, cohort, person)
    call_command("verify_figures", stdout=open("/dev/null", "w"))  # noqa: SIM115
    Enrolment.objects.filter(cohort=cohort, person=person).update(status=Enrolment.WITHDRAWN)  # around the service
    found = aggregates.verify()
    assert any(".enrolled:" in line for line in found), found
    with pytest.raises(CommandError):
        call_command("verify_figures", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("verify_figures", "--rebuild", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert aggregates.verify() == []


@pytest.mark.verify_figures
def test_migration_builds_the_figures_of_an_existing_database(cohort, make_person, town_admin):
    people = [make_person() for _ in range(3)]
    for p in people:
        services.enrol(town_admin, cohort, p)
    session = cohort.sessions.order_by("date").first()
    services.record_attendance(town_admin, session, [{"person_id": p.pk, "status": "present"} for p in people],
                               today=dt.date(2021, 12, 31))
    expected = compute_cohort_figures(cohort)
    for model in (CohortFigure, CohortPerson, CohortSession):
        model.objects.all().delete()
    assert cohort_figures(cohort)["enrolled"] == 0
    migration = importlib.import_module("lehuo.training.migrations.0004_kept_cohort_figures")
    migration.fill(django_apps, None)
    assert cohort_figures(cohort) == expected
