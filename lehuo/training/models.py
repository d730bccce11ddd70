"""Studios, programmes, cohorts, sessions, enrolment, attendance and certificates."""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lehuo.accounts.models import Neighbourhood, Town
from lehuo.lib.labels import WEEKDAYS, weekday_list
from lehuo.people.models import Person

WEEKDAY_NAMES = WEEKDAYS  # translated (lehuo/lib/labels.py)


def default_completion_rate() -> Decimal:
    return Decimal(settings.LEHUO_RULES["training"]["completion_attendance_rate"])


class Studio(models.Model):
    """A training studio (工作室), e.g. 零距离工作室, led by a named community worker."""

    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="training_studios")
    name = models.CharField(_("名称"), max_length=100)
    leader_name = models.CharField(_("负责人"), max_length=50, blank=True)
    leader = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                               verbose_name=_("负责人（人员）"))
    philosophy = models.CharField(_("理念"), max_length=200, blank=True)
    description = models.TextField(_("简介"), blank=True)

    class Meta:
        verbose_name = _("工作室")
        verbose_name_plural = _("工作室")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["town", "name"], name="training_studio_name_unique")]

    def __str__(self) -> str:
        return self.name


class Programme(models.Model):
    """What is taught (the curriculum), with its own completion rule."""

    studio = models.ForeignKey(Studio, on_delete=models.PROTECT, related_name="programmes")
    title = models.CharField(_("名称"), max_length=100)
    topics = models.JSONField(_("课程主题"), default=list, blank=True)
    completion_rate = models.DecimalField(
        _("结业出勤率"), max_digits=3, decimal_places=2, default=default_completion_rate,
        help_text=_("出勤（含迟到）场次占已上课场次的比例，达到即可结业"),
    )

    class Meta:
        verbose_name = _("培训项目")
        verbose_name_plural = _("培训项目")
        ordering = ["studio__name", "title"]

    def __str__(self) -> str:
        return self.title


class CohortQuerySet(models.QuerySet):
    def for_user(self, user) -> "CohortQuerySet":
        from .scoping import cohort_q

        return self.filter(cohort_q(user))


