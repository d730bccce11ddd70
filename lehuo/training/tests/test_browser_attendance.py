import pytest

from conftest import PHONE_VIEWPORT, browser_login
from lehuo.training import services
from lehuo.training.models import Attendance

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_instructor_takes_attendance_on_a_phone(browser, live_server, cohort, make_person, town_admin, instructor, hj9):
    people = [make_person(name="李明华"), make_person(name="王芳"), make_person(hj9, name="陈建国")]
    for p in people:
        services.enrol(town_admin, cohort, p)
    session = cohort.sessions.first()
    page = browser_login(browser, live_server, "instructor", "pw-instructor", viewport=PHONE_VIEWPORT)
    page.goto(f"{live_server.url}/training/sessions/{session.pk}/")
    assert "零距离工作室第3期" in page.locator("h1").inner_text()
    # Nothing wider than the phone: no sideways scrolling in class.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.locator(f'li[data-person="{people[1].pk}"]').get_by_text("迟到", exact=True).click()
    page.get_by_text("未记录的全部标为出勤").click()  # fills the rows still empty, keeps "late"
    third = page.locator(f'li[data-person="{people[2].pk}"]')
    assert third.locator('input[value="present"]').is_checked()
    third.get_by_text("请假", exact=True).click()
    third.locator("input.roll-note").fill("居民区值班")
    box = page.locator("#save-attendance").bounding_box()
    assert box["width"] > 300 and box["height"] >= 44  # a thumb-sized button
    page.click("#save-attendance")
    page.wait_for_load_state("networkidle")
    assert "已保存 3 人的考勤" in page.content()
    page.screenshot(path="/tmp/lehuo-training-attendance.png", full_page=True)
    got = {a.person_id: (a.status, a.note) for a in Attendance.objects.filter(session=session)}
    assert got == {people[0].pk: ("present", ""), people[1].pk: ("late", ""), people[2].pk: ("excused", "居民区值班")}
    # the saved choices are shown checked when the page is opened again
    assert page.locator(f'input[name="status-{people[1].pk}"][value="late"]').is_checked()


def test_session_links_are_touch_targets_and_a_social_worker_is_told_who_records(browser, live_server, cohort,
                                                                                  make_person, town_admin, instructor,
                                                                                  sw_lv11):
    """Issue 14 point 2: on a phone the 考勤 links of the session table, the roster's links and
    退出 are at least 44 x 44 px; a social worker opening a session is told that only the
    instructor records attendance."""
    services.enrol(town_admin, cohort, make_person(name="李明华"))
    page = browser_login(browser, live_server, "admin", "pw-admin", viewport=PHONE_VIEWPORT)
    page.goto(f"{live_server.url}/training/cohorts/{cohort.pk}/")
    targets = page.locator("table.sessions a.touch, table a.touch, button.touch")
    assert targets.count() > 10
    small = []
    for i in range(targets.count()):
        box = targets.nth(i).bounding_box()
        if box and (box["width"] < 44 or box["height"] < 44):
            small.append((targets.nth(i).inner_text(), box["width"], box["height"]))
    assert small == []
    session = cohort.sessions.first()
    sw = browser_login(browser, live_server, "sw_lv11", "pw-sw_lv11", viewport=PHONE_VIEWPORT)
    sw.goto(f"{live_server.url}/training/sessions/{session.pk}/")
    assert "只有本班讲师（或镇管理员）可以记录考勤" in sw.locator("#attendance-readonly").inner_text()
    assert sw.locator("#save-attendance").count() == 0
