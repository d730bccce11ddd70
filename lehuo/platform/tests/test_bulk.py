"""platform/bulk.py: COPY values are what the fields prepare; ``insert_rows`` writes dict rows
as ``bulk_create`` would."""

import datetime as dt
import warnings
from decimal import Decimal

import pytest
from django.db import connection, transaction

from lehuo.donations.models import Donation
from lehuo.people.models import Person
from lehuo.platform import bulk
from lehuo.platform.models import AuditLog

pytestmark = pytest.mark.django_db

SAMPLES = ["", "文本", None, 0, 7, 2**40, True, False, Decimal("3"), 3.0, dt.date(2021, 7, 22),
           dt.datetime(2021, 7, 22, 10, 0, tzinfo=dt.UTC), {"a": 1}]


@pytest.mark.filterwarnings("ignore:DateTimeField .* received a naive datetime")
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY values are PostgreSQL's (bulk_create elsewhere)")
@pytest.mark.parametrize("model", [Donation, AuditLog, Person, Person.tags.through])
def test_values_passed_unchanged_are_those_the_field_would_give(model):
    """Where ``_db_value`` skips ``get_db_prep_save`` it must return exactly what that would."""
    checked = 0
    for f, _attname, unchanged, aware in bulk._plan(model):
        for value in SAMPLES:
            try:
                expected = f.get_db_prep_save(value, connection)
            except Exception:  # noqa: BLE001 - a value the field refuses must still reach it
                with pytest.raises(Exception):  # noqa: B017
                    bulk._db_value(f, value, unchanged, aware, connection)
                continue
            got = bulk._db_value(f, value, unchanged, aware, connection)
            if got is value and expected is not value:
                assert type(expected) is type(value) and expected == value, (model, f.name, value)
            checked += got is value
    assert checked


def test_a_naive_datetime_still_gets_djangos_warning():
    f = AuditLog._meta.get_field("created_at")
    _f, _a, unchanged, aware = next(p for p in bulk._plan(AuditLog) if p[0] is f)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bulk._db_value(f, dt.datetime(2021, 7, 22, 10, 0), unchanged, aware, connection)
    assert any("naive datetime" in str(w.message) for w in caught)


def test_insert_rows_writes_dict_rows_with_defaults_and_returns_their_keys(town_admin):
    before = dt.datetime.now(dt.UTC)
    with transaction.atomic():
        ids = bulk.insert_rows(AuditLog, [
            {"actor_id": town_admin.pk, "actor_name": "admin", "action": "x.one", "data": {"n": 1}},
            {"action": "x.two", "object_id": "7"},
        ])
    rows = list(AuditLog.objects.filter(pk__in=ids).order_by("pk"))
    assert [r.pk for r in rows] == ids and len(set(ids)) == 2
    assert [(r.actor_id, r.actor_name, r.action, r.object_id, r.data) for r in rows] == [
        (town_admin.pk, "admin", "x.one", "", {"n": 1}), (None, "", "x.two", "7", {})]
    assert all(r.created_at >= before for r in rows)


def test_row_of_takes_keys_of_related_records_and_refuses_unsaved_ones(town_admin):
    assert bulk.row_of(AuditLog, {"actor": town_admin, "content_type": None, "action": "a"}) == {
        "actor_id": town_admin.pk, "content_type_id": None, "action": "a"}
    with pytest.raises(ValueError):
        bulk.row_of(AuditLog, {"actor": type(town_admin)(username="unsaved")})


def test_collector_paused_restores_the_collector_as_it_found_it():
    import gc

    assert gc.isenabled()
    with bulk.collector_paused():
        assert not gc.isenabled()
        with bulk.collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block leaves it to the outer one
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), bulk.collector_paused():
        1 / 0  # noqa: B018
    assert gc.isenabled()


