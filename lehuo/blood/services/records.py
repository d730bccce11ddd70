"""Reading the blood module's records through the policy: a drive's donations and figures, one
screening or donation, the recall list, a resident's own records."""

import datetime as dt

from django.utils import timezone

from lehuo.accounts.permissions import may, require, scope_q
from lehuo.blood import stats
from lehuo.blood.models import Donation, Drive, Screening
from lehuo.people.models import Person
from lehuo.platform.errors import NotFound


def _one(qs, pk):
    try:
        obj = qs.filter(pk=pk).first()
    except (ValueError, TypeError, OverflowError):
        obj = None
    if obj is None:
        raise NotFound()
    return obj


def screening_for(actor, pk) -> Screening:
    """A screening for drive staff (health data): Forbidden (403) for other staff who see its
    drive, NotFound (404) for everyone else."""
    screening = _one(Screening.objects.select_related("drive", "person"), pk)
    require(actor, "blood.screening.view", screening)
    return screening


def donation_for(actor, pk, *, to: str = "blood.donation.view") -> Donation:
    donation = _one(Donation.objects.filter(scope_q(actor, "blood.donation.view")).select_related("drive", "person"), pk)
    if to != "blood.donation.view":
        require(actor, to, donation)
    return donation


def donations_for(actor, drive: Drive):
    """The donations of ``drive`` the actor may see (drive staff: all; social workers: their
    neighbourhoods' donors)."""
    require(actor, "blood.drive.view", drive)
    return Donation.objects.filter(drive=drive).filter(scope_q(actor, "blood.donation.view"))


def drive_figures(actor, drive: Drive) -> dict:
    """The drive's aggregate figures; health counts under 5 (deferrals and their reasons) as
    "<5" for those who may not read health data (docs/security.md)."""
    require(actor, "blood.drive.view", drive)
    figures = stats.drive_stats(drive)
    if may(actor, "blood.health.view", drive):
        return figures
    return stats.suppress_small_health_counts(figures)


def recall_for(actor, drive: Drive, by: dt.date | None = None) -> list[dict]:
    """Past donors of the drive's town who may give whole blood again by ``by``: the invitation
    list of the drive, for its staff only (finding 6)."""
    require(actor, "blood.drive.run", drive)
    return stats.recall_list(Person.objects.filter(town=drive.town), by or timezone.localdate())


def award_progress_for(actor, drive: Drive) -> list[dict]:
    require(actor, "blood.drive.run", drive)
    return stats.award_progress(Person.objects.filter(town=drive.town))


def list_figures(actor, drives) -> dict[int, dict]:
    """The drive list's columns, for drives the actor may see (aggregates, no health counts)."""
    seen = set(Drive.objects.filter(scope_q(actor, "blood.drive.view"), pk__in=[d.pk for d in drives])
               .values_list("pk", flat=True))
    return stats.list_figures([d for d in drives if d.pk in seen])
