"""Newsletter pages: the editor's desk, the reader's issue page, PDF, WeChat export."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from lehuo.accounts import scoping
from lehuo.accounts.decorators import resident_required, staff_required
from lehuo.accounts.services import town_for
from lehuo.platform.errors import NotFound, ServiceError
from lehuo.platform.pdf import pdf_response

from . import figures_render, pdf, services, wechat
from .forms import ArticleForm, IssueForm, PhotoForm
from .models import Issue, Photo


def _not_found(request):
    return render(request, "404.html", status=404)


def _issue_or_404(request, slug):
    try:
        return services.get_issue_for(request.user, slug)
    except NotFound:
        return None


@resident_required
def index(request):
    """Editors, admins and viewers get the desk (all issues); residents the archive."""
    if not services.may_read_drafts(request.user):
        return redirect("newsletter:archive")
    issues = services.issues_for(request.user)
    return render(request, "newsletter/index.html", {"issues": issues, "may_edit": services.may_edit(request.user)})


@resident_required
def archive(request):
    issues = services.issues_for(request.user).filter(status=Issue.PUBLISHED)
    return render(request, "newsletter/archive.html", {"issues": issues})


@staff_required(*services.EDIT_ROLES)
def new_issue(request):
    form = IssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pub = services.ensure_publication(town_for(request.user))
            issue = services.create_issue(request.user, pub, **form.cleaned_data)
            return redirect("newsletter:edit", slug=issue.slug)
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    return render(request, "newsletter/issue_form.html", {"form": form})


@resident_required
def issue_page(request, slug):
    """The reader's page (mobile first). Staff see drafts and which figures changed."""
    issue = _issue_or_404(request, slug)
    if issue is None:
        return _not_found(request)
    staff = services.may_read_drafts(request.user)
    context = pdf.issue_context(issue, "read" if staff else "public")
    context.update({"staff": staff, "may_edit": services.may_edit(request.user)})
    return render(request, "newsletter/issue.html", context)


@resident_required
def issue_pdf(request, slug):
    """Cached PDF when fresh; otherwise staff get a background job with progress and
    residents (published issues only) get it rendered on the spot and cached."""
    issue = _issue_or_404(request, slug)
    if issue is None:
        return _not_found(request)
    content = pdf.cached_pdf(issue)
    if content is None:
        if scoping.is_staff_member(request.user) and request.GET.get("now") != "1":
            job = pdf.start_pdf_job(request.user, issue)
            return redirect("web:job", pk=job.pk)
        content = pdf.build_and_cache(issue)
    return pdf_response(content, f"{issue.publication.name}-{issue.slug}.pdf")


@resident_required
def edit_issue(request, slug):
    """The editor's desk for one issue: figures beside their tokens, errors, workflow.
    Viewers may read it; only editors and town admins get the forms."""
    if not services.may_read_drafts(request.user):
        raise PermissionDenied
    issue = _issue_or_404(request, slug)
    if issue is None:
        return _not_found(request)
    context = pdf.issue_context(issue, "edit")
    context.update({
        "may_edit": services.may_edit(request.user), "may_withdraw": scoping.is_town_wide(request.user),
        "tokens": list(context["figures"].values()), "prefixes": figures_render.figures.prefixes(),
    })
    return render(request, "newsletter/edit_issue.html", context)


def _editable_issue(request, slug) -> Issue:
    if not services.may_edit(request.user):
        raise PermissionDenied
    issue = _issue_or_404(request, slug)
    if issue is None:
        raise NotFound()
    return issue


@staff_required(*services.EDIT_ROLES)
def edit_article(request, slug, pk=None):
    try:
        issue = _editable_issue(request, slug)
        article = services.get_article_for(request.user, pk) if pk else None
    except NotFound:
        return _not_found(request)
    if article is not None and article.issue_id != issue.pk:
        return _not_found(request)
    initial = {"order": issue.articles.count()}
    if article is not None:
        initial = {f: getattr(article, f) for f in ("kicker", "title", "subtitle", "body", "author", "order")}
        initial["column"] = article.column_id
    form = ArticleForm(request.POST or None, initial=initial, publication=issue.publication)
    body = request.POST.get("body", article.body if article else "")
    if request.method == "POST" and form.is_valid():
        try:
            article = services.save_article(request.user, issue, article, **form.cleaned_data)
            messages.success(request, gettext("文章已保存"))
            return redirect("newsletter:edit_article", slug=issue.slug, pk=article.pk)
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    form.fields["body"].widget.attrs.update({
        "hx-post": reverse("newsletter:preview", args=[issue.slug]), "hx-trigger": "keyup changed delay:600ms",
        "hx-target": "#nl-preview", "hx-swap": "innerHTML"})
    return render(request, "newsletter/edit_article.html", {
        "issue": issue, "article": article, "form": form, "photo_form": PhotoForm(), **_preview(body)})


