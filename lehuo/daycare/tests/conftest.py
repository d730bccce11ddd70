"""Day-care fixtures: a 2021 programme with one site, both terms, an open offering of 35.

SQLite: the concurrency tests need a database file; the root conftest makes the suite's
SQLite test database a file for that reason.
"""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from lehuo.accounts.models import Assignment
from lehuo.daycare import services
from lehuo.daycare.models import Offering, Site, Term, Year

TERM_START = dt.date(2021, 7, 5)


@pytest.fixture
def year(town):
    return Year.objects.create(town=town, year=2021, title="2021年爱心暑托班")


@pytest.fixture
def terms(year):
    return [Term.objects.create(year=year, number=1, starts_on=TERM_START, ends_on=dt.date(2021, 7, 23)),
            Term.objects.create(year=year, number=2, starts_on=dt.date(2021, 7, 26), ends_on=dt.date(2021, 8, 13))]


@pytest.fixture
def site(year, lv11):
    return Site.objects.create(year=year, name="绿十一活动室", address="绿十一居民区", neighbourhood=lv11)


@pytest.fixture
def other_site(year, hj9):
    return Site.objects.create(year=year, name="虹九活动室", neighbourhood=hj9)


OPENED = timezone.make_aware(dt.datetime(2021, 6, 20, 9, 0))


@pytest.fixture
def offering(site, terms):
    return Offering.objects.create(site=site, term=terms[0], capacity=35, fee="600.00", opens_at=OPENED)


@pytest.fixture
def other_offering(other_site, terms):
    return Offering.objects.create(site=other_site, term=terms[0], capacity=35, fee="600.00", opens_at=OPENED)


@pytest.fixture
def assigned_site_head(site_head, site):
    Assignment.objects.create(user=site_head, content_type=ContentType.objects.get_for_model(Site),
                              object_id=site.pk, duty="办班点负责人")
    return site_head


def child_birth(age: int = 8) -> dt.date:
    """A birth date giving ``age`` at the start of the 2021 term."""
    return dt.date(TERM_START.year - age, 3, 1)


@pytest.fixture
def make_child(make_person, town_admin):
    """``make_child(guardian=None, age=8)``: a child linked to a guardian, with consent."""

    def factory(guardian=None, *, age: int = 8, grade: int = 2, name: str | None = None, neighbourhood=None):
        guardian = guardian or make_person(neighbourhood, age=36, sex="F")
        return services.register_child(
            town_admin, guardian, name=name or f"孩子{guardian.pk}", school="新泾镇第一小学", grade=grade,
            birth_date=child_birth(age), relation="mother", consent=True, on=TERM_START,
        )

    return factory


@pytest.fixture
def parent_person(parent):
    from lehuo.people.models import Person

    return Person.objects.get(account=parent)


def staff_actor():
    """A superuser: the actor of tests about the rules, not about who may."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get_or_create(username="daycare-test-staff", defaults={"is_superuser": True})[0]


def staff_enrol(offering, child, guardian=None, *, now=None, actor=None):
    """``services.take_place`` as the site's staff enrolling for ``guardian`` (the child's
    guardian by default): the enrolment row, for tests of the rules around it."""
    from lehuo.daycare.models import Enrolment

    actor = actor or staff_actor()
    guardian = guardian or child.person.guardian_links.order_by("pk").first().guardian
    placed = services.take_place(actor, offering.pk, child.pk, guardian=guardian, now=now)
    return Enrolment.objects.select_related("offering__term", "offering__site", "child__person").get(pk=placed.id)
