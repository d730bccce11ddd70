"""Summer day-care (爱心暑托班): years, sites, terms, offerings (places), children, enrolments.

Running the weeks (courses, timetable, attendance, checklists, roster, ceremony) lives in
``models_running.py``; both are imported here so Django sees one models module.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lehuo.accounts.models import Neighbourhood, Town
from lehuo.lib.labels import term_label
from lehuo.people.models import GuardianLink, Person
from lehuo.platform.crypto import EncryptedTextField


class Year(models.Model):
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="daycare_years")
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("名称"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("暑托班年度")
        verbose_name_plural = _("暑托班年度")
        ordering = ["-year"]
        constraints = [models.UniqueConstraint(fields=["town", "year"], name="daycare_year_unique")]

    def __str__(self) -> str:
        return self.title or gettext("%(year)s年爱心暑托班") % {"year": self.year}


class Site(models.Model):
    """A place where classes are held (办班点): a school, a community centre..."""

    year = models.ForeignKey(Year, on_delete=models.CASCADE, related_name="sites")
    name = models.CharField(_("办班点"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    neighbourhood = models.ForeignKey(Neighbourhood, on_delete=models.PROTECT, related_name="daycare_sites",
                                      verbose_name=_("居民区"))
    head_name = models.CharField(_("负责人"), max_length=50, blank=True)
    min_volunteers = models.PositiveSmallIntegerField(_("最少志愿者人数"), default=3)
    min_security = models.PositiveSmallIntegerField(_("最少安保人数"), default=2)

    class Meta:
        verbose_name = _("办班点")
        verbose_name_plural = _("办班点")
        ordering = ["year", "name"]
        constraints = [models.UniqueConstraint(fields=["year", "name"], name="daycare_site_unique")]

    def __str__(self) -> str:
        return self.name


class Term(models.Model):
    year = models.ForeignKey(Year, on_delete=models.CASCADE, related_name="terms")
    number = models.PositiveSmallIntegerField(_("期数"))
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))

    class Meta:
        verbose_name = _("期")
        verbose_name_plural = _("期")
        ordering = ["year", "number"]
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="daycare_term_unique"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="daycare_term_dates"),
        ]

    def __str__(self) -> str:
        return term_label(self.number, self.starts_on, self.ends_on)


class Offering(models.Model):
    """One site in one term: the scarce places. ``taken`` is only ever changed by a
    conditional UPDATE in ``services.enrol_child`` / ``cancel_enrolment``."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="offerings")
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="offerings")
    capacity = models.PositiveIntegerField(_("名额"))
    taken = models.PositiveIntegerField(_("已报名"), default=0)
    waitlist_seq = models.PositiveIntegerField(_("候补序号"), default=0)
    fee = models.DecimalField(_("费用（元）"), max_digits=8, decimal_places=2, default=0)
    opens_at = models.DateTimeField(_("报名开始时间"))

    class Meta:
        verbose_name = _("班次")
        verbose_name_plural = _("班次")
        ordering = ["term__number", "site__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["site", "term"], name="daycare_offering_unique"),
            # The last line of defence: even a buggy writer cannot overbook.
            models.CheckConstraint(condition=Q(taken__lte=models.F("capacity")), name="daycare_offering_not_overbooked"),
        ]

    def __str__(self) -> str:
        return f"{self.site.name} {self.term}"

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.taken, 0)

    @property
    def is_open(self) -> bool:
        return timezone.now() >= self.opens_at


