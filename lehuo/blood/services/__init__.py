"""Every write of the blood module and its rules, by topic. Views and API handlers call these
(``from lehuo.blood import services; services.screen_donor(...)``).

Health writes (screenings, deferrals, donations, stem-cell sign-ups) are audit-logged
without the health values themselves (they stay in the encrypted columns).
"""

from ._common import STEM_CELL_PURPOSE, drive_for, drives_for, is_drive_staff
from .donations import (
    record_adverse_reaction,
    record_donation,
    record_past_donation,
    units_for,
    void_donation,
)
from .drives import assign_staff, create_drive, create_invitation, record_delivery, staff_users
from .people import (
    cancel_signup,
    check_in,
    find_donor,
    own_person,
    person_at_drive,
    register_donor,
    sign_up,
    sign_up_by_id_number,
    sign_up_self,
    signup_for,
    signups_for,
)
from .records import (
    award_progress_for,
    donation_for,
    donations_for,
    drive_figures,
    list_figures,
    recall_for,
    screening_for,
)
from .residents import (
    my_blood,
    next_donation_date,
    register_stem_cell_interest,
    stem_cell_interest_of,
    upcoming_drives,
    withdraw_stem_cell_interest,
)
from .screening import (
    active_deferrals,
    donor_history,
    record_deferral,
    screen_donor,
    view_screening,
    void_screening,
)
from .stem_cells import sign_up_stem_cell, void_stem_cell_signup

__all__ = [
    "list_figures",
    "my_blood",
    "next_donation_date",
    "register_stem_cell_interest",
    "stem_cell_interest_of",
    "upcoming_drives",
    "withdraw_stem_cell_interest",
    "award_progress_for",
    "donation_for",
    "donations_for",
    "drive_figures",
    "drive_for",
    "drives_for",
    "is_drive_staff",
    "own_person",
    "person_at_drive",
    "recall_for",
    "screening_for",
    "sign_up_by_id_number",
    "signup_for",
    "signups_for",
    "STEM_CELL_PURPOSE",
    "active_deferrals",
    "assign_staff",
    "cancel_signup",
    "check_in",
    "create_drive",
    "create_invitation",
    "donor_history",
    "find_donor",
    "record_adverse_reaction",
    "record_deferral",
    "record_delivery",
    "record_donation",
    "record_past_donation",
    "register_donor",
    "screen_donor",
    "sign_up",
    "sign_up_self",
    "sign_up_stem_cell",
    "staff_users",
    "units_for",
    "view_screening",
    "void_donation",
    "void_screening",
    "void_stem_cell_signup",
]
