"""Drives, their staff, and the invitation letters and their delivery."""

import datetime as dt
import re

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.translation import gettext as _

from lehuo.accounts.models import PROGRAMME_STAFF, Assignment, Membership
from lehuo.accounts.permissions import forget, require
from lehuo.blood.models import EXTRA_CHECKS, Drive, Invitation, InvitationDelivery
from lehuo.lib.labels import list_separator
from lehuo.platform.audit import log_action
from lehuo.platform.errors import ServiceError

from ._common import _text


def _check_drive_fields(data: dict) -> dict:
    slug = _text(data.get("slug"), "slug", _("标识"), max_length=50)
    if not re.fullmatch(r"[A-Za-z0-9_-]+", slug):
        raise ServiceError(_("标识只能包含字母、数字、连字符和下划线"), "slug")
    checks = list(data.get("extra_checks") or [])
    unknown = [c for c in checks if c not in EXTRA_CHECKS]
    if unknown:
        raise ServiceError(_("未知的现场检查项：%(codes)s") % {"codes": list_separator().join(unknown)}, "extra_checks")
    date, end = data.get("date"), data.get("end_date")
    if not isinstance(date, dt.date):
        raise ServiceError(_("请填写活动日期"), "date")
    if end and end < date:
        raise ServiceError(_("结束日期不能早于开始日期"), "end_date")
    target = data.get("target_donors")
    if target is not None and (not isinstance(target, int) or target < 0 or target > 100000):
        raise ServiceError(_("目标人数不正确"), "target_donors")
    slots = [_text(s, "time_slots", _("时段"), max_length=30) for s in data.get("time_slots") or []]
    return {
        "slug": slug, "title": _text(data.get("title"), "title", _("名称")), "date": date, "end_date": end or None,
        "venue": _text(data.get("venue"), "venue", _("地点"), required=False, max_length=200),
        "organiser": _text(data.get("organiser"), "organiser", _("组织单位"), required=False),
        "target_donors": target, "extra_checks": checks, "time_slots": slots,
    }


@transaction.atomic
def create_drive(actor, town, **data) -> Drive:
    require(actor, "blood.drive.create")  # 403 for roles that never may
    require(actor, "blood.drive.create", town)
    fields = _check_drive_fields(data)
    if Drive.objects.filter(town=town, slug=fields["slug"]).exists():
        raise ServiceError(_("该标识已被其他献血活动使用"), "slug", code="duplicate")
    drive = Drive.objects.create(town=town, **fields)
    log_action(actor, "blood.drive.create", drive, {"slug": drive.slug, "date": drive.date})
    return drive


@transaction.atomic
def assign_staff(actor, drive: Drive, user, duty: str = "") -> Assignment:
    """Make ``user`` (programme staff of the town) drive staff."""
    require(actor, "blood.drive.assign", drive)
    if not Membership.objects.filter(user=user, town=drive.town, role=PROGRAMME_STAFF).exists():
        raise ServiceError(_("只能分配本镇的项目工作人员"), "user_id")
    assignment, _created = Assignment.objects.get_or_create(
        user=user, content_type=ContentType.objects.get_for_model(Drive), object_id=drive.pk,
        defaults={"duty": duty[:50]})
    forget(user)
    log_action(actor, "blood.drive.assign", drive, {"user": user.pk, "duty": duty})
    return assignment


@transaction.atomic
def create_invitation(actor, drive: Drive, *, title: str, letter_text: str, sent_on: dt.date) -> Invitation:
    require(actor, "blood.drive.run", drive)
    title = _text(title, "title", _("标题"))
    letter_text = _text(letter_text, "letter_text", _("倡议书正文"), max_length=20000)
    if not isinstance(sent_on, dt.date):
        raise ServiceError(_("请填写发出日期"), "sent_on")
    if sent_on > drive.date:
        raise ServiceError(_("倡议书须在活动日期之前发出"), "sent_on")
    invitation = Invitation.objects.create(drive=drive, title=title, letter_text=letter_text, sent_on=sent_on)
    log_action(actor, "blood.invitation.create", invitation, {"drive": drive.pk})
    return invitation


@transaction.atomic
def record_delivery(actor, invitation: Invitation, *, neighbourhood=None, organisation=None, copies: int = 0,
                    delivered: int = 0, delivered_on: dt.date | None = None) -> InvitationDelivery:
    """Copies handed to a neighbourhood or an employer; a repeat for the same recipient updates it."""
    drive = invitation.drive
    require(actor, "blood.drive.run", drive)
    if (neighbourhood is None) == (organisation is None):
        raise ServiceError(_("请选择一个居民区或一个单位"), "neighbourhood_id")
    if neighbourhood is not None and neighbourhood.town_id != drive.town_id:
        raise ServiceError(_("居民区不属于本镇"), "neighbourhood_id")
    if organisation is not None and organisation.town_id != drive.town_id:
        raise ServiceError(_("单位不属于本镇"), "organisation_id")
    for name, value, label in (("copies", copies, _("份数")), ("delivered", delivered, _("已送达"))):
        if not isinstance(value, int) or value < 0 or value > 1_000_000:
            raise ServiceError(_("%(label)s须为0至1000000之间的整数") % {"label": label}, name)
    if delivered > copies:
        raise ServiceError(_("已送达份数不能多于发放份数"), "delivered")
    row, _created = InvitationDelivery.objects.update_or_create(
        invitation=invitation, neighbourhood=neighbourhood, organisation=organisation,
        defaults={"copies": copies, "delivered": delivered, "delivered_on": delivered_on})
    log_action(actor, "blood.invitation.deliver", invitation,
               {"neighbourhood": neighbourhood, "organisation": organisation, "copies": copies, "delivered": delivered})
    return row


def staff_users(town):
    """Programme staff of the town (candidates for drive assignment)."""
    return get_user_model().objects.filter(memberships__town=town, memberships__role=PROGRAMME_STAFF).distinct()
