"""Staff pages: the programme, sites, offerings with their waiting lists, the day's
arrival check, checklists, roster, timetable, course catalogue, ceremonies and stats."""

import datetime as dt
from itertools import groupby
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lehuo.accounts.permissions import may
from lehuo.lib.charts import bar_chart
from lehuo.platform.errors import ServiceError
from lehuo.platform.excel import write_xlsx, xlsx_response

from . import services, services_running
from .forms import ArrivalForm, CeremonyForm, CheckForm, CourseForm, LessonForm, StaffForm
from .models import Arrival, Course, Enrolment, Offering
from .models_running import CATEGORIES
from .stats import offering_counts, year_stats


def _year(request):
    years = list(services.years_for(request.user))
    wanted = request.GET.get("year")
    chosen = next((y for y in years if str(y.year) == wanted), years[0] if years else None)
    return years, chosen


@login_required
def programme(request):
    sites = services.sites_for(request.user)
    years, year = _year(request)
    offerings = []
    if year:
        offerings = list(offering_counts(Offering.objects.filter(site__in=sites.filter(year=year))
                                         .select_related("site__neighbourhood", "term")).order_by("site__name", "term__number"))
    by_site = [(site, list(rows)) for site, rows in groupby(offerings, key=lambda o: o.site)]
    return render(request, "daycare/programme.html", {"years": years, "year": year, "by_site": by_site,
                                                      "may_manage": _may_manage(request, year)})


def _may_manage(request, year) -> bool:
    return year is not None and may(request.user, "daycare.programme.manage", year.town)


def _run_form(request, form, action, done: str) -> bool:
    """A staff form of a site or offering page: ``action(cleaned_data)`` for a valid form. Every
    field error (the form's and the service's) is kept on the form, to be shown beside its field
    on the page it came from; ``done`` is said on success."""
    if not form.is_valid():
        return False
    try:
        action(form.cleaned_data)
    except ServiceError as exc:
        form.add_service_error(exc)
        return False
    messages.success(request, done)
    return True


@login_required
def site_detail(request, pk: int, *, check_form=None, staff_form=None, status: int = 200):
    site = services.get_site_for(request.user, pk)
    offerings = list(offering_counts(site.offerings.select_related("term")).order_by("term__number"))
    staff = list(site.staff.select_related("term"))
    warnings = {o.pk: services_running.roster_warnings(o, o.n_confirmed) for o in offerings}
    checks = list(site.checks.all()[:100])
    return render(request, "daycare/site.html", {
        "site": site, "offerings": [(o, warnings[o.pk]) for o in offerings], "staff": staff, "checks": checks,
        "check_form": check_form or CheckForm(), "staff_form": staff_form or StaffForm(),
        "may_run": may(request.user, "daycare.site.run", site)}, status=status)


@login_required
@require_POST
def site_check(request, pk: int):
    site = services.get_site_for(request.user, pk, to="daycare.site.run")
    form = CheckForm(request.POST)
    if _run_form(request, form, lambda d: services_running.record_check(request.user, site, **d), _("检查记录已保存")):
        return redirect("daycare:site", pk=site.pk)
    return site_detail(request, site.pk, check_form=form, status=400)


@login_required
@require_POST
def site_staff(request, pk: int):
    site = services.get_site_for(request.user, pk, to="daycare.site.run")
    form = StaffForm(request.POST)
    if _run_form(request, form, lambda d: services_running.add_staff(request.user, site, **d), _("已加入值班表")):
        return redirect("daycare:site", pk=site.pk)
    return site_detail(request, site.pk, staff_form=form, status=400)


@login_required
def offering_detail(request, pk: int, *, lesson_form=None, ceremony_form=None, status: int = 200):
    offering = services.get_offering_for(request.user, pk)
    rows = list(offering.enrolments.select_related("child__person", "guardian").order_by("position", "created_at", "pk"))
    confirmed = [e for e in rows if e.status == Enrolment.CONFIRMED]
    waiting = sorted((e for e in rows if e.status == Enrolment.WAITLISTED), key=lambda e: e.position or 0)
    cancelled = [e for e in rows if e.status == Enrolment.CANCELLED]
    if request.GET.get("export") == "xlsx":
        data = write_xlsx([_("状态"), _("候补序号"), _("姓名"), _("学校"), _("年级"), _("监护人"), _("监护人电话"), _("报名时间")], [
            [e.get_status_display(), e.position or "", e.child.person.name, e.child.school, e.child.grade,
             e.guardian.name, e.guardian.phone_masked, timezone.localtime(e.created_at).strftime("%Y-%m-%d %H:%M:%S")]
            for e in confirmed + waiting], title=_("报名名单"))
        return xlsx_response(f"daycare-{offering.pk}.xlsx", data)
    # Health notes: only to those who may (the site's staff), and the read is audited.
    may_health = bool(confirmed) and services.health_notes(request.user, confirmed[0]) is not None
    if may_health:
        services.log_health_read(request.user, offering, [e.child_id for e in confirmed if any(
            getattr(e.child, f) for f in services.HEALTH_FIELDS)])
    lessons = list(offering.lessons.select_related("course"))
    timetable = [(day, list(items)) for day, items in groupby(lessons, key=lambda lesson: lesson.date)]
    courses = Course.objects.filter(year=offering.site.year)
    return render(request, "daycare/offering.html", {
        "offering": offering, "confirmed": confirmed, "waiting": waiting, "cancelled": cancelled,
        "timetable": timetable, "ceremonies": list(offering.ceremonies.all()),
        "warnings": services_running.roster_warnings(offering, len(confirmed)),
        "lesson_form": lesson_form or LessonForm(courses=courses), "ceremony_form": ceremony_form or CeremonyForm(),
        "may_run": may(request.user, "daycare.offering.run", offering),
        "may_manage": may(request.user, "daycare.offering.change", offering),
        "may_health": may_health}, status=status)


