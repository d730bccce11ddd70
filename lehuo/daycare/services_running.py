"""Setting up the programme and running the weeks: every write and rule, audit-logged."""

import datetime as dt
import math
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone

from lehuo.core.audit import log_action, snapshot
from lehuo.core.errors import ServiceError
from lehuo.core.models import Assignment, Neighbourhood

from .models import (
    Arrival,
    Ceremony,
    ChecklistCheck,
    Course,
    Enrolment,
    Lesson,
    Offering,
    Site,
    StaffMember,
    Term,
    Year,
)
from .models_running import CARE_ROLES, CATEGORIES, CHECK_AREAS, STAFF_ROLES


def _snapshot(obj) -> dict:
    """core ``snapshot`` with times as text (the audit log stores JSON)."""
    return {k: (v.isoformat() if isinstance(v, dt.time) else v) for k, v in snapshot(obj).items()}


def _text(value, field: str, label: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ServiceError(f"请填写{label}", field)
    if len(value) > max_length:
        raise ServiceError(f"{label}不能超过{max_length}个字", field)
    return value


# --- the programme (town admins) -------------------------------------------------------------

@transaction.atomic
def create_year(actor, town, year: int, title: str = "") -> Year:
    if not 2014 <= int(year) <= 2100:
        raise ServiceError("年度不正确", "year")
    obj, created = Year.objects.get_or_create(town=town, year=year, defaults={"title": title})
    if created:
        log_action(actor, "daycare.year.create", obj, {"year": year})
    return obj


@transaction.atomic
def create_site(actor, year: Year, *, name: str, neighbourhood: Neighbourhood, address: str = "",
                head_name: str = "", min_volunteers: int = 3, min_security: int = 2) -> Site:
    name = _text(name, "name", "办班点名称", 100)
    if neighbourhood is None or neighbourhood.town_id != year.town_id:
        raise ServiceError("请选择本镇的居民区", "neighbourhood_id")
    if Site.objects.filter(year=year, name=name).exists():
        raise ServiceError("同名办班点已存在", "name", code="duplicate")
    site = Site.objects.create(year=year, name=name, neighbourhood=neighbourhood, address=(address or "")[:200],
                               head_name=(head_name or "")[:50], min_volunteers=min_volunteers, min_security=min_security)
    log_action(actor, "daycare.site.create", site, {"after": snapshot(site)})
    return site


@transaction.atomic
def create_term(actor, year: Year, *, number: int, starts_on: dt.date, ends_on: dt.date) -> Term:
    if ends_on < starts_on:
        raise ServiceError("结束日期不能早于开始日期", "ends_on")
    if starts_on.year != year.year:
        raise ServiceError("开始日期须在本年度内", "starts_on")
    if Term.objects.filter(year=year, number=number).exists():
        raise ServiceError(f"第{number}期已存在", "number", code="duplicate")
    term = Term.objects.create(year=year, number=number, starts_on=starts_on, ends_on=ends_on)
    log_action(actor, "daycare.term.create", term, {"after": snapshot(term)})
    return term


@transaction.atomic
def create_offering(actor, site: Site, term: Term, *, capacity: int | None = None, fee=Decimal("600.00"),
                    opens_at: dt.datetime) -> Offering:
    capacity = capacity if capacity is not None else settings.LEHUO_RULES["daycare"]["default_capacity"]
    if term.year_id != site.year_id:
        raise ServiceError("期与办班点不属于同一年度", "term_id")
    if not 1 <= int(capacity) <= 500:
        raise ServiceError("名额须在1-500之间", "capacity")
    try:
        fee = Decimal(str(fee)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ServiceError("费用格式不正确", "fee")
    if fee < 0 or fee > 100000:
        raise ServiceError("费用不正确", "fee")
    if opens_at is None:
        raise ServiceError("请填写报名开始时间", "opens_at")
    if timezone.localtime(opens_at).date() > term.starts_on:
        raise ServiceError("报名开始时间须早于开班日期", "opens_at")
    try:
        with transaction.atomic():
            offering = Offering.objects.create(site=site, term=term, capacity=capacity, fee=fee, opens_at=opens_at)
    except IntegrityError:
        raise ServiceError("该办班点本期已开班", "term_id", code="duplicate")
    log_action(actor, "daycare.offering.create", offering, {"after": snapshot(offering)})
    return offering


@transaction.atomic
def assign_site_head(actor, site: Site, user, duty: str = "办班点负责人") -> Assignment:
    ct = ContentType.objects.get_for_model(Site)
    assignment, _ = Assignment.objects.get_or_create(user=user, content_type=ct, object_id=site.pk,
                                                     defaults={"duty": duty})
    log_action(actor, "daycare.site.assign", site, {"user": user.pk, "duty": duty})
    return assignment


@transaction.atomic
def create_course(actor, year: Year, *, name: str, category: str, description: str = "") -> Course:
    name = _text(name, "name", "课程名称", 100)
    if category not in dict(CATEGORIES):
        raise ServiceError("请选择课程类别（德、智、体、美、劳、自选）", "category")
    if Course.objects.filter(year=year, name=name).exists():
        raise ServiceError("同名课程已存在", "name", code="duplicate")
    course = Course.objects.create(year=year, name=name, category=category, description=(description or "")[:300])
    log_action(actor, "daycare.course.create", course, {"name": name, "category": category})
    return course


@transaction.atomic
def add_lesson(actor, offering: Offering, course: Course, *, date: dt.date, starts_at: dt.time, ends_at: dt.time,
               teacher: str = "") -> Lesson:
    if course.year_id != offering.site.year_id:
        raise ServiceError("课程不属于本年度", "course_id")
    if not offering.term.starts_on <= date <= offering.term.ends_on:
        raise ServiceError("日期不在本期之内", "date")
    if ends_at <= starts_at:
        raise ServiceError("结束时间须晚于开始时间", "ends_at")
    if Lesson.objects.filter(offering=offering, date=date, starts_at__lt=ends_at, ends_at__gt=starts_at).exists():
        raise ServiceError("该时段已有课程", "starts_at", code="duplicate")
    lesson = Lesson.objects.create(offering=offering, course=course, date=date, starts_at=starts_at, ends_at=ends_at,
                                   teacher=(teacher or "")[:50])
    log_action(actor, "daycare.lesson.create", lesson, {"course": course.pk, "date": date})
    return lesson


# --- the day: arrival check and pick-up ------------------------------------------------------

def fever_limit() -> Decimal:
    return Decimal(str(settings.LEHUO_RULES["daycare"].get("fever_c", "37.3")))


def _temperature(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        t = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise ServiceError("体温格式不正确", "temperature")
    if not Decimal("34.0") <= t <= Decimal("42.5"):
        raise ServiceError("体温应在34.0-42.5℃之间", "temperature")
    return t


def _check_day(enrolment: Enrolment, date: dt.date) -> None:
    if enrolment.status != Enrolment.CONFIRMED:
        raise ServiceError("只有已录取的儿童才能登记考勤", "enrolment_id")
    term = enrolment.offering.term
    if not term.starts_on <= date <= term.ends_on:
        raise ServiceError("日期不在本期之内", "date")


@transaction.atomic
def record_arrival(actor, enrolment: Enrolment, *, date: dt.date, present: bool = True, temperature=None,
                   arrived_at: dt.time | None = None, note: str = "") -> Arrival:
    """Arrival health check: a present child needs a temperature; a fever is noted."""
    _check_day(enrolment, date)
    temperature = _temperature(temperature)
    if present and temperature is None:
        raise ServiceError("请填写入园体温", "temperature")
    arrival, created = Arrival.objects.select_for_update().get_or_create(enrolment=enrolment, date=date)
    before = _snapshot(arrival)
    arrival.present, arrival.temperature, arrival.note = present, temperature, (note or "")[:200]
    arrival.arrived_at = arrived_at or (timezone.localtime().time().replace(microsecond=0) if present else None)
    arrival.recorded_by = actor if getattr(actor, "is_authenticated", False) else None
    arrival.save()
    log_action(actor, "daycare.arrival", arrival, {"before": None if created else before, "after": _snapshot(arrival),
                                                   "fever": bool(temperature and temperature > fever_limit())})
    return arrival


@transaction.atomic
def record_pickup(actor, enrolment: Enrolment, *, date: dt.date, picked_up_by: str,
                  picked_up_at: dt.time | None = None) -> Arrival:
    _check_day(enrolment, date)
    name = _text(picked_up_by, "picked_up_by", "接送人姓名", 50)
    arrival = Arrival.objects.select_for_update().filter(enrolment=enrolment, date=date, present=True).first()
    if arrival is None:
        raise ServiceError("该儿童当天未登记入园，不能登记离园", "date")
    arrival.picked_up_by = name
    arrival.picked_up_at = picked_up_at or timezone.localtime().time().replace(microsecond=0)
    arrival.save(update_fields=["picked_up_by", "picked_up_at"])
    log_action(actor, "daycare.pickup", arrival, {"picked_up_by": name, "at": arrival.picked_up_at.isoformat()})
    return arrival


# --- site: epidemic-prevention checks, roster, ceremonies ------------------------------------

DEFAULT_CHECK_ITEMS = {
    "site": ["教室通风消毒", "卫生间清洁消毒", "体温检测点设置"],
    "supplies": ["口罩、消毒液、体温计储备", "隔离观察室物资"],
    "staff": ["工作人员健康码、行程码查验", "工作人员每日体温"],
    "rules": ["晨午检制度上墙", "家长接送告知书"],
    "procedures": ["发热儿童处置流程", "应急联络人及电话"],
}


@transaction.atomic
def record_check(actor, site: Site, *, area: str, item: str, ok: bool = True, note: str = "",
                 checked_at: dt.datetime | None = None) -> ChecklistCheck:
    if area not in dict(CHECK_AREAS):
        raise ServiceError("请选择检查类别", "area")
    item = _text(item, "item", "检查项目", 200)
    if not ok and not (note or "").strip():
        raise ServiceError("不合格项须说明情况及整改措施", "note")
    name = (actor.get_full_name() or actor.username) if getattr(actor, "is_authenticated", False) else "系统"
    check = ChecklistCheck.objects.create(site=site, area=area, item=item, ok=ok, note=(note or "")[:200],
                                          checked_by=actor if getattr(actor, "is_authenticated", False) else None,
                                          checked_by_name=name[:50], checked_at=checked_at or timezone.now())
    log_action(actor, "daycare.check", check, {"site": site.pk, "area": area, "item": item, "ok": ok})
    return check


@transaction.atomic
def add_staff(actor, site: Site, *, name: str, role: str, term: Term | None = None, person=None) -> StaffMember:
    name = _text(name, "name", "姓名", 50)
    if role not in dict(STAFF_ROLES):
        raise ServiceError("请选择岗位", "role")
    if term is not None and term.year_id != site.year_id:
        raise ServiceError("期不属于本年度", "term_id")
    member = StaffMember.objects.create(site=site, name=name, role=role, term=term, person=person)
    log_action(actor, "daycare.staff.add", member, {"site": site.pk, "role": role, "name": name})
    return member


@transaction.atomic
def remove_staff(actor, member: StaffMember) -> None:
    log_action(actor, "daycare.staff.remove", member, {"site": member.site_id, "name": member.name})
    member.delete()


def roster_warnings(offering: Offering, confirmed: int | None = None) -> list[str]:
    """Adult-to-child ratio (1 adult per 5 children) and minimum volunteers / security."""
    if confirmed is None:
        confirmed = offering.enrolments.filter(status=Enrolment.CONFIRMED).count()
    staff = [m for m in offering.site.staff.all() if m.term_id in (None, offering.term_id)]
    adults = sum(1 for m in staff if m.role in CARE_ROLES)
    volunteers = sum(1 for m in staff if m.role == "volunteer")
    security = sum(1 for m in staff if m.role == "security")
    per = settings.LEHUO_RULES["daycare"]["adults_per_children"]
    warnings = []
    needed = math.ceil(confirmed / per) if confirmed else 0
    if adults < needed:
        warnings.append(f"看护人员不足：{confirmed}名儿童至少需要{needed}名老师或志愿者（1:{per}），现有{adults}名")
    if volunteers < offering.site.min_volunteers:
        warnings.append(f"志愿者不足：至少{offering.site.min_volunteers}名，现有{volunteers}名")
    if security < offering.site.min_security:
        warnings.append(f"安保人员不足：至少{offering.site.min_security}名，现有{security}名")
    return warnings


@transaction.atomic
def record_ceremony(actor, offering: Offering, *, kind: str, held_on: dt.date, attendees: int = 0,
                    programme: str = "") -> Ceremony:
    if kind not in (Ceremony.OPENING, Ceremony.CLOSING):
        raise ServiceError("请选择仪式类型", "kind")
    if not offering.term.starts_on <= held_on <= offering.term.ends_on:
        raise ServiceError("日期不在本期之内", "held_on")
    if attendees < 0 or attendees > 1000:
        raise ServiceError("参加人数不正确", "attendees")
    ceremony, created = Ceremony.objects.update_or_create(
        offering=offering, kind=kind,
        defaults={"held_on": held_on, "attendees": attendees, "programme": (programme or "")[:2000],
                  "recorded_by": actor if getattr(actor, "is_authenticated", False) else None})
    log_action(actor, "daycare.ceremony", ceremony, {"kind": kind, "held_on": held_on, "attendees": attendees,
                                                     "created": created})
    return ceremony
