"""Day-care opening-time burst against a real server (gunicorn + PostgreSQL, loopback only).

    .venv/bin/python bench/enrol_burst.py            # both scenarios
    .venv/bin/python bench/enrol_burst.py --quick    # a small smoke run
    .venv/bin/python bench/enrol_burst.py --database-url postgres://postgres@127.0.0.1:5432/lehuo_scale --port 8131
                                                     # the same burst inside the city data set (bench/scale_data.py)

(a) 100 offerings of 35 places, 200 concurrent clients, 5,000 enrolment requests, in 5 waves;
(b) 500 concurrent clients on one offering of 35, three rounds (a fresh offering each).
Around every wave or round the same clients time a bare Django view on the same server
(same concurrency, same count, same run); the ratio is enrolments/s : bare requests/s.

Every request is a real ``POST /api/v1/daycare/offerings/{id}/enrolments`` by a parent
(Bearer token) for a linked child, with an ``Idempotency-Key``. The database is
``lehuo_bench_daycare`` on 127.0.0.1 (created if missing, reset each run), or the one named by
``--database-url`` (its bench town's enrolments are reset each run; nothing else is touched). Bounded: fixed
request counts, a 30 s timeout per request and a deadline per phase; the server is stopped
at the end.
"""

import argparse
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # loopback only
PG = "postgres://postgres@127.0.0.1:5432"
DB_NAME = "lehuo_bench_daycare"
ENV = {
    "DATABASE_URL": f"{PG}/{DB_NAME}?conn_max_age=600",
    "DJANGO_SETTINGS_MODULE": "bench.daycare_settings",
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-not-for-production",
    "LEHUO_FIELD_KEYS": "YmVuY2gta2V5LWxlaHVvLWJlbmNoLWtleS1sZWh1by0=",
    "LEHUO_HASH_KEY": "bench-only-hash-key",
    "ALLOWED_HOSTS": HOST,
    "SECURE_COOKIES": "0",
    "SECURE_HSTS_SECONDS": "0",
    "LOG_LEVEL": "WARNING",
    # Many clients from one loopback address: the API's per-address throttle would answer 429
    # (nginx limits the opening minute in production: deploy/nginx).
    "LEHUO_API_THROTTLE": "0",
    "LEHUO_VAR_DIR": "/tmp/lehuo-bench-daycare",
    "PYTHONPATH": str(ROOT),
}
PHASE_DEADLINE_S = 300
REQUEST_TIMEOUT_S = 30


