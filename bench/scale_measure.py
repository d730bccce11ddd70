# ruff: noqa: S608  (baseline SQL is built from ids read from the database here)
"""Measure list pages, stats endpoints and the town dashboard on the city data set.

    .venv/bin/python bench/scale_data.py --reset          # once: the data set (lehuo_scale)
    .venv/bin/python bench/scale_measure.py               # figures on stdout, plans to docs/scale-plans.txt
    .venv/bin/python bench/scale_measure.py --runs 3 --plans /tmp/plans.txt

Every page goes through Django's test Client in this process against ``lehuo_scale`` with
production settings (DEBUG off, the bench keys of scale_data.py), logged in as a town admin
of the first town (100,000 people at scale 1) or as a social worker of one of its
neighbourhoods. No server and no network: the time is the page's own (session, scope,
queries, template).

Each figure is printed as a ratio against baselines measured in the same run:
``x bare`` against a bare view behind the same middleware (``/bench/bare/``), and
``x count`` against a ``SELECT count(*)`` of the rows the page is about (the table it
reads, with the same filter), run on the same connection. Times are medians of ``--runs``
after one warm-up request.

Then every SELECT the page ran is re-run under ``EXPLAIN (ANALYZE, BUFFERS)``; the summary
(top node, rows, time, buffers, any Seq Scan on a table over 50,000 rows) and the full plan
of each page's slowest queries go to ``docs/scale-plans.txt``.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scale_data import DEFAULT_DB, FIELD_KEYS, HASH_KEY, PG, TOWN_CODE_PREFIX  # noqa: E402

BIG_TABLE_ROWS = 50_000


def setup(db: str) -> None:
    Path("/tmp/lehuo-scale").mkdir(exist_ok=True)
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "bench.scale_settings",
        "DATABASE_URL": f"{PG}/{db}?conn_max_age=600",
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-not-for-production",
        "LEHUO_FIELD_KEYS": FIELD_KEYS,
        "LEHUO_HASH_KEY": HASH_KEY,
        "ALLOWED_HOSTS": "testserver",
        "SECURE_COOKIES": "0",
        "SECURE_HSTS_SECONDS": "0",
        "AXES_ENABLED": "0",
        "LOG_LEVEL": "WARNING",
        "LEHUO_VAR_DIR": "/tmp/lehuo-scale",
        # The bench users have no TOTP device; the second factor is a login step, not the page's cost.
        "LEHUO_REQUIRE_SECOND_FACTOR": "0",
    })
    import django

    django.setup()


def personas() -> dict:
    """A town admin of the first scale town and a social worker of two of its neighbourhoods."""
    from django.contrib.auth import get_user_model

    from lehuo.accounts.models import SOCIAL_WORKER, TOWN_ADMIN, Membership, Neighbourhood, Town

    town = Town.objects.get(code=f"{TOWN_CODE_PREFIX}01")
    User = get_user_model()
    admin, _ = User.objects.get_or_create(username="scale_admin", defaults={"first_name": "镇管理员"})
    Membership.objects.get_or_create(user=admin, town=town, role=TOWN_ADMIN)
    sw, _ = User.objects.get_or_create(username="scale_sw", defaults={"first_name": "社工"})
    m, _ = Membership.objects.get_or_create(user=sw, town=town, role=SOCIAL_WORKER)
    nbhs = list(Neighbourhood.objects.filter(town=town).order_by("id")[:2])
    m.neighbourhoods.set(nbhs)
    return {"town": town, "admin": admin, "sw": sw, "sw_nbhs": [n.pk for n in nbhs]}


def targets(p: dict) -> list[dict]:
    """(label, user, url, baseline SQL): each page and its count(*) baseline."""
    from django.db.models import Count

    from lehuo.blood.models import Drive as BloodDrive
    from lehuo.donations.models import Drive

    town = p["town"]
    drive = Drive.objects.filter(town=town).annotate(n=Count("donations")).order_by("-n").first()
    blood = BloodDrive.objects.filter(town=town, slug="2021-07-28").first() or BloodDrive.objects.filter(
        town=town).order_by("-date").first()
    nbhs = ",".join(map(str, p["sw_nbhs"]))
    people_town = f"SELECT count(*) FROM people_person WHERE town_id = {town.pk} AND erased_at IS NULL"
    people_sw = (f"SELECT count(*) FROM people_person WHERE town_id = {town.pk} AND erased_at IS NULL "
                 f"AND neighbourhood_id IN ({nbhs})")
    gifts = f"SELECT count(*) FROM donations_donation WHERE drive_id = {drive.pk}"
    gifts_sw = f"{gifts} AND neighbourhood_id IN ({nbhs})"
    town_gifts = ("SELECT count(*) FROM donations_donation d JOIN donations_drive v ON v.id = d.drive_id "
                  f"WHERE v.town_id = {town.pk}")
    bdon = f"SELECT count(*) FROM blood_donation WHERE drive_id = {blood.pk}"
    town_blood = ("SELECT count(*) FROM blood_donation d JOIN blood_drive v ON v.id = d.drive_id "
                  f"WHERE v.town_id = {town.pk}")
    enrol = ("SELECT count(*) FROM daycare_enrolment e JOIN daycare_offering o ON o.id = e.offering_id "
             f"JOIN daycare_site s ON s.id = o.site_id JOIN daycare_year y ON y.id = s.year_id WHERE y.town_id = {town.pk}")
    a, sw = p["admin"], p["sw"]
    return [
        {"label": "people list, town admin", "user": a, "url": "/people/", "baseline": people_town},
        {"label": "people list, town admin, page 500", "user": a, "url": "/people/?page=500", "baseline": people_town},
        {"label": "people list, town admin, sort by age", "user": a, "url": "/people/?sort=-age", "baseline": people_town},
        {"label": "people list, town admin, pinyin 'zhang'", "user": a, "url": "/people/?q=zhang", "baseline": people_town},
        {"label": "people list, town admin, phone tail", "user": a, "url": "/people/?q=1234", "baseline": people_town},
        {"label": "people list, town admin, tag 党员", "user": a, "url": "/people/?tag=党员", "baseline": people_town},
        {"label": "people list, social worker", "user": sw, "url": "/people/", "baseline": people_sw},
        {"label": "people list, social worker, 'zhang'", "user": sw, "url": "/people/?q=zhang", "baseline": people_sw},
        {"label": "donation drives list (totals)", "user": a, "url": "/donations/", "baseline": town_gifts},
        {"label": "donations list, biggest drive, admin", "user": a, "url": f"/donations/drives/{drive.pk}/donations/",
         "baseline": gifts},
        {"label": "donations list, by amount", "user": a, "url": f"/donations/drives/{drive.pk}/donations/?sort=amount",
         "baseline": gifts},
        {"label": "donations list, offline, page 100", "user": a,
         "url": f"/donations/drives/{drive.pk}/donations/?channel=offline&page=100", "baseline": gifts},
        {"label": "donations list, social worker", "user": sw, "url": f"/donations/drives/{drive.pk}/donations/",
         "baseline": gifts_sw},
        {"label": "donation drive overview page", "user": a, "url": f"/donations/drives/{drive.pk}/", "baseline": gifts},
        {"label": "API donation-drives/{id}/stats", "user": a, "url": f"/api/v1/donation-drives/{drive.pk}/stats",
         "baseline": gifts},
        {"label": "API blood-drives/{id}/stats", "user": a, "url": f"/api/v1/blood-drives/{blood.pk}/stats",
         "baseline": bdon},
        {"label": "blood drives list (a page of 20 drives)", "user": a, "url": "/blood/", "baseline": town_blood},
        {"label": "API daycare/years/2021/stats", "user": a, "url": "/api/v1/daycare/years/2021/stats",
         "baseline": enrol},
        # The dashboard's figures are cached (LEHUO_DASHBOARD_CACHE_SECONDS): computed, then kept.
        {"label": "town dashboard, computed (?refresh=1)", "user": a, "url": "/newsletter/dashboard/?refresh=1",
         "baseline": town_gifts},
        {"label": "town dashboard, from the cache", "user": a, "url": "/newsletter/dashboard/", "baseline": town_gifts},
    ], {"drive": drive, "blood": blood}


def median_ms(fn, runs: int, budget_s: float) -> float:
    times, start = [], time.perf_counter()
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
        if time.perf_counter() - start > budget_s:
            break
    return statistics.median(times)


def table_rows() -> dict:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT relname, reltuples::bigint FROM pg_class WHERE relkind = 'r' AND relnamespace = "
                    "'public'::regnamespace")
        return dict(cur.fetchall())


def explain(sql: str, sizes: dict) -> dict:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
        raw = cur.fetchone()[0]
        doc = (json.loads(raw) if isinstance(raw, str) else raw)[0]
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        text = "\n".join(r[0] for r in cur.fetchall())
    top = doc["Plan"]
    seq = []

    def walk(node):
        if node.get("Node Type") == "Seq Scan" and sizes.get(node.get("Relation Name"), 0) >= BIG_TABLE_ROWS:
            seq.append(f"{node['Relation Name']} ({sizes[node['Relation Name']]:,} rows, "
                       f"{node.get('Rows Removed by Filter', 0):,} removed by filter)")
        for child in node.get("Plans", []):
            walk(child)

    walk(top)
    return {"top": top["Node Type"], "rows": top.get("Actual Rows"), "ms": doc.get("Execution Time", 0.0),
            "shared_hit": top.get("Shared Hit Blocks", 0), "shared_read": top.get("Shared Read Blocks", 0),
            "seq_big": seq, "text": text}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=DEFAULT_DB)
    parser.add_argument("--runs", type=int, default=5, help="timed requests per page (median)")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per page before fewer runs are taken")
    parser.add_argument("--plans", default=str(ROOT / "docs" / "scale-plans.txt"))
    parser.add_argument("--only", default="", help="measure only labels containing this text")
    args = parser.parse_args()
    setup(args.db)

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    p = personas()
    pages, records = targets(p)
    sizes = table_rows()
    clients = {}
    for key in ("admin", "sw"):
        clients[key] = Client()
        clients[key].force_login(p[key])
    client_for = {p["admin"].pk: clients["admin"], p["sw"].pk: clients["sw"]}

    def count(sql):
        with connection.cursor() as cur:
            cur.execute(sql)
            return cur.fetchone()[0]

    print(f"database {args.db}: people {sizes.get('people_person', 0):,}, donations "
          f"{sizes.get('donations_donation', 0):,}, blood donations {sizes.get('blood_donation', 0):,}, "
          f"enrolments {sizes.get('daycare_enrolment', 0):,} (planner estimates)")
    print(f"town {p['town'].name}; biggest donation drive #{records['drive'].pk} {records['drive'].title}; "
          f"blood drive #{records['blood'].pk} {records['blood'].slug}")
    bare_client = clients["admin"]
    bare_client.get("/bench/bare/")
    bare = median_ms(lambda: bare_client.get("/bench/bare/"), max(args.runs, 20), 10)
    print(f"baseline bare view (same middleware, logged in): {bare:.2f} ms (median of {max(args.runs, 20)})\n")
    print(f"{'page':<42} {'ms':>9} {'x bare':>8} {'count ms':>9} {'x count':>8} {'rows':>9} {'queries':>7}")

    plans_out = [f"EXPLAIN (ANALYZE, BUFFERS) of every SELECT of each measured page on {args.db}",
                 "generated by: .venv/bin/python bench/scale_measure.py",
                 f"at {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; big table = over {BIG_TABLE_ROWS:,} rows",
                 ""]
    results = []
    for page in pages:
        if args.only and args.only not in page["label"]:
            continue
        client = client_for[page["user"].pk]
        resp = client.get(page["url"])  # warm-up
        if resp.status_code != 200:
            print(f"{page['label']:<42} status {resp.status_code} {resp.get('Location', '')}")
            results.append({**page, "status": resp.status_code})
            continue
        ms = median_ms(lambda c=client, u=page["url"]: c.get(u), args.runs, args.budget)
        n = count(page["baseline"])
        base = median_ms(lambda sql=page["baseline"]: count(sql), args.runs, args.budget)
        with CaptureQueriesContext(connection) as ctx:
            client.get(page["url"])
        queries = [q["sql"] for q in ctx.captured_queries]
        print(f"{page['label']:<42} {ms:9.1f} {ms / bare:8.1f} {base:9.1f} {ms / base if base else 0:8.1f} "
              f"{n:9,} {len(queries):7}", flush=True)
        result = {**page, "ms": ms, "base": base, "n": n, "queries": len(queries)}
        results.append(result)

        plans_out += ["=" * 100, f"{page['label']}   GET {page['url']}",
                      f"page {ms:.1f} ms = {ms / bare:.1f} x bare view ({bare:.2f} ms) = "
                      f"{ms / base if base else 0:.1f} x count(*) baseline ({base:.1f} ms, {n:,} rows: {page['baseline']})",
                      f"{len(queries)} queries", ""]
        explained = []
        for sql in queries:
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            try:
                e = explain(sql, sizes)
            except Exception as exc:  # a query that cannot be re-run alone (should not happen for SELECTs)
                connection.rollback() if not connection.get_autocommit() else None
                plans_out.append(f"  (not explained: {type(exc).__name__}: {exc})  {sql[:160]}")
                continue
            explained.append((e, sql))
        explained.sort(key=lambda pair: -pair[0]["ms"])
        if explained:
            e, sql = explained[0]
            result["slowest"] = (f"{e['ms']:.1f} ms {e['top']}"
                                 + (" SEQ SCAN " + ", ".join(s.split(" (")[0] for s in e["seq_big"]) if e["seq_big"] else ""))
            result["seq_big"] = sorted({s.split(" (")[0] for x, _q in explained for s in x["seq_big"]})
        for e, sql in explained:
            seq = ("; SEQ SCAN " + ", ".join(e["seq_big"])) if e["seq_big"] else ""
            plans_out.append(f"  {e['ms']:9.2f} ms  {e['top']:<18} rows={e['rows']!s:<8} "
                             f"buffers hit={e['shared_hit']} read={e['shared_read']}{seq}")
            plans_out.append(f"             {' '.join(sql.split())[:240]}")
        for e, sql in explained[:3]:
            if e["ms"] < 1.0:
                break
            plans_out += ["", f"  -- plan ({e['ms']:.1f} ms): {' '.join(sql.split())[:300]}"]
            plans_out += ["  " + row for row in e["text"].splitlines()]
        plans_out.append("")
    summary = ["SUMMARY (page: slowest query under EXPLAIN ANALYZE; big tables read by a Seq Scan)", ""]
    for r in results:
        if "ms" in r:
            summary.append(f"  {r['label']:<42} {r['ms']:8.1f} ms page  slowest query {r.get('slowest', '-')}"
                           + (f"  seq scans: {', '.join(r['seq_big'])}" if r.get("seq_big") else ""))
    plans_out[4:4] = [*summary, ""]
    Path(args.plans).write_text("\n".join(plans_out) + "\n")
    print(f"\nplans: {args.plans}\n")
    print("| page | ms | x bare view | x count(*) | rows counted | queries | slowest query (EXPLAIN ANALYZE) |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for r in results:
        if "ms" not in r:
            print(f"| {r['label']} | status {r['status']} | | | | | |")
            continue
        print(f"| {r['label']} | {r['ms']:.0f} | {r['ms'] / bare:.1f} | {r['ms'] / r['base'] if r['base'] else 0:.1f} | "
              f"{r['n']:,} | {r['queries']} | {r.get('slowest', '')} |")


if __name__ == "__main__":
    main()
