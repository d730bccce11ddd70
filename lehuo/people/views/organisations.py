"""Organisations (共建单位, 辖区单位, schools...): list, detail, create, edit."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from lehuo.accounts.permissions import may
from lehuo.lib.identity import mask_phone
from lehuo.people import services
from lehuo.people.forms import OrganisationForm, apply_service_error
from lehuo.people.models import Organisation
from lehuo.platform.errors import ServiceError
from lehuo.platform.paging import paginate, query_without, sort_param

SORTS = {"name": ("name_pinyin", "id"), "-name": ("-name_pinyin", "-id"), "kind": ("kind", "name_pinyin", "id")}


@login_required
def organisation_list(request):
    qs = services.organisations_for(request.user).select_related("neighbourhood")
    q = request.GET.get("q", "").strip()[:50]
    kind = request.GET.get("kind", "")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(name_pinyin__icontains=q.lower()))
    if kind in dict(Organisation.KINDS):
        qs = qs.filter(kind=kind)
    sort, order = sort_param(request, SORTS, "name")
    page = paginate(request, qs.order_by(*order), per_page=50)
    return render(request, "people/organisation_list.html", {
        "page": page, "q": q, "kind": kind, "kinds": Organisation.KINDS, "sort": sort,
        "filters": query_without(request, "page"), "filters_no_sort": query_without(request, "page", "sort"),
        "may_write": may(request.user, "people.organisation.change"),
    })


@login_required
def organisation_detail(request, pk):
    org = services.get_organisation_for(request.user, pk)
    return render(request, "people/organisation_detail.html", {
        "org": org, "may_write": may(request.user, "people.organisation.change", org),
        "contact_phone_masked": mask_phone(org.contact_phone),
    })


@login_required
def organisation_create(request):
    town = services.town_to_add_organisation(request.user)
    form = OrganisationForm(request.POST or None, town=town)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.create_organisation(request.user, town, **form.service_kwargs())
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("已添加单位：%(name)s") % {"name": org.name})
            return redirect("people:organisation", org.pk)
    return render(request, "people/organisation_form.html", {"form": form, "org": None})


@login_required
def organisation_edit(request, pk):
    org = services.get_organisation_for(request.user, pk, to="people.organisation.change")
    initial = {"name": org.name, "kind": org.kind, "neighbourhood": org.neighbourhood_id,
               "contact_name": org.contact_name, "address": org.address}
    form = OrganisationForm(request.POST or None, initial=initial, town=org.town, org=org)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_organisation(request.user, org, **form.service_kwargs())
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("people:organisation", org.pk)
    return render(request, "people/organisation_form.html", {"form": form, "org": org})
