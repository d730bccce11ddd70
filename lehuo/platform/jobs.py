"""Background jobs with progress: the page enqueues, the task worker runs, the page polls.

    job = start_job("people.import", request.user, import_people_task, params={...}, upload=data)
    # in the task:  job = Job.objects.get(pk=job_id); report(job, done, total)
"""

import datetime as dt
import json
import logging
import os
import threading
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, models, transaction
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .crypto import fernet
from .models import Job

logger = logging.getLogger("lehuo.jobs")
LANGUAGE = "language"  # the params key holding the starter's language


def start_job(kind: str, user, task, *, params: dict | None = None, upload: bytes | None = None,
              filename: str = "upload.bin") -> Job:
    """Create the Job row, store the upload with it, and enqueue ``task(job_id)`` after commit."""
    from .requestid import current

    job = Job.objects.create(kind=kind, params=with_language(params), task_path=task.module_path, request_id=current(),
                             created_by=user if user and user.is_authenticated else None)
    if upload is not None:
        job.file.save(f"{job.pk}-{filename}", ContentFile(upload), save=True)
    transaction.on_commit(lambda: task.enqueue(job.pk))
    return job


def with_language(params: dict | None = None) -> dict:
    """The job's params with the starter's language, so the task writes its messages and
    reports in it (``speaking``); the worker itself runs in the default language."""
    return {LANGUAGE: get_language() or settings.LANGUAGE_CODE, **(params or {})}


def speaking(job: Job):
    """Run a task's messages in the language of whoever started the job (``with_language``)."""
    language = (job.params or {}).get(LANGUAGE)
    return translation.override(language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE)


# A job queued or running for longer than this lost its worker (killed, machine restarted):
# the work it did rolled back (every task writes in one transaction), so it may run again.
STALE_AFTER = dt.timedelta(minutes=30)
MAX_ATTEMPTS = 3


def live_jobs(queryset):
    """The jobs of ``queryset`` that block starting the same work again: finished ones, and
    queued or running ones that are not stale. Failed and stale jobs do not block."""
    from django.db.models import Q

    fresh = timezone.now() - STALE_AFTER
    return queryset.filter(Q(status=Job.DONE) | Q(status__in=[Job.PENDING, Job.RUNNING], queued_at__gte=fresh))


def is_stale(job: Job, now: dt.datetime | None = None) -> bool:
    return job.status in (Job.PENDING, Job.RUNNING) and job.queued_at < (now or timezone.now()) - STALE_AFTER


def restart(actor, job: Job) -> Job:
    """Queue a stale job's task again (its worker died; what it wrote rolled back). The tasks
    take a second delivery of an unfinished job, and an import that did commit before the
    worker died finds its rows already written. After ``MAX_ATTEMPTS`` the job is failed."""
    from django.utils.module_loading import import_string

    from .audit import log_action
    from .errors import ServiceError

    if not is_stale(job):
        raise ServiceError(_("任务仍在进行中，无需重新开始"), "job")
    if not job.task_path:
        raise ServiceError(_("该任务不能重新开始"), "job")
    if job.attempts >= MAX_ATTEMPTS:
        finish(job, job.result, message=_("后台任务已中断%(n)s次，请重新上传或联系管理员") % {"n": job.attempts}, failed=True)
        job.refresh_from_db()
        return job
    with transaction.atomic():
        updated = Job.objects.filter(pk=job.pk, status__in=[Job.PENDING, Job.RUNNING], queued_at=job.queued_at).update(
            status=Job.PENDING, progress=0, message=_("重新排队"), queued_at=timezone.now(),
            attempts=job.attempts + 1)
        if not updated:  # restarted meanwhile, or it finished after all
            job.refresh_from_db()
            return job
        log_action(actor, "job.restart", job, {"kind": job.kind, "attempt": job.attempts + 1})
        _drop_progress_file(job.pk)  # the dead attempt's
        task = import_string(job.task_path)
        transaction.on_commit(lambda: task.enqueue(job.pk))
    job.refresh_from_db()
    return job


def restart_stale(actor=None) -> list[Job]:
    """Restart every stale job (``python -m lehuo restart_stale_jobs``, from cron)."""
    cutoff = timezone.now() - STALE_AFTER
    stale = Job.objects.filter(status__in=[Job.PENDING, Job.RUNNING], queued_at__lt=cutoff).exclude(task_path="")
    return [restart(actor, job) for job in stale]


_side = threading.local()


def _side_connection():
    """This thread's second connection to the default database, in autocommit (PostgreSQL)."""
    conn = getattr(_side, "connection", None)
    if conn is None:
        conn = connections.create_connection(DEFAULT_DB_ALIAS)
        with conn.cursor() as cursor:
            # If the task's transaction did lock the job row, give up at once rather than wait.
            cursor.execute("SET lock_timeout = '200ms'")
        _side.connection = conn
    return conn


