"""Enrolment: people joining and leaving a cohort, with its capacity held by a conditional UPDATE."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lehuo.accounts.permissions import may, require, scope_q
from lehuo.people.models import Person
from lehuo.platform.audit import log_action
from lehuo.platform.errors import ServiceError
from lehuo.training import aggregates
from lehuo.training.models import Cohort, Enrolment


def person_for_cohort(actor, cohort: Cohort, person_id) -> Person:
    """The person ``actor`` may enrol (``training.enrolment.person``: any resident of the
    cohort's town). Finding them gives no access to their register record."""
    try:
        return Person.objects.active().filter(scope_q(actor, "training.enrolment.person")).get(
            pk=person_id, town_id=cohort.programme.studio.town_id)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise ServiceError(_("人员不存在"), "person_id")


@transaction.atomic
def enrol(actor, cohort: Cohort, person: Person, *, on: dt.date | None = None) -> Enrolment:
    """Claim a place with a conditional UPDATE, so two enrolments never overfill the cohort.
    Who may enrol whom is the policy's (lehuo/training/policy.py)."""
    require(actor, "training.enrolment.create", cohort)
    if (person.town_id != cohort.programme.studio.town_id or person.erased_at
            or not may(actor, "training.enrolment.person", person)):
        raise ServiceError(_("人员不存在"), "person_id")
    existing = Enrolment.objects.select_for_update().filter(cohort=cohort, person=person).first()
    if existing and existing.status == Enrolment.ACTIVE:
        raise ServiceError(_("%(name)s已报名%(cohort)s") % {"name": person.name, "cohort": cohort}, "person_id",
                               code="duplicate")
    claimed = Cohort.objects.filter(pk=cohort.pk).filter(
        Q(capacity__isnull=True) | Q(enrolled_count__lt=F("capacity"))
    ).update(enrolled_count=F("enrolled_count") + 1)
    if not claimed:
        raise ServiceError(_("%(cohort)s名额已满（%(n)s人）") % {"cohort": cohort, "n": cohort.capacity}, "person_id",
                           code="full")
    if existing:
        existing.status = Enrolment.ACTIVE
        existing.save(update_fields=["status"])
        enrolment = existing
    else:
        try:
            with transaction.atomic():
                enrolment = Enrolment.objects.create(cohort=cohort, person=person,
                                                     enrolled_on=on or timezone.localdate(),
                                                     neighbourhood_id=person.neighbourhood_id)
        except IntegrityError:
            raise ServiceError(_("%(name)s已报名%(cohort)s") % {"name": person.name, "cohort": cohort}, "person_id",
                               code="duplicate")
    aggregates.people_changed(cohort.pk, [person.pk])
    log_action(actor, "training.enrol", enrolment, {"cohort": cohort.pk, "person": person.pk})
    return enrolment


@transaction.atomic
def withdraw(actor, enrolment: Enrolment, reason: str = "") -> Enrolment:
    require(actor, "training.enrolment.withdraw", enrolment)
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.status != Enrolment.ACTIVE:
        return enrolment
    enrolment.status = Enrolment.WITHDRAWN
    enrolment.save(update_fields=["status"])
    Cohort.objects.filter(pk=enrolment.cohort_id, enrolled_count__gt=0).update(enrolled_count=F("enrolled_count") - 1)
    aggregates.people_changed(enrolment.cohort_id, [enrolment.person_id])
    log_action(actor, "training.withdraw", enrolment, {"reason": (reason or "")[:200]})
    return enrolment
