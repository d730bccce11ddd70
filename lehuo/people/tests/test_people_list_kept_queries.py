"""The people list keeps the queries it builds (``listing.list_query``) and its pager's count
statements (``paging``): what is kept is decided by the user's scope and the filters alone, and
the rows and counts are read afresh on every view."""

import pytest
from django.urls import reverse

from lehuo.people import listing
from lehuo.platform import paging
from lehuo.platform.memo import Memo

pytestmark = pytest.mark.django_db


def shown(client, params):
    page = client.get(reverse("people:people"), params).context["page"]
    return [row.name for row in page.object_list], page.paginator


@pytest.fixture
def builds(monkeypatch):
    """How many times the list's query was built (search_people called for it)."""
    calls = []
    real = listing.search_people
    monkeypatch.setattr(listing, "search_people", lambda *a, **kw: calls.append(1) or real(*a, **kw))
    monkeypatch.setattr(listing, "_LIST_QUERIES", Memo(512))
    return calls


@pytest.mark.parametrize("params", [{}, {"q": "zhang"}, {"q": "zs"}, {"q": "张"}, {"q": "5678"}, {"sort": "-age"},
                                    {"neighbourhood": "lv11"}, {"tag": "居民"}, {"tag": "居民", "q": "zhang"}])
def test_a_kept_query_reads_the_rows_and_count_of_each_view(login, town_admin, make_person, lv11, hj9, builds,
                                                            params):
    wanted = dict(params)
    params = {k: (str(lv11.pk) if v == "lv11" else v) for k, v in params.items()}
    make_person(name="张三", phone="13912345678", tags=["居民"])
    make_person(hj9, name="李四", phone="13900000000")  # matches none of the searches and filters
    client = login(town_admin)
    first, pager = shown(client, params)
    assert "张三" in first and pager.count == len(first)
    assert ("李四" in first) == (wanted in ({}, {"sort": "-age"}))  # the filters still filter
    make_person(name="张山", phone="13987655678", tags=["居民"])
    second, pager = shown(client, params)
    assert sorted(second) == sorted([*first, "张山"]) and pager.count == len(second)
    assert len(builds) == 1  # built once, read twice


def test_what_is_kept_is_decided_by_the_users_scope(login, town_admin, sw_lv11, make_person, lv11, hj9, builds):
    make_person(lv11, name="张三")
    make_person(hj9, name="张山")
    for params in ({}, {"q": "zhang"}, {"q": "张"}):
        assert sorted(shown(login(town_admin), params)[0]) == ["张三", "张山"]
        assert shown(login(sw_lv11), params)[0] == ["张三"]  # never the town admin's kept query
    membership = sw_lv11.memberships.get()
    membership.neighbourhoods.add(hj9)
    assert sorted(shown(login(sw_lv11), {"q": "zhang"})[0]) == ["张三", "张山"]
    membership.neighbourhoods.remove(hj9)
    assert shown(login(sw_lv11), {"q": "zhang"})[0] == ["张三"]


