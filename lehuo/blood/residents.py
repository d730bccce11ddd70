"""What a resident can do in this app, shown on the resident home page."""

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from .models import Drive


def links(person) -> list[dict]:
    """Upcoming drives of the resident's town, for the resident home page."""


    today = timezone.localdate()
    drives = Drive.objects.filter(Q(date__gte=today) | Q(end_date__gte=today), town=person.town).order_by("date")[:3]
    return [{"title": gettext("报名献血：%(title)s") % {"title": d.title}, "url": reverse("blood:join", args=[d.slug]),
             "description": f"{d.date:%Y年%m月%d日} {d.venue}"} for d in drives]
