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
an UPDATE (this runs for every enrolment of the opening-time rush).
"""

from collections.abc import Callable

from django.db import IntegrityError, transaction

from .errors import ServiceError
from .models import IdempotencyKey
from .rows import insert_row


def _checked(key: str) -> str:
    key = key.strip()
    if len(key) > 200 or not key.isprintable():
        raise ServiceError("Idempotency-Key 不合法（最长200个可见字符）", "Idempotency-Key")
    return key


def _stored(user, key: str, scope: str):
    return (IdempotencyKey.objects.filter(user=user, key=key, scope=scope)
            .values_list("status_code", "response").first())


def run_idempotent(user, key: str | None, scope: str, create: Callable[[], tuple[int, dict]]) -> tuple[int, dict]:
    """Run ``create`` (returning status and JSON body) once per (user, key, scope): in one
    transaction with the key row, written last with the answer."""
    def create_and_store(key_row: IdempotencyKey | None) -> tuple[int, dict]:
        with transaction.atomic():
            status, body = create()
            if key_row is not None:
                key_row.status_code, key_row.response = status, body
                insert_row(key_row)
            return status, body

    return run_idempotent_writing_key(user, key, scope, create_and_store)


def run_idempotent_writing_key(user, key: str | None, scope: str,
                               create: Callable[[IdempotencyKey | None], tuple[int, dict]]) -> tuple[int, dict]:
    """The rule for a ``create`` that writes the key row itself, atomically with its records
    (``run_idempotent`` in a transaction; the enrolment rush in one statement,
    ``daycare/rush.py``): it gets the unsaved row (``None`` without a key) and stores the
    answer in it. If it fails (rolled back) and the key has an answer, this was a repeat: the
    first answer stands."""
    if not key:
        return create(None)
    key = _checked(key)
    try:
        return create(IdempotencyKey(user=user, key=key, scope=scope))
    except (IntegrityError, ServiceError):
        stored = _stored(user, key, scope)
        if stored is not None:
            return stored
        raise