def test_the_kept_count_statement_counts_each_view(login, town_admin, make_person, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    monkeypatch.setattr(paging, "STATEMENTS", Memo(16))
    real = paging.LargePaginator.__init__  # two a page: the first page never holds them all
    monkeypatch.setattr(paging.LargePaginator, "__init__",
                        lambda self, object_list, per_page, **kw: real(self, object_list, 2, **kw))
    for _ in range(3):
        make_person()
    client = login(town_admin)
    pager = shown(client, {})[1]
    assert pager.count == 3 and not pager.estimated and len(paging.STATEMENTS) == 2  # count and rows kept
    make_person()
    pager = shown(client, {})[1]
    assert pager.estimated and pager.count >= 4  # counted afresh by the kept statement


def test_a_user_without_the_right_is_refused_before_anything_is_kept(login, editor, builds):
    assert login(editor).get(reverse("people:people")).status_code == 403
    assert not builds and len(listing._LIST_QUERIES) == 0


def test_the_memo_keeps_the_most_recently_used():
    memo: Memo[int] = Memo(2)
    assert memo.get("a", lambda: 1) == 1 and memo.get("b", lambda: 2) == 2
    assert memo.get("a", lambda: 9) == 1  # kept, and now the most recent
    memo.get("c", lambda: 3)  # "b" goes
    assert memo.get("b", lambda: 20) == 20 and len(memo) == 2


def test_a_kept_rows_statement_reads_what_django_reads(make_person, town):
    from django.db import connection
    from django.db.models import F

    from lehuo.people.listing import ROW_COLUMNS, tag_names
    from lehuo.people.models import Person
    from lehuo.platform.statements import RowsStatement

    make_person(name="张三", tags=["党员", "居民"])
    make_person(name="李四", age=8)
    base = Person.objects.filter(town=town).order_by("name_pinyin", "id")
    for qs in (base.annotate(tag_names=tag_names()).values_list(*ROW_COLUMNS, "tag_names", named=True)[0:10],
               base.values_list("birth_date", "created_at", "name")[0:1],  # dates and times converted
               base.values_list("name")[0:10]):
        statement = RowsStatement.of(qs)
        assert statement is not None
        assert statement.read(connection) == list(qs)
        assert type(statement.read(connection)[0]) is type(list(qs)[0])  # the same named tuple
    birth = RowsStatement.of(base.values_list("birth_date")[0:1]).read(connection)[0][0]
    assert hasattr(birth, "year")  # a date, not SQLite's text
    # What Django must read itself: objects, reordered columns, a query known to be empty.
    assert RowsStatement.of(base[0:1]) is None
    assert RowsStatement.of(base.annotate(n=F("name")).values_list("n", "name")[0:1]) is None
    assert RowsStatement.of(base.filter(pk__in=[]).values_list("name")[0:1]) is None


def test_the_unsearched_list_keeps_its_plans_a_name_search_never(login, town_admin, make_person):
    """PostgreSQL: the list's kept statements are prepared like any other (their plans do not
    depend on the values: the town, the page); a search by a name's characters (``LIKE``) is
    planned for its pattern every time (paging.custom_plans)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("server-side prepared statements are PostgreSQL's")
    make_person(name="张三")
    client = login(town_admin)
    for _ in range(8):  # psycopg prepares at the 5th run of a statement
        client.get(reverse("people:people"))
        client.get(reverse("people:people"), {"q": "张三"})
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s",
                       ['%"people_person"."phone_mask"%'])
        statements = [row[0] for row in cursor.fetchall()]
    assert statements and not [s for s in statements if "LIKE" in s]


def test_a_scope_known_to_be_empty_is_an_empty_list(login, sw_lv11, make_person):
    """A social worker whose membership names no neighbourhood yet: the scope is empty before the
    database is asked (Django's EmptyResultSet); the list says so, every time."""
    make_person(name="张三")
    sw_lv11.memberships.get().neighbourhoods.clear()
    client = login(sw_lv11)
    for params in ({}, {}, {"page": 2}, {"page": 2}):  # a later page asks the pager to count
        response = client.get(reverse("people:people"), params)
        assert response.status_code == 200 and response.context["page"].paginator.count == 0
        assert "没有符合条件的人员" in response.content.decode()


def test_a_kept_tag_filter_finds_a_tag_made_anew(login, town, town_admin, make_person, builds):
    from lehuo.people.models import Tag

    person = make_person(name="张三", tags=["居民"])
    client = login(town_admin)
    assert shown(client, {"tag": "居民"})[0] == ["张三"]
    assert shown(client, {"tag": "楼组长"})[0] == []  # no such tag: nobody, not an error
    Tag.objects.filter(town=town, name="居民").delete()
    assert shown(client, {"tag": "居民"})[0] == []
    tag = Tag.objects.create(town=town, name="居民")
    person.tags.add(tag)
    assert shown(client, {"tag": "居民"})[0] == ["张三"]  # the new tag's id, not the kept query's


def test_the_filter_bar_keeps_the_chosen_filters_selected_and_escapes_names(login, town, town_admin, lv11):
    from lehuo.people.models import Tag

    Tag.objects.create(town=town, name='A&B"<i>', order=99)
    client = login(town_admin)
    body = client.get(reverse("people:people"), {"neighbourhood": lv11.pk, "tag": "党员", "sort": "-age"}).content.decode()
    assert f'<option value="{lv11.pk}" selected>{lv11.name}</option>' in body
    assert '<option value="党员" selected>党员</option>' in body
    assert '<option value="-age" selected>年龄（大到小）</option>' in body
    assert '<option value="A&amp;B&quot;&lt;i&gt;">A&amp;B&quot;&lt;i&gt;</option>' in body and "<i>" not in body
    assert body.count(" selected>") == 4  # and the language menu's
    client.cookies["django_language"] = "en"
    body = client.get(reverse("people:people"), {"sort": "-age"}).content.decode()
    assert body.count(" selected>") == 2  # the sort, and English in the language menu
    assert '<option value="-age" selected>' in body and "年龄（大到小）" not in body
