"""Staff pages: cohorts, calendar, enrolment, attendance on a phone, stats, certificates."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from lehuo.accounts.permissions import may, require, scope_q
from lehuo.lib.qr import qr_data_uri
from lehuo.platform.errors import Forbidden, NotFound, ServiceError

from . import services
from .forms import CancelForm, CohortForm, HolidayForm, MoveForm
from .models import Attendance, Cohort, Programme
from .stats import record_totals


def _manage(user, cohort: Cohort) -> bool:
    return may(user, "training.cohort.manage", cohort)


@login_required
def index(request):
    from django.db.models import Count, Q

    from .models import Session

    cohorts = services.cohorts_for(request.user).annotate(
        session_count=Count("sessions", filter=~Q(sessions__status=Session.CANCELLED)))
    return render(request, "training/index.html", {
        "cohorts": cohorts, "studios": services.studios_for(request.user),
        "can_create": may(request.user, "training.cohort.create"),
    })


@login_required
def cohort_create(request):
    require(request.user, "training.cohort.create")
    programmes = Programme.objects.filter(scope_q(request.user, "training.cohort.create"))
    form = CohortForm(request.POST or None, programmes=programmes)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        programme = data.pop("programme")
        try:
            cohort, summary = services.create_cohort(request.user, programme, **data)
        except (NotFound, Forbidden):
            raise
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("已开设%(cohort)s，生成 %(created)s 次课，跳过节假日 %(skipped)s 次") % {
                "cohort": cohort, "created": summary["created"], "skipped": len(summary["skipped"])})
            if summary["warning"]:
                messages.warning(request, summary["warning"])
            return redirect("training:cohort", pk=cohort.pk)
    return render(request, "training/cohort_form.html", {"form": form})


@login_required
def cohort_detail(request, pk: int):
    cohort = services.get_cohort(request.user, pk)
    can_enrol = may(request.user, "training.enrolment.create", cohort)
    q = request.GET.get("q", "").strip()
    return render(request, "training/cohort_detail.html", {
        "cohort": cohort, "sessions": services.sessions_of(request.user, cohort),
        "enrolments": services.roster(request.user, cohort), "can_manage": _manage(request.user, cohort),
        "can_enrol": can_enrol, "can_search": may(request.user, "people.person.list"),
        "q": q, "candidates": services.enrol_candidates(request.user, cohort, q) if can_enrol else [],
        "today": timezone.localdate(),
        "skipped": services.plan_sessions(cohort.starts_on, cohort.ends_on, cohort.weekdays).skipped,
    })


@require_POST
@login_required
def cohort_regenerate(request, pk: int):
    cohort = services.get_cohort(request.user, pk)
    summary = services.regenerate_sessions(request.user, cohort)
    messages.success(request, _("课表已按规则重新生成：新增 %(created)s 次，删除 %(removed)s 次，"
                                "保留已考勤或已调整的课次 %(kept)s 次") % {
        "created": summary["created"], "removed": summary["removed"], "kept": summary["kept"]})
    if summary["warning"]:
        messages.warning(request, summary["warning"])
    return redirect("training:cohort", pk=cohort.pk)


@require_POST
@login_required
def cohort_enrol(request, pk: int):
    cohort = services.get_cohort(request.user, pk, "training.enrolment.create")
    try:
        person = services.person_for_cohort(request.user, cohort, request.POST.get("person_id"))
        services.enrol(request.user, cohort, person)
    except (NotFound, Forbidden):
        raise
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(name)s已报名") % {"name": person.name})
    return redirect("training:cohort", pk=cohort.pk)


@require_POST
@login_required
def enrolment_withdraw(request, pk: int):
    enrolment = services.get_enrolment(request.user, pk, "training.enrolment.withdraw")
    services.withdraw(request.user, enrolment, request.POST.get("reason", ""))
    messages.success(request, _("%(name)s已退出") % {"name": enrolment.person.name})
    return redirect("training:cohort", pk=enrolment.cohort_id)


@login_required
def session_attendance(request, pk: int):
    """The phone page: one row per student, four big choices, one save button."""
    session = services.get_session(request.user, pk)
    cohort = session.cohort
    can_record = may(request.user, "training.attendance.record", session)
    enrolments = list(services.roster(request.user, cohort, active_only=True))
    existing = {a.person_id: a for a in services.attendance_of(request.user, session)}
    if request.method == "POST":
        require(request.user, "training.attendance.record", session)
        entries = []
        for e in enrolments:
            status = request.POST.get(f"status-{e.person_id}")
            if status:
                entries.append({"person_id": e.person_id, "status": status,
                                "note": request.POST.get(f"note-{e.person_id}", "")})
        try:
            services.record_attendance(request.user, session, entries)
        except (NotFound, Forbidden):
            raise
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已保存 %(n)s 人的考勤") % {"n": len(entries)})
            return redirect("training:attendance", pk=session.pk)
    rows = [{"enrolment": e, "person": e.person, "attendance": existing.get(e.person_id)} for e in enrolments]
    return render(request, "training/attendance.html", {
        "session": session, "cohort": cohort, "rows": rows, "can_manage": can_record,
        "can_manage_session": may(request.user, "training.session.manage", session),
        "choices": Attendance.STATUSES, "marked": sum(1 for r in rows if r["attendance"]),
    })


@login_required
def session_qr(request, pk: int):
    session = services.get_session(request.user, pk, "training.session.manage")
    url = request.build_absolute_uri(reverse("training:checkin", args=[services.checkin_token(session)]))
    opens, closes = services.checkin_window(session)
    return render(request, "training/session_qr.html", {
        "session": session, "url": url, "qr": qr_data_uri(url, scale=8), "opens": opens, "closes": closes})


@login_required
def session_edit(request, pk: int):
    session = services.get_session(request.user, pk, "training.session.manage")
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
            except (NotFound, Forbidden):
                raise
            except ServiceError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    return render(request, "training/session_edit.html", {"session": session, "move": move, "cancel": cancel})


@login_required
def cohort_stats_page(request, pk: int):
    cohort = services.get_cohort(request.user, pk)
    data = services.stats_for(request.user, cohort)
    return render(request, "training/stats.html", {
        "cohort": cohort, "stats": data, "can_manage": _manage(request.user, cohort),
        "scoped": not may(request.user, "training.roster.view", cohort),
        "can_search": may(request.user, "people.person.list")})


@login_required
def cohort_export(request, pk: int):
    from lehuo.platform.audit import log_action
    from lehuo.platform.excel import write_xlsx, xlsx_response

    cohort = services.get_cohort(request.user, pk)
    data = services.stats_for(request.user, cohort)
    if request.GET.get("sheet") == "sessions":
        headers = [_("日期"), _("原定日期"), _("主题"), _("状态"), _("原因"), _("应到"), _("实到（含迟到）"), _("出勤率")]
        rows = [[s["session"].date, s["session"].planned_date, s["session"].topic, s["session"].get_status_display(),
                 s["session"].reason, s["enrolled"], s["attended"], float(s["rate"]) if s["rate"] is not None else None]
                for s in data["per_session"]]
        title = _("课次出勤")
        name = f"{cohort}-{title}.xlsx"
    else:
        headers = [_("姓名"), _("居民区"), _("已上课次"), _("出勤"), _("迟到"), _("缺勤"), _("请假"), _("出勤率"), _("学时"),
                   _("结业"), _("证书编号")]
        rows = [[p["person"].name, p["enrolment"].neighbourhood.name if p["enrolment"].neighbourhood else "",
                 p["held"], p["present"], p["late"], p["absent"], p["excused"], float(p["rate"]), float(p["hours"]),
                 pgettext("answer", "是") if p["completed"] else pgettext("answer", "否"), p["certificate"]] for p in data["people"]]
        title = _("学员出勤")
        name = f"{cohort}-{title}.xlsx"
    log_action(request.user, "training.export", cohort, {"sheet": title, "rows": len(rows)})
    return xlsx_response(name, write_xlsx(headers, rows, title=title))


@require_POST
@login_required
def cohort_certificates(request, pk: int):
    cohort = services.get_cohort(request.user, pk)
    issued, skipped = services.issue_certificates(request.user, cohort)
    messages.success(request, _("已发放结业证书 %(issued)s 份；%(skipped)s 人出勤率未达要求") % {
        "issued": issued, "skipped": skipped})
    return redirect("training:stats", pk=cohort.pk)


@login_required
def certificate_pdf(request, pk: int):
    from lehuo.platform.pdf import pdf_response, render_pdf

    enrolment = services.get_enrolment(request.user, pk, "training.certificate.view")
    cohort = enrolment.cohort
    cert = getattr(enrolment, "certificate", None) if hasattr(enrolment, "certificate") else None
    if cert is None:
        raise NotFound()
    verify_url = request.build_absolute_uri(reverse("training:verify", args=[cert.code]))
    content = render_pdf("training/certificate_pdf.html", {
        "cert": cert, "enrolment": enrolment, "cohort": cohort, "studio": cohort.programme.studio,
        "verify_url": verify_url, "qr": qr_data_uri(verify_url, scale=4)})
    return pdf_response(content, _("结业证书-%(number)s.pdf") % {"number": cert.number})


@login_required
def person_record(request, person_id: int):
    person, rows = services.person_record(request.user, person_id)
    return render(request, "training/person_record.html", {"person": person, "rows": rows, "totals": record_totals(rows)})


@login_required
def holidays(request):
    """The override table of the holiday calendar (years chinesecalendar lacks, local changes)."""
    rows = services.holiday_overrides(request.user)
    form = HolidayForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("delete"):
            row = services.remove_holiday_override(request.user, request.POST["delete"])
            if row:
                messages.success(request, _("已删除 %(date)s") % {"date": f"{row.date:%Y-%m-%d}"})
            return redirect("training:holidays")
        if form.is_valid():
            try:
                row = services.add_holiday_override(request.user, **form.cleaned_data)
            except (NotFound, Forbidden):
                raise
            except ServiceError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("已保存 %(date)s；已有培训班的课表请在班级页“按规则重新生成”") % {
                    "date": f"{row.date:%Y-%m-%d}"})
                return redirect("training:holidays")
    return render(request, "training/holidays.html", {"form": form, "rows": rows[:500]})


@login_required
def mine(request):
    """The signed-in user's own training record and certificates (a social worker's too)."""
    records = [{"person": person, "rows": rows, "totals": record_totals(rows), "certified": certified}
               for person, rows, certified in services.own_records(request.user)]
    return render(request, "training/mine.html", {"records": records})
