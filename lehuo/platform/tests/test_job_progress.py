"""Progress written inside a task's transaction shows on the waiting page at once on
PostgreSQL (a second connection writes it). SQLite: test_job_progress_sqlite.py."""

import psycopg
import pytest
from django.db import connection, transaction

from lehuo.people.importers import import_people
from lehuo.people.models import Person
from lehuo.people.tests.helpers import id_number, xlsx
from lehuo.platform import jobs
from lehuo.platform.models import Job

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's second connection (SQLite's progress file: test_job_progress_sqlite.py)")
    yield
    jobs.close_side_connection()


def _seen_from_outside(job) -> tuple:
    """The job row as the waiting page's connection sees it (another session, committed rows)."""
    s = connection.settings_dict
    dsn = f"host={s['HOST'] or '127.0.0.1'} port={s['PORT'] or 5432} dbname={s['NAME']} user={s['USER']}"
    with psycopg.connect(dsn, autocommit=True) as other:
        return other.execute("SELECT progress, total, message, status FROM platform_job WHERE id = %s", [job.pk]).fetchone()


def test_progress_inside_a_transaction_is_seen_at_once(town_admin):
    job = Job.objects.create(kind="people.import.commit", created_by=town_admin)
    with transaction.atomic():
        jobs.report(job, 5, 10, "写入中")
        assert _seen_from_outside(job) == (5, 10, "写入中", Job.RUNNING)
        jobs.report(job, 9, 10, "写入中")
        assert _seen_from_outside(job)[0] == 9
    job.refresh_from_db()
    assert (job.progress, job.total) == (9, 10)


def test_a_rolled_back_task_keeps_its_last_progress(town_admin):
    """The progress is about the work, not part of it: the page shows how far it got."""
    job = Job.objects.create(kind="people.import.commit", created_by=town_admin)
    with pytest.raises(RuntimeError), transaction.atomic():
        jobs.report(job, 3, 10, "写入中")
        raise RuntimeError("killed")
    assert _seen_from_outside(job)[0] == 3


def test_a_job_made_in_the_same_transaction_is_written_in_it(town_admin):
    with transaction.atomic():
        job = Job.objects.create(kind="people.import.commit", created_by=town_admin)
        jobs.report(job, 2, 4, "写入中")
        assert job._progress_inside  # the other connection cannot see the row: written here
        assert Job.objects.get(pk=job.pk).progress == 2
        assert _seen_from_outside(job) is None
    assert _seen_from_outside(job)[0] == 2


def test_a_job_row_locked_by_the_transaction_falls_back_without_hanging(town_admin):
    job = Job.objects.create(kind="people.import.commit", created_by=town_admin)
    with transaction.atomic():
        Job.objects.filter(pk=job.pk).update(message="锁住")  # the transaction holds the row now
        jobs.report(job, 1, 2, "写入中")
        assert job._progress_inside
        jobs.report(job, 2, 2, "写入中")  # straight into the transaction, no second wait
    assert _seen_from_outside(job)[:2] == (2, 2)


def test_an_import_write_phase_shows_its_progress_while_it_runs(town_admin, town, lv11):
    rows = [[f"居民{i}", id_number(seed=i), f"1391234{i:04d}", "绿十一", "党员"] for i in range(1, 8)]
    job = Job.objects.create(kind="people.import.commit", created_by=town_admin)
    seen = []

    def progress(done, total, phase):
        jobs.report(job, done, total, "写入中" if phase == "write" else "校验中")
        if phase == "write":
            seen.append(_seen_from_outside(job)[:3])

    result = import_people(town_admin, town, xlsx(rows), commit=True, progress=progress)
    assert result.ok and Person.objects.filter(name__startswith="居民").count() == 7
    assert seen, "the write phase reported no progress"
    assert all(msg == "写入中" and total == 14 for _done, total, msg in seen)
    assert seen[-1][0] > 7  # past the check phase (7 rows), counted while the write was open
