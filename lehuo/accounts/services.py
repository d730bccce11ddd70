"""Writes and look-ups of the town structure and of who works where."""

from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _

from lehuo.platform.audit import log_action
from lehuo.platform.errors import NotFound, ServiceError

from . import scoping
from .models import ROLES, Neighbourhood, Town
from .permissions import actor_of, require, scope_q


def workbench_for(actor) -> list:
    """The workbench tiles the apps declare (lehuo/platform/modules.py) that the actor may open."""
    from lehuo.platform.modules import modules

    require(actor, "accounts.workbench.open")
    entries = sorted((entry for config in modules() for entry in config.workbench), key=lambda e: e.order)
    return [e for e in entries if not e.roles or scoping.has_role(actor, *e.roles)]


def audit_entries_for(actor, *, action: str = "", actor_name: str = "", date_from=None, date_to=None):
    """The audit log of the actor's towns (entries by their staff, and by the system), newest first."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    from lehuo.platform.models import AuditLog

    towns = Town.objects.filter(scope_q(actor, "accounts.audit.view"))
    require(actor, "accounts.audit.view")
    qs = AuditLog.objects.select_related("content_type")
    if not getattr(actor, "is_superuser", False):
        staff = get_user_model().objects.filter(memberships__town__in=towns)
        qs = qs.filter(Q(actor__in=staff) | Q(actor__isnull=True))
    if action:
        qs = qs.filter(action__startswith=action)
    if actor_name:
        qs = qs.filter(actor_name__icontains=actor_name)
    if date_from:
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(created_at__date__lte=date_to)
    return qs


def neighbourhoods_for(actor):
    require(actor, "accounts.neighbourhood.view")
    return Neighbourhood.objects.filter(scope_q(actor, "accounts.neighbourhood.view"))


def neighbourhood_for(actor, pk, *, field: str = "neighbourhood_id") -> Neighbourhood:
    """A neighbourhood of the actor's town named in input (a field error when it is not one)."""
    found = Neighbourhood.objects.filter(scope_q(actor, "accounts.neighbourhood.view"), pk=pk).first() \
        if isinstance(pk, int) else None
    if found is None:
        raise ServiceError(_("居民区不存在"), field)
    return found


def create_neighbourhood(actor, town: Town, *, code: str, name: str, households: int | None = None) -> Neighbourhood:
    require(actor, "accounts.neighbourhood.create", town)
    code, name = (code or "").strip(), (name or "").strip()
    if not code:
        raise ServiceError(_("代码不能为空"), "code")
    if not name:
        raise ServiceError(_("名称不能为空"), "name")
    if Neighbourhood.objects.filter(town=town, code=code).exists():
        raise ServiceError(_("该代码已存在"), "code")
    nbh = Neighbourhood.objects.create(town=town, code=code, name=name, households=households)
    log_action(actor, "neighbourhood.create", nbh, {"code": code, "name": name})
    return nbh


def role_label(role: str) -> str:
    return str(dict(ROLES).get(role, role))


def town_for(actor) -> Town:
    """The town an actor works in (the first one; multi-town users pick explicitly)."""
    if getattr(actor, "is_authenticated", False):
        known = actor_of(actor)
        town_id = known.first_town
        if town_id is not None:
            cached = getattr(actor, "_lehuo_town", None)
            if cached is None or cached.pk != town_id:
                if town_id in known.town_rows:  # read with the actor, in the same round trip
                    cached = Town.from_db(DEFAULT_DB_ALIAS, ["id", "code", "name"], [town_id, *known.town_rows[town_id]])
                else:
                    cached = Town.objects.get(pk=town_id)
                actor._lehuo_town = cached
            return cached
    if getattr(actor, "is_superuser", False):
        town = Town.objects.order_by("pk").first()
        if town:
            return town
    raise NotFound(_("您尚未被分配到任何镇/街道"))
