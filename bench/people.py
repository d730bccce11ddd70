"""People benchmarks, printed as ratios against baselines measured in the same run.

    .venv/bin/python bench/people.py                 # SQLite scratch file under /tmp
    .venv/bin/python bench/people.py --db postgres   # PostgreSQL database lehuo_bench_people

1. Excel import of N people (default 100,000): ``importers.import_people`` (read with calamine,
   check every row, write all in one transaction) against ``bulk_create`` of the same rows and
   their tag links (and, on PostgreSQL, against COPY of the same rows, encrypted beforehand).
2. The people list page with those N people, as the town admin, against a bare Django view
   (``HttpResponse("ok")``) behind the same middleware. Both go through Django's test Client
   in this process: no network and no server process, so the ratio is the cost of the page
   itself (session, scope, search, COUNT, one page of rows, tags, template) rather than of
   the socket and WSGI server, which are the same for every page.

Not part of the test suite. Scratch data only; the database is emptied at the start.
"""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
parser.add_argument("--rows", type=int, default=100_000)
parser.add_argument("--dbname", default="lehuo_bench_people", help="PostgreSQL database (created if missing)")
parser.add_argument("--import-only", action="store_true", help="only the import part (no page part)")
parser.add_argument("--requests", type=int, default=30, help="requests per page measured")
parser.add_argument("--pages-only", action="store_true", help="only the page part, on the people a previous run left")
parser.add_argument("--profile", metavar="URL", help="print each query of one request of URL with its time, and stop")
parser.add_argument("--load", type=int, default=0, metavar="N",
                    help="instead of the import part: load N people straight into the tables (COPY on PostgreSQL, "
                         "executemany on SQLite; real ciphertext made in a pool of 2 processes), then the page part")
args = parser.parse_args()

VAR = Path("/tmp/lehuo-bench-people")
VAR.mkdir(parents=True, exist_ok=True)
os.environ.update({
    "DJANGO_SETTINGS_MODULE": "lehuo.settings",
    "DEBUG": "0",  # production settings: no query logging in the measurements
    "SECRET_KEY": "bench-only",
    "LEHUO_FIELD_KEYS": "YmVuY2gta2V5LWxlaHVvLWJlbmNoLWtleS1sZWh1by0=",
    "LEHUO_HASH_KEY": "bench-hash-key",
    "ALLOWED_HOSTS": "testserver",
    "LEHUO_VAR_DIR": str(VAR),
    "LOG_LEVEL": "WARNING",
    "AXES_ENABLED": "0",
    # The bench admin has no TOTP device; the second factor is a login step, not the page's cost.
    "LEHUO_REQUIRE_SECOND_FACTOR": "0",
})
if args.db == "postgres":
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.dbname]).fetchone():
            conn.execute(f'CREATE DATABASE "{args.dbname}"')
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.dbname}"
else:
    os.environ["DATABASE_URL"] = f"sqlite:///{VAR / 'bench.sqlite3'}"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402

from lehuo.accounts.models import TOWN_ADMIN, Membership, Neighbourhood, Town  # noqa: E402
from lehuo.people import importers  # noqa: E402
from lehuo.people.demo import make_id_number, make_name, make_phone  # noqa: E402
from lehuo.people.models import Person, Tag  # noqa: E402
from lehuo.platform.excel import write_xlsx  # noqa: E402


def bare(request):
    return HttpResponse("ok")


# This module is the URLconf during the page benchmark: the real URLs plus the bare view.
urlpatterns = [path("bench-bare/", bare), path("", include("lehuo.urls"))]

NBHS = [("lv11", "绿十一"), ("tsxc", "天山星城"), ("sl", "双流"), ("hj9", "虹九"), ("hy", "淮阴"), ("xj", "新泾")]


