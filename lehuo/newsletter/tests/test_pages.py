"""Pages and endpoints: who may read, who may edit, workflow, photos, WeChat export, dashboard."""

import pytest
from django.urls import reverse

from lehuo.newsletter import services
from lehuo.newsletter.models import Issue
from lehuo.platform.errors import ServiceError

from .conftest import jpeg_bytes, publish, second_editor

pytestmark = pytest.mark.django_db


def test_viewer_can_read_but_not_edit(login, viewer, issue, article):
    client = login(viewer)
    assert client.get(reverse("newsletter:edit", args=[issue.slug])).status_code == 200
    assert client.get(reverse("newsletter:issue", args=[issue.slug])).status_code == 200
    r = client.post(reverse("newsletter:edit_article", args=[issue.slug, article.pk]),
                    {"column": article.column_id, "title": "改了", "order": 0})
    assert r.status_code == 403
    assert client.post(reverse("newsletter:submit", args=[issue.slug])).status_code == 403
    article.refresh_from_db()
    assert article.title != "改了"
    with pytest.raises(ServiceError):
        services.save_article(viewer, issue, article, title="改了")


def test_viewer_api_cannot_create_or_patch(api, viewer, issue, article):
    assert api(viewer).get("/api/v1/newsletter/issues").json()["count"] == 1
    assert api(viewer).post("/api/v1/newsletter/issues", {"number": 9, "published_on": "2021-09-20"}).status_code == 403
    assert api(viewer).patch(f"/api/v1/newsletter/articles/{article.pk}", {"title": "x"}).status_code == 403


def test_editor_writes_through_the_api(api, editor, issue):
    client = api(editor)
    r = client.post("/api/v1/newsletter/articles", {"issue_id": issue.pk, "column": "乐活·体育", "title": "泳坛小花",
                                                    "body": "**加油**"})
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    r = client.patch(f"/api/v1/newsletter/articles/{pk}", {"kicker": "东京奥运"})
    assert r.status_code == 200 and r.json()["kicker"] == "东京奥运" and r.json()["title"] == "泳坛小花"
    r = client.post("/api/v1/newsletter/articles", {"issue_id": issue.pk, "column": "不存在", "title": "x"})
    assert r.status_code == 400 and r.json()["detail"][0]["loc"] == ["column"]


def test_editor_edits_article_through_the_form(login, editor, issue, article):
    r = login(editor).post(reverse("newsletter:edit_article", args=[issue.slug, article.pk]),
                           {"column": article.column_id, "title": "新标题", "body": "共[[fake:drive:people]]人", "order": 0})
    assert r.status_code == 302
    article.refresh_from_db()
    assert article.title == "新标题"


def test_resident_reads_published_issue_but_not_a_draft(login, parent, editor, issue, article):
    client = login(parent)
    assert client.get(reverse("newsletter:issue", args=[issue.slug])).status_code == 404
    # A draft does not exist for the public, its desk page neither (lehuo/newsletter/policy.py).
    assert client.get(reverse("newsletter:edit", args=[issue.slug])).status_code == 404
    publish(editor, issue)
    assert client.get(reverse("newsletter:edit", args=[issue.slug])).status_code == 403
    r = client.get(reverse("newsletter:issue", args=[issue.slug]))
    assert r.status_code == 200 and "这群新泾人为河南献上真挚爱心" in r.content.decode()
    assert issue.slug in client.get(reverse("newsletter:archive")).content.decode()


def test_anonymous_reads_published_issues_and_archive_without_login(client, editor, issue, article):
    """Issue 17: published issues are public; drafts answer 404 to the public."""
    assert client.get(reverse("newsletter:issue", args=[issue.slug])).status_code == 404
    assert client.get(reverse("newsletter:pdf", args=[issue.slug])).status_code == 404
    assert issue.slug not in client.get(reverse("newsletter:archive")).content.decode()
    publish(editor, issue)
    r = client.get(reverse("newsletter:issue", args=[issue.slug]))
    assert r.status_code == 200 and "这群新泾人为河南献上真挚爱心" in r.content.decode()
    assert "public" in r["Cache-Control"]
    archive = client.get(reverse("newsletter:archive"))
    assert archive.status_code == 200 and issue.slug in archive.content.decode()
    assert client.get(reverse("newsletter:edit", args=[issue.slug])).status_code == 302  # the desk: sign in


