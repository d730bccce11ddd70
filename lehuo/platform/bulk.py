"""Many new rows of one model at once: PostgreSQL ``COPY ... FROM STDIN``, ``bulk_create`` elsewhere.

Importers check every row with the same rules as the API first; writing 100,000 checked rows
is then the database's work, and COPY is the fastest way PostgreSQL has to take them (about
5x an INSERT of the same rows). ``insert_rows`` takes rows given as dicts of field values (no
model instance per row) and keeps what ``bulk_create`` gives its callers: each row gets its
primary key (taken from the table's sequence in one query before the COPY, so audit rows and
tag links can name it), ``auto_now``/``auto_now_add`` and defaults are applied, a field kept
from the others says how (``value_from_row``), and every value goes through its field's
``get_db_prep_save`` where that could change it (so encrypted fields are encrypted, JSON is
JSON). It writes in the caller's transaction: a COPY that fails (a unique index, a check
constraint) or a process killed mid-COPY leaves nothing.

This module is the one place that turns field values into COPY values: ``_plan`` lists the
columns of a model and, for each, the Python types its field hands PostgreSQL unchanged.
"""

import datetime as dt
import gc
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from functools import cache

from django.db import connections, models, router, transaction
from django.db.models import Field
from django.utils import timezone

# Field classes (exactly these, not subclasses such as encrypted text) whose
# ``get_db_prep_save`` returns, on PostgreSQL, the very value it is given when that value is
# None or of one of these exact types: text stays str, an int stays int, a date stays a date.
# Any other value goes through ``get_db_prep_save`` (which converts it or raises as before).
# Aware datetimes are handled apart (a naive one must still get Django's warning).
_UNCHANGED: dict[type, tuple[type, ...]] = {
    models.CharField: (str,), models.TextField: (str,), models.BooleanField: (bool,),
    models.DateField: (dt.date,), models.DateTimeField: (),
    **{cls: (int,) for cls in (models.IntegerField, models.BigIntegerField, models.SmallIntegerField,
                               models.PositiveIntegerField, models.PositiveSmallIntegerField,
                               models.PositiveBigIntegerField, models.AutoField, models.BigAutoField,
                               models.SmallAutoField)},
}


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off for the block (an import's check and write).

    Reading, checking and writing 100,000 rows makes millions of small objects that live to
    the end of the import; the collector, triggered by allocations, walks all of them again
    and again (about 1 s of a 7 s donation import, measured). Reference counting still frees
    everything that is not a cycle; cycles made inside the block are collected at the next
    collection after it. Nested blocks leave the collector as the outermost found it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _unchanged(field: Field) -> tuple[type, ...] | None:
    """The exact types ``field`` passes to PostgreSQL unchanged (None: ask the field always)."""
    if isinstance(field, models.ForeignKey) and type(field).get_db_prep_save is models.ForeignKey.get_db_prep_save:
        return _unchanged(field.target_field)  # a key is prepared by the field it points to
    return _UNCHANGED.get(type(field))


@cache
def _plan(model: type[models.Model]) -> list[tuple]:
    """(field, attname, unchanged types, aware datetime) for each concrete field, in the order
    of the COPY's columns."""
    fields = []
    for f in model._meta.concrete_fields:
        unchanged = _unchanged(f)
        fields.append((f, f.attname, unchanged, unchanged is not None and type(f) is models.DateTimeField))
    return fields


def _db_value(field: Field, value, unchanged, aware_datetime: bool, connection):
    """``field.get_db_prep_save(value, connection)``, without the call where it returns ``value``."""
    if unchanged is not None and (value is None or type(value) in unchanged
                                  or (aware_datetime and type(value) is dt.datetime and value.utcoffset() is not None)):
        return value
    return field.get_db_prep_save(value, connection)


def _json_text(field: Field, value, connection):
    """A ``JSONField``'s (no encoder) COPY value: for a dict or a list, the text
    ``get_db_prep_save`` has psycopg send (``Jsonb(value, dumps=json.dumps)`` dumps
    ``json.dumps(value)``), without the wrapper; anything else goes through the field."""
    if type(value) is dict or type(value) is list:
        return json.dumps(value)
    return field.get_db_prep_save(value, connection)


def _columns(model, connection, with_pk: bool = True) -> tuple[str, str]:
    table = connection.ops.quote_name(model._meta.db_table)
    return table, ", ".join(connection.ops.quote_name(f.column) for f in model._meta.concrete_fields
                            if with_pk or f is not model._meta.pk)


def _next_ids(cursor, model, n: int) -> list[int]:
    meta = model._meta
    # The sequence is looked up once (materialized): pg_get_serial_sequence() per row made
    # 100,000 keys cost 210 ms instead of 25 ms.
    cursor.execute("WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, %s)::regclass AS seq) "
                   "SELECT nextval(s.seq) FROM s, generate_series(1, %s)",
                   [meta.db_table, meta.pk.column, n])
    return [value for (value,) in cursor.fetchall()]


def _no_query_during_copy(execute, sql, params, many, context):
    raise RuntimeError("insert_rows(meanwhile=...) must not query the database: its COPY holds the connection")


def _copy(connection, cursor, model, rows: Iterable[Sequence], with_pk: bool = True,
          then: Callable[[], object] | None = None) -> None:
    table, columns = _columns(model, connection, with_pk)
    # The raw psycopg copy is not wrapped by Django: wrap it so a unique or check
    # constraint raises django.db.IntegrityError like bulk_create would.
    with connection.wrap_database_errors, \
            cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # names from the model
        for row in rows:
            copy.write_row(row)
        if then is not None:
            # While PostgreSQL still takes the rows (an error here fails the COPY). The
            # connection is busy with the COPY: a query here would wait for it for ever.
            with connection.execute_wrapper(_no_query_during_copy):
                then()


def _postgresql(model, what: str):
    using = router.db_for_write(model)
    connection = connections[using]
    if connection.vendor == "postgresql" and not transaction.get_connection(using).in_atomic_block:
        raise RuntimeError(f"{what} must run inside a transaction (all or nothing)")
    return using, connection


@cache
def _relations(model: type[models.Model]) -> dict[str, tuple[str, str]]:
    """field name -> (attribute name, attribute of the related record it takes) of each key."""
    return {f.name: (f.attname, f.target_field.attname) for f in model._meta.concrete_fields if f.is_relation}


def row_of(model: type[models.Model], values: dict) -> dict:
    """``values`` by field name, related records as instances (what ``model(**values)``
    takes), as a row for ``insert_rows`` (by attribute name: ``drive_id``)."""
    out = dict(values)
    for name, (attname, target) in _relations(model).items():  # the few keys, not every value
        if name not in out:
            continue
        value = out.pop(name)
        if value is None:
            out[attname] = None
            continue
        key = getattr(value, target)
        if key is None:  # as Model.save() refuses it
            raise ValueError(f"{model._meta.label}.{name}: the related record is not saved")
        out[attname] = key
    return out


def insert_rows(model, rows: Sequence[dict], *, batch_size: int = 5000, ids: bool = True,
                meanwhile: Callable[[list], object] | None = None) -> list:
    """Insert new rows of ``model`` given as dicts of attribute name (``actor_id``, not
    ``actor``) -> value, without the primary key; returns their primary keys, in order
    (``ids=False``: returns [], and on PostgreSQL the table's default numbers the rows: one
    query and 100,000 keys sent back fewer for rows nothing names, such as audit rows). A
    field left out gets what ``bulk_create`` would give it: its default; ``auto_now`` and
    ``auto_now_add`` fields (given or not) and fields defaulting to ``timezone.now`` get the
    time of this call, the same for every row of the call.

    ``meanwhile(keys)`` is called once with the keys (``ids=False``: []), on PostgreSQL after
    the last row is handed to COPY and before the COPY ends: Python work the caller has to do
    anyway (the audit rows of these records) is done while PostgreSQL takes the rows, not
    while it waits for them; it must not query the database (RuntimeError: the connection is
    busy with the COPY). Elsewhere it is called after the rows are written."""
    if not rows:
        if meanwhile is not None:
            meanwhile([])
        return []
    using, connection = _postgresql(model, "insert_rows")
    meta = model._meta
    now = timezone.now()
    forced, defaults, derived = {}, {}, {}
    for f in meta.concrete_fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            forced[f.attname] = now
        elif f.default is timezone.now:
            defaults[f.attname] = lambda now=now: now
        elif hasattr(f, "value_from_row"):
            # A field that keeps a value derived from the others (its pre_save) says how to
            # derive it from a row (Person.pinyin_w2: from name_pinyin).
            derived[f.attname] = f.value_from_row
        elif type(f).pre_save is not Field.pre_save and not isinstance(f, models.DateField):
            # (a date's pre_save only reads the attribute unless auto_now/auto_now_add)
            raise ValueError(f"insert_rows cannot prepare {f.name} of {meta.label}: give the field a value_from_row")
        elif f is not meta.pk:
            defaults[f.attname] = f.get_default
    if connection.vendor != "postgresql":
        objs = [model(**{**{a: get() for a, get in defaults.items() if a not in row}, **row}) for row in rows]
        model.objects.using(using).bulk_create(objs, batch_size=batch_size)
        keys = [obj.pk for obj in objs] if ids else []
        if meanwhile is not None:
            meanwhile(keys)
        return keys
    pk_attname = meta.pk.attname
    # Per column: where its value comes from (0 the row or the default, 1 the call's time,
    # 2 the new key, 3 derived from the row) and how it is prepared (see _db_value).
    spec = [(attname, 2 if attname == pk_attname else 1 if attname in forced else 3 if attname in derived else 0,
             forced.get(attname), defaults.get(attname) or derived.get(attname), f, unchanged, aware)
            for f, attname, unchanged, aware in _plan(model) if ids or attname != pk_attname]

    def batch_values(part: Sequence[dict], keys: Sequence) -> Iterable[tuple]:
        """The COPY rows of ``part``, built column by column (3,000,000 values: a list
        comprehension per column instead of a loop per value); each value is prepared as
        ``_db_value`` prepares it."""
        columns = []
        for attname, source, fixed, default, f, unchanged, aware in spec:
            if source == 0:
                column = [row[attname] if attname in row else default() for row in part]
            elif source == 3:
                column = [default(row) for row in part]
            elif source == 1:  # one value for the whole call: prepared once
                columns.append([_db_value(f, fixed, unchanged, aware, connection)] * len(part))
                continue
            else:
                column = list(keys)
            if type(f) is models.JSONField and f.encoder is None:
                column = [_json_text(f, value, connection) for value in column]
            elif type(f) is models.DecimalField and all(
                    value is None or (type(value) is Decimal and value.is_finite()) for value in column):
                pass  # the field gives an equal Decimal for a finite one (and refuses NaN, infinities)
            elif unchanged is None:
                column = [f.get_db_prep_save(value, connection) for value in column]
            elif not {type(value) for value in column} <= {type(None), *unchanged}:
                column = [_db_value(f, value, unchanged, aware, connection) for value in column]
            columns.append(column)
        return zip(*columns, strict=True)

    with connection.cursor() as cursor:
        keys = _next_ids(cursor, model, len(rows)) if ids else []
        then = (lambda: meanwhile(keys)) if meanwhile is not None else None
        for start in range(0, len(rows), batch_size):
            last = start + batch_size >= len(rows)
            _copy(connection, cursor, model, batch_values(rows[start:start + batch_size],
                                                          keys[start:start + batch_size] if ids else ()),
                  with_pk=ids, then=then if last else None)
    return keys
