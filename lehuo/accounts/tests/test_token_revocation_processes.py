"""Issue 16 (low): a revoked token worked up to 30 s in other processes. Two processes against one
Redis: this one (an app server that revokes) and a second Python process (another app server) that
looks the token up in the shared cache. After the revocation the other process finds nothing
cached and must ask the database, which says revoked: refused at once."""

import os
import subprocess
import sys
import textwrap
import uuid

import pytest

from lehuo.accounts.models import ApiToken
from lehuo.accounts.tokens import BearerToken, _cache_key, create_token, hash_token, revoke_tokens

REDIS = os.environ.get("LEHUO_TEST_REDIS_URL", "redis://127.0.0.1:6379/6")

pytestmark = pytest.mark.django_db


def _redis_answers() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping())
    except Exception:
        return False


OTHER_PROCESS = textwrap.dedent("""
    import os, sys
    import django
    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    settings.CACHES  # the same Redis as the test process
    for line in sys.stdin:
        key = line.strip()
        user = cache.get(key)
        print("cached:" + (user.username if user is not None else "-"), flush=True)
""")


@pytest.fixture
def redis_cache(settings):
    """The shared Redis under a prefix of this test's own: tests running at the same time in other
    processes (pytest-xdist) never see or clear each other's keys (no FLUSHDB here)."""
    if not _redis_answers():
        pytest.skip(f"no Redis at {REDIS}")
    prefix = f"lehuo-test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS,
                                   "KEY_PREFIX": prefix}}
    settings.LEHUO_TOKEN_CACHE_SECONDS = 30
    yield prefix


@pytest.fixture
def other_process(redis_cache):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "lehuo.settings_test", "REDIS_URL": REDIS,
           "LEHUO_CACHE_PREFIX": redis_cache, "LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen([sys.executable, "-c", OTHER_PROCESS], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, env=env)

    def ask(key: str) -> str:
        proc.stdin.write(key + "\n")
        proc.stdin.flush()
        return proc.stdout.readline().strip()

    yield ask
    proc.stdin.close()
    proc.wait(timeout=30)


def test_revocation_reaches_the_other_process_at_once(redis_cache, other_process, rf, django_user_model):
    user = django_user_model.objects.create_user("parent-x")
    token = create_token(user)
    key = _cache_key(hash_token(token))
    assert BearerToken().authenticate(rf.get("/"), token) == user  # cached in Redis by this process
    assert other_process(key) == "cached:parent-x"  # the other process would serve it from there
    revoke_tokens(ApiToken.objects.filter(key_hash=hash_token(token)))
    assert other_process(key) == "cached:-"  # gone for every process: it asks the database
    assert BearerToken().authenticate(rf.get("/"), token) is None


def test_deactivated_user_reaches_the_other_process_at_once(redis_cache, other_process, rf, django_user_model):
    user = django_user_model.objects.create_user("parent-y")
    token = create_token(user)
    key = _cache_key(hash_token(token))
    BearerToken().authenticate(rf.get("/"), token)
    assert other_process(key) == "cached:parent-y"
    user.is_active = False
    user.save()
    assert other_process(key) == "cached:-"
