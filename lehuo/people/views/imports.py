"""Excel import of people: upload, dry-run report, then an all-or-nothing commit."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lehuo.lib.labels import list_separator
from lehuo.people.forms import ImportForm, apply_service_error
from lehuo.people.importers import column_names, import_town_for, template_xlsx
from lehuo.people.tasks import CHECK, COMMIT, people_import_task, run_people_import
from lehuo.platform import jobs
from lehuo.platform.errors import ServiceError
from lehuo.platform.excel import sniff_kind, xlsx_response
from lehuo.platform.jobs import seal
from lehuo.platform.models import Job

# Files up to this size are checked during the request; bigger ones go to the task worker.
INLINE_BYTES = 256 * 1024


def _start(request, kind: str, params: dict, upload: bytes | None = None, size: int = 0):
    params = {**params, "language": get_language()}  # the task reports in the uploader's language
    sealed = seal(upload) if upload is not None else None
    if size and size <= INLINE_BYTES:
        # Small file: done during the request, no worker needed.
        job = Job.objects.create(kind=kind, params=params, created_by=request.user, status=Job.RUNNING)
        if sealed is not None:
            job.file.save(f"{job.pk}-people.enc", ContentFile(sealed), save=True)
        run_people_import(job.pk)
        job.refresh_from_db()
        if kind == COMMIT and job.status == Job.DONE:
            _say_imported(request, job)
        return redirect(job.result.get("next_url") or "people:people_import")
    job = jobs.start_job(kind, request.user, people_import_task, params=params, upload=sealed, filename="people.enc")
    return redirect("web:job", job.pk)


def _say_imported(request, job: Job) -> None:
    """"N imported", with a link to what was imported (the list, newest first) and to the report."""
    from django.urls import reverse
    from django.utils.html import format_html
    from django.utils.translation import ngettext

    n = int(job.result.get("rows") or 0)
    messages.success(request, format_html(
        '<span id="import-done">{}</span> <a href="{}">{}</a> · <a href="{}">{}</a>',
        ngettext("已导入 %(n)d 人", "已导入 %(n)d 人", n) % {"n": n},
        job.result.get("next_url") or reverse("people:people"), _("查看导入的人员"),
        reverse("people:people_import_report", args=[job.pk]), _("导入报告")))


@login_required
def people_import(request):
    town = import_town_for(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > settings.LEHUO_MAX_UPLOAD_BYTES:
            form.add_error("file", _("文件过大（上限 %(mb)s MB）") % {"mb": settings.LEHUO_MAX_UPLOAD_BYTES // 1024 // 1024})
        else:
            data = upload.read()
            try:
                kind = sniff_kind(data, upload.name)  # by content, never by the name
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                if kind == "xls":
                    form.add_error("file", _("不支持旧版 .xls 文件，请另存为 .xlsx 或 CSV"))
                else:
                    params = {"town": town.pk, "filename": upload.name[:100], "bytes": len(data)}
                    return _start(request, CHECK, params, upload=data, size=len(data))
    sep = list_separator()
    columns = [(name, required, sep.join(others)) for name, required, others in column_names()]
    return render(request, "people/people_import.html", {"form": form, "columns": columns})


def _own_job(request, pk) -> Job:
    job = get_object_or_404(Job, pk=pk, created_by=request.user, kind__in=[CHECK, COMMIT])
    return job


@login_required
def people_import_report(request, pk):
    job = _own_job(request, pk)
    if job.status not in (Job.DONE, Job.FAILED):
        return redirect("web:job", job.pk)
    source = job if job.kind == CHECK else get_object_or_404(Job, pk=job.params["source_job"])
    result = job.result or {}
    can_commit = (job.kind == CHECK and job.status == Job.DONE and not result.get("errors")
                  and result.get("rows") and bool(source.file))
    return render(request, "people/people_import_report.html", {
        "job": job, "result": result, "can_commit": can_commit, "filename": source.params.get("filename", ""),
    })


@require_POST
@login_required
def people_import_commit(request, pk):
    source = _own_job(request, pk)
    if source.kind != CHECK or source.status != Job.DONE or source.result.get("errors") or not source.file:
        messages.error(request, _("这份文件没有可导入的数据（未校验通过，或已过期），请重新上传"))
        return redirect("people:people_import_report", source.pk) if source.status in (Job.DONE, Job.FAILED) \
            else redirect("people:people_import")
    if Job.objects.filter(kind=COMMIT, params__source_job=source.pk).exclude(status=Job.FAILED).exists():
        messages.warning(request, _("此文件已提交导入"))
        return redirect("people:people")
    params = {"town": source.params["town"], "source_job": source.pk}
    return _start(request, COMMIT, params, size=source.params.get("bytes", 0))


@login_required
def people_import_template(request):
    import_town_for(request.user)
    return xlsx_response(_("人员导入模板.xlsx"), template_xlsx())
