"""TOTP two-factor codes (RFC 6238 over RFC 4226 HOTP), with the standard library only.

A device holds a random 160-bit secret (encrypted at rest like ID numbers). A code is
accepted one 30-second step either side of now, and never twice: the device remembers the
last step used, and a code for that step or an earlier one is refused (replay protection).
The step is claimed with a conditional UPDATE, so two requests racing with the same code
cannot both win.
"""

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote, urlencode

from django.db import transaction
from django.utils import timezone

STEP_SECONDS = 30
DIGITS = 6
WINDOW = 1  # steps either side of now: clocks on phones drift


def new_secret() -> str:
    """A base32 secret (20 random bytes, the RFC 4226 recommendation), without padding."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def secret_bytes(secret: str) -> bytes:
    cleaned = secret.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def hotp(key: bytes, counter: int, digits: int = DIGITS, digest=hashlib.sha1) -> str:
    mac = hmac.new(key, struct.pack(">Q", counter), digest).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def step_at(unix_time: float, step: int = STEP_SECONDS) -> int:
    return int(unix_time // step)


def totp(key: bytes, unix_time: float, digits: int = DIGITS, step: int = STEP_SECONDS, digest=hashlib.sha1) -> str:
    return hotp(key, step_at(unix_time, step), digits, digest)


def matching_step(secret: str, code: str, unix_time: float | None = None, window: int = WINDOW) -> int | None:
    """The time step whose code equals ``code`` within the window, or None."""
    code = (code or "").strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    key = secret_bytes(secret)
    now = step_at(time.time() if unix_time is None else unix_time)
    for step in range(now - window, now + window + 1):
        if hmac.compare_digest(hotp(key, step), code):
            return step
    return None


def provisioning_uri(secret: str, account: str, issuer: str = "乐活") -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    label = quote(f"{issuer}:{account}")
    query = urlencode({"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS,
                       "period": STEP_SECONDS}, quote_via=quote)
    return f"otpauth://totp/{label}?{query}"


def verify_device(device, code: str, unix_time: float | None = None) -> bool:
    """True when ``code`` is valid now and its step is newer than any used before (claimed here)."""
    from .models import TotpDevice

    step = matching_step(device.secret, code, unix_time)
    if step is None:
        return False
    with transaction.atomic():
        won = (
            TotpDevice.objects.filter(pk=device.pk)
            .filter(models_q_step_free(step))
            .update(last_used_step=step, last_used_at=timezone.now())
        )
    if won:
        device.last_used_step = step
    return bool(won)


def models_q_step_free(step: int):
    from django.db.models import Q

    return Q(last_used_step__isnull=True) | Q(last_used_step__lt=step)


def format_secret(secret: str) -> str:
    """Groups of four for typing into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
