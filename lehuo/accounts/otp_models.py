"""The TOTP device of a user (two-factor sign-in, docs/security.md), a django-otp device.

django-otp gives the device registry, the session's verified state (``django_otp.login``,
``request.user.is_verified()``) and throttling; this model keeps the secret encrypted at rest
(django-otp's own TOTP device stores it in clear) and refuses a code twice with a conditional
UPDATE, so two requests racing with the same code cannot both win.
"""

import base64
import secrets

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin
from django_otp.oath import TOTP

from lehuo.platform.crypto import EncryptedTextField

STEP_SECONDS = 30
DIGITS = 6
TOLERANCE = 1  # steps either side of now: clocks on phones drift


def new_secret() -> str:
    """A base32 secret (20 random bytes, the RFC 4226 recommendation), without padding."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def secret_bytes(secret: str) -> bytes:
    cleaned = secret.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


class TotpDevice(ThrottlingMixin, Device):
    """One authenticator app per user. Unconfirmed until a first code proves it was set up."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_device")
    name = models.CharField(max_length=64, default="authenticator")
    confirmed = models.BooleanField(default=False)
    secret = EncryptedTextField(_("密钥"))
    confirmed_at = models.DateTimeField(_("启用时间"), null=True, blank=True)
    # The last 30-second step whose code was accepted: that code and older ones are refused.
    last_used_step = models.BigIntegerField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("两步验证设备")
        verbose_name_plural = _("两步验证设备")

    def __str__(self) -> str:
        return f"TOTP {self.user}"

    def get_throttle_factor(self) -> int:
        return settings.OTP_TOTP_THROTTLE_FACTOR

    def totp(self) -> TOTP:
        return TOTP(secret_bytes(self.secret), step=STEP_SECONDS, digits=DIGITS)

    def matching_step(self, token, unix_time: float | None = None) -> int | None:
        """The time step whose code is ``token`` within the tolerance, or None."""
        token = str(token or "").strip().replace(" ", "")
        if len(token) != DIGITS or not token.isdigit():
            return None
        totp = self.totp()
        if unix_time is not None:
            totp.time = unix_time
        if not totp.verify(int(token), tolerance=TOLERANCE):
            return None
        return totp.t()

    def verify_token(self, token, unix_time: float | None = None) -> bool:
        """django-otp's check: throttled after failures, and each step accepted once."""
        allowed, _details = self.verify_is_allowed()
        if not allowed:
            return False
        step = self.matching_step(token, unix_time)
        won = False
        if step is not None:
            with transaction.atomic():
                won = bool(TotpDevice.objects.filter(pk=self.pk).filter(
                    Q(last_used_step__isnull=True) | Q(last_used_step__lt=step)).update(
                    last_used_step=step, last_used_at=timezone.now()))
            if won:
                self.last_used_step = step
        if won:
            self.throttle_reset(commit=False)
        else:
            self.throttle_increment(commit=False)
        TotpDevice.objects.filter(pk=self.pk).update(
            throttling_failure_timestamp=self.throttling_failure_timestamp,
            throttling_failure_count=self.throttling_failure_count)
        return won
