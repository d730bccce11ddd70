"""A resident's mobile number, the identity they sign in with (django-allauth's phone support
stores it through ``accounts.adapter.AccountAdapter``). Encrypted at rest, found by keyed hash."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lehuo.platform.crypto import EncryptedTextField


class PhoneAccount(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="phone_account")
    phone = EncryptedTextField(_("手机号码"))
    phone_hash = models.CharField(max_length=64, unique=True)
    verified = models.BooleanField(_("已验证"), default=False)
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("居民手机账户")
        verbose_name_plural = _("居民手机账户")
