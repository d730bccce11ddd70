"""A job whose worker died: stale after STALE_AFTER, restarted from its page or by the
``restart_stale_jobs`` command, failed after MAX_ATTEMPTS."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from lehuo.platform import jobs
from lehuo.platform.errors import ServiceError
from lehuo.platform.models import AuditLog, Job

pytestmark = pytest.mark.django_db

class FakeTask:
    """Stands in for a django-tasks task: records what is enqueued."""

    module_path = f"{__name__}.fake_task"

    def __init__(self):
        self.calls = []

    def enqueue(self, *args):
        self.calls.append(args)


fake_task = FakeTask()
TASK = FakeTask.module_path


@pytest.fixture
def enqueued():
    fake_task.calls.clear()
    return fake_task.calls


def _job(user, *, minutes_ago: int, status=Job.RUNNING, attempts=1) -> Job:
    return Job.objects.create(kind="people.import.commit", status=status, created_by=user, task_path=TASK,
                              queued_at=timezone.now() - dt.timedelta(minutes=minutes_ago), attempts=attempts,
                              progress=40, total=100)


def test_start_job_records_the_task(town_admin, enqueued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.start_job("x.kind", town_admin, fake_task)
    assert job.task_path == TASK and job.attempts == 1
    assert enqueued == [(job.pk,)]


def test_a_fresh_running_job_is_not_stale_and_cannot_be_restarted(town_admin, enqueued):
    job = _job(town_admin, minutes_ago=5)
    assert not jobs.is_stale(job)
    with pytest.raises(ServiceError):
        jobs.restart(town_admin, job)
    assert enqueued == []


def test_a_stale_job_is_queued_again_and_logged(town_admin, enqueued, django_capture_on_commit_callbacks):
    job = _job(town_admin, minutes_ago=45)
    assert jobs.is_stale(job)
    with django_capture_on_commit_callbacks(execute=True):
        jobs.restart(town_admin, job)
    job.refresh_from_db()
    assert (job.status, job.progress, job.attempts) == (Job.PENDING, 0, 2)
    assert not jobs.is_stale(job)
    assert enqueued == [(job.pk,)]
    assert AuditLog.objects.filter(action="job.restart", object_id=str(job.pk)).exists()


def test_finished_and_failed_jobs_are_never_stale(town_admin):
    for status in (Job.DONE, Job.FAILED):
        assert not jobs.is_stale(_job(town_admin, minutes_ago=600, status=status))


def test_after_max_attempts_the_job_fails_with_a_message(town_admin, enqueued):
    job = jobs.restart(town_admin, _job(town_admin, minutes_ago=45, attempts=jobs.MAX_ATTEMPTS))
    assert job.status == Job.FAILED and "中断" in job.message
    assert enqueued == []


def test_a_restarted_job_no_longer_blocks_nor_is_blocked(town_admin, enqueued):
    """live_jobs (what blocks a second donation import commit) follows queued_at."""
    job = _job(town_admin, minutes_ago=45)
    assert not jobs.live_jobs(Job.objects.filter(pk=job.pk)).exists()
    jobs.restart(town_admin, job)
    assert jobs.live_jobs(Job.objects.filter(pk=job.pk)).exists()


def test_job_page_offers_restart_only_when_stale(login, town_admin, enqueued):
    c = login(town_admin)
    fresh, stale = _job(town_admin, minutes_ago=1), _job(town_admin, minutes_ago=45)
    assert "重新开始" not in c.get(reverse("web:job", args=[fresh.pk])).content.decode()
    page = c.get(reverse("web:job", args=[stale.pk])).content.decode()
    assert "重新开始" in page and "后台任务已中断" in page and "hx-trigger" not in page
    r = c.post(reverse("web:job_restart", args=[stale.pk]))
    assert r.status_code == 302
    stale.refresh_from_db()
    assert stale.status == Job.PENDING and stale.attempts == 2


def test_only_the_jobs_owner_may_restart_it(login, town_admin, sw_lv11, enqueued):
    job = _job(town_admin, minutes_ago=45)
    assert login(sw_lv11).post(reverse("web:job_restart", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.attempts == 1


def test_command_restarts_every_stale_job(town_admin, enqueued, capsys):
    stale, fresh, spent = (_job(town_admin, minutes_ago=45), _job(town_admin, minutes_ago=2),
                           _job(town_admin, minutes_ago=45, attempts=jobs.MAX_ATTEMPTS))
    call_command("restart_stale_jobs")
    out = capsys.readouterr().out
    assert f"job {stale.pk}" in out and f"job {spent.pk}" in out and f"job {fresh.pk}" not in out
    stale.refresh_from_db(), spent.refresh_from_db(), fresh.refresh_from_db()
    assert (stale.status, spent.status, fresh.status) == (Job.PENDING, Job.FAILED, Job.RUNNING)


def test_job_page_names_the_kind_of_job(login, town_admin):
    c = login(town_admin)
    job = _job(town_admin, minutes_ago=1)
    assert "居民导入：写入" in c.get(reverse("web:job", args=[job.pk])).content.decode()
    other = Job.objects.create(kind="something.new", created_by=town_admin)
    assert "后台任务" in c.get(reverse("web:job", args=[other.pk])).content.decode()
