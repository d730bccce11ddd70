"""Background import of statements and ledgers (django-tasks), with progress on the Job.

The upload is stored with its Job encrypted (it may hold ID numbers and phones), as the
core people import does, and deleted once written or given up.
"""

import logging

from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from lehuo.accounts.models import Neighbourhood
from lehuo.platform import jobs
from lehuo.platform.errors import ServiceError
from lehuo.platform.jobs import unseal
from lehuo.platform.models import Job

from .importers import FIELD_LABELS, import_statement
from .models import Drive

logger = logging.getLogger("lehuo.donations.tasks")
CHECK, COMMIT = "donations.import.check", "donations.import.commit"


def run_import(job_id: int) -> None:
    job = Job.objects.select_related("created_by").get(pk=job_id)
    if job.status in (Job.DONE, Job.FAILED):
        return  # a task delivered twice must not import twice
    with jobs.speaking(job):  # messages and the report in the language of whoever started it
        _run(job)


def _run(job: Job) -> None:
    commit = job.kind == COMMIT
    source = Job.objects.get(pk=job.params["source_job"]) if commit else job
    params = source.params
    drive = Drive.objects.select_related("town").get(pk=params["drive"])
    nbh = Neighbourhood.objects.filter(pk=params.get("neighbourhood")).first() if params.get("neighbourhood") else None
    actor = job.created_by or AnonymousUser()
    report_url = reverse("donations:import_report", args=[job.pk])

    def progress(done: int, total: int, phase: str) -> None:
        # Shown as it goes; in the write phase (inside the import's transaction) on PostgreSQL
        # through a second connection, on SQLite through a progress file (jobs.report).
        jobs.report(job, done, total, _("写入中") if phase == "write" else _("校验中"))

    # The wizard showed every column: one it did not map was set to "ignore", even when its
    # header is a name the importer knows (昵称 left out, 姓名 chosen as the donor).
    chosen = params.get("mapping") or {}
    mapping = {h: chosen.get(h, "") for h in params.get("headers", [])} or chosen or None
    jobs.report(job, 0, 0, _("读取文件"))
    try:
        report = import_statement(actor, drive, unseal(source), params["kind"], commit=commit,
                                  filename=params.get("filename", ""), mapping=mapping,
                                  neighbourhood=nbh, progress=progress)
    except ServiceError as exc:
        jobs.drop_upload(source)  # an unreadable file can never be committed: do not keep it
        jobs.finish(job, {"errors": [{"row": 0, "field": exc.field or "file", "label": str(FIELD_LABELS["file"]), "message": exc.message}],
                          "rows": 0, "next_url": report_url}, message=exc.message, failed=True)
        return
    except IntegrityError:
        # A reference was recorded by someone else between the check and the write.
        jobs.finish(job, {"next_url": report_url}, message=_("数据已变化（有流水号刚被登记），未写入任何数据，请重新导入"),
                    failed=True)
        return
    except Exception:
        logger.exception("donation import %s failed", job.pk)
        jobs.finish(job, {"next_url": report_url}, message=_("导入出错，未写入任何数据"), failed=True)
        raise
    result = report.as_dict()
    result["next_url"] = report_url
    if commit:
        jobs.drop_upload(source)
        if report.ok:
            result["next_url"] = reverse("donations:drive", args=[drive.pk])
            jobs.finish(job, result, message=_("已导入 %(new)s 笔，跳过重复 %(duplicates)s 笔")
                        % {"new": len(report.ready), "duplicates": len(report.duplicates)})
        else:
            jobs.finish(job, result, message=_("数据已变化，有错误行，未导入任何数据"), failed=True)
    else:
        if not report.ok:
            jobs.drop_upload(job)
        jobs.finish(job, result, message=_("校验完成") if report.ok
                    else ngettext("%(n)s 行有错误", "%(n)s 行有错误", result["bad_rows"]) % {"n": result["bad_rows"]})


@task()
def donation_import_task(job_id: int) -> None:
    run_import(job_id)
