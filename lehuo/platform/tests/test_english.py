"""The platform's refusals in the reader's language (issue 14, point 5)."""

import pytest
from django.conf import settings
from django.db import OperationalError
from django.utils import translation

from lehuo.accounts.management.commands.policy_table import table
from lehuo.platform.errors import Busy, ServiceError
from lehuo.platform.excel import read_table

pytestmark = pytest.mark.django_db


def test_spreadsheet_refusals_in_english():
    with translation.override("en"), pytest.raises(ServiceError) as exc:
        read_table(b"", {"amount": ["金额"]}, ["amount"], "s.csv")
    assert exc.value.message == "The file is empty"
    with translation.override("en"), pytest.raises(ServiceError) as exc:
        read_table("名字\n王五\n".encode(), {"amount": ["金额"]}, ["amount"], "s.csv", labels={"amount": "Amount"})
    assert exc.value.message == "The header lacks required columns: Amount (the header is row 1)"
    with translation.override("en"):
        assert Busy().message == "The system is busy, please try again later"


def test_busy_page_in_english(login, town_admin, monkeypatch):
    def fail(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("lehuo.people.views.people.list_query", fail)
    client = login(town_admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/people/")
    html = response.content.decode()
    assert response.status_code == 503 and 'lang="en"' in html
    assert "The system is busy" in html and "请稍后重试" not in html


def test_policy_table_in_english():
    text = table("en")
    heads = text.splitlines()[0]
    assert "Town admin" in heads and "Social worker" in heads and "镇管理员" not in heads
    assert "| town |" in text
