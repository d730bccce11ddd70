"""Blood drive pages: drives, sign-ups, invitations, the on-site flow (tablet), queue,
screening details, recall, report. Views parse, call a service, render."""

import datetime as dt
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from lehuo.accounts.models import Neighbourhood
from lehuo.accounts.permissions import may
from lehuo.accounts.services import town_for
from lehuo.lib.charts import bar_chart
from lehuo.lib.identity import mask_id_number, mask_name
from lehuo.people.models import Organisation, Person
from lehuo.platform.errors import ServiceError
from lehuo.platform.excel import write_xlsx, xlsx_response
from lehuo.platform.idempotency import run_idempotent
from lehuo.platform.paging import paginate
from lehuo.platform.pdf import pdf_response, render_pdf

from . import services
from .eligibility import DEFERRAL_KINDS, rules
from .models import EXTRA_CHECKS, Donation, Drive, Invitation, Screening, SignUp, StemCellSignup

REASON_LABELS = {
    "age_too_young": _("未满18周岁"), "age_too_old": _("超过年龄上限"), "age_unknown": _("年龄不明"),
    "weight_low": _("体重不足"), "systolic": _("收缩压"), "diastolic": _("舒张压"), "pulse_pressure": _("脉压差"),
    "pulse": _("脉搏"), "temperature": _("体温"), "haemoglobin": _("血红蛋白"), "interval_whole": _("献血间隔不足"),
    "interval_platelets_to_whole": _("血小板后间隔不足"), "interval_platelets": _("血小板间隔不足"),
    "interval_whole_to_platelets": _("全血后间隔不足"), "platelets_per_year": _("血小板年度次数"), "unwell": _("身体不适"),
    **{f"deferral_{k}": v[0] for k, v in DEFERRAL_KINDS.items()},
    **{f"check_{k}": v for k, v in EXTRA_CHECKS.items()},
}


def reason_label(code: str) -> "str | Promise":
    return REASON_LABELS.get(code, code)


def _drive(request, slug) -> Drive:
    return services.drive_for(request.user, slug=slug)


def _staff_drive(request, slug) -> Drive:
    return services.drive_for(request.user, slug=slug, to="blood.drive.run")


def _ctx(request, drive, **extra) -> dict:
    return {"drive": drive, "is_staff": services.is_drive_staff(request.user, drive), **extra}


def _refusal(exc: ServiceError) -> ServiceError:
    """A form shows a rule's refusal; a refusal of the actor (403/404) is the page's answer."""
    if exc.status != 400:
        raise exc
    return exc


