"""The site's shell: the front door, the workbench, the resident home, job pages and the audit log."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from lehuo.accounts import scoping
from lehuo.accounts.decorators import staff_required
from lehuo.accounts.models import TOWN_ADMIN
from lehuo.platform import jobs
from lehuo.platform.errors import ServiceError
from lehuo.platform.models import AuditLog
from lehuo.platform.modules import contributions, modules
from lehuo.platform.paging import paginate, query_without


def index(request):
    if not request.user.is_authenticated:
        return redirect("login")
    if scoping.is_staff_member(request.user):
        return redirect("web:home")
    return render(request, "web/resident_home.html", {"links": resident_links(request.user)})


def resident_links(user) -> list[dict]:
    """What a resident can do, contributed by each app's declared ``resident_links(person)``."""
    from lehuo.people.models import Person

    person = Person.objects.filter(account=user, erased_at__isnull=True).select_related("town").first()
    if person is None:
        return []
    return [link for _config, links in contributions("resident_links") for link in links(person)]


@staff_required()
def home(request):
    """The workbench (工作台): the modules the user's roles reach."""
    return render(request, "web/home.html", {"modules": workbench_modules(request.user)})


def workbench_modules(user) -> list[dict]:
    """The tiles the apps declare (``workbench``) that the user's roles reach."""
    from django.urls import reverse

    entries = sorted((entry for config in modules() for entry in config.workbench), key=lambda e: e.order)
    return [{"url": reverse(e.url_name), "title": e.title, "description": e.description}
            for e in entries if not e.roles or scoping.has_role(user, *e.roles)]


@staff_required()
def job_status(request, pk: int):
    """A background job's progress; htmx polls the partial until it is done."""
    from django.shortcuts import get_object_or_404

    from lehuo.platform.models import Job

    job = jobs.live(get_object_or_404(Job, pk=pk, created_by=request.user))
    template = "web/_job_progress.html" if request.headers.get("HX-Request") else "web/job.html"
    return render(request, template, {"job": job, "stale": jobs.is_stale(job)})


@staff_required()
@require_POST
def job_restart(request, pk: int):
    """Queue a job again whose worker died (its page says so and offers this)."""
    from django.shortcuts import get_object_or_404, redirect

    from lehuo.platform.models import Job

    job = get_object_or_404(Job, pk=pk, created_by=request.user)
    try:
        jobs.restart(request.user, job)
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("web:job", pk=job.pk)


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


@staff_required(TOWN_ADMIN)
def audit_log(request):
    """Who did what, for the town admin's towns (entries by staff of those towns, and by the system)."""
    qs = AuditLog.objects.select_related("content_type")
    towns = scoping.town_ids(request.user)
    if towns is not None:
        staff = get_user_model().objects.filter(memberships__town__in=towns)
        qs = qs.filter(Q(actor__in=staff) | Q(actor__isnull=True))
    g = request.GET
    action, actor = g.get("action", "").strip()[:60], g.get("actor", "").strip()[:150]
    date_from, date_to = _date(g.get("from", "")), _date(g.get("to", ""))
    if action:
        qs = qs.filter(action__startswith=action)
    if actor:
        qs = qs.filter(actor_name__icontains=actor)
    if date_from:
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(created_at__date__lte=date_to)
    actions = AuditLog.objects.order_by("action").values_list("action", flat=True).distinct()
    return render(request, "web/audit_log.html", {
        "page": paginate(request, qs, per_page=50), "actions": list(actions), "action": action, "actor": actor,
        "date_from": g.get("from", ""), "date_to": g.get("to", ""), "filters": query_without(request, "page"),
    })
