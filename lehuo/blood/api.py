"""/api/v1/blood-drives and friends (docs/api.md). Handlers parse, call a service, answer."""

import datetime as dt
from decimal import Decimal

from django.http import HttpResponse
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from lehuo.accounts.services import town_for
from lehuo.lib.identity import mask_id_number, mask_name
from lehuo.platform.api.pagination import PageNumberPagination
from lehuo.platform.api.types import Date, Int
from lehuo.platform.idempotency import run_idempotent

from . import services

router = Router(tags=["blood"])


class BloodDriveIn(Schema):
    slug: str = Field(..., min_length=1, max_length=50)
    title: str = Field(..., min_length=1, max_length=100)
    date: Date
    end_date: Date | None = None
    venue: str = Field("", max_length=200)
    organiser: str = Field("", max_length=100)
    target_donors: Int | None = Field(None, ge=0, le=100000)
    extra_checks: list[str] = Field(default_factory=list, max_length=10)
    time_slots: list[str] = Field(default_factory=list, max_length=30)


class BloodDriveOut(Schema):
    id: int
    slug: str
    title: str
    date: dt.date
    end_date: dt.date | None
    venue: str
    organiser: str
    target_donors: int | None
    extra_checks: list[str]
    time_slots: list[str]


class SignUpIn(Schema):
    person_id: Int
    time_slot: str = Field("", max_length=30)
    source: str = Field("committee", max_length=20)


class SignUpOut(Schema):
    id: int
    person_id: int
    name_masked: str
    time_slot: str
    source: str
    status: str
    queue_number: int | None

    @staticmethod
    def resolve_name_masked(obj) -> str:
        return mask_name(obj.person.name)


class PersonRef(Schema):
    person_id: Int


class ScreeningIn(Schema):
    person_id: Int
    weight_kg: Decimal | None = None
    systolic: Decimal | None = None
    diastolic: Decimal | None = None
    pulse: Decimal | None = None
    temperature_c: Decimal | None = None
    haemoglobin_g_l: Decimal | None = None
    answers: dict | None = None
    checks: dict[str, bool] | None = None
    kind: str = "whole"


class ReasonOut(Schema):
    code: str
    message: str
    until: dt.date | None


class ScreeningOut(Schema):
    id: int
    eligible: bool
    reasons: list[ReasonOut]
    deferred_until: dt.date | None
    eligible_on: dt.date | None
    permanent: bool


class BloodDonationIn(Schema):
    person_id: Int
    volume_ml: Int
    bag_number: str = Field("", max_length=30)
    certificate_number: str = Field("", max_length=30)


class BloodDonationOut(Schema):
    """One blood donation: the list, the answer to a new one (and its idempotent replay), a void."""

    id: int
    person_id: int
    donated_on: dt.date
    kind: str
    volume_ml: int
    units: Decimal
    bag_number: str
    certificate_number: str
    voided: bool  # VoidableMixin.voided


class RelativeIn(Schema):
    name: str = Field("", max_length=50)
    relation: str = Field("", max_length=20)
    phone: str = Field("", max_length=30)


class StemCellIn(Schema):
    person_id: Int
    consent: bool = False
    relatives: list[RelativeIn] = Field(default_factory=list, max_length=5)
    sample_taken: bool = False


class StemCellOut(Schema):
    id: int
    person_id: int
    signed_on: dt.date
    sample_taken: bool


class ScreeningDetailOut(Schema):
    """A screening's details (health data): drive staff only, every read logged."""

    id: int
    person_id: int
    drive_id: int
    screened_on: dt.date
    eligible: bool
    eligible_on: dt.date | None
    permanent: bool
    measurements: dict
    reasons: list[dict]
    voided: bool


class BloodVoidIn(Schema):
    reason: str = Field(..., max_length=200)


class RecallOut(Schema):
    person_id: int
    name: str
    neighbourhood: str
    id_number_masked: str
    last_donation: dt.date
    donations: int
    eligible_on: dt.date


def _no_store(response: HttpResponse) -> None:
    """Answers that name people or hold health data are not kept by any cache."""
    response["Cache-Control"] = "no-store"


def _body(schema: type[Schema], obj) -> dict:
    """The answer for ``obj`` as plain JSON values: what an ``Idempotency-Key`` replay returns
    (the same Schema as the first answer)."""
    return schema.from_orm(obj).model_dump(mode="json")


@router.get("/blood-drives", response=list[BloodDriveOut])
@paginate(PageNumberPagination, page_size=50)
def list_drives(request):
    return services.drives_for(request.user)


@router.post("/blood-drives", response={201: BloodDriveOut})
def create_drive(request, payload: BloodDriveIn):
    town = town_for(request.user)
    return Status(201, services.create_drive(request.user, town, **payload.dict()))


@router.get("/blood-drives/{int:drive_id}", response=BloodDriveOut)
def get_drive(request, drive_id: int):
    return services.drive_for(request.user, drive_id)


@router.get("/blood-drives/{int:drive_id}/signups", response=list[SignUpOut])
@paginate(PageNumberPagination, page_size=50)
def list_signups(request, response: HttpResponse, drive_id: int, status: str = ""):
    _no_store(response)
    drive = services.drive_for(request.user, drive_id)
    qs = services.signups_for(request.user, drive).select_related("person")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("created_at", "id")


@router.post("/blood-drives/{int:drive_id}/signups", response={201: SignUpOut})
def create_signup(request, drive_id: int, payload: SignUpIn):
    drive = services.drive_for(request.user, drive_id, to="blood.signup.add")
    person = services.person_at_drive(request.user, drive, payload.person_id)
    return Status(201, services.sign_up(request.user, drive, person, time_slot=payload.time_slot,
                                        source=payload.source))


