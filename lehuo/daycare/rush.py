"""The opening-time rush's write on PostgreSQL: one statement, no transaction round trips.

``_record_enrolment`` (services.py) is BEGIN, the conditional claim (one or two UPDATEs), the
enrolment and its audit row, the idempotency key, COMMIT: five or six round trips, and on a
small server each costs more than the rows (py-spy on the burst: the workers spent 91 % of
an enrolment waiting on the database). Here the same writes are one statement in autocommit,
which PostgreSQL runs atomically:

- ``cur`` locks the offering's row (``FOR UPDATE`` waits for a concurrent claim and then reads
  the row as that claim committed it) and decides: a place is free or not;
- ``u`` takes the place (``taken + 1``) or the next waiting-list number (``waitlist_seq + 1``)
  on the row it holds, so the decision and the write are on the same row version;
- ``e`` inserts the enrolment (confirmed with ``confirmed_at``, or waitlisted with its
  position), ``a`` its audit row, ``k`` the idempotency key with the answer.

A unique violation (the child already holds a place this term; the key already used) or a
lock timeout aborts the whole statement: nothing is written. The rules are checked before,
by the caller, on the facts query. The columns and values come from the models' own fields
(``lehuo.core.rows``), so a new column with a Python default is written here as well.
"""

import datetime as dt
import json
from functools import cache

from django.db import connection, transaction

from lehuo.core.audit import build_log
from lehuo.core.errors import NotFound
from lehuo.core.models import AuditLog, IdempotencyKey
from lehuo.core.rows import _insert_plan, _values

from .models import Enrolment

# Columns whose values come from the claim inside the statement, not from Python.
_COMPUTED = {
    Enrolment: {
        "status": "CASE WHEN u.free THEN %s ELSE %s END",
        "position": "u.position",
        "confirmed_at": "CASE WHEN u.free THEN CAST(%s AS timestamptz) END",
    },
    AuditLog: {
        "object_id": "CAST(e.id AS varchar)",
        "data": "CAST(%s AS jsonb) || jsonb_build_object('status', e.status, 'position', e.position)",
    },
    IdempotencyKey: {
        "response": "CAST(%s AS jsonb) || jsonb_build_object('id', e.id, 'status', e.status, 'position', e.position)",
    },
}


def _select(model, source: str):
    """(fields given by Python, ``INSERT ... SELECT`` of ``model`` from CTE ``source``)."""
    qn = connection.ops.quote_name
    fields, _sql = _insert_plan(model, "postgresql", connection.alias)
    computed = _COMPUTED[model]
    columns = ", ".join(qn(f.column) for f in fields)
    exprs = ", ".join(computed.get(f.attname, "%s") for f in fields)
    given = [f for f in fields if f.attname not in computed]
    return fields, given, f"INSERT INTO {qn(model._meta.db_table)} ({columns}) SELECT {exprs} FROM {source}"  # noqa: S608


@cache
def _statement(alias: str, with_key: bool):
    e_fields, e_given, e_insert = _select(Enrolment, "u")
    a_fields, a_given, a_insert = _select(AuditLog, "e")
    k_fields, k_given, k_insert = _select(IdempotencyKey, "e") if with_key else ([], [], "")
    # Every name in the statement comes from the models.
    head = ("WITH cur AS (SELECT id, taken < capacity AS free FROM daycare_offering WHERE id = %s FOR UPDATE), "
            "u AS (UPDATE daycare_offering d SET taken = d.taken + CASE WHEN cur.free THEN 1 ELSE 0 END, "
            "waitlist_seq = d.waitlist_seq + CASE WHEN cur.free THEN 0 ELSE 1 END FROM cur WHERE d.id = cur.id "
            "RETURNING cur.free AS free, CASE WHEN cur.free THEN NULL ELSE d.waitlist_seq END AS position)")
    parts = [head, f"e AS ({e_insert} RETURNING id, status, position)", f"a AS ({a_insert})"]
    if with_key:
        parts.append(f"k AS ({k_insert})")
    sql = ", ".join(parts) + " SELECT id, status, position FROM e"  # noqa: S608
    return (e_fields, e_given), (a_fields, a_given), (k_fields, k_given), sql


def _params(fields, given, values: dict, obj) -> list:
    """The statement's parameters for one INSERT, in its column order: computed columns take
    their own (``values[attname]``, a list), the others the model field's prepared value."""
    prepared = dict(zip((f.attname for f in given), _values(obj, given, connection), strict=True))
    out = []
    for f in fields:
        out.extend(values[f.attname] if f.attname in values else [prepared[f.attname]])
    return out


def write(actor, *, offering_id: int, term_id: int, child_id: int, child_person_id: int, guardian_id: int,
          now: dt.datetime, label: str, key_row: IdempotencyKey | None, answer: dict) -> tuple[int, str, int | None]:
    """Claim a place or a waiting-list position and write enrolment, audit row and key row in
    one statement; (enrolment id, status, position). ``answer`` is the part of the API's
    answer known before the statement (the key row stores it with id, status and position)."""
    enrolment = Enrolment(offering_id=offering_id, term_id=term_id, child_id=child_id, guardian_id=guardian_id,
                          status="", created_at=now,
                          created_by=actor if getattr(actor, "is_authenticated", False) else None)
    log = build_log(actor, "daycare.enrol", enrolment, {"child": child_person_id, "offering": offering_id},
                    object_repr=label)
    (e_fields, e_given), (a_fields, a_given), (k_fields, k_given), sql = _statement(connection.alias, key_row is not None)
    params = [offering_id]
    params += _params(e_fields, e_given, {"status": [Enrolment.CONFIRMED, Enrolment.WAITLISTED], "position": [],
                                          "confirmed_at": [now]}, enrolment)
    params += _params(a_fields, a_given, {"object_id": [], "data": [json.dumps(log.data)]}, log)
    if key_row is not None:
        key_row.status_code = 201
        params += _params(k_fields, k_given, {"response": [json.dumps(answer)]}, key_row)
    if connection.in_atomic_block:  # inside a caller's transaction (tests): a savepoint, so a failure can be read after
        with transaction.atomic():
            return _run(sql, params)
    return _run(sql, params)


def _run(sql: str, params: list):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        raise NotFound()  # the offering was deleted since the facts were read (nothing was written)
    return row
