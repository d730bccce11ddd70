"""The console backend: the text goes to the server log (``make run``) and to ``outbox`` (tests).
Never for real residents: the code is printed in full so a developer can sign in."""

import logging

from .base import SmsBackend

logger = logging.getLogger("lehuo.sms")
outbox: list[tuple[str, str, dict]] = []  # (phone, template, params), newest last


class ConsoleSmsBackend(SmsBackend):
    def send(self, phone: str, template: str, params: dict[str, str]) -> None:
        outbox.append((phone, template, dict(params)))
        shown = " ".join(f"{k}={v}" for k, v in params.items())
        logger.warning("SMS (console backend, not sent) to %s: template=%s %s", phone[:3] + "****" + phone[-4:], template, shown)
