"""Children, enrolment and the waiting list: every write and rule (docs/architecture.md: services hold the rules; scarce places).

A place is claimed by ONE conditional statement::

    UPDATE offering SET taken = taken + 1 WHERE id = %s AND taken < capacity

1 row updated = a place; 0 = the waiting list, whose position comes from the same kind of
atomic counter (``waitlist_seq``). The row lock the UPDATE takes is held to commit, so the
enrolment row and the counter never disagree. A lock wait longer than PostgreSQL's
``lock_timeout`` (``LEHUO_DB_LOCK_TIMEOUT_MS``, set on every connection) or SQLite's busy
timeout becomes ``Busy`` ("系统繁忙，请稍后重试", HTTP 503), never a 500.
"""

import contextlib
import datetime as dt
import time
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Exists, F
from django.utils import timezone
from django.utils.translation import gettext as _

from lehuo.lib.identity import IdentityError, age_at, parse_id_number
from lehuo.people import services as people_services
from lehuo.people.models import Consent, GuardianLink, Person
from lehuo.people.services import (
    find_person_by_id_number,
    has_consent,
    link_guardian,
    record_consent,
)
from lehuo.people.validation import PersonRules, clean_name
from lehuo.platform.audit import create_logged, log_action
from lehuo.platform.dberrors import is_transient
from lehuo.platform.errors import Busy, NotFound, ServiceError
from lehuo.platform.notify import notify
from lehuo.platform.rows import insert_row

from . import rush
from .models import Child, Enrolment, Offering

CONSENT_PURPOSE = "daycare"
# Tests only: switch the protection off to prove the concurrency test can fail (a plain
# read-then-write in Python). Never set outside tests.
UNSAFE_READ_THEN_WRITE = False
GRADES = range(1, 6)  # Shanghai primary school: grades 1-5


def rules() -> dict:
    return settings.LEHUO_RULES["daycare"]


@contextlib.contextmanager
def busy_on_lock_failure():
    """Lock timeouts, deadlocks, serialization failures and a lost connection become ``Busy``
    (any other database error is a bug and stays one: lehuo/platform/dberrors.py)."""
    try:
        yield
    except OperationalError as exc:
        if not is_transient(exc):
            raise
        raise Busy() from exc


# --- children -------------------------------------------------------------------------------

def check_grade(grade) -> int:
    try:
        grade = int(grade)
    except (TypeError, ValueError):
        raise ServiceError("请选择年级", "grade")
    if grade not in GRADES:
        raise ServiceError("暑托班只接收小学1-5年级的学生", "grade")
    return grade


def check_age(birth_date: dt.date | None, on: dt.date, field: str = "birth_date") -> None:
    if birth_date is None:
        raise ServiceError("请填写儿童的证件号码或出生日期", field)
    age = age_at(birth_date, on)
    if not rules()["min_age"] <= age <= rules()["max_age"]:
        raise ServiceError(
            f"暑托班只接收小学在读儿童（{rules()['min_age']}-{rules()['max_age']}周岁），该儿童{age}周岁", field)


def check_guardian_phone(guardian: Person) -> None:
    if not guardian.phone:
        raise ServiceError("请填写监护人手机号（候补转正时短信通知）", "guardian_phone")


def _new_child(actor, guardian: Person, *, name: str, id_number: str, birth_date: dt.date | None,
               sex: str = "") -> Person:
    """The child as a new person of the register, living with the guardian."""
    return people_services.create_person(
        actor, guardian.town, checked_by="daycare.child.register", name=name, id_number=id_number or "", birth_date=birth_date,
        sex=sex or "", neighbourhood=guardian.neighbourhood, address=guardian.address)


def _clean_name(name: str | None) -> str:
    return clean_name(name, "name", _("儿童姓名"))


def set_guardian_phone(actor, guardian: Person, phone: str, *, checked_by: str | None = None) -> Person:
    """A parent fills in the phone the waiting-list notice goes to (the register's phone rule)."""
    if not (phone or "").strip():
        raise ServiceError(_("请填写监护人手机号（候补转正时短信通知）"), "guardian_phone")
    try:
        changes = PersonRules(actor, guardian.town).check({"phone": phone}, person=guardian)
    except ServiceError as exc:
        raise ServiceError(exc.message, "guardian_phone")
    if changes["phone"] != guardian.phone:
        return people_services.update_person(actor, guardian, phone=changes["phone"], checked_by=checked_by)
    return guardian


