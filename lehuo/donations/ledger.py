"""The offline ledger's donor lookup and the reconciliation of donations against handovers
(汇缴), for the entry form and the reconciliation page; through the policy like every service."""

from decimal import Decimal

from django.db.models import Count, Sum

from lehuo.accounts.permissions import require
from lehuo.lib.identity import IdentityError, normalise_phone
from lehuo.people.models import Person
from lehuo.people.services import find_person_by_id_number
from lehuo.platform.crypto import keyed_hash

from .models import CHANNELS, Donation, Drive, Handover


def find_donor_person(actor, drive: Drive, *, id_number: str = "", name: str = "", phone: str = "") -> Person | None:
    """The resident of the drive's town a ledger line names: by ID number, or by name and
    mobile number together (what a paper ledger holds)."""
    require(actor, "donations.drive.record", drive)
    if id_number:
        return find_person_by_id_number(drive.town, id_number)
    if name and phone:
        try:
            h = keyed_hash(normalise_phone(phone))
        except IdentityError:
            return None
        return Person.objects.filter(town=drive.town, phone_hash=h, name=name.strip()).first()
    return None


def reconciliation(actor, drive: Drive) -> tuple[list[dict], list]:
    """Per channel: donations (not voided) against handovers (not voided), with the difference;
    and the offline donations by collecting neighbourhood. Town admins (``drive.manage``)."""
    require(actor, "donations.drive.manage", drive)
    given = dict(Donation.objects.filter(drive=drive, voided_at__isnull=True).values("channel")
                 .annotate(t=Sum("amount")).values_list("channel", "t"))
    handed = dict(Handover.objects.filter(drive=drive, voided_at__isnull=True).values("channel")
                  .annotate(t=Sum("amount")).values_list("channel", "t"))
    rows = []
    for code, label in CHANNELS:
        if code not in drive.channels:
            continue
        d, h = given.get(code) or Decimal(0), handed.get(code) or Decimal(0)
        rows.append({"channel": code, "label": str(label), "donations": d, "handovers": h, "difference": d - h})
    by_nbh = list(Donation.objects.filter(drive=drive, voided_at__isnull=True, channel="offline")
                  .values("neighbourhood__name").annotate(total=Sum("amount"), n=Count("id"))
                  .order_by("neighbourhood__name"))
    return rows, by_nbh
