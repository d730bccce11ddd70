"""Protected media of this app (lehuo/platform/media.py): a visit's photo is read by whoever may
see the visit."""

from lehuo.accounts.permissions import may

from .models import VisitPhoto


def can_read(user, path: str) -> bool:
    photo = VisitPhoto.objects.select_related("visit").filter(image=path).first()
    return photo is not None and may(user, "visits.visit.view", photo.visit)
