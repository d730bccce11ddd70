import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from lehuo.platform.errors import ServiceError
from lehuo.training import services
from lehuo.training.models import Attendance, Session

pytestmark = pytest.mark.django_db


def _student(make_person, cohort, town_admin, username, neighbourhood=None):
    user = get_user_model().objects.create_user(username=username, password="pw")
    person = make_person(neighbourhood, tags=["社工"])
    person.account = user
    person.save(update_fields=["account"])
    if cohort is not None:
        services.enrol(town_admin, cohort, person)
    return user, person


def _at(session, hh, mm):
    return timezone.make_aware(dt.datetime.combine(session.date, dt.time(hh, mm)))


@pytest.fixture
def session(cohort):
    return cohort.sessions.get(date=dt.date(2021, 8, 10))  # 14:00-16:00


def test_student_scanning_in_time_is_present(cohort, session, make_person, town_admin):
    user, person = _student(make_person, cohort, town_admin, "stu1")
    row, already = services.check_in(user, session, now=_at(session, 13, 50))
    assert not already
    assert (row.status, row.method, row.person_id) == ("present", "qr", person.pk)
    session.refresh_from_db()
    assert session.status == Session.HELD


def test_scanning_after_grace_period_is_late(cohort, session, make_person, town_admin):
    user, _ = _student(make_person, cohort, town_admin, "stu2")
    assert services.check_in(user, session, now=_at(session, 14, 25))[0].status == "late"


def test_scanning_twice_keeps_the_first(cohort, session, make_person, town_admin):
    user, _ = _student(make_person, cohort, town_admin, "stu3")
    services.check_in(user, session, now=_at(session, 13, 55))
    again, already = services.check_in(user, session, now=_at(session, 14, 40))
    assert already and again.status == "present"
    assert Attendance.objects.count() == 1


@pytest.mark.parametrize("hh, mm", [(13, 29), (16, 1)])
def test_scanning_outside_the_window_is_refused(cohort, session, make_person, town_admin, hh, mm):
    user, _ = _student(make_person, cohort, town_admin, "stu4")
    with pytest.raises(ServiceError) as exc:
        services.check_in(user, session, now=_at(session, hh, mm))
    assert exc.value.code == "window" and "13:30" in exc.value.message and "16:00" in exc.value.message
    assert not Attendance.objects.exists()


def test_student_of_another_cohort_is_refused_with_clear_message(cohort, session, make_cohort, make_person, town_admin):
    other = make_cohort(number=4)
    user, _ = _student(make_person, other, town_admin, "stu5")
    with pytest.raises(ServiceError) as exc:
        services.check_in(user, session, now=_at(session, 14, 0))
    assert exc.value.code == "not_enrolled"
    assert "您不是零距离工作室第3期的学员" in exc.value.message
    assert "您报名的是零距离工作室第4期" in exc.value.message
    assert not Attendance.objects.exists()


def test_cancelled_session_refuses_checkin(cohort, session, make_person, town_admin):
    user, _ = _student(make_person, cohort, town_admin, "stu6")
    services.cancel_session(town_admin, session, "停课")
    with pytest.raises(ServiceError) as exc:
        services.check_in(user, session, now=_at(session, 14, 0))
    assert exc.value.code == "cancelled"


def test_tampered_token_is_refused(session):
    token = services.checkin_token(session)
    assert services.session_from_token(token) == session
    with pytest.raises(ServiceError) as exc:
        services.session_from_token(token[:-2] + "xx")
    assert exc.value.code == "bad_token"


def _live_session(cohort):
    """A session today whose check-in window is open now."""
    now = timezone.localtime()
    start = max(now - dt.timedelta(minutes=5), now.replace(hour=0, minute=0, second=0, microsecond=0))
    return Session.objects.create(cohort=cohort, date=now.date(), start_time=start.time().replace(microsecond=0),
                                  end_time=dt.time(23, 59, 59), topic="社区治理")


def test_scan_page_marks_student_present(cohort, make_person, town_admin, login):
    user, person = _student(make_person, cohort, town_admin, "stu7")
    s = _live_session(cohort)
    url = reverse("training:checkin", args=[services.checkin_token(s)])
    client = login(user)
    page = client.get(url)
    assert page.status_code == 200 and "我已到场，签到" in page.content.decode()
    done = client.post(url)
    assert "签到成功：出勤" in done.content.decode()
    assert Attendance.objects.get(session=s, person=person).status == "present"


def test_scan_page_refuses_student_of_another_cohort(cohort, make_cohort, make_person, town_admin, login):
    user, _ = _student(make_person, make_cohort(number=4), town_admin, "stu8")
    s = _live_session(cohort)
    url = reverse("training:checkin", args=[services.checkin_token(s)])
    shown = login(user).get(url)  # refused before the student taps
    assert shown.status_code == 403 and "签到</button>" not in shown.content.decode()
    r = login(user).post(url)
    assert r.status_code == 403
    assert "您不是零距离工作室第3期的学员" in r.content.decode()
    assert not Attendance.objects.exists()


def test_scan_page_needs_login(cohort, client):
    s = _live_session(cohort)
    r = client.get(reverse("training:checkin", args=[services.checkin_token(s)]))
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_qr_page_shows_code_for_staff_only(cohort, login, instructor, sw_lv11):
    s = cohort.sessions.first()
    r = login(instructor).get(reverse("training:session_qr", args=[s.pk]))
    assert r.status_code == 200 and "data:image/svg+xml" in r.content.decode()
    assert login(sw_lv11).get(reverse("training:session_qr", args=[s.pk])).status_code == 403
