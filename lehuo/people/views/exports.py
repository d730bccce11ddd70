"""Excel export of a filtered people list, and PIPL access/copy and erasure of one person."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from lehuo.people import services
from lehuo.people.forms import EraseForm, ExportReasonForm, apply_service_error
from lehuo.platform.errors import ServiceError
from lehuo.platform.excel import xlsx_response
from lehuo.platform.paging import query_without

from .people import filtered_people


def _filters(request) -> dict:
    return {k: request.GET.get(k, "") for k in ("q", "neighbourhood", "tag", "sort") if request.GET.get(k)}


@login_required
def people_export(request):
    """The filtered list as Excel, ID numbers and phones masked (every role that may list)."""
    qs, _sort = filtered_people(request, to="people.person.export_list")
    name, content = services.export_people_list(request.user, qs, filters=_filters(request))
    return _no_store(xlsx_response(name, content))


@login_required
def people_export_full(request):
    """Whole ID numbers, phones and addresses: a separate right (town admins), a reason asked
    for, the file watermarked with who, when and why, the audit row saying what it held."""
    qs, _sort = filtered_people(request, to="people.person.export_full")
    form = ExportReasonForm(request.POST or None)
    if request.method == "POST":
        try:
            name, content = services.export_people_list(request.user, qs, filters=_filters(request), full=True,
                                                        reason=request.POST.get("reason", ""))
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            return _no_store(xlsx_response(name, content))
    return render(request, "people/people_export_full.html",
                  {"form": form, "count": qs.count(), "filters": query_without(request, "page")},
                  status=400 if form.errors else 200)


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


@login_required
def person_data_export(request, pk, fmt):
    """PIPL art. 45: a copy of everything held about the person that the reader may read
    (logged by the service with what it held)."""
    person = services.get_person_for(request.user, pk, to="people.person.export_data")
    name, content_type, content = services.export_person_file(request.user, person, fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return _no_store(response)


@login_required
def person_erase(request, pk):
    """PIPL art. 47: de-identify; money and health records stay, pointing to no one."""
    person = services.get_person_for(request.user, pk, to="people.person.erase")
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
