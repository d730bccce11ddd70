"""Blood drives (无偿献血): drives, invitations, sign-ups, screenings, deferrals, donations,
stem-cell registry sign-ups.

Health data (screening measurements and results, deferral reasons, relatives' contacts) is
encrypted at rest (PIPL art. 28): it lives in ``EncryptedTextField`` columns holding JSON
or text. Only dates and the pass/fail flag stay in clear, for the recall list and counts.
Screenings, donations and stem-cell sign-ups are voided with a reason, never deleted.
"""

import json

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lehuo.accounts.models import Neighbourhood, Town
from lehuo.people.models import Consent, Organisation, Person
from lehuo.platform.crypto import EncryptedTextField

# On-site checks a drive may require in addition to GB 18467 (COVID-era drives added the
# health code). Code -> label shown on the form.
EXTRA_CHECKS = {
    "health_code": _("健康码绿码"),
    "itinerary_code": _("行程卡无中高风险地区"),
    "mask": _("规范佩戴口罩"),
    "registration_form": _("已填写献血者登记表"),
}

WHOLE = "whole"
PLATELETS = "platelets"
DONATION_KINDS = [(WHOLE, _("全血")), (PLATELETS, _("单采血小板"))]


class VoidableQuerySet(models.QuerySet):
    def valid(self):
        return self.filter(voided_at__isnull=True)


class VoidableMixin(models.Model):
    """Health records are voided with a reason, never deleted."""

    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        abstract = True

    @property
    def voided(self) -> bool:
        return self.voided_at is not None


