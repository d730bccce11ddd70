"""On SQLite (one writer at a time) progress reported inside a task's transaction goes to a
small file beside the database as well, and the job page reads it (``jobs.live``): the page
shows an import's write phase as it runs, not only after the commit."""

import json

import pytest
from django.db import connection, transaction
from django.urls import reverse

from lehuo.people.importers import import_people
from lehuo.people.models import Person
from lehuo.people.tests.helpers import id_number, xlsx
from lehuo.platform import jobs
from lehuo.platform.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sqlite_only(settings, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL writes progress through a second connection (test_job_progress.py)")
    settings.VAR_DIR = tmp_path


def _job(user, **fields) -> Job:
    return Job.objects.create(kind="people.import.commit", created_by=user, **fields)


def _as_read_before(job) -> Job:
    """The row as another process reads it while the task's transaction is open: unchanged."""
    return Job(pk=job.pk, kind=job.kind, status=Job.PENDING, progress=0, total=0, message="")


def test_progress_inside_a_transaction_reaches_the_file_and_the_page_copy(town_admin):
    job = _job(town_admin)
    with transaction.atomic():
        jobs.report(job, 5, 10, "写入中")
        seen = jobs.live(_as_read_before(job))
        assert (seen.progress, seen.total, seen.message, seen.status) == (5, 10, "写入中", Job.RUNNING)
        jobs.report(job, 9, 10, "写入中")
        assert jobs.live(_as_read_before(job)).progress == 9
    job.refresh_from_db()
    assert (job.progress, job.total) == (9, 10)  # the row holds it too, after the commit


@pytest.mark.django_db(transaction=True)  # autocommit, as the task worker runs between transactions
def test_progress_outside_a_transaction_writes_no_file(town_admin):
    job = _job(town_admin)
    jobs.report(job, 1, 3, "校验中")
    assert not jobs._progress_file(job.pk).exists()
    assert Job.objects.get(pk=job.pk).progress == 1


def test_job_page_shows_the_progress_of_the_open_transaction(login, town_admin):
    job = _job(town_admin, status=Job.RUNNING, total=10)
    with transaction.atomic():
        jobs._report_to_file(job, {"progress": 7, "total": 10, "message": "写入中", "status": Job.RUNNING})
    c = login(town_admin)
    page = c.get(reverse("web:job", args=[job.pk]), headers={"HX-Request": "true"}).content.decode()
    assert "7 / 10" in page and "写入中" in page and 'value="70"' in page


def test_finishing_removes_the_file_and_a_finished_job_ignores_one(town_admin):
    job = _job(town_admin)
    with transaction.atomic():
        jobs.report(job, 4, 8, "写入中")
    assert jobs._progress_file(job.pk).exists()
    jobs.finish(job, {"rows": 8}, message="已导入 8 人")
    assert not jobs._progress_file(job.pk).exists()
    job.refresh_from_db()
    jobs._report_to_file(job, {"progress": 1, "total": 8, "message": "写入中", "status": Job.RUNNING})
    seen = jobs.live(job)
    # the stray file is ignored; finishing counted every step (8 of 8, matching the full bar)
    assert (seen.status, seen.progress, seen.message) == (Job.DONE, 8, "已导入 8 人")


def test_restarting_drops_the_dead_attempts_progress(town_admin):
    import datetime as dt

    from django.utils import timezone

    job = _job(town_admin, status=Job.RUNNING, task_path="lehuo.people.tasks.people_import_task",
               queued_at=timezone.now() - dt.timedelta(hours=1))
    jobs._report_to_file(job, {"progress": 6, "total": 8, "message": "写入中", "status": Job.RUNNING})
    jobs.restart(town_admin, job)  # enqueues on commit: never, inside the test's transaction
    assert not jobs._progress_file(job.pk).exists()
    assert jobs.live(Job.objects.get(pk=job.pk)).progress == 0


def test_an_unreadable_file_leaves_the_row_as_read(town_admin):
    job = _job(town_admin, status=Job.RUNNING, progress=2, total=8)
    path = jobs._progress_file(job.pk)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"progress": 5, "tot', encoding="utf-8")
    assert jobs.live(Job.objects.get(pk=job.pk)).progress == 2


def test_an_import_write_phase_shows_its_progress_while_it_runs(town_admin, town, lv11):
    rows = [[f"居民{i}", id_number(seed=i), f"1391234{i:04d}", "绿十一", "党员"] for i in range(1, 8)]
    job = _job(town_admin)
    seen = []

    def progress(done, total, phase):
        jobs.report(job, done, total, "写入中" if phase == "write" else "校验中")
        if phase == "write":
            assert connection.in_atomic_block
            page_copy = jobs.live(_as_read_before(job))
            seen.append((page_copy.progress, page_copy.total, page_copy.message))
            assert json.loads(jobs._progress_file(job.pk).read_text())["progress"] == done

    result = import_people(town_admin, town, xlsx(rows), commit=True, progress=progress)
    assert result.ok and Person.objects.filter(name__startswith="居民").count() == 7
    assert seen, "the write phase reported no progress"
    assert all(msg == "写入中" and total == 14 for _done, total, msg in seen)
    assert seen[-1][0] > 7  # past the check phase (7 rows), counted while the write was open
