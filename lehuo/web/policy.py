"""The site shell's pages and the API's own paths, declared for the permission module and the
role x operation matrix (lehuo/accounts/permissions.py). The actions are those of the apps
whose records the pages show."""

from django.utils.translation import gettext_lazy as _

from lehuo.accounts.permissions import OWN, SIGNED_IN, Action, Endpoint, Grant, Scoped

ACTIONS = (
    Action("platform.job.view", "platform.Job", (Grant(SIGNED_IN, OWN),), label=_("查看自己发起的后台任务")),
)

SCOPES = {
    "platform.Job": Scoped(town="", owner_account="created_by"),
}

ENDPOINTS = {
    "web:index": Endpoint(None),
    "web:home": Endpoint("accounts.workbench.open"),
    "web:job": Endpoint("platform.job.view", record="pk"),
    "web:job_restart": Endpoint("platform.job.view", record="pk", method="POST"),
    "web:audit": Endpoint("accounts.audit.view"),
    "platform:health": Endpoint(None),
    # Protected media: the owning module decides per file (lehuo/platform/media.py); the matrix
    # reads a published issue's photo, public (tests/security/worlds/newsletter.py).
    "platform:media": Endpoint(None, kwargs={"path": "newsletter/matrix-public-photo"}),
    "platform:metrics": Endpoint(None),  # by address (LEHUO_METRICS_ALLOWED), not by role
    "set_language": Endpoint(None, method="POST"),
    "api-v1:openapi-json": Endpoint(None),
    "api-v1:openapi-view": Endpoint(None),
}