def test_issue_page_carries_share_metadata(client, editor, issue, article):
    from .conftest import jpeg_bytes

    services.add_photo(editor, article, jpeg_bytes(), caption="捐款现场")
    publish(editor, issue)
    html = client.get(reverse("newsletter:issue", args=[issue.slug])).content.decode()
    assert '<meta property="og:title"' in html and '<meta property="og:description"' in html
    assert "这群新泾人为河南献上真挚爱心" in html.split('property="og:description" content="')[1].split('"')[0]
    image = html.split('<meta property="og:image" content="')[1].split('"')[0]
    assert image.startswith("http://testserver/media/newsletter/")
    assert client.get(image.removeprefix("http://testserver")).status_code == 200


def test_an_editor_does_not_approve_their_own_issue(editor, issue, article, town_admin):
    """Issue 14 point 6: review is a second pair of eyes, unless the town allows self-review."""
    from .conftest import second_editor

    services.submit_issue(editor, issue)
    with pytest.raises(ServiceError, match="另一位编辑") as exc:
        services.publish_issue(editor, issue)
    assert exc.value.code == "self_review"
    issue.refresh_from_db()
    assert issue.status == "in_review" and not issue.frozen_figures.exists()
    assert services.publish_issue(second_editor(issue.publication.town), issue).status == "published"


def test_a_one_person_office_may_allow_self_review(editor, issue, article):
    issue.publication.self_review = True
    issue.publication.save()
    services.submit_issue(editor, issue)
    assert services.publish_issue(editor, issue).status == "published"


def test_workflow_draft_review_published(editor, town_admin, issue, article):
    with pytest.raises(ServiceError, match="待审核"):
        services.publish_issue(editor, issue)
    services.submit_issue(editor, issue)
    services.publish_issue(town_admin, issue)
    issue.refresh_from_db()
    assert issue.status == Issue.PUBLISHED and issue.published_by == town_admin
    with pytest.raises(ServiceError, match="已发布"):
        services.save_article(editor, issue, article, title="改")
    with pytest.raises(ServiceError):
        services.return_to_draft(editor, issue)  # only a town admin withdraws a published issue
    services.return_to_draft(town_admin, issue, "更正")
    assert not issue.frozen_figures.exists()


def test_photo_upload_checked_by_content(login, editor, issue, article):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(editor)
    url = reverse("newsletter:add_photo", args=[issue.slug, article.pk])
    client.post(url, {"image": SimpleUploadedFile("evil.jpg", b"<svg onload=alert(1)>"), "caption": "x"})
    assert not article.photos.exists()
    client.post(url, {"image": SimpleUploadedFile("photo.txt", jpeg_bytes()), "caption": "现场"})
    photo = article.photos.get()
    assert photo.image.name.endswith(".jpg") and photo.caption == "现场"


def test_wechat_export_has_inline_styles_and_values(login, editor, parent, issue, article):
    services.add_photo(editor, article, jpeg_bytes(), "捐款现场")
    r = login(editor).get(reverse("newsletter:wechat", args=[article.pk]), {"download": "1"})
    html = r.content.decode()
    assert r["Content-Disposition"].startswith("attachment")
    assert '<p style="' in html and "404" in html and "[[" not in html and "捐款现场" in html
    assert "<script" not in html and "class=" not in html
    assert login(parent).get(reverse("newsletter:wechat", args=[article.pk])).status_code == 404


def test_dashboard_for_staff_only(login, viewer, parent, outsider, town):
    r = login(viewer).get(reverse("newsletter:dashboard"))
    assert r.status_code == 200 and "走访慰问" in r.content.decode()
    assert login(parent).get(reverse("newsletter:dashboard")).status_code == 403
    assert login(outsider).get(reverse("newsletter:dashboard")).status_code == 403


