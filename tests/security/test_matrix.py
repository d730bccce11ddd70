"""The role x operation matrix, generated from the declared policy (docs/security.md).

Every page URL pattern and every operation of ``/api/v1/openapi.json`` must be declared in an
app's ``policy.ENDPOINTS`` (the action it performs, and which URL argument names its record):
a new page or operation that is not fails ``test_every_endpoint_is_declared``.

Then, for every declared endpoint, every persona (tests/security/world.py) and each kind of
record (``A``: in the personas' scope, ``B``: outside it, another family), the request is made
for real and its answer compared with ``permissions.may(persona, action, record)``:

- allowed: not 401, 403 or 404, and not sent to the sign-in page (a write is sent the example
  body its app's world gives, ``world.bodies``; a 400/422 is still fine: the body is not what is
  checked here, the refusal is);
- refused: 403 or 404 (the anonymous visitor: the sign-in page, or 401 from the API), and for a
  write, no row of any table changed.

Each request runs in a savepoint that is rolled back, so every one meets the same world.
"""

import json
import re

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from lehuo.accounts.permissions import action as declared_action
from lehuo.accounts.permissions import endpoints, may
from lehuo.accounts.tokens import create_token
from lehuo.platform.backup import table_counts

from .world import PERSONAS, RELATIONS, build

pytestmark = pytest.mark.django_db

# URL patterns that are not the application's pages: Django's admin (superusers only); the API's
# operations come from the OpenAPI schema instead, and its root and unknown paths answer the
# API's JSON 404 for everyone.
SKIPPED_NAMESPACES = ("admin",)
API_PAGES = {"api-v1:openapi-json", "api-v1:openapi-view"}
# Apps whose pages and operations are still to be declared (issue 16 is converting them one by
# one): their endpoints are left out of the completeness check until then. Empty when done.
PENDING: tuple[str, ...] = ()


