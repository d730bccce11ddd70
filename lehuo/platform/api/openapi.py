"""The error answers in the published schema.

ninja documents only the success answer each handler declares (``response=``). Every refusal
goes through the exception handlers of ``urls.py`` (and ``InputGuardMiddleware``), which answer
one body everywhere: ``{"detail": [{"loc": [...], "msg": ...}], "message": ..., "code"?}``. So
the error answers are declared once, here, for every operation, instead of in each of the
seventy ``response=`` declarations: a client (and the schema fuzzer, which checks every answer
against the schema) finds 400/404/422... documented with their body.
"""

from ninja import Schema
from ninja.openapi.schema import OpenAPISchema


class ErrorDetail(Schema):
    loc: list[str]
    msg: str
    type: str = ""


class ApiError(Schema):
    detail: list[ErrorDetail]
    message: str
    code: str = ""


ERRORS = {
    400: "输入被规则拒绝（字段见 detail）",  # not-ui: API docs (the schema, like the API description)
    401: "未登录或令牌无效",  # not-ui: API docs (the schema, like the API description)
    403: "无权执行此操作",  # not-ui: API docs (the schema, like the API description)
    404: "记录不存在或无权访问",  # not-ui: API docs (the schema, like the API description)
    413: "请求体过大",  # not-ui: API docs (the schema, like the API description)
    422: "类型或格式不正确（字段见 detail）",  # not-ui: API docs (the schema, like the API description)
    503: "系统繁忙或数据库暂时不可用，请稍后重试（code: busy / unavailable）",  # not-ui: API docs (the schema, like the API description)
}


def error_codes(operation: dict) -> list[int]:
    """422 needs something to validate, 413 a body; the rest can come from any operation."""
    codes = [400, 401, 403, 404, 503]
    if operation.get("parameters") or "requestBody" in operation:
        codes.append(422)
    if "requestBody" in operation:
        codes.append(413)
    return sorted(codes)


def add_error_responses(schema: OpenAPISchema) -> OpenAPISchema:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ApiError.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(error_schema.pop("$defs", {}))
    components["ApiError"] = error_schema
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for code in error_codes(operation):
                if code not in responses and str(code) not in responses:
                    responses[code] = {"description": ERRORS[code], "content": content}
    return schema
