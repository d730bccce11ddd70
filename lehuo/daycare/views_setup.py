"""Setting up the programme (town admins): a year, its terms, sites and their heads, offerings,
and editing an offering's capacity, fee and opening time. Parse, call a service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lehuo.accounts.models import Assignment, Neighbourhood
from lehuo.accounts.permissions import require
from lehuo.accounts.services import town_for
from lehuo.lib.labels import list_separator
from lehuo.platform.errors import ServiceError

from . import services, services_running
from .forms import OfferingForm, OfferingTermsForm, SiteForm, SiteHeadForm, TermForm, YearForm
from .models import Enrolment, Offering, Site, Year
from .stats import offering_counts


def _town(request):
    """The town whose programme the actor sets up (403 for anyone who may not)."""
    require(request.user, "daycare.programme.manage")
    town = town_for(request.user)
    require(request.user, "daycare.programme.manage", town)
    return town


def _year(town, number) -> Year:
    year = Year.objects.filter(town=town, year=number).first()
    if year is None:
        raise Http404
    return year


def _back(year: Year, section: str = ""):
    return redirect(f"{reverse('daycare:setup')}?year={year.year}{'#' + section if section else ''}")


def _site_form(town, data=None) -> SiteForm:
    return SiteForm(data, neighbourhoods=Neighbourhood.objects.filter(town=town).order_by("name"),
                    head_users=services_running.site_head_candidates(town))


def _head_form(year, data=None) -> SiteHeadForm:
    return SiteHeadForm(data, sites=year.sites.all(), head_users=services_running.site_head_candidates(year.town_id))


def _offering_form(year, data=None) -> OfferingForm:
    # New offerings usually open for registration when the year's others do.
    last = Offering.objects.filter(site__year=year).order_by("-pk").values_list("opens_at", flat=True).first()
    return OfferingForm(data, sites=year.sites.all(), terms=year.terms.all(), initial={"opens_at": last})


def _heads(sites) -> dict[int, list]:
    """Site pk -> the users assigned to run it (one query)."""
    rows = (Assignment.objects.filter(content_type=ContentType.objects.get_for_model(Site),
                                      object_id__in=[s.pk for s in sites]).select_related("user").order_by("user__username"))
    heads: dict[int, list] = {}
    for a in rows:
        heads.setdefault(a.object_id, []).append(a.user)
    return heads


def _page(request, town, year: Year | None, **bound):
    """The setup page of ``year``; ``bound`` holds a submitted form to show with its errors."""
    years = list(Year.objects.filter(town=town).order_by("-year"))
    ctx = {"years": years, "year": year, "may_manage": True,
           "year_form": bound.get("year_form") or YearForm(initial={"year": (years[0].year + 1) if years else None})}
    if year is not None:
        terms = list(year.terms.annotate(n_offerings=Count("offerings")))
        sites = list(year.sites.select_related("neighbourhood"))
        heads = _heads(sites)
        offerings = (offering_counts(Offering.objects.filter(site__year=year).select_related("site", "term"))
                     .order_by("site__name", "term__number"))
        ctx.update({
            "terms": terms, "sites": [(s, heads.get(s.pk, [])) for s in sites], "offerings": list(offerings),
            "proposed": [] if terms else services_running.default_term_dates(year.year),
            "term_form": bound.get("term_form") or TermForm(initial={
                "number": max((t.number for t in terms), default=0) + 1}),
            "site_form": bound.get("site_form") or _site_form(town),
            "head_form": bound.get("head_form") or _head_form(year),
            "offering_form": bound.get("offering_form") or _offering_form(year),
        })
    return render(request, "daycare/setup.html", ctx)


@login_required
def setup(request):
    town = _town(request)
    years = Year.objects.filter(town=town).order_by("-year")
    wanted = request.GET.get("year", "")
    year = (years.filter(year=wanted).first() if wanted.isdigit() else None) or years.first()
    return _page(request, town, year)


@login_required
@require_POST
def year_create(request):
    town = _town(request)
    form = YearForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            year = services_running.create_year(request.user, town, d["year"], d["title"],
                                                default_terms=d["default_terms"], exists_ok=False)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            n = year.terms.count()
            messages.success(request, _("已建立%(year)s年度（%(n)s期）") % {"year": year.year, "n": n} if n
                             else _("已建立%(year)s年度，请添加期") % {"year": year.year})
            return _back(year)
    return _page(request, town, Year.objects.filter(town=town).order_by("-year").first(), year_form=form)


@login_required
@require_POST
def terms_default(request, year: int):
    town = _town(request)
    the_year = _year(town, year)
    try:
        terms = services_running.create_default_terms(request.user, the_year)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已建立：%(terms)s") % {"terms": list_separator().join(str(t) for t in terms)})
    return _back(the_year, "terms")


def _add(request, number: int, form_key: str, form, save, section: str):
    """A POST of one of the year's "add" forms: ``form(town, year)`` bound to it; valid and
    accepted by ``save(cleaned_data, year)`` (a service call returning the success message),
    back to ``section`` of the page; otherwise the page again with the form and its errors."""
    town = _town(request)
    year = _year(town, number)
    bound = form(town, year)
    if bound.is_valid():
        try:
            message = save(bound.cleaned_data, year)
        except ServiceError as exc:
            bound.add_service_error(exc)
        else:
            messages.success(request, message)
            return _back(year, section)
    return _page(request, town, year, **{form_key: bound})


@login_required
@require_POST
def term_create(request, year: int):
    def save(d, year):
        return _("已添加%(term)s") % {"term": services_running.create_term(request.user, year, **d)}

    return _add(request, year, "term_form", lambda town, year: TermForm(request.POST), save, "terms")


@login_required
@require_POST
def site_create(request, year: int):
    def save(d, year):
        site = services_running.create_site(request.user, year, **d)
        return _("已添加办班点%(site)s") % {"site": site.name}

    return _add(request, year, "site_form", lambda town, year: _site_form(town, request.POST), save, "sites")


@login_required
@require_POST
def site_head_assign(request, year: int):
    def save(d, year):
        site, user = d["site"], d["head_user"]
        services_running.assign_site_head(request.user, site, user)
        return _("%(user)s 负责%(site)s") % {"user": user.get_full_name() or user.username, "site": site.name}

    return _add(request, year, "head_form", lambda town, year: _head_form(year, request.POST), save, "sites")


@login_required
@require_POST
def offering_create(request, year: int):
    def save(d, year):
        offering = services_running.create_offering(request.user, d["site"], d["term"], capacity=d["capacity"],
                                                    fee=d["fee"], opens_at=d["opens_at"])
        return _("已开班：%(offering)s") % {"offering": offering}

    return _add(request, year, "offering_form", lambda town, year: _offering_form(year, request.POST), save,
                "offerings")


@login_required
def offering_edit(request, pk: int):
    offering = services.get_offering_for(request.user, pk, to="daycare.offering.change")
    form = OfferingTermsForm(request.POST or None, initial={
        "capacity": offering.capacity, "fee": offering.fee, "opens_at": offering.opens_at})
    if request.method == "POST" and form.is_valid():
        try:
            promoted = services_running.update_offering(request.user, offering, **form.cleaned_data)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            if promoted:
                messages.success(request, _("已保存；候补第%(positions)s位已转为录取并短信通知监护人")
                                 % {"positions": list_separator().join(str(e.position) for e in promoted)})
            else:
                messages.success(request, _("已保存"))
            return redirect("daycare:offering", pk=offering.pk)
    waiting = offering.enrolments.filter(status=Enrolment.WAITLISTED).count()
    return render(request, "daycare/offering_edit.html", {"offering": offering, "form": form, "waiting": waiting})
