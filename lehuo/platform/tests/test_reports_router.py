"""The reports router: report views read from the replica while it is fit, from the primary with a
note otherwise (a stopped or lagging replica never gives wrong or missing figures), and every write
and every other page uses the primary."""

import pytest
from django.db import DatabaseError
from django.http import HttpResponse
from django.test import RequestFactory

from lehuo.platform import reports


class Model:
    pass


def test_outside_a_report_view_reads_and_writes_go_to_the_primary():
    router = reports.ReportsRouter()
    assert router.db_for_read(Model) is None  # Django's default: "default"
    assert router.db_for_write(Model) == "default"
    assert router.allow_migrate("reports", "daycare") is False


def _middleware(settings, monkeypatch, state):
    settings.LEHUO_REPORT_VIEWS = {"daycare:stats"}
    monkeypatch.setattr(reports, "configured", lambda: True)
    monkeypatch.setattr(reports, "replica_state", lambda: state)
    request = RequestFactory().get("/daycare/stats/")
    request.user = type("U", (), {"pk": 1})()
    request.resolver_match = type("M", (), {"view_name": "daycare:stats"})()
    return reports.ReportsMiddleware(lambda r: HttpResponse()), request


def test_report_view_reads_from_a_fit_replica(settings, monkeypatch):
    middleware, request = _middleware(settings, monkeypatch, (True, "ok"))
    seen = []

    def view(request):
        seen.append(reports.ReportsRouter().db_for_read(Model))
        seen.append(reports.ReportsRouter().db_for_write(Model))
        return HttpResponse("figures")

    response = middleware.process_view(request, view, (), {})
    assert seen == ["reports", "default"]  # capacity and writes: the primary, always
    assert response["X-Lehuo-Figures-From"] == "replica"
    assert request.reports_note is None
    assert reports.ReportsRouter().db_for_read(Model) is None  # after the view: the primary again


@pytest.mark.parametrize("reason", ["down", "lagging"])
def test_unfit_replica_degrades_to_the_primary_with_a_note(settings, monkeypatch, reason):
    middleware, request = _middleware(settings, monkeypatch, (False, reason))
    seen = []

    def view(request):
        seen.append(reports.ReportsRouter().db_for_read(Model))
        return HttpResponse("figures")

    response = middleware.process_view(request, view, (), {})
    assert seen == [None]
    assert response["X-Lehuo-Figures-From"] == "primary"
    assert str(request.reports_note) == str(reports.note_for(reason))


def test_replica_failing_during_the_view_runs_it_again_on_the_primary(settings, monkeypatch):
    middleware, request = _middleware(settings, monkeypatch, (True, "ok"))
    seen = []

    def view(request):
        alias = reports.ReportsRouter().db_for_read(Model)
        seen.append(alias)
        if alias == "reports":
            raise DatabaseError("replica went away")
        return HttpResponse("figures")

    monkeypatch.setattr(reports, "connections", {"reports": type("C", (), {"close": lambda self: None})()})
    response = middleware.process_view(request, view, (), {})
    assert seen == ["reports", None]
    assert response.content == b"figures" and response["X-Lehuo-Figures-From"] == "primary"
    assert request.reports_note == reports.NOTE_DOWN


def test_other_views_and_posts_are_not_touched(settings, monkeypatch):
    middleware, request = _middleware(settings, monkeypatch, (True, "ok"))
    request.resolver_match.view_name = "people:person"
    assert middleware.process_view(request, lambda r: HttpResponse(), (), {}) is None
    middleware, request = _middleware(settings, monkeypatch, (True, "ok"))
    request.method = "POST"
    assert middleware.process_view(request, lambda r: HttpResponse(), (), {}) is None


@pytest.mark.django_db
def test_page_shows_the_note_when_computed_on_the_primary(client, settings, monkeypatch):
    """Through a real page (any page built on base.html; the sign-in page needs no data)."""
    settings.LEHUO_REPORT_VIEWS = {"login"}
    monkeypatch.setattr(reports, "configured", lambda: True)
    monkeypatch.setattr(reports, "replica_state", lambda: (False, "down"))
    response = client.get("/accounts/login/")
    assert response.status_code == 200 and response["X-Lehuo-Figures-From"] == "primary"
    assert str(reports.NOTE_DOWN) in response.content.decode()
    monkeypatch.setattr(reports, "replica_state", lambda: (True, "ok"))
    monkeypatch.setattr(reports, "REPORTS", "default")  # the "replica" is the test database itself
    response = client.get("/accounts/login/")
    assert response["X-Lehuo-Figures-From"] == "replica"
    assert str(reports.NOTE_DOWN) not in response.content.decode()
