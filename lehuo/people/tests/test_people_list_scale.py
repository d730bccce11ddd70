"""The people list at city size: the pager counts exactly up to a cap and estimates beyond it
(exact on request), searches and tag filters are written so the database can stop early."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lehuo.people.models import Person
from lehuo.people.search import Merge, letters_q, search_people
from lehuo.platform import paging

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(make_person, lv11, hj9):
    return [make_person(lv11 if i % 2 else hj9, tags=["居民"] if i % 3 else ["党员"]) for i in range(12)]


def test_count_is_exact_up_to_the_cap(login, town_admin, many, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 12)
    r = login(town_admin).get(reverse("people:people"))
    assert r.context["page"].paginator.count == 12 and not r.context["page"].paginator.estimated
    assert "共 12 人" in r.content.decode()


def test_beyond_the_cap_the_count_is_estimated_and_exact_on_request(login, town_admin, many, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 5)
    qs = Person.objects.order_by("name_pinyin", "id")
    paginator = paging.LargePaginator(qs, 4)
    with CaptureQueriesContext(connection) as ctx:
        paginator.page(1)
        count = paginator.count
    assert paginator.estimated and count >= 6
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and "LIMIT 6" in counts[0]  # stops after cap + 1 rows
    exact = paging.LargePaginator(qs, 4, exact=True)
    exact.page(1)
    assert exact.count == 12 and not exact.estimated
    # The page says which it is, and offers the exact count.
    monkeypatch.setattr(paging, "COUNT_CAP", 2)
    c = login(town_admin)
    real = paging.LargePaginator.__init__
    monkeypatch.setattr(paging.LargePaginator, "__init__",
                        lambda self, object_list, per_page, **kw: real(self, object_list, 4, **kw))
    def said(**params) -> str:  # the count above the list and the pager's "page n of m"
        body = c.get(reverse("people:people"), params).content.decode()
        count = body[body.index('id="result-count"'):].split("</p>")[0]
        pager = body[body.index('class="pagination"'):].split("</nav>")[0] if 'class="pagination"' in body else ""
        return count + pager

    text = said()
    assert "count=exact" in text
    if connection.vendor == "sqlite":  # no planner's estimate: only "more than the cap" is known, and said so
        assert "超过 2 人" in text and "（估计）" not in text and "约" not in text
    # Without a planner's estimate, or with one at or under the cap, the page says "more than".
    monkeypatch.setattr(paging, "estimated_rows", lambda qs, statement=None: 1)
    assert "超过 2 人" in said() and "（估计）" not in said()
    monkeypatch.setattr(paging, "estimated_rows", lambda qs, statement=None: 5000)
    assert "约 5000 人（估计）" in said().replace(",", "") and "第 1 / 约 1250 页" in said().replace(",", "")
    monkeypatch.setattr(paging, "COUNT_CAP", 5)  # 6 counted: two pages of 4, "page 1", no "of about"
    monkeypatch.setattr(paging, "estimated_rows", lambda qs, statement=None: None)
    assert "超过 5 人" in said() and "第 1 页" in said() and "约" not in said()
    assert c.get(reverse("people:people"), {"count": "exact"}).context["page"].paginator.count == 12


def test_pages_past_the_cap_are_served_while_they_have_rows(login, town_admin, many, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 2)
    c = login(town_admin)
    seen = []
    for number in range(1, 6):
        page = c.get(reverse("people:people"), {"page": number}).context["page"]
        paging_ok = page.number == number
        seen += [p.name for p in page.object_list]
        if not page.has_next():
            break
    assert paging_ok
    assert len(seen) == 12 == len(set(seen))  # nothing skipped or repeated across pages
    past = c.get(reverse("people:people"), {"page": 99}).context["page"]  # past the end: the last page
    assert [p.name for p in past.object_list] == seen[-len(past.object_list):] and not past.has_next()


@pytest.mark.parametrize("q,later_word", [("zl", False), ("lxm", False), ("zhang", True), ("long", True),
                                          ("li", True), ("zh l", True)])
def test_a_later_pinyin_word_is_searched_only_when_a_syllable_can_begin_so(q, later_word):
    assert ("pinyin_w2" in str(letters_q(q))) is later_word


def test_search_results_are_those_of_the_plain_filter(make_person, lv11):
    names = ["张龙云", "张丽", "赵磊", "李小明", "周莉莉", "郑龙", "朱一龙", "欧阳龙娜", "阿依古丽龙",
             "买买提艾力龙", "龙", "章龙", "张张", "李子", "李紫", "李字舟", "张z"]
    for name in names:
        make_person(lv11, name=name)
    from django.db.models import Q

    base = Person.objects.all()
    for q in ["zl", "zh", "zhang", "long", "l", "zll", "li", "zhou li", "xm", "z", "zi", "li z", "na", "li long",
              "ai li long", "zhang z", "zz", "lz", "zhou", "yun", "a"]:
        text = q.lower()
        plain = base.filter(Q(name_initials__startswith=text.replace(" ", "")) | Q(name_pinyin__startswith=text)
                            | Q(name_pinyin__contains=" " + text))
        assert sorted(search_people(base, q=q).values_list("name", flat=True)) == sorted(
            plain.values_list("name", flat=True)), q
    # The later words are kept by the field on every write, bulk ones included.
    person = Person.objects.get(name="阿依古丽龙")
    assert (person.pinyin_w2, person.pinyin_w3, person.pinyin_w4) == ("yi gu li long", "gu li long", "li long")
    person.name, person.name_pinyin = "龙云", "long yun"
    person.save()
    person.refresh_from_db()
    assert (person.pinyin_w2, person.pinyin_w3, person.pinyin_w4) == ("yun", "", "")


def test_api_list_counts_up_to_the_cap_and_walks_by_has_next(api, town_admin, many, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 5)
    client = api(town_admin)
    with CaptureQueriesContext(connection) as ctx:
        first = client.get("/api/v1/people?page_size=5").json()
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and "LIMIT 6" in counts[0]  # never the whole scope
    assert first["count_estimated"] and first["count"] >= 6 and first["has_next"] and len(first["items"]) == 5
    seen, page = [], 1
    while True:
        body = client.get(f"/api/v1/people?page_size=5&page={page}").json()
        seen += [p["id"] for p in body["items"]]
        if not body["has_next"]:
            break
        page += 1
    assert page == 3 and len(seen) == 12 == len(set(seen))
    exact = client.get("/api/v1/people?count=exact").json()
    assert exact["count"] == 12 and not exact["count_estimated"] and not exact["has_next"]
    assert client.get("/api/v1/people?count=all").status_code == 422


def test_api_list_under_the_cap_is_exact(api, town_admin, many):
    body = api(town_admin).get("/api/v1/people?q=zz-nobody").json()
    assert body == {"items": [], "count": 0, "count_estimated": False, "has_next": False}
    body = api(town_admin).get("/api/v1/people").json()
    assert body["count"] == 12 and not body["count_estimated"]


def test_a_result_that_fits_on_the_first_page_is_not_counted_again(login, town_admin, many):
    c = login(town_admin)
    target = many[0]
    with CaptureQueriesContext(connection) as ctx:
        r = c.get(reverse("people:people"), {"q": target.name})
    page = r.context["page"]
    assert page.paginator.count == len(page.object_list) >= 1 and not page.has_next()
    assert not [q for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert f"共 {page.paginator.count} 人" in r.content.decode()
    # An empty result says 0.
    assert c.get(reverse("people:people"), {"q": "查无此人"}).context["page"].paginator.count == 0


def test_searches_are_never_run_as_prepared_statements(login, town_admin, many, api):
    """A prepared statement's generic plan cannot see a search's pattern (a whole-name search
    went from 250 ms to 2.4 s at its tenth request at 1,000,000 people): searches are planned
    for their own parameters every time (paging.custom_plans)."""
    if connection.vendor != "postgresql":
        pytest.skip("server-side prepared statements are PostgreSQL's")
    c, client = login(town_admin), api(town_admin)
    for _ in range(12):  # psycopg prepares at the 5th run of a statement
        c.get(reverse("people:people"), {"q": many[0].name})
        client.get("/api/v1/people", {"q": many[1].name})
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s",
                       ["%FROM \"people_person\"%LIKE%"])
        assert cursor.fetchall() == []
        # Other statements are still prepared (the rush's look-ups rely on it).
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone()[0] > 0


def test_the_pager_counts_keys_not_the_shown_columns(login, town_admin, many, monkeypatch):
    """The capped count reads keys only: counting the shown columns read every counted row's
    ID number and phone from the table (outside the covering index) and joined the
    neighbourhoods' names, 8x the index-only count at 1,000,000 people on SQLite (the join
    itself, on the neighbourhood's key and left unused, both databases drop)."""
    from lehuo.people.listing import ROW_COLUMNS

    monkeypatch.setattr(paging, "COUNT_CAP", 5)
    rows = Person.objects.order_by("name_pinyin", "id").values_list(*ROW_COLUMNS, named=True)
    with CaptureQueriesContext(connection) as ctx:
        assert login(town_admin).get(reverse("people:people"), {"count": "exact"}).status_code == 200
        capped = paging.LargePaginator(rows, 4)
        capped.page(1)
        assert capped.count >= 6 and capped.estimated
    counts = [q["sql"] for q in ctx.captured_queries if q["sql"].upper().startswith("SELECT COUNT(")]
    assert len(counts) == 2
    for sql in counts:
        assert "id_number" not in sql and "phone" not in sql and '"accounts_neighbourhood"."name"' not in sql, sql


