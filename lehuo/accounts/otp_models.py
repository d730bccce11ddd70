"""The TOTP device of a user (two-factor login for town admins, see core/otp.py)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lehuo.platform.crypto import EncryptedTextField


class TotpDevice(models.Model):
    """One authenticator app per user. Unconfirmed until a first code proves it was set up."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_device")
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

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None
