"""Request parsing for the API with the checks every endpoint needs, in one place:
strings must not hold NUL characters (PostgreSQL cannot store them), integers must fit a
64-bit column, and a body must be a JSON object, or null where the body is optional, or a list
for a PUT (the one kind of operation that takes a list: ``PUT /sessions/{id}/attendance``;
``test_openapi.py`` keeps it so). ninja's ``Schema`` reads any value by its attributes, so
``false``, ``[]`` or a number became a body of defaults, and an enrolment was cancelled by
one."""

import json

from django.utils.translation import gettext as _
from ninja.parser import Parser

from lehuo.platform.errors import ServiceError

MAX_INT = 2**63 - 1
MAX_DEPTH = 20


def check_value(value, where: str, depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise ServiceError(_("请求数据嵌套过深"), where or None)
    if isinstance(value, str):
        if "\x00" in value:
            raise ServiceError(_("不能包含空字符（NUL）"), where or None)
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        if abs(value) > MAX_INT:
            raise ServiceError(_("数值超出范围"), where or None)
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ServiceError(_("数值不合法"), where or None)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_value(key, where, depth + 1)
            check_value(item, f"{where}.{key}" if where else str(key), depth + 1)
    elif isinstance(value, list):
        for item in value:
            check_value(item, where, depth + 1)


class GuardedParser(Parser):
    def parse_body(self, request):
        try:
            data = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            raise ServiceError(_("请求体不是有效的 JSON"), "body")
        if request.method == "PATCH" and not isinstance(data, dict):
            raise ServiceError(_("PATCH 请求体必须是 JSON 对象"), "body")
        if data is not None and not isinstance(data, dict) and not (request.method == "PUT" and isinstance(data, list)):
            raise ServiceError(_("请求体必须是 JSON 对象"), "body")
        check_value(data, "")
        return data

    def parse_querydict(self, data, list_fields, request):
        for key, values in data.lists():
            for value in values:
                if "\x00" in key or "\x00" in value:
                    raise ServiceError(_("查询参数不能包含空字符（NUL）"), key.replace("\x00", "") or None)
                stripped = value.strip().lstrip("+-")
                if stripped.isdigit() and len(stripped) > 18 and abs(int(value)) > MAX_INT:
                    raise ServiceError(_("数值超出范围"), key)
        return super().parse_querydict(data, list_fields, request)
