"""Organisations of the town: partner organisations, local employers, schools, charities."""

from django.db import transaction
from django.utils.translation import gettext as _

from lehuo.accounts.models import Neighbourhood, Town
from lehuo.accounts.permissions import require, scope_q
from lehuo.lib.identity import IdentityError, normalise_phone
from lehuo.platform.audit import log_action, snapshot
from lehuo.platform.errors import NotFound, ServiceError

from ..models import Organisation


def organisations_for(actor):
    """The organisations the actor may see (403 for roles that see none)."""
    require(actor, "people.organisation.view")
    return Organisation.objects.filter(scope_q(actor, "people.organisation.view"))


def get_organisation_for(actor, pk, *, to: str = "people.organisation.view") -> Organisation:
    try:
        org = Organisation.objects.filter(scope_q(actor, "people.organisation.view")).select_related(
            "neighbourhood", "town").get(pk=pk)
    except (Organisation.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound()
    if to != "people.organisation.view":
        require(actor, to, org)
    return org


def town_to_add_organisation(actor) -> Town:
    """The town the actor adds organisations to (403 for roles that add none)."""
    from lehuo.accounts.services import town_for

    require(actor, "people.organisation.change")
    town = town_for(actor)
    require(actor, "people.organisation.change", Organisation(town=town))
    return town


def create_organisation(actor, town: Town, *, name: str, kind: str = "other",
                        neighbourhood: Neighbourhood | None = None, contact_name: str = "",
                        contact_phone: str = "", address: str = "") -> Organisation:
    require(actor, "people.organisation.change", Organisation(town=town, neighbourhood=neighbourhood))
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("名称不能为空"), "name")
    if len(name) > 100:
        raise ServiceError(_("名称不能超过%(n)s个字") % {"n": 100}, "name")
    if kind not in dict(Organisation.KINDS):
        raise ServiceError(_("单位类型不正确"), "kind")
    if neighbourhood is not None and neighbourhood.town_id != town.pk:
        raise ServiceError(_("居民区不属于本镇"), "neighbourhood_id")
    phone = ""
    if contact_phone and contact_phone.strip():
        try:
            phone = normalise_phone(contact_phone)
        except IdentityError as exc:
            raise ServiceError(str(exc), "contact_phone")
    if Organisation.objects.filter(town=town, name=name).exists():
        raise ServiceError(_("同名单位已存在"), "name", code="duplicate")
    org = Organisation.objects.create(town=town, name=name, kind=kind, neighbourhood=neighbourhood,
                                      contact_name=contact_name, contact_phone=phone, address=address)
    log_action(actor, "organisation.create", org, {"name": name, "kind": kind})
    return org


def _organisation_phone(contact_phone: str | None) -> str:
    if not contact_phone or not contact_phone.strip():
        return ""
    try:
        return normalise_phone(contact_phone)
    except IdentityError as exc:
        raise ServiceError(str(exc), "contact_phone")


@transaction.atomic
def update_organisation(actor, org: Organisation, **changes) -> Organisation:
    """Change some fields of ``org``; only the keys given are touched."""
    require(actor, "people.organisation.change", org)
    before = snapshot(org, ["name", "kind", "neighbourhood", "contact_name", "contact_phone", "address"])
    if "name" in changes:
        name = (changes["name"] or "").strip()
        if not name:
            raise ServiceError(_("名称不能为空"), "name")
        if len(name) > 100:
            raise ServiceError(_("名称不能超过%(n)s个字") % {"n": 100}, "name")
        if Organisation.objects.filter(town=org.town_id, name=name).exclude(pk=org.pk).exists():
            raise ServiceError(_("同名单位已存在"), "name", code="duplicate")
        org.name = name
    if "kind" in changes:
        if changes["kind"] not in dict(Organisation.KINDS):
            raise ServiceError(_("单位类型不正确"), "kind")
        org.kind = changes["kind"]
    if "neighbourhood" in changes:
        nbh = changes["neighbourhood"]
        if nbh is not None and nbh.town_id != org.town_id:
            raise ServiceError(_("居民区不属于本镇"), "neighbourhood_id")
        org.neighbourhood = nbh
    if "contact_phone" in changes:
        org.contact_phone = _organisation_phone(changes["contact_phone"])
    for field in ("contact_name", "address"):
        if field in changes:
            setattr(org, field, (changes[field] or "").strip())
    org.save()
    log_action(actor, "organisation.update", org, {
        "before": before,
        "after": snapshot(org, ["name", "kind", "neighbourhood", "contact_name", "contact_phone", "address"]),
    })
    return org
