"""Children, enrolment and the waiting list: every write and rule (STYLE.md points 2 and 3).

A place is claimed by ONE conditional statement::

    UPDATE offering SET taken = taken + 1 WHERE id = %s AND taken < capacity

1 row updated = a place; 0 = the waiting list, whose position comes from the same kind of
atomic counter (``waitlist_seq``). The row lock the UPDATE takes is held to commit, so the
enrolment row and the counter never disagree. A lock wait longer than ``LOCK_TIMEOUT_MS``
(or SQLite's busy timeout) becomes ``Busy`` ("系统繁忙，请稍后重试", HTTP 503), never a 500.
"""

import contextlib
import datetime as dt
import time

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Exists, F
from django.utils import timezone

from lehuo.core.audit import log_action
from lehuo.core.crypto import keyed_hash
from lehuo.core.errors import Busy, NotFound, ServiceError
from lehuo.core.identity import IdentityError, age_at, normalise_phone
from lehuo.core.models import Consent, GuardianLink, Person
from lehuo.core.notify import notify
from lehuo.core.services import (
    apply_identity,
    find_person_by_id_number,
    has_consent,
    link_guardian,
    record_consent,
)
from lehuo.core.text import pinyin_key

from .models import Child, Enrolment, Offering

CONSENT_PURPOSE = "daycare"
LOCK_TIMEOUT_MS = 5000
# Tests only: switch the protection off to prove the concurrency test can fail (a plain
# read-then-write in Python). Never set outside tests.
UNSAFE_READ_THEN_WRITE = False
GRADES = range(1, 6)  # Shanghai primary school: grades 1-5


def rules() -> dict:
    return settings.LEHUO_RULES["daycare"]


@contextlib.contextmanager
def busy_on_lock_failure():
    """Lock timeouts, deadlocks and serialization failures become ``Busy``."""
    try:
        yield
    except OperationalError as exc:
        raise Busy() from exc


def _set_lock_timeout() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = {int(LOCK_TIMEOUT_MS)}")


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


def _new_person(guardian: Person, *, name: str, id_number: str, birth_date: dt.date | None, sex: str = "") -> Person:
    person = Person(town=guardian.town, neighbourhood=guardian.neighbourhood, name=name, birth_date=birth_date,
                    sex=sex or "", address=guardian.address)
    apply_identity(person, id_number=id_number or "", id_type=None, phone="")
    person.name_pinyin, person.name_initials = pinyin_key(name)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        raise ServiceError("该证件号码已登记", "id_number", code="duplicate")
    return person


def _clean_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        raise ServiceError("请填写儿童姓名", "name")
    if len(name) > 50 or any(ord(c) < 32 for c in name):
        raise ServiceError("姓名不正确", "name")
    return name


def set_guardian_phone(actor, guardian: Person, phone: str) -> Person:
    """A parent fills in the phone the waiting-list notice goes to."""
    try:
        normalised = normalise_phone(phone or "")
    except IdentityError as exc:
        raise ServiceError(str(exc), "guardian_phone")
    if normalised != guardian.phone:
        guardian.phone, guardian.phone_hash, guardian.phone_tail = normalised, keyed_hash(normalised), normalised[-4:]
        guardian.save(update_fields=["phone", "phone_hash", "phone_tail", "updated_at"])
        log_action(actor, "daycare.guardian_phone", guardian, {"phone": normalised})
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
            probe = Person(town=guardian.town)
            apply_identity(probe, id_number=id_number, id_type=None, phone=None)
            birth_date = probe.birth_date or birth_date
            sex = probe.sex or sex
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
        person = _new_person(guardian, name=name, id_number=id_number, birth_date=birth_date, sex=sex)
    link_guardian(actor, person, guardian, relation)
    child, created = Child.objects.update_or_create(person=person, defaults={"school": school[:100], "grade": grade})
    if not has_consent(person, CONSENT_PURPOSE):
        record_consent(actor, person, CONSENT_PURPOSE, guardian=guardian, given_on=on)
    log_action(actor, "daycare.child.register" if created else "daycare.child.update", child,
               {"person": person.pk, "guardian": guardian.pk, "school": school, "grade": grade})
    return child


def children_of(guardian: Person):
    return Child.objects.filter(person__guardian_links__guardian=guardian).select_related("person").order_by("person__birth_date", "pk")


# --- enrolment ------------------------------------------------------------------------------

