"""Notifications to residents (a waiting-list place confirmed...). Console by default;
set ``LEHUO_NOTIFICATION_BACKEND`` to a class with ``send(phone, text)`` for SMS."""

import logging

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

logger = logging.getLogger("lehuo.notify")
outbox: list[tuple[str, str]] = []  # the console backend keeps messages here for tests


class ConsoleBackend:
    def send(self, phone: str, text: str) -> None:
        from lehuo.lib.identity import mask_phone

        outbox.append((phone, text))
        logger.info("notification to %s: %s", mask_phone(phone), text)


def notify(phone: str, text: str) -> None:
    """Send after the transaction commits, so nobody is told of a change that rolled back."""
    if not phone:
        return
    backend = import_string(settings.LEHUO_NOTIFICATION_BACKEND)()
    transaction.on_commit(lambda: backend.send(phone, text))