def test_dashboard_has_the_declared_summaries_and_draws_svg(town, town_admin, make_person, lv11):
    import datetime as dt

    from lehuo.newsletter import dashboard
    from lehuo.visits import services as visit_services

    p = make_person(lv11)
    visit_services.record_visit(town_admin, p, date=dt.date(2021, 8, 5), visitors=[("", "李")], purpose="care")
    out = {s["module"]: s for s in dashboard.summaries(town)}
    # The apps that declare a dashboard summary (training declares none), in INSTALLED_APPS order.
    assert list(out) == ["donations", "blood", "daycare", "visits"]
    svg = out["visits"]["by_neighbourhood_svg"]
    assert svg.startswith("<svg") and "绿十一" in svg


def test_index_desk_for_editor_archive_for_resident(login, editor, parent, issue):
    assert issue.slug in login(editor).get(reverse("newsletter:index")).content.decode()
    assert login(parent).get(reverse("newsletter:index")).status_code == 302


def test_new_issue_page_for_editor_not_viewer(login, editor, viewer, publication):
    data = {"slug": "2021-09", "number": 9, "date": "2021-09-20", "title": ""}
    assert login(viewer).get(reverse("newsletter:new")).status_code == 403
    assert login(viewer).post(reverse("newsletter:new"), data).status_code == 403
    r = login(editor).post(reverse("newsletter:new"), data)
    assert r.status_code == 302 and Issue.objects.filter(slug="2021-09").exists()


def test_workflow_pages_for_editor_not_viewer(login, editor, viewer, town_admin, issue, article):
    assert login(viewer).post(reverse("newsletter:publish", args=[issue.slug])).status_code == 403
    login(editor).post(reverse("newsletter:submit", args=[issue.slug]))
    login(town_admin).post(reverse("newsletter:publish", args=[issue.slug]))
    issue.refresh_from_db()
    assert issue.status == Issue.PUBLISHED
    assert login(viewer).post(reverse("newsletter:return", args=[issue.slug])).status_code == 403
    login(town_admin).post(reverse("newsletter:return", args=[issue.slug]))
    issue.refresh_from_db()
    assert issue.status == Issue.DRAFT


def test_api_workflow_and_resident_sees_published_only(api, editor, viewer, parent, issue, article):
    assert api(parent).get("/api/v1/newsletter/issues").json()["count"] == 0
    assert api(parent).get(f"/api/v1/newsletter/issues/{issue.pk}/figures").status_code == 404
    assert api(viewer).post(f"/api/v1/newsletter/issues/{issue.pk}/submit").status_code == 403
    assert api(editor).post(f"/api/v1/newsletter/issues/{issue.pk}/submit").json()["status"] == "in_review"
    assert api(editor).post(f"/api/v1/newsletter/issues/{issue.pk}/publish").status_code == 400  # not their own
    r = api(second_editor(issue.publication.town)).post(f"/api/v1/newsletter/issues/{issue.pk}/publish")
    assert r.status_code == 200 and r.json()["status"] == "published"
    assert api(parent).get("/api/v1/newsletter/issues").json()["count"] == 1
    figs = api(parent).get(f"/api/v1/newsletter/issues/{issue.pk}/figures").json()
    assert {f["token"]: f["value"] for f in figs}["fake:drive:people"] == "404"


def test_remove_photo_for_editor_not_viewer(login, editor, viewer, issue, article):
    photo = services.add_photo(editor, article, jpeg_bytes(), "x")
    assert login(viewer).post(reverse("newsletter:remove_photo", args=[photo.pk])).status_code == 403
    login(editor).post(reverse("newsletter:remove_photo", args=[photo.pk]))
    assert not article.photos.exists()


def test_live_preview_shows_value_beside_token_for_editor_only(login, editor, viewer, issue, article):
    url = reverse("newsletter:preview", args=[issue.slug])
    html = login(editor).post(url, {"body": "共[[fake:drive:people]]人 [[fake:drive:nope]]"}).content.decode()
    assert '<span class="fig">404</span><code class="fig-token">[[fake:drive:people]]</code>' in html
    assert "未知指标" in html
    assert login(viewer).post(url, {"body": "x"}).status_code == 403
