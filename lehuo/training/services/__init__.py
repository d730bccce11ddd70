"""Every write of the training module and its rules, split by topic. Views and API handlers call these.

Callers keep using ``from lehuo.training import services`` and ``services.enrol(...)``; each name
below lives in the submodule it is imported from (patch it there, not on this package).
"""

from .attendance import (
    CHECKIN_LATE_AFTER,
    CHECKIN_OPENS_BEFORE,
    CHECKIN_SALT,
    STATUS_VALUES,
    check_in,
    checkin_status,
    checkin_token,
    checkin_window,
    record_attendance,
    session_from_token,
)
from .calendar import (
    Plan,
    add_holiday_override,
    check_range,
    check_times,
    clean_weekdays,
    holiday_overrides,
    holiday_warning,
    plan_sessions,
    remove_holiday_override,
)
from .certificates import issue_certificate, issue_certificates
from .cohorts import (
    assign_staff,
    cancel_session,
    create_cohort,
    move_session,
    regenerate_sessions,
    update_schedule,
)
from .enrolment import enrol, person_for_cohort, withdraw
from .reading import (
    attendance_of,
    cohorts_for,
    enrol_candidates,
    get_cohort,
    get_enrolment,
    get_session,
    own_records,
    person_record,
    programme_for,
    roster,
    sessions_of,
    stats_for,
    studios_for,
)

__all__ = [
    # calendar
    "Plan", "check_range", "check_times", "clean_weekdays", "holiday_warning", "plan_sessions",
    "add_holiday_override", "holiday_overrides", "remove_holiday_override",
    # cohorts and sessions
    "assign_staff", "cancel_session", "create_cohort", "move_session", "regenerate_sessions",
    "update_schedule",
    # enrolment
    "enrol", "person_for_cohort", "withdraw",
    # attendance and QR check-in
    "CHECKIN_LATE_AFTER", "CHECKIN_OPENS_BEFORE", "CHECKIN_SALT", "STATUS_VALUES",
    "check_in", "checkin_status", "checkin_token", "checkin_window", "record_attendance",
    "session_from_token",
    # reading (every read checked by the policy)
    "attendance_of", "cohorts_for", "enrol_candidates", "get_cohort", "get_enrolment", "get_session", "own_records",
    "person_record", "programme_for", "roster", "sessions_of", "stats_for", "studios_for",
    # certificates
    "issue_certificate", "issue_certificates",
]
