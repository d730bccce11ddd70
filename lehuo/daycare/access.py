"""Who a request acts as: a resident guardian (``Person.account``) or the staff of a site."""

from django.db.models import Q

from lehuo.accounts import scoping as core_scoping
from lehuo.lib.identity import IdentityError, normalise_phone
from lehuo.people import services as people_services
from lehuo.people.models import Person
from lehuo.platform.crypto import keyed_hash
from lehuo.platform.errors import NotFound, ServiceError

from . import scoping
from .models import Offering


def guardian_for(user) -> Person:
    """The resident's own Person record (the parent persona); 404 for anyone without one."""
    person = Person.objects.filter(account=user, erased_at__isnull=True).select_related("town", "neighbourhood").first() \
        if getattr(user, "is_authenticated", False) else None
    if person is None:
        raise NotFound("您的账号尚未关联居民信息，请联系居委会")
    return person


def offerings_for(user):
    """Offerings a user may see: staff those of their sites, residents those of their town."""
    qs = Offering.objects.select_related("site__neighbourhood", "term", "site__year")
    if core_scoping.is_staff_member(user):
        q = Q(site__in=scoping.sites_for(user).values("pk"))
    else:
        q = Q(pk__in=[])
    if getattr(user, "is_authenticated", False):
        q |= Q(site__year__town_id__in=Person.objects.filter(account=user).values("town_id"))
    return qs.filter(q).order_by("-site__year__year", "term__number", "site__name", "pk")


def resolve_guardian_for_staff(actor, site, name: str, phone: str) -> Person:
    """Staff entering an enrolment on a guardian's behalf: find the guardian by phone, or
    register them in the site's neighbourhood (by the register's rules)."""
    town = site.year.town
    try:
        phone = normalise_phone(phone)
    except IdentityError as exc:
        raise ServiceError(str(exc), "guardian_phone")
    found = Person.objects.filter(town=town, phone_hash=keyed_hash(phone), erased_at__isnull=True).first()
    if found is not None:
        return found
    try:
        return people_services.create_person(actor, town, checked_by="daycare.enrolment.staff", name=name, phone=phone,
                                             neighbourhood=site.neighbourhood)
    except ServiceError as exc:
        raise ServiceError(exc.message, {"name": "guardian_name", "phone": "guardian_phone"}.get(exc.field, exc.field))
