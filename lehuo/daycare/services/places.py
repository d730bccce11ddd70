"""Taking and giving back a place: the ONLY way a day-care place is taken is ``take_place``.

The parent's page, the API, staff enrolling for a parent and the 9:00 rush all call it; it
reads everything the rules need in one query, checks the actor against the policy and the
rules, then claims a place or the next waiting-list position and writes the enrolment, its
audit row and the idempotency key's answer together (``_write``):

- on PostgreSQL one statement in autocommit (``claim_sql.py``): it locks the offering's row,
  decides "a place is free" on that row, takes the place (``taken + 1``) or the next position
  (``waitlist_seq + 1``) and inserts the rows; nothing is written if any part fails;
- on SQLite (one writer at a time) the same conditional UPDATEs in a transaction: ``taken =
  taken + 1 WHERE taken < capacity``, else ``waitlist_seq + 1 WHERE taken >= capacity``.

Either way the decision and the write are one atomic step on the offering's row: never
overbooked, a waiting list without gaps (tests/test_concurrency.py proves both, and that the
test fails with a read-then-write claim patched in). A lock wait longer than the database's
lock timeout becomes ``Busy`` (503, "try again"), never a 500.

Places come back by ``cancel_enrolment`` (the first waiting child is promoted in the same
transaction and told after commit) and by ``services_running.update_offering`` (more places).
"""

import contextlib
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from lehuo.accounts.permissions import may, require
from lehuo.lib.labels import term_label
from lehuo.platform.audit import create_logged, log_action
from lehuo.platform.dberrors import is_transient
from lehuo.platform.errors import Busy, NotFound, ServiceError
from lehuo.platform.notify import notify
from lehuo.platform.rows import insert_row

from .. import claim_sql
from ..models import Child, Enrolment, Offering
from .children import CONSENT_PURPOSE, check_age, check_grade


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


def duplicate_message() -> str:
    return _("该儿童本期已报名（已录取或候补中），同一期只能报一个班")


@dataclass(frozen=True)
class Placed:
    """An enrolment as every caller answers it (the API's ``EnrolmentOut``, the idempotent
    replay, the receipt page): no model instance to build or load again."""

    id: int
    offering_id: int
    child_id: int
    child_name: str
    status: str
    position: int | None
    created_at: dt.datetime

    @classmethod
    def of(cls, e: Enrolment) -> "Placed":
        return cls(e.pk, e.offering_id, e.child_id, e.child.person.name, e.status, e.position, e.created_at)

    def body(self) -> dict:
        """The JSON answer (what the idempotency key stores)."""
        return {"id": self.id, "offering_id": self.offering_id, "child_id": self.child_id,
                "child_name": self.child_name, "status": self.status, "position": self.position,
                "created_at": self.created_at.isoformat()}


def _check(*, now: dt.datetime, opens_at: dt.datetime, term_starts_on: dt.date, birth_date: dt.date | None, grade,
           has_guardian_phone: bool, consented: bool, holding: bool) -> None:
    """Every rule an enrolment must pass, in the order a parent should hear them."""
    if now < opens_at:
        opens = format_date(timezone.localtime(opens_at), pgettext("date format", "Y年m月d日 H:i"))
        raise ServiceError(_("报名尚未开始（%(when)s 开始）") % {"when": opens}, "opens_at",
                           code="not_open")
    check_age(birth_date, term_starts_on, "child")
    check_grade(grade)
    if not has_guardian_phone:
        raise ServiceError(_("请填写监护人手机号（候补转正时短信通知）"), "guardian_phone")
    if not consented:
        raise ServiceError(_("须先取得监护人同意"), "consent")
    if holding:
        raise ServiceError(duplicate_message(), "child", code="duplicate")


# Everything ``take_place`` reads, in one query (it runs for every request of the rush). No
# row: the offering is not in the town of the guardian. A row whose child columns are NULL:
# the child is not one of this guardian's. The guardian is the actor's own record (a parent)
# or the one staff enrol for (``{guardian}``).
# The active statuses are written into the SQL, not passed as parameters: the statement is
# prepared, and a generic plan with ``status IN ($2, $3)`` cannot use the partial unique index
# ``daycare_one_place_per_term`` (its predicate names the values); with an index on the term
# alone PostgreSQL read every enrolment of the term per request (migration 0003).
# test_holding_check_does_not_read_the_whole_term pins it.
assert all(s.isalpha() for s in Enrolment.ACTIVE)  # plain words, safe to write into the SQL
_ACTIVE_SQL = ", ".join(f"'{s}'" for s in Enrolment.ACTIVE)
_FACTS_SQL = """
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
JOIN people_person g ON {guardian} = %s AND g.erased_at IS NULL AND g.town_id = y.town_id
LEFT JOIN daycare_child c ON c.id = %s
  AND EXISTS (SELECT 1 FROM people_guardianlink gl WHERE gl.child_id = c.person_id AND gl.guardian_id = g.id)
LEFT JOIN people_person p ON p.id = c.person_id
WHERE o.id = %s
""".replace(":active", _ACTIVE_SQL)
FACTS_BY_ACCOUNT = _FACTS_SQL.format(guardian="g.account_id")
FACTS_BY_GUARDIAN = _FACTS_SQL.format(guardian="g.id")


