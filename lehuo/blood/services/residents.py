"""What a resident does on their phone: sign up for a drive and cancel (people.py), see their
own donations, units and the next date they may give (by the rules of eligibility.py), and say
they would like to join the marrow registry. Also the public side: upcoming drives."""

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lehuo.accounts.permissions import require
from lehuo.blood.eligibility import WHOLE, Facts, evaluate
from lehuo.blood.models import Donation, Drive, SignUp, StemCellInterest, StemCellSignup
from lehuo.people.models import Person
from lehuo.platform.audit import log_action
from lehuo.platform.errors import ServiceError

from .people import own_person
from .screening import active_deferrals, donor_history


def next_donation_date(person: Person, on: dt.date | None = None, kind: str = WHOLE) -> dict:
    """When ``person`` may give ``kind`` again, by history, age and deferrals (not measured):
    ``{"date": date | None, "permanent": bool, "reasons": [message]}``; date is ``on`` when
    nothing stands in the way today."""
    on = on or timezone.localdate()
    history, adverse = donor_history(person, on)
    decision = evaluate(Facts(on=on, birth_date=person.birth_date, sex=person.sex, kind=kind, history=history,
                              adverse_reaction=adverse, deferrals=active_deferrals(person, on), measured=False))
    if decision.eligible:
        return {"date": on, "permanent": False, "reasons": []}
    return {"date": decision.eligible_on, "permanent": decision.permanent,
            "reasons": [r.message for r in decision.reasons]}


def my_blood(user) -> dict:
    """A resident's own page: their sign-ups to come, donations, units, next date, registry."""
    person = own_person(user)
    if person is None:
        from lehuo.platform.errors import Forbidden

        raise Forbidden()
    require(user, "blood.record.view_own", person)
    today = timezone.localdate()
    donations = list(Donation.objects.valid().filter(person=person).select_related("drive").order_by("-donated_on"))
    signups = list(SignUp.objects.filter(person=person).exclude(status=SignUp.CANCELLED)
                   .filter(Q(drive__date__gte=today) | Q(drive__end_date__gte=today))
                   .select_related("drive").order_by("drive__date"))
    return {
        "person": person,
        "signups": signups,
        "donations": donations,
        "units": sum((d.units for d in donations), Decimal("0.00")),
        "volume_ml": sum(d.volume_ml for d in donations),
        "next": next_donation_date(person, today),
        "stem_cell": StemCellSignup.objects.valid().filter(person=person).first(),
        "interest": StemCellInterest.objects.filter(person=person, withdrawn_at__isnull=True).first(),
        "drives": upcoming_drives(person.town),
    }


def register_stem_cell_interest(user) -> StemCellInterest:
    """The resident would like to join the marrow registry: drive staff sign them up on site
    (consent, two relatives, a sample). A second wish returns the first."""
    person = own_person(user)
    if person is None:
        from lehuo.platform.errors import Forbidden

        raise Forbidden()
    require(user, "blood.stem_cell.interest", person)
    if StemCellSignup.objects.valid().filter(person=person).exists():
        raise ServiceError(_("您已登记入中华骨髓库"), "interest")
    age = person.age(timezone.localdate())
    from lehuo.blood.eligibility import rules

    r = rules()
    if age is None or not r["stem_cell_min_age"] <= age <= r["stem_cell_max_age"]:
        raise ServiceError(_("造血干细胞捐献登记年龄须在%(min)s-%(max)s周岁") % {
            "min": r["stem_cell_min_age"], "max": r["stem_cell_max_age"]}, "interest")
    existing = StemCellInterest.objects.filter(person=person, withdrawn_at__isnull=True).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            interest = StemCellInterest.objects.create(person=person)
            log_action(user, "blood.stem_cell.interest", interest, {"person": person.pk})
    except IntegrityError:  # a double tap
        return StemCellInterest.objects.get(person=person, withdrawn_at__isnull=True)
    return interest


@transaction.atomic
def withdraw_stem_cell_interest(user) -> None:
    person = own_person(user)
    if person is None:
        from lehuo.platform.errors import Forbidden

        raise Forbidden()
    require(user, "blood.stem_cell.interest", person)
    for interest in StemCellInterest.objects.select_for_update().filter(person=person, withdrawn_at__isnull=True):
        interest.withdrawn_at = timezone.now()
        interest.save(update_fields=["withdrawn_at"])
        log_action(user, "blood.stem_cell.interest_withdraw", interest, {"person": person.pk})


def stem_cell_interest_of(actor, drive: Drive, person: Person) -> StemCellInterest | None:
    """For the drive's staff on the donor's page: has this person asked to join the registry?"""
    require(actor, "blood.drive.run", drive)
    return StemCellInterest.objects.filter(person=person, withdrawn_at__isnull=True).first()


def upcoming_drives(town, limit: int = 5) -> list[Drive]:
    """Drives of ``town`` that have not ended (public: no personal data)."""
    today = timezone.localdate()
    return list(Drive.objects.filter(Q(date__gte=today) | Q(end_date__gte=today), town=town).order_by("date", "id")
                [:limit])
