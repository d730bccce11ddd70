"""A database that restarts answers 503 "try again" with Retry-After, never a 500."""

import pytest
from django.db import OperationalError

pytestmark = pytest.mark.django_db


def _fail(*args, **kwargs):
    raise OperationalError("server closed the connection unexpectedly")


def test_api_answers_503_json_while_the_database_is_down(api, town_admin, monkeypatch):
    client = api(town_admin)
    monkeypatch.setattr("lehuo.people.api.search_people", _fail)
    response = client.get("/api/v1/people")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["code"] == "unavailable"


def test_pages_answer_503_while_the_database_is_down(login, town_admin, monkeypatch):
    client = login(town_admin)
    monkeypatch.setattr("lehuo.people.views.people.search_people", _fail)
    response = client.get("/people/")
    assert response.status_code == 503
    assert "请稍后重试" in response.content.decode()
