"""The 9:00 day-care rush against `make run`'s own server (issue 17), loopback only.

    .venv/bin/python bench/rush_make_run.py             # 300 parents, 100 connections
    .venv/bin/python bench/rush_make_run.py --parents 600 --connections 200

Starts ``scripts/run.sh`` (what ``make run`` starts: gunicorn gthread 1 x 32, SQLite, DEBUG off,
whitenoise, the task worker, the demo town) in a scratch var directory (``/tmp/lehuo-bench-run``,
made afresh each run, so the developer's ``var/`` is never touched), with two bench-only
differences: ``bench/run_settings.py`` adds ``/bench/bare/`` (a trivial view on the same server
and middleware stack, the baseline), and the API's per-address throttle is off (every client
comes from 127.0.0.1; in production nginx limits the opening minute per address).

Seeds ``--parents`` parents of a bench town, each signed in (a session, as after the SMS
sign-in) with two linked children with consent, and three offerings of 35 places in each of two
terms. Then, every client at once through ``--connections`` keep-alive connections:

1. page loads: every parent opens 我的报名 (``/daycare/my/offerings/``), before the opening;
2. the rush through the parent's page: every parent submits the form (POST ``.../enrol/``) for
   their first child; the answer is a redirect to the receipt (place or waiting list);
3. the same rush through the API (``POST /api/v1/daycare/offerings/{id}/enrolments``, Bearer
   token, Idempotency-Key) for their second child, on the second term's offerings;

with a wave of the bare view (same connections, same count) before, between and after. It prints
answered / refused (connection refused or reset) / 5xx / confirmed / waitlisted / overbooked per
rush, enrolments per second, and the ratio to the bare view's rate; exit 1 when a request is
not answered, a 5xx is seen, or the places taken differ from the places there are.
"""

import argparse
import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import enrol_burst  # noqa: E402  (Client, run_phase, summarise, cpu accounting)
from bench.enrol_burst import HOST, Client, run_phase, summarise  # noqa: E402

VAR = Path("/tmp/lehuo-bench-run")
CAPACITY = 35
OFFERINGS = 3
CSRF = "benchcsrftokenbenchcsrftoken1234"  # 32 characters: Django takes an unmasked secret as the cookie


def run_env(port: int) -> dict:
    return {**os.environ, "LEHUO_VAR_DIR": str(VAR), "PORT": str(port), "HOST": HOST,
            "DJANGO_SETTINGS_MODULE": "bench.run_settings", "LEHUO_API_THROTTLE": "0",
            "LEHUO_DEMO_SECOND_FACTOR": "0", "PYTHONPATH": str(ROOT)}


def start(port: int, demo: bool = True) -> subprocess.Popen:
    shutil.rmtree(VAR, ignore_errors=True)
    log = open(VAR.parent / "lehuo-bench-run.log", "w")  # noqa: SIM115 (kept open for the server's life)
    proc = subprocess.Popen(["bash", str(ROOT / "scripts/run.sh")], cwd=ROOT, env={**run_env(port), "LEHUO_RUN_DEMO": "1" if demo else "0"}, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    client, deadline = Client(port), time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"scripts/run.sh stopped (exit {proc.returncode}); see {log.name}")
        try:
            if client.request("GET", "/bench/bare/", headers={"Host": HOST})[0] == 200:
                enrol_burst.SERVER_PID[:] = [proc.pid]
                return proc
        except Exception:
            time.sleep(0.5)
    stop(proc)
    raise SystemExit("make run's server did not answer within 300 s")


def stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


def setup_django(port: int) -> None:
    """This process reads the server's database with the server's keys (made by run.sh)."""
    os.environ.update({k: v for k, v in run_env(port).items() if k.startswith(("LEHUO_", "DJANGO_"))})
    os.environ.update({"DEBUG": "0", "SECRET_KEY_FILE": str(VAR / "secret_key"),
                       "LEHUO_FIELD_KEYS_FILE": str(VAR / "field_keys"), "LEHUO_HASH_KEY_FILE": str(VAR / "hash_key"),
                       "ALLOWED_HOSTS": HOST})
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()


