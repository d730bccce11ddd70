"""The print PDF of an issue: rendered by the task worker with progress, cached on the
issue until its content (text, photos, figure values) changes."""

import errno
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tasks import task

from lehuo.platform import jobs
from lehuo.platform.models import Job
from lehuo.platform.pdf import html_to_pdf

from . import figures_render, services
from .models import Issue

logger = logging.getLogger("lehuo.newsletter")
LAYOUT_VERSION = "print-1"


def issue_context(issue: Issue, mode: str) -> dict:
    """Columns with their articles, bodies rendered with figure values (frozen once published)."""
    figs = services.issue_figures(issue)
    articles = list(issue.articles.select_related("column").prefetch_related("photos"))
    columns: list[dict] = []
    for article in articles:
        article.html = figures_render.render_body(article.body, figs, mode)
        if not columns or columns[-1]["column"].pk != article.column_id:
            columns.append({"column": article.column, "articles": []})
        columns[-1]["articles"].append(article)
    return {"issue": issue, "columns": columns, "figures": figs,
            "changed": [f for f in figs.values() if f.changed or (f.frozen is not None and f.error)],
            "errors": services.figure_errors(figs) if not issue.is_published else []}


def issue_hash(issue: Issue, figs=None) -> str:
    figs = figs if figs is not None else services.issue_figures(issue)
    chunks: list = [LAYOUT_VERSION, settings.LEHUO_PDF_FONT, issue.slug, issue.number, issue.title, issue.date,
                    issue.status, issue.publication.name]
    for a in issue.articles.select_related("column").prefetch_related("photos"):
        chunks += [a.pk, a.column.name, a.column.order, a.kicker, a.title, a.subtitle, a.body, a.author, a.order]
        chunks += [(p.image.name, p.caption, p.order) for p in a.photos.all()]
    chunks += sorted((t, f.shown, f.error) for t, f in figs.items())
    return figures_render.content_hash(*chunks)


def render_issue_pdf(issue: Issue, progress=None) -> bytes:
    """The print edition. It is the publication itself, in its own language (the print layout
    is Chinese, as the articles are), and one cached file serves every reader: it is rendered in
    the site's language whoever asks for it. The progress steps are the reader's."""
    step = progress or (lambda n, msg: None)
    step(1, _("计算数据"))
    with translation.override(settings.LANGUAGE_CODE):
        context = issue_context(issue, "print")
    step(2, _("排版"))
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string("newsletter/print_issue.html", {"pdf_font": settings.LEHUO_PDF_FONT, **context})
    step(3, _("生成PDF"))
    return html_to_pdf(html, base_url=str(settings.MEDIA_ROOT))


def cached_pdf(issue: Issue) -> bytes | None:
    if not issue.pdf or not issue.pdf_hash or issue.pdf_hash != issue_hash(issue):
        return None
    try:
        with issue.pdf.open("rb") as fh:
            return fh.read()
    except (FileNotFoundError, OSError):
        return None


def build_and_cache(issue: Issue, progress=None) -> bytes:
    digest = issue_hash(issue)
    content = render_issue_pdf(issue, progress)
    field, old = issue.pdf.field, issue.pdf.name
    storage = field.storage
    name = storage.get_available_name(field.generate_filename(issue, f"{issue.slug}-{digest[:12]}.pdf"))
    try:
        name = storage.save(name, ContentFile(content))
    except OSError:
        # A failed write (disk full) leaves a partial file behind: remove it, keep the old
        # cache entry as it was (its hash no longer matches, so it is never served).
        if storage.exists(name):
            storage.delete(name)
        raise
    Issue.objects.filter(pk=issue.pk).update(pdf=name, pdf_hash=digest)
    issue.pdf.name, issue.pdf_hash = name, digest
    if old and old != name:
        storage.delete(old)
    return content


def failure_message(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return _("生成失败：服务器磁盘空间已满，PDF 未保存。请联系管理员清理空间后重试")
    if isinstance(exc, OSError):
        return _("生成失败：PDF 文件无法保存，请稍后重试或联系管理员")
    return _("生成失败：%(error)s") % {"error": type(exc).__name__}


@task()
def render_issue_pdf_task(job_id: int) -> None:
    job = Job.objects.get(pk=job_id)
    with jobs.speaking(job):  # progress and failure in the language of whoever asked
        try:
            issue = Issue.objects.select_related("publication").get(pk=job.params["issue_id"])
            jobs.report(job, 0, 4, _("开始"))
            build_and_cache(issue, lambda n, msg: jobs.report(job, n, 4, msg))
            jobs.finish(job, {"next_url": reverse("newsletter:pdf", args=[issue.slug])}, gettext_noop("PDF 已生成"))
        except Exception as exc:  # the page shows the failure instead of waiting forever
            logger.exception("newsletter pdf failed")
            jobs.finish(job, message=failure_message(exc), failed=True)


def start_pdf_job(user, issue: Issue) -> Job:
    return jobs.start_job("newsletter.pdf", user, render_issue_pdf_task, params={"issue_id": issue.pk})


def ensure_pdf(issue: Issue, user=None) -> Job | None:
    """Have the issue's PDF rendered once: nothing when the cached file is fresh or a render is
    already queued or running; otherwise one background job. Readers call this and never
    render themselves, so the public cannot make the server render repeatedly."""
    if not issue.is_published or cached_pdf(issue) is not None:
        return None
    unfinished = Job.objects.filter(kind="newsletter.pdf", params__issue_id=issue.pk,
                                    status__in=[Job.PENDING, Job.RUNNING])
    if unfinished.exists():
        return None
    return start_pdf_job(user, issue)
