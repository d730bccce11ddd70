"""A request id for every request, in every log line it causes, and in the task jobs it starts.

nginx gives each request an id (``$request_id``) and passes it as ``X-Request-ID``; without
nginx the middleware makes one. The id is kept in a context variable for the request's life,
written by :class:`RequestIdFilter` into every log record (``request_id``), returned to the
client as ``X-Request-ID``, and stored on the :class:`~lehuo.platform.models.Job` a request
starts, so the task worker's lines for that job carry the same id (``job_started``).

:class:`JsonFormatter` writes one JSON object per line (``LOG_FORMAT=json``, the default when
DEBUG is off): time, level, logger, message, request id, process id, and the exception.
"""

import contextvars
import json
import logging
import os
import re
import time
import uuid

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("lehuo_request_id", default="")
VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
access_logger = logging.getLogger("lehuo.request")


def current() -> str:
    return request_id_var.get()


def new_id() -> str:
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """First in the chain: sets the id, logs one line per request (view, status, time)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.META.get("HTTP_X_REQUEST_ID", "")
        rid = given if VALID_ID.match(given) else new_id()
        request.request_id = rid
        token = request_id_var.set(rid)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = rid
            match = getattr(request, "resolver_match", None)
            access_logger.info("request", extra={
                "method": request.method, "path": request.path, "status": response.status_code,
                "view": match.view_name if match else "",
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "server": os.environ.get("LEHUO_SERVER_NAME", "")})
            return response
        finally:
            request_id_var.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (empty outside a request or job) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = request_id_var.get()
        return True


_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "request_id"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or request_id_var.get(),
            "pid": record.process,
        }
        for key, value in vars(record).items():  # ``extra={...}`` fields
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value if isinstance(value, str | int | float | bool | type(None)) else str(value)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


# --- task jobs -------------------------------------------------------------------------------

_job_tokens: dict[str, contextvars.Token] = {}

def job_started(sender, task_result, **kwargs) -> None:
    """django-tasks' ``task_started``: a job's task takes on the id of the request that
    started the job, for every line it logs until it finishes."""
    from .models import Job

    rid = ""
    args = getattr(task_result, "args", None) or []
    if args and isinstance(args[0], int):
        rid = Job.objects.filter(pk=args[0], task_path=task_result.task.module_path) \
            .values_list("request_id", flat=True).first() or ""
    _job_tokens[str(task_result.id)] = request_id_var.set(rid)
    if rid:
        logging.getLogger("lehuo.jobs").info("job started", extra={"task": task_result.task.module_path,
                                                                  "task_id": str(task_result.id)})


def job_finished(sender, task_result, **kwargs) -> None:
    if request_id_var.get():
        logging.getLogger("lehuo.jobs").info("job finished", extra={
            "task": task_result.task.module_path, "task_id": str(task_result.id), "state": str(task_result.status)})
    token = _job_tokens.pop(str(task_result.id), None)
    if token is not None:
        request_id_var.reset(token)
