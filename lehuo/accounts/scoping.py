"""Who may see what. The one place scope rules live (docs/architecture.md, "Scope at the queryset").

Every page and endpoint reaches scoped data through ``for_user()`` querysets built
from these functions; nothing filters by role on its own.
"""


from django.db.models import Q

from .models import REVEAL_ROLES, SOCIAL_WORKER, TOWN_ADMIN


def _actor(user):
    from .permissions import actor_of  # permissions reads the modules' policies, which import scoping

    return actor_of(user)


def roles(user) -> set[str]:
    """The user's staff roles, from the actor read once per request (no query of its own)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(_actor(user).memberships)


def has_role(user, *wanted: str) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    return bool(roles(user) & set(wanted))


def is_staff_member(user) -> bool:
    return getattr(user, "is_superuser", False) or bool(roles(user))


def town_ids(user) -> set[int] | None:
    """Towns the user works in; None means every town (superuser)."""
    if getattr(user, "is_superuser", False):
        return None
    if not getattr(user, "is_authenticated", False):
        return set()
    return {town for held in _actor(user).memberships.values() for town, _nbh in held}


def is_town_wide(user) -> bool:
    return has_role(user, TOWN_ADMIN)


def neighbourhood_ids(user) -> set[int] | None:
    """Neighbourhoods whose people the user may see; None = all in their towns."""
    if is_town_wide(user):
        return None
    if not getattr(user, "is_authenticated", False):
        return set()
    return {nbh for _town, held in _actor(user).memberships.get(SOCIAL_WORKER, ()) for nbh in held}


def may_reveal(user) -> bool:
    return getattr(user, "is_superuser", False) or bool(roles(user) & REVEAL_ROLES)


def town_q(user, field: str = "town") -> Q:
    towns = town_ids(user)
    if towns is None:
        return Q()
    return Q(**{f"{field}__in": towns})


def person_scope_q(user, prefix: str = "") -> Q:
    """A Q over Person (or over a model with a person FK, via ``prefix='person__'``): the
    people ``user`` may see in the register. Memberships only: records the user created
    (an enrolment, a sign-up) never widen it (lehuo/accounts/permissions.py)."""
    from .permissions import scope_q

    return scope_q(user, "people.person.view", prefix=prefix)


def _prefixed(q: Q, prefix: str) -> Q:
    if not prefix:
        return q
    clone = Q()
    clone.connector, clone.negated = q.connector, q.negated
    clone.children = [
        _prefixed(child, prefix) if isinstance(child, Q) else (prefix + child[0], child[1]) for child in q.children
    ]
    return clone


def neighbourhood_q(user, field: str = "neighbourhood") -> Q:
    """A Q restricting a neighbourhood FK (e.g. the neighbourhood that collected a donation)."""
    if is_town_wide(user):
        return town_q(user, f"{field}__town")
    nbh = neighbourhood_ids(user) or set()
    return Q(**{f"{field}_id__in": nbh})
