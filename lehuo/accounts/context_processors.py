from django.conf import settings

from lehuo.lib.labels import list_separator

from . import scoping
from .models import ROLES


def lehuo(request):
    user = getattr(request, "user", None)
    roles = scoping.roles(user) if user is not None else set()
    return {
        "town_name": settings.LEHUO_TOWN_NAME,
        "user_roles": roles,
        # The header's role names, in the reader's language, in the order ROLES lists them.
        "user_role_names": [str(label) for code, label in ROLES if code in roles],
        "list_sep": list_separator(),
        "wechat_enabled": getattr(settings, "LEHUO_WECHAT_ENABLED", False),
        "is_town_wide": scoping.is_town_wide(user) if user is not None else False,
    }
