"""/api/v1/blood-drives and friends (docs/api.md). Handlers parse, call a service, answer."""

import datetime as dt
from decimal import Decimal

from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from lehuo.accounts import scoping as core_scoping
from lehuo.accounts.services import town_for
from lehuo.lib.identity import mask_id_number, mask_name
from lehuo.people import services as people_services
from lehuo.people.models import Person
from lehuo.platform.api.pagination import PageNumberPagination
from lehuo.platform.api.types import Date, Int
from lehuo.platform.errors import NotFound, ServiceError
from lehuo.platform.idempotency import run_idempotent

from . import scoping, services, stats
from .models import Donation, Drive, Screening, SignUp

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
    id: int
    person_id: int
    donated_on: dt.date
    kind: str
    volume_ml: int
    units: Decimal
    bag_number: str
    certificate_number: str
    voided: bool


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


def _drive(request, drive_id: int) -> Drive:
    return scoping.get_drive_for(request.user, drive_id)


def _staff_drive(request, drive_id: int) -> Drive:
    drive = _drive(request, drive_id)
    scoping.require_drive_staff(request.user, drive)
    return drive


def _person(request, drive: Drive, person_id: int) -> Person:
    """Drive staff reach anyone of the drive's town (donors show their ID on site);
    others only the people in their scope."""
    if scoping.is_drive_staff(request.user, drive):
        person = Person.objects.filter(town=drive.town, pk=person_id).first()
        if person is None:
            raise ServiceError("人员不存在", "person_id")
        return person
    try:
        return people_services.get_person_for(request.user, person_id)
    except NotFound:
        raise ServiceError("人员不存在或不在您的负责范围", "person_id")


@router.get("/blood-drives", response=list[BloodDriveOut])
@paginate(PageNumberPagination, page_size=50)
def list_drives(request):
    return Drive.objects.filter(scoping.drive_q(request.user)).order_by("-date", "-id")


@router.post("/blood-drives", response={201: BloodDriveOut})
def create_drive(request, payload: BloodDriveIn):
    town = town_for(request.user)
    return Status(201, services.create_drive(request.user, town, **payload.dict()))


@router.get("/blood-drives/{int:drive_id}", response=BloodDriveOut)
def get_drive(request, drive_id: int):
    return _drive(request, drive_id)


@router.get("/blood-drives/{int:drive_id}/signups", response=list[SignUpOut])
@paginate(PageNumberPagination, page_size=50)
def list_signups(request, drive_id: int, status: str = ""):
    drive = _drive(request, drive_id)
    qs = SignUp.objects.filter(drive=drive).filter(scoping.people_q(request.user, drive)).select_related("person")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("created_at", "id")


@router.post("/blood-drives/{int:drive_id}/signups", response={201: SignUpOut})
def create_signup(request, drive_id: int, payload: SignUpIn):
    drive = _drive(request, drive_id)
    person = _person(request, drive, payload.person_id)
    return Status(201, services.sign_up(request.user, drive, person, time_slot=payload.time_slot,
                                        source=payload.source))


@router.post("/blood-signups/{int:signup_id}/cancel", response=SignUpOut)
def cancel_signup(request, signup_id: int):
    signup = SignUp.objects.select_related("drive", "person").filter(pk=signup_id).first()
    if signup is None or not Drive.objects.filter(scoping.drive_q(request.user), pk=signup.drive_id).exists():
        raise NotFound()
    if not SignUp.objects.filter(pk=signup.pk).filter(scoping.people_q(request.user, signup.drive)).exists():
        raise NotFound()
    return services.cancel_signup(request.user, signup)


@router.post("/blood-drives/{int:drive_id}/checkins", response=SignUpOut)
def check_in(request, drive_id: int, payload: PersonRef):
    drive = _staff_drive(request, drive_id)
    return services.check_in(request.user, drive, _person(request, drive, payload.person_id))


def _screening_body(screening: Screening, decision) -> dict:
    return {"id": screening.pk, "eligible": decision.eligible, "reasons": [r.as_dict() for r in decision.reasons],
            "deferred_until": None if decision.eligible else (decision.eligible_on.isoformat() if decision.eligible_on else None),
            "eligible_on": decision.eligible_on.isoformat() if decision.eligible_on else None,
            "permanent": decision.permanent}


@router.post("/blood-drives/{int:drive_id}/screenings", response={201: ScreeningOut})
def create_screening(request, drive_id: int, payload: ScreeningIn):
    drive = _staff_drive(request, drive_id)
    person = _person(request, drive, payload.person_id)
    data = payload.dict()
    data.pop("person_id")

    def create():
        screening, decision = services.screen_donor(request.user, drive, person, **data)
        return 201, _screening_body(screening, decision)

    code, body = run_idempotent(request.user, request.headers.get("Idempotency-Key"),
                                f"blood.screening:{drive.pk}", create)
    return Status(code, body)


