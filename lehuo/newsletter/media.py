"""Protected media of this app (lehuo/platform/media.py): an article's photo and an issue's PDF
are public once the issue is published, and read by the town's newsletter desk before."""

from lehuo.accounts.permissions import may

from .models import Issue, Photo


def can_read(user, path: str) -> bool:
    photo = Photo.objects.select_related("article__issue").filter(image=path).first()
    if photo is not None:
        return may(user, "newsletter.article.read", photo.article)
    issue = Issue.objects.filter(pdf=path).first()
    return issue is not None and may(user, "newsletter.issue.read", issue)
