"""/api/v1/newsletter/...: issues, articles, figures, workflow."""

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from lehuo.accounts.permissions import require
from lehuo.accounts.services import town_for
from lehuo.lib.labels import list_separator
from lehuo.platform.api.pagination import PageNumberPagination
from lehuo.platform.api.types import Date, Int
from lehuo.platform.errors import ServiceError

from . import services

router = Router(tags=["newsletter"])


class IssueIn(Schema):
    slug: str = ""
    number: Int = Field(..., ge=1, le=99999)  # past a PositiveIntegerField, PostgreSQL refused it: a 500
    published_on: Date
    title: str = ""


class IssueOut(Schema):
    id: int
    slug: str
    title: str
    number: int
    published_on: dt.date
    status: str

    @staticmethod
    def resolve_published_on(obj) -> dt.date:
        return obj.date


class ArticleIn(Schema):
    issue_id: Int
    column: str
    title: str
    kicker: str = ""
    subtitle: str = ""
    body: str = ""
    author: str = ""
    order: Int = Field(0, ge=0, le=32767)  # a PositiveSmallIntegerField: out of range was a 500


class ArticlePatch(Schema):
    column: str | None = None
    title: str | None = None
    kicker: str | None = None
    subtitle: str | None = None
    body: str | None = None
    author: str | None = None
    order: Int | None = Field(None, ge=0, le=32767)


class ArticleOut(Schema):
    id: int
    issue_id: int
    column: str
    title: str
    kicker: str
    subtitle: str
    body: str
    author: str
    order: int

    @staticmethod
    def resolve_column(obj) -> str:
        return obj.column.name


class FigureOut(Schema):
    token: str
    value: str | None
    frozen: str | None
    error: str | None
    changed: bool


def _issue(request, pk: int, action: str = "newsletter.issue.read_api"):
    return services.get_issue_by_pk(request.user, pk, action)


def _column(issue, name: str):
    column = issue.publication.columns.filter(name=name).first()
    if column is None:
        raise ServiceError(_("栏目“%(name)s”不存在（可用：%(columns)s）")
                           % {"name": name, "columns": list_separator().join(c.name for c in issue.publication.columns.all())},
                           "column")
    return column


@router.get("/newsletter/issues", response=list[IssueOut])
@paginate(PageNumberPagination, page_size=50)
def list_issues(request, status: str = ""):
    require(request.user, "newsletter.issue.read_api")
    qs = services.issues_for(request.user, "newsletter.issue.read_api")
    return qs.filter(status=status) if status else qs


@router.post("/newsletter/issues", response={201: IssueOut})
def create_issue(request, payload: IssueIn):
    issue = services.create_issue_in_town(request.user, town_for(request.user), number=payload.number,
                                          date=payload.published_on, slug=payload.slug, title=payload.title)
    return Status(201, issue)


@router.get("/newsletter/issues/{issue_id}/figures", response=list[FigureOut])
def issue_figures(request, issue_id: int):
    issue = _issue(request, issue_id)
    figs = services.issue_figures(issue)
    if not services.may_read_drafts(request.user):  # readers get what the issue states
        return [FigureOut(token=f.token, value=f.shown, frozen=f.frozen, error=None, changed=False) for f in figs.values()]
    return [FigureOut(token=f.token, value=f.value, frozen=f.frozen, error=f.error, changed=f.changed)
            for f in figs.values()]


@router.post("/newsletter/issues/{issue_id}/submit", response=IssueOut)
def submit_issue(request, issue_id: int):
    return services.submit_issue(request.user, _issue(request, issue_id, "newsletter.issue.edit"))


@router.post("/newsletter/issues/{issue_id}/publish", response=IssueOut)
def publish_issue(request, issue_id: int):
    return services.publish_issue(request.user, _issue(request, issue_id, "newsletter.issue.publish"))


@router.get("/newsletter/articles", response=list[ArticleOut])
@paginate(PageNumberPagination, page_size=50)
def list_articles(request, issue_id: int | None = None):
    require(request.user, "newsletter.article.read_api")
    qs = services.articles_for(request.user)
    return qs.filter(issue_id=issue_id) if issue_id else qs


@router.post("/newsletter/articles", response={201: ArticleOut})
def create_article(request, payload: ArticleIn):
    require(request.user, "newsletter.issue.create")
    issue = _issue(request, payload.issue_id, "newsletter.issue.edit")
    data = payload.dict(exclude={"issue_id"})
    data["column"] = _column(issue, data["column"])
    return Status(201, services.save_article(request.user, issue, None, **data))


@router.patch("/newsletter/articles/{article_id}", response=ArticleOut)
def update_article(request, article_id: int, payload: ArticlePatch):
    article = services.get_article_for(request.user, article_id, "newsletter.article.edit")
    data = payload.dict(exclude_unset=True)
    if "column" in data:
        data["column"] = _column(article.issue, data["column"] or "")
    return services.save_article(request.user, article.issue, article, **data)
