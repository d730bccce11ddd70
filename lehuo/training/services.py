"""Every write of the training module and its rules. Views and API handlers call these."""

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import slugify

from lehuo.core import scoping as core_scoping
from lehuo.core.audit import log_action
from lehuo.core.calendar import HolidayCalendar
from lehuo.core.errors import NotFound, ServiceError
from lehuo.core.models import PROGRAMME_STAFF, Assignment, Membership, Person

from . import scoping
from .models import Attendance, Certificate, Cohort, Enrolment, Programme, Session

CHECKIN_SALT = "lehuo.training.checkin"
# The QR code works from this long before class until the class ends; after the grace
# period a scan records "late".
CHECKIN_OPENS_BEFORE = dt.timedelta(minutes=30)
CHECKIN_LATE_AFTER = dt.timedelta(minutes=10)


def _rules() -> dict:
    return settings.LEHUO_RULES["training"]


def _require_manage(actor, cohort: Cohort) -> None:
    if not scoping.can_manage(actor, cohort):
        raise ServiceError("只有镇管理员或本班工作人员可以操作", code="forbidden")


# --- calendar -------------------------------------------------------------------------

@dataclass
class Plan:
    """The dates a schedule gives, the holidays it skipped, and any calendar warning."""

    dates: list[dt.date] = field(default_factory=list)
    skipped: list[tuple[dt.date, str]] = field(default_factory=list)
    warning: str = ""


def clean_weekdays(weekdays) -> list[int]:
    if weekdays is None or isinstance(weekdays, (str, bytes)) or not isinstance(weekdays, Iterable):
        raise ServiceError("上课日应为 1-7 的数字列表（1=周一，7=周日）", "weekdays")
    out = set()
    for value in weekdays:
        if isinstance(value, bool) or not isinstance(value, int):
            try:
                value = int(str(value).strip())
            except (TypeError, ValueError):
                raise ServiceError(f"上课日“{value}”不是 1-7 的数字（1=周一，7=周日）", "weekdays")
        if not 1 <= value <= 7:
            raise ServiceError(f"上课日 {value} 不存在：星期只能是 1-7（1=周一，7=周日）", "weekdays")
        out.add(value)
    if not out:
        raise ServiceError("请至少选择一个上课日", "weekdays")
    return sorted(out)


def check_range(starts_on: dt.date | None, ends_on: dt.date | None) -> None:
    if not starts_on:
        raise ServiceError("请填写开始日期", "starts_on")
    if not ends_on:
        raise ServiceError("请填写结束日期", "ends_on")
    if ends_on < starts_on:
        raise ServiceError(f"结束日期 {ends_on:%Y-%m-%d} 早于开始日期 {starts_on:%Y-%m-%d}", "ends_on")
    limit = int(_rules()["max_range_days"])
    if (ends_on - starts_on).days > limit:
        raise ServiceError(f"一期培训不能超过两年（{limit}天），请分期设置", "ends_on")


def check_times(start_time: dt.time | None, end_time: dt.time | None) -> None:
    if start_time is None or end_time is None:
        raise ServiceError("请填写上课和下课时间", "start_time")
    if end_time <= start_time:
        raise ServiceError("下课时间应晚于上课时间", "end_time")


def plan_sessions(starts_on: dt.date, ends_on: dt.date, weekdays) -> Plan:
    """Every listed weekday in the range, except public holidays (chinesecalendar + overrides)."""
    check_range(starts_on, ends_on)
    days = set(clean_weekdays(weekdays))
    calendar = HolidayCalendar.for_range(starts_on, ends_on)
    plan = Plan()
    day = starts_on
    while day <= ends_on:
        if day.isoweekday() in days:
            if calendar.is_holiday(day):
                plan.skipped.append((day, calendar.holiday_name(day) or "节假日"))
            else:
                plan.dates.append(day)
        day += dt.timedelta(days=1)
    plan.warning = calendar.warning
    return plan


# --- cohorts and sessions -----------------------------------------------------------------

