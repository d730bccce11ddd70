import datetime as dt
import io
from decimal import Decimal

import pytest

from lehuo.newsletter import services
from lehuo.newsletter.models import Article
from lehuo.platform import figures


class FakeStats:
    """A registered resolver over a dict the test changes: ``fake:drive:people``."""

    def __init__(self):
        self.values = {"drive": {"people": 404, "total": Decimal("56510.00"), "by_tag": {"党员": {"people": 307}}}}

    def __call__(self, record, measure):
        if record not in self.values:
            raise figures.FigureError(f"未知记录“{record}”")
        return figures.dig(self.values[record], measure)


@pytest.fixture
def fake_figures(monkeypatch):
    """A module declaring ``fake`` figures beside the installed ones."""
    stats = FakeStats()
    declared = figures._resolvers
    monkeypatch.setattr(figures, "_resolvers", lambda: {**declared(), "fake": stats})
    return stats


@pytest.fixture
def publication(town):
    return services.ensure_publication(town)


@pytest.fixture
def issue(publication, editor):
    return services.create_issue(editor, publication, number=8, date=dt.date(2021, 8, 20), slug="2021-08")


@pytest.fixture
def article(issue, editor, fake_figures):
    return services.save_article(
        editor, issue, None, column=issue.publication.columns.get(name="乐活·温情"), kicker="风雨同舟 共渡难关",
        title="这群新泾人为河南献上真挚爱心",
        body="新泾镇共有[[fake:drive:people]]人参与捐款，其中党员[[fake:drive:by_tag.党员.people]]人，共捐款[[fake:drive:total]]元。",
    )


def publish(editor, issue, reviewer=None):
    """Submit as ``editor``, publish as a second editor of the town (``reviewer``; one is made
    when none is given): an editor does not approve their own issue."""
    services.submit_issue(editor, issue)
    return services.publish_issue(reviewer or second_editor(issue.publication.town), issue)


def second_editor(town):
    from django.contrib.auth import get_user_model

    from lehuo.accounts.models import EDITOR, Membership

    user, created = get_user_model().objects.get_or_create(username="editor2")
    if created:
        Membership.objects.create(user=user, town=town, role=EDITOR)
    return user


def jpeg_bytes(size=(60, 40)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 16, 46)).save(out, "JPEG")
    return out.getvalue()


__all__ = ["Article", "publish", "jpeg_bytes", "second_editor"]
