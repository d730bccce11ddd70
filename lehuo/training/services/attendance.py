"""Attendance: staff roll-call and the students' QR check-in (token, window, status)."""

import datetime as dt
from collections.abc import Iterable

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lehuo.accounts.permissions import require
from lehuo.lib.labels import list_separator
from lehuo.people.models import Person
from lehuo.platform.audit import log_action
from lehuo.platform.errors import ServiceError
from lehuo.training import aggregates
from lehuo.training.models import Attendance, Enrolment, Session

CHECKIN_SALT = "lehuo.training.checkin"
# The QR code works from this long before class until the class ends; after the grace
# period a scan records "late".
CHECKIN_OPENS_BEFORE = dt.timedelta(minutes=30)
CHECKIN_LATE_AFTER = dt.timedelta(minutes=10)

STATUS_VALUES = {s for s, _ in Attendance.STATUSES}


@transaction.atomic
def record_attendance(actor, session: Session, entries: Iterable[dict], *,
                      today: dt.date | None = None) -> list[Attendance]:
    """Set the status of each listed student for ``session`` (others are left as they are)."""
    cohort = session.cohort
    require(actor, "training.attendance.record", session)
    today = today or timezone.localdate()
    if session.status == Session.CANCELLED:
        raise ServiceError(_("该课次已取消，不能考勤"), "session")
    if session.date > today:
        raise ServiceError(_("该课次在 %(date)s，尚未开始，不能提前考勤") % {"date": f"{session.date:%Y-%m-%d}"}, "session")
    entries = list(entries)
    if not entries:
        raise ServiceError(_("没有要记录的考勤"), "attendance")
    enrolled = set(Enrolment.objects.filter(cohort=cohort, status=Enrolment.ACTIVE).values_list("person_id", flat=True))
    errors, clean = [], {}
    for i, entry in enumerate(entries):
        pid, status = entry.get("person_id"), entry.get("status")
        if status not in STATUS_VALUES:
            errors.append({"field": f"{i}.status", "message": _("第%(n)s条：出勤情况应为 present/late/absent/excused") % {"n": i + 1}})
        elif pid not in enrolled:
            errors.append({"field": f"{i}.person_id", "message": _("第%(n)s条：人员 %(id)s 不是本班学员") % {"n": i + 1, "id": pid}})
        else:
            clean[pid] = (status, (entry.get("note") or "").strip()[:200])
    if errors:
        raise ServiceError(errors[0]["message"], errors[0]["field"], errors=errors)
    existing = {a.person_id: a
                for a in Attendance.objects.select_for_update().filter(session=session, person_id__in=clean)}
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
    aggregates.sessions_changed(cohort.pk)
    aggregates.people_changed(cohort.pk, list(clean))
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
        raise ServiceError(_("签到二维码无效，请扫描课堂上展示的二维码"), "token", code="bad_token")


def checkin_window(session: Session) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(dt.datetime.combine(session.date, session.start_time), tz)
    end = timezone.make_aware(dt.datetime.combine(session.date, session.end_time), tz)
    return start - CHECKIN_OPENS_BEFORE, end


def checkin_status(user, session: Session, now: dt.datetime) -> tuple[Person, str]:
    """Who is checking in and as what (present / late), or the ServiceError that refuses it.
    The scan page calls this on GET too, so a refusal shows before the student taps."""
    require(user, "training.checkin")
    person = Person.objects.filter(account=user, erased_at__isnull=True).first() if user.is_authenticated else None
    if person is None:
        raise ServiceError(_("您的账号没有关联学员信息，请联系培训班工作人员点名签到"), code="no_person")
    cohort = session.cohort
    if not Enrolment.objects.filter(cohort=cohort, person=person, status=Enrolment.ACTIVE).exists():
        others = [str(e.cohort) for e in Enrolment.objects.filter(person=person, status=Enrolment.ACTIVE)
                  .select_related("cohort__programme__studio")]
        mine = _("您报名的是%(cohorts)s，") % {"cohorts": list_separator().join(others)} if others else ""
        raise ServiceError(_("您不是%(cohort)s的学员，不能用本班二维码签到。%(mine)s请扫描本班课堂的二维码。")
                           % {"cohort": cohort, "mine": mine},
                           code="not_enrolled")
    if session.status == Session.CANCELLED:
        raise ServiceError(_("%(date)s 的课已取消") % {"date": f"{session.date:%Y-%m-%d}"}, code="cancelled")
    opens, closes = checkin_window(session)
    local = timezone.localtime
    if not opens <= now <= closes:
        raise ServiceError(
            _("不在签到时间内：本次课签到时间为 %(opens)s 至 %(closes)s")
            % {"opens": f"{local(opens):%Y-%m-%d %H:%M}", "closes": f"{local(closes):%H:%M}"}, code="window")
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
    aggregates.sessions_changed(session.cohort_id)
    aggregates.people_changed(session.cohort_id, [person.pk])
    return row, False
