"""The published schema: what a client (and the schema fuzzer in ``tests/fuzz``) relies on."""

import importlib
import inspect

from django.apps import apps
from ninja import Schema

from lehuo.api.urls import api

APP_API_MODULES = [f"{config.name}.api" for config in apps.get_app_configs() if config.name.startswith("lehuo.")]


def _schema() -> dict:
    return api.get_openapi_schema(path_prefix="/api/v1/")


def _operations():
    for path, operations in _schema()["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def test_every_operation_documents_its_error_answers():
    seen = 0
    for path, method, operation in _operations():
        seen += 1
        responses = {int(code): answer for code, answer in operation["responses"].items()}
        for code in (400, 401, 403, 404, 503):
            assert code in responses, f"{method.upper()} {path}: {code} not documented"
            ref = responses[code]["content"]["application/json"]["schema"]["$ref"]
            assert ref == "#/components/schemas/ApiError"
        if "requestBody" in operation:
            assert 413 in responses and 422 in responses, f"{method.upper()} {path}"
    assert seen > 60
    error = _schema()["components"]["schemas"]["ApiError"]
    assert set(error["required"]) == {"detail", "message"}


def test_only_a_put_takes_a_list_body():
    """GuardedParser refuses a list body except on PUT: an operation of another method taking a
    list would be refused whole."""
    lists = []
    for path, method, operation in _operations():
        body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
        if body.get("type") == "array":
            lists.append((method, path))
            assert method == "put", f"{method.upper()} {path} takes a list: GuardedParser would refuse it"
    assert ("put", "/api/v1/sessions/{session_id}/attendance") in lists


def test_schema_names_are_unique_across_modules():
    """ninja names a component by its class name: two modules' ``DriveOut`` published one
    module's fields for the other's answers."""
    owners: dict[str, set[str]] = {}
    for name in APP_API_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        for attr, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, Schema) and obj.__module__ == name:
                owners.setdefault(attr, set()).add(name)
    clashes = {attr: mods for attr, mods in owners.items() if len(mods) > 1}
    assert not clashes
    assert len(owners) > 40


def test_blood_and_donation_drives_have_their_own_fields():
    components = _schema()["components"]["schemas"]
    assert "venue" in components["BloodDriveOut"]["properties"]
    assert "venue" not in components["DriveOut"]["properties"]
