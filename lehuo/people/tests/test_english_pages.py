"""The register's pages in English show no Chinese outside names and data (issue 14, point 5)."""

import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation

from lehuo.accounts.models import Neighbourhood, Town
from lehuo.people import services
from lehuo.people.importers import PEOPLE_COLUMNS
from lehuo.people.models import Person, Tag

pytestmark = pytest.mark.django_db
CHINESE = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff01-\uff5e]+")


@pytest.fixture(autouse=True)
def _language_restored():
    """The English requests activate English in this thread: the next tests get theirs back."""
    with translation.override(translation.get_language()):
        yield


def chinese_left(html: str, data) -> list[str]:
    text = re.sub(r"<script.*?</script>|<style.*?</style>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", "\n", text).replace("简体中文", "")
    for value in sorted((str(d) for d in data if d), key=len, reverse=True):
        text = text.replace(value, "")
    return sorted({line.strip() for line in text.splitlines() if CHINESE.search(line)})


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_register_pages_in_english(login, town, town_admin, parent, make_person):
    guardian = Person.objects.get(account=parent)
    child = make_person(age=8, name="王小明")
    services.link_guardian(town_admin, child, guardian, "mother")
    services.record_consent(town_admin, child, "暑托班报名", guardian=guardian)
    tag = services.create_tag(town_admin, town, name="楼组长")
    data = [t.name for t in Town.objects.all()] + [n.name for n in Neighbourhood.objects.all()]
    data += [t.name for t in Tag.objects.all()] + [p.name for p in Person.objects.all()]
    data += [u.get_full_name() for u in get_user_model().objects.all()] + ["暑托班报名"]
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
