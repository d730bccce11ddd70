"""Live figures: values beside tokens, unknown tokens, freezing, changes, personal data, sanitising."""

import pytest
from django.urls import reverse

from lehuo.newsletter import figures_render, services
from lehuo.newsletter.models import FrozenFigure, Issue
from lehuo.platform.errors import ServiceError

from .conftest import publish

pytestmark = pytest.mark.django_db


def test_editor_sees_value_beside_each_token(login, editor, issue, article):
    html = login(editor).get(reverse("newsletter:edit", args=[issue.slug])).content.decode()
    assert '<span class="fig">404</span><code class="fig-token">[[fake:drive:people]]</code>' in html
    assert '<span class="fig">56510</span>' in html  # Decimal 56510.00 formatted


def test_unknown_token_is_shown_to_the_editor(login, editor, issue, article):
    services.save_article(editor, issue, article, body="共[[fake:nope:people]]人，[[nomodule:x:y]]")
    html = login(editor).get(reverse("newsletter:edit_article", args=[issue.slug, article.pk])).content.decode()
    assert "fig-error" in html and "未知记录“nope”" in html and "未知模块“nomodule”" in html


def test_unknown_token_refuses_submit_and_publish(editor, issue, article):
    services.save_article(editor, issue, article, body="共[[fake:drive:nope]]人")
    with pytest.raises(ServiceError, match="无法计算"):
        services.submit_issue(editor, issue)
    Issue.objects.filter(pk=issue.pk).update(status=Issue.IN_REVIEW)
    issue.refresh_from_db()
    with pytest.raises(ServiceError, match="未知指标"):
        services.publish_issue(editor, issue)
    assert not FrozenFigure.objects.exists()


def test_reader_never_sees_an_unresolved_token_as_plain_text(issue, article, editor):
    services.save_article(editor, issue, article, body="共[[fake:drive:nope]]人")
    figs = services.issue_figures(issue)
    html = figures_render.render_body(article.body, figs, "public")
    assert "[[" not in html and "数据缺失" in html


def test_publishing_freezes_every_value(editor, issue, article, fake_figures):
    publish(editor, issue)
    assert dict(issue.frozen_figures.values_list("token", "value")) == {
        "fake:drive:people": "404", "fake:drive:by_tag.党员.people": "307", "fake:drive:total": "56510"}
    fake_figures.values["drive"]["people"] = 999
    figs = services.issue_figures(issue)
    assert figs["fake:drive:people"].shown == "404"


def test_changed_record_changes_draft_and_flags_published_copy(login, editor, publication, issue, article, fake_figures):
    draft = services.create_issue(editor, publication, number=9, date=issue.date, slug="draft-copy")
    services.save_article(editor, draft, None, column=article.column, title="草稿", body=article.body)
    publish(editor, issue)
    fake_figures.values["drive"]["people"] = 405  # one more donor
    client = login(editor)
    draft_html = client.get(reverse("newsletter:issue", args=[draft.slug])).content.decode()
    assert '<span class="fig">405</span>' in draft_html
    html = client.get(reverse("newsletter:issue", args=[issue.slug])).content.decode()
    assert "fig-changed" in html and "发布时 404，现为 405" in html
    assert "nl-changed" in html and "[[fake:drive:people]]" in html


def test_resident_reads_frozen_values_without_change_markers(login, parent, editor, issue, article, fake_figures):
    publish(editor, issue)
    fake_figures.values["drive"]["people"] = 405
    html = login(parent).get(reverse("newsletter:issue", args=[issue.slug])).content.decode()
    assert '<span class="fig">404</span>' in html and "fig-changed" not in html and "405" not in html


def test_editor_cannot_see_masked_personal_data_through_a_token(login, editor, issue, article, fake_figures, make_person):
    person = make_person(name="张三", phone="13912345678")
    fake_figures.values["leak"] = {"id": person.id_number_masked, "phone": person.phone_masked,
                                   "raw_id": person.id_number, "raw_phone": person.phone}
    services.save_article(editor, issue, article,
                          body="[[fake:leak:id]] [[fake:leak:phone]] [[fake:leak:raw_id]] [[fake:leak:raw_phone]]")
    html = login(editor).get(reverse("newsletter:edit_article", args=[issue.slug, article.pk])).content.decode()
    for secret in (person.id_number_masked, person.phone_masked, person.id_number, person.phone):
        assert secret not in html
    assert html.count("数据标记不能显示个人信息") >= 4
    with pytest.raises(ServiceError):
        services.submit_issue(editor, issue)


def test_script_tag_and_onerror_attribute_are_removed():
    body = 'Hi <script>alert(1)</script> <img src="x.png" onerror="alert(2)"> [a](javascript:alert(3))'
    html = figures_render.render_body(body, {}, "read")
    assert "<script" not in html and "alert(1)" not in html
    assert "onerror" not in html and "alert(2)" not in html
    assert "javascript:" not in html
    assert '<img src="x.png"' in html


def test_token_inside_a_link_becomes_plain_text(fake_figures):
    figs = figures_render.resolve_tokens(["fake:drive:people"])
    html = figures_render.render_body("[见 [[fake:drive:people]]](https://example.org/?n=[[fake:drive:people]])", figs, "edit")
    assert 'href="https://example.org/?n=404"' in html
    assert html.count("<span") == 1


def test_values_looking_like_personal_data_are_refused(fake_figures):
    for value in ("310105200401030021", "139****5678", "13912345678", "3101**********0021"):
        fake_figures.values["x"] = {"v": value}
        assert figures_render.resolve_token("fake:x:v").error


def test_figures_api_lists_tokens_for_editor(api, editor, issue, article):
    data = api(editor).get(f"/api/v1/newsletter/issues/{issue.pk}/figures").json()
    assert {"token": "fake:drive:people", "value": "404", "frozen": None, "error": None, "changed": False} in data