def say(text: str) -> None:
    print(text, flush=True)


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def setup_town():
    call_command("migrate", verbosity=0)
    wipe_people()
    town, _ = Town.objects.get_or_create(code="bench", defaults={"name": "新泾镇"})
    for order, name in enumerate(["党员", "学生", "居民", "残疾人", "社工", "志愿者", "五老"]):
        Tag.objects.get_or_create(town=town, name=name, defaults={"order": order})
    for code, name in NBHS:
        Neighbourhood.objects.get_or_create(town=town, code=code, defaults={"name": name})
    user, _ = get_user_model().objects.get_or_create(username="bench_admin")
    Membership.objects.get_or_create(user=user, town=town, role=TOWN_ADMIN)
    return town, user


def wipe_people():
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM people_person_tags")
        cursor.execute("DELETE FROM people_person")


def make_rows(n: int) -> list[list]:
    rng = random.Random(100_000)
    seen, rows = set(), []
    while len(rows) < n:
        sex = rng.choice("MF")
        birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 70))
        number = make_id_number(rng, birth, sex)
        if number in seen:
            continue
        seen.add(number)
        tags = "居民、党员" if rng.random() < 0.25 else "居民"
        rows.append([make_name(rng), number, make_phone(rng), rng.choice(NBHS)[1], tags])
    return rows


def baseline_bulk_create(town, rows) -> None:
    """The same rows written with plain bulk_create: no checks, no pinyin, no hashes."""
    nbh = {n.name: n for n in Neighbourhood.objects.filter(town=town)}
    tags = {t.name: t.pk for t in Tag.objects.filter(town=town)}
    through = Person.tags.through
    with transaction.atomic():
        for start in range(0, len(rows), importers.BATCH):
            chunk = rows[start:start + importers.BATCH]
            people = [Person(town=town, name=r[0], id_number=r[1], phone=r[2], neighbourhood=nbh[r[3]]) for r in chunk]
            Person.objects.bulk_create(people, batch_size=importers.BATCH)
            through.objects.bulk_create([through(person_id=p.pk, tag_id=tags[t]) for p, r in zip(people, chunk, strict=True)
                                         for t in r[4].split("、")], batch_size=5000)


def baseline_copy(town, rows) -> None:
    """PostgreSQL COPY of the same rows, encrypted beforehand (the column never holds plaintext)."""
    from lehuo.platform.crypto import encrypt

    nbh = {n.name: n.pk for n in Neighbourhood.objects.filter(town=town)}
    now = dt.datetime.now(dt.UTC)
    cols = ("town_id", "neighbourhood_id", "name", "name_pinyin", "name_initials", "sex", "id_type", "id_number",
            "phone", "phone_hash", "phone_tail", "address", "notes", "created_at", "updated_at")
    with transaction.atomic(), connection.cursor() as cursor:
        with cursor.copy(f"COPY people_person ({', '.join(cols)}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row((town.pk, nbh[r[3]], r[0], "", "", "", "ric", encrypt(r[1]), encrypt(r[2]), "",
                                r[2][-4:], "", "", now, now))


def prepare_same_rows(town, rows) -> list[tuple]:
    """What the import writes for each row, computed before the clock starts (as the rows
    themselves are): the person's columns but the ciphertext, and their tag ids. The COPY of
    these is the baseline with the same values in the same indexes (pinyin, hashes, birth
    date, the unique ID hash) and the same tag links as the import."""
    from lehuo.lib.identity import normalise_phone, parse_id_number
    from lehuo.lib.text import pinyin_key
    from lehuo.people.validation import id_hash
    from lehuo.platform.crypto import keyed_hash

    nbh = {n.name: n.pk for n in Neighbourhood.objects.filter(town=town)}
    tags = {t.name: t.pk for t in Tag.objects.filter(town=town)}
    out = []
    for name, number, phone, nbh_name, tag_names in rows:
        parsed, phone = parse_id_number(number), normalise_phone(phone)
        full, initials = pinyin_key(name)
        out.append((nbh[nbh_name], name, full, initials, parsed.sex or "", parsed.birth_date, parsed.kind,
                    parsed.number, id_hash(parsed.kind, parsed.number), phone, keyed_hash(phone), phone[-4:],
                    [tags[t] for t in tag_names.split("、")]))
    return out


