"""How ``services.places.take_place`` claims a place on PostgreSQL: one statement.

The claim and its rows as separate statements in a transaction (what SQLite does) are five or
six round trips, and on a small server each costs more than the rows (py-spy on the burst:
the workers spent 91 % of an enrolment waiting on the database). Here the same writes are one
statement in autocommit, which PostgreSQL runs atomically:

- ``cur`` locks the offering's row (``FOR UPDATE`` waits for a concurrent claim and then reads
  the row as that claim committed it) and decides: a place is free or not;
- ``u`` takes the place (``taken + 1``) or the next waiting-list number (``waitlist_seq + 1``)
  on the row it holds, so the decision and the write are on the same row version;
- ``e`` inserts the enrolment (confirmed with ``confirmed_at``, or waitlisted with its
  position), ``a`` its audit row, ``k`` the idempotency key with the answer.

A unique violation (the child already holds a place this term; the key already used) or a
lock timeout aborts the whole statement: nothing is written. The rules are checked before,
by ``take_place``, on its facts query. The columns and values come from the models' own fields
(``lehuo.platform.rows``), so a new column with a Python default is written here as well.
"""

import datetime as dt
import json
from functools import cache

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from lehuo.platform.audit import actor_and_name, scrub
from lehuo.platform.errors import NotFound
from lehuo.platform.models import AuditLog, IdempotencyKey
from lehuo.platform.rows import _insert_plan

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
    """(the columns' fields in order, ``INSERT ... SELECT`` of ``model`` from CTE ``source``)."""
    qn = connection.ops.quote_name
    fields, _sql = _insert_plan(model, "postgresql", connection.alias)
    computed = _COMPUTED[model]
    columns = ", ".join(qn(f.column) for f in fields)
    exprs = ", ".join(computed.get(f.attname, "%s") for f in fields)
    return fields, f"INSERT INTO {qn(model._meta.db_table)} ({columns}) SELECT {exprs} FROM {source}"  # noqa: S608


@cache
def _statement(alias: str, with_key: bool):
    e_fields, e_insert = _select(Enrolment, "u")
    a_fields, a_insert = _select(AuditLog, "e")
    k_fields, k_insert = _select(IdempotencyKey, "e") if with_key else ([], "")
    # Every name in the statement comes from the models.
    head = ("WITH cur AS (SELECT id, taken < capacity AS free FROM daycare_offering WHERE id = %s FOR UPDATE), "
            "u AS (UPDATE daycare_offering d SET taken = d.taken + CASE WHEN cur.free THEN 1 ELSE 0 END, "
            "waitlist_seq = d.waitlist_seq + CASE WHEN cur.free THEN 0 ELSE 1 END FROM cur WHERE d.id = cur.id "
            "RETURNING cur.free AS free, CASE WHEN cur.free THEN NULL ELSE d.waitlist_seq END AS position)")
    parts = [head, f"e AS ({e_insert} RETURNING id, status, position)", f"a AS ({a_insert})"]
    if with_key:
        parts.append(f"k AS ({k_insert})")
    sql = ", ".join(parts) + " SELECT id, status, position FROM e"  # noqa: S608
    return e_fields, a_fields, k_fields, sql


def _params(fields, computed: dict, given: dict, now: dt.datetime) -> list:
    """The statement's parameters for one INSERT, in its column order: a computed column takes
    its own (``computed[attname]``, a list), the others their value in ``given``, else the
    field's default (``now`` for ``auto_now`` / ``auto_now_add``), prepared by the field
    (encryption, JSON, time zones). No model instance is built: ``Model.__init__`` and its
    signals were a tenth of a rush request's Python."""
    out = []
    for f in fields:
        if f.attname in computed:
            out.extend(computed[f.attname])
            continue
        if f.attname in given:
            value = given[f.attname]
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value = now
        else:
            value = f.get_default()
        out.append(f.get_db_prep_save(value, connection))
    return out


def write(actor, *, offering_id: int, term_id: int, child_id: int, child_person_id: int, guardian_id: int,
          now: dt.datetime, label: str, key_row: IdempotencyKey | None, answer: dict) -> tuple[int, str, int | None]:
    """Claim a place or a waiting-list position and write enrolment, audit row and key row in
    one statement; (enrolment id, status, position). ``answer`` is the part of the API's
    answer known before the statement (the key row stores it with id, status and position)."""
    user, actor_name = actor_and_name(actor)
    user_id = user.pk if user is not None else None
    e_fields, a_fields, k_fields, sql = _statement(connection.alias, key_row is not None)
    params = [offering_id]
    params += _params(e_fields, {"status": [Enrolment.CONFIRMED, Enrolment.WAITLISTED], "position": [],
                                 "confirmed_at": [now]},
                      {"offering_id": offering_id, "term_id": term_id, "child_id": child_id,
                       "guardian_id": guardian_id, "created_at": now, "created_by_id": user_id}, now)
    params += _params(a_fields, {"object_id": [], "data": [json.dumps(scrub({"child": child_person_id,
                                                                              "offering": offering_id}))]},
                      {"created_at": now, "actor_id": user_id, "actor_name": actor_name, "action": "daycare.enrol",
                       "content_type_id": ContentType.objects.get_for_model(Enrolment).pk,
                       "object_repr": label[:200]}, now)
    if key_row is not None:
        key_row.status_code = 201
        params += _params(k_fields, {"response": [json.dumps(answer)]},
                          {"user_id": key_row.user_id, "key": key_row.key, "scope": key_row.scope,
                           "status_code": 201, "fingerprint": key_row.fingerprint}, now)
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
