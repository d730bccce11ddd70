"""Blood donations: recorded at a drive or from before, voided, adverse reactions."""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lehuo.accounts.permissions import require
from lehuo.blood import aggregates
from lehuo.blood.eligibility import PLATELETS, WHOLE, rules
from lehuo.blood.models import Donation, Drive, Screening, SignUp
from lehuo.people.models import Person
from lehuo.platform.audit import log_action
from lehuo.platform.errors import ServiceError

from ._common import _drive_day, _text


def units_for(volume_ml: int) -> Decimal:
    """1 U = 200 ml of whole blood: 300 ml = 1.5 U."""
    return (Decimal(volume_ml) / Decimal(rules()["ml_per_unit"])).quantize(Decimal("0.01"))


def _volume(volume_ml) -> int:
    allowed = rules()["volumes_ml"]
    try:
        volume = int(str(volume_ml).strip())
    except (TypeError, ValueError):
        raise ServiceError(_("献血量须为%(volumes)s毫升") % {"volumes": "/".join(map(str, allowed))}, "volume_ml")
    if volume not in allowed:
        raise ServiceError(_("献血量%(volume)s毫升不允许，须为%(volumes)s毫升") % {
            "volume": volume, "volumes": "/".join(map(str, allowed))}, "volume_ml")
    return volume


def record_donation(actor, drive: Drive, person: Person, *, volume_ml, bag_number: str = "",
                    certificate_number: str = "", kind: str = WHOLE, on: dt.date | None = None) -> Donation:
    """Record blood given at the drive. Needs a passing screening that day for this drive.
    A repeat of the same donation (same day, volume, bag) returns the first one."""
    require(actor, "blood.drive.run", drive)
    on = _drive_day(drive, on)
    if kind not in (WHOLE, PLATELETS):
        raise ServiceError(_("献血类型不正确"), "kind")
    if kind == WHOLE:
        volume = _volume(volume_ml)
        units = units_for(volume)
    else:  # platelets are counted in therapeutic doses (治疗量), 1 or 2
        volume, units = 0, Decimal(str(volume_ml or 1))
        if units not in (Decimal(1), Decimal(2)):
            raise ServiceError(_("单采血小板须为1或2个治疗量"), "volume_ml")
    bag_number = _text(bag_number, "bag_number", _("血袋号"), required=False, max_length=30)
    certificate_number = _text(certificate_number, "certificate_number", _("献血证号"), required=False, max_length=30)
    with transaction.atomic():
        # Lock the person's row so two desks cannot record the same donor twice at once.
        Person.objects.select_for_update().filter(pk=person.pk).first()
        existing = Donation.objects.valid().filter(person=person, donated_on=on).first()
        if existing:
            if (existing.drive_id == drive.pk and existing.volume_ml == volume and existing.kind == kind
                    and existing.bag_number == bag_number):
                return existing
            raise ServiceError(_("该献血者今天已登记献血，不能重复登记"), "person_id", code="duplicate")
        screening = (Screening.objects.valid().filter(drive=drive, person=person, screened_on=on)
                     .order_by("-screened_at", "-id").first())
        if screening is None:
            raise ServiceError(_("该献血者今天尚未在本次活动体检，不能登记献血"), "person_id")
        if not screening.eligible:
            raise ServiceError(_("该献血者今天体检未通过，不能登记献血"), "person_id")
        donation = Donation.objects.create(
            drive=drive, person=person, screening=screening, donated_on=on, kind=kind, volume_ml=volume,
            units=units, bag_number=bag_number, certificate_number=certificate_number,
            created_by=actor if getattr(actor, "is_authenticated", False) else None)
        SignUp.objects.filter(drive=drive, person=person).update(status=SignUp.DONATED)
        aggregates.refresh(drive.pk, person.pk)
        log_action(actor, "blood.donation.create", donation,
                   {"drive": drive.pk, "person": person.pk, "volume_ml": volume, "units": units})
    return donation


@transaction.atomic
def record_past_donation(actor, person: Person, *, donated_on: dt.date, volume_ml, kind: str = WHOLE,
                         place: str = "", drive: Drive | None = None) -> Donation:
    """A donation made elsewhere or before Lehuo (献血屋, the blood centre), from the donor's
    certificate: it counts for intervals, recall and awards. Town admins only."""
    if drive is not None:
        require(actor, "blood.drive.run", drive)
    else:
        require(actor, "blood.drive.create", person.town)  # town admins
    if donated_on > timezone.localdate():
        raise ServiceError(_("献血日期不能晚于今天"), "donated_on")
    if kind == WHOLE:
        volume = _volume(volume_ml)
        units = units_for(volume)
    elif kind == PLATELETS:
        volume, units = 0, Decimal(str(volume_ml or 1))
    else:
        raise ServiceError(_("献血类型不正确"), "kind")
    aggregates.lock_person(person.pk)
    donation = Donation.objects.create(person=person, drive=drive, donated_on=donated_on, kind=kind, volume_ml=volume,
                                       units=units, place=_text(place, "place", _("献血地点"), required=False),
                                       created_by=actor if getattr(actor, "is_authenticated", False) else None)
    aggregates.refresh(donation.drive_id, person.pk)
    log_action(actor, "blood.donation.import", donation, {"person": person.pk, "volume_ml": volume})
    return donation


@transaction.atomic
def void_donation(actor, donation: Donation, reason: str) -> Donation:
    require(actor, "blood.donation.void", donation)
    aggregates.lock_person(donation.person_id)
    reason = _text(reason, "reason", _("作废原因"), max_length=200)
    if donation.voided_at:
        raise ServiceError(_("该献血记录已作废"), "reason")
    donation.voided_at, donation.void_reason = timezone.now(), reason
    donation.save(update_fields=["voided_at", "void_reason"])
    if donation.drive_id and not Donation.objects.valid().filter(drive=donation.drive, person=donation.person).exists():
        SignUp.objects.filter(drive=donation.drive, person=donation.person).update(status=SignUp.SCREENED)
    aggregates.refresh(donation.drive_id, donation.person_id)
    log_action(actor, "blood.donation.void", donation, {"reason": reason})
    return donation


@transaction.atomic
def record_adverse_reaction(actor, donation: Donation) -> Donation:
    """A reaction during or after donation: the donor then counts as first-time for the age limit."""
    require(actor, "blood.donation.void", donation)
    donation.adverse_reaction = True
    donation.save(update_fields=["adverse_reaction"])
    log_action(actor, "blood.donation.adverse_reaction", donation, {})
    return donation
