"""The crawl: every page URL pattern and every API operation, for every demo role, with real
records of the demo town (``python -m lehuo demo``), answers a page, a redirect, 403 or 404 (a
write: also 400/409/422 for its empty body): never a 500.

The records come from the declarations the security matrix uses (each app's
``policy.ENDPOINTS`` names the URL argument that carries a record and the action, whose model is
the record's kind): a new page is crawled as soon as it is declared, and a page that is not
declared fails ``tests/security/test_matrix.py::test_every_endpoint_is_declared``. Writes run
in a savepoint that is rolled back, so the demo town is the same for every request.
"""

import io
import re

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from lehuo.accounts.permissions import action as declared_action
from lehuo.accounts.permissions import endpoints
from lehuo.accounts.tokens import create_token
from tests.security.test_matrix import _pending, api_operations, page_patterns

ROLES = ["admin", "sw_lv11", "sw_hj9", "instructor", "blood_staff", "site_head", "editor", "viewer", "parent",
         None]
FINE_GET = {200, 301, 302, 303, 304, 401, 403, 404}  # 401: the API to an anonymous caller
FINE_WRITE = FINE_GET | {400, 405, 409, 422, 429}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType

    with django_db_blocker.unblock():
        with transaction.atomic():  # one commit: much faster than one per module on a file database
            call_command("demo", stdout=io.StringIO())
        users = {u.username: u for u in get_user_model().objects.filter(username__in=[r for r in ROLES if r])}
        tokens = {name: create_token(user) for name, user in users.items()}
    yield {"users": users, "tokens": tokens}
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)
        ContentType.objects.clear_cache()


def _record(label: str):
    from django.apps import apps

    model = apps.get_model(label)
    return model.objects.order_by("pk").first()


def _value(endpoint, name: str):
    if name == endpoint.record:
        record = _record(declared_action(endpoint.action).on)
        if record is None:
            return None
        return record.slug if name == "slug" else record.pk
    value = endpoint.kwargs.get(name)
    if value is None:
        return None
    if "." in value:
        record = _record(value)
        return record.pk if record is not None else None
    return value


def _url(key: str, endpoint) -> str | None:
    from django.urls import reverse

    if key.split(" ", 1)[0] in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        path = key.split(" ", 1)[1]
        values = {n: _value(endpoint, n) for n in re.findall(r"\{(\w+)\}", path)}
        if None in values.values():
            return None
        return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)
    pattern = page_patterns()[key]
    names = list(pattern.pattern.converters) or list(re.compile(str(pattern.pattern)).groupindex)
    kwargs = {n: _value(endpoint, n) for n in names}
    if None in kwargs.values():
        return None
    return reverse(key, kwargs=kwargs)


def _keys():
    declared = endpoints()
    keys = [k for k in [*page_patterns(), *api_operations()] if k in declared and not _pending(k)]
    return sorted(keys)


@pytest.mark.django_db
@pytest.mark.parametrize("key", _keys())
def test_every_page_answers_every_demo_role_without_a_server_error(demo, key):
    endpoint = endpoints()[key]
    url = _url(key, endpoint)
    if url is None:
        pytest.skip("the demo town has no record of this kind")
    is_api = key.split(" ", 1)[0] in ("GET", "POST", "PUT", "PATCH", "DELETE")
    method = key.split(" ", 1)[0] if is_api else endpoint.method
    wrong = []
    for role in ROLES:
        client = Client(raise_request_exception=False)
        headers = {}
        if role is not None and is_api:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {demo['tokens'][role]}"
        elif role is not None:
            client.force_login(demo["users"][role])
        sid = transaction.savepoint()
        try:
            if method == "GET":
                response = client.get(url, **headers)
            elif is_api:
                response = getattr(client, method.lower())(url, "{}", content_type="application/json", **headers)
            else:
                response = client.post(url, {}, **headers)
            fine = FINE_GET if method == "GET" else FINE_WRITE
            if response.status_code not in fine:
                wrong.append(f"{role or 'anonymous'}: {response.status_code}")
        finally:
            transaction.savepoint_rollback(sid)
    assert not wrong, f"{method} {url}: " + "; ".join(wrong)
