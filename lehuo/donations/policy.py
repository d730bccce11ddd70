"""What the donations module declares to the permission module (lehuo/accounts/permissions.py).

- Every staff member of the town sees the drives and their aggregate figures.
- Donations are seen and recorded by the neighbourhood that collected them: a social worker for
  their neighbourhoods, a town admin for the whole town. Town admins start drives, record
  handovers (汇缴) and reconcile.
- A resident sees their own gifts and prints the acknowledgement of each.
- Anyone reads the disclosure (公示) of a drive whose disclosure is public: totals by channel,
  handovers with their vouchers, donors by name only with their consent.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lehuo.accounts.models import EDITOR, PROGRAMME_STAFF, SOCIAL_WORKER, TOWN_ADMIN, VIEWER
from lehuo.accounts.permissions import (
    ANY,
    NEIGHBOURHOOD,
    OWN,
    PUBLIC,
    RESIDENT,
    TOWN,
    Action,
    Endpoint,
    Grant,
    Scoped,
    When,
)

STAFF = (TOWN_ADMIN, SOCIAL_WORKER, PROGRAMME_STAFF, EDITOR, VIEWER)
ADMIN = (Grant(TOWN_ADMIN, TOWN),)
RECORDERS = (Grant(TOWN_ADMIN, TOWN), Grant(SOCIAL_WORKER, NEIGHBOURHOOD))
PUBLIC_DISCLOSURE = When("disclosure_public", Q(disclosure_public=True))
PUBLIC_VOUCHER = When("drive__disclosure_public", Q(drive__disclosure_public=True))

ACTIONS = (
    Action("donations.drive.view", "donations.Drive", tuple(Grant(role, TOWN) for role in STAFF),
           label=_("查看募捐活动及其统计")),
    Action("donations.drive.create", "accounts.Town", ADMIN, label=_("发起募捐活动")),
    Action("donations.drive.manage", "donations.Drive", ADMIN, label=_("登记汇缴、对账"),
           seen_with="donations.drive.view"),
    Action("donations.drive.record", "donations.Drive", (Grant(TOWN_ADMIN, TOWN), Grant(SOCIAL_WORKER, TOWN)),
           label=_("登记、导入捐款（社工：本居民区经办的）"), seen_with="donations.drive.view"),
    Action("donations.drive.disclosure", "donations.Drive",
           (*(Grant(role, TOWN) for role in STAFF), Grant(PUBLIC, ANY, PUBLIC_DISCLOSURE)),
           label=_("查看捐赠公示（公开的公示任何人可看）")),
    Action("donations.donation.view", "donations.Donation", RECORDERS, label=_("查看捐款明细")),
    Action("donations.donation.record", "donations.Donation", RECORDERS, label=_("登记本居民区经办的捐款")),
    Action("donations.donation.change", "donations.Donation", RECORDERS, label=_("作废捐款、登记票据号"),
           seen_with="donations.donation.view"),
    Action("donations.donation.acknowledge", "donations.Donation", (*RECORDERS, Grant(RESIDENT, OWN)),
           label=_("打印致谢函（居民：本人的捐款）")),
    Action("donations.donation.view_own", "people.Person", (Grant(RESIDENT, OWN),), label=_("查看本人的捐款和票据")),
    Action("donations.handover.voucher", "donations.Handover", (*ADMIN, Grant(PUBLIC, ANY, PUBLIC_VOUCHER)),
           label=_("查看汇缴凭证（公开公示的任何人可看）")),
)

SCOPES = {
    "donations.Drive": Scoped(town="town"),
    "donations.Donation": Scoped(town="drive__town", neighbourhood="neighbourhood", owner=("person",)),
    "donations.Handover": Scoped(town="drive__town", neighbourhood="neighbourhood"),
}

ENDPOINTS = {
    "donations:index": Endpoint("donations.drive.view"),
    "donations:mine": Endpoint("donations.donation.view_own"),
    "donations:drive_create": Endpoint("donations.drive.create"),
    "donations:drive": Endpoint("donations.drive.view", record="pk"),
    "donations:donation_list": Endpoint("donations.drive.view", record="pk"),
    "donations:donation_new": Endpoint("donations.drive.record", record="pk"),
    "donations:reconciliation": Endpoint("donations.drive.manage", record="pk"),
    "donations:disclosure": Endpoint("donations.drive.disclosure", record="pk"),
    "donations:voucher": Endpoint("donations.handover.voucher", record="pk"),
    "donations:import": Endpoint("donations.drive.record", record="pk"),
    "donations:import_mapping": Endpoint("platform.job.view", record="pk"),
    "donations:import_report": Endpoint("platform.job.view", record="pk"),
    "donations:import_commit": Endpoint("platform.job.view", record="pk", method="POST"),
    "donations:donation": Endpoint("donations.donation.view", record="pk"),
    "donations:donation_void": Endpoint("donations.donation.change", record="pk", method="POST"),
    "donations:donation_receipt": Endpoint("donations.donation.change", record="pk", method="POST"),
    "donations:ack_pdf": Endpoint("donations.donation.acknowledge", record="pk"),
    "GET /api/v1/donation-drives": Endpoint("donations.drive.view"),
    "POST /api/v1/donation-drives": Endpoint("donations.drive.create"),
    "GET /api/v1/donation-drives/{drive_id}": Endpoint("donations.drive.view", record="drive_id"),
    "GET /api/v1/donation-drives/{drive_id}/donations": Endpoint("donations.drive.view", record="drive_id"),
    "POST /api/v1/donation-drives/{drive_id}/donations": Endpoint("donations.drive.record", record="drive_id"),
    "GET /api/v1/donations/{donation_id}": Endpoint("donations.donation.view", record="donation_id"),
    "POST /api/v1/donations/{donation_id}/void": Endpoint("donations.donation.change", record="donation_id"),
    "POST /api/v1/donations/{donation_id}/receipt": Endpoint("donations.donation.change", record="donation_id"),
    "GET /api/v1/donation-drives/{drive_id}/stats": Endpoint("donations.drive.view", record="drive_id"),
    "POST /api/v1/donation-drives/{drive_id}/handovers": Endpoint("donations.drive.manage", record="drive_id"),
}
