import datetime as dt

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lehuo.accounts.models import PROGRAMME_STAFF

from .models import WEEKDAY_NAMES, Attendance, HolidayOverride, Programme

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class CohortForm(forms.Form):
    programme = forms.ModelChoiceField(Programme.objects.none(), label=_("培训项目"))
    number = forms.IntegerField(label=_("期数"), min_value=1, max_value=10000)
    slug = forms.SlugField(label=_("标识（网址用，可留空）"), required=False, max_length=60)
    starts_on = forms.DateField(label=_("开始日期"), widget=DATE)
    ends_on = forms.DateField(label=_("结束日期"), widget=DATE)
    weekdays = forms.TypedMultipleChoiceField(
        label=_("上课日"), choices=list(WEEKDAY_NAMES.items()), coerce=int, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一个上课日")})
    start_time = forms.TimeField(label=_("上课时间"), initial=dt.time(14, 0), widget=TIME)
    end_time = forms.TimeField(label=_("下课时间"), initial=dt.time(16, 0), widget=TIME)
    venue = forms.CharField(label=_("地点"), max_length=200, required=False)
    instructor = forms.ModelChoiceField(get_user_model().objects.none(), label=_("讲师"), required=False)
    capacity = forms.IntegerField(label=_("名额（留空不限）"), min_value=1, required=False)

    def __init__(self, *args, programmes, **kwargs):
        """``programmes``: those the user may open a cohort of (the policy's scope)."""
        super().__init__(*args, **kwargs)
        programmes = programmes.select_related("studio")
        users = get_user_model().objects.filter(memberships__role=PROGRAMME_STAFF, is_active=True,
                                                memberships__town_id__in=programmes.values("studio__town"))
        self.fields["programme"].queryset = programmes
        self.fields["instructor"].queryset = users.distinct().order_by("username")
        self.fields["instructor"].label_from_instance = lambda u: gettext("%(name)s（%(username)s）") % {
            "name": u.get_full_name() or u.username, "username": u.username}
        self.fields["programme"].label_from_instance = lambda p: f"{p.studio.name} · {p.title}"


class MoveForm(forms.Form):
    date = forms.DateField(label=_("调整到"), widget=DATE)
    start_time = forms.TimeField(label=_("上课时间"), required=False, widget=TIME)
    end_time = forms.TimeField(label=_("下课时间"), required=False, widget=TIME)
    reason = forms.CharField(label=_("调课原因"), max_length=200)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("取消原因"), max_length=200)


class HolidayForm(forms.ModelForm):
    class Meta:
        model = HolidayOverride
        fields = ["date", "is_holiday", "name"]
        widgets = {"date": DATE}
        labels = {"is_holiday": _("放假（不勾选表示调休上班）")}


ATTENDANCE_CHOICES = Attendance.STATUSES