class Drive(models.Model):
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="blood_drives")
    slug = models.SlugField(_("标识"), max_length=50)
    title = models.CharField(_("名称"), max_length=100)
    date = models.DateField(_("日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True, help_text=_("多日活动的最后一天"))
    venue = models.CharField(_("地点"), max_length=200, blank=True)
    organiser = models.CharField(_("组织单位"), max_length=100, blank=True)
    target_donors = models.PositiveIntegerField(_("目标人数"), null=True, blank=True)
    extra_checks = models.JSONField(_("现场附加检查"), default=list, blank=True)
    time_slots = models.JSONField(_("时段"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("献血活动")
        verbose_name_plural = _("献血活动")
        ordering = ["-date", "-id"]
        constraints = [models.UniqueConstraint(fields=["town", "slug"], name="blood_drive_slug_unique")]

    def __str__(self) -> str:
        return self.title

    @property
    def last_date(self):
        return self.end_date or self.date

    def extra_check_labels(self) -> list[tuple[str, str]]:
        return [(code, EXTRA_CHECKS.get(code, code)) for code in self.extra_checks or []]


class Invitation(models.Model):
    """The 倡议书: one letter per drive, distributed to neighbourhoods and employers."""

    drive = models.ForeignKey(Drive, on_delete=models.CASCADE, related_name="invitations")
    title = models.CharField(_("标题"), max_length=100)
    letter_text = models.TextField(_("倡议书正文"))
    sent_on = models.DateField(_("发出日期"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("倡议书")
        verbose_name_plural = _("倡议书")
        ordering = ["sent_on", "id"]

    def __str__(self) -> str:
        return self.title


class InvitationDelivery(models.Model):
    """Copies of the letter handed to one neighbourhood or one employer."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="deliveries")
    neighbourhood = models.ForeignKey(Neighbourhood, on_delete=models.PROTECT, null=True, blank=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True)
    copies = models.PositiveIntegerField(_("份数"), default=0)
    delivered = models.PositiveIntegerField(_("已送达"), default=0)
    delivered_on = models.DateField(_("送达日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("倡议书发放")
        verbose_name_plural = _("倡议书发放")
        constraints = [
            models.CheckConstraint(
                condition=(Q(neighbourhood__isnull=False, organisation__isnull=True)
                           | Q(neighbourhood__isnull=True, organisation__isnull=False)),
                name="blood_delivery_one_recipient",
            ),
        ]

    @property
    def recipient(self):
        return self.neighbourhood or self.organisation


class SignUp(models.Model):
    SIGNED_UP, ARRIVED, SCREENED, DEFERRED, DONATED, CANCELLED = (
        "signed_up", "arrived", "screened", "deferred", "donated", "cancelled")
    STATUSES = [
        (SIGNED_UP, _("已报名")), (ARRIVED, _("已到场")), (SCREENED, _("体检合格")),
        (DEFERRED, _("暂缓献血")), (DONATED, _("已献血")), (CANCELLED, _("已取消")),
    ]
    SOURCES = [("committee", _("居委会动员")), ("employer", _("单位组织")), ("self", _("个人报名")),
               ("walk_in", _("现场报名"))]
    drive = models.ForeignKey(Drive, on_delete=models.CASCADE, related_name="signups")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="blood_signups")
    time_slot = models.CharField(_("意向时段"), max_length=30, blank=True)
    source = models.CharField(_("来源"), max_length=20, choices=SOURCES, default="committee")
    organisation = models.ForeignKey(Organisation, on_delete=models.SET_NULL, null=True, blank=True,
                                     verbose_name=_("所在单位"))
    status = models.CharField(_("状态"), max_length=20, choices=STATUSES, default=SIGNED_UP, db_index=True)
    queue_number = models.PositiveIntegerField(_("排队号"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("到场时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        verbose_name = _("献血报名")
        verbose_name_plural = _("献血报名")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["drive", "person"], name="blood_signup_unique"),
            models.UniqueConstraint(fields=["drive", "queue_number"], name="blood_queue_number_unique"),
        ]


class Screening(VoidableMixin):
    """One health check (GB 18467) at a drive; measurements and reasons are encrypted."""

    drive = models.ForeignKey(Drive, on_delete=models.PROTECT, related_name="screenings")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="blood_screenings")
    screened_on = models.DateField(_("体检日期"))
    screened_at = models.DateTimeField(_("体检时间"))
    eligible = models.BooleanField(_("合格"))
    eligible_on = models.DateField(_("可献血日期"), null=True, blank=True)
    permanent = models.BooleanField(_("永久不宜献血"), default=False)
    measurements = EncryptedTextField(_("体检数据"), blank=True, default="")  # JSON
    reasons = EncryptedTextField(_("不合格原因"), blank=True, default="")  # JSON list of {code, message}
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    objects = VoidableQuerySet.as_manager()

    class Meta:
        verbose_name = _("献血体检")
        verbose_name_plural = _("献血体检")
        ordering = ["-screened_at", "-id"]
        indexes = [models.Index(fields=["drive", "person", "screened_on"], name="blood_screening_idx")]

    def reason_list(self) -> list[dict]:
        """The reasons, each message in the reader's language (see ``eligibility.localise``)."""
        from .eligibility import localise

        return [localise(r, EXTRA_CHECKS) for r in json.loads(self.reasons)] if self.reasons else []

    def measurement_dict(self) -> dict:
        return json.loads(self.measurements) if self.measurements else {}


class Deferral(VoidableMixin):
    """A temporary deferral (cold 1 week, tattoo 1 year...); the reason is encrypted."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="blood_deferrals")
    drive = models.ForeignKey(Drive, on_delete=models.SET_NULL, null=True, blank=True, related_name="deferrals")
    kind = EncryptedTextField(_("类别"), blank=True, default="")
    reason = EncryptedTextField(_("原因"))
    starts_on = models.DateField(_("开始日期"))
    until = models.DateField(_("暂缓至"), help_text=_("自该日起可再次献血"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    objects = VoidableQuerySet.as_manager()

    class Meta:
        verbose_name = _("暂缓献血")
        verbose_name_plural = _("暂缓献血")
        ordering = ["-until", "-id"]


class Donation(VoidableMixin):
    drive = models.ForeignKey(Drive, on_delete=models.PROTECT, null=True, blank=True, related_name="donations")
    place = models.CharField(_("献血地点"), max_length=100, blank=True, help_text=_("不在本镇活动献血时填写"))
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="blood_donations")
    screening = models.ForeignKey(Screening, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    donated_on = models.DateField(_("献血日期"))
    kind = models.CharField(_("类型"), max_length=10, choices=DONATION_KINDS, default=WHOLE)
    volume_ml = models.PositiveIntegerField(_("献血量(ml)"), default=0)
    units = models.DecimalField(_("单位(U)"), max_digits=5, decimal_places=2)
    bag_number = models.CharField(_("血袋号"), max_length=30, blank=True)
    certificate_number = models.CharField(_("献血证号"), max_length=30, blank=True)
    adverse_reaction = models.BooleanField(_("献血不良反应"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    objects = VoidableQuerySet.as_manager()

    class Meta:
        verbose_name = _("献血记录")
        verbose_name_plural = _("献血记录")
        ordering = ["-donated_on", "-id"]
        indexes = [models.Index(fields=["person", "donated_on"], name="blood_donation_person_idx")]


class StemCellSignup(VoidableMixin):
    """A new volunteer for the marrow registry (中华骨髓库); relatives' contacts encrypted."""

    drive = models.ForeignKey(Drive, on_delete=models.PROTECT, related_name="stem_cell_signups")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="stem_cell_signups")
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="+")
    relatives = EncryptedTextField(_("亲属联系方式"))  # JSON list of {name, relation, phone}
    sample_taken = models.BooleanField(_("已采集血样"), default=False)
    signed_on = models.DateField(_("登记日期"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    objects = VoidableQuerySet.as_manager()

    class Meta:
        verbose_name = _("造血干细胞捐献登记")
        verbose_name_plural = _("造血干细胞捐献登记")
        ordering = ["-signed_on", "-id"]

    def relative_list(self) -> list[dict]:
        return json.loads(self.relatives) if self.relatives else []


class StemCellInterest(models.Model):
    """A resident's wish to join the marrow registry (造血干细胞捐献意向), given on their phone: the
    drive staff then sign them up on site (consent, relatives, sample). Withdrawn, not deleted."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="stem_cell_interests")
    created_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("造血干细胞捐献意向")
        verbose_name_plural = _("造血干细胞捐献意向")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["person"], condition=Q(withdrawn_at__isnull=True),
                                               name="blood_stem_cell_interest_open_unique")]

# The kept figures (lehuo/blood/aggregates.py) are models of this app.
from .aggregates import DonorFigure, DriveFigure, TownDonor  # noqa: E402,F401
