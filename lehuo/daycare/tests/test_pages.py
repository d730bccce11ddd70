"""Pages: each for a persona that may and one that may not."""

import datetime as dt

import pytest
from django.urls import reverse

from lehuo.daycare import services_running
from lehuo.daycare.models import Arrival, ChecklistCheck, Child, Course, Enrolment, StaffMember
from lehuo.platform.models import AuditLog

from .conftest import TERM_START, staff_actor, staff_enrol  # noqa: I001,F401

pytestmark = pytest.mark.django_db


def _enrolled(make_child, offering, parent_person=None, **kw):
    child = make_child(parent_person, **kw) if parent_person else make_child(**kw)
    guardian = child.person.guardian_links.get().guardian
    return staff_enrol(offering, child, guardian)


# --- residents ---------------------------------------------------------------------------

def test_parent_home_lists_children_and_enrolments(login, parent, parent_person, make_child, offering):
    e = _enrolled(make_child, offering, parent_person)
    r = login(parent).get(reverse("daycare:my"))
    assert r.status_code == 200
    assert e.child.person.name in r.content.decode()


def test_outsider_without_person_gets_403_on_resident_pages(login, outsider):
    assert login(outsider).get(reverse("daycare:my")).status_code == 403
    assert login(outsider).get(reverse("daycare:my_offerings")).status_code == 403


def test_anonymous_is_sent_to_login(client):
    r = client.get(reverse("daycare:my"))
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_parent_links_child_with_consent(login, parent, parent_person):
    born = dt.date.today() - dt.timedelta(days=8 * 366)
    r = login(parent).post(reverse("daycare:my_child_add"), {
        "name": "王小明", "birth_date": born.isoformat(), "school": "新泾镇第一小学", "grade": "2",
        "relation": "mother", "consent": "on"})
    assert r.status_code == 302, r.content.decode()
    assert Child.objects.get().person.guardian_links.get().guardian == parent_person


def test_link_child_grade_7_shows_error_on_field(login, parent):
    born = dt.date.today() - dt.timedelta(days=12 * 366)
    r = login(parent).post(reverse("daycare:my_child_add"), {
        "name": "王小明", "birth_date": born.isoformat(), "school": "新泾中学", "grade": "7",
        "relation": "mother", "consent": "on"})
    assert r.status_code == 200
    assert "1-5年级" in r.content.decode()
    assert not Child.objects.exists()


def test_offerings_page_shows_places_left(login, parent, parent_person, offering):
    r = login(parent).get(reverse("daycare:my_offerings"))
    assert "剩余 35 个名额" in r.content.decode()


def test_parent_enrols_and_sees_confirmed_result(login, parent, parent_person, make_child, offering):
    child = make_child(parent_person)
    c = login(parent)
    r = c.post(reverse("daycare:my_enrol", args=[offering.pk]), {"child": child.pk, "key": "abc"})
    e = Enrolment.objects.get()
    assert r["Location"] == reverse("daycare:my_enrolment", args=[e.pk])
    assert "报名成功" in c.get(r["Location"]).content.decode()


def test_double_submit_gives_the_same_enrolment(login, parent, parent_person, make_child, offering):
    child = make_child(parent_person)
    c = login(parent)
    url = reverse("daycare:my_enrol", args=[offering.pk])
    first = c.post(url, {"child": child.pk, "key": "same"})
    second = c.post(url, {"child": child.pk, "key": "same"})
    assert first["Location"] == second["Location"]
    assert Enrolment.objects.count() == 1


def test_full_offering_shows_waiting_list_position(login, parent, parent_person, make_child, offering):
    offering.capacity = 1
    offering.save()
    _enrolled(make_child, offering)
    child = make_child(parent_person)
    c = login(parent)
    r = c.post(reverse("daycare:my_enrol", args=[offering.pk]), {"child": child.pk, "key": "k"}, follow=True)
    body = r.content.decode()
    assert "名额已满" in body and "候补第 1 号" in body


def test_busy_page_answers_503(login, parent, parent_person, make_child, offering, monkeypatch):
    from django.db import OperationalError

    def boom(*a, **k):
        raise OperationalError("database is locked")

    monkeypatch.setattr("lehuo.daycare.services.places._write", boom)
    child = make_child(parent_person)
    r = login(parent).post(reverse("daycare:my_enrol", args=[offering.pk]), {"child": child.pk, "key": "k"})
    assert r.status_code == 503
    assert "系统繁忙，请稍后重试" in r.content.decode()


def test_refused_page_for_second_enrolment_in_term(login, parent, parent_person, make_child, offering,
                                                   other_offering):
    e = _enrolled(make_child, offering, parent_person)
    r = login(parent).post(reverse("daycare:my_enrol", args=[other_offering.pk]), {"child": e.child.pk, "key": "k2"})
    assert r.status_code == 400
    assert "同一期只能报一个班" in r.content.decode()


