import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType

from lehuo.accounts.models import PROGRAMME_STAFF, Assignment, Membership
from lehuo.people.models import Person
from lehuo.training import services
from lehuo.training.models import Cohort

pytestmark = pytest.mark.django_db


@pytest.fixture
def roll(cohort, make_person, town_admin, instructor, lv11, hj9):
    mine = make_person(lv11, tags=["社工"])
    theirs = make_person(hj9, tags=["社工"])
    for p in (mine, theirs):
        services.enrol(town_admin, cohort, p)
    session = cohort.sessions.get(date=dt.date(2021, 8, 10))
    services.record_attendance(instructor, session, [{"person_id": mine.pk, "status": "present"},
                                                     {"person_id": theirs.pk, "status": "absent"}])
    return {"mine": mine, "theirs": theirs, "session": session}


def _ids(response):
    assert response.status_code == 200, response.content
    return sorted(row["person_id"] for row in response.json()["items"])


def test_social_worker_sees_attendance_of_own_neighbourhood_only(api, cohort, roll, sw_lv11):
    r = api(sw_lv11).get(f"/api/v1/sessions/{roll['session'].pk}/attendance")
    assert _ids(r) == [roll["mine"].pk]
    stats = api(sw_lv11).get(f"/api/v1/cohorts/{cohort.pk}/stats").json()
    assert [p["person_id"] for p in stats["per_person"]] == [roll["mine"].pk]
    assert stats["by_neighbourhood"] == [{"neighbourhood": "绿十一", "enrolled": 1}]
    assert _ids(api(sw_lv11).get(f"/api/v1/cohorts/{cohort.pk}/enrolments")) == [roll["mine"].pk]


def test_social_worker_who_is_programme_staff_of_cohort_sees_everyone(api, cohort, roll, sw_lv11, town_admin, town):
    services.assign_staff(town_admin, cohort, sw_lv11, duty="助教")
    assert Membership.objects.filter(user=sw_lv11, role=PROGRAMME_STAFF).exists()
    r = api(sw_lv11).get(f"/api/v1/sessions/{roll['session'].pk}/attendance")
    assert _ids(r) == sorted([roll["mine"].pk, roll["theirs"].pk])


def test_programme_staff_of_another_cohort_does_not_see_these_students(api, cohort, roll, make_cohort, sw_lv11, town_admin):
    other = make_cohort(number=7)
    services.assign_staff(town_admin, other, sw_lv11)
    r = api(sw_lv11).get(f"/api/v1/sessions/{roll['session'].pk}/attendance")
    assert _ids(r) == [roll["mine"].pk]


def test_instructor_sees_students_of_assigned_cohort(api, cohort, roll, instructor):
    assert _ids(api(instructor).get(f"/api/v1/sessions/{roll['session'].pk}/attendance")) == sorted(
        [roll["mine"].pk, roll["theirs"].pk])
    # ... but not in the register: scope never grows from an enrolment (docs/security.md)
    assert api(instructor).get("/api/v1/people").status_code == 403
    assert api(instructor).get(f"/api/v1/people/{roll['mine'].pk}").status_code == 404
    assert not Person.objects.for_user(instructor).exists()


def test_unassigned_instructor_gets_404(api, cohort, roll, blood_staff):
    assert api(blood_staff).get(f"/api/v1/cohorts/{cohort.pk}").status_code == 404
    assert api(blood_staff).get(f"/api/v1/sessions/{roll['session'].pk}/attendance").status_code == 404
    assert api(blood_staff).get("/api/v1/cohorts").json()["items"] == []
    assert not Person.objects.for_user(blood_staff).exists()


def test_instructor_is_assigned_through_core_assignment(cohort, instructor):
    ct = ContentType.objects.get_for_model(Cohort)
    assert Assignment.objects.filter(user=instructor, content_type=ct, object_id=cohort.pk, duty="讲师").exists()


def test_social_worker_cannot_record_attendance(api, cohort, roll, sw_lv11):
    r = api(sw_lv11).put(f"/api/v1/sessions/{roll['session'].pk}/attendance",
                         [{"person_id": roll["mine"].pk, "status": "late"}])
    assert r.status_code == 403


def test_social_worker_attendance_page_lists_own_people_only(login, cohort, roll, sw_lv11):
    body = login(sw_lv11).get(f"/training/sessions/{roll['session'].pk}/").content.decode()
    assert roll["mine"].name in body and roll["theirs"].name not in body


def test_outsider_and_anonymous_are_kept_out(login, client, api, cohort, outsider):
    assert login(outsider).get("/training/").status_code == 403
    assert client.get("/training/").status_code == 302
    assert api(None).get("/api/v1/cohorts").status_code == 401
    assert api(outsider).get("/api/v1/cohorts").status_code == 403
