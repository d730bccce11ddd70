"""Excel export of a filtered people list, and PIPL access/copy and erasure of one person."""

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from lehuo.accounts import scoping
from lehuo.accounts.decorators import staff_required
from lehuo.accounts.models import TOWN_ADMIN
from lehuo.people import services
from lehuo.people.forms import EraseForm, apply_service_error
from lehuo.people.models import ID_TYPES
from lehuo.platform.audit import log_action
from lehuo.platform.errors import ServiceError
from lehuo.platform.excel import write_xlsx, xlsx_response

from .common import PEOPLE_ROLES, person_or_404
from .people import filtered_people

LIST_HEADERS = ["姓名", "性别", "出生日期", "年龄", "居民区", "标签", "证件类型", "证件号码", "电话", "住址"]
SEX = {"M": "男", "F": "女"}
ID_TYPE_LABELS = dict(ID_TYPES)


def people_rows(qs, reveal: bool):
    """Rows of the export; ID number and phone masked unless ``reveal``."""
    today = timezone.localdate()
    for p in qs.iterator(chunk_size=2000):
        yield [
            p.name, SEX.get(p.sex, ""), p.birth_date, p.age(today), p.neighbourhood.name if p.neighbourhood else "",
            "、".join(t.name for t in p.tags.all()), ID_TYPE_LABELS.get(p.id_type, p.id_type),
            p.id_number if reveal else p.id_number_masked, p.phone if reveal else p.phone_masked,
            p.address if reveal else "",
        ]


@staff_required(*PEOPLE_ROLES)
def people_export(request):
    qs, sort = filtered_people(request)
    reveal = scoping.may_reveal(request.user)
    count = qs.count()
    content = write_xlsx(LIST_HEADERS, people_rows(qs, reveal), title="人员名单")
    filters = {k: request.GET.get(k, "") for k in ("q", "neighbourhood", "tag", "sort") if request.GET.get(k)}
    log_action(request.user, "person.export_list", None, {"rows": count, "revealed": reveal, "filters": filters})
    return xlsx_response(f"人员名单-{timezone.localdate():%Y%m%d}.xlsx", content)


def _flatten(prefix: str, value, out: list) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, out)
    elif isinstance(value, list) and value and any(isinstance(v, (dict, list)) for v in value):
        for i, v in enumerate(value, start=1):
            _flatten(f"{prefix}[{i}]", v, out)
    else:
        out.append([prefix, "、".join(map(str, value)) if isinstance(value, list) else ("" if value is None else str(value))])


@staff_required(*PEOPLE_ROLES)
def person_data_export(request, pk, fmt):
    """PIPL art. 45: a copy of everything held about the person (logged by the service)."""
    person = person_or_404(request, pk)
    if not scoping.may_reveal(request.user):
        raise PermissionDenied
    data = services.export_person_data(request.user, person)
    stamp = f"{person.pk}-{timezone.localdate():%Y%m%d}"
    if fmt == "json":
        response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="person-{stamp}.json"'
        return response
    rows: list = []
    _flatten("", data, rows)
    return xlsx_response(f"个人信息-{stamp}.xlsx", write_xlsx(["项目", "内容"], rows, title="个人信息"))


@staff_required(TOWN_ADMIN)
def person_erase(request, pk):
    """PIPL art. 47: de-identify; money and health records stay, pointing to no one."""
    person = person_or_404(request, pk)
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["confirm_name"].strip() != person.name:
            form.add_error("confirm_name", _("姓名不一致"))
        else:
            try:
                services.erase_person(request.user, person, form.cleaned_data["reason"])
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("已删除此人的个人信息（记录保留为匿名）"))
                return redirect("people:person", person.pk)
    return render(request, "people/person_erase.html", {"person": person, "form": form})
