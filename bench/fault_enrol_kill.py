"""Fault: gunicorn SIGKILLed (master and workers) in the middle of a day-care enrolment burst.

    .venv/bin/python bench/fault_enrol_kill.py            # 5 offerings x 35, 60 clients, 600 requests
    .venv/bin/python bench/fault_enrol_kill.py --quick    # 2 offerings, 20 clients, 120 requests

Every client sends real ``POST /api/v1/daycare/offerings/{id}/enrolments`` requests (a
parent's Bearer token, a linked child, an ``Idempotency-Key``). When a quarter of the
requests have their answer, the whole gunicorn process group is SIGKILLed; gunicorn is
started again and every client retries its unanswered request with the SAME key until it
gets an answer. The kill is repeated at half and three quarters of the answers (``--kills``,
default 3). Afterwards every key is sent once more (a replay) and must get the answer it got
first.

Invariants (exit 1 if any breaks): no offering overbooked; each child at most once in an
active enrolment; waiting-list positions 1..N per offering without gap or duplicate; one
enrolment row per answered key (no duplicate for a retried key); every replayed answer equal
to the first one; counters ``taken`` equal to the confirmed rows; every request answered 201.

Reuses ``bench/enrol_burst.py`` (seed, check, client, server start/stop). Loopback only;
port 8140; its own database ``lehuo_fault_enrol`` (created, dropped at the end unless
``--keep-db``); bounded by a deadline; stops every process it started.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import enrol_burst as eb  # noqa: E402

DB_NAME = "lehuo_fault_enrol"
PORT = 8140
DEADLINE_S = 420
RETRY_PAUSE_S = 0.2


def configure() -> None:
    """Point enrol_burst's helpers at this script's own database and directory."""
    eb.DB_NAME = DB_NAME
    eb.ENV["DATABASE_URL"] = f"{eb.PG}/{DB_NAME}?conn_max_age=600"
    eb.ENV["LEHUO_VAR_DIR"] = "/tmp/lehuo-fault-enrol"


def drop_database() -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{eb.PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def fresh_database() -> None:
    import psycopg

    with psycopg.connect(f"{eb.PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    eb.ensure_database()


def group_alive(pgid: int) -> list[int]:
    """Processes still in gunicorn's process group (master and workers)."""
    alive = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if fields[0] != "Z" and int(fields[2]) == pgid:
                alive.append(int(entry))
    return alive


def retryable(status, body: bytes) -> bool:
    if not isinstance(status, int) or status >= 500:
        return True
    if status == 409 or status == 429:
        try:
            return json.loads(body).get("code") == "busy"
        except ValueError:
            return True
    return False



