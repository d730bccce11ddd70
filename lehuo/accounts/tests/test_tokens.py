"""Bearer tokens: who a token is, what a revoked one gets, and the cache in front of the look-up."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lehuo.accounts.models import ApiToken
from lehuo.accounts.tokens import hash_token

pytestmark = pytest.mark.django_db


def _token_queries(ctx) -> int:
    return sum("accounts_apitoken" in q["sql"] for q in ctx.captured_queries)


def test_unknown_token_is_401(api):
    client = api(None)
    client.token = "lh_not-a-token"
    assert client.get("/api/v1/neighbourhoods").status_code == 401


def test_first_use_is_recorded_once(api, town_admin):
    client = api(town_admin)
    client.get("/api/v1/neighbourhoods")
    token = ApiToken.objects.get(key_hash=hash_token(client.token))
    first = token.last_used_at
    assert first is not None
    client.get("/api/v1/neighbourhoods")
    token.refresh_from_db()
    assert token.last_used_at == first  # within five minutes: not written again


def test_second_request_is_served_from_the_cache(api, town_admin, settings, tmp_path):
    # Only a cache every process shares (Redis in production; a file cache here) keeps tokens.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                                   "LOCATION": str(tmp_path)}}
    client = api(town_admin)
    client.get("/api/v1/neighbourhoods")
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/api/v1/neighbourhoods").status_code == 200
    assert _token_queries(ctx) == 0


def test_without_cache_every_request_looks_the_token_up(api, town_admin, settings):
    settings.LEHUO_TOKEN_CACHE_SECONDS = 0
    client = api(town_admin)
    client.get("/api/v1/neighbourhoods")
    with CaptureQueriesContext(connection) as ctx:
        client.get("/api/v1/neighbourhoods")
    assert _token_queries(ctx) == 1


def test_with_a_per_process_cache_tokens_are_not_cached(api, town_admin):
    # LocMemCache (no REDIS_URL): another process could not see a revocation, so nothing kept.
    client = api(town_admin)
    client.get("/api/v1/neighbourhoods")
    with CaptureQueriesContext(connection) as ctx:
        client.get("/api/v1/neighbourhoods")
    assert _token_queries(ctx) == 1


def test_revoked_token_is_refused_at_once(api, town_admin, settings, tmp_path):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                                   "LOCATION": str(tmp_path)}}
    client = api(town_admin)
    assert client.get("/api/v1/neighbourhoods").status_code == 200  # now cached
    token = ApiToken.objects.get(key_hash=hash_token(client.token))
    token.revoked_at = timezone.now()
    token.save()
    assert client.get("/api/v1/neighbourhoods").status_code == 401


def test_deactivated_user_is_refused_at_once(api, town_admin):
    client = api(town_admin)
    assert client.get("/api/v1/neighbourhoods").status_code == 200
    town_admin.is_active = False
    town_admin.save()
    assert client.get("/api/v1/neighbourhoods").status_code == 401


def test_deleted_token_is_refused_at_once(api, town_admin):
    client = api(town_admin)
    assert client.get("/api/v1/neighbourhoods").status_code == 200
    ApiToken.objects.get(key_hash=hash_token(client.token)).delete()
    assert client.get("/api/v1/neighbourhoods").status_code == 401


def test_cached_user_keeps_the_scope_of_the_database(api, sw_lv11, sw_hj9, make_person, lv11, hj9):
    """A cached user is the same user: scope still comes from memberships, per request."""
    mine, theirs = make_person(lv11), make_person(hj9)
    client = api(sw_lv11)
    client.get("/api/v1/people")
    assert client.get(f"/api/v1/people/{mine.pk}").status_code == 200
    assert client.get(f"/api/v1/people/{theirs.pk}").status_code == 404


def test_revoke_token_command_by_prefix_and_by_user(api, town_admin, sw_lv11):
    from django.core.management import CommandError, call_command

    a, b = api(town_admin), api(sw_lv11)
    assert a.get("/api/v1/neighbourhoods").status_code == b.get("/api/v1/neighbourhoods").status_code == 200
    call_command("revoke_token", a.token[:8])
    assert a.get("/api/v1/neighbourhoods").status_code == 401
    assert b.get("/api/v1/neighbourhoods").status_code == 200
    call_command("revoke_token", "--user", sw_lv11.username)
    assert b.get("/api/v1/neighbourhoods").status_code == 401
    with pytest.raises(CommandError):
        call_command("revoke_token", a.token[:8])  # already revoked
    with pytest.raises(CommandError):
        call_command("revoke_token")
