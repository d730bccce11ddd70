"""Which day-care sites a user works on. Built on core scoping (the one place for rules):
town admins see every site of their towns, site heads (programme staff) the sites they are
assigned to through core ``Assignment``, social workers the sites in their neighbourhoods."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from lehuo.accounts import scoping
from lehuo.accounts.models import Assignment

from .models import Site


def assigned_site_ids(user) -> set[int]:
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_daycare_site_ids", None)
    if cached is None:
        ct = ContentType.objects.get_for_model(Site)
        cached = set(Assignment.objects.filter(user=user, content_type=ct).values_list("object_id", flat=True))
        user._daycare_site_ids = cached
    return cached


def sites_for(user):
    """Sites the user may see (staff pages and API); an empty queryset for residents."""
    qs = Site.objects.select_related("year", "neighbourhood")
    if not scoping.is_staff_member(user):
        return qs.none()
    if scoping.is_town_wide(user):
        return qs.filter(scoping.town_q(user, "year__town"))
    q = Q(pk__in=assigned_site_ids(user))
    nbh = scoping.neighbourhood_ids(user)
    if nbh:
        q |= Q(neighbourhood_id__in=nbh)
    return qs.filter(q, scoping.town_q(user, "year__town"))


def may_manage_programme(user) -> bool:
    """Create years, sites, terms, offerings and the course catalogue: town admins."""
    return scoping.is_town_wide(user)


def may_run_site(user, site: Site) -> bool:
    """Record attendance, checks, roster, ceremonies, cancel enrolments at ``site``."""
    if scoping.is_town_wide(user):
        return sites_for(user).filter(pk=site.pk).exists()
    return site.pk in assigned_site_ids(user)

