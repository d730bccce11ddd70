"""Writes and look-ups of the town structure and of who works where."""

from lehuo.platform.audit import log_action
from lehuo.platform.errors import NotFound, ServiceError

from . import scoping
from .models import ROLES, Neighbourhood, Town


def create_neighbourhood(actor, town: Town, *, code: str, name: str, households: int | None = None) -> Neighbourhood:
    if not scoping.is_town_wide(actor):
        raise ServiceError("只有镇管理员可以新增居民区", code="forbidden")
    code, name = (code or "").strip(), (name or "").strip()
    if not code:
        raise ServiceError("代码不能为空", "code")
    if not name:
        raise ServiceError("名称不能为空", "name")
    if Neighbourhood.objects.filter(town=town, code=code).exists():
        raise ServiceError("该代码已存在", "code")
    nbh = Neighbourhood.objects.create(town=town, code=code, name=name, households=households)
    log_action(actor, "neighbourhood.create", nbh, {"code": code, "name": name})
    return nbh


def role_label(role: str) -> str:
    return str(dict(ROLES).get(role, role))


def town_for(actor) -> Town:
    """The town an actor works in (the first one; multi-town users pick explicitly)."""
    memberships = scoping.memberships(actor)
    if memberships:
        return memberships[0].town
    if getattr(actor, "is_superuser", False):
        town = Town.objects.order_by("pk").first()
        if town:
            return town
    raise NotFound("您尚未被分配到任何镇/街道")
