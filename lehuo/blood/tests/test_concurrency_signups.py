"""Sign-ups at the same moment (PostgreSQL): two desks or a resident's double tap sign the same
person up to one drive at once, or a desk checks a walk-in in while another signs them up, or
many people arrive together. Every call answers as it would one after the other: the one
sign-up, no database error, distinct queue numbers; verify_figures runs after each test
(root conftest, ``test_concurrency*.py``)."""

import threading

import pytest
from django.db import connection
from django.db.models import Count

from lehuo.blood import services
from lehuo.blood.models import SignUp
from lehuo.people.models import Person
from lehuo.platform.errors import ServiceError

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")


def at_once(calls):
    """Run each callable in its own thread (own connection), released together by a barrier;
    returns (results, errors) in call order (None where the call raised)."""
    barrier = threading.Barrier(len(calls))
    results, errors = [None] * len(calls), [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # collected and asserted by the test
            errors[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "a sign-up hung"
    return results, errors


def unexpected(errors):
    """Every error that is not the service's own refusal (an IntegrityError, a deadlock...)."""
    return [repr(e) for e in errors if e is not None and not isinstance(e, ServiceError)]


def test_desks_signing_one_person_up_at_once_get_the_one_signup(drive, blood_staff, donor):
    calls = [lambda: services.sign_up(blood_staff, drive, donor, time_slot="上午") for _ in range(4)]
    calls += [lambda: services.sign_up_by_id_number(blood_staff, drive, donor.id_number) for _ in range(4)]
    results, errors = at_once(calls)
    assert errors == [None] * len(calls)
    rows = list(SignUp.objects.filter(drive=drive, person=donor))
    assert len(rows) == 1
    assert {r.pk for r in results} == {rows[0].pk}
    assert rows[0].status == SignUp.SIGNED_UP


def test_a_double_tap_on_the_resident_page_gives_one_signup(drive, parent):
    person = Person.objects.get(account=parent)
    results, errors = at_once([lambda: services.sign_up_self(parent, drive, time_slot="下午") for _ in range(8)])
    assert errors == [None] * 8
    rows = list(SignUp.objects.filter(drive=drive, person=person))
    assert len(rows) == 1
    assert {r.pk for r in results} == {rows[0].pk}
    assert (rows[0].source, rows[0].time_slot) == ("self", "下午")


def test_a_cancelled_signup_revived_at_once_from_both_paths_is_revived_once(drive, blood_staff, parent):
    person = Person.objects.get(account=parent)
    first = services.sign_up(blood_staff, drive, person)
    services.cancel_signup(blood_staff, first)
    calls = [lambda: services.sign_up(blood_staff, drive, person) for _ in range(4)]
    calls += [lambda: services.sign_up_self(parent, drive) for _ in range(4)]
    results, errors = at_once(calls)
    assert errors == [None] * len(calls)
    rows = list(SignUp.objects.filter(drive=drive, person=person))
    assert [r.pk for r in rows] == [first.pk]
    assert {r.pk for r in results} == {first.pk}
    assert rows[0].status == SignUp.SIGNED_UP


def test_a_wrong_slot_at_once_is_refused_by_the_service_only(drive, parent):
    """Half the taps pick a slot the drive does not have: those are refused with the service's
    message, the others sign up once."""
    person = Person.objects.get(account=parent)
    calls = [lambda: services.sign_up_self(parent, drive, time_slot="上午") for _ in range(4)]
    calls += [lambda: services.sign_up_self(parent, drive, time_slot="午夜") for _ in range(4)]
    results, errors = at_once(calls)
    assert unexpected(errors) == []
    assert SignUp.objects.filter(drive=drive, person=person).count() == 1
    assert all(e is None for e in errors[:4])
    # Once the sign-up exists a later tap returns it whatever the slot; before it, the slot is refused.
    for result, error in zip(results[4:], errors[4:], strict=True):
        assert (result is None) != (error is None)
        if error is not None:
            assert error.field == "time_slot"


def test_a_walk_in_checked_in_while_another_desk_signs_them_up(drive, blood_staff, make_person):
    """Check-in takes the drive's row for the queue number and signs a walk-in up; a sign-up of
    the same person at the same moment must neither deadlock with it nor hit the unique
    constraint."""
    people = [make_person() for _ in range(4)]
    calls = []
    for p in people:
        calls += [lambda p=p: services.check_in(blood_staff, drive, p),
                  lambda p=p: services.sign_up(blood_staff, drive, p),
                  lambda p=p: services.check_in(blood_staff, drive, p)]
    results, errors = at_once(calls)
    assert unexpected(errors) == []
    assert errors == [None] * len(calls)
    for p in people:
        row = SignUp.objects.get(drive=drive, person=p)
        assert row.status == SignUp.ARRIVED and row.queue_number
    numbers = sorted(SignUp.objects.filter(drive=drive).values_list("queue_number", flat=True))
    assert numbers == list(range(1, len(people) + 1))


def test_a_walk_in_checked_in_while_the_doctor_screens_them(drive, blood_staff, make_person):
    """The same lock order for a screening: it takes the person, then inserts a row referencing
    the drive; a check-in of the same walk-in at that moment must not deadlock with it."""
    from .conftest import GOOD

    people = [make_person(age=25 + i) for i in range(4)]
    calls = []
    for p in people:
        calls += [lambda p=p: services.check_in(blood_staff, drive, p),
                  lambda p=p: services.screen_donor(blood_staff, drive, p, checks={"health_code": True}, **GOOD)]
    results, errors = at_once(calls)
    assert errors == [None] * len(calls)
    for p in people:
        assert SignUp.objects.get(drive=drive, person=p).queue_number
    numbers = sorted(SignUp.objects.filter(drive=drive).values_list("queue_number", flat=True))
    assert numbers == list(range(1, len(people) + 1))


def test_many_people_signing_up_and_arriving_at_once_never_collide(drive, blood_staff, make_person, parent):
    """Different people at once, by every path: one sign-up each, distinct queue numbers."""
    resident = Person.objects.get(account=parent)
    walk_ins = [make_person() for _ in range(6)]
    signed = [make_person() for _ in range(4)]
    by_number = [make_person() for _ in range(3)]
    calls = [lambda p=p: services.check_in(blood_staff, drive, p) for p in walk_ins]
    calls += [lambda p=p: services.sign_up(blood_staff, drive, p, time_slot="上午") for p in signed]
    calls += [lambda p=p: services.sign_up_by_id_number(blood_staff, drive, p.id_number) for p in by_number]
    calls += [lambda: services.sign_up_self(parent, drive)]
    results, errors = at_once(calls)
    assert errors == [None] * len(calls)
    everyone = walk_ins + signed + by_number + [resident]
    counts = dict(SignUp.objects.filter(drive=drive).values_list("person_id").annotate(n=Count("id"))
                  .values_list("person_id", "n"))
    assert counts == {p.pk: 1 for p in everyone}
    numbers = sorted(n for n in SignUp.objects.filter(drive=drive).values_list("queue_number", flat=True) if n)
    assert numbers == list(range(1, len(walk_ins) + 1))
