"""Who may do what, decided in one place (docs/security.md).

The policy is declared, not programmed: each ``Action`` names the kind of record it acts on
and the ``Grant``s that allow it, a grant being a role and the scope it reaches. Apps declare
their actions and how their records are scoped in their own ``policy.py`` (``ACTIONS``,
``SCOPES``; module contract: ``policy``); this module collects the declarations and answers

    may(actor, "blood.screening.view", screening) -> bool
    require(actor, action, obj)          # NotFound (404) or Forbidden (403) when not
    scope_q(actor, action, Model) -> Q   # the records of Model the actor may act on

Every service that reads or changes data calls ``require`` (or filters with ``scope_q``);
views and API handlers never decide. Scope comes only from memberships (a role in a town, a
social worker's neighbourhoods), explicit assignments (programme staff to a cohort, a drive,
a site) and, for residents, their own linked person record: never from a record the actor
created (an enrolment, a guardian link, a sign-up).
"""

import functools
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Model, Q

from lehuo.platform.errors import Forbidden, NotFound
from lehuo.platform.modules import modules

from .models import EDITOR, PROGRAMME_STAFF, SOCIAL_WORKER, TOWN_ADMIN, VIEWER, Assignment

# Who the actor is. Staff roles come from memberships; a resident is a signed-in user whose
# account is linked to a person of the register; the public is anyone.
RESIDENT = "resident"
SIGNED_IN = "signed_in"  # any signed-in account (their own background jobs)
PUBLIC = "public"
ROLES = (TOWN_ADMIN, SOCIAL_WORKER, PROGRAMME_STAFF, EDITOR, VIEWER, RESIDENT, SIGNED_IN, PUBLIC)

# How far a grant reaches.
TOWN = "town"  # records of the towns where the actor holds the role
NEIGHBOURHOOD = "neighbourhood"  # records of the neighbourhoods of the actor's membership (social workers)
ASSIGNED = "assigned"  # records of the cohort, drive or site the actor is assigned to
OWN = "own"  # the resident's own records (their person, their children's), or the account's own
ANY = "any"  # any record (public pages; usually with a condition such as "published")
SCOPES = (TOWN, NEIGHBOURHOOD, ASSIGNED, OWN, ANY)


@dataclass(frozen=True)
class When:
    """A condition on the record itself (an issue is published): ``attr`` is read on an object,
    ``q`` filters a queryset; both must say the same."""

    attr: str
    q: Q


@dataclass(frozen=True)
class Grant:
    role: str
    scope: str
    when: When | None = None

    def __post_init__(self):
        if self.role not in ROLES or self.scope not in SCOPES:
            raise ValueError(f"bad grant {self.role}/{self.scope}")


@dataclass(frozen=True)
class Action:
    """``name`` is "<app>.<what>.<verb>"; ``on`` the model label of the records it acts on
    (None: an action on nothing in particular, such as opening the workbench)."""

    name: str
    on: str | None
    grants: tuple[Grant, ...]
    label: str = ""
    # When refused, answer 404 unless the actor may do this action to the record (they see it).
    seen_with: str | None = None
    # Health or other sensitive data: the docs' table marks it.
    sensitive: bool = False


@dataclass(frozen=True)
class Scoped:
    """How to find what scopes a record, as ORM paths from the record (``town`` and
    ``neighbourhood`` end at the model; ``assigned`` at the assignable record; ``owner`` at
    the Person whose record it is)."""

    town: str
    neighbourhood: str = ""
    assigned: str = ""
    assignable: str = ""  # model label of what ``assigned`` reaches ("blood.Drive")
    owner: tuple[str, ...] = ()
    owner_account: str = ""  # path to the user account that owns the record (a job's creator)


@dataclass(frozen=True)
class Endpoint:
    """What a page or an API operation does, for the generated role x operation matrix test
    (tests/security/) and the table in docs/security.md. Declared in each app's policy.py as
    ``ENDPOINTS = {"people:person": Endpoint(...), "GET /api/v1/people/{person_id}": Endpoint(...)}``.

    ``action`` None: open to everyone (the sign-in page, public pages); ``record``: the URL
    argument naming the record the action is on; ``kwargs``: other URL arguments, each a model
    label (the same kind of world record's key) or a fixed value; ``method`` for pages that only
    take a POST; ``answers``: the status an open page answers by design (allauth's page for a
    failed WeChat sign-in answers 401)."""

    action: str | None
    record: str | None = None
    kwargs: dict[str, str] = field(default_factory=dict)
    method: str = "GET"
    answers: int | None = None


