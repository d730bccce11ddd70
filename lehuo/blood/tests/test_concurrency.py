"""A burst of arrivals at the start of the day: queue numbers stay unique (PostgreSQL)."""

import threading

import pytest
from django.db import connection

from lehuo.blood import services
from lehuo.blood.models import SignUp


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_check_ins_get_distinct_queue_numbers(drive, blood_staff, make_person):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    people = [make_person() for _ in range(8)]
    barrier = threading.Barrier(len(people))
    errors = []

    def arrive(person):
        try:
            barrier.wait()
            services.check_in(blood_staff, drive, person)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=arrive, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    numbers = sorted(SignUp.objects.filter(drive=drive).values_list("queue_number", flat=True))
    assert numbers == list(range(1, 9))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_desks_keep_the_drive_figures_exact(drive, blood_staff, town_admin, make_person):
    """Eight desks sign up, screen and record donors of one drive at once (two desks on the
    same donor, both signing them up): the kept figures are the recount (verify_figures runs
    after this file's tests)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    from lehuo.blood.aggregates import verify
    from lehuo.blood.stats import compute_drive_stats, drive_stats

    from .conftest import GOOD

    people = [make_person(age=25 + i) for i in range(6)]
    work = people + people[:2]
    barrier = threading.Barrier(len(work))
    errors = []

    def desk(person):
        try:
            barrier.wait()
            services.sign_up(blood_staff, drive, person)  # the second desk gets the first one's sign-up
            services.screen_donor(blood_staff, drive, person, checks={"health_code": True}, **GOOD)
            services.record_donation(blood_staff, drive, person, volume_ml=400, bag_number=f"B{person.pk}")
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=desk, args=(p,)) for p in work]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert verify() == []
    stats = drive_stats(drive)
    assert stats == compute_drive_stats(drive)
    assert (stats["volunteers"], stats["screened"], stats["donors"], stats["donations"]) == (6, 6, 6, 6)