def _facts(sql: str, who: int, offering_id: int, child_id: int):
    with connection.cursor() as cursor:
        cursor.execute(sql, [CONSENT_PURPOSE, who, child_id, offering_id])
        row = cursor.fetchone()
    if row is not None and connection.vendor == "sqlite":  # SQLite hands back text for these
        ops: Any = connection.ops  # the SQLite backend's converters
        row = list(row)
        row[0] = ops.convert_datetimefield_value(row[0], None, connection)
        for i in (3, 5, 13):
            row[i] = ops.convert_datefield_value(row[i], None, connection)
    return row


def enrol_scope(offering_id: int) -> str:
    """The idempotency scope of an enrolment: the same for the page and the API."""
    return f"daycare.enrol:{offering_id}"


def take_place(actor, offering_id: int, child_id: int, *, guardian=None, now: dt.datetime | None = None,
               key_row=None) -> Placed:
    """Claim a place in the offering for the child, or the next waiting-list position.

    A parent (``guardian`` None) enrols one of their own children in an offering of their
    town; staff of the site name the ``guardian`` they enrol for (``daycare.enrolment.staff``).
    ``key_row`` (an unsaved ``IdempotencyKey``) is written with the enrolment, its answer the
    ``Placed.body()``. ``NotFound`` for an offering the actor may not enrol in."""
    now = now or timezone.now()
    if guardian is None:
        require(actor, "daycare.enrolment.create")
        sql, who = FACTS_BY_ACCOUNT, actor.pk
    else:
        sql, who = FACTS_BY_GUARDIAN, guardian.pk
    row = _facts(sql, who, offering_id, child_id)
    if row is None:
        raise NotFound()
    (opens_at, term_id, full, starts_on, term_number, ends_on, site_name, guardian_id, phone_hash, child_pk, grade,
     person_id, name, birth_date, consented, holding) = row
    if guardian is not None:
        require(actor, "daycare.enrolment.staff", Offering.objects.select_related("site__year").get(pk=offering_id))
    if child_pk is None or (guardian is None and not may(actor, "daycare.own.view", Child(pk=child_pk, person_id=person_id))):
        raise ServiceError(_("儿童不存在或不是您登记的孩子"), "child_id")
    _check(now=now, opens_at=opens_at, term_starts_on=starts_on, birth_date=birth_date, grade=grade,
           has_guardian_phone=bool(phone_hash), consented=bool(consented), holding=bool(holding))
    known = {"offering_id": offering_id, "child_id": child_pk, "child_name": name, "created_at": now.isoformat()}
    label = f"{name} · {site_name} {term_label(term_number, starts_on, ends_on)}"
    try:
        with busy_on_lock_failure():
            pk, status, position = _write(actor, offering_id=offering_id, term_id=term_id, child_id=child_pk,
                                          child_person_id=person_id, guardian_id=guardian_id, now=now, label=label,
                                          likely_full=bool(full), key_row=key_row, answer=known)
    except IntegrityError:
        raise ServiceError(duplicate_message(), "child", code="duplicate")
    return Placed(pk, offering_id, child_pk, name, status, position, now)


def _write(actor, **claim) -> tuple[int, str, int | None]:
    """Claim and write, atomically (see the module's docstring): (enrolment id, status, position)."""
    if connection.vendor == "postgresql":
        claim.pop("likely_full")  # the statement decides on the locked row itself
        return claim_sql.write(actor, **claim)
    return _write_in_transaction(actor, **claim)


def _write_in_transaction(actor, *, offering_id: int, term_id: int, child_id: int, child_person_id: int,
                          guardian_id: int, now: dt.datetime, label: str, likely_full: bool, key_row=None,
                          answer: dict | None = None) -> tuple[int, str, int | None]:
    """The claim as conditional UPDATEs, then the rows, in one transaction that holds the
    offering's row from the claim to commit (nothing but writes follows the claim)."""
    with transaction.atomic():
        position = _place_or_position(offering_id, likely_full)
        status = Enrolment.CONFIRMED if position is None else Enrolment.WAITLISTED
        enrolment = Enrolment(
            offering_id=offering_id, term_id=term_id, child_id=child_id, guardian_id=guardian_id, status=status,
            position=position, created_at=now, confirmed_at=now if position is None else None,
            created_by=actor if getattr(actor, "is_authenticated", False) else None)
        create_logged(actor, "daycare.enrol", enrolment,
                      {"child": child_person_id, "offering": offering_id, "status": status, "position": position},
                      object_repr=label)
        if key_row is not None:
            key_row.status_code = 201
            key_row.response = {**(answer or {}), "id": enrolment.pk, "status": status, "position": position}
            insert_row(key_row)
    return enrolment.pk, status, position


