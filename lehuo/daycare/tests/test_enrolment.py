"""enrol_child / register_child / cancel_enrolment rules, and the bad input of the issue."""

import datetime as dt

import pytest
from django.test import TestCase
from django.utils import timezone

from lehuo.daycare import services
from lehuo.daycare.models import Child, Enrolment
from lehuo.people.models import Consent, Person
from lehuo.platform import notify
from lehuo.platform.errors import ServiceError
from lehuo.platform.models import AuditLog

from .conftest import TERM_START, child_birth, staff_actor, staff_enrol  # noqa: I001,F401

pytestmark = pytest.mark.django_db


def test_first_child_is_confirmed_and_audit_logged(make_child, offering):
    child = make_child()
    guardian = child.person.guardian_links.get().guardian
    e = staff_enrol(offering, child, guardian)
    assert (e.status, e.position) == (Enrolment.CONFIRMED, None)
    assert AuditLog.objects.filter(action="daycare.enrol", object_id=str(e.pk)).exists()


def test_full_offering_waitlists_with_next_position(make_child, offering):
    offering.capacity = 1
    offering.save()
    first, second, third = (make_child() for _ in range(3))
    for c in (first, second, third):
        staff_enrol(offering, c, c.person.guardian_links.get().guardian)
    rows = Enrolment.objects.order_by("pk")
    assert [(r.status, r.position) for r in rows] == [("confirmed", None), ("waitlisted", 1), ("waitlisted", 2)]


def test_enrolment_before_opening_is_refused(make_child, offering):
    child = make_child()
    with pytest.raises(ServiceError) as exc:
        staff_enrol(offering, child, child.person.guardian_links.get().guardian,
                             now=offering.opens_at - dt.timedelta(seconds=1))
    assert exc.value.field == "opens_at"
    assert not Enrolment.objects.exists()


def test_second_enrolment_in_same_term_is_refused(make_child, offering, other_offering):
    child = make_child()
    guardian = child.person.guardian_links.get().guardian
    staff_enrol(offering, child, guardian)
    with pytest.raises(ServiceError) as exc:
        staff_enrol(other_offering, child, guardian)
    assert exc.value.code == "duplicate"


def test_waitlisted_child_cannot_enrol_elsewhere_in_same_term(make_child, offering, other_offering):
    offering.capacity = 1
    offering.save()
    make_first = make_child()
    staff_enrol(offering, make_first, make_first.person.guardian_links.get().guardian)
    child = make_child()
    guardian = child.person.guardian_links.get().guardian
    assert staff_enrol(offering, child, guardian).status == Enrolment.WAITLISTED
    with pytest.raises(ServiceError):
        staff_enrol(other_offering, child, guardian)


def test_same_child_may_enrol_in_the_other_term(make_child, offering, site, terms):
    from lehuo.daycare.models import Offering

    second = Offering.objects.create(site=site, term=terms[1], capacity=35, opens_at=offering.opens_at)
    child = make_child()
    guardian = child.person.guardian_links.get().guardian
    staff_enrol(offering, child, guardian)
    assert staff_enrol(second, child, guardian).status == Enrolment.CONFIRMED


def test_grade_7_is_refused(make_person, town_admin):
    guardian = make_person(age=36)
    with pytest.raises(ServiceError) as exc:
        services.register_child(town_admin, guardian, name="张小明", school="新泾中学", grade=7,
                                birth_date=child_birth(12), consent=True, on=TERM_START)
    assert exc.value.field == "grade"
    assert not Child.objects.exists()


def test_three_year_old_is_refused(make_person, town_admin):
    guardian = make_person(age=30)
    with pytest.raises(ServiceError) as exc:
        services.register_child(town_admin, guardian, name="李小宝", school="幼儿园", grade=1,
                                birth_date=child_birth(3), consent=True, on=TERM_START)
    assert exc.value.field == "birth_date"
    assert not Person.objects.filter(name="李小宝").exists()


def test_child_who_grew_too_old_by_term_start_is_refused_at_enrolment(make_child, offering):
    child = make_child(age=12)
    child.person.birth_date = dt.date(TERM_START.year - 13, 1, 1)
    child.person.save()
    with pytest.raises(ServiceError) as exc:
        staff_enrol(offering, child, child.person.guardian_links.get().guardian)
    assert exc.value.field == "child"


def test_missing_guardian_phone_is_refused(make_person, town_admin, make_child, offering):
    guardian = make_person(age=36, phone="")
    with pytest.raises(ServiceError) as exc:
        services.register_child(town_admin, guardian, name="王小雨", school="新泾镇第一小学", grade=2,
                                birth_date=child_birth(8), consent=True, on=TERM_START)
    assert exc.value.field == "guardian_phone"


