"""Prometheus metrics at ``/metrics``, answered only to the addresses of ``LEHUO_METRICS_ALLOWED``.

- ``lehuo_requests_total{view,method,status}`` and ``lehuo_request_seconds{view,method}``: request
  rate and latency per view (the URL pattern's name, never the path with its ids);
- ``lehuo_request_db_seconds{view}`` and ``lehuo_db_queries_total{view}``: time spent in the
  database per request, and the number of statements;
- ``lehuo_enrolment_answers_total{outcome}``: the day-care rush's answers, ``confirmed``,
  ``waitlisted``, ``busy`` (503, try again), ``throttled`` (429) and ``refused`` (4xx); a retry
  with the same ``Idempotency-Key`` gets the first answer again and is counted again;
- ``lehuo_task_queue_depth`` and ``lehuo_task_queue_oldest_age_seconds``: tasks waiting for a
  worker and how long the oldest has waited (read from the task table when scraped).

gunicorn runs several worker processes: with ``PROMETHEUS_MULTIPROC_DIR`` set (the systemd unit
sets it to a fresh directory per app server) each process writes its values there and the
scrape adds them up (prometheus-client's multiprocess mode).
"""

import contextlib
import ipaddress
import json
import os
import time

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import HttpResponse, HttpResponseNotFound
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUESTS = Counter("lehuo_requests", "Requests answered, per view, method and status", ["view", "method", "status"])
LATENCY = Histogram("lehuo_request_seconds", "Time to answer a request, per view", ["view", "method"], buckets=BUCKETS)
DB_TIME = Histogram("lehuo_request_db_seconds", "Database time of a request, per view", ["view"], buckets=BUCKETS)
DB_QUERIES = Counter("lehuo_db_queries", "Database statements, per view", ["view"])
ENROLMENT_ANSWERS = Counter("lehuo_enrolment_answers", "Day-care enrolment answers by outcome", ["outcome"])


def client_address(request) -> str:
    """The caller's address: ``REMOTE_ADDR``, or the ``X-Real-IP`` nginx sets when the request
    came through a proxy of ``LEHUO_TRUSTED_PROXIES``."""
    remote = request.META.get("REMOTE_ADDR", "")
    real = request.META.get("HTTP_X_REAL_IP", "").strip()
    if real and remote in settings.LEHUO_TRUSTED_PROXIES:
        return real
    return remote


def _allowed(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in settings.LEHUO_METRICS_ALLOWED:
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def view_label(request) -> str:
    match = getattr(request, "resolver_match", None)
    return (match.view_name or match.url_name or "<unnamed>") if match else "<unmatched>"


class MetricsMiddleware:
    """Counts every request (after the request id middleware, before everything else)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/metrics":
            return self.get_response(request)
        db = {"seconds": 0.0, "queries": 0}

        def timed(execute, sql, params, many, context):
            t0 = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                db["seconds"] += time.perf_counter() - t0
                db["queries"] += 1

        started = time.perf_counter()
        with contextlib.ExitStack() as stack:
            for conn in connections.all(initialized_only=False):
                stack.enter_context(conn.execute_wrapper(timed))
            response = self.get_response(request)
        view = view_label(request)
        LATENCY.labels(view, request.method).observe(time.perf_counter() - started)
        REQUESTS.labels(view, request.method, str(response.status_code)).inc()
        DB_TIME.labels(view).observe(db["seconds"])
        DB_QUERIES.labels(view).inc(db["queries"])
        if request.method == "POST" and view in settings.LEHUO_METRICS_RUSH_VIEWS:
            ENROLMENT_ANSWERS.labels(rush_outcome(response)).inc()
        return response


def rush_outcome(response) -> str:
    if response.status_code == 201:
        try:
            return str(json.loads(response.content).get("status") or "confirmed")
        except (ValueError, AttributeError):
            return "confirmed"
    if response.status_code == 503:
        return "busy"
    if response.status_code == 429:
        return "throttled"
    return "refused" if response.status_code < 500 else "error"


class TaskQueueCollector:
    """Depth and age of the task queue, read from the task table at scrape time."""

    def collect(self):
        from django.db.models import Min
        from django.utils import timezone
        from django_tasks_db.models import DBTaskResult

        depth = GaugeMetricFamily("lehuo_task_queue_depth", "Tasks waiting for a worker")
        age = GaugeMetricFamily("lehuo_task_queue_oldest_age_seconds", "How long the oldest waiting task has waited")
        try:
            waiting = DBTaskResult.objects.filter(status="READY")
            row = waiting.aggregate(oldest=Min("enqueued_at"))
            depth.add_metric([], waiting.count())
            age.add_metric([], (timezone.now() - row["oldest"]).total_seconds() if row["oldest"] else 0.0)
        except DatabaseError:
            return
        yield depth
        yield age


def metrics_view(request):
    if not _allowed(client_address(request)) or (
            request.META.get("HTTP_X_REAL_IP") and request.META.get("REMOTE_ADDR") not in settings.LEHUO_TRUSTED_PROXIES):
        return HttpResponseNotFound()
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY

        registry = REGISTRY
    output = generate_latest(registry)
    output += generate_latest(_queue_registry())
    response = HttpResponse(output, content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response


def _queue_registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(TaskQueueCollector())
    return registry