def baseline_copy_same_rows(town, prepared) -> None:
    """PostgreSQL COPY of the rows the import writes (``prepare_same_rows``), encrypted here
    as the import does, and their tag links."""
    from lehuo.platform.crypto import encrypt

    now = dt.datetime.now(dt.UTC)
    cols = ("id", "town_id", "neighbourhood_id", "name", "name_pinyin", "name_initials", "sex", "birth_date",
            "id_type", "id_number", "id_hash", "phone", "phone_hash", "phone_tail", "address", "notes",
            "created_at", "updated_at")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('people_person', 'id')) FROM generate_series(1, %s)",
                       [len(prepared)])
        ids = [i for (i,) in cursor.fetchall()]
        with cursor.copy(f"COPY people_person ({', '.join(cols)}) FROM STDIN") as copy:
            for pk, (nbh, name, full, initials, sex, birth, kind, number, ihash, phone, phash, tail, _t) in zip(
                    ids, prepared, strict=True):
                copy.write_row((pk, town.pk, nbh, name, full, initials, sex, birth, kind, encrypt(number), ihash,
                                encrypt(phone), phash, tail, "", "", now, now))
        with cursor.copy("COPY people_person_tags (person_id, tag_id) FROM STDIN") as copy:
            for pk, row in zip(ids, prepared, strict=True):
                for tag in row[-1]:
                    copy.write_row((pk, tag))


