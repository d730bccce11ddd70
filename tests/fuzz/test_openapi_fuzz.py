"""Schema fuzzing: every operation of ``/api/v1/openapi.json``, driven by schemathesis in process.

The schema is loaded from the WSGI application itself (``lehuo.wsgi.application``) and every
request goes to it in process: no server, no network. Each operation gets a fixed number of
generated requests (valid and invalid by the schema), sent as a town admin with a Bearer
token against a database holding one record of every kind (``world.py``). Integer ids in the
path and the body are mostly pointed at those records, so the requests reach the services
instead of stopping at "not found"; the rest stay as generated and must answer a clean 404/400.

Checks on every answer:

- ``not_a_server_error``: never a 5xx;
- ``status_code_conformance``: the status is one the schema documents for the operation;
- ``response_schema_conformance``: the body matches the schema declared for that status;
- a refused request (4xx) wrote nothing: every table's row count is unchanged.

Each request runs in a savepoint that is rolled back afterwards, so every example meets the
same database and a failure shrinks and replays the same way. Generation is derandomized with
a fixed seed: the same requests on every run. docs/reliability.md has the figures.
"""

import os
import zlib

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from lehuo.accounts.tokens import create_token
from lehuo.platform.backup import table_counts
from lehuo.wsgi import application

from .world import build, ids_for

# Fixed for the suite; another seed or more examples explore further (docs/reliability.md).
EXAMPLES = int(os.environ.get("LEHUO_FUZZ_EXAMPLES", "20"))
SEED = int(os.environ.get("LEHUO_FUZZ_SEED", "2021"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection]
GENERATION = {"max-examples": EXAMPLES, "deterministic": True, "database": "none", "with-security-parameters": False}
# Requests are independent (each is rolled back), so never the stateful phase.
# Always run: the examples phase (the schema has none) and EXAMPLES random requests per operation.
FUZZ = schemathesis.Config.from_dict({"seed": SEED, "generation": GENERATION,
                                      "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}}})
# `slow`: the coverage phase, deterministic boundary and wrong-type values of every parameter and
# field (about 45 requests per operation; it doubled the PostgreSQL run past three minutes).
BOUNDARIES = schemathesis.Config.from_dict({
    "seed": SEED, "generation": GENERATION,
    "phases": {"examples": {"enabled": False}, "fuzzing": {"enabled": False}, "stateful": {"enabled": False}},
})

fuzz_schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=FUZZ)
boundary_schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=BOUNDARIES)


@pytest.fixture
def world(db, town, lv11, hj9, town_admin, instructor, make_person):
    ids = build(town=town, lv11=lv11, hj9=hj9, admin=town_admin, instructor=instructor, make_person=make_person)
    token = create_token(town_admin)
    # As Django's test client does: the request signals must not close the test's connection
    # (it holds the test transaction).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        # Every request is rolled back, so every one meets these counts.
        yield {"ids": ids, "headers": {"Authorization": f"Bearer {token}"}, "counts": table_counts()}
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _aimed(value, ids: dict, name: str):
    """A generated id becomes the world's record of that name three times in four (chosen by
    the value's checksum: the same value is aimed the same way on every run and in shrinking)."""
    if isinstance(value, bool) or not ((name in ids and isinstance(value, int)) or
                                       (name == "slug" and isinstance(value, str))):
        return value
    return ids[name] if zlib.crc32(str(value).encode()) % 4 else value


def _aim_body(body, ids: dict):
    if isinstance(body, dict):
        return {k: _aim_body(_aimed(v, ids, k), ids) for k, v in body.items()}
    if isinstance(body, list):
        return [_aim_body(item, ids) for item in body]
    return body


def aim(case, ids: dict) -> None:
    ids = ids_for(case.path, ids)
    for name, value in list((case.path_parameters or {}).items()):
        case.path_parameters[name] = _aimed(value, ids, name)
    if isinstance(case.body, (dict, list)):
        case.body = _aim_body(case.body, ids)


def send_and_check(case, world) -> None:
    aim(case, world["ids"])
    savepoint = transaction.savepoint()
    try:
        response = case.call(headers=world["headers"])
        case.validate_response(response, checks=CHECKS)
        if 400 <= response.status_code < 500:
            before, after = world["counts"], table_counts()
            changed = {t: (before[t], after[t]) for t in after if after[t] != before.get(t)}
            assert not changed, f"{case.method} {case.formatted_path}: HTTP {response.status_code}, rows changed {changed}"
    finally:
        transaction.savepoint_rollback(savepoint)


SETTINGS = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@fuzz_schema.parametrize()
@SETTINGS
def test_operation_answers_by_its_schema(case, world):
    send_and_check(case, world)


@pytest.mark.slow
@boundary_schema.parametrize()
@SETTINGS
def test_operation_answers_boundary_values_by_its_schema(case, world):
    send_and_check(case, world)
