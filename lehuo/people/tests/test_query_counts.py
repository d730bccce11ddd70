"""The people list page and API cost the same number of queries for 5 rows as for 50."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

pytestmark = pytest.mark.django_db


def count_queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = fn()
    assert response.status_code == 200
    return len(ctx.captured_queries)


def fill(make_person, lv11, hj9, n, start=0):
    for i in range(start, n):
        make_person(lv11 if i % 2 else hj9, tags=["党员", "居民"] if i % 3 else ["学生"])


@pytest.mark.parametrize("persona", ["town_admin", "sw_lv11"])
def test_people_page_queries_do_not_grow_with_rows(request, login, make_person, lv11, hj9, persona):
    c = login(request.getfixturevalue(persona))
    fill(make_person, lv11, hj9, 5)
    small = count_queries(lambda: c.get(reverse("people:people")))
    fill(make_person, lv11, hj9, 55, start=5)
    big = count_queries(lambda: c.get(reverse("people:people")))
    # One more query at most, the pager's COUNT, and only when the rows no longer fit on the
    # first page (5 people do, and a social worker's half of 60).
    more = c.get(reverse("people:people")).context["page"].has_next()
    assert big == small + (1 if more else 0)
    assert big <= 12


def test_people_api_queries_do_not_grow_with_rows(api, town_admin, make_person, lv11, hj9):
    client = api(town_admin)
    client.get("/api/v1/neighbourhoods")  # the token's first use writes last_used_at once
    fill(make_person, lv11, hj9, 5)
    small = count_queries(lambda: client.get("/api/v1/people"))
    fill(make_person, lv11, hj9, 60, start=5)
    big = count_queries(lambda: client.get("/api/v1/people"))
    assert big == small + 1  # the COUNT: 5 people fit on the first page, no count needed


def test_filtered_page_queries_do_not_grow_with_rows(login, town_admin, make_person, lv11, hj9):
    c = login(town_admin)
    fill(make_person, lv11, hj9, 5)
    small = count_queries(lambda: c.get(reverse("people:people"), {"tag": "党员", "sort": "-age"}))
    fill(make_person, lv11, hj9, 55, start=5)
    big = count_queries(lambda: c.get(reverse("people:people"), {"tag": "党员", "sort": "-age"}))
    assert big == small
