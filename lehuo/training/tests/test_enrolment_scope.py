"""Finding 2 (issue 16): scope never grows by side effect. An instructor may enrol any resident
of the town into their own cohort (declared in lehuo/training/policy.py), and gains nothing of
that person's register record by it: not while the enrolment lasts, not after it is withdrawn,
and the cohort page never searches the register for them."""

import pytest

from lehuo.accounts.permissions import may
from lehuo.people.models import Person
from lehuo.training import services
from lehuo.training.models import Enrolment

pytestmark = pytest.mark.django_db


def _register_closed(api, login, instructor, person):
    assert api(instructor).get(f"/api/v1/people/{person.pk}").status_code == 404
    assert api(instructor).patch(f"/api/v1/people/{person.pk}", {"name": "改名"}).status_code == 404
    assert api(instructor).get(f"/api/v1/people/{person.pk}/training").status_code == 404
    assert login(instructor).get(f"/training/people/{person.pk}/").status_code == 404
    assert login(instructor).get(f"/people/{person.pk}/").status_code in (403, 404)
    assert not Person.objects.for_user(instructor).filter(pk=person.pk).exists()
    assert not may(instructor, "people.person.view", person)


def test_instructor_enrolling_anyone_gains_no_register_access(api, login, cohort, make_person, instructor, hj9):
    person = make_person(hj9, name="钱多多")
    assert may(instructor, "training.enrolment.person", person)  # who may be enrolled: declared
    r = api(instructor).post(f"/api/v1/cohorts/{cohort.pk}/enrolments", {"person_id": person.pk})
    assert r.status_code == 201, r.content
    _register_closed(api, login, instructor, person)
    enrolment = Enrolment.objects.get(cohort=cohort, person=person)
    services.withdraw(instructor, enrolment)
    _register_closed(api, login, instructor, person)


def test_cohort_page_does_not_search_the_register_for_programme_staff(login, cohort, make_person, instructor, hj9,
                                                                      town_admin):
    make_person(hj9, name="孙悟空")
    body = login(instructor).get(f"/training/cohorts/{cohort.pk}/", {"q": "孙悟空"}).content.decode()
    assert "孙悟空" not in body.replace('value="孙悟空"', "")
    assert "报名不会让培训班工作人员看到学员的人员信息" in body
    # The town admin, who reads the register, finds and enrols them from the same page.
    admin_body = login(town_admin).get(f"/training/cohorts/{cohort.pk}/", {"q": "孙悟空"}).content.decode()
    assert admin_body.count("孙悟空") >= 2


def test_unassigned_instructor_cannot_enrol(api, cohort, make_person, blood_staff):
    person = make_person()
    r = api(blood_staff).post(f"/api/v1/cohorts/{cohort.pk}/enrolments", {"person_id": person.pk})
    assert r.status_code == 404
    assert not Enrolment.objects.exists()


def test_social_worker_opening_a_session_is_told_only_the_instructor_records(login, cohort, sw_lv11):
    session = cohort.sessions.first()
    body = login(sw_lv11).get(f"/training/sessions/{session.pk}/").content.decode()
    assert "只有本班讲师（或镇管理员）可以记录考勤" in body
    assert 'class="attendance-form"' not in body
