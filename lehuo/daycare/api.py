"""/api/v1/daycare/...: offerings, children, enrolment (idempotent) and cancellation."""

import datetime as dt
from decimal import Decimal

from ninja import Router, Schema, Status
from ninja.pagination import paginate

from lehuo.platform.api.pagination import PageNumberPagination
from lehuo.platform.api.types import Date, DateTime, Int
from lehuo.platform.errors import NotFound, ServiceError
from lehuo.platform.idempotency import run_idempotent, run_idempotent_writing_key

from . import scoping, services, services_running
from .access import guardian_for, offerings_for, resolve_guardian_for_staff
from .models import Child, Enrolment, Offering, Term

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
    id: int
    name: str
    birth_date: dt.date | None
    school: str
    grade: int


class EnrolIn(Schema):
    child_id: Int | None = None
    child: ChildIn | None = None
    guardian: GuardianIn | None = None
    relation: str = "other"
    consent: bool = False


class EnrolmentOut(Schema):
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


def _offering(request, offering_id: int) -> Offering:
    offering = offerings_for(request.user).filter(pk=offering_id).first()
    if offering is None:
        raise NotFound()
    return offering


def _enrolment_body(e: Enrolment) -> dict:
    return {"id": e.pk, "offering_id": e.offering_id, "child_id": e.child_id, "child_name": e.child.person.name,
            "status": e.status, "position": e.position, "created_at": e.created_at.isoformat()}


@router.get("/daycare/offerings", response=list[OfferingOut])
@paginate(PageNumberPagination, page_size=100)
def list_offerings(request, year: int | None = None):
    qs = offerings_for(request.user)
    if year:
        qs = qs.filter(site__year__year=year)
    return [OfferingOut.from_offering(o) for o in qs]


@router.post("/daycare/offerings", response={201: OfferingOut})
def create_offering(request, payload: OfferingIn):
    if not scoping.may_manage_programme(request.user):
        raise ServiceError("只有镇管理员可以开班", code="forbidden")
    site = scoping.sites_for(request.user).filter(pk=payload.site_id).first()
    if site is None:
        raise ServiceError("办班点不存在", "site_id")
    term = Term.objects.filter(pk=payload.term_id, year=site.year).first()
    if term is None:
        raise ServiceError("期不存在", "term_id")
    offering = services_running.create_offering(request.user, site, term, capacity=payload.capacity,
                                                fee=payload.fee, opens_at=payload.opens_at)
    return Status(201, OfferingOut.from_offering(offering))


@router.get("/daycare/offerings/{int:offering_id}/enrolments", response=list[EnrolmentOut])
@paginate(PageNumberPagination, page_size=100)
def list_enrolments(request, offering_id: int, status: str = ""):
    site_ids = scoping.sites_for(request.user).values("pk")
    offering = Offering.objects.filter(pk=offering_id, site__in=site_ids).first()
    if offering is None:
        raise NotFound()
    qs = offering.enrolments.select_related("child__person").order_by("status", "position", "created_at", "pk")
    if status:
        qs = qs.filter(status=status)
    return [_enrolment_body(e) for e in qs]


@router.post("/daycare/offerings/{int:offering_id}/enrolments", response={201: EnrolmentOut})
def enrol(request, offering_id: int, payload: EnrolIn):
    """First come, first served: ``confirmed``, or ``waitlisted`` with a ``position``.
    Send an ``Idempotency-Key`` header: a retried request gets the first answer back."""
    key = request.headers.get("Idempotency-Key")
    if payload.child_id is not None and not (payload.guardian and payload.guardian.phone):
        # The opening-time rush: a parent picks a child already linked to them.
        def create_linked(key_row):
            try:
                e = services.enrol_linked_child(request.user, offering_id, payload.child_id, key_row=key_row)
            except NotFound:
                _offering(request, offering_id)  # 404 unless the offering is visible after all
                raise ServiceError("儿童不存在或不是您登记的孩子", "child_id")
            return 201, services.rush_answer(e)  # the fields of EnrolmentOut

        status, body = run_idempotent_writing_key(request.user, key, f"daycare.enrol:{offering_id}", create_linked)
        return Status(status, body)

    offering = _offering(request, offering_id)

    def create():
        if payload.guardian and payload.guardian.phone and scoping.may_run_site(request.user, offering.site):
            guardian = resolve_guardian_for_staff(request.user, offering.site, payload.guardian.name,
                                                  payload.guardian.phone)
        else:
            guardian = guardian_for(request.user)
            if payload.guardian and payload.guardian.phone and not guardian.phone:
                services.set_guardian_phone(request.user, guardian, payload.guardian.phone)
        if payload.child_id is not None:
            child = services.children_of(guardian).filter(pk=payload.child_id).first()
            if child is None:
                raise ServiceError("儿童不存在或不是您登记的孩子", "child_id")
        elif payload.child is not None:
            c = payload.child
            child = services.register_child(
                request.user, guardian, name=c.name, school=c.school, grade=c.grade, id_number=c.id_number or "",
                birth_date=c.birth_date, sex=c.sex, relation=payload.relation, consent=payload.consent,
                on=offering.term.starts_on)
        else:
            raise ServiceError("请选择或填写儿童", "child")
        enrolment = services.enrol_child(request.user, offering, child, guardian)
        return 201, _enrolment_body(enrolment)

    status, body = run_idempotent(request.user, key, f"daycare.enrol:{offering.pk}", create)
    return Status(status, body)


@router.post("/daycare/enrolments/{int:enrolment_id}/cancel", response=CancelOut)
def cancel(request, enrolment_id: int, payload: CancelIn | None = None):
    enrolment = Enrolment.objects.select_related("offering__site", "guardian").filter(pk=enrolment_id).first()
    if enrolment is None:
        raise NotFound()
    own = enrolment.guardian.account_id == request.user.pk
    if not own and not scoping.may_run_site(request.user, enrolment.offering.site):
        raise NotFound()
    promoted = services.cancel_enrolment(request.user, enrolment, payload.reason if payload else "")
    return {"id": enrolment.pk, "status": enrolment.status, "promoted_id": promoted.pk if promoted else None}


@router.get("/daycare/children", response=list[ChildOut])
def list_children(request):
    guardian = guardian_for(request.user)
    return [_child_body(c) for c in services.children_of(guardian)]


@router.post("/daycare/children", response={201: ChildOut})
def register_child(request, payload: ChildRegisterIn):
    guardian = guardian_for(request.user)
    if payload.guardian_phone:
        services.set_guardian_phone(request.user, guardian, payload.guardian_phone)
    c = payload.child
    child = services.register_child(request.user, guardian, name=c.name, school=c.school, grade=c.grade,
                                    id_number=c.id_number or "", birth_date=c.birth_date, sex=c.sex,
                                    relation=payload.relation, consent=payload.consent)
    return Status(201, _child_body(child))


def _child_body(c: Child) -> dict:
    return {"id": c.pk, "name": c.person.name, "birth_date": c.person.birth_date, "school": c.school, "grade": c.grade}


@router.get("/daycare/years/{int:year}/stats")
def year_stats(request, year: int):
    from .models import Year
    from .stats import year_stats as compute

    sites = scoping.sites_for(request.user)
    obj = Year.objects.filter(year=year, sites__in=sites).distinct().first()
    if obj is None:
        raise NotFound()
    site_ids = None if scoping.may_manage_programme(request.user) else list(sites.values_list("pk", flat=True))
    data = compute(obj, site_ids)
    data.pop("per_offering")
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in data.items()}



