"""Health of a running Lehuo: the database answers, and a task worker really runs tasks.

``/health/`` (wire ``health`` here in place of ``views.health``) answers 200 when the database
answers and 503 when it does not. The worker is judged by a heartbeat: the view enqueues a
trivial ``ping`` task at most once per ``PING_EVERY`` seconds (so an anonymous caller cannot
fill the task table) and reports how long ago a ping was last completed:

- ``ok``: a ping finished within ``STALE_AFTER`` seconds;
- ``starting``: no ping has finished yet (a fresh install, or the first ping is queued);
- ``stale``: the last finished ping is older than that: no worker is running, or it is stuck.

A stale worker keeps the answer at 200 (pages still work; a monitor alerts on the field),
unless ``?strict=1`` is given, which a worker-aware monitor uses to get a 503.
"""

import datetime as dt

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django_tasks import task

PING_EVERY = 30
STALE_AFTER = 120


@task()
def ping() -> str:
    """The worker's heartbeat: it does nothing but finish."""
    return "pong"


def ping_path() -> str:
    return f"{ping.func.__module__}.{ping.func.__qualname__}"


def worker_state(now: dt.datetime | None = None, enqueue: bool = True) -> dict:
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    pings = DBTaskResult.objects.filter(task_path=ping_path())
    last_done = pings.filter(status="SUCCESSFUL").exclude(finished_at=None).order_by("-finished_at") \
        .values_list("finished_at", flat=True).first()
    waiting = pings.filter(status__in=["READY", "RUNNING"])
    state: dict = {"pending_tasks": DBTaskResult.objects.filter(status="READY").count()}
    if last_done:
        age = int((now - last_done).total_seconds())
        state["last_ping_age_s"] = age
        state["worker"] = "ok" if age <= STALE_AFTER else "stale"
    else:
        state["worker"] = "starting"
        oldest = waiting.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
        if oldest and (now - oldest).total_seconds() > STALE_AFTER:
            state["worker"] = "stale"
    recently_asked = pings.filter(enqueued_at__gte=now - dt.timedelta(seconds=PING_EVERY)).exists()
    if enqueue and not recently_asked and not waiting.exists():
        ping.enqueue()
    return state


@never_cache
def health(request):
    status: dict = {"database": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"database": "error", "worker": "unknown"}, status=503)
    try:
        status.update(worker_state())
    except DatabaseError:
        status["worker"] = "unknown"
    code = 503 if request.GET.get("strict") == "1" and status["worker"] != "ok" else 200
    return JsonResponse(status, status=code)
