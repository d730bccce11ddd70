"""/api/v1/neighbourhoods: the town's neighbourhoods."""

from ninja import Router, Status
from ninja.pagination import paginate

from lehuo.platform.api.pagination import PageNumberPagination

from . import services
from .schemas import NeighbourhoodIn, NeighbourhoodOut

router = Router(tags=["accounts"])


@router.get("/neighbourhoods", response=list[NeighbourhoodOut])
@paginate(PageNumberPagination, page_size=100)
def list_neighbourhoods(request):
    return services.neighbourhoods_for(request.user).order_by("name_pinyin", "id")


@router.post("/neighbourhoods", response={201: NeighbourhoodOut})
def create_neighbourhood(request, payload: NeighbourhoodIn):
    town = services.town_for(request.user)
    return Status(201, services.create_neighbourhood(request.user, town, **payload.dict()))
