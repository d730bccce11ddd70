"""The opening-time rush: a parent enrols a linked child by id (``take_place``, the one way
a place is taken). These tests pin what it reads in its one query (scope, link, consent, a
place already held), how few statements it costs, and that a stale "full" guess never decides
the outcome.
"""

import datetime as dt
import json

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from lehuo.daycare import services
from lehuo.daycare.models import Enrolment, Offering
from lehuo.daycare.services import places
from lehuo.people.models import Consent
from lehuo.platform.errors import NotFound, ServiceError
from lehuo.platform.models import AuditLog, IdempotencyKey

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(make_child, parent_person):
    return make_child(parent_person)


# What lehuo/accounts/permissions.py reads of an actor once per request: one UNION ALL query
# (memberships, assignments, own record, children; ``permissions._actor_rows``).
ACTOR_QUERIES = 1


def _url(offering):
    return f"/api/v1/daycare/offerings/{offering.pk}/enrolments"


def test_linked_child_is_confirmed_with_audit_row_naming_the_enrolment(parent, linked, offering):
    e = services.take_place(parent, offering.pk, linked.pk)
    row = Enrolment.objects.get(pk=e.id)
    assert (row.status, row.position, row.child_id, row.created_by_id) == ("confirmed", None, linked.pk, parent.pk)
    log = AuditLog.objects.get(action="daycare.enrol")
    assert log.object_id == str(e.id)
    assert log.data == {"child": linked.person_id, "offering": offering.pk, "status": "confirmed", "position": None}
    assert log.actor_id == parent.pk and linked.person.name in log.object_repr
    assert e.child_name == linked.person.name


def test_full_offering_waitlists_in_order(parent, make_child, parent_person, offering):
    offering.capacity = 1
    offering.save()
    kids = [make_child(parent_person, name=f"孩子{i}") for i in range(3)]
    results = [services.take_place(parent, offering.pk, k.pk) for k in kids]
    assert [(r.status, r.position) for r in results] == [("confirmed", None), ("waitlisted", 1), ("waitlisted", 2)]


def test_offering_of_another_town_is_not_found(parent, linked, offering, town):
    from lehuo.accounts.models import Town

    offering.site.year.town = Town.objects.create(code="other", name="别的镇")
    offering.site.year.save()
    with pytest.raises(NotFound):
        services.take_place(parent, offering.pk, linked.pk)


def test_child_of_another_guardian_is_refused(parent, make_child, offering):
    stranger = make_child()
    with pytest.raises(ServiceError) as exc:
        services.take_place(parent, offering.pk, stranger.pk)
    assert exc.value.field == "child_id"
    assert not Enrolment.objects.exists()


def test_withdrawn_consent_is_refused(parent, linked, offering):
    Consent.objects.filter(person=linked.person).update(withdrawn_on=dt.date(2021, 6, 1))
    with pytest.raises(ServiceError) as exc:
        services.take_place(parent, offering.pk, linked.pk)
    assert exc.value.field == "consent"


def test_place_already_held_in_the_term_is_refused(parent, linked, offering, other_offering):
    services.take_place(parent, offering.pk, linked.pk)
    with pytest.raises(ServiceError) as exc:
        services.take_place(parent, other_offering.pk, linked.pk)
    assert exc.value.code == "duplicate"


def test_before_opening_is_refused_with_the_opening_time(parent, linked, offering):
    with pytest.raises(ServiceError) as exc:
        services.take_place(parent, offering.pk, linked.pk, now=offering.opens_at - dt.timedelta(minutes=1))
    assert exc.value.code == "not_open" and "2021年06月20日 09:00" in exc.value.message


def test_guardian_without_phone_is_refused(parent, parent_person, linked, offering):
    type(parent_person).objects.filter(pk=parent_person.pk).update(phone="", phone_hash="", phone_tail="")
    with pytest.raises(ServiceError) as exc:
        services.take_place(parent, offering.pk, linked.pk)
    assert exc.value.field == "guardian_phone"


@pytest.mark.parametrize("guess", [True, False], ids=["guessed-full", "guessed-free"])
def test_a_wrong_guess_does_not_decide_the_outcome(parent, make_child, parent_person, offering, guess):
    """``likely_full`` only orders the two conditional UPDATEs (SQLite's claim; PostgreSQL's
    one statement decides on the locked row and takes no guess)."""
    offering.capacity = 1
    offering.save()
    first, second = make_child(parent_person, name="甲"), make_child(parent_person, name="乙")
    # A free place, guessed full: still a place.
    _id1, status1, _pos1 = places._write_in_transaction(parent, offering_id=offering.pk, term_id=offering.term_id, child_id=first.pk,
                                    child_person_id=first.person_id, guardian_id=parent_person.pk,
                                    now=offering.opens_at, label="甲", likely_full=guess)
    # Now full, guessed free: the waiting list, position 1.
    _id2, status2, position2 = places._write_in_transaction(parent, offering_id=offering.pk, term_id=offering.term_id, child_id=second.pk,
                                    child_person_id=second.person_id, guardian_id=parent_person.pk,
                                    now=offering.opens_at, label="乙", likely_full=not guess)
    assert (status1, status2, position2) == ("confirmed", "waitlisted", 1)
    offering.refresh_from_db()
    assert (offering.taken, offering.waitlist_seq) == (1, 1)