class Child(models.Model):
    """A primary pupil (a Person under 14: sensitive) with school and grade; guardians are
    core ``GuardianLink`` rows."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="daycare_child")
    school = models.CharField(_("学校"), max_length=100)
    grade = models.PositiveSmallIntegerField(_("年级"))
    # For the site's staff (policy: daycare.child.health). Personal and, for the health notes,
    # a minor's health data: encrypted at rest, shown only to those who may, writes audited.
    emergency_name = models.CharField(_("紧急联系人"), max_length=50, blank=True)
    emergency_phone = EncryptedTextField(_("紧急联系电话"), blank=True, default="")
    allergies = EncryptedTextField(_("过敏"), blank=True, default="")
    medicines = EncryptedTextField(_("用药"), blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("儿童")
        verbose_name_plural = _("儿童")

    def __str__(self) -> str:
        return self.person.name


class ChildClaim(models.Model):
    """A guardian's request to add a child by ID number, waiting for the register's staff
    (docs/security.md, "Children"). Nothing is linked and nothing of the register is shown to
    the guardian until staff confirm: ``person`` (a child already on the register with that
    ID number, or None) is for staff only; the guardian sees what they typed."""

    PENDING, CONFIRMED, REJECTED = "pending", "confirmed", "rejected"
    STATUSES = [(PENDING, _("待确认")), (CONFIRMED, _("已确认")), (REJECTED, _("未通过"))]

    guardian = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+", verbose_name=_("监护人"))
    person = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    name = models.CharField(_("儿童姓名（监护人填写）"), max_length=50)
    id_number = EncryptedTextField(_("证件号码"), blank=True, default="")
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    sex = models.CharField(_("性别"), max_length=1, blank=True)
    school = models.CharField(_("学校"), max_length=100)
    grade = models.PositiveSmallIntegerField(_("年级"))
    relation = models.CharField(_("关系"), max_length=20, choices=GuardianLink.RELATIONS, default="other")
    emergency_name = models.CharField(_("紧急联系人"), max_length=50, blank=True)
    emergency_phone = EncryptedTextField(_("紧急联系电话"), blank=True, default="")
    allergies = EncryptedTextField(_("过敏"), blank=True, default="")
    medicines = EncryptedTextField(_("用药"), blank=True, default="")
    consent_on = models.DateField(_("监护人同意日期"))
    status = models.CharField(_("状态"), max_length=10, choices=STATUSES, default=PENDING)
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    child = models.ForeignKey("Child", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("关联儿童申请")
        verbose_name_plural = _("关联儿童申请")
        ordering = ["status", "created_at", "id"]

    def __str__(self) -> str:
        return self.name


class Enrolment(models.Model):
    CONFIRMED, WAITLISTED, CANCELLED = "confirmed", "waitlisted", "cancelled"
    STATUSES = [(CONFIRMED, _("已录取")), (WAITLISTED, _("候补")), (CANCELLED, _("已取消"))]
    ACTIVE = (CONFIRMED, WAITLISTED)

    # Indexed by daycare_enrol_queue_idx (offering, status, position), which begins with it.
    offering = models.ForeignKey(Offering, on_delete=models.PROTECT, related_name="enrolments", db_index=False)
    # term (for the one-place-per-term rule) and child: indexed together by
    # daycare_enrol_child_term_idx. No index on term alone: nothing looks enrolments up by term
    # only, and with statistics older than a rush the planner took such an index for "does this
    # child hold a place this term" and read the whole term per request.
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+", db_index=False)
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="enrolments", db_index=False)
    guardian = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("监护人"))
    status = models.CharField(_("状态"), max_length=12, choices=STATUSES)
    position = models.PositiveIntegerField(_("候补序号"), null=True, blank=True)
    created_at = models.DateTimeField(_("报名时间"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("录取时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        ordering = ["offering", "status", "position", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["child", "term"], condition=Q(status__in=["confirmed", "waitlisted"]),
                                    name="daycare_one_place_per_term"),
            models.UniqueConstraint(fields=["offering", "position"], condition=Q(position__isnull=False),
                                    name="daycare_waitlist_position_unique"),
        ]
        indexes = [models.Index(fields=["offering", "status", "position"], name="daycare_enrol_queue_idx"),
                   models.Index(fields=["child", "term"], name="daycare_enrol_child_term_idx")]

    def __str__(self) -> str:
        return f"{self.child} · {self.offering}"



from .models_running import (  # noqa: E402,F401  (one models module for Django)
    Arrival,
    Ceremony,
    ChecklistCheck,
    Course,
    Lesson,
    StaffMember,
)