def verify_figures(env: dict) -> bool:
    """``python -m lehuo verify_figures`` in the scratch database: the kept figures equal the
    figures recomputed from the records after the fault."""
    proc = subprocess.run([sys.executable, "-m", "lehuo", "verify_figures"], cwd=Path(__file__).resolve().parent.parent, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=600)
    print(f"  kept figures               verify_figures exit {proc.returncode}: "
          f"{' '.join(proc.stdout.split()[-3:]) or proc.stderr.strip()[-200:]}")
    return proc.returncode == 0

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--kills", type=int, default=3, help="SIGKILLs during the burst (default 3)")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--without-key", action="store_true",
                        help="proof that the check can fail: retries carry no Idempotency-Key (expect exit 1)")
    args = parser.parse_args()
    offerings, clients, requests = (2, 20, 120) if args.quick else (5, 60, 600)

    configure()
    eb.setup_django()
    fresh_database()
    data = eb.seed({"k": (offerings, clients, requests)})["k"]
    jobs = eb.enrol_jobs(data)
    if args.without_key:
        # The client still tracks its request by key; the server does not see it.
        jobs = [[(m, p, b, {**h, "X-Fault-Key": h["Idempotency-Key"]}) for m, p, b, h in j] for j in jobs]
        for j in jobs:
            for _m, _p, _b, h in j:
                del h["Idempotency-Key"]
    total = sum(len(j) for j in jobs)
    print(f"{total} enrolment requests from {clients} clients on {offerings} offering(s) x 35 places; "
          f"gunicorn {args.workers} workers x {args.threads} threads on {eb.HOST}:{PORT}, PostgreSQL {DB_NAME}")

    answers: dict[str, dict] = {}  # key -> first answer {status, body, attempts, answered_after_kill}
    failed_attempts = {"exceptions": 0, "5xx": 0, "busy": 0}
    lock = threading.Lock()
    deadline = time.monotonic() + DEADLINE_S
    proc = eb.start_server(PORT, args.workers, args.threads)

    def client_loop(my_jobs):
        from django.utils import timezone

        client = eb.Client(PORT)
        for method, path, body, headers in my_jobs:
            key = headers.get("Idempotency-Key") or headers["X-Fault-Key"]
            attempts, first_fail = 0, None
            while time.monotonic() < deadline:
                attempts += 1
                try:
                    status, data_ = client.request(method, path, body, headers)
                except Exception:
                    status, data_ = "exception", b""
                if not retryable(status, data_):
                    with lock:
                        answers[key] = {"status": status, "body": json.loads(data_ or b"null"), "attempts": attempts,
                                        "first_fail": first_fail, "request": (method, path, body, headers)}
                    break
                first_fail = first_fail or timezone.now()
                with lock:
                    bucket = "exceptions" if status == "exception" else "5xx" if status >= 500 else "busy"
                    failed_attempts[bucket] += 1
                time.sleep(RETRY_PAUSE_S)

    kills = []
    try:
        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            t0 = time.perf_counter()
            futures = [pool.submit(client_loop, j) for j in jobs]
            for k in range(1, args.kills + 1):
                # Kill k of n at k/(n+1) of the answers: the burst is in full flow each time.
                while len(answers) < total * k // (args.kills + 1) and time.monotonic() < deadline:
                    time.sleep(0.01)
                pids = group_alive(proc.pid)
                info = {"answered_before": len(answers), "t": time.perf_counter() - t0, "pids": len(pids)}
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
                for _ in range(50):
                    if not group_alive(proc.pid):
                        break
                    time.sleep(0.1)
                info["left"] = len(group_alive(proc.pid))
                time.sleep(1.0)  # clients meet a dead port for a moment
                t_down = time.perf_counter()
                proc = eb.start_server(PORT, args.workers, args.threads)
                info["down_s"] = time.perf_counter() - t_down + 1.0
                kills.append(info)
            for f in futures:
                f.result()
            elapsed = time.perf_counter() - t0

        # Replay: every key once more, one request each, must get its first answer back.
        replay_diff = replay_errors = 0
        client = eb.Client(PORT)
        for a in answers.values():
            try:
                status, body = client.request(*a["request"])
            except Exception:
                replay_errors += 1
                continue
            if status != a["status"] or json.loads(body or b"null") != a["body"]:
                replay_diff += 1
    finally:
        eb.stop_server(proc)

    from django.db.models import Count, F

    from lehuo.daycare.models import Enrolment, Offering
    from lehuo.platform.models import IdempotencyKey

    db = eb.check(data["offerings"])
    enrolments = Enrolment.objects.filter(offering__in=data["offerings"])
    rows = enrolments.count()
    dup_children = (enrolments.filter(status__in=[Enrolment.CONFIRMED, Enrolment.WAITLISTED])
                    .values("child").annotate(n=Count("pk")).filter(n__gt=1).count())
    ok_answers = {k: a for k, a in answers.items() if a["status"] == 201}
    answered_ids = [a["body"]["id"] for a in ok_answers.values()]
    ids_in_db = set(enrolments.values_list("pk", flat=True))
    rows_without_key = len(ids_in_db - set(answered_ids))
    keys_sharing_a_row = len(answered_ids) - len(set(answered_ids))
    mismatched = 0
    by_pk = {e.pk: e for e in enrolments}
    for a in ok_answers.values():
        e = by_pk.get(a["body"]["id"])
        if e is None or e.status != a["body"]["status"] or e.position != a["body"].get("position"):
            mismatched += 1
    keys = IdempotencyKey.objects.filter(scope__startswith="daycare.enrol:")
    key_rows = keys.count()
    unanswered_key_rows = keys.filter(status_code=0).count()
    counters_off = (Offering.objects.filter(pk__in=data["offerings"]).annotate(
        c=Count("enrolments", filter=Q_confirmed())).exclude(taken=F("c")).count())
    retried = [a for a in answers.values() if a["attempts"] > 1]
    # A retried key whose row was created before its first failed attempt had committed
    # before the kill: its answer on retry came from the stored idempotency record.
    committed_before_kill = sum(1 for a in retried if a["status"] == 201
                                and by_pk.get(a["body"]["id"]) is not None
                                and by_pk[a["body"]["id"]].created_at < a["first_fail"])
    statuses: dict = {}
    for a in answers.values():
        statuses[a["status"]] = statuses.get(a["status"], 0) + 1

    print()
    for info in kills:
        print(f"SIGKILL after {info['answered_before']} of {total} answers ({info['t']:.1f}s): "
              f"{info['pids']} gunicorn processes killed, {info['left']} left; "
              f"server down {info['down_s']:.1f}s until the restarted gunicorn answered")
    print(f"run {elapsed:.1f}s")
    print(f"failed attempts that were retried with the same key: {failed_attempts}")
    print("\nWHAT SURVIVED")
    print(f"  requests answered          {len(answers)} / {total}  statuses {statuses}")
    print(f"  requests retried           {len(retried)} (in flight or sent while the server was down); "
          f"{committed_before_kill} of them had committed before the kill and got the stored answer")
    print(f"  confirmed / waitlisted     {db['confirmed']} / {db['waitlisted']}  "
          f"(places {35 * len(data['offerings'])})")
    print(f"  overbooked                 {db['overbooked']}")
    print(f"  queues with gap/duplicate  {db['bad_queues']}")
    print(f"  children enrolled twice    {dup_children}")
    print(f"  enrolment rows             {rows} for {len(ok_answers)} answered keys; rows no key answered: "
          f"{rows_without_key}; keys sharing a row: {keys_sharing_a_row}; answers differing from the row: "
          f"{mismatched}")
    print(f"  idempotency records        {key_rows} (unfinished: {unanswered_key_rows})")
    print(f"  taken != confirmed rows    {counters_off} offering(s)")
    print(f"  replay of every key        {len(answers) - replay_diff - replay_errors} same answer, "
          f"{replay_diff} different, {replay_errors} errors")

    ok = (len(answers) == total and statuses.get(201, 0) == total and db["overbooked"] == 0
          and db["bad_queues"] == 0 and dup_children == 0 and rows == len(ok_answers) and rows_without_key == 0
          and keys_sharing_a_row == 0 and mismatched == 0 and unanswered_key_rows == 0 and counters_off == 0
          and replay_diff == 0 and replay_errors == 0 and all(i["left"] == 0 for i in kills) and len(kills) == args.kills)
    ok = verify_figures(eb.ENV) and ok
    print("\nresult:", "OK" if ok else "INVARIANT BROKEN")
    if not args.keep_db:
        drop_database()
    sys.exit(0 if ok else 1)


def Q_confirmed():
    from django.db.models import Q

    from lehuo.daycare.models import Enrolment

    return Q(enrolments__status=Enrolment.CONFIRMED)


if __name__ == "__main__":
    try:
        main()
    except subprocess.CalledProcessError as exc:
        raise SystemExit(f"failed: {exc}") from exc