def test_rush_request_costs_few_statements(api, parent, linked, offering):
    """Token (looked up on every request unless a shared cache such as Redis holds it, so a
    revocation is refused at once in every process: docs/deploy.md), the actor's facts for the policy (memberships,
    assignments, own record, children), one read, then the writes: on PostgreSQL one statement
    (claim, enrolment, audit row, idempotency key: ``daycare/claim_sql.py``), on SQLite the
    claim, the two rows and the key. The count a regression would change."""
    client = api(parent)
    client.get("/api/v1/daycare/children")  # the token's first use: looked up and cached
    ContentType.objects.get_for_model(Enrolment)  # the audit row's type: cached per process after its first use
    with CaptureQueriesContext(connection) as ctx:
        r = client.post(_url(offering), {"child_id": linked.pk}, headers={"Idempotency-Key": "rush-1"})
    assert r.status_code == 201, r.json()
    # Transaction control (BEGIN / COMMIT here, SAVEPOINT inside the test's transaction) aside.
    statements = [q["sql"] for q in ctx.captured_queries
                  if not q["sql"].startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT"))]
    token = 0 if "redis" in settings.CACHES["default"]["BACKEND"].lower() else 1
    expected = (2 if connection.vendor == "postgresql" else 5) + ACTOR_QUERIES + token
    assert len(statements) == expected, [s[:60] for s in statements]
    key = IdempotencyKey.objects.get(key="rush-1")
    answer = r.json()
    assert key.status_code == 201
    assert {k: v for k, v in key.response.items() if k != "created_at"} == {
        k: v for k, v in answer.items() if k != "created_at"}
    assert AuditLog.objects.filter(action="daycare.enrol", object_id=str(r.json()["id"])).count() == 1


def test_rush_answer_is_replayed_for_the_same_key(api, parent, linked, offering):
    client = api(parent)
    first = client.post(_url(offering), {"child_id": linked.pk}, headers={"Idempotency-Key": "k"})
    Offering.objects.filter(pk=offering.pk).update(capacity=35)
    again = client.post(_url(offering), {"child_id": linked.pk}, headers={"Idempotency-Key": "k"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Enrolment.objects.count() == 1 and AuditLog.objects.filter(action="daycare.enrol").count() == 1


def test_rush_key_reused_for_another_child_is_refused(api, parent, parent_person, linked, offering, make_child):
    client = api(parent)
    first = client.post(_url(offering), {"child_id": linked.pk}, headers={"Idempotency-Key": "k"})
    other = make_child(parent_person, name="另一个")
    again = client.post(_url(offering), {"child_id": other.pk}, headers={"Idempotency-Key": "k"})
    assert first.status_code == 201 and again.status_code == 422, again.content
    assert list(Enrolment.objects.values_list("child_id", flat=True)) == [linked.pk]


@pytest.mark.parametrize("persona", ["sw_hj9", "sw_lv11"])
def test_staff_without_resident_record_may_not_enrol_a_child_by_id(request, api, persona, linked, offering):
    """Enrolling a child by id is a guardian's action (the policy's ``daycare.enrolment.create``):
    staff, whether or not they see the offering, are refused (403) and nothing is written."""
    r = api(request.getfixturevalue(persona)).post(_url(offering), {"child_id": linked.pk})
    assert r.status_code == 403
    assert not Enrolment.objects.exists()


def test_waitlisted_rows_and_counters(parent, make_child, parent_person, offering):
    offering.capacity = 1
    offering.save()
    first, second = make_child(parent_person, name="甲"), make_child(parent_person, name="乙")
    placed = services.take_place(parent, offering.pk, first.pk)
    waiting = services.take_place(parent, offering.pk, second.pk)
    rows = {e.pk: e for e in Enrolment.objects.all()}
    assert rows[placed.id].confirmed_at is not None and rows[waiting.id].confirmed_at is None
    assert (rows[waiting.id].status, rows[waiting.id].position, rows[waiting.id].term_id) == (
        "waitlisted", 1, offering.term_id)
    log = AuditLog.objects.get(action="daycare.enrol", object_id=str(waiting.id))
    assert log.data == {"child": second.person_id, "offering": offering.pk, "status": "waitlisted", "position": 1}
    assert log.content_type.model == "enrolment" and log.actor_name == parent.username
    offering.refresh_from_db()
    assert (offering.taken, offering.waitlist_seq) == (1, 1)


def test_a_refused_write_leaves_nothing(monkeypatch, parent, linked, offering, other_offering):
    """The rules passed (the check is skipped here), but the database's own rule refuses: one
    place per child per term. The claim, the enrolment, the audit row and the key all go."""
    services.take_place(parent, offering.pk, linked.pk)
    monkeypatch.setattr(places, "_check", lambda **kwargs: None)
    before = (AuditLog.objects.count(), Enrolment.objects.count(), IdempotencyKey.objects.count())
    # (In its own savepoint here, inside the test's transaction, as a request is on its own.)
    with pytest.raises(ServiceError) as exc, transaction.atomic():
        services.take_place(parent, other_offering.pk, linked.pk,
                                    key_row=IdempotencyKey(user=parent, key="x", scope="s"))
    assert exc.value.code == "duplicate"
    other_offering.refresh_from_db()
    assert (other_offering.taken, other_offering.waitlist_seq) == (0, 0)
    assert (AuditLog.objects.count(), Enrolment.objects.count(), IdempotencyKey.objects.count()) == before


def _generic_plan(sql: str, params: list) -> dict:
    """EXPLAIN ANALYZE of ``sql`` as the server runs it once prepared: a generic plan (the
    placeholders stay unknown to the planner)."""
    for i in range(1, len(params) + 1):
        sql = sql.replace("%s", f"${i}", 1)

    def literal(v):
        return str(int(v)) if isinstance(v, int) else "'" + str(v).replace("'", "''") + "'"

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(f"PREPARE lehuo_test_plan AS {sql}")
        try:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE lehuo_test_plan"
                           f"({', '.join(literal(v) for v in params)})")
            (plan,) = cursor.fetchone()
        finally:
            cursor.execute("DEALLOCATE lehuo_test_plan")
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]


def _rush_facts(parent, parent_person, child, offering):
    return places.FACTS_BY_ACCOUNT, [services.CONSENT_PURPOSE, parent.pk, child.pk, offering.pk]


def _form_facts(parent, parent_person, child, offering):
    """The same query as staff enrolling for the guardian run it."""
    return places.FACTS_BY_GUARDIAN, [services.CONSENT_PURPOSE, parent_person.pk, child.pk, offering.pk]


def _enrolments_in_term(offering, count: int, town, guardian) -> None:
    """``count`` other children holding a place in the offering's term (bulk, no rules)."""
    from lehuo.daycare.models import Child
    from lehuo.people.models import Person

    people = Person.objects.bulk_create(Person(town=town, neighbourhood=offering.site.neighbourhood, name=f"别人{i}",
                                               birth_date=dt.date(2013, 3, 1)) for i in range(count))
    kids = Child.objects.bulk_create(Child(person=p, school="第一小学", grade=2) for p in people)
    after = Enrolment.objects.filter(offering=offering).count()
    Enrolment.objects.bulk_create(Enrolment(offering=offering, term_id=offering.term_id, child=k, guardian=guardian,
                                            status="waitlisted",
                                            position=after + i + 1) for i, k in enumerate(kids))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's generic plan of a prepared statement")
@pytest.mark.parametrize("query", [_rush_facts, _form_facts], ids=["rush", "form"])
def test_holding_check_does_not_read_the_whole_term(query, parent, parent_person, linked, offering, town):
    """'Does this child hold a place this term' must find the child's rows by index, not read
    every enrolment of the term: it runs for every enrolment, prepared. With a term index and
    the statuses as parameters, the generic plan took the term index (the partial unique index
    names the statuses, so it did not match) and filtered the whole term: 0.5 ms of
    PostgreSQL per request at 2,000 enrolments, growing with the rush."""
    # The statistics of before the rush (no enrolments yet), then the rush's rows: the planner
    # works from the old statistics while the table fills, as it does at an opening time.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE daycare_enrolment")
    _enrolments_in_term(offering, 2000, town, parent_person)
    plan = _generic_plan(*query(parent, parent_person, linked, offering))

    def nodes(node):
        yield node
        for child in node.get("Plans", []):
            yield from nodes(child)

    reads = [n for n in nodes(plan) if n.get("Relation Name") == "daycare_enrolment"]
    # An index probe on (child, term): a few pages. The whole term is tens of pages (2,000 rows).
    assert reads and all(n["Shared Hit Blocks"] + n.get("Shared Read Blocks", 0) <= 5 for n in reads), reads
    assert all("child_id" in n.get("Index Cond", "") for n in reads), reads
