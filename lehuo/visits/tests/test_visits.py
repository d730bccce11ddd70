"""Honours and visits: scope by neighbourhood, API, live figures, dashboard summary."""

import datetime as dt

import pytest
from django.urls import reverse

from lehuo.platform import figures
from lehuo.platform.errors import ServiceError
from lehuo.visits import services
from lehuo.visits.models import Visit
from lehuo.visits.stats import dashboard_summary

pytestmark = pytest.mark.django_db


@pytest.fixture
def swimmer(make_person, lv11):
    return make_person(lv11, age=17, sex="F", name="唐钱婷", on=dt.date(2021, 8, 1))


@pytest.fixture
def visit(town_admin, swimmer):
    honour = services.record_honour(town_admin, swimmer, title="女子4x100米混合泳接力第四名", achieved_on=dt.date(2021, 8, 1),
                                    level="world", rank="第四名", result="3分54秒13")
    return services.record_visit(town_admin, swimmer, date=dt.date(2021, 8, 5), visitors=[("副镇长", "李双珑")],
                                 purpose=Visit.CONGRATULATE, household="唐钱婷家", honour=honour, slug="swimmer")


def test_social_worker_sees_visits_of_own_neighbourhood(login, sw_lv11, visit):
    html = login(sw_lv11).get(reverse("visits:index")).content.decode()
    assert "唐钱婷家" in html
    assert login(sw_lv11).get(reverse("visits:detail", args=[visit.slug])).status_code == 200


def test_other_neighbourhood_gets_404_and_empty_list(login, sw_hj9, visit):
    client = login(sw_hj9)
    assert "唐钱婷家" not in client.get(reverse("visits:index")).content.decode()
    assert client.get(reverse("visits:detail", args=[visit.slug])).status_code == 404
    assert client.get(reverse("visits:honours")).content.decode().count("第四名") == 0


def test_outsider_cannot_open_visits(login, outsider, visit):
    assert login(outsider).get(reverse("visits:index")).status_code == 403


def test_list_filters_by_purpose(login, town_admin, visit, swimmer):
    services.record_visit(town_admin, swimmer, date=dt.date(2021, 9, 1), visitors=[("", "王芳")],
                          purpose=Visit.CARE, household="关爱走访")
    html = login(town_admin).get(reverse("visits:index"), {"purpose": "care"}).content.decode()
    assert "关爱走访" in html and "唐钱婷家" not in html


def test_visit_needs_visitors_and_known_purpose(town_admin, swimmer):
    with pytest.raises(ServiceError) as exc:
        services.record_visit(town_admin, swimmer, date=dt.date(2021, 8, 5), visitors=[], purpose="congratulate")
    assert exc.value.field == "visitors"
    with pytest.raises(ServiceError) as exc:
        services.record_visit(town_admin, swimmer, date=dt.date(2021, 8, 5), visitors=[("", "李")], purpose="party")
    assert exc.value.field == "purpose"


def test_social_worker_cannot_record_visit_outside_scope(sw_hj9, swimmer):
    with pytest.raises(ServiceError) as exc:
        services.record_visit(sw_hj9, swimmer, date=dt.date(2021, 8, 5), visitors=[("", "李")], purpose="care")
    assert exc.value.field == "person_id"


def test_api_creates_visit_and_scopes_list(api, sw_lv11, sw_hj9, swimmer):
    body = {"person_id": swimmer.pk, "date": "2021-08-05", "purpose": "congratulate",
            "visitors": [{"title": "副镇长", "name": "李双珑"}], "slug": "api-visit"}
    r = api(sw_lv11).post("/api/v1/visits", body)
    assert r.status_code == 201 and r.json()["visitors"] == ["副镇长李双珑"]
    assert api(sw_hj9).get("/api/v1/visits").json()["count"] == 0
    assert api(sw_hj9).get("/api/v1/visits/api-visit").status_code == 404
    assert api(sw_hj9).post("/api/v1/visits", {**body, "slug": "x"}).status_code == 400


