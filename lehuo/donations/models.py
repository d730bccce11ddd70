"""Charity drives (募捐), donations, handovers (汇缴) to the charity.

Money is Decimal with two places; donations and handovers are voided with a reason,
never deleted, and voided ones leave every figure (docs/domain.md, "Charity drives").
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lehuo.accounts.models import Neighbourhood, Town
from lehuo.people.models import Organisation, Person

ONLINE, OFFLINE = "online", "offline"
CHANNELS = [(ONLINE, _("线上")), (OFFLINE, _("线下"))]
WECHAT, ALIPAY, BANK, CASH, OTHER = "wechat", "alipay", "bank", "cash", "other"
METHODS = [(WECHAT, _("微信")), (ALIPAY, _("支付宝")), (BANK, _("银行转账")), (CASH, _("现金")), (OTHER, _("其他"))]
SOURCES = [("api", "API"), ("form", _("表单")), ("import", _("导入")), ("demo", _("演示"))]


class DriveQuerySet(models.QuerySet):
    def for_user(self, user) -> "DriveQuerySet":
        from lehuo.accounts.permissions import scope_q

        return self.filter(scope_q(user, "donations.drive.view"))


class Drive(models.Model):
    """A fundraising campaign run with a qualified charity (the organiser)."""

    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="donation_drives")
    slug = models.SlugField(_("标识"), max_length=80, unique=True)
    title = models.CharField(_("名称"), max_length=100)
    organiser = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="organised_drives",
                                  verbose_name=_("主办慈善组织"))
    purpose = models.TextField(_("募捐目的"), blank=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    accepts_online = models.BooleanField(_("线上募捐"), default=True)
    accepts_offline = models.BooleanField(_("线下募捐"), default=True)
    platform = models.CharField(_("线上平台"), max_length=100, blank=True)
    target = models.DecimalField(_("目标金额"), max_digits=14, decimal_places=2, null=True, blank=True)
    disclosure_public = models.BooleanField(_("公示名单对外公开"), default=False)
    disclosure_note = models.TextField(_("公示说明"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DriveQuerySet.as_manager()

    class Meta:
        verbose_name = _("募捐活动")
        verbose_name_plural = _("募捐活动")
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def channels(self) -> list[str]:
        return [c for c, ok in ((ONLINE, self.accepts_online), (OFFLINE, self.accepts_offline)) if ok]


class DonationQuerySet(models.QuerySet):
    def for_user(self, user) -> "DonationQuerySet":
        from lehuo.accounts.permissions import scope_q

        return self.filter(scope_q(user, "donations.donation.view"))

    def valid(self) -> "DonationQuerySet":
        return self.filter(voided_at__isnull=True)


def donor_kind(person_id, organisation_id, anonymous) -> str:
    """``Donation.donor_kind`` of a donation's values (the bulk import has no instance)."""
    if person_id:
        return "person"
    if organisation_id:
        return "organisation"
    return "anonymous" if anonymous else "outsider"


def donor_display(person, organisation, donor_name: str, anonymous: bool) -> str:
    """``Donation.donor_display`` of a donation's values."""
    if person is not None:
        return person.name
    if organisation is not None:
        return organisation.name
    return donor_name if (donor_name and not anonymous) else _("匿名")


def describe(display, amount) -> str:
    """``str()`` of a donation: what its audit rows name it."""
    return f"{display} {amount}"


class Donation(models.Model):
    """One gift. The donor is a person, an organisation, or an outsider (named or anonymous)."""

    drive = models.ForeignKey(Drive, on_delete=models.PROTECT, related_name="donations")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="donations",
                               verbose_name=_("捐赠人"))
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="donations", verbose_name=_("捐赠单位"))
    donor_name = models.CharField(_("捐赠人姓名"), max_length=100, blank=True)
    anonymous = models.BooleanField(_("匿名"), default=False)
    named_consent = models.BooleanField(_("同意公示姓名"), default=False)
    amount = models.DecimalField(_("金额"), max_digits=12, decimal_places=2)
    channel = models.CharField(_("渠道"), max_length=10, choices=CHANNELS)
    method = models.CharField(_("方式"), max_length=10, choices=METHODS)
    received_on = models.DateField(_("捐赠日期"))
    reference = models.CharField(_("平台流水号/凭证号"), max_length=100, blank=True)
    neighbourhood = models.ForeignKey(Neighbourhood, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="donations", verbose_name=_("经办居民区"))
    receipt_number = models.CharField(_("捐赠票据号"), max_length=60, blank=True)
    notes = models.CharField(_("备注"), max_length=200, blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=SOURCES, default="form")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    voided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    void_reason = models.CharField(_("作废原因"), max_length=200, blank=True)

    objects = DonationQuerySet.as_manager()

    class Meta:
        verbose_name = _("捐款")
        verbose_name_plural = _("捐款")
        ordering = ["-received_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["drive", "reference"], condition=~Q(reference=""),
                                    name="donation_reference_unique_per_drive"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="donation_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["drive", "voided_at"], name="donation_drive_idx"),
            models.Index(fields=["drive", "neighbourhood"], name="donation_drive_nbh_idx"),
            # The donation list of a drive is newest first (received_on, id descending): with
            # 225,000 gifts in one city drive the page is read in index order instead of
            # sorting every gift of the drive (docs/scale.md).
            models.Index(fields=["drive", "received_on", "id"], name="donation_drive_date_idx"),
        ]

    def __str__(self) -> str:
        return describe(self.donor_display, self.amount)

    @property
    def is_void(self) -> bool:
        return self.voided_at is not None

    @property
    def donor_kind(self) -> str:
        return donor_kind(self.person_id, self.organisation_id, self.anonymous)

    @property
    def donor_display(self) -> str:
        """The donor as staff see it (full name)."""
        return donor_display(self.person if self.person_id else None,
                             self.organisation if self.organisation_id else None, self.donor_name, self.anonymous)

    @property
    def public_name(self) -> str:
        """The donor as the public disclosure list shows it (charity law art. 82): an
        organisation by its name, a person by name only with their consent, else 爱心人士."""
        from django.utils.translation import gettext

        if self.organisation_id:
            return self.organisation.name
        if self.anonymous or not self.named_consent or not (self.person_id or self.donor_name):
            return gettext("爱心人士")
        return self.person.name if self.person_id else self.donor_name


class Handover(models.Model):
    """汇缴: money of one channel passed on to the charity, with its voucher."""

    drive = models.ForeignKey(Drive, on_delete=models.PROTECT, related_name="handovers")
    channel = models.CharField(_("渠道"), max_length=10, choices=CHANNELS)
    neighbourhood = models.ForeignKey(Neighbourhood, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+", verbose_name=_("经办居民区"))
    amount = models.DecimalField(_("金额"), max_digits=14, decimal_places=2)
    handed_on = models.DateField(_("汇缴日期"))
    voucher_number = models.CharField(_("凭证号"), max_length=60, blank=True)
    voucher = models.FileField(_("凭证"), upload_to="donations/vouchers/%Y/", blank=True)
    receipt_number = models.CharField(_("捐赠票据号"), max_length=60, blank=True)
    notes = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(_("作废原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("汇缴")
        verbose_name_plural = _("汇缴")
        ordering = ["handed_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="handover_amount_positive")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.amount}"


# The kept figures (lehuo/donations/aggregates.py) are models of this app.
from .aggregates import Figure, FigureDonor  # noqa: E402,F401
