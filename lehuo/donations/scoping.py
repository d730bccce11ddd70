"""Who sees which drives and donations, built only from ``lehuo.accounts.scoping``.

Drives (and their aggregate figures) are visible to every staff member of the town;
donations are visible by the neighbourhood that collected them: a social worker sees
their neighbourhoods' donations, a town admin sees all of the town's.
"""

from django.db.models import Q

from lehuo.accounts import scoping
from lehuo.accounts.models import SOCIAL_WORKER, TOWN_ADMIN

RECORD_ROLES = (TOWN_ADMIN, SOCIAL_WORKER)


def drive_scope_q(user) -> Q:
    if not scoping.is_staff_member(user):
        return Q(pk__in=[])
    return scoping.town_q(user, "town")


def donation_scope_q(user, prefix: str = "") -> Q:
    if not scoping.is_staff_member(user):
        return Q(pk__in=[])
    if scoping.is_town_wide(user):
        return scoping.town_q(user, f"{prefix}drive__town")
    return scoping.neighbourhood_q(user, f"{prefix}neighbourhood") & scoping.town_q(user, f"{prefix}drive__town")


def may_record(user) -> bool:
    return scoping.has_role(user, *RECORD_ROLES)


def may_manage(user) -> bool:
    """Create drives, record handovers, see reconciliation: town-wide roles only."""
    return scoping.is_town_wide(user)
