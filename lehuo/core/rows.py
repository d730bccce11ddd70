"""``insert_row()``: one model instance in one INSERT, for the few writes of a hot path.

``Model.save()`` builds and compiles a new insert query every time (a millisecond of Python
per row on a small server, more than the database needs for the row). The enrolment rush
writes three rows per request (enrolment, audit, idempotency key), so those use this: the
statement is built once per model and database, the values are prepared by the model's own
fields (``pre_save`` defaults, encryption, JSON), and the new primary key comes back from
``RETURNING`` (PostgreSQL, SQLite >= 3.35). No signals are sent: the models written this
way have no receivers, and must not get any.
"""

from functools import cache

from django.db import connections, models, router


@cache
def _insert_plan(model: type[models.Model], vendor: str, alias: str) -> tuple[list, str]:
    connection = connections[alias]
    qn = connection.ops.quote_name
    pk = model._meta.pk
    fields = [f for f in model._meta.concrete_fields if f is not pk or not isinstance(f, models.AutoField)]
    columns, placeholders = ", ".join(qn(f.column) for f in fields), ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES ({placeholders}) RETURNING {qn(pk.column)}"  # noqa: S608
    return fields, sql


def insert_row(obj: models.Model) -> models.Model:
    """INSERT ``obj`` (new) and set its primary key; returns ``obj``."""
    alias = router.db_for_write(type(obj), instance=obj)
    connection = connections[alias]
    fields, sql = _insert_plan(type(obj), connection.vendor, alias)
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        obj.pk = cursor.fetchone()[0]
    obj._state.adding, obj._state.db = False, alias
    return obj
