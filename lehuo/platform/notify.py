"""Notifications to residents (a waiting-list place confirmed...). Console by default;
set ``LEHUO_NOTIFICATION_BACKEND`` to a class with ``send(phone, text)`` for SMS.

The console backend only logs (the phone masked): it keeps nothing. ``MemoryBackend`` keeps the
last ``OUTBOX_SIZE`` messages in ``outbox`` for the test suite (lehuo/settings_test.py), never
in a running site."""

import logging
from collections import deque

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

logger = logging.getLogger("lehuo.notify")
OUTBOX_SIZE = 200
outbox: deque[tuple[str, str]] = deque(maxlen=OUTBOX_SIZE)  # MemoryBackend only (tests)


class ConsoleBackend:
    def send(self, phone: str, text: str) -> None:
        from lehuo.lib.identity import mask_phone

        logger.info("notification to %s: %s", mask_phone(phone), text)


class MemoryBackend(ConsoleBackend):
    """For tests: logs, and keeps the last messages in ``outbox``."""

    def send(self, phone: str, text: str) -> None:
        outbox.append((phone, text))
        super().send(phone, text)


def notify(phone: str, text: str) -> None:
    """Send after the transaction commits, so nobody is told of a change that rolled back."""
    if not phone:
        return
    backend = import_string(settings.LEHUO_NOTIFICATION_BACKEND)()
    transaction.on_commit(lambda: backend.send(phone, text))