class Cohort(models.Model):
    """One class (期) of a programme: dates, weekdays, time, venue, instructor, capacity."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="cohorts")
    number = models.PositiveSmallIntegerField(_("期数"))
    slug = models.SlugField(_("标识"), max_length=60, unique=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    weekdays = models.JSONField(_("上课日"), default=list, help_text=_("ISO 星期：1=周一 … 7=周日"))
    start_time = models.TimeField(_("上课时间"), default=dt.time(14, 0))
    end_time = models.TimeField(_("下课时间"), default=dt.time(16, 0))
    venue = models.CharField(_("地点"), max_length=200, blank=True)
    instructor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="training_cohorts", verbose_name=_("讲师"))
    capacity = models.PositiveIntegerField(_("名额"), null=True, blank=True, help_text=_("留空为不限"))
    # Claimed with a conditional UPDATE (docs/architecture.md, "Scarce places"), never read-then-write.
    enrolled_count = models.PositiveIntegerField(default=0, editable=False)
    calendar_warning = models.CharField(max_length=300, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CohortQuerySet.as_manager()

    class Meta:
        verbose_name = _("培训班")
        verbose_name_plural = _("培训班")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="training_cohort_number_unique"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="training_cohort_dates"),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(enrolled_count__lte=models.F("capacity")),
                name="training_cohort_capacity",
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(studio)s第%(number)s期") % {"studio": self.programme.studio.name, "number": self.number}

    @property
    def weekday_names(self) -> str:
        return weekday_list(self.weekdays)

    @property
    def hours_per_session(self) -> Decimal:
        minutes = (dt.datetime.combine(dt.date.min, self.end_time) - dt.datetime.combine(dt.date.min, self.start_time)).seconds // 60
        return (Decimal(minutes) / 60).quantize(Decimal("0.1"))


class Session(models.Model):
    SCHEDULED, HELD, CANCELLED, MOVED = "scheduled", "held", "cancelled", "moved"
    STATUSES = [(SCHEDULED, _("待上课")), (HELD, _("已上课")), (CANCELLED, _("已取消")), (MOVED, _("已调课"))]

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="sessions")
    date = models.DateField(_("日期"))
    # The date the calendar rule gave it; kept when the session is moved so regeneration
    # knows the planned slot is taken.
    planned_date = models.DateField(_("原定日期"), null=True, blank=True)
    start_time = models.TimeField(_("上课时间"))
    end_time = models.TimeField(_("下课时间"))
    topic = models.CharField(_("主题"), max_length=100, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=STATUSES, default=SCHEDULED)
    reason = models.CharField(_("调课/取消原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("课次")
        verbose_name_plural = _("课次")
        ordering = ["date", "start_time", "id"]
        indexes = [models.Index(fields=["cohort", "date"], name="training_session_date_idx")]

    def __str__(self) -> str:
        return f"{self.cohort} {self.date:%Y-%m-%d}"

    @property
    def hours(self) -> Decimal:
        minutes = (dt.datetime.combine(dt.date.min, self.end_time) - dt.datetime.combine(dt.date.min, self.start_time)).seconds // 60
        return (Decimal(minutes) / 60).quantize(Decimal("0.1"))

    @property
    def counts(self) -> bool:
        return self.status != self.CANCELLED


class Enrolment(models.Model):
    ACTIVE, WITHDRAWN = "active", "withdrawn"
    STATUSES = [(ACTIVE, _("在读")), (WITHDRAWN, _("已退出"))]

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="enrolments")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="training_enrolments")
    status = models.CharField(_("状态"), max_length=10, choices=STATUSES, default=ACTIVE)
    enrolled_on = models.DateField(_("报名日期"))
    # The neighbourhood at enrolment, so stats by neighbourhood do not move when people do.
    neighbourhood = models.ForeignKey(Neighbourhood, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        ordering = ["person__name_pinyin", "id"]
        constraints = [models.UniqueConstraint(fields=["cohort", "person"], name="training_enrolment_unique")]

    def __str__(self) -> str:
        return f"{self.person} @ {self.cohort}"


class Attendance(models.Model):
    PRESENT, LATE, ABSENT, EXCUSED = "present", "late", "absent", "excused"
    STATUSES = [(PRESENT, _("出勤")), (LATE, _("迟到")), (ABSENT, _("缺勤")), (EXCUSED, _("请假"))]
    ATTENDED = (PRESENT, LATE)
    STAFF, QR = "staff", "qr"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="training_attendance")
    status = models.CharField(_("出勤情况"), max_length=10, choices=STATUSES)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    method = models.CharField(max_length=10, choices=[(STAFF, _("点名")), (QR, _("扫码"))], default=STAFF)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("考勤")
        verbose_name_plural = _("考勤")
        constraints = [models.UniqueConstraint(fields=["session", "person"], name="training_attendance_unique")]


class Certificate(models.Model):
    """A completion certificate; ``code`` is the secret in the public verification link."""

    enrolment = models.OneToOneField(Enrolment, on_delete=models.PROTECT, related_name="certificate")
    number = models.CharField(_("证书编号"), max_length=40, unique=True)
    code = models.CharField(max_length=40, unique=True, editable=False)
    issued_on = models.DateField(_("发证日期"))
    hours = models.DecimalField(_("学时"), max_digits=6, decimal_places=1)
    attendance_rate = models.DecimalField(_("出勤率"), max_digits=4, decimal_places=3)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=200, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        verbose_name = _("结业证书")
        verbose_name_plural = _("结业证书")
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number


class HolidayOverride(models.Model):
    """Staff-editable calendar entries that win over chinesecalendar (and cover years it lacks)."""

    date = models.DateField(_("日期"), unique=True)
    is_holiday = models.BooleanField(_("放假"), default=True)
    name = models.CharField(_("名称"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("节假日调整")
        verbose_name_plural = _("节假日调整")
        ordering = ["date"]


# The kept figures (lehuo/training/aggregates.py) are models of this app.
from .aggregates import CohortFigure, CohortPerson, CohortSession  # noqa: E402,F401
