from django import forms
from django.utils.translation import gettext_lazy as _

from lehuo.platform.uploads import PHOTO_MAX_BYTES, UploadField

from .models import Honour, Visit


class VisitForm(forms.Form):
    person_id = forms.IntegerField(label=_("走访对象（人员编号）"))
    date = forms.DateField(label=_("走访日期"), widget=forms.DateInput(attrs={"type": "date"}))
    purpose = forms.ChoiceField(label=_("目的"), choices=Visit.PURPOSES)
    visitors = forms.CharField(label=_("走访人员"), help_text=_("职务和姓名用空格隔开，多人用逗号分隔，例如：副镇长 李双珑"))
    household = forms.CharField(label=_("家庭"), required=False, max_length=100)
    notes = forms.CharField(label=_("走访情况"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    slug = forms.SlugField(label=_("标识"), required=False, help_text=_("用于新闻稿数据标记，如 2021-08-05-swimmer"))


class HonourForm(forms.Form):
    person_id = forms.IntegerField(label=_("人员编号"))
    title = forms.CharField(label=_("荣誉/成绩"), max_length=200)
    event = forms.CharField(label=_("赛事/评选"), max_length=200, required=False)
    level = forms.ChoiceField(label=_("级别"), choices=Honour.LEVELS)
    rank = forms.CharField(label=_("名次"), max_length=50, required=False)
    result = forms.CharField(label=_("成绩"), max_length=50, required=False)
    achieved_on = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))


class PhotoForm(forms.Form):
    image = UploadField(label=_("照片"), max_bytes=PHOTO_MAX_BYTES)
    caption = forms.CharField(label=_("说明"), max_length=200, required=False)
