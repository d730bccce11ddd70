"""Day-care services: every rule and every write, each checking its actor against the policy
(lehuo/daycare/policy.py through lehuo/accounts/permissions.py).

- ``children``: who speaks for a child, adding a child (directly, or as a claim staff confirm);
- ``places``: ``take_place``, the one way a place is taken; cancelling and promoting;
- ``reading``: the sites, offerings, enrolments and years an actor may see;
- ``lehuo.daycare.services_running``: setting up the programme and running the weeks.
"""

from lehuo.platform.errors import Busy  # noqa: F401,E402

from .children import (  # noqa: F401
    CONSENT_PURPOSE,
    GRADES,
    HEALTH_FIELDS,
    add_child,
    birth_date_range,
    check_age,
    check_grade,
    children_of,
    claims_for,
    claims_of,
    decide_claim,
    eligible_children,
    guardian_for,
    health_notes,
    log_health_read,
    register_child,
    register_walk_in,
    registration_day,
)
from .places import (  # noqa: F401
    Placed,
    busy_on_lock_failure,
    cancel_enrolment,
    enrol_new_child,
    enrol_scope,
    enrolments_of,
    may_cancel,
    promote_waiting,
    take_place,
    take_place_allowed,
    waiting_ahead,
)
from .reading import (  # noqa: F401
    get_enrolment_for,
    get_offering_for,
    get_site_for,
    offerings_for,
    sites_for,
    stats_site_ids,
    year_of_town,
    years_for,
)
