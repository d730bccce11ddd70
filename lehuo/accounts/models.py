"""Towns and their neighbourhoods, and who works where: memberships (roles), programme
assignments, API tokens and second-factor devices."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from lehuo.lib.text import pinyin_key

# Roles (docs/security.md). A user may hold several memberships, e.g. social worker and instructor.
TOWN_ADMIN = "town_admin"
SOCIAL_WORKER = "social_worker"
PROGRAMME_STAFF = "programme_staff"
EDITOR = "editor"
VIEWER = "viewer"
ROLES = [
    (TOWN_ADMIN, _("镇管理员")),
    (SOCIAL_WORKER, _("居民区社工")),
    (PROGRAMME_STAFF, _("项目工作人员")),
    (EDITOR, _("编辑")),
    (VIEWER, _("查看者")),
]
# Roles that may reveal full ID numbers and phones (each reveal is logged).
REVEAL_ROLES = {TOWN_ADMIN, SOCIAL_WORKER}



class Town(models.Model):
    code = models.CharField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=50)

    class Meta:
        verbose_name = _("镇/街道")
        verbose_name_plural = _("镇/街道")

    def __str__(self) -> str:
        return self.name


class Neighbourhood(models.Model):
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="neighbourhoods")
    code = models.CharField(_("代码"), max_length=20)
    name = models.CharField(_("名称"), max_length=50)
    name_pinyin = models.CharField(max_length=200, blank=True, editable=False)
    households = models.PositiveIntegerField(_("户数"), null=True, blank=True)

    class Meta:
        verbose_name = _("居民区")
        verbose_name_plural = _("居民区")
        ordering = ["name_pinyin", "id"]
        constraints = [models.UniqueConstraint(fields=["town", "code"], name="neighbourhood_code_unique")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name_pinyin = pinyin_key(self.name)[0]
        super().save(*args, **kwargs)


class Membership(models.Model):
    """A staff role in a town; social workers are scoped to their neighbourhoods."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    town = models.ForeignKey(Town, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("角色"), max_length=20, choices=ROLES)
    neighbourhoods = models.ManyToManyField(Neighbourhood, blank=True, verbose_name=_("负责居民区"))
    title = models.CharField(_("职务"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        constraints = [models.UniqueConstraint(fields=["user", "town", "role"], name="membership_unique")]


class Assignment(models.Model):
    """Programme staff assigned to a programme object (a cohort, a blood drive, a day-care site...)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    duty = models.CharField(_("职责"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("项目分工")
        verbose_name_plural = _("项目分工")
        constraints = [
            models.UniqueConstraint(fields=["user", "content_type", "object_id"], name="assignment_unique")
        ]


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=50, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)


# Two-factor devices live in their own module (accounts/otp.py uses them); imported here so Django sees the model.
from .otp_models import TotpDevice  # noqa: E402,F401
from .phone_models import PhoneAccount  # noqa: E402,F401
