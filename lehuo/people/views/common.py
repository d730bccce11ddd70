"""Helpers shared by the core pages."""

from urllib.parse import urlencode

from django.http import Http404

from .. import services
from ..errors import NotFound
from ..models import TOWN_ADMIN

PEOPLE_ROLES = ("town_admin", "social_worker", "programme_staff")
WRITE_ROLES = ("town_admin", "social_worker")
ADMIN_ROLES = (TOWN_ADMIN,)


def town_of(request):
    try:
        return services.town_for(request.user)
    except NotFound:
        raise Http404("no town")


def person_or_404(request, pk):
    try:
        return services.get_person_for(request.user, pk)
    except NotFound:
        raise Http404("person")


def query_without(request, *drop: str) -> str:
    """The current query string minus ``drop`` (for sort and page links that keep the filters)."""
    params = [(k, v) for k, v in request.GET.items() if k not in drop and v]
    return urlencode(params)
