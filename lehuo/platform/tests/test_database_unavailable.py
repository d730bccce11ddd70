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
    monkeypatch.setattr("lehuo.people.views.people.list_query", _fail)
    response = client.get("/people/")
    assert response.status_code == 503
    assert "请稍后重试" in response.content.decode()


def _bug(*args, **kwargs):
    raise OperationalError("no such column: people_person.nickname")


def test_a_missing_column_is_a_logged_500_not_busy_in_the_api(api, town_admin, monkeypatch, caplog):
    client = api(town_admin)
    monkeypatch.setattr("lehuo.people.api.search_people", _bug)
    with caplog.at_level("ERROR", logger="lehuo.api"):
        response = client.get("/api/v1/people")
    assert response.status_code == 500
    assert "no such column" not in response.content.decode()
    record = next(r for r in caplog.records if r.name == "lehuo.api")
    assert record.exc_info and "no such column" in str(record.exc_info[1])


def test_a_missing_column_is_a_500_with_traceback_on_pages(login, town_admin, monkeypatch, caplog):
    client = login(town_admin)
    client.raise_request_exception = False
    monkeypatch.setattr("lehuo.people.views.people.list_query", _bug)
    with caplog.at_level("ERROR", logger="django.request"):
        response = client.get("/people/")
    assert response.status_code == 500
    assert any(r.exc_info and "no such column" in str(r.exc_info[1]) for r in caplog.records)


@pytest.mark.parametrize("message, transient", [
    ("server closed the connection unexpectedly", True),
    ("database is locked", True),
    ("connection failed: connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  the database system is "
     "starting up", True),
    ("connection failed: connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  the database system is "
     "shutting down", True),
    ("no such table: blood_drive", False),
    ("near \"SELECT\": syntax error", False),
])
def test_which_errors_are_transient(message, transient):
    from lehuo.platform.dberrors import is_transient

    assert is_transient(OperationalError(message)) is transient


def test_postgresql_lock_timeout_is_transient_and_undefined_column_is_not():
    from lehuo.platform.dberrors import is_transient

    class Cause(Exception):
        def __init__(self, sqlstate):
            self.sqlstate = sqlstate

    for sqlstate, expected in (("55P03", True), ("08006", True), ("42703", False), ("23505", False)):
        exc = OperationalError("x")
        exc.__cause__ = Cause(sqlstate)
        assert is_transient(exc) is expected, sqlstate
