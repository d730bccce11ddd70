"""Health counts under 5 never become newsletter figures (issue 16, low). The figures contract:
a module's resolver refuses such a measure with ``platform.figures.NotPublishable`` (a
``FigureError``; blood marks its own); the newsletter then refuses to submit or publish the
issue, naming the token, and the reader never sees the value."""

import pytest

from lehuo.newsletter import services
from lehuo.platform import figures
from lehuo.platform.errors import ServiceError

pytestmark = pytest.mark.django_db

NotPublishable = getattr(figures, "NotPublishable", figures.FigureError)


@pytest.fixture
def health_figures(monkeypatch):
    def resolve(record, measure):
        count = {"deferred_hb": 3, "deferred_bp": 12}[measure]
        if count < 5:
            raise NotPublishable(f"指标“{measure}”是少于5人的健康统计，不能公开发布")
        return count

    declared = figures._resolvers
    monkeypatch.setattr(figures, "_resolvers", lambda: {**declared(), "health": resolve})


def test_a_small_health_count_cannot_be_published(editor, town_admin, issue, health_figures):
    column = issue.publication.columns.first()
    services.save_article(editor, issue, None, column=column, title="献血",
                          body="因血压暂缓[[health:drive:deferred_bp]]人，因血红蛋白暂缓[[health:drive:deferred_hb]]人。")
    with pytest.raises(ServiceError, match=r"health:drive:deferred_hb") as exc:
        services.submit_issue(editor, issue)
    assert "少于5人" in exc.value.message and "deferred_bp" not in exc.value.message
    issue.refresh_from_db()
    assert issue.status == "draft"
    figs = services.issue_figures(issue)
    assert figs["health:drive:deferred_hb"].value is None and figs["health:drive:deferred_bp"].value == "12"
