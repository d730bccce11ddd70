"""Page forms: they parse; the rules live in the services (errors come back per field)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from lehuo.core.errors import ServiceError
from lehuo.core.models import GuardianLink

from .models_running import CATEGORIES, CHECK_AREAS, STAFF_ROLES

GRADE_CHOICES = [("", "—")] + [(str(g), f"{g}年级") for g in range(1, 6)]


class ServiceErrorMixin:
    def add_service_error(self, exc: ServiceError) -> None:
        for err in exc.errors:
            field = err.get("field")
            self.add_error(field if field in self.fields else None, err["message"])


class ChildForm(ServiceErrorMixin, forms.Form):
    name = forms.CharField(label=_("儿童姓名"), max_length=50)
    id_number = forms.CharField(label=_("身份证号码"), max_length=18, required=False,
                                help_text=_("填写身份证号码，或只填出生日期"))
    birth_date = forms.DateField(label=_("出生日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    school = forms.CharField(label=_("就读学校"), max_length=100)
    grade = forms.TypedChoiceField(label=_("年级（9月起）"), choices=GRADE_CHOICES + [("6", "6年级"), ("7", "7年级")],
                                   coerce=int)
    relation = forms.ChoiceField(label=_("与儿童关系"), choices=GuardianLink.RELATIONS)
    guardian_phone = forms.CharField(label=_("监护人手机号"), max_length=20, required=False,
                                     help_text=_("候补转正时短信通知"))
    consent = forms.BooleanField(label=_("我是该儿童的监护人，同意暑托班为报名、考勤和安全管理使用孩子的个人信息"),
                                 required=False)


class EnrolForm(forms.Form):
    child = forms.TypedChoiceField(label=_("为哪个孩子报名"), coerce=int)
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, children=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child"].choices = [(c.pk, c.person.name) for c in children]


class ArrivalForm(ServiceErrorMixin, forms.Form):
    enrolment = forms.IntegerField(widget=forms.HiddenInput)
    present = forms.BooleanField(label=_("出勤"), required=False)
    temperature = forms.DecimalField(label=_("体温"), max_digits=3, decimal_places=1, required=False,
                                     widget=forms.NumberInput(attrs={"step": "0.1", "min": "34", "max": "42.5"}))
    picked_up_by = forms.CharField(label=_("接送人"), max_length=50, required=False)


class CheckForm(ServiceErrorMixin, forms.Form):
    area = forms.ChoiceField(label=_("类别"), choices=CHECK_AREAS)
    item = forms.CharField(label=_("检查项目"), max_length=200)
    ok = forms.TypedChoiceField(label=_("结果"), choices=[("1", _("合格")), ("0", _("不合格"))],
                                coerce=lambda v: v == "1")
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class StaffForm(ServiceErrorMixin, forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    role = forms.ChoiceField(label=_("岗位"), choices=STAFF_ROLES)


class CourseForm(ServiceErrorMixin, forms.Form):
    name = forms.CharField(label=_("课程名称"), max_length=100)
    category = forms.ChoiceField(label=_("类别"), choices=CATEGORIES)
    description = forms.CharField(label=_("简介"), max_length=300, required=False)


class LessonForm(ServiceErrorMixin, forms.Form):
    course = forms.TypedChoiceField(label=_("课程"), coerce=int)
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    starts_at = forms.TimeField(label=_("开始"), widget=forms.TimeInput(attrs={"type": "time"}))
    ends_at = forms.TimeField(label=_("结束"), widget=forms.TimeInput(attrs={"type": "time"}))
    teacher = forms.CharField(label=_("授课人"), max_length=50, required=False)

    def __init__(self, *args, courses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].choices = [(c.pk, f"{c.get_category_display()} · {c.name}") for c in courses]


class CeremonyForm(ServiceErrorMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=[("opening", _("开班仪式")), ("closing", _("结业仪式"))])
    held_on = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    attendees = forms.IntegerField(label=_("参加人数"), min_value=0, max_value=1000)
    programme = forms.CharField(label=_("活动内容"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
