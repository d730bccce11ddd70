"""The query that reads who the user is runs on every request: it must find the account's rows
through indexes however many people the town holds (a plan that scans the people costs 26 ms a
request at 100,000 people and ten times that at a million)."""

import pytest
from django.db import connection

from lehuo.accounts import permissions
from lehuo.people.models import GuardianLink, Person

pytestmark = pytest.mark.django_db


def _plan(user_id: int) -> list[str]:
    sql, params = permissions._actor_sql(user_id)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            return [row[-1] for row in cursor.fetchall()]
        cursor.execute("SET LOCAL enable_seqscan = off")  # what the planner could do, not its guess on a tiny table
        cursor.execute("EXPLAIN " + sql, params)
        return [row[0] for row in cursor.fetchall()]


PEOPLE = 50_000


def test_actor_query_never_scans_the_people(town_admin, make_person):
    # Many people without an account: SQLite's statistics then say "account_id = ?" matches
    # every row (NULLs counted as one value), which is what made a join scan the table.
    template = make_person()
    table = Person._meta.db_table
    columns = [f.column for f in Person._meta.concrete_fields if f.column not in ("id", "account_id", "id_hash")]
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %s) "  # noqa: S608
            f"INSERT INTO {table} ({names}) SELECT {names} FROM {table}, n WHERE id = %s", [PEOPLE, template.pk])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    lines = _plan(town_admin.pk)
    if connection.vendor == "sqlite":
        scans = [line for line in lines if line.startswith("SCAN") and table in line or line == "SCAN p"]
    else:
        scans = [line for line in lines if "Seq Scan" in line and table in line]
    assert not scans, "\n".join(lines)


def test_actor_reads_memberships_own_record_and_wards(town, lv11, parent, make_person):
    own = Person.objects.get(account=parent)
    child = make_person(age=8)
    other_child = make_person(age=9)
    GuardianLink.objects.create(child=child, guardian=own)
    GuardianLink.objects.create(child=other_child, guardian=make_person(age=40))
    actor = permissions.actor_of(parent)
    assert actor.persons == frozenset({own.pk, child.pk})
    permissions.forget(parent)
    own.erased_at = own.created_at
    own.save(update_fields=["erased_at"])
    # An erased record no longer speaks for the account, nor for its wards.
    assert permissions.actor_of(parent).persons == frozenset()


def test_the_users_town_comes_with_the_actor_read(town_admin, town):
    """The town a page is drawn for is read in the actor's one round trip, not by a query of
    its own on every page; a rename shows on the next request (the actor is read per request)."""
    from django.test.utils import CaptureQueriesContext

    from lehuo.accounts.services import town_for

    with CaptureQueriesContext(connection) as ctx:
        found = town_for(town_admin)
    assert len(ctx.captured_queries) == 1  # the actor read
    assert (found.pk, found.code, found.name) == (town.pk, town.code, town.name)
    found.name = "改名镇"
    found.save()  # a loaded instance: an update, not an insert
    permissions.forget(town_admin)
    assert town_for(town_admin).name == "改名镇"
