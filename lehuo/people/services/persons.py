"""Registering, changing, reading, revealing, exporting and erasing people of the register.

Every function checks its actor against the policy (lehuo/people/policy.py) through
``lehuo.accounts.permissions``; the rules of a person's fields are in ``validation.py``.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lehuo.accounts.models import Town
from lehuo.accounts.permissions import policy, require, scope_q
from lehuo.lib.identity import IdentityError, parse_id_number
from lehuo.platform.audit import log_action, snapshot
from lehuo.platform.errors import NotFound, ServiceError
from lehuo.platform.modules import contributions

from ..models import Person
from ..validation import FIELDS, PersonRules, duplicate_message, id_hash

# What the audit log keeps of a person (masked where personal): the fields a form changes.
AUDITED_FIELDS = ("name", "sex", "birth_date", "id_type", "id_number", "phone", "address", "neighbourhood", "notes")
# A resident may change these of their own record (and their children's).
CONTACT_FIELDS = {"phone", "address"}


def find_person_by_id_number(town: Town, id_number: str) -> Person | None:
    try:
        parsed = parse_id_number(id_number)
    except IdentityError:
        return None
    return Person.objects.filter(town=town, id_hash=id_hash(parsed.kind, parsed.number)).first()


def authorize(actor, action: str, obj, checked_by: str | None) -> None:
    """The register's own check, unless the calling service has already required its own
    action ``checked_by`` (a module registering someone in its own flow: a walk-in donor at a
    drive, a child by their guardian). ``checked_by`` must be a declared action."""
    if checked_by is None:
        require(actor, action, obj)
    elif checked_by not in policy():
        raise LookupError(f"checked_by names no declared action: {checked_by}")


def create_person(actor, town: Town, *, checked_by: str | None = None, required_fields: tuple[str, ...] = (),
                  log: bool = True, **values) -> Person:
    """Register a person of ``town``: every field checked by ``PersonRules`` and every refusal
    reported at once. ``values`` are those of ``validation.FIELDS`` (``neighbourhood`` an object,
    ``tags`` names). A module registering someone in its own flow names the action it has
    checked (``checked_by``): the register's role and neighbourhood limits then do not apply
    (a walk-in donor comes from anywhere). ``required_fields`` names optional fields the caller
    needs (a donor's ``id_number``)."""
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise TypeError(f"create_person() got unknown fields {sorted(unknown)}")
    authorize(actor, "people.person.create", None, checked_by)
    rules = PersonRules(actor, town, scoped=checked_by is None)
    cleaned = rules.check(values, require=required_fields)
    tags = cleaned.pop("tags")
    person = Person(town=town, **cleaned)
    with transaction.atomic():
        try:
            with transaction.atomic():
                person.save()
        except IntegrityError:  # a twin registered the same ID number since the check
            raise ServiceError(duplicate_message(), "id_number", code="duplicate")
        if tags:
            person.tags.set(tags)
        if log:
            log_action(actor, "person.create", person, {"after": snapshot(person, list(AUDITED_FIELDS)),
                                                        **({"via": checked_by} if checked_by else {})})
    return person


def check_person(actor, town: Town, *, person: Person | None = None, skip: set[str] | frozenset[str] = frozenset(), **values) -> None:
    """The register's refusals of ``values`` without writing anything (a form whose other
    fields failed to parse still shows these). Fields in ``skip`` already have an error."""
    try:
        PersonRules(actor, town).check({k: v for k, v in values.items() if k not in skip}, person=person)
    except ServiceError as exc:
        kept = [e for e in exc.errors if e.get("field") not in skip]
        if kept:
            raise ServiceError(kept[0]["message"], kept[0]["field"], errors=kept)


@transaction.atomic
def update_person(actor, person: Person, *, checked_by: str | None = None, **changes) -> Person:
    """Change some fields of ``person`` (only the keys given), by the same rules as create_person.
    A resident may change the contact fields of their own record; a module's own flow that
    checked ``checked_by`` only those."""
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise TypeError(f"update_person() got unknown fields {sorted(unknown)}")
    contact_only = bool(changes) and set(changes) <= CONTACT_FIELDS
    if checked_by is not None and not contact_only:
        raise TypeError("a module's flow changes only the contact fields of a person")
    authorize(actor, "people.person.change_contact" if contact_only else "people.person.change", person, checked_by)
    before = snapshot(person, list(AUDITED_FIELDS))
    cleaned = PersonRules(actor, person.town).check(changes, person=person)
    tags = cleaned.pop("tags", None)
    for field, value in cleaned.items():
        setattr(person, field, value)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        raise ServiceError(duplicate_message(), "id_number", code="duplicate")
    if tags is not None:
        person.tags.set(tags)
    log_action(actor, "person.update", person, {"before": before, "after": snapshot(person, list(AUDITED_FIELDS))})
    return person


def get_person_for(actor, pk, *, to: str = "people.person.view") -> Person:
    """A person the actor may see, or NotFound (404, whether absent or out of scope); with
    ``to``, also one the actor may do that to (else Forbidden, 403)."""
    try:
        person = Person.objects.filter(scope_q(actor, "people.person.view")).select_related(
            "neighbourhood", "town").get(pk=pk)
    except (Person.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound()
    if to != "people.person.view":
        require(actor, to, person)
    return person


def people_for(actor, *, to: str = "people.person.list"):
    """The register's list for staff who may list it (403 for other roles): the people they
    may see, not erased."""
    require(actor, to)
    return Person.objects.filter(scope_q(actor, to)).active()


def town_to_register_in(actor) -> Town:
    """The town whose register the actor adds people to (403 for roles that may not)."""
    from lehuo.accounts.services import town_for

    require(actor, "people.person.create")
    return town_for(actor)


def reveal_person(actor, person: Person, fields: tuple[str, ...] = ("id_number", "phone")) -> dict:
    """Full ID number and phone for a role that may see them; the reveal is logged."""
    require(actor, "people.person.reveal", person)
    log_action(actor, "person.reveal", person, {"fields": list(fields)})
    return {f: getattr(person, f) for f in fields}


def export_person_data(actor, person: Person) -> dict:
    """PIPL art. 45: everything Lehuo holds about a person, for access and copy: each app's
    section holds what the actor may read of it (health records only for health roles and the
    person themselves). The audit row says which sections and how many records it held."""
    require(actor, "people.person.export_data", person)
    data = {
        "person": {
            "name": person.name, "sex": person.sex, "birth_date": person.birth_date,
            "id_type": person.id_type, "id_number": person.id_number, "phone": person.phone,
            "address": person.address, "neighbourhood": str(person.neighbourhood or ""),
            "tags": [t.name for t in person.tags.all()],
        },
        "consents": [
            {"purpose": c.purpose, "given_on": c.given_on, "withdrawn_on": c.withdrawn_on}
            for c in person.consents.all()
        ],
        "guardians": [str(link.guardian) for link in person.guardian_links.select_related("guardian")],
    }
    # Each app contributes its records of the person through its declared ``personal_data(person, actor)``.
    for config, section in contributions("personal_data"):
        data[config.label] = section(person, actor)
    log_action(actor, "person.export_data", person, {"sections": {key: _count(value) for key, value in data.items()}})
    return _jsonable_tree(data)


def _count(section) -> int | dict:
    """How many records a section holds (per part when it has parts), for the audit row."""
    if isinstance(section, list):
        return len(section)
    if isinstance(section, dict):
        parts = {k: len(v) for k, v in section.items() if isinstance(v, list)}
        return parts or 1
    return 1


def _jsonable_tree(value):
    from lehuo.platform.audit import _jsonable

    if isinstance(value, dict):
        return {k: _jsonable_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable_tree(v) for v in value]
    return _jsonable(value)


@transaction.atomic
def erase_person(actor, person: Person, reason: str) -> Person:
    """PIPL art. 47: de-identify. Money and health records stay (they are evidence) but
    point to a person who no longer has a name, ID number, phone or address."""
    require(actor, "people.person.erase", person)
    if not reason or not reason.strip():
        raise ServiceError(_("请填写删除原因"), "reason")
    before = snapshot(person, list(AUDITED_FIELDS))
    person.name = _("已删除%(id)s") % {"id": person.pk}  # stored: in the language of who erased
    person.name_pinyin, person.name_initials = "~", ""
    person.id_number, person.id_hash = "", None
    person.phone, person.phone_hash, person.phone_tail = "", "", ""
    person.address = ""
    person.notes = ""
    person.birth_date = person.birth_date.replace(month=1, day=1) if person.birth_date else None
    person.erased_at = timezone.now()
    person.account = None
    person.save()
    person.consents.update(withdrawn_on=timezone.localdate())
    _scrub_person_logs(person)
    log_action(actor, "person.erase", person, {"reason": reason, "fields": sorted(k for k, v in before.items() if v)})
    return person


IDENTIFYING_KEYS = {"name", "address", "notes", "id_number", "phone"}


def _scrub_person_logs(person: Person) -> None:
    """Earlier log entries of an erased person keep what was done and when, but no longer who it was."""
    from django.contrib.contenttypes.models import ContentType

    from lehuo.platform.models import AuditLog

    def clean(value):
        if isinstance(value, dict):
            return {k: ("" if k in IDENTIFYING_KEYS and v else clean(v)) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    entries = AuditLog.objects.filter(content_type=ContentType.objects.get_for_model(Person), object_id=str(person.pk))
    for entry in entries.only("pk", "data"):
        AuditLog.objects.filter(pk=entry.pk).update(data=clean(entry.data), object_repr=person.name)
