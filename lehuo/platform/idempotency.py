"""``Idempotency-Key`` for POSTs that create money, health or enrolment records.

The key row is written with the answer, last, in the same transaction as the records, under
a unique index on (user, key, scope). So:

- a repeat after the first committed runs again and fails, either on the key's index or on
  a rule the first answer already satisfied (the child already holds a place); everything it
  wrote rolls back and it gets the stored first answer;
- a concurrent twin blocks on that index (or on the records' own row locks) until the first
  commits, then does the same; if the first rolled back instead, the twin simply becomes the
  first.

Nothing is ever written twice, and a new key costs one INSERT, not a look-up, an INSERT and
an UPDATE (this runs for every enrolment of the opening-time rush). A key used again with a
different request (another body, another path) is refused with 422 and writes nothing, as
Stripe does: the caller's ``fingerprint`` (``fingerprint_of(request)``) is kept with the key.
"""

import contextvars
import hashlib
from collections.abc import Callable
from urllib.parse import urlencode

from django.db import IntegrityError, connection, transaction
from django.http.request import RawPostDataException
from django.utils.translation import gettext as _

from .errors import ServiceError
from .models import IdempotencyKey
from .rows import insert_row


class KeyReused(ServiceError):
    """The key was first used with another request."""

    status = 422

    def __init__(self):
        super().__init__(_("该 Idempotency-Key 已用于另一个请求，请为新请求使用新的键"), "Idempotency-Key",
                         code="idempotency_key_reused")


# The request being served (set by RequestFingerprintMiddleware): every caller of
# ``run_idempotent`` gets its request's fingerprint without passing it. The digest is taken
# only when a key is used (never for an upload without one).
_current: contextvars.ContextVar = contextvars.ContextVar("lehuo_request", default=None)


class RequestFingerprintMiddleware:
    """Remembers each POST, PUT or PATCH for ``run_idempotent`` while it is served."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("POST", "PUT", "PATCH"):
            return self.get_response(request)
        token = _current.set(request)
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)


def fingerprint_of(request) -> str:
    """A digest of what makes a request the same request: method, path and body (for a form
    whose body has been parsed already, its fields without the CSRF token)."""
    try:
        body = request.body or b""
    except RawPostDataException:
        fields = sorted((k, v) for k, vs in request.POST.lists() if k != "csrfmiddlewaretoken" for v in vs)
        body = urlencode(fields).encode()
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.get_full_path().encode(), body):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def _current_fingerprint() -> str:
    request = _current.get()
    return fingerprint_of(request) if request is not None else ""


def _checked(key: str) -> str:
    key = key.strip()
    if len(key) > 200 or not key.isprintable():
        raise ServiceError(_("Idempotency-Key 不合法（最长200个可见字符）"), "Idempotency-Key")
    return key


def _stored(user, key: str, scope: str, fingerprint: str):
    row = (IdempotencyKey.objects.filter(user=user, key=key, scope=scope)
           .values_list("status_code", "response", "fingerprint").first())
    if row is None:
        return None
    status, response, first = row
    if fingerprint and first and first != fingerprint:
        raise KeyReused()
    return status, response


def run_idempotent(user, key: str | None, scope: str, create: Callable[[], tuple[int, dict]], *,
                   fingerprint: str = "") -> tuple[int, dict]:
    """Run ``create`` (returning status and JSON body) once per (user, key, scope): in one
    transaction with the key row, written last with the answer."""
    def create_and_store(key_row: IdempotencyKey | None) -> tuple[int, dict]:
        with transaction.atomic():
            status, body = create()
            if key_row is not None:
                key_row.status_code, key_row.response = status, body
                insert_row(key_row)
            return status, body

    return run_idempotent_writing_key(user, key, scope, create_and_store, fingerprint=fingerprint)


def run_idempotent_writing_key(user, key: str | None, scope: str,
                               create: Callable[[IdempotencyKey | None], tuple[int, dict]], *,
                               fingerprint: str = "") -> tuple[int, dict]:
    """The rule for a ``create`` that writes the key row itself, atomically with its records
    (``run_idempotent`` in a transaction; the enrolment rush in one statement,
    ``daycare/rush.py``): it gets the unsaved row (``None`` without a key) and stores the
    answer in it. If it fails (rolled back) and the key has an answer, this was a repeat: the
    first answer stands."""
    if not key:
        return create(None)
    key = _checked(key)
    fingerprint = fingerprint or _current_fingerprint()
    row = IdempotencyKey(user=user, key=key, scope=scope, fingerprint=fingerprint)
    try:
        if connection.in_atomic_block:
            # Inside a caller's transaction (a test's, a page's): a savepoint, so that a refused
            # repeat leaves the transaction usable for reading the first answer. A request of
            # the API runs in autocommit and needs none (the rush's one statement stays one).
            with transaction.atomic():
                return create(row)
        return create(row)
    except (IntegrityError, ServiceError):
        stored = _stored(user, key, scope, fingerprint)
        if stored is not None:
            return stored
        raise
