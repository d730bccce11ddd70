"""The v1 API: each app keeps its own ``api.py`` router; this module only wires them."""

import logging

from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.urls import include, path, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from lehuo.accounts.tokens import api_auth
from lehuo.platform.api.openapi import add_error_responses
from lehuo.platform.api.parser import GuardedParser
from lehuo.platform.dberrors import is_transient
from lehuo.platform.errors import ServiceError
from lehuo.platform.modules import contributions

logger = logging.getLogger("lehuo.api")


class LehuoAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        # The exception handlers below answer on every operation: their answers are documented too.
        return add_error_responses(super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params))


api = LehuoAPI(
    title="Lehuo 乐活 API",  # not-ui: the product's name
    version="1",
    urls_namespace="api-v1",
    auth=api_auth,
    parser=GuardedParser(),
    description="社区事务平台 API。Authorization: Bearer <token>（python -m lehuo create_token USER）。",  # not-ui: API docs
)


def _field_errors(exc: ServiceError) -> list[dict]:
    return [{"loc": [e["field"]] if e.get("field") else [], "msg": e["message"]} for e in exc.errors]


@api.exception_handler(ServiceError)
def service_error(request, exc: ServiceError):
    body = {"detail": _field_errors(exc), "message": exc.message}
    if exc.code:
        body["code"] = exc.code
    status = exc.status
    if exc.code == "forbidden":
        status = 403
    return api.create_response(request, body, status=status)


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    detail = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "payload", "query", "path")]
        detail.append({"loc": loc, "msg": err.get("msg", _("输入不正确")), "type": err.get("type", "")})
    request_label = _("请求")
    message = _("；").join(f"{'.'.join(d['loc']) or request_label}: {d['msg']}" for d in detail)[:500]
    return api.create_response(request, {"detail": detail, "message": message}, status=422)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": [], "message": _("记录不存在或无权访问")}, status=404)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    return api.create_response(request, {"detail": [], "message": _("未登录或令牌无效")}, status=401)


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def database_unavailable(request, exc):
    """The database restarting or unreachable: a clear 503 the client can retry (the
    transaction rolled back, and an Idempotency-Key makes the retry safe). Any other database
    error is a bug: logged with its traceback, answered 500 without its details."""
    if not is_transient(exc):
        logger.error("database error in %s %s", request.method, request.path, exc_info=exc)
        return api.create_response(request, {"detail": [], "message": _("服务器内部错误"), "code": "error"}, status=500)
    logger.warning("database unavailable: %s: %s", exc.__class__.__name__, exc)
    response = api.create_response(
        request, {"detail": [], "message": _("数据库暂时不可用，请稍后重试"), "code": "unavailable"}, status=503)
    response["Retry-After"] = "5"
    return response


@api.exception_handler(RequestDataTooBig)
def too_big(request, exc):
    return api.create_response(request, {"detail": [{"loc": ["body"], "msg": _("请求体过大")}], "message": _("请求体过大")},
                               status=413)


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    # ninja wraps whatever the body parser raised: answer with the parser's own message.
    if isinstance(exc.__cause__, ServiceError):
        return service_error(request, exc.__cause__)
    if isinstance(exc.__cause__, RequestDataTooBig):
        return too_big(request, exc.__cause__)
    return api.create_response(request, {"detail": [], "message": str(exc)}, status=exc.status_code)


def _add_routers() -> None:
    """Each app's router, as its AppConfig declares it (``api_router``)."""
    for _config, router in contributions("api_router"):
        api.add_router("", router)


def _grouped(patterns: list) -> list:
    """ninja lists every operation's path flat, and Django tries them in order: a request for
    the last of 70 paths ran 70 matches. Grouped under one ``include()`` per first segment
    (``daycare/``, ``people/``...), it runs about twenty. Paths and names are unchanged."""
    top, groups = [], {}
    for pattern in patterns:
        route = str(pattern.pattern)
        head, slash, rest = route.partition("/")
        if not slash or "<" in head:
            top.append(pattern)
            continue
        groups.setdefault(head, []).append(path(rest, pattern.callback, pattern.default_args, name=pattern.name))
    return top + [path(f"{head}/", include(group)) for head, group in groups.items()]


@csrf_exempt  # a POST to a missing path is a 404, not a CSRF refusal page
def _no_such_path(request, *args, **kwargs):
    """A path no operation has, or an id in it that is not a number (``/people/true``): the
    API's JSON 404, not the site's HTML page."""
    return JsonResponse({"detail": [], "message": _("记录不存在或无权访问")}, status=404)


_add_routers()
_patterns, _app_name, _namespace = api.urls
urls = (_grouped(_patterns) + [re_path(r"", _no_such_path, name="no-such-path")], _app_name, _namespace)
# lehuo/urls.py mounts it at /api/v1/