def _place_or_position(offering_id: int, likely_full: bool) -> int | None:
    """None for a place, else the waiting-list position. Both UPDATEs are conditional, so
    ``likely_full`` (read earlier, maybe stale) only decides which is tried first. Between the
    two a place can come free or go: try again, a few times at most."""
    with connection.cursor() as cursor:
        for _attempt in range(3):
            if likely_full:
                cursor.execute("UPDATE daycare_offering SET waitlist_seq = waitlist_seq + 1 "
                               "WHERE id = %s AND taken >= capacity RETURNING waitlist_seq", [offering_id])
                row = cursor.fetchone()
                if row is not None:
                    return row[0]
            cursor.execute("UPDATE daycare_offering SET taken = taken + 1 WHERE id = %s AND taken < capacity",
                           [offering_id])
            if cursor.rowcount == 1:
                return None
            likely_full = True
    raise Busy()


# --- giving places back ------------------------------------------------------------------------

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
        notify(e.guardian.phone, _("【乐活新泾】%(child)s已由候补转为正式录取：%(site)s%(term)s，请按时报到。")
               % {"child": e.child.person.name, "site": offering.site.name, "term": offering.term})
    return waiting


def cancel_enrolment(actor, enrolment: Enrolment, reason: str = "") -> Enrolment | None:
    """Cancel; a freed place goes to the first waiting child in the same transaction, whose
    guardian is told after commit. A guardian cancels until the term starts; the site's staff
    at any time. Returns the promoted enrolment, if any."""
    require(actor, "daycare.enrolment.cancel", enrolment)
    try:
        with busy_on_lock_failure(), transaction.atomic():
            # Lock the offering first (the same order as take_place: no deadlock), then the row.
            offering = Offering.objects.select_for_update().select_related("site__year", "term").get(
                pk=enrolment.offering_id)
            current = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
            if current.status == Enrolment.CANCELLED:
                raise ServiceError(_("该报名已取消"), "status")
            if timezone.localdate() >= offering.term.starts_on and not may(actor, "daycare.offering.run", offering):
                raise ServiceError(_("本期已开班，不能在线取消，请联系办班点"), "status", code="started")
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


def may_cancel(actor, enrolment: Enrolment) -> bool:
    """Whether the receipt offers "cancel" (``cancel_enrolment``'s own checks, without writing)."""
    if enrolment.status == Enrolment.CANCELLED or not may(actor, "daycare.enrolment.cancel", enrolment):
        return False
    offering = enrolment.offering
    return timezone.localdate() < offering.term.starts_on or may(actor, "daycare.offering.run", offering)


def enrol_new_child(actor, offering_id: int, *, child: dict, guardian: dict | None = None, relation: str = "other",
                    consent: bool = False, key_row=None) -> Placed:
    """Enrol a child not yet linked, in one request: a site's staff enrolling a family
    (``guardian`` name and phone: ``register_walk_in``), or a parent adding their own child
    (``add_child``; a child with an ID number waits for staff, and cannot be enrolled yet).
    Then ``take_place``. The family and the place are written together, or nothing."""
    from lehuo.accounts.permissions import scope_q

    from .children import add_child, register_walk_in

    offering = (Offering.objects.filter(scope_q(actor, "daycare.offering.roster", Offering), pk=offering_id)
                .select_related("site__year__town", "site__neighbourhood", "term").first())
    with transaction.atomic():
        if offering is not None and may(actor, "daycare.enrolment.staff", offering):
            g = guardian or {}
            family, added = register_walk_in(actor, offering, guardian_name=g.get("name", ""),
                                             guardian_phone=g.get("phone", ""), relation=relation, consent=consent,
                                             **child)
            return take_place(actor, offering_id, added.pk, guardian=family, key_row=key_row)
        require(actor, "daycare.enrolment.create")
        from .reading import offerings_for

        offering = offerings_for(actor).filter(pk=offering_id).first()
        if offering is None:
            raise NotFound()
        if not offering.is_open:
            _check(now=timezone.now(), opens_at=offering.opens_at, term_starts_on=offering.term.starts_on,
                   birth_date=None, grade=None, has_guardian_phone=True, consented=True, holding=False)
        own = add_child(actor, relation=relation, consent=consent, on=offering.term.starts_on,
                        guardian_phone=(guardian or {}).get("phone") or None, **child)
        if not isinstance(own, Child):  # a claim on a child of the register: staff check it first
            raise ServiceError(_("已提交关联孩子的申请，居委会核实后即可报名"), "child", code="pending")
        return take_place(actor, offering_id, own.pk, key_row=key_row)


def take_place_allowed(actor) -> None:
    """403 for an actor who may not enrol a child at all (a page's form that did not parse)."""
    require(actor, "daycare.enrolment.create")


def waiting_ahead(enrolment: Enrolment) -> int:
    """How many children still wait before this one (positions are never reused)."""
    if enrolment.status != Enrolment.WAITLISTED:
        return 0
    return Enrolment.objects.filter(offering_id=enrolment.offering_id, status=Enrolment.WAITLISTED,
                                    position__lt=enrolment.position).count()


def enrolments_of(actor):
    """The enrolments of the actor's children (newest first)."""
    from lehuo.accounts.permissions import scope_q

    require(actor, "daycare.own.view")
    return (Enrolment.objects.filter(scope_q(actor, "daycare.own.view", Enrolment))
            .select_related("offering__site", "offering__term", "child__person").order_by("-created_at"))