# --- the declarations ---------------------------------------------------------------------

@functools.cache
def policy() -> dict[str, Action]:
    """Every declared action by name, from each app's ``policy`` module."""
    from django.utils.module_loading import import_string

    actions: dict[str, Action] = {}
    for config in modules():
        if not config.policy:
            continue
        declared = import_string(f"{config.policy}.ACTIONS")
        for action in declared:
            if action.name in actions:
                raise ValueError(f"action {action.name} declared twice")
            actions[action.name] = action
    return actions


@functools.cache
def scopes() -> dict[str, Scoped]:
    from django.utils.module_loading import import_string

    out: dict[str, Scoped] = {}
    for config in modules():
        if config.policy:
            out.update(import_string(f"{config.policy}.SCOPES"))
    return out


@functools.cache
def endpoints() -> dict[str, Endpoint]:
    """Every page and API operation declared by the apps (``ENDPOINTS`` of their policy)."""
    from django.utils.module_loading import import_string

    out: dict[str, Endpoint] = {}
    for config in modules():
        if config.policy:
            try:
                declared = import_string(f"{config.policy}.ENDPOINTS")
            except ImportError:
                continue
            for key, endpoint in declared.items():
                if key in out:
                    raise ValueError(f"endpoint {key} declared twice")
                if endpoint.action is not None and endpoint.action not in policy():
                    raise ValueError(f"endpoint {key} names no declared action: {endpoint.action}")
                out[key] = endpoint
    return out


def action(name: str) -> Action:
    try:
        return policy()[name]
    except KeyError:
        raise LookupError(f"no such action in the policy: {name}") from None


# --- the actor ----------------------------------------------------------------------------

@dataclass
class Actor:
    """What the policy needs to know of a user, read once per request (cached on the user)."""

    authenticated: bool
    superuser: bool
    user_id: int | None = None
    # role -> [(town id, neighbourhood ids)]
    memberships: dict[str, list[tuple[int, frozenset[int]]]] = field(default_factory=dict)
    # (content type id, object id) of each assignment
    assignments: frozenset[tuple[int, int]] = frozenset()
    # the person records this account is linked to (real-name link)
    persons: frozenset[int] = frozenset()
    # the town of the user's first membership (the town they work in; None without one)
    first_town: int | None = None
    # town id -> (code, name) of the towns of the memberships, read in the same round trip
    # (accounts.services.town_for builds the Town from it: no query per page for the town)
    town_rows: dict[int, tuple[str, str]] = field(default_factory=dict)

    def towns(self, role: str) -> set[int]:
        return {town for town, _nbh in self.memberships.get(role, ())}


def actor_of(user) -> Actor:
    if user is None or not getattr(user, "is_authenticated", False):
        return Actor(authenticated=False, superuser=False)
    cached = getattr(user, "_lehuo_actor", None)
    if cached is not None:
        return cached
    memberships: dict[int, tuple[str, int, set[int]]] = {}
    assignments_found, persons_found = set(), []
    first_town = None
    town_rows: dict[int, list[str]] = {}
    for kind, key, role, a, b in _actor_rows(user.pk):  # memberships in the order of their ids
        if kind in ("tc", "tn"):  # a town's code, a town's name
            town_rows.setdefault(key, ["", ""])[kind == "tn"] = role
        elif kind == "m":
            if first_town is None:
                first_town = a
            _role, _town, nbh = memberships.setdefault(key, (role, a, set()))
            if b is not None:
                nbh.add(b)
        elif kind == "a":
            assignments_found.add((a, b))
        else:
            persons_found.append(a)
    by_role: dict[str, list[tuple[int, frozenset[int]]]] = {}
    for role, town_id, nbh in memberships.values():
        by_role.setdefault(role, []).append((town_id, frozenset(nbh)))
    assignments = frozenset(assignments_found)
    persons = frozenset(persons_found)
    actor = Actor(True, bool(getattr(user, "is_superuser", False)), user.pk, by_role, assignments, persons,
                  first_town, {pk: (code, name) for pk, (code, name) in town_rows.items()})
    user._lehuo_actor = actor
    return actor


