"""Background tasks of the people register (django-tasks): the people import.

The upload is kept with its Job encrypted with the field keys (it holds ID numbers and
phones in clear) and deleted once the import is written or given up.
"""

import logging

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from lehuo.accounts.models import Town
from lehuo.platform import jobs
from lehuo.platform.errors import ServiceError
from lehuo.platform.jobs import unseal
from lehuo.platform.models import Job

from .importers import import_people

logger = logging.getLogger("lehuo.people.tasks")
CHECK, COMMIT = "people.import.check", "people.import.commit"


def run_people_import(job_id: int) -> None:
    """Check (``people.import.check``) or check-and-write (``people.import.commit``) a file; its
    progress, messages and report in the language of whoever started it (stored with the job)."""
    job = Job.objects.select_related("created_by").get(pk=job_id)
    with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
        _run(job)


def _run(job: Job) -> None:
    job_id = job.pk
    if job.status in (Job.DONE, Job.FAILED):
        return  # already run (a task delivered twice must not import twice)
    commit = job.kind == COMMIT
    source = Job.objects.get(pk=job.params["source_job"]) if commit else job
    town = Town.objects.get(pk=job.params["town"])
    actor = job.created_by or AnonymousUser()

    def progress(done: int, total: int, phase: str) -> None:
        # Shown as it goes; in the write phase (inside the import's transaction) on PostgreSQL
        # through a second connection, on SQLite through a progress file (jobs.report).
        jobs.report(job, done, total, _("写入中") if phase == "write" else _("校验中"))

    jobs.report(job, 0, 0, _("读取文件"))
    try:
        result = import_people(actor, town, unseal(source), commit=commit,
                               filename=source.params.get("filename", ""), progress=progress)
    except ServiceError as exc:
        if not commit:
            jobs.drop_upload(job)  # an unreadable file can never be committed: do not keep it
        jobs.finish(job, {"errors": [{"row": 0, "field": "file", "label": _("文件"), "message": exc.message}],
                          "rows": 0, "next_url": reverse("people:people_import_report", args=[source.pk])},
                    message=exc.message, failed=True)
        return
    except Exception:
        logger.exception("people import %s failed", job_id)
        jobs.finish(job, {"next_url": reverse("people:people_import")}, message=_("导入出错，未写入任何数据"), failed=True)
        raise
    report = result.report()
    if commit and result.ok:
        jobs.drop_upload(source)
        report["next_url"] = reverse("people:people") + "?sort=-created"
        jobs.finish(job, report, message=ngettext("已导入 %(n)d 人", "已导入 %(n)d 人", result.rows) % {"n": result.rows})
    elif commit:
        jobs.drop_upload(source)
        report["next_url"] = reverse("people:people_import_report", args=[job.pk])
        jobs.finish(job, report, message=_("数据已变化，有错误行，未导入任何数据"), failed=True)
    else:
        if not result.ok:
            jobs.drop_upload(job)  # nothing can be committed from it
        report["next_url"] = reverse("people:people_import_report", args=[job.pk])
        jobs.finish(job, report, message=_("校验完成") if result.ok else ngettext(
            "%(n)d 行有错误", "%(n)d 行有错误", report["bad_rows"]) % {"n": report["bad_rows"]})


@task()
def people_import_task(job_id: int) -> None:
    run_people_import(job_id)
