import datetime as dt

import pytest

from lehuo.blood.models import Drive

pytestmark = pytest.mark.django_db


def test_resident_home_links_daycare_and_upcoming_blood_drives(login, parent, town):
    Drive.objects.create(town=town, slug="next-drive", title="下一次献血", date=dt.date.today() + dt.timedelta(days=10),
                         venue="社区中心")
    Drive.objects.create(town=town, slug="old-drive", title="往期献血", date=dt.date(2021, 7, 28), venue="社区中心")
    html = login(parent).get("/").content.decode()
    assert "/daycare/my/" in html
    assert "/blood/next-drive/join/" in html
    assert "old-drive" not in html


def test_staff_go_to_the_workbench(login, town_admin):
    assert login(town_admin).get("/").url == "/workbench/"