@router.post("/blood-signups/{int:signup_id}/cancel", response=SignUpOut)
def cancel_signup(request, signup_id: int):
    signup = services.signup_for(request.user, signup_id, to="blood.signup.cancel")
    return services.cancel_signup(request.user, signup)


@router.post("/blood-drives/{int:drive_id}/checkins", response=SignUpOut)
def check_in(request, drive_id: int, payload: PersonRef):
    drive = services.drive_for(request.user, drive_id, to="blood.drive.run")
    return services.check_in(request.user, drive, services.person_at_drive(request.user, drive, payload.person_id))


def _screening_body(screening, decision) -> dict:
    """``ScreeningOut`` of a new screening as plain JSON values (what a replay returns)."""
    return ScreeningOut(
        id=screening.pk, eligible=decision.eligible, reasons=[r.as_dict() for r in decision.reasons],
        deferred_until=None if decision.eligible else decision.eligible_on, eligible_on=decision.eligible_on,
        permanent=decision.permanent).model_dump(mode="json")


@router.post("/blood-drives/{int:drive_id}/screenings", response={201: ScreeningOut})
def create_screening(request, response: HttpResponse, drive_id: int, payload: ScreeningIn):
    _no_store(response)
    drive = services.drive_for(request.user, drive_id, to="blood.drive.run")
    person = services.person_at_drive(request.user, drive, payload.person_id)
    data = payload.dict()
    data.pop("person_id")

    def create():
        screening, decision = services.screen_donor(request.user, drive, person, **data)
        return 201, _screening_body(screening, decision)

    code, body = run_idempotent(request.user, request.headers.get("Idempotency-Key"),
                                f"blood.screening:{drive.pk}", create)
    return Status(code, body)


@router.get("/blood-screenings/{int:screening_id}", response=ScreeningDetailOut)
def get_screening(request, response: HttpResponse, screening_id: int):
    """Screening details (health data): drive staff only, every view logged."""
    _no_store(response)
    return services.view_screening(request.user, services.screening_for(request.user, screening_id))


@router.post("/blood-screenings/{int:screening_id}/void")
def void_screening(request, screening_id: int, payload: BloodVoidIn):
    screening = services.screening_for(request.user, screening_id)
    services.void_screening(request.user, screening, payload.reason)
    return {"id": screening.pk, "voided": True}


@router.get("/blood-drives/{int:drive_id}/donations", response=list[BloodDonationOut])
@paginate(PageNumberPagination, page_size=50)
def list_donations(request, response: HttpResponse, drive_id: int):
    _no_store(response)
    drive = services.drive_for(request.user, drive_id)
    return services.donations_for(request.user, drive).order_by("id")


@router.post("/blood-drives/{int:drive_id}/donations", response={201: BloodDonationOut})
def create_donation(request, drive_id: int, payload: BloodDonationIn):
    drive = services.drive_for(request.user, drive_id, to="blood.drive.run")
    person = services.person_at_drive(request.user, drive, payload.person_id)

    def create():
        d = services.record_donation(request.user, drive, person, volume_ml=payload.volume_ml,
                                     bag_number=payload.bag_number, certificate_number=payload.certificate_number)
        return 201, _body(BloodDonationOut, d)

    code, body = run_idempotent(request.user, request.headers.get("Idempotency-Key"),
                                f"blood.donation:{drive.pk}", create)
    return Status(code, body)


@router.post("/blood-donations/{int:donation_id}/void", response=BloodDonationOut)
def void_donation(request, donation_id: int, payload: BloodVoidIn):
    donation = services.donation_for(request.user, donation_id, to="blood.donation.void")
    return services.void_donation(request.user, donation, payload.reason)


@router.post("/blood-drives/{int:drive_id}/stem-cell-signups", response={201: StemCellOut})
def create_stem_cell_signup(request, drive_id: int, payload: StemCellIn):
    drive = services.drive_for(request.user, drive_id, to="blood.drive.run")
    person = services.person_at_drive(request.user, drive, payload.person_id)

    def create():
        s = services.sign_up_stem_cell(request.user, drive, person, consent=payload.consent,
                                       relatives=[r.dict() for r in payload.relatives],
                                       sample_taken=payload.sample_taken)
        return 201, _body(StemCellOut, s)

    code, body = run_idempotent(request.user, request.headers.get("Idempotency-Key"),
                                f"blood.stem_cell:{drive.pk}", create)
    return Status(code, body)


@router.get("/blood-drives/{int:drive_id}/stats")
def drive_stats(request, drive_id: int):
    """Aggregates only: any staff member who may see the drive; health counts under 5 as "<5"
    to those who may not read health data."""
    drive = services.drive_for(request.user, drive_id)
    return services.drive_figures(request.user, drive)


@router.get("/blood-drives/{int:drive_id}/recall", response=list[RecallOut])
@paginate(PageNumberPagination, page_size=50)
def recall(request, response: HttpResponse, drive_id: int, by: Date | None = None):
    """Past donors of the drive's town eligible to give whole blood again by ``by`` (the drive's
    date by default): the drive's staff only."""
    _no_store(response)
    drive = services.drive_for(request.user, drive_id, to="blood.drive.run")
    rows = services.recall_for(request.user, drive, by or drive.date)
    return [{"person_id": r["person"].pk, "name": r["person"].name,
             "neighbourhood": r["person"].neighbourhood.name if r["person"].neighbourhood else "",
             "id_number_masked": mask_id_number(r["person"].id_number), "last_donation": r["last_donation"],
             "donations": r["donations"], "eligible_on": r["eligible_on"]} for r in rows]