def seed(parents: int) -> dict:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import transaction
    from django.utils import timezone

    from lehuo.accounts.models import ApiToken, Neighbourhood, Town
    from lehuo.accounts.tokens import hash_token
    from lehuo.daycare.models import Child, Offering, Site, Term, Year
    from lehuo.people.models import Consent, GuardianLink, Person
    from lehuo.platform.crypto import keyed_hash

    User = get_user_model()
    year_no = timezone.localdate().year + 1
    with transaction.atomic():
        town = Town.objects.create(code="rush", name="压测镇")
        nbh = Neighbourhood.objects.create(town=town, code="r1", name="压测居民区")
        year = Year.objects.create(town=town, year=year_no)
        starts = {n: dt.date(year_no, 7, 1) + dt.timedelta(days=21 * (n - 1)) for n in (1, 2)}
        terms = [Term.objects.create(year=year, number=n, starts_on=starts[n], ends_on=starts[n] + dt.timedelta(days=18))
                 for n in (1, 2)]
        opens = timezone.now() - dt.timedelta(minutes=1)
        sites = [Site.objects.create(year=year, name=f"压测点{i}", neighbourhood=nbh) for i in range(OFFERINGS)]
        offerings = {t.number: [Offering.objects.create(site=site, term=t, capacity=CAPACITY, fee="600.00",
                                                        opens_at=opens) for site in sites] for t in terms}
        out = []
        for p in range(parents):
            user = User(username=f"rush-parent-{p}")
            user.set_unusable_password()
            user.save()
            phone = f"138{p:08d}"
            guardian = Person.objects.create(town=town, neighbourhood=nbh, name=f"家长{p}", account=user, phone=phone,
                                             phone_hash=keyed_hash(phone), phone_tail=phone[-4:],
                                             birth_date=dt.date(1988, 1, 1))
            kids = [Person.objects.create(town=town, neighbourhood=nbh, name=f"孩子{p}-{k}",
                                          birth_date=dt.date(year_no - 8, 3, 1)) for k in (1, 2)]
            children = []
            for kid in kids:
                GuardianLink.objects.create(child=kid, guardian=guardian)
                Consent.objects.create(person=kid, purpose="daycare", given_by=Consent.GUARDIAN, guardian=guardian,
                                       given_on=timezone.localdate())
                children.append(Child.objects.create(person=kid, school="压测小学", grade=2).pk)
            session = SessionStore()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[1]
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.create()
            token = f"lh_rush_{p}_{uuid.uuid4().hex[:8]}"
            ApiToken.objects.create(key_hash=hash_token(token), user=user, prefix=token[:8])
            out.append({"cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}; "
                                  f"{settings.CSRF_COOKIE_NAME}={CSRF}",
                        "token": token, "children": children,
                        "page_offering": offerings[1][p % OFFERINGS].pk,
                        "api_offering": offerings[2][p % OFFERINGS].pk})
    return {"parents": out, "offerings": {n: [o.pk for o in offs] for n, offs in offerings.items()}}


def per_connection(jobs: list[tuple], connections: int) -> list[list[tuple]]:
    """Parent i goes through connection i mod n, as a busy phone network would share them."""
    out = [[] for _ in range(min(connections, len(jobs)))]
    for i, job in enumerate(jobs):
        out[i % len(out)].append(job)
    return out


def page_loads(data: dict) -> list[tuple]:
    return [("GET", "/daycare/my/offerings/", None, {"Host": HOST, "Cookie": p["cookie"]}) for p in data["parents"]]


def page_rush(data: dict) -> list[tuple]:
    return [("POST", f"/daycare/my/offerings/{p['page_offering']}/enrol/",
             urlencode({"child": p["children"][0], "key": uuid.uuid4().hex, "csrfmiddlewaretoken": CSRF}).encode(),
             {"Host": HOST, "Cookie": p["cookie"], "Content-Type": "application/x-www-form-urlencoded"})
            for p in data["parents"]]


def api_rush(data: dict) -> list[tuple]:
    import json

    return [("POST", f"/api/v1/daycare/offerings/{p['api_offering']}/enrolments",
             json.dumps({"child_id": p["children"][1]}).encode(),
             {"Host": HOST, "Authorization": f"Bearer {p['token']}", "Content-Type": "application/json",
              "Idempotency-Key": uuid.uuid4().hex}) for p in data["parents"]]