@router.get("/blood-screenings/{int:screening_id}")
def get_screening(request, screening_id: int):
    """Screening details (health data): drive staff only, every view logged."""
    screening = Screening.objects.select_related("drive").filter(pk=screening_id).first()
    if screening is None or not Drive.objects.filter(scoping.drive_q(request.user), pk=screening.drive_id).exists():
        raise NotFound()
    return services.view_screening(request.user, screening)


@router.post("/blood-screenings/{int:screening_id}/void")
def void_screening(request, screening_id: int, payload: BloodVoidIn):
    screening = Screening.objects.select_related("drive").filter(pk=screening_id).first()
    if screening is None or not Drive.objects.filter(scoping.drive_q(request.user), pk=screening.drive_id).exists():
        raise NotFound()
    services.void_screening(request.user, screening, payload.reason)
    return {"id": screening.pk, "voided": True}


@router.get("/blood-drives/{int:drive_id}/donations", response=list[BloodDonationOut])
@paginate(PageNumberPagination, page_size=50)
def list_donations(request, drive_id: int):
    drive = _drive(request, drive_id)
    return Donation.objects.filter(drive=drive).filter(scoping.people_q(request.user, drive)).order_by("id")


@router.post("/blood-drives/{int:drive_id}/donations", response={201: BloodDonationOut})
def create_donation(request, drive_id: int, payload: BloodDonationIn):
    drive = _staff_drive(request, drive_id)
    person = _person(request, drive, payload.person_id)

    def create():
        d = services.record_donation(request.user, drive, person, volume_ml=payload.volume_ml,
                                     bag_number=payload.bag_number, certificate_number=payload.certificate_number)
        return 201, {"id": d.pk, "person_id": d.person_id, "donated_on": d.donated_on.isoformat(), "kind": d.kind,
                     "volume_ml": d.volume_ml, "units": str(d.units), "bag_number": d.bag_number,
                     "certificate_number": d.certificate_number, "voided": False}

    code, body = run_idempotent(request.user, request.headers.get("Idempotency-Key"),
                                f"blood.donation:{drive.pk}", create)
    return Status(code, body)


@router.post("/blood-donations/{int:donation_id}/void", response=BloodDonationOut)
def void_donation(request, donation_id: int, payload: BloodVoidIn):
    donation = Donation.objects.select_related("drive", "person").filter(pk=donation_id).first()
    if donation is None or (donation.drive_id and not Drive.objects.filter(
            scoping.drive_q(request.user), pk=donation.drive_id).exists()):
        raise NotFound()
    return services.void_donation(request.user, donation, payload.reason)


@router.post("/blood-drives/{int:drive_id}/stem-cell-signups", response={201: StemCellOut})
def create_stem_cell_signup(request, drive_id: int, payload: StemCellIn):
    drive = _staff_drive(request, drive_id)
    person = _person(request, drive, payload.person_id)

    def create():
        s = services.sign_up_stem_cell(request.user, drive, person, consent=payload.consent,
                                       relatives=[r.dict() for r in payload.relatives],
                                       sample_taken=payload.sample_taken)
        return 201, {"id": s.pk, "person_id": s.person_id, "signed_on": s.signed_on.isoformat(),
                     "sample_taken": s.sample_taken}

    code, body = run_idempotent(request.user, request.headers.get("Idempotency-Key"),
                                f"blood.stem_cell:{drive.pk}", create)
    return Status(code, body)


@router.get("/blood-drives/{int:drive_id}/stats")
def drive_stats(request, drive_id: int):
    """Aggregates only: any staff member who may see the drive."""
    drive = _drive(request, drive_id)
    return stats.drive_stats(drive)


@router.get("/blood-recall", response=list[RecallOut])
@paginate(PageNumberPagination, page_size=50)
def recall(request, by: Date):
    """Past donors eligible to give whole blood again by ``by`` (scoped to the people one may see)."""
    if not core_scoping.is_staff_member(request.user):
        raise ServiceError("无权访问", code="forbidden")
    rows = stats.recall_list(Person.objects.for_user(request.user), by)
    return [{"person_id": r["person"].pk, "name": r["person"].name,
             "neighbourhood": r["person"].neighbourhood.name if r["person"].neighbourhood else "",
             "id_number_masked": mask_id_number(r["person"].id_number), "last_donation": r["last_donation"],
             "donations": r["donations"], "eligible_on": r["eligible_on"]} for r in rows]
