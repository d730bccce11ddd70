"""/api/v1/daycare/...: offerings, children, enrolment (idempotent) and cancellation."""

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from lehuo.platform.api.pagination import PageNumberPagination
from lehuo.platform.api.types import Date, DateTime, Int
from lehuo.platform.errors import ServiceError
from lehuo.platform.idempotency import run_idempotent_writing_key

from . import services, services_running
from .models import Child, Offering

router = Router(tags=["daycare"])


class OfferingOut(Schema):
    id: int
    site: str
    site_id: int
    neighbourhood: str
    term: int
    starts_on: dt.date
    ends_on: dt.date
    capacity: int
    places_left: int
    fee: Decimal
    opens_at: dt.datetime

    @staticmethod
    def from_offering(o: Offering) -> dict:
        return {"id": o.pk, "site": o.site.name, "site_id": o.site_id, "neighbourhood": o.site.neighbourhood.name,
                "term": o.term.number, "starts_on": o.term.starts_on, "ends_on": o.term.ends_on,
                "capacity": o.capacity, "places_left": o.places_left, "fee": o.fee, "opens_at": o.opens_at}


class OfferingIn(Schema):
    site_id: Int
    term_id: Int
    capacity: Int | None = None
    fee: Decimal = Decimal("600.00")
    opens_at: DateTime


class ChildIn(Schema):
    name: str
    id_number: str | None = None
    birth_date: Date | None = None
    grade: Int
    school: str
    sex: str = ""


class GuardianIn(Schema):
    name: str = ""
    phone: str = ""


class ChildRegisterIn(Schema):
    child: ChildIn
    relation: str = "other"
    consent: bool = False
    guardian_phone: str | None = None


class ChildOut(Schema):
    """A linked child (``status`` "linked"), or a claim waiting for staff ("pending": only its
    id, nothing of the register)."""

    id: int
    status: str = "linked"
    name: str | None = None
    birth_date: dt.date | None = None
    school: str | None = None
    grade: int | None = None


class EnrolIn(Schema):
    child_id: Int | None = None
    child: ChildIn | None = None
    guardian: GuardianIn | None = None
    relation: str = "other"
    consent: bool = False


class EnrolmentOut(Schema):
    """``services.Placed`` (its ``body()`` is what the idempotency key replays)."""

    id: int
    offering_id: int
    child_id: int
    child_name: str
    status: str
    position: int | None
    created_at: dt.datetime


class CancelIn(Schema):
    reason: str = ""


class CancelOut(Schema):
    id: int
    status: str
    promoted_id: int | None


@router.get("/daycare/offerings", response=list[OfferingOut])
@paginate(PageNumberPagination, page_size=100)
def list_offerings(request, year: int | None = None):
    qs = services.offerings_for(request.user)
    if year:
        qs = qs.filter(site__year__year=year)
    return [OfferingOut.from_offering(o) for o in qs]


@router.post("/daycare/offerings", response={201: OfferingOut})
def create_offering(request, payload: OfferingIn):
    site, term = services_running.site_and_term(request.user, payload.site_id, payload.term_id)
    offering = services_running.create_offering(request.user, site, term, capacity=payload.capacity,
                                                fee=payload.fee, opens_at=payload.opens_at)
    return Status(201, OfferingOut.from_offering(offering))


@router.get("/daycare/offerings/{int:offering_id}/enrolments", response=list[EnrolmentOut])
@paginate(PageNumberPagination, page_size=100)
def list_enrolments(request, offering_id: int, status: str = ""):
    offering = services.get_offering_for(request.user, offering_id)
    qs = offering.enrolments.select_related("child__person").order_by("status", "position", "created_at", "pk")
    if status:
        qs = qs.filter(status=status)
    return [services.Placed.of(e).body() for e in qs]


@router.post("/daycare/offerings/{int:offering_id}/enrolments", response={201: EnrolmentOut})
def enrol(request, offering_id: int, payload: EnrolIn):
    """First come, first served: ``confirmed``, or ``waitlisted`` with a ``position``.
    A parent sends ``child_id`` (one of their children); a site's staff enrolling for a family
    send ``guardian`` and ``child``. Send an ``Idempotency-Key`` header: a retried request gets
    the first answer back (the same key scope as the parent's page)."""
    user = request.user

    def create(key_row):
        if payload.child_id is not None:
            placed = services.take_place(user, offering_id, payload.child_id, key_row=key_row)
        elif payload.child is not None:
            c = payload.child
            placed = services.enrol_new_child(
                user, offering_id, key_row=key_row, relation=payload.relation, consent=payload.consent,
                guardian=payload.guardian.dict() if payload.guardian else None,
                child={"name": c.name, "school": c.school, "grade": c.grade, "id_number": c.id_number or "",
                       "birth_date": c.birth_date})
        else:
            raise ServiceError(_("请选择要报名的孩子"), "child_id")
        return 201, placed.body()

    status, body = run_idempotent_writing_key(user, request.headers.get("Idempotency-Key"),
                                              services.enrol_scope(offering_id), create)
    return Status(status, body)


@router.post("/daycare/enrolments/{int:enrolment_id}/cancel", response=CancelOut)
def cancel(request, enrolment_id: int, payload: CancelIn | None = None):
    enrolment = services.get_enrolment_for(request.user, enrolment_id, to="daycare.enrolment.cancel")
    promoted = services.cancel_enrolment(request.user, enrolment, payload.reason if payload else "")
    return {"id": enrolment.pk, "status": enrolment.status, "promoted_id": promoted.pk if promoted else None}


@router.get("/daycare/children", response=list[ChildOut])
def list_children(request):
    services.guardian_for(request.user)
    return [_child_body(c) for c in services.children_of(request.user)]


@router.post("/daycare/children", response={201: ChildOut, 202: ChildOut})
def register_child(request, payload: ChildRegisterIn):
    """A child without an ID number is registered and linked at once (201). With an ID number
    the request waits for the neighbourhood's staff (202, ``status`` "pending", the same answer
    whether or not the number is on the register)."""
    c = payload.child
    added = services.add_child(request.user, name=c.name, school=c.school, grade=c.grade, id_number=c.id_number or "",
                               birth_date=c.birth_date, relation=payload.relation, consent=payload.consent,
                               guardian_phone=payload.guardian_phone)
    if isinstance(added, Child):
        return Status(201, _child_body(added))
    return Status(202, {"id": added.pk, "status": "pending"})


def _child_body(c: Child) -> dict:
    return {"id": c.pk, "status": "linked", "name": c.person.name, "birth_date": c.person.birth_date,
            "school": c.school, "grade": c.grade}


@router.get("/daycare/years/{int:year}/stats")
def year_stats(request, year: int):
    from .stats import year_stats as compute

    obj = services.year_of_town(request.user, year)
    data = compute(obj, services.stats_site_ids(request.user, obj))
    data.pop("per_offering")
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in data.items()}