def _unique_slug(programme: Programme, number: int, slug: str = "") -> str:
    slug = slugify(slug or "")[:60]
    if slug:
        if Cohort.objects.filter(slug=slug).exists():
            raise ServiceError(f"标识“{slug}”已被使用", "slug")
        return slug
    base = f"cohort-{programme.pk}-{number}"
    candidate, n = base, 1
    while Cohort.objects.filter(slug=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _check_instructor(cohort_town_id: int, instructor) -> None:
    if instructor is None:
        return
    if not Membership.objects.filter(user=instructor, town_id=cohort_town_id).exists():
        raise ServiceError("讲师须为本镇工作人员", "instructor_id")


@transaction.atomic
def create_cohort(actor, programme: Programme, *, number: int, starts_on: dt.date, ends_on: dt.date,
                  weekdays, start_time: dt.time = dt.time(14, 0), end_time: dt.time = dt.time(16, 0),
                  venue: str = "", instructor=None, capacity: int | None = None, slug: str = "") -> tuple[Cohort, dict]:
    """A cohort with its session calendar; returns the cohort and the generation summary."""
    if not scoping.can_create(actor):
        raise ServiceError("只有镇管理员可以开设培训班", code="forbidden")
    towns = core_scoping.town_ids(actor)
    if towns is not None and programme.studio.town_id not in towns:
        raise NotFound()
    if number is None or number < 1:
        raise ServiceError("期数应为正整数", "number")
    if capacity is not None and capacity < 1:
        raise ServiceError("名额至少为 1（不限请留空）", "capacity")
    weekdays = clean_weekdays(weekdays)
    check_range(starts_on, ends_on)
    check_times(start_time, end_time)
    _check_instructor(programme.studio.town_id, instructor)
    if Cohort.objects.filter(programme=programme, number=number).exists():
        raise ServiceError(f"{programme.title}第{number}期已存在", "number", code="duplicate")
    cohort = Cohort.objects.create(
        programme=programme, number=number, slug=_unique_slug(programme, number, slug), starts_on=starts_on,
        ends_on=ends_on, weekdays=weekdays, start_time=start_time, end_time=end_time,
        venue=(venue or "").strip()[:200], instructor=instructor, capacity=capacity,
    )
    if instructor is not None:
        assign_staff(actor, cohort, instructor, duty="讲师")
    summary = _regenerate(cohort)
    log_action(actor, "training.cohort.create", cohort, {"after": {
        "programme": programme.pk, "number": number, "starts_on": starts_on, "ends_on": ends_on,
        "weekdays": weekdays, "sessions": summary["created"], "capacity": capacity}})
    return cohort, summary


def assign_staff(actor, cohort: Cohort, user, duty: str = "讲师") -> Assignment:
    """Programme staff reach a cohort through core's Assignment (and the person-scope hook)."""
    if not core_scoping.is_town_wide(actor):
        raise ServiceError("只有镇管理员可以安排工作人员", code="forbidden")
    _check_instructor(cohort.programme.studio.town_id, user)
    Membership.objects.get_or_create(user=user, town_id=cohort.programme.studio.town_id, role=PROGRAMME_STAFF)
    assignment, _ = Assignment.objects.get_or_create(
        user=user, content_type=ContentType.objects.get_for_model(Cohort), object_id=cohort.pk,
        defaults={"duty": duty},
    )
    scoping.forget(user)
    log_action(actor, "training.cohort.assign", cohort, {"user": user.pk, "duty": duty})
    return assignment


@transaction.atomic
def update_schedule(actor, cohort: Cohort, **changes) -> dict:
    """Change dates, weekdays or times, then regenerate (attendance already taken stays)."""
    _require_manage(actor, cohort)
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    starts_on = changes.get("starts_on", cohort.starts_on)
    ends_on = changes.get("ends_on", cohort.ends_on)
    weekdays = clean_weekdays(changes.get("weekdays", cohort.weekdays))
    check_range(starts_on, ends_on)
    start_time = changes.get("start_time", cohort.start_time)
    end_time = changes.get("end_time", cohort.end_time)
    check_times(start_time, end_time)
    before = {"starts_on": cohort.starts_on, "ends_on": cohort.ends_on, "weekdays": cohort.weekdays}
    cohort.starts_on, cohort.ends_on, cohort.weekdays = starts_on, ends_on, weekdays
    cohort.start_time, cohort.end_time = start_time, end_time
    if "venue" in changes:
        cohort.venue = (changes["venue"] or "").strip()[:200]
    cohort.save()
    summary = _regenerate(cohort)
    log_action(actor, "training.cohort.reschedule", cohort, {"before": before, "after": {
        "starts_on": starts_on, "ends_on": ends_on, "weekdays": weekdays}, "summary": {
        k: v for k, v in summary.items() if k in ("created", "removed", "kept")}})
    return summary


def regenerate_sessions(actor, cohort: Cohort) -> dict:
    """Rebuild the calendar from the rule (e.g. after a holiday override was added)."""
    _require_manage(actor, cohort)
    with transaction.atomic():
        cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
        summary = _regenerate(cohort)
        log_action(actor, "training.cohort.regenerate", cohort, {k: v for k, v in summary.items()
                                                                  if k in ("created", "removed", "kept")})
    return summary


def _regenerate(cohort: Cohort) -> dict:
    """Match the sessions to the rule. A session that was held, moved or cancelled, or has
    any attendance, is never deleted: it is kept (and reported) even off the new calendar."""
    plan = plan_sessions(cohort.starts_on, cohort.ends_on, cohort.weekdays)
    planned = set(plan.dates)
    taken: set[dt.date] = set()
    removed = kept = 0
    kept_off_plan: list[dt.date] = []
    with_attendance = set(Attendance.objects.filter(session__cohort=cohort).values_list("session_id", flat=True))
    for s in Session.objects.filter(cohort=cohort):
        slot = s.planned_date or s.date
        touched = s.status != Session.SCHEDULED or s.pk in with_attendance
        if slot in planned and slot not in taken:
            taken.add(slot)
            if not touched and (s.start_time, s.end_time) != (cohort.start_time, cohort.end_time):
                s.start_time, s.end_time = cohort.start_time, cohort.end_time
                s.save(update_fields=["start_time", "end_time"])
        elif touched:
            kept += 1
            kept_off_plan.append(s.date)
        else:
            s.delete()
            removed += 1
    topics = list(cohort.programme.topics or [])
    new = []
    for index, day in enumerate(plan.dates):
        if day in taken:
            continue
        new.append(Session(cohort=cohort, date=day, planned_date=day, start_time=cohort.start_time,
                           end_time=cohort.end_time, topic=topics[index % len(topics)] if topics else ""))
    Session.objects.bulk_create(new)
    if cohort.calendar_warning != plan.warning[:300]:
        cohort.calendar_warning = plan.warning[:300]
        cohort.save(update_fields=["calendar_warning"])
    return {
        "created": len(new), "removed": removed, "kept": kept,
        "kept_off_plan": [d.isoformat() for d in kept_off_plan],
        "skipped": [{"date": d.isoformat(), "name": name} for d, name in plan.skipped],
        "warning": plan.warning, "sessions": len(plan.dates) + kept,
    }


def _clean_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请填写原因", "reason")
    return reason[:200]


@transaction.atomic
def move_session(actor, session: Session, new_date: dt.date, reason: str, *, start_time: dt.time | None = None,
                 end_time: dt.time | None = None) -> Session:
    cohort = session.cohort
    _require_manage(actor, cohort)
    reason = _clean_reason(reason)
    if new_date is None:
        raise ServiceError("请填写调整后的日期", "date")
    if session.status == Session.CANCELLED:
        raise ServiceError("已取消的课次不能调课", "date")
    if Attendance.objects.filter(session=session).exists():
        raise ServiceError("该课次已有考勤记录，不能调课", "date")
    if Session.objects.filter(cohort=cohort, date=new_date).exclude(pk=session.pk).exclude(
            status=Session.CANCELLED).exists():
        raise ServiceError(f"{new_date:%Y-%m-%d} 已有课次", "date")
    start_time = start_time or session.start_time
    end_time = end_time or session.end_time
    check_times(start_time, end_time)
    before = {"date": session.date, "start_time": session.start_time.isoformat()}
    session.planned_date = session.planned_date or session.date
    session.date, session.start_time, session.end_time = new_date, start_time, end_time
    session.status, session.reason = Session.MOVED, reason
    session.save()
    log_action(actor, "training.session.move", session, {"before": before, "after": {
        "date": new_date, "start_time": start_time.isoformat()}, "reason": reason})
    return session


def holiday_warning(day: dt.date) -> str:
    """Moving a class onto a public holiday is allowed (staff know best) but worth a word."""
    calendar = HolidayCalendar.for_range(day, day)
    if calendar.is_holiday(day):
        return f"{day:%Y-%m-%d} 是{calendar.holiday_name(day) or '节假日'}，请确认学员可以到课"
    return calendar.warning


@transaction.atomic
def cancel_session(actor, session: Session, reason: str) -> Session:
    _require_manage(actor, session.cohort)
    reason = _clean_reason(reason)
    if Attendance.objects.filter(session=session, status__in=Attendance.ATTENDED).exists():
        raise ServiceError("该课次已有学员出勤记录，不能取消", "reason")
    session.status, session.reason = Session.CANCELLED, reason
    session.save(update_fields=["status", "reason"])
    log_action(actor, "training.session.cancel", session, {"date": session.date, "reason": reason})
    return session


# --- enrolment ------------------------------------------------------------------------

def person_for_cohort(cohort: Cohort, person_id) -> Person:
    """People come from any neighbourhood of the cohort's town."""
    try:
        return Person.objects.active().get(pk=person_id, town_id=cohort.programme.studio.town_id)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise ServiceError("人员不存在", "person_id")


@transaction.atomic
def enrol(actor, cohort: Cohort, person: Person, *, on: dt.date | None = None) -> Enrolment:
    """Claim a place with a conditional UPDATE, so two enrolments never overfill the cohort."""
    _require_manage(actor, cohort)
    if person.town_id != cohort.programme.studio.town_id or person.erased_at:
        raise ServiceError("人员不存在", "person_id")
    existing = Enrolment.objects.select_for_update().filter(cohort=cohort, person=person).first()
    if existing and existing.status == Enrolment.ACTIVE:
        raise ServiceError(f"{person.name}已报名{cohort}", "person_id", code="duplicate")
    claimed = Cohort.objects.filter(pk=cohort.pk).filter(
        Q(capacity__isnull=True) | Q(enrolled_count__lt=F("capacity"))
    ).update(enrolled_count=F("enrolled_count") + 1)
    if not claimed:
        raise ServiceError(f"{cohort}名额已满（{cohort.capacity}人）", "person_id", code="full")
    if existing:
        existing.status = Enrolment.ACTIVE
        existing.save(update_fields=["status"])
        enrolment = existing
    else:
        try:
            with transaction.atomic():
                enrolment = Enrolment.objects.create(cohort=cohort, person=person, enrolled_on=on or timezone.localdate(),
                                                     neighbourhood_id=person.neighbourhood_id)
        except IntegrityError:
            raise ServiceError(f"{person.name}已报名{cohort}", "person_id", code="duplicate")
    log_action(actor, "training.enrol", enrolment, {"cohort": cohort.pk, "person": person.pk})
    return enrolment


@transaction.atomic
def withdraw(actor, enrolment: Enrolment, reason: str = "") -> Enrolment:
    _require_manage(actor, enrolment.cohort)
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.status != Enrolment.ACTIVE:
        return enrolment
    enrolment.status = Enrolment.WITHDRAWN
    enrolment.save(update_fields=["status"])
    Cohort.objects.filter(pk=enrolment.cohort_id, enrolled_count__gt=0).update(enrolled_count=F("enrolled_count") - 1)
    log_action(actor, "training.withdraw", enrolment, {"reason": (reason or "")[:200]})
    return enrolment


# --- attendance -------------------------------------------------------------------------

STATUS_VALUES = {s for s, _ in Attendance.STATUSES}


@transaction.atomic
def record_attendance(actor, session: Session, entries: Iterable[dict], *, today: dt.date | None = None) -> list[Attendance]:
    """Set the status of each listed student for ``session`` (others are left as they are)."""
    cohort = session.cohort
    _require_manage(actor, cohort)
    today = today or timezone.localdate()
    if session.status == Session.CANCELLED:
        raise ServiceError("该课次已取消，不能考勤", "session")
    if session.date > today:
        raise ServiceError(f"该课次在 {session.date:%Y-%m-%d}，尚未开始，不能提前考勤", "session")
    entries = list(entries)
    if not entries:
        raise ServiceError("没有要记录的考勤", "attendance")
    enrolled = set(Enrolment.objects.filter(cohort=cohort, status=Enrolment.ACTIVE).values_list("person_id", flat=True))
    errors, clean = [], {}
    for i, entry in enumerate(entries):
        pid, status = entry.get("person_id"), entry.get("status")
        if status not in STATUS_VALUES:
            errors.append({"field": f"{i}.status", "message": f"第{i + 1}条：出勤情况应为 present/late/absent/excused"})
        elif pid not in enrolled:
            errors.append({"field": f"{i}.person_id", "message": f"第{i + 1}条：人员 {pid} 不是本班学员"})
        else:
            clean[pid] = (status, (entry.get("note") or "").strip()[:200])
    if errors:
        raise ServiceError(errors[0]["message"], errors[0]["field"], errors=errors)
    existing = {a.person_id: a for a in Attendance.objects.select_for_update().filter(session=session, person_id__in=clean)}
    user = actor if getattr(actor, "is_authenticated", False) else None
    out, new, changed = [], [], []
    for pid, (status, note) in clean.items():
        row = existing.get(pid)
        if row is None:
            row = Attendance(session=session, person_id=pid, status=status, note=note, recorded_by=user)
            new.append(row)
        elif (row.status, row.note) != (status, note):
            row.status, row.note, row.recorded_by, row.method = status, note, user, Attendance.STAFF
            row.recorded_at = timezone.now()
            changed.append(row)
        out.append(row)
    Attendance.objects.bulk_create(new)
    if changed:
        Attendance.objects.bulk_update(changed, ["status", "note", "recorded_by", "method", "recorded_at"])
    if session.status != Session.HELD:
        session.status = Session.HELD
        session.save(update_fields=["status"])
    log_action(actor, "training.attendance.record", session, {
        "created": len(new), "changed": len(changed),
        "counts": {s: sum(1 for v in clean.values() if v[0] == s) for s in STATUS_VALUES}})
    return out


def checkin_token(session: Session) -> str:
    return signing.dumps({"s": session.pk}, salt=CHECKIN_SALT, compress=True)


def session_from_token(token: str) -> Session:
    try:
        data = signing.loads(token, salt=CHECKIN_SALT)
        return Session.objects.select_related("cohort__programme__studio").get(pk=int(data["s"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError, Session.DoesNotExist):
        raise ServiceError("签到二维码无效，请扫描课堂上展示的二维码", "token", code="bad_token")


def checkin_window(session: Session) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(dt.datetime.combine(session.date, session.start_time), tz)
    end = timezone.make_aware(dt.datetime.combine(session.date, session.end_time), tz)
    return start - CHECKIN_OPENS_BEFORE, end


def checkin_status(user, session: Session, now: dt.datetime) -> tuple[Person, str]:
    """Who is checking in and as what (present / late), or the ServiceError that refuses it.
    The scan page calls this on GET too, so a refusal shows before the student taps."""
    person = Person.objects.filter(account=user, erased_at__isnull=True).first() if user.is_authenticated else None
    if person is None:
        raise ServiceError("您的账号没有关联学员信息，请联系培训班工作人员点名签到", code="no_person")
    cohort = session.cohort
    if not Enrolment.objects.filter(cohort=cohort, person=person, status=Enrolment.ACTIVE).exists():
        others = [str(e.cohort) for e in Enrolment.objects.filter(person=person, status=Enrolment.ACTIVE)
                  .select_related("cohort__programme__studio")]
        mine = f"您报名的是{'、'.join(others)}，" if others else ""
        raise ServiceError(f"您不是{cohort}的学员，不能用本班二维码签到。{mine}请扫描本班课堂的二维码。",
                           code="not_enrolled")
    if session.status == Session.CANCELLED:
        raise ServiceError(f"{session.date:%Y-%m-%d} 的课已取消", code="cancelled")
    opens, closes = checkin_window(session)
    local = timezone.localtime
    if not opens <= now <= closes:
        raise ServiceError(
            f"不在签到时间内：本次课签到时间为 {local(opens):%Y-%m-%d %H:%M} 至 {local(closes):%H:%M}", code="window")
    start = opens + CHECKIN_OPENS_BEFORE
    return person, Attendance.LATE if now > start + CHECKIN_LATE_AFTER else Attendance.PRESENT


@transaction.atomic
def check_in(user, session: Session, *, now: dt.datetime | None = None) -> tuple[Attendance, bool]:
    """A student scans the session's QR code: present (late after the grace period).
    Returns the attendance and whether it was already recorded by an earlier scan."""
    person, status = checkin_status(user, session, now or timezone.now())
    row = Attendance.objects.select_for_update().filter(session=session, person=person).first()
    if row and row.status in Attendance.ATTENDED:
        return row, True
    if row is None:
        row = Attendance.objects.create(session=session, person=person, status=status, method=Attendance.QR,
                                        recorded_by=user)
    else:
        row.status, row.method, row.recorded_by = status, Attendance.QR, user
        row.save(update_fields=["status", "method", "recorded_by", "recorded_at"])
    if session.status != Session.HELD:
        session.status = Session.HELD
        session.save(update_fields=["status"])
    return row, False


# --- certificates -------------------------------------------------------------------------

@transaction.atomic
def issue_certificate(actor, enrolment: Enrolment, *, on: dt.date | None = None) -> Certificate:
    from .stats import enrolment_progress

    cohort = enrolment.cohort
    _require_manage(actor, cohort)
    Cohort.objects.select_for_update().filter(pk=cohort.pk).first()  # serialise numbering
    existing = Certificate.objects.filter(enrolment=enrolment).first()
    if existing:
        return existing
    if enrolment.status != Enrolment.ACTIVE:
        raise ServiceError("已退出的学员不能结业", "enrolment")
    progress = enrolment_progress(enrolment)
    if not progress["held"]:
        raise ServiceError("本班尚未上课，不能发证", "enrolment")
    if not progress["completed"]:
        raise ServiceError(
            f"{enrolment.person.name}出勤率 {progress['rate_pct']}，未达到结业要求 "
            f"{int(cohort.programme.completion_rate * 100)}%", "enrolment", code="not_completed")
    on = on or timezone.localdate()
    seq = Certificate.objects.filter(enrolment__cohort=cohort).count() + 1
    cert = Certificate.objects.create(
        enrolment=enrolment, number=f"XJPX-{cohort.ends_on.year}-{cohort.pk:03d}-{seq:03d}",
        code=secrets.token_urlsafe(12), issued_on=on, hours=progress["hours"],
        attendance_rate=progress["rate"], issued_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    log_action(actor, "training.certificate.issue", enrolment, {"number": cert.number})
    return cert


def issue_certificates(actor, cohort: Cohort, *, on: dt.date | None = None) -> tuple[int, int]:
    """Certificates for every student who met the rule; returns (issued, not completed)."""
    issued = skipped = 0
    for enrolment in Enrolment.objects.filter(cohort=cohort, status=Enrolment.ACTIVE).select_related("person", "cohort__programme"):
        try:
            issue_certificate(actor, enrolment, on=on)
            issued += 1
        except ServiceError as exc:
            if exc.code != "not_completed":
                raise
            skipped += 1
    return issued, skipped
