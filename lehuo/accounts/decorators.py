"""Page access: staff pages need a membership (or superuser); roles narrow further."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from . import scoping


def staff_required(*roles: str):
    """Require a logged-in staff member, optionally holding one of ``roles``."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not scoping.is_staff_member(request.user):
                raise PermissionDenied
            if roles and not scoping.has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def resident_required(view):
    """Resident pages (a parent on a phone): any logged-in user."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper
