"""Worker pages: drives, the overview with figures, donation lists, the ledger entry form,
one donation (void, receipt number), reconciliation. Thin: parse, call a service, render."""


from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from lehuo.accounts.permissions import may
from lehuo.lib import charts
from lehuo.platform.errors import ServiceError
from lehuo.platform.excel import write_xlsx, xlsx_response
from lehuo.platform.paging import paginate, sort_param

from . import forms, ledger, services, stats
from .models import CHANNELS, METHODS, Handover


def _render(request, template, context):
    """Every page knows what the user may do (the drive menu hides what they may not)."""
    drive = context.get("drive")
    context.setdefault("may_record", may(request.user, "donations.drive.record", drive))
    context.setdefault("may_manage", may(request.user, "donations.drive.manage", drive))
    return render(request, template, context)


def _drive(request, pk, to: str = "donations.drive.view"):
    return services.get_drive_for(request.user, pk=pk, to=to)


def _refusal(exc: ServiceError) -> ServiceError:
    """A form shows a rule's refusal; a refusal of the actor (403/404) is the page's answer."""
    if exc.status != 400:
        raise exc
    return exc


def _form_error(form, exc: ServiceError, field_map: dict | None = None) -> None:
    field = (field_map or {}).get(exc.field, exc.field)
    form.add_error(field if field in form.fields else None, exc.message)


@login_required
def index(request):
    drives = (services.drives_for(request.user).select_related("organiser")
              .annotate(total=Sum("donations__amount", filter=Q(donations__voided_at__isnull=True)),
                        gifts=Count("donations", filter=Q(donations__voided_at__isnull=True))))
    return _render(request, "donations/index.html", {
        "drives": drives, "may_manage": may(request.user, "donations.drive.create")})


@login_required
def drive_create(request):
    town = services.town_to_start_drive_in(request.user)
    form = forms.DriveForm(request.POST or None, town=town)
    if request.method == "POST" and form.is_valid():
        try:
            drive = services.create_drive(request.user, town, **form.cleaned_data)
        except ServiceError as exc:
            _form_error(form, _refusal(exc), {"organiser_id": "organiser"})
        else:
            messages.success(request, _("募捐活动已创建"))
            return redirect("donations:drive", drive.pk)
    return _render(request, "donations/drive_form.html", {"form": form})


@login_required
def drive_detail(request, pk):
    """Overview: figures, chart by neighbourhood, by channel / method / tag."""
    drive = _drive(request, pk)
    s = stats.drive_stats(drive)
    by_nbh = sorted(((name, b["total"]) for name, b in s["by_neighbourhood"].items()), key=lambda x: -x[1])
    chart = charts.bar_chart(by_nbh, unit=pgettext("unit after a number in a chart", "元"), title=_("各居民区捐款金额"))
    channels = [(str(label), s["by_channel"].get(code)) for code, label in CHANNELS]
    methods = [(str(dict(METHODS)[code]), block) for code, block in s["by_method"].items()]
    progress = None
    if drive.target:
        progress = min(100, int(s["total"] * 100 / drive.target))
    return _render(request, "donations/drive_detail.html", {
        "drive": drive, "s": s, "chart": mark_safe(chart), "channels": channels, "methods": methods,  # noqa: S308
        "progress": progress,
    })


SORTS = {"date": ("-received_on", "-id"), "amount": ("-amount", "-id"), "-amount": ("amount", "id"),
         "donor": ("person__name_pinyin", "donor_name", "id")}


def _filtered(request, drive):
    qs = services.donations_for(request.user, drive).select_related("person", "organisation", "neighbourhood")
    g = request.GET
    status = g.get("status", "valid")
    if status == "valid":
        qs = qs.filter(voided_at__isnull=True)
    elif status == "void":
        qs = qs.filter(voided_at__isnull=False)
    if g.get("channel") in dict(CHANNELS):
        qs = qs.filter(channel=g["channel"])
    if g.get("method") in dict(METHODS):
        qs = qs.filter(method=g["method"])
    if g.get("neighbourhood", "").isdigit():
        qs = qs.filter(neighbourhood_id=int(g["neighbourhood"]))
    if q := g.get("q", "").strip():
        qs = qs.filter(Q(person__name__icontains=q) | Q(donor_name__icontains=q) | Q(organisation__name__icontains=q)
                       | Q(reference__icontains=q) | Q(person__name_initials__startswith=q.lower()))
    key, order = sort_param(request, SORTS, "date")
    return qs.order_by(*order), key


@login_required
@never_cache
def donation_list(request, pk):
    drive = _drive(request, pk)
    qs, sort = _filtered(request, drive)
    if request.GET.get("format") == "xlsx":
        return _export(request, drive, qs)
    page = paginate(request, qs, 50)
    filters = request.GET.copy()
    filters.pop("page", None)
    totals = qs.filter(voided_at__isnull=True).aggregate(total=Sum("amount"), n=Count("id"))
    return _render(request, "donations/donation_list.html", {
        "drive": drive, "page": page, "filters": filters.urlencode(), "sort": sort, "totals": totals,
        "channels": CHANNELS, "methods": METHODS, "neighbourhoods": forms.neighbourhoods_for(request.user, drive),
    })


