"""Who may see and run which blood drive. Built on core's scoping (the one place scope rules live).

- Drive staff: programme staff assigned to the drive through core's ``Assignment``, and the
  town admins. Only they run the on-site flow and read screening details (health data,
  PIPL art. 28); every read of screening details is logged.
- Other staff of the town (social workers, viewers, editors): the drive and its aggregate
  figures; sign-ups and donor lists only of the people they may see (their neighbourhoods).
- Programme staff not assigned to a drive (e.g. the instructor): nothing of it.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from lehuo.accounts import scoping
from lehuo.accounts.models import PROGRAMME_STAFF, Assignment
from lehuo.platform.errors import NotFound, ServiceError


def _drive_ct():
    from .models import Drive

    return ContentType.objects.get_for_model(Drive)


def assigned_drive_ids(user) -> set[int]:
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_blood_drive_ids", None)
    if cached is None:
        cached = set(Assignment.objects.filter(user=user, content_type=_drive_ct()).values_list("object_id", flat=True))
        user._blood_drive_ids = cached
    return cached


def forget(user) -> None:
    if hasattr(user, "_blood_drive_ids"):
        delattr(user, "_blood_drive_ids")



def drive_q(user) -> Q:
    """Drives the user may see (drives themselves hold no personal data)."""
    if not getattr(user, "is_authenticated", False) or not scoping.is_staff_member(user):
        return Q(pk__in=[])
    town = scoping.town_q(user, "town")
    if scoping.roles(user) - {PROGRAMME_STAFF} or getattr(user, "is_superuser", False):
        return town
    return Q(pk__in=assigned_drive_ids(user)) & town


def is_drive_staff(user, drive) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    if scoping.is_town_wide(user) and drive.town_id in (scoping.town_ids(user) or set()):
        return True
    return drive.pk in assigned_drive_ids(user)


def is_blood_staff(user) -> bool:
    """Town admins, or programme staff assigned to at least one drive."""
    return scoping.is_town_wide(user) or bool(assigned_drive_ids(user))


def get_drive_for(user, pk=None, *, slug=None):
    from .models import Drive

    qs = Drive.objects.filter(drive_q(user))
    try:
        return qs.get(slug=slug) if slug is not None else qs.get(pk=pk)
    except (Drive.DoesNotExist, ValueError, TypeError):
        raise NotFound()


def require_drive_staff(user, drive) -> None:
    if not is_drive_staff(user, drive):
        raise ServiceError("只有本次献血活动的工作人员可以进行此操作或查看体检信息", code="forbidden")


def people_q(user, drive, prefix: str = "person__") -> Q:
    """Rows of ``drive`` (sign-ups, donations) the user may see."""
    if is_drive_staff(user, drive):
        return Q()
    return scoping.person_scope_q(user, prefix)