def test_guardian_without_phone_cannot_enrol(make_child, offering):
    child = make_child()
    guardian = child.person.guardian_links.get().guardian
    Person.objects.filter(pk=guardian.pk).update(phone="", phone_hash="", phone_tail="")
    guardian.refresh_from_db()
    with pytest.raises(ServiceError) as exc:
        staff_enrol(offering, child, guardian)
    assert exc.value.field == "guardian_phone"


def test_register_child_records_guardian_consent(make_person, town_admin):
    guardian = make_person(age=36, sex="F")
    child = services.register_child(town_admin, guardian, name="陈小乐", school="新泾镇第一小学", grade=3,
                                    birth_date=child_birth(9), consent=True, on=TERM_START)
    consent = Consent.objects.get(person=child.person, purpose="daycare")
    assert (consent.given_by, consent.guardian_id) == (Consent.GUARDIAN, guardian.pk)


def test_register_child_without_consent_is_refused(make_person, town_admin):
    guardian = make_person(age=36)
    with pytest.raises(ServiceError) as exc:
        services.register_child(town_admin, guardian, name="陈小乐", school="一小", grade=3,
                                birth_date=child_birth(9), consent=False, on=TERM_START)
    assert exc.value.field == "consent"


def test_register_child_by_id_number_derives_birth_date(make_person, town_admin):
    import random

    from lehuo.people.demo import make_id_number
    guardian = make_person(age=36)
    number = make_id_number(random.Random(1), dt.date(2013, 5, 6), "M")
    child = services.register_child(town_admin, guardian, name="周小杰", school="一小", grade=2,
                                    id_number=number, consent=True, on=TERM_START)
    assert child.person.birth_date == dt.date(2013, 5, 6)


def test_child_of_another_guardian_cannot_be_linked(make_child, make_person, town_admin):
    import random

    from lehuo.people.demo import make_id_number
    number = make_id_number(random.Random(2), dt.date(2013, 5, 6), "F")
    first = make_person(age=36)
    services.register_child(town_admin, first, name="周小红", school="一小", grade=2, id_number=number,
                            consent=True, on=TERM_START)
    with pytest.raises(ServiceError):
        services.register_child(town_admin, make_person(age=40), name="周小红", school="一小", grade=2,
                                id_number=number, consent=True, on=TERM_START)


def test_cancel_confirmed_promotes_first_waiting_and_notifies(make_child, offering):
    offering.capacity = 1
    offering.save()
    children = [make_child() for _ in range(3)]
    rows = [staff_enrol(offering, c, c.person.guardian_links.get().guardian) for c in children]
    notify.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        promoted = services.cancel_enrolment(staff_actor(), rows[0], "生病")
    assert promoted.pk == rows[1].pk
    assert Enrolment.objects.get(pk=rows[2].pk).status == Enrolment.WAITLISTED
    assert len(notify.outbox) == 1
    assert notify.outbox[0][0] == rows[1].guardian.phone


def test_cancel_confirmed_without_waiting_list_frees_the_place(make_child, offering):
    child = make_child()
    e = staff_enrol(offering, child, child.person.guardian_links.get().guardian)
    assert services.cancel_enrolment(staff_actor(), e) is None
    offering.refresh_from_db()
    assert offering.taken == 0


def test_cancel_waitlisted_promotes_nobody(make_child, offering):
    offering.capacity = 1
    offering.save()
    a, b, c = (make_child() for _ in range(3))
    staff_enrol(offering, a, a.person.guardian_links.get().guardian)
    wb = staff_enrol(offering, b, b.person.guardian_links.get().guardian)
    wc = staff_enrol(offering, c, c.person.guardian_links.get().guardian)
    assert services.cancel_enrolment(staff_actor(), wb) is None
    assert services.waiting_ahead(Enrolment.objects.get(pk=wc.pk)) == 0
    offering.refresh_from_db()
    assert offering.taken == 1


def test_cancel_twice_is_refused(make_child, offering):
    child = make_child()
    e = staff_enrol(offering, child, child.person.guardian_links.get().guardian)
    services.cancel_enrolment(staff_actor(), e)
    with pytest.raises(ServiceError):
        services.cancel_enrolment(staff_actor(), e)


def test_lock_failure_becomes_busy(make_child, offering, monkeypatch):
    from django.db import OperationalError

    def boom(*args, **kwargs):
        raise OperationalError("canceling statement due to lock timeout")

    monkeypatch.setattr("lehuo.daycare.services.places._write", boom)
    child = make_child()
    with pytest.raises(services.Busy) as exc:
        staff_enrol(offering, child, child.person.guardian_links.get().guardian)
    assert exc.value.status == 503
    assert exc.value.message == "系统繁忙，请稍后重试"


def test_opening_is_checked_against_now(make_child, offering):
    offering.opens_at = timezone.now() + dt.timedelta(hours=1)
    offering.save()
    child = make_child()
    with pytest.raises(ServiceError, match="报名尚未开始"):
        staff_enrol(offering, child, child.person.guardian_links.get().guardian)