@login_required
@require_POST
def enrolment_cancel(request, pk: int):
    e = services.get_enrolment_for(request.user, pk, to="daycare.enrolment.cancel")
    try:
        promoted = services.cancel_enrolment(request.user, e, request.POST.get("reason", ""))
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已取消；候补第%(position)s位已转为录取并短信通知监护人") % {"position": promoted.position}
                         if promoted else _("已取消"))
    return redirect("daycare:offering", pk=e.offering_id)


@login_required
@require_POST
def offering_lesson(request, pk: int):
    offering = services.get_offering_for(request.user, pk, to="daycare.offering.run")
    courses = Course.objects.filter(year=offering.site.year)
    form = LessonForm(request.POST, courses=courses)

    def add(d):
        services_running.add_lesson(request.user, offering, courses.get(pk=d["course"]), date=d["date"],
                                    starts_at=d["starts_at"], ends_at=d["ends_at"], teacher=d["teacher"])

    if _run_form(request, form, add, _("课程已排入课表")):
        return redirect("daycare:offering", pk=offering.pk)
    return offering_detail(request, offering.pk, lesson_form=form, status=400)


@login_required
@require_POST
def offering_ceremony(request, pk: int):
    offering = services.get_offering_for(request.user, pk, to="daycare.offering.run")
    form = CeremonyForm(request.POST)
    if _run_form(request, form, lambda d: services_running.record_ceremony(request.user, offering, **d),
                 _("仪式记录已保存")):
        return redirect("daycare:offering", pk=offering.pk)
    return offering_detail(request, offering.pk, ceremony_form=form, status=400)


def _day(request, offering) -> dt.date:
    try:
        day = dt.date.fromisoformat(request.GET.get("date") or request.POST.get("date") or "")
    except ValueError:
        day = timezone.localdate()
    return min(max(day, offering.term.starts_on), offering.term.ends_on)


@login_required
def attendance(request, pk: int):
    """The day's arrival check: temperature and attendance on arrival, pick-up by a named adult."""
    offering = services.get_offering_for(request.user, pk)
    day = _day(request, offering)
    may_run = may(request.user, "daycare.offering.run", offering)
    if request.method == "POST":
        form = ArrivalForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            e = get_object_or_404(offering.enrolments.select_related("offering__term"), pk=d["enrolment"])
            try:
                services_running.record_arrival(request.user, e, date=day, present=d["present"],
                                                temperature=d["temperature"])
                if d["picked_up_by"]:
                    services_running.record_pickup(request.user, e, date=day, picked_up_by=d["picked_up_by"])
                messages.success(request, _("%(name)s：已保存") % {"name": e.child.person.name})
            except ServiceError as exc:
                messages.error(request, _("%(name)s：%(error)s") % {"name": e.child.person.name, "error": exc.message})
        return redirect(f"{request.path}?date={day.isoformat()}")
    confirmed = list(offering.enrolments.filter(status=Enrolment.CONFIRMED).select_related("child__person")
                     .order_by("child__person__name_pinyin"))
    arrivals = {a.enrolment_id: a for a in Arrival.objects.filter(enrolment__offering=offering, date=day)}
    limit = services_running.fever_limit()
    rows: list[dict[str, Any]] = [
        {"e": e, "a": a, "fever": bool(a and a.temperature and a.temperature > limit)}
        for e in confirmed for a in [arrivals.get(e.pk)]]
    present = sum(1 for r in rows if r["a"] and r["a"].present)
    return render(request, "daycare/attendance.html", {
        "offering": offering, "day": day, "rows": rows, "present": present, "may_run": may_run,
        "prev": day - dt.timedelta(days=1), "next": day + dt.timedelta(days=1), "limit": limit})


@login_required
def courses(request):
    years, year = _year(request)
    form = CourseForm(request.POST or None)
    may_manage = _may_manage(request, year)
    if request.method == "POST" and year is not None:
        if form.is_valid():
            try:
                services_running.create_course(request.user, year, **form.cleaned_data)
                messages.success(request, _("课程已加入课程库"))
                return redirect(f"{request.path}?year={year.year}")
            except ServiceError as exc:
                if exc.status != 400:
                    raise
                form.add_service_error(exc)
    catalogue = []
    if year:
        items = list(Course.objects.filter(year=year))
        catalogue = [(label, [c for c in items if c.category == code]) for code, label in CATEGORIES]
    return render(request, "daycare/courses.html", {"years": years, "year": year, "catalogue": catalogue,
                                                    "form": form, "may_manage": may_manage})


@login_required
def stats(request):
    years, year = _year(request)
    data = None
    chart = ""
    if year:
        data = year_stats(year, services.stats_site_ids(request.user, year))
        chart = bar_chart(list(data["by_category"].items()))
    return render(request, "daycare/stats.html", {"years": years, "year": year, "s": data, "chart": chart,
                                                  "may_manage": _may_manage(request, year)})
