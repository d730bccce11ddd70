"""Page forms: they parse; the rules live in the services (errors come back per field)."""

from django import forms
from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lehuo.people.models import GuardianLink
from lehuo.platform.errors import ServiceError

from .models_running import CATEGORIES, CHECK_AREAS, STAFF_ROLES

GRADE_CHOICES = [("", "—")] + [(str(g), format_lazy(_("{grade}年级"), grade=g)) for g in range(1, 6)]


class ServiceErrorMixin:
    # A service's field name -> this form's, where they differ ("term_id" -> "term").
    service_fields: dict[str, str] = {}

    def add_service_error(self, exc: ServiceError) -> None:
        for err in exc.errors:
            field = self.service_fields.get(err.get("field"), err.get("field"))
            self.add_error(field if field in self.fields else None, err["message"])


class ChildForm(ServiceErrorMixin, forms.Form):
    """A guardian adds a child. The choices are the service's rules (grades 1-5, a birth date
    within the ages the programme takes on ``on``); every field is checked by the service at
    once and each refusal shown beside its field."""

    service_fields = {"child": "birth_date"}

    name = forms.CharField(label=_("儿童姓名"), max_length=50, required=False)
    id_number = forms.CharField(label=_("身份证号码"), max_length=18, required=False,
                                help_text=_("填写身份证号码（须居委会核实后关联），或只填出生日期"))
    birth_date = forms.DateField(label=_("出生日期"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}),
                                 error_messages={"invalid": _("出生日期格式不正确")})
    school = forms.CharField(label=_("就读学校"), max_length=100, required=False)
    grade = forms.TypedChoiceField(label=_("年级（9月起）"), choices=GRADE_CHOICES, coerce=int, required=False,
                                   empty_value=None, error_messages={"invalid_choice": _("暑托班只接收小学1-5年级的学生")})
    relation = forms.ChoiceField(label=_("与儿童关系"), choices=GuardianLink.RELATIONS, required=False)
    guardian_phone = forms.CharField(label=_("监护人手机号"), max_length=20, required=False,
                                     help_text=_("候补转正时短信通知"))
    emergency_name = forms.CharField(label=_("紧急联系人"), max_length=50, required=False,
                                     help_text=_("监护人联系不上时，办班点联系的人"))
    emergency_phone = forms.CharField(label=_("紧急联系电话"), max_length=20, required=False)
    allergies = forms.CharField(label=_("过敏（食物、药物等）"), max_length=200, required=False,
                                widget=forms.Textarea(attrs={"rows": 2}), help_text=_("仅办班点工作人员可见"))
    medicines = forms.CharField(label=_("在用药物及用法"), max_length=200, required=False,
                                widget=forms.Textarea(attrs={"rows": 2}), help_text=_("仅办班点工作人员可见"))
    consent = forms.BooleanField(label=_("我是该儿童的监护人，同意暑托班为报名、考勤和安全管理使用孩子的个人信息"),
                                 required=False)

    def values(self) -> dict:
        """What parsed, for the service to check with the rest (a field that did not parse is
        left out: its own error is already shown)."""
        data = getattr(self, "cleaned_data", {})
        return {k: data.get(k) for k in self.fields if k not in self.errors}

    def __init__(self, *args, on=None, **kwargs):
        super().__init__(*args, **kwargs)
        if on is not None:
            from .services import birth_date_range

            earliest, latest = birth_date_range(on)
            self.fields["birth_date"].widget.attrs.update({"min": earliest.isoformat(), "max": latest.isoformat()})


class EnrolForm(forms.Form):
    """Offers only the children the programme takes (``children``: those of age and grade)."""

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


# --- setting up the programme (town admins) ---------------------------------------------------
# Fields parse only; the rules (ranges, dates in the year, duplicates...) are the services',
# whose messages name the field. Parse errors name it too.

