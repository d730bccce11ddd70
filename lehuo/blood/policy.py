"""What the blood module declares to the permission module (lehuo/accounts/permissions.py).

- Drive staff (programme staff assigned to the drive, and the town admins) run the drive: the
  on-site flow, screening details (health data), donations, the recall list of past donors.
- Other staff of the town (social workers, editors, viewers) see the drive and its aggregate
  figures; social workers also the sign-ups and donations of their neighbourhoods' people.
  Health counts under 5 are shown to them as "<5" (``blood.health.view``).
- Programme staff not assigned to a drive see nothing of it (finding 6: not the recall list).
- A resident signs up for a drive, cancels, and sees their own records; anyone reads a drive's
  public page (date, place, time slots, who may give).
"""

from django.utils.translation import gettext_lazy as _

from lehuo.accounts.models import EDITOR, PROGRAMME_STAFF, SOCIAL_WORKER, TOWN_ADMIN, VIEWER
from lehuo.accounts.permissions import (
    ANY,
    ASSIGNED,
    NEIGHBOURHOOD,
    OWN,
    PUBLIC,
    RESIDENT,
    TOWN,
    Action,
    Endpoint,
    Grant,
    Scoped,
)

DRIVE_STAFF = (Grant(TOWN_ADMIN, TOWN), Grant(PROGRAMME_STAFF, ASSIGNED))
# Rows about people of a drive (sign-ups, donations): drive staff, and social workers for their
# neighbourhoods' people.
PEOPLE_ROWS = (*DRIVE_STAFF, Grant(SOCIAL_WORKER, NEIGHBOURHOOD))
TOWN_STAFF = tuple(Grant(role, TOWN) for role in (TOWN_ADMIN, SOCIAL_WORKER, EDITOR, VIEWER))

ACTIONS = (
    Action("blood.drive.view", "blood.Drive", (*TOWN_STAFF, Grant(PROGRAMME_STAFF, ASSIGNED)),
           label=_("查看献血活动及其统计")),
    Action("blood.drive.public_view", "blood.Drive", (Grant(PUBLIC, ANY),),
           label=_("查看献血活动公开信息（日期、地点、时段、献血条件）")),
    Action("blood.drive.create", "accounts.Town", (Grant(TOWN_ADMIN, TOWN),), label=_("发起献血活动")),
    Action("blood.drive.assign", "blood.Drive", (Grant(TOWN_ADMIN, TOWN),), label=_("分配献血活动工作人员"),
           seen_with="blood.drive.view"),
    Action("blood.drive.run", "blood.Drive", DRIVE_STAFF,
           label=_("献血现场：登记、体检、采血、骨髓库报名；倡议书；召回名单"), seen_with="blood.drive.view"),
    Action("blood.health.view", "blood.Drive", DRIVE_STAFF, label=_("查看不足5人的健康统计（暂缓原因等）"),
           seen_with="blood.drive.view", sensitive=True),
    Action("blood.donor.register", "blood.Drive", DRIVE_STAFF, label=_("登记现场献血者（可来自任何居民区）"),
           seen_with="blood.drive.view"),
    Action("blood.signup.add", "blood.Drive", (*DRIVE_STAFF, Grant(SOCIAL_WORKER, TOWN)),
           label=_("为居民报名献血"), seen_with="blood.drive.view"),
    Action("blood.signup.view", "blood.SignUp", (*PEOPLE_ROWS, Grant(RESIDENT, OWN)), label=_("查看献血报名")),
    Action("blood.signup.create", "blood.SignUp", PEOPLE_ROWS, label=_("为居民报名献血（社工：本居民区居民）")),
    Action("blood.signup.cancel", "blood.SignUp", (*PEOPLE_ROWS, Grant(RESIDENT, OWN)), label=_("取消献血报名"),
           seen_with="blood.signup.view"),
    Action("blood.signup.self", "blood.Drive", (Grant(RESIDENT, ANY),), label=_("本人报名献血"),
           seen_with="blood.drive.public_view"),
    Action("blood.donation.view", "blood.Donation", (*PEOPLE_ROWS, Grant(RESIDENT, OWN)), label=_("查看献血记录")),
    Action("blood.donation.void", "blood.Donation", DRIVE_STAFF, label=_("作废献血记录"),
           seen_with="blood.donation.view"),
    Action("blood.screening.view", "blood.Screening", DRIVE_STAFF, label=_("查看体检详情（记录在案）"),
           seen_with="blood.drive.view", sensitive=True),
    Action("blood.screening.void", "blood.Screening", DRIVE_STAFF, label=_("作废体检记录"),
           seen_with="blood.screening.view", sensitive=True),
    Action("blood.stem_cell.void", "blood.StemCellSignup", DRIVE_STAFF, label=_("作废骨髓库登记"), sensitive=True),
    Action("blood.record.view_own", "people.Person", (Grant(RESIDENT, OWN),),
           label=_("查看本人的献血、体检和骨髓库记录"), sensitive=True),
    Action("blood.stem_cell.interest", "people.Person", (Grant(RESIDENT, OWN),),
           label=_("本人登记或撤回造血干细胞捐献意向")),
)

