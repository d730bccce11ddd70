"""Forms of the core pages. They only parse; the services hold the rules.

``apply_service_error`` puts a ServiceError on the form field it names, so a bad ID number
refused by ``create_person`` shows under the ID number input.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from lehuo.accounts.models import Neighbourhood
from lehuo.accounts.permissions import scope_q
from lehuo.lib.identity import ID_TYPES
from lehuo.platform.errors import Forbidden, NotFound, ServiceError
from lehuo.platform.uploads import UploadField

from .models import GuardianLink, Organisation, Tag

# Service field names that differ from form field names.
FIELD_ALIASES = {"neighbourhood_id": "neighbourhood", "guardian_id": "guardian", "tags": "tags"}


def apply_service_error(form: forms.Form, exc: ServiceError) -> None:
    """Show a service's refusals next to their fields; a refusal of the actor (403) or of the
    record (404) is not a field error and answers as such."""
    if isinstance(exc, (Forbidden, NotFound)):
        raise exc
    for err in exc.errors:
        name = FIELD_ALIASES.get(err.get("field") or "", err.get("field"))
        form.add_error(name if name in form.fields else None, err["message"])


def neighbourhood_choices(user, town):
    """The neighbourhoods the user may register people in (the same rule the service applies)."""
    return Neighbourhood.objects.filter(scope_q(user, "people.person.create", Neighbourhood), town=town).order_by(
        "name_pinyin", "id")


class PersonForm(forms.Form):
    """Parses the page's input; the rules (required fields, lengths, ID numbers...) are the
    register's own (validation.PersonRules), so the page reports all of them at once."""

    name = forms.CharField(label=_("姓名"), required=False)
    neighbourhood = forms.ModelChoiceField(label=_("居民区"), queryset=Neighbourhood.objects.none())
    id_type = forms.ChoiceField(label=_("证件类型"), choices=[("", _("自动识别"))] + ID_TYPES, required=False)
    id_number = forms.CharField(label=_("证件号码"), required=False,
                                help_text=_("填写后自动得出出生日期和性别"))
    phone = forms.CharField(label=_("电话"), required=False)
    sex = forms.ChoiceField(label=_("性别"), choices=[("", "—"), ("M", _("男")), ("F", _("女"))], required=False)
    birth_date = forms.DateField(label=_("出生日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                 help_text=_("无证件号码时填写"))
    address = forms.CharField(label=_("住址"), required=False)
    tags = forms.ModelMultipleChoiceField(label=_("标签"), queryset=Tag.objects.none(), required=False,
                                          widget=forms.CheckboxSelectMultiple)
    notes = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, town, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        self.fields["neighbourhood"].queryset = neighbourhood_choices(user, town)
        self.fields["tags"].queryset = Tag.objects.filter(town=town, applies_to=Tag.PERSON)
        if person is not None:
            # Editing: the ID number and phone are never put in the page in clear.
            for name, masked in (("id_number", person.id_number_masked), ("phone", person.phone_masked)):
                self.fields[name].help_text = _("当前：%(m)s。留空则不修改") % {"m": masked or "—"}
            self.fields["id_number"].widget.attrs["autocomplete"] = "off"

    def service_kwargs(self) -> dict:
        """The parsed fields for create_person / update_person (those that failed to parse left out)."""
        data = dict(self.cleaned_data)
        if "tags" in data:
            data["tags"] = [t.name for t in data["tags"]]
        if "id_type" in data:
            data["id_type"] = data["id_type"] or None
        if self.person is not None:
            for name in ("id_number", "phone"):
                if not data.get(name):
                    data.pop(name, None)  # unchanged
            if not data.get("id_number"):
                data.pop("id_type", None)
            if self.person.id_number and "id_number" not in data:
                # Birth date and sex come from the ID number on file.
                data.pop("birth_date", None)
                data.pop("sex", None)
        return data


class OrganisationForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=Organisation.KINDS)
    neighbourhood = forms.ModelChoiceField(label=_("所在居民区"), queryset=Neighbourhood.objects.none(), required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)

    def __init__(self, *args, town, org=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.org = org
        self.fields["neighbourhood"].queryset = Neighbourhood.objects.filter(town=town)
        if org is not None and org.contact_phone:
            from lehuo.lib.identity import mask_phone

            self.fields["contact_phone"].help_text = _("当前：%(m)s。留空则不修改") % {"m": mask_phone(org.contact_phone)}

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        if self.org is not None and not data["contact_phone"]:
            data.pop("contact_phone")
        return data


class TagForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=20)
    applies_to = forms.ChoiceField(label=_("适用于"), choices=[(Tag.PERSON, _("个人")), (Tag.ORGANISATION, _("单位"))])
    description = forms.CharField(label=_("说明"), max_length=200, required=False)
    order = forms.IntegerField(label=_("排序"), min_value=0, max_value=999, required=False, initial=0)


class ImportForm(forms.Form):
    file = UploadField(label=_("Excel 或 CSV 文件"), help_text=_("按模板填写：第一行为表头，每行一人"))


class GuardianForm(forms.Form):
    guardian_id_number = forms.CharField(label=_("监护人证件号码"), max_length=40,
                                         widget=forms.TextInput(attrs={"autocomplete": "off"}))
    relation = forms.ChoiceField(label=_("关系"), choices=GuardianLink.RELATIONS)


class ConsentForm(forms.Form):
    purpose = forms.CharField(label=_("用途"), max_length=50, help_text=_("例如：暑托班报名、献血登记、信息公示"))
    given_on = forms.DateField(label=_("同意日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    guardian = forms.ModelChoiceField(label=_("监护人（不满14周岁时必填）"), queryset=None, required=False)

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import Person

        self.fields["guardian"].queryset = Person.objects.filter(ward_links__child=person)


class ExportReasonForm(forms.Form):
    reason = forms.CharField(label=_("导出理由"), max_length=200,
                             help_text=_("例如：报区民政局低保复核名单。理由会写在文件上并记入操作日志"))


class EraseForm(forms.Form):
    reason = forms.CharField(label=_("删除原因"), max_length=200,
                             help_text=_("例如：本人依《个人信息保护法》第47条申请删除"))
    confirm_name = forms.CharField(label=_("请输入此人姓名以确认"), max_length=50)
