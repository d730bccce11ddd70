"""/api/v1/neighbourhoods, /people, /organisations."""

from django.db.models import Q
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status
from ninja.pagination import paginate

from lehuo.accounts import scoping
from lehuo.accounts.models import SOCIAL_WORKER, TOWN_ADMIN, Neighbourhood
from lehuo.accounts.services import town_for
from lehuo.platform.api.pagination import PageNumberPagination
from lehuo.platform.errors import ServiceError

from . import services
from .models import Organisation, Person
from .schemas import OrganisationIn, OrganisationOut, PersonIn, PersonOut, PersonPatch, RevealOut
from .search import search_people

router = Router(tags=["people"])


def require_staff(request) -> None:
    if not scoping.is_staff_member(request.user):
        raise ServiceError("无权访问", code="forbidden")


def _neighbourhood(request, pk: int | None) -> Neighbourhood | None:
    if pk is None:
        return None
    nbh = Neighbourhood.objects.filter(scoping.town_q(request.user), pk=pk).first()
    if nbh is None:
        raise ServiceError("居民区不存在", "neighbourhood_id")
    return nbh


@router.get("/people", response=list[PersonOut])
@paginate(PageNumberPagination, page_size=50)
def list_people(request, q: str = "", neighbourhood_id: int | None = None, tag: str = "",
                sort: str = Query("name", pattern="^-?(name|age|created)$")):
    require_staff(request)
    qs = Person.objects.for_user(request.user).active()
    return search_people(qs, q=q, neighbourhood_id=neighbourhood_id, tag=tag, sort=sort)


@router.post("/people", response={201: PersonOut})
def create_person(request, payload: PersonIn):
    require_staff(request)
    town = town_for(request.user)
    data = payload.dict()
    nbh = _neighbourhood(request, data.pop("neighbourhood_id"))
    data = {k: v for k, v in data.items() if v is not None}
    person = services.create_person(request.user, town, neighbourhood=nbh, **data)
    return Status(201, Person.objects.prefetch_related("tags").get(pk=person.pk))


@router.get("/people/{int:person_id}", response=PersonOut)
def get_person(request, person_id: int):
    return services.get_person_for(request.user, person_id)


@router.patch("/people/{int:person_id}", response=PersonOut)
def patch_person(request, person_id: int, payload: PersonPatch):
    person = services.get_person_for(request.user, person_id)
    changes = payload.dict(exclude_unset=True)
    if "neighbourhood_id" in changes:
        changes["neighbourhood"] = _neighbourhood(request, changes.pop("neighbourhood_id"))
    services.update_person(request.user, person, **changes)
    return Person.objects.prefetch_related("tags").get(pk=person.pk)


@router.post("/people/{int:person_id}/reveal", response=RevealOut)
def reveal_person(request, person_id: int):
    person = services.get_person_for(request.user, person_id)
    return services.reveal_person(request.user, person)


@router.get("/organisations", response=list[OrganisationOut])
@paginate(PageNumberPagination, page_size=50)
def list_organisations(request, q: str = "", kind: str = ""):
    require_staff(request)
    qs = Organisation.objects.filter(scoping.town_q(request.user))
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(name_pinyin__icontains=q.lower()))
    if kind:
        qs = qs.filter(kind=kind)
    return qs


@router.post("/organisations", response={201: OrganisationOut})
def create_organisation(request, payload: OrganisationIn):
    # Same rule as the pages: town admins and social workers add organisations, not viewers.
    if not scoping.has_role(request.user, TOWN_ADMIN, SOCIAL_WORKER):
        raise ServiceError("无权新增单位", code="forbidden")
    town = town_for(request.user)
    data = payload.dict()
    nbh = _neighbourhood(request, data.pop("neighbourhood_id"))
    org = services.create_organisation(
        request.user, town, neighbourhood=nbh, **{k: v or "" for k, v in data.items()}
    )
    return Status(201, org)


@router.get("/organisations/{int:org_id}", response=OrganisationOut)
def get_organisation(request, org_id: int):
    require_staff(request)
    return get_object_or_404(Organisation.objects.filter(scoping.town_q(request.user)), pk=org_id)