def _actor_rows(user_id: int) -> list[tuple]:
    """Who the user is, in one round trip (it is read on every request, the opening-minute rush
    included): their memberships (a social worker's with each neighbourhood), their assignments,
    the person record linked to the account and the children that person is the guardian of.
    Rows of (kind, membership id, role, a, b): ("m", id, role, town, neighbourhood or None),
    ("a", None, None, content type, object id), ("p", None, None, person id, None), and the
    towns of the memberships: ("tc", town id, code, None, None), ("tn", town id, name, None, None)."""
    sql, params = _actor_sql(user_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(cursor.fetchall(), key=lambda row: (row[0], row[1] or 0))


def _actor_sql(user_id: int) -> tuple[str, list]:
    """The statement ``_actor_rows`` runs and its parameters (its plan is checked in a test)."""
    Membership = apps.get_model("accounts", "Membership")
    Town = apps.get_model("accounts", "Town")
    Person = apps.get_model("people", "Person")  # by name: accounts does not import the apps above it
    GuardianLink = apps.get_model("people", "GuardianLink")
    q = connection.ops.quote_name
    through = Membership.neighbourhoods.through._meta
    person, link = q(Person._meta.db_table), q(GuardianLink._meta.db_table)
    sql = (
        f"SELECT 'm', m.id, m.role, m.town_id, mn.neighbourhood_id FROM {q(Membership._meta.db_table)} m "  # noqa: S608 (names from the models)
        f"LEFT JOIN {q(through.db_table)} mn ON mn.membership_id = m.id AND m.role = %s WHERE m.user_id = %s "
        f"UNION ALL SELECT 'a', NULL, NULL, a.content_type_id, a.object_id FROM {q(Assignment._meta.db_table)} a "
        "WHERE a.user_id = %s "
        f"UNION ALL SELECT 'p', NULL, NULL, p.id, NULL FROM {person} p WHERE p.account_id = %s AND p.erased_at IS NULL "
        # IN, not a join: SQLite's statistics count the NULL account ids of every person not
        # signed up as one value, and with a join it chose to scan all the people (26 ms at
        # 100,000 people, on every request).
        f"UNION ALL SELECT 'p', NULL, NULL, g.child_id, NULL FROM {link} g WHERE g.guardian_id IN "
        f"(SELECT p.id FROM {person} p WHERE p.account_id = %s AND p.erased_at IS NULL) "
        + " ".join(f"UNION ALL SELECT '{kind}', t.id, t.{column}, NULL, NULL FROM {q(Town._meta.db_table)} t "  # noqa: S608 (names from the models)
                   f"WHERE t.id IN (SELECT town_id FROM {q(Membership._meta.db_table)} WHERE user_id = %s)"
                   for kind, column in (("tc", "code"), ("tn", "name"))))
    return sql, [SOCIAL_WORKER, user_id, user_id, user_id, user_id, user_id, user_id]


def forget(user) -> None:
    """Drop what was read of the user (after a membership, assignment or link changed)."""
    for attr in ("_lehuo_actor", "_lehuo_town"):
        if hasattr(user, attr):
            delattr(user, attr)


def roles_of(actor: Actor) -> set[str]:
    roles = set(actor.memberships)
    if actor.persons:
        roles.add(RESIDENT)
    roles.add(PUBLIC)
    return roles


# --- evaluating a record ------------------------------------------------------------------

def _walk(obj, path: str):
    """The value at an ORM path from ``obj`` ("drive__town" -> obj.drive.town_id), or None."""
    if path in ("", "id", "pk"):
        return obj.pk
    parts = path.split("__")
    value = obj
    for i, part in enumerate(parts):
        if value is None:
            return None
        if i == len(parts) - 1:
            concrete = value._meta.get_field(part)
            if concrete.is_relation and (concrete.many_to_one or concrete.one_to_one) and concrete.concrete:
                return getattr(value, concrete.attname)
            return getattr(value, part)
        value = getattr(value, part)
    return value


def _label(model_or_obj) -> str:
    return model_or_obj._meta.label


def _scoped(model_or_obj) -> Scoped:
    label = _label(model_or_obj)
    try:
        return scopes()[label]
    except KeyError:
        raise LookupError(f"{label} declares no scope (add it to its app's policy.SCOPES)") from None


def _content_type_id(label: str) -> int:
    # ContentType's own cache, which is cleared when the content types are recreated (a
    # flushed test database): a functools.cache here kept stale ids and refused assigned staff.
    return ContentType.objects.get_for_model(apps.get_model(label)).pk


def _grant_allows(actor: Actor, grant: Grant, obj) -> bool:
    if grant.when is not None and not _walk(obj, grant.when.attr):
        return False
    if grant.scope == ANY:
        return True
    scoped = _scoped(obj)
    if grant.scope == OWN:
        if scoped.owner_account and actor.user_id is not None and _walk(obj, scoped.owner_account) == actor.user_id:
            return True
        return any(_walk(obj, path) in actor.persons for path in scoped.owner)
    town = _walk(obj, scoped.town)
    for town_id, neighbourhoods in actor.memberships.get(grant.role, ()):
        if town != town_id:
            continue
        if grant.scope == TOWN:
            return True
        if grant.scope == NEIGHBOURHOOD and scoped.neighbourhood:
            if _walk(obj, scoped.neighbourhood) in neighbourhoods:
                return True
        if grant.scope == ASSIGNED and scoped.assignable:
            target = _walk(obj, scoped.assigned)
            if (_content_type_id(scoped.assignable), target) in actor.assignments:
                return True
    return False


def _role_applies(actor: Actor, grant: Grant) -> bool:
    if grant.role == PUBLIC:
        return True
    if grant.role == RESIDENT:
        return bool(actor.persons)
    if grant.role == SIGNED_IN:
        return actor.authenticated
    return grant.role in actor.memberships


def may(user, name: str, obj: Model | None = None) -> bool:
    """May ``user`` do action ``name`` (to ``obj``)? Without ``obj``: to some record (the
    lists then filter with ``scope_q``)."""
    act = action(name)
    actor = actor_of(user)
    if actor.superuser:
        return True
    for grant in act.grants:
        if not _role_applies(actor, grant):
            continue
        if obj is None or _grant_allows(actor, grant, obj):
            return True
    return False


def require(user, name: str, obj: Model | None = None) -> None:
    """Refuse unless ``may``: 404 when the actor may not even see the record (whether it
    exists is not told), else 403."""
    if may(user, name, obj):
        return
    act = action(name)
    if obj is not None and (act.seen_with is None or not may(user, act.seen_with, obj)):
        raise NotFound()
    raise Forbidden()


def scope_q(user, name: str, model=None, prefix: str = "") -> Q:
    """A Q over ``model`` (the action's own by default) for the records the actor may act on;
    ``prefix`` reaches them through a relation ("person__")."""
    act = action(name)
    actor = actor_of(user)
    if actor.superuser:
        return Q()
    model = model or apps.get_model(act.on)
    scoped = _scoped(model)

    def path(p: str) -> str:
        return f"{prefix}{p}" if p not in ("", "id", "pk") else f"{prefix}pk" if prefix else "pk"

    q = Q(pk__in=[])
    for grant in act.grants:
        if not _role_applies(actor, grant):
            continue
        if grant.scope == ANY:
            part = Q(**{path("pk") + "__isnull": False})  # not Q(): "Q(pk__in=[]) | Q()" is Q(pk__in=[])
        elif grant.scope == OWN:
            part = Q(pk__in=[])
            for owner in scoped.owner:
                part |= Q(**{f"{path(owner)}__in": actor.persons})
            if scoped.owner_account and actor.user_id is not None:
                part |= Q(**{path(scoped.owner_account): actor.user_id})
        else:
            part = Q(pk__in=[])
            for town_id, neighbourhoods in actor.memberships.get(grant.role, ()):
                in_town = Q(**{path(scoped.town): town_id})
                if grant.scope == TOWN:
                    part |= in_town
                elif grant.scope == NEIGHBOURHOOD and scoped.neighbourhood:
                    part |= in_town & Q(**{f"{path(scoped.neighbourhood)}__in": neighbourhoods})
                elif grant.scope == ASSIGNED and scoped.assignable:
                    ct = _content_type_id(scoped.assignable)
                    targets = [oid for ct_id, oid in actor.assignments if ct_id == ct]
                    part |= in_town & Q(**{f"{path(scoped.assigned)}__in": targets})
        if grant.when is not None:
            part &= _prefixed(grant.when.q, prefix)
        q |= part
    return q


def _prefixed(q: Q, prefix: str) -> Q:
    if not prefix:
        return q
    clone = Q()
    clone.connector, clone.negated = q.connector, q.negated
    clone.children = [_prefixed(c, prefix) if isinstance(c, Q) else (prefix + c[0], c[1]) for c in q.children]
    return clone


def membership_towns(user, *roles: str) -> set[int]:
    """Towns where ``user`` holds one of ``roles`` (all roles when none given)."""
    actor = actor_of(user)
    wanted = roles or tuple(actor.memberships)
    return {town for role in wanted for town in actor.towns(role)}


__all__ = [
    "ANY", "ASSIGNED", "NEIGHBOURHOOD", "OWN", "PUBLIC", "RESIDENT", "SIGNED_IN", "TOWN", "Action", "Endpoint", "Forbidden", "Grant",
    "Scoped", "When", "may", "policy", "require", "scope_q",
]
