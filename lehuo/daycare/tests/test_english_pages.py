"""The day-care pages in English show no Chinese outside names and data (issue 14, point 5)."""


import pytest
from django.conf import settings

from conftest import chinese_left, town_data
from lehuo.daycare import services, services_running
from lehuo.daycare.models import Ceremony, Enrolment

from .conftest import child_birth, staff_enrol

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("language_restored")]


def test_staff_pages_in_english(login, town_admin, assigned_site_head, offering, make_child):
    child = make_child(name="周小宝")
    staff_enrol(offering, child, child.person.guardian_links.get().guardian)
    site = offering.site
    services_running.record_check(assigned_site_head, site, area="site", item="教室通风消毒", ok=False, note="窗坏了")
    services_running.add_staff(assigned_site_head, site, name="钱老师", role="teacher")
    services_running.record_ceremony(assigned_site_head, offering, kind=Ceremony.OPENING,
                                     held_on=offering.term.starts_on, attendees=10, programme="升国旗")
    data = town_data() + [site.name, site.address, site.year.title, "教室通风消毒", "窗坏了", "钱老师", "升国旗",
                          "周小宝", "新泾镇第一小学"]
    pages = ["/daycare/", f"/daycare/sites/{site.pk}/", f"/daycare/offerings/{offering.pk}/",
             f"/daycare/offerings/{offering.pk}/attendance/?date=2021-07-05", "/daycare/courses/", "/daycare/stats/",
             "/daycare/setup/", f"/daycare/offerings/{offering.pk}/edit/", "/daycare/claims/"]
    client = login(town_admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    left = {}
    for url in pages:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        found = chinese_left(response.content.decode(), data)
        if found:
            left[url] = found
    assert left == {}


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_site_head_saves_arrivals_in_english(login, assigned_site_head, offering, make_child):
    child = make_child(name="周小宝")
    staff_enrol(offering, child, child.person.guardian_links.get().guardian)
    enrolment = Enrolment.objects.get()
    client = english(login(assigned_site_head))
    url = f"/daycare/offerings/{offering.pk}/attendance/?date=2021-07-05"
    page = client.post(url, {"enrolment": enrolment.pk, "present": "on", "temperature": "36.5"}, follow=True)
    assert "周小宝: saved" in page.content.decode()
    page = client.post(url, {"enrolment": enrolment.pk, "present": "on", "temperature": "50"}, follow=True)
    assert "周小宝: The temperature must be between 34.0 and 42.5 °C" in page.content.decode()
    assert "July 5" in page.content.decode()
    assert chinese_left(page.content.decode(), town_data() + [offering.site.name, offering.site.year.title]) == []


def test_parent_pages_in_english(login, parent, parent_person, offering, assigned_site_head, town_admin):
    child = services.register_child(town_admin, parent_person, name="过敏娃", school="新泾小学", grade=2,
                                    birth_date=child_birth(8), relation="mother", consent=True,
                                    on=offering.term.starts_on, allergies="花生", medicines="哮喘喷雾",
                                    emergency_name="王外婆", emergency_phone="13900001111")
    staff_enrol(offering, child)
    enrolment = Enrolment.objects.get()
    data = town_data() + [offering.site.name, offering.site.address, offering.site.year.title, "新泾小学", "花生",
                          "哮喘喷雾", "王外婆"]
    left = {}
    for url in ["/daycare/my/", "/daycare/my/offerings/", f"/daycare/my/enrolments/{enrolment.pk}/",
                "/daycare/my/children/new/", "/daycare/my/status/?part=offerings"]:
        response = english(login(parent)).get(url, follow=True)
        assert response.status_code == 200, url
        if found := chinese_left(response.content.decode(), data):
            left[url] = found
    page = english(login(assigned_site_head)).get(f"/daycare/offerings/{offering.pk}/").content.decode()
    assert "Emergency contact: 王外婆 13900001111" in page
    if found := chinese_left(page, data):
        left["offering"] = found
    assert left == {}
