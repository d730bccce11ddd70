"""/api/v1/donation-drives, /donation-drives/{id}/donations, /donations/{id}/void, .../stats."""

import datetime as dt

from django.db.models import Q
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import StrictFloat, StrictInt, StrictStr

from lehuo.accounts.models import Neighbourhood
from lehuo.people.models import Organisation, Person
from lehuo.platform.api.pagination import PageNumberPagination
from lehuo.platform.api.types import Date, Int
from lehuo.platform.errors import ServiceError
from lehuo.platform.idempotency import run_idempotent

from . import services, stats
from .models import Donation

router = Router(tags=["donations"])
# Money in: a decimal string or a JSON number; strict, so `true` is not taken for 1.
Money = StrictStr | StrictInt | StrictFloat


class DriveIn(Schema):
    slug: str
    title: str
    organiser_id: Int
    purpose: str = ""
    starts_on: Date
    ends_on: Date
    accepts_online: bool = True
    accepts_offline: bool = True
    platform: str = ""
    target: Money | None = None
    disclosure_public: bool = False


class DriveOut(Schema):
    id: int
    slug: str
    title: str
    organiser: str
    organiser_id: int
    purpose: str
    starts_on: dt.date
    ends_on: dt.date
    channels: list[str]
    target: str | None

    @staticmethod
    def resolve_organiser(obj):
        return obj.organiser.name

    @staticmethod
    def resolve_target(obj):
        return services.money(obj.target) if obj.target is not None else None


class DonationIn(Schema):
    person_id: Int | None = None
    organisation_id: Int | None = None
    donor_name: str = ""
    anonymous: bool = False
    named_consent: bool = False
    amount: Money = Field(..., description='金额：字符串 "200.00" 或数字，最多两位小数')  # not-ui: API docs
    channel: str
    method: str = ""
    received_on: Date
    reference: str = ""
    neighbourhood_id: Int | None = None
    notes: str = ""


class DonationOut(Schema):
    """A donation: the one shape of every answer about one (list, detail, void, receipt, a new
    one and its ``Idempotency-Key`` replay, which stores ``donation_body``)."""

    id: int
    drive_id: int
    person_id: int | None
    organisation_id: int | None
    donor: str
    amount: str
    channel: str
    method: str
    received_on: dt.date
    reference: str
    neighbourhood_id: int | None
    named_consent: bool
    receipt_number: str
    voided: bool
    void_reason: str

    # A replay's stored body is already plain values: the resolvers pass them through.
    @staticmethod
    def resolve_donor(obj):
        return obj["donor"] if isinstance(obj, dict) else obj.donor_display

    @staticmethod
    def resolve_amount(obj):
        return obj["amount"] if isinstance(obj, dict) else services.money(obj.amount)

    @staticmethod
    def resolve_voided(obj):
        return obj["voided"] if isinstance(obj, dict) else obj.voided_at is not None


def donation_body(donation: Donation) -> dict:
    """``DonationOut`` as plain JSON values (what an idempotent replay returns)."""
    return DonationOut.from_orm(donation).model_dump(mode="json")


class VoidIn(Schema):
    reason: str


class ReceiptIn(Schema):
    receipt_number: str


class HandoverIn(Schema):
    channel: str
    amount: Money
    handed_on: Date
    voucher_number: str = ""
    receipt_number: str = ""
    neighbourhood_id: Int | None = None
    notes: str = ""


class HandoverOut(Schema):
    id: int
    drive_id: int
    channel: str
    amount: str
    handed_on: dt.date
    voucher_number: str
    receipt_number: str

    @staticmethod
    def resolve_amount(obj):
        return services.money(obj.amount)


def _no_store(response: HttpResponse) -> None:
    """Answers that name donors are not kept by any cache."""
    response["Cache-Control"] = "no-store"


def _in_town(model, town, pk, field):
    if pk is None:
        return None
    obj = model.objects.filter(town=town, pk=pk).first()
    if obj is None:
        raise ServiceError(_("记录不存在"), field)
    return obj


@router.get("/donation-drives", response=list[DriveOut])
@paginate(PageNumberPagination, page_size=50)
def list_drives(request, q: str = ""):
    qs = services.drives_for(request.user).select_related("organiser")
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(slug__icontains=q))
    return qs


@router.post("/donation-drives", response={201: DriveOut})
def create_drive(request, payload: DriveIn):
    town = services.town_to_start_drive_in(request.user)
    data = payload.dict()
    organiser = _in_town(Organisation, town, data.pop("organiser_id"), "organiser_id")
    drive = services.create_drive(request.user, town, organiser=organiser, **data)
    return Status(201, drive)