def _preview(body: str) -> dict:
    figs = figures_render.resolve_tokens(figures_render.tokens_in(body))
    return {"preview": figures_render.render_body(body, figs, "edit"), "tokens": list(figs.values()),
            "errors": services.figure_errors(figs)}


@staff_required(*services.EDIT_ROLES)
@require_POST
def preview(request, slug):
    """The body as it will read, with each value beside its token (htmx, while typing)."""
    if _issue_or_404(request, slug) is None:
        return _not_found(request)
    return render(request, "newsletter/_preview.html", _preview(request.POST.get("body", "")[:50000]))


@staff_required(*services.EDIT_ROLES)
@require_POST
def add_photo(request, slug, pk):
    try:
        issue = _editable_issue(request, slug)
        article = services.get_article_for(request.user, pk)
    except NotFound:
        return _not_found(request)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid() and article.issue_id == issue.pk:
        try:
            services.add_photo(request.user, article, form.cleaned_data["image"].read(), form.cleaned_data["caption"])
            messages.success(request, gettext("照片已上传"))
        except ServiceError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, gettext("请选择照片文件"))
    return redirect("newsletter:edit_article", slug=issue.slug, pk=article.pk)


@staff_required(*services.EDIT_ROLES)
@require_POST
def remove_photo(request, pk):
    photo = get_object_or_404(Photo.objects.select_related("article__issue"), pk=pk,
                              article__issue__in=services.issues_for(request.user))
    try:
        services.remove_photo(request.user, photo)
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("newsletter:edit_article", slug=photo.article.issue.slug, pk=photo.article_id)


def _workflow(action, done: str):
    @staff_required(*services.EDIT_ROLES)
    @require_POST
    def view(request, slug):
        issue = _issue_or_404(request, slug)
        if issue is None:
            return _not_found(request)
        try:
            action(request.user, issue)
            messages.success(request, done)
        except ServiceError as exc:
            messages.error(request, exc.message)
        return redirect("newsletter:edit", slug=issue.slug)

    return view


submit = _workflow(services.submit_issue, _("已提交审核"))
publish = _workflow(services.publish_issue, _("已发布，数据已固定"))
return_to_draft = _workflow(services.return_to_draft, _("已退回草稿"))


@resident_required
def wechat_export(request, pk):
    """The article as WeChat-ready HTML: shown as code to copy, or downloaded."""
    try:
        article = services.get_article_for(request.user, pk)
    except NotFound:
        return _not_found(request)
    figs = services.issue_figures(article.issue)
    html = wechat.article_html(article, figs, base_url=request.build_absolute_uri("/")[:-1])
    if request.GET.get("download"):
        response = HttpResponse(html, content_type="text/html; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="article-{article.pk}-wechat.html"'
        return response
    return render(request, "newsletter/wechat.html", {"article": article, "html": html})


@staff_required()
def dashboard(request):
    from .dashboard import cached_summaries

    found, computed_at = cached_summaries(town_for(request.user), refresh=request.GET.get("refresh") == "1")
    return render(request, "newsletter/dashboard.html", {
        "summaries": found, "computed_at": computed_at, "cache_seconds": settings.LEHUO_DASHBOARD_CACHE_SECONDS})


@staff_required()
def dashboard_pdf(request):
    from django.template.loader import render_to_string

    from lehuo.platform.pdf import html_to_pdf

    from .dashboard import cached_summaries

    town = town_for(request.user)
    found, computed_at = cached_summaries(town, refresh=request.GET.get("refresh") == "1")
    html = render_to_string("newsletter/print_dashboard.html", {
        "summaries": found, "computed_at": computed_at, "town": town, "pdf_font": settings.LEHUO_PDF_FONT})
    return pdf_response(html_to_pdf(html), f"{town.name}-数据看板.pdf")