@transaction.atomic
def register_child(actor, guardian: Person, *, name: str, school: str, grade, id_number: str = "",
                   birth_date: dt.date | None = None, sex: str = "", relation: str = "other",
                   consent: bool = False, on: dt.date | None = None) -> Child:
    """A guardian links a child (found by ID number, or created) and consents to the day-care
    use of the child's data (PIPL art. 31)."""
    on = on or timezone.localdate()
    name = _clean_name(name)
    school = (school or "").strip()
    if not school:
        raise ServiceError("请填写就读学校", "school")
    grade = check_grade(grade)
    check_guardian_phone(guardian)
    if relation not in dict(GuardianLink.RELATIONS):
        raise ServiceError("请选择与儿童的关系", "relation")
    if not consent:
        raise ServiceError("须监护人同意暑托班使用儿童的个人信息", "consent")
    person = None
    if id_number and id_number.strip():
        person = find_person_by_id_number(guardian.town, id_number)
        if person is None:
            try:
                parsed = parse_id_number(id_number)
            except IdentityError as exc:
                raise ServiceError(str(exc), "id_number")
            birth_date = parsed.birth_date or birth_date
            sex = parsed.sex or sex
        else:
            birth_date = person.birth_date
    elif birth_date is not None:
        person = Person.objects.filter(ward_links__guardian=guardian, name=name, birth_date=birth_date).first()
    check_age(birth_date, on)
    if person is not None:
        others = person.guardian_links.exclude(guardian=guardian)
        if others.exists() and not person.guardian_links.filter(guardian=guardian).exists():
            raise ServiceError("该儿童已由其他监护人登记，请联系居委会核实", "id_number")
    else:
        person = _new_child(actor, guardian, name=name, id_number=id_number, birth_date=birth_date, sex=sex)
    link_guardian(actor, person, guardian, relation, checked_by="daycare.child.register")
    child, created = Child.objects.update_or_create(person=person, defaults={"school": school[:100], "grade": grade})
    if not has_consent(person, CONSENT_PURPOSE):
        record_consent(actor, person, CONSENT_PURPOSE, guardian=guardian, given_on=on,
                       checked_by="daycare.child.register")
    log_action(actor, "daycare.child.register" if created else "daycare.child.update", child,
               {"person": person.pk, "guardian": guardian.pk, "school": school, "grade": grade})
    return child


def children_of(guardian: Person):
    return Child.objects.filter(person__guardian_links__guardian=guardian).select_related("person").order_by("person__birth_date", "pk")


# --- enrolment ------------------------------------------------------------------------------

def _claim_place(offering_id: int) -> bool:
    """Take a place if one is free: True, and the row stays locked to commit."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE daycare_offering SET taken = taken + 1 WHERE id = %s AND taken < capacity", [offering_id])
        return cursor.rowcount == 1


def _next_position(offering_id: int) -> int | None:
    """The next waiting-list number if the offering is full (None if a place is free), taken
    atomically by one UPDATE ... RETURNING (PostgreSQL, SQLite >= 3.35), row locked to commit."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE daycare_offering SET waitlist_seq = waitlist_seq + 1 "
                       "WHERE id = %s AND taken >= capacity RETURNING waitlist_seq", [offering_id])
        row = cursor.fetchone()
        return row[0] if row else None


def _place_or_position(offering_id: int, likely_full: bool, seen: tuple[int, int] | None = None) -> int | None:
    """None for a place, else the waiting-list position. Both statements are conditional, so
    ``likely_full`` (read earlier, maybe stale) only decides which is tried first: once the
    places are gone every request is one UPDATE, not two. Between the two a place can come
    free (a cancellation with nobody waiting) or go: try again, a few times at most."""
    if seen is not None:
        # Tests only: decide in Python on (taken, capacity) read earlier, then write it back:
        # the lost-update race the conditional UPDATE exists to prevent.
        if seen[0] < seen[1]:
            Offering.objects.filter(pk=offering_id).update(taken=seen[0] + 1)
            return None
        likely_full = True
    for _attempt in range(3):
        if likely_full:
            position = _next_position(offering_id)
            if position is not None:
                return position
        if _claim_place(offering_id):
            return None
        likely_full = True
    raise Busy()


DUPLICATE_MESSAGE = "该儿童本期已报名（已录取或候补中），同一期只能报一个班"


