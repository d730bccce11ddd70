"""What the blood module declares to the permission module (lehuo/accounts/permissions.py)."""

from django.utils.translation import gettext_lazy as _

from lehuo.accounts.models import EDITOR, PROGRAMME_STAFF, SOCIAL_WORKER, TOWN_ADMIN, VIEWER
from lehuo.accounts.permissions import ASSIGNED, OWN, RESIDENT, TOWN, Action, Grant, Scoped

DRIVE_STAFF = (Grant(TOWN_ADMIN, TOWN), Grant(PROGRAMME_STAFF, ASSIGNED))

ACTIONS = (
    Action("blood.drive.view", "blood.Drive",
           (*(Grant(role, TOWN) for role in (TOWN_ADMIN, SOCIAL_WORKER, EDITOR, VIEWER)), Grant(PROGRAMME_STAFF, ASSIGNED)),
           label=_("查看献血活动及其统计")),
    Action("blood.drive.run", "blood.Drive", DRIVE_STAFF, label=_("献血现场：登记、体检、采血、骨髓库报名"),
           seen_with="blood.drive.view"),
    Action("blood.record.view_own", "people.Person", (Grant(RESIDENT, OWN),),
           label=_("查看本人的献血、体检和骨髓库记录"), sensitive=True),
    Action("blood.donor.register", "blood.Drive", DRIVE_STAFF, label=_("登记现场献血者（可来自任何居民区）"),
           seen_with="blood.drive.view"),
)

SCOPES = {
    "blood.Drive": Scoped(town="town", assigned="id", assignable="blood.Drive"),
}
