"""``insert_row()`` and ``insert_linked()``: new rows in as few statements as possible, for
the writes of a hot path.

``Model.save()`` builds and compiles a new insert query every time. The enrolment rush
writes three rows per request (enrolment, audit, idempotency key), and on a small server
every statement's round trip costs more than the database needs for the row. So: each
statement is built once per model and database, the values are prepared by the model's own
fields (``pre_save`` defaults, encryption, JSON), and the new primary key comes back from
``RETURNING`` (PostgreSQL, SQLite >= 3.35). No signals are sent: the models written this
way (enrolments, audit rows, idempotency keys) have no receivers, and must not get any.
"""

from functools import cache

from django.db import connections, models, router


@cache
def _insert_plan(model: type[models.Model], vendor: str, alias: str) -> tuple[list, str]:
    qn = connections[alias].ops.quote_name
    pk = model._meta.pk
    fields = [f for f in model._meta.concrete_fields if f is not pk or not isinstance(f, models.AutoField)]
    columns, placeholders = ", ".join(qn(f.column) for f in fields), ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES ({placeholders}) RETURNING {qn(pk.column)}"  # noqa: S608
    return fields, sql


@cache
def _linked_plan(first: type[models.Model], second: type[models.Model], link_field: str, alias: str):
    """One PostgreSQL statement: a data-modifying CTE inserts ``first``, the outer INSERT
    takes its key for ``second.<link_field>``."""
    qn = connections[alias].ops.quote_name
    fields1, insert1 = _insert_plan(first, "postgresql", alias)
    fields2, _ = _insert_plan(second, "postgresql", alias)
    link = second._meta.get_field(link_field)
    others = [f for f in fields2 if f is not link]
    pk1, pk2 = qn(first._meta.pk.column), qn(second._meta.pk.column)
    columns = ", ".join([*(qn(f.column) for f in others), qn(link.column)])
    placeholders = ", ".join(["%s"] * len(others))
    sql = (f"WITH r AS ({insert1}), "  # noqa: S608 (names from the models)
           f"s AS (INSERT INTO {qn(second._meta.db_table)} ({columns}) "
           f"SELECT {placeholders}, CAST(r.{pk1} AS varchar) FROM r RETURNING {pk2}) "
           f"SELECT (SELECT {pk1} FROM r), (SELECT {pk2} FROM s)")
    return fields1, others, sql


def _values(obj: models.Model, fields, connection) -> list:
    return [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]


def _saved(alias: str, *objs: models.Model) -> None:
    for obj in objs:
        obj._state.adding, obj._state.db = False, alias


def insert_row(obj: models.Model) -> models.Model:
    """INSERT ``obj`` (new) and set its primary key; returns ``obj``."""
    alias = router.db_for_write(type(obj), instance=obj)
    connection = connections[alias]
    fields, sql = _insert_plan(type(obj), connection.vendor, alias)
    with connection.cursor() as cursor:
        cursor.execute(sql, _values(obj, fields, connection))
        obj.pk = cursor.fetchone()[0]
    _saved(alias, obj)
    return obj


def insert_linked(first: models.Model, second: models.Model, link_field: str) -> None:
    """INSERT ``first``, then ``second`` with ``second.<link_field>`` set to first's new key as
    text (an audit row naming the record it logs). One statement on PostgreSQL; two on SQLite,
    where a statement is a function call, not a round trip."""
    alias = router.db_for_write(type(first), instance=first)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        insert_row(first)
        setattr(second, link_field, str(first.pk))
        insert_row(second)
        return
    fields1, fields2, sql = _linked_plan(type(first), type(second), link_field, alias)
    with connection.cursor() as cursor:
        cursor.execute(sql, _values(first, fields1, connection) + _values(second, fields2, connection))
        first.pk, second.pk = cursor.fetchone()
    setattr(second, link_field, str(first.pk))
    _saved(alias, first, second)
