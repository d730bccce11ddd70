"""The newsletter's card on the public town home ``/`` (module contract ``public_home``):
the latest published issue, with no personal data."""

from django.urls import reverse
from django.utils.translation import gettext

from .models import Issue


def cards(town) -> list[dict]:
    issue = (Issue.objects.select_related("publication").filter(publication__town=town, status=Issue.PUBLISHED,
                                                                published_at__isnull=False)
             .order_by("-date", "-number").first())
    if issue is None:
        return []
    titles = list(issue.articles.order_by("column__order", "order", "id").values_list("title", flat=True)[:3])
    return [{
        "title": gettext("%(name)s 最新一期：%(issue)s") % {"name": issue.publication.name, "issue": issue},
        "url": reverse("newsletter:issue", args=[issue.slug]),
        "lines": titles,
        "links": [{"title": gettext("PDF 版"), "url": reverse("newsletter:pdf", args=[issue.slug])},
                  {"title": gettext("往期回顾"), "url": reverse("newsletter:archive")}],
        "when": issue.date,
    }]
