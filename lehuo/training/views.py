"""Staff pages: cohorts, calendar, enrolment, attendance on a phone, stats, certificates."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lehuo.accounts import scoping as core_scoping
from lehuo.accounts.decorators import staff_required
from lehuo.accounts.models import TOWN_ADMIN
from lehuo.lib.qr import qr_data_uri
from lehuo.people.models import Person
from lehuo.people.search import search_people
from lehuo.platform.errors import ServiceError

from . import scoping, services
from .forms import CancelForm, CohortForm, HolidayForm, MoveForm
from .models import Attendance, Cohort, Enrolment, HolidayOverride, Session, Studio
from .stats import cohort_stats, record_totals, training_record


def _cohort(request, pk: int) -> Cohort:
    cohort = Cohort.objects.for_user(request.user).select_related("programme__studio", "instructor").filter(pk=pk).first()
    if cohort is None:
        raise Http404
    return cohort


def _session(request, pk: int) -> Session:
    session = Session.objects.select_related("cohort__programme__studio").filter(
        pk=pk, cohort__in=Cohort.objects.for_user(request.user)).first()
    if session is None:
        raise Http404
    return session


def _manage(request, cohort: Cohort) -> None:
    if not scoping.can_manage(request.user, cohort):
        raise PermissionDenied


@staff_required()
def index(request):
    cohorts = (Cohort.objects.for_user(request.user).select_related("programme__studio", "instructor")
               .annotate(session_count=Count("sessions", filter=~Q(sessions__status=Session.CANCELLED))))
    studios = Studio.objects.filter(core_scoping.town_q(request.user)).prefetch_related("programmes")
    return render(request, "training/index.html", {
        "cohorts": cohorts, "studios": studios, "can_create": scoping.can_create(request.user),
    })


@staff_required(TOWN_ADMIN)
def cohort_create(request):
    form = CohortForm(request.POST or None, town_ids=core_scoping.town_ids(request.user))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        programme = data.pop("programme")
        try:
            cohort, summary = services.create_cohort(request.user, programme, **data)
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("已开设%(cohort)s，生成 %(created)s 次课，跳过节假日 %(skipped)s 次") % {
                "cohort": cohort, "created": summary["created"], "skipped": len(summary["skipped"])})
            if summary["warning"]:
                messages.warning(request, summary["warning"])
            return redirect("training:cohort", pk=cohort.pk)
    return render(request, "training/cohort_form.html", {"form": form})


@staff_required()
def cohort_detail(request, pk: int):
    cohort = _cohort(request, pk)
    can_manage = scoping.can_manage(request.user, cohort)
    sessions = cohort.sessions.annotate(
        attended=Count("attendance", filter=Q(attendance__status__in=Attendance.ATTENDED)))
    enrolments = (cohort.enrolments.filter(scoping.people_q(request.user, cohort))
                  .select_related("person", "neighbourhood"))
    candidates = []
    q = request.GET.get("q", "").strip()
    if can_manage and q:
        pool = Person.objects.active().filter(town_id=cohort.programme.studio.town_id).exclude(
            pk__in=cohort.enrolments.filter(status=Enrolment.ACTIVE).values("person_id"))
        candidates = search_people(pool, q=q)[:20]
    return render(request, "training/cohort_detail.html", {
        "cohort": cohort, "sessions": sessions, "enrolments": enrolments, "can_manage": can_manage,
        "q": q, "candidates": candidates, "today": timezone.localdate(),
        "skipped": services.plan_sessions(cohort.starts_on, cohort.ends_on, cohort.weekdays).skipped,
    })


@require_POST
@staff_required()
def cohort_regenerate(request, pk: int):
    cohort = _cohort(request, pk)
    _manage(request, cohort)
    summary = services.regenerate_sessions(request.user, cohort)
    messages.success(request, _("课表已按规则重新生成：新增 %(created)s 次，删除 %(removed)s 次，"
                                "保留已考勤或已调整的课次 %(kept)s 次") % {
        "created": summary["created"], "removed": summary["removed"], "kept": summary["kept"]})
    if summary["warning"]:
        messages.warning(request, summary["warning"])
    return redirect("training:cohort", pk=cohort.pk)


@require_POST
@staff_required()
def cohort_enrol(request, pk: int):
    cohort = _cohort(request, pk)
    _manage(request, cohort)
    try:
        person = services.person_for_cohort(cohort, request.POST.get("person_id"))
        services.enrol(request.user, cohort, person)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(name)s已报名") % {"name": person.name})
    return redirect("training:cohort", pk=cohort.pk)


@require_POST
@staff_required()
def enrolment_withdraw(request, pk: int):
    enrolment = get_object_or_404(Enrolment.objects.select_related("cohort", "person"), pk=pk)
    cohort = _cohort(request, enrolment.cohort_id)
    _manage(request, cohort)
    services.withdraw(request.user, enrolment, request.POST.get("reason", ""))
    messages.success(request, _("%(name)s已退出") % {"name": enrolment.person.name})
    return redirect("training:cohort", pk=cohort.pk)


@staff_required()
def session_attendance(request, pk: int):
    """The phone page: one row per student, four big choices, one save button."""
    session = _session(request, pk)
    cohort = session.cohort
    can_manage = scoping.can_manage(request.user, cohort)
    enrolments = list(cohort.enrolments.filter(scoping.people_q(request.user, cohort), status=Enrolment.ACTIVE)
                      .select_related("person", "neighbourhood"))
    existing = {a.person_id: a for a in session.attendance.filter(person_id__in=[e.person_id for e in enrolments])}
    if request.method == "POST":
        _manage(request, cohort)
        entries = []
        for e in enrolments:
            status = request.POST.get(f"status-{e.person_id}")
            if status:
                entries.append({"person_id": e.person_id, "status": status,
                                "note": request.POST.get(f"note-{e.person_id}", "")})
        try:
            services.record_attendance(request.user, session, entries)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已保存 %(n)s 人的考勤") % {"n": len(entries)})
            return redirect("training:attendance", pk=session.pk)
    rows = [{"enrolment": e, "person": e.person, "attendance": existing.get(e.person_id)} for e in enrolments]
    return render(request, "training/attendance.html", {
        "session": session, "cohort": cohort, "rows": rows, "can_manage": can_manage,
        "choices": Attendance.STATUSES, "marked": sum(1 for r in rows if r["attendance"]),
    })


@staff_required()
def session_qr(request, pk: int):
    session = _session(request, pk)
    _manage(request, session.cohort)
    url = request.build_absolute_uri(reverse("training:checkin", args=[services.checkin_token(session)]))
    opens, closes = services.checkin_window(session)
    return render(request, "training/session_qr.html", {
        "session": session, "url": url, "qr": qr_data_uri(url, scale=8), "opens": opens, "closes": closes})


@staff_required()
def session_edit(request, pk: int):
    session = _session(request, pk)
    _manage(request, session.cohort)
    move = MoveForm(request.POST if request.POST.get("action") == "move" else None,
                    initial={"date": session.date, "start_time": session.start_time, "end_time": session.end_time})
    cancel = CancelForm(request.POST if request.POST.get("action") == "cancel" else None)
    if request.method == "POST":
        form = move if request.POST.get("action") == "move" else cancel
        if form.is_valid():
            try:
                if form is move:
                    moved = services.move_session(request.user, session, form.cleaned_data["date"],
                                                  form.cleaned_data["reason"], start_time=form.cleaned_data["start_time"],
                                                  end_time=form.cleaned_data["end_time"])
                    messages.success(request, _("已调课到 %(date)s") % {"date": f"{moved.date:%Y-%m-%d}"})
                    warning = services.holiday_warning(moved.date)
                    if warning:
                        messages.warning(request, warning)
                else:
                    services.cancel_session(request.user, session, form.cleaned_data["reason"])
                    messages.success(request, _("已取消 %(date)s 的课") % {"date": f"{session.date:%Y-%m-%d}"})
                return redirect("training:cohort", pk=session.cohort_id)
            except ServiceError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    return render(request, "training/session_edit.html", {"session": session, "move": move, "cancel": cancel})


@staff_required()
def cohort_stats_page(request, pk: int):
    cohort = _cohort(request, pk)
    data = cohort_stats(cohort, scoping.people_q(request.user, cohort))
    return render(request, "training/stats.html", {
        "cohort": cohort, "stats": data, "can_manage": scoping.can_manage(request.user, cohort),
        "scoped": not scoping.can_manage(request.user, cohort)})


@staff_required()
def cohort_export(request, pk: int):
    from lehuo.platform.audit import log_action
    from lehuo.platform.excel import write_xlsx, xlsx_response

    cohort = _cohort(request, pk)
    data = cohort_stats(cohort, scoping.people_q(request.user, cohort))
    if request.GET.get("sheet") == "sessions":
        headers = ["日期", "原定日期", "主题", "状态", "原因", "应到", "实到（含迟到）", "出勤率"]
        rows = [[s["session"].date, s["session"].planned_date, s["session"].topic, s["session"].get_status_display(),
                 s["session"].reason, s["enrolled"], s["attended"], float(s["rate"]) if s["rate"] is not None else None]
                for s in data["per_session"]]
        name, title = f"{cohort}-课次出勤.xlsx", "课次出勤"
    else:
        headers = ["姓名", "居民区", "已上课次", "出勤", "迟到", "缺勤", "请假", "出勤率", "学时", "结业", "证书编号"]
        rows = [[p["person"].name, p["enrolment"].neighbourhood.name if p["enrolment"].neighbourhood else "",
                 p["held"], p["present"], p["late"], p["absent"], p["excused"], float(p["rate"]), float(p["hours"]),
                 "是" if p["completed"] else "否", p["certificate"]] for p in data["people"]]
        name, title = f"{cohort}-学员出勤.xlsx", "学员出勤"
    log_action(request.user, "training.export", cohort, {"sheet": title, "rows": len(rows)})
    return xlsx_response(name, write_xlsx(headers, rows, title=title))


@require_POST
@staff_required()
def cohort_certificates(request, pk: int):
    cohort = _cohort(request, pk)
    _manage(request, cohort)
    issued, skipped = services.issue_certificates(request.user, cohort)
    messages.success(request, _("已发放结业证书 %(issued)s 份；%(skipped)s 人出勤率未达要求") % {
        "issued": issued, "skipped": skipped})
    return redirect("training:stats", pk=cohort.pk)


@staff_required()
def certificate_pdf(request, pk: int):
    from lehuo.platform.pdf import pdf_response, render_pdf

    enrolment = get_object_or_404(Enrolment.objects.select_related("person", "cohort__programme__studio"), pk=pk)
    cohort = _cohort(request, enrolment.cohort_id)
    if not enrolment.__class__.objects.filter(scoping.people_q(request.user, cohort), pk=pk).exists():
        raise Http404
    cert = getattr(enrolment, "certificate", None) if hasattr(enrolment, "certificate") else None
    if cert is None:
        raise Http404
    verify_url = request.build_absolute_uri(reverse("training:verify", args=[cert.code]))
    content = render_pdf("training/certificate_pdf.html", {
        "cert": cert, "enrolment": enrolment, "cohort": cohort, "studio": cohort.programme.studio,
        "verify_url": verify_url, "qr": qr_data_uri(verify_url, scale=4)})
    return pdf_response(content, f"结业证书-{cert.number}.pdf")


@staff_required()
def person_record(request, person_id: int):
    from lehuo.people.services import get_person_for
    from lehuo.platform.errors import NotFound

    try:
        person = get_person_for(request.user, person_id)
    except NotFound:
        raise Http404
    rows = training_record(person)
    return render(request, "training/person_record.html", {"person": person, "rows": rows, "totals": record_totals(rows)})


@staff_required(TOWN_ADMIN)
def holidays(request):
    """The override table of the holiday calendar (years chinesecalendar lacks, local changes)."""
    from lehuo.platform.audit import log_action

    form = HolidayForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("delete"):
            row = HolidayOverride.objects.filter(pk=request.POST["delete"]).first()
            if row:
                log_action(request.user, "calendar.override.delete", row, {"date": row.date, "name": row.name})
                row.delete()
                messages.success(request, _("已删除 %(date)s") % {"date": f"{row.date:%Y-%m-%d}"})
            return redirect("training:holidays")
        if form.is_valid():
            row = form.save()
            log_action(request.user, "calendar.override.add", row, {"date": row.date, "is_holiday": row.is_holiday,
                                                                    "name": row.name})
            messages.success(request, _("已保存 %(date)s；已有培训班的课表请在班级页“按规则重新生成”") % {
                "date": f"{row.date:%Y-%m-%d}"})
            return redirect("training:holidays")
    return render(request, "training/holidays.html", {"form": form, "rows": HolidayOverride.objects.all()[:500]})

