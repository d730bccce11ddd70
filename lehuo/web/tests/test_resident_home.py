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


def test_anonymous_visitors_get_the_public_town_home_with_public_cache_headers(client, town, parent):
    r = client.get("/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "/accounts/phone/" in html  # the sign-in link
    assert "public" in r["Cache-Control"] and "max-age=60" in r["Cache-Control"]
    assert "王丽华" not in html  # no personal data


def test_the_public_home_renders_without_any_module_cards_and_survives_a_failing_module(client, town, monkeypatch):
    from lehuo.web import views

    monkeypatch.setattr(views, "contributions", lambda attr: iter([]))
    assert "暂时没有公布的活动" in client.get("/").content.decode()

    class Broken:
        label = "broken"

    def boom(town):
        raise RuntimeError("module bug")

    monkeypatch.setattr(views, "contributions",
                        lambda attr: iter([(Broken(), boom), (Broken(), lambda town: [
                            {"title": "献血活动", "url": "/x/", "lines": ["6月1日"], "when": dt.date(2030, 6, 1)}])]))
    r = client.get("/")
    assert r.status_code == 200 and "献血活动" in r.content.decode()


def test_signed_in_pages_are_private_and_not_stored(login, parent):
    r = login(parent).get("/")
    assert "no-store" in r["Cache-Control"] and "private" in r["Cache-Control"]


def test_a_new_resident_not_yet_linked_lands_on_their_home_with_the_link_prompt(login, town):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("newcomer")
    r = login(user).get("/")
    assert r.status_code == 200 and "/me/link/" in r.content.decode()


def test_the_demo_parent_signs_in_through_the_form_and_lands_on_their_home(client, parent):
    r = client.post("/accounts/login/", {"username": "parent", "password": "pw-parent"}, follow=True)
    assert r.status_code == 200 and r.redirect_chain[-1][0] == "/"
    assert "我的信息" in r.content.decode()
