"""Resident pages (a parent on a phone): link a child, see offerings, enrol, see the result."""

import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from lehuo.accounts import scoping as core_scoping
from lehuo.accounts.decorators import resident_required
from lehuo.platform.errors import Busy, NotFound, ServiceError
from lehuo.platform.idempotency import run_idempotent

from . import services
from .access import guardian_for, offerings_for
from .forms import ChildForm, EnrolForm
from .models import Enrolment


def _guardian(request):
    try:
        return guardian_for(request.user)
    except NotFound:
        raise Http404("您的账号尚未关联居民信息，请联系居委会")


def index(request):
    """Staff land on the programme; residents on their own page."""
    if request.user.is_authenticated and core_scoping.is_staff_member(request.user):
        from .views_staff import programme

        return programme(request)
    return redirect("daycare:my")


@resident_required
def my(request):
    guardian = _guardian(request)
    children = list(services.children_of(guardian))
    enrolments = (Enrolment.objects.filter(guardian=guardian).select_related("offering__site", "offering__term",
                                                                             "child__person").order_by("-created_at"))
    return render(request, "daycare/my.html", {"guardian": guardian, "children": children, "enrolments": enrolments})


@resident_required
def my_child_add(request):
    guardian = _guardian(request)
    form = ChildForm(request.POST or None, initial={"relation": "mother"})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if d["guardian_phone"]:
                services.set_guardian_phone(request.user, guardian, d["guardian_phone"])
            services.register_child(request.user, guardian, name=d["name"], school=d["school"], grade=d["grade"],
                                    id_number=d["id_number"], birth_date=d["birth_date"], relation=d["relation"],
                                    consent=d["consent"])
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, "孩子信息已关联")
            return redirect("daycare:my_offerings")
    return render(request, "daycare/my_child_form.html", {"form": form, "guardian": guardian})


@resident_required
def my_offerings(request):
    guardian = _guardian(request)
    children = list(services.children_of(guardian))
    offerings = list(offerings_for(request.user).filter(site__year__town=guardian.town))
    latest = max((o.site.year.year for o in offerings), default=None)
    offerings = [o for o in offerings if o.site.year.year == latest]
    form = EnrolForm(children=children, initial={"key": uuid.uuid4().hex})
    return render(request, "daycare/my_offerings.html",
                  {"offerings": offerings, "children": children, "form": form, "year": latest})


@resident_required
@require_POST
def my_enrol(request, pk: int):
    guardian = _guardian(request)
    offering = get_object_or_404(offerings_for(request.user).filter(site__year__town=guardian.town), pk=pk)
    children = list(services.children_of(guardian))
    form = EnrolForm(request.POST, children=children)
    if not form.is_valid():
        messages.error(request, "请选择要报名的孩子")
        return redirect("daycare:my_offerings")
    child = next(c for c in children if c.pk == form.cleaned_data["child"])

    def create():
        e = services.enrol_child(request.user, offering, child, guardian)
        return 201, {"id": e.pk}

    try:
        _status, body = run_idempotent(request.user, form.cleaned_data["key"], f"daycare.enrol:{offering.pk}:{child.pk}", create)
    except Busy:
        return render(request, "daycare/busy.html", {"offering": offering}, status=503)
    except ServiceError as exc:
        return render(request, "daycare/refused.html", {"offering": offering, "message": exc.message}, status=400)
    return redirect("daycare:my_enrolment", pk=body["id"])


@resident_required
def my_enrolment(request, pk: int):
    """The result: a place, or the waiting list with a position ("full")."""
    guardian = _guardian(request)
    e = get_object_or_404(Enrolment.objects.select_related("offering__site", "offering__term", "child__person"),
                          pk=pk, guardian=guardian)
    return render(request, "daycare/my_result.html",
                  {"e": e, "ahead": services.waiting_ahead(e), "back": reverse("daycare:my")})
