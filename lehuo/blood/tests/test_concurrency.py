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
