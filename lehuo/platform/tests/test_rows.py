"""insert_row / insert_linked write exactly what Model.save() would, in fewer statements."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lehuo.people.models import Person
from lehuo.platform.audit import build_log, create_logged
from lehuo.platform.models import AuditLog, IdempotencyKey
from lehuo.platform.rows import insert_linked, insert_row

pytestmark = pytest.mark.django_db


def _fields(obj):
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields if not f.primary_key}


def test_insert_row_reads_back_like_save(town_admin):
    a = AuditLog(actor=town_admin, actor_name="admin", action="t.one", object_id="7", data={"x": [1, "二", None]})
    b = AuditLog(actor=town_admin, actor_name="admin", action="t.one", object_id="7", data={"x": [1, "二", None]})
    insert_row(a)
    b.save()
    got_a, got_b = AuditLog.objects.get(pk=a.pk), AuditLog.objects.get(pk=b.pk)
    assert a.pk and a.pk != b.pk
    fa, fb = _fields(got_a), _fields(got_b)
    assert abs(fa.pop("created_at") - fb.pop("created_at")) < dt.timedelta(seconds=5)
    assert fa == fb


def test_insert_row_applies_defaults_and_encrypts(town, lv11):
    p = Person(town=town, neighbourhood=lv11, name="测试", phone="13900000001", phone_hash="h", phone_tail="0001")
    insert_row(p)
    assert Person.objects.get(pk=p.pk).phone == "13900000001"
    assert Person.objects.get(pk=p.pk).created_at is not None  # auto_now_add ran
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM people_person WHERE id = %s", [p.pk])
        stored = cursor.fetchone()[0]
    assert stored and "13900000001" not in stored


def test_insert_linked_names_the_new_row_in_the_second(town_admin):
    key = IdempotencyKey(user=town_admin, key="k", scope="s", status_code=201, response={"a": 1})
    log = build_log(town_admin, "t.linked", key, {"b": 2}, object_repr="rep")
    with CaptureQueriesContext(connection) as ctx:
        insert_linked(key, log, "object_id")
    assert len(ctx.captured_queries) == (1 if connection.vendor == "postgresql" else 2)
    got = AuditLog.objects.get(pk=log.pk)
    assert got.object_id == str(key.pk) == log.object_id
    assert got.content_type == ContentType.objects.get_for_model(IdempotencyKey)
    assert (got.data, got.object_repr, got.actor_id) == ({"b": 2}, "rep", town_admin.pk)
    assert IdempotencyKey.objects.get(pk=key.pk).response == {"a": 1}


def test_create_logged_is_all_or_nothing(town_admin):
    """A failing second row takes the first with it (one statement, or one transaction)."""
    from django.db import IntegrityError, transaction

    IdempotencyKey.objects.create(user=town_admin, key="dup", scope="s", status_code=201, response={})
    with pytest.raises(IntegrityError), transaction.atomic():
        create_logged(town_admin, "t.dup", IdempotencyKey(user=town_admin, key="dup", scope="s", status_code=201,
                                                          response={}))
    assert not AuditLog.objects.filter(action="t.dup").exists()
    assert IdempotencyKey.objects.filter(key="dup").count() == 1
