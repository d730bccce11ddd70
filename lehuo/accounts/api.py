"""/api/v1/neighbourhoods: the town's neighbourhoods."""

from ninja import Router, Status
from ninja.pagination import paginate

from lehuo.platform.api.pagination import PageNumberPagination
from lehuo.platform.errors import ServiceError

from . import scoping, services
from .models import Neighbourhood
from .schemas import NeighbourhoodIn, NeighbourhoodOut

router = Router(tags=["accounts"])


def require_staff(request) -> None:
    if not scoping.is_staff_member(request.user):
        raise ServiceError("无权访问", code="forbidden")


@router.get("/neighbourhoods", response=list[NeighbourhoodOut])
@paginate(PageNumberPagination, page_size=100)
def list_neighbourhoods(request):
    require_staff(request)
    return Neighbourhood.objects.filter(scoping.town_q(request.user)).order_by("name_pinyin", "id")


@router.post("/neighbourhoods", response={201: NeighbourhoodOut})
def create_neighbourhood(request, payload: NeighbourhoodIn):
    town = services.town_for(request.user)
    return Status(201, services.create_neighbourhood(request.user, town, **payload.dict()))
