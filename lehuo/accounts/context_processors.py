from django.conf import settings

from . import scoping


def lehuo(request):
    user = getattr(request, "user", None)
    return {
        "town_name": settings.LEHUO_TOWN_NAME,
        "wechat_enabled": getattr(settings, "LEHUO_WECHAT_ENABLED", False),
        "user_roles": scoping.roles(user) if user is not None else set(),
        "is_town_wide": scoping.is_town_wide(user) if user is not None else False,
    }
