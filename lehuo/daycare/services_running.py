"""Setting up the programme and running the weeks: every write and rule, audit-logged."""

import datetime as dt
import math
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from lehuo.accounts.models import PROGRAMME_STAFF, Assignment, Neighbourhood
from lehuo.accounts.permissions import require
from lehuo.platform.audit import log_action, snapshot
from lehuo.platform.errors import NotFound, ServiceError

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
from .services import busy_on_lock_failure, promote_waiting


def _manage(actor, town) -> None:
    """Setting up ``town``'s programme: 403 for a role that may not (whatever the town)."""
    require(actor, "daycare.programme.manage")
    require(actor, "daycare.programme.manage", town)


def _snapshot(obj) -> dict:
    """core ``snapshot`` with times as text (the audit log stores JSON)."""
    return {k: (v.isoformat() if isinstance(v, dt.time) else v) for k, v in snapshot(obj).items()}


def _text(value, field: str, label: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ServiceError(_("请填写%(label)s") % {"label": label}, field)
    if len(value) > max_length:
        raise ServiceError(_("%(label)s不能超过%(n)s个字") % {"label": label, "n": max_length}, field)
    return value


# --- the programme (town admins) -------------------------------------------------------------

# Two terms of three weeks (Monday to Friday), back to back, the first starting on the first
# Monday of July (Shanghai: 2021 7/5-7/23 and 7/26-8/13, 2023 7/3-7/21 and 7/24-8/11, 2025 from 7/7).
DEFAULT_TERMS = 2
TERM_WEEKS = 3
MAX_TERMS = 9
MAX_CAPACITY = 500
MAX_FEE = Decimal("100000")


def default_term_dates(year: int) -> list[tuple[int, dt.date, dt.date]]:
    """The usual terms of ``year``: ``[(number, starts_on, ends_on), ...]``."""
    july_1 = dt.date(int(year), 7, 1)
    start = july_1 + dt.timedelta(days=(7 - july_1.weekday()) % 7)
    terms = []
    for number in range(1, DEFAULT_TERMS + 1):
        terms.append((number, start, start + dt.timedelta(weeks=TERM_WEEKS, days=-3)))
        start += dt.timedelta(weeks=TERM_WEEKS)
    return terms


@transaction.atomic
def create_year(actor, town, year: int, title: str = "", *, default_terms: bool = False,
                exists_ok: bool = True) -> Year:
    """The town's programme of ``year``. ``exists_ok=False`` (the setup page) refuses a year
    that is already there; ``default_terms`` adds the usual two terms to a new year."""
    _manage(actor, town)
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ServiceError(_("年度须为数字"), "year")
    if not 2014 <= year <= 2100:
        raise ServiceError(_("年度须在%(low)s-%(high)s之间") % {"low": 2014, "high": 2100}, "year")
    title = _text(title, "title", _("名称"), 100, required=False)
    obj, created = Year.objects.get_or_create(town=town, year=year, defaults={"title": title})
    if not created and not exists_ok:
        raise ServiceError(_("%(year)s年度已存在") % {"year": year}, "year", code="duplicate")
    if created:
        log_action(actor, "daycare.year.create", obj, {"year": year, "title": title})
        if default_terms:
            create_default_terms(actor, obj)
    return obj


@transaction.atomic
def create_default_terms(actor, year: Year) -> list[Term]:
    """The usual two terms (``default_term_dates``) for a year that has none yet."""
    _manage(actor, year.town)
    if year.terms.exists():
        raise ServiceError(_("本年度已有期，请逐期添加"), "number")
    return [create_term(actor, year, number=n, starts_on=s, ends_on=e) for n, s, e in default_term_dates(year.year)]


def site_head_candidates(town):
    """Users who may head a site of ``town``: its programme staff."""
    return (get_user_model().objects.filter(memberships__town=town, memberships__role=PROGRAMME_STAFF, is_active=True)
            .distinct().order_by("username"))


def _count(value, field: str, label: str, low: int, high: int) -> int:
    try:
        value = int(value)
    except (TypeError, ValueError):
        raise ServiceError(_("%(label)s须为整数") % {"label": label}, field)
    if not low <= value <= high:
        raise ServiceError(_("%(label)s须在%(low)s-%(high)s之间") % {"label": label, "low": low, "high": high}, field)
    return value


@transaction.atomic
def create_site(actor, year: Year, *, name: str, neighbourhood: Neighbourhood, address: str = "",
                head_name: str = "", min_volunteers: int = 3, min_security: int = 2, head_user=None) -> Site:
    """A site of ``year``; ``head_user`` (programme staff of the town) is assigned to run it."""
    _manage(actor, year.town)
    name = _text(name, "name", _("办班点名称"), 100)
    if neighbourhood is None or neighbourhood.town_id != year.town_id:
        raise ServiceError(_("请选择本镇的居民区"), "neighbourhood_id")
    address = _text(address, "address", _("地址"), 200, required=False)
    head_name = _text(head_name, "head_name", _("负责人姓名"), 50, required=False)
    min_volunteers = _count(min_volunteers, "min_volunteers", _("最少志愿者人数"), 0, 50)
    min_security = _count(min_security, "min_security", _("最少安保人数"), 0, 50)
    if Site.objects.filter(year=year, name=name).exists():
        raise ServiceError(_("同名办班点已存在"), "name", code="duplicate")
    site = Site.objects.create(year=year, name=name, neighbourhood=neighbourhood, address=address,
                               head_name=head_name, min_volunteers=min_volunteers, min_security=min_security)
    log_action(actor, "daycare.site.create", site, {"after": snapshot(site)})
    if head_user is not None:
        assign_site_head(actor, site, head_user)
    return site


@transaction.atomic
def create_term(actor, year: Year, *, number: int, starts_on: dt.date, ends_on: dt.date) -> Term:
    _manage(actor, year.town)
    number = _count(number, "number", pgettext("field", "期数"), 1, MAX_TERMS)
    if starts_on is None:
        raise ServiceError(_("请填写开始日期"), "starts_on")
    if ends_on is None:
        raise ServiceError(_("请填写结束日期"), "ends_on")
    if starts_on.year != year.year:
        raise ServiceError(_("开始日期须在%(year)s年内") % {"year": year.year}, "starts_on")
    if ends_on.year != year.year:
        raise ServiceError(_("结束日期须在%(year)s年内") % {"year": year.year}, "ends_on")
    if ends_on < starts_on:
        raise ServiceError(_("结束日期不能早于开始日期"), "ends_on")
    if Term.objects.filter(year=year, number=number).exists():
        raise ServiceError(_("第%(n)s期已存在") % {"n": number}, "number", code="duplicate")
    # A child may hold one place per term: overlapping terms would let a child be in two places at once.
    clash = Term.objects.filter(year=year, starts_on__lte=ends_on, ends_on__gte=starts_on).first()
    if clash is not None:
        raise ServiceError(_("日期与%(term)s重叠") % {"term": clash}, "starts_on")
    term = Term.objects.create(year=year, number=number, starts_on=starts_on, ends_on=ends_on)
    log_action(actor, "daycare.term.create", term, {"after": snapshot(term)})
    return term


# Shanghai's rule for the summer day-care: registration opens at a fixed time, not before 9:00
# on the set day (docs/domain.md, "Summer day-care"; parents used to queue from 3:30).
EARLIEST_OPENING = dt.time(9, 0)


def _offering_terms(term: Term, capacity, fee, opens_at: dt.datetime | None) -> tuple[int, Decimal]:
    """The rules an offering's capacity, fee and opening time must pass (create and update):
    the capacity as an int and the fee as a Decimal of two places."""
    capacity = _count(capacity, "capacity", _("名额"), 1, MAX_CAPACITY)
    try:
        fee = Decimal(str(fee).strip())
        rounded = fee.quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ServiceError(_("费用须为金额（元），如600.00"), "fee")
    if rounded != fee:
        raise ServiceError(_("费用最多保留两位小数（到分）"), "fee")
    if not 0 <= rounded <= MAX_FEE:
        raise ServiceError(_("费用须在0-%(max)s元之间") % {"max": MAX_FEE}, "fee")
    if opens_at is None:
        raise ServiceError(_("请填写报名开始时间"), "opens_at")
    if timezone.localtime(opens_at).date() >= term.starts_on:
        raise ServiceError(_("报名开始时间须早于开班日期（%(date)s）") % {"date": f"{term.starts_on:%Y-%m-%d}"}, "opens_at")
    if timezone.localtime(opens_at).time() < EARLIEST_OPENING:
        raise ServiceError(_("报名开始时间不得早于当天%(time)s") % {"time": f"{EARLIEST_OPENING:%H:%M}"}, "opens_at")
    return capacity, rounded


def site_and_term(actor, site_id, term_id) -> tuple[Site, Term]:
    """The site and term a new offering is for (the API names them by id): 403 for an actor
    who may not set up a programme, a field error for one outside it."""
    require(actor, "daycare.programme.manage")
    from lehuo.accounts.permissions import scope_q

    site = Site.objects.filter(scope_q(actor, "daycare.site.view", Site), pk=site_id).select_related("year").first()
    if site is None:
        raise ServiceError(_("办班点不存在"), "site_id")
    term = Term.objects.filter(pk=term_id, year=site.year).first()
    if term is None:
        raise ServiceError(_("期不存在"), "term_id")
    return site, term


@transaction.atomic
def create_offering(actor, site: Site, term: Term, *, capacity: int | None = None, fee=Decimal("600.00"),
                    opens_at: dt.datetime) -> Offering:
    _manage(actor, site.year.town)
    capacity = capacity if capacity is not None else settings.LEHUO_RULES["daycare"]["default_capacity"]
    if term.year_id != site.year_id:
        raise ServiceError(_("期与办班点不属于同一年度"), "term_id")
    capacity, fee = _offering_terms(term, capacity, fee, opens_at)
    try:
        with transaction.atomic():
            offering = Offering.objects.create(site=site, term=term, capacity=capacity, fee=fee, opens_at=opens_at)
    except IntegrityError:
        raise ServiceError(_("该办班点本期已开班"), "term_id", code="duplicate")
    log_action(actor, "daycare.offering.create", offering, {"after": snapshot(offering)})
    return offering


def update_offering(actor, offering: Offering, *, capacity, fee, opens_at: dt.datetime) -> list[Enrolment]:
    """Change an offering's capacity, fee and opening time; ``offering`` is refreshed.

    The capacity is changed by one conditional UPDATE (``taken <= new capacity``), so it cannot
    race an enrolment claiming a place: whichever comes second sees the other's row. Places
    added while children wait go to the first of them in the same transaction (returned)."""
    require(actor, "daycare.offering.change", offering)
    capacity, fee = _offering_terms(offering.term, capacity, fee, opens_at)
    try:
        with busy_on_lock_failure(), transaction.atomic():
            current = Offering.objects.select_related("site", "term").get(pk=offering.pk)
            before = snapshot(current)
            if (current.capacity, current.fee, current.opens_at) == (capacity, fee, opens_at):
                return []
            if not Offering.objects.filter(pk=offering.pk, taken__lte=capacity).update(
                    capacity=capacity, fee=fee, opens_at=opens_at):
                taken = Offering.objects.values_list("taken", flat=True).get(pk=offering.pk)
                raise ServiceError(_("名额不能少于已录取的%(n)s人") % {"n": taken}, "capacity")
            # The row is locked by the UPDATE until commit: these counts cannot move under us.
            current.refresh_from_db(fields=["capacity", "taken", "fee", "opens_at"])
            promoted = promote_waiting(actor, current, current.capacity - current.taken, timezone.now(),
                                       {"capacity": current.capacity})
            if promoted:
                Offering.objects.filter(pk=offering.pk).update(taken=F("taken") + len(promoted))
                current.refresh_from_db(fields=["taken"])
            log_action(actor, "daycare.offering.update", current,
                       {"before": before, "after": snapshot(current), "promoted": [e.pk for e in promoted]})
    except Offering.DoesNotExist:
        raise NotFound()
    offering.refresh_from_db()
    return promoted


@transaction.atomic
def assign_site_head(actor, site: Site, user, duty: str = "") -> Assignment:
    """``user`` (programme staff of the site's town) runs ``site``; ``duty`` is stored as text
    (by default "site head" in the actor's language)."""
    duty = duty or _("办班点负责人")
    _manage(actor, site.year.town)
    if user is None or not site_head_candidates(site.year.town_id).filter(pk=user.pk).exists():
        raise ServiceError(_("负责人须是本镇的项目工作人员"), "head_user")
    ct = ContentType.objects.get_for_model(Site)
    assignment, created = Assignment.objects.get_or_create(user=user, content_type=ct, object_id=site.pk,
                                                           defaults={"duty": duty})
    if created:
        log_action(actor, "daycare.site.assign", site, {"user": user.pk, "duty": duty})
    return assignment


@transaction.atomic
def create_course(actor, year: Year, *, name: str, category: str, description: str = "") -> Course:
    _manage(actor, year.town)
    name = _text(name, "name", _("课程名称"), 100)
    if category not in dict(CATEGORIES):
        raise ServiceError(_("请选择课程类别（德、智、体、美、劳、自选）"), "category")
    if Course.objects.filter(year=year, name=name).exists():
        raise ServiceError(_("同名课程已存在"), "name", code="duplicate")
    course = Course.objects.create(year=year, name=name, category=category, description=(description or "")[:300])
    log_action(actor, "daycare.course.create", course, {"name": name, "category": category})
    return course


@transaction.atomic
def add_lesson(actor, offering: Offering, course: Course, *, date: dt.date, starts_at: dt.time, ends_at: dt.time,
               teacher: str = "") -> Lesson:
    require(actor, "daycare.offering.run", offering)
    if course.year_id != offering.site.year_id:
        raise ServiceError(_("课程不属于本年度"), "course_id")
    if not offering.term.starts_on <= date <= offering.term.ends_on:
        raise ServiceError(_("日期不在本期之内"), "date")
    if ends_at <= starts_at:
        raise ServiceError(_("结束时间须晚于开始时间"), "ends_at")
    if Lesson.objects.filter(offering=offering, date=date, starts_at__lt=ends_at, ends_at__gt=starts_at).exists():
        raise ServiceError(_("该时段已有课程"), "starts_at", code="duplicate")
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
        raise ServiceError(_("体温格式不正确"), "temperature")
    if not Decimal("34.0") <= t <= Decimal("42.5"):
        raise ServiceError(_("体温应在34.0-42.5℃之间"), "temperature")
    return t


def _check_day(enrolment: Enrolment, date: dt.date) -> None:
    if enrolment.status != Enrolment.CONFIRMED:
        raise ServiceError(_("只有已录取的儿童才能登记考勤"), "enrolment_id")
    term = enrolment.offering.term
    if not term.starts_on <= date <= term.ends_on:
        raise ServiceError(_("日期不在本期之内"), "date")


@transaction.atomic
def record_arrival(actor, enrolment: Enrolment, *, date: dt.date, present: bool = True, temperature=None,
                   arrived_at: dt.time | None = None, note: str = "") -> Arrival:
    """Arrival health check: a present child needs a temperature; a fever is noted."""
    require(actor, "daycare.offering.run", enrolment.offering)
    _check_day(enrolment, date)
    temperature = _temperature(temperature)
    if present and temperature is None:
        raise ServiceError(_("请填写入园体温"), "temperature")
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
    require(actor, "daycare.offering.run", enrolment.offering)
    _check_day(enrolment, date)
    name = _text(picked_up_by, "picked_up_by", _("接送人姓名"), 50)
    arrival = Arrival.objects.select_for_update().filter(enrolment=enrolment, date=date, present=True).first()
    if arrival is None:
        raise ServiceError(_("该儿童当天未登记入园，不能登记离园"), "date")
    arrival.picked_up_by = name
    arrival.picked_up_at = picked_up_at or timezone.localtime().time().replace(microsecond=0)
    arrival.save(update_fields=["picked_up_by", "picked_up_at"])
    log_action(actor, "daycare.pickup", arrival, {"picked_up_by": name, "at": arrival.picked_up_at.isoformat()})
    return arrival


# --- site: epidemic-prevention checks, roster, ceremonies ------------------------------------


@transaction.atomic
def record_check(actor, site: Site, *, area: str, item: str, ok: bool = True, note: str = "",
                 checked_at: dt.datetime | None = None) -> ChecklistCheck:
    require(actor, "daycare.site.run", site)
    if area not in dict(CHECK_AREAS):
        raise ServiceError(_("请选择检查类别"), "area")
    item = _text(item, "item", _("检查项目"), 200)
    if not ok and not (note or "").strip():
        raise ServiceError(_("不合格项须说明情况及整改措施"), "note")
    name = (actor.get_full_name() or actor.username) if getattr(actor, "is_authenticated", False) else _("系统")
    check = ChecklistCheck.objects.create(site=site, area=area, item=item, ok=ok, note=(note or "")[:200],
                                          checked_by=actor if getattr(actor, "is_authenticated", False) else None,
                                          checked_by_name=name[:50], checked_at=checked_at or timezone.now())
    log_action(actor, "daycare.check", check, {"site": site.pk, "area": area, "item": item, "ok": ok})
    return check


@transaction.atomic
def add_staff(actor, site: Site, *, name: str, role: str, term: Term | None = None, person=None) -> StaffMember:
    require(actor, "daycare.site.run", site)
    name = _text(name, "name", _("姓名"), 50)
    if role not in dict(STAFF_ROLES):
        raise ServiceError(_("请选择岗位"), "role")
    if term is not None and term.year_id != site.year_id:
        raise ServiceError(_("期不属于本年度"), "term_id")
    member = StaffMember.objects.create(site=site, name=name, role=role, term=term, person=person)
    log_action(actor, "daycare.staff.add", member, {"site": site.pk, "role": role, "name": name})
    return member


@transaction.atomic
def remove_staff(actor, member: StaffMember) -> None:
    require(actor, "daycare.site.run", member.site)
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
        warnings.append(_("看护人员不足：%(children)s名儿童至少需要%(needed)s名老师或志愿者（1:%(per)s），现有%(adults)s名")
                        % {"children": confirmed, "needed": needed, "per": per, "adults": adults})
    if volunteers < offering.site.min_volunteers:
        warnings.append(_("志愿者不足：至少%(needed)s名，现有%(have)s名")
                        % {"needed": offering.site.min_volunteers, "have": volunteers})
    if security < offering.site.min_security:
        warnings.append(_("安保人员不足：至少%(needed)s名，现有%(have)s名")
                        % {"needed": offering.site.min_security, "have": security})
    return warnings


@transaction.atomic
def record_ceremony(actor, offering: Offering, *, kind: str, held_on: dt.date, attendees: int = 0,
                    programme: str = "") -> Ceremony:
    require(actor, "daycare.offering.run", offering)
    if kind not in (Ceremony.OPENING, Ceremony.CLOSING):
        raise ServiceError(_("请选择仪式类型"), "kind")
    if not offering.term.starts_on <= held_on <= offering.term.ends_on:
        raise ServiceError(_("日期不在本期之内"), "held_on")
    if attendees < 0 or attendees > 1000:
        raise ServiceError(_("参加人数不正确"), "attendees")
    ceremony, created = Ceremony.objects.update_or_create(
        offering=offering, kind=kind,
        defaults={"held_on": held_on, "attendees": attendees, "programme": (programme or "")[:2000],
                  "recorded_by": actor if getattr(actor, "is_authenticated", False) else None})
    log_action(actor, "daycare.ceremony", ceremony, {"kind": kind, "held_on": held_on, "attendees": attendees,
                                                     "created": created})
    return ceremony