def _check_enrolment(*, now: dt.datetime, opens_at: dt.datetime, term_starts_on: dt.date,
                     birth_date: dt.date | None, grade, has_guardian_phone: bool, linked: bool, consented: bool,
                     holding: bool) -> None:
    """Every rule an enrolment must pass, in the order a parent should hear them."""
    if now < opens_at:
        opens = timezone.localtime(opens_at)
        raise ServiceError(f"报名尚未开始（{opens:%Y年%m月%d日 %H:%M} 开始）", "opens_at", code="not_open")
    check_age(birth_date, term_starts_on, "child")
    check_grade(grade)
    if not has_guardian_phone:
        raise ServiceError("请填写监护人手机号（候补转正时短信通知）", "guardian_phone")
    if not linked:
        raise ServiceError("您不是该儿童登记的监护人", "child")
    if not consented:
        raise ServiceError("须先取得监护人同意", "consent")
    if holding:
        raise ServiceError(DUPLICATE_MESSAGE, "child", code="duplicate")


def _record_enrolment(actor, *, offering_id: int, term_id: int, child_id: int, child_person_id: int,
                      guardian_id: int, now: dt.datetime, label: str, likely_full: bool,
                      key_row=None, answer: dict | None = None) -> Enrolment:
    """Claim a place or the next waiting-list position, and write the enrolment and its audit
    row (and ``key_row``, an unsaved ``IdempotencyKey``, with ``answer`` and the enrolment's
    id, status and position). The offering's row lock is held from the claim to the caller's
    commit, so nothing but writes follows it: every read and rule comes before."""
    seen = None
    if UNSAFE_READ_THEN_WRITE:
        seen = Offering.objects.values_list("taken", "capacity").get(pk=offering_id)
        time.sleep(0.002)
    try:
        # No savepoint of its own: any failure below aborts the caller's transaction too,
        # which is what we want (the error propagates), and it saves two round trips.
        with busy_on_lock_failure(), transaction.atomic(savepoint=False):
            position = _place_or_position(offering_id, likely_full, seen)
            if position is None:
                status, confirmed_at = Enrolment.CONFIRMED, now
            else:
                status, confirmed_at = Enrolment.WAITLISTED, None
            enrolment = Enrolment(
                offering_id=offering_id, term_id=term_id, child_id=child_id, guardian_id=guardian_id, status=status,
                position=position, created_at=now, confirmed_at=confirmed_at,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            create_logged(actor, "daycare.enrol", enrolment,
                          {"child": child_person_id, "offering": offering_id, "status": status, "position": position},
                          object_repr=label)
            if key_row is not None:
                key_row.status_code = 201
                key_row.response = {**(answer or {}), "id": enrolment.pk, "status": status, "position": position}
                insert_row(key_row)
    except IntegrityError:
        raise ServiceError(DUPLICATE_MESSAGE, "child", code="duplicate")
    return enrolment


def form_facts(child: Child, guardian: Person, term_id: int):
    """The three facts of the database ``enrol_child`` needs, in one round trip (a queryset of
    one row: linked, consented, holding)."""
    return Person.objects.filter(pk=child.person_id).annotate(
        linked=Exists(GuardianLink.objects.filter(child_id=child.person_id, guardian=guardian)),
        consented=Exists(Consent.objects.filter(person_id=child.person_id, purpose=CONSENT_PURPOSE,
                                                withdrawn_on__isnull=True)),
        holding=Exists(Enrolment.objects.filter(child=child, term_id=term_id, status__in=Enrolment.ACTIVE)),
    ).values("linked", "consented", "holding")


def enrol_child(actor, offering: Offering, child: Child, guardian: Person, *, now: dt.datetime | None = None) -> Enrolment:
    """Claim a place in ``offering`` for ``child`` or put the child on the waiting list."""
    now = now or timezone.now()
    facts = form_facts(child, guardian, offering.term_id).get()
    _check_enrolment(now=now, opens_at=offering.opens_at, term_starts_on=offering.term.starts_on,
                     birth_date=child.person.birth_date, grade=child.grade, has_guardian_phone=bool(guardian.phone),
                     **facts)
    enrolment = _record_enrolment(actor, offering_id=offering.pk, term_id=offering.term_id, child_id=child.pk,
                                  child_person_id=child.person_id, guardian_id=guardian.pk, now=now,
                                  label=f"{child} · {offering}", likely_full=offering.taken >= offering.capacity)
    enrolment.offering, enrolment.child = offering, child
    return enrolment


# One round trip for everything the opening-time rush needs to know (it runs for every
# request of the rush, so it is written once in SQL rather than as four ORM look-ups).
# No row: the offering is not in the town of the account's resident record (404). A row
# whose child columns are NULL: the child is not one of this guardian's.
# The active statuses are written into the SQL, not passed as parameters: the statement is
# prepared, and a generic plan with ``status IN ($2, $3)`` cannot use the partial unique index
# ``daycare_one_place_per_term`` (its predicate names the values). With that and an index on
# the term alone (dropped by migration 0003 for daycare_enrol_child_term_idx), PostgreSQL read
# every enrolment of the term per request, more as the rush went on (0.5 ms of its CPU per
# request at 2,000 enrolments). test_holding_check_does_not_read_the_whole_term pins both.
assert all(s.isalpha() for s in Enrolment.ACTIVE)  # plain words, safe to write into the SQL
_ACTIVE_SQL = ", ".join(f"'{s}'" for s in Enrolment.ACTIVE)
_RUSH_FACTS_SQL = """
SELECT o.opens_at, o.term_id, o.taken >= o.capacity, t.starts_on, t.number, t.ends_on, s.name,
       g.id, g.phone_hash, c.id, c.grade, p.id, p.name, p.birth_date,
       EXISTS (SELECT 1 FROM people_consent k
               WHERE k.person_id = p.id AND k.purpose = %s AND k.withdrawn_on IS NULL),
       EXISTS (SELECT 1 FROM daycare_enrolment e
               WHERE e.child_id = c.id AND e.term_id = o.term_id AND e.status IN (:active))
FROM daycare_offering o
JOIN daycare_term t ON t.id = o.term_id
JOIN daycare_site s ON s.id = o.site_id
JOIN daycare_year y ON y.id = s.year_id
JOIN people_person g ON g.account_id = %s AND g.erased_at IS NULL AND g.town_id = y.town_id
LEFT JOIN daycare_child c ON c.id = %s
  AND EXISTS (SELECT 1 FROM people_guardianlink gl WHERE gl.child_id = c.person_id AND gl.guardian_id = g.id)
LEFT JOIN people_person p ON p.id = c.person_id
WHERE o.id = %s
""".replace(":active", _ACTIVE_SQL)


def _sqlite_values(opens_at, *dates):
    """SQLite's raw rows carry naive UTC datetimes: convert them as the ORM would."""
    ops = connection.ops
    return (ops.convert_datetimefield_value(opens_at, None, connection),
            *(ops.convert_datefield_value(d, None, connection) for d in dates))


@dataclass(frozen=True)
class RushEnrolment:
    """What the rush path answers with (no model instances to build or to load again)."""

    id: int
    offering_id: int
    child_id: int
    child_name: str
    status: str
    position: int | None
    created_at: dt.datetime


def enrol_linked_child(user, offering_id: int, child_id: int, *, now: dt.datetime | None = None,
                       key_row=None) -> RushEnrolment:
    """A parent enrols one of their linked children: the opening-time rush path.

    The same rules as ``enrol_child``, with one read instead of five; on PostgreSQL the writes
    are one statement (``rush.py``), elsewhere ``_record_enrolment`` in a transaction.
    ``key_row`` (an unsaved ``IdempotencyKey``) is written with the enrolment, its response
    the answer. Raises ``NotFound`` for an offering outside the parent's town."""
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_RUSH_FACTS_SQL, [CONSENT_PURPOSE, user.pk, child_id, offering_id])
        row = cursor.fetchone()
    if row is None:
        raise NotFound()
    (opens_at, term_id, full, starts_on, term_number, ends_on, site_name, guardian_id, phone_hash, child_pk, grade,
     person_id, name, birth_date, consented, holding) = row
    if child_pk is None:
        raise ServiceError("儿童不存在或不是您登记的孩子", "child_id")
    if connection.vendor == "sqlite":  # SQLite hands back text for these; PostgreSQL typed values
        opens_at, starts_on, ends_on, birth_date = _sqlite_values(opens_at, starts_on, ends_on, birth_date)
    _check_enrolment(now=now, opens_at=opens_at, term_starts_on=starts_on, birth_date=birth_date, grade=grade,
                     has_guardian_phone=bool(phone_hash), linked=True, consented=bool(consented),
                     holding=bool(holding))
    term = f"第{term_number}期（{starts_on:%m/%d}-{ends_on:%m/%d}）"
    label = f"{name} · {site_name} {term}"
    # The answer's fields known before the write; the key row adds id, status and position.
    known = {"offering_id": offering_id, "child_id": child_pk, "child_name": name, "created_at": now.isoformat()}
    if connection.vendor == "postgresql" and not UNSAFE_READ_THEN_WRITE:
        try:
            with busy_on_lock_failure():
                pk, status, position = rush.write(user, offering_id=offering_id, term_id=term_id, child_id=child_pk,
                                                  child_person_id=person_id, guardian_id=guardian_id, now=now,
                                                  label=label, key_row=key_row, answer=known)
        except IntegrityError:
            raise ServiceError(DUPLICATE_MESSAGE, "child", code="duplicate")
    else:
        e = _record_enrolment(user, offering_id=offering_id, term_id=term_id, child_id=child_pk,
                              child_person_id=person_id, guardian_id=guardian_id, now=now, label=label,
                              likely_full=bool(full), key_row=key_row, answer=known)
        pk, status, position = e.pk, e.status, e.position
    return RushEnrolment(id=pk, offering_id=offering_id, child_id=child_pk, child_name=name, status=status,
                         position=position, created_at=now)


