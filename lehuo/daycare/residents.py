"""What a resident can do in this app, shown on the resident home page."""

from django.urls import reverse


def links(person) -> list[dict]:
    return [{"title": "爱心暑托班报名", "url": reverse("daycare:my"),
             "description": "为孩子登记、查看名额、报名和候补"}]
