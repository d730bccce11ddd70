"""API throttling per token and per address (issue 16), counted in the shared cache."""

import pytest
from django.core.cache import cache

from lehuo.platform import throttle

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _get(client, token, address="127.0.0.1", **extra):
    return client.get("/api/v1/neighbourhoods", HTTP_AUTHORIZATION=f"Bearer {token}", REMOTE_ADDR=address, **extra)


def test_per_token_limit_answers_429_with_retry_after(client, settings):
    settings.LEHUO_API_RATE_PER_TOKEN = "3/60"
    settings.LEHUO_API_RATE_PER_ADDRESS = "0"
    statuses = [_get(client, "lh_one").status_code for _ in range(4)]
    assert statuses[:3] == [401, 401, 401]  # not a real token: still counted, still answered
    last = _get(client, "lh_one")
    assert last.status_code == 429 and int(last["Retry-After"]) >= 1
    assert last.json()["code"] == "throttled"
    assert _get(client, "lh_other").status_code == 401  # another token has its own allowance


def test_per_address_limit_holds_across_tokens(client, settings):
    settings.LEHUO_API_RATE_PER_TOKEN = "0"
    settings.LEHUO_API_RATE_PER_ADDRESS = "5/60"
    statuses = [_get(client, f"lh_{i}", address="192.0.2.1").status_code for i in range(6)]
    assert statuses[-1] == 429 and 429 not in statuses[:5]
    assert _get(client, "lh_x", address="192.0.2.2").status_code == 401  # another address


def test_address_behind_the_trusted_proxy_is_the_real_caller(client, settings):
    settings.LEHUO_API_RATE_PER_TOKEN = "0"
    settings.LEHUO_API_RATE_PER_ADDRESS = "2/60"
    for _ in range(2):
        _get(client, "lh_a", HTTP_X_REAL_IP="198.51.100.1")
    assert _get(client, "lh_a", HTTP_X_REAL_IP="198.51.100.1").status_code == 429
    assert _get(client, "lh_a", HTTP_X_REAL_IP="198.51.100.2").status_code == 401  # nginx: another parent


def test_pages_are_not_throttled_by_the_api_limits(client, settings):
    settings.LEHUO_API_RATE_PER_ADDRESS = "1/60"
    assert all(client.get("/health/").status_code == 200 for _ in range(3))


def test_window_arithmetic():
    assert throttle.parse_rate("600/60") == (600, 60)
    assert throttle.parse_rate("0") == (0, 0)
    assert throttle.hit("k", 2, 60, now=120.0) == 0
    assert throttle.hit("k", 2, 60, now=130.0) == 0
    assert throttle.hit("k", 2, 60, now=170.0) == 10  # third in the window 120-180: wait 10 s
    assert throttle.hit("k", 2, 60, now=181.0) == 0  # next window
