"""Many threads post donations with client retries (same Idempotency-Key): on PostgreSQL.

The first test proves the check can fail: with the idempotency layer bypassed, retried
posts become duplicates and the check sees them. The second runs the real thing.
"""

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection, transaction

from conftest import ApiClient
from lehuo.donations import api as donations_api
from lehuo.donations.models import Donation

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

GIFTS, ATTEMPTS, THREADS = 30, 3, 10


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency test needs PostgreSQL")


def storm(user, drive) -> dict[str, set[int]]:
    """Post GIFTS donations, each ATTEMPTS times from different threads; return key -> ids answered."""
    url = f"/api/v1/donation-drives/{drive.pk}/donations"
    client = ApiClient(user)  # the token row is committed before threads start
    token = client.token
    local = threading.local()
    answers: dict[str, set[int]] = {}
    lock = threading.Lock()
    work = [i for i in range(GIFTS) for _ in range(ATTEMPTS)]
    random.Random(7).shuffle(work)

    def post(i: int):
        try:
            if not hasattr(local, "client"):
                local.client = ApiClient(None)
                local.client.token = token
            body = {"donor_name": f"捐赠人{i}", "amount": f"{100 + i}.{i % 100:02d}", "channel": "offline",
                    "method": "cash", "received_on": "2021-07-25"}
            for _retry in range(6):
                r = local.client.post(url, body, headers={"Idempotency-Key": f"gift-{i}"})
                if r.status_code in (200, 201):
                    with lock:
                        answers.setdefault(f"gift-{i}", set()).add(r.json()["id"])
                    return
                assert r.status_code == 503, r.content  # busy: the client retries
                time.sleep(0.05)
            raise AssertionError(f"gift {i} never answered")
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(post, work))
    return answers


def problems(drive) -> list[str]:
    found = []
    rows = list(Donation.objects.filter(drive=drive).values_list("donor_name", "amount"))
    names = [n for n, _ in rows]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        found.append(f"duplicates: {len(rows) - len(set(names))} ({', '.join(dupes[:3])}...)")
    missing = {f"捐赠人{i}" for i in range(GIFTS)} - set(names)
    if missing:
        found.append(f"lost: {sorted(missing)}")
    want = sum(Decimal(f"{100 + i}.{i % 100:02d}") for i in range(GIFTS))
    got = sum((a for _, a in rows), Decimal(0))
    if got != want:
        found.append(f"total {got} != {want}")
    return found


def test_storm_detects_duplicates_when_idempotency_is_bypassed(drive, town_admin, monkeypatch):
    def bypass(user, key, scope, create):
        with transaction.atomic():
            return create()

    monkeypatch.setattr(donations_api, "run_idempotent", bypass)
    storm(town_admin, drive)
    found = problems(drive)
    assert any(p.startswith("duplicates") for p in found), found
    assert Donation.objects.filter(drive=drive).count() == GIFTS * ATTEMPTS


def test_storm_with_retries_has_no_duplicate_no_loss_and_exact_total(drive, town_admin):
    answers = storm(town_admin, drive)
    assert problems(drive) == []
    assert Donation.objects.filter(drive=drive).count() == GIFTS
    # Every retry of a key got the same donation back.
    assert all(len(ids) == 1 for ids in answers.values()) and len(answers) == GIFTS


def test_same_platform_reference_posted_concurrently_gives_one_donation(drive, town_admin):
    token = ApiClient(town_admin).token
    url = f"/api/v1/donation-drives/{drive.pk}/donations"
    barrier = threading.Barrier(THREADS)

    def post(_):
        try:
            client = ApiClient(None)
            client.token = token
            barrier.wait()
            body = {"donor_name": "微信用户", "amount": "88.88", "channel": "online", "method": "wechat",
                    "received_on": "2021-07-25", "reference": "WX-SAME-1"}
            return client.post(url, body).json()["id"]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        ids = set(pool.map(post, range(THREADS)))
    assert len(ids) == 1
    assert Donation.objects.filter(drive=drive).count() == 1
