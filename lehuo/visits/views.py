from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from lehuo.accounts import scoping
from lehuo.accounts.decorators import staff_required
from lehuo.accounts.models import Neighbourhood
from lehuo.people.models import Person
from lehuo.platform.errors import NotFound, ServiceError
from lehuo.platform.paging import paginate

from . import services
from .forms import HonourForm, PhotoForm, VisitForm
from .models import Honour, Visit


@staff_required()
def index(request):
    """Visits by neighbourhood and purpose (scoped to the people the user may see)."""
    qs = Visit.objects.for_user(request.user).select_related("neighbourhood", "person").prefetch_related("visitors")
    nbh, purpose, q = request.GET.get("neighbourhood", ""), request.GET.get("purpose", ""), request.GET.get("q", "").strip()
    if nbh.isdigit():
        qs = qs.filter(neighbourhood_id=int(nbh))
    if purpose in dict(Visit.PURPOSES):
        qs = qs.filter(purpose=purpose)
    if q:
        qs = qs.filter(Q(household__icontains=q) | Q(notes__icontains=q) | Q(visitors__name__icontains=q)).distinct()
    counts = {}
    for row in Visit.objects.for_user(request.user).values_list("neighbourhood__name", "purpose"):
        counts.setdefault(row[0] or "—", {}).setdefault(row[1], 0)
        counts[row[0] or "—"][row[1]] += 1
    summary = [(name, [by.get(k, 0) for k, _ in Visit.PURPOSES]) for name, by in sorted(counts.items())]
    return render(request, "visits/index.html", {
        "page": paginate(request, qs), "purposes": Visit.PURPOSES, "summary": summary,
        "neighbourhoods": Neighbourhood.objects.filter(scoping.town_q(request.user)),
        "f": {"neighbourhood": nbh, "purpose": purpose, "q": q},
        "may_write": scoping.has_role(request.user, *services.WRITE_ROLES[:2]),
    })

@staff_required()
def detail(request, slug):
    try:
        visit = services.get_visit_for(request.user, slug)
    except NotFound:
        return render(request, "404.html", status=404)
    return render(request, "visits/detail.html", {
        "visit": visit, "photo_form": PhotoForm(),
        "may_write": scoping.has_role(request.user, *services.WRITE_ROLES[:2]),
    })

@staff_required()
@require_POST
def add_photo(request, slug):
    try:
        visit = services.get_visit_for(request.user, slug)
    except NotFound:
        return render(request, "404.html", status=404)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_visit_photo(request.user, visit, form.cleaned_data["image"].read(), form.cleaned_data["caption"])
            messages.success(request, gettext("照片已上传"))
        except ServiceError as exc:
            messages.error(request, exc.message)
    else:
        # An empty or oversized file, or none: say why instead of returning to the page silently.
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    return redirect("visits:detail", slug=visit.slug)

def _person(request, pk):
    person = Person.objects.for_user(request.user).filter(pk=pk).first()
    if person is None:
        raise ServiceError(gettext("人员不存在或不在您的负责范围内"), "person_id")
    return person

@staff_required()
def new_visit(request):
    form = VisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            visit = services.record_visit(
                request.user, _person(request, d["person_id"]), date=d["date"], purpose=d["purpose"],
                visitors=services.parse_visitors(d["visitors"]), household=d["household"], notes=d["notes"],
                slug=d["slug"],
            )
            messages.success(request, gettext("走访已登记"))
            return redirect("visits:detail", slug=visit.slug)
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    return render(request, "visits/form.html", {"form": form, "heading": gettext("登记走访")})

@staff_required()
def honours(request):
    qs = Honour.objects.for_user(request.user).select_related("person", "person__neighbourhood")
    return render(request, "visits/honours.html", {"page": paginate(request, qs)})

@staff_required()
def new_honour(request):
    form = HonourForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.record_honour(request.user, _person(request, d.pop("person_id")), **d)
            messages.success(request, gettext("荣誉已登记"))
            return redirect("visits:honours")
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    return render(request, "visits/form.html", {"form": form, "heading": gettext("登记荣誉")})