def test_parent_cannot_see_another_familys_result(login, parent, make_child, offering):
    e = _enrolled(make_child, offering)
    assert login(parent).get(reverse("daycare:my_enrolment", args=[e.pk])).status_code == 404


# --- staff -------------------------------------------------------------------------------

def test_programme_for_site_head_lists_only_assigned_site(login, assigned_site_head, offering, other_offering):
    body = login(assigned_site_head).get(reverse("daycare:index")).content.decode()
    assert offering.site.name in body and other_offering.site.name not in body


def test_parent_is_redirected_from_staff_index(login, parent):
    assert login(parent).get(reverse("daycare:index"))["Location"] == reverse("daycare:my")


def test_offering_page_shows_waiting_list_to_site_head(login, assigned_site_head, make_child, offering):
    offering.capacity = 1
    offering.save()
    _enrolled(make_child, offering)
    w = _enrolled(make_child, offering)
    r = login(assigned_site_head).get(reverse("daycare:offering", args=[offering.pk]))
    assert r.status_code == 200
    assert w.child.person.name in r.content.decode()


def test_offering_page_404_for_other_site_and_for_viewer(login, assigned_site_head, viewer, other_offering, offering):
    assert login(assigned_site_head).get(reverse("daycare:offering", args=[other_offering.pk])).status_code == 404
    assert login(viewer).get(reverse("daycare:offering", args=[offering.pk])).status_code == 404


def test_offering_export_xlsx(login, town_admin, make_child, offering):
    _enrolled(make_child, offering)
    r = login(town_admin).get(reverse("daycare:offering", args=[offering.pk]) + "?export=xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")


def test_site_head_cancels_and_first_waiting_is_promoted(login, assigned_site_head, make_child, offering):
    offering.capacity = 1
    offering.save()
    a = _enrolled(make_child, offering)
    b = _enrolled(make_child, offering)
    login(assigned_site_head).post(reverse("daycare:enrolment_cancel", args=[a.pk]))
    assert Enrolment.objects.get(pk=b.pk).status == Enrolment.CONFIRMED


def test_social_worker_sees_site_but_cannot_cancel(login, sw_lv11, make_child, offering):
    a = _enrolled(make_child, offering)
    assert login(sw_lv11).get(reverse("daycare:offering", args=[offering.pk])).status_code == 200
    assert login(sw_lv11).post(reverse("daycare:enrolment_cancel", args=[a.pk])).status_code == 403


def test_attendance_records_temperature_and_pickup(login, assigned_site_head, make_child, offering):
    e = _enrolled(make_child, offering)
    url = reverse("daycare:attendance", args=[offering.pk])
    day = TERM_START.isoformat()
    r = login(assigned_site_head).post(url, {"enrolment": e.pk, "date": day, "present": "on",
                                             "temperature": "36.6", "picked_up_by": "王奶奶"})
    assert r.status_code == 302
    a = Arrival.objects.get()
    assert (str(a.temperature), a.picked_up_by) == ("36.6", "王奶奶")
    assert AuditLog.objects.filter(action="daycare.arrival").exists()
    assert "王奶奶" in login(assigned_site_head).get(url + f"?date={day}").content.decode()


def test_attendance_without_temperature_is_refused(login, assigned_site_head, make_child, offering):
    e = _enrolled(make_child, offering)
    login(assigned_site_head).post(reverse("daycare:attendance", args=[offering.pk]),
                                   {"enrolment": e.pk, "date": TERM_START.isoformat(), "present": "on"})
    assert not Arrival.objects.exists()


def test_attendance_page_404_for_other_site(login, assigned_site_head, other_offering):
    assert login(assigned_site_head).get(reverse("daycare:attendance", args=[other_offering.pk])).status_code == 404


def test_site_page_shows_ratio_warning_and_records_check(login, assigned_site_head, make_child, site, offering):
    for _ in range(6):
        _enrolled(make_child, offering)
    c = login(assigned_site_head)
    body = c.get(reverse("daycare:site", args=[site.pk])).content.decode()
    assert "看护人员不足" in body and "安保人员不足" in body
    c.post(reverse("daycare:site_check", args=[site.pk]), {"area": "site", "item": "教室通风消毒", "ok": "1"})
    check = ChecklistCheck.objects.get()
    assert (check.checked_by, check.item) == (assigned_site_head, "教室通风消毒")


def test_roster_meeting_the_rules_has_no_warning(make_child, site, offering):
    for _ in range(10):
        _enrolled(make_child, offering)
    for role, n in (("head_teacher", 1), ("volunteer", 3), ("security", 2)):
        StaffMember.objects.bulk_create(StaffMember(site=site, name=f"{role}{i}", role=role) for i in range(n))
    assert services_running.roster_warnings(offering) == []


