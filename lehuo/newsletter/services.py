"""Every write of the newsletter, with its rules: editing, review, publication, photos."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from lehuo.accounts.models import Town
from lehuo.accounts.permissions import may, require, scope_q
from lehuo.platform.audit import log_action
from lehuo.platform.errors import NotFound, ServiceError
from lehuo.platform.images import checked_image

from . import figures_render
from .models import Article, Column, FrozenFigure, Issue, Photo, Publication

ARTICLE_FIELDS = ("column", "kicker", "title", "subtitle", "body", "author", "order")


def may_edit(user) -> bool:
    return may(user, "newsletter.issue.edit")


def may_read_drafts(user) -> bool:
    return may(user, "newsletter.issue.read_draft")


def issues_for(user, action: str = "newsletter.issue.read"):
    """Issues a user may read (lehuo/newsletter/policy.py): published issues for everyone,
    every issue of their towns for editors, town admins and viewers."""
    return Issue.objects.select_related("publication").filter(scope_q(user, action))


def published_issues():
    """The public archive: published issues of every town, newest first."""
    return Issue.objects.select_related("publication").filter(status=Issue.PUBLISHED, published_at__isnull=False)


def get_issue_for(user, slug: str, action: str = "newsletter.issue.read") -> Issue:
    issue = Issue.objects.select_related("publication").filter(slug=slug).first()
    if issue is None:
        raise NotFound()
    require(user, action, issue)
    return issue


def get_issue_by_pk(user, pk, action: str = "newsletter.issue.read_api") -> Issue:
    issue = Issue.objects.select_related("publication").filter(pk=pk).first() if str(pk).isdigit() else None
    if issue is None:
        raise NotFound()
    require(user, action, issue)
    return issue


def get_article_for(user, pk, action: str = "newsletter.article.read") -> Article:
    article = (Article.objects.select_related("issue__publication", "column").filter(pk=pk).first()
               if str(pk).isdigit() else None)
    if article is None:
        raise NotFound()
    require(user, action, article)
    return article


def articles_for(user, action: str = "newsletter.article.read_api"):
    return Article.objects.select_related("column").filter(scope_q(user, action))


def get_photo_for(user, pk) -> Photo:
    photo = Photo.objects.select_related("article__issue__publication").filter(pk=pk).first() if str(pk).isdigit() else None
    if photo is None:
        raise NotFound()
    require(user, "newsletter.photo.remove", photo)
    return photo


def _check_editor(actor, issue: Issue | None = None) -> None:
    require(actor, "newsletter.issue.edit", issue)


def _check_editable(issue: Issue) -> None:
    if issue.status == Issue.PUBLISHED:
        raise ServiceError(_("本期已发布，请先撤回为草稿再修改"), "status")


def _text(value, field: str, label: str, max_len: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ServiceError(_("%(label)s不能为空") % {"label": label}, field)
    if len(value) > max_len:
        raise ServiceError(_("%(label)s不能超过%(n)s个字") % {"label": label, "n": max_len}, field)
    return value


# --- publications and columns -------------------------------------------------------------

def ensure_publication(town: Town, *, slug: str = "lehuo-xinjing", name: str = "乐活新泾", sponsor: str = "",  # not-ui: the publication's own name (data)
                       columns: tuple[str, ...] = ("乐活·家园", "乐活·温情", "乐活·青春", "乐活·体育")) -> Publication:  # not-ui: column names (data)
    pub, _created = Publication.objects.get_or_create(town=town, slug=slug, defaults={"name": name, "sponsor": sponsor})
    for order, col in enumerate(columns):
        Column.objects.get_or_create(publication=pub, name=col, defaults={"order": order})
    return pub


# --- issues -------------------------------------------------------------------------------

@transaction.atomic
def create_issue(actor, publication: Publication, *, number: int, date: dt.date, slug: str = "",
                 title: str = "") -> Issue:
    require(actor, "newsletter.issue.create")  # the role (403), then the town (404)
    require(actor, "newsletter.issue.create", publication.town)
    if number is None or int(number) < 1:
        raise ServiceError(_("期号须为正整数"), "number")
    slug = slugify(slug or f"{date:%Y-%m}")
    if not slug:
        raise ServiceError(_("标识不能为空"), "slug")
    if Issue.objects.filter(slug=slug).exists():
        raise ServiceError(_("该标识已被使用"), "slug", code="duplicate")
    issue = Issue.objects.create(publication=publication, slug=slug, number=int(number), date=date,
                                 title=_text(title, "title", _("标题"), 100))
    log_action(actor, "newsletter.issue.create", issue, {"slug": slug})
    return issue


@transaction.atomic
def create_issue_in_town(actor, town, **fields) -> Issue:
    """The town's publication (made on first use) and the new issue, in one transaction:
    a refused issue leaves no publication or columns behind."""
    require(actor, "newsletter.issue.create")
    require(actor, "newsletter.issue.create", town)
    return create_issue(actor, ensure_publication(town), **fields)


@transaction.atomic
def update_issue(actor, issue: Issue, **changes) -> Issue:
    _check_editor(actor, issue)
    _check_editable(issue)
    if "title" in changes:
        issue.title = _text(changes["title"], "title", _("标题"), 100)
    if "number" in changes:
        if int(changes["number"]) < 1:
            raise ServiceError(_("期号须为正整数"), "number")
        issue.number = int(changes["number"])
    if "date" in changes:
        issue.date = changes["date"]
    issue.save()
    return issue


@transaction.atomic
def save_article(actor, issue: Issue, article: Article | None = None, **fields) -> Article:
    """Create (``article`` None) or change an article; only the given fields are touched."""
    _check_editor(actor, issue)
    _check_editable(issue)
    article = article or Article(issue=issue)
    if article.issue_id != issue.pk:
        raise NotFound()
    if "column" in fields or article.pk is None:
        column = fields.get("column")
        if not isinstance(column, Column):
            column = Column.objects.filter(publication=issue.publication, pk=column).first() if column else None
        if column is None or column.publication_id != issue.publication_id:
            raise ServiceError(_("请选择本刊的栏目"), "column")
        article.column = column
    if "title" in fields or article.pk is None:
        article.title = _text(fields.get("title"), "title", _("标题"), 100, required=True)
    for name, label, size in (("kicker", _("引题"), 100), ("subtitle", _("副题"), 100),
                              ("author", _("作者"), 50)):
        if name in fields:
            setattr(article, name, _text(fields[name], name, label, size))
    if "body" in fields:
        body = fields["body"] or ""
        if len(body) > 50000:
            raise ServiceError(_("正文不能超过50000个字"), "body")
        article.body = body
    if "order" in fields and fields["order"] is not None:
        article.order = int(fields["order"])
    created = article.pk is None
    article.save()
    issue.save(update_fields=["updated_at"])
    log_action(actor, "newsletter.article.create" if created else "newsletter.article.update", article,
               {"issue": issue.pk, "fields": sorted(k for k in fields if k in ARTICLE_FIELDS)})
    return article


@transaction.atomic
def add_photo(actor, article: Article, data: bytes, caption: str = "", order: int | None = None) -> Photo:
    _check_editor(actor, article.issue)
    _check_editable(article.issue)
    image = checked_image(data, "image", f"article-{article.pk}")
    photo = Photo(article=article, caption=_text(caption, "caption", _("图片说明"), 200),
                  order=article.photos.count() if order is None else order)
    photo.image.save(image.name or f"article-{article.pk}.jpg", image, save=True)
    article.issue.save(update_fields=["updated_at"])
    log_action(actor, "newsletter.photo.add", article, {"photo": photo.pk})
    return photo


@transaction.atomic
def remove_photo(actor, photo: Photo) -> None:
    require(actor, "newsletter.photo.remove", photo)
    _check_editable(photo.article.issue)
    log_action(actor, "newsletter.photo.remove", photo.article, {"photo": photo.pk})
    photo.image.delete(save=False)
    photo.delete()


# --- figures, review and publication -------------------------------------------------------

def issue_tokens(issue: Issue) -> list[str]:
    tokens: list[str] = []
    for body in issue.articles.values_list("body", flat=True):
        tokens.extend(figures_render.tokens_in(body))
    return list(dict.fromkeys(tokens))


def issue_figures(issue: Issue) -> dict[str, figures_render.Figure]:
    """Every token of the issue with its live value; a published issue also carries the
    frozen values (what it states) so differences can be shown."""
    frozen = dict(issue.frozen_figures.values_list("token", "value")) if issue.is_published else None
    return figures_render.resolve_tokens(issue_tokens(issue), frozen)


def figure_errors(figs: dict[str, figures_render.Figure]) -> list[figures_render.Figure]:
    return [f for f in figs.values() if f.error]


def _refuse_errors(issue: Issue, action: str) -> dict[str, figures_render.Figure]:
    figs = figures_render.resolve_tokens(issue_tokens(issue))
    errors = figure_errors(figs)
    if errors:
        raise ServiceError(
            _("有%(n)s个数据标记无法计算，不能%(action)s：") % {"n": len(errors), "action": action}
            + _("；").join(f"[[{f.token}]] {f.error}" for f in errors),
            "body", errors=[{"field": "body", "message": f"[[{f.token}]] {f.error}"} for f in errors],
        )
    if not issue.articles.exists():
        raise ServiceError(_("本期还没有文章，不能%(action)s") % {"action": action}, "articles")
    return figs


@transaction.atomic
def submit_issue(actor, issue: Issue) -> Issue:
    """The editor hands the issue to review (draft -> in review)."""
    _check_editor(actor, issue)
    if issue.status != Issue.DRAFT:
        raise ServiceError(_("只有草稿可以提交审核"), "status")
    _refuse_errors(issue, _("提交审核"))
    issue.status, issue.submitted_by = Issue.IN_REVIEW, actor
    issue.save(update_fields=["status", "submitted_by", "updated_at"])
    log_action(actor, "newsletter.issue.submit", issue, {})
    return issue


@transaction.atomic
def publish_issue(actor, issue: Issue) -> Issue:
    """A reviewer (editor or town admin) publishes: every figure's value is frozen. The reviewer
    is a second pair of eyes: not the editor who submitted the issue, unless the town's
    publication allows self-review (a one-person office; off by default)."""
    require(actor, "newsletter.issue.publish", issue)
    locked = Issue.objects.select_for_update().select_related("publication").get(pk=issue.pk)
    if locked.status != Issue.IN_REVIEW:
        raise ServiceError(_("只有待审核的期刊可以发布"), "status")
    if (locked.submitted_by_id is not None and locked.submitted_by_id == getattr(actor, "pk", None)
            and not locked.publication.self_review):
        raise ServiceError(_("审核须由提交人以外的另一位编辑或镇管理员完成（一人办公室可在刊物设置中允许本人审核）"),
                           "status", code="self_review")
    figs = _refuse_errors(issue, _("发布"))
    FrozenFigure.objects.filter(issue=issue).delete()
    FrozenFigure.objects.bulk_create([FrozenFigure(issue=issue, token=t, value=f.value or "") for t, f in figs.items()])
    issue.status, issue.published_by, issue.published_at = Issue.PUBLISHED, actor, timezone.now()
    issue.save(update_fields=["status", "published_by", "published_at", "updated_at"])
    log_action(actor, "newsletter.issue.publish", issue, {"figures": {t: f.value for t, f in figs.items()}})
    return issue


@transaction.atomic
def return_to_draft(actor, issue: Issue, reason: str = "") -> Issue:
    """Send back from review, or withdraw a published issue (its frozen figures are dropped)."""
    _check_editor(actor, issue)
    if issue.status == Issue.DRAFT:
        raise ServiceError(_("本期已是草稿"), "status")
    if issue.status == Issue.PUBLISHED and not may(actor, "newsletter.issue.withdraw", issue):
        raise ServiceError(_("只有镇管理员可以撤回已发布的期刊"), "status", code="withdraw")
    was = issue.status
    FrozenFigure.objects.filter(issue=issue).delete()
    issue.status, issue.published_at, issue.published_by = Issue.DRAFT, None, None
    issue.save(update_fields=["status", "published_at", "published_by", "updated_at"])
    log_action(actor, "newsletter.issue.return", issue, {"from": was, "reason": reason})
    return issue
