import datetime as dt

import pytest

from lehuo.platform.errors import ServiceError
from lehuo.platform.models import AuditLog
from lehuo.training import services
from lehuo.training.models import Enrolment

pytestmark = pytest.mark.django_db


def test_enrolment_over_capacity_is_refused(make_cohort, make_person, town_admin, hj9, tsxc):
    cohort = make_cohort(capacity=2)
    services.enrol(town_admin, cohort, make_person(tags=["社工"]))
    services.enrol(town_admin, cohort, make_person(hj9, tags=["社工"]))
    with pytest.raises(ServiceError) as exc:
        services.enrol(town_admin, cohort, make_person(tsxc))
    assert exc.value.code == "full" and "名额已满" in exc.value.message
    cohort.refresh_from_db()
    assert cohort.enrolled_count == 2 == Enrolment.objects.filter(cohort=cohort).count()


def test_withdrawal_frees_the_place(make_cohort, make_person, town_admin):
    cohort = make_cohort(capacity=1)
    first = services.enrol(town_admin, cohort, make_person())
    services.withdraw(town_admin, first)
    services.enrol(town_admin, cohort, make_person())
    cohort.refresh_from_db()
    assert cohort.enrolled_count == 1


def test_enrolling_twice_is_refused(cohort, make_person, town_admin):
    p = make_person()
    services.enrol(town_admin, cohort, p)
    with pytest.raises(ServiceError) as exc:
        services.enrol(town_admin, cohort, p)
    assert exc.value.code == "duplicate"


def test_people_come_from_any_neighbourhood(cohort, make_person, instructor, hj9, tsxc):
    services.enrol(instructor, cohort, make_person(hj9))
    services.enrol(instructor, cohort, make_person(tsxc))
    assert cohort.enrolments.count() == 2
    assert AuditLog.objects.filter(action="training.enrol").count() == 2


def test_social_worker_cannot_enrol(cohort, make_person, sw_lv11):
    with pytest.raises(ServiceError):
        services.enrol(sw_lv11, cohort, make_person())


def test_capacity_cannot_be_oversold_even_with_stale_count(make_cohort, make_person, town_admin):
    """The place is claimed by a conditional UPDATE, not by reading the count in Python."""
    cohort = make_cohort(capacity=1)
    stale = type(cohort).objects.get(pk=cohort.pk)
    services.enrol(town_admin, cohort, make_person())
    with pytest.raises(ServiceError):
        services.enrol(town_admin, stale, make_person())


def test_enrolment_keeps_neighbourhood_at_time_of_enrolment(cohort, make_person, town_admin, hj9, lv11):
    p = make_person(lv11)
    e = services.enrol(town_admin, cohort, p, on=dt.date(2021, 8, 1))
    assert (e.neighbourhood_id, e.enrolled_on) == (lv11.pk, dt.date(2021, 8, 1))
