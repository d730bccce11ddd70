"""What the newsletter declares to the permission module (lehuo/accounts/permissions.py).

A published issue, its articles and its PDF are public: anyone reads them, without signing in
(through the API: any signed-in account). Drafts and issues in review are read by the town's
editors, town admins and viewers only, and answer 404 to everyone else. Editors and town admins
write; an issue is published by a second editor, not the one who submitted it, unless the town's
publication allows self-review (one-person offices; off by default). Only a town admin withdraws
a published issue.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lehuo.accounts.models import EDITOR, PROGRAMME_STAFF, SOCIAL_WORKER, TOWN_ADMIN, VIEWER
from lehuo.accounts.permissions import ANY, PUBLIC, SIGNED_IN, TOWN, Action, Endpoint, Grant, Scoped, When

PUBLISHED = When(attr="published_at", q=Q(status="published", published_at__isnull=False))
ARTICLE_PUBLISHED = When(attr="issue__published_at", q=Q(issue__status="published", issue__published_at__isnull=False))
PHOTO_PUBLISHED = When(attr="article__issue__published_at",
                       q=Q(article__issue__status="published", article__issue__published_at__isnull=False))
DESK = tuple(Grant(role, TOWN) for role in (EDITOR, TOWN_ADMIN, VIEWER))
WRITERS = tuple(Grant(role, TOWN) for role in (EDITOR, TOWN_ADMIN))

ACTIONS = (
    Action("newsletter.issue.read", "newsletter.Issue", (Grant(PUBLIC, ANY, PUBLISHED), *DESK),
           label=_("阅读期刊（已发布的对所有人公开，包括PDF）")),
    Action("newsletter.issue.read_api", "newsletter.Issue", (Grant(SIGNED_IN, ANY, PUBLISHED), *DESK),
           label=_("通过接口读取期刊（已发布的：任何登录账号）")),
    Action("newsletter.issue.read_draft", "newsletter.Issue", DESK, label=_("查看草稿和待审核期刊、编辑台"),
           seen_with="newsletter.issue.read"),
    Action("newsletter.issue.create", "accounts.Town", WRITERS, label=_("新建期刊")),
    Action("newsletter.issue.edit", "newsletter.Issue", WRITERS, label=_("编辑期刊和文章、提交审核"),
           seen_with="newsletter.issue.read"),
    Action("newsletter.issue.publish", "newsletter.Issue", WRITERS,
           label=_("审核发布期刊（须由提交人以外的编辑审核，一人办公室可在刊物设置中允许）"),
           seen_with="newsletter.issue.read"),
    Action("newsletter.issue.withdraw", "newsletter.Issue", (Grant(TOWN_ADMIN, TOWN),),
           label=_("撤回期刊为草稿（已发布的只有镇管理员可以撤回）"), seen_with="newsletter.issue.read"),
    Action("newsletter.issue.render_pdf", "newsletter.Issue", DESK, label=_("重新生成期刊PDF"),
           seen_with="newsletter.issue.read"),
    Action("newsletter.article.read", "newsletter.Article", (Grant(PUBLIC, ANY, ARTICLE_PUBLISHED), *DESK),
           label=_("阅读文章")),
    Action("newsletter.article.read_api", "newsletter.Article", (Grant(SIGNED_IN, ANY, ARTICLE_PUBLISHED), *DESK),
           label=_("通过接口读取文章")),
    Action("newsletter.article.edit", "newsletter.Article", WRITERS, label=_("修改文章"),
           seen_with="newsletter.article.read"),
    Action("newsletter.photo.view", "newsletter.Photo", (Grant(PUBLIC, ANY, PHOTO_PUBLISHED), *DESK),
           label=_("查看文章照片（期刊发布后公开）")),
    Action("newsletter.photo.remove", "newsletter.Photo", WRITERS, label=_("删除文章照片"),
           seen_with="newsletter.photo.view"),
    Action("newsletter.dashboard.view", None,
           tuple(Grant(role, TOWN) for role in (TOWN_ADMIN, SOCIAL_WORKER, PROGRAMME_STAFF, EDITOR, VIEWER)),
           label=_("查看数据看板（只有汇总数字）")),
)

SCOPES = {
    "newsletter.Publication": Scoped(town="town"),
    "newsletter.Issue": Scoped(town="publication__town"),
    "newsletter.Article": Scoped(town="issue__publication__town"),
    "newsletter.Photo": Scoped(town="article__issue__publication__town"),
}

ENDPOINTS = {
    "newsletter:index": Endpoint("newsletter.issue.read"),
    "newsletter:archive": Endpoint(None),
    "newsletter:new": Endpoint("newsletter.issue.create"),
    "newsletter:dashboard": Endpoint("newsletter.dashboard.view"),
    "newsletter:dashboard_pdf": Endpoint("newsletter.dashboard.view"),
    "newsletter:wechat": Endpoint("newsletter.article.read", record="pk"),
    "newsletter:remove_photo": Endpoint("newsletter.photo.remove", record="pk", method="POST"),
    "newsletter:pdf": Endpoint("newsletter.issue.read", record="slug"),
    "newsletter:issue": Endpoint("newsletter.issue.read", record="slug"),
    "newsletter:edit": Endpoint("newsletter.issue.read_draft", record="slug"),
    "newsletter:preview": Endpoint("newsletter.issue.edit", record="slug", method="POST"),
    "newsletter:new_article": Endpoint("newsletter.issue.edit", record="slug"),
    "newsletter:edit_article": Endpoint("newsletter.issue.edit", record="slug", kwargs={"pk": "newsletter.Article"}),
    "newsletter:add_photo": Endpoint("newsletter.issue.edit", record="slug", kwargs={"pk": "newsletter.Article"},
                                     method="POST"),
    "newsletter:submit": Endpoint("newsletter.issue.edit", record="slug", method="POST"),
    "newsletter:publish": Endpoint("newsletter.issue.publish", record="slug", method="POST"),
    "newsletter:return": Endpoint("newsletter.issue.edit", record="slug", method="POST"),
    "GET /api/v1/newsletter/issues": Endpoint("newsletter.issue.read_api"),
    "POST /api/v1/newsletter/issues": Endpoint("newsletter.issue.create"),
    "GET /api/v1/newsletter/issues/{issue_id}/figures": Endpoint("newsletter.issue.read_api", record="issue_id"),
    "POST /api/v1/newsletter/issues/{issue_id}/submit": Endpoint("newsletter.issue.edit", record="issue_id"),
    "POST /api/v1/newsletter/issues/{issue_id}/publish": Endpoint("newsletter.issue.publish", record="issue_id"),
    "GET /api/v1/newsletter/articles": Endpoint("newsletter.article.read_api"),
    "POST /api/v1/newsletter/articles": Endpoint("newsletter.issue.create"),
    "PATCH /api/v1/newsletter/articles/{article_id}": Endpoint("newsletter.article.edit", record="article_id"),
}
