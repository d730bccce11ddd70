"""Resident pages (a parent on a phone): add a child, see offerings and places left live,
enrol at opening time, cancel, see the receipt. Parse, call a service, render: who may do
what is the services' (lehuo/daycare/policy.py)."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from lehuo.accounts.permissions import may
from lehuo.platform.errors import Busy, ServiceError
from lehuo.platform.idempotency import run_idempotent_writing_key

from . import services
from .forms import ChildForm, EnrolForm
from .models import Child, Enrolment


def index(request):
    """Staff who see sites land on the programme; everyone else on their own page."""
    if request.user.is_authenticated and may(request.user, "daycare.site.view"):
        from .views_staff import programme

        return programme(request)
    return redirect("daycare:my")


def _my_context(request) -> dict:
    guardian = services.guardian_for(request.user)
    enrolments = list(services.enrolments_of(request.user))
    return {"guardian": guardian, "children": list(services.children_of(request.user)),
            "claims": list(services.claims_of(request.user)), "enrolments": enrolments,
            "ahead": {e.pk: services.waiting_ahead(e) for e in enrolments if e.status == Enrolment.WAITLISTED},
            "today": timezone.localdate()}


@login_required
@never_cache
def my(request):
    return render(request, "daycare/my.html", _my_context(request))


@login_required
@never_cache
def my_status(request):
    """The live part of the resident pages (htmx polls it): places left, waiting positions."""
    ctx = _my_context(request)
    ctx["offerings"] = _offerings(request, ctx["guardian"])
    return render(request, "daycare/_my_status.html", ctx)


@login_required
@never_cache
def my_child_add(request):
    """Every field checked at once: what the form could not parse is shown beside its field,
    and the service's refusals of the rest beside theirs, in one answer."""
    guardian = services.guardian_for(request.user)
    day = services.registration_day()
    form = ChildForm(request.POST or None, initial={"relation": "mother"}, on=day)
    if request.method == "POST":
        form.is_valid()
        values = form.values()
        try:
            with transaction.atomic():
                added = services.add_child(
                    request.user, on=day, name=values.get("name"), school=values.get("school"),
                    grade=values.get("grade"), id_number=values.get("id_number") or "",
                    birth_date=values.get("birth_date"), relation=values.get("relation") or "",
                    consent=bool(values.get("consent")), guardian_phone=values.get("guardian_phone"),
                    **{f: values.get(f) for f in services.HEALTH_FIELDS})
                if form.errors:  # the rest passed, but a field did not parse: write nothing
                    transaction.set_rollback(True)
        except ServiceError as exc:
            if exc.status != 400:
                raise
            form.add_service_error(ServiceError(exc.message, exc.field, errors=[
                e for e in exc.errors if e.get("field") not in form.errors]))
        else:
            if not form.errors:
                if isinstance(added, Child):
                    messages.success(request, _("孩子信息已关联"))
                    return redirect("daycare:my_offerings")
                messages.info(request, _("已提交，居委会工作人员核实后即可为孩子报名"))
                return redirect("daycare:my")
    return render(request, "daycare/my_child_form.html", {"form": form, "guardian": guardian})


def _offerings(request, guardian) -> list:
    offerings = list(services.offerings_for(request.user).filter(site__year__town=guardian.town))
    latest = max((o.site.year.year for o in offerings), default=None)
    return [o for o in offerings if o.site.year.year == latest]


@login_required
@never_cache
def my_offerings(request):
    guardian = services.guardian_for(request.user)
    offerings = _offerings(request, guardian)
    children = services.eligible_children(request.user, offerings[0].term.starts_on if offerings else None)
    form = EnrolForm(children=children, initial={"key": uuid.uuid4().hex})
    return render(request, "daycare/my_offerings.html", {
        "offerings": offerings, "children": children, "form": form,
        "year": offerings[0].site.year.year if offerings else None})


@login_required
@require_POST
def my_enrol(request, pk: int):
    """The parent's page takes a place exactly as the API does (``take_place``, the same
    idempotency scope): a double tap or a retry gets the first answer."""
    form = EnrolForm(request.POST, children=list(services.children_of(request.user)))
    if not form.is_valid():
        services.take_place_allowed(request.user)  # 403 / 404 for who may not enrol at all
        messages.error(request, _("请选择要报名的孩子"))
        return redirect("daycare:my_offerings")
    child_id = form.cleaned_data["child"]

    def create(key_row):
        return 201, services.take_place(request.user, pk, child_id, key_row=key_row).body()

    try:
        _status, body = run_idempotent_writing_key(request.user, form.cleaned_data["key"], services.enrol_scope(pk),
                                                   create)
    except Busy:
        return render(request, "daycare/busy.html", {}, status=503)
    except ServiceError as exc:
        if exc.status != 400:
            raise
        return render(request, "daycare/refused.html", {"message": exc.message}, status=400)
    return redirect("daycare:my_enrolment", pk=body["id"])


@login_required
@never_cache
def my_enrolment(request, pk: int):
    """The receipt: a place, or the waiting list with a position ("full")."""
    e = services.get_enrolment_for(request.user, pk)
    return render(request, "daycare/my_result.html", {
        "e": e, "ahead": services.waiting_ahead(e),
        "may_cancel": e.status != Enrolment.CANCELLED and services.may_cancel(request.user, e)})


@login_required
@require_POST
def my_enrolment_cancel(request, pk: int):
    e = services.get_enrolment_for(request.user, pk, to="daycare.enrolment.cancel")
    try:
        with transaction.atomic():
            promoted = services.cancel_enrolment(request.user, e, request.POST.get("reason", "") or _("家长取消"))
    except Busy:
        return render(request, "daycare/busy.html", {}, status=503)
    except ServiceError as exc:
        if exc.status != 400:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已取消报名；名额已由候补第一位递补") if promoted else _("已取消报名"))
    return redirect("daycare:my_enrolment", pk=e.pk)


@login_required
@never_cache
def claims(request):
    """The register's staff: guardians' requests to add a child already on the register."""
    rows = list(services.claims_for(request.user))
    return render(request, "daycare/claims.html", {"claims": rows})


@login_required
@require_POST
def claim_decide(request, pk: int):
    confirm = request.POST.get("decision") == "confirm"
    try:
        claim = services.decide_claim(request.user, pk, confirm=confirm)
    except ServiceError as exc:
        if exc.status != 400:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已确认，孩子已关联到监护人") if confirm else _("已驳回"))
        del claim
    return redirect("daycare:claims")