def _date(value, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ServiceError(gettext("日期格式应为YYYY-MM-DD"), field)


def _int(value, field: str, label: str) -> int:
    try:
        return int(str(value).strip() or 0)
    except ValueError:
        raise ServiceError(gettext("%(label)s须为整数") % {"label": label}, field)


# --- drives --------------------------------------------------------------------------------

@login_required
def index(request):
    page = paginate(request, services.drives_for(request.user), 20)
    on_page = list(page.object_list)
    figs = services.list_figures(request.user, on_page)
    rows = [(d, figs[d.pk]) for d in on_page]
    error = None
    can_create = may(request.user, "blood.drive.create")
    if request.method == "POST":
        try:
            drive = services.create_drive(
                request.user, town_for(request.user), slug=request.POST.get("slug", ""),
                title=request.POST.get("title", ""), date=_date(request.POST.get("date"), "date"),
                venue=request.POST.get("venue", ""), organiser=request.POST.get("organiser", ""),
                extra_checks=request.POST.getlist("extra_checks"),
                time_slots=[s.strip() for s in request.POST.get("time_slots", "").split(",") if s.strip()])
            messages.success(request, gettext("已创建献血活动：%(title)s") % {"title": drive.title})
            return redirect("blood:drive", slug=drive.slug)
        except ServiceError as exc:
            error = _refusal(exc)
    staff_drives = services.drives_for(request.user, to="blood.drive.run")[:20] if may(
        request.user, "blood.drive.run") else []
    return render(request, "blood/index.html", {
        "rows": rows, "page": page, "error": error, "can_create": can_create, "staff_drives": staff_drives,
        "extra_checks": EXTRA_CHECKS.items(), "post": request.POST})


@login_required
def drive_detail(request, slug):
    drive = _drive(request, slug)
    return render(request, "blood/drive.html", _ctx(request, drive, stats=services.drive_figures(request.user, drive),
                                                     invitations=drive.invitations.all()))


# --- sign-ups ------------------------------------------------------------------------------

SIGNUP_SORTS = {"queue": ("queue_number", "id"), "name": ("person__name_pinyin", "id"), "created": ("created_at", "id")}


@login_required
@never_cache
def signups(request, slug):
    drive = _drive(request, slug)
    error = None
    if request.method == "POST":
        try:
            signup = services.sign_up_by_id_number(request.user, drive, request.POST.get("id_number", ""),
                                                   time_slot=request.POST.get("time_slot", ""))
            messages.success(request, gettext("已为%(name)s报名") % {"name": mask_name(signup.person.name)})
            return redirect("blood:signups", slug=drive.slug)
        except ServiceError as exc:
            error = _refusal(exc)
    qs = services.signups_for(request.user, drive).select_related("person", "person__neighbourhood", "organisation")
    status = request.GET.get("status", "")
    if status:
        qs = qs.filter(status=status)
    q = request.GET.get("q", "").strip()[:50]
    if q:
        qs = qs.filter(Q(person__name__contains=q) | Q(person__name_pinyin__startswith=q.lower())
                       | Q(person__name_initials__startswith=q.lower()))
    nbh = request.GET.get("neighbourhood", "")
    if nbh.isdigit():
        qs = qs.filter(person__neighbourhood_id=int(nbh))
    sort = request.GET.get("sort", "created")
    qs = qs.order_by(*SIGNUP_SORTS.get(sort, SIGNUP_SORTS["created"]))
    if request.GET.get("format") == "xlsx":
        content = write_xlsx([gettext("姓名"), gettext("居民区"), gettext("意向时段"), gettext("来源"), gettext("状态"),
                              gettext("排队号")], (
            (s.person.name, s.person.neighbourhood.name if s.person.neighbourhood else "", s.time_slot,
             s.get_source_display(), s.get_status_display(), s.queue_number or "") for s in qs))
        return xlsx_response(gettext("%(slug)s-报名.xlsx") % {"slug": drive.slug}, content)
    page = paginate(request, qs, 50)
    return render(request, "blood/signups.html", _ctx(
        request, drive, page=page, may_add=may(request.user, "blood.signup.add", drive), statuses=SignUp.STATUSES, status=status, q=q, sort=sort, error=error,
        neighbourhoods=Neighbourhood.objects.filter(town=drive.town), nbh=nbh))


# --- invitations -------------------------------------------------------------------------------

@login_required
def invitations(request, slug):
    drive = _drive(request, slug)
    error = None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "letter":
                services.create_invitation(request.user, drive, title=request.POST.get("title", ""),
                                           letter_text=request.POST.get("letter_text", ""),
                                           sent_on=_date(request.POST.get("sent_on"), "sent_on"))
                messages.success(request, gettext("倡议书已保存"))
            else:
                invitation = get_object_or_404(Invitation, drive=drive, pk=request.POST.get("invitation"))
                nbh = request.POST.get("neighbourhood") or None
                org = request.POST.get("organisation") or None
                services.record_delivery(
                    request.user, invitation,
                    neighbourhood=Neighbourhood.objects.filter(town=drive.town, pk=nbh).first() if nbh else None,
                    organisation=Organisation.objects.filter(town=drive.town, pk=org).first() if org else None,
                    copies=_int(request.POST.get("copies"), "copies", gettext("份数")),
                    delivered=_int(request.POST.get("delivered"), "delivered", gettext("已送达")),
                    delivered_on=_date(request.POST.get("delivered_on"), "delivered_on"))
                messages.success(request, gettext("发放记录已保存"))
            return redirect("blood:invitations", slug=drive.slug)
        except ServiceError as exc:
            error = _refusal(exc)
    items = []
    for inv in drive.invitations.prefetch_related("deliveries__neighbourhood", "deliveries__organisation"):
        rows = list(inv.deliveries.all())
        items.append({"invitation": inv, "rows": rows, "copies": sum(r.copies for r in rows),
                      "delivered": sum(r.delivered for r in rows)})
    return render(request, "blood/invitations.html", _ctx(
        request, drive, items=items, error=error, neighbourhoods=Neighbourhood.objects.filter(town=drive.town),
        organisations=Organisation.objects.filter(town=drive.town, kind__in=["employer", "partner", "school"])))


@login_required
def invitation_pdf(request, slug, pk):
    drive = _drive(request, slug)
    invitation = get_object_or_404(Invitation, drive=drive, pk=pk)
    content = render_pdf("blood/print_letter.html", {"drive": drive, "invitation": invitation,
                                                     "paragraphs": invitation.letter_text.split("\n\n")})
    return pdf_response(content, gettext("%(slug)s-倡议书.pdf") % {"slug": drive.slug})


# --- on-site flow (tablet) ------------------------------------------------------------------------

@login_required
@never_cache
def onsite(request, slug):
    """Find the donor by ID number (typed or scanned), or register a walk-in."""
    drive = _staff_drive(request, slug)
    error, register = None, None
    number = request.POST.get("id_number", "").strip()
    if request.method == "POST":
        try:
            if request.POST.get("action") == "register":
                nbh = request.POST.get("neighbourhood") or None
                person = services.register_donor(
                    request.user, drive, id_number=number, name=request.POST.get("name", ""),
                    phone=request.POST.get("phone", ""),
                    neighbourhood=Neighbourhood.objects.filter(town=drive.town, pk=nbh).first() if nbh else None)
            else:
                person = services.find_donor(request.user, drive, number)
            if person is not None:
                services.check_in(request.user, drive, person)
                return redirect("blood:onsite_person", slug=drive.slug, pk=person.pk)
            register = number
        except ServiceError as exc:
            error = _refusal(exc)
            if request.POST.get("action") == "register":
                register = number
    return render(request, "blood/onsite.html", _ctx(
        request, drive, error=error, register=register, id_number=number,
        neighbourhoods=Neighbourhood.objects.filter(town=drive.town), queue=_queue(drive)[:8]))


def _queue(drive):
    return list(SignUp.objects.filter(drive=drive, status__in=[SignUp.ARRIVED, SignUp.SCREENED])
                .select_related("person").order_by("queue_number"))


def _today_screening(drive, person, day):
    return (Screening.objects.valid().filter(drive=drive, person=person, screened_on=day)
            .order_by("-screened_at", "-id").first())


def _drive_day(drive) -> dt.date:
    today = timezone.localdate()
    return today if drive.date <= today <= drive.last_date else drive.date


@login_required
@never_cache
def onsite_person(request, slug, pk):
    drive = _staff_drive(request, slug)
    person = get_object_or_404(Person, town=drive.town, pk=pk)
    return _render_person(request, drive, person)


def _render_person(request, drive, person, *, error=None, status=200):
    day = _drive_day(drive)
    screening = _today_screening(drive, person, day)
    details = None
    if screening is not None:
        details = services.view_screening(request.user, screening)  # logged
        for reason in details["reasons"]:
            reason["label"] = reason_label(reason["code"])
    donation = Donation.objects.valid().filter(drive=drive, person=person, donated_on=day).first()
    history = Donation.objects.valid().filter(person=person).order_by("-donated_on")
    stem = StemCellSignup.objects.valid().filter(person=person).first()
    interest = services.stem_cell_interest_of(request.user, drive, person)
    r = rules()
    age = person.age(day)
    return render(request, "blood/onsite_person.html", _ctx(
        request, drive, person=person, id_masked=mask_id_number(person.id_number), age=age, day=day,
        signup=SignUp.objects.filter(drive=drive, person=person).first(), screening=screening, details=details,
        donation=donation, history=history[:10], history_count=history.count(), stem=stem, interest=interest,
        stem_age_ok=age is not None and r["stem_cell_min_age"] <= age <= r["stem_cell_max_age"],
        volumes=r["volumes_ml"], deferral_kinds=DEFERRAL_KINDS.items(), checks=drive.extra_check_labels(),
        error=error, post=request.POST if error else {}, token=uuid.uuid4().hex), status=status)


@login_required
@require_POST
def onsite_screen(request, slug, pk):
    drive = _staff_drive(request, slug)
    person = get_object_or_404(Person, town=drive.town, pk=pk)
    post = request.POST
    answers = {"endurance_athlete": post.get("endurance_athlete") == "on", "feels_well": post.get("unwell") != "on"}
    answers.update({k: post.get(f"answer_{k}") for k in DEFERRAL_KINDS if post.get(f"answer_{k}")})
    try:
        services.screen_donor(
            request.user, drive, person, weight_kg=post.get("weight_kg"), systolic=post.get("systolic"),
            diastolic=post.get("diastolic"), pulse=post.get("pulse"), temperature_c=post.get("temperature_c"),
            haemoglobin_g_l=post.get("haemoglobin_g_l"), answers=answers,
            checks={code: post.get(f"check_{code}") == "on" for code in drive.extra_checks}, on=_drive_day(drive))
    except ServiceError as exc:
        return _render_person(request, drive, person, error=_refusal(exc), status=400)
    return redirect(reverse("blood:onsite_person", args=[drive.slug, person.pk]) + "#decision")


@login_required
@require_POST
def onsite_donate(request, slug, pk):
    drive = _staff_drive(request, slug)
    person = get_object_or_404(Person, town=drive.town, pk=pk)

    def create():
        d = services.record_donation(request.user, drive, person, volume_ml=request.POST.get("volume_ml"),
                                     bag_number=request.POST.get("bag_number", ""),
                                     certificate_number=request.POST.get("certificate_number", ""),
                                     on=_drive_day(drive))
        return 201, {"id": d.pk}

    try:
        run_idempotent(request.user, request.POST.get("token"), f"blood.page.donation:{drive.pk}", create)
    except ServiceError as exc:
        return _render_person(request, drive, person, error=_refusal(exc), status=400)
    messages.success(request, gettext("已登记%(name)s的献血") % {"name": mask_name(person.name)})
    return redirect("blood:onsite_person", slug=drive.slug, pk=person.pk)


@login_required
@require_POST
def onsite_stem_cell(request, slug, pk):
    drive = _staff_drive(request, slug)
    person = get_object_or_404(Person, town=drive.town, pk=pk)
    relatives = [{"name": request.POST.get(f"rel{i}_name", ""), "relation": request.POST.get(f"rel{i}_relation", ""),
                  "phone": request.POST.get(f"rel{i}_phone", "")} for i in (1, 2)]
    try:
        services.sign_up_stem_cell(request.user, drive, person, consent=request.POST.get("consent") == "on",
                                   relatives=relatives, sample_taken=request.POST.get("sample_taken") == "on",
                                   on=_drive_day(drive))
    except ServiceError as exc:
        return _render_person(request, drive, person, error=_refusal(exc), status=400)
    messages.success(request, gettext("已登记造血干细胞捐献志愿者"))
    return redirect("blood:onsite_person", slug=drive.slug, pk=person.pk)


@login_required
@never_cache
def queue(request, slug):
    drive = _staff_drive(request, slug)
    template = "blood/_queue.html" if request.headers.get("HX-Request") else "blood/queue.html"
    return render(request, template, _ctx(request, drive, queue=_queue(drive),
                                          stats=services.drive_figures(request.user, drive)))


@login_required
@never_cache
def screening_detail(request, pk):
    screening = services.screening_for(request.user, pk)
    details = services.view_screening(request.user, screening)
    for reason in details["reasons"]:
        reason["label"] = reason_label(reason["code"])
    checks = [(EXTRA_CHECKS.get(code, code), ok) for code, ok in details["measurements"].get("checks", {}).items()]
    return render(request, "blood/screening.html", _ctx(
        request, screening.drive, screening=screening, details=details, checks=checks,
        id_masked=mask_id_number(screening.person.id_number)))


@login_required
@require_POST
def void_donation(request, pk):
    donation = services.donation_for(request.user, pk, to="blood.donation.void")
    try:
        services.void_donation(request.user, donation, request.POST.get("reason", ""))
        messages.success(request, gettext("献血记录已作废"))
    except ServiceError as exc:
        messages.error(request, _refusal(exc).message)
    if donation.drive is None:
        return redirect("blood:index")
    return redirect("blood:onsite_person", slug=donation.drive.slug, pk=donation.person_id)


# --- recall, awards, report ---------------------------------------------------------------------

@login_required
@never_cache
def recall(request, slug):
    """The drive's recall list: past donors of the town who may give again (drive staff only)."""
    drive = _staff_drive(request, slug)
    try:
        by = _date(request.GET.get("by"), "by") or drive.date
    except ServiceError:
        by = drive.date
    rows = services.recall_for(request.user, drive, by)
    if request.GET.get("format") == "xlsx":
        content = write_xlsx([gettext("姓名"), gettext("居民区"), gettext("上次献血"), gettext("献血次数"),
                              gettext("可献血日期")], (
            (r["person"].name, r["person"].neighbourhood.name if r["person"].neighbourhood else "",
             r["last_donation"], r["donations"], r["eligible_on"]) for r in rows))
        response = xlsx_response(gettext("献血召回-%(date)s.xlsx") % {"date": by}, content)
        response["Cache-Control"] = "no-store"
        return response
    awards = services.award_progress_for(request.user, drive)
    return render(request, "blood/recall.html", _ctx(request, drive, by=by, page=paginate(request, rows, 50),
                                                     count=len(rows), awards=awards[:50], rules=rules()))


def _report_context(request, drive):
    s = services.drive_figures(request.user, drive)
    reasons = [(reason_label(code), n) for code, n in s["by_reason"].items()]
    charted = [(label, n) for label, n in reasons if isinstance(n, int)]
    nbh = [(name, row["donors"]) for name, row in s["by_neighbourhood"].items()]
    return {"drive": drive, "stats": s, "reasons": reasons,
            "reason_chart": bar_chart(charted, title=gettext("暂缓原因（人次）")) if charted else "",
            "nbh_chart": bar_chart(nbh, title=gettext("各居民区献血人数")) if nbh else "",
            "volumes": sorted(s["by_volume"].items()),
            "invited": sum(d.delivered for inv in drive.invitations.all() for d in inv.deliveries.all())}


@login_required
def report(request, slug):
    drive = _drive(request, slug)
    return render(request, "blood/report.html", {**_report_context(request, drive),
                                                 "is_staff": services.is_drive_staff(request.user, drive)})


@login_required
def report_pdf(request, slug):
    drive = _drive(request, slug)
    return pdf_response(render_pdf("blood/print_report.html", _report_context(request, drive)),
                        gettext("%(slug)s-献血活动报告.pdf") % {"slug": drive.slug})


