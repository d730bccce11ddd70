"""Platform records: the audit log, idempotency keys and background jobs."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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


class IdempotencyKey(models.Model):
    """The first answer to a POST with an ``Idempotency-Key``; a repeat gets it back."""

    # Indexed by idempotency_key_unique (user, key, scope), which begins with it.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, db_index=False)
    key = models.CharField(max_length=200)
    scope = models.CharField(max_length=200)
    status_code = models.PositiveSmallIntegerField(default=0)
    response = models.JSONField(null=True, blank=True)
    # A digest of the request the key was first used with: the same key with another body is
    # refused (422), never answered with the first request's answer.
    fingerprint = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key", "scope"], name="idempotency_key_unique")]


class Job(models.Model):
    """A long piece of work done by the task worker, with progress for the page that waits."""

    PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"
    STATUSES = [(PENDING, _("排队中")), (RUNNING, _("进行中")), (DONE, _("已完成")), (FAILED, _("失败"))]
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
    # The id of the request that started the job: the worker's log lines for it carry it too.
    request_id = models.CharField(max_length=64, blank=True, default="")

    @property
    def label(self):
        """What the waiting page calls the job: the kind's label declared by the app that starts it."""
        from .modules import modules

        for config in modules():
            if self.kind in config.job_labels:
                return config.job_labels[self.kind]
        return _("后台任务")

    @property
    def percent(self) -> int:
        """The bar's fill: the count shown beside it (a failed job's bar stops where it failed)."""
        if self.total:
            return min(100, int(self.progress * 100 / self.total))
        return 100 if self.status == self.DONE else 0

    @property
    def result_url(self) -> str:
        return str((self.result or {}).get("next_url") or "")

    @property
    def result_is_pdf(self) -> bool:
        return self.result_url.split("?")[0].endswith(".pdf")
