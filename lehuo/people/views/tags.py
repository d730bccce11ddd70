"""The tag dictionary (town admins edit it)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lehuo.accounts.permissions import may
from lehuo.people import services
from lehuo.people.forms import TagForm, apply_service_error
from lehuo.people.models import Tag
from lehuo.platform.errors import ServiceError

from .common import town_of


@login_required
def tag_list(request):
    town = town_of(request)
    tags = services.tags_for(request.user).filter(town=town).annotate(
        n_people=Count("people", filter=Q(people__erased_at__isnull=True), distinct=True),
        n_orgs=Count("organisations", distinct=True),
    )
    may_edit = may(request.user, "people.tag.change", Tag(town=town))
    form = TagForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.create_tag(request.user, town, **{**form.cleaned_data, "order": form.cleaned_data["order"] or 0})
            except ServiceError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("已添加标签：%(name)s") % {"name": form.cleaned_data["name"]})
                return redirect("people:tags")
    return render(request, "people/tag_list.html", {"tags": tags, "form": form, "may_edit": may_edit})


@login_required
def tag_edit(request, pk):
    tag = services.get_tag_for(request.user, pk, to="people.tag.change")
    form = TagForm(request.POST or None, initial={"name": tag.name, "applies_to": tag.applies_to,
                                                  "description": tag.description, "order": tag.order})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_tag(request.user, tag, **{**form.cleaned_data, "order": form.cleaned_data["order"] or 0})
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("people:tags")
    return render(request, "people/tag_form.html", {"tag": tag, "form": form})


@require_POST
@login_required
def tag_delete(request, pk):
    tag = services.get_tag_for(request.user, pk, to="people.tag.change")
    try:
        services.delete_tag(request.user, tag)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已删除标签：%(name)s") % {"name": tag.name})
    return redirect("people:tags")
