"""Newsletter pages: the editor's desk, the reader's issue page, PDF, WeChat export."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from lehuo.accounts.permissions import may, require
from lehuo.accounts.services import town_for
from lehuo.platform.errors import Forbidden, NotFound, ServiceError
from lehuo.platform.pdf import pdf_response

from . import figures_render, pdf, services, share, wechat
from .forms import ArticleForm, IssueForm, PhotoForm
from .models import Issue


def _not_found(request):
    return render(request, "404.html", status=404)


def index(request):
    """Editors, admins and viewers get the desk (all issues); everyone else the archive."""
    if not services.may_read_drafts(request.user):
        return redirect("newsletter:archive")
    issues = services.issues_for(request.user, "newsletter.issue.read_draft")
    return render(request, "newsletter/index.html", {"issues": issues, "may_edit": services.may_edit(request.user)})


def archive(request):
    """Public: every published issue, newest first."""
    response = render(request, "newsletter/archive.html", {"issues": services.published_issues()})
    return _public_cache(request, response)


def _public_cache(request, response):
    if not request.user.is_authenticated:
        patch_cache_control(response, public=True, max_age=300)
    return response


@login_required
def new_issue(request):
    require(request.user, "newsletter.issue.create")
    form = IssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pub = services.ensure_publication(town_for(request.user))
            issue = services.create_issue(request.user, pub, **form.cleaned_data)
            return redirect("newsletter:edit", slug=issue.slug)
        except (NotFound, Forbidden):
            raise
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    return render(request, "newsletter/issue_form.html", {"form": form})


def issue_page(request, slug):
    """The reader's page (mobile first), public once published; the town's desk sees drafts
    and which figures changed. Carries Open Graph metadata for a link pasted in WeChat."""
    issue = services.get_issue_for(request.user, slug)
    staff = services.may_read_drafts(request.user)
    context = pdf.issue_context(issue, "read" if staff else "public")
    context.update({"staff": staff, "may_edit": services.may_edit(request.user),
                    "share": share.issue_meta(request, issue, context)})
    return _public_cache(request, render(request, "newsletter/issue.html", context))


def issue_pdf(request, slug):
    """The print PDF. Rendered once (when published, or by the desk), then served from the
    cache; a reader never makes the server render it: while it is being prepared they get a page
    that says so (``Retry-After``, not cached)."""
    issue = services.get_issue_for(request.user, slug)
    content = pdf.cached_pdf(issue)
    if content is None:
        if may(request.user, "newsletter.issue.render_pdf", issue):
            if request.GET.get("now") == "1":
                content = pdf.build_and_cache(issue)
            else:
                job = pdf.start_pdf_job(request.user, issue)
                return redirect("web:job", pk=job.pk)
        else:
            pdf.ensure_pdf(issue)
            response = render(request, "newsletter/pdf_pending.html", {"issue": issue})
            response["Retry-After"] = "30"
            patch_cache_control(response, no_store=True)
            return response
    return _public_cache(request, pdf_response(content, f"{issue.publication.name}-{issue.slug}.pdf"))


@login_required
def edit_issue(request, slug):
    """The editor's desk for one issue: figures beside their tokens, errors, workflow.
    Viewers may read it; only editors and town admins get the forms."""
    issue = services.get_issue_for(request.user, slug, "newsletter.issue.read_draft")
    context = pdf.issue_context(issue, "edit")
    context.update({
        "may_edit": may(request.user, "newsletter.issue.edit", issue),
        "may_withdraw": may(request.user, "newsletter.issue.withdraw", issue),
        "tokens": list(context["figures"].values()), "prefixes": figures_render.figures.prefixes(),
    })
    return render(request, "newsletter/edit_issue.html", context)


def _editable_issue(request, slug) -> Issue:
    return services.get_issue_for(request.user, slug, "newsletter.issue.edit")


@login_required
def edit_article(request, slug, pk=None):
    issue = _editable_issue(request, slug)
    article = services.get_article_for(request.user, pk, "newsletter.article.edit") if pk else None
    if article is not None and article.issue_id != issue.pk:
        raise NotFound()
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
        except (NotFound, Forbidden):
            raise
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


@login_required
@require_POST
def preview(request, slug):
    """The body as it will read, with each value beside its token (htmx, while typing)."""
    _editable_issue(request, slug)
    return render(request, "newsletter/_preview.html", _preview(request.POST.get("body", "")[:50000]))


@login_required
@require_POST
def add_photo(request, slug, pk):
    issue = _editable_issue(request, slug)
    article = services.get_article_for(request.user, pk, "newsletter.article.edit")
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid() and article.issue_id == issue.pk:
        try:
            services.add_photo(request.user, article, form.cleaned_data["image"].read(), form.cleaned_data["caption"])
            messages.success(request, gettext("照片已上传"))
        except (NotFound, Forbidden):
            raise
        except ServiceError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, gettext("请选择照片文件"))
    return redirect("newsletter:edit_article", slug=issue.slug, pk=article.pk)


@login_required
@require_POST
def remove_photo(request, pk):
    photo = services.get_photo_for(request.user, pk)
    try:
        services.remove_photo(request.user, photo)
    except (NotFound, Forbidden):
        raise
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("newsletter:edit_article", slug=photo.article.issue.slug, pk=photo.article_id)


def _workflow(action, permission: str, done: "str | Promise", after=None):
    @login_required
    @require_POST
    def view(request, slug):
        issue = services.get_issue_for(request.user, slug, permission)
        try:
            action(request.user, issue)
            messages.success(request, done)
        except (NotFound, Forbidden):
            raise
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            if after is not None:
                after(request.user, issue)
        return redirect("newsletter:edit", slug=issue.slug)

    return view


submit = _workflow(services.submit_issue, "newsletter.issue.edit", _("已提交审核"))
# Publishing renders the PDF once, in the background: readers are served that file.
publish = _workflow(services.publish_issue, "newsletter.issue.publish", _("已发布，数据已固定"),
                    after=lambda user, issue: pdf.ensure_pdf(issue, user))
return_to_draft = _workflow(services.return_to_draft, "newsletter.issue.edit", _("已退回草稿"))


def wechat_export(request, pk):
    """The article as WeChat-ready HTML: shown as code to copy, or downloaded."""
    article = services.get_article_for(request.user, pk)
    figs = services.issue_figures(article.issue)
    html = wechat.article_html(article, figs, base_url=request.build_absolute_uri("/")[:-1])
    if request.GET.get("download"):
        response = HttpResponse(html, content_type="text/html; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="article-{article.pk}-wechat.html"'
        return response
    return render(request, "newsletter/wechat.html", {"article": article, "html": html})


@login_required
def dashboard(request):
    from .dashboard import cached_summaries

    require(request.user, "newsletter.dashboard.view")
    found, computed_at = cached_summaries(town_for(request.user), refresh=request.GET.get("refresh") == "1")
    return render(request, "newsletter/dashboard.html", {
        "summaries": found, "computed_at": computed_at, "cache_seconds": settings.LEHUO_DASHBOARD_CACHE_SECONDS})


@login_required
def dashboard_pdf(request):
    from django.template.loader import render_to_string

    from lehuo.platform.pdf import html_to_pdf

    from .dashboard import cached_summaries

    require(request.user, "newsletter.dashboard.view")
    town = town_for(request.user)
    found, computed_at = cached_summaries(town, refresh=request.GET.get("refresh") == "1")
    html = render_to_string("newsletter/print_dashboard.html", {
        "summaries": found, "computed_at": computed_at, "town": town, "pdf_font": settings.LEHUO_PDF_FONT})
    return pdf_response(html_to_pdf(html), gettext("%(town)s-数据看板.pdf") % {"town": town.name})