def _claim_place(offering: Offering, seen: tuple[int, int] | None) -> bool:
    """True if a place was taken for this transaction, False for the waiting list."""
    if seen is not None:
        # Tests only: decide in Python on a value read earlier, then write it back: the
        # lost-update race the conditional UPDATE exists to prevent.
        if seen[0] < seen[1]:
            Offering.objects.filter(pk=offering.pk).update(taken=seen[0] + 1)
            return True
        return False
    return Offering.objects.filter(pk=offering.pk, taken__lt=F("capacity")).update(taken=F("taken") + 1) == 1


def _next_position(offering: Offering) -> int:
    """The next waiting-list number, taken atomically: one UPDATE ... RETURNING (PostgreSQL,
    SQLite >= 3.35). The row lock it takes is held to commit."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE daycare_offering SET waitlist_seq = waitlist_seq + 1 WHERE id = %s RETURNING waitlist_seq",
                       [offering.pk])
        return cursor.fetchone()[0]


def enrol_child(actor, offering: Offering, child: Child, guardian: Person, *, now: dt.datetime | None = None) -> Enrolment:
    """Claim a place in ``offering`` for ``child`` or put the child on the waiting list."""
    now = now or timezone.now()
    if now < offering.opens_at:
        opens = timezone.localtime(offering.opens_at)
        raise ServiceError(f"报名尚未开始（{opens:%Y年%m月%d日 %H:%M} 开始）", "opens_at", code="not_open")
    check_age(child.person.birth_date, offering.term.starts_on, "child")
    check_grade(child.grade)
    check_guardian_phone(guardian)
    # The three preconditions in one round trip (this runs for every request of the rush).
    facts = Person.objects.filter(pk=child.person_id).annotate(
        linked=Exists(GuardianLink.objects.filter(child_id=child.person_id, guardian=guardian)),
        consented=Exists(Consent.objects.filter(person_id=child.person_id, purpose=CONSENT_PURPOSE,
                                                withdrawn_on__isnull=True)),
        holding=Exists(Enrolment.objects.filter(child=child, term_id=offering.term_id, status__in=Enrolment.ACTIVE)),
    ).values("linked", "consented", "holding").get()
    if not facts["linked"]:
        raise ServiceError("您不是该儿童登记的监护人", "child")
    if not facts["consented"]:
        raise ServiceError("须先取得监护人同意", "consent")
    if facts["holding"]:
        raise ServiceError("该儿童本期已报名（已录取或候补中），同一期只能报一个班", "child", code="duplicate")
    seen = None
    if UNSAFE_READ_THEN_WRITE:
        seen = Offering.objects.values_list("taken", "capacity").get(pk=offering.pk)
        time.sleep(0.002)
    try:
        # No savepoint of its own: any failure below aborts the caller's transaction too,
        # which is what we want (the error propagates), and it saves two round trips.
        with busy_on_lock_failure(), transaction.atomic(savepoint=False):
            _set_lock_timeout()
            if _claim_place(offering, seen):
                status, position, confirmed_at = Enrolment.CONFIRMED, None, now
            else:
                status, position, confirmed_at = Enrolment.WAITLISTED, _next_position(offering), None
            enrolment = Enrolment.objects.create(
                offering=offering, term_id=offering.term_id, child=child, guardian=guardian, status=status,
                position=position, created_at=now, confirmed_at=confirmed_at,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            log_action(actor, "daycare.enrol", enrolment,
                       {"child": child.person_id, "offering": offering.pk, "status": status, "position": position})
    except IntegrityError:
        raise ServiceError("该儿童本期已报名（已录取或候补中），同一期只能报一个班", "child", code="duplicate")
    return enrolment


def cancel_enrolment(actor, enrolment: Enrolment, reason: str = "") -> Enrolment | None:
    """Cancel; a freed place goes to the first waiting child in the same transaction, whose
    guardian is told after commit. Returns the promoted enrolment, if any."""
    try:
        with busy_on_lock_failure(), transaction.atomic():
            _set_lock_timeout()
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
                promoted = (Enrolment.objects.select_for_update().select_related("guardian", "child__person")
                            .filter(offering=offering, status=Enrolment.WAITLISTED).order_by("position").first())
                if promoted is None:
                    Offering.objects.filter(pk=offering.pk, taken__gt=0).update(taken=F("taken") - 1)
                else:
                    promoted.status, promoted.confirmed_at = Enrolment.CONFIRMED, now
                    promoted.save(update_fields=["status", "confirmed_at"])
                    log_action(actor, "daycare.promote", promoted, {"position": promoted.position, "freed_by": current.pk})
                    notify(promoted.guardian.phone,
                           f"【乐活新泾】{promoted.child.person.name}已由候补转为正式录取："
                           f"{offering.site.name}{offering.term}，请按时报到。")
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
