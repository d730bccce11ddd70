"""The site's shell: the front door, the workbench, the resident home, job pages and the audit log."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from lehuo.accounts import scoping
from lehuo.accounts import services as account_services
from lehuo.platform import jobs
from lehuo.platform.errors import ServiceError
from lehuo.platform.models import AuditLog
from lehuo.platform.modules import contributions
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


@login_required
def home(request):
    """The workbench (工作台): the tiles the apps declare that the user may open."""
    return render(request, "web/home.html", {"modules": workbench_modules(request.user)})


def workbench_modules(user) -> list[dict]:
    from django.urls import reverse

    return [{"url": reverse(e.url_name), "title": e.title, "description": e.description}
            for e in account_services.workbench_for(user)]


@login_required
def job_status(request, pk: int):
    """A background job's progress; htmx polls the partial until it is done."""
    from django.shortcuts import get_object_or_404

    from lehuo.platform.models import Job

    job = jobs.live(get_object_or_404(Job, pk=pk, created_by=request.user))
    template = "web/_job_progress.html" if request.headers.get("HX-Request") else "web/job.html"
    return render(request, template, {"job": job, "stale": jobs.is_stale(job)})


@login_required
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


@login_required
def audit_log(request):
    """Who did what, for the town admin's towns (entries by staff of those towns, and by the system)."""
    g = request.GET
    action, actor = g.get("action", "").strip()[:60], g.get("actor", "").strip()[:150]
    qs = account_services.audit_entries_for(request.user, action=action, actor_name=actor,
                                            date_from=_date(g.get("from", "")), date_to=_date(g.get("to", "")))
    actions = AuditLog.objects.order_by("action").values_list("action", flat=True).distinct()
    return render(request, "web/audit_log.html", {
        "page": paginate(request, qs, per_page=50), "actions": list(actions), "action": action, "actor": actor,
        "date_from": g.get("from", ""), "date_to": g.get("to", ""), "filters": query_without(request, "page"),
    })
