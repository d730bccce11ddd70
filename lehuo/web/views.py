"""The site's shell: the front door, the workbench, the resident home, job pages and the audit log."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_POST

from lehuo.accounts import scoping
from lehuo.accounts import services as account_services
from lehuo.platform import jobs
from lehuo.platform.errors import ServiceError
from lehuo.platform.models import AuditLog
from lehuo.platform.modules import contributions
from lehuo.platform.paging import paginate, query_without

PUBLIC_MAX_AGE = 60  # seconds: the town home changes when a drive or a term opens, not by the second


def index(request):
    """Everyone's own home: the public town home for visitors, the workbench for staff, the
    resident home for residents (signed in, linked or not yet): nobody lands on a 403."""
    if not request.user.is_authenticated:
        response = render(request, "web/public_home.html", {"cards": public_cards()})
        # No personal data on it: shared caches may keep it a minute; it varies by language.
        patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
        patch_vary_headers(response, ["Accept-Language", "Cookie"])
        return response
    if scoping.is_staff_member(request.user):
        return redirect("web:home")
    response = render(request, "web/resident_home.html", resident_home(request.user))
    patch_cache_control(response, private=True, no_store=True)
    return response


def public_cards() -> list[dict]:
    """What is on, for residents: each module's ``public_home(town)`` cards (none yet is fine;
    a module whose cards fail is left out, never the whole page)."""
    import logging

    from lehuo.accounts.models import Town

    town = Town.objects.order_by("pk").first()
    if town is None:
        return []
    cards: list[dict] = []
    for config, cards_of in contributions("public_home"):
        try:
            for card in cards_of(town) or ():
                cards.append({"module": config.label, **card})
        except Exception:  # noqa: BLE001 - one module's failure must not take the town home down
            logging.getLogger("lehuo.web").exception("public_home of %s failed", config.label)
    return sorted(cards, key=lambda c: (c.get("when") is None, c.get("when") or dt.date.max))


def resident_home(user) -> dict:
    from lehuo.people.models import LinkRequest
    from lehuo.people.services import own_person

    person = own_person(user)
    return {
        "person": person,
        "links": resident_links(person) if person else [],
        "pending": LinkRequest.objects.filter(account=user, kind=LinkRequest.SELF, status=LinkRequest.PENDING).exists(),
    }


def resident_links(person) -> list[dict]:
    """What a resident can do, contributed by each app's declared ``resident_links(person)``."""
    import logging

    out: list[dict] = []
    for config, links in contributions("resident_links"):
        try:
            out.extend(links(person) or ())
        except Exception:  # noqa: BLE001 - one module's failure must not hide the others
            logging.getLogger("lehuo.web").exception("resident_links of %s failed", config.label)
    return out


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