@router.get("/donation-drives/{int:drive_id}", response=DriveOut)
def get_drive(request, drive_id: int):
    return services.get_drive_for(request.user, drive_id)


@router.get("/donation-drives/{int:drive_id}/donations", response=list[DonationOut])
@paginate(PageNumberPagination, page_size=50)
def list_donations(request, response: HttpResponse, drive_id: int, channel: str = "", method: str = "", neighbourhood_id: int | None = None,
                   include_voided: bool = False,
                   sort: str = Query("-received_on", pattern="^-?(received_on|amount|id)$")):
    _no_store(response)
    drive = services.get_drive_for(request.user, drive_id)
    qs = services.donations_for(request.user, drive).select_related("person", "organisation")
    if not include_voided:
        qs = qs.filter(voided_at__isnull=True)
    if channel:
        qs = qs.filter(channel=channel)
    if method:
        qs = qs.filter(method=method)
    if neighbourhood_id:
        qs = qs.filter(neighbourhood_id=neighbourhood_id)
    return qs.order_by(sort, "-id" if sort.startswith("-") else "id")


@router.post("/donation-drives/{int:drive_id}/donations", response={200: DonationOut, 201: DonationOut})
def post_donation(request, response: HttpResponse, drive_id: int, payload: DonationIn):
    """Record a donation. A repeat with the same ``Idempotency-Key`` returns the first
    answer; a repeat with the same ``reference`` returns the donation already recorded (200)."""
    _no_store(response)
    drive = services.get_drive_for(request.user, drive_id, to="donations.drive.record")
    data = payload.dict()

    def create():
        person = None
        if data["person_id"] is not None:
            person = Person.objects.for_user(request.user).filter(pk=data["person_id"]).first()
            if person is None:
                raise ServiceError(_("居民不存在或不在您的范围内"), "person_id")
        organisation = _in_town(Organisation, drive.town, data["organisation_id"], "organisation_id")
        neighbourhood = _in_town(Neighbourhood, drive.town, data["neighbourhood_id"], "neighbourhood_id")
        donation, created = services.record_donation(
            request.user, drive, person=person, organisation=organisation, neighbourhood=neighbourhood,
            amount=data["amount"], channel=data["channel"], method=data["method"], received_on=data["received_on"],
            reference=data["reference"], donor_name=data["donor_name"], anonymous=data["anonymous"],
            named_consent=data["named_consent"], notes=data["notes"], source="api",
        )
        return (201 if created else 200), donation_body(donation)

    key = request.headers.get("Idempotency-Key")
    status, body = run_idempotent(request.user, key, f"donations:drive:{drive.pk}", create)
    return Status(status, body)


@router.get("/donations/{int:donation_id}", response=DonationOut)
def get_donation(request, response: HttpResponse, donation_id: int):
    _no_store(response)
    return services.get_donation_for(request.user, donation_id)


@router.post("/donations/{int:donation_id}/void", response=DonationOut)
def void_donation(request, donation_id: int, payload: VoidIn):
    donation = services.get_donation_for(request.user, donation_id, to="donations.donation.change")
    return services.void_donation(request.user, donation, payload.reason)


@router.post("/donations/{int:donation_id}/receipt", response=DonationOut)
def record_receipt(request, donation_id: int, payload: ReceiptIn):
    donation = services.get_donation_for(request.user, donation_id, to="donations.donation.change")
    return services.record_receipt_number(request.user, donation, payload.receipt_number)


@router.get("/donation-drives/{int:drive_id}/stats")
def drive_stats(request, drive_id: int):
    """people (distinct persons), organisations, donations, total, by_tag, by_channel,
    by_method, by_neighbourhood, by_day; money as "56510.00" strings."""
    drive = services.get_drive_for(request.user, drive_id)
    return stats.as_json(stats.drive_stats(drive))


@router.post("/donation-drives/{int:drive_id}/handovers", response={201: HandoverOut})
def post_handover(request, drive_id: int, payload: HandoverIn):
    drive = services.get_drive_for(request.user, drive_id, to="donations.drive.manage")
    data = payload.dict()
    nbh = _in_town(Neighbourhood, drive.town, data.pop("neighbourhood_id"), "neighbourhood_id")
    return Status(201, services.record_handover(request.user, drive, neighbourhood=nbh, **data))
