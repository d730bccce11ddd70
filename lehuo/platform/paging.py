"""List pages: pagination and whitelisted sorting from the query string.

``paginate`` counts exactly. ``paginate_large`` is for lists that can hold a city (the people
register): its pager never reads the whole scope to count it. It counts up to ``COUNT_CAP``
rows (``SELECT count(*) FROM (... LIMIT cap + 1)``, which stops there); beyond that the total
is the database's estimate (PostgreSQL's planner row estimate for the same query, from
pg_class.reltuples and the column statistics; on SQLite "more than cap") and the page says so.
``?count=exact`` asks for the exact count, which the page offers as a link. Pages are still
numbered: a page past the estimate is shown as long as it has rows (``has_next`` comes from
reading one row more than the page).
"""

import hashlib
import json
import math
from contextlib import contextmanager, nullcontext
from functools import cached_property
from urllib.parse import urlencode

from django.core.cache import cache
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connections

from .statements import STATEMENTS, RowsStatement, count_statement

COUNT_CAP = 1000


def paginate(request, queryset, per_page: int = 50):
    """A page of ``queryset`` for ``?page=`` (bad or out-of-range numbers give the nearest page)."""
    paginator = Paginator(queryset, per_page)
    return paginator.get_page(request.GET.get("page"))


ESTIMATE_SECONDS = 60


