"""Cohorts and their sessions: opening, staff, schedule changes, regeneration, moving and cancelling."""

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from lehuo.accounts.models import PROGRAMME_STAFF, Assignment, Membership
from lehuo.accounts.permissions import forget, require
from lehuo.platform.audit import log_action
from lehuo.platform.errors import ServiceError
from lehuo.training import aggregates
from lehuo.training.models import Attendance, Cohort, Programme, Session

from ._common import _require_manage
from .calendar import check_range, check_times, clean_weekdays, plan_sessions


def _unique_slug(programme: Programme, number: int, slug: str = "") -> str:
    slug = slugify(slug or "")[:60]
    if slug:
        if Cohort.objects.filter(slug=slug).exists():
            raise ServiceError(_("标识“%(slug)s”已被使用") % {"slug": slug}, "slug")
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
        raise ServiceError(_("讲师须为本镇工作人员"), "instructor_id")


@transaction.atomic
def create_cohort(actor, programme: Programme, *, number: int, starts_on: dt.date, ends_on: dt.date,
                  weekdays, start_time: dt.time = dt.time(14, 0), end_time: dt.time = dt.time(16, 0),
                  venue: str = "", instructor=None, capacity: int | None = None, slug: str = "") -> tuple[Cohort, dict]:
    """A cohort with its session calendar; returns the cohort and the generation summary."""
    require(actor, "training.cohort.create")  # the role (403), then the programme's town (404)
    require(actor, "training.cohort.create", programme)
    if number is None or number < 1:
        raise ServiceError(_("期数应为正整数"), "number")
    if capacity is not None and capacity < 1:
        raise ServiceError(_("名额至少为 1（不限请留空）"), "capacity")
    weekdays = clean_weekdays(weekdays)
    check_range(starts_on, ends_on)
    check_times(start_time, end_time)
    _check_instructor(programme.studio.town_id, instructor)
    if Cohort.objects.filter(programme=programme, number=number).exists():
        raise ServiceError(_("%(programme)s第%(n)s期已存在") % {"programme": programme.title, "n": number}, "number",
                           code="duplicate")
    cohort = Cohort.objects.create(
        programme=programme, number=number, slug=_unique_slug(programme, number, slug), starts_on=starts_on,
        ends_on=ends_on, weekdays=weekdays, start_time=start_time, end_time=end_time,
        venue=(venue or "").strip()[:200], instructor=instructor, capacity=capacity,
    )
    if instructor is not None:
        assign_staff(actor, cohort, instructor)
    summary = _regenerate(cohort)
    log_action(actor, "training.cohort.create", cohort, {"after": {
        "programme": programme.pk, "number": number, "starts_on": starts_on, "ends_on": ends_on,
        "weekdays": weekdays, "sessions": summary["created"], "capacity": capacity}})
    return cohort, summary


def assign_staff(actor, cohort: Cohort, user, duty: str | None = None) -> Assignment:
    """Programme staff reach a cohort through core's Assignment (and the person-scope hook).
    ``duty`` defaults to "instructor", recorded in the language of the one who assigns."""
    duty = _("讲师") if duty is None else duty
    require(actor, "training.cohort.assign", cohort)
    _check_instructor(cohort.programme.studio.town_id, user)
    Membership.objects.get_or_create(user=user, town_id=cohort.programme.studio.town_id, role=PROGRAMME_STAFF)
    assignment, _created = Assignment.objects.get_or_create(
        user=user, content_type=ContentType.objects.get_for_model(Cohort), object_id=cohort.pk,
        defaults={"duty": duty},
    )
    forget(user)
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
    aggregates.sessions_changed(cohort.pk)
    return {
        "created": len(new), "removed": removed, "kept": kept,
        "kept_off_plan": [d.isoformat() for d in kept_off_plan],
        "skipped": [{"date": d.isoformat(), "name": name} for d, name in plan.skipped],
        "warning": plan.warning, "sessions": len(plan.dates) + kept,
    }


def _clean_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("请填写原因"), "reason")
    return reason[:200]


@transaction.atomic
def move_session(actor, session: Session, new_date: dt.date, reason: str, *, start_time: dt.time | None = None,
                 end_time: dt.time | None = None) -> Session:
    cohort = session.cohort
    require(actor, "training.session.manage", session)
    reason = _clean_reason(reason)
    if new_date is None:
        raise ServiceError(_("请填写调整后的日期"), "date")
    if session.status == Session.CANCELLED:
        raise ServiceError(_("已取消的课次不能调课"), "date")
    if Attendance.objects.filter(session=session).exists():
        raise ServiceError(_("该课次已有考勤记录，不能调课"), "date")
    if Session.objects.filter(cohort=cohort, date=new_date).exclude(pk=session.pk).exclude(
            status=Session.CANCELLED).exists():
        raise ServiceError(_("%(date)s 已有课次") % {"date": f"{new_date:%Y-%m-%d}"}, "date")
    start_time = start_time or session.start_time
    end_time = end_time or session.end_time
    check_times(start_time, end_time)
    before = {"date": session.date, "start_time": session.start_time.isoformat()}
    session.planned_date = session.planned_date or session.date
    session.date, session.start_time, session.end_time = new_date, start_time, end_time
    session.status, session.reason = Session.MOVED, reason
    session.save()
    aggregates.sessions_changed(cohort.pk)
    log_action(actor, "training.session.move", session, {"before": before, "after": {
        "date": new_date, "start_time": start_time.isoformat()}, "reason": reason})
    return session


@transaction.atomic
def cancel_session(actor, session: Session, reason: str) -> Session:
    require(actor, "training.session.manage", session)
    reason = _clean_reason(reason)
    if Attendance.objects.filter(session=session, status__in=Attendance.ATTENDED).exists():
        raise ServiceError(_("该课次已有学员出勤记录，不能取消"), "reason")
    session.status, session.reason = Session.CANCELLED, reason
    session.save(update_fields=["status", "reason"])
    aggregates.sessions_changed(session.cohort_id)
    log_action(actor, "training.session.cancel", session, {"date": session.date, "reason": reason})
    return session
