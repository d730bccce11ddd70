import datetime as dt

import pytest

from lehuo.training import services
from lehuo.training.models import Attendance, Cohort, Enrolment, Session

pytestmark = pytest.mark.django_db


def _body(programme, **changes):
    body = {"programme": programme.pk, "number": 3, "starts_on": "2021-08-10", "ends_on": "2022-02-09",
            "weekdays": [2, 5], "capacity": 40, "slug": "xinjing-studio-3"}
    body.update(changes)
    return body


def test_create_cohort_generates_sessions(api, programme, town_admin, instructor):
    r = api(town_admin).post("/api/v1/cohorts", _body(programme, instructor_id=instructor.pk))
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["sessions_created"] == 48
    assert [s["date"] for s in body["skipped_holidays"]] == ["2021-09-21", "2021-10-01", "2021-10-05",
                                                              "2022-02-01", "2022-02-04"]
    assert body["weekdays"] == [2, 5] and body["instructor_id"] == instructor.pk
    sessions = api(instructor).get(f"/api/v1/cohorts/{body['id']}/sessions").json()
    assert sessions["count"] == 48
    assert sessions["items"][0] == {**sessions["items"][0], "date": "2021-08-10", "status": "scheduled"}


@pytest.mark.parametrize("changes, loc, text", [
    ({"starts_on": "2021-09-01", "ends_on": "2021-08-01"}, "ends_on", "早于开始日期"),
    ({"weekdays": []}, "weekdays", "至少选择一个上课日"),
    ({"weekdays": [2, 8]}, "weekdays", "1-7"),
    ({"starts_on": "2021-01-01", "ends_on": "2023-06-30"}, "ends_on", "两年"),
    ({"end_time": "13:00:00"}, "end_time", "下课时间"),
])
def test_bad_schedule_answers_400_naming_the_field(api, programme, town_admin, changes, loc, text):
    r = api(town_admin).post("/api/v1/cohorts", _body(programme, **changes))
    assert r.status_code == 400, r.content
    assert r.json()["detail"][0]["loc"] == [loc]
    assert text in r.json()["message"]
    assert not Cohort.objects.exists()


def test_malformed_input_answers_422(api, programme, town_admin):
    r = api(town_admin).post("/api/v1/cohorts", _body(programme, weekdays="周二", starts_on="2021-13-01"))
    assert r.status_code == 422
    assert {"weekdays", "starts_on"} <= {d["loc"][0] for d in r.json()["detail"]}


def test_only_town_admin_creates_cohorts(api, programme, sw_lv11, instructor):
    assert api(sw_lv11).post("/api/v1/cohorts", _body(programme)).status_code == 403
    assert api(instructor).post("/api/v1/cohorts", _body(programme)).status_code == 403


