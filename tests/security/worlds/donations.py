"""The donations module's records: drive A (its disclosure public) and drive B (not public),
each with a donation collected by a neighbourhood (A: 绿十一, by the resident persona, who agreed
to be named; B: 虹九, by another family's parent) and a handover with a voucher."""

import datetime as dt

from django.core.files.base import ContentFile

from lehuo.donations import services
from lehuo.people.models import Organisation

VOUCHER = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def build(world) -> None:
    admin = world.admin
    charity = Organisation.objects.create(town=world.town, name="矩阵慈善基金会", kind="charity")
    start = dt.date.today() - dt.timedelta(days=10)
    drives, gifts, handovers = [], [], []
    for relation, person, nbh in (("a", world.parent_person, world.lv11), ("b", world.other_parent, world.hj9)):
        drive = services.create_drive(admin, world.town, slug=f"mx-gift-{relation}", title=f"矩阵募捐{relation}",
                                      organiser=charity, starts_on=start, ends_on=start + dt.timedelta(days=40),
                                      disclosure_public=relation == "a")
        gift, _created = services.record_donation(admin, drive, amount="200.00", channel="offline", person=person,
                                                  received_on=start, neighbourhood=nbh, named_consent=True,
                                                  reference=f"mx-{relation}")
        handover = services.record_handover(admin, drive, channel="offline", amount="200.00", handed_on=start,
                                            voucher_number=f"V-{relation}", neighbourhood=nbh,
                                            voucher=ContentFile(VOUCHER, name="voucher.pdf"))
        drives.append(drive)
        gifts.append(gift)
        handovers.append(handover)
    world.add("donations.Drive", *drives)
    world.add("donations.Donation", *gifts)
    world.add("donations.Handover", *handovers)
    world.bodies.update({
        "POST /api/v1/donation-drives": {"slug": "mx-new", "title": "矩阵新募捐", "organiser_id": charity.pk,
                                         "starts_on": start.isoformat(), "ends_on": start.isoformat()},
        "POST /api/v1/donation-drives/{drive_id}/donations": {
            "amount": "10.00", "channel": "offline", "received_on": start.isoformat(), "donor_name": "矩阵捐赠人",
            "neighbourhood_id": world.lv11.pk},
        "POST /api/v1/donations/{donation_id}/void": {"reason": "矩阵"},
        "POST /api/v1/donations/{donation_id}/receipt": {"receipt_number": "R-1"},
        "POST /api/v1/donation-drives/{drive_id}/handovers": {"channel": "offline", "amount": "1.00",
                                                              "handed_on": start.isoformat()},
        "donations:donation_void": {"reason": "矩阵"},
        "donations:donation_receipt": {"receipt_number": "R-1"},
    })
