"""Helpers shared by the core pages."""

from django.http import Http404

from lehuo.accounts.models import TOWN_ADMIN
from lehuo.accounts.services import town_for
from lehuo.people import services
from lehuo.platform.errors import NotFound

PEOPLE_ROLES = ("town_admin", "social_worker", "programme_staff")
WRITE_ROLES = ("town_admin", "social_worker")
ADMIN_ROLES = (TOWN_ADMIN,)


def town_of(request):
    try:
        return town_for(request.user)
    except NotFound:
        raise Http404("no town")


def person_or_404(request, pk):
    try:
        return services.get_person_for(request.user, pk)
    except NotFound:
        raise Http404("person")
