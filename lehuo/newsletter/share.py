"""Open Graph / share metadata of an issue or article page: what a link pasted in WeChat (or
any app reading ``og:`` tags) shows as its card: title, summary and picture."""

from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from lehuo.platform.media import media_url

from .models import Issue, Photo


def _summary(text: str, size: int = 80) -> str:
    text = " ".join(strip_tags(text or "").split())
    return text if len(text) <= size else text[: size - 1] + "…"


def issue_meta(request, issue: Issue, context: dict) -> dict:
    articles = [a for column in context.get("columns", []) for a in column["articles"]]
    title = str(issue)
    summary = _("；").join(a.title for a in articles[:3])
    if articles and not summary:
        summary = _summary(articles[0].html)
    photo = Photo.objects.filter(article__issue=issue).order_by("article__column__order", "article__order", "order",
                                                                "id").first()
    return {
        "title": title,
        "description": _summary(summary) or issue.publication.name,
        "image": request.build_absolute_uri(media_url(photo.image.name)) if photo else "",
        "url": request.build_absolute_uri(reverse("newsletter:issue", args=[issue.slug])),
        "site_name": issue.publication.name,
    }
