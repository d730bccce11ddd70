import datetime as dt

import pytest

from lehuo.platform.errors import ServiceError
from lehuo.training import services
from lehuo.training.models import Attendance, HolidayOverride, Session

pytestmark = pytest.mark.django_db


@pytest.fixture
def student(make_person, cohort, town_admin):
    person = make_person(tags=["社工"])
    services.enrol(town_admin, cohort, person)
    return person


def _session(cohort, day):
    return cohort.sessions.get(date=day)


def test_regeneration_keeps_attendance_already_taken(cohort, student, instructor, town_admin):
    held = _session(cohort, dt.date(2021, 9, 24))
    services.record_attendance(instructor, held, [{"person_id": student.pk, "status": "present"}])
    before = cohort.sessions.count()
    # Fridays dropped from the rule: the held Friday stays with its attendance, the other Fridays go.
    summary = services.update_schedule(town_admin, cohort, weekdays=[2])
    assert summary["kept"] == 1 and summary["kept_off_plan"] == ["2021-09-24"]
    assert Attendance.objects.get(session=held).status == "present"
    dates = set(cohort.sessions.values_list("date", flat=True))
    assert dt.date(2021, 9, 24) in dates and dt.date(2021, 9, 17) not in dates
    assert summary["removed"] == before - cohort.sessions.filter(date__week_day=3).count() - 1


def test_regenerating_twice_changes_nothing(cohort, town_admin):
    ids = set(cohort.sessions.values_list("pk", flat=True))
    summary = services.regenerate_sessions(town_admin, cohort)
    assert (summary["created"], summary["removed"]) == (0, 0)
    assert set(cohort.sessions.values_list("pk", flat=True)) == ids


def test_new_override_removes_untaken_session_but_not_held_one(cohort, student, instructor, town_admin):
    held = _session(cohort, dt.date(2021, 8, 13))
    services.record_attendance(instructor, held, [{"person_id": student.pk, "status": "late"}])
    HolidayOverride.objects.create(date=dt.date(2021, 8, 13), name="台风停课")
    HolidayOverride.objects.create(date=dt.date(2021, 8, 17), name="台风停课")
    summary = services.regenerate_sessions(town_admin, cohort)
    dates = set(cohort.sessions.values_list("date", flat=True))
    assert dt.date(2021, 8, 13) in dates and dt.date(2021, 8, 17) not in dates
    assert summary == {**summary, "removed": 1, "kept": 1, "created": 0}


def test_moved_session_keeps_its_planned_slot_on_regeneration(cohort, town_admin):
    s = _session(cohort, dt.date(2021, 8, 20))
    services.move_session(town_admin, s, dt.date(2021, 8, 19), "讲师参加区培训")
    services.regenerate_sessions(town_admin, cohort)
    s.refresh_from_db()
    assert (s.date, s.planned_date, s.status, s.reason) == (dt.date(2021, 8, 19), dt.date(2021, 8, 20), "moved", "讲师参加区培训")
    assert not cohort.sessions.filter(date=dt.date(2021, 8, 20)).exists()


def test_cancel_needs_a_reason_and_is_kept(cohort, town_admin):
    s = _session(cohort, dt.date(2021, 9, 14))
    with pytest.raises(ServiceError) as exc:
        services.cancel_session(town_admin, s, "  ")
    assert exc.value.field == "reason"
    services.cancel_session(town_admin, s, "台风“灿都”停课")
    services.regenerate_sessions(town_admin, cohort)
    s.refresh_from_db()
    assert (s.status, s.reason) == (Session.CANCELLED, "台风“灿都”停课")


def test_cannot_move_onto_another_session(cohort, town_admin):
    s = _session(cohort, dt.date(2021, 8, 20))
    with pytest.raises(ServiceError) as exc:
        services.move_session(town_admin, s, dt.date(2021, 8, 24), "调课")
    assert "已有课次" in exc.value.message


def test_social_worker_cannot_reschedule(cohort, sw_lv11):
    with pytest.raises(ServiceError) as exc:
        services.regenerate_sessions(sw_lv11, cohort)
    assert exc.value.code == "forbidden"


def test_attendance_for_future_session_is_refused(make_cohort, town_admin):
    future = make_cohort(number=9, starts_on=dt.date(2030, 3, 1), ends_on=dt.date(2030, 3, 31))
    with pytest.raises(ServiceError) as exc:
        services.record_attendance(town_admin, future.sessions.first(), [{"person_id": 1, "status": "present"}])
    assert "尚未开始" in exc.value.message


def test_attendance_of_someone_not_enrolled_is_refused(cohort, make_person, instructor):
    stranger = make_person()
    with pytest.raises(ServiceError) as exc:
        services.record_attendance(instructor, cohort.sessions.first(), [{"person_id": stranger.pk, "status": "present"}])
    assert "不是本班学员" in exc.value.message
    assert not Attendance.objects.exists()
