"""Finding 9 (issue 16): files under /media/ are served only to readers the owning module lets
read the file's record (lehuo/platform/media.py); public only when the record is public."""

import datetime as dt
import re

import pytest
from django.test import override_settings
from django.urls import resolve, reverse

from lehuo.newsletter import pdf
from lehuo.newsletter import services as newsletter
from lehuo.platform import media
from lehuo.platform.images import placeholder_jpeg
from lehuo.visits import services as visits

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit_photo(town_admin, make_person, lv11):
    person = make_person(lv11, name="唐钱婷")
    visit = visits.record_visit(town_admin, person, date=dt.date(2021, 8, 5), visitors=[("副镇长", "李双珑")],
                                purpose="congratulate", slug="swimmer")
    return visits.add_visit_photo(town_admin, visit, placeholder_jpeg("x", size=(80, 60)))


@pytest.fixture
def issue(town, editor):
    publication = newsletter.ensure_publication(town)
    issue = newsletter.create_issue(editor, publication, number=8, date=dt.date(2021, 8, 20), slug="2021-08")
    article = newsletter.save_article(editor, issue, None, column=publication.columns.first(), title="标题", body="正文")
    issue.photo = newsletter.add_photo(editor, article, placeholder_jpeg("y", size=(80, 60)))
    return issue


def _url(name: str) -> str:
    return media.media_url(name)


def test_visit_photo_is_served_only_to_who_may_see_the_visit(client, login, visit_photo, town_admin, sw_lv11, sw_hj9,
                                                            editor, outsider):
    url = _url(visit_photo.image.name)
    assert url.startswith("/media/visits/")
    r = login(sw_lv11).get(url)
    assert r.status_code == 200 and b"".join(r.streaming_content).startswith(b"\xff\xd8")
    assert "no-store" in r["Cache-Control"] and "private" in r["Cache-Control"]
    assert login(town_admin).get(url).status_code == 200
    for other in (sw_hj9, editor, outsider):
        assert login(other).get(url).status_code == 404
    assert client.get(url).status_code == 404  # anonymous


def test_new_upload_names_are_unguessable(visit_photo, issue):
    for name in (visit_photo.image.name, issue.photo.image.name):
        assert re.fullmatch(r"(visits|newsletter)/\d{4}/[0-9a-f]{32}\.jpg", name), name
    assert visit_photo.visit.slug not in visit_photo.image.name


def test_draft_issue_files_are_for_the_desk_and_public_once_published(client, login, editor, viewer, parent, issue,
                                                                      town_admin):
    pdf.build_and_cache(issue)
    issue.refresh_from_db()
    names = [issue.pdf.name, issue.photo.image.name]
    assert re.fullmatch(r"newsletter/pdf/\d{4}/[0-9a-f]{32}\.pdf", issue.pdf.name)
    for name in names:
        assert client.get(_url(name)).status_code == 404
        assert login(parent).get(_url(name)).status_code == 404
        assert login(viewer).get(_url(name)).status_code == 200
    newsletter.submit_issue(editor, issue)
    newsletter.publish_issue(town_admin, issue)
    for name in names:
        r = client.get(_url(name))
        assert r.status_code == 200 and "public" in r["Cache-Control"]


@override_settings(LEHUO_MEDIA_ACCEL_REDIRECT=True)
def test_behind_nginx_the_file_is_handed_over_with_x_accel_redirect(client, login, visit_photo, sw_lv11):
    url = _url(visit_photo.image.name)
    r = login(sw_lv11).get(url)
    assert r.status_code == 200 and r.content == b""
    assert r["X-Accel-Redirect"] == f"/protected-media/{visit_photo.image.name}"
    assert "Content-Type" not in r
    refused = client.get(url)
    assert refused.status_code == 404 and "X-Accel-Redirect" not in refused


@pytest.mark.parametrize("path", ["../settings.py", "visits/../../lehuo/settings.py", "/etc/passwd", "a\\b.jpg"])
def test_paths_outside_media_are_refused(login, town_admin, path):
    assert media.clean_path(path) is None
    assert login(town_admin).get("/media/" + path).status_code == 404


def test_media_url_is_the_checking_view_not_static_serving():
    assert resolve("/media/visits/2021/x.jpg").func is media.serve
    assert reverse("platform:media", kwargs={"path": "a/b.jpg"}) == "/media/a/b.jpg"