def test_letters_searches_read_branch_by_branch_give_the_plain_querys_pages(make_person, lv11, hj9, monkeypatch):
    """Name-ordered slices and capped counts of a letters search are read branch by branch
    (``search.Merge``): each page, count and order must be those of the one plain query, for
    branches read through their own index range (few matches) and walked in the list's order
    (more than the cap), with the neighbourhood and tag filters, forwards and backwards."""
    import random

    rng = random.Random(19)
    surnames, given = "张李赵周郑朱王龙欧阳", "龙丽力明章张云莉磊小一子紫"
    for i in range(70):
        name = rng.choice(surnames) + "".join(rng.choice(given) for _ in range(rng.choice((1, 2, 2, 3))))
        make_person(lv11 if i % 3 else hj9, name=name, tags=["党员"] if i % 4 == 0 else [])
    make_person(lv11, name="Zlatan Li")
    monkeypatch.setattr(paging, "COUNT_CAP", 6)  # most branches have more matches than the cap
    base = Person.objects.filter(erased_at__isnull=True)
    merged_calls = 0
    real = Merge.candidates

    def counting(self, *args):
        nonlocal merged_calls
        merged_calls += 1
        return real(self, *args)

    monkeypatch.setattr(Merge, "candidates", counting)
    for q in ["zhang", "li", "l", "zl", "z", "ming", "long", "zh", "li z", "zhou li", "y", "xm", "zla", "zz", "lz"]:
        for sort in ("name", "-name"):
            for nbh, tag in ((None, ""), (lv11.pk, ""), (None, "党员")):
                found = search_people(base, q=q, neighbourhood_id=nbh, tag=tag, sort=sort)
                plain = found.filter()  # a further filter reads it as one query
                assert plain._merge is None and found._merge is not None
                expected = list(plain.values_list("pk", flat=True))
                for size in (1, 3, 7):
                    got = []
                    for start in range(0, paging.COUNT_CAP + 1 - size, size):
                        got += [p.pk for p in found[start:start + size]]
                    assert got == expected[:len(got)], (q, sort, nbh, tag, size)
                capped = found.order_by().values("pk")[: paging.COUNT_CAP + 1].count()
                assert capped == min(len(expected), paging.COUNT_CAP + 1), (q, sort, nbh, tag)
                # Other orders and deep slices are the plain query's.
                assert [p.pk for p in found.order_by("-birth_date", "id")[:3]] == list(
                    plain.order_by("-birth_date", "id").values_list("pk", flat=True)[:3])
    assert merged_calls > 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the estimate is PostgreSQL's planner's")
