import datetime as dt

import pytest

from lehuo.training import services
from lehuo.training.models import Attendance, Cohort, HolidayOverride, Session

pytestmark = pytest.mark.django_db


def test_index_lists_cohorts(login, cohort, town_admin, sw_lv11):
    body = login(town_admin).get("/training/").content.decode()
    assert "零距离工作室第3期" in body and "育人才 强自治 创特色" in body and "开设培训班" in body
    assert "开设培训班" not in login(sw_lv11).get("/training/").content.decode()


def test_create_cohort_through_the_form(login, programme, town_admin, instructor):
    r = login(town_admin).post("/training/cohorts/new/", {
        "programme": programme.pk, "number": 5, "starts_on": "2021-08-10", "ends_on": "2022-02-09",
        "weekdays": ["2", "5"], "start_time": "14:00", "end_time": "16:00", "instructor": instructor.pk})
    assert r.status_code == 302, r.content.decode()
    cohort = Cohort.objects.get(number=5)
    assert cohort.sessions.count() == 48


@pytest.mark.parametrize("changes, text", [
    ({"ends_on": "2021-08-01"}, "早于开始日期"),
    ({"weekdays": []}, "请至少选择一个上课日"),
    ({"weekdays": ["8"]}, "8"),
    ({"ends_on": "2024-01-01"}, "两年"),
])
def test_create_form_shows_clear_errors(login, programme, town_admin, changes, text):
    data = {"programme": programme.pk, "number": 5, "starts_on": "2021-08-10", "ends_on": "2022-02-09",
            "weekdays": ["2", "5"], "start_time": "14:00", "end_time": "16:00", **changes}
    r = login(town_admin).post("/training/cohorts/new/", data)
    assert r.status_code == 200
    assert text in r.content.decode()
    assert not Cohort.objects.exists()


def test_cohort_page_shows_calendar_and_skipped_holidays(login, make_cohort, instructor):
    cohort = make_cohort(number=3, starts_on=dt.date(2021, 9, 14), ends_on=dt.date(2021, 10, 8), instructor=instructor)
    body = login(instructor).get(f"/training/cohorts/{cohort.pk}/").content.decode()
    assert "2021-09-21（中秋节）" in body and "2021-10-01（国庆节）" in body
    assert "签到码" in body


def test_attendance_form_saves(login, cohort, make_person, town_admin, instructor):
    p = make_person()
    services.enrol(town_admin, cohort, p)
    s = cohort.sessions.first()
    r = login(instructor).post(f"/training/sessions/{s.pk}/", {f"status-{p.pk}": "excused", f"note-{p.pk}": "病假"})
    assert r.status_code == 302
    assert Attendance.objects.get(session=s, person=p).note == "病假"


def test_move_and_cancel_pages(login, cohort, town_admin):
    s1, s2 = list(cohort.sessions.all()[:2])
    c = login(town_admin)
    assert c.post(f"/training/sessions/{s1.pk}/edit/", {"action": "move", "date": "2021-08-11", "reason": "场地占用"}).status_code == 302
    r = c.post(f"/training/sessions/{s2.pk}/edit/", {"action": "cancel", "reason": ""})
    assert r.status_code == 200 and "必填" in r.content.decode()
    c.post(f"/training/sessions/{s2.pk}/edit/", {"action": "cancel", "reason": "台风"})
    assert Session.objects.get(pk=s1.pk).date == dt.date(2021, 8, 11)
    assert Session.objects.get(pk=s2.pk).status == Session.CANCELLED


def test_stats_page(login, cohort, town_admin):
    body = login(town_admin).get(f"/training/cohorts/{cohort.pk}/stats/").content.decode()
    assert "总出勤率" in body and "导出学员出勤 Excel" in body


def test_holiday_override_page_for_town_admin_only(login, town_admin, sw_lv11):
    c = login(town_admin)
    r = c.post("/training/holidays/", {"date": "2027-10-01", "is_holiday": "on", "name": "国庆节"})
    assert r.status_code == 302
    assert HolidayOverride.objects.get(date=dt.date(2027, 10, 1)).name == "国庆节"
    assert "2027-10-01" in c.get("/training/holidays/").content.decode()
    assert login(sw_lv11).get("/training/holidays/").status_code == 403


def test_enrol_page_search_and_enrol(login, cohort, make_person, town_admin):
    p = make_person(name="欧阳娜娜")
    c = login(town_admin)
    assert "欧阳娜娜" in c.get(f"/training/cohorts/{cohort.pk}/?q=欧阳").content.decode()
    c.post(f"/training/cohorts/{cohort.pk}/enrol/", {"person_id": p.pk})
    assert cohort.enrolments.filter(person=p).exists()


def test_social_worker_cannot_open_other_neighbourhoods_record(login, cohort, make_person, sw_lv11, hj9):
    other = make_person(hj9)
    assert login(sw_lv11).get(f"/training/people/{other.pk}/").status_code == 404


@pytest.mark.parametrize("url", ["/training/sessions/{session}/", "/training/cohorts/{cohort}/",
                                 "/training/cohorts/{cohort}/stats/"])
def test_page_queries_do_not_grow_with_the_class(login, cohort, make_person, town_admin, instructor, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    session = cohort.sessions.first()
    client = login(instructor)
    path = url.format(session=session.pk, cohort=cohort.pk)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        return len(ctx.captured_queries)

    def add(n):
        people = [make_person() for _ in range(n)]
        for p in people:
            services.enrol(town_admin, cohort, p)
        services.record_attendance(town_admin, session, [{"person_id": p.pk, "status": "present"} for p in people])

    add(2)
    small = count()
    add(8)
    assert count() == small


def test_holiday_override_table_through_the_service(login, town_admin, instructor):
    from lehuo.platform.models import AuditLog
    from lehuo.training.models import HolidayOverride

    assert login(instructor).get("/training/holidays/").status_code == 403
    client = login(town_admin)
    r = client.post("/training/holidays/", {"date": "2030-10-01", "is_holiday": "on", "name": "国庆节"})
    assert r.status_code == 302 and HolidayOverride.objects.filter(name="国庆节").exists()
    again = client.post("/training/holidays/", {"date": "2030-10-01", "is_holiday": "on", "name": "国庆节"})
    assert again.status_code == 200 and HolidayOverride.objects.count() == 1
    row = HolidayOverride.objects.get()
    assert client.post("/training/holidays/", {"delete": row.pk}).status_code == 302
    assert not HolidayOverride.objects.exists()
    assert list(AuditLog.objects.filter(action__startswith="calendar.override").values_list("action", flat=True)
                .order_by("id")) == ["calendar.override.add", "calendar.override.delete"]
