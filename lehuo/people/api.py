"""/api/v1/people and /organisations: handlers parse, call a service (which checks the actor), answer."""

from django.db.models import Q
from ninja import Query, Router, Status
from ninja.pagination import paginate

from lehuo.accounts.models import Neighbourhood
from lehuo.accounts.services import neighbourhood_for
from lehuo.platform.api.pagination import LargePageNumberPagination, PageNumberPagination
from lehuo.platform.crypto import EncryptedTextField

from . import services
from .models import Person
from .schemas import OrganisationIn, OrganisationOut, PersonIn, PersonOut, PersonPatch, RevealOut
from .search import search_people

router = Router(tags=["people"])
ENCRYPTED = [f.name for f in Person._meta.concrete_fields if isinstance(f, EncryptedTextField)]


def _neighbourhood(request, pk: int | None) -> Neighbourhood | None:
    return None if pk is None else neighbourhood_for(request.user, pk, field="neighbourhood_id")


@router.get("/people", response=list[PersonOut])
@paginate(LargePageNumberPagination, page_size=50)
def list_people(request, q: str = "", neighbourhood_id: int | None = None, tag: str = "",
                sort: str = Query("name", pattern="^-?(name|age|created)$")):
    qs = services.people_for(request.user)
    # The encrypted values are not shown (their masked copies are): not read, not decrypted.
    return search_people(qs, q=q, neighbourhood_id=neighbourhood_id, tag=tag, sort=sort).defer(*ENCRYPTED)


@router.post("/people", response={201: PersonOut})
def create_person(request, payload: PersonIn):
    town = services.town_to_register_in(request.user)
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
    person = services.get_person_for(request.user, person_id)  # 404 outside scope; the service decides the rest
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
    qs = services.organisations_for(request.user)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(name_pinyin__icontains=q.lower()))
    if kind:
        qs = qs.filter(kind=kind)
    return qs


@router.post("/organisations", response={201: OrganisationOut})
def create_organisation(request, payload: OrganisationIn):
    town = services.town_to_add_organisation(request.user)
    data = payload.dict()
    nbh = _neighbourhood(request, data.pop("neighbourhood_id"))
    org = services.create_organisation(
        request.user, town, neighbourhood=nbh, **{k: v or "" for k, v in data.items()}
    )
    return Status(201, org)


@router.get("/organisations/{int:org_id}", response=OrganisationOut)
def get_organisation(request, org_id: int):
    return services.get_organisation_for(request.user, org_id)
