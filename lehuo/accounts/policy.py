"""What the accounts app declares to the permission module (lehuo/accounts/permissions.py)."""

from django.utils.translation import gettext_lazy as _

from .models import EDITOR, PROGRAMME_STAFF, SOCIAL_WORKER, TOWN_ADMIN, VIEWER
from .permissions import ANY, SIGNED_IN, TOWN, Action, Endpoint, Grant, Scoped

STAFF = (TOWN_ADMIN, SOCIAL_WORKER, PROGRAMME_STAFF, EDITOR, VIEWER)

ACTIONS = (
    Action("accounts.workbench.open", None, tuple(Grant(role, TOWN) for role in STAFF),
           label=_("打开工作台")),
    Action("accounts.neighbourhood.view", "accounts.Neighbourhood", tuple(Grant(role, TOWN) for role in STAFF),
           label=_("查看居民区")),
    Action("accounts.neighbourhood.create", "accounts.Town", (Grant(TOWN_ADMIN, TOWN),),
           label=_("新增居民区")),
    Action("accounts.audit.view", "accounts.Town", (Grant(TOWN_ADMIN, TOWN),),
           label=_("查看操作日志")),
    Action("accounts.second_factor.manage", None, (Grant(SIGNED_IN, ANY),), label=_("设置和验证两步验证")),
)

SCOPES = {
    "accounts.Town": Scoped(town="id"),
    "accounts.Neighbourhood": Scoped(town="town", neighbourhood="id"),
}

ENDPOINTS = {
    "login": Endpoint(None),
    "logout": Endpoint(None, method="POST"),
    "otp_setup": Endpoint("accounts.second_factor.manage"),
    "otp_verify": Endpoint("accounts.second_factor.manage"),
    # Residents' sign-in (django-allauth, accounts/phone.py): open pages.
    "account_request_login_code": Endpoint(None),
    "account_confirm_login_code": Endpoint(None),
    "account_signup": Endpoint(None),
    "account_verify_phone": Endpoint(None),
    "account_change_phone": Endpoint(None),
    "account_login": Endpoint(None),
    "account_set_password": Endpoint(None),
    "account_change_password": Endpoint(None),
    "weixin_login": Endpoint(None),
    "weixin_callback": Endpoint(None),
    "socialaccount_login_error": Endpoint(None, answers=401),
    "socialaccount_login_cancelled": Endpoint(None),
    "socialaccount_signup": Endpoint(None),
    "GET /api/v1/neighbourhoods": Endpoint("accounts.neighbourhood.view"),
    "POST /api/v1/neighbourhoods": Endpoint("accounts.neighbourhood.create"),
}
