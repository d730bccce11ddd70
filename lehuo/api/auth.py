"""API authentication: ``Authorization: Bearer <token>``, or the browser session (with CSRF)."""

import datetime as dt
import hashlib
import secrets
from functools import cache

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from lehuo.core.models import ApiToken


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user, name: str = "") -> str:
    """A new token for ``user``; only its hash is stored, so it is shown once."""
    token = "lh_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, key_hash=hash_token(token), prefix=token[:8])
    return token


@cache
def _token_sql() -> str:
    """One statement for the user behind a token (a raw query: the ORM version costs three
    times as much Python, and this runs for every API request). ``lehuo_token_stale`` says
    whether the token's last use is worth recording again."""
    user_table, token_table = get_user_model()._meta.db_table, ApiToken._meta.db_table
    select = "SELECT u.*, t.id AS lehuo_token_id, (t.last_used_at IS NULL OR t.last_used_at < %s) AS lehuo_token_stale"
    where = "WHERE t.key_hash = %s AND t.revoked_at IS NULL AND u.is_active"
    return f"{select} FROM {token_table} t JOIN {user_table} u ON u.id = t.user_id {where}"  # noqa: S608 (names from models)


LAST_USED_EVERY = dt.timedelta(minutes=5)


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        if not token or len(token) > 200:
            return None
        now = timezone.now()
        since = connection.ops.adapt_datetimefield_value(now - LAST_USED_EVERY)
        user = next(iter(get_user_model().objects.raw(_token_sql(), [since, hash_token(token)])), None)
        if user is None:
            return None
        if user.lehuo_token_stale:
            ApiToken.objects.filter(pk=user.lehuo_token_id).update(last_used_at=now)
        request.user = user
        return user


api_auth = [BearerToken(), SessionAuth()]
