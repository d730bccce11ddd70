"""Town-admin pages: the tag dictionary and the audit log."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import scoping, services
from ..decorators import staff_required
from ..errors import ServiceError
from ..forms import TagForm, apply_service_error
from ..models import TOWN_ADMIN, AuditLog, Tag
from ..paging import paginate
from .common import query_without, town_of


@staff_required()
def tag_list(request):
    town = town_of(request)
    tags = Tag.objects.filter(town=town).annotate(
        n_people=Count("people", filter=Q(people__erased_at__isnull=True), distinct=True),
        n_orgs=Count("organisations", distinct=True),
    )
    may_edit = scoping.is_town_wide(request.user)
    form = TagForm(request.POST or None)
    if request.method == "POST":
        if not may_edit:
            raise Http404("tags")
        if form.is_valid():
            try:
                services.create_tag(request.user, town, **{**form.cleaned_data, "order": form.cleaned_data["order"] or 0})
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("已添加标签：%(name)s") % {"name": form.cleaned_data["name"]})
                return redirect("core:tags")
    return render(request, "core/tag_list.html", {"tags": tags, "form": form, "may_edit": may_edit})


@staff_required(TOWN_ADMIN)
def tag_edit(request, pk):
    town = town_of(request)
    tag = Tag.objects.filter(town=town, pk=pk).first()
    if tag is None:
        raise Http404("tag")
    form = TagForm(request.POST or None, initial={"name": tag.name, "applies_to": tag.applies_to,
                                                  "description": tag.description, "order": tag.order})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_tag(request.user, tag, **{**form.cleaned_data, "order": form.cleaned_data["order"] or 0})
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("core:tags")
    return render(request, "core/tag_form.html", {"tag": tag, "form": form})


@require_POST
@staff_required(TOWN_ADMIN)
def tag_delete(request, pk):
    town = town_of(request)
    tag = Tag.objects.filter(town=town, pk=pk).first()
    if tag is None:
        raise Http404("tag")
    try:
        services.delete_tag(request.user, tag)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已删除标签：%(name)s") % {"name": tag.name})
    return redirect("core:tags")


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
    return render(request, "core/audit_log.html", {
        "page": paginate(request, qs, per_page=50), "actions": list(actions), "action": action, "actor": actor,
        "date_from": g.get("from", ""), "date_to": g.get("to", ""), "filters": query_without(request, "page"),
    })
