"""People at the drive: finding and registering donors, sign-ups, check-in."""

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from lehuo.accounts.permissions import may, require, scope_q
from lehuo.blood import aggregates
from lehuo.blood.models import Drive, SignUp
from lehuo.lib.identity import IdentityError, parse_id_number
from lehuo.lib.labels import list_separator
from lehuo.people import services as people_services
from lehuo.people.models import Person
from lehuo.people.services import find_person_by_id_number
from lehuo.platform.audit import log_action
from lehuo.platform.errors import NotFound, ServiceError


def find_donor(actor, drive: Drive, id_number: str) -> Person | None:
    """The person holding this ID number in the drive's town (they show it on site)."""
    require(actor, "blood.drive.run", drive)
    try:
        parse_id_number(id_number)
    except IdentityError as exc:
        raise ServiceError(str(exc), "id_number")
    return find_person_by_id_number(drive.town, id_number)


@transaction.atomic
def register_donor(actor, drive: Drive, *, id_number: str, name: str, phone: str = "",
                   neighbourhood=None) -> Person:
    """Register a walk-in donor by ID number (they show it on site). Donors may come from
    anywhere, so drive staff register people outside any neighbourhood scope; every other rule
    is the register's own, every refusal reported at once."""
    require(actor, "blood.donor.register", drive)
    return people_services.create_person(
        actor, drive.town, checked_by="blood.donor.register", required_fields=("id_number",),
        name=name, id_number=id_number, phone=phone, neighbourhood=neighbourhood)


@transaction.atomic
def sign_up(actor, drive: Drive, person: Person, *, time_slot: str = "", source: str = "committee",
            organisation=None) -> SignUp:
    """A volunteer signs up (idempotent: a second sign-up returns the first, reviving a cancelled one).
    Drive staff sign up anyone; a social worker signs up the people of their neighbourhoods."""
    require(actor, "blood.signup.add", drive)
    if person.town_id != drive.town_id:
        raise ServiceError(_("人员不属于本镇"), "person_id")
    # Drive staff sign up anyone of the town; a social worker the people of their neighbourhoods.
    require(actor, "blood.signup.create", SignUp(drive=drive, person=person))
    time_slot = (time_slot or "").strip()
    if time_slot and drive.time_slots and time_slot not in drive.time_slots:
        raise ServiceError(_("时段须为：%(slots)s") % {"slots": list_separator().join(drive.time_slots)}, "time_slot")
    if source not in dict(SignUp.SOURCES):
        raise ServiceError(_("报名来源不正确"), "source")
    # The person's row first: a second desk (or a double tap) signing the same person up at the
    # same moment waits here, then finds the first one's sign-up below instead of inserting a
    # second row into the unique (drive, person) constraint.
    aggregates.lock_person(person.pk)
    existing = SignUp.objects.select_for_update().filter(drive=drive, person=person).first()
    if existing:
        if existing.status == SignUp.CANCELLED:
            existing.status = SignUp.SIGNED_UP
            existing.time_slot = time_slot or existing.time_slot
            existing.save(update_fields=["status", "time_slot"])
            aggregates.refresh(drive.pk, person.pk)
        return existing
    signup = SignUp.objects.create(drive=drive, person=person, time_slot=time_slot, source=source,
                                   organisation=organisation,
                                   created_by=actor if getattr(actor, "is_authenticated", False) else None)
    aggregates.refresh(drive.pk, person.pk)
    log_action(actor, "blood.signup.create", signup, {"drive": drive.pk, "person": person.pk})
    return signup


def sign_up_self(user, drive: Drive, *, time_slot: str = "") -> SignUp:
    """A resident signs themself up on their phone (resident page)."""
    require(user, "blood.signup.self", drive)
    person = own_person(user)
    if person is None or person.town_id != drive.town_id:
        raise ServiceError(_("您的账号尚未关联本镇居民信息，请联系居委会报名"), "drive")
    if drive.last_date < timezone.localdate():
        raise ServiceError(_("该献血活动已结束"), "drive")
    with transaction.atomic():
        aggregates.lock_person(person.pk)  # a double tap waits here, then finds the first sign-up
        existing = SignUp.objects.filter(drive=drive, person=person).first()
        if existing and existing.status != SignUp.CANCELLED:
            return existing
        slot = (time_slot or "").strip()
        if slot and drive.time_slots and slot not in drive.time_slots:
            raise ServiceError(_("时段须为：%(slots)s") % {"slots": list_separator().join(drive.time_slots)}, "time_slot")
        if existing:
            existing.status, existing.time_slot = SignUp.SIGNED_UP, slot
            existing.save(update_fields=["status", "time_slot"])
            aggregates.refresh(drive.pk, person.pk)
            log_action(user, "blood.signup.self", existing, {"drive": drive.pk})
            return existing
        signup = SignUp.objects.create(drive=drive, person=person, time_slot=slot, source="self", created_by=user)
        aggregates.refresh(drive.pk, person.pk)
        log_action(user, "blood.signup.self", signup, {"drive": drive.pk})
        return signup


