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


def run_idempotent(user, key: str | None, scope: str, create: Callable[[], tuple[int, dict]]) -> tuple[int, dict]:
    """Run ``create`` (returning status and JSON body) once per (user, key, scope)."""
    if not key:
        with transaction.atomic():
            return create()
    key = key.strip()
    if len(key) > 200 or not key.isprintable():
        raise ServiceError("Idempotency-Key 不合法（最长200个可见字符）", "Idempotency-Key")
    try:
        with transaction.atomic():
            status, body = create()
            insert_row(IdempotencyKey(user=user, key=key, scope=scope, status_code=status, response=body))
            return status, body
    except (IntegrityError, ServiceError):
        # Rolled back. If the key has an answer, this was a repeat: the first answer stands.
        stored = (IdempotencyKey.objects.filter(user=user, key=key, scope=scope)
                  .values_list("status_code", "response").first())
        if stored is not None:
            return stored
        raise
