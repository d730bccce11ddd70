"""Import wizard: upload -> column mapping -> dry-run report (background job) -> commit."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _

from lehuo.accounts.permissions import scope_q
from lehuo.platform.errors import ServiceError
from lehuo.platform.jobs import live_jobs, seal, unseal, with_language
from lehuo.platform.models import Job

from . import forms, services
from .importers import KINDS, guess_mapping, headers_of
from .tasks import CHECK, COMMIT, donation_import_task
from .views import _drive, _render


@login_required
def import_upload(request, pk):
    drive = _drive(request, pk, to="donations.drive.record")
    form = forms.ImportUploadForm(request.POST or None, request.FILES or None, user=request.user, drive=drive)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        kind, nbh = form.cleaned_data["kind"], form.cleaned_data["neighbourhood"]
        try:
            headers = headers_of(data, upload.name)
            if kind == "offline" and nbh is None and services.recording_neighbourhoods(request.user, drive) is not None:
                raise ServiceError(_("请选择经办居民区"), "neighbourhood")
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            job = Job.objects.create(kind=CHECK, created_by=request.user, params=with_language({
                "drive": drive.pk, "kind": kind, "neighbourhood": nbh.pk if nbh else None,
                "filename": upload.name[:100], "headers": headers, "mapping": guess_mapping(headers)}))
            job.file.save(f"{job.pk}-donations.bin", ContentFile(seal(data)), save=True)
            return redirect("donations:import_mapping", job.pk)
    return _render(request, "donations/import_upload.html", {"drive": drive, "form": form, "kinds": KINDS})


class _OtherJob(Exception):
    """The job is the reader's, but not a donation import: its own page shows it."""

    def __init__(self, job):
        self.job = job


def _own_job(request, pk, kind=None) -> Job:
    job = get_object_or_404(Job.objects.filter(scope_q(request.user, "platform.job.view")), pk=pk)
    if job.kind not in (CHECK, COMMIT):
        raise _OtherJob(job)
    if kind and job.kind != kind:
        raise Http404
    return job


def _job_page(view):
    """A job of another kind is sent to the platform's job page."""
    from functools import wraps

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except _OtherJob as other:
            return redirect("web:job", other.job.pk)

    return wrapper


@login_required
@_job_page
def import_mapping(request, pk):
    job = _own_job(request, pk, CHECK)
    drive = services.get_drive_for(request.user, job.params["drive"])
    if job.status != Job.PENDING:
        return redirect("donations:import_report", job.pk)
    headers = job.params.get("headers", [])
    form = forms.MappingForm(request.POST or None, headers=headers, initial_mapping=job.params.get("mapping"))
    if request.method == "POST" and form.is_valid():
        try:
            mapping = form.mapping()
        except Exception as exc:  # ValidationError from mapping()
            form.add_error(None, exc.messages[0] if hasattr(exc, "messages") else str(exc))
        else:
            job.params = {**job.params, "mapping": mapping}
            job.save(update_fields=["params"])
            transaction.on_commit(lambda: donation_import_task.enqueue(job.pk))
            return redirect("web:job", job.pk)
    return _render(request, "donations/import_mapping.html", {"drive": drive, "job": job, "form": form})


@login_required
@_job_page
def import_report(request, pk):
    job = _own_job(request, pk)
    source = Job.objects.get(pk=job.params["source_job"]) if job.kind == COMMIT else job
    drive = services.get_drive_for(request.user, source.params["drive"])
    if job.status in (Job.PENDING, Job.RUNNING) and job.kind == COMMIT:
        return redirect("web:job", job.pk)
    can_commit = (job.kind == CHECK and job.status == Job.DONE and not job.result.get("errors")
                  and job.result.get("new", 0) > 0 and bool(job.file)
                  and not Job.objects.filter(kind=COMMIT, params__source_job=job.pk).exists())
    return _render(request, "donations/import_report.html", {
        "drive": drive, "job": job, "result": job.result, "can_commit": can_commit,
        "kind_label": KINDS.get(source.params.get("kind"), ""), "filename": source.params.get("filename", "")})


@login_required
@_job_page
def import_commit(request, pk):
    if request.method != "POST":
        return redirect("donations:import_report", pk)
    source = _own_job(request, pk, CHECK)
    if not source.file or source.status != Job.DONE:
        messages.error(request, _("该文件不能导入（有错误或已导入）"))
        return redirect("donations:import_report", source.pk)
    if live_jobs(Job.objects.filter(kind=COMMIT, params__source_job=source.pk)).exists():
        messages.warning(request, _("该文件已提交导入"))
        return redirect("donations:import_report", source.pk)
    unseal(source)  # the file must still be readable before a commit job is queued
    job = Job.objects.create(kind=COMMIT, created_by=request.user, params=with_language({"source_job": source.pk}))
    transaction.on_commit(lambda: donation_import_task.enqueue(job.pk))
    return redirect("web:job", job.pk)
