"""What an actor may read of the programme: sites, offerings, years (lehuo/daycare/policy.py).

Every look-up filters with ``scope_q`` or calls ``require``: 404 for a record the actor may
not see, 403 for one they see but may not act on.
"""

from django.db.models import Q

from lehuo.accounts.permissions import membership_towns, require, scope_q
from lehuo.people.models import Person
from lehuo.platform.errors import NotFound

from ..models import Enrolment, Offering, Site, Year


def _get(qs, pk):
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound()


def sites_for(actor, to: str = "daycare.site.view"):
    """The sites the actor may ``to`` (403 for a role that may not at all)."""
    require(actor, to)
    return Site.objects.filter(scope_q(actor, to, Site)).select_related("year", "neighbourhood")


def get_site_for(actor, pk, *, to: str = "daycare.site.view") -> Site:
    site = _get(Site.objects.filter(scope_q(actor, "daycare.site.view", Site)).select_related("year", "neighbourhood"),
                pk)
    if to != "daycare.site.view":
        require(actor, to, site)
    return site


def offerings_for(actor, to: str = "daycare.offering.view"):
    """Offerings the actor may see: staff those of their sites, a resident those of their own
    town (the town of their register record)."""
    require(actor, to)
    qs = Offering.objects.filter(scope_q(actor, to, Offering))
    resident_towns = Person.objects.filter(account_id=getattr(actor, "pk", None), erased_at__isnull=True).values("town_id")
    staff_towns = membership_towns(actor)
    qs = qs.filter(Q(site__year__town_id__in=resident_towns) | Q(site__year__town_id__in=staff_towns))
    return (qs.select_related("site__neighbourhood", "term", "site__year")
            .order_by("-site__year__year", "term__number", "site__name", "pk"))


def get_offering_for(actor, pk, *, to: str = "daycare.offering.roster") -> Offering:
    """An offering whose roster the actor may see (404 otherwise); with ``to``, also one they
    may do that to (403)."""
    qs = Offering.objects.filter(scope_q(actor, "daycare.offering.roster", Offering))
    offering = _get(qs.select_related("site__year", "site__neighbourhood", "term"), pk)
    if to != "daycare.offering.roster":
        require(actor, to, offering)
    return offering


def get_enrolment_for(actor, pk, *, to: str = "daycare.enrolment.view") -> Enrolment:
    qs = Enrolment.objects.filter(scope_q(actor, "daycare.enrolment.view", Enrolment)).select_related(
        "offering__site__year", "offering__term", "child__person", "guardian")
    enrolment = _get(qs, pk)
    if to != "daycare.enrolment.view":
        require(actor, to, enrolment)
    return enrolment


def years_for(actor):
    """The programme years of the actor's towns that hold a site they may see."""
    sites = sites_for(actor)
    return Year.objects.filter(Q(sites__in=sites.values("pk")) | Q(town_id__in=membership_towns(actor, "town_admin"))
                               ).distinct().order_by("-year")


def stats_site_ids(actor, year: Year) -> list[int] | None:
    """The sites of ``year`` whose figures the actor reads (None: every site, a town admin)."""
    require(actor, "daycare.site.view")
    if year.town_id in membership_towns(actor, "town_admin"):
        return None
    return list(Site.objects.filter(scope_q(actor, "daycare.site.view", Site), year=year).values_list("pk", flat=True))


def year_of_town(actor, number) -> Year:
    """The actor's towns' programme of year ``number`` (404 when there is none)."""
    require(actor, "daycare.site.view")
    try:
        number = int(number)
    except (TypeError, ValueError):
        raise NotFound()
    year = Year.objects.filter(year=number, town_id__in=membership_towns(actor)).first()
    if year is None:
        raise NotFound()
    return year