def test_site_page_404_for_unassigned_site_head(login, site_head, site):
    assert login(site_head).get(reverse("daycare:site", args=[site.pk])).status_code == 404


def test_staff_add_refused_for_social_worker(login, sw_lv11, site):
    r = login(sw_lv11).post(reverse("daycare:site_staff", args=[site.pk]), {"name": "张三", "role": "volunteer"})
    assert r.status_code == 403
    assert not StaffMember.objects.exists()


def test_town_admin_adds_course_to_catalogue(login, town_admin, site):
    r = login(town_admin).post(reverse("daycare:courses") + "?year=2021",
                               {"name": "爱国教育", "category": "de", "description": ""})
    assert r.status_code == 302
    assert "爱国教育" in login(town_admin).get(reverse("daycare:courses")).content.decode()


def test_site_head_cannot_add_course(login, assigned_site_head, site):
    r = login(assigned_site_head).post(reverse("daycare:courses"), {"name": "书法", "category": "mei"})
    assert r.status_code == 403
    assert not Course.objects.exists()


def test_timetable_and_closing_ceremony(login, assigned_site_head, town_admin, offering):
    course = services_running.create_course(town_admin, offering.site.year, name="理财课程", category="zhi")
    c = login(assigned_site_head)
    c.post(reverse("daycare:offering_lesson", args=[offering.pk]),
           {"course": course.pk, "date": "2021-07-06", "starts_at": "09:00", "ends_at": "10:30", "teacher": "张老师"})
    c.post(reverse("daycare:offering_ceremony", args=[offering.pk]),
           {"kind": "closing", "held_on": "2021-07-23", "attendees": "40", "programme": "结业仪式"})
    body = c.get(reverse("daycare:offering", args=[offering.pk])).content.decode()
    assert "理财课程" in body and "结业仪式" in body


def test_stats_page_for_town_admin_and_403_for_parent(login, town_admin, parent, make_child, offering):
    _enrolled(make_child, offering)
    body = login(town_admin).get(reverse("daycare:stats")).content.decode()
    assert "2.9%" in body  # 1 of 35
    assert login(parent).get(reverse("daycare:stats")).status_code == 403


def test_site_head_does_not_reach_enrolled_families_in_the_register(assigned_site_head, make_child, offering):
    """An enrolment at their site shows on the site's pages; it never widens what the site head
    sees of the people register (docs/security.md)."""
    from lehuo.people.models import Person

    mine = _enrolled(make_child, offering)
    visible = set(Person.objects.for_user(assigned_site_head).values_list("pk", flat=True))
    assert mine.child.person_id not in visible and mine.guardian_id not in visible


def test_offering_page_queries_do_not_grow_with_enrolments(login, town_admin, make_child, offering):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = login(town_admin)
    url = reverse("daycare:offering", args=[offering.pk])
    counts = []
    for n in (2, 8):
        while Enrolment.objects.count() < n:
            _enrolled(make_child, offering)
        with CaptureQueriesContext(connection) as q:
            assert c.get(url).status_code == 200
        counts.append(len(q.captured_queries))
    assert counts[0] == counts[1]


def test_staff_forms_show_every_error_beside_its_field_and_keep_what_was_typed(login, assigned_site_head, site,
                                                                                offering):
    """An incomplete form on the site or offering page comes back (400) with each field's error
    next to that field and the values as typed, not a redirect with one message."""
    c = login(assigned_site_head)
    r = c.post(reverse("daycare:site_check", args=[site.pk]), {"area": "", "item": "", "ok": "1", "note": "门窗"})
    assert r.status_code == 400 and not ChecklistCheck.objects.exists()
    form = r.context["check_form"]
    assert set(form.errors) == {"area", "item"}
    assert 'value="门窗"' in r.content.decode()
    r = c.post(reverse("daycare:offering_ceremony", args=[offering.pk]),
               {"kind": "closing", "held_on": "not a date", "attendees": "-3"})
    assert r.status_code == 400
    assert set(r.context["ceremony_form"].errors) == {"held_on", "attendees"}
    body = r.content.decode()
    assert body.count('class="errorlist') >= 2 and "结业仪式" in body


def test_a_refused_lesson_shows_the_services_reason_on_the_form(login, assigned_site_head, town_admin, offering):
    course = services_running.create_course(town_admin, offering.site.year, name="理财课程", category="zhi")
    c = login(assigned_site_head)
    r = c.post(reverse("daycare:offering_lesson", args=[offering.pk]),
               {"course": course.pk, "date": "2021-07-06", "starts_at": "10:30", "ends_at": "09:00"})
    assert r.status_code == 400
    assert r.context["lesson_form"].errors
    assert not offering.lessons.exists()
