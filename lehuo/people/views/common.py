"""Helpers shared by the people pages."""

from lehuo.accounts.services import town_for


def town_of(request):
    """The town the user works in (404 for a user of no town: NotFound is a 404)."""
    return town_for(request.user)
