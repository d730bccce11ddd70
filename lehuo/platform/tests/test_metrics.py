"""/metrics answers only the configured addresses, and counts requests per view."""

import pytest
from django.http import HttpResponse, JsonResponse

from lehuo.platform import metrics

pytestmark = pytest.mark.django_db


def test_metrics_for_an_allowed_address_count_requests_per_view(client):
    client.get("/health/")
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'lehuo_requests_total{method="GET",status="200",view="platform:health"}' in text
    assert 'lehuo_request_seconds_bucket{le="0.005",method="GET",view="platform:health"}' in text
    assert 'lehuo_request_db_seconds_count{view="platform:health"}' in text
    assert "lehuo_task_queue_depth" in text and "lehuo_task_queue_oldest_age_seconds" in text
    assert response["Cache-Control"] == "no-store"


def test_metrics_refused_to_other_addresses(client, settings):
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 404
    settings.LEHUO_METRICS_ALLOWED = ["10.1.0.0/16"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404


def test_metrics_through_the_proxy_judge_the_real_caller(client):
    # nginx on 127.0.0.1 passes the caller as X-Real-IP: a caller from outside is refused, even
    # though the connection comes from an allowed address.
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.9").status_code == 404
    # An X-Real-IP from a caller that is not a trusted proxy is not believed.
    assert client.get("/metrics", REMOTE_ADDR="198.51.100.7", HTTP_X_REAL_IP="127.0.0.1").status_code == 404


def test_rush_outcomes_are_read_from_the_answers():
    assert metrics.rush_outcome(JsonResponse({"status": "confirmed"}, status=201)) == "confirmed"
    assert metrics.rush_outcome(JsonResponse({"status": "waitlisted"}, status=201)) == "waitlisted"
    assert metrics.rush_outcome(HttpResponse(status=503)) == "busy"
    assert metrics.rush_outcome(HttpResponse(status=429)) == "throttled"
    assert metrics.rush_outcome(HttpResponse(status=422)) == "refused"


def test_rush_counter_moves_on_an_enrolment_post(client, settings):
    settings.LEHUO_METRICS_RUSH_VIEWS = {"api-v1:list_enrolments"}
    before = metrics.ENROLMENT_ANSWERS.labels("refused")._value.get()
    client.post("/api/v1/daycare/offerings/1/enrolments", {}, content_type="application/json")  # anonymous: 401
    assert metrics.ENROLMENT_ANSWERS.labels("refused")._value.get() == before + 1