def rush_answer(e: RushEnrolment) -> dict:
    """The API's answer to a rush enrolment (the fields of ``EnrolmentOut``), as the key row
    stores it."""
    return {**asdict(e), "created_at": e.created_at.isoformat()}


def promote_waiting(actor, offering: Offering, places: int, now: dt.datetime, why: dict) -> list[Enrolment]:
    """Confirm the first ``places`` waiting children (lowest positions first), audit each with
    ``why``, and tell their guardians after commit. The caller holds the offering's row lock
    and keeps ``taken`` right (a freed place is re-used; new places are added)."""
    if places <= 0:
        return []
    waiting = list(Enrolment.objects.select_for_update(of=("self",)).select_related("guardian", "child__person")
                   .filter(offering=offering, status=Enrolment.WAITLISTED).order_by("position")[:places])
    for e in waiting:
        e.status, e.confirmed_at = Enrolment.CONFIRMED, now
        e.save(update_fields=["status", "confirmed_at"])
        log_action(actor, "daycare.promote", e, {"position": e.position, **why})
        notify(e.guardian.phone, f"【乐活新泾】{e.child.person.name}已由候补转为正式录取："
                                 f"{offering.site.name}{offering.term}，请按时报到。")
    return waiting


def cancel_enrolment(actor, enrolment: Enrolment, reason: str = "") -> Enrolment | None:
    """Cancel; a freed place goes to the first waiting child in the same transaction, whose
    guardian is told after commit. Returns the promoted enrolment, if any."""
    try:
        with busy_on_lock_failure(), transaction.atomic():
            # Lock the offering first (the same order as enrol_child: no deadlock), then the row.
            offering = Offering.objects.select_for_update().select_related("site", "term").get(pk=enrolment.offering_id)
            current = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
            if current.status == Enrolment.CANCELLED:
                raise ServiceError("该报名已取消", "status")
            was_confirmed = current.status == Enrolment.CONFIRMED
            now = timezone.now()
            current.status, current.cancelled_at, current.cancel_reason = Enrolment.CANCELLED, now, (reason or "")[:200]
            current.save(update_fields=["status", "cancelled_at", "cancel_reason"])
            log_action(actor, "daycare.cancel", current, {"was": "confirmed" if was_confirmed else "waitlisted",
                                                          "reason": reason})
            promoted = None
            if was_confirmed:
                promoted = next(iter(promote_waiting(actor, offering, 1, now, {"freed_by": current.pk})), None)
                if promoted is None:
                    Offering.objects.filter(pk=offering.pk, taken__gt=0).update(taken=F("taken") - 1)
    except Enrolment.DoesNotExist:
        raise NotFound()
    enrolment.refresh_from_db()
    return promoted


def waiting_ahead(enrolment: Enrolment) -> int:
    """How many children still wait before this one (positions are never reused)."""
    if enrolment.status != Enrolment.WAITLISTED:
        return 0
    return Enrolment.objects.filter(offering_id=enrolment.offering_id, status=Enrolment.WAITLISTED,
                                    position__lt=enrolment.position).count()
