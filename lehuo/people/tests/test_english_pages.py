"""The register's pages in English show no Chinese outside names and data (issue 14, point 5)."""

import pytest
from django.conf import settings

from conftest import chinese_left, town_data
from lehuo.people import services
from lehuo.people.importers import PEOPLE_COLUMNS
from lehuo.people.models import Person

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("language_restored")]


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_register_pages_in_english(login, town, town_admin, parent, make_person):
    guardian = Person.objects.get(account=parent)
    child = make_person(age=8, name="王小明")
    services.link_guardian(town_admin, child, guardian, "mother")
    services.record_consent(town_admin, child, "暑托班报名", guardian=guardian)
    tag = services.create_tag(town_admin, town, name="楼组长")
    data = town_data() + ["暑托班报名"]
    data += [name for names in PEOPLE_COLUMNS.values() for name in names]  # the spreadsheet's column names
    left = {}
    staff = english(login(town_admin))
    for url in ["/people/", "/people/new/", f"/people/{child.pk}/", f"/people/{guardian.pk}/",
                f"/people/{child.pk}/edit/", f"/people/{child.pk}/erase/", "/people/import/", "/people/export-full/",
                "/organisations/", "/organisations/new/", "/tags/", f"/tags/{tag.pk}/edit/", "/people/requests/"]:
        response = staff.get(url, follow=True)
        assert response.status_code == 200, url
        if found := chinese_left(response.content.decode(), data):
            left[url] = found
    for url in ["/me/data/", "/me/link/", "/me/children/add/"]:
        response = english(login(parent)).get(url, follow=True)
        assert response.status_code == 200, url
        if found := chinese_left(response.content.decode(), data):
            left[url] = found
    assert left == {}
