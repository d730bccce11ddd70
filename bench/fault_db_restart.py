"""Fault: PostgreSQL restarted while gunicorn serves the people list API and enrolments.

    .venv/bin/python bench/fault_db_restart.py

Client threads send ``GET /api/v1/people`` (a town admin's token) and
``POST /api/v1/daycare/offerings/{id}/enrolments`` (a parent's token, an
``Idempotency-Key``) in a loop: 8 s before the restart, during
``pg_ctlcluster --skip-systemctl-redirect <version> main restart``, and 12 s after it. Every
answer's status and time is recorded by phase. Afterwards each enrolment that got no 201
is sent again with the same key.

Invariants (exit 1 if any breaks): every request ends within the client timeout (30 s) with an
HTTP answer (no hang); errors during the outage are 5xx without a traceback or settings in
the body; before the restart and from 2 s after it every request succeeds (persistent
connections with ``CONN_HEALTH_CHECKS`` reconnect); the retried enrolments then succeed,
no child is enrolled twice, the offering is not overbooked, waiting-list positions 1..N.

The cluster is shared: the restart runs only when ``pg_stat_activity`` shows no session on a
database other than ``lehuo_fault_db`` and ``postgres``; the script waits up to 5 minutes for
that, else prints SKIPPED and exits 3 (neither pass nor fail). Whatever happens, the cluster
is running when the script exits (started if needed). Loopback only; port 8141; its own
database ``lehuo_fault_db`` (dropped at the end unless ``--keep-db``).
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import enrol_burst as eb  # noqa: E402

DB_NAME = "lehuo_fault_db"
PORT = 8141
QUIET_WAIT_S = 300
BEFORE_S, AFTER_S, GRACE_S = 8.0, 12.0, 2.0
CLUSTER = "main"
ADMIN_TOKEN = "lh_fault_db_admin"


def version() -> str:
    return sorted(os.listdir("/etc/postgresql"))[-1]


def pg_ctl(action: str) -> subprocess.CompletedProcess:
    return subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version(), CLUSTER, action],
                          capture_output=True, text=True, timeout=120)


def cluster_online() -> bool:
    out = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True).stdout
    return any(line.split()[:2] == [version(), CLUSTER] and "online" in line for line in out.splitlines())


def ensure_cluster_running() -> str:
    if cluster_online():
        return "running"
    result = pg_ctl("start")
    return "started again" if cluster_online() else f"NOT RUNNING ({result.stderr.strip()})"


def other_sessions() -> list[tuple[str, int]]:
    import psycopg

    with psycopg.connect(f"{eb.PG}/postgres", autocommit=True) as conn:
        return conn.execute(
            "SELECT datname, count(*) FROM pg_stat_activity WHERE datname IS NOT NULL "
            "AND datname NOT IN (%s, 'postgres') GROUP BY datname ORDER BY datname", (DB_NAME,)).fetchall()


def wait_for_quiet() -> bool:
    deadline = time.monotonic() + QUIET_WAIT_S
    while True:
        others = other_sessions()
        if not others:
            return True
        if time.monotonic() > deadline:
            print(f"SKIPPED: other databases still in use after {QUIET_WAIT_S}s: {others}; "
                  "PostgreSQL was not restarted")
            return False
        print(f"waiting: other databases in use {others}")
        time.sleep(10)


def configure() -> None:
    eb.DB_NAME = DB_NAME
    eb.ENV["DATABASE_URL"] = f"{eb.PG}/{DB_NAME}?conn_max_age=600&connect_timeout=5"
    eb.ENV["LEHUO_VAR_DIR"] = "/tmp/lehuo-fault-db"


def seed_admin() -> None:
    from django.contrib.auth import get_user_model

    from lehuo.accounts.models import TOWN_ADMIN, ApiToken, Membership, Town
    from lehuo.accounts.tokens import hash_token

    town = Town.objects.get(code="bench")
    user, _ = get_user_model().objects.get_or_create(username="fault-db-admin")
    Membership.objects.get_or_create(user=user, town=town, role=TOWN_ADMIN)
    ApiToken.objects.get_or_create(key_hash=hash_token(ADMIN_TOKEN), defaults={"user": user, "prefix": ADMIN_TOKEN[:8]})


def drop_database() -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{eb.PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')



def verify_figures(env: dict) -> bool:
    """``python -m lehuo verify_figures`` in the scratch database: the kept figures equal the
    figures recomputed from the records after the fault."""
    proc = subprocess.run([sys.executable, "-m", "lehuo", "verify_figures"], cwd=Path(__file__).resolve().parent.parent, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=600)
    print(f"  kept figures               verify_figures exit {proc.returncode}: "
          f"{' '.join(proc.stdout.split()[-3:]) or proc.stderr.strip()[-200:]}")
    return proc.returncode == 0

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()

    configure()
    eb.setup_django()
    import psycopg

    with psycopg.connect(f"{eb.PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    eb.ensure_database()
    data = eb.seed({"r": (1, args.clients, args.clients * 60)})["r"]
    seed_admin()
    from django.db import connections

    connections.close_all()  # this process holds no session across the restart
    offering = data["offerings"][0]
    print(f"PostgreSQL {version()}/{CLUSTER}, database {DB_NAME}; gunicorn 2 workers x 4 threads on "
          f"{eb.HOST}:{PORT}; {args.clients} clients alternating GET /api/v1/people and an enrolment POST")

    if not wait_for_quiet():
        if not args.keep_db:
            drop_database()
        return 3

    log: list[tuple] = []  # (sent_at, kind, status, seconds, key, body)
    lock = threading.Lock()
    stop = threading.Event()
    # gunicorn inherits stderr: its error log (a traceback per 500) goes to a file, not here.
    server_log = Path(eb.ENV["LEHUO_VAR_DIR"]) / "gunicorn.log"
    saved_stderr = os.dup(2)
    with server_log.open("wb") as fh:
        os.dup2(fh.fileno(), 2)
    try:
        proc = eb.start_server(PORT, 2, 4)
    finally:
        os.dup2(saved_stderr, 2)
    marks: dict[str, float] = {}
    restart_result = None
    try:
        def client_loop(parent):
            client, children, i = eb.Client(PORT), list(parent["children"]), 0
            people = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Host": eb.HOST}
            while not stop.is_set():
                if i % 2 == 0 or not children:
                    kind, req = "people", ("GET", "/api/v1/people?page=1", None, people)
                    key = None
                else:
                    kind, key = "enrol", uuid.uuid4().hex
                    body = json.dumps({"child_id": children.pop(0)}).encode()
                    req = ("POST", f"/api/v1/daycare/offerings/{offering}/enrolments", body, {
                        "Authorization": f"Bearer {parent['token']}", "Content-Type": "application/json",
                        "Idempotency-Key": key, "Host": eb.HOST})
                i += 1
                sent = time.monotonic()
                try:
                    status, body = client.request(*req)
                except Exception as exc:
                    status, body = type(exc).__name__, b""
                with lock:
                    log.append((sent, kind, status, time.monotonic() - sent, key, body[:2000], req))
                time.sleep(0.05)

        threads = [threading.Thread(target=client_loop, args=(p,), daemon=True) for p in data["parents"]]
        for t in threads:
            t.start()
        time.sleep(BEFORE_S)
        marks["restart_start"] = time.monotonic()
        restart_result = pg_ctl("restart")
        marks["restart_end"] = time.monotonic()
        time.sleep(AFTER_S)
        stop.set()
        for t in threads:
            t.join(timeout=eb.REQUEST_TIMEOUT_S + 5)
        hung_threads = sum(t.is_alive() for t in threads)

        # Every enrolment without a 201 is sent again with the same key.
        client, retried = eb.Client(PORT), {}
        for _sent, kind, status, _s, key, _body, req in list(log):
            if kind == "enrol" and status != 201:
                try:
                    retried[key] = client.request(*req)[0]
                except Exception as exc:
                    retried[key] = type(exc).__name__
    finally:
        eb.stop_server(proc)
        cluster_state = ensure_cluster_running()

    def phase(sent: float, secs: float) -> str:
        # A request still in flight when the restart began belongs to the outage.
        if sent + secs < marks["restart_start"]:
            return "before"
        if sent < marks["restart_end"] + GRACE_S:
            return "outage"
        return "after"

    table: dict = {}
    worst: dict = {}
    leaks = 0
    samples: dict = {}
    for sent, kind, status, secs, _key, body, _req in log:
        p = phase(sent, secs)
        cell = table.setdefault((p, kind), {})
        cell[status] = cell.get(status, 0) + 1
        worst[p] = max(worst.get(p, 0), secs)
        if isinstance(status, int) and status >= 500:
            samples.setdefault(kind, body[:160].decode(errors="replace").replace("\n", " "))
            leaks += any(w in body for w in (b"Traceback", b"SECRET_KEY", b"DEBUG = True", b"psycopg"))

    from django.db.models import Count

    from lehuo.daycare.models import Enrolment

    db = eb.check([offering])
    dup_children = (Enrolment.objects.filter(offering=offering, status__in=[Enrolment.CONFIRMED,
                                                                               Enrolment.WAITLISTED])
                    .values("child").annotate(n=Count("pk")).filter(n__gt=1).count())
    rows = Enrolment.objects.filter(offering=offering).count()
    answered_201 = sum(1 for r in log if r[1] == "enrol" and r[2] == 201) + sum(1 for s in retried.values()
                                                                                 if s == 201)

    print(f"\npg_ctlcluster restart: exit {restart_result.returncode if restart_result else '?'}, "
          f"{marks['restart_end'] - marks['restart_start']:.1f}s; cluster at exit: {cluster_state}")
    print(f"{'phase':8} {'request':7} statuses")
    for p in ("before", "outage", "after"):
        for kind in ("people", "enrol"):
            print(f"{p:8} {kind:7} {table.get((p, kind), {})}")
        print(f"{'':8} slowest answer {worst.get(p, 0):.2f}s")
    errors_at = [sent + secs - marks["restart_start"] for sent, _k, status, secs, *_ in log
                 if not (isinstance(status, int) and status < 500)]
    if errors_at:
        print(f"5xx answers from {min(errors_at):+.2f}s to {max(errors_at):+.2f}s after the restart began "
              f"(the command returned at {marks['restart_end'] - marks['restart_start']:+.2f}s)")
    print(f"(outage = requests in flight when the restart began or sent until {GRACE_S:.0f}s after it returned)")
    after_bad = {k: v for (p, kind), c in table.items() if p in ("before", "after") for k, v in c.items()
                 if k not in (200, 201)}
    outage_non_http = {k: v for (p, kind), c in table.items() if p == "outage" for k, v in c.items()
                       if not isinstance(k, int)}
    for kind, sample in samples.items():
        print(f"a 5xx body ({kind}): {sample!r}")
    tracebacks = server_log.read_text(errors="replace").count("Traceback") if server_log.exists() else 0
    print(f"server error log {server_log}: {tracebacks} tracebacks")
    print("\nWHAT SURVIVED")
    print(f"  requests                   {len(log)} sent, {hung_threads} client threads hung, slowest "
          f"{max(worst.values()):.2f}s (timeout {eb.REQUEST_TIMEOUT_S}s)")
    print(f"  outage answers             5xx bodies with a traceback or settings: {leaks}; "
          f"no HTTP answer at all: {outage_non_http or 0}")
    print(f"  before/after failures      {after_bad or 0}")
    print(f"  enrolments retried         {len(retried)} with the same key after the restart: "
          f"{sum(1 for s in retried.values() if s == 201)} got 201")
    print(f"  enrolment rows             {rows} for {answered_201} answers 201; children twice {dup_children}; "
          f"overbooked {db['overbooked']}; queues with gap/duplicate {db['bad_queues']}")
    print(f"  cluster                    {cluster_state}")

    ok = (hung_threads == 0 and max(worst.values()) < eb.REQUEST_TIMEOUT_S and leaks == 0 and not after_bad
          and not outage_non_http and all(s == 201 for s in retried.values()) and rows == answered_201
          and dup_children == 0 and db["overbooked"] == 0 and db["bad_queues"] == 0 and cluster_online() and restart_result is not None and restart_result.returncode == 0)
    ok = verify_figures(eb.ENV) and ok
    print("\nresult:", "OK" if ok else "INVARIANT BROKEN")
    if not args.keep_db:
        drop_database()
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        code = main()
    finally:
        ensure_cluster_running()
    sys.exit(code)