def page_patterns() -> dict[str, URLPattern]:
    found: dict[str, URLPattern] = {}

    def walk(patterns, namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace or ""
                if ns in SKIPPED_NAMESPACES:
                    continue
                walk(p.url_patterns, f"{namespace}{ns}:" if ns else namespace)
            elif p.name:
                key = f"{namespace}{p.name}"
                if namespace != "api-v1:" or key in API_PAGES:
                    found[key] = p

    walk(get_resolver().url_patterns)
    return found


def api_operations() -> list[str]:
    from lehuo.api.urls import api

    schema = api.get_openapi_schema()
    return [f"{method.upper()} {path}" for path, item in schema["paths"].items() for method in item]


def _pending(key: str) -> bool:
    return any(key.startswith(p) or key.split(" ", 1)[-1].startswith(p) for p in PENDING)


def test_every_endpoint_is_declared():
    declared = endpoints()
    keys = [*page_patterns(), *api_operations()]
    missing = sorted(k for k in keys if k not in declared and not _pending(k))
    assert missing == [], "pages or API operations not in any app's policy.ENDPOINTS"
    unknown = sorted(k for k in declared if k not in keys)
    assert unknown == [], "declared endpoints that do not exist"


def test_every_declared_action_is_used_or_documented():
    """Each endpoint names a declared action (checked when the declarations load)."""
    for key, endpoint in endpoints().items():
        if endpoint.action is not None:
            assert declared_action(endpoint.action), key


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    from django.contrib.contenttypes.models import ContentType

    from lehuo.accounts.models import Neighbourhood, Town

    with django_db_blocker.unblock():
        with transaction.atomic():
            town = Town.objects.create(code="310105013", name="新泾镇")
            lv11 = Neighbourhood.objects.create(town=town, code="lv11", name="绿十一")
            hj9 = Neighbourhood.objects.create(town=town, code="hj9", name="虹九")
            w = build(town, lv11, hj9)
            w.tokens = {p: create_token(u) for p, u in w.users.items() if u is not None}
    yield w
    with django_db_blocker.unblock():
        from django.core.management import call_command

        call_command("flush", interactive=False, verbosity=0)
        ContentType.objects.clear_cache()


def _arg(world, endpoint, name: str, relation: str):
    if name == endpoint.record:
        record = world.record(declared_action(endpoint.action).on, relation)
        return record.slug if name == "slug" else record.pk
    value = endpoint.kwargs.get(name)
    if value is None:
        raise LookupError(f"no value for URL argument {name!r}")
    # A model label ("people.Consent") names the world's record of that kind; anything else is literal.
    return world.record(value, relation).pk if "." in value else value


def _page_url(world, key: str, endpoint, relation: str) -> str:
    pattern = page_patterns()[key]
    names = list(pattern.pattern.converters) or list(re.compile(str(pattern.pattern)).groupindex)
    kwargs = {n: _arg(world, endpoint, n, relation) for n in names}
    return reverse(key, kwargs=kwargs)


def _api_url(world, key: str, endpoint, relation: str) -> str:
    path = key.split(" ", 1)[1]
    return re.sub(r"\{(\w+)\}", lambda m: str(_arg(world, endpoint, m.group(1), relation)), path)


def _cases():
    cases = []
    for key, endpoint in sorted(endpoints().items()):
        relations = RELATIONS if endpoint.record else (None,)
        for relation in relations:
            cases.append(pytest.param(key, relation, id=f"{key}{'@' + relation if relation else ''}"))
    return cases


def _refused(persona: str, status: int, response, is_api: bool) -> bool:
    if persona == "anonymous":
        if is_api:
            return status == 401
        return status in (302, 403, 404) and (status != 302 or "/accounts/login/" in response["Location"])
    return status in (403, 404)


@pytest.mark.parametrize("key, relation", _cases())
def test_answers_follow_the_policy(world, key, relation):
    endpoint = endpoints()[key]
    if _pending(key):
        pytest.skip("pending")
    is_api = key.startswith(("GET ", "POST ", "PUT ", "PATCH ", "DELETE "))
    method = key.split(" ", 1)[0] if is_api else endpoint.method
    url = _api_url(world, key, endpoint, relation) if is_api else _page_url(world, key, endpoint, relation)
    record = world.record(declared_action(endpoint.action).on, relation) if relation else None
    wrong = []
    for persona in PERSONAS:
        user = world.users[persona]
        allowed = endpoint.action is None or may(user, endpoint.action, record)
        if user is not None:
            user.__dict__.pop("_lehuo_actor", None)  # as a fresh request would read it
        client = Client()
        headers = {}
        if is_api and user is not None:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {world.tokens[persona]}"
        elif user is not None:
            client.force_login(user)
        sid = transaction.savepoint()
        try:
            before = table_counts() if method != "GET" else None
            if method == "GET":
                response = client.get(url, **headers)
            else:
                body = world.bodies.get(key, {})
                if is_api:
                    response = getattr(client, method.lower())(url, json.dumps(body), content_type="application/json",
                                                               **headers)
                else:
                    response = client.post(url, body, **headers)
            status = response.status_code
            refused = _refused(persona, status, response, is_api)
            if endpoint.action is None:  # open to everyone: any answer but a refusal
                if status in (401, 403, 404) and status != endpoint.answers:
                    wrong.append(f"{persona}: open page answered {status}")
            elif allowed and (refused or status in (401, 403, 404)):
                wrong.append(f"{persona}: may, answered {status}")
            elif not allowed and not refused:
                wrong.append(f"{persona}: may not, answered {status}")
            elif not allowed and method != "GET":
                after = table_counts()
                changed = {t: (before[t], n) for t, n in after.items() if n != before.get(t)}
                if changed:
                    wrong.append(f"{persona}: refused but wrote {changed}")
        finally:
            transaction.savepoint_rollback(sid)
    assert not wrong, f"{method} {url} ({endpoint.action}, record {relation}): " + "; ".join(wrong)
