from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext, pgettext
from django.views.decorators.http import require_POST

from lehuo.accounts.models import Neighbourhood
from lehuo.accounts.permissions import may, require, scope_q
from lehuo.platform.errors import Forbidden, NotFound, ServiceError
from lehuo.platform.paging import paginate

from . import services
from .forms import HonourForm, PhotoForm, VisitForm
from .models import Visit


@login_required
def index(request):
    """Visits by neighbourhood and purpose (scoped to the people the user may see)."""
    visits = services.visits_for(request.user)
    qs = visits.select_related("neighbourhood", "person").prefetch_related("visitors")
    nbh, purpose, q = request.GET.get("neighbourhood", ""), request.GET.get("purpose", ""), request.GET.get("q", "").strip()
    if nbh.isdigit():
        qs = qs.filter(neighbourhood_id=int(nbh))
    if purpose in dict(Visit.PURPOSES):
        qs = qs.filter(purpose=purpose)
    if q:
        qs = qs.filter(Q(household__icontains=q) | Q(notes__icontains=q) | Q(visitors__name__icontains=q)).distinct()
    counts = {}
    for row in visits.values_list("neighbourhood__name", "purpose"):
        counts.setdefault(row[0] or "—", {}).setdefault(row[1], 0)
        counts[row[0] or "—"][row[1]] += 1
    summary = [(name, [by.get(k, 0) for k, _ in Visit.PURPOSES]) for name, by in sorted(counts.items())]
    return render(request, "visits/index.html", {
        "page": paginate(request, qs), "purposes": Visit.PURPOSES, "summary": summary,
        "neighbourhoods": Neighbourhood.objects.filter(scope_q(request.user, "accounts.neighbourhood.view")),
        "f": {"neighbourhood": nbh, "purpose": purpose, "q": q},
        "may_write": services.may_record(request.user),
    })

@login_required
def detail(request, slug):
    visit = services.get_visit_for(request.user, slug)
    return render(request, "visits/detail.html", {
        "visit": visit, "photo_form": PhotoForm(), "may_write": may(request.user, "visits.photo.add", visit),
    })

@login_required
@require_POST
def add_photo(request, slug):
    visit = services.get_visit_for(request.user, slug)
    require(request.user, "visits.photo.add", visit)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_visit_photo(request.user, visit, form.cleaned_data["image"].read(), form.cleaned_data["caption"])
            messages.success(request, gettext("照片已上传"))
        except (NotFound, Forbidden):
            raise
        except ServiceError as exc:
            messages.error(request, exc.message)
    else:
        # An empty or oversized file, or none: say why instead of returning to the page silently.
        messages.error(request, pgettext("separator", "；").join(e for errors in form.errors.values() for e in errors))
    return redirect("visits:detail", slug=visit.slug)


@login_required
def new_visit(request):
    require(request.user, "visits.visit.record")
    form = VisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            visit = services.record_visit(
                request.user, services.person_for(request.user, d["person_id"]), date=d["date"], purpose=d["purpose"],
                visitors=services.parse_visitors(d["visitors"]), household=d["household"], notes=d["notes"],
                slug=d["slug"],
            )
            messages.success(request, gettext("走访已登记"))
            return redirect("visits:detail", slug=visit.slug)
        except (NotFound, Forbidden):
            raise
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    return render(request, "visits/form.html", {"form": form, "heading": gettext("登记走访")})

@login_required
def honours(request):
    qs = services.honours_for(request.user).select_related("person", "person__neighbourhood")
    return render(request, "visits/honours.html", {"page": paginate(request, qs)})

@login_required
def new_honour(request):
    require(request.user, "visits.honour.record")
    form = HonourForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            person = services.person_for(request.user, d.pop("person_id"), "visits.honour.record")
            services.record_honour(request.user, person, **d)
            messages.success(request, gettext("荣誉已登记"))
            return redirect("visits:honours")
        except (NotFound, Forbidden):
            raise
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    return render(request, "visits/form.html", {"form": form, "heading": gettext("登记荣誉")})
