"""The rush at opening time, with real threads: never overbooked, a fair waiting list.

Each test runs on the configured database (SQLite file or PostgreSQL). PostgreSQL's
max_connections (100) is shared by every suite on the machine, so at most ``MAX_DB`` of the
threads hold a connection at a time; all of them are started and released together.
"""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from lehuo.daycare import services
from lehuo.daycare.models import Child, Enrolment, Offering
from lehuo.daycare.services import places
from lehuo.people.models import Consent, GuardianLink, Person
from lehuo.platform import notify

from .conftest import child_birth, staff_actor, staff_enrol  # noqa: I001,F401

THREADS = 220
MAX_DB = 20


def _children(town, guardian, n: int) -> list[Child]:
    """``n`` children of one guardian, with consent (bulk: set-up, not the behaviour tested)."""
    people = Person.objects.bulk_create(
        Person(town=town, neighbourhood=guardian.neighbourhood, name=f"儿童{i}", birth_date=child_birth(8))
        for i in range(n))
    people = list(Person.objects.filter(town=town, name__startswith="儿童").order_by("pk"))
    GuardianLink.objects.bulk_create(GuardianLink(child=p, guardian=guardian, relation="mother") for p in people)
    Consent.objects.bulk_create(Consent(person=p, purpose="daycare", given_by=Consent.GUARDIAN, guardian=guardian,
                                        given_on=timezone.localdate()) for p in people)
    Child.objects.bulk_create(Child(person=p, school="新泾镇第一小学", grade=2) for p in people)
    return list(Child.objects.select_related("person").order_by("pk"))


def _run(n_threads: int, work) -> list[Exception]:
    """Start ``n_threads`` threads, release them at once, wait for all; return their errors."""
    gate, slots, errors = threading.Event(), threading.BoundedSemaphore(MAX_DB), []

    def runner(i):
        gate.wait()
        with slots:
            try:
                work(i)
            except Exception as exc:  # collected and asserted on below
                errors.append(exc)
            finally:
                connection.close()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(n_threads)]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return errors


def _parent(make_person):
    """A guardian with an account: the resident the rush path (``enrol_linked_child``) serves."""
    from django.contrib.auth import get_user_model

    guardian = make_person(age=38, sex="F")
    guardian.account = get_user_model().objects.create_user("rush-parent", password="x")
    guardian.save(update_fields=["account"])
    return guardian


def _enrol(path: str, offering, guardian):
    """One enrolment through ``take_place`` (the only way a place is taken; on PostgreSQL one
    statement, ``daycare/claim_sql.py``), as the site's staff for the guardian or as the parent."""
    if path == "staff":
        return lambda child: staff_enrol(offering, child, guardian)
    return lambda child: services.take_place(guardian.account, offering.pk, child.pk)


def _read_then_write(actor, *, offering_id, term_id, child_id, child_person_id, guardian_id, now, label,
                     likely_full, key_row=None, answer=None):
    """The lost-update race the atomic claim exists to prevent: decide in Python on a count
    read earlier, then write it back (patched in by the test that proves it can fail)."""
    import time

    from django.db import transaction

    taken, capacity, seq = Offering.objects.values_list("taken", "capacity", "waitlist_seq").get(pk=offering_id)
    time.sleep(0.002)
    with transaction.atomic():
        if taken < capacity:
            Offering.objects.filter(pk=offering_id).update(taken=taken + 1)
            status, position = Enrolment.CONFIRMED, None
        else:
            Offering.objects.filter(pk=offering_id).update(waitlist_seq=seq + 1)
            status, position = Enrolment.WAITLISTED, seq + 1
        e = Enrolment.objects.create(offering_id=offering_id, term_id=term_id, child_id=child_id,
                                     guardian_id=guardian_id, status=status, position=position, created_at=now)
    return e.pk, status, position


def _rush(town, make_person, offering, path) -> list[Exception]:
    guardian = _parent(make_person)
    children = _children(town, guardian, THREADS)
    enrol = _enrol(path, offering, guardian)
    return _run(THREADS, lambda i: enrol(children[i]))


PATHS = pytest.mark.parametrize("path", ["staff", "parent"])


@pytest.mark.django_db(transaction=True)
@PATHS
@pytest.mark.parametrize("protected", [True, False], ids=["conditional-update", "read-then-write"])
def test_rush_confirms_exactly_35_and_waitlists_the_rest_in_order(town, make_person, offering, monkeypatch,
                                                                 protected, path):
    """220 threads, 35 places. With a read-then-write claim patched in, the same test must
    see the overbooking: it proves the test can fail."""
    if not protected:
        monkeypatch.setattr(places, "_write", _read_then_write)
    errors = _rush(town, make_person, offering, path)

    confirmed = Enrolment.objects.filter(offering=offering, status=Enrolment.CONFIRMED).count()
    if not protected:
        assert confirmed > 35, "the unprotected path should have overbooked"
        return
    assert errors == []
    positions = sorted(Enrolment.objects.filter(offering=offering, status=Enrolment.WAITLISTED)
                       .values_list("position", flat=True))
    assert confirmed == 35
    assert positions == list(range(1, THREADS - 35 + 1))  # no gap, no duplicate
    offering.refresh_from_db()
    assert (offering.taken, offering.waitlist_seq) == (35, THREADS - 35)


@pytest.mark.django_db(transaction=True)
@PATHS
def test_cancellations_under_load_promote_exactly_one_child_per_freed_place(town, make_person, offering, path):
    guardian = _parent(make_person)
    children = _children(town, guardian, 75)
    enrol = _enrol(path, offering, guardian)
    for child in children[:55]:
        enrol(child)
    confirmed = list(Enrolment.objects.filter(offering=offering, status=Enrolment.CONFIRMED).order_by("pk")[:10])
    latecomers = children[55:65]
    notify.outbox.clear()

    def work(i):
        if i < 10:
            services.cancel_enrolment(staff_actor(), confirmed[i], "家长取消")
        else:
            enrol(latecomers[i - 10])

    errors = _run(20, work)

    assert errors == []
    rows = Enrolment.objects.filter(offering=offering)
    assert rows.filter(status=Enrolment.CONFIRMED).count() == 35
    promoted = sorted(rows.filter(status=Enrolment.CONFIRMED, position__isnull=False).values_list("position", flat=True))
    assert promoted == list(range(1, 11))  # the first ten waiting, once each
    waiting = sorted(rows.filter(status=Enrolment.WAITLISTED).values_list("position", flat=True))
    assert waiting == list(range(11, 31))  # latecomers queue behind, none took a freed place
    assert len(notify.outbox) == 10
    offering.refresh_from_db()
    assert offering.taken == 35


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_lock_timeout_becomes_busy_not_an_error(town, make_person, offering, monkeypatch, make_child, api, parent):
    if connection.vendor != "postgresql":
        pytest.skip("row lock timeouts are a PostgreSQL behaviour")
    # Every connection gets lock_timeout from settings (LEHUO_DB_LOCK_TIMEOUT_MS); this one
    # waits 200 ms instead of 5 s.
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] == "5s"
        cursor.execute("SET lock_timeout = 200")
    child = make_child()
    guardian = child.person.guardian_links.get().guardian
    locked, release = threading.Event(), threading.Event()

    def hold_lock():
        from django.db import transaction

        with transaction.atomic():
            Offering.objects.select_for_update().get(pk=offering.pk)
            locked.set()
            release.wait(10)
        connection.close()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    locked.wait(10)
    try:
        with pytest.raises(services.Busy):
            staff_enrol(offering, child, guardian)
    finally:
        release.set()
        holder.join()
    assert not Enrolment.objects.exists()
