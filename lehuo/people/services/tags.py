"""The town's tag dictionary (社区云 style): 党员, 学生, 居民, 残疾人, 社工, 志愿者, 五老..."""

import unicodedata

from django.db import transaction
from django.utils.translation import gettext as _

from lehuo.accounts.models import Town
from lehuo.accounts.permissions import require, scope_q
from lehuo.platform.audit import log_action
from lehuo.platform.errors import NotFound, ServiceError

from ..models import Tag


def tags_for(actor):
    require(actor, "people.tag.view")
    return Tag.objects.filter(scope_q(actor, "people.tag.view"))


def get_tag_for(actor, pk, *, to: str = "people.tag.view") -> Tag:
    try:
        tag = Tag.objects.filter(scope_q(actor, "people.tag.view")).get(pk=pk)
    except (Tag.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound()
    if to != "people.tag.view":
        require(actor, to, tag)
    return tag


def _tag_fields(town: Town, name: str, applies_to: str, exclude_pk=None) -> str:
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("标签名称不能为空"), "name")
    if len(name) > 20 or any(c in name for c in "、,，;；/ "):  # not-ui: the separators tag lists are split on
        raise ServiceError(_("标签名称不超过20个字，且不能含有顿号、逗号、分号、斜杠或空格"), "name")
    if any(unicodedata.category(c).startswith("C") for c in name):  # (lists join names with \x1f)
        raise ServiceError(_("标签名称不能含有控制字符"), "name")
    if applies_to not in (Tag.PERSON, Tag.ORGANISATION):
        raise ServiceError(_("适用对象不正确"), "applies_to")
    if Tag.objects.filter(town=town, name=name).exclude(pk=exclude_pk).exists():
        raise ServiceError(_("该标签已存在"), "name", code="duplicate")
    return name


@transaction.atomic
def create_tag(actor, town: Town, *, name: str, applies_to: str = Tag.PERSON, description: str = "",
               order: int = 0) -> Tag:
    require(actor, "people.tag.change", Tag(town=town))
    tag = Tag.objects.create(town=town, name=_tag_fields(town, name, applies_to), applies_to=applies_to,
                             description=(description or "").strip()[:200], order=order or 0)
    log_action(actor, "tag.create", tag, {"name": tag.name})
    return tag


@transaction.atomic
def update_tag(actor, tag: Tag, *, name: str, applies_to: str, description: str = "", order: int = 0) -> Tag:
    require(actor, "people.tag.change", tag)
    before = {"name": tag.name, "applies_to": tag.applies_to}
    tag.name = _tag_fields(tag.town, name, applies_to, exclude_pk=tag.pk)
    tag.applies_to, tag.description, tag.order = applies_to, (description or "").strip()[:200], order or 0
    tag.save()
    log_action(actor, "tag.update", tag, {"before": before, "after": {"name": tag.name, "applies_to": applies_to}})
    return tag


@transaction.atomic
def delete_tag(actor, tag: Tag) -> None:
    """A tag still carried by someone is kept: removing it would silently change every figure by tag."""
    require(actor, "people.tag.change", tag)
    if tag.people.exists() or tag.organisations.exists():
        raise ServiceError(_("该标签仍在使用中，不能删除"), "name")
    log_action(actor, "tag.delete", tag, {"name": tag.name})
    tag.delete()
