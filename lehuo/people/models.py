"""Towns, neighbourhoods, people, organisations, roles, consent and the audit log."""

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .crypto import EncryptedTextField
from .identity import ID_RIC, ID_TYPES, age_at, mask_id_number, mask_phone

# Roles (DESIGN.md). A user may hold several memberships, e.g. social worker and instructor.
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
        from .text import pinyin_key

        self.name_pinyin = pinyin_key(self.name)[0]
        super().save(*args, **kwargs)


class Tag(models.Model):
    """The tag dictionary (社区云 style): 党员, 学生, 居民, 残疾人, 社工, 志愿者, 五老..."""

    PERSON = "person"
    ORGANISATION = "organisation"
    town = models.ForeignKey(Town, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(_("名称"), max_length=20)
    applies_to = models.CharField(
        _("适用于"), max_length=20, choices=[(PERSON, _("个人")), (ORGANISATION, _("单位"))], default=PERSON
    )
    description = models.CharField(_("说明"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("标签")
        verbose_name_plural = _("标签")
        ordering = ["order", "name"]
        constraints = [models.UniqueConstraint(fields=["town", "name"], name="tag_name_unique")]

    def __str__(self) -> str:
        return self.name


class PersonQuerySet(models.QuerySet):
    def for_user(self, user) -> "PersonQuerySet":
        from .scoping import person_scope_q

        return self.filter(person_scope_q(user))

    def active(self) -> "PersonQuerySet":
        return self.filter(erased_at__isnull=True)


class Person(models.Model):
    SEXES = [("M", _("男")), ("F", _("女"))]

    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="people")
    neighbourhood = models.ForeignKey(
        Neighbourhood, on_delete=models.PROTECT, related_name="people", null=True, blank=True
    )
    name = models.CharField(_("姓名"), max_length=50)
    name_pinyin = models.CharField(_("拼音"), max_length=200, blank=True, db_index=True)
    name_initials = models.CharField(_("拼音首字母"), max_length=50, blank=True, db_index=True)
    sex = models.CharField(_("性别"), max_length=1, choices=SEXES, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    id_type = models.CharField(_("证件类型"), max_length=10, choices=ID_TYPES, default=ID_RIC)
    id_number = EncryptedTextField(_("证件号码"), blank=True, default="")
    id_hash = models.CharField(max_length=64, null=True, blank=True, editable=False)
    phone = EncryptedTextField(_("电话"), blank=True, default="")
    phone_hash = models.CharField(max_length=64, blank=True, default="", db_index=True, editable=False)
    phone_tail = models.CharField(max_length=4, blank=True, default="", db_index=True, editable=False)
    address = models.CharField(_("住址"), max_length=200, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="people", verbose_name=_("标签"))
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="person"
    )
    notes = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    erased_at = models.DateTimeField(_("已删除个人信息"), null=True, blank=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["name_pinyin", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["town", "id_hash"], condition=Q(id_hash__isnull=False), name="person_id_unique_in_town"
            )
        ]
        indexes = [
            models.Index(fields=["town", "neighbourhood", "name_pinyin"], name="person_list_idx"),
            # The people list (not erased, by pinyin or by age) with 100,000 rows: the COUNT is
            # answered from the index alone and the page comes in order, with no sort step.
            # name_initials and phone_tail ride along so searches scan the index, not the rows.
            models.Index(fields=["town", "name_pinyin", "id", "name_initials", "phone_tail"],
                         condition=Q(erased_at__isnull=True), name="person_active_pinyin_idx"),
            models.Index(fields=["town", "birth_date", "id", "name_initials", "name_pinyin", "phone_tail"],
                         condition=Q(erased_at__isnull=True), name="person_active_birth_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def age(self, on: dt.date | None = None) -> int | None:
        if not self.birth_date:
            return None
        return age_at(self.birth_date, on or timezone.localdate())

    @property
    def is_sensitive_minor(self) -> bool:
        """Children under 14: all their data is sensitive (PIPL art. 28, 31)."""
        age = self.age()
        return age is not None and age < settings.LEHUO_RULES["minor_sensitive_age"]

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class GuardianLink(models.Model):
    RELATIONS = [("father", _("父亲")), ("mother", _("母亲")), ("grandparent", _("祖父母/外祖父母")), ("other", _("其他监护人"))]
    child = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="guardian_links")
    guardian = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="ward_links")
    relation = models.CharField(_("关系"), max_length=20, choices=RELATIONS, default="other")

    class Meta:
        verbose_name = _("监护关系")
        verbose_name_plural = _("监护关系")
        constraints = [models.UniqueConstraint(fields=["child", "guardian"], name="guardian_link_unique")]


class Consent(models.Model):
    """Separate consent for a purpose (PIPL art. 29; a guardian's for under 14, art. 31)."""

    SELF = "self"
    GUARDIAN = "guardian"
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("用途"), max_length=50)
    given_by = models.CharField(
        _("同意人"), max_length=10, choices=[(SELF, _("本人")), (GUARDIAN, _("监护人"))], default=SELF
    )
    guardian = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    given_on = models.DateField(_("同意日期"))
    withdrawn_on = models.DateField(_("撤回日期"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        verbose_name = _("同意记录")
        verbose_name_plural = _("同意记录")
        indexes = [models.Index(fields=["person", "purpose"], name="consent_lookup_idx")]

    @property
    def is_active(self) -> bool:
        return self.withdrawn_on is None


class Organisation(models.Model):
    KINDS = [
        ("partner", _("共建单位")),
        ("employer", _("辖区单位")),
        ("school", _("学校")),
        ("charity", _("慈善组织")),
        ("government", _("政府部门")),
        ("other", _("其他")),
    ]
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="organisations")
    name = models.CharField(_("名称"), max_length=100)
    name_pinyin = models.CharField(max_length=300, blank=True, editable=False)
    kind = models.CharField(_("类型"), max_length=20, choices=KINDS, default="other")
    neighbourhood = models.ForeignKey(Neighbourhood, on_delete=models.SET_NULL, null=True, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = EncryptedTextField(_("联系电话"), blank=True, default="")
    address = models.CharField(_("地址"), max_length=200, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="organisations")

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["name_pinyin", "id"]
        constraints = [models.UniqueConstraint(fields=["town", "name"], name="organisation_name_unique")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        from .text import pinyin_key

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


class AuditLog(models.Model):
    """Who did what to which record, with before / after (personal data masked)."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=60, db_index=True)
    # No index of its own: audit_object_idx (content_type, object_id) serves it, and every
    # index is written on every audited change.
    content_type = models.ForeignKey(ContentType, on_delete=models.SET_NULL, null=True, blank=True, db_index=False)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("操作日志")
        verbose_name_plural = _("操作日志")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="audit_object_idx")]


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=50, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)


class IdempotencyKey(models.Model):
    """The first answer to a POST with an ``Idempotency-Key``; a repeat gets it back."""

    # Indexed by idempotency_key_unique (user, key, scope), which begins with it.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, db_index=False)
    key = models.CharField(max_length=200)
    scope = models.CharField(max_length=200)
    status_code = models.PositiveSmallIntegerField(default=0)
    response = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key", "scope"], name="idempotency_key_unique")]


class Job(models.Model):
    """A long piece of work done by the task worker, with progress for the page that waits."""

    PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"
    STATUSES = [(PENDING, _("排队中")), (RUNNING, _("进行中")), (DONE, _("已完成")), (FAILED, _("失败"))]
    # What the waiting page calls each kind of job (the kind is set by the app that starts it).
    LABELS = {
        "people.import.check": _("居民导入：校验文件"),
        "people.import.commit": _("居民导入：写入"),
        "donations.import.check": _("捐款导入：校验文件"),
        "donations.import.commit": _("捐款导入：写入"),
        "newsletter.pdf": _("生成简报 PDF"),
    }
    kind = models.CharField(max_length=50)
    status = models.CharField(max_length=10, choices=STATUSES, default=PENDING)
    progress = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    file = models.FileField(upload_to="jobs/%Y/%m/", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The task that runs it (dotted path), when it was last queued, and how many times: a job
    # whose worker died is queued again (``jobs.restart``), at most ``jobs.MAX_ATTEMPTS`` times.
    task_path = models.CharField(max_length=200, blank=True)
    queued_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=1)

    @property
    def label(self):
        return self.LABELS.get(self.kind, _("后台任务"))

    @property
    def percent(self) -> int:
        if self.status == self.DONE:
            return 100
        return int(self.progress * 100 / self.total) if self.total else 0


class HolidayOverride(models.Model):
    """Staff-editable calendar entries that win over chinesecalendar (and cover years it lacks)."""

    date = models.DateField(_("日期"), unique=True)
    is_holiday = models.BooleanField(_("放假"), default=True)
    name = models.CharField(_("名称"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("节假日调整")
        verbose_name_plural = _("节假日调整")
        ordering = ["date"]


# Two-factor devices live in their own module (core/otp.py uses them); imported here so Django sees the model.
from .otp_models import TotpDevice  # noqa: E402,F401
