"""Background jobs with progress: the page enqueues, the task worker runs, the page polls.

    job = start_job("people.import", request.user, import_people_task, params={...}, upload=data)
    # in the task:  job = Job.objects.get(pk=job_id); report(job, done, total)
"""

import datetime as dt
import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from .models import Job

logger = logging.getLogger("lehuo.jobs")


def start_job(kind: str, user, task, *, params: dict | None = None, upload: bytes | None = None,
              filename: str = "upload.bin") -> Job:
    """Create the Job row, store the upload with it, and enqueue ``task(job_id)`` after commit."""
    job = Job.objects.create(kind=kind, params=params or {}, created_by=user if user and user.is_authenticated else None)
    if upload is not None:
        job.file.save(f"{job.pk}-{filename}", ContentFile(upload), save=True)
    transaction.on_commit(lambda: task.enqueue(job.pk))
    return job


# A job queued or running for longer than this lost its worker (killed, machine restarted):
# the work it did rolled back, so the same work may be started again.
STALE_AFTER = dt.timedelta(minutes=30)


def live_jobs(queryset):
    """The jobs of ``queryset`` that block starting the same work again: finished ones, and
    queued or running ones that are not stale. Failed and stale jobs do not block."""
    from django.db.models import Q

    fresh = timezone.now() - STALE_AFTER
    return queryset.filter(Q(status=Job.DONE) | Q(status__in=[Job.PENDING, Job.RUNNING], created_at__gte=fresh))


def report(job: Job, progress: int, total: int | None = None, message: str = "") -> None:
    """Progress is written outside any transaction the task holds, so pages see it at once."""
    fields = {"progress": progress, "status": Job.RUNNING}
    if total is not None:
        fields["total"] = total
    if message:
        fields["message"] = message
    Job.objects.filter(pk=job.pk).update(**fields)


def drop_upload(job: Job) -> None:
    """Delete the job's stored upload. Only the file column is written: ``file.delete(save=True)``
    would save the whole row as this (stale) object holds it, setting progress back to 0."""
    if job.file:
        job.file.delete(save=False)
        Job.objects.filter(pk=job.pk).update(file="")


def finish(job: Job, result: dict | None = None, message: str = "", failed: bool = False) -> None:
    Job.objects.filter(pk=job.pk).update(
        status=Job.FAILED if failed else Job.DONE, result=result or {}, message=message, finished_at=timezone.now()
    )