def close_side_connection() -> None:
    """Close this thread's progress connection (``finish`` does; a worker keeps none between jobs)."""
    conn = getattr(_side, "connection", None)
    if conn is not None:
        conn.close()
        _side.connection = None


def _report_outside(job: Job, fields: dict) -> bool:
    """Write progress on the side connection, so the page sees it while the task's transaction
    is open (an import's write phase). False if that connection cannot see the row (the job was
    created in that same open transaction) or fails: the caller writes it in the transaction."""
    qn = connection.ops.quote_name
    columns = list(fields)
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608 (names from the model)
        qn(Job._meta.db_table), ", ".join(f"{qn(Job._meta.get_field(c).column)} = %s" for c in columns),
        qn(Job._meta.pk.column))
    side = _side_connection()
    try:
        with side.cursor() as cursor:
            cursor.execute(sql, [fields[c] for c in columns] + [job.pk])
            return cursor.rowcount == 1
    except DatabaseError:
        logger.warning("job %s: progress not written outside the transaction", job.pk, exc_info=True)
        close_side_connection()
        return False


def report(job: Job, progress: int, total: int | None = None, message: str = "") -> None:
    """Record progress. Inside a transaction (an import's write phase) the row's update shows
    only after the commit, so the progress also goes where the waiting page sees it at once: on
    PostgreSQL through a second connection (the task's transaction never touches the job row,
    so the two never wait on each other); on SQLite, one writer at a time, into a small file
    beside the database that ``live()`` reads."""
    fields = {"progress": progress, "status": Job.RUNNING}
    if total is not None:
        fields["total"] = total
    if message:
        fields["message"] = message
    if connection.in_atomic_block and connection.vendor == "sqlite":
        _report_to_file(job, fields)  # and in the transaction below, which holds it after the commit
    outside = connection.vendor == "postgresql" and connection.in_atomic_block
    if outside and not getattr(job, "_progress_inside", False):
        if _report_outside(job, fields):
            return
        job._progress_inside = True  # the row is this transaction's now: keep writing it here
    Job.objects.filter(pk=job.pk).update(**fields)


def _progress_file(pk: int) -> Path:
    return Path(settings.VAR_DIR) / "job-progress" / f"{int(pk)}.json"


def _report_to_file(job: Job, fields: dict) -> None:
    """Write the progress atomically (a reader sees the old file or the new one, never half)."""
    path = _progress_file(job.pk)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps(fields), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        logger.warning("job %s: progress file not written", job.pk, exc_info=True)


def _drop_progress_file(pk: int) -> None:
    try:
        _progress_file(pk).unlink(missing_ok=True)
    except OSError:
        logger.warning("job %s: progress file not removed", pk, exc_info=True)


def live(job: Job) -> Job:
    """``job`` as its page should show it: a queued or running job's progress from the task's
    open transaction (SQLite's progress file), where there is one. Finished jobs are as read."""
    if job.status not in (Job.PENDING, Job.RUNNING) or connection.vendor != "sqlite":
        return job
    try:
        fields = json.loads(_progress_file(job.pk).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return job
    for name in ("progress", "total", "message", "status"):
        if name in fields:
            setattr(job, name, fields[name])
    return job


def drop_upload(job: Job) -> None:
    """Delete the job's stored upload. Only the file column is written: ``file.delete(save=True)``
    would save the whole row as this (stale) object holds it, setting progress back to 0."""
    if job.file:
        job.file.delete(save=False)
        Job.objects.filter(pk=job.pk).update(file="")


def finish(job: Job, result: dict | None = None, message: str = "", failed: bool = False) -> None:
    close_side_connection()
    _drop_progress_file(job.pk)
    fields = {"status": Job.FAILED if failed else Job.DONE, "result": result or {}, "message": message,
              "finished_at": timezone.now()}
    if not failed:
        # A finished job did all its steps: its count says so, matching its full bar
        # (a PDF reports 3 of 4 steps before it is saved, then finishes).
        fields["progress"] = models.Case(models.When(total__gt=0, then=models.F("total")),
                                         default=models.F("progress"))
    Job.objects.filter(pk=job.pk).update(**fields)


# Uploads kept with a job are sealed with the field keys (they may hold ID numbers and phones).
def seal(data: bytes) -> bytes:
    return fernet().encrypt(data)


def unseal(job: Job) -> bytes:
    job.file.open("rb")
    try:
        return fernet().decrypt(job.file.read())
    finally:
        job.file.close()
