"""lehuo.platform.health: database and a worker heartbeat (a real task through the database backend)."""

import datetime as dt
import json

import pytest
from django.test import RequestFactory
from django.utils import timezone

from lehuo.platform import health

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def call(query=""):
    response = health.health(RequestFactory().get("/health/" + query))
    return response.status_code, json.loads(response.content)


def pings():
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=health.ping_path())


def test_fresh_install_reports_starting_and_enqueues_one_ping():
    code, body = call()
    assert code == 200 and body["database"] == "ok" and body["worker"] == "starting"
    assert pings().count() == 1
    call()
    assert pings().count() == 1  # an anonymous caller cannot fill the task table


def test_finished_ping_reports_worker_ok():
    call()
    pings().update(status="SUCCESSFUL", started_at=timezone.now(), finished_at=timezone.now())
    code, body = call()
    assert body["worker"] == "ok" and body["last_ping_age_s"] <= 5


def test_old_ping_reports_stale_and_strict_answers_503():
    call()
    long_ago = timezone.now() - dt.timedelta(minutes=10)
    pings().update(status="SUCCESSFUL", enqueued_at=long_ago, started_at=long_ago, finished_at=long_ago)
    code, body = call()
    assert (code, body["worker"]) == (200, "stale")
    assert pings().filter(status="READY").count() == 1  # a new heartbeat was asked for
    code, body = call("?strict=1")
    assert code == 503


def test_ping_task_returns_pong():
    assert health.ping.call() == "pong"


def test_health_is_never_cached():
    response = health.health(RequestFactory().get("/health/"))
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
