"""What residents see of day-care: their links on the resident home, and the card on the public
town home (module contract: ``resident_links``, ``public_home``). The card carries no personal
data: when registration opens, the sites and the places left."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Offering, Year


def links(person) -> list[dict]:
    return [{"title": _("爱心暑托班报名"), "url": reverse("daycare:my"),
             "description": _("为孩子登记、查看名额和候补位置、报名、取消、查看回执")}]


def cards(town) -> list[dict]:
    """The town's latest programme: opening time, each site's places left (live: read per request)."""
    year = Year.objects.filter(town=town).order_by("-year").first()
    if year is None:
        return []
    offerings = list(Offering.objects.filter(site__year=year).select_related("site", "term")
                     .order_by("opens_at", "site__name", "term__number"))
    if not offerings:
        return []
    now = timezone.now()
    upcoming = [o.opens_at for o in offerings if o.opens_at > now]
    opens = min(upcoming) if upcoming else None
    lines = []
    if opens is not None:
        lines.append(_("%(when)s 开始报名") % {"when": f"{timezone.localtime(opens):%Y-%m-%d %H:%M}"})
    by_site: dict[str, list[str]] = {}
    for o in offerings:
        left = (_("剩余%(n)s个名额") % {"n": o.places_left}) if o.places_left else _("已满，可报候补")
        by_site.setdefault(o.site.name, []).append(_("%(term)s：%(places)s") % {"term": o.term, "places": left})
    for site, terms in by_site.items():
        lines.append(f"{site} · " + _("；").join(terms))
    return [{"title": str(year), "url": reverse("daycare:my"), "lines": lines,
             "when": timezone.localtime(opens).date() if opens else None}]
