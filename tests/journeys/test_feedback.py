"""Feedback at the end of long work, checked without a browser (issue 14, point 4)."""

import pytest
from django.urls import reverse

from lehuo.people.models import Person
from lehuo.people.tests.helpers import id_number, upload, xlsx
from lehuo.platform.models import Job

pytestmark = pytest.mark.django_db


def test_confirmed_import_says_how_many_were_imported_with_links(login, town, lv11, town_admin):
    c = login(town_admin)
    rows = [[f"张{i}", id_number(seed=i), f"1391234{i:04d}", "绿十一", ""] for i in range(1, 4)]
    c.post(reverse("people:people_import"), {"file": upload(xlsx(rows))})
    check = Job.objects.get(kind="people.import.check")
    r = c.post(reverse("people:people_import_commit", args=[check.pk]), follow=True)
    html = r.content.decode()
    assert Person.objects.count() == 3
    assert '<span id="import-done">已导入 3 人</span>' in html
    commit = Job.objects.get(kind="people.import.commit")
    assert reverse("people:people_import_report", args=[commit.pk]) in html


def test_exports_say_what_they_hold_and_show_progress(login, town, lv11, town_admin, make_person):
    make_person()
    c = login(town_admin)
    html = c.get(reverse("people:people")).content.decode()
    assert 'id="export-masked"' in html and "data-download" in html and "已脱敏" in html
    html = c.get(reverse("people:people_export_full")).content.decode()
    assert "data-download" in html and "导出含完整个人信息的 Excel" in html