@transaction.atomic
def cancel_signup(actor, signup: SignUp) -> SignUp:
    require(actor, "blood.signup.cancel", signup)
    aggregates.lock_person(signup.person_id)
    if signup.status == SignUp.CANCELLED:
        return signup
    if signup.status != SignUp.SIGNED_UP and not may(actor, "blood.drive.run", signup.drive):
        raise ServiceError(_("已到场的报名请联系现场工作人员"), "status")
    if signup.status == SignUp.DONATED:
        raise ServiceError(_("已献血的报名不能取消"), "status")
    signup.status = SignUp.CANCELLED
    signup.save(update_fields=["status"])
    aggregates.refresh(signup.drive_id, signup.person_id)
    log_action(actor, "blood.signup.cancel", signup, {})
    return signup


def check_in(actor, drive: Drive, person: Person, *, at=None) -> SignUp:
    """The person arrives: they join the queue (a walk-in is signed up on the spot).
    Queue numbers are unique per drive: the desks take them one at a time under the drive's row.

    Locks, in this order: the person (``lock_person``, as every blood write of a person does
    first), then the drive's row ``FOR NO KEY UPDATE``. That mode does not conflict with the
    ``FOR KEY SHARE`` PostgreSQL takes on the drive when another desk inserts a sign-up,
    screening or donation of the drive, so those never queue behind a check-in; with
    ``FOR UPDATE`` taken before the person, a check-in and a sign-up (or screening) of the same
    person at the same moment deadlocked, and a queued check-in made the other desks' inserts
    wait behind it into a deadlock as well."""
    require(actor, "blood.drive.run", drive)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                aggregates.lock_person(person.pk)
                # One desk at a time hands out numbers for this drive (a short row lock).
                Drive.objects.select_for_update(no_key=True).filter(pk=drive.pk).first()
                signup = SignUp.objects.select_for_update().filter(drive=drive, person=person).first()
                if signup is None:
                    signup = sign_up(actor, drive, person, source="walk_in")
                if signup.queue_number:
                    return signup
                top = SignUp.objects.filter(drive=drive).aggregate(n=Max("queue_number"))["n"] or 0
                signup.queue_number = top + 1
                signup.arrived_at = at or timezone.now()
                if signup.status in (SignUp.SIGNED_UP, SignUp.CANCELLED):
                    # Never back: a doctor may have screened them (another desk) before this
                    # check-in took the person's lock; the result stays.
                    signup.status = SignUp.ARRIVED
                signup.save(update_fields=["queue_number", "arrived_at", "status"])
                return signup
        except IntegrityError:
            continue
    raise ServiceError(_("签到繁忙，请重试"), code="busy")


def own_person(user) -> Person | None:
    """The person of the register a resident's account is linked to (real-name link)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Person.objects.filter(account=user, erased_at__isnull=True).select_related("town").first()


def signups_for(actor, drive: Drive):
    """The sign-ups of ``drive`` the actor may see (drive staff: all; social workers: their
    neighbourhoods' people)."""
    require(actor, "blood.drive.view", drive)
    return SignUp.objects.filter(drive=drive).filter(scope_q(actor, "blood.signup.view"))


def signup_for(actor, pk, *, to: str = "blood.signup.view") -> SignUp:
    try:
        signup = (SignUp.objects.filter(scope_q(actor, "blood.signup.view")).select_related("drive", "person")
                  .filter(pk=pk).first())
    except (ValueError, TypeError, OverflowError):
        signup = None
    if signup is None:
        raise NotFound()
    if to != "blood.signup.view":
        require(actor, to, signup)
    return signup


def person_at_drive(actor, drive: Drive, person_id) -> Person:
    """A person the actor may act on at ``drive``: drive staff reach anyone of the drive's town
    (donors show their ID on site), social workers the people of their neighbourhoods. One
    message for absent and out of scope."""
    from lehuo.people.services import get_person_for

    if may(actor, "blood.drive.run", drive):
        person = Person.objects.filter(town=drive.town, pk=person_id).first() if str(person_id).isdigit() else None
    else:
        try:
            person = get_person_for(actor, person_id)
        except NotFound:
            person = None
    if person is None or person.town_id != drive.town_id:
        raise ServiceError(_("人员不存在或不在您的负责范围"), "person_id")
    return person


def sign_up_by_id_number(actor, drive: Drive, id_number: str, *, time_slot: str = "") -> SignUp:
    """Staff sign up a volunteer by ID number (the sign-ups page). A social worker finds only
    the people of their neighbourhoods; the message is the same whether the number is absent
    or out of their scope."""
    require(actor, "blood.signup.add", drive)
    number = (id_number or "").strip()
    if not number:
        raise ServiceError(_("请填写证件号码"), "id_number")
    try:
        parse_id_number(number)
    except IdentityError as exc:
        raise ServiceError(str(exc), "id_number")
    person = find_person_by_id_number(drive.town, number)
    if person is not None and not may(actor, "blood.drive.run", drive) and not may(
            actor, "blood.signup.create", SignUp(drive=drive, person=person)):
        person = None
    if person is None:
        raise ServiceError(_("未找到该证件号码对应的居民（新居民请先登记）"), "id_number")
    return sign_up(actor, drive, person, time_slot=time_slot)
