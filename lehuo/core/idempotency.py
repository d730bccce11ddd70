"""``Idempotency-Key`` for POSTs that create money, health or enrolment records.

The key row is inserted in the same transaction as the records. A concurrent repeat
blocks on the unique index until the first commits, then finds its answer; if the first
rolls back, the repeat goes ahead as the first.
"""

from collections.abc import Callable

from django.db import IntegrityError, transaction

from .errors import ServiceError
from .models import IdempotencyKey


def run_idempotent(user, key: str | None, scope: str, create: Callable[[], tuple[int, dict]]) -> tuple[int, dict]:
    """Run ``create`` (returning status and JSON body) once per (user, key, scope)."""
    if not key:
        with transaction.atomic():
            return create()
    key = key.strip()
    if len(key) > 200 or not key.isprintable():
        raise ServiceError("Idempotency-Key 不合法（最长200个可见字符）", "Idempotency-Key")
    for _attempt in range(3):
        try:
            # Insert first (no look-up on the common path of a new key): a repeat, or a
            # concurrent twin, fails on the unique index and reads the committed answer.
            with transaction.atomic():
                record = IdempotencyKey.objects.create(user=user, key=key, scope=scope)
                status, body = create()
                record.status_code, record.response = status, body
                record.save(update_fields=["status_code", "response"])
                return status, body
        except IntegrityError:
            existing = IdempotencyKey.objects.filter(user=user, key=key, scope=scope).first()
            if existing and existing.status_code:
                return existing.status_code, existing.response
            continue
    raise ServiceError("重复请求正在处理中，请稍后重试", "Idempotency-Key", code="busy")