def estimated_rows(queryset, statement: tuple[str, tuple] | None = None) -> int | None:
    """The planner's row estimate for ``queryset`` (PostgreSQL), without running it; else None.

    Kept ``ESTIMATE_SECONDS`` per query and parameters (the planner's statistics move slower
    than that; a page beyond the cap says the figure is an estimate): the first page of a
    city-sized list asked for a plan on every view."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = statement or queryset.order_by().values("pk").query.sql_with_params()
    key = "paging:estimate:" + hashlib.sha256(repr((queryset.db, sql, params)).encode()).hexdigest()
    rows = cache.get(key)
    if rows is None:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0]
        if isinstance(plan, str):
            plan = json.loads(plan)
        rows = int(plan[0]["Plan"]["Plan Rows"])
        cache.set(key, rows, ESTIMATE_SECONDS)
    return rows


class LargePage(Page):
    def __init__(self, object_list, number, paginator, more: bool):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self):
        return self.more


class LargePaginator(Paginator):
    """A Paginator whose ``count`` is exact up to ``cap`` and estimated beyond (``estimated``)."""

    def __init__(self, object_list, per_page, *, exact: bool = False, cap: int | None = None,
                 statement_key: tuple | None = None):
        super().__init__(object_list, per_page)
        self.exact, self.cap, self.estimated, self.more_than_cap = exact, cap or COUNT_CAP, False, False
        # What decides ``object_list`` completely (a list's filters and the user's scope), given
        # by the list's code where it has one: the count's statements are then compiled once per
        # process for it rather than on every view (compiling cost four times running them).
        self.statement_key = statement_key

    def _statement(self, purpose: tuple, build):
        """The statement for ``purpose``, compiled once per process for the list's key
        (``lehuo.platform.statements``), or None without a key."""
        if self.statement_key is None:
            return None
        return STATEMENTS.get(("paging", self.statement_key, self._db, purpose), build)

    @property
    def _db(self) -> str:
        return self.object_list.db  # type: ignore[attr-defined]  # a QuerySet

    def _capped_count(self) -> int:
        def capped():
            return self._keys()[: self.cap + 1]

        statement = self._statement(("count", self.cap), lambda: count_statement(capped()))
        if statement is None:
            return capped().count()
        with connections[self._db].cursor() as cursor:
            cursor.execute(*statement)
            return cursor.fetchone()[0]

    def _rows(self, low: int, high: int) -> list:
        rows = self.object_list[low:high]
        statement = self._statement(("rows", low, high), lambda: RowsStatement.of(rows))
        if statement is None:
            return list(rows)
        return statement.read(connections[self._db])

    def _keys(self):
        """The rows to count, as their keys only: a count of the shown columns read every
        capped row from the table (the ID number and phone are not in the list's covering
        index) and kept the join to the neighbourhood, 8x the index-only count on SQLite."""
        return self.object_list.order_by().values("pk")

    @cached_property
    def count(self):
        if self.exact:
            return self._keys().count()
        capped = self._capped_count()
        if capped <= self.cap:
            return capped
        self.estimated = True
        estimate = estimated_rows(self.object_list, self._statement(
            ("estimate",), lambda: self._keys().query.sql_with_params()))
        # Without a planner's estimate (SQLite) all that is known is "more than the cap".
        self.more_than_cap = estimate is None or estimate <= self.cap
        return max(self.cap + 1, estimate or 0)

    def validate_number(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("not an integer")
        if number < 1:
            raise EmptyPage("less than 1")
        if number == 1:  # always there (empty or not); its rows may make the count needless
            return number
        if number > self.num_pages and not (self.count and self.estimated):
            raise EmptyPage("no results")
        return number

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = self._rows(bottom, bottom + self.per_page + 1)
        if not rows and number > 1:  # past the estimate: the last page that has rows
            return self.page(max(1, math.ceil(self._keys().count() / self.per_page)))
        more = len(rows) > self.per_page
        if number == 1 and not more and not self.exact:
            # The whole result is on this page: that is the count, no COUNT query (a search for
            # one name walked the scope twice, once for the rows and once to count them).
            self.__dict__["count"] = len(rows)
        page = LargePage(rows[: self.per_page], number, self, more)
        if self.estimated and more and number >= self.num_pages:  # the estimate was short
            self.__dict__["num_pages"] = number + 1
        return page


def paginate_large(request, queryset, per_page: int = 50, statement_key: tuple | None = None,
                   generic_plans: bool = False) -> LargePage:
    """A page of ``queryset`` for ``?page=``, counted as ``LargePaginator`` does (exact with
    ``?count=exact``); ``statement_key`` as there. Its statements are planned for their own
    parameters every time (``custom_plans``) unless the list says its plans do not depend on
    their values (``generic_plans``: no pattern match)."""
    paginator = LargePaginator(queryset, per_page, exact=request.GET.get("count") == "exact",
                               statement_key=statement_key)
    with nullcontext() if generic_plans else custom_plans(queryset.db):
        page = paginator.get_page(request.GET.get("page"))
        paginator.count  # noqa: B018 - counted here, planned for its parameters, not later in the template
    return page


@contextmanager
def custom_plans(using: str = "default"):
    """Statements run inside are planned for their own parameters every time, never prepared.

    On PostgreSQL Lehuo prepares statements server-side after their fifth run (the rush's
    look-ups then skip planning), and after five more runs PostgreSQL may keep a prepared
    statement's generic plan, which cannot see a search's ``LIKE '%...%'`` pattern: a
    whole-name search at 1,000,000 people went from 250 ms to 2.4 s at its tenth request.
    Searches run their statements unprepared (psycopg's ``prepare_threshold`` set to None
    for the block)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    raw = connection.connection
    before = raw.prepare_threshold
    raw.prepare_threshold = None
    try:
        yield
    finally:
        raw.prepare_threshold = before


def sort_param(request, allowed: dict[str, tuple[str, ...]], default: str) -> tuple[str, tuple[str, ...]]:
    """(key, order_by fields) for ``?sort=``; unknown keys fall back to ``default``."""
    key = request.GET.get("sort", default)
    if key not in allowed:
        key = default
    return key, allowed[key]


def query_without(request, *drop: str) -> str:
    """The current query string minus ``drop`` (for sort and page links that keep the filters)."""
    params = [(k, v) for k, v in request.GET.items() if k not in drop and v]
    return urlencode(params)