def test_the_estimate_beyond_the_cap_is_planned_once_a_minute(login, town_admin, many, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 5)
    real = paging.LargePaginator.__init__
    monkeypatch.setattr(paging.LargePaginator, "__init__",
                        lambda self, object_list, per_page, **kw: real(self, object_list, 4, **kw))
    c = login(town_admin)
    with CaptureQueriesContext(connection) as ctx:
        first = c.get(reverse("people:people")).context["page"].paginator
        second = c.get(reverse("people:people")).context["page"].paginator
        tagged = c.get(reverse("people:people"), {"tag": "居民"}).context["page"].paginator
    assert first.estimated and second.estimated and tagged.estimated and first.count == second.count
    plans = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("EXPLAIN")]
    assert len(plans) == 2, plans  # the second view reuses the first's; another filter is planned anew


def test_the_filter_bar_is_one_query_in_each_lists_order_and_scoped(town, lv11, hj9, town_admin, sw_lv11):
    from lehuo.people.listing import filter_choices
    from lehuo.people.models import Tag

    Tag.objects.filter(town=town).delete()
    for order, name in ((2, "低保"), (1, "党员"), (1, "残疾人"), (0, "志愿者")):
        Tag.objects.create(town=town, name=name, order=order)
    Tag.objects.create(town=town, name="捐款单位", applies_to=Tag.ORGANISATION)
    from lehuo.accounts.permissions import actor_of

    actor_of(town_admin)  # read once per request anyway
    with CaptureQueriesContext(connection) as ctx:
        neighbourhoods, tags = filter_choices(town_admin, town)
    assert len(ctx.captured_queries) == 1
    from lehuo.accounts.models import Neighbourhood

    assert [n.name for n in neighbourhoods] == [n.name for n in Neighbourhood.objects.filter(town=town)]
    assert [n.pk for n in neighbourhoods] == [n.pk for n in Neighbourhood.objects.filter(town=town)]
    assert [tags[0].name, tags[-1].name, len(tags)] == ["志愿者", "低保", 4]  # by order, then name
    assert [t.name for t in tags] == [t.name for t in Tag.objects.filter(town=town, applies_to=Tag.PERSON)]
    mine, _tags = filter_choices(sw_lv11, town)  # a social worker filters by their own neighbourhoods only
    assert [n.pk for n in mine] == [lv11.pk]


def test_the_list_reads_each_persons_tags_in_order_with_its_rows(login, town, town_admin, make_person):
    from lehuo.people import services
    from lehuo.people.models import Tag
    from lehuo.platform.errors import ServiceError

    services.create_tag(town_admin, town, name="楼组长", order=0)
    Tag.objects.filter(town=town, name="党员").update(order=5)
    make_person(name="张三", tags=["党员", "楼组长", "居民"])
    make_person(name="李四")
    with CaptureQueriesContext(connection) as ctx:
        body = login(town_admin).get(reverse("people:people")).content.decode()
    assert not [q for q in ctx.captured_queries if "people_person_tags" in q["sql"] and "IN (" in q["sql"]]
    order = [t.name for t in Tag.objects.filter(town=town, name__in=["党员", "楼组长", "居民"])]
    row = body[body.index("张三"):].split("</tr>")[0]
    assert [name for name in order if name in row] == order
    assert row.index(order[0]) < row.index(order[1]) < row.index(order[2])
    for bad in ("党\x1f员", "党\n员", "党\x00员"):  # the list joins names with \x1f: no control characters
        with pytest.raises(ServiceError):
            services.create_tag(town_admin, town, name=bad)