def _encrypt_chunk(args):
    """(id ciphertext, phone ciphertext, id_hash, phone_hash) of each (kind, number, phone)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lehuo.settings")
    import django as _django

    _django.setup()
    from lehuo.people.validation import id_hash
    from lehuo.platform.crypto import encrypt, keyed_hash

    return [(encrypt(number), encrypt(phone), id_hash("ric", number), keyed_hash(phone)) for number, phone in args]


def fast_load(town, n: int) -> None:
    """``n`` people (and their tags) written straight into the tables, for the page benchmark at
    sizes the importer would take hours to build on this machine. Same shape as the import's
    rows: valid RICs with matching birth date and sex, pinyin from ``pinyin_key``, real Fernet
    ciphertext of each value, keyed hashes; 居民 for everyone, 党员 for a quarter."""
    import multiprocessing as mp

    from lehuo.lib.identity import mask_id_number, mask_phone
    from lehuo.lib.text import pinyin_key
    from lehuo.people.models import pinyin_from_word

    rng = random.Random(1_000_000)
    names = sorted({make_name(rng) for _ in range(40_000)})
    keys = {name: pinyin_key(name) for name in names}
    nbh = [Neighbourhood.objects.get(town=town, code=code).pk for code, _ in NBHS]
    tags = {t.name: t.pk for t in Tag.objects.filter(town=town)}
    seen, plain = set(), []
    while len(plain) < n:
        sex = rng.choice("MF")
        birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 80))
        number = make_id_number(rng, birth, sex)
        if number in seen:
            continue
        seen.add(number)
        plain.append((rng.choice(names), sex, birth, number, make_phone(rng), rng.choice(nbh), rng.random() < 0.25))
    start = time.perf_counter()
    step = 5000
    with mp.Pool(2) as pool:
        secret = [x for chunk in pool.imap(_encrypt_chunk, [[(r[3], r[4]) for r in plain[i:i + step]]
                                                             for i in range(0, n, step)]) for x in chunk]
    say(f"  encrypted {2 * n:,} values in {time.perf_counter() - start:.1f} s")
    now = dt.datetime.now(dt.UTC)
    cols = ("id", "town_id", "neighbourhood_id", "name", "name_pinyin", "name_initials", "pinyin_w2", "pinyin_w3",
            "pinyin_w4", "sex", "birth_date", "id_type",
            "id_number", "id_hash", "phone", "phone_hash", "phone_tail", "id_number_mask", "phone_mask",
            "address", "notes", "created_at", "updated_at")
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM people_person")
        first = cursor.fetchone()[0] + 1

    def person_rows():
        for i, (r, s) in enumerate(zip(plain, secret, strict=True)):
            full, initials = keys[r[0]]
            yield (first + i, town.pk, r[5], r[0], full, initials, *(pinyin_from_word(full, k) for k in (2, 3, 4)),
                   r[1], r[2], "ric", s[0], s[2], s[1], s[3],
                   r[4][-4:], mask_id_number(r[3]), mask_phone(r[4]), "", "", now, now)

    def tag_rows():
        for i, r in enumerate(plain):
            yield (first + i, tags["居民"])
            if r[6]:
                yield (first + i, tags["党员"])

    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY people_person ({', '.join(cols)}) FROM STDIN") as copy:
                for row in person_rows():
                    copy.write_row(row)
            with cursor.copy("COPY people_person_tags (person_id, tag_id) FROM STDIN") as copy:
                for row in tag_rows():
                    copy.write_row(row)
            cursor.execute("SELECT setval(pg_get_serial_sequence('people_person', 'id'), (SELECT MAX(id) FROM people_person))")
        else:
            rows = list(person_rows())
            cursor.executemany(f"INSERT INTO people_person ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})",  # noqa: S608
                               [(*r[:10], r[10].isoformat(), *r[11:21], r[21].isoformat(), r[22].isoformat()) for r in rows])
            cursor.executemany("INSERT INTO people_person_tags (person_id, tag_id) VALUES (%s, %s)", list(tag_rows()))
    say(f"  wrote {n:,} people in {time.perf_counter() - start:.1f} s")


def page_times(client, url, n) -> float:
    client.get(url)  # warm
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(samples)


def main() -> None:
    vendor = connection.vendor
    say(f"== bench/people.py on {vendor} ({settings.DATABASES['default']['NAME']}), {args.rows:,} people")
    if args.pages_only:
        call_command("migrate", verbosity=0)
        user = get_user_model().objects.get(username="bench_admin")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        return bench_pages(user)
    town, user = setup_town()
    if args.load:
        fast_load(town, args.load)
        with connection.cursor() as cursor:
            # As autovacuum would after a big load: statistics, and the visibility map that
            # lets index-only scans skip the table.
            cursor.execute("VACUUM ANALYZE" if vendor == "postgresql" else "ANALYZE")
        return bench_pages(user)
    t, rows = timed(lambda: make_rows(args.rows))
    cached = VAR / f"people-{args.rows}.xlsx"  # same seed, same rows: reuse the file between runs
    if not cached.exists():
        cached.write_bytes(write_xlsx(["姓名", "证件号码", "手机号码", "居民区", "标签"], rows, title="people"))
    t_xlsx, data = timed(cached.read_bytes)
    say(f"prepared {len(rows):,} rows ({t:.1f} s) and an xlsx of {len(data) / 1e6:.1f} MB ({t_xlsx:.1f} s)")

    t_bulk, _ = timed(lambda: baseline_bulk_create(town, rows))
    assert Person.objects.count() == len(rows)
    wipe_people()
    t_copy = None
    t_same = None
    if vendor == "postgresql":
        t_copy, _ = timed(lambda: baseline_copy(town, rows))
        assert Person.objects.count() == len(rows)
        wipe_people()
        prepared = prepare_same_rows(town, rows)
        t_same, _ = timed(lambda: baseline_copy_same_rows(town, prepared))
        assert Person.objects.count() == len(rows)
        wipe_people()

    phases = {}

    def progress(done, total, phase):
        phases.setdefault(phase, time.perf_counter())

    t_read, table = timed(lambda: importers.read_people_table(data))
    import_start = time.perf_counter()
    t_import, result = timed(lambda: importers.import_people(user, town, data, commit=True, progress=progress))
    assert result.ok, result.report()["errors"][:5]
    assert Person.objects.count() == len(rows) == len(table.rows)
    # The first "write" progress comes after the first batch is written: a close enough split.
    t_check = phases.get("write", import_start) - import_start - t_read
    with connection.cursor() as cursor:
        # Fresh statistics for the planner, as PostgreSQL's autovacuum (and SQLite's
        # PRAGMA optimize) would gather after a big import.
        cursor.execute("ANALYZE")
    say("")
    say("Excel import (read + check every row + write all in one transaction)")
    say(f"  import_people        {t_import:7.2f} s  ({len(rows) / t_import:,.0f} rows/s)")
    say(f"    of which read xlsx {t_read:7.2f} s (calamine), check ~{t_check:.2f} s, write ~{t_import - t_read - t_check:.2f} s")
    say(f"  bulk_create baseline {t_bulk:7.2f} s  -> import / bulk_create = {t_import / t_bulk:.2f}x")
    if t_copy is not None:
        say(f"  COPY baseline        {t_copy:7.2f} s  -> import / COPY = {t_import / t_copy:.2f}x "
            f"(load {os.getloadavg()[0]:.2f})")
    if t_same is not None:
        say(f"  COPY of the same rows {t_same:6.2f} s  -> import / COPY = {t_import / t_same:.2f}x "
            "(the columns the import writes: pinyin, hashes, birth date, sex; and the tag links)")
    if not args.import_only:
        bench_pages(user)


def profile(user, url) -> None:
    timings = []

    def timer(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append((time.perf_counter() - start, sql))

    client = Client()
    client.force_login(user)
    with override_settings(ROOT_URLCONF=__name__):
        client.get(url)
        # Not CaptureQueriesContext: the request_started signal empties connection.queries.
        with connection.execute_wrapper(timer):
            start = time.perf_counter()
            client.get(url)
            total = time.perf_counter() - start
        say(f"{url}: {total * 1000:.1f} ms, {len(timings)} queries")
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        for _ in range(5):
            client.get(url)
        prof.disable()
    stats = pstats.Stats(prof).sort_stats(os.environ.get("PSORT", "cumulative"))
    stats.print_stats(int(os.environ.get("PLINES", "45")))
    if os.environ.get("PCALLERS"):
        stats.print_callers(os.environ["PCALLERS"])
    for spent, sql in timings:
        say(f"  {spent * 1000:7.1f} ms  {sql[:int(os.environ.get('SQLCHARS', '300'))]}")


def paired_times(client, url, n) -> tuple[float, float]:
    """Medians of ``url`` and of the bare view, requested in turn (bare, page, bare, page...):
    on a machine shared with other work the load moves within seconds, and both sides of
    the ratio see the same load."""
    client.get(url)
    client.get("/bench-bare/")
    bare, page = [], []
    for _ in range(n):
        for target, samples in (("/bench-bare/", bare), (url, page)):
            start = time.perf_counter()
            response = client.get(target)
            samples.append(time.perf_counter() - start)
            assert response.status_code == 200, (target, response.status_code)
    return statistics.median(bare), statistics.median(page)


PAGES = [("first page, sorted by pinyin", "/people/"),
         ("search by initials ?q=zl", "/people/?q=zl"),
         ("search by pinyin ?q=zhang", "/people/?q=zhang"),
         ("search by phone tail ?q=5678", "/people/?q=5678"),
         ("tag filter ?tag=党员 + sort by age", "/people/?tag=%E5%85%9A%E5%91%98&sort=-age"),
         ("first page, exact count", "/people/?count=exact"),
         ("page 1000", "/people/?page=1000"),
         ("people API, first page", "/api/v1/people")]


def bench_pages(user) -> None:
    if args.profile:
        return profile(user, args.profile)
    client = Client()
    client.force_login(user)
    say("")
    say(f"People list page, {Person.objects.count():,} people, medians of {args.requests} requests, each after "
        f"a request of the bare view (Django test Client); load: {os.getloadavg()[0]:.2f}")
    # A staff member's commonest search: one person's whole name (Chinese characters match
    # anywhere in the name, which no index answers: the scope is read).
    name = Person.objects.order_by("pk").values_list("name", flat=True).first() or "张"
    pages = [*PAGES[:4], ("search by a whole name ?q=<name>", f"/people/?q={quote(name)}"), *PAGES[4:]]
    with override_settings(ROOT_URLCONF=__name__):
        for label, url in pages:
            t_bare, t_page = paired_times(client, url, args.requests)
            say(f"  {label:<34} {t_page * 1000:7.2f} ms  bare {t_bare * 1000:6.2f} ms  -> {t_page / t_bare:6.1f}x bare")
    say(f"  load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
