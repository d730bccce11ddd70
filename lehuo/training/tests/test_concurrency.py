import threading

import pytest
from django.db import connection, connections

from lehuo.platform.errors import ServiceError
from lehuo.training import services
from lehuo.training.models import Cohort, Enrolment

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL for real concurrent writers"),
]


def test_concurrent_enrolments_never_exceed_capacity(make_cohort, make_person, town_admin):
    cohort = make_cohort(capacity=3)
    people = [make_person() for _ in range(10)]
    barrier = threading.Barrier(len(people))
    results: list[str] = []

    def enrol(person):
        try:
            barrier.wait()
            services.enrol(town_admin, Cohort.objects.get(pk=cohort.pk), person)
            results.append("ok")
        except ServiceError as exc:
            results.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=enrol, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    cohort.refresh_from_db()
    assert sorted(results) == ["full"] * 7 + ["ok"] * 3
    assert cohort.enrolled_count == 3 == Enrolment.objects.filter(cohort=cohort).count()
