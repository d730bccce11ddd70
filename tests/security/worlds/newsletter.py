"""The newsletter's records: A is a published issue (public), B a draft of the same town; each
with an article and a photo. A's photo is stored under a fixed name the media endpoint's
declaration reads (lehuo/web/policy.py, ``platform:media``)."""

import datetime as dt
import io

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from lehuo.newsletter import services
from lehuo.newsletter.models import Photo

PUBLIC_PHOTO = "newsletter/matrix-public-photo"


def _jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 16, 46)).save(out, "JPEG")
    return out.getvalue()


def build(world) -> None:
    editor, admin = world.users["editor"], world.admin
    publication = services.ensure_publication(world.town)
    column = publication.columns.first()
    issues, articles, photos = [], [], []
    for relation, number in (("A", 1), ("B", 2)):
        issue = services.create_issue(editor, publication, number=number, date=dt.date(2025, 8, number),
                                      slug=f"matrix-issue-{relation.lower()}")
        article = services.save_article(editor, issue, None, column=column, title=f"矩阵文章{relation}",
                                        body="新泾镇的一天。")
        photos.append(services.add_photo(editor, article, _jpeg(), caption=f"矩阵照片{relation}"))
        issues.append(issue)
        articles.append(article)
    services.submit_issue(editor, issues[0])
    services.publish_issue(admin, issues[0])  # a second pair of eyes
    if default_storage.exists(PUBLIC_PHOTO):
        default_storage.delete(PUBLIC_PHOTO)
    default_storage.save(PUBLIC_PHOTO, ContentFile(_jpeg()))
    Photo.objects.create(article=articles[0], image=PUBLIC_PHOTO, caption="矩阵公开照片", order=9)
    world.add("newsletter.Issue", *issues)
    world.add("newsletter.Article", *articles)
    world.add("newsletter.Photo", *photos)
    world.bodies.update({
        "POST /api/v1/newsletter/issues": {"number": 3, "published_on": "2025-08-03", "slug": "matrix-new-issue"},
        "POST /api/v1/newsletter/articles": {"issue_id": issues[1].pk, "column": column.name, "title": "矩阵新文章"},
        "PATCH /api/v1/newsletter/articles/{article_id}": {"title": "矩阵改题"},
        "newsletter:preview": {"body": "预览"},
    })
