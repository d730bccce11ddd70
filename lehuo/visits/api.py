"""/api/v1/visits and /api/v1/honours (scoped to the people the caller may see)."""

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from lehuo.platform.api.pagination import PageNumberPagination
from lehuo.platform.api.types import Date, Int
from lehuo.platform.errors import ServiceError

from . import services

router = Router(tags=["visits"])


class VisitorIn(Schema):
    name: str
    title: str = ""


class VisitIn(Schema):
    person_id: Int
    date: Date
    purpose: str
    visitors: list[VisitorIn]
    household: str = ""
    notes: str = ""
    honour_id: Int | None = None
    slug: str = ""


class VisitOut(Schema):
    id: int
    slug: str
    date: dt.date
    person_id: int
    neighbourhood_id: int | None
    household: str
    purpose: str
    notes: str
    visitors: list[str]

    @staticmethod
    def resolve_visitors(obj) -> list[str]:
        return [str(v) for v in obj.visitors.all()]


class HonourIn(Schema):
    person_id: Int
    title: str
    achieved_on: Date
    level: str = "national"
    event: str = ""
    rank: str = ""
    result: str = ""


class HonourOut(Schema):
    id: int
    person_id: int
    title: str
    event: str
    level: str
    rank: str
    result: str
    achieved_on: dt.date




@router.get("/visits", response=list[VisitOut])
@paginate(PageNumberPagination, page_size=50)
def list_visits(request, neighbourhood_id: int | None = None, purpose: str = ""):
    qs = services.visits_for(request.user).prefetch_related("visitors")
    if neighbourhood_id:
        qs = qs.filter(neighbourhood_id=neighbourhood_id)
    if purpose:
        qs = qs.filter(purpose=purpose)
    return qs


@router.post("/visits", response={201: VisitOut})
def create_visit(request, payload: VisitIn):
    person = services.person_for(request.user, payload.person_id)
    honour = None
    if payload.honour_id:
        honour = services.honour_for(request.user, payload.honour_id)
        if honour is None:
            raise ServiceError(_("荣誉不存在"), "honour_id")
    visit = services.record_visit(
        request.user, person, date=payload.date, purpose=payload.purpose,
        visitors=[(v.title, v.name) for v in payload.visitors], household=payload.household,
        notes=payload.notes, honour=honour, slug=payload.slug,
    )
    return Status(201, visit)


@router.get("/visits/{slug}", response=VisitOut)
def get_visit(request, slug: str):
    return services.get_visit_for(request.user, slug)


@router.get("/honours", response=list[HonourOut])
@paginate(PageNumberPagination, page_size=50)
def list_honours(request):
    return services.honours_for(request.user)


@router.post("/honours", response={201: HonourOut})
def create_honour(request, payload: HonourIn):
    data = payload.dict()
    person = services.person_for(request.user, data.pop("person_id"), "visits.honour.record")
    return Status(201, services.record_honour(request.user, person, **data))
