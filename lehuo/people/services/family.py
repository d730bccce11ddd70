"""Guardians and consent (PIPL art. 29, 31): who speaks for a child, and for which purposes
a person's data may be used."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lehuo.accounts.permissions import require, scope_q
from lehuo.platform.audit import log_action
from lehuo.platform.errors import ServiceError

from ..models import Consent, GuardianLink, Person
from .persons import authorize, find_person_by_id_number


@transaction.atomic
def link_guardian(actor, child: Person, guardian: Person, relation: str = "other", *,
                  checked_by: str | None = None) -> GuardianLink:
    """Record who speaks for a child (staff, or a module's own flow that checked ``checked_by``)."""
    authorize(actor, "people.person.change", child, checked_by)
    if child.pk == guardian.pk:
        raise ServiceError(_("监护人不能是本人"), "guardian_id")
    age = guardian.age()
    if age is not None and age < 18:
        raise ServiceError(_("监护人须年满18周岁"), "guardian_id")
    link, _created = GuardianLink.objects.get_or_create(child=child, guardian=guardian, defaults={"relation": relation})
    log_action(actor, "person.guardian_link", child, {"guardian": guardian.pk, "relation": relation})
    return link


@transaction.atomic
def link_guardian_by_id_number(actor, child: Person, id_number: str, relation: str = "other") -> GuardianLink:
    """Staff name a child's guardian by ID number. A guardian the actor may not see in the
    register is "not found" like an unknown number: the answer never tells it exists."""
    require(actor, "people.person.change", child)
    guardian = find_person_by_id_number(child.town, id_number)
    if guardian is None or not Person.objects.filter(pk=guardian.pk).filter(
            scope_q(actor, "people.person.view")).exists():
        raise ServiceError(_("未找到该证件号码的人员（须先登记，且在您的负责范围内）"), "guardian_id_number")
    return link_guardian(actor, child, guardian, relation)


@transaction.atomic
def record_consent(actor, person: Person, purpose: str, *, given_on: dt.date | None = None,
                   guardian: Person | None = None, checked_by: str | None = None) -> Consent:
    """Separate consent for one purpose; a child under 14 needs a linked guardian's consent."""
    authorize(actor, "people.consent.give", person, checked_by)
    given_on = given_on or timezone.localdate()
    if person.is_sensitive_minor:
        if guardian is None:
            raise ServiceError(_("不满14周岁的儿童须由监护人同意"), "guardian_id")
        if not GuardianLink.objects.filter(child=person, guardian=guardian).exists():
            raise ServiceError(_("同意人不是该儿童登记的监护人"), "guardian_id")
    consent = Consent.objects.create(
        person=person, purpose=purpose, given_on=given_on,
        given_by=Consent.GUARDIAN if guardian else Consent.SELF, guardian=guardian,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    log_action(actor, "consent.give", person, {"purpose": purpose, "guardian": guardian.pk if guardian else None})
    return consent


@transaction.atomic
def withdraw_consent(actor, consent: Consent, on: dt.date | None = None) -> Consent:
    """The person (or a guardian, or staff who may change the record) withdraws a consent."""
    require(actor, "people.consent.withdraw", consent.person)
    consent.withdrawn_on = on or timezone.localdate()
    consent.save(update_fields=["withdrawn_on"])
    log_action(actor, "consent.withdraw", consent.person, {"purpose": consent.purpose})
    return consent


def has_consent(person: Person, purpose: str) -> bool:
    return Consent.objects.filter(person=person, purpose=purpose, withdrawn_on__isnull=True).exists()
