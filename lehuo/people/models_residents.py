"""What residents ask of the register from their own account: a real-name link (实名绑定) of
their account to their person, a guardian's link to a child, and PIPL requests (correction,
erasure). Each waits for a social worker of the person's neighbourhood (or the town admin)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lehuo.accounts.models import Neighbourhood, Town


class LinkRequest(models.Model):
    SELF = "self"
    CHILD = "child"
    KINDS = [(SELF, _("本人实名绑定")), (CHILD, _("添加孩子"))]
    PENDING, CONFIRMED, REFUSED = "pending", "confirmed", "refused"
    STATUSES = [(PENDING, _("待核实")), (CONFIRMED, _("已确认")), (REFUSED, _("未通过"))]
    # Why it waits (staff see it, the resident never does).
    WHY = [
        ("new_person", _("登记册中没有此人，已按申请新登记")),
        ("no_match", _("姓名、证件号码或手机号与登记信息不一致")),
        ("existing_child", _("孩子已在登记册中，须核实监护关系")),
        ("other_guardian", _("孩子已有其他监护人")),
        ("linked_elsewhere", _("此人已绑定其他账户")),
    ]

    town = models.ForeignKey(Town, on_delete=models.CASCADE, related_name="+")
    neighbourhood = models.ForeignKey(Neighbourhood, on_delete=models.PROTECT, related_name="+", null=True)
    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="link_requests")
    kind = models.CharField(_("类型"), max_length=10, choices=KINDS, default=SELF)
    # The person of the register the request is about (matched, or registered by the request).
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="link_requests", null=True)
    # For a child: the resident's own person, and how they are related.
    guardian = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+", null=True, blank=True)
    relation = models.CharField(_("关系"), max_length=20, blank=True)
    consent = models.BooleanField(_("监护人同意"), default=False)
    name_given = models.CharField(_("填写的姓名"), max_length=50)
    why = models.CharField(max_length=20, choices=WHY)
    status = models.CharField(_("状态"), max_length=10, choices=STATUSES, default=PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("实名绑定申请")
        verbose_name_plural = _("实名绑定申请")
        ordering = ["created_at", "id"]
        constraints = [
            # One pending self link per account.
            models.UniqueConstraint(fields=["account"], condition=Q(status="pending", kind="self"),
                                    name="link_request_one_pending_self"),
        ]


class DataRequest(models.Model):
    """A resident asks for a correction or the erasure of their data (PIPL art. 46, 47)."""

    CORRECTION, ERASURE = "correction", "erasure"
    KINDS = [(CORRECTION, _("更正个人信息")), (ERASURE, _("删除个人信息"))]
    OPEN, DONE, REFUSED = "open", "done", "refused"
    STATUSES = [(OPEN, _("待处理")), (DONE, _("已处理")), (REFUSED, _("不予处理"))]

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="data_requests")
    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    kind = models.CharField(_("类型"), max_length=20, choices=KINDS)
    text = models.TextField(_("说明"), max_length=1000)
    status = models.CharField(_("状态"), max_length=10, choices=STATUSES, default=OPEN)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    handled_at = models.DateTimeField(null=True, blank=True)
    answer = models.CharField(_("处理说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("个人信息请求")
        verbose_name_plural = _("个人信息请求")
        ordering = ["created_at", "id"]
