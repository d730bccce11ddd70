from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Column


class IssueForm(forms.Form):
    slug = forms.SlugField(label=_("标识"), max_length=50, help_text=_("网址中使用，例如 2021-08"))
    number = forms.IntegerField(label=_("期号"), min_value=1)
    date = forms.DateField(label=_("出版日期"), widget=forms.DateInput(attrs={"type": "date"}))
    title = forms.CharField(label=_("标题"), max_length=100, required=False)


class ArticleForm(forms.Form):
    column = forms.ModelChoiceField(label=_("栏目"), queryset=Column.objects.none())
    kicker = forms.CharField(label=_("引题"), max_length=100, required=False)
    title = forms.CharField(label=_("标题"), max_length=100)
    subtitle = forms.CharField(label=_("副题"), max_length=100, required=False)
    body = forms.CharField(
        label=_("正文（Markdown）"), required=False, widget=forms.Textarea(attrs={"rows": 18, "class": "body-editor"}),
        help_text=_("数据写成标记，例如 [[donations:henan-flood-2021:people]]，发布时固定数值"),
    )
    author = forms.CharField(label=_("作者"), max_length=50, required=False)
    order = forms.IntegerField(label=_("排序"), min_value=0, initial=0)

    def __init__(self, *args, publication=None, **kwargs):
        super().__init__(*args, **kwargs)
        if publication is not None:
            self.fields["column"].queryset = publication.columns.all()


class PhotoForm(forms.Form):
    image = forms.FileField(label=_("照片"))
    caption = forms.CharField(label=_("图片说明"), max_length=200, required=False)