def test_api_honour_refuses_bad_level(api, town_admin, swimmer):
    r = api(town_admin).post("/api/v1/honours", {"person_id": swimmer.pk, "title": "x", "achieved_on": "2021-08-01",
                                                 "level": "galactic"})
    assert r.status_code == 400 and r.json()["detail"][0]["loc"] == ["level"]


def test_photo_upload_is_checked_by_content(town_admin, visit):
    with pytest.raises(ServiceError, match="不是有效的图片"):
        services.add_visit_photo(town_admin, visit, b"<html>not a picture</html>", "假照片")


def test_visit_figures_are_aggregates_not_the_persons_name(visit):
    assert figures.resolve("visits:swimmer:date_cn") == "8月5日"
    assert figures.resolve("visits:swimmer:visitors_cn") == "副镇长李双珑"
    assert figures.resolve("visits:swimmer:honour_result") == "3分54秒13"
    assert figures.resolve("visits:swimmer:age_then") == 17
    with pytest.raises(figures.FigureError):
        figures.resolve("visits:swimmer:person")
    with pytest.raises(figures.FigureError):
        figures.resolve("visits:nobody:date_cn")


def test_dashboard_summary_counts_by_neighbourhood_and_month(town, visit):
    summary = dashboard_summary(town)
    assert ("走访次数", 1) in summary["figures"]
    assert summary["by_neighbourhood"] == [("绿十一", 1)]
    assert summary["over_time"] == [("2021-08", 1)]


def test_social_worker_records_visit_through_the_form(login, sw_lv11, swimmer):
    r = login(sw_lv11).post(reverse("visits:new"), {
        "person_id": swimmer.pk, "date": "2021-08-05", "purpose": "congratulate", "visitors": "副镇长 李双珑，社工 王芳",
        "household": "唐钱婷家", "slug": "form-visit"})
    assert r.status_code == 302
    visit = Visit.objects.get(slug="form-visit")
    assert [str(v) for v in visit.visitors.all()] == ["副镇长李双珑", "社工王芳"]


def test_viewer_cannot_record_a_visit(login, viewer, swimmer):
    r = login(viewer).post(reverse("visits:new"), {
        "person_id": swimmer.pk, "date": "2021-08-05", "purpose": "care", "visitors": "李双珑"})
    # The policy grants recording visits to town admins and social workers only: the page
    # itself is refused (lehuo/visits/policy.py).
    assert r.status_code == 403 and not Visit.objects.exists()


def test_photo_page_upload_for_writer_only(login, town_admin, sw_hj9, visit):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from lehuo.platform.images import placeholder_jpeg

    url = reverse("visits:add_photo", args=[visit.slug])
    assert login(sw_hj9).post(url, {"image": SimpleUploadedFile("a.jpg", placeholder_jpeg("x", size=(80, 60)))}).status_code == 404
    login(town_admin).post(url, {"image": SimpleUploadedFile("a.jpg", placeholder_jpeg("x", size=(80, 60))), "caption": "祝贺"})
    assert visit.photos.get().caption == "祝贺"


def test_honours_page_for_staff_only(login, town_admin, outsider, visit):
    assert "3分54秒13" in login(town_admin).get(reverse("visits:honours")).content.decode()
    assert login(outsider).get(reverse("visits:honours")).status_code == 403


def test_visit_list_queries_do_not_grow_with_rows(login, town_admin, swimmer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(town_admin)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("visits:index")).status_code == 200
        return len(ctx.captured_queries)

    services.record_visit(town_admin, swimmer, date=dt.date(2021, 8, 5), visitors=[("", "甲")], purpose="care")
    one = count()
    for i in range(5):
        services.record_visit(town_admin, swimmer, date=dt.date(2021, 8, 6 + i), visitors=[("", "乙"), ("", "丙")],
                              purpose="comfort")
    assert count() == one
