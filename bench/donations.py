"""Donations benchmarks on PostgreSQL (not part of the test suite).

1. Import of an N-row online-platform statement (default 100,000) through the importer
   (dry run + all-or-nothing write, every row through ``services.record_donation()``),
   as a ratio against PostgreSQL ``COPY`` of the same rows into the same table.
2. Drive stats (``stats.drive_stats``) over M donations (default 1,000,000) as a ratio
   (kept figures, and recomputed) against ``SELECT count(*)`` of the same gifts, and the town
   dashboard's donation figures likewise.

Uses a scratch database ``lehuo_bench_donations`` (dropped and created):

    .venv/bin/python bench/donations.py [--rows 100000] [--stats-rows 225000] [--only import|stats]
"""

import argparse
import csv
import datetime as dt
import functools
import io
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = "lehuo_bench_donations"
PG = "postgres://postgres@127.0.0.1:5432"
print = functools.partial(print, flush=True)  # noqa: A001 - progress shows in a log


def setup_django() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}"')
        conn.execute(f'CREATE DATABASE "{DB}"')
    os.environ.update({"DJANGO_SETTINGS_MODULE": "lehuo.settings", "DEBUG": "1", "DATABASE_URL": f"{PG}/{DB}",
                       "LEHUO_VAR_DIR": "/tmp/lehuo-bench-donations", "LOG_LEVEL": "WARNING"})
    os.makedirs("/tmp/lehuo-bench-donations", exist_ok=True)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def fixtures():
    from django.contrib.auth import get_user_model

    from lehuo.accounts.models import TOWN_ADMIN, Membership, Neighbourhood, Town
    from lehuo.donations import services
    from lehuo.people.models import Organisation, Tag

    town = Town.objects.create(code="bench", name="新泾镇")
    for name in ("党员", "学生", "居民", "残疾人"):
        Tag.objects.create(town=town, name=name)
    nbhs = [Neighbourhood.objects.create(town=town, code=f"n{i}", name=f"居民区{i}") for i in range(12)]
    admin = get_user_model().objects.create_user("bench-admin")
    Membership.objects.create(user=admin, town=town, role=TOWN_ADMIN)
    charity = Organisation.objects.create(town=town, name="慈善基金会", kind="charity")

    def drive(slug):
        return services.create_drive(admin, town, slug=slug, title=slug, organiser=charity,
                                     starts_on=dt.date(2021, 7, 1), ends_on=dt.date(2021, 12, 31))

    return town, nbhs, admin, charity, drive


def statement_rows(n: int, seed: int = 1) -> list[list[str]]:
    rng = random.Random(seed)
    methods = ["微信", "微信", "支付宝"]
    return [[f"WX2021{i:010d}", f"微信用户{rng.randrange(10**6)}", f"{rng.randrange(1, 50000) / 100:.2f}",
             rng.choice(methods), f"2021-07-{rng.randrange(21, 32)} {rng.randrange(24):02d}:00:00"] for i in range(n)]


def bench_import(n: int, admin, drive_factory) -> dict:
    from django.db import connection

    from lehuo.donations import importers

    rows = statement_rows(n)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["交易单号", "昵称", "金额", "支付方式", "交易时间"])
    w.writerows(rows)
    data = buf.getvalue().encode()

    drive = drive_factory("bench-import")
    t0 = time.perf_counter()
    report = importers.import_statement(admin, drive, data, "online", commit=False, filename="s.csv")
    check_s = time.perf_counter() - t0
    assert report.ok, report.errors[:3]
    t0 = time.perf_counter()
    report = importers.import_statement(admin, drive, data, "online", commit=True, filename="s.csv")
    import_s = time.perf_counter() - t0
    assert len(report.ready) == n

    # COPY baseline: parse the same CSV and COPY the same rows into the same table.
    copy_drive = drive_factory("bench-copy")
    now = dt.datetime.now(dt.UTC)
    methods = {"微信": "wechat", "支付宝": "alipay"}
    t0 = time.perf_counter()
    reader = csv.reader(io.StringIO(data.decode()))
    next(reader)
    cols = ("drive_id", "donor_name", "anonymous", "named_consent", "amount", "channel", "method", "received_on",
            "reference", "receipt_number", "notes", "source", "created_at", "void_reason")
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY donations_donation ({', '.join(cols)}) FROM STDIN") as copy:
            for ref, name, amount, method, when in reader:
                copy.write_row((copy_drive.pk, name, False, False, amount, "online", methods[method], when[:10],
                                ref, "", "", "import", now, ""))
    copy_s = time.perf_counter() - t0
    return {"rows": n, "check_s": check_s, "import_s": import_s, "copy_s": copy_s, "ratio": import_s / copy_s}


