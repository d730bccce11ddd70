from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import jobs, scoping
from ..decorators import staff_required
from ..errors import ServiceError


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True


@require_POST
def logout_view(request):
    logout(request)
    return redirect("login")


def index(request):
    if not request.user.is_authenticated:
        return redirect("login")
    if scoping.is_staff_member(request.user):
        return redirect("core:home")
    return render(request, "core/resident_home.html", {"links": resident_links(request.user)})


def resident_links(user) -> list[dict]:
    """What a resident can do, contributed by each app's ``resident_links(person)``."""
    from django.apps import apps

    from ..models import Person

    person = Person.objects.filter(account=user, erased_at__isnull=True).select_related("town").first()
    if person is None:
        return []
    links = []
    for config in apps.get_app_configs():
        contribute = getattr(config, "resident_links", None)
        if contribute:
            links.extend(contribute(person))
    return links


@staff_required()
def home(request):
    """The workbench (工作台): the modules the user's roles reach."""
    return render(request, "core/home.html", {"modules": workbench_modules(request.user)})


def workbench_modules(user) -> list[dict]:
    from django.urls import NoReverseMatch, reverse

    entries = [
        ("core:people", _("人员"), _("居民、社工、志愿者信息"), None),
        ("core:organisations", _("单位"), _("共建单位、辖区单位、学校"), None),
        ("training:index", _("培训"), _("零距离工作室等培训班、考勤、证书"), None),
        ("donations:index", _("募捐"), _("慈善募捐、捐款登记、公示与对账"), None),
        ("blood:index", _("无偿献血"), _("献血活动、体检筛查、献血记录"), None),
        ("daycare:index", _("爱心暑托班"), _("办班点、报名、考勤"), None),
        ("visits:index", _("走访慰问"), _("荣誉与走访记录"), None),
        ("newsletter:index", _("乐活新泾"), _("期刊、文章、实时数据"), None),
        ("newsletter:dashboard", _("数据看板"), _("各模块关键数据"), None),
        ("core:audit", _("操作日志"), _("个人、资金、健康数据的操作记录"), "town_admin"),
    ]
    out = []
    for name, title, desc, role in entries:
        if role and not scoping.has_role(user, role):
            continue
        try:
            out.append({"url": reverse(name), "title": title, "description": desc})
        except NoReverseMatch:
            continue
    return out


@staff_required()
def job_status(request, pk: int):
    """A background job's progress; htmx polls the partial until it is done."""
    from django.shortcuts import get_object_or_404

    from ..models import Job

    job = jobs.live(get_object_or_404(Job, pk=pk, created_by=request.user))
    template = "core/_job_progress.html" if request.headers.get("HX-Request") else "core/job.html"
    return render(request, template, {"job": job, "stale": jobs.is_stale(job)})


@staff_required()
@require_POST
def job_restart(request, pk: int):
    """Queue a job again whose worker died (its page says so and offers this)."""
    from django.shortcuts import get_object_or_404, redirect

    from ..models import Job

    job = get_object_or_404(Job, pk=pk, created_by=request.user)
    try:
        jobs.restart(request.user, job)
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("core:job", pk=job.pk)