def setup_django() -> None:
    os.environ.update(ENV)
    Path(ENV["LEHUO_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def ensure_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)).fetchone():
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    subprocess.run([sys.executable, "-m", "django", "migrate", "-v0"], cwd=ROOT, env={**os.environ, **ENV}, check=True)


def seed(scenarios: dict) -> dict:
    """Parents with tokens, linked children with consent, offerings; reset every run."""
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from lehuo.accounts.models import ApiToken, Neighbourhood, Town
    from lehuo.accounts.tokens import hash_token
    from lehuo.daycare.models import Child, Enrolment, Offering, Site, Term, Year
    from lehuo.people.models import Consent, GuardianLink, Person
    from lehuo.platform.crypto import keyed_hash
    from lehuo.platform.models import AuditLog, IdempotencyKey

    User = get_user_model()
    with transaction.atomic():
        town, _ = Town.objects.get_or_create(code="bench", defaults={"name": "压测镇"})
        nbh, _ = Neighbourhood.objects.get_or_create(town=town, code="b1", defaults={"name": "压测居民区"})
        year, _ = Year.objects.get_or_create(town=town, year=2021)
        term, _ = Term.objects.get_or_create(year=year, number=1, defaults={
            "starts_on": dt.date(2021, 7, 5), "ends_on": dt.date(2021, 7, 23)})
        Enrolment.objects.filter(offering__site__year=year).delete()
        IdempotencyKey.objects.all().delete()
        AuditLog.objects.filter(action__startswith="daycare.").delete()
        out = {}
        for name, (offerings, clients, requests) in scenarios.items():
            sites = [Site.objects.get_or_create(year=year, name=f"{name}-site-{i}", defaults={"neighbourhood": nbh})[0]
                     for i in range(offerings)]
            offs = []
            for s in sites:
                o, _ = Offering.objects.get_or_create(site=s, term=term, defaults={
                    "capacity": 35, "fee": "600.00", "opens_at": timezone.now() - dt.timedelta(minutes=1)})
                offs.append(o)
            Offering.objects.filter(pk__in=[o.pk for o in offs]).update(taken=0, waitlist_seq=0, capacity=35)
            per_client = -(-requests // clients)
            parents = []
            for c in range(clients):
                username = f"bench-{name}-{c}"
                user = User.objects.filter(username=username).first()
                if user is None:
                    user = User(username=username)
                    user.set_unusable_password()
                    user.save()
                    phone = f"139{zlib.crc32(username.encode()) % 10**8:08d}"
                    Person.objects.create(town=town, neighbourhood=nbh, name=f"家长{c}", account=user, phone=phone,
                                          phone_hash=keyed_hash(phone), phone_tail=phone[-4:],
                                          birth_date=dt.date(1985, 1, 1))
                token = f"lh_bench_{name}_{c}"
                ApiToken.objects.get_or_create(key_hash=hash_token(token), defaults={"user": user, "prefix": token[:8]})
                guardian = Person.objects.get(account=user)
                have = list(Child.objects.filter(person__guardian_links__guardian=guardian).order_by("pk")
                            .values_list("pk", flat=True))
                if len(have) < per_client:
                    kids = Person.objects.bulk_create(
                        Person(town=town, neighbourhood=nbh, name=f"儿童{c}-{k}", birth_date=dt.date(2013, 3, 1))
                        for k in range(per_client - len(have)))
                    GuardianLink.objects.bulk_create(GuardianLink(child=k, guardian=guardian) for k in kids)
                    Consent.objects.bulk_create(Consent(person=k, purpose="daycare", given_by=Consent.GUARDIAN,
                                                        guardian=guardian, given_on=dt.date(2021, 6, 1)) for k in kids)
                    Child.objects.bulk_create(Child(person=k, school="压测小学", grade=2) for k in kids)
                    have = list(Child.objects.filter(person__guardian_links__guardian=guardian).order_by("pk")
                                .values_list("pk", flat=True))
                parents.append({"token": token, "children": have[:per_client]})
            out[name] = {"offerings": [o.pk for o in offs], "parents": parents, "clients": clients,
                         "requests": requests}
    return out


def analyse() -> None:
    """Fresh planner statistics for the seeded rows, as autovacuum would soon give them."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def check(offering_ids: list[int]) -> dict:
    from django.db.models import Count, Q

    from lehuo.daycare.models import Enrolment, Offering

    rows = Offering.objects.filter(pk__in=offering_ids).annotate(
        confirmed=Count("enrolments", filter=Q(enrolments__status=Enrolment.CONFIRMED)),
        waitlisted=Count("enrolments", filter=Q(enrolments__status=Enrolment.WAITLISTED)))
    confirmed = waitlisted = overbooked = bad_queues = 0
    for o in rows:
        confirmed += o.confirmed
        waitlisted += o.waitlisted
        overbooked += max(0, o.confirmed - o.capacity)
        positions = sorted(Enrolment.objects.filter(offering=o, status=Enrolment.WAITLISTED)
                           .values_list("position", flat=True))
        bad_queues += positions != list(range(1, len(positions) + 1))
    return {"confirmed": confirmed, "waitlisted": waitlisted, "overbooked": overbooked, "bad_queues": bad_queues}


class Client:
    """One keep-alive HTTP connection per client thread (standard library only)."""

    def __init__(self, port: int):
        self.port = port
        self.conn = None

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT_S)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                resp = self.conn.getresponse()
                data = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return resp.status, data
            except (ConnectionError, http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise RuntimeError("unreachable")


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SERVER_PID: list[int] = []  # the running gunicorn's master, for cpu_seconds()


def cpu_seconds() -> dict:
    """CPU seconds used so far (user + system, from /proc) by the gunicorn started here and its
    workers, by every PostgreSQL process of the machine, and by this process (the clients)."""
    out = {"gunicorn": 0.0, "postgres": 0.0, "clients": 0.0}
    stats = {}
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                comm, rest = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)
            except OSError:
                continue
            fields = rest.split()
            stats[int(pid)] = (comm.split("(", 1)[1], int(fields[1]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS)
    server = set(SERVER_PID)
    for pid, (_comm, ppid, _t) in sorted(stats.items()):
        if ppid in server:
            server.add(pid)
    for pid, (comm, _ppid, t) in stats.items():
        if pid in server:
            out["gunicorn"] += t
        elif comm.startswith("postgres"):
            out["postgres"] += t
        elif pid == os.getpid():
            out["clients"] += t
    return out


def run_phase(port: int, jobs_per_client: list[list[tuple]], label: str) -> dict:
    """Each client thread runs its own list of (method, path, body, headers) in sequence."""
    latencies, statuses, lock = [], {}, threading.Lock()
    deadline = time.monotonic() + PHASE_DEADLINE_S
    start_gate = threading.Barrier(len(jobs_per_client) + 1)

    def client_loop(jobs):
        client = Client(port)
        start_gate.wait()
        local_lat, local_status = [], {}
        for method, path, body, headers in jobs:
            if time.monotonic() > deadline:
                local_status["deadline"] = local_status.get("deadline", 0) + 1
                continue
            t0 = time.perf_counter()
            try:
                status, _data = client.request(method, path, body, headers)
            except Exception as exc:  # counted as an error
                status = type(exc).__name__
            local_lat.append(time.perf_counter() - t0)
            local_status[status] = local_status.get(status, 0) + 1
        with lock:
            latencies.extend(local_lat)
            for k, v in local_status.items():
                statuses[k] = statuses.get(k, 0) + v

    with ThreadPoolExecutor(max_workers=len(jobs_per_client)) as pool:
        futures = [pool.submit(client_loop, jobs) for jobs in jobs_per_client]
        cpu0 = cpu_seconds()
        start_gate.wait()
        t0 = time.perf_counter()
        for f in futures:
            f.result()
        elapsed = time.perf_counter() - t0
        cpu1 = cpu_seconds()
    summary = summarise(label, [(latencies, statuses, elapsed)])  # one wave
    summary["cpu_s"] = {k: cpu1[k] - cpu0[k] for k in cpu0}
    return summary


def summarise(label: str, waves: list[tuple[list, dict, float]]) -> dict:
    """Requests per second over the waves' summed time, latency percentiles over all requests."""
    latencies = sorted(x for lat, _, _ in waves for x in lat)
    statuses: dict = {}
    for _, st, _ in waves:
        for k, v in st.items():
            statuses[k] = statuses.get(k, 0) + v
    elapsed = sum(e for _, _, e in waves)
    n = len(latencies)
    return {"label": label, "requests": n, "elapsed_s": elapsed, "per_s": n / elapsed if elapsed else 0,
            "p50_ms": statistics.median(latencies) * 1000 if n else 0,
            "p99_ms": latencies[min(n - 1, int(n * 0.99))] * 1000 if n else 0, "statuses": statuses,
            "raw": waves}


def enrol_jobs(data: dict) -> list[list[tuple]]:
    """Client c's j-th request goes to offering (c + j) mod n: at any moment the clients are
    spread over all offerings, and each offering gets the same number of requests."""
    offerings, jobs, i = data["offerings"], [], 0
    for c, parent in enumerate(data["parents"]):
        mine = []
        for j, child_id in enumerate(parent["children"]):
            if i >= data["requests"]:
                break
            # (b): round j is every client at once on offering j; (a): spread over all.
            offering = offerings[j] if data.get("offering_per_round") else offerings[(c + j) % len(offerings)]
            body = json.dumps({"child_id": child_id}).encode()
            mine.append(("POST", f"/api/v1/daycare/offerings/{offering}/enrolments", body, {
                "Authorization": f"Bearer {parent['token']}", "Content-Type": "application/json",
                "Idempotency-Key": uuid.uuid4().hex, "Host": HOST}))
            i += 1
        jobs.append(mine)
    return jobs


def waves_of(jobs_per_client: list[list[tuple]], waves: int) -> list[list[list[tuple]]]:
    """Cut every client's list into ``waves`` consecutive parts (fewer if a client has fewer
    requests): wave k is every client's k-th part, run with all clients at once."""
    waves = max(1, min(waves, min(len(j) for j in jobs_per_client)))
    out = []
    for k in range(waves):
        part = []
        for jobs in jobs_per_client:
            size = -(-len(jobs) // waves)
            part.append(jobs[k * size:(k + 1) * size])
        out.append(part)
    return out


def bare_jobs(clients: int, requests: int) -> list[list[tuple]]:
    per = [requests // clients + (1 if c < requests % clients else 0) for c in range(clients)]
    return [[("GET", "/bench/bare/", None, {"Host": HOST})] * n for n in per]


def start_server(port: int, workers: int, threads: int, clients: int | None = None) -> subprocess.Popen:
    """gunicorn for one scenario. A keep-alive connection stays with the worker that accepted
    it, and which worker accepts is a race: uncapped, one of 4 workers got 99 of 200 clients
    and another 7, and the run measured that imbalance. ``--worker-connections`` caps each
    worker at a tenth over its share, so every worker serves about as many clients."""
    cmd = [str(ROOT / ".venv/bin/gunicorn"), "lehuo.wsgi:application", "--bind", f"{HOST}:{port}",
           "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads),
           "--backlog", "2048", "--keep-alive", "30", "--timeout", "60", "--log-level", "warning"]
    if clients:
        cmd += ["--worker-connections", str(-(-clients * 11 // (10 * workers)))]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **ENV}, start_new_session=True)
    SERVER_PID[:] = [proc.pid]
    client = Client(port)
    for _ in range(100):
        try:
            if client.request("GET", "/bench/bare/", headers={"Host": HOST})[0] == 200:
                return proc
        except Exception:
            time.sleep(0.2)
    stop_server(proc)
    raise SystemExit("gunicorn did not start")


def stop_server(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


def use_database(url: str) -> None:
    """Run against another PostgreSQL database on this machine (e.g. lehuo_scale, the city data set)."""
    from urllib.parse import urlsplit

    global PG, DB_NAME
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost") or not parts.path.strip("/"):
        raise SystemExit("--database-url must name a database on 127.0.0.1")
    PG, DB_NAME = url.split("?")[0].rsplit("/", 1)
    ENV["DATABASE_URL"] = f"{PG}/{DB_NAME}?conn_max_age=600"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8106, choices=[*range(8105, 8110), *range(8130, 8136)])
    parser.add_argument("--database-url", help=f"PostgreSQL database on 127.0.0.1 (default {PG}/{DB_NAME})")
    # 3 x 2 on the 2-core machine of docs/performance.md: 4 x 1, 4 x 2 and 6 x 1 measured a
    # little lower; more threads per worker lose to the GIL.
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--waves", type=int, default=5, help="enrolment waves, with a bare-view wave around each")
    parser.add_argument("--quick", action="store_true", help="small run: 10 offerings, 50 clients, 500 requests")
    parser.add_argument("--scenario", choices=["a", "b"], action="append", help="run only this scenario (repeatable)")
    args = parser.parse_args()
    scenarios = {"a": (10, 50, 500), "b": (2, 100, 200)} if args.quick else {"a": (100, 200, 5000), "b": (3, 500, 1500)}
    if args.scenario:
        scenarios = {k: v for k, v in scenarios.items() if k in args.scenario}

    if args.database_url:
        use_database(args.database_url)
    setup_django()
    ensure_database()
    t0 = time.perf_counter()
    data = seed(scenarios)
    if "b" in data:
        data["b"]["offering_per_round"] = True
    analyse()
    print(f"seeded in {time.perf_counter() - t0:.1f}s; gunicorn {args.workers} workers x {args.threads} threads "
          f"(gthread) on {HOST}:{args.port}, PostgreSQL {DB_NAME}")
    results = {}
    for name, d in data.items():
        proc = start_server(args.port, args.workers, args.threads, d["clients"])
        try:
            run_phase(args.port, bare_jobs(min(d["clients"], 50), 200), "warm-up")
            # The machine's speed drifts within a run (other tenants of the host), so the
            # baseline is not timed once: the burst is cut into waves (each still every client
            # at once), and a wave of the bare view with the same clients and count runs
            # before each wave and after the last. Both rates are over their summed time.
            waves = waves_of(enrol_jobs(d), args.waves)
            per_wave = -(-d["requests"] // len(waves))
            enrol_waves, bare_waves = [], []
            for wave in waves:
                bare_waves.append(run_phase(args.port, bare_jobs(d["clients"], per_wave), "bare view"))
                enrol_waves.append(run_phase(args.port, wave, "enrol"))
            bare_waves.append(run_phase(args.port, bare_jobs(d["clients"], per_wave), "bare view"))
            enrol = summarise("enrol", [w["raw"][0] for w in enrol_waves])
            bare = summarise("bare view", [w["raw"][0] for w in bare_waves])
            for summary, phases in ((enrol, enrol_waves), (bare, bare_waves)):
                summary["cpu_s"] = {k: sum(w["cpu_s"][k] for w in phases) for k in phases[0]["cpu_s"]}
            results[name] = (d, bare, enrol, check(d["offerings"]))
        finally:
            stop_server(proc)

    ok = True
    for name, (d, bare, enrol, db) in results.items():
        errors = sum(v for k, v in enrol["statuses"].items() if k != 201)
        ratio = enrol["per_s"] / bare["per_s"] if bare["per_s"] else 0
        spread = [round(len(lat) / elapsed) for lat, _, elapsed in bare["raw"]]
        shape = ("one offering per round" if d.get("offering_per_round") else "spread over all offerings")
        print(f"\nscenario ({name}): {len(d['offerings'])} offering(s) x 35 places, {d['clients']} clients, "
              f"{enrol['requests']} enrolment requests in {len(enrol['raw'])} wave(s), {shape}")
        print(f"  confirmed   {db['confirmed']}")
        print(f"  waitlisted  {db['waitlisted']}  (queues with a gap or duplicate: {db['bad_queues']})")
        print(f"  overbooked  {db['overbooked']}")
        print(f"  errors      {errors}  statuses {enrol['statuses']}")
        print(f"  enrolments/s {enrol['per_s']:.0f}   p50 {enrol['p50_ms']:.0f} ms   p99 {enrol['p99_ms']:.0f} ms")
        print(f"  bare view   {bare['per_s']:.0f} req/s (waves {min(spread)}-{max(spread)})   "
              f"p50 {bare['p50_ms']:.0f} ms   p99 {bare['p99_ms']:.0f} ms")
        print(f"  ratio       {ratio:.2f}  (target >= 0.25)")
        for summary in (enrol, bare):
            per = ", ".join(f"{k} {1000 * v / summary['requests']:.2f} ms" for k, v in summary["cpu_s"].items())
            print(f"  CPU per request, {summary['label']}: {per}")
        ok &= db["overbooked"] == 0 and errors == 0 and db["bad_queues"] == 0
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