def seed_stats(m: int, town, nbhs, drive) -> None:
    """M donations by ~M/8 people (a quarter 党员), some organisations, 5% voided; by COPY."""
    from django.db import connection

    from lehuo.people.models import Organisation, Tag

    rng = random.Random(2)
    people = max(m // 8, 10)
    now = dt.datetime.now(dt.UTC)
    with connection.cursor() as cursor:
        with cursor.copy("COPY people_person (town_id, neighbourhood_id, name, name_pinyin, name_initials, sex, "
                         "id_type, id_number, phone, phone_hash, phone_tail, address, notes, created_at, updated_at) "
                         "FROM STDIN") as copy:
            for i in range(people):
                copy.write_row((town.pk, nbhs[i % len(nbhs)].pk, f"居民{i}", f"jumin{i}", "jm", "M", "ric", "", "", "",
                                "", "", "", now, now))
        cursor.execute("SELECT min(id), max(id) FROM people_person WHERE town_id = %s", [town.pk])
        lo, hi = cursor.fetchone()
        tags = {t.name: t.pk for t in Tag.objects.filter(town=town)}
        with cursor.copy("COPY people_person_tags (person_id, tag_id) FROM STDIN") as copy:
            for pid in range(lo, hi + 1):
                copy.write_row((pid, tags["居民"]))
                if pid % 4 == 0:
                    copy.write_row((pid, tags["党员"]))
                if pid % 9 == 0:
                    copy.write_row((pid, tags["学生"]))
        orgs = [Organisation.objects.create(town=town, name=f"共建单位{i}", kind="partner").pk for i in range(50)]
        methods = ["wechat", "alipay", "bank", "cash"]
        with cursor.copy("COPY donations_donation (drive_id, person_id, organisation_id, donor_name, anonymous, "
                         "named_consent, amount, channel, method, received_on, reference, neighbourhood_id, "
                         "receipt_number, notes, source, created_at, voided_at, void_reason) FROM STDIN") as copy:
            start = dt.date(2021, 7, 1)
            for _ in range(m):
                roll = rng.random()
                person = rng.randint(lo, hi) if roll < 0.9 else None
                org = rng.choice(orgs) if 0.9 <= roll < 0.91 else None
                method = rng.choice(methods)
                copy.write_row((drive.pk, person, org, "" if (person or org) else "外来", False, False,
                                f"{rng.randrange(1, 100000) / 100:.2f}", "offline" if method == "cash" else "online",
                                method, start + dt.timedelta(days=rng.randrange(120)), "", rng.choice(nbhs).pk, "", "",
                                "import", now, now if rng.random() < 0.05 else None, ""))
        cursor.execute("ANALYZE")


HAND_SQL = [
    # head figures
    """SELECT count(*), count(DISTINCT person_id), count(DISTINCT organisation_id), sum(amount)
       FROM donations_donation WHERE drive_id = %(d)s AND voided_at IS NULL""",
    # by tag
    """SELECT t.name, count(DISTINCT d.person_id), sum(d.amount) FROM donations_donation d
       JOIN people_person_tags pt ON pt.person_id = d.person_id JOIN people_tag t ON t.id = pt.tag_id
       WHERE d.drive_id = %(d)s AND d.voided_at IS NULL GROUP BY t.name""",
    # by channel, method, neighbourhood, day
    """SELECT channel, count(*), count(DISTINCT person_id), sum(amount) FROM donations_donation
       WHERE drive_id = %(d)s AND voided_at IS NULL GROUP BY channel""",
    """SELECT method, count(*), count(DISTINCT person_id), sum(amount) FROM donations_donation
       WHERE drive_id = %(d)s AND voided_at IS NULL GROUP BY method""",
    """SELECT n.name, count(*), count(DISTINCT d.person_id), sum(d.amount) FROM donations_donation d
       LEFT JOIN accounts_neighbourhood n ON n.id = d.neighbourhood_id
       WHERE d.drive_id = %(d)s AND d.voided_at IS NULL GROUP BY n.name""",
    """SELECT received_on, count(*), count(DISTINCT person_id), sum(amount) FROM donations_donation
       WHERE drive_id = %(d)s AND voided_at IS NULL GROUP BY received_on""",
]


def bench_stats(m: int, town, nbhs, drive_factory, repeats: int = 5) -> dict:
    """Drive stats and the dashboard's donation figures, read from the kept figures
    (lehuo/donations/aggregates.py) and recomputed from every gift, against ``SELECT count(*)``
    of the drive's (the town's) valid gifts in the same run."""
    from django.db import connection

    from lehuo.donations import aggregates
    from lehuo.donations.stats import compute_dashboard, compute_drive_stats, drive_stats

    drive = drive_factory("bench-stats")
    t0 = time.perf_counter()
    seed_stats(m, town, nbhs, drive)
    seed_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    aggregates.rebuild()  # COPY wrote the gifts behind the services' back: the figures from scratch
    rebuild_s = time.perf_counter() - t0

    def count_drive():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM donations_donation WHERE drive_id = %s AND voided_at IS NULL", [drive.pk])
            return cursor.fetchone()[0]

    def count_town():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM donations_donation d JOIN donations_drive v ON v.id = d.drive_id "
                           "WHERE v.town_id = %s AND d.voided_at IS NULL", [town.pk])
            return cursor.fetchone()[0]

    def hand():
        with connection.cursor() as cursor:
            out = []
            for sql in HAND_SQL:
                cursor.execute(sql, {"d": drive.pk})
                out.append(cursor.fetchall())
            return out

    def timed(fn):
        fn()  # warm the cache once
        runs = []
        for _ in range(repeats):
            t = time.perf_counter()
            result = fn()
            runs.append(time.perf_counter() - t)
        return statistics.median(runs), result

    out = {"donations": m, "seed_s": seed_s, "rebuild_s": rebuild_s, "load": os.getloadavg()[0]}
    out["count_s"], n = timed(count_drive)
    out["stats_s"], s = timed(lambda: drive_stats(drive))
    out["computed_s"], computed = timed(lambda: compute_drive_stats(drive))
    out["sql_s"], raw = timed(hand)
    out["town_count_s"], _ = timed(count_town)
    out["dash_s"], dash = timed(lambda: aggregates.town_figures(town))
    out["dash_computed_s"], dash_computed = timed(lambda: compute_dashboard(town))
    # Same answer every way.
    assert s == computed, aggregates.differences(s, computed)[:5]
    assert dash == dash_computed, aggregates.differences(dash, dash_computed)[:5]
    assert s["donations"] == n == raw[0][0][0] and s["people"] == raw[0][0][1] and s["total"] == Decimal(raw[0][0][3])
    out.update(valid=n, people=s["people"], total=s["total"])
    return out