def _errors(label, choose: bool = False) -> dict:
    return {"required": format_lazy(_("请选择{label}") if choose else _("请填写{label}"), label=label),
            "invalid": format_lazy(_("{label}格式不正确"), label=label),
            "invalid_choice": format_lazy(_("请选择{label}"), label=label),
            "max_length": format_lazy(_("{label}不能超过%(limit_value)d个字"), label=label)}


def _field(cls, label, *, name=None, **kwargs):
    """A form field whose error messages name it (``name`` where the label says more)."""
    choose = issubclass(cls, forms.ModelChoiceField)
    return cls(label=label, error_messages=_errors(name or label, choose), **kwargs)


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _datetime_input():
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class YearForm(ServiceErrorMixin, forms.Form):
    year = _field(forms.IntegerField, _("年度"), widget=forms.NumberInput(attrs={"min": "2014", "max": "2100"}))
    title = _field(forms.CharField, _("名称"), max_length=100, required=False,
                   help_text=_("不填则为“某某年爱心暑托班”"))
    default_terms = forms.BooleanField(label=_("同时建立默认的两期（每期3周，7月第一个周一开班）"), required=False,
                                       initial=True)


class TermForm(ServiceErrorMixin, forms.Form):
    number = _field(forms.IntegerField, _("期数"), widget=forms.NumberInput(attrs={"min": "1", "max": "9"}))
    starts_on = _field(forms.DateField, _("开始日期"), widget=_date_input())
    ends_on = _field(forms.DateField, _("结束日期"), widget=_date_input())


class HeadUserField(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        name = user.get_full_name()
        return gettext("%(name)s（%(username)s）") % {"name": name, "username": user.username} if name else user.username


class SiteForm(ServiceErrorMixin, forms.Form):
    service_fields = {"neighbourhood_id": "neighbourhood"}

    name = _field(forms.CharField, _("办班点名称"), max_length=100)
    neighbourhood = _field(forms.ModelChoiceField, _("居民区"), queryset=None)
    address = _field(forms.CharField, _("地址"), max_length=200, required=False)
    head_name = _field(forms.CharField, _("负责人姓名"), max_length=50, required=False)
    head_user = _field(HeadUserField, _("负责人账号（可在系统中管理本办班点）"), name=_("负责人账号"), queryset=None,
                       required=False)
    min_volunteers = _field(forms.IntegerField, _("最少志愿者人数"), initial=3)
    min_security = _field(forms.IntegerField, _("最少安保人数"), initial=2)

    def __init__(self, *args, neighbourhoods, head_users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["neighbourhood"].queryset = neighbourhoods
        self.fields["head_user"].queryset = head_users


class SiteHeadForm(ServiceErrorMixin, forms.Form):
    site = _field(forms.ModelChoiceField, _("办班点"), queryset=None)
    head_user = _field(HeadUserField, _("负责人账号"), queryset=None)

    def __init__(self, *args, sites, head_users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        self.fields["head_user"].queryset = head_users


class OfferingTermsForm(ServiceErrorMixin, forms.Form):
    """Capacity, fee and opening time: what an offering is opened with and later edited."""

    capacity = _field(forms.IntegerField, _("名额"), widget=forms.NumberInput(attrs={"min": "1", "max": "500"}))
    # A plain decimal: "600.001" must reach the service, which refuses it by name.
    fee = _field(forms.DecimalField, _("费用（元）"), name=_("费用"),
                 widget=forms.NumberInput(attrs={"min": "0", "step": "0.01"}))
    opens_at = _field(forms.DateTimeField, _("报名开始时间"), widget=_datetime_input())


class OfferingForm(OfferingTermsForm):
    service_fields = {"term_id": "term"}

    site = _field(forms.ModelChoiceField, _("办班点"), queryset=None)
    term = _field(forms.ModelChoiceField, _("期"), queryset=None)
    field_order = ["site", "term", "capacity", "fee", "opens_at"]

    def __init__(self, *args, sites, terms, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("capacity", settings.LEHUO_RULES["daycare"]["default_capacity"])
        kwargs["initial"].setdefault("fee", "600.00")
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        self.fields["term"].queryset = terms
