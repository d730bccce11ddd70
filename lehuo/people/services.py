"""Every write to the people register, and its rules. Views, API handlers, importers and the
modules that register someone call these; the rules of a person's fields are in validation.py."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from lehuo.accounts import scoping
from lehuo.accounts.models import Neighbourhood, Town
from lehuo.lib.identity import (
    IdentityError,
    normalise_phone,
    parse_id_number,
)
from lehuo.platform.audit import log_action, snapshot
from lehuo.platform.errors import NotFound, ServiceError
from lehuo.platform.modules import contributions

from .models import Consent, GuardianLink, Organisation, Person, Tag
from .validation import FIELDS, PersonRules, duplicate_message, id_hash

# What the audit log keeps of a person (masked where personal): the fields a form changes.
AUDITED_FIELDS = ("name", "sex", "birth_date", "id_type", "id_number", "phone", "address", "neighbourhood", "notes")


def find_person_by_id_number(town: Town, id_number: str) -> Person | None:
    try:
        parsed = parse_id_number(id_number)
    except IdentityError:
        return None
    return Person.objects.filter(town=town, id_hash=id_hash(parsed.kind, parsed.number)).first()


def create_person(actor, town: Town, *, scope_check: bool = True, require: tuple[str, ...] = (), log: bool = True,
                  **values) -> Person:
    """Register a person of ``town``: every field checked by ``PersonRules`` and every refusal
    reported at once. ``values`` are those of ``validation.FIELDS`` (``neighbourhood`` an object,
    ``tags`` names). ``scope_check=False`` is for modules that register people from anywhere
    (a walk-in blood donor, a child's guardian): the actor's neighbourhoods do not limit them.
    ``require`` names optional fields the caller needs (a donor's ``id_number``)."""
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise TypeError(f"create_person() got unknown fields {sorted(unknown)}")
    rules = PersonRules(actor, town, scoped=scope_check)
    cleaned = rules.check(values, require=require)
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
            log_action(actor, "person.create", person, {"after": snapshot(person, list(AUDITED_FIELDS))})
    return person


def check_person(actor, town: Town, *, person: Person | None = None, skip: set[str] = frozenset(), **values) -> None:
    """The register's refusals of ``values`` without writing anything (a form whose other
    fields failed to parse still shows these). Fields in ``skip`` already have an error."""
    try:
        PersonRules(actor, town).check({k: v for k, v in values.items() if k not in skip}, person=person)
    except ServiceError as exc:
        kept = [e for e in exc.errors if e.get("field") not in skip]
        if kept:
            raise ServiceError(kept[0]["message"], kept[0]["field"], errors=kept)


@transaction.atomic
def update_person(actor, person: Person, **changes) -> Person:
    """Change some fields of ``person`` (only the keys given), by the same rules as create_person."""
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise TypeError(f"update_person() got unknown fields {sorted(unknown)}")
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


def get_person_for(actor, pk) -> Person:
    """A person the actor may see, or NotFound (404, whether absent or out of scope)."""
    try:
        return Person.objects.for_user(actor).select_related("neighbourhood", "town").get(pk=pk)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise NotFound()


def reveal_person(actor, person: Person, fields: tuple[str, ...] = ("id_number", "phone")) -> dict:
    """Full ID number and phone for a role that may see them; the reveal is logged."""
    if not scoping.may_reveal(actor):
        raise ServiceError("您的角色无权查看完整证件号码和电话", code="forbidden")
    log_action(actor, "person.reveal", person, {"fields": list(fields)})
    return {f: getattr(person, f) for f in fields}


@transaction.atomic
def link_guardian(actor, child: Person, guardian: Person, relation: str = "other") -> GuardianLink:
    if child.pk == guardian.pk:
        raise ServiceError("监护人不能是本人", "guardian_id")
    age = guardian.age()
    if age is not None and age < 18:
        raise ServiceError("监护人须年满18周岁", "guardian_id")
    link, _ = GuardianLink.objects.get_or_create(child=child, guardian=guardian, defaults={"relation": relation})
    log_action(actor, "person.guardian_link", child, {"guardian": guardian.pk, "relation": relation})
    return link


@transaction.atomic
def record_consent(actor, person: Person, purpose: str, *, given_on: dt.date | None = None,
                   guardian: Person | None = None) -> Consent:
    """Separate consent for one purpose; a child under 14 needs a linked guardian's consent."""
    given_on = given_on or timezone.localdate()
    if person.is_sensitive_minor:
        if guardian is None:
            raise ServiceError("不满14周岁的儿童须由监护人同意", "guardian_id")
        if not GuardianLink.objects.filter(child=person, guardian=guardian).exists():
            raise ServiceError("同意人不是该儿童登记的监护人", "guardian_id")
    consent = Consent.objects.create(
        person=person, purpose=purpose, given_on=given_on,
        given_by=Consent.GUARDIAN if guardian else Consent.SELF, guardian=guardian,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    log_action(actor, "consent.give", person, {"purpose": purpose, "guardian": guardian.pk if guardian else None})
    return consent


@transaction.atomic
def withdraw_consent(actor, consent: Consent, on: dt.date | None = None) -> Consent:
    consent.withdrawn_on = on or timezone.localdate()
    consent.save(update_fields=["withdrawn_on"])
    log_action(actor, "consent.withdraw", consent.person, {"purpose": consent.purpose})
    return consent


def has_consent(person: Person, purpose: str) -> bool:
    return Consent.objects.filter(person=person, purpose=purpose, withdrawn_on__isnull=True).exists()


def export_person_data(actor, person: Person) -> dict:
    """PIPL art. 45: everything Lehuo holds about a person, for access and copy."""
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
    # Each app contributes its records of the person through its declared ``personal_data(person)``.
    for config, section in contributions("personal_data"):
        data[config.label] = section(person)
    log_action(actor, "person.export_data", person, {})
    return _jsonable_tree(data)


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
    if not reason or not reason.strip():
        raise ServiceError("请填写删除原因", "reason")
    if not scoping.is_town_wide(actor):
        raise ServiceError("只有镇管理员可以删除个人信息", code="forbidden")
    before = snapshot(person, list(AUDITED_FIELDS))
    person.name = f"已删除{person.pk}"
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


def create_organisation(actor, town: Town, *, name: str, kind: str = "other",
                        neighbourhood: Neighbourhood | None = None, contact_name: str = "",
                        contact_phone: str = "", address: str = "") -> Organisation:
    name = (name or "").strip()
    if not name:
        raise ServiceError("名称不能为空", "name")
    if len(name) > 100:
        raise ServiceError("名称不能超过100个字", "name")
    if kind not in dict(Organisation.KINDS):
        raise ServiceError("单位类型不正确", "kind")
    if neighbourhood is not None and neighbourhood.town_id != town.pk:
        raise ServiceError("居民区不属于本镇", "neighbourhood_id")
    phone = ""
    if contact_phone and contact_phone.strip():
        try:
            phone = normalise_phone(contact_phone)
        except IdentityError as exc:
            raise ServiceError(str(exc), "contact_phone")
    if Organisation.objects.filter(town=town, name=name).exists():
        raise ServiceError("同名单位已存在", "name", code="duplicate")
    org = Organisation.objects.create(town=town, name=name, kind=kind, neighbourhood=neighbourhood,
                                      contact_name=contact_name, contact_phone=phone, address=address)
    log_action(actor, "organisation.create", org, {"name": name, "kind": kind})
    return org


def _organisation_phone(contact_phone: str | None) -> str:
    if not contact_phone or not contact_phone.strip():
        return ""
    try:
        return normalise_phone(contact_phone)
    except IdentityError as exc:
        raise ServiceError(str(exc), "contact_phone")


@transaction.atomic
def update_organisation(actor, org: Organisation, **changes) -> Organisation:
    """Change some fields of ``org``; only the keys given are touched."""
    before = snapshot(org, ["name", "kind", "neighbourhood", "contact_name", "contact_phone", "address"])
    if "name" in changes:
        name = (changes["name"] or "").strip()
        if not name:
            raise ServiceError("名称不能为空", "name")
        if len(name) > 100:
            raise ServiceError("名称不能超过100个字", "name")
        if Organisation.objects.filter(town=org.town_id, name=name).exclude(pk=org.pk).exists():
            raise ServiceError("同名单位已存在", "name", code="duplicate")
        org.name = name
    if "kind" in changes:
        if changes["kind"] not in dict(Organisation.KINDS):
            raise ServiceError("单位类型不正确", "kind")
        org.kind = changes["kind"]
    if "neighbourhood" in changes:
        nbh = changes["neighbourhood"]
        if nbh is not None and nbh.town_id != org.town_id:
            raise ServiceError("居民区不属于本镇", "neighbourhood_id")
        org.neighbourhood = nbh
    if "contact_phone" in changes:
        org.contact_phone = _organisation_phone(changes["contact_phone"])
    for field in ("contact_name", "address"):
        if field in changes:
            setattr(org, field, (changes[field] or "").strip())
    org.save()
    log_action(actor, "organisation.update", org, {
        "before": before,
        "after": snapshot(org, ["name", "kind", "neighbourhood", "contact_name", "contact_phone", "address"]),
    })
    return org


def _tag_fields(town: Town, name: str, applies_to: str, exclude_pk=None) -> str:
    name = (name or "").strip()
    if not name:
        raise ServiceError("标签名称不能为空", "name")
    if len(name) > 20 or any(c in name for c in "、,，;；/ "):
        raise ServiceError("标签名称不超过20个字，且不能含有顿号、逗号、分号、斜杠或空格", "name")
    if applies_to not in (Tag.PERSON, Tag.ORGANISATION):
        raise ServiceError("适用对象不正确", "applies_to")
    if Tag.objects.filter(town=town, name=name).exclude(pk=exclude_pk).exists():
        raise ServiceError("该标签已存在", "name", code="duplicate")
    return name


@transaction.atomic
def create_tag(actor, town: Town, *, name: str, applies_to: str = Tag.PERSON, description: str = "",
               order: int = 0) -> Tag:
    if not scoping.is_town_wide(actor):
        raise ServiceError("只有镇管理员可以修改标签字典", code="forbidden")
    tag = Tag.objects.create(town=town, name=_tag_fields(town, name, applies_to), applies_to=applies_to,
                             description=(description or "").strip()[:200], order=order or 0)
    log_action(actor, "tag.create", tag, {"name": tag.name})
    return tag


@transaction.atomic
def update_tag(actor, tag: Tag, *, name: str, applies_to: str, description: str = "", order: int = 0) -> Tag:
    if not scoping.is_town_wide(actor):
        raise ServiceError("只有镇管理员可以修改标签字典", code="forbidden")
    before = {"name": tag.name, "applies_to": tag.applies_to}
    tag.name = _tag_fields(tag.town, name, applies_to, exclude_pk=tag.pk)
    tag.applies_to, tag.description, tag.order = applies_to, (description or "").strip()[:200], order or 0
    tag.save()
    log_action(actor, "tag.update", tag, {"before": before, "after": {"name": tag.name, "applies_to": applies_to}})
    return tag


@transaction.atomic
def delete_tag(actor, tag: Tag) -> None:
    """A tag still carried by someone is kept: removing it would silently change every figure by tag."""
    if not scoping.is_town_wide(actor):
        raise ServiceError("只有镇管理员可以修改标签字典", code="forbidden")
    if tag.people.exists() or tag.organisations.exists():
        raise ServiceError("该标签仍在使用中，不能删除", "name")
    log_action(actor, "tag.delete", tag, {"name": tag.name})
    tag.delete()
