"""Reports from the read replica: stats pages read from ``reports``, everything else from the primary.

``REPORTS_DATABASE_URL`` names a PostgreSQL streaming replica (docs/deploy.md). The router
sends a read to it only while a report view runs (the views named in ``LEHUO_REPORT_VIEWS``,
GET only) and only when the replica is fit: it answers within ``LEHUO_REPLICA_CONNECT_TIMEOUT``
seconds, is in recovery (a replica, not a promoted copy), and has replayed the primary's WAL up
to at most ``LEHUO_REPLICA_MAX_LAG_SECONDS`` behind. Capacity, every write and every other page
read from the primary (``default``).

A lagging, stopped or failing replica never gives wrong or missing figures: the page is computed
on the primary instead, says so in a note (``reports_note`` in the template context) and in the
``X-Lehuo-Figures-From`` header (``replica`` or ``primary``). If the replica fails during the
view, the view runs again on the primary. The fitness check is remembered for
``LEHUO_REPLICA_CHECK_SECONDS`` per process (an observation, not shared state).
"""

import contextvars
import logging
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger("lehuo.reports")
REPORTS = "reports"

# None: not in a report view; "reports" or "default": where this report view reads.
_reading: contextvars.ContextVar[str | None] = contextvars.ContextVar("lehuo_reports_reading", default=None)
_last_check: dict = {"at": 0.0, "fit": False, "reason": ""}

NOTE_LAGGING = _("报表副本数据库滞后，本页数据直接取自主数据库（数据完整、准确，但页面可能稍慢）。")
NOTE_DOWN = _("报表副本数据库暂时不可用，本页数据直接取自主数据库（数据完整、准确，但页面可能稍慢）。")


def configured() -> bool:
    return REPORTS in settings.DATABASES


def replica_state() -> tuple[bool, str]:
    """(fit, reason): ``reason`` is "ok", "lagging", "not a replica" or "down"."""
    now = time.monotonic()
    if now - _last_check["at"] < settings.LEHUO_REPLICA_CHECK_SECONDS:
        return _last_check["fit"], _last_check["reason"]
    fit, reason = _check()
    _last_check.update(at=now, fit=fit, reason=reason)
    if not fit:
        logger.warning("reports replica not used", extra={"reason": reason})
    return fit, reason


def forget_state() -> None:
    _last_check.update(at=0.0, fit=False, reason="")


def _check() -> tuple[bool, str]:
    conn = connections[REPORTS]
    if conn.vendor != "postgresql":  # a second SQLite or a test mirror: nothing to measure
        try:
            conn.ensure_connection()
            return True, "ok"
        except DatabaseError:
            return False, "down"
    row = None
    for _attempt in range(2):  # a connection broken by a replica restart: once more on a new one
        try:
            with conn.cursor() as cursor:
                cursor.execute("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text, "
                               "EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())")
                row = cursor.fetchone()
            break
        except DatabaseError:
            with _suppress():
                conn.close()
    if row is None:
        return False, "down"
    in_recovery, replay_lsn, replay_age = row
    if not in_recovery:
        return False, "not a replica"
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s::pg_lsn)", [replay_lsn])
        behind_bytes = cursor.fetchone()[0]
    # Behind by some WAL and the last replayed commit older than the limit: lagging. (An idle
    # primary writes nothing, so an old replay time alone means nothing.)
    if behind_bytes and behind_bytes > 0 and (replay_age is None or float(replay_age) > settings.LEHUO_REPLICA_MAX_LAG_SECONDS):
        return False, "lagging"
    return True, "ok"


class _suppress:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return True


class ReportsRouter:
    """Reads of a report view go to the replica when it is fit; all else to ``default``."""

    def db_for_read(self, model, **hints):
        return REPORTS if _reading.get() == REPORTS else None

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same tables: the replica is a copy of the primary

    def allow_migrate(self, db, app_label, **hints):
        return db != REPORTS


def note_for(reason: str):
    return NOTE_LAGGING if reason == "lagging" else NOTE_DOWN


class ReportsMiddleware:
    """Marks a report view's reads for the replica, or for the primary with a note."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if request.method not in ("GET", "HEAD") or not match or match.view_name not in settings.LEHUO_REPORT_VIEWS \
                or not configured():
            return None
        getattr(request.user, "pk", None)  # the session and user from the primary, before switching
        fit, reason = replica_state()
        token = _reading.set(REPORTS if fit else DEFAULT_DB_ALIAS)
        request.reports_note = None if fit else note_for(reason)
        try:
            try:
                response = view_func(request, *view_args, **view_kwargs)
                if hasattr(response, "render") and callable(response.render):
                    response = response.render()
            except DatabaseError:
                if _reading.get() != REPORTS:
                    raise
                # The replica failed under the view: again on the primary, with the note.
                logger.warning("reports replica failed during a view: computed on the primary")
                _last_check.update(at=time.monotonic(), fit=False, reason="down")
                with _suppress():
                    connections[REPORTS].close()
                _reading.set(DEFAULT_DB_ALIAS)
                request.reports_note = NOTE_DOWN
                response = view_func(request, *view_args, **view_kwargs)
            response["X-Lehuo-Figures-From"] = "replica" if _reading.get() == REPORTS else "primary"
            return response
        finally:
            _reading.reset(token)


def context(request):
    """Template context: ``reports_note`` when a report was computed on the primary instead."""
    return {"reports_note": getattr(request, "reports_note", None)}