def test_enrol_over_api_is_idempotent_and_capacity_checked(api, make_cohort, make_person, town_admin):
    cohort = make_cohort(capacity=1)
    a, b = make_person(), make_person()
    client = api(town_admin)
    first = client.post(f"/api/v1/cohorts/{cohort.pk}/enrolments", {"person_id": a.pk}, headers={"Idempotency-Key": "k1"})
    again = client.post(f"/api/v1/cohorts/{cohort.pk}/enrolments", {"person_id": a.pk}, headers={"Idempotency-Key": "k1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    full = client.post(f"/api/v1/cohorts/{cohort.pk}/enrolments", {"person_id": b.pk})
    assert full.status_code == 400 and "名额已满" in full.json()["message"]
    assert Enrolment.objects.count() == 1
    assert client.post(f"/api/v1/cohorts/{cohort.pk}/enrolments", {"person_id": 999999}).json()["detail"][0]["loc"] == ["person_id"]


def test_put_attendance(api, cohort, make_person, town_admin, instructor):
    p1, p2 = make_person(), make_person()
    for p in (p1, p2):
        api(town_admin).post(f"/api/v1/cohorts/{cohort.pk}/enrolments", {"person_id": p.pk})
    session = cohort.sessions.get(date=dt.date(2021, 8, 13))
    r = api(instructor).put(f"/api/v1/sessions/{session.pk}/attendance",
                            [{"person_id": p1.pk, "status": "present"}, {"person_id": p2.pk, "status": "excused", "note": "病假"}])
    assert r.status_code == 200, r.content
    assert [(a["status"], a["note"]) for a in r.json()] == [("present", ""), ("excused", "病假")]
    r = api(instructor).put(f"/api/v1/sessions/{session.pk}/attendance", [{"person_id": p2.pk, "status": "late"}])
    assert Attendance.objects.get(person=p2).status == "late"
    assert Session.objects.get(pk=session.pk).status == "held"
    bad = api(instructor).put(f"/api/v1/sessions/{session.pk}/attendance", [{"person_id": p1.pk, "status": "here"}])
    assert bad.status_code == 400 and bad.json()["detail"][0]["loc"] == ["0.status"]


def test_stats(api, cohort, make_person, town_admin, instructor, hj9):
    people = [make_person(), make_person(), make_person(hj9)]
    for p in people:
        api(town_admin).post(f"/api/v1/cohorts/{cohort.pk}/enrolments", {"person_id": p.pk})
    for day, statuses in [(dt.date(2021, 8, 10), ["present", "late", "absent"]),
                          (dt.date(2021, 8, 13), ["present", "excused", "present"])]:
        s = cohort.sessions.get(date=day)
        api(instructor).put(f"/api/v1/sessions/{s.pk}/attendance",
                            [{"person_id": p.pk, "status": st} for p, st in zip(people, statuses, strict=True)])
    stats = api(instructor).get(f"/api/v1/cohorts/{cohort.pk}/stats").json()
    assert stats["enrolled"] == 3 and stats["sessions_held"] == 2
    assert stats["attendance_rate"] == "0.667"  # 4 of 6
    assert stats["by_neighbourhood"] == [{"neighbourhood": "绿十一", "enrolled": 2}, {"neighbourhood": "虹九", "enrolled": 1}]
    per_session = {s["date"]: s["rate"] for s in stats["per_session"] if s["rate"]}
    assert per_session == {"2021-08-10": "0.667", "2021-08-13": "0.667"}
    rates = {p["person_id"]: (p["rate"], p["hours"], p["completed"]) for p in stats["per_person"]}
    assert rates[people[0].pk] == ("1.000", "4.0", True)
    assert rates[people[1].pk] == ("0.500", "2.0", False)


def test_list_endpoint_query_count_does_not_grow(api, make_cohort, town_admin, django_assert_max_num_queries):
    for n in range(1, 4):
        make_cohort(number=n)
    client = api(town_admin)
    with django_assert_max_num_queries(8):
        r = client.get("/api/v1/cohorts")
    assert r.json()["count"] == 3


def test_move_cancel_and_regenerate_over_api(api, cohort, town_admin, sw_lv11):
    s1, s2 = list(cohort.sessions.all()[:2])
    client = api(town_admin)
    r = client.post(f"/api/v1/sessions/{s1.pk}/move", {"date": "2021-08-11", "reason": "场地占用"})
    assert r.status_code == 200 and r.json()["planned_date"] == "2021-08-10" and r.json()["status"] == "moved"
    r = client.post(f"/api/v1/sessions/{s2.pk}/cancel", {"reason": ""})
    assert r.status_code == 400 and r.json()["detail"][0]["loc"] == ["reason"]
    assert client.post(f"/api/v1/sessions/{s2.pk}/cancel", {"reason": "台风"}).json()["status"] == "cancelled"
    r = client.post(f"/api/v1/cohorts/{cohort.pk}/regenerate")
    assert r.status_code == 200 and r.json()["created"] == 0
    assert api(sw_lv11).post(f"/api/v1/cohorts/{cohort.pk}/regenerate").status_code == 403


def test_person_training_record_over_api(api, cohort, make_person, town_admin, instructor, sw_hj9):
    p = make_person()
    services.enrol(town_admin, cohort, p)
    services.record_attendance(instructor, cohort.sessions.first(), [{"person_id": p.pk, "status": "present"}])
    rows = api(town_admin).get(f"/api/v1/people/{p.pk}/training").json()
    assert rows[0] == {**rows[0], "cohort": "零距离工作室第3期", "hours": "2.0", "rate": "100.0%", "year": 2021}
    assert api(sw_hj9).get(f"/api/v1/people/{p.pk}/training").status_code == 404
    # The instructor sees the student on the cohort's pages, not in the register (docs/security.md).
    assert api(instructor).get(f"/api/v1/people/{p.pk}/training").status_code == 404


def test_patch_schedule_keeps_attendance(api, cohort, make_person, town_admin, instructor):
    p = make_person()
    services.enrol(town_admin, cohort, p)
    friday = cohort.sessions.get(date=dt.date(2021, 8, 13))
    services.record_attendance(instructor, friday, [{"person_id": p.pk, "status": "present"}])
    r = api(instructor).patch(f"/api/v1/cohorts/{cohort.pk}", {"weekdays": [2]})
    assert r.status_code == 200, r.content
    assert r.json()["weekdays"] == [2]
    dates = [s["date"] for s in api(instructor).get(f"/api/v1/cohorts/{cohort.pk}/sessions").json()["items"]]
    assert "2021-08-13" in dates and "2021-08-20" not in dates
    assert Attendance.objects.get(session=friday).status == "present"
    bad = api(instructor).patch(f"/api/v1/cohorts/{cohort.pk}", {"weekdays": [8]})
    assert bad.status_code == 400 and bad.json()["detail"][0]["loc"] == ["weekdays"]
