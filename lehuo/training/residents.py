"""What a resident (or a social worker, as a trainee) can do in this app, on their home page."""

from django.urls import reverse
from django.utils.translation import gettext


def links(person) -> list[dict]:
    """Their own training record and certificates, once they have taken a course."""
    if not person.training_enrolments.exists():
        return []
    return [{"title": gettext("我的培训"), "url": reverse("training:mine"),
             "description": gettext("培训档案、学时和结业证书")}]