def test_insert_rows_without_keys_numbers_rows_by_the_table_default(town_admin):
    from django.contrib.contenttypes.models import ContentType

    kind = ContentType.objects.get_for_model(Donation).pk
    rows = [{"actor_id": town_admin.pk, "actor_name": "admin", "action": "test.bulk", "content_type_id": kind,
             "object_id": str(i), "object_repr": f"r{i}", "data": {"n": i, "amount": "1.50"}} for i in range(3)]
    with transaction.atomic():
        assert bulk.insert_rows(AuditLog, rows, ids=False) == []
    written = list(AuditLog.objects.filter(action="test.bulk").order_by("pk").values("object_id", "data", "actor_id"))
    assert written == [{"object_id": str(i), "data": {"n": i, "amount": "1.50"}, "actor_id": town_admin.pk}
                       for i in range(3)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY values are PostgreSQL's (bulk_create elsewhere)")
def test_json_text_is_what_psycopg_would_send_for_the_field():
    """``_json_text`` gives a JSON column the very text the field's ``Jsonb`` wrapper dumps."""
    from django.db.models.expressions import Value

    field = AuditLog._meta.get_field("data")
    for value in ({}, {"amount": "1.50", "名": "张三", "n": None, "nested": {"a": [1, 2.5, True]}}, [1, "二"]):
        expected = field.get_db_prep_save(value, connection)
        assert bulk._json_text(field, value, connection) == expected.dumps(expected.obj)
    for other in (None, "text", 3, Value(None, field)):
        got, expected = bulk._json_text(field, other, connection), field.get_db_prep_save(other, connection)
        assert type(got) is type(expected) and getattr(got, "obj", got) == getattr(expected, "obj", expected)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY values are PostgreSQL's (bulk_create elsewhere)")
def test_decimals_go_to_copy_as_the_field_gives_them_and_non_finite_ones_are_refused(town):
    """A column of finite Decimals is sent as is (the field would give equal Decimals); a NaN
    still reaches the field, which refuses it."""
    from django.core.exceptions import ValidationError

    field = Donation._meta.get_field("amount")
    for value in (Decimal("12.30"), Decimal("5"), Decimal("1E+2")):
        prepared = field.get_db_prep_save(value, connection)
        assert type(prepared) is Decimal and str(prepared) == str(value)
    from lehuo.donations.models import Drive
    from lehuo.people.models import Organisation

    charity = Organisation.objects.create(town=town, name="慈善基金会", kind="charity")
    drive = Drive.objects.create(town=town, slug="bulk", title="bulk", organiser=charity,
                                 starts_on=dt.date(2021, 7, 1), ends_on=dt.date(2021, 12, 31))
    row = {"drive_id": drive.pk, "amount": Decimal("12.30"), "channel": "offline", "method": "cash",
           "received_on": dt.date(2021, 7, 22), "donor_name": "甲"}
    with transaction.atomic():
        bulk.insert_rows(Donation, [row])
    assert Donation.objects.get().amount == Decimal("12.30")
    with pytest.raises(ValidationError), transaction.atomic():
        bulk.insert_rows(Donation, [row, {**row, "amount": Decimal("NaN")}])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY: PostgreSQL")
def test_meanwhile_runs_during_the_copy_and_may_not_query(town_admin):
    """``meanwhile`` gets the keys before the COPY ends; a query there (the connection is busy
    with the COPY: it would wait for ever) is refused, and nothing is written."""
    rows = [{"action": "test.meanwhile", "object_id": str(i)} for i in range(3)]
    got = []
    with transaction.atomic():
        keys = bulk.insert_rows(AuditLog, rows, meanwhile=got.append)
    assert got == [keys] and len(keys) == 3
    with pytest.raises(RuntimeError, match="must not query"), transaction.atomic():
        bulk.insert_rows(AuditLog, rows, meanwhile=lambda keys: AuditLog.objects.count())
    assert AuditLog.objects.filter(action="test.meanwhile").count() == 3
