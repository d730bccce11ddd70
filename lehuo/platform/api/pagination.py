"""Page-number pagination for every list of the API, with a bounded page number.

ninja's ``PageNumberPagination`` takes any page from 1 up: the offset ``(page - 1) * page_size``
of a page like 10**18 overflows the database's 64-bit OFFSET (SQLite "datatype mismatch",
PostgreSQL "bigint out of range"), and the list answered 500. A page past ``MAX_PAGE`` is
refused with 422 naming ``page``, and the bound is in the published schema.
"""

from typing import Any

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination as NinjaPageNumberPagination

from lehuo.platform.paging import LargePaginator, custom_plans

MAX_PAGE = 1_000_000  # 100 million rows at 100 a page; far past any list of a city


class PageNumberPagination(NinjaPageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1)


class LargePageNumberPagination(PageNumberPagination):
    """For lists that can hold a city (the people register): counted as the people page's pager
    counts (``lehuo.platform.paging.LargePaginator``): exactly up to ``COUNT_CAP`` rows, beyond
    that PostgreSQL's planner estimate (on SQLite, ``COUNT_CAP + 1``) with ``count_estimated``
    true; ``?count=exact`` counts every row. ``has_next`` says whether a further page has rows
    (read as one row more than the page), so a client can walk the list without the count."""

    class Input(PageNumberPagination.Input):
        count: str = Field("", pattern="^(exact)?$", description="exact: count every row")

    class Output(Schema):
        items: list[Any]
        count: int
        count_estimated: bool = False
        has_next: bool = False

    def paginate_queryset(self, queryset, pagination: NinjaPageNumberPagination.Input, request, **params: Any) -> Any:
        page_size = self._get_page_size(pagination.page_size)
        offset = (pagination.page - 1) * page_size
        exact = getattr(pagination, "count", "") == "exact"
        paginator = LargePaginator(queryset, page_size, exact=exact)
        with custom_plans(queryset.db):  # searches: planned for their pattern (paging.custom_plans)
            rows = list(queryset[offset:offset + page_size + 1])
            if offset == 0 and len(rows) <= page_size and not exact:
                paginator.__dict__["count"] = len(rows)  # all on the first page: no COUNT query
            count = paginator.count
        return {self.items_attribute: rows[:page_size], "count": count,
                "count_estimated": paginator.estimated, "has_next": len(rows) > page_size}
