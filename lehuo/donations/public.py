"""The donations module facing residents and the public: the disclosure (公示) the Charity Law
asks of a drive, the vouchers of its handovers, a resident's own gifts and acknowledgements,
the open drives on the town home. No personal data leaves here without the donor's consent."""

from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lehuo.accounts.permissions import require, scope_q
from lehuo.people.models import Person
from lehuo.platform.audit import log_action
from lehuo.platform.errors import Forbidden, NotFound

from . import stats
from .models import CHANNELS, Donation, Drive, Handover
from .services import get_drive_for, money


def disclosure(actor, pk) -> tuple[Drive, object, dict]:
    """(drive, its valid donations in date order, the public figures): totals by channel and
    the handovers to the charity. Donors show as ``Donation.public_name``."""
    drive = get_drive_for(actor, pk, to="donations.drive.disclosure")
    rows = (Donation.objects.filter(drive=drive, voided_at__isnull=True)
            .select_related("person", "organisation").order_by("received_on", "id"))
    s = stats.drive_stats(drive)
    figures = {
        "total": s["total"], "donations": s["donations"], "people": s["people"], "organisations": s["organisations"],
        "by_channel": [(str(label), s["by_channel"].get(code)) for code, label in CHANNELS if code in drive.channels],
        "handovers": list(Handover.objects.filter(drive=drive, voided_at__isnull=True).order_by("handed_on", "id")),
    }
    figures["handed_over"] = sum((h.amount for h in figures["handovers"]), Decimal("0.00"))
    return drive, rows, figures


def handover_voucher(actor, pk) -> Handover:
    handover = Handover.objects.filter(scope_q(actor, "donations.handover.voucher"), pk=pk).select_related(
        "drive").first() if str(pk).isdigit() else None
    if handover is None or not handover.voucher:
        raise NotFound()
    return handover


def acknowledgement(actor, donation: Donation) -> dict:
    """The acknowledgement letter's content (logged: it names the donor)."""
    require(actor, "donations.donation.acknowledge", donation)
    if donation.voided_at:
        raise NotFound()
    by = donation.recorded_by
    handler = (by.get_full_name() or by.username) if by else ""
    log_action(actor, "donation.acknowledgement", donation, {})
    return {"d": donation, "drive": donation.drive, "handler": handler, "today": timezone.localdate()}


def my_donations(user) -> dict:
    """A resident's own gifts (valid ones) with their receipt numbers and acknowledgements."""
    person = (Person.objects.filter(account=user, erased_at__isnull=True).select_related("town").first()
              if getattr(user, "is_authenticated", False) else None)
    if person is None:
        raise Forbidden()
    require(user, "donations.donation.view_own", person)
    gifts = list(Donation.objects.filter(scope_q(user, "donations.donation.acknowledge"), person=person,
                                         voided_at__isnull=True).select_related("drive").order_by("-received_on", "-id"))
    return {"person": person, "gifts": gifts, "total": sum((g.amount for g in gifts), Decimal("0.00")),
            "drives": open_drives(person.town)}


def open_drives(town) -> list[Drive]:
    today = timezone.localdate()
    return list(Drive.objects.filter(town=town, starts_on__lte=today, ends_on__gte=today).select_related("organiser")
                .order_by("ends_on", "id"))


def public_home(town) -> list[dict]:
    """Open drives of ``town`` for the town home (aggregates only), each linking to its
    disclosure when that is public."""
    cards = []
    for drive in open_drives(town):
        s = stats.drive_stats(drive)
        lines = [_("%(start)s至%(end)s · 主办：%(org)s") % {"start": f"{drive.starts_on:%Y-%m-%d}",
                                                      "end": f"{drive.ends_on:%Y-%m-%d}", "org": drive.organiser.name},
                 _("已有%(n)s笔捐款，合计%(total)s元") % {"n": s["donations"], "total": money(s["total"])}]
        if drive.purpose:
            lines.insert(0, drive.purpose[:120])
        cards.append({"title": _("募捐：%(title)s") % {"title": drive.title}, "lines": lines, "when": drive.ends_on,
                      "url": reverse("donations:disclosure", args=[drive.pk]) if drive.disclosure_public else "",
                      "action": _("查看公示") if drive.disclosure_public else "", "kind": "donations"})
    return cards


def links(person) -> list[dict]:
    """On the resident home: one's own gifts and receipts."""
    return [{"title": _("我的捐款"), "url": reverse("donations:mine"), "description": _("本人的捐款、票据号和致谢函")}]


__all__ = ["acknowledgement", "disclosure", "handover_voucher", "my_donations", "open_drives", "public_home"]
