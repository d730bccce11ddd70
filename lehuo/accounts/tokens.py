"""API authentication: ``Authorization: Bearer <token>``, or the browser session (with CSRF)."""

import datetime as dt
import functools
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from .models import ApiToken


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user, name: str = "") -> str:
    """A new token for ``user``; only its hash is stored, so it is shown once."""
    token = "lh_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, key_hash=hash_token(token), prefix=token[:8])
    return token


@functools.cache
def _token_sql() -> str:
    """One statement for the user behind a token (a raw query: the ORM version costs three
    times as much Python). ``lehuo_token_stale`` says whether the token's last use is worth
    recording again."""
    user_table, token_table = get_user_model()._meta.db_table, ApiToken._meta.db_table
    select = "SELECT u.*, t.id AS lehuo_token_id, (t.last_used_at IS NULL OR t.last_used_at < %s) AS lehuo_token_stale"
    where = "WHERE t.key_hash = %s AND t.revoked_at IS NULL AND u.is_active"
    return f"{select} FROM {token_table} t JOIN {user_table} u ON u.id = t.user_id {where}"  # noqa: S608 (names from models)


LAST_USED_EVERY = dt.timedelta(minutes=5)


def revoke_tokens(tokens) -> int:
    """Revoke the tokens of a queryset; each stops working at once in this process and in a
    shared cache (``save()`` sends the signal that drops its cached user)."""
    now, count = timezone.now(), 0
    for token in tokens:
        token.revoked_at = now
        token.save(update_fields=["revoked_at"])
        count += 1
    return count


def _cache_key(key_hash: str) -> str:
    return f"lehuo:api-token:{key_hash}"


def shared_cache() -> bool:
    """Whether every process sees the same cache (Redis, Memcached, a database cache): only
    then may a token's user be cached, since only then does a revocation reach every process."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    return not backend.endswith(("LocMemCache", "DummyCache"))


def cache_seconds() -> int:
    return settings.LEHUO_TOKEN_CACHE_SECONDS if shared_cache() else 0


def forget_token(key_hash: str) -> None:
    """Drop a token's cached user (revoked, or its user changed): now, and again when the
    transaction commits, so a request of another process that read the row between the two
    cannot put the old user back for ``LEHUO_TOKEN_CACHE_SECONDS``."""
    key = _cache_key(key_hash)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def forget_user_tokens(user_id: int) -> None:
    keys = [_cache_key(h) for h in ApiToken.objects.filter(user_id=user_id).values_list("key_hash", flat=True)]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))


class BearerToken(HttpBearer):
    """The user behind a token, from the database or, for ``LEHUO_TOKEN_CACHE_SECONDS``, from
    the shared cache (``REDIS_URL``): every API request needs it, and the look-up is a sixth of
    an enrolment's cost. Revoking a token or changing its user drops the cached entry
    (``apps.py``) for every process at once. With a per-process cache (no ``REDIS_URL``) nothing
    is cached: a revocation must not wait for another process's copy to expire."""

    def authenticate(self, request, token):
        if not token or len(token) > 200:
            return None
        key_hash = hash_token(token)
        seconds = cache_seconds()
        user = cache.get(_cache_key(key_hash)) if seconds else None
        if user is None:
            now = timezone.now()
            since = connection.ops.adapt_datetimefield_value(now - LAST_USED_EVERY)
            user = next(iter(get_user_model().objects.raw(_token_sql(), [since, key_hash])), None)
            if user is None:
                return None
            if user.lehuo_token_stale:
                ApiToken.objects.filter(pk=user.lehuo_token_id).update(last_used_at=now)
            if seconds:
                cache.set(_cache_key(key_hash), user, seconds)
        request.user = user
        return user


api_auth = [BearerToken(), SessionAuth()]
