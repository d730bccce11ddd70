"""Page-number pagination for every list of the API, with a bounded page number.

ninja's ``PageNumberPagination`` takes any page from 1 up: the offset ``(page - 1) * page_size``
of a page like 10**18 overflows the database's 64-bit OFFSET (SQLite "datatype mismatch",
PostgreSQL "bigint out of range"), and the list answered 500. A page past ``MAX_PAGE`` is
refused with 422 naming ``page``, and the bound is in the published schema.
"""

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination as NinjaPageNumberPagination

MAX_PAGE = 1_000_000  # 100 million rows at 100 a page; far past any list of a city


class PageNumberPagination(NinjaPageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1)
