"""List pages: pagination and whitelisted sorting from the query string."""

from urllib.parse import urlencode

from django.core.paginator import Paginator


def paginate(request, queryset, per_page: int = 50):
    """A page of ``queryset`` for ``?page=`` (bad or out-of-range numbers give the nearest page)."""
    paginator = Paginator(queryset, per_page)
    return paginator.get_page(request.GET.get("page"))


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
