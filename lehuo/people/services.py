"""Every write to core data, and its rules. Views and API handlers call these."""

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from lehuo.accounts import scoping
from lehuo.accounts.models import Neighbourhood, Town
from lehuo.lib.identity import (
    ID_OTHER,
    ID_PASSPORT,
    ID_TYPES,
    IdentityError,
    normalise_phone,
    parse_id_number,
)
from lehuo.lib.text import pinyin_key
from lehuo.platform.audit import log_action, snapshot
from lehuo.platform.crypto import keyed_hash
from lehuo.platform.errors import NotFound, ServiceError
from lehuo.platform.modules import contributions

from .models import Consent, GuardianLink, Organisation, Person, Tag

PERSON_FIELDS = ("name", "sex", "birth_date", "id_type", "id_number", "phone", "address", "neighbourhood", "notes")


def _clean_name(name: str | None, field: str = "name") -> str:
    name = (name or "").strip()
    if not name:
        raise ServiceError("姓名不能为空", field)
    if len(name) > 50:
        raise ServiceError("姓名不能超过50个字", field)
    if any(ord(c) < 32 or c == "\x7f" for c in name):
        raise ServiceError("姓名含有不可见字符", field)
    return name


def apply_identity(person: Person, *, id_number: str | None, id_type: str | None, phone: str | None,
                   today: dt.date | None = None) -> None:
    """Validate and set ID number (deriving sex and birth date) and phone on ``person``."""
    if id_type and id_type not in dict(ID_TYPES):
        raise ServiceError("证件类型不正确", "id_type")
    if id_number is not None:
        if id_number.strip():
            try:
                parsed = parse_id_number(id_number, id_type or None, today=today)
            except IdentityError as exc:
                raise ServiceError(str(exc), "id_number")
            person.id_number = parsed.number
            person.id_type = parsed.kind
            person.id_hash = keyed_hash(f"{parsed.kind if parsed.kind in (ID_PASSPORT, ID_OTHER) else 'ric'}:{parsed.number}")
            if parsed.birth_date:
                person.birth_date = parsed.birth_date
                person.sex = parsed.sex or person.sex
        else:
            person.id_number, person.id_hash = "", None
    if phone is not None:
        if phone.strip():
            try:
                normalised = normalise_phone(phone)
            except IdentityError as exc:
                raise ServiceError(str(exc), "phone")
            person.phone = normalised
            person.phone_hash = keyed_hash(normalised)
            person.phone_tail = normalised[-4:]
        else:
            person.phone, person.phone_hash, person.phone_tail = "", "", ""


def _check_birth_date(person: Person) -> None:
    if person.birth_date and person.birth_date > timezone.localdate():
        raise ServiceError("出生日期不能晚于今天", "birth_date")
    if person.birth_date and person.birth_date.year < 1890:
        raise ServiceError("出生日期过早", "birth_date")
    if person.sex and person.sex not in ("M", "F"):
        raise ServiceError("性别只能是男或女", "sex")


def check_neighbourhood(actor, neighbourhood: Neighbourhood | None, town: Town) -> None:
    """A social worker may only place people in their own neighbourhoods."""
    if neighbourhood is not None and neighbourhood.town_id != town.pk:
        raise ServiceError("居民区不属于本镇", "neighbourhood_id")
    allowed = scoping.neighbourhood_ids(actor)
    if allowed is not None and (neighbourhood is None or neighbourhood.pk not in allowed):
        raise ServiceError("只能登记本居民区的人员", "neighbourhood_id")


def resolve_tags(town: Town, names: Iterable[str]) -> list[Tag]:
    names = [n.strip() for n in names if n and n.strip()]
    tags = {t.name: t for t in Tag.objects.filter(town=town, name__in=names)}
    unknown = [n for n in names if n not in tags]
    if unknown:
        raise ServiceError(f"未知标签：{'、'.join(unknown)}（请先在标签字典中添加）", "tags")
    return [tags[n] for n in dict.fromkeys(names)]


def find_person_by_id_number(town: Town, id_number: str) -> Person | None:
    try:
        parsed = parse_id_number(id_number)
    except IdentityError:
        return None
    return Person.objects.filter(town=town, id_hash=keyed_hash(f"ric:{parsed.number}")).first()


def create_person(actor, town: Town, *, name: str, neighbourhood: Neighbourhood | None = None,
                  sex: str = "", birth_date: dt.date | None = None, id_number: str = "", id_type: str | None = None,
                  phone: str = "", address: str = "", tags: Iterable[str] = (), notes: str = "",
                  log: bool = True) -> Person:
    check_neighbourhood(actor, neighbourhood, town)
    person = Person(town=town, neighbourhood=neighbourhood, name=_clean_name(name), sex=sex or "",
                    birth_date=birth_date, address=(address or "").strip()[:200], notes=notes or "")
    apply_identity(person, id_number=id_number, id_type=id_type, phone=phone)
    _check_birth_date(person)
    person.name_pinyin, person.name_initials = pinyin_key(person.name)
    tag_objs = resolve_tags(town, tags)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        raise ServiceError("该证件号码已登记（同一证件号码在本镇只能对应一人）", "id_number", code="duplicate")
    if tag_objs:
        person.tags.set(tag_objs)
    if log:
        log_action(actor, "person.create", person, {"after": snapshot(person, list(PERSON_FIELDS))})
    return person


@transaction.atomic
def update_person(actor, person: Person, **changes) -> Person:
    """Change some fields of ``person``; only the keys given are touched."""
    before = snapshot(person, list(PERSON_FIELDS))
    if "name" in changes:
        person.name = _clean_name(changes["name"])
        person.name_pinyin, person.name_initials = pinyin_key(person.name)
    if "neighbourhood" in changes:
        check_neighbourhood(actor, changes["neighbourhood"], person.town)
        person.neighbourhood = changes["neighbourhood"]
    for field in ("sex", "birth_date", "address", "notes"):
        if field in changes:
            setattr(person, field, changes[field] if changes[field] is not None else ("" if field != "birth_date" else None))
    apply_identity(person, id_number=changes.get("id_number"), id_type=changes.get("id_type"),
                   phone=changes.get("phone"))
    _check_birth_date(person)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        raise ServiceError("该证件号码已登记（同一证件号码在本镇只能对应一人）", "id_number", code="duplicate")
    if "tags" in changes:
        person.tags.set(resolve_tags(person.town, changes["tags"] or []))
    log_action(actor, "person.update", person, {"before": before, "after": snapshot(person, list(PERSON_FIELDS))})
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
    before = snapshot(person, list(PERSON_FIELDS))
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