SCOPES = {
    "blood.Drive": Scoped(town="town", assigned="id", assignable="blood.Drive"),
    "blood.Invitation": Scoped(town="drive__town", assigned="drive", assignable="blood.Drive"),
    "blood.SignUp": Scoped(town="drive__town", neighbourhood="person__neighbourhood", assigned="drive",
                           assignable="blood.Drive", owner=("person",)),
    # A donation from before Lehuo has no drive: it belongs to the donor's town.
    "blood.Donation": Scoped(town="person__town", neighbourhood="person__neighbourhood", assigned="drive",
                             assignable="blood.Drive", owner=("person",)),
    "blood.Screening": Scoped(town="drive__town", assigned="drive", assignable="blood.Drive", owner=("person",)),
    "blood.StemCellSignup": Scoped(town="drive__town", assigned="drive", assignable="blood.Drive",
                                   owner=("person",)),
    "blood.StemCellInterest": Scoped(town="person__town", owner=("person",)),
}

_DRIVE = {"record": "slug"}
ENDPOINTS = {
    "blood:index": Endpoint("blood.drive.view"),
    "blood:mine": Endpoint("blood.record.view_own"),
    "blood:stem_cell_interest": Endpoint("blood.stem_cell.interest", method="POST"),
    "blood:signup_cancel": Endpoint("blood.signup.cancel", record="pk", method="POST"),
    "blood:screening": Endpoint("blood.screening.view", record="pk"),
    "blood:void_donation": Endpoint("blood.donation.void", record="pk", method="POST"),
    "blood:drive": Endpoint("blood.drive.view", **_DRIVE),
    "blood:signups": Endpoint("blood.drive.view", **_DRIVE),
    "blood:recall": Endpoint("blood.drive.run", **_DRIVE),
    "blood:invitations": Endpoint("blood.drive.view", **_DRIVE),
    "blood:invitation_pdf": Endpoint("blood.drive.view", **_DRIVE, kwargs={"pk": "blood.Invitation"}),
    "blood:onsite": Endpoint("blood.drive.run", **_DRIVE),
    "blood:onsite_person": Endpoint("blood.drive.run", **_DRIVE, kwargs={"pk": "people.Person"}),
    "blood:onsite_screen": Endpoint("blood.drive.run", **_DRIVE, kwargs={"pk": "people.Person"}, method="POST"),
    "blood:onsite_donate": Endpoint("blood.drive.run", **_DRIVE, kwargs={"pk": "people.Person"}, method="POST"),
    "blood:onsite_stem_cell": Endpoint("blood.drive.run", **_DRIVE, kwargs={"pk": "people.Person"}, method="POST"),
    "blood:queue": Endpoint("blood.drive.run", **_DRIVE),
    "blood:report": Endpoint("blood.drive.view", **_DRIVE),
    "blood:report_pdf": Endpoint("blood.drive.view", **_DRIVE),
    "blood:join": Endpoint("blood.drive.public_view", **_DRIVE),
    "GET /api/v1/blood-drives": Endpoint("blood.drive.view"),
    "POST /api/v1/blood-drives": Endpoint("blood.drive.create"),
    "GET /api/v1/blood-drives/{drive_id}": Endpoint("blood.drive.view", record="drive_id"),
    "GET /api/v1/blood-drives/{drive_id}/signups": Endpoint("blood.drive.view", record="drive_id"),
    "POST /api/v1/blood-drives/{drive_id}/signups": Endpoint("blood.signup.add", record="drive_id"),
    "POST /api/v1/blood-signups/{signup_id}/cancel": Endpoint("blood.signup.cancel", record="signup_id"),
    "POST /api/v1/blood-drives/{drive_id}/checkins": Endpoint("blood.drive.run", record="drive_id"),
    "POST /api/v1/blood-drives/{drive_id}/screenings": Endpoint("blood.drive.run", record="drive_id"),
    "GET /api/v1/blood-screenings/{screening_id}": Endpoint("blood.screening.view", record="screening_id"),
    "POST /api/v1/blood-screenings/{screening_id}/void": Endpoint("blood.screening.void", record="screening_id"),
    "GET /api/v1/blood-drives/{drive_id}/donations": Endpoint("blood.drive.view", record="drive_id"),
    "POST /api/v1/blood-drives/{drive_id}/donations": Endpoint("blood.drive.run", record="drive_id"),
    "POST /api/v1/blood-donations/{donation_id}/void": Endpoint("blood.donation.void", record="donation_id"),
    "POST /api/v1/blood-drives/{drive_id}/stem-cell-signups": Endpoint("blood.drive.run", record="drive_id"),
    "GET /api/v1/blood-drives/{drive_id}/stats": Endpoint("blood.drive.view", record="drive_id"),
    "GET /api/v1/blood-drives/{drive_id}/recall": Endpoint("blood.drive.run", record="drive_id"),
}
