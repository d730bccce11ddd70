"""axe-core (npm) on the main pages, as the roles that use them: no serious or critical
violations (issue 14, "Show")."""

import pytest

from conftest import PHONE_VIEWPORT
from lehuo.daycare.tests.conftest import staff_enrol
from lehuo.training import services as training

from .conftest import axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _run(page, path: str, found: dict) -> None:
    page.goto(page.base + path)
    page.wait_for_load_state("networkidle")
    violations = axe(page)
    if violations:
        found[path] = violations


def test_main_pages_have_no_serious_or_critical_violations(open_as, browser, live_server, town_admin, make_person,
                                                           cohort, drive, issue, assigned_site_head, offering,
                                                           make_child, blood_staff, editor):
    person = make_person(name="李明华")
    training.enrol(town_admin, cohort, person)
    child = make_child(name="周小宝")
    staff_enrol(offering, child)
    session = cohort.sessions.order_by("date").first()
    found: dict = {}

    anonymous = browser.new_context(bypass_csp=True)
    try:
        login = anonymous.new_page()
        login.base = live_server.url
        _run(login, "/accounts/login/", found)
    finally:
        anonymous.close()

    admin = open_as("admin")
    for path in ("/workbench/", "/people/", f"/people/{person.pk}/", "/people/import/", "/people/export-full/",
                 "/newsletter/dashboard/", "/audit/"):
        _run(admin, path, found)
    instructor = open_as("instructor", viewport=PHONE_VIEWPORT)
    for path in (f"/training/cohorts/{cohort.pk}/", f"/training/sessions/{session.pk}/"):
        _run(instructor, path, found)
    staff = open_as("blood_staff")
    for path in (f"/blood/{drive.slug}/", f"/blood/{drive.slug}/signups/", f"/blood/{drive.slug}/onsite/",
                 "/audit/"):  # the last: the 403 page
        _run(staff, path, found)
    writer = open_as("editor")
    for path in ("/newsletter/", f"/newsletter/{issue.slug}/edit/", f"/newsletter/{issue.slug}/articles/new/"):
        _run(writer, path, found)
    head = open_as("site_head", viewport=PHONE_VIEWPORT)
    _run(head, f"/daycare/offerings/{offering.pk}/attendance/?date={offering.term.starts_on:%Y-%m-%d}", found)

    report = [f"{path}: [{v['impact']}] {v['id']}: {v['help']} {v['nodes']}" for path, vs in found.items() for v in vs]
    assert report == [], "axe-core found serious or critical violations:\n" + "\n".join(report)
