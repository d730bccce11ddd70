"""A resident's own pages (phone first): the real-name link, adding a child, my data; and the
social workers' queue of requests to confirm. Thin: each calls a service of
people/services/residents.py, which decides."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from lehuo.accounts.permissions import require
from lehuo.people import services
from lehuo.people.models import Consent, DataRequest, GuardianLink, LinkRequest
from lehuo.people.services import residents
from lehuo.platform.errors import ServiceError


def _errors(exc: ServiceError) -> dict:
    out: dict = {}
    for e in exc.errors:
        out.setdefault(e.get("field") or "__all__", []).append(e["message"])
    return out


@never_cache
@login_required
def link(request):
    """实名绑定: name, ID number and neighbourhood; linked at once or waiting for a social worker."""
    require(request.user, "people.link.request")
    person = residents.own_person(request.user)
    pending = LinkRequest.objects.filter(account=request.user, kind=LinkRequest.SELF, status=LinkRequest.PENDING).first()
    errors, values = {}, {}
    if request.method == "POST" and person is None:
        values = {k: request.POST.get(k, "") for k in ("name", "id_number", "neighbourhood_id")}
        try:
            outcome, _req = services.request_link(request.user, **values)
        except ServiceError as exc:
            errors = _errors(exc)
        else:
            if outcome == residents.LINKED:
                messages.success(request, _("实名绑定成功"))
                return redirect("web:index")
            # The same answer whatever the reason it waits (never whether the ID number is known).
            messages.info(request, _("已提交。居委会社工核实后即完成绑定，请留意短信或稍后再来查看。"))
            return redirect("people:link")
    return render(request, "people/resident_link.html", {
        "person": person, "pending": pending, "errors": errors, "values": values,
        "neighbourhoods": residents.neighbourhoods_to_choose(),
        "has_mobile": bool(residents.verified_mobile(request.user)),
    })


@never_cache
@login_required
def child_add(request):
    """A guardian adds a child and consents to the use of the child's data."""
    guardian = residents.own_person(request.user)
    if guardian is None:
        from lehuo.platform.errors import Forbidden

        raise Forbidden(_("请先完成本人的实名绑定，再添加孩子"))
    require(request.user, "people.child.add", guardian)
    errors, values = {}, {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("name", "id_number", "relation")}
        try:
            outcome, _req = services.add_child(request.user, consent=request.POST.get("consent") == "on", **values)
        except ServiceError as exc:
            errors = _errors(exc)
        else:
            if outcome == residents.LINKED:
                messages.success(request, _("已添加孩子"))
            else:
                messages.info(request, _("已提交。居委会社工核实监护关系后，您就能看到并为孩子办理。"))
            return redirect("people:my_data")
    return render(request, "people/resident_child_add.html", {
        "errors": errors, "values": values, "relations": GuardianLink.RELATIONS})


@never_cache
@login_required
def link_queue(request):
    """Social workers' queue: real-name links, children's guardians, correction/erasure requests."""
    links = list(services.link_requests_for(request.user))
    try:
        data_requests = list(services.data_requests_for(request.user))
    except ServiceError:
        data_requests = []
    return render(request, "people/link_queue.html", {"links": links, "data_requests": data_requests})


@login_required
@require_POST
def link_decide(request, pk):
    req = services.get_link_request_for(request.user, pk)
    try:
        services.decide_link(request.user, req, confirm=request.POST.get("decision") == "confirm",
                             note=request.POST.get("note", ""))
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已处理"))
    return redirect("people:link_queue")


@login_required
@require_POST
def data_request_decide(request, pk):
    req = services.get_data_request_for(request.user, pk)
    try:
        services.handle_data_request(request.user, req, done=request.POST.get("decision") != "refuse",
                                     answer=request.POST.get("answer", ""))
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已处理"))
    return redirect("people:link_queue")


@never_cache
@login_required
def my_data(request):
    """我的信息 (PIPL): what the register holds, children, consents, download, requests."""
    require(request.user, "people.mydata.open")
    person = residents.own_person(request.user)
    context = {"person": person, "errors": {}}
    if person is not None:
        children = [link.child for link in GuardianLink.objects.filter(guardian=person).select_related("child")]
        context.update(
            children=children,
            consents=Consent.objects.filter(person__in=[person, *children]).select_related("person").order_by("-given_on"),
            requests=DataRequest.objects.filter(person=person).order_by("-created_at")[:20],
            child_requests=LinkRequest.objects.filter(account=request.user, kind=LinkRequest.CHILD,
                                                      status=LinkRequest.PENDING),
            kinds=DataRequest.KINDS,
        )
    response = render(request, "people/my_data.html", context)
    response["Cache-Control"] = "no-store, private"
    return response


@login_required
def my_data_download(request, fmt):
    require(request.user, "people.mydata.open")
    person = residents.own_person(request.user)
    if person is None:
        messages.info(request, _("请先完成实名绑定"))
        return redirect("people:link")
    name, content_type, content = services.export_person_file(request.user, person, fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    response["Cache-Control"] = "no-store, private"
    return response


@login_required
@require_POST
def my_data_request(request):
    try:
        services.create_data_request(request.user, kind=request.POST.get("kind", ""), text=request.POST.get("text", ""))
    except ServiceError as exc:
        if exc.status != 400:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已提交，工作人员处理后会在这里答复您"))
    return redirect("people:my_data")
