"""Running the weeks: courses, timetable, daily arrival check, checklists, staff roster, ceremonies."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lehuo.people.models import Person

CATEGORIES = [
    ("de", _("德")), ("zhi", _("智")), ("ti", _("体")), ("mei", _("美")), ("lao", _("劳")), ("optional", _("自选")),
]


class Course(models.Model):
    year = models.ForeignKey("daycare.Year", on_delete=models.CASCADE, related_name="courses")
    name = models.CharField(_("课程"), max_length=100)
    category = models.CharField(_("类别"), max_length=10, choices=CATEGORIES)
    description = models.CharField(_("简介"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("课程")
        verbose_name_plural = _("课程")
        ordering = ["category", "name"]
        constraints = [models.UniqueConstraint(fields=["year", "name"], name="daycare_course_unique")]

    def __str__(self) -> str:
        return self.name


class Lesson(models.Model):
    """One slot of an offering's timetable."""

    offering = models.ForeignKey("daycare.Offering", on_delete=models.CASCADE, related_name="lessons")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="lessons")
    date = models.DateField(_("日期"))
    starts_at = models.TimeField(_("开始"))
    ends_at = models.TimeField(_("结束"))
    teacher = models.CharField(_("授课人"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("课表")
        verbose_name_plural = _("课表")
        ordering = ["date", "starts_at", "id"]
        constraints = [models.UniqueConstraint(fields=["offering", "date", "starts_at"], name="daycare_lesson_slot")]


class Arrival(models.Model):
    """A child's day: arrival health check (temperature), attendance, pick-up by a named adult."""

    enrolment = models.ForeignKey("daycare.Enrolment", on_delete=models.PROTECT, related_name="arrivals")
    date = models.DateField(_("日期"))
    present = models.BooleanField(_("出勤"), default=True)
    temperature = models.DecimalField(_("体温（℃）"), max_digits=3, decimal_places=1, null=True, blank=True)
    arrived_at = models.TimeField(_("到达时间"), null=True, blank=True)
    picked_up_by = models.CharField(_("接送人"), max_length=50, blank=True)
    picked_up_at = models.TimeField(_("离开时间"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        verbose_name = _("考勤")
        verbose_name_plural = _("考勤")
        ordering = ["date", "id"]
        constraints = [models.UniqueConstraint(fields=["enrolment", "date"], name="daycare_arrival_unique")]
        # The attendance rate counts arrivals and present ones per enrolment: from this index
        # alone on PostgreSQL (the dashboard and the year's figures).
        indexes = [models.Index(fields=["enrolment", "present"], name="daycare_arrival_present_idx")]


CHECK_AREAS = [
    ("site", _("场地")), ("supplies", _("物资")), ("staff", _("人员")), ("rules", _("制度")), ("procedures", _("流程")),
]


class ChecklistCheck(models.Model):
    """One epidemic-prevention check at a site: who checked what when."""

    site = models.ForeignKey("daycare.Site", on_delete=models.CASCADE, related_name="checks")
    area = models.CharField(_("类别"), max_length=12, choices=CHECK_AREAS)
    item = models.CharField(_("检查项目"), max_length=200)
    ok = models.BooleanField(_("合格"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    checked_by_name = models.CharField(_("检查人"), max_length=50)
    checked_at = models.DateTimeField(_("检查时间"), default=timezone.now)

    class Meta:
        verbose_name = _("防疫检查")
        verbose_name_plural = _("防疫检查")
        ordering = ["-checked_at", "id"]


STAFF_ROLES = [
    ("head_teacher", _("带班老师")), ("teacher", _("授课老师")), ("volunteer", _("志愿者")),
    ("security", _("安保")), ("other", _("其他")),
]
# Roles counted as adults looking after the children (the 1 adult per 5 children rule).
CARE_ROLES = ("head_teacher", "teacher", "volunteer")


class StaffMember(models.Model):
    site = models.ForeignKey("daycare.Site", on_delete=models.CASCADE, related_name="staff")
    term = models.ForeignKey("daycare.Term", on_delete=models.CASCADE, related_name="+", null=True, blank=True,
                             help_text=_("留空表示两期都在岗"))
    person = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    name = models.CharField(_("姓名"), max_length=50)
    role = models.CharField(_("岗位"), max_length=20, choices=STAFF_ROLES)

    class Meta:
        verbose_name = _("工作人员")
        verbose_name_plural = _("工作人员")
        ordering = ["site", "role", "name"]


class Ceremony(models.Model):
    OPENING, CLOSING = "opening", "closing"
    offering = models.ForeignKey("daycare.Offering", on_delete=models.CASCADE, related_name="ceremonies")
    kind = models.CharField(_("类型"), max_length=10, choices=[(OPENING, _("开班仪式")), (CLOSING, _("结业仪式"))])
    held_on = models.DateField(_("日期"))
    attendees = models.PositiveIntegerField(_("参加人数"), default=0)
    programme = models.TextField(_("活动内容"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        verbose_name = _("仪式")
        verbose_name_plural = _("仪式")
        ordering = ["held_on"]
        constraints = [models.UniqueConstraint(fields=["offering", "kind"], name="daycare_ceremony_unique")]