def bare(count: int, connections: int) -> list[list[tuple]]:
    return per_connection([("GET", "/bench/bare/", None, {"Host": HOST})] * count, connections)


def places(offering_ids: list[int]) -> dict:
    from django.db.models import Count, Q

    from lehuo.daycare.models import Enrolment, Offering

    rows = Offering.objects.filter(pk__in=offering_ids).annotate(
        confirmed=Count("enrolments", filter=Q(enrolments__status=Enrolment.CONFIRMED)),
        waitlisted=Count("enrolments", filter=Q(enrolments__status=Enrolment.WAITLISTED)))
    out = {"confirmed": 0, "waitlisted": 0, "overbooked": 0, "places": 0, "taken_matches": True}
    for o in rows:
        out["confirmed"] += o.confirmed
        out["waitlisted"] += o.waitlisted
        out["overbooked"] += max(0, o.confirmed - o.capacity)
        out["places"] += o.capacity
        out["taken_matches"] &= o.taken == o.confirmed
    return out


def report(label: str, summary: dict, ok_status: int, db: dict, bare_rate: float) -> bool:
    st = summary["statuses"]
    answered = sum(v for k, v in st.items() if isinstance(k, int))
    refused = sum(v for k, v in st.items() if not isinstance(k, int))
    server_errors = sum(v for k, v in st.items() if isinstance(k, int) and k >= 500)
    expected = min(db["places"], summary["requests"])
    print(f"\n{label}: {summary['requests']} parents")
    print(f"  answered    {answered}   refused/reset {refused}   5xx {server_errors}   statuses {st}")
    print(f"  confirmed   {db['confirmed']} of {db['places']} places   waitlisted {db['waitlisted']}   "
          f"overbooked {db['overbooked']}")
    print(f"  enrolments/s {summary['per_s']:.0f}   p50 {summary['p50_ms']:.0f} ms   p99 {summary['p99_ms']:.0f} ms   "
          f"ratio to the bare view {summary['per_s'] / bare_rate:.2f}")
    return (refused == 0 and server_errors == 0 and set(st) == {ok_status} and db["overbooked"] == 0
            and db["confirmed"] == expected and db["taken_matches"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8133, choices=range(8130, 8140))
    parser.add_argument("--parents", type=int, default=300)
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--no-demo", action="store_true", help="start without loading the demo town (quicker)")
    args = parser.parse_args()
    t0 = time.perf_counter()
    proc = start(args.port, demo=not args.no_demo)
    try:
        print(f"make run's server (scripts/run.sh) answered after {time.perf_counter() - t0:.0f} s on "
              f"{HOST}:{args.port}; var in {VAR}")
        setup_django(args.port)
        t1 = time.perf_counter()
        data = seed(args.parents)
        print(f"seeded {args.parents} parents in {time.perf_counter() - t1:.1f} s")
        n, c = args.parents, args.connections
        run_phase(args.port, bare(200, min(c, 50)), "warm-up")
        loads = run_phase(args.port, per_connection(page_loads(data), c), "page loads")
        bares = [run_phase(args.port, bare(n, c), "bare view")]
        page = run_phase(args.port, per_connection(page_rush(data), c), "page rush")
        bares.append(run_phase(args.port, bare(n, c), "bare view"))
        api = run_phase(args.port, per_connection(api_rush(data), c), "API rush")
        bares.append(run_phase(args.port, bare(n, c), "bare view"))
        bare_all = summarise("bare view", [b["raw"][0] for b in bares])
        rates = ", ".join(f"{b['per_s']:.0f}" for b in bares)
        print(f"\n{c} connections; bare view {bare_all['per_s']:.0f} req/s over {len(bares)} waves "
              f"({rates}), p50 {bare_all['p50_ms']:.0f} ms")
        print(f"page loads (我的报名): {loads['per_s']:.0f}/s, statuses {loads['statuses']}")
        ok = set(loads["statuses"]) == {200}
        ok &= report("rush through the parent's page", page, 302, places(data["offerings"][1]), bare_all["per_s"])
        ok &= report("rush through the API", api, 201, places(data["offerings"][2]), bare_all["per_s"])
        print(f"\npage rate : API rate = {page['per_s'] / api['per_s']:.2f}")
    finally:
        stop(proc)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
