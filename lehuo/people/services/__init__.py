"""Every write to the people register and every read of it, by topic. Views, API handlers,
importers and the modules that register someone call these (``services.create_person(...)``);
each checks its actor against the policy (lehuo/people/policy.py)."""

from .exports import export_people_list, export_person_file
from .family import has_consent, link_guardian, link_guardian_by_id_number, record_consent, withdraw_consent
from .organisations import (
    create_organisation,
    get_organisation_for,
    organisations_for,
    town_to_add_organisation,
    update_organisation,
)
from .persons import (
    AUDITED_FIELDS,
    check_person,
    create_person,
    erase_person,
    export_person_data,
    find_person_by_id_number,
    get_person_for,
    people_for,
    reveal_person,
    town_to_register_in,
    update_person,
)
from .residents import (
    add_child,
    create_data_request,
    data_requests_for,
    decide_link,
    get_data_request_for,
    get_link_request_for,
    handle_data_request,
    link_requests_for,
    own_person,
    request_link,
)
from .tags import create_tag, delete_tag, get_tag_for, tags_for, update_tag

__all__ = [
    "AUDITED_FIELDS", "check_person", "create_organisation", "create_person", "create_tag", "delete_tag",
    "erase_person", "get_organisation_for", "organisations_for", "town_to_add_organisation", "export_people_list", "export_person_data", "export_person_file", "find_person_by_id_number", "get_person_for", "has_consent",
    "link_guardian", "link_guardian_by_id_number", "people_for", "record_consent", "town_to_register_in", "reveal_person", "update_organisation", "update_person", "update_tag",
    "withdraw_consent", "get_tag_for", "tags_for", "add_child", "create_data_request", "data_requests_for",
    "decide_link", "get_data_request_for", "get_link_request_for", "handle_data_request", "link_requests_for",
    "own_person", "request_link",
]
