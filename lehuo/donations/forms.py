from django import forms
from django.utils.translation import gettext_lazy as _

from lehuo.accounts.models import Neighbourhood
from lehuo.people.models import Organisation
from lehuo.platform.uploads import VOUCHER_MAX_BYTES, UploadField

from .importers import COLUMNS, FIELD_LABELS, KINDS
from .models import BANK, CASH, CHANNELS, METHODS, WECHAT

DATE = forms.DateInput(attrs={"type": "date"})


def neighbourhoods_for(user, drive):
    """The neighbourhoods the user records donations for at ``drive`` (the policy decides)."""
    from .services import recording_neighbourhoods

    qs = Neighbourhood.objects.filter(town=drive.town)
    allowed = recording_neighbourhoods(user, drive)
    return qs if allowed is None else qs.filter(pk__in=allowed)


class DriveForm(forms.Form):
    slug = forms.SlugField(label=_("标识"), help_text=_("用于链接和新闻稿数据标记，如 henan-flood-2021"))
    title = forms.CharField(label=_("名称"), max_length=100)
    organiser = forms.ModelChoiceField(label=_("主办慈善组织"), queryset=Organisation.objects.none())
    purpose = forms.CharField(label=_("募捐目的"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    starts_on = forms.DateField(label=_("开始日期"), widget=DATE)
    ends_on = forms.DateField(label=_("结束日期"), widget=DATE)
    accepts_online = forms.BooleanField(label=_("线上募捐"), required=False, initial=True)
    accepts_offline = forms.BooleanField(label=_("线下募捐"), required=False, initial=True)
    platform = forms.CharField(label=_("线上平台"), required=False)
    target = forms.CharField(label=_("目标金额（元）"), required=False)
    disclosure_public = forms.BooleanField(label=_("公示名单对外公开"), required=False)

    def __init__(self, *args, town=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organiser"].queryset = Organisation.objects.filter(town=town).order_by("-kind", "name_pinyin")


class DonationEntryForm(forms.Form):
    """A line of a neighbourhood's offline (cash) ledger."""

    DONOR_KINDS = [("person", _("本镇居民")), ("organisation", _("单位")), ("outsider", _("其他捐赠人")),
                   ("anonymous", _("匿名"))]
    neighbourhood = forms.ModelChoiceField(label=_("经办居民区"), queryset=Neighbourhood.objects.none())
    donor_kind = forms.ChoiceField(label=_("捐赠人类型"), choices=DONOR_KINDS, initial="person",
                                   widget=forms.RadioSelect)
    id_number = forms.CharField(label=_("身份证号"), required=False, help_text=_("居民：填身份证号，或填姓名和手机号"))
    donor_name = forms.CharField(label=_("姓名"), required=False, max_length=100)
    phone = forms.CharField(label=_("手机号"), required=False)
    organisation = forms.ModelChoiceField(label=_("单位"), queryset=Organisation.objects.none(), required=False)
    amount = forms.CharField(label=_("金额（元）"), widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    method = forms.ChoiceField(label=_("方式"), choices=[(c, lbl) for c, lbl in METHODS if c in (CASH, BANK, WECHAT)],
                               initial=CASH)
    received_on = forms.DateField(label=_("捐赠日期"), widget=DATE)
    reference = forms.CharField(label=_("收据/凭证号"), required=False, max_length=100,
                                help_text=_("同一活动内唯一；重复提交同一凭证号不会重复登记"))
    named_consent = forms.BooleanField(label=_("捐赠人同意公示姓名"), required=False)
    notes = forms.CharField(label=_("备注"), required=False, max_length=200)

    def __init__(self, *args, user=None, drive=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["neighbourhood"].queryset = nbhs = neighbourhoods_for(user, drive)
        if len(nbhs) == 1:
            self.fields["neighbourhood"].initial = nbhs[0].pk
        self.fields["organisation"].queryset = Organisation.objects.filter(town=drive.town)


class VoidForm(forms.Form):
    reason = forms.CharField(label=_("作废原因"), max_length=200)


class ReceiptForm(forms.Form):
    receipt_number = forms.CharField(label=_("捐赠票据号"), max_length=60)


class HandoverForm(forms.Form):
    channel = forms.ChoiceField(label=_("渠道"), choices=CHANNELS)
    amount = forms.CharField(label=_("金额（元）"))
    handed_on = forms.DateField(label=_("汇缴日期"), widget=DATE)
    voucher_number = forms.CharField(label=_("凭证号"), required=False, max_length=60)
    voucher = UploadField(label=_("凭证（图片或PDF）"), required=False, max_bytes=VOUCHER_MAX_BYTES)
    receipt_number = forms.CharField(label=_("捐赠票据号"), required=False, max_length=60)
    notes = forms.CharField(label=_("备注"), required=False, max_length=200)


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("文件类型"), choices=list(KINDS.items()), widget=forms.RadioSelect)
    neighbourhood = forms.ModelChoiceField(label=_("经办居民区"), queryset=Neighbourhood.objects.none(),
                                           required=False, help_text=_("线下台账必填；线上流水可留空（按捐赠人所在居民区）"))
    file = UploadField(label=_("文件（xlsx 或 csv）"))

    def __init__(self, *args, user=None, drive=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["neighbourhood"].queryset = neighbourhoods_for(user, drive)


class MappingForm(forms.Form):
    """One select per column of the file: which field it holds (or ignore)."""

    def __init__(self, *args, headers=(), initial_mapping=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("（忽略）"))] + [(f, FIELD_LABELS[f]) for f in COLUMNS]
        self.headers = list(headers)
        for i, header in enumerate(self.headers):
            self.fields[f"col_{i}"] = forms.ChoiceField(label=header or _("第%(n)s列") % {"n": i + 1}, choices=choices, required=False,
                                                       initial=(initial_mapping or {}).get(header, ""))

    def mapping(self) -> dict[str, str]:
        out = {}
        for i, header in enumerate(self.headers):
            value = self.cleaned_data.get(f"col_{i}")
            if value and header:
                if value in out.values():
                    raise forms.ValidationError(_("“%(field)s”被指定给了多列") % {"field": FIELD_LABELS[value]})
                out[header] = value
        return out