def main() -> None:
    global DB
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--stats-rows", type=int, default=225_000)
    parser.add_argument("--only", choices=["import", "stats"])
    parser.add_argument("--dbname", default=DB, help=f"scratch database (default {DB}; dropped and created)")
    args = parser.parse_args()
    DB = args.dbname
    setup_django()
    town, nbhs, admin, _charity, drive_factory = fixtures()
    if args.only != "stats":
        imp = bench_import(args.rows, admin, drive_factory)
        print(f"import {imp['rows']:,} rows: dry run {imp['check_s']:.1f} s, check + write {imp['import_s']:.1f} s; "
              f"COPY {imp['copy_s']:.2f} s; ratio {imp['ratio']:.1f}x (load {os.getloadavg()[0]:.2f})")
    if args.only != "import":
        st = bench_stats(args.stats_rows, town, nbhs, drive_factory)
        c = st["count_s"]
        print(f"drive of {st['donations']:,} gifts ({st['valid']:,} valid, {st['people']:,} people, {st['total']} yuan); "
              f"load {st['load']:.2f}; seeded by COPY in {st['seed_s']:.0f} s, figures rebuilt in {st['rebuild_s']:.1f} s")
        print(f"  count(*) of the drive's valid gifts   {c * 1000:8.2f} ms")
        print(f"  drive_stats (kept figures)            {st['stats_s'] * 1000:8.2f} ms  -> {st['stats_s'] / c:6.2f}x count(*)")
        print(f"  drive stats recomputed (old way)      {st['computed_s'] * 1000:8.2f} ms  -> {st['computed_s'] / c:6.2f}x count(*)")
        print(f"  hand-written SQL aggregates           {st['sql_s'] * 1000:8.2f} ms  -> {st['sql_s'] / c:6.2f}x count(*)")
        t = st["town_count_s"]
        print(f"  count(*) of the town's valid gifts    {t * 1000:8.2f} ms")
        print(f"  dashboard figures (kept)              {st['dash_s'] * 1000:8.2f} ms  -> {st['dash_s'] / t:6.2f}x count(*)")
        print(f"  dashboard figures recomputed          {st['dash_computed_s'] * 1000:8.2f} ms  -> "
              f"{st['dash_computed_s'] / t:6.2f}x count(*)")


if __name__ == "__main__":
    main()