DONOR_KINDS = {"person": gettext_lazy("居民"), "organisation": gettext_lazy("单位"), "outsider": gettext_lazy("其他捐赠人"),
               "anonymous": gettext_lazy("匿名")}


def _export(request, drive, qs):
    """Staff export (names in full, as the user may see them); formula injection neutralised."""
    rows = [[d.received_on, d.donor_display, str(DONOR_KINDS.get(d.donor_kind, "")), d.amount, d.get_channel_display(), d.get_method_display(), d.reference,
             d.neighbourhood.name if d.neighbourhood else "", d.receipt_number, _("是") if d.named_consent else _("否"),
             _("已作废：") + d.void_reason if d.voided_at else ""] for d in qs.iterator(chunk_size=2000)]
    content = write_xlsx([_("日期"), _("捐赠人"), _("类型"), _("金额"), _("渠道"), _("方式"), _("流水号"), _("经办居民区"), _("票据号"),
                          _("同意公示姓名"), _("状态")], rows, title=_("捐款明细"))
    services.log_export(request.user, drive, "list", len(rows))
    response = xlsx_response(_("%(drive)s-捐款明细.xlsx") % {"drive": drive.slug}, content)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@never_cache
def donation_new(request, pk):
    """A line of the neighbourhood's cash ledger."""
    drive = _drive(request, pk, to="donations.drive.record")
    form = forms.DonationEntryForm(request.POST or None, user=request.user, drive=drive,
                                   initial={"received_on": drive.starts_on})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        kind = data["donor_kind"]
        kwargs = {}
        if kind == "person":
            person = ledger.find_donor_person(request.user, drive, id_number=data.get("id_number", ""),
                                                name=data.get("donor_name", ""), phone=data.get("phone", ""))
            if person is None:
                form.add_error("id_number", _("未找到该居民：请核对身份证号，或姓名与手机号"))
            kwargs["person"] = person
        elif kind == "organisation":
            if data["organisation"] is None:
                form.add_error("organisation", _("请选择单位"))
            kwargs["organisation"] = data["organisation"]
        elif kind == "outsider":
            kwargs["donor_name"] = data["donor_name"]
        else:
            kwargs["anonymous"] = True
        if not form.errors:
            try:
                donation, created = services.record_donation(
                    request.user, drive, amount=data["amount"], channel="offline", method=data["method"],
                    received_on=data["received_on"], reference=data["reference"], neighbourhood=data["neighbourhood"],
                    named_consent=data["named_consent"], notes=data["notes"], source="form", **kwargs)
            except ServiceError as exc:
                _form_error(form, _refusal(exc), {"neighbourhood_id": "neighbourhood", "person_id": "id_number",
                                        "organisation_id": "organisation"})
            else:
                if created:
                    messages.success(request, _("已登记 %(donor)s %(amount)s 元") % {"donor": donation.donor_display, "amount": donation.amount})
                else:
                    messages.warning(request, _("该凭证号已登记过，未重复登记"))
                if "again" in request.POST:
                    return redirect("donations:donation_new", drive.pk)
                return redirect("donations:donation", donation.pk)
    return _render(request, "donations/donation_form.html", {"drive": drive, "form": form})


def _donation(request, pk, to: str = "donations.donation.view"):
    return services.get_donation_for(request.user, pk, to=to)


@login_required
@never_cache
def donation_detail(request, pk):
    donation = _donation(request, pk)
    return _render(request, "donations/donation_detail.html", {
        "d": donation, "drive": donation.drive, "void_form": forms.VoidForm(), "receipt_form": forms.ReceiptForm(
            initial={"receipt_number": donation.receipt_number}),
        "may_record": may(request.user, "donations.donation.change", donation)})


@require_POST
@login_required
def donation_void(request, pk):
    donation = _donation(request, pk, to="donations.donation.change")
    try:
        services.void_donation(request.user, donation, request.POST.get("reason", ""))
        messages.success(request, _("已作废"))
    except ServiceError as exc:
        messages.error(request, _refusal(exc).message)
    return redirect("donations:donation", donation.pk)


@require_POST
@login_required
def donation_receipt(request, pk):
    donation = _donation(request, pk, to="donations.donation.change")
    try:
        services.record_receipt_number(request.user, donation, request.POST.get("receipt_number", ""))
        messages.success(request, _("票据号已登记"))
    except ServiceError as exc:
        messages.error(request, _refusal(exc).message)
    return redirect("donations:donation", donation.pk)


@login_required
def reconciliation(request, pk):
    drive = _drive(request, pk, to="donations.drive.manage")
    form = forms.HandoverForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_handover(request.user, drive, **form.cleaned_data)
        except ServiceError as exc:
            _form_error(form, _refusal(exc))
        else:
            messages.success(request, _("汇缴已登记"))
            return redirect("donations:reconciliation", drive.pk)
    rows, by_nbh = ledger.reconciliation(request.user, drive)
    return _render(request, "donations/reconciliation.html", {
        "drive": drive, "rows": rows, "handovers": Handover.objects.filter(drive=drive).select_related("neighbourhood"),
        "form": form, "by_nbh": by_nbh,
        "balanced": all(r["difference"] == 0 for r in rows),
    })

