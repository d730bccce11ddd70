"""Every write of honours and visits, with its rules."""

import datetime as dt

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from lehuo.accounts.permissions import may, require, scope_q
from lehuo.people.models import Person
from lehuo.platform.audit import log_action
from lehuo.platform.errors import NotFound, ServiceError
from lehuo.platform.images import checked_image

from .models import Honour, Visit, Visitor, VisitPhoto


def _person_in_scope(actor, person: Person, action: str) -> Person:
    """``action`` (visits.visit.record / visits.honour.record): 403 for a role that records
    none, 400 on the person field when this one is outside the actor's people."""
    require(actor, action)
    if not may(actor, action, person):
        raise ServiceError(_("人员不存在或不在您的负责范围内"), "person_id")
    return person


def person_for(actor, pk, action: str = "visits.visit.record") -> Person:
    """The person a visit or honour is about, by id, among those the actor may record."""
    require(actor, action)
    person = Person.objects.active().filter(scope_q(actor, action), pk=pk).first() if str(pk).isdigit() else None
    if person is None:
        raise ServiceError(_("人员不存在或不在您的负责范围内"), "person_id")
    return person


def visits_for(actor) -> QuerySet:
    require(actor, "visits.visit.view")
    return Visit.objects.filter(scope_q(actor, "visits.visit.view"))


def honours_for(actor) -> QuerySet:
    require(actor, "visits.honour.view")
    return Honour.objects.filter(scope_q(actor, "visits.honour.view"))


def honour_for(actor, pk) -> Honour | None:
    return honours_for(actor).filter(pk=pk).first()


def may_record(actor) -> bool:
    return may(actor, "visits.visit.record")


def _text(value: str | None, field: str, label: str, max_len: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ServiceError(_("%(label)s不能为空") % {"label": label}, field)
    if len(value) > max_len:
        raise ServiceError(_("%(label)s不能超过%(n)s个字") % {"label": label, "n": max_len}, field)
    return value


@transaction.atomic
def record_honour(actor, person: Person, *, title: str, achieved_on: dt.date, level: str = "national",
                  event: str = "", rank: str = "", result: str = "", notes: str = "") -> Honour:
    _person_in_scope(actor, person, "visits.honour.record")
    if level not in dict(Honour.LEVELS):
        raise ServiceError(_("级别不正确"), "level")
    if achieved_on > timezone.localdate():
        raise ServiceError(_("日期不能晚于今天"), "achieved_on")
    honour = Honour.objects.create(
        town=person.town, person=person, title=_text(title, "title", _("荣誉"), 200), achieved_on=achieved_on,
        level=level, event=_text(event, "event", _("赛事"), 200, False), rank=_text(rank, "rank", _("名次"), 50, False),
        result=_text(result, "result", _("成绩"), 50, False), notes=notes or "",
    )
    log_action(actor, "honour.create", honour, {"person": person.pk, "title": honour.title})
    return honour


def parse_visitors(text: str) -> list[tuple[str, str]]:
    """'副镇长 李双珑, 社区书记 王芳' -> [(title, name), ...]; a lone word is a name."""
    out = []
    for chunk in (text or "").replace("，", ",").replace("、", ",").replace("\n", ",").split(","):  # not-ui: separators typed in the input
        chunk = chunk.strip()
        if not chunk:
            continue
        parts = chunk.split()
        title, name = (" ".join(parts[:-1]), parts[-1]) if len(parts) > 1 else ("", parts[0])
        out.append((title[:50], name[:50]))
    return out


@transaction.atomic
def record_visit(actor, person: Person, *, date: dt.date, visitors: list[tuple[str, str]], purpose: str,
                 household: str = "", notes: str = "", honour: Honour | None = None, slug: str = "") -> Visit:
    _person_in_scope(actor, person, "visits.visit.record")
    if purpose not in dict(Visit.PURPOSES):
        raise ServiceError(_("走访目的只能是祝贺、慰问或关爱"), "purpose")
    if date > timezone.localdate():
        raise ServiceError(_("走访日期不能晚于今天"), "date")
    if not visitors:
        raise ServiceError(_("请填写走访人员"), "visitors")
    if honour is not None and honour.person_id != person.pk:
        raise ServiceError(_("荣誉不属于该人员"), "honour_id")
    slug = slugify(slug or "") or f"{date:%Y-%m-%d}-{person.pk}"
    if Visit.objects.filter(town=person.town, slug=slug).exists():
        raise ServiceError(_("该标识已被使用"), "slug", code="duplicate")
    visit = Visit.objects.create(
        town=person.town, slug=slug, date=date, person=person, neighbourhood=person.neighbourhood,
        household=_text(household, "household", _("家庭"), 100, False), purpose=purpose, honour=honour,
        notes=notes or "", created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    Visitor.objects.bulk_create(
        [Visitor(visit=visit, title=t, name=_text(n, "visitors", _("走访人员姓名"), 50), order=i)
         for i, (t, n) in enumerate(visitors)]
    )
    log_action(actor, "visit.create", visit, {"person": person.pk, "purpose": purpose, "date": date})
    return visit


@transaction.atomic
def add_visit_photo(actor, visit: Visit, data: bytes, caption: str = "", order: int | None = None) -> VisitPhoto:
    require(actor, "visits.photo.add", visit)
    image = checked_image(data, "image", f"visit-{visit.pk}")
    if order is None:
        order = visit.photos.count()
    photo = VisitPhoto(visit=visit, caption=_text(caption, "caption", _("说明"), 200, False), order=order)
    photo.image.save(image.name or f"visit-{visit.pk}.jpg", image, save=True)
    log_action(actor, "visit.photo", visit, {"photo": photo.pk})
    return photo


def get_visit_for(actor, slug: str) -> Visit:
    visit = (visits_for(actor).select_related("person", "neighbourhood", "honour")
             .prefetch_related("visitors", "photos").filter(slug=slug).first())
    if visit is None:
        raise NotFound()
    return visit
